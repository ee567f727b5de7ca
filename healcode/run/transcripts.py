"""Rebuild each transcript from units.csv, with its hits and coded passages attached.

The output directory keeps every unit's text and offsets but not the full documents,
so a transcript is shown as its units in reading order, grouped into speaker turns.
Header lines and speaker markers are not units; the speaker is shown as a label. Two
units belong to one turn when the speaker stays the same and the gap between them is
too short to hold a new speaker marker (a line break, the name and a colon).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from healcode.errors import HealcodeError
from healcode.run.read import rows_of
from healcode.run.schema import HITS, UNITS

if TYPE_CHECKING:
    from healcode.run import Run


@dataclass(frozen=True, slots=True)
class HitView:
    theme: str
    code: str
    term: str
    start: int  # relative to the unit's text
    end: int
    negated: bool


@dataclass(frozen=True, slots=True)
class CodingView:
    """One code path on a unit, as excerpts.csv has it."""

    theme: str
    code: str
    terms: str
    negated: bool  # every hit of this code in the unit is negated


@dataclass(frozen=True, slots=True)
class UnitView:
    index: int
    start: int
    end: int
    text: str
    coded: bool  # in scope: its speaker's speech is coded
    hits: tuple[HitView, ...] = ()
    codings: tuple[CodingView, ...] = ()


@dataclass(frozen=True, slots=True)
class TurnView:
    speaker: str
    role: str
    units: tuple[UnitView, ...]
    gaps: tuple[bool, ...]  # before each unit but the first: whether the source had a gap


@dataclass(frozen=True, slots=True)
class DocumentView:
    id: str
    turns: tuple[TurnView, ...]
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def chars(self) -> int:
        return sum(len(u.text) for t in self.turns for u in t.units)

    @property
    def coded_units(self) -> int:
        return sum(bool(u.codings) for t in self.turns for u in t.units)


def rebuild_documents(run: Run) -> list[DocumentView]:
    """Every document of the run (those without units too), in reading order."""
    hits: dict[tuple[str, int], list[HitView]] = defaultdict(list)
    for document, unit, theme, code, term, start, end, negated in rows_of(
        run.hits, "document", "unit", "theme", "code", "term", "start", "end", "negated"
    ):
        hits[(document, unit)].append(
            HitView(theme, code, term, int(start), int(end), bool(negated))
        )
    codings: dict[tuple[str, int], list[CodingView]] = defaultdict(list)
    for document, unit, theme, code, terms, negated in rows_of(
        run.excerpts, "document", "unit", "theme", "code", "terms", "negated"
    ):
        codings[(document, unit)].append(CodingView(theme, code, terms, bool(negated)))

    units: dict[str, list[tuple[str, str, UnitView]]] = defaultdict(list)
    for number, (document, index, speaker, role, start, end, coded, text) in enumerate(
        rows_of(run.units, "document", "unit", "speaker", "role", "start", "end", "coded", "text"),
        start=2,
    ):
        start, end = int(start), int(end)
        if end - start != len(text):
            raise HealcodeError(
                f"{run.file(UNITS)}:{number}: offsets {start}-{end} do not match the "
                "length of the text; the output directory was edited, rerun `healcode code`"
            )
        found = hits.get((document, index))
        own = (
            tuple(
                _relative(h, start, end, run, document, index)
                for h in sorted(found, key=lambda h: (h.start, -h.end))
            )
            if found
            else ()
        )
        coding = codings.get((document, index))
        view = UnitView(index, start, end, text, bool(coded), own, tuple(coding) if coding else ())
        units[document].append((speaker, role, view))

    views = []
    for document in run.document_ids:
        rows = sorted(units.get(document, ()), key=lambda r: r[2].index)
        views.append(DocumentView(document, tuple(_turns(rows)), run.metadata.get(document, {})))
    return views


def _relative(hit: HitView, start: int, end: int, run: Run, document: str, index: int) -> HitView:
    if not start <= hit.start < hit.end <= end:
        raise HealcodeError(
            f"{run.file(HITS)}: hit {hit.start}-{hit.end} of {document} unit {index} "
            f"lies outside the unit ({start}-{end}); rerun `healcode code`"
        )
    return HitView(hit.theme, hit.code, hit.term, hit.start - start, hit.end - start, hit.negated)


def _turns(rows: list[tuple[str, str, UnitView]]) -> list[TurnView]:
    turns: list[TurnView] = []
    speaker, role = "", ""
    current: list[UnitView] = []
    gaps: list[bool] = []
    for who, what, unit in rows:
        if current:
            gap = unit.start - current[-1].end
            if who != speaker or what != role or gap >= len(who) + 2:
                turns.append(TurnView(speaker, role, tuple(current), tuple(gaps)))
                current, gaps = [], []
            else:
                gaps.append(gap > 0)
        speaker, role = who, what
        current.append(unit)
    if current:
        turns.append(TurnView(speaker, role, tuple(current), tuple(gaps)))
    return turns


def split_marks(unit: UnitView) -> list[tuple[str, tuple[HitView, ...]]]:
    """The unit's text cut at every hit boundary: (piece, hits covering it) in order.

    Hits may overlap (a theme's term inside a longer code term), so every piece knows
    all the hits over it.
    """
    if not unit.hits:
        return [(unit.text, ())]
    cuts = sorted({0, len(unit.text), *(h.start for h in unit.hits), *(h.end for h in unit.hits)})
    pieces = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        over = tuple(h for h in unit.hits if h.start <= left and right <= h.end)
        pieces.append((unit.text[left:right], over))
    return pieces
