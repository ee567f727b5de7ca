"""Agreement measures over a ratings matrix: coders x units, NaN where a coder is missing.

Values are category numbers (0/1 for a code's absence/presence). A measure that is
undefined for the data returns :class:`Undefined` with the reason instead of dividing by
zero. Krippendorff's alpha comes from the ``krippendorff`` package; the kappas are
short enough to state here, in the textbook forms (Cohen 1960; Fleiss 1971).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Chance agreement this close to 1 means every rating was the same category.
_EPSILON = 1e-12


@dataclass(frozen=True, slots=True)
class Undefined:
    """A measure that the data cannot define, with the reason."""

    reason: str

    def __str__(self) -> str:
        return f"n/a ({self.reason})"


Measure = float | Undefined

NO_VARIATION = "no variation: every rating is the same"


def _counts(ratings: np.ndarray) -> np.ndarray:
    """Units x categories: how many coders put each unit in each category."""
    values = np.unique(ratings[~np.isnan(ratings)])
    return (
        np.stack([(ratings == v).sum(axis=0) for v in values], axis=1)
        if values.size
        else (np.zeros((ratings.shape[1], 0)))
    )


def percent_agreement(ratings: np.ndarray) -> Measure:
    """Share of agreeing coder pairs, averaged over units rated by two or more coders
    (for two coders: the share of units on which they agree), in percent."""
    counts = _counts(ratings)
    raters = counts.sum(axis=1)
    pairable = raters >= 2
    if not pairable.any():
        return Undefined("no unit rated by two coders")
    counts, raters = counts[pairable], raters[pairable]
    agreeing = (counts * (counts - 1)).sum(axis=1) / (raters * (raters - 1))
    return float(100 * agreeing.mean())


def cohen_kappa(first: np.ndarray, second: np.ndarray) -> Measure:
    """Cohen's kappa over the units both coders rated."""
    both = ~np.isnan(first) & ~np.isnan(second)
    if not both.any():
        return Undefined("no unit rated by both coders")
    a, b = first[both], second[both]
    observed = float((a == b).mean())
    chance = sum(float((a == v).mean() * (b == v).mean()) for v in np.union1d(a, b))
    if chance > 1 - _EPSILON:
        return Undefined(NO_VARIATION)
    return (observed - chance) / (1 - chance)


def fleiss_kappa(ratings: np.ndarray) -> Measure:
    """Fleiss' kappa over the units every coder rated (it needs the same number of
    ratings per unit)."""
    complete = ~np.isnan(ratings).any(axis=0)
    if not complete.any():
        return Undefined("no unit rated by every coder")
    counts = _counts(ratings[:, complete])
    n = ratings.shape[0]
    per_unit = ((counts * counts).sum(axis=1) - n) / (n * (n - 1))
    shares = counts.sum(axis=0) / counts.sum()
    chance = float((shares * shares).sum())
    if chance > 1 - _EPSILON:
        return Undefined(NO_VARIATION)
    return (float(per_unit.mean()) - chance) / (1 - chance)


def krippendorff_alpha(ratings: np.ndarray) -> Measure:
    """Krippendorff's alpha for nominal data; missing ratings allowed."""
    import krippendorff

    raters = (~np.isnan(ratings)).sum(axis=0)
    pairable = ratings[:, raters >= 2]
    if pairable.shape[1] == 0:
        return Undefined("no unit rated by two coders")
    if np.unique(pairable[~np.isnan(pairable)]).size < 2:
        return Undefined(NO_VARIATION)
    return float(krippendorff.alpha(reliability_data=pairable, level_of_measurement="nominal"))


@dataclass(frozen=True, slots=True)
class Retrieval:
    """Precision, recall and F1 of a coder's "present" decisions against a reference."""

    precision: Measure
    recall: Measure
    f1: Measure


def precision_recall(reference: np.ndarray, coder: np.ndarray) -> Retrieval:
    """Both arrays hold 0/1 (NaN: missing); only units both rated count."""
    both = ~np.isnan(reference) & ~np.isnan(coder)
    ref, got = reference[both] == 1, coder[both] == 1
    tp = int((ref & got).sum())
    fp = int((~ref & got).sum())
    fn = int((ref & ~got).sum())
    precision: Measure = tp / (tp + fp) if tp + fp else Undefined("coder never used the code")
    recall: Measure = tp / (tp + fn) if tp + fn else Undefined("reference never used the code")
    f1: Measure = (
        2 * tp / (2 * tp + fp + fn) if tp + fp + fn else Undefined("neither used the code")
    )
    return Retrieval(precision, recall, f1)
