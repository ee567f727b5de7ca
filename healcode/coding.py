"""Code a corpus: documents -> turns -> units -> hits, one document at a time."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from healcode.codebook import Codebook
from healcode.corpus import Corpus, InputFile, UnitKind, split_units
from healcode.corpus.turns import UNMARKED, Unmarked
from healcode.corpus.units import UNIT_KINDS
from healcode.errors import CorpusError, HealcodeError
from healcode.fold import (
    FOLD_MODES,
    FoldMode,
    code_folded_units,
    folded_units,
    original_piece,
    should_fold,
)
from healcode.records import ROLES, Coding, Document, Hit, Hits, Role, Turn, Unit
from healcode.scope import Scope, gather_warnings
from healcode.segment import SEGMENTERS, SegmenterName

__all__ = [
    "FOLD_MODES",
    "ROLES",
    "SEGMENTERS",
    "UNIT_KINDS",
    "UNMARKED",
    "CodingLog",
    "CodingOptions",
    "CodingResult",
    "DocumentCoding",
    "DocumentInfo",
    "code_corpus",
    "code_document",
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
        scope = self.scope  # checks roles, speakers, where, unmarked
        for name in ("roles", "speakers", "where", "unmarked", "interviewers"):
            set_(name, getattr(scope, name))

    @functools.cached_property
    def scope(self) -> Scope:
        """Which turns and documents are coded: the one decision every command uses."""
        # roles and speakers may still be the strings given (Scope parses and checks them)
        return Scope(
            self.roles,  # type: ignore[arg-type]
            self.speakers,  # type: ignore[arg-type]
            self.where,
            self.unmarked,
            self.interviewers,
        )

    def in_scope(self, turn: Turn) -> bool:
        return self.scope.turn_in_scope(turn)


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise HealcodeError(f"{name}={value!r}: use one of {', '.join(choices)}")


def recorded_options(options: CodingOptions, codebook: Codebook) -> dict[str, object]:
    """The options as a run's manifest records them (the negation window in effect)."""
    values = asdict(options)
    if options.negation_window is None:
        values["negation_window"] = codebook.negation_window
    if options.model is not None:
        values["model"] = str(Path(options.model).resolve())
    return values


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
    """One document coded. ``units`` and ``hits`` are sequences of ``Unit`` and ``Hit``;
    ``code_document`` makes them as columns (``corpus.units.Units``, ``records.Hits``),
    which hold a long document's millions of units in a few bytes each."""

    document: DocumentInfo
    turns: list[Turn]
    units: Sequence[Unit]
    hits: Sequence[Hit]
    codings: list[Coding] = field(default_factory=list)
    selected: bool = True  # False: left out by the ``where`` conditions (nothing coded)
    warnings: list[str] = field(default_factory=list)


def code_document(document: Document, coder: Coder, options: CodingOptions) -> DocumentCoding:
    """The whole per-document step as a pure function: a document in, its rows out."""
    scoped = options.scope.read(document)
    info = DocumentInfo(
        document.id, document.source, len(document.text), dict(document.meta), dict(scoped.header)
    )
    if not scoped.selected:
        return DocumentCoding(info, scoped.turns, [], [], selected=False)
    units = split_units(document, scoped.turns, unit=options.unit, in_scope=scoped.in_scope)
    fold = should_fold(document.text, coder.codebook, options.fold)
    hits = code_folded_units(coder, units) if fold else coder.code_units(units)
    codings = codings_of(hits, coder.codebook, rank=coder.rank)
    if coder.model is not None:
        if fold:  # the model reads the simplified copy the dictionary matched
            decided = coder.model.code_units(folded_units(units), hits)
            decided = evidence_as_written(decided, units)
        else:
            decided = coder.model.code_units(units, hits)
        codings = combine_with_model(codings, decided, coder.model, coder.codebook)
    return DocumentCoding(
        info, scoped.turns, units, hits, codings, warnings=options.scope.warnings(scoped, units)
    )


def evidence_as_written(decided: list[ModelCoding], units: Sequence[Unit]) -> list[ModelCoding]:
    """A folded document's model codings with their evidence (n-grams of the simplified
    copy the model read) as the transcript writes them: the characters of the unit each
    n-gram came from."""
    texts: dict[int, str] = {}
    explained = []
    for decision in decided:
        if decision.evidence:
            if decision.unit not in texts:
                texts[decision.unit] = units[decision.unit].text
            original = texts[decision.unit]
            evidence = tuple(original_piece(original, piece) for piece in decision.evidence)
            decision = replace(decision, evidence=evidence)
        explained.append(decision)
    return explained


def codings_of(
    hits: Sequence[Hit], codebook: Codebook, *, rank: dict[str, int] | None = None
) -> list[Coding]:
    """The codings of one document's hits: one per unit and code path, in reading order and
    then codebook order (``rank``: code path -> place in the codebook, when known);
    ``negated`` when every hit of the code in the unit is negated."""
    if rank is None:
        rank = {rule.path: i for i, rule in enumerate(codebook.rules())}
    if isinstance(hits, Hits):
        return _codings_of_columns(hits, rank)
    grouped: dict[tuple[int, str], list[Hit]] = {}
    for hit in hits:
        grouped.setdefault((hit.unit, hit.code), []).append(hit)
    codings = [
        Coding(
            found[0].document,
            unit,
            found[0].theme,
            code,
            tuple(dict.fromkeys(h.term for h in found)),
            all(h.negated for h in found),
        )
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
        # A new record rather than dataclasses.replace, which costs several times more.
        combined.append(
            Coding(
                coding.document,
                coding.unit,
                coding.theme,
                coding.code,
                coding.terms,
                coding.negated,
                decision.source,
                decision.score,
                decision.evidence,
            )
        )
    for decision in decided:
        if (decision.unit, decision.label) in kept or decision.source != "model":
            continue
        theme = decision.label.split("/", 1)[0]
        combined.append(
            Coding(
                decision.document,
                decision.unit,
                theme,
                decision.label,
                (),
                False,
                "model",
                decision.score,
                decision.evidence,
            )
        )
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


def _codings_of_columns(hits: Hits, rank: dict[str, int]) -> list[Coding]:
    """``codings_of`` for hits kept as columns, which come in unit order: one unit at a
    time, so a long document needs no table of all its codings' hits."""
    codings: list[Coding] = []
    document, table, last = hits.document, hits.table, len(rank)
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per distinct terms
    unit = -1
    found: dict[str, list] = {}  # code -> [theme, terms (ordered), every hit negated]

    def flush() -> None:
        for code, (theme, terms, negated) in sorted(
            found.items(), key=lambda item: rank.get(item[0], last)
        ):
            key = tuple(terms)
            codings.append(
                Coding(document, unit, theme, code, shared.setdefault(key, key), negated)
            )

    for number, kind, negated in zip(hits.units, hits.kinds, hits.negated, strict=True):
        if number != unit:
            if found:
                flush()
                found = {}
            unit = number
        theme, code, term = table[kind]
        entry = found.get(code)
        if entry is None:
            found[code] = [theme, {term: None}, bool(negated)]
        else:
            entry[1][term] = None
            if not negated:
                entry[2] = False
    if found:
        flush()
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
        return recorded_options(self.options, self.codebook)

    def write(self, outdir: str | Path, *, force: bool = False, bom: bool = True) -> list[Path]:
        """Write the run folder ``outdir`` (``healcode.run.RUN_FILES``), atomically; with
        ``force`` only a run folder healcode wrote is replaced."""
        from healcode.run import write_run

        return write_run(self, Path(outdir), force=force, bom=bom)


def make_coder(codebook: Codebook, options: CodingOptions) -> Coder:
    """The dictionary coder of ``options``, with its learned model if it names one."""
    from healcode.coder import Coder

    coder = Coder(codebook, segmenter=options.segmenter, negation_window=options.negation_window)
    if options.model is not None:
        from healcode.model import LearnedModel

        coder.model = LearnedModel.load(options.model, codebook, segmenter=coder.segmenter)
    return coder


def code_corpus(
    corpus: Corpus | Iterable[Document],
    codebook: Codebook,
    *,
    options: CodingOptions | None = None,
    on_document: Callable[[DocumentInfo], None] | None = None,
) -> CodingResult:
    """Code every document; each is read, coded and released before the next, and the
    rows of all are kept in the result (``healcode code`` streams them to its files
    instead: ``healcode.engine``)."""
    options = options or CodingOptions()
    coder = make_coder(codebook, options)
    result = CodingResult(
        codebook, options, coder.segmenter.name, coder.segmenter.version, model=coder.model
    )
    documents = corpus.documents() if isinstance(corpus, Corpus) else corpus
    log = CodingLog()
    for document in documents:
        coded = code_document(document, coder, options)
        log.add(coded.document, coded.selected, coded.warnings, [t.speaker for t in coded.turns])
        if coded.selected:
            result.units.extend(coded.units)
            result.hits.extend(coded.hits)
            result.codings.extend(coded.codings)
        if on_document is not None:
            on_document(coded.document)
    log.finish(corpus, options)
    result.documents, result.excluded, result.warnings = log.documents, log.excluded, log.warnings
    result.metadata_columns, result.inputs = log.metadata_columns, log.inputs
    result.skipped, result.reading = log.skipped, log.reading
    return result


@dataclass
class CodingLog:
    """What a run learns of its corpus beside the rows: the documents coded and left out,
    warnings, and the metadata columns and speakers seen (to check ``where`` and
    ``speakers`` against). Fed one document at a time, in input order."""

    documents: list[DocumentInfo] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    metadata_columns: list[str] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    reading: dict[str, object] = field(default_factory=dict)
    _columns: dict[str, None] = field(default_factory=dict)
    _speakers: set[str] = field(default_factory=set)

    def add(
        self, info: DocumentInfo, selected: bool, warnings: Iterable[str], speakers: Iterable[str]
    ) -> None:
        self._columns.update(dict.fromkeys([*info.meta, *info.header]))
        self._speakers.update(speakers)
        if selected:
            self.documents.append(info)
            self.warnings.extend(warnings)
        else:
            self.excluded.append(info.id)

    def finish(self, corpus: Corpus | Iterable[Document], options: CodingOptions) -> None:
        """After the last document: what the corpus read, and the checks of the options
        that need every document (a ``where`` column nowhere, a speaker never found, no
        document coded)."""
        columns = self._columns
        if isinstance(corpus, Corpus):
            self.metadata_columns = _metadata_columns(corpus, self.documents)
            self.inputs = list(corpus.inputs)
            self.skipped = list(corpus.skipped)
            self.reading = corpus.reading_options()
            # what reading a file made healcode unsure of (an encoding) comes first
            self.warnings[:0] = corpus.warnings
            columns.update(dict.fromkeys(corpus.metadata_columns))
        options.scope.check_columns(columns)
        self.warnings[:] = gather_warnings(self.warnings)  # one line for many documents
        self.warnings.extend(options.scope.unseen_speakers(self._speakers))
        if not self.documents:
            reasons = "; ".join(self.skipped) if self.skipped else "no documents"
            if self.excluded:
                reasons = (
                    f"the --where conditions ({', '.join(options.where)}) select none "
                    f"of the {len(self.excluded)} documents"
                )
            raise CorpusError(f"nothing to code: {reasons}")


def _metadata_columns(corpus: Corpus, documents: list[DocumentInfo]) -> list[str]:
    columns = list(corpus.metadata_columns)
    for info in documents:
        columns.extend(c for c in info.meta if c not in columns)
    return columns
