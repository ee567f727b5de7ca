"""The coding run as the review sees it: documents, turns, units and the machine's codings.

This is the only module of the review that reads the run folder (through the report's
reader), so a change in how runs are read touches only :func:`read_review_run`.
``excerpts.csv`` may carry two optional columns, ``source`` (``dictionary``, ``model``,
``both``) and ``score`` (a model's probability); they are used when present.

**What the review reviews.** The run's proposal for a unit is its codings that are not
negated: a negated coding (every hit of the code negated, 没有希望) is not a coding
anywhere in healcode, so it is no code of the unit. The page shows it, for context, as a
negated hit; accept and reject apply only to the proposal, and a negated hit becomes a
code of the unit only when the reviewer adds that code. :meth:`ReviewRun.machine_codes`
and :func:`machine_proposals` are the two readings of this rule (the page's and the
report's) and give the same codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healcode.colors import theme_color
from healcode.run import CodeInfo
from healcode.run.transcripts import HitView, UnitView, split_marks

if TYPE_CHECKING:
    from healcode.run import Run


@dataclass(frozen=True, slots=True)
class Theme:
    index: int  # codebook order, also the colour and the number key (index + 1)
    entry: CodeInfo
    color: str

    @property
    def id(self) -> str:
        return self.entry.path


@dataclass(frozen=True, slots=True)
class MachineCoding:
    """One code path on a unit, as the run coded it."""

    code: str
    theme: str
    terms: str
    negated: bool
    source: str = ""  # dictionary / model / both, when the run says
    score: float | None = None  # the model's probability, when the run has one
    matched: str = ""  # the unit's text that the terms matched, "、"-separated


@dataclass(frozen=True, slots=True)
class ReviewUnit:
    document: str
    index: int
    speaker: str
    role: str
    text: str
    in_scope: bool  # its speaker's speech was coded, so it can be reviewed
    codings: tuple[MachineCoding, ...]
    pieces: tuple[tuple[str, str, bool], ...]  # (text, theme of the marked term or "", negated)

    @property
    def negated(self) -> bool:
        """The unit has a negated hit (a coding of the run whose every hit is negated)."""
        return any(c.negated for c in self.codings)

    @property
    def proposed(self) -> tuple[MachineCoding, ...]:
        """The run's codings of the unit: the ones that are not negated."""
        return tuple(c for c in self.codings if not c.negated)

    @property
    def negated_hits(self) -> tuple[MachineCoding, ...]:
        """The negated codings, shown for context: no code of the unit."""
        return tuple(c for c in self.codings if c.negated)


@dataclass(frozen=True, slots=True)
class ReviewTurn:
    speaker: str
    role: str
    units: tuple[ReviewUnit, ...]


@dataclass(frozen=True)
class ReviewDocument:
    id: str
    turns: tuple[ReviewTurn, ...]
    meta: dict[str, str] = field(default_factory=dict)

    def units(self) -> list[ReviewUnit]:
        return [u for t in self.turns for u in t.units]


@dataclass(frozen=True)
class ReviewRun:
    path: Path
    title: str  # corpus and codebook names
    codebook_name: str
    themes: tuple[Theme, ...]
    entries: dict[str, CodeInfo]  # every theme and code path, codebook order
    documents: dict[str, ReviewDocument]  # reading order
    has_sources: bool  # excerpts.csv has a source column
    has_scores: bool  # ... and a score column with at least one number
    warnings: tuple[str, ...] = ()
    by_key: dict[tuple[str, int], ReviewUnit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.by_key:
            self.by_key.update(
                ((u.document, u.index), u) for d in self.documents.values() for u in d.units()
            )

    def unit(self, document: str, index: int) -> ReviewUnit | None:
        return self.by_key.get((document, index))

    def machine_codes(self) -> dict[tuple[str, int], list[str]]:
        """The run's proposal for every unit in scope: the code paths of its codings that
        are not negated (an empty list for a unit without any)."""
        return {
            (u.document, u.index): [c.code for c in u.proposed]
            for d in self.documents.values()
            for u in d.units()
            if u.in_scope
        }

    def texts(self) -> dict[tuple[str, int], str]:
        """The text of every unit in scope."""
        return {
            (u.document, u.index): u.text
            for d in self.documents.values()
            for u in d.units()
            if u.in_scope
        }

    def theme_of(self, path: str) -> Theme | None:
        theme = path.split("/", 1)[0]
        for item in self.themes:
            if item.id == theme:
                return item
        return None

    def label(self, path: str) -> str:
        entry = self.entries.get(path)
        if entry is None:
            return path
        if entry.is_theme:
            return entry.label
        parent = self.entries.get(entry.theme)
        return f"{parent.label} › {entry.label}" if parent else entry.label


def read_review_run(path: str | Path) -> ReviewRun:
    """Read the run folder written by ``healcode code`` for reviewing."""
    from healcode.run import Run, rows_of
    from healcode.run.transcripts import rebuild_documents

    run = Run.open(path)
    entries: dict[str, CodeInfo] = {}
    for info in run.themes:
        entries[info.path] = info
        for code in run.codes:
            if code.theme == info.path and code.path != info.path:
                entries[code.path] = code
    themes = tuple(
        Theme(i, entries[info.path], theme_color(i)) for i, info in enumerate(run.themes)
    )

    excerpts = run.excerpts
    has_sources = "source" in excerpts.columns
    has_scores = "score" in excerpts.columns
    extra = [c for c in ("source", "score") if c in excerpts.columns]
    codings: dict[tuple[str, int], list[MachineCoding]] = {}
    scored = False
    for row in rows_of(excerpts, "document", "unit", "theme", "code", "terms", "negated", *extra):
        document, unit, theme, code, terms, negated = row[:6]
        values = dict(zip(extra, row[6:], strict=True))
        score = _score(values.get("score"))
        scored = scored or score is not None
        codings.setdefault((str(document), int(unit)), []).append(
            MachineCoding(
                str(code),
                str(theme),
                str(terms),
                bool(negated),
                str(values.get("source") or ""),
                score,
            )
        )

    speakers: dict[tuple[str, int], tuple[str, str]] = {
        (str(d), int(u)): (str(s), str(r))
        for d, u, s, r in rows_of(run.units, "document", "unit", "speaker", "role")
    }
    documents: dict[str, ReviewDocument] = {}
    for view in rebuild_documents(run):
        turns = []
        for turn in view.turns:
            units = []
            for unit in turn.units:
                speaker, role = speakers.get((view.id, unit.index), (turn.speaker, turn.role))
                units.append(
                    ReviewUnit(
                        view.id,
                        unit.index,
                        speaker,
                        role,
                        unit.text,
                        unit.coded,
                        _matched(codings.get((view.id, unit.index), []), unit),
                        _pieces(unit),
                    )
                )
            turns.append(ReviewTurn(turn.speaker, turn.role, tuple(units)))
        documents[view.id] = ReviewDocument(view.id, tuple(turns), dict(view.meta))

    manifest = run.manifest
    codebook_name = str((manifest.get("codebook") or {}).get("name") or "codebook")
    return ReviewRun(
        Path(path),
        f"{run.corpus_name} × {codebook_name}",
        codebook_name,
        themes,
        entries,
        documents,
        has_sources,
        has_scores and scored,
        run.warnings,
    )


def machine_proposals(
    run: Run,
) -> tuple[dict[tuple[str, int], list[str]], dict[tuple[str, int], str]]:
    """The run's proposal for every in-scope unit (the code paths of its codings that are
    not negated, as :meth:`ReviewRun.machine_codes`) and the text of every in-scope unit,
    read from ``units.csv`` and ``excerpts.csv`` alone (no transcripts): for the report."""
    from healcode.run import rows_of

    machine: dict[tuple[str, int], list[str]] = {}
    texts: dict[tuple[str, int], str] = {}
    for document, unit, text, coded in rows_of(run.units, "document", "unit", "text", "coded"):
        if coded:
            key = (str(document), int(unit))
            texts[key] = str(text)
            machine[key] = []
    for document, unit, code, negated in rows_of(
        run.excerpts, "document", "unit", "code", "negated"
    ):
        found = machine.get((str(document), int(unit)))
        if found is not None and not negated:
            found.append(str(code))
    return machine, texts


def _score(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _matched(codings: list[MachineCoding], unit: UnitView) -> tuple[MachineCoding, ...]:
    """The codings with the text their hits matched in the unit."""
    out = []
    for coding in codings:
        found = "、".join(
            dict.fromkeys(unit.text[h.start : h.end] for h in unit.hits if h.code == coding.code)
        )
        out.append(replace(coding, matched=found) if found else coding)
    return tuple(out)


def _pieces(unit: UnitView) -> tuple[tuple[str, str, bool], ...]:
    """The unit's text cut at its matched terms: (text, theme or "", all hits negated)."""
    out = []
    for piece, hits in split_marks(unit):
        if not hits:
            out.append((piece, "", False))
        else:
            top: HitView = hits[-1]
            out.append((piece, top.theme, all(h.negated for h in hits)))
    return tuple(out)
