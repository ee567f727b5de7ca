"""The tables of a coding run built from its records, in the columns of ``run.schema``.

Each table is plain rows first (what the CSV writer streams, with no pandas in the way)
and becomes a DataFrame only when the Python API asks for one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from healcode.records import Hit, Unit
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

    from healcode.coding import CodingResult


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
    rows = [
        (u.document, u.index, u.speaker, u.role, u.start, u.end, u.in_scope, u.text)
        for u in units
    ]
    return Table(UNITS.names, rows)


def hits_table(hits: Sequence[Hit]) -> Table:
    rows = [(h.document, h.unit, h.theme, h.code, h.term, h.start, h.end, h.negated) for h in hits]
    return Table(HITS.names, rows)


def excerpts_table(result: CodingResult) -> Table:
    """One row per coding (a unit and code path); ``negated`` when every hit is negated.

    With a learned model, ``source``, ``score`` and ``evidence`` follow (EXCERPTS.optional).
    Metadata columns follow; one whose name is already an excerpt column (e.g. a
    participant ``role``) is prefixed with ``meta_``.
    """
    units = {(u.document, u.index): u for u in result.units}
    meta = {d.id: d.meta for d in result.documents}
    columns = result.metadata_columns
    model = result.model is not None
    rows = []
    for coding in result.codings:
        unit = units[(coding.document, coding.unit)]
        row: list[object] = [
            coding.document, coding.unit, unit.speaker, unit.role, unit.start, unit.end,
            coding.theme, coding.code, TERM_SEPARATOR.join(coding.terms), coding.negated,
            unit.text,
        ]
        if model:
            score = "" if coding.score is None else f"{coding.score:.4f}"
            row.extend((coding.source, score, TERM_SEPARATOR.join(coding.evidence)))
        row.extend(meta[coding.document].get(c, "") for c in columns)
        rows.append(row)
    optional = [c.name for c in EXCERPTS.optional] if model else []
    return Table([*EXCERPTS.names, *optional, *metadata_names(columns)], rows)


def documents_table(result: CodingResult) -> Table:
    """One row per document: where it came from, its size, every metadata column (so
    that a breakdown by role or gender also counts documents with no excerpt), then the
    fields of its transcript header (访谈时间, Date, Participant ID ...)."""
    units: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for unit in result.units:
        counts = units[unit.document]
        counts[0] += 1
        counts[1] += unit.in_scope
    columns = result.metadata_columns
    fields = result.header_columns
    names = metadata_names(columns)
    rows = [
        [d.id, d.source, d.chars, *units[d.id], *(d.meta.get(c, "") for c in columns),
         *(d.header.get(f, "") for f in fields)]
        for d in result.documents
    ]
    return Table([*DOCUMENTS.names, *names, *header_names(fields, names)], rows)


Key = tuple[str, str]  # ("theme", theme id) or ("code", code path)


def _references(result: CodingResult) -> dict[Key, set[tuple[str, int]]]:
    """Units coded with every theme and code path (a theme counts its codes' units too).

    Keys carry the level because a theme's own terms code the path "theme" itself. A
    negated coding (没有希望) is not a reference.
    """
    refs: dict[Key, set[tuple[str, int]]] = defaultdict(set)
    for coding in result.codings:
        if not coding.negated:
            refs[("code", coding.code)].add((coding.document, coding.unit))
            refs[("theme", coding.theme)].add((coding.document, coding.unit))
    return refs


def _negated(result: CodingResult, refs: dict[Key, set[tuple[str, int]]]) -> dict[Key, int]:
    """Units whose every coding of a theme or code is negated: said, but denied."""
    units: dict[Key, set[tuple[str, int]]] = defaultdict(set)
    for coding in result.codings:
        if coding.negated:
            units[("code", coding.code)].add((coding.document, coding.unit))
            units[("theme", coding.theme)].add((coding.document, coding.unit))
    return {key: len(found - refs.get(key, set())) for key, found in units.items()}


def _levels(result: CodingResult) -> list[tuple[str, str, str, str]]:
    """(level, theme, path, label) in codebook order: each theme, then its codes."""
    rows = []
    own_terms = {rule.path for rule in result.codebook.rules()}
    for theme in result.codebook.themes:
        rows.append(("theme", theme.id, theme.id, theme.label))
        if theme.id in own_terms:
            rows.append(("code", theme.id, theme.id, f"{theme.label}（主题词）"))
        for code in theme.codes:
            rows.append(("code", theme.id, f"{theme.id}/{code.id}", code.label))
    return rows


def frequencies_table(result: CodingResult) -> Table:
    """References (coded units), documents (as NVivo's Files), hits, and hits per 10,000
    characters of in-scope speech, for every theme and code; negated hits and codings are
    left out of these and counted in ``negated`` (units coded only by negated hits)."""
    refs = _references(result)
    negated = _negated(result, refs)
    hit_counts: dict[Key, int] = defaultdict(int)
    for hit in result.hits:
        if not hit.negated:
            hit_counts[("code", hit.code)] += 1
            hit_counts[("theme", hit.theme)] += 1
    total_docs = len(result.documents)
    scope_chars = sum(len(u.text) for u in result.units if u.in_scope)
    rows = []
    for level, theme, path, label in _levels(result):
        units = refs.get((level, path), set())
        documents = len({d for d, _ in units})
        hits = hit_counts.get((level, path), 0)
        rows.append((
            level, theme, "" if level == "theme" else path, label, len(units), documents,
            round(100 * documents / total_docs, 1) if total_docs else 0.0,
            hits, round(10_000 * hits / scope_chars, 2) if scope_chars else 0.0,
            negated.get((level, path), 0),
        ))
    return Table([*FREQUENCIES.names, *(c.name for c in FREQUENCIES.optional)], rows)


def matrix_table(result: CodingResult) -> Table:
    """Documents x themes and codes; each value is the number of references.

    A theme's own terms get the column ``theme/*`` so it differs from the theme's.
    """
    keys = [(level, path) for level, _, path, _ in _levels(result)]
    counts: dict[tuple[str, Key], int] = defaultdict(int)
    for key, units in _references(result).items():
        for document, _ in units:
            counts[(document, key)] += 1
    columns = [path if level == "theme" or "/" in path else f"{path}/*" for level, path in keys]
    rows = [[d.id, *(counts.get((d.id, k), 0) for k in keys)] for d in result.documents]
    return Table(["document", *columns], rows)


def cooccurrence_table(result: CodingResult) -> Table:
    """Themes x themes: units coded with both (the diagonal: units coded with the theme)."""
    themes = [t.id for t in result.codebook.themes]
    by_unit: dict[tuple[str, int], set[str]] = defaultdict(set)
    for coding in result.codings:
        if not coding.negated:
            by_unit[(coding.document, coding.unit)].add(coding.theme)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for coded in by_unit.values():
        for a in coded:
            for b in coded:
                counts[(a, b)] += 1
    rows = [[a, *(counts.get((a, b), 0) for b in themes)] for a in themes]
    return Table(["theme", *themes], rows)
