"""Cross-validation grouped by document, thresholds and rules, and the CV table.

No document is ever split between training and test folds (a person's way of speaking
would otherwise leak into the estimate). Per label, the final model's threshold is the
one that gives the model *alone* its best F1 on the out-of-fold probabilities of all
units; the combination rule is then ``either`` (dictionary OR model) unless the model
alone is better by more than ``RULE_MARGIN``. (Choosing the threshold for the union
instead makes the model lazy wherever the dictionary looks strong, and a codebook always
looks strongest on the transcripts it was written from; on new text that costs recall.)

The figures in the CV table are honest about these choices: the units of each fold are
decided with the threshold and rule chosen on the *other* folds' out-of-fold
probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from healcode.model.learned import RULES, Rule
from healcode.reliability.measures import Undefined, cohen_kappa, precision_recall

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

# Thresholds tried, as probabilities.
THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.01), 2)
# "either" keeps every dictionary hit, the researcher's own terms; "model" is chosen only
# when cross-validation prefers it by more than this.
RULE_MARGIN = 0.01
MEAN = "(mean)"


@dataclass(frozen=True, slots=True)
class Fold:
    train: np.ndarray
    test: np.ndarray


def document_folds(documents: Sequence[str], k: int) -> list[Fold]:
    """``k`` folds (at most one per document) in which each document is wholly in one
    test fold; the same documents give the same folds."""
    from sklearn.model_selection import GroupKFold

    names = sorted(set(documents))
    k = min(k, len(names))
    if k < 2:
        raise ValueError("cross-validation needs coded units from at least two documents")
    groups = np.array([names.index(d) for d in documents])
    return [
        Fold(np.asarray(train), np.asarray(test))
        for train, test in GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups)
    ]


def fit_classifier(matrix: csr_matrix, y: np.ndarray, *, c: float) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression; (coefficients, intercept).

    With one class only (a fold without a positive), every score is that class's share.
    """
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        share = (positives + 0.5) / (len(y) + 1.0)
        return np.zeros(matrix.shape[1]), float(np.log(share / (1 - share)))
    from sklearn.linear_model import LogisticRegression

    # The dual solver: with more features than units it is several times faster than
    # the primal one, and as deterministic (liblinear shuffles with a fixed seed).
    classifier = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", dual=True, max_iter=1000, random_state=0
    )
    classifier.fit(matrix, y)
    return classifier.coef_[0].copy(), float(classifier.intercept_[0])


def f1_score(gold: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((gold & predicted).sum())
    wrong = int((gold ^ predicted).sum())
    return 2 * tp / (2 * tp + wrong) if tp + wrong else 0.0


def choose(
    gold: np.ndarray, scores: np.ndarray, dictionary: np.ndarray, rule: Rule
) -> tuple[float, float]:
    """(threshold, F1): the threshold that gives ``rule`` its best F1; among equal F1 the
    one nearest 0.5."""
    best = (-1.0, 0.0, 0.5)
    for threshold in THRESHOLDS:
        predicted = scores >= threshold
        if rule == "either":
            predicted = predicted | dictionary
        score = f1_score(gold, predicted)
        key = (score, -abs(threshold - 0.5), float(threshold))
        if key[:2] > best[:2]:
            best = key
    return best[2], best[0]


def choose_rule(
    gold: np.ndarray, scores: np.ndarray, dictionary: np.ndarray
) -> tuple[Rule, float, float]:
    """(rule, threshold, F1) for one label: the model's own best threshold, then the
    rule that does better with it."""
    threshold, alone = choose(gold, scores, dictionary, "model")
    either = f1_score(gold, decide_all(scores, dictionary, "either", threshold))
    if alone > either + RULE_MARGIN:
        return "model", threshold, alone
    return "either", threshold, either


def decide_all(
    scores: np.ndarray, dictionary: np.ndarray, rule: Rule, threshold: float
) -> np.ndarray:
    predicted = scores >= threshold
    return predicted | dictionary if rule == "either" else predicted


def honest_predictions(
    gold: np.ndarray,
    scores: np.ndarray,
    dictionary: np.ndarray,
    fold_of: np.ndarray,
    *,
    rule: Rule | None,
) -> np.ndarray:
    """Each fold decided with the threshold (and, if ``rule`` is None, the rule) chosen on
    the other folds' out-of-fold scores."""
    predicted = np.zeros(len(gold), dtype=bool)
    for fold in np.unique(fold_of):
        other, this = fold_of != fold, fold_of == fold
        if rule is None:
            chosen, threshold, _ = choose_rule(gold[other], scores[other], dictionary[other])
        else:
            chosen = rule
            threshold, _ = choose(gold[other], scores[other], dictionary[other], rule)
        predicted[this] = decide_all(scores[this], dictionary[this], chosen, threshold)
    return predicted


def scores_row(label: str, coder: str, gold: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    reference, coded = gold.astype(float), predicted.astype(float)
    retrieval = precision_recall(reference, coded)
    kappa = cohen_kappa(reference, coded)
    return {
        "label": label,
        "coder": coder,
        "precision": _cell(retrieval.precision),
        "recall": _cell(retrieval.recall),
        "f1": _cell(retrieval.f1),
        "kappa": _cell(kappa),
        "support": int(gold.sum()),
        "coded": int(predicted.sum()),
        "units": len(gold),
    }


def cv_rows(
    labels: Sequence[str],
    gold: np.ndarray,
    scores: np.ndarray,
    dictionary: np.ndarray,
    fold_of: np.ndarray,
) -> list[dict[str, Any]]:
    """Per label: the dictionary alone, the model alone and the combined coder; then the
    means over labels (macro averages)."""
    rows = []
    for j, label in enumerate(labels):
        y, d, p = gold[:, j], dictionary[:, j], scores[:, j]
        rows.append(scores_row(label, "dictionary", y, d))
        rows.append(
            scores_row(label, "model", y, honest_predictions(y, p, d, fold_of, rule="model"))
        )
        rows.append(
            scores_row(label, "combined", y, honest_predictions(y, p, d, fold_of, rule=None))
        )
    for coder in ("dictionary", "model", "combined"):
        mine = [r for r in rows if r["coder"] == coder]
        mean: dict[str, Any] = {"label": MEAN, "coder": coder}
        for column in ("precision", "recall", "f1", "kappa"):
            values = [r[column] for r in mine if isinstance(r[column], float)]
            mean[column] = round(float(np.mean(values)), 4) if values else "n/a"
        mean.update(
            support=sum(r["support"] for r in mine),
            coded=sum(r["coded"] for r in mine),
            units=len(gold),
        )
        rows.append(mean)
    return rows


def _cell(value: float | Undefined) -> float | str:
    return round(float(value), 4) if isinstance(value, float | int) else str(value)


__all__ = [
    "RULES",
    "Fold",
    "choose",
    "choose_rule",
    "cv_rows",
    "decide_all",
    "document_folds",
    "fit_classifier",
    "honest_predictions",
]
