"""``healcode.learn``: train a learned coder from human codings, with cross-validation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from healcode.choices import DEFAULT_RULES, RULES, Level, Rule
from healcode.errors import ModelError
from healcode.learning.evaluate import (
    Fold,
    choose_rule,
    cv_rows,
    document_folds,
    fit_classifier,
)
from healcode.learning.examples import read_training
from healcode.model.features import FeatureSettings, FeatureSpace, NgramCounts, UnitText
from healcode.model.learned import LearnedModel

if TYPE_CHECKING:
    from healcode.codebook import Codebook

# Below this many positive units, a label's model and threshold rest on too little.
FEW_POSITIVES = 20
DEFAULT_FOLDS = 5
DEFAULT_C = 1.0


def learn(
    codings: Sequence[str | Path],
    *,
    units: Sequence[str | Path] | str | Path,
    codebook: Codebook | str | Path | None = None,
    level: Level = "theme",
    folds: int = DEFAULT_FOLDS,
    min_overlap: float = 0.5,
    c: float = DEFAULT_C,
    settings: FeatureSettings | None = None,
    rules: Sequence[Rule] = DEFAULT_RULES,
) -> LearnedModel:
    """Train one classifier per label from the units people coded.

    ``codings``: codings files (``document, unit, code`` or coded ranges ``document,
    start, end, code``); ``units``: the ``units.csv`` of the runs they refer to (one per
    corpus); ``codebook``: the codebook the codings follow (default: the bundled one).
    ``rules``: the combination rules cross-validation may choose from per label (default
    ``either`` and ``model``; add ``dictionary`` to let the dictionary alone decide a label
    where cross-validation says so: not the default, because a codebook written on the
    coded transcripts is flattered by their cross-validation; a note names each label
    where it scores the dictionary alone higher).
    Returns the model with its cross-validation table (``model.cv``) and notes (e.g.
    labels with fewer than 20 positive units); ``model.save(dir)`` writes it.
    """
    from healcode.codebook import Codebook, load_codebook

    if codebook is None:
        from healcode.bundled import default_codebook_path

        codebook = default_codebook_path()
    book = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    if book.sha256 is None:
        raise ModelError(
            "the codebook has no SHA-256 (not loaded from a file); load it with "
            "healcode.load_codebook so the model can be tied to it"
        )
    if folds < 2:
        raise ModelError(f"folds must be at least 2, not {folds}")
    rules = tuple(dict.fromkeys(rules))
    if not rules or any(rule not in RULES for rule in rules):
        raise ModelError(f"rules must be some of {', '.join(RULES)}, not {', '.join(rules)}")
    settings = settings or FeatureSettings()
    unit_files = [units] if isinstance(units, str | Path) else list(units)
    training = read_training(
        codings,
        units=unit_files,
        codebook=book,
        level=level,
        min_overlap=min_overlap,
        segmenter=settings.segmenter,
    )
    examples = training.examples
    notes = list(training.notes)
    gold_all = np.array(
        [[label in e.labels for label in training.labels] for e in examples], dtype=bool
    ).reshape(len(examples), len(training.labels))
    positives = gold_all.sum(axis=0)
    labels = [label for j, label in enumerate(training.labels) if 0 < positives[j] < len(examples)]
    for j, label in enumerate(training.labels):
        if positives[j] == 0:
            notes.append(f"{label}: no coded unit has it; the dictionary alone codes it")
        elif positives[j] == len(examples):
            notes.append(f"{label}: every coded unit has it; the dictionary alone codes it")
        elif positives[j] < FEW_POSITIVES:
            notes.append(
                f"{label}: only {positives[j]} positive unit(s); its model and "
                f"threshold are unreliable (code about {FEW_POSITIVES} or more)"
            )
    if not labels:
        raise ModelError("no label has both coded and uncoded units; nothing to learn")
    keep = [training.labels.index(label) for label in labels]
    gold = gold_all[:, keep]
    dictionary = np.array(
        [[label in e.dictionary for label in labels] for e in examples], dtype=bool
    ).reshape(len(examples), len(labels))
    from healcode.segment import make_segmenter

    segmenter = make_segmenter(settings.segmenter, book.terms())
    try:
        split = document_folds([e.document for e in examples], folds)
    except ValueError as exc:
        raise ModelError(f"{exc}; code units of more documents") from None
    units_seen = [e.features for e in examples]
    counts = FeatureSpace(settings, book, segmenter=segmenter).count(units_seen)
    scores, fold_of = _out_of_fold(units_seen, counts, gold, split, settings, book, c)
    choices = [
        choose_rule(gold[:, j], scores[:, j], dictionary[:, j], fold_of, rules)
        for j in range(len(labels))
    ]
    for label, choice in zip(labels, choices, strict=True):
        alone, chosen_f1 = choice.f1["dictionary"], choice.f1[choice.rule]
        if "dictionary" not in rules and alone > chosen_f1:
            notes.append(
                f"{label}: cross-validation scores the dictionary alone higher (F1 "
                f"{alone:.3f} against {chosen_f1:.3f} with {choice.rule}); the model stays in "
                "use, since a codebook written on these transcripts looks better here than on "
                "new ones (--rules either,model,dictionary lets the dictionary decide it)"
            )
    thresholds = {label: choice.threshold for label, choice in zip(labels, choices, strict=True)}
    chosen = {label: choice.rule for label, choice in zip(labels, choices, strict=True)}
    features = FeatureSpace(settings, book, segmenter=segmenter)
    every = np.arange(len(examples))
    features.fit(counts, every)
    matrix = features.select(counts, units_seen, every)
    coef = np.zeros((len(labels), matrix.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(labels), dtype=np.float32)
    for j in range(len(labels)):
        weights, bias = fit_classifier(matrix, gold[:, j], c=c)
        coef[j], intercept[j] = weights, bias
    documents = sorted({e.document for e in examples})
    record = {
        "inputs": [i.to_json() for i in training.inputs],
        "units": len(examples),
        "documents": len(documents),
        "positives": {
            label: int(positives[training.labels.index(label)]) for label in training.labels
        },
        "folds": len(split),
        "min_overlap": min_overlap,
        "rules_considered": list(rules),
    }
    classifier = {
        "kind": "logistic regression",
        "penalty": "l2",
        "C": c,
        "class_weight": "balanced",
        "solver": "liblinear",
        "scikit-learn": _version("scikit-learn"),
    }
    model = LearnedModel(
        book,
        level,
        tuple(labels),
        FeatureSpace.from_arrays(settings, book, features.arrays(), segmenter=segmenter),
        coef,
        intercept,
        thresholds,
        chosen,
        training=record,
        cv=cv_rows(labels, gold, choices),
        notes=notes,
        classifier=classifier,
    )
    return model


def _out_of_fold(
    units: list[UnitText],
    counts: dict[str, NgramCounts],
    gold: np.ndarray,
    split: list[Fold],
    settings: FeatureSettings,
    codebook: Codebook,
    c: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Units x labels: each unit's probabilities from the model of the folds without it."""
    scores = np.zeros(gold.shape)
    fold_of = np.zeros(len(units), dtype=int)
    for number, fold in enumerate(split):
        space = FeatureSpace(settings, codebook)
        space.fit(counts, fold.train)
        train = space.select(counts, units, fold.train)
        test = space.select(counts, units, fold.test)
        fold_of[fold.test] = number
        for j in range(gold.shape[1]):
            weights, bias = fit_classifier(train, gold[fold.train, j], c=c)
            logits = test @ weights.astype(np.float32).astype(np.float64) + np.float32(bias)
            scores[fold.test, j] = 1.0 / (1.0 + np.exp(-np.asarray(logits)))
    return scores, fold_of


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)
