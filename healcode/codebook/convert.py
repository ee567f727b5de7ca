"""Convert dictionaries from other tools into healcode codebooks.

Read: quanteda-style YAML dictionaries (nested keys, lists of terms), LIWC ``.dic``
files and WordStat ``.cat`` files. The first level of categories becomes themes, the
second codes; healcode has two levels, so the entries of deeper categories join their
second-level code. An entry with one ``*`` at its end (``hope*``, ``期待*``) stays a term:
healcode reads it as those dictionaries do, a prefix wildcard that matches every word
starting with the rest. Other globs (``*`` elsewhere, ``?`` for one character) become
regex patterns: next to Latin letters ``*`` is ``\\w*`` with a word boundary; next to
Chinese characters it is at most three more characters (``\\w{0,3}``), since a regex on
raw Chinese text has no word boundary to stop at and Chinese words are rarely longer
than four characters.

The codebook's language is the dictionary's: ``en`` when more of its entries are
alphabetic than Chinese, else ``zh`` (or as given); its negators, that language's
default list, are written out so they can be edited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from healcode.choices import SourceFormat
from healcode.errors import CodebookError

FORMAT_BY_SUFFIX: dict[str, SourceFormat] = {
    ".yml": "yaml",
    ".yaml": "yaml",
    ".dic": "liwc",
    ".cat": "wordstat",
}
_WEIGHT = re.compile(r"^(?P<entry>.*?)\s*\((?P<weight>[-+]?\d+(?:\.\d+)?)\)\s*$")
_ID_CHARS = re.compile(r"[^a-z0-9]+")


@dataclass
class Category:
    """A category of the source dictionary: its name, entries and subcategories."""

    name: str
    entries: list[str] = field(default_factory=list)
    children: list[Category] = field(default_factory=list)


@dataclass(frozen=True)
class Conversion:
    yaml: str  # the healcode codebook
    themes: int
    codes: int
    terms: int
    patterns: int
    skipped: list[str]  # entries that could not be converted, with the reason
    language: str = "zh"


def convert_dictionary(
    path: str | Path,
    *,
    source_format: SourceFormat | None = None,
    name: str | None = None,
    encoding: str | None = None,
    language: str | None = None,
) -> Conversion:
    """Read a dictionary file and return an equivalent healcode codebook (as YAML text).

    ``language`` (zh, en ...) is detected from the entries when not given. The result
    is validated with the codebook loader before it is returned.
    """
    from healcode.codebook.load import parse_codebook
    from healcode.codebook.schema import default_negators
    from healcode.corpus.text import decode_bytes

    path = Path(path)
    fmt = source_format or FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise CodebookError(
            f"{path}: unknown dictionary type {path.suffix or '(no suffix)'}; name it .yml "
            "(quanteda), .dic (LIWC) or .cat (WordStat), or give --from"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CodebookError(f"{path}: cannot be read ({exc.strerror})") from None
    text, _ = decode_bytes(data, str(path), encoding=encoding)
    reader = {"yaml": read_quanteda_yaml, "liwc": read_liwc, "wordstat": read_wordstat}[fmt]
    skipped: list[str] = []
    categories = reader(text, str(path), skipped)
    if not categories:
        raise CodebookError(f"{path}: no categories found; is it a {fmt} dictionary?")
    themes = [
        _theme(category, f"theme_{i}", skipped) for i, category in enumerate(categories, start=1)
    ]
    _unique_ids(themes)
    language = language or detect_language(categories)
    document: dict[str, Any] = {
        "codebook": 1,
        "name": name or path.stem,
        "language": language,
        "source": f"Converted by healcode from {path.name} ({fmt} dictionary)",
    }
    if default_negators(language):
        document["negators"] = list(default_negators(language))
    document["themes"] = themes
    out = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    parse_codebook(out, f"{path} (converted)")
    codes = [c for t in themes for c in t.get("codes", [])]
    nodes = [*themes, *codes]
    return Conversion(
        out,
        len(themes),
        len(codes),
        sum(len(n.get("terms", [])) for n in nodes),
        sum(len(n.get("patterns", [])) for n in nodes),
        skipped,
        language,
    )


def detect_language(categories: list[Category]) -> str:
    """``en`` when more entries are written in an alphabet than in Chinese, else ``zh``."""
    from healcode.segment import ALPHABETIC_WORD, has_chinese

    chinese = alphabetic = 0
    for category in categories:
        for entry in _flatten(category).entries:
            if has_chinese(entry):
                chinese += 1
            elif ALPHABETIC_WORD.search(entry):
                alphabetic += 1
    return "en" if alphabetic > chinese else "zh"


# ------------------------------------------------------------------ readers


def read_quanteda_yaml(text: str, source: str, skipped: list[str]) -> list[Category]:
    """quanteda's YAML dictionaries: keys are categories, lists hold terms and may hold
    further keys (``- key: [terms]``)."""
    from healcode.codebook.load import read_yaml

    data, _ = read_yaml(text, source)  # terms as written: `no` and `2018` stay text
    if not isinstance(data, dict):
        raise CodebookError(f"{source}: a quanteda dictionary is a mapping of categories")
    if "themes" in data and "codebook" in data:
        raise CodebookError(f"{source}: this is already a healcode codebook")
    return [_yaml_category(str(key), value, source) for key, value in data.items()]


def _yaml_category(name: str, value: Any, source: str) -> Category:
    category = Category(name)
    items: Iterable[Any]
    if isinstance(value, dict):
        items = [value]
    elif isinstance(value, list):
        items = value
    elif value is None:
        items = []
    else:
        items = [value]
    for item in items:
        if isinstance(item, dict):
            category.children += [_yaml_category(str(k), v, source) for k, v in item.items()]
        elif isinstance(item, (str, int, float)) and str(item).strip():
            category.entries.append(str(item).strip())
    return category


def read_liwc(text: str, source: str, skipped: list[str]) -> list[Category]:
    """LIWC ``.dic``: a ``%``-delimited header of ``number name`` lines, then one entry per
    line followed by the numbers of its categories."""
    lines = text.splitlines()
    marks = [i for i, line in enumerate(lines) if line.strip() == "%"]
    if len(marks) < 2:
        raise CodebookError(
            f"{source}: a LIWC dictionary starts with a category list between two % lines"
        )
    categories: dict[str, Category] = {}
    for number, line in enumerate(lines[marks[0] + 1 : marks[1]], start=marks[0] + 2):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 2:
            raise CodebookError(f"{source}:{number}: expected a category number and a name")
        categories[parts[0]] = Category(" ".join(parts[1:]))
    for number, line in enumerate(lines[marks[1] + 1 :], start=marks[1] + 2):
        if not line.strip():
            continue
        # entries may contain spaces (multi-word); the category numbers come last
        parts = re.split(r"\t+|\s{2,}|\s+(?=\d+(?:\s|$))", line.strip())
        entry, ids = parts[0].strip(), [p.strip() for p in parts[1:] if p.strip()]
        for cat_id in ids:
            if not cat_id.isdigit():  # LIWC2007's "(02 134)125/464" context rules
                skipped.append(f"line {number}: {entry!r}: rule {cat_id!r} is not supported")
                continue
            if cat_id not in categories:
                raise CodebookError(
                    f"{source}:{number}: category {cat_id!r} of {entry!r} is not in the header"
                )
            categories[cat_id].entries.append(entry)
    return list(categories.values())


def read_wordstat(text: str, source: str, skipped: list[str]) -> list[Category]:
    """WordStat ``.cat``: categories and entries indented by depth; entries end with a
    weight such as ``(1)``. A line without a weight is a category when the next line is
    indented deeper."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        expanded = line.expandtabs(4)
        rows.append((number, len(expanded) - len(expanded.lstrip()), line.strip()))
    top: list[Category] = []
    stack: list[tuple[int, Category]] = []
    for index, (number, depth, content) in enumerate(rows):
        while stack and stack[-1][0] >= depth:
            stack.pop()
        weighted = _WEIGHT.match(content)
        deeper_next = index + 1 < len(rows) and rows[index + 1][1] > depth
        if weighted is None and (deeper_next or not stack):
            category = Category(content)
            (stack[-1][1].children if stack else top).append(category)
            stack.append((depth, category))
        elif not stack:
            raise CodebookError(f"{source}:{number}: entry {content!r} is outside any category")
        else:
            entry = weighted["entry"] if weighted else content
            stack[-1][1].entries.append(entry.strip())
    return top


# ------------------------------------------------------------------ to healcode


def glob_to_pattern(term: str) -> str:
    """A glob (``*``, ``?``) as a regex on raw text; see the module docstring."""
    out = []
    for index, char in enumerate(term):
        if char not in "*?":
            out.append(re.escape(char))
            continue
        before = term[index - 1] if index > 0 else ""
        after = term[index + 1] if index + 1 < len(term) else ""
        latin = _is_latin(before) or _is_latin(after)
        if char == "?":
            out.append("\\w")
        else:
            out.append("\\w*" if latin else "\\w{0,3}")
    pattern = "".join(out)
    if _is_latin(term.lstrip("*?")[:1]):
        pattern = "\\b" + pattern
    if _is_latin(term.rstrip("*?")[-1:]) and not term.endswith("*"):
        pattern += "\\b"
    return pattern


def _is_prefix_wildcard(entry: str) -> bool:
    """One * at the end of a word, no other glob: hope*, 期待*, support group*."""
    prefix = entry[:-1]
    return (
        entry.endswith("*")
        and "*" not in prefix
        and "?" not in prefix
        and bool(prefix)
        and not prefix[-1].isspace()
    )


def _is_latin(char: str) -> bool:
    return bool(char) and char.isascii() and char.isalnum()


def _node(category: Category, fallback: str, skipped: list[str]) -> dict[str, Any]:
    slug = _ID_CHARS.sub("_", category.name.lower()).strip("_")
    node_id = slug if slug and slug[0].isalpha() else fallback
    terms: list[str] = []
    patterns: list[str] = []
    for entry in category.entries:
        clean = entry.strip()
        if not clean:
            continue
        if "*" in clean or "?" in clean:
            if not clean.strip("*?"):
                skipped.append(f"{category.name}: {entry!r} matches everything")
                continue
            if _is_prefix_wildcard(clean):
                terms.append(clean)  # hope*: healcode's own prefix wildcard
                continue
            patterns.append(glob_to_pattern(clean))
        else:
            terms.append(clean)
    node: dict[str, Any] = {"id": node_id, "label": category.name}
    if terms:
        node["terms"] = list(dict.fromkeys(terms))
    if patterns:
        node["patterns"] = list(dict.fromkeys(patterns))
    return node


def _theme(category: Category, fallback: str, skipped: list[str]) -> dict[str, Any]:
    theme = _node(category, fallback, skipped)
    codes = []
    for k, child in enumerate(category.children, start=1):
        code = _node(_flatten(child), f"{theme['id']}_{k}", skipped)
        codes.append(code)
    if codes:
        theme["codes"] = codes
    return theme


def _flatten(category: Category) -> Category:
    """A category with its subcategories' entries folded in (healcode has two levels)."""
    entries = list(category.entries)
    for child in category.children:
        entries += _flatten(child).entries
    return Category(category.name, entries)


def _unique_ids(themes: list[dict[str, Any]]) -> None:
    """Ids must be unique across the whole codebook: later duplicates get _2, _3 ..."""
    seen: set[str] = set()
    for node in [n for t in themes for n in (t, *t.get("codes", []))]:
        base, number = node["id"], 1
        while node["id"] in seen:
            number += 1
            node["id"] = f"{base}_{number}"
        seen.add(node["id"])
