"""Cross-validation grouped by document, thresholds and rules, and the CV table.

No document is ever split between training and test folds (a person's way of speaking
would otherwise leak into the estimate). Per label, the final model's threshold is the
one that gives the model *alone* its best F1 on the out-of-fold probabilities of all
units. (Choosing the threshold for the union with the dictionary instead makes the model
lazy wherever the dictionary looks strong, and a codebook always looks strongest on the
transcripts it was written from; on new text that costs recall.)

Each of the three rules (``either``: dictionary OR model; ``model`` alone; ``dictionary``
alone) is then scored out of fold, the units of each fold decided with the threshold
chosen on the *other* folds' out-of-fold probabilities, and the rule is chosen on those
F1s (:func:`pick_rule`): ``either``, or ``model`` if it is better by more than
``RULE_MARGIN``, or ``dictionary`` if the chosen one is no better than the dictionary
alone. So ``learn`` never ships a rule its own cross-validation finds worse than the
dictionary. The CV table shows these same out-of-fold figures for the dictionary, the
model alone and the chosen rule (the ``combined`` rows); being the best of three, the
combined figure can flatter a little where the rules are close.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
MODEL_RULES: tuple[Rule, ...] = ("either", "model")  # the rules that use the model
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


@dataclass(frozen=True)
class RuleChoice:
    """What cross-validation says about one label: each rule's honest predictions and F1
    (:func:`honest_predictions`), the rule chosen on them, and the final threshold (the
    model's own best on the out-of-fold scores of all units)."""

    rule: Rule
    threshold: float
    f1: dict[Rule, float]
    predictions: dict[Rule, np.ndarray]


def choose_rule(
    gold: np.ndarray,
    scores: np.ndarray,
    dictionary: np.ndarray,
    fold_of: np.ndarray,
    rules: Sequence[Rule] = RULES,
) -> RuleChoice:
    """The rule (one of ``rules``) and threshold for one label, by out-of-fold F1
    (:func:`pick_rule`)."""
    predictions = {
        rule: honest_predictions(gold, scores, dictionary, fold_of, rule=rule) for rule in RULES
    }
    f1 = {rule: f1_score(gold, predicted) for rule, predicted in predictions.items()}
    threshold, _ = choose(gold, scores, dictionary, "model")
    return RuleChoice(pick_rule(f1, rules), float(threshold), f1, predictions)


def pick_rule(f1: Mapping[Rule, float], rules: Sequence[Rule] = RULES) -> Rule:
    """Among ``rules``: ``either`` (dictionary OR model) unless the model alone is better
    by more than ``RULE_MARGIN``; then the dictionary alone instead if it is at least as
    good, so that the model is never used where cross-validation says it makes the coding
    worse (or adds nothing)."""
    unknown = [rule for rule in rules if rule not in RULES]
    if unknown or not rules:
        raise ValueError(f"rules must be some of {', '.join(RULES)}, not {list(rules)}")
    with_model: list[Rule] = [rule for rule in MODEL_RULES if rule in rules]
    if not with_model:
        return "dictionary"
    rule: Rule = with_model[0]
    if len(with_model) == 2 and f1["model"] > f1["either"] + RULE_MARGIN:
        rule = "model"
    return "dictionary" if "dictionary" in rules and f1["dictionary"] >= f1[rule] else rule


def decide_all(
    scores: np.ndarray, dictionary: np.ndarray, rule: Rule, threshold: float
) -> np.ndarray:
    if rule == "dictionary":
        return dictionary.copy()
    predicted = scores >= threshold
    return predicted | dictionary if rule == "either" else predicted


def honest_predictions(
    gold: np.ndarray,
    scores: np.ndarray,
    dictionary: np.ndarray,
    fold_of: np.ndarray,
    *,
    rule: Rule,
) -> np.ndarray:
    """``rule``'s decisions, each fold's with the threshold that gives the model alone
    its best F1 on the other folds' out-of-fold scores (as the final model's threshold is
    chosen on all of them)."""
    if rule == "dictionary":
        return dictionary.copy()
    predicted = np.zeros(len(gold), dtype=bool)
    for fold in np.unique(fold_of):
        other, this = fold_of != fold, fold_of == fold
        threshold, _ = choose(gold[other], scores[other], dictionary[other], "model")
        predicted[this] = decide_all(scores[this], dictionary[this], rule, threshold)
    return predicted


def scores_row(
    label: str, coder: str, gold: np.ndarray, predicted: np.ndarray, rule: str = ""
) -> dict[str, Any]:
    reference, coded = gold.astype(float), predicted.astype(float)
    retrieval = precision_recall(reference, coded)
    kappa = cohen_kappa(reference, coded)
    return {
        "label": label,
        "coder": coder,
        "rule": rule,
        "precision": _cell(retrieval.precision),
        "recall": _cell(retrieval.recall),
        "f1": _cell(retrieval.f1),
        "kappa": _cell(kappa),
        "support": int(gold.sum()),
        "coded": int(predicted.sum()),
        "units": len(gold),
    }


def cv_rows(
    labels: Sequence[str], gold: np.ndarray, choices: Sequence[RuleChoice]
) -> list[dict[str, Any]]:
    """Per label: the dictionary alone, the model alone and the combined coder (the rule
    chosen for the label, named in ``rule``); then the means over labels (macro
    averages)."""
    rows = []
    for j, (label, choice) in enumerate(zip(labels, choices, strict=True)):
        y = gold[:, j]
        rows.append(scores_row(label, "dictionary", y, choice.predictions["dictionary"]))
        rows.append(scores_row(label, "model", y, choice.predictions["model"]))
        rows.append(
            scores_row(label, "combined", y, choice.predictions[choice.rule], rule=choice.rule)
        )
    for coder in ("dictionary", "model", "combined"):
        mine = [r for r in rows if r["coder"] == coder]
        mean: dict[str, Any] = {"label": MEAN, "coder": coder, "rule": ""}
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
    "RuleChoice",
    "choose",
    "choose_rule",
    "cv_rows",
    "decide_all",
    "document_folds",
    "fit_classifier",
    "honest_predictions",
    "pick_rule",
]
