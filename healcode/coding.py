"""Code a corpus: documents -> turns -> units -> hits, one document at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from healcode.codebook import Codebook
from healcode.corpus import Corpus, InputFile, UnitKind, find_turns, split_units
from healcode.errors import CorpusError
from healcode.records import Document, Hit, Turn, Unit
from healcode.segment import SegmenterName

if TYPE_CHECKING:
    import pandas as pd

    from healcode.coder import Coder


@dataclass(frozen=True)
class CodingOptions:
    unit: UnitKind = "sentence"
    # "participants" (default), "all", or speaker names whose turns are coded.
    speakers: str | tuple[str, ...] = "participants"
    interviewers: tuple[str, ...] = ()
    segmenter: SegmenterName = "jieba-rs"
    negation_window: int | None = None  # None: the codebook's

    def in_scope(self, turn: Turn) -> bool:
        if self.speakers == "all":
            return True
        if self.speakers == "participants":
            return turn.role == "participant"
        return turn.speaker in self.speakers


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the tables need of a document once its text is released."""

    id: str
    source: str
    chars: int
    meta: dict[str, str]


@dataclass(frozen=True, slots=True)
class DocumentCoding:
    document: DocumentInfo
    turns: list[Turn]
    units: list[Unit]
    hits: list[Hit]


def code_document(document: Document, coder: Coder, options: CodingOptions) -> DocumentCoding:
    """The whole per-document step as a pure function: a document in, its rows out."""
    turns = (
        list(document.turns)
        if document.turns is not None
        else find_turns(document.text, interviewers=options.interviewers)
    )
    units = split_units(document, turns, unit=options.unit, in_scope=options.in_scope)
    hits = coder.code_units(units)
    info = DocumentInfo(document.id, document.source, len(document.text), dict(document.meta))
    return DocumentCoding(info, turns, units, hits)


@dataclass
class CodingResult:
    """Everything a coding run produced; tables are built from it on demand."""

    codebook: Codebook
    options: CodingOptions
    segmenter: str
    segmenter_version: str
    documents: list[DocumentInfo] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    metadata_columns: list[str] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def units_table(self) -> pd.DataFrame:
        from healcode import tables

        return tables.units_table(self.units)

    @property
    def excerpts(self) -> pd.DataFrame:
        from healcode import tables

        return tables.excerpts_table(self)

    @property
    def hits_table(self) -> pd.DataFrame:
        from healcode import tables

        return tables.hits_table(self.hits)

    @property
    def frequencies(self) -> pd.DataFrame:
        from healcode import tables

        return tables.frequencies_table(self)

    @property
    def matrix(self) -> pd.DataFrame:
        from healcode import tables

        return tables.matrix_table(self)

    @property
    def cooccurrence(self) -> pd.DataFrame:
        from healcode import tables

        return tables.cooccurrence_table(self)

    def options_dict(self) -> dict[str, object]:
        options = asdict(self.options)
        options["negation_window"] = (
            self.options.negation_window
            if self.options.negation_window is not None
            else self.codebook.negation_window
        )
        return options

    def write(self, outdir: str | Path, *, force: bool = False, bom: bool = True) -> list[Path]:
        """Write the seven output files into ``outdir`` (atomically)."""
        from healcode.export.run import write_run

        return write_run(self, Path(outdir), force=force, bom=bom)


def code_corpus(
    corpus: Corpus | Iterable[Document],
    codebook: Codebook,
    *,
    options: CodingOptions | None = None,
    on_document: Callable[[DocumentInfo], None] | None = None,
) -> CodingResult:
    """Code every document; each is read, coded and released before the next."""
    from healcode.coder import Coder

    options = options or CodingOptions()
    coder = Coder(codebook, segmenter=options.segmenter, negation_window=options.negation_window)
    result = CodingResult(codebook, options, coder.segmenter.name, coder.segmenter.version)
    documents = corpus.documents() if isinstance(corpus, Corpus) else corpus
    for document in documents:
        coded = code_document(document, coder, options)
        result.documents.append(coded.document)
        result.units.extend(coded.units)
        result.hits.extend(coded.hits)
        if on_document is not None:
            on_document(coded.document)
    if isinstance(corpus, Corpus):
        result.metadata_columns = _metadata_columns(corpus, result.documents)
        result.inputs = list(corpus.inputs)
        result.skipped = list(corpus.skipped)
    if not result.documents:
        reasons = "; ".join(result.skipped) if result.skipped else "no documents"
        raise CorpusError(f"nothing to code: {reasons}")
    return result


def _metadata_columns(corpus: Corpus, documents: list[DocumentInfo]) -> list[str]:
    columns = list(corpus.metadata_columns)
    for info in documents:
        columns.extend(c for c in info.meta if c not in columns)
    return columns
