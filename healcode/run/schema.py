"""The files of a run folder and their columns, declared once for the writer and the reader.

A column's ``kind`` says how the reader converts its text (``int``, ``float``, ``bool``;
everything else stays text, so ids like ``007`` and words like ``NA`` stay as written).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["str", "int", "float", "bool"]
COLUMN_KINDS: tuple[ColumnKind, ...] = ("str", "int", "float", "bool")
# After the declared columns: document metadata (documents, excerpts) or one count per
# theme/code (matrix, co-occurrence).
Extra = Literal["none", "metadata", "counts"]

MANIFEST = "manifest.json"
# The layout of a run folder; a reader refuses a folder of a newer format.
RUN_FORMAT = 2
TERM_SEPARATOR = "; "  # between the terms of an excerpt's ``terms`` cell
METADATA_PREFIX = "meta_"  # before a metadata column whose name is one of ours
HEADER_PREFIX = "header_"  # before a transcript header field whose name is taken


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: ColumnKind = "str"


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One CSV of a run: its file name, its columns in order, and what may follow them."""

    file: str
    columns: tuple[Column, ...]
    extra: Extra = "none"
    # Columns written only by some runs (a learned model's), after ``columns``.
    optional: tuple[Column, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def kinds(self) -> dict[str, ColumnKind]:
        return {c.name: c.kind for c in (*self.columns, *self.optional)}


def _columns(*spec: str) -> tuple[Column, ...]:
    """``"unit:int"`` -> Column("unit", "int"); a bare name is text."""
    columns = []
    for item in spec:
        name, _, kind = item.partition(":")
        kind = kind or "str"
        if kind not in COLUMN_KINDS:
            raise ValueError(f"column {item!r}: the kind is one of {', '.join(COLUMN_KINDS)}")
        columns.append(Column(name, kind))
    return tuple(columns)


DOCUMENTS = TableSpec(
    "documents.csv",
    _columns("document", "source", "characters:int", "units:int", "coded_units:int"),
    extra="metadata",
)
UNITS = TableSpec(
    "units.csv",
    _columns(
        "document", "unit:int", "speaker", "role", "start:int", "end:int", "coded:bool", "text"
    ),
)
EXCERPTS = TableSpec(
    "excerpts.csv",
    _columns(
        "document",
        "unit:int",
        "speaker",
        "role",
        "start:int",
        "end:int",
        "theme",
        "code",
        "terms",
        "negated:bool",
        "text",
    ),
    extra="metadata",
    optional=_columns("source", "score:float", "evidence"),
)
HITS = TableSpec(
    "hits.csv",
    _columns(
        "document", "unit:int", "theme", "code", "term", "start:int", "end:int", "negated:bool"
    ),
)
FREQUENCIES = TableSpec(
    "frequencies.csv",
    _columns(
        "level",
        "theme",
        "code",
        "label",
        "references:int",
        "documents:int",
        "documents_pct:float",
        "hits:int",
        "per_10k_chars:float",
    ),
    optional=_columns("negated:int"),  # runs of format 2 on
)
MATRIX = TableSpec("matrix.csv", _columns("document"), extra="counts")
COOCCURRENCE = TableSpec("cooccurrence.csv", _columns("theme"), extra="counts")

TABLES = (DOCUMENTS, UNITS, EXCERPTS, HITS, FREQUENCIES, MATRIX, COOCCURRENCE)
RUN_FILES = (*(t.file for t in TABLES), MANIFEST)


def metadata_names(columns: list[str] | tuple[str, ...]) -> list[str]:
    """Output names of metadata columns: ``meta_`` before one that clashes with ours."""
    taken = set(EXCERPTS.names) | set(DOCUMENTS.names) | {c.name for c in EXCERPTS.optional}
    return [f"{METADATA_PREFIX}{c}" if c in taken else c for c in columns]


def header_names(
    fields: list[str] | tuple[str, ...], taken: list[str] | tuple[str, ...] = ()
) -> list[str]:
    """Output names of transcript header fields: ``header_`` before one that clashes with an
    output or metadata column."""
    clash = set(EXCERPTS.names) | set(DOCUMENTS.names) | set(taken)
    return [f"{HEADER_PREFIX}{f}" if f in clash else f for f in fields]
