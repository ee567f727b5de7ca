"""Which units should a person code next: uncertain, disputed, and a random share.

From a ``healcode code`` run and a learned model, pick units nobody has coded yet:

- *uncertain*: the model's probability nearest a label's threshold (in log-odds);
- *disagreement*: the model and the dictionary disagree on a label (a non-negated
  dictionary hit the model scores below its threshold, or the reverse), drawn at random
  among all such units;
- *random*: drawn uniformly from the rest, so that figures estimated from the coded
  units are not only about hard cases.

The result is a codings file (``document, unit, code, text, why``) with an empty
``code``: fill it in (one row per unit and code; add a row for a second code; leave it
empty for "no code") and pass it back to ``healcode learn``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from healcode.errors import CodingsError
from healcode.records import Hit, Unit
from healcode.reliability.codings import read_codings

if TYPE_CHECKING:
    from healcode.model.learned import LearnedModel, UnitScores

Why = Literal["uncertain", "disagreement", "random"]
SAMPLE_COLUMNS = ["document", "unit", "code", "text", "why"]
# Shares of uncertain and disagreement units; the rest is random.
SHARES = (0.4, 0.3)


@dataclass(frozen=True, slots=True)
class SampledUnit:
    document: str
    unit: int
    text: str
    why: Why


def score_run(run: str | Path, model: LearnedModel) -> list[UnitScores]:
    """The model's scores of every in-scope unit of a run (of a document in traditional
    characters, as the run read it: the simplified copy of each unit, when the run's
    ``fold`` option folded it)."""
    from healcode.fold import FOLD_MODES, FoldMode, folded_units
    from healcode.learning.examples import folds
    from healcode.run import Run, hit_records, unit_records

    opened = Run.open(run)
    recorded = opened.options.get("fold")
    mode: FoldMode = recorded if recorded in FOLD_MODES else "auto"
    units = unit_records(opened.units)
    hits = hit_records(opened.hits)
    by_document: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_document[unit.document].append(unit)
    hits_of: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        hits_of[hit.document].append(hit)
    scored = []
    for document, document_units in by_document.items():
        if not folds(document_units, model.codebook, mode):
            scored.extend(model.score_document(document_units, hits_of[document]))
            continue
        # Scored on the simplified copy; the units keep their own text (the sample file's
        # text column is checked against units.csv when it comes back to learn).
        texts = {u.index: u.text for u in document_units}
        scored.extend(
            replace(s, text=texts[s.unit])
            for s in model.score_document(folded_units(document_units), hits_of[document])
        )
    return scored


def sample_units(
    run: str | Path,
    model: LearnedModel,
    *,
    n: int = 50,
    seed: int = 0,
    exclude: Sequence[str | Path] = (),
) -> list[SampledUnit]:
    """``n`` in-scope units of ``run`` for a person to code next (see the module doc),
    leaving out units already in the ``exclude`` codings files; in reading order."""
    if n < 1:
        raise CodingsError(f"n must be at least 1, not {n}")
    excluded: set[tuple[str, int]] = set()
    for path in exclude:
        excluded.update((r.document, r.unit) for r in read_codings(path).rows)
    scored = [
        s for s in score_run(run, model) if (s.document, s.unit) not in excluded and s.text.strip()
    ]
    rng = np.random.default_rng(seed)
    margins = np.array([_margin(s, model) for s in scored]) if scored else np.zeros(0)
    disputed = [i for i, s in enumerate(scored) if _disagrees(s, model)]
    taken: dict[int, Why] = {}
    uncertain_n = round(n * SHARES[0])
    for i in np.argsort(margins, kind="stable")[:uncertain_n]:
        taken[int(i)] = "uncertain"
    disputed = [i for i in disputed if i not in taken]
    disagreement_n = min(round(n * SHARES[1]), len(disputed))
    for i in rng.permutation(len(disputed))[:disagreement_n]:
        taken[disputed[int(i)]] = "disagreement"
    rest = [i for i in range(len(scored)) if i not in taken]
    for i in rng.permutation(len(rest))[: n - len(taken)]:
        taken[rest[int(i)]] = "random"
    return [
        SampledUnit(scored[i].document, scored[i].unit, scored[i].text, taken[i])
        for i in sorted(taken)
    ]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _margin(scored: UnitScores, model: LearnedModel) -> float:
    """How near the unit's nearest label is to its threshold, in log-odds."""
    return min(
        abs(_logit(scored.scores[label]) - _logit(model.thresholds[label]))
        for label in model.labels
    )


def _disagrees(scored: UnitScores, model: LearnedModel) -> bool:
    return any(
        (scored.scores[label] >= model.thresholds[label]) != (label in scored.dictionary)
        for label in model.labels
    )


def write_sample(
    sample: Sequence[SampledUnit], path: str | Path, *, force: bool = False, bom: bool = True
) -> Path:
    """Write the codings file to fill in (atomically; refuses to replace without force)."""
    from healcode.outdir import staged_file
    from healcode.run import write_csv

    path = Path(path)
    rows: list[Sequence[object]] = [(s.document, s.unit, "", s.text, s.why) for s in sample]
    with staged_file(path, force=force) as staging:
        write_csv(staging, SAMPLE_COLUMNS, rows, bom=bom)
    return path
