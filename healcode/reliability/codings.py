"""Codings files for agreement: who coded which unit with which code.

A codings file is a CSV with ``document, unit, code`` (one row per unit and code; an
empty ``code`` says the coder saw the unit and gave it no code) and optionally
``coder`` and ``text``. A file from a QDA program may give coded character ranges
instead, ``document, start, end, code``: these are mapped onto the units of a healcode
``units.csv`` with :func:`map_ranges`.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healcode.choices import Level
from healcode.errors import CodingsError

UNIT_COLUMNS = ("document", "unit", "code")
RANGE_COLUMNS = ("document", "start", "end", "code")


@dataclass(frozen=True, slots=True)
class UnitCoding:
    """One coder's decision on one unit: a code, or ``""`` for "seen, no code"."""

    coder: str
    document: str
    unit: int
    code: str
    source: str  # the file it came from, for error messages
    line: int
    text: str = ""  # the unit's text as the file gives it, if it does


@dataclass(frozen=True, slots=True)
class CodedRange:
    """A coded character range, as a QDA program stores it (code points, end exclusive)."""

    coder: str
    document: str
    start: int
    end: int
    code: str
    source: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class UnitSpan:
    """A unit of a healcode run (a row of ``units.csv``)."""

    document: str
    unit: int
    start: int
    end: int
    coded: bool  # in scope: its speaker is coded
    text: str


@dataclass(frozen=True, slots=True)
class RangeMapping:
    codings: tuple[UnitCoding, ...]
    unmatched: tuple[CodedRange, ...]  # ranges that code no in-scope unit


@dataclass(frozen=True)
class Codings:
    """The rows of one codings file, already at unit level.

    A file with a header and no rows is one coder (``coder``: the name it would give its
    rows) who saw every unit and coded none.
    """

    source: str
    rows: tuple[UnitCoding, ...]
    texts: dict[tuple[str, int], str] = field(default_factory=dict)
    unmatched_ranges: int = 0  # coded ranges that covered no in-scope unit
    coder: str = ""

    @property
    def coders(self) -> list[str]:
        if not self.rows:
            return [self.coder] if self.coder else []
        return list(dict.fromkeys(r.coder for r in self.rows))


def code_at_level(code: str, level: Level) -> str:
    """``theme/code`` -> ``theme`` at theme level; the full path at code level."""
    code = code.strip()
    return code.split("/", 1)[0].strip() if level == "theme" else code


def _open_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if not path.is_file():
        raise CodingsError(f"{path}: no such file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            rows = []
            for raw in reader:
                rows.append(
                    (
                        reader.line_num,
                        {
                            (k or "").strip(): (v or "").strip()
                            for k, v in raw.items()
                            if k is not None
                        },
                    )
                )
    except UnicodeDecodeError:
        raise CodingsError(f"{path}: not UTF-8 text; save it as CSV UTF-8") from None
    except csv.Error as exc:
        raise CodingsError(f"{path}: not a readable CSV ({exc})") from None
    if not header:
        raise CodingsError(f"{path}: empty file; expected a header row with document, unit, code")
    return header, rows


def _whole_number(value: str, column: str, path: Path, line: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise CodingsError(
            f"{path} line {line}: {column} {value!r} is not a whole number"
        ) from None
    if number < 0:
        raise CodingsError(f"{path} line {line}: {column} {number} is negative")
    return number


def read_units(path: str | Path) -> list[UnitSpan]:
    """The units of a healcode run, from its ``units.csv`` (read by ``healcode.run``)."""
    from healcode.errors import RunError
    from healcode.run import read_units as read_run_units

    try:
        units = read_run_units(path)
    except RunError as exc:
        raise CodingsError(
            f"{exc} (give the units.csv of the run the codings were made on)"
        ) from None
    return [UnitSpan(u.document, u.index, u.start, u.end, u.in_scope, u.text) for u in units]


def map_ranges(
    ranges: Iterable[CodedRange],
    units: Sequence[UnitSpan],
    *,
    min_overlap: float = 0.5,
) -> RangeMapping:
    """Turn coded character ranges into unit codings.

    A code applies to every in-scope unit that its ranges (merged per coder, document and
    code) cover by at least ``min_overlap`` of the unit's length. Every in-scope unit of a
    document the coder coded counts as seen, so units left uncoded get an empty code.
    Coverage is computed for all units of a document at once (prefix sums over the
    merged ranges), so long documents cost no more than their size.
    """
    import numpy as np

    if not 0 < min_overlap <= 1:
        raise CodingsError(f"min_overlap must be in (0, 1], not {min_overlap}")
    by_document: dict[str, list[UnitSpan]] = defaultdict(list)
    for span in units:
        if span.coded:
            by_document[span.document].append(span)
    bounds = {
        document: (
            np.array([s.start for s in spans], dtype=np.int64),
            np.array([s.end for s in spans], dtype=np.int64),
        )
        for document, spans in by_document.items()
    }
    grouped: dict[tuple[str, str, str], list[CodedRange]] = defaultdict(list)
    first: dict[tuple[str, str], CodedRange] = {}  # coder, document -> its first range
    for r in ranges:
        grouped[(r.coder, r.document, r.code)].append(r)
        first.setdefault((r.coder, r.document), r)
    rows: list[UnitCoding] = []
    unmatched: list[CodedRange] = []
    coded_units: set[tuple[str, str, int]] = set()
    for (coder, document, code), group in grouped.items():
        if not code or document not in bounds:
            unmatched.extend(group if code else ())
            continue
        starts, ends = bounds[document]
        merged = np.array(_merge([(r.start, r.end) for r in group]), dtype=np.int64)
        inside = _covered_upto(merged, ends) - _covered_upto(merged, starts)
        hit = np.flatnonzero((inside > 0) & (inside >= min_overlap * (ends - starts)))
        source, line = group[0].source, group[0].line
        spans = by_document[document]
        for i in hit.tolist():
            rows.append(UnitCoding(coder, document, spans[i].unit, code, source, line))
            coded_units.add((coder, document, spans[i].unit))
        # a range overlaps a coded unit when some coded unit starts before its end and
        # does not end at or before its start
        coded_starts, coded_ends = np.sort(starts[hit]), np.sort(ends[hit])
        lo = np.array([r.start for r in group], dtype=np.int64)
        hi = np.array([r.end for r in group], dtype=np.int64)
        overlapping = np.searchsorted(coded_starts, hi, side="left") - np.searchsorted(
            coded_ends, lo, side="right"
        )
        unmatched.extend(r for r, n in zip(group, overlapping.tolist(), strict=True) if n <= 0)
    for (coder, document), r in first.items():
        rows.extend(
            UnitCoding(coder, document, span.unit, "", r.source, r.line)
            for span in by_document.get(document, [])
            if (coder, document, span.unit) not in coded_units
        )
    rows.sort(key=lambda c: (c.coder, c.document, c.unit, c.code))
    return RangeMapping(tuple(rows), tuple(unmatched))


def _covered_upto(merged: Any, positions: Any) -> Any:
    """Characters before each position that lie inside the merged ranges (an array of
    sorted, disjoint ``[start, end)`` rows)."""
    import numpy as np

    lengths = merged[:, 1] - merged[:, 0]
    before = np.concatenate(([0], np.cumsum(lengths)))  # covered before range k starts
    k = np.searchsorted(merged[:, 0], positions, side="left")  # ranges starting before
    last = np.maximum(k - 1, 0)
    partial = np.clip(positions - merged[last, 0], 0, lengths[last])
    return np.where(k > 0, before[last] + partial, 0)


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def read_codings(
    path: str | Path,
    *,
    coder: str | None = None,
    units: Sequence[UnitSpan] | None = None,
    min_overlap: float = 0.5,
    lengths: Mapping[str, int] | None = None,
) -> Codings:
    """Read a codings file: unit rows, or coded ranges mapped onto ``units``.

    The coder of a row is its ``coder`` column, else ``coder``, else the file's stem.
    A coded range must lie inside its document: ``lengths`` gives each document's length
    in characters (see :func:`read_document_lengths`); a document it does not give ends
    where its last unit ends.
    """
    path = Path(path)
    header, rows = _open_rows(path)
    default_coder = coder or path.stem
    has_units = all(c in header for c in UNIT_COLUMNS)
    has_ranges = all(c in header for c in RANGE_COLUMNS)
    if not has_units and not has_ranges:
        missing = [c for c in UNIT_COLUMNS if c not in header]
        raise CodingsError(
            f"{path}: no {', '.join(missing)} column (columns: {', '.join(header) or 'none'}); "
            "a codings file needs document, unit, code "
            "(or document, start, end, code for coded character ranges)"
        )
    texts: dict[tuple[str, int], str] = {}

    def who(row: dict[str, str]) -> str:
        return row.get("coder") or default_coder

    for line, row in rows:
        if not row["document"]:
            raise CodingsError(f"{path} line {line}: empty document")
    if has_units:
        codings = []
        for line, row in rows:
            unit = _whole_number(row["unit"], "unit", path, line)
            # healcode's excerpts keep a coding whose every hit is negated (没有希望),
            # marked: it is not a coding of that code
            if row.get("negated", "").lower() == "true":
                continue
            codings.append(
                UnitCoding(
                    who(row),
                    row["document"],
                    unit,
                    row["code"],
                    str(path),
                    line,
                    row.get("text", ""),
                )
            )
            if row.get("text"):
                texts.setdefault((row["document"], unit), row["text"])
        return Codings(str(path), tuple(codings), texts, coder=default_coder)
    if units is None:
        raise CodingsError(
            f"{path}: has coded ranges (start, end) instead of units; give --units, "
            "the units.csv of a healcode run on the same sources"
        )
    ranges = []
    extent: dict[str, int] = {}  # where each document ends
    for u in units:
        extent[u.document] = max(extent.get(u.document, 0), u.end)
    known = {d: n for d, n in (lengths or {}).items() if d in extent}
    for line, row in rows:
        start = _whole_number(row["start"], "start", path, line)
        end = _whole_number(row["end"], "end", path, line)
        if end <= start:
            raise CodingsError(f"{path} line {line}: end {end} is not after start {start}")
        document = row["document"]
        if document not in extent:
            raise CodingsError(unknown_document_message(path, line, document, extent))
        limit = known.get(document, extent[document])
        if end > limit:
            size = (
                f"{limit} characters long"
                if document in known
                else f"its last unit ends at {limit}"
            )
            raise CodingsError(
                f"{path} line {line}: range {start}-{end} ends beyond document "
                f"{document!r} ({size}); the range was made on another text, so code the "
                "same sources, or correct the row"
            )
        ranges.append(CodedRange(who(row), document, start, end, row["code"], str(path), line))
    mapping = map_ranges(ranges, units, min_overlap=min_overlap)
    return Codings(str(path), mapping.codings, texts, len(mapping.unmatched), default_coder)


def read_document_lengths(units_csv: str | Path) -> dict[str, int]:
    """Each document's length in characters, from the ``documents.csv`` beside a run's
    ``units.csv``; empty when there is none (then ranges are bounded by the units)."""
    from healcode.run.schema import DOCUMENTS

    documents_csv = Path(units_csv).with_name(DOCUMENTS.file)
    if not documents_csv.is_file():
        return {}
    header, rows = _open_rows(documents_csv)
    if not {"document", "characters"} <= set(header):
        return {}
    return {
        row["document"]: _whole_number(row["characters"], "characters", documents_csv, line)
        for line, row in rows
    }


def unknown_document_message(
    path: Path | str, line: int, document: str, known: Iterable[str]
) -> str:
    names = sorted(known)
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    return (
        f"{path} line {line}: document {document!r} is not in the units file "
        f"(its documents: {shown}); code the same sources with the same document ids"
    )
