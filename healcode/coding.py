"""Code a corpus: documents -> turns -> units -> hits, one document at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from healcode.codebook import Codebook
from healcode.corpus import Corpus, InputFile, UnitKind, find_turns, split_units
from healcode.corpus.turns import INTERVIEWER_MARKERS
from healcode.errors import CorpusError
from healcode.fold import FoldMode, code_folded_units, should_fold, traditional_forms
from healcode.records import Coding, Document, Hit, Turn, Unit
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
    # Traditional text against a simplified codebook: "auto" folds documents detected as
    # mostly traditional, "traditional" folds every document, "none" never (healcode.fold).
    fold: FoldMode = "auto"

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
    codings: list[Coding]


def code_document(document: Document, coder: Coder, options: CodingOptions) -> DocumentCoding:
    """The whole per-document step as a pure function: a document in, its rows out."""
    fold = should_fold(document.text, coder.codebook, options.fold)
    interviewers = options.interviewers
    if fold:  # 訪談者 is the interviewer as much as 访谈者
        interviewers += traditional_forms((*sorted(INTERVIEWER_MARKERS), *interviewers))
    turns = (
        list(document.turns)
        if document.turns is not None
        else find_turns(document.text, interviewers=interviewers)
    )
    units = split_units(document, turns, unit=options.unit, in_scope=options.in_scope)
    hits = code_folded_units(coder, units) if fold else coder.code_units(units)
    info = DocumentInfo(document.id, document.source, len(document.text), dict(document.meta))
    return DocumentCoding(info, turns, units, hits, codings_of(hits, coder.codebook))


def codings_of(hits: list[Hit], codebook: Codebook) -> list[Coding]:
    """The codings of one document's hits: one per unit and code path, in reading order and
    then codebook order; ``negated`` when every hit of the code in the unit is negated."""
    grouped: dict[tuple[int, str], list[Hit]] = {}
    for hit in hits:
        grouped.setdefault((hit.unit, hit.code), []).append(hit)
    rank = {rule.path: i for i, rule in enumerate(codebook.rules())}
    codings = [
        Coding(found[0].document, unit, found[0].theme, code,
               tuple(dict.fromkeys(h.term for h in found)), all(h.negated for h in found))
        for (unit, code), found in grouped.items()
    ]
    codings.sort(key=lambda c: (c.unit, rank.get(c.code, len(rank))))
    return codings


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
    codings: list[Coding] = field(default_factory=list)
    metadata_columns: list[str] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    reading: dict[str, object] = field(default_factory=dict)  # Corpus.reading_options()

    @property
    def documents_table(self) -> pd.DataFrame:
        from healcode.run import tables

        return tables.documents_table(self).frame()

    @property
    def units_table(self) -> pd.DataFrame:
        from healcode.run import tables

        return tables.units_table(self.units).frame()

    @property
    def excerpts(self) -> pd.DataFrame:
        from healcode.run import tables

        return tables.excerpts_table(self).frame()

    @property
    def hits_table(self) -> pd.DataFrame:
        from healcode.run import tables

        return tables.hits_table(self.hits).frame()

    @property
    def frequencies(self) -> pd.DataFrame:
        from healcode.run import tables

        return tables.frequencies_table(self).frame()

    @property
    def matrix(self) -> pd.DataFrame:
        from healcode.run import tables

        return tables.matrix_table(self).frame()

    @property
    def cooccurrence(self) -> pd.DataFrame:
        from healcode.run import tables

        return tables.cooccurrence_table(self).frame()

    def options_dict(self) -> dict[str, object]:
        options = asdict(self.options)
        options["negation_window"] = (
            self.options.negation_window
            if self.options.negation_window is not None
            else self.codebook.negation_window
        )
        return options

    def write(self, outdir: str | Path, *, force: bool = False, bom: bool = True) -> list[Path]:
        """Write the run folder ``outdir`` (``healcode.run.RUN_FILES``), atomically; with
        ``force`` only a run folder healcode wrote is replaced."""
        from healcode.run import write_run

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
        result.codings.extend(coded.codings)
        if on_document is not None:
            on_document(coded.document)
    if isinstance(corpus, Corpus):
        result.metadata_columns = _metadata_columns(corpus, result.documents)
        result.inputs = list(corpus.inputs)
        result.skipped = list(corpus.skipped)
        result.reading = corpus.reading_options()
    if not result.documents:
        reasons = "; ".join(result.skipped) if result.skipped else "no documents"
        raise CorpusError(f"nothing to code: {reasons}")
    return result


def _metadata_columns(corpus: Corpus, documents: list[DocumentInfo]) -> list[str]:
    columns = list(corpus.metadata_columns)
    for info in documents:
        columns.extend(c for c in info.meta if c not in columns)
    return columns
