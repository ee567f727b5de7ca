"""Code a corpus: documents -> turns -> units -> hits, one document at a time."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from healcode.codebook import Codebook
from healcode.corpus import Corpus, InputFile, UnitKind, split_units
from healcode.corpus.turns import UNMARKED, Unmarked
from healcode.corpus.units import UNIT_KINDS
from healcode.errors import CorpusError, HealcodeError
from healcode.fold import FOLD_MODES, FoldMode, code_folded_units, should_fold
from healcode.records import ROLES, Coding, Document, Hit, Role, Turn, Unit
from healcode.scope import Scope
from healcode.segment import SEGMENTERS, SegmenterName

__all__ = [
    "FOLD_MODES", "ROLES", "SEGMENTERS", "UNIT_KINDS", "UNMARKED", "CodingOptions",
    "CodingResult", "DocumentCoding", "DocumentInfo", "code_corpus", "code_document",
]

if TYPE_CHECKING:
    import pandas as pd

    from healcode.coder import Coder
    from healcode.model import LearnedModel, ModelCoding


@dataclass(frozen=True)
class CodingOptions:
    """How a corpus is coded; checked and normalised when made (a wrong value is a
    HealcodeError naming the valid ones)."""

    unit: UnitKind = "sentence"
    # Speaker names whose turns are coded, whatever their role (a string is split at
    # commas). "participants" and "all" are accepted as roles=("participant",) / all roles.
    speakers: str | tuple[str, ...] = ()
    interviewers: tuple[str, ...] = ()
    segmenter: SegmenterName = "jieba-rs"
    negation_window: int | None = None  # None: the codebook's
    # Traditional text against a simplified codebook: "auto" folds documents detected as
    # mostly traditional, "traditional" folds every document, "none" never (healcode.fold).
    fold: FoldMode = "auto"
    roles: str | tuple[Role, ...] = ("participant",)  # or "all", "interviewer,participant"
    where: tuple[str, ...] = ()  # "column=value" / "column!=value" on document metadata
    unmarked: Unmarked = "auto"  # who speaks in unmarked paragraphs (corpus.turns)
    # A learned model's directory (healcode learn): it codes beside the dictionary.
    model: str | None = None

    def __post_init__(self) -> None:
        _check_choice("unit", self.unit, UNIT_KINDS)
        _check_choice("fold", self.fold, FOLD_MODES)
        _check_choice("segmenter", self.segmenter, SEGMENTERS)
        window = self.negation_window
        if window is not None and (not isinstance(window, int) or window < 0):
            raise HealcodeError(f"negation_window={window!r}: use a whole number >= 0, or None")
        set_ = functools.partial(object.__setattr__, self)
        if self.model is not None:
            set_("model", str(self.model))
        if self.speakers in ("participants", "all"):
            set_("roles", ROLES if self.speakers == "all" else ("participant",))
            set_("speakers", ())
        scope = self.scope  # checks roles, speakers, where, unmarked
        for name in ("roles", "speakers", "where", "unmarked", "interviewers"):
            set_(name, getattr(scope, name))

    @functools.cached_property
    def scope(self) -> Scope:
        """Which turns and documents are coded: the one decision every command uses."""
        return Scope(self.roles, self.speakers, self.where, self.unmarked,  # type: ignore[arg-type]
                     self.interviewers)

    def in_scope(self, turn: Turn) -> bool:
        return self.scope.turn_in_scope(turn)


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise HealcodeError(f"{name}={value!r}: use one of {', '.join(choices)}")


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the tables need of a document once its text is released."""

    id: str
    source: str
    chars: int
    meta: dict[str, str]
    # Fields of the transcript's header (访谈时间, Date, Participant ID ...), not speech.
    header: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DocumentCoding:
    document: DocumentInfo
    turns: list[Turn]
    units: list[Unit]
    hits: list[Hit]
    codings: list[Coding] = field(default_factory=list)
    selected: bool = True  # False: left out by the ``where`` conditions (nothing coded)
    warnings: list[str] = field(default_factory=list)


def code_document(document: Document, coder: Coder, options: CodingOptions) -> DocumentCoding:
    """The whole per-document step as a pure function: a document in, its rows out."""
    scoped = options.scope.read(document)
    info = DocumentInfo(document.id, document.source, len(document.text), dict(document.meta),
                        dict(scoped.header))
    if not scoped.selected:
        return DocumentCoding(info, scoped.turns, [], [], selected=False)
    units = split_units(document, scoped.turns, unit=options.unit, in_scope=scoped.in_scope)
    fold = should_fold(document.text, coder.codebook, options.fold)
    hits = code_folded_units(coder, units) if fold else coder.code_units(units)
    codings = codings_of(hits, coder.codebook)
    if coder.model is not None:
        decided = coder.model.code_units(units, hits)
        codings = combine_with_model(codings, decided, coder.model, coder.codebook)
    return DocumentCoding(info, scoped.turns, units, hits, codings,
                          warnings=options.scope.warnings(scoped, units))


def codings_of(hits: list[Hit], codebook: Codebook) -> list[Coding]:
    """The codings of one document's hits: one per unit and code path, in reading order and
    then codebook order; ``negated`` when every hit of the code in the unit is negated."""
    grouped: dict[tuple[int, str], list[Hit]] = {}
    for hit in hits:
        grouped.setdefault((hit.unit, hit.code), []).append(hit)
    codings = [
        Coding(found[0].document, unit, found[0].theme, code,
               tuple(dict.fromkeys(h.term for h in found)), all(h.negated for h in found))
        for (unit, code), found in grouped.items()
    ]
    return _in_order(codings, codebook)


def combine_with_model(
    codings: list[Coding], decided: list[ModelCoding], model: LearnedModel, codebook: Codebook
) -> list[Coding]:
    """The dictionary's codings of a document and a learned model's decisions, as the
    model's combination rule says: a dictionary coding the rule keeps gets the model's
    ``source``, ``score`` and ``evidence``; one it drops (a theme decided by the model
    alone) goes; a unit the model codes without a dictionary hit gets a coding of its
    own (code: the theme, or the code path at code level). Negated codings stay as they
    are: they are no references either way."""
    by_label = {(d.unit, d.label): d for d in decided}

    def label(coding: Coding) -> str:
        return coding.theme if model.level == "theme" else coding.code

    combined: list[Coding] = []
    kept: set[tuple[int, str]] = set()
    for coding in codings:
        if coding.negated:
            combined.append(coding)
            continue
        decision = by_label.get((coding.unit, label(coding)))
        if decision is None:
            continue
        kept.add((coding.unit, decision.label))
        combined.append(replace(coding, source=decision.source, score=decision.score,
                                evidence=decision.evidence))
    for decision in decided:
        if (decision.unit, decision.label) in kept or decision.source != "model":
            continue
        theme = decision.label.split("/", 1)[0]
        combined.append(Coding(decision.document, decision.unit, theme, decision.label, (),
                               False, "model", decision.score, decision.evidence))
    return _in_order(combined, codebook)


def _in_order(codings: list[Coding], codebook: Codebook) -> list[Coding]:
    """By unit, then codebook order: each theme (its own terms, or a model's coding of
    it), then its codes."""
    rank: dict[str, int] = {}
    for theme in codebook.themes:
        rank[theme.id] = len(rank)
        for code in theme.codes:
            rank[f"{theme.id}/{code.id}"] = len(rank)
    return sorted(codings, key=lambda c: (c.unit, rank.get(c.code, len(rank))))


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
    # Documents not coded because the ``where`` conditions do not select them.
    excluded: list[str] = field(default_factory=list)
    # What may not be what the researcher meant (a document with nothing in scope, most
    # of a document read as a header, a named speaker found nowhere); one line each.
    warnings: list[str] = field(default_factory=list)
    model: LearnedModel | None = None  # the learned model that coded beside the dictionary

    @property
    def header_columns(self) -> list[str]:
        """Header fields of the documents (访谈时间, Date ...), in order of appearance."""
        return list(dict.fromkeys(k for d in self.documents for k in d.header))

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
        if self.options.model is not None:
            options["model"] = str(Path(self.options.model).resolve())
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
    if options.model is not None:
        from healcode.model import LearnedModel

        coder.model = LearnedModel.load(options.model, codebook, segmenter=coder.segmenter)
    result = CodingResult(codebook, options, coder.segmenter.name, coder.segmenter.version,
                          model=coder.model)
    documents = corpus.documents() if isinstance(corpus, Corpus) else corpus
    columns: dict[str, None] = {}
    speakers: set[str] = set()
    for document in documents:
        coded = code_document(document, coder, options)
        columns.update(dict.fromkeys([*coded.document.meta, *coded.document.header]))
        speakers.update(t.speaker for t in coded.turns)
        if coded.selected:
            result.documents.append(coded.document)
            result.units.extend(coded.units)
            result.hits.extend(coded.hits)
            result.codings.extend(coded.codings)
            result.warnings.extend(coded.warnings)
        else:
            result.excluded.append(coded.document.id)
        if on_document is not None:
            on_document(coded.document)
    if isinstance(corpus, Corpus):
        result.metadata_columns = _metadata_columns(corpus, result.documents)
        result.inputs = list(corpus.inputs)
        result.skipped = list(corpus.skipped)
        result.reading = corpus.reading_options()
        # what reading a file made healcode unsure of (an encoding) comes first
        result.warnings[:0] = corpus.warnings
        columns.update(dict.fromkeys(corpus.metadata_columns))
    options.scope.check_columns(columns)
    result.warnings.extend(options.scope.unseen_speakers(speakers))
    if not result.documents:
        reasons = "; ".join(result.skipped) if result.skipped else "no documents"
        if result.excluded:
            reasons = (f"the --where conditions ({', '.join(options.where)}) select none of "
                       f"the {len(result.excluded)} documents")
        raise CorpusError(f"nothing to code: {reasons}")
    return result


def _metadata_columns(corpus: Corpus, documents: list[DocumentInfo]) -> list[str]:
    columns = list(corpus.metadata_columns)
    for info in documents:
        columns.extend(c for c in info.meta if c not in columns)
    return columns
