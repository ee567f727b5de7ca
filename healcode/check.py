"""Audit a codebook: what is wrong with it, what may surprise, and how it meets a corpus.

Findings carry the file and line of the term, pattern or code they are about. Errors
make a codebook unusable or a term dead by construction; warnings are probably not
what the author meant; notes (``info``) explain what healcode does with a term.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from healcode.codebook.load import Location, line_of, parse_codebook, read_codebook_text, read_yaml
from healcode.codebook.schema import (
    ZERO_WIDTH,
    Code,
    Codebook,
    Theme,
    is_wildcard,
    matches_no_text,
)
from healcode.errors import CodebookError
from healcode.segment import Segmenter, dictionary_words, has_chinese

if TYPE_CHECKING:
    from healcode.coding import CodingOptions
    from healcode.corpus import Corpus

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_LOCATED = re.compile(r"^(?P<file>.*?):(?P<line>\d+):? ?(?P<message>.*)$", re.S)


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    file: str
    line: int
    kind: str  # a short name of the check, e.g. "duplicate-term"
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message} [{self.kind}]"


@dataclass(frozen=True, slots=True)
class _Entry:
    """A term or pattern of one node (theme or code), with where it is written."""

    path: str  # code path the node codes: "theme/code" or "theme"
    theme: str
    value: str
    line: int


def check_codebook(
    path: str | Path,
    corpus: Corpus | Sequence[str | Path] = (),
    *,
    options: CodingOptions | None = None,
    warnings: list[str] | None = None,
) -> list[Finding]:
    """Every finding about the codebook at ``path`` (and its use on ``corpus``), by line.

    ``corpus`` is a ``load_corpus`` result (read as ``healcode code`` reads it) or paths
    (text files, read strictly); ``options`` decide which speech is coded, as in a
    coding run, and the coding's warnings are appended to ``warnings``."""
    name = str(path)
    text, _ = read_codebook_text(path)
    findings: list[Finding] = []
    try:
        raw, lines = read_yaml(text, name)
    except CodebookError:  # parse_codebook below reports it
        raw, lines = None, {}
    findings.extend(_raw_findings(raw, lines, name))
    try:
        codebook = parse_codebook(text, name)
    except CodebookError as exc:
        located = _LOCATED.match(str(exc))
        line = int(located["line"]) if located and located["file"] == name else 1
        message = located["message"] if located and located["file"] == name else str(exc)
        # the raw pass already reported each bad pattern or empty term on its own line
        repeated = findings and ("regular expression" in message or "empty string" in message)
        if not repeated and not any(f.severity == "error" and f.line == line for f in findings):
            findings.append(Finding("error", name, line, "invalid", message))
        return _sorted(findings)
    codebook._path = name
    entries = list(_entries(codebook, lines, "terms"))
    patterns = list(_entries(codebook, lines, "patterns"))
    findings.extend(_empty_codes(codebook, lines, name))
    findings.extend(_duplicates(entries, name, "term"))
    findings.extend(_duplicates(patterns, name, "pattern"))
    findings.extend(_excluded_terms(codebook, entries, name))
    from healcode.segment import make_segmenter

    plain = make_segmenter(options.segmenter if options is not None else "jieba-rs")
    findings.extend(_split_terms(entries, name, plain))
    findings.extend(_no_negators(codebook, lines, name))
    negators = [n.lower() for n in codebook.negators]
    exclusions = {rule.path: [e.lower() for e in rule.exclude] for rule in codebook.rules()}
    findings.extend(_contained_terms(entries, name, negators, exclusions, plain))
    findings.extend(_wildcard_overlaps(entries, name, plain))
    if corpus:
        findings.extend(
            _corpus_findings(codebook, entries, patterns, lines, corpus, options, warnings)
        )
    return _sorted(findings)


def _sorted(findings: list[Finding]) -> list[Finding]:
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    unique = dict.fromkeys(findings)
    return sorted(unique, key=lambda f: (f.line, rank[f.severity], f.kind, f.message))


# ------------------------------------------------------------------ the raw YAML


def _raw_nodes(raw: Any) -> Iterator[tuple[tuple[str | int, ...], dict]]:
    """(key path, mapping) of every theme and code in the raw YAML, however malformed."""
    themes = raw.get("themes") if isinstance(raw, dict) else None
    if not isinstance(themes, list):
        return
    for i, theme in enumerate(themes):
        if not isinstance(theme, dict):
            continue
        yield ("themes", i), theme
        codes = theme.get("codes")
        if isinstance(codes, list):
            for k, code in enumerate(codes):
                if isinstance(code, dict):
                    yield ("themes", i, "codes", k), code


def _raw_findings(raw: Any, lines: dict, name: str) -> Iterator[Finding]:
    """Each bad pattern and empty term on its own line (the loader stops at the first)."""
    for loc, node in _raw_nodes(raw):
        for key in ("terms", "exclude"):
            values = node.get(key)
            for j, value in enumerate(values if isinstance(values, list) else []):
                if isinstance(value, str) and not value.strip():
                    line = line_of(lines, (*loc, key, j))
                    yield Finding(
                        "error",
                        name,
                        line,
                        "empty-term",
                        f"an empty string in {key} is not a term; remove it",
                    )
        values = node.get("patterns")
        for j, pattern in enumerate(values if isinstance(values, list) else []):
            if not isinstance(pattern, str):
                continue
            line = line_of(lines, (*loc, "patterns", j))
            try:
                compiled = re.compile(pattern.strip())
            except re.error as exc:
                yield Finding(
                    "error",
                    name,
                    line,
                    "invalid-regex",
                    f"pattern {pattern!r} is not a valid regular expression: {exc}",
                )
                continue
            if matches_no_text(pattern.strip()):
                yield Finding(
                    "error",
                    name,
                    line,
                    "zero-width-regex",
                    f"regular expression {pattern!r} {ZERO_WIDTH}",
                )
            elif compiled.search("") is not None:
                yield Finding(
                    "error",
                    name,
                    line,
                    "empty-regex",
                    f"pattern {pattern!r} can match the empty string (e.g. a "
                    "trailing ? or *); make at least one character required",
                )


# ------------------------------------------------------------------ the codebook itself


def _entries(codebook: Codebook, lines: dict, key: str) -> Iterator[_Entry]:
    for i, theme in enumerate(codebook.themes):
        nodes: list[tuple[Theme | Code, str, Location]] = [(theme, theme.id, ("themes", i))]
        nodes += [
            (c, f"{theme.id}/{c.id}", ("themes", i, "codes", k)) for k, c in enumerate(theme.codes)
        ]
        for node, path, loc in nodes:
            for j, value in enumerate(getattr(node, key)):
                yield _Entry(path, theme.id, value, line_of(lines, (*loc, key, j)))


def _empty_codes(codebook: Codebook, lines: dict, name: str) -> Iterator[Finding]:
    for i, theme in enumerate(codebook.themes):
        has_any = bool(theme.terms or theme.patterns)
        for k, code in enumerate(theme.codes):
            if code.terms or code.patterns:
                has_any = True
                continue
            yield Finding(
                "warning",
                name,
                line_of(lines, ("themes", i, "codes", k)),
                "empty-code",
                f"code {theme.id}/{code.id} has no terms or patterns, so it can never code a unit",
            )
        if not has_any:
            yield Finding(
                "warning",
                name,
                line_of(lines, ("themes", i)),
                "empty-code",
                f"theme {theme.id} has no terms or patterns in it or its codes",
            )


def _duplicates(entries: list[_Entry], name: str, what: str) -> Iterator[Finding]:
    """Matching ignores case, so 'Hope' and 'hope' are the same term."""
    first: dict[tuple[str, str], _Entry] = {}
    elsewhere: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        key = (entry.path, entry.value.lower())
        if key in first:
            yield Finding(
                "warning",
                name,
                entry.line,
                f"duplicate-{what}",
                f"{what} {entry.value!r} is listed twice in {entry.path} "
                f"(first at line {first[key].line}); remove one",
            )
            continue
        first[key] = entry
        elsewhere[entry.value.lower()].append(entry)
    for same in elsewhere.values():
        for entry in same[1:]:
            other = same[0]
            yield Finding(
                "warning",
                name,
                entry.line,
                f"duplicate-{what}",
                f"{what} {entry.value!r} of {entry.path} is also a {what} of "
                f"{other.path} (line {other.line}): every match is coded with both",
            )


def _excluded_terms(codebook: Codebook, entries: list[_Entry], name: str) -> Iterator[Finding]:
    """A unit that contains an exclusion is not coded with the code; a term that contains
    one therefore never codes anything."""
    exclusions = {rule.path: [e.lower() for e in rule.exclude] for rule in codebook.rules()}
    for entry in entries:
        for word in exclusions.get(entry.path, ()):
            if word in entry.value.lower():
                yield Finding(
                    "error",
                    name,
                    entry.line,
                    "excluded-term",
                    f"term {entry.value!r} contains {entry.path}'s exclusion "
                    f"{word!r}, so it can never code; remove one of them",
                )
                break


def _no_negators(codebook: Codebook, lines: dict, name: str) -> Iterator[Finding]:
    if not codebook.negators:
        yield Finding(
            "warning",
            name,
            line_of(lines, ("language",)),
            "no-negators",
            f"no negators: healcode has no default list for language "
            f"{codebook.language!r}, so no hit is ever negated; list them under "
            "negators:, or write negators: [] to say so",
        )


def _split_terms(entries: list[_Entry], name: str, plain: Segmenter) -> Iterator[Finding]:
    """Chinese terms (or Chinese parts of mixed terms such as 卡拉OK) jieba would cut;
    alphabetic words are cut by word boundaries, not by jieba."""
    for entry in entries:
        for part in dictionary_words([entry.value]):
            tokens = [t for t in plain.cut(part) if not t.isspace()]
            if len(tokens) > 1:
                yield Finding(
                    "info",
                    name,
                    entry.line,
                    "split-term",
                    f"jieba alone splits {part!r} as {'/'.join(tokens)}; healcode "
                    "adds every term to its dictionary, so it is matched as one word",
                )


def _is_negated_form(longer: str, short: str, negators: Sequence[str]) -> bool:
    """不丢人 is 丢人 negated: a negator followed by the shorter term."""
    return any(longer == f"{n}{short}" for n in negators)


def _contained_terms(
    entries: list[_Entry],
    name: str,
    negators: Sequence[str],
    exclusions: dict[str, list[str]],
    plain: Segmenter,
) -> Iterator[Finding]:
    """X inside another code's term Y: where Y is one word, X does not code there.

    A warning across themes, unless Y is X negated (不丢人 / 丢人), which is how a
    codebook keeps a negated phrase from coding the plain one, or Y is one of the
    exclusions of X's code (志愿者 / 当志愿者), which says the same on purpose; a note
    otherwise. X inside an alphabetic word (hope in hopeless) is a note, as words are
    matched whole; X as whole words of an alphabetic Y (support in support group) codes
    there too, so that is not reported.
    """
    by_value: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        if not is_wildcard(entry.value):
            by_value[entry.value.lower()].append(entry)
    for short in entries:
        needle = short.value.lower()
        if is_wildcard(needle):
            continue
        for value, longer in by_value.items():
            if len(value) <= len(needle) or needle not in value:
                continue
            if not has_chinese(value) and _is_subsequence(
                _words(needle, plain), _words(value, plain)
            ):
                continue
            for other in longer:
                if other.path == short.path:
                    continue  # within a code the longest match wins, by design
                negated = _is_negated_form(value, needle, negators)
                excluded = any(word in value for word in exclusions.get(short.path, ()))
                # inside an alphabetic word (hope / hopeless) is what whole words mean
                across = (
                    other.theme != short.theme
                    and not negated
                    and not excluded
                    and has_chinese(value)
                )
                how = ", its negated form," if negated else ""
                yield Finding(
                    "warning" if across else "info",
                    name,
                    short.line,
                    "contained-term",
                    f"term {short.value!r} ({short.path}) is inside {other.value!r}{how} "
                    f"({other.path}, line {other.line}): where {other.value!r} is one word, "
                    f"{short.value!r} does not code {short.path}",
                )


def _words(text: str, plain: Segmenter) -> list[str]:
    return [t for t in plain.cut(text) if not t.isspace()]


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))


def _wildcard_overlaps(entries: list[_Entry], name: str, plain: Segmenter) -> Iterator[Finding]:
    """A one-word wildcard (hope*) that also matches a term of another code (hopeless):
    a warning across themes, a note within one."""
    for wild in entries:
        prefix = wild.value.lower().removesuffix("*")
        if not is_wildcard(wild.value) or len(prefix.split()) != 1:
            continue
        for other in entries:
            if other.path == wild.path or is_wildcard(other.value):
                continue
            if any(word.startswith(prefix) for word in _words(other.value.lower(), plain)):
                across = other.theme != wild.theme
                yield Finding(
                    "warning" if across else "info",
                    name,
                    wild.line,
                    "wildcard-overlap",
                    f"wildcard {wild.value!r} ({wild.path}) also matches {other.value!r} "
                    f"({other.path}, line {other.line}): every match of it is coded with both",
                )


# ------------------------------------------------------------------ against a corpus


def _corpus_findings(
    codebook: Codebook,
    entries: list[_Entry],
    patterns: list[_Entry],
    lines: dict,
    corpus: Corpus | Sequence[str | Path],
    options: CodingOptions | None,
    warnings: list[str] | None,
) -> Iterator[Finding]:
    from healcode.coding import CodingOptions, code_corpus
    from healcode.corpus import Corpus, load_corpus
    from healcode.segment import make_segmenter

    name = codebook.path or "<codebook>"
    options = options or CodingOptions()
    if not isinstance(corpus, Corpus):
        corpus = load_corpus(corpus, strict=True)
    result = code_corpus(corpus, codebook, options=options)
    if warnings is not None:
        warnings.extend(result.warnings)
    where = f"{len(result.documents)} documents"
    hits: dict[tuple[str, str], int] = defaultdict(int)
    for hit in result.hits:
        hits[(hit.code, hit.term)] += 1
    coded_paths = {path for path, _ in hits}
    for i, theme in enumerate(codebook.themes):
        nodes: list[tuple[str, Theme | Code, Location]] = [(theme.id, theme, ("themes", i))]
        nodes += [
            (f"{theme.id}/{c.id}", c, ("themes", i, "codes", k)) for k, c in enumerate(theme.codes)
        ]
        for path, node, loc in nodes:
            if (node.terms or node.patterns) and path not in coded_paths:
                what = (
                    f"theme {path}'s own terms and patterns code"
                    if path == theme.id
                    else f"{path} codes"
                )
                yield Finding(
                    "warning",
                    name,
                    line_of(lines, loc),
                    "codes-nothing",
                    f"{what} no unit in the corpus ({where})",
                )
    negators = [n.lower() for n in codebook.negators]
    texts = [u.text for u in result.units if u.in_scope]
    lowered = [t.lower() for t in texts]
    segmenter = make_segmenter(options.segmenter, codebook.terms())
    for entry in entries:
        if hits.get((entry.path, entry.value)):
            continue
        wildcard = is_wildcard(entry.value)
        needle = entry.value.lower().removesuffix("*")
        containing = [i for i, text in enumerate(lowered) if needle in text]
        if not containing:
            yield Finding(
                "info",
                name,
                entry.line,
                "never-occurs",
                f"term {entry.value!r} ({entry.path}) never occurs in the corpus",
            )
            continue
        count = sum(lowered[i].count(needle) for i in containing)
        if wildcard:
            yield Finding(
                "info",
                name,
                entry.line,
                "never-codes",
                f"wildcard {entry.value!r} ({entry.path}): {needle!r} occurs "
                f"{count} time(s) but never codes: never at the start of a word, "
                "negated (negation: exclude), in a unit with an exclusion, or "
                "inside a longer match of the same code",
            )
            continue
        splits = [_split_in_context(texts[i], entry.value, segmenter) for i in containing]
        split = splits[0]
        if split is not None and None not in splits:
            example = texts[containing[0]]
            owners = [e for e in entries if e.value.lower() == split.lower()]
            if owners:  # swallowed by another term, e.g. 丢脸 inside 不丢脸
                harmless = owners[0].path == entry.path or _is_negated_form(
                    split.lower(), needle, negators
                )
                yield Finding(
                    "info" if harmless else "warning",
                    name,
                    entry.line,
                    "inside-term",
                    f"term {entry.value!r} ({entry.path}) occurs {count} time(s), "
                    f"only inside the term {split!r} ({owners[0].path}), e.g. "
                    f"{example!r}",
                )
                continue
            how = (
                f"jieba segments it as {split}"
                if has_chinese(entry.value)
                else f"only inside {split}"
            )
            yield Finding(
                "warning",
                name,
                entry.line,
                "not-a-word",
                f"term {entry.value!r} ({entry.path}) occurs {count} time(s) but "
                f"never as a word: {how} (in {example!r}); "
                "add the longer word as a term, or use a pattern",
            )
        else:
            yield Finding(
                "info",
                name,
                entry.line,
                "never-codes",
                f"term {entry.value!r} ({entry.path}) occurs {count} time(s) as a "
                "word but never codes: negated (negation: exclude), in a unit "
                "with an exclusion, or matched by a longer term or a pattern of "
                "the same code",
            )
    for entry in patterns:
        if not hits.get((entry.path, entry.value)):
            yield Finding(
                "info",
                name,
                entry.line,
                "never-matches",
                f"pattern {entry.value!r} ({entry.path}) matches nothing in the corpus",
            )


def _split_in_context(text: str, term: str, segmenter: Any) -> str | None:
    """How the words around a term's first occurrence are cut, if not as the term."""
    tokens = segmenter.cut(text)
    wanted = [t.lower() for t in segmenter.cut(term)]
    lowered = [t.lower() for t in tokens]
    for i in range(len(lowered) - len(wanted) + 1):
        if lowered[i : i + len(wanted)] == wanted:
            return None
    start = text.lower().index(term.lower())
    end = start + len(term)
    position, covering = 0, []
    for token in tokens:
        if position < end and start < position + len(token):
            covering.append(token)
        position += len(token)
    return "/".join(covering)


def has_errors(findings: Sequence[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
