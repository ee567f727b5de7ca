"""``healcode import``: a REFI-QDA project or codebook -> files healcode works with.

Writes into one directory (atomically, nothing on error):

- ``codebook.yaml``: the codes as a healcode codebook. Top-level codes become themes,
  their sub-codes (at any depth) that theme's codes. Names become snake_case ids and
  stay as labels. Codes exported by healcode come back with their ids, definitions
  and terms (read from their descriptions); other codes have no terms, which the
  codebook allows: they carry human coding, and code nothing in ``healcode code``
  until terms are added.
- ``sources/<document>.txt``: each text source as UTF-8 with LF line ends, so that
  ``healcode code DIR/sources`` codes the same texts under the same document ids;
  ``sources/metadata.csv`` with the case and source variables, if there are any.
- ``codings.csv``: ``document, start, end, code, coder, text``, one row per human
  coding of text, positions in code points into the written text.
- ``import.json``: what was read and how: the file (path, SHA-256), the program that
  wrote it (from its ``origin``), the options, and per source how its positions were
  counted and why (see ``positions.py``), and the warnings.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import healcode
from healcode.choices import PositionChoice
from healcode.codebook import parse_codebook
from healcode.codebook.schema import SNAKE_CASE
from healcode.errors import CodebookError, ExchangeError
from healcode.outdir import check_writable, staged_directory
from healcode.refi.description import parse_description, parse_settings
from healcode.refi.positions import (
    PositionDecision,
    Reading,
    Selection,
    SourceText,
    decide_reading,
    known_reading,
    writer_program,
)
from healcode.refi.read import Exchange, ExchangeCode, ExchangeSource, read_exchange
from healcode.refi.safety import MAX_READ_BYTES
from healcode.run.write import formula_text_cells

CODING_COLUMNS = ("document", "start", "end", "code", "coder", "text")
RECORD_NAME = "import.json"
_EXTENSIONS = frozenset({".txt", ".docx", ".doc", ".rtf", ".odt", ".pdf", ".md", ".html", ".htm"})
_UNSAFE_CHARS = re.compile(r'[<>:"|?*\x00-\x1f\\]')
# File names that healcode code would pass over as documentation, not transcripts.
_SKIPPED_STEMS = ("readme", "license", "licence", "metadata")
_NEGATION = ("flag", "exclude", "ignore")


@dataclass(frozen=True, slots=True)
class SourcePositions:
    """How the positions of one source were read."""

    document: str  # the document id it was written as
    source: str  # its name in the project
    decision: PositionDecision | None  # None: its text is missing, positions kept as given


@dataclass(frozen=True, slots=True)
class ImportSummary:
    outdir: Path
    kind: str  # "project" or "codebook"
    origin: str
    codes: int
    sources: int  # text files written
    codings: int  # rows of codings.csv
    positions: tuple[SourcePositions, ...]
    warnings: tuple[str, ...]
    program: str = ""  # the program named by ``origin`` ("NVivo", "QualCoder" ...)
    formulas: int = 0  # text cells of codings.csv a spreadsheet would take for formulas

    def readings(self) -> dict[str, str]:
        """Document id -> the ``--positions`` value its positions were read with."""
        return {p.document: p.decision.reading.name for p in self.positions if p.decision}


@dataclass(frozen=True, slots=True)
class _Document:
    id: str
    source: ExchangeSource
    text: SourceText | None


def import_exchange(
    path: str | Path,
    outdir: str | Path,
    *,
    force: bool = False,
    positions: PositionChoice = "auto",
    coder: str | None = None,
    bom: bool = True,
    max_bytes: int = MAX_READ_BYTES,
) -> ImportSummary:
    """Read ``path`` (.qdpx, .qdc or .qde) and write healcode's files into ``outdir``.

    ``coder`` names the coder of every coding; by default each coding's coder is the
    user who made it. A project healcode exported and a researcher reviewed mixes both
    (healcode's codings that were kept, the researcher's own), and is one coder: the
    reviewed coding.
    """
    outdir = Path(outdir)
    check_writable(outdir, force=force, inputs=[path])
    given = None if positions == "auto" else Reading.parse(positions)
    exchange = read_exchange(path, max_bytes=max_bytes)
    warnings = list(exchange.warnings)
    if not exchange.codes and exchange.kind == "codebook":
        raise ExchangeError(f"{exchange.path}: the codebook has no codes")
    codebook_text, paths = build_codebook(exchange) if exchange.codes else ("", {})
    if not exchange.codes:
        warnings.append("the project has no codes: codebook.yaml is not written")
    documents = _documents(exchange.sources)
    decisions = _decide_positions(exchange, documents, given, warnings)
    rows = _coding_rows(exchange, documents, paths, decisions, warnings)
    if coder is not None:
        rows = [(*row[:4], coder, row[5]) for row in rows]
    metadata = _metadata_rows(exchange, documents)
    summary_positions = tuple(
        SourcePositions(d.id, d.source.name, decisions.get(guid)) for guid, d in documents.items()
    )
    with staged_directory(outdir, force=force, inputs=[path], texts=True) as staging:
        if codebook_text:
            (staging / "codebook.yaml").write_text(codebook_text, encoding="utf-8")
        if exchange.kind == "project":
            written = _write_sources(staging / "sources", documents, metadata, warnings)
            _write_csv(staging / "codings.csv", CODING_COLUMNS, rows, bom=bom)
        else:
            written = 0
        summary = ImportSummary(
            outdir,
            exchange.kind,
            exchange.origin,
            len(paths),
            written,
            len(rows),
            summary_positions,
            tuple(warnings),
            writer_program(exchange.origin),
            formula_text_cells(rows),
        )
        record = import_record(exchange, summary, positions=positions, coder=coder, bom=bom)
        (staging / RECORD_NAME).write_text(
            json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return summary


# ---------------------------------------------------------------- codebook


def build_codebook(exchange: Exchange) -> tuple[str, dict[str, str]]:
    """healcode codebook YAML of the exchange's codes, and each code GUID's code path."""
    taken: set[str] = set()
    counter = {"theme": 0, "code": 0}
    paths: dict[str, str] = {}
    themes = []
    for code in exchange.codes:
        fields = parse_description(code.description)
        theme_id = _claim_id(code.name, fields.path, None, "theme", taken, counter)
        paths[code.guid] = theme_id
        theme = _node(theme_id, code, fields)
        children = []
        for child, label in _descendants(code):
            child_fields = parse_description(child.description)
            code_id = _claim_id(label, child_fields.path, theme_id, "code", taken, counter)
            paths[child.guid] = f"{theme_id}/{code_id}"
            children.append(_node(code_id, child, child_fields, label=label))
        if children:
            theme["codes"] = children
        themes.append(theme)
    document = {
        "codebook": 1,
        "name": exchange.name or exchange.path.stem,
        "source": f"Imported from {exchange.path.name}"
        + (f" ({exchange.origin})" if exchange.origin else ""),
        **{
            k: _Words(v) if isinstance(v, list) else v
            for k, v in parse_settings(exchange.description).items()
        },
        "themes": themes,
    }
    text = _CODEBOOK_HEADER.format(file=exchange.path.name) + yaml.dump(
        document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )
    try:
        parse_codebook(text, "codebook.yaml")
    except CodebookError as exc:  # a bug here, not the user's: say so plainly
        raise ExchangeError(
            f"{exchange.path}: the imported codebook is not valid ({exc})"
        ) from None
    return text, paths


_CODEBOOK_HEADER = """\
# Imported by healcode import from {file}.
# Code names became ids (snake_case); the original names are kept as labels.
# Codes without terms or patterns are allowed: they carry the human coding of
# codings.csv, and code nothing when healcode code runs until terms are added.
"""


class _Dumper(yaml.SafeDumper):
    """Multi-line descriptions as literal blocks, so they stay readable."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Words(list):
    """Terms and negators: one line of short words, as codebooks are written by hand."""


def _represent_words(dumper: yaml.SafeDumper, value: _Words) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(_Words, _represent_words)


def _descendants(code: ExchangeCode, prefix: str = ""):
    """Sub-codes at every depth; deeper ones are labelled with their path of names."""
    for child in code.children:
        label = f"{prefix}{child.name}" if prefix else child.name
        yield child, label
        yield from _descendants(child, f"{label} › ")


def _node(node_id: str, code: ExchangeCode, fields, *, label: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"id": node_id, "label": (label or code.name).strip() or node_id}
    for name in ("label_en", "definition", "when_to_use", "when_not_to_use", "example"):
        value = getattr(fields, name).strip()
        if value:
            node[name] = value
    terms = [t for t in dict.fromkeys(fields.terms) if t]
    if terms:
        node["terms"] = _Words(terms)
    patterns = [p for p in fields.patterns if _usable_pattern(p)]
    if patterns:
        node["patterns"] = patterns
    exclude = [t for t in dict.fromkeys(fields.exclude) if t]
    if exclude:
        node["exclude"] = _Words(exclude)
    if fields.negation in _NEGATION and fields.negation != "flag":
        node["negation"] = fields.negation
    return node


def _usable_pattern(pattern: str) -> bool:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return compiled.search("") is None


def _claim_id(
    name: str, written: str, theme: str | None, kind: str, taken: set[str], counter: dict[str, int]
) -> str:
    """The id healcode wrote (from ``healcode id:``) if it fits, else one made from the name."""
    parts = written.split("/") if written else []
    wanted = None
    if theme is None and len(parts) == 1:
        wanted = parts[0]
    elif theme is not None and len(parts) == 2 and parts[0] == theme:
        wanted = parts[1]
    if wanted and SNAKE_CASE.match(wanted) and wanted not in taken:
        taken.add(wanted)
        return wanted
    base = snake_case_id(name)
    if not base:
        counter[kind] += 1
        base = f"{kind}_{counter[kind]}"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    taken.add(candidate)
    return candidate


def snake_case_id(name: str) -> str:
    """'Coke::diet Coke' -> 'coke_diet_coke', 'DietCoke' -> 'diet_coke', '1994 ad' ->
    'code_1994_ad'; '' when nothing of the name is ASCII (e.g. Chinese names)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    ascii_name = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    ident = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if ident and not ident[0].isalpha():
        ident = f"code_{ident}"
    return ident


# ---------------------------------------------------------------- the record


def import_record(
    exchange: Exchange,
    summary: ImportSummary,
    *,
    positions: str,
    coder: str | None,
    bom: bool,
) -> dict[str, Any]:
    """What ``import.json`` holds: enough to see what was read and how, and to redo it."""
    digest = hashlib.sha256()
    with exchange.path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {
        "healcode": healcode.__version__,
        "file": {"path": str(exchange.path.resolve()), "sha256": digest.hexdigest()},
        "kind": exchange.kind,
        "name": exchange.name,
        "origin": exchange.origin,
        "program": summary.program,
        "options": {"positions": positions, "coder": coder, "bom": bom},
        "sources": [_source_record(p) for p in summary.positions],
        "counts": {"codes": summary.codes, "sources": summary.sources, "codings": summary.codings},
        "warnings": list(summary.warnings),
    }


def _source_record(positions: SourcePositions) -> dict[str, Any]:
    decision = positions.decision
    record: dict[str, Any] = {"document": positions.document, "name": positions.source}
    if decision is None:
        return {**record, "positions": None, "decided": "no text"}
    return {
        **record,
        "positions": decision.reading.name,
        "decided": decision.how,
        "selections": decision.selections,
        "alternatives": [r.name for r in decision.rivals],
        "scores": decision.scores,
    }


_HOW = {
    "given": "as given with --positions",
    "evidence": "chosen from where the selections fall",
    "uncertain": "UNCERTAIN (see the warning)",
    "agree": "every reading gives the same selections",
    "no selections": "no selections to place",
}


def positions_report(summary: ImportSummary, *, limit: int = 8) -> list[str]:
    """One line per way positions were read, naming the sources read that way."""
    groups: dict[tuple[str, str], list[str]] = {}
    for item in summary.positions:
        if item.decision is None or item.decision.how == "no selections":
            continue
        decision = item.decision
        label = f"{decision.reading.name} ({decision.reading.describe()})"
        groups.setdefault((label, _HOW[decision.how]), []).append(item.document)
    lines = []
    for (label, how), names in groups.items():
        shown = ", ".join(repr(n) for n in names[:limit])
        if len(names) > limit:
            shown += f" and {len(names) - limit} more (listed in {RECORD_NAME})"
        count = f"{len(names)} source{'s' if len(names) != 1 else ''}"
        lines.append(f"positions: {label} in {count}, {how}: {shown}")
    return lines


# ---------------------------------------------------------------- sources and codings


def _documents(sources: list[ExchangeSource]) -> dict[str, _Document]:
    """Each source's document id: its name made into a safe relative file path."""
    documents: dict[str, _Document] = {}
    taken: set[str] = set()
    for source in sources:
        if source.guid in documents:
            continue
        base = document_id(source.name) or f"source_{source.guid[:8]}"
        candidate, number = base, 2
        while candidate.casefold() in taken:  # file names clash case-insensitively on Windows/macOS
            candidate, number = f"{base} ({number})", number + 1
        taken.add(candidate.casefold())
        text = SourceText(source.text) if source.text is not None else None
        documents[source.guid] = _Document(candidate, source, text)
    return documents


def document_id(name: str) -> str:
    """A source name as a relative path without extension that healcode code reads back.

    Separators make folders; '..', leading dots and characters that file systems refuse
    are removed, so no name can point outside the sources folder. Names are NFC, as
    macOS programs may write them decomposed (Limo\u0301n) and other systems would not.
    """
    parts = []
    for part in re.split(r"[/\\]+", unicodedata.normalize("NFC", name).strip()):
        part = _UNSAFE_CHARS.sub("_", part).strip().strip(".").strip()
        if part:
            parts.append(part)
    if not parts:
        return ""
    last = parts[-1]
    stem, dot, suffix = last.rpartition(".")
    if dot and stem and f".{suffix.lower()}" in _EXTENSIONS:
        last = stem.strip().rstrip(".")
    if last.lower().startswith(_SKIPPED_STEMS):
        last = f"doc_{last}"
    parts[-1] = last
    return "/".join(parts)


def _decide_positions(
    exchange: Exchange,
    documents: dict[str, _Document],
    given: Reading | None,
    warnings: list[str],
) -> dict[str, PositionDecision]:
    """How each source with text counts its positions (source GUID -> decision)."""
    selections: dict[str, dict[Selection, None]] = {}
    for coding in exchange.codings:
        if coding.start is not None and coding.end is not None:
            selections.setdefault(coding.source, {})[
                Selection(coding.start, coding.end, coding.name)
            ] = None
    decisions = {}
    for guid, document in documents.items():
        if document.text is None:
            continue
        decision = decide_reading(
            document.text, list(selections.get(guid, ())), origin=exchange.origin, given=given
        )
        decisions[guid] = decision
        if decision.rivals:
            warnings.append(_ambiguity_warning(document.id, decision, exchange.origin))
    return decisions


def _ambiguity_warning(document: str, decision: PositionDecision, origin: str) -> str:
    chosen, rival = decision.reading, decision.rivals[0]
    program = writer_program(origin)
    prior = known_reading(origin)
    if prior is not None and prior.unit == chosen.unit and program:
        why = f"what {program} writes"
    elif chosen == Reading("codepoints"):
        why = "what the standard says"
    else:
        why = "the best fit, by a small margin"
    others = " or ".join(
        repr(r.name) + (f" (what {program} writes)" if program and r == prior else "")
        for r in decision.rivals
    )
    return (
        f"{document}: its selection positions are ambiguous: read as {chosen.name} "
        f"({chosen.describe()}; {why}), but {others} gives other selections that fit the "
        f"text about as well; check the texts in codings.csv, and if they are wrong import "
        f"again with --positions {rival.name}"
    )


def _coding_rows(
    exchange: Exchange,
    documents: dict[str, _Document],
    paths: dict[str, str],
    decisions: dict[str, PositionDecision],
    warnings: list[str],
) -> list[tuple[str, int, int, str, str, str]]:
    unknown_codes: set[str] = set()
    order = {d.id: index for index, d in enumerate(documents.values())}
    rows = []
    for coding in exchange.codings:
        document = documents.get(coding.source)
        path = paths.get(coding.code)
        if path is None:
            if coding.code not in unknown_codes:
                unknown_codes.add(coding.code)
                warnings.append(
                    f"codings refer to code {coding.code}, which is not in the "
                    "codebook; they are skipped"
                )
            continue
        if document is None:
            continue
        source = document.text
        coder = exchange.users.get(coding.user or "", coding.user or "")
        if coding.start is None or coding.end is None:  # the whole source is coded
            if source is None:
                warnings.append(
                    f"{document.id}: a coding of the whole source with {path} is "
                    "skipped (its text is missing)"
                )
                continue
            start, end = 0, len(source.text)
        elif source is None:
            start, end = coding.start, coding.end  # no text to check or convert them against
        else:
            reading = decisions[coding.source].reading
            first = source.locate(reading, coding.start)
            last = source.locate(reading, coding.end)
            if first is None or last is None or first[0] >= last[0]:
                warnings.append(
                    f"{document.id}: selection {coding.selection!r} at "
                    f"{coding.start}-{coding.end} does not fit the text of "
                    f"{len(source.stored)} characters ({reading.describe()}); its coding "
                    f"with {path} is skipped"
                )
                continue
            start, end = first[0], last[0]
        text = source.text[start:end] if source is not None else ""
        rows.append((document.id, start, end, path, coder, text))
    if exchange.missing:
        coded = sum(
            1
            for c in exchange.codings
            if c.source in documents and documents[c.source].source.name in exchange.missing
        )
        names = ", ".join(repr(n) for n in exchange.missing[:4])
        more = f" and {len(exchange.missing) - 4} more" if len(exchange.missing) > 4 else ""
        warnings.append(
            f"{len(exchange.missing)} text source(s) are referenced but missing from the "
            f"archive ({names}{more}); their {coded} coding(s) are listed without text"
        )
    rows.sort(key=lambda r: (order[r[0]], r[1], r[2], r[3], r[4]))
    return rows


def _metadata_rows(exchange: Exchange, documents: dict[str, _Document]) -> list[dict[str, str]]:
    rows = []
    for guid, document in documents.items():
        values = exchange.variables.get(guid)
        if values and document.text is not None:
            rows.append(
                {"document": document.id, **{k: v for k, v in values.items() if k != "document"}}
            )
    return rows


def _write_sources(
    folder: Path,
    documents: dict[str, _Document],
    metadata: list[dict[str, str]],
    warnings: list[str],
) -> int:
    folder.mkdir()
    written = 0
    for document in documents.values():
        if document.text is None:
            continue
        if not document.text.text.strip():
            warnings.append(f"{document.id}: the source is empty; no text file written")
            continue
        target = folder / f"{document.id}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(document.text.text.encode("utf-8"))
        written += 1
    if metadata:
        columns = list(dict.fromkeys(key for row in metadata for key in row))
        _write_csv(
            folder / "metadata.csv",
            columns,
            [tuple(row.get(c, "") for c in columns) for row in metadata],
            bom=False,
        )
    return written


def _write_csv(path: Path, columns, rows, *, bom: bool) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
