"""Write a coding run folder: its tables as CSV and ``manifest.json``, staged and atomic."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, compress, repeat
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from healcode.corpus.units import Units
from healcode.outdir import staged_directory
from healcode.records import Hits
from healcode.run.schema import (
    COOCCURRENCE,
    DOCUMENTS,
    EXCERPTS,
    FREQUENCIES,
    HITS,
    MANIFEST,
    MATRIX,
    RUN_FILES,
    RUN_FORMAT,
    UNITS,
)

if TYPE_CHECKING:
    from healcode.codebook import Codebook
    from healcode.coding import CodingResult
    from healcode.corpus import InputFile
    from healcode.model import LearnedModel
    from healcode.records import Coding, Hit, Unit
    from healcode.run.tables import DocumentLike, Table, Tally

# The CSV files of a run, in the order the manifest lists their rows.
TABLE_FILES = (
    DOCUMENTS.file,
    UNITS.file,
    EXCERPTS.file,
    HITS.file,
    FREQUENCIES.file,
    MATRIX.file,
    COOCCURRENCE.file,
)

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_run(
    result: CodingResult,
    outdir: str | Path,
    *,
    force: bool = False,
    bom: bool = True,
    inputs: Iterable[str | Path] = (),
    notes: list[str] | None = None,
) -> list[Path]:
    """Write the run folder ``outdir`` (``RUN_FILES``); nothing is replaced but a run folder
    healcode wrote, and only with ``force``; ``inputs`` may not overlap it."""
    outdir = Path(outdir)
    sources = [*inputs, *(i.path for i in result.inputs)]
    with staged_directory(outdir, force=force, inputs=sources, notes=notes) as staging:
        write_run_files(result, staging, bom=bom)
    return [outdir / name for name in RUN_FILES]


def write_run_files(result: CodingResult, folder: Path, *, bom: bool = True) -> dict[str, int]:
    """Write the run's files into ``folder`` (a staging folder); return formula-like cells
    per file (see :func:`formula_cells`). The rows go through the same writer as a run
    streamed document by document (:class:`RunWriter`)."""
    from healcode.run import tables as build

    writer = RunWriter(
        folder,
        result.codebook,
        metadata_columns=result.metadata_columns,
        bom=bom,
        model=result.model is not None,
    )
    try:
        for group in build.by_document(result):
            writer.add(
                render_document(
                    group, writer.excerpt_metadata, writer.outputs(), model=writer.model
                )
            )
        return writer.close(RunRecord.of(result))
    finally:
        writer.abort()


@dataclass
class RunRecord:
    """What a run's manifest records beside its tables (see :func:`build_manifest`)."""

    codebook: Codebook
    options: dict[str, object]
    segmenter: str
    segmenter_version: str
    reading: dict[str, object] = field(default_factory=dict)
    inputs: list[InputFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    metadata_columns: list[str] = field(default_factory=list)
    model: dict[str, object] | None = None  # the learned model beside the dictionary

    @classmethod
    def of(cls, result: CodingResult) -> RunRecord:
        return cls(
            result.codebook,
            result.options_dict(),
            result.segmenter,
            result.segmenter_version,
            result.reading,
            result.inputs,
            result.skipped,
            result.excluded,
            result.warnings,
            result.metadata_columns,
            model_record(result.model),
        )


class CodedDocument(Protocol):
    """One document's rows (``coding.DocumentCoding``, or a document of an in-memory run)."""

    @property
    def document(self) -> DocumentLike: ...
    @property
    def units(self) -> Sequence[Unit]: ...
    @property
    def hits(self) -> Sequence[Hit]: ...
    @property
    def codings(self) -> Sequence[Coding]: ...


@dataclass(frozen=True, slots=True)
class Outputs:
    """Where one document's rows of units.csv, hits.csv and excerpts.csv go: the files of a
    run, or buffers whose text a worker process sends back."""

    units: TextIO
    hits: TextIO
    excerpts: TextIO


@dataclass(slots=True)
class DocumentRows:
    """What the writer keeps of a coded document once its rows are written: counts, its
    tally for the frequency, matrix and co-occurrence tables, and formula-like cells."""

    document: DocumentLike
    units: int
    coded_units: int
    hits: int
    excerpts: int
    metadata: tuple[str, ...]  # the metadata columns of its excerpt rows
    tally: Tally
    formulas: dict[str, int]


def render_document(
    coded: CodedDocument, metadata_columns: Sequence[str], outputs: Outputs, *, model: bool = False
) -> DocumentRows:
    """Write one coded document's rows of units.csv, hits.csv and excerpts.csv (its
    excerpts with ``metadata_columns``) to ``outputs``; what the tables need of it beside
    those rows is returned. The per-document half of writing a run: it runs where the
    document was coded (a worker process, or a Dask task)."""
    from healcode.run import tables as build

    info, units, hits, codings = coded.document, coded.units, coded.hits, coded.codings
    csv.writer(outputs.units, lineterminator="\n").writerows(build.unit_rows(units))
    csv.writer(outputs.hits, lineterminator="\n").writerows(build.hit_rows(hits))
    excerpts = csv.writer(outputs.excerpts, lineterminator="\n")
    excerpt_formulas = len(codings) * sum(_formula(info.meta.get(c, "")) for c in metadata_columns)
    for rows in build.excerpt_batches(codings, units, info.meta, metadata_columns, model=model):
        excerpts.writerows(rows)
        excerpt_formulas += _column_formulas(
            rows, _text_columns(build.excerpt_columns((), model=model))
        )
    if isinstance(units, Units):
        coded_units, scope_chars = units.scope_size()
        starts = units.starts
        # a unit's text starts with its first character in the document
        unit_formulas = sum(map(_FORMULA_CHARS.__contains__, map(units.text.__getitem__, starts)))
        flagged = set()
        if any(map(_STARTS_FORMULA, {t.speaker for t in units.turns})):
            flagged = {i for i, t in enumerate(units.turns) if _formula(t.speaker)}
        if flagged:
            unit_formulas += sum(map(flagged.__contains__, units.turn_of))
    else:
        coded_units = sum(u.in_scope for u in units)
        scope_chars = sum(len(u.text) for u in units if u.in_scope)
        unit_formulas = _formulas(u.text for u in units) + _formulas(u.speaker for u in units)
    if isinstance(hits, Hits):
        hit_formulas = 0
        if any(map(_STARTS_FORMULA, chain.from_iterable(hits.table))):
            per_kind = [sum(map(_formula, kind)) for kind in hits.table]
            hit_formulas = sum(map(per_kind.__getitem__, hits.kinds))
    else:
        hit_formulas = sum(_formula(h.theme) + _formula(h.code) + _formula(h.term) for h in hits)
    formulas = {
        UNITS.file: _formula(info.id) * len(units) + unit_formulas,
        HITS.file: _formula(info.id) * len(hits) + hit_formulas,
        EXCERPTS.file: excerpt_formulas,
    }
    return DocumentRows(
        info,
        len(units),
        coded_units,
        len(hits),
        len(codings),
        tuple(metadata_columns),
        build.tally_document(codings, hits, scope_chars),
        {name: n for name, n in formulas.items() if n},
    )


# FORMULA_STARTS are single characters: a text starts with one when its first is one.
_FORMULA_CHARS = frozenset("".join(FORMULA_STARTS))
assert len(_FORMULA_CHARS) == len(FORMULA_STARTS)
_STARTS_FORMULA = methodcaller("startswith", FORMULA_STARTS)


def _formula(value: str) -> int:
    return 1 if value.startswith(FORMULA_STARTS) else 0


def _formulas(values: Iterable[str]) -> int:
    return sum(map(_STARTS_FORMULA, values))


def _text_columns(names: Sequence[str]) -> list[int]:
    """Where the text columns of an excerpt row are, among its columns ``names``."""
    kinds = EXCERPTS.kinds()
    return [i for i, name in enumerate(names) if kinds.get(name, "str") == "str"]


def _column_formulas(rows: Sequence[Sequence[Any]], columns: Iterable[int]) -> int:
    """Formula-like text cells in these columns of ``rows``."""
    total = 0
    for column in columns if rows else ():
        values = list(map(itemgetter(column), rows))
        total += _formulas(compress(values, map(isinstance, values, repeat(str))))
    return total


class RenderBuffers:
    """:class:`Outputs` into memory, for a document rendered away from the run's files:
    ``take()`` gives each file's rows as UTF-8 bytes (sent back as they are written)."""

    def __init__(self) -> None:
        self._buffers = (io.BytesIO(), io.BytesIO(), io.BytesIO())
        units, hits, excerpts = (
            io.TextIOWrapper(b, encoding="utf-8", newline="") for b in self._buffers
        )
        self.outputs = Outputs(units, hits, excerpts)

    def take(self) -> tuple[bytes, bytes, bytes]:
        outputs = self.outputs
        for handle in (outputs.units, outputs.hits, outputs.excerpts):
            handle.flush()
        units, hits, excerpts = (b.getvalue() for b in self._buffers)
        return units, hits, excerpts


class RunWriter:
    """Writes a run folder one coded document at a time, so a run needs memory for one
    document, not for the corpus: the rows of units.csv, hits.csv, excerpts.csv and
    matrix.csv are written as each document comes (in input order); documents.csv,
    frequencies.csv, co-occurrence.csv and ``manifest.json``, which need every document,
    are written by :meth:`close` from per-document counts.

    ``metadata_columns``: the metadata columns known before the first document (a
    metadata file's). A document may bring more (a table's columns: see
    :meth:`add_columns`); if the run's columns are not those every excerpt row was
    written with, :meth:`close` rewrites excerpts.csv with them.
    """

    def __init__(
        self,
        folder: Path,
        codebook: Codebook,
        *,
        metadata_columns: Sequence[str] = (),
        bom: bool = True,
        model: bool = False,
    ) -> None:
        from healcode.run import tables as build

        self.folder = folder
        self.model = model  # excerpts.csv has a learned model's columns
        self.codebook = codebook
        self.bom = bom
        self.excerpt_metadata: list[str] = list(metadata_columns)
        self._matrix_keys = build.matrix_keys(codebook)
        self._documents: list[tuple[DocumentLike, int, int]] = []
        self._header_columns: dict[str, None] = {}
        self._tally = build.Tally()
        self.counts = {"units": 0, "coded_units": 0, "hits": 0, "excerpts": 0}
        self._formulas: dict[str, int] = {}
        self._excerpt_columns: set[tuple[str, ...]] = set()  # those excerpt rows have
        self._excerpt_header = tuple(metadata_columns)  # in excerpts.csv's header
        self.frequencies: Table | None = None  # set by close()
        self._files: dict[str, TextIO] = {}
        for spec, columns in (
            (UNITS, UNITS.names),
            (HITS, HITS.names),
            (EXCERPTS, build.excerpt_columns(self.excerpt_metadata, model=model)),
            (MATRIX, build.matrix_columns(codebook)),
        ):
            self._files[spec.file] = _open_csv(folder / spec.file, columns, bom=bom)
        self._matrix = csv.writer(self._files[MATRIX.file], lineterminator="\n")

    def outputs(self) -> Outputs:
        """The run's own files, for :func:`render_document` in this process."""
        files = self._files
        return Outputs(files[UNITS.file], files[HITS.file], files[EXCERPTS.file])

    def add_columns(self, columns: Iterable[str]) -> None:
        """Metadata columns of a document about to be rendered (added after the known)."""
        for column in columns:
            if column not in self.excerpt_metadata:
                self.excerpt_metadata.append(column)

    def add(
        self, rows: DocumentRows, units: bytes = b"", hits: bytes = b"", excerpts: bytes = b""
    ) -> None:
        """Record a rendered document; ``units``, ``hits``, ``excerpts``: its rows as CSV
        (UTF-8) when it was rendered elsewhere (see :func:`rendered_bytes`), written here."""
        from healcode.run import tables as build

        for name, data in ((UNITS.file, units), (HITS.file, hits), (EXCERPTS.file, excerpts)):
            if data:
                handle = self._files[name]
                handle.flush()  # what was rendered into the file itself comes first
                handle.buffer.write(data)
        info = rows.document
        self._documents.append((info, rows.units, rows.coded_units))
        self._header_columns.update(dict.fromkeys(info.header))
        self._tally.add(rows.tally)
        counts = self.counts
        counts["units"] += rows.units
        counts["coded_units"] += rows.coded_units
        counts["hits"] += rows.hits
        counts["excerpts"] += rows.excerpts
        if rows.excerpts:
            self._excerpt_columns.add(rows.metadata)
        for name, count in rows.formulas.items():
            self._formulas[name] = self._formulas.get(name, 0) + count
        self._matrix.writerow(build.matrix_row(info.id, rows.tally, self._matrix_keys))

    def close(self, record: RunRecord) -> dict[str, int]:
        """Write the tables that need every document and the manifest; return formula-like
        cells per file (see :func:`formula_cells`)."""
        from healcode.run import tables as build

        for handle in self._files.values():
            handle.close()
        columns = list(record.metadata_columns)
        if self._excerpt_columns - {tuple(columns)} or self._excerpt_header != tuple(columns):
            self._rewrite_excerpts(columns)
        documents = len(self._documents)
        header = list(self._header_columns)
        tables = {
            DOCUMENTS.file: build.documents_rows(self._documents, columns, header),
            FREQUENCIES.file: build.frequencies_rows(self.codebook, self._tally, documents),
            COOCCURRENCE.file: build.cooccurrence_rows(self.codebook, self._tally),
        }
        for name, table in tables.items():
            write_csv(self.folder / name, table.columns, table.rows, bom=self.bom)
        formulas = dict(self._formulas)
        for name in (DOCUMENTS.file, FREQUENCIES.file, COOCCURRENCE.file):
            formulas[name] = formula_cells(tables[name])
        formulas[MATRIX.file] = sum(_formula(d.id) for d, _, _ in self._documents)
        counts = self.counts
        rows = {
            DOCUMENTS.file: documents,
            UNITS.file: counts["units"],
            EXCERPTS.file: counts["excerpts"],
            HITS.file: counts["hits"],
            FREQUENCIES.file: len(tables[FREQUENCIES.file]),
            MATRIX.file: documents,
            COOCCURRENCE.file: len(tables[COOCCURRENCE.file]),
        }
        summary = {
            "documents": documents,
            "units": counts["units"],
            "coded_units": counts["coded_units"],
            "hits": counts["hits"],
            "excerpts": counts["excerpts"],
        }
        manifest = build_manifest(
            record, summary, header, {n: rows[n] for n in TABLE_FILES}, bom=self.bom
        )
        (self.folder / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        self.frequencies = tables[FREQUENCIES.file]
        return {name: formulas[name] for name in TABLE_FILES if formulas.get(name)}

    def abort(self) -> None:
        """Close the files (after a failure; the staging folder is then removed)."""
        for handle in self._files.values():
            if not handle.closed:
                handle.close()

    def _rewrite_excerpts(self, columns: list[str]) -> None:
        """Rewrite excerpts.csv with the run's metadata columns, each row's values taken
        from its document's metadata."""
        from healcode.run import tables as build

        path = self.folder / EXCERPTS.file
        rewritten = path.with_name(path.name + ".rewritten")
        meta = {d.id: d.meta for d, _, _ in self._documents}
        fixed = len(build.excerpt_columns((), model=self.model))  # those before the metadata
        limit = csv.field_size_limit(sys.maxsize)  # a unit may be a long turn
        with (
            path.open(encoding="utf-8", newline="") as old,
            rewritten.open("w", encoding="utf-8", newline="") as new,
        ):
            if self.bom:
                old.read(1)
                new.write("\ufeff")
            reader = csv.reader(old)
            next(reader)
            writer = csv.writer(new, lineterminator="\n")
            writer.writerow(build.excerpt_columns(columns, model=self.model))
            try:
                writer.writerows(
                    [*row[:fixed], *(meta[row[0]].get(c, "") for c in columns)] for row in reader
                )
            finally:
                csv.field_size_limit(limit)
        rewritten.replace(path)


def _open_csv(path: Path, columns: Sequence[str], *, bom: bool) -> TextIO:
    handle = path.open("w", encoding="utf-8", newline="")
    if bom:
        handle.write("\ufeff")
    csv.writer(handle, lineterminator="\n").writerow(columns)
    return handle


def write_csv(
    path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True
) -> None:
    """CSV as Excel on Chinese Windows reads it: UTF-8 with a BOM (optional), LF line ends.

    Every healcode CSV is written here. Cells are written exactly (offsets and texts stay
    true); see :func:`formula_cells` for what a spreadsheet may make of them.
    """
    # The BOM is written by hand: the "utf-8-sig" codec encodes in Python, the plain
    # "utf-8" one in C, and the CSVs of a large run are written several times faster.
    with path.open("w", encoding="utf-8", newline="") as handle:
        if bom:
            handle.write("\ufeff")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def formula_text_cells(rows: Iterable[Sequence[Any]]) -> int:
    """Text cells of ``rows`` a spreadsheet would read as a formula (numbers are not)."""
    return sum(
        1
        for row in rows
        for value in row
        if isinstance(value, str) and value.startswith(FORMULA_STARTS)
    )


def formula_cells(table: Table) -> int:
    """Text cells a spreadsheet would read as a formula (they start with = + - @)."""
    return formula_text_cells(table.rows)


def build_manifest(
    record: RunRecord,
    counts: dict[str, int],
    header_columns: list[str],
    rows: dict[str, int],
    *,
    bom: bool,
) -> dict[str, object]:
    """Everything needed to reproduce the run; the only place that records the date."""
    from healcode import __version__

    codebook = record.codebook
    return {
        "healcode": __version__,
        "run_format": RUN_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "codebook": {
            "path": str(Path(codebook.path).resolve()) if codebook.path else None,
            "sha256": codebook.sha256,
            "name": codebook.name,
        },
        "segmenter": {"name": record.segmenter, "version": record.segmenter_version},
        "model": record.model,
        "options": {**record.reading, **record.options, "bom": bom},
        "inputs": [
            {
                "path": i.path,
                "root": i.root,
                "sha256": i.sha256,
                "encoding": i.encoding,
                "documents": list(i.ids),
            }
            for i in record.inputs
        ],
        "skipped": record.skipped,
        "metadata_columns": record.metadata_columns,
        "header_columns": header_columns,
        "excluded": record.excluded,
        "warnings": record.warnings,
        "counts": counts,
        "rows": rows,
    }


def model_record(model: LearnedModel | None) -> dict[str, object] | None:
    """The learned model that coded beside the dictionary: enough to know it again."""
    if model is None:
        return None
    return {
        "path": str(Path(model.path).resolve()) if model.path else None,
        "sha256": model.sha256,
        "level": model.level,
        "thresholds": {label: round(value, 4) for label, value in model.thresholds.items()},
        "rules": dict(model.rules),
    }
