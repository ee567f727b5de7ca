"""A learned coder: trained on the units people coded, working with the dictionary.

(Named ``learning`` rather than ``learn`` so that importing it never replaces the public
function ``healcode.learn``.)

Train::

    model = healcode.learn(["gold.csv"], units=["run/units.csv"], codebook="book.yaml")
    model.save("model")                       # model.json, weights.npz, cv.csv

Use (what ``healcode code --model`` does for each document)::

    from healcode.learning import LearnedModel, question_contexts

    model = LearnedModel.load("model", codebook)      # ModelError if it does not fit
    model.level                  # "theme" or "code"
    model.labels                 # the labels it scores, codebook order
    model.thresholds             # label -> probability threshold
    model.rules                  # label -> "either" (dictionary OR model) | "model"
                                 #          | "dictionary" (the model not used)
    scores = model.score_units(texts, hits, questions)   # list of {label: probability}
    coded, source = model.decide(scores[i][label], label, dictionary_hit)
    model.evidence(text, label, k=3, hits=hits[i], question=questions[i])
    # or, per document, all of it at once:
    model.code_units(units, hits)    # -> [ModelCoding(document, unit, label, source,
                                     #                 score, evidence)]

- ``texts``: unit texts; ``hits``: per unit, the dictionary coder's ``Hit`` records
  (negated ones too: they are features); ``questions``: per unit, the interviewer's words
  before its turn, ``question_contexts(units_of_the_document)``.
- ``decide(score, label, dictionary_hit)``: ``dictionary_hit`` is True when the unit has
  a non-negated dictionary hit for ``label`` (its theme, at theme level). Returns
  ``Decision(coded, source)``, source ``"dictionary"``, ``"model"`` or ``"both"`` (None
  when not coded). A label the model does not know, or whose rule is ``dictionary``, is
  coded by the dictionary alone (its codings carry no score).
- ``model.sha256`` is the SHA-256 of ``model.json`` (which holds the SHA-256 of the
  weights and of its own content), for a run's manifest.
- ``Coder(codebook, model=model)`` refuses a model trained with another codebook.
- A document in traditional characters is scored on the simplified copy the dictionary
  matches (``healcode.fold.folded_units``), in ``healcode code``, ``learn`` and ``sample``.

Pick units for a person to code next: :func:`healcode.learning.sample.sample_units`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from healcode.learning.sample import sample_units
    from healcode.learning.train import learn
    from healcode.model.features import FeatureSettings, question_contexts
    from healcode.model.learned import Decision, LearnedModel, ModelCoding, UnitScores

__all__ = [
    "Decision",
    "FeatureSettings",
    "LearnedModel",
    "ModelCoding",
    "UnitScores",
    "learn",
    "question_contexts",
    "sample_units",
]

_LAZY = {
    "FeatureSettings": "healcode.model.features",
    "question_contexts": "healcode.model.features",
    "Decision": "healcode.model.learned",
    "LearnedModel": "healcode.model.learned",
    "ModelCoding": "healcode.model.learned",
    "UnitScores": "healcode.model.learned",
    "sample_units": "healcode.learning.sample",
    "learn": "healcode.learning.train",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'healcode.learning' has no attribute {name!r}")
