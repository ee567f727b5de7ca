"""The only place that builds DataFrames: rows of a coding run -> tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from healcode.records import Hit, Unit

if TYPE_CHECKING:
    from healcode.coding import CodingResult

UNIT_COLUMNS = ["document", "unit", "speaker", "role", "start", "end", "coded", "text"]
EXCERPT_COLUMNS = [
    "document", "unit", "speaker", "role", "start", "end",
    "theme", "code", "terms", "negated", "text",
]
HIT_COLUMNS = ["document", "unit", "theme", "code", "term", "start", "end", "negated"]
FREQUENCY_COLUMNS = [
    "level", "theme", "code", "label", "references", "documents",
    "documents_pct", "hits", "per_10k_chars",
]
TERM_SEPARATOR = "; "


def units_table(units: Sequence[Unit]) -> pd.DataFrame:
    rows = [
        (u.document, u.index, u.speaker, u.role, u.start, u.end, u.in_scope, u.text)
        for u in units
    ]
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def hits_table(hits: Sequence[Hit]) -> pd.DataFrame:
    rows = [(h.document, h.unit, h.theme, h.code, h.term, h.start, h.end, h.negated) for h in hits]
    return pd.DataFrame(rows, columns=HIT_COLUMNS)


def excerpts_table(result: CodingResult) -> pd.DataFrame:
    """One row per coded unit and code path; ``negated`` when every hit of it is negated.

    Metadata columns follow; one whose name is already an excerpt column (e.g. a
    participant ``role``) is prefixed with ``meta_``.
    """
    units = {(u.document, u.index): u for u in result.units}
    grouped: dict[tuple[str, int, str], list[Hit]] = defaultdict(list)
    for hit in result.hits:
        grouped[(hit.document, hit.unit, hit.code)].append(hit)
    meta = {d.id: d.meta for d in result.documents}
    columns = result.metadata_columns
    rows = []
    for (document, index, code), hits in grouped.items():
        unit = units[(document, index)]
        terms = TERM_SEPARATOR.join(dict.fromkeys(h.term for h in hits))
        row = [
            document, index, unit.speaker, unit.role, unit.start, unit.end,
            hits[0].theme, code, terms, all(h.negated for h in hits), unit.text,
        ]
        row.extend(meta[document].get(c, "") for c in columns)
        rows.append(row)
    order = {d.id: i for i, d in enumerate(result.documents)}
    rank = {rule.path: i for i, rule in enumerate(result.codebook.rules())}
    rows.sort(key=lambda r: (order[r[0]], r[1], rank.get(r[7], len(rank))))
    return pd.DataFrame(rows, columns=[*EXCERPT_COLUMNS, *metadata_names(columns)])


def metadata_names(columns: Sequence[str]) -> list[str]:
    taken = set(EXCERPT_COLUMNS)
    return [f"meta_{c}" if c in taken else c for c in columns]


def _references(result: CodingResult) -> dict[str, set[tuple[str, int]]]:
    """Coded units of every theme and code path (a theme counts its codes' units too)."""
    refs: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for hit in result.hits:
        refs[hit.code].add((hit.document, hit.unit))
        refs[hit.theme].add((hit.document, hit.unit))
    return refs


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


def frequencies_table(result: CodingResult) -> pd.DataFrame:
    """References (coded units), documents (as NVivo's Files), hits, and hits per 10,000
    characters of in-scope speech, for every theme and code."""
    refs = _references(result)
    hit_counts: dict[str, int] = defaultdict(int)
    for hit in result.hits:
        hit_counts[hit.code] += 1
        if hit.code != hit.theme:
            hit_counts[hit.theme] += 1
    total_docs = len(result.documents)
    scope_chars = sum(len(u.text) for u in result.units if u.in_scope)
    rows = []
    for level, theme, path, label in _levels(result):
        units = refs.get(path, set())
        documents = len({d for d, _ in units})
        hits = hit_counts.get(path, 0)
        rows.append((
            level, theme, "" if level == "theme" else path, label, len(units), documents,
            round(100 * documents / total_docs, 1) if total_docs else 0.0,
            hits, round(10_000 * hits / scope_chars, 2) if scope_chars else 0.0,
        ))
    return pd.DataFrame(rows, columns=FREQUENCY_COLUMNS)


def matrix_table(result: CodingResult) -> pd.DataFrame:
    """Documents x themes and codes; each value is the number of references."""
    paths = list(dict.fromkeys(path for _, _, path, _ in _levels(result)))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for path, units in _references(result).items():
        for document, _ in units:
            counts[(document, path)] += 1
    rows = [[d.id, *(counts.get((d.id, p), 0) for p in paths)] for d in result.documents]
    return pd.DataFrame(rows, columns=["document", *paths])


def cooccurrence_table(result: CodingResult) -> pd.DataFrame:
    """Themes x themes: units coded with both (the diagonal: units coded with the theme)."""
    themes = [t.id for t in result.codebook.themes]
    by_unit: dict[tuple[str, int], set[str]] = defaultdict(set)
    for hit in result.hits:
        by_unit[(hit.document, hit.unit)].add(hit.theme)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for coded in by_unit.values():
        for a in coded:
            for b in coded:
                counts[(a, b)] += 1
    rows = [[a, *(counts.get((a, b), 0) for b in themes)] for a in themes]
    return pd.DataFrame(rows, columns=["theme", *themes])
