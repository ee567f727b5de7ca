"""Write the reviewed codings as a codings file that ``healcode agree`` and ``learn`` read.

The file has ``document, unit, code, coder, text``: one row per unit and code, in run
order, and one row with an empty ``code`` for a reviewed unit that has no code. The
``coder`` is the reviewer; ``text`` is the unit's text, so a later change of the run's
units is caught by the commands that read the file. The run's codings here are the ones
that are not negated: a negated hit is a code of a unit only when the reviewer added it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from healcode.errors import ReviewError
from healcode.review.runview import ReviewRun
from healcode.review.state import (
    EMPTY,
    ignored_decisions,
    ignored_message,
    stale_decisions,
    unit_states,
)
from healcode.review.store import ReviewStore, StoredDecision, check_reviewer, store_path

COLUMNS = ("document", "unit", "code", "coder", "text")


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    reviewers: tuple[str, ...]
    units: int  # unit rows per reviewer, summed
    rows: int
    warnings: tuple[str, ...] = ()  # decisions left out, and why


def export_codings(
    run: ReviewRun,
    output: str | Path,
    *,
    reviewer: str | None = None,
    include_unreviewed: bool = False,
    force: bool = False,
    bom: bool = True,
) -> ExportResult:
    """Write the codings of ``reviewer`` (default: every reviewer) to ``output``.

    Units a reviewer has not reviewed are left out, unless ``include_unreviewed``: then
    they carry the run's codings (not its negated hits), less those the reviewer
    rejected, plus those added.
    """
    from healcode.outdir import staged_file
    from healcode.run import RUN_FILES

    output = Path(output)
    inputs = [run.path / name for name in RUN_FILES]
    path = store_path(run.path)
    decisions: list[StoredDecision] = []
    if path.exists():
        with ReviewStore(path, readonly=True) as store:
            decisions = store.decisions()
    elif not (include_unreviewed and reviewer):
        raise ReviewError(
            f"{path}: no such file; review the run first (healcode review {run.path})"
        )
    check_fresh(run, decisions)
    if reviewer is not None:
        reviewer = check_reviewer(reviewer)
        known = sorted({d.reviewer for d in decisions})
        if reviewer not in known and not include_unreviewed:
            raise ReviewError(
                f"{path}: no decisions by {reviewer!r} (reviewers: {', '.join(known) or 'none'})"
            )
        reviewers = [reviewer]
    else:
        reviewers = sorted({d.reviewer for d in decisions})
        if not reviewers:
            raise ReviewError(
                f"{path}: no decisions yet; review the run first, or pass "
                "--reviewer NAME --include-unreviewed for the run's own codings"
            )

    order = {code: i for i, code in enumerate(run.entries)}
    rows: list[tuple[str, str, str, str, str]] = []
    units = 0
    machine = run.machine_codes()
    ignored = ignored_decisions((d for d in decisions if d.reviewer in reviewers), machine)
    for name in reviewers:
        states = unit_states((d for d in decisions if d.reviewer == name), machine=machine)
        for document in run.documents.values():
            for unit in document.units():
                if not unit.in_scope:
                    continue
                codes = machine[(unit.document, unit.index)]
                state = states.get((unit.document, unit.index), EMPTY)
                if not (include_unreviewed or state.is_reviewed(codes)):
                    continue
                units += 1
                kept = sorted(state.codes(codes), key=lambda c: order.get(c, len(order)))
                for code in kept or [""]:
                    rows.append((unit.document, str(unit.index), code, name, unit.text))
    with staged_file(output, force=force, inputs=inputs) as staging:
        with staging.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows(rows)
    warnings = (ignored_message(ignored),) if ignored else ()
    return ExportResult(output, tuple(reviewers), units, len(rows), warnings)


def check_fresh(run: ReviewRun, decisions: list[StoredDecision]) -> None:
    """Refuse decisions made on units whose text is not the run's any more."""
    stale = stale_decisions(decisions, run.texts())
    if stale:
        first = stale[0]
        raise ReviewError(
            f"{store_path(run.path)}: {len(stale)} decision(s) were made on units that are not "
            f"in this run any more or have other text now (first: {first.document} unit "
            f"{first.unit}); the run was coded again after the review. Move review.sqlite "
            "away to review the new run afresh"
        )
