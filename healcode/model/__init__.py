"""A learned model beside the dictionary: load it safely, score units, decide, explain.

Training lives above the run folder, in ``healcode.learning``; what coding needs of a
model, per document, lives here (``healcode code --model``).
"""

from healcode.model.learned import Decision, LearnedModel, Level, ModelCoding, UnitScores

__all__ = ["Decision", "LearnedModel", "Level", "ModelCoding", "UnitScores"]
