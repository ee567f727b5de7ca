"""What the review pages show, as plain values for the templates.

The templates only lay these out; every choice (which units a filter keeps, a unit's
state, the progress counts) is made here, where it can be tested without a server.
A unit's codings here are the run's codings that are not negated (``ReviewUnit.proposed``);
its negated hits are shown beside them as what they are: not coded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from healcode.review.runview import ReviewDocument, ReviewRun, ReviewUnit
from healcode.review.state import EMPTY, UnitKey, UnitState

MAX_THEME_KEYS = 9  # number keys 1-9 add the first nine themes


@dataclass(frozen=True, slots=True)
class Filters:
    theme: str = ""
    negated: bool = False
    pending: bool = False
    below: float | None = None  # only model codings with a score below this

    @property
    def active(self) -> bool:
        return bool(self.theme or self.negated or self.pending or self.below is not None)

    @classmethod
    def parse(cls, query: Mapping[str, str], run: ReviewRun) -> Filters:
        theme = query.get("theme", "")
        if theme not in {t.id for t in run.themes}:
            theme = ""
        below: float | None = None
        if run.has_scores and query.get("below", "").strip():
            try:
                below = min(max(float(query["below"]), 0.0), 1.0)
            except ValueError:
                below = None
        return cls(theme, query.get("negated") == "1", query.get("pending") == "1", below)

    def keeps(self, unit: ReviewUnit, state: UnitState) -> bool:
        if not self.active:
            return True
        if not unit.in_scope:
            return False
        if self.theme and not (
            any(c.theme == self.theme for c in unit.codings)
            or any(c.split("/", 1)[0] == self.theme for c in state.added)
        ):
            return False
        if self.negated and not unit.negated:
            return False
        if self.pending and state.is_reviewed([c.code for c in unit.proposed]):
            return False
        if self.below is not None and not any(
            c.score is not None and c.source != "dictionary" and c.score < self.below
            for c in unit.proposed
        ):
            return False
        return True


@dataclass(frozen=True, slots=True)
class Progress:
    units: int  # in scope: can be reviewed
    coded: int  # with at least one coding of the run (a negated hit is none)
    coded_reviewed: int
    reviewed: int  # any unit reviewed

    def as_dict(self) -> dict[str, int]:
        return {
            "units": self.units,
            "coded": self.coded,
            "coded_reviewed": self.coded_reviewed,
            "reviewed": self.reviewed,
        }


def progress(document: ReviewDocument, states: Mapping[UnitKey, UnitState]) -> Progress:
    units = coded = coded_reviewed = reviewed = 0
    for unit in document.units():
        if not unit.in_scope:
            continue
        units += 1
        proposed = [c.code for c in unit.proposed]
        done = states.get((unit.document, unit.index), EMPTY).is_reviewed(proposed)
        reviewed += done
        if proposed:
            coded += 1
            coded_reviewed += done
    return Progress(units, coded, coded_reviewed, reviewed)


def total(progresses: list[Progress]) -> Progress:
    return Progress(
        *(
            sum(getattr(p, name) for p in progresses)
            for name in ("units", "coded", "coded_reviewed", "reviewed")
        )
    )


def unit_view(run: ReviewRun, unit: ReviewUnit, state: UnitState) -> dict[str, Any]:
    """One unit as the template shows it: the run's codings to accept or reject, its
    negated hits (not coded; the reviewer may add their code), the codes added."""
    machine = [c.code for c in unit.proposed]
    codings = []
    for coding in unit.proposed:
        codings.append(
            {
                "code": coding.code,
                "label": run.label(coding.code),
                "theme": _theme_index(run, coding.code),
                "terms": coding.matched or _shorten(coding.terms),
                "source": coding.source,
                "score": None if coding.score is None else f"{coding.score:.2f}",
                "state": state.decided.get(coding.code, ""),
                "help": _help(run, coding.code),
            }
        )
    negated = []
    for coding in unit.negated_hits:
        negated.append(
            {
                "code": coding.code,
                "label": run.label(coding.code),
                "theme": _theme_index(run, coding.code),
                "terms": coding.matched or _shorten(coding.terms),
                # the reviewer may code the unit with it after all (a misread negation)
                "addable": coding.code not in machine and coding.code not in state.added,
                "help": _help(run, coding.code),
            }
        )
    added = []
    for code in state.added:
        added.append(
            {
                "code": code,
                "label": run.label(code),
                "theme": _theme_index(run, code),
                "help": _help(run, code),
            }
        )
    codes = machine + [c for c in state.added if c not in machine]
    first = run.theme_of(codes[0]) if codes else None
    themes = list(dict.fromkeys(c.split("/", 1)[0] for c in codes))
    return {
        "index": unit.index,
        "speaker": unit.speaker,
        "in_scope": unit.in_scope,
        "pieces": [
            {"text": text, "theme": _theme_index(run, theme) if theme else None, "negated": negated}
            for text, theme, negated in unit.pieces
        ],
        "codings": codings,
        "negated": negated,
        "added": added,
        "none": state.none,
        "note": state.note,
        "reviewed": state.is_reviewed(machine),
        "tint": first.index if first else None,
        "themes": " ".join(themes),
    }


def _theme_index(run: ReviewRun, path: str) -> int:
    theme = run.theme_of(path)
    return theme.index if theme is not None else 0


def _shorten(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _help(run: ReviewRun, code: str) -> str:
    """The codebook's words on a code, for a tooltip."""
    entry = run.entries.get(code)
    if entry is None:
        return code
    lines = [run.label(code) + (f" ({entry.label_en})" if entry.label_en else "")]
    for name, text in (
        ("Definition", entry.definition),
        ("When to use", entry.when_to_use),
        ("When not to use", entry.when_not_to_use),
    ):
        if text:
            lines.append(f"{name}: {text}")
    return "\n".join(lines)


def document_view(
    run: ReviewRun,
    document: ReviewDocument,
    states: Mapping[UnitKey, UnitState],
    filters: Filters,
) -> dict[str, Any]:
    turns = []
    shown = total_units = 0
    for turn in document.turns:
        units = []
        for unit in turn.units:
            state = states.get((unit.document, unit.index), EMPTY)
            total_units += unit.in_scope
            if filters.keeps(unit, state):
                units.append(unit_view(run, unit, state))
                shown += unit.in_scope
        if units:
            turns.append(
                {
                    "speaker": turn.speaker,
                    "role": turn.role,
                    "in_scope": any(u["in_scope"] for u in units),
                    "units": units,
                }
            )
    names = list(run.documents)
    position = names.index(document.id)
    return {
        "id": document.id,
        "meta": {k: v for k, v in document.meta.items() if v},
        "turns": turns,
        "shown": shown,
        "total": total_units,
        "previous": names[position - 1] if position > 0 else None,
        "next": names[position + 1] if position + 1 < len(names) else None,
        "progress": progress(document, states),
    }


def codebook_view(run: ReviewRun) -> list[dict[str, Any]]:
    """Themes in codebook order, each with its codes and the codebook's words."""
    themes = []
    for theme in run.themes:
        codes = [
            entry
            for path, entry in run.entries.items()
            if entry.theme == theme.id and path != theme.id
        ]
        themes.append(
            {
                "id": theme.id,
                "index": theme.index,
                "entry": theme.entry,
                "key": str(theme.index + 1) if theme.index < MAX_THEME_KEYS else "",
                "codes": codes,
            }
        )
    return themes
