"""The tables of a coding run built from its records, in the columns of ``run.schema``.

Each table is plain rows first (what the CSV writer streams, with no pandas in the way)
and becomes a DataFrame only when the Python API asks for one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import attrgetter, not_
from typing import TYPE_CHECKING, Any, Protocol

from healcode.corpus.units import Units
from healcode.records import Coding, Hit, Hits, Unit
from healcode.run.schema import (
    DOCUMENTS,
    EXCERPTS,
    FREQUENCIES,
    HITS,
    TERM_SEPARATOR,
    UNITS,
    header_names,
    metadata_names,
)

if TYPE_CHECKING:
    from pandas import DataFrame

    from healcode.codebook import Codebook
    from healcode.coding import CodingResult


class DocumentLike(Protocol):
    """What the tables need of a document (``coding.DocumentInfo``)."""

    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def chars(self) -> int: ...
    @property
    def meta(self) -> dict[str, str]: ...
    @property
    def header(self) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class Table:
    columns: list[str]
    rows: Sequence[Sequence[Any]]

    def frame(self) -> DataFrame:
        import pandas

        return pandas.DataFrame(self.rows, columns=self.columns)

    def __len__(self) -> int:
        return len(self.rows)


def units_table(units: Sequence[Unit]) -> Table:
    return Table(UNITS.names, list(unit_rows(units)))


def unit_rows(units: Sequence[Unit]) -> Iterator[Sequence[Any]]:
    """units.csv rows of one document's units (of many, for a list of ``Unit``)."""
    if isinstance(units, Units):  # columns: rows are zipped without a record per unit
        turns, turn_of = units.turns, units.turn_of
        speakers = [t.speaker for t in turns]
        roles = [t.role for t in turns]
        return zip(
            repeat(units.document),
            range(len(units)),
            map(speakers.__getitem__, turn_of),
            map(roles.__getitem__, turn_of),
            units.starts,
            units.ends,
            map(units.scoped.__getitem__, turn_of),
            map(units.text.__getitem__, map(slice, units.starts, units.ends)),
        )
    return (
        (u.document, u.index, u.speaker, u.role, u.start, u.end, u.in_scope, u.text) for u in units
    )


def hits_table(hits: Sequence[Hit]) -> Table:
    return Table(HITS.names, list(hit_rows(hits)))


def hit_rows(hits: Sequence[Hit]) -> Iterator[tuple[Any, ...]]:
    """hits.csv rows of one document's hits (of many, for a list of ``Hit``)."""
    if isinstance(hits, Hits):
        themes, codes, terms = zip(*hits.table, strict=True) if hits.table else ((), (), ())
        kinds = hits.kinds
        return zip(
            repeat(hits.document),
            hits.units,
            map(themes.__getitem__, kinds),
            map(codes.__getitem__, kinds),
            map(terms.__getitem__, kinds),
            hits.starts,
            hits.ends,
            map(bool, hits.negated),
        )
    return ((h.document, h.unit, h.theme, h.code, h.term, h.start, h.end, h.negated) for h in hits)


def excerpt_columns(metadata_columns: Sequence[str], *, model: bool = False) -> list[str]:
    """excerpts.csv's columns: the declared ones, a learned model's (``model``), metadata."""
    optional = [c.name for c in EXCERPTS.optional] if model else []
    return [*EXCERPTS.names, *optional, *metadata_names(list(metadata_columns))]


def excerpts_table(result: CodingResult) -> Table:
    """One row per coding (a unit and code path); ``negated`` when every hit is negated.

    With a learned model, ``source``, ``score`` and ``evidence`` follow (EXCERPTS.optional).
    Metadata columns follow; one whose name is already an excerpt column (e.g. a
    participant ``role``) is prefixed with ``meta_``.
    """
    model = result.model is not None
    rows: list[Sequence[Any]] = []
    for group in by_document(result):
        rows += excerpt_rows(
            group.codings, group.units, group.document.meta, result.metadata_columns, model=model
        )
    return Table(excerpt_columns(result.metadata_columns, model=model), rows)


def excerpt_rows(
    codings: Sequence[Coding],
    units: Sequence[Unit],
    meta: Mapping[str, str],
    metadata_columns: Sequence[str],
    *,
    model: bool = False,
) -> list[list[Any]]:
    """excerpts.csv rows of one document: its codings with their units' speaker, place
    and text, a learned model's columns (``model``), then the document's metadata."""
    return [
        row
        for batch in excerpt_batches(codings, units, meta, metadata_columns, model=model)
        for row in batch
    ]


def excerpt_batches(
    codings: Sequence[Coding],
    units: Sequence[Unit],
    meta: Mapping[str, str],
    metadata_columns: Sequence[str],
    size: int = 4096,
    *,
    model: bool = False,
) -> Iterator[list[list[Any]]]:
    """``excerpt_rows`` in batches of ``size`` rows (a long document's are many)."""
    if not codings:
        return
    extra = [meta.get(c, "") for c in metadata_columns]
    unit = _unit_lookup(units)
    for first in range(0, len(codings), size):
        rows = []
        for coding in codings[first : first + size]:
            speaker, role, start, end, text = unit(coding.unit)
            row: list[Any] = [
                coding.document,
                coding.unit,
                speaker,
                role,
                start,
                end,
                coding.theme,
                coding.code,
                TERM_SEPARATOR.join(coding.terms),
                coding.negated,
                text,
            ]
            if model:
                score = "" if coding.score is None else f"{coding.score:.4f}"
                row += (coding.source, score, TERM_SEPARATOR.join(coding.evidence))
            row += extra
            rows.append(row)
        yield rows


def _unit_lookup(units: Sequence[Unit]) -> Callable[[int], tuple[str, str, int, int, str]]:
    """Index of a unit -> (speaker, role, start, end, text)."""
    if isinstance(units, Units):
        turns, turn_of, starts, ends, text = (
            units.turns,
            units.turn_of,
            units.starts,
            units.ends,
            units.text,
        )

        def column(index: int) -> tuple[str, str, int, int, str]:
            turn = turns[turn_of[index]]
            start, end = starts[index], ends[index]
            return turn.speaker, turn.role, start, end, text[start:end]

        return column
    found = {u.index: (u.speaker, u.role, u.start, u.end, u.text) for u in units}
    return found.__getitem__


def documents_table(result: CodingResult) -> Table:
    """One row per document: where it came from, its size, every metadata column (so
    that a breakdown by role or gender also counts documents with no excerpt), then the
    fields of its transcript header (访谈时间, Date, Participant ID ...)."""
    units: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for unit in result.units:
        counts = units[unit.document]
        counts[0] += 1
        counts[1] += unit.in_scope
    return documents_rows(
        [(d, units[d.id][0], units[d.id][1]) for d in result.documents],
        result.metadata_columns,
        result.header_columns,
    )


def documents_rows(
    documents: Sequence[tuple[DocumentLike, int, int]],
    metadata_columns: Sequence[str],
    header_columns: Sequence[str],
) -> Table:
    """documents.csv from (document, units, coded units) of every coded document."""
    columns = list(metadata_columns)
    fields = list(header_columns)
    names = metadata_names(columns)
    rows = [
        [
            d.id,
            d.source,
            d.chars,
            units,
            coded,
            *(d.meta.get(c, "") for c in columns),
            *(d.header.get(f, "") for f in fields),
        ]
        for d, units, coded in documents
    ]
    return Table([*DOCUMENTS.names, *names, *header_names(fields, names)], rows)


Key = tuple[str, str]  # ("theme", theme id) or ("code", code path)


@dataclass(slots=True)
class Tally:
    """What the frequency, matrix and co-occurrence tables need of a document, or of a
    whole run (the tallies of its documents added up), instead of every unit.

    A negated coding (没有希望) is not a reference; keys carry the level because a
    theme's own terms code the path "theme" itself, and a theme counts every unit coded
    with it or any of its codes.
    """

    references: Counter[Key] = field(default_factory=Counter)  # coded units
    documents: Counter[Key] = field(default_factory=Counter)  # documents with a reference
    negated: Counter[Key] = field(default_factory=Counter)  # units coded only by negated hits
    hits: Counter[Key] = field(default_factory=Counter)  # hits not negated
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)  # themes in one unit
    scope_chars: int = 0  # characters of in-scope speech

    def add(self, other: Tally) -> None:
        for mine, theirs in (
            (self.references, other.references),
            (self.documents, other.documents),
            (self.negated, other.negated),
            (self.hits, other.hits),
            (self.pairs, other.pairs),
        ):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        self.scope_chars += other.scope_chars


def tally_document(codings: Sequence[Coding], hits: Sequence[Hit], scope_chars: int) -> Tally:
    """The tally of one document from its codings and hits, one unit at a time."""
    tally = Tally(scope_chars=scope_chars)
    references, negated, pairs = tally.references, tally.negated, tally.pairs
    ordered: Iterable[Coding] = codings
    if any(a.unit > b.unit for a, b in zip(codings, codings[1:], strict=False)):
        ordered = sorted(codings, key=attrgetter("unit"))
    coded: set[Key] = set()
    denied: set[Key] = set()
    themes: set[str] = set()

    def close_unit() -> None:
        for key in coded:
            references[key] = references.get(key, 0) + 1
        for key in denied - coded if denied else ():
            negated[key] = negated.get(key, 0) + 1
        for a in themes:
            for b in themes:
                pairs[(a, b)] = pairs.get((a, b), 0) + 1

    unit = None
    for coding in ordered:
        if coding.unit != unit:
            close_unit()
            coded, denied, themes = set(), set(), set()
            unit = coding.unit
        if coding.negated:
            denied.add(("code", coding.code))
            denied.add(("theme", coding.theme))
        else:
            coded.add(("code", coding.code))
            coded.add(("theme", coding.theme))
            themes.add(coding.theme)
    close_unit()
    tally.documents.update(dict.fromkeys(references, 1))
    tally.hits.update(_hit_keys(hits))
    return tally


def _hit_keys(hits: Sequence[Hit]) -> dict[Key, int]:
    """How many hits that are not negated each ("code", path) and ("theme", theme) has."""
    counts: dict[Key, int] = {}
    if isinstance(hits, Hits):
        table = hits.table
        found = Counter(compress(hits.kinds, map(not_, hits.negated))).items()
        pairs = ((table[kind][1], table[kind][0], count) for kind, count in found)
    else:
        pairs = ((h.code, h.theme, 1) for h in hits if not h.negated)
    for code, theme, count in pairs:
        counts[("code", code)] = counts.get(("code", code), 0) + count
        counts[("theme", theme)] = counts.get(("theme", theme), 0) + count
    return counts


@dataclass(frozen=True, slots=True)
class DocumentGroup:
    """One document's rows of an in-memory run."""

    document: DocumentLike
    units: list[Unit]
    hits: list[Hit]
    codings: list[Coding]
    selected: bool = True


def by_document(result: CodingResult) -> list[DocumentGroup]:
    """The rows of a run grouped by document, in the order of ``result.documents``."""
    units: dict[str, list[Unit]] = defaultdict(list)
    hits: dict[str, list[Hit]] = defaultdict(list)
    codings: dict[str, list[Coding]] = defaultdict(list)
    for unit in result.units:
        units[unit.document].append(unit)
    for hit in result.hits:
        hits[hit.document].append(hit)
    for coding in result.codings:
        codings[coding.document].append(coding)
    return [DocumentGroup(d, units[d.id], hits[d.id], codings[d.id]) for d in result.documents]


def _levels(codebook: Codebook) -> list[tuple[str, str, str, str]]:
    """(level, theme, path, label) in codebook order: each theme, then its codes."""
    rows = []
    own_terms = {rule.path for rule in codebook.rules()}
    for theme in codebook.themes:
        rows.append(("theme", theme.id, theme.id, theme.label))
        if theme.id in own_terms:
            rows.append(("code", theme.id, theme.id, f"{theme.label}（主题词）"))
        for code in theme.codes:
            rows.append(("code", theme.id, f"{theme.id}/{code.id}", code.label))
    return rows


def _run_tally(result: CodingResult) -> tuple[Tally, list[tuple[str, Tally]]]:
    total = Tally()
    documents = []
    for group in by_document(result):
        scope_chars = sum(len(u.text) for u in group.units if u.in_scope)
        tally = tally_document(group.codings, group.hits, scope_chars)
        total.add(tally)
        documents.append((group.document.id, tally))
    return total, documents


def frequencies_table(result: CodingResult) -> Table:
    return frequencies_rows(result.codebook, _run_tally(result)[0], len(result.documents))


def frequencies_rows(codebook: Codebook, tally: Tally, total_docs: int) -> Table:
    """References (coded units), documents (as NVivo's Files), hits, and hits per 10,000
    characters of in-scope speech, for every theme and code; negated hits and codings are
    left out of these and counted in ``negated`` (units coded only by negated hits)."""
    scope_chars = tally.scope_chars
    rows = []
    for level, theme, path, label in _levels(codebook):
        key = (level, path)
        documents = tally.documents.get(key, 0)
        hits = tally.hits.get(key, 0)
        rows.append(
            (
                level,
                theme,
                "" if level == "theme" else path,
                label,
                tally.references.get(key, 0),
                documents,
                round(100 * documents / total_docs, 1) if total_docs else 0.0,
                hits,
                round(10_000 * hits / scope_chars, 2) if scope_chars else 0.0,
                tally.negated.get(key, 0),
            )
        )
    return Table([*FREQUENCIES.names, *(c.name for c in FREQUENCIES.optional)], rows)


def matrix_table(result: CodingResult) -> Table:
    """Documents x themes and codes; each value is the number of references."""
    keys = matrix_keys(result.codebook)
    rows = [matrix_row(document, tally, keys) for document, tally in _run_tally(result)[1]]
    return Table(matrix_columns(result.codebook), rows)


def matrix_keys(codebook: Codebook) -> list[Key]:
    return [(level, path) for level, _, path, _ in _levels(codebook)]


def matrix_columns(codebook: Codebook) -> list[str]:
    """A theme's own terms get the column ``theme/*`` so it differs from the theme's."""
    columns = [
        path if level == "theme" or "/" in path else f"{path}/*"
        for level, path in matrix_keys(codebook)
    ]
    return ["document", *columns]


def matrix_row(document: str, tally: Tally, keys: Sequence[Key]) -> list[Any]:
    return [document, *(tally.references.get(k, 0) for k in keys)]


def cooccurrence_table(result: CodingResult) -> Table:
    return cooccurrence_rows(result.codebook, _run_tally(result)[0])


def cooccurrence_rows(codebook: Codebook, tally: Tally) -> Table:
    """Themes x themes: units coded with both (the diagonal: units coded with the theme)."""
    themes = [t.id for t in codebook.themes]
    rows = [[a, *(tally.pairs.get((a, b), 0) for b in themes)] for a in themes]
    return Table(["theme", *themes], rows)
