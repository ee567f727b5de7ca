"""A coding run as a REFI-QDA project needs it: codebook, excerpts and whole texts.

The tables hold units, not whole documents, and a project needs the whole text each
offset counts into, so the run's inputs are read again (``Run.read_texts`` checks each
against its recorded SHA-256 and every unit against its offsets).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from healcode.codebook import Codebook
from healcode.errors import ExchangeError, RunError
from healcode.run import Run, rows_of
from healcode.run.schema import EXCERPTS, TERM_SEPARATOR


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
    source: str = "dictionary"  # with a learned model: dictionary, model or both
    score: float | None = None  # the model's probability
    evidence: tuple[str, ...] = ()


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
    try:
        run = Run.open(outdir)
        codebook = run.require_codebook("export")
        excerpts = _excerpt_rows(run) if texts else []
        documents: list[RunDocument] = []
        if texts:
            documents = [
                RunDocument(d.id, d.text, d.source, d.encoding, dict(d.meta))
                for d in run.read_texts()
            ]
            _check_excerpts(run, excerpts, codebook)
            documents = _with_run_metadata(documents, run.metadata_columns)
    except RunError as exc:
        raise ExchangeError(str(exc)) from None
    return CodedRun(run.path, run.manifest, codebook, documents, excerpts, run.metadata_columns)


def _excerpt_rows(run: Run) -> list[ExcerptRow]:
    excerpts = run.excerpts
    model = "source" in excerpts.columns  # a run coded with a learned model
    extra = ("source", "score", "evidence") if model else ()
    rows = []
    for row in rows_of(
        excerpts,
        "document",
        "unit",
        "speaker",
        "start",
        "end",
        "theme",
        "code",
        "terms",
        "negated",
        "text",
        *extra,
    ):
        document, unit, speaker, start, end, theme, code, terms, negated, text = row[:10]
        found = ExcerptRow(
            str(document),
            int(unit),
            str(speaker),
            int(start),
            int(end),
            str(theme),
            str(code),
            _split(terms),
            bool(negated),
            str(text),
        )
        if model:
            source, score, evidence = row[10:]
            found = replace(
                found,
                source=str(source),
                score=None if score != score else float(score),  # NaN: none
                evidence=_split(evidence),
            )
        rows.append(found)
    return rows


def _split(cell: object) -> tuple[str, ...]:
    return tuple(t for t in str(cell).split(TERM_SEPARATOR) if t)


def _check_excerpts(run: Run, excerpts: list[ExcerptRow], codebook: Codebook) -> None:
    # code paths, and themes (a learned model codes a theme)
    paths = {rule.path for rule in codebook.rules()} | {theme.id for theme in codebook.themes}
    spans = {
        (document, unit): (start, end)
        for document, unit, start, end in rows_of(run.units, "document", "unit", "start", "end")
    }
    for number, row in enumerate(excerpts, start=2):
        if spans.get((row.document, row.unit)) != (row.start, row.end):
            raise ExchangeError(
                f"{run.file(EXCERPTS)}:{number}: unit {row.unit} of {row.document} is not in "
                "the run's units; the run folder is incomplete: run healcode code again"
            )
        if row.code not in paths:
            raise ExchangeError(
                f"{run.file(EXCERPTS)}:{number}: code {row.code!r} is not in the codebook; "
                "run healcode code again, then export"
            )


def _with_run_metadata(documents: list[RunDocument], columns: list[str]) -> list[RunDocument]:
    """Keep only the metadata columns the run recorded, in its order."""
    if not columns:
        return [RunDocument(d.id, d.text, d.source, d.encoding, {}) for d in documents]
    return [
        RunDocument(
            d.id,
            d.text,
            d.source,
            d.encoding,
            {c: d.meta[c] for c in columns if d.meta.get(c, "") != ""},
        )
        for d in documents
    ]
