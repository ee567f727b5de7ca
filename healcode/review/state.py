"""What a reviewer's decisions say about each unit: reviewed or not, and its codes.

The run's codings of a unit (``machine`` below) are its codings that are not negated
(``ReviewRun.machine_codes``): a negated hit is no code of the unit. A unit is
*reviewed* when every coding the run made on it has been accepted or rejected and the
reviewer has said something about it: a decided coding, a code added, or "no code" for
a unit the run left uncoded (one with nothing but negated hits included). Its codes are
then the accepted and the added ones; a reviewed unit without any is a unit with no
code. An accept or reject of anything else (a negated hit, in a review made before
negated hits were kept apart) is left out and counted by :func:`ignored_decisions`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from healcode.review.store import StoredDecision, StoredNote, store_path

UnitKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class UnitState:
    """One reviewer's decisions on one unit."""

    decided: dict[str, str] = field(default_factory=dict)  # machine code -> accept / reject
    added: tuple[str, ...] = ()
    none: bool = False  # read, and no code
    note: str = ""

    def is_reviewed(self, machine: Sequence[str]) -> bool:
        if any(code not in self.decided for code in machine):
            return False
        return bool(machine) or bool(self.added) or self.none

    def codes(self, machine: Sequence[str]) -> list[str]:
        """The unit's codes as reviewed: accepted and added (undecided ones count as coded)."""
        kept = [c for c in machine if self.decided.get(c) != "reject"]
        return kept + [c for c in self.added if c not in kept]


EMPTY = UnitState()


def unit_states(
    decisions: Iterable[StoredDecision],
    notes: Iterable[StoredNote] = (),
    machine: Mapping[UnitKey, Sequence[str]] | None = None,
) -> dict[UnitKey, UnitState]:
    """The state of every unit one reviewer touched (pass one reviewer's decisions).

    With ``machine`` (the run's codes per unit), an accept or reject of a code the run
    did not make on that unit is left out.
    """
    decided: dict[UnitKey, dict[str, str]] = defaultdict(dict)
    added: dict[UnitKey, list[str]] = defaultdict(list)
    none: set[UnitKey] = set()
    for d in decisions:
        key = (d.document, d.unit)
        if d.decision in ("accept", "reject"):
            if machine is None or d.code in machine.get(key, ()):
                decided[key][d.code] = d.decision
        elif d.decision == "add":
            added[key].append(d.code)
        elif d.decision == "none":
            none.add(key)
    noted = {(n.document, n.unit): n.note for n in notes}
    keys = set(decided) | set(added) | none | set(noted)
    return {
        key: UnitState(
            dict(decided.get(key, {})), tuple(added.get(key, ())), key in none, noted.get(key, "")
        )
        for key in keys
    }


def ignored_decisions(
    decisions: Iterable[StoredDecision], machine: Mapping[UnitKey, Sequence[str]]
) -> list[StoredDecision]:
    """Accepts and rejects of a code the run did not code the unit with: of a negated hit
    (which is not a coding), or of a coding of an earlier run. They are left out."""
    return [
        d
        for d in decisions
        if d.decision in ("accept", "reject")
        and d.code not in machine.get((d.document, d.unit), ())
    ]


def ignored_message(ignored: Sequence[StoredDecision]) -> str:
    """What to tell a reviewer about :func:`ignored_decisions` (``ignored`` not empty)."""
    first = ignored[0]
    return (
        f"{len(ignored)} accept/reject decision(s) concern codes the run did not code their "
        f"unit with (first: {first.code} on {first.document} unit {first.unit}): negated "
        "hits, which are not codings, or codings of an earlier run. They are left out, and "
        "dropped when you next decide on their unit in the review page; where a negated hit "
        "does carry its code, add the code to the unit"
    )


def stale_decisions(
    decisions: Iterable[StoredDecision], texts: Mapping[UnitKey, str]
) -> list[StoredDecision]:
    """Decisions made on a unit whose text is not the run's any more (or that is gone)."""
    return [
        d
        for d in decisions
        if (key := (d.document, d.unit)) not in texts or (d.text and d.text != texts[key])
    ]


# ---------------------------------------------------------------------------- summary


@dataclass(frozen=True, slots=True)
class ThemeReview:
    theme: str
    machine: int  # codings the run made with this theme (or one of its codes)
    accepted: int
    rejected: int
    added: int

    @property
    def undecided(self) -> int:
        return self.machine - self.accepted - self.rejected

    @property
    def precision(self) -> float | None:
        """The share of decided machine codings the reviewer accepted."""
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


@dataclass(frozen=True, slots=True)
class ReviewerSummary:
    reviewer: str
    reviewed_units: int
    themes: tuple[ThemeReview, ...]


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    reviewers: tuple[ReviewerSummary, ...]
    stale: int  # decisions on units whose text has changed since; left out
    ignored: int = 0  # accepts / rejects of codes the run did not code the unit with
    ignored_note: str = ""  # what to say about them (ignored_message), when there are any


def summarize_review(
    run: str | Path,
    machine: Mapping[UnitKey, Sequence[str]],
    texts: Mapping[UnitKey, str],
    themes: Sequence[str],
) -> ReviewSummary | None:
    """Counts of ``run``'s review.sqlite per reviewer and theme; None when there is none.

    ``machine`` is the run's codes per unit (its codings that are not negated:
    ``runview.machine_proposals``), ``texts`` the text of every in-scope unit, ``themes``
    the theme ids in codebook order.
    """
    from healcode.review.store import ReviewStore

    path = store_path(run)
    if not path.exists():
        return None
    with ReviewStore(path, readonly=True) as store:
        decisions = store.decisions()
    stale = stale_decisions(decisions, texts)
    stale_ids = {id(d) for d in stale}
    by_reviewer: dict[str, list[StoredDecision]] = defaultdict(list)
    for d in decisions:
        if id(d) not in stale_ids:
            by_reviewer[d.reviewer].append(d)
    ignored = ignored_decisions((d for d in decisions if id(d) not in stale_ids), machine)
    machine_per_theme: dict[str, int] = defaultdict(int)
    for codes in machine.values():
        for code in codes:
            machine_per_theme[_theme(code)] += 1
    summaries = []
    for reviewer in sorted(by_reviewer):
        states = unit_states(by_reviewer[reviewer], machine=machine)
        counts: dict[str, list[int]] = {t: [0, 0, 0] for t in themes}
        reviewed = 0
        for key, state in states.items():
            reviewed += state.is_reviewed(machine.get(key, ()))
            for code, decision in state.decided.items():
                counts.setdefault(_theme(code), [0, 0, 0])[0 if decision == "accept" else 1] += 1
            for code in state.added:
                counts.setdefault(_theme(code), [0, 0, 0])[2] += 1
        summaries.append(
            ReviewerSummary(
                reviewer,
                reviewed,
                tuple(
                    ThemeReview(theme, machine_per_theme.get(theme, 0), *values)
                    for theme, values in counts.items()
                ),
            )
        )
    return ReviewSummary(
        tuple(summaries),
        len(stale),
        len(ignored),
        ignored_message(ignored) if ignored else "",
    )


def _theme(code: str) -> str:
    return code.split("/", 1)[0]
