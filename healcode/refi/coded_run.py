"""Read back a ``healcode code`` output directory, with the full texts of its documents.

The tables hold units, not whole documents, and a REFI-QDA project needs the whole
text each offset counts into. So the inputs listed in ``manifest.json`` are read again
through ``healcode.corpus``, each checked against its recorded SHA-256, and every unit
of ``units.csv`` is checked to sit at its offsets in the text read: a source edited,
moved or read differently since the run is an error, never a silently shifted coding.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healcode.codebook import Codebook
from healcode.corpus import Corpus, read_metadata
from healcode.corpus.read import Source
from healcode.errors import CorpusError, ExchangeError, HealcodeError
from healcode.export.run import read_manifest, recorded_codebook
from healcode.records import Document

_TERM_SEPARATOR = "; "  # as tables.TERM_SEPARATOR writes them (not imported: it loads pandas)


@dataclass(frozen=True, slots=True)
class UnitRow:
    document: str
    unit: int
    speaker: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ExcerptRow:
    """One coded unit and code path, as excerpts.csv lists it."""

    document: str
    unit: int
    speaker: str
    start: int
    end: int
    theme: str
    code: str
    terms: tuple[str, ...]
    negated: bool
    text: str


@dataclass(frozen=True, slots=True)
class RunDocument:
    id: str
    text: str
    source: str
    encoding: str
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class CodedRun:
    outdir: Path
    manifest: dict[str, Any]
    codebook: Codebook
    documents: list[RunDocument]
    excerpts: list[ExcerptRow]
    metadata_columns: list[str]

    @property
    def created(self) -> str | None:
        """When the run was made (ISO 8601), the only date an export carries."""
        value = self.manifest.get("created")
        return value if isinstance(value, str) and value else None


def load_coded_run(outdir: str | Path, *, texts: bool = True) -> CodedRun:
    """The codebook, excerpts and (with ``texts``) the document texts of a coding run."""
    outdir = Path(outdir)
    manifest = _read_manifest(outdir)
    codebook = _run_codebook(outdir, manifest)
    excerpts = _read_excerpts(outdir / "excerpts.csv") if texts else []
    columns = [str(c) for c in manifest.get("metadata_columns") or []]
    documents: list[RunDocument] = []
    if texts:
        units = _read_units(outdir / "units.csv")
        documents = _reread_documents(outdir, manifest, units)
        _check_excerpts(outdir, excerpts, units, codebook)
        documents = _with_run_metadata(documents, columns)
    return CodedRun(outdir, manifest, codebook, documents, excerpts, columns)


def _read_manifest(outdir: Path) -> dict[str, Any]:
    try:
        manifest = read_manifest(outdir)
    except HealcodeError as exc:
        raise ExchangeError(str(exc)) from None
    if "inputs" not in manifest:
        raise ExchangeError(f"{outdir / 'manifest.json'}: lists no inputs; rerun healcode code")
    return manifest


def _run_codebook(outdir: Path, manifest: dict[str, Any]) -> Codebook:
    codebook, problem = recorded_codebook(manifest)
    if codebook is None:
        raise ExchangeError(f"{outdir}: {problem}; run healcode code again, then export")
    return codebook


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    except FileNotFoundError:
        raise ExchangeError(
            f"{path}: missing from the run directory; run healcode code again"
        ) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExchangeError(f"{path}: cannot be read ({exc})") from None


def _read_units(path: Path) -> dict[str, list[UnitRow]]:
    units: dict[str, list[UnitRow]] = {}
    for number, row in enumerate(_rows(path), start=2):
        try:
            unit = UnitRow(row["document"], int(row["unit"]), row["speaker"],
                           int(row["start"]), int(row["end"]), row["text"])
        except (KeyError, TypeError, ValueError):
            raise ExchangeError(f"{path}:{number}: not a row of healcode's units table") from None
        units.setdefault(unit.document, []).append(unit)
    return units


def _read_excerpts(path: Path) -> list[ExcerptRow]:
    excerpts = []
    for number, row in enumerate(_rows(path), start=2):
        try:
            terms = tuple(t for t in row["terms"].split(_TERM_SEPARATOR) if t)
            excerpts.append(ExcerptRow(
                row["document"], int(row["unit"]), row["speaker"], int(row["start"]),
                int(row["end"]), row["theme"], row["code"], terms,
                row["negated"].strip().lower() == "true", row["text"],
            ))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ExchangeError(
                f"{path}:{number}: not a row of healcode's excerpts table"
            ) from None
    return excerpts


def _reread_documents(
    outdir: Path, manifest: dict[str, Any], units: dict[str, list[UnitRow]]
) -> list[RunDocument]:
    """Read the run's inputs again, exactly as the manifest says they were read."""
    options = manifest.get("options") or {}
    sources = []
    for entry in manifest["inputs"]:
        path, root = Path(entry["path"]), Path(entry.get("root") or Path(entry["path"]).parent)
        _check_unchanged(path, entry, outdir)
        sources.append(Source(path, path.relative_to(root).with_suffix("").as_posix(), root))
    metadata: dict[str, dict[str, str]] = {}
    if options.get("metadata"):
        try:
            metadata, _ = read_metadata(Path(options["metadata"]), encoding=options.get("encoding"))
        except CorpusError as exc:
            raise ExchangeError(f"{exc} (the metadata of the run {outdir})") from None
    corpus = Corpus(
        sources, metadata, encoding=options.get("encoding"), id_column=options.get("id_column"),
        text_columns=tuple(options.get("text_columns") or ()), strict=True,
    )
    documents: list[RunDocument] = []
    try:
        for document in corpus.documents():
            _check_units(document, units.get(document.id, []), outdir)
            documents.append(RunDocument(document.id, document.text, document.source,
                                         document.encoding, dict(document.meta)))
    except CorpusError as exc:
        raise ExchangeError(f"{exc} (while reading the inputs of {outdir} again)") from None
    missing = [d for d in units if d not in {doc.id for doc in documents}]
    if missing:
        raise ExchangeError(
            f"{outdir / 'units.csv'}: documents {', '.join(missing[:3])} were not found in the "
            "inputs listed in manifest.json; run healcode code again, then export"
        )
    return documents


def _check_unchanged(path: Path, entry: dict[str, Any], outdir: Path) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExchangeError(
            f"{path}: input of the run {outdir} cannot be read ({exc.strerror}); "
            "it has moved or been deleted since the run: run healcode code again"
        ) from None
    if entry.get("sha256") and hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ExchangeError(
            f"{path}: changed since the run in {outdir} (its SHA-256 differs from "
            "manifest.json); run healcode code again, then export"
        )


def _check_units(document: Document, units: list[UnitRow], outdir: Path) -> None:
    for unit in units:
        if document.text[unit.start : unit.end] != unit.text:
            raise ExchangeError(
                f"{document.source}: the text read now does not match unit {unit.unit} of "
                f"{outdir / 'units.csv'} at {unit.start}-{unit.end}; the run was made with "
                "other reading options, or the file changed: run healcode code again"
            )


def _check_excerpts(
    outdir: Path, excerpts: list[ExcerptRow], units: dict[str, list[UnitRow]], codebook: Codebook
) -> None:
    paths = {rule.path for rule in codebook.rules()}
    spans = {(u.document, u.unit): (u.start, u.end) for rows in units.values() for u in rows}
    for number, row in enumerate(excerpts, start=2):
        if spans.get((row.document, row.unit)) != (row.start, row.end):
            raise ExchangeError(
                f"{outdir / 'excerpts.csv'}:{number}: unit {row.unit} of {row.document} is not "
                "in units.csv; the run directory is incomplete: run healcode code again"
            )
        if row.code not in paths:
            raise ExchangeError(
                f"{outdir / 'excerpts.csv'}:{number}: code {row.code!r} is not in the codebook; "
                "run healcode code again, then export"
            )


def _with_run_metadata(documents: list[RunDocument], columns: list[str]) -> list[RunDocument]:
    """Keep only the metadata columns the run recorded, in its order."""
    if not columns:
        return [RunDocument(d.id, d.text, d.source, d.encoding, {}) for d in documents]
    return [
        RunDocument(d.id, d.text, d.source, d.encoding,
                    {c: d.meta[c] for c in columns if d.meta.get(c, "") != ""})
        for d in documents
    ]
