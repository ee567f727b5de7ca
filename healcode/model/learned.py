"""A learned coder on disk and in memory: load it safely, score units, decide, explain.

A model is a directory:

- ``model.json``: the level, the labels, per-label thresholds and combination rules, the
  feature settings, the codebook's name and SHA-256, the SHA-256 of ``weights.npz``, the
  training files (directory/name and SHA-256), counts and the cross-validation table, and
  ``content_sha256``: the SHA-256 of all the rest of its content (:func:`content_sha256`);
- ``weights.npz``: plain numeric arrays (vocabularies as UTF-8 bytes, IDF weights,
  coefficients, intercepts), written byte-for-byte reproducibly and read with
  ``allow_pickle=False``, so loading a model from a stranger runs no code;
- ``cv.csv``: the cross-validation table, for reading.

Loading refuses a model whose ``model.json`` was changed after training (its content no
longer has the SHA-256 recorded in it: an edited threshold or rule), whose codebook
SHA-256 differs from the codebook given, whose ``weights.npz`` does not have the SHA-256
that ``model.json`` records, or whose files are malformed, with one line saying what to
do. (The SHA-256s catch edits and damage; they are not a signature: whoever can write a
model can write its hashes too, which is why the weights are plain arrays.)
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import math
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

import healcode
from healcode.choices import RULES, Level, Rule
from healcode.corpus.units import Units
from healcode.errors import ModelError
from healcode.model.features import (
    TEXT_BLOCKS,
    Block,
    DictionaryHit,
    Entries,
    FeatureSettings,
    FeatureSpace,
    UnitText,
    Weighed,
    question_texts,
    ranges,
    unit_text,
)
from healcode.records import Hits

if TYPE_CHECKING:
    from healcode.codebook import Codebook
    from healcode.records import Hit, Unit
    from healcode.segment import Segmenter

# How a label is decided: "either" the dictionary (a non-negated hit) or the model (its
# score at the threshold); the "model" alone; the "dictionary" alone (the model unused).
Source = Literal["dictionary", "model", "both"]
# A decision as a small integer, for deciding every unit and label of a document at once.
SOURCES: tuple[Source | None, ...] = (None, "dictionary", "model", "both")
_NOT_CODED, _DICTIONARY, _MODEL, _BOTH = range(len(SOURCES))
_NOTHING = np.zeros(0, dtype=np.int64)
FORMAT = "healcode learned coder"
# 2: the "dictionary" rule, and model.json's content_sha256.
FORMAT_VERSION = 2
MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
CV_FILE = "cv.csv"
MODEL_FILES = (MODEL_FILE, WEIGHTS_FILE, CV_FILE)
# A zip entry's date is part of its bytes: a fixed one keeps weights.npz reproducible.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class Decision(NamedTuple):
    """Whether a unit is coded with a label, and who said so (None when not coded)."""

    coded: bool
    source: Source | None


@dataclass(frozen=True, slots=True)
class UnitScores:
    """The model's probability for every label of one in-scope unit."""

    document: str
    unit: int
    text: str
    scores: dict[str, float]
    dictionary: frozenset[str]  # labels with a non-negated dictionary hit


@dataclass(frozen=True, slots=True)
class ModelCoding:
    """One coding of the combined coder: a unit, a label, who coded it, and why."""

    document: str
    unit: int
    label: str
    source: Source
    score: float | None  # None: a label the model does not know or does not decide
    evidence: tuple[str, ...]


@dataclass
class LearnedModel:
    """One binary linear classifier per label (theme or code path) over ``features``.

    Build it with :func:`healcode.learn` or :meth:`load`; see the package docstring for
    how ``healcode code`` uses it.
    """

    codebook: Codebook
    level: Level
    labels: tuple[str, ...]
    features: FeatureSpace
    coef: np.ndarray  # labels x features, float32
    intercept: np.ndarray  # labels, float32
    thresholds: dict[str, float]
    rules: dict[str, Rule]
    training: dict[str, Any] = field(default_factory=dict)
    cv: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    classifier: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None  # of model.json, once saved or loaded
    path: Path | None = None
    # Caches for evidence: each column's n-gram as shown, and coef for evidence.
    _shown: np.ndarray | None = field(default=None, repr=False, compare=False)
    _readable_coef: tuple[np.ndarray, np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )

    # -- scoring ----------------------------------------------------------------------

    def probabilities(self, units: Sequence[UnitText]) -> np.ndarray:
        """Units x labels: the model's probability of every label."""
        return self._probabilities(self.features.weigh(units), len(units))

    def _probabilities(self, weighed: Mapping[Block, Weighed], count: int) -> np.ndarray:
        logits = self.features.logits_of(weighed, count, self.coef, self.intercept)
        return 1.0 / (1.0 + np.exp(-logits))

    def score_units(
        self,
        texts: Sequence[str],
        hits: Sequence[Iterable[DictionaryHit]],
        questions: Sequence[str] | None = None,
    ) -> list[dict[str, float]]:
        """For each unit text, the probability of every label.

        ``hits``: the dictionary coder's hits of each unit (``Hit`` records; negated ones
        included, they are features too). ``questions``: the interviewer's words before
        each unit's turn (see :func:`question_contexts`); empty when not given.
        """
        if len(hits) != len(texts) or (questions is not None and len(questions) != len(texts)):
            raise ValueError("texts, hits and questions must have one entry per unit")
        units = [
            unit_text(text, unit_hits, questions[i] if questions is not None else "")
            for i, (text, unit_hits) in enumerate(zip(texts, hits, strict=True))
        ]
        probabilities = self.probabilities(units)
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in probabilities]

    def decide(self, score: float | None, label: str, dictionary_hit: bool) -> Decision:
        """The combination rule learn chose for ``label``.

        ``either``: coded when the dictionary has a non-negated hit or the score reaches
        the label's threshold; ``model``: coded when the score reaches the threshold (the
        dictionary's hits are features of the score); ``dictionary``: coded when the
        dictionary has a non-negated hit, whatever the score. A label the model does not
        know is coded by the dictionary alone.
        """
        if label not in self.thresholds or score is None or self.rules[label] == "dictionary":
            return Decision(True, "dictionary") if dictionary_hit else Decision(False, None)
        by_model = score >= self.thresholds[label]
        if self.rules[label] == "model":
            if not by_model:
                return Decision(False, None)
            return Decision(True, "both" if dictionary_hit else "model")
        if by_model and dictionary_hit:
            return Decision(True, "both")
        if by_model:
            return Decision(True, "model")
        if dictionary_hit:
            return Decision(True, "dictionary")
        return Decision(False, None)

    def _sources(self, scores: np.ndarray, dictionary: np.ndarray) -> np.ndarray:
        """Units x labels: :meth:`decide` for every score at once (``dictionary``: whether
        the unit has a non-negated hit of the label), as an index into ``SOURCES``."""
        thresholds = np.array([self.thresholds[label] for label in self.labels])
        rules = [self.rules[label] for label in self.labels]
        with_dictionary = np.array([rule != "model" for rule in rules])
        by_model = (scores >= thresholds) & self._decides()
        return np.where(
            by_model,
            np.where(dictionary, _BOTH, _MODEL),
            np.where(dictionary & with_dictionary, _DICTIONARY, _NOT_CODED),
        ).astype(np.int8)

    def _decides(self) -> np.ndarray:
        """Per label: whether the model takes part in deciding it (its rule is not
        ``dictionary``)."""
        return np.array([self.rules[label] != "dictionary" for label in self.labels], dtype=bool)

    # -- evidence -----------------------------------------------------------------------

    def evidence(
        self,
        text: str,
        label: str,
        *,
        k: int = 3,
        hits: Iterable[DictionaryHit] = (),
        question: str = "",
    ) -> list[str]:
        """The (up to) ``k`` n-grams of ``text`` that raised ``label``'s score most.

        Character and word n-grams only (the dictionary's hits are in the ``terms``
        column already, and the question is not the unit's own words); an n-gram inside
        one already listed is skipped, and so are n-grams of punctuation alone.
        """
        return self.explain(unit_text(text, hits, question), [label], k=k).get(label, [])

    def explain(self, unit: UnitText, labels: Iterable[str], *, k: int = 3) -> dict[str, list[str]]:
        """:meth:`evidence` for several labels of one unit."""
        return self.explain_units([unit], [list(labels)], k=k)[0]

    def explain_units(
        self, units: Sequence[UnitText], labels: Sequence[Sequence[str]], *, k: int = 3
    ) -> list[dict[str, list[str]]]:
        """:meth:`evidence` for ``labels[i]`` of ``units[i]``, the n-grams of all units
        weighed at once."""
        weighed = {
            b: self.features.weighted(b, units) for b in TEXT_BLOCKS if b in self.features.blocks
        }
        index = {label: j for j, label in enumerate(self.labels)}
        pairs = [
            (i, label)
            for i, wanted in enumerate(labels)
            for label in dict.fromkeys(wanted)
            if label in index
        ]
        found = self._evidence(
            weighed,
            len(units),
            np.array([i for i, _ in pairs], dtype=np.int64),
            np.array([index[label] for _, label in pairs], dtype=np.int64),
            k,
        )
        explained: list[dict[str, list[str]]] = [{} for _ in units]
        for (i, label), ngrams in zip(pairs, found, strict=True):
            explained[i][label] = ngrams
        return explained

    def _evidence(
        self,
        weighed: Mapping[Block, Weighed],
        count: int,
        units: np.ndarray,
        labels: np.ndarray,
        k: int,
    ) -> list[list[str]]:
        """:meth:`evidence` for every pair (``units[p]``, ``labels[p]``) (positions among
        the ``count`` units weighed, and in ``self.labels``).

        What each n-gram adds to each pair's score is one array product over all pairs;
        the pairs' n-grams are then ranked by one sort, the largest first (ties in the
        unit's own order: characters, then words, each in column order), so that only
        choosing among the first few (:func:`_top_ngrams`) is left to Python."""
        rows, columns, values = self._text_entries(weighed)
        pointers = np.searchsorted(rows, np.arange(count + 1))
        starts = pointers[units]
        lengths = pointers[units + 1] - starts
        entry = ranges(starts, lengths)
        pair = np.repeat(np.arange(len(units), dtype=np.int64), lengths)
        ngram = columns[entry]
        raised = values[entry] * self._evidence_coef()[labels[pair], ngram]
        kept = raised > 0  # only n-grams that raised the score explain it
        pair, ngram, raised = pair[kept], ngram[kept], raised[kept]
        order = _ranked(pair, raised)
        ranked, pair = ngram[order], pair[order]
        bounds = np.searchsorted(pair, np.arange(len(units) + 1))
        # Nearly every pair is explained by its first few n-grams: only those become a
        # Python list; a pair that skips them all looks further.
        first = np.arange(len(ranked)) - bounds[pair] < 4 * k
        names = self._shown_names()
        head = names[ranked[first]].tolist()
        head_bounds = np.searchsorted(pair[first], np.arange(len(units) + 1)).tolist()
        explained = []
        for p, (start, end) in enumerate(itertools.pairwise(bounds.tolist())):
            chosen = _top_ngrams(head[head_bounds[p] : head_bounds[p + 1]], k)
            if len(chosen) < k and end - start > 4 * k:
                chosen = _top_ngrams(names[ranked[start:end]].tolist(), k)
            explained.append(chosen)
        return explained

    def _text_entries(self, weighed: Mapping[Block, Weighed]) -> Entries:
        """The entries of the units' own words (the chars and words blocks), columns of
        the whole matrix, by row: each unit's characters, then its words."""
        offsets = self.features.offsets()
        blocks = [b for b in TEXT_BLOCKS if b in offsets]
        if not blocks:
            return _NOTHING, _NOTHING, np.zeros(0)
        entries = [weighed[b].per_unit() for b in blocks]
        rows = np.concatenate([e[0] for e in entries])
        columns = np.concatenate([e[1] + offsets[b] for b, e in zip(blocks, entries, strict=True)])
        values = np.concatenate([e[2] for e in entries])
        if len(blocks) > 1:
            order = np.argsort(rows, kind="stable")
            rows, columns, values = rows[order], columns[order], values[order]
        return rows, columns, values

    def _shown_names(self) -> np.ndarray:
        """Every column's n-gram as evidence shows it (words without the spaces between),
        as an array, to pick many at once."""
        if self._shown is None:
            shown: list[str] = []
            for block in self.features.blocks:
                names = self.features.vocabularies[block]
                shown += [name.replace(" ", "") for name in names] if block == "words" else names
            self._shown = np.array(shown, dtype=object)
        return self._shown

    def _evidence_coef(self) -> np.ndarray:
        """``coef`` with the weights of n-grams that explain nothing (only spaces and
        punctuation, or a function word alone: :func:`_readable_names`) set to 0, so
        that they never count as raising a score."""
        cached = self._readable_coef
        if cached is None or cached[0] is not self.coef:
            readable = _readable_names(self._shown_names().tolist())
            cached = (self.coef, np.where(readable, self.coef, 0).astype(np.float32))
            self._readable_coef = cached
        return cached[1]

    # -- whole documents ----------------------------------------------------------------

    def score_document(self, units: Sequence[Unit], hits: Iterable[Hit]) -> list[UnitScores]:
        """Scores of every in-scope unit of one document.

        ``units``: all units of the document in reading order (the interviewer's too:
        they are the question context); ``hits``: the dictionary coder's hits on them.
        """
        scored: list[UnitScores] = []
        for part in _scoped_units(units, hits).parts():
            probabilities = self._probabilities(self.features.weigh(part.units), len(part.units))
            scored += [
                UnitScores(
                    part.document,
                    index,
                    unit.text,
                    dict(zip(self.labels, row, strict=True)),
                    self._labels_hit(unit.hits),
                )
                for index, unit, row in zip(
                    part.indexes, part.units, probabilities.tolist(), strict=True
                )
            ]
        return scored

    def code_units(
        self, units: Sequence[Unit], hits: Iterable[Hit], *, k: int = 3
    ) -> list[ModelCoding]:
        """The combined coder's codings of one document's in-scope units, with evidence,
        in unit order and then label order (the labels the model does not know follow,
        coded by the dictionary alone).

        ``units`` and ``hits`` as :meth:`score_document` takes them; scores, decisions
        and evidence are computed for many units at once."""
        return [
            coding
            for part in _scoped_units(units, hits).parts()
            for coding in self._code_scoped(part, k)
        ]

    def _code_scoped(self, scoped: _ScopedUnits, k: int) -> list[ModelCoding]:
        weighed = self.features.weigh(scoped.units)
        scores = self._probabilities(weighed, len(scoped.units))
        hit, others = self._dictionary_hits(scoped.units)
        sources = self._sources(scores, hit)
        explained_units, explained_labels = np.nonzero(sources >= _MODEL)  # unit, label order
        evidence = iter(
            self._evidence(weighed, len(scoped.units), explained_units, explained_labels, k)
        )
        coded = sorted({*np.flatnonzero(sources.any(axis=1)).tolist(), *others})
        source_rows = sources.tolist()
        score_rows: list[list[float | None]] = scores.tolist()
        # A label decided by the dictionary alone carries no score: the model had no say.
        unscored = [j for j, yes in enumerate(self._decides().tolist()) if not yes]
        codings = []
        for i in coded:
            unit = scoped.indexes[i]
            if unscored:
                score_rows[i] = [None if j in unscored else s for j, s in enumerate(score_rows[i])]
            for label, source, score in zip(
                self.labels, source_rows[i], score_rows[i], strict=True
            ):
                if source != _NOT_CODED:
                    reasons = tuple(next(evidence)) if source >= _MODEL else ()
                    codings.append(
                        ModelCoding(scoped.document, unit, label, SOURCES[source], score, reasons)
                    )
            codings.extend(
                ModelCoding(scoped.document, unit, label, "dictionary", None, ())
                for label in others.get(i, ())
            )
        return codings

    def _dictionary_hits(
        self, units: Sequence[UnitText]
    ) -> tuple[np.ndarray, dict[int, list[str]]]:
        """Units x labels: whether the dictionary has a non-negated hit of the label; and
        for units with hits of labels the model does not know, those labels, sorted."""
        index = {label: j for j, label in enumerate(self.labels)}
        rows: list[int] = []
        columns: list[int] = []
        others: dict[int, list[str]] = {}
        for i, unit in enumerate(units):
            if not unit.hits:
                continue
            labels = self._labels_hit(unit.hits)
            known = [index[label] for label in labels if label in index]
            rows += [i] * len(known)
            columns += known
            unknown = sorted(labels.difference(index))
            if unknown:
                others[i] = unknown
        hit = np.zeros((len(units), len(self.labels)), dtype=bool)
        hit[rows, columns] = True
        return hit, others

    def dictionary_labels(self, hits: Iterable[DictionaryHit]) -> frozenset[str]:
        """Labels of this model's level with a non-negated hit among ``hits``."""
        return self._labels_hit((hit.code, hit.negated) for hit in hits)

    def _labels_hit(self, codes: Iterable[tuple[str, bool]]) -> frozenset[str]:
        """:meth:`dictionary_labels` of (code path, negated) pairs."""
        if self.level == "theme":
            return frozenset(code.split("/", 1)[0] for code, negated in codes if not negated)
        return frozenset(code for code, negated in codes if not negated)

    # -- saving and loading ------------------------------------------------------------

    def cv_table(self) -> tuple[list[str], list[list[Any]]]:
        """The cross-validation table: its columns and rows."""
        columns = list(self.cv[0]) if self.cv else list(CV_COLUMNS)
        return columns, [[row[c] for c in columns] for row in self.cv]

    def save(self, outdir: str | Path, *, force: bool = False, bom: bool = True) -> list[Path]:
        """Write ``model.json``, ``weights.npz`` and ``cv.csv`` into ``outdir``, atomically;
        the same model gives the same bytes."""
        from healcode.outdir import staged_directory

        outdir = Path(outdir)
        with staged_directory(outdir, force=force) as staging:
            write_npz(staging / WEIGHTS_FILE, self._arrays())
            weights_sha = hashlib.sha256((staging / WEIGHTS_FILE).read_bytes()).hexdigest()
            data = self._description(weights_sha)
            data["content_sha256"] = content_sha256(data)
            text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
            (staging / MODEL_FILE).write_text(text, encoding="utf-8")
            _write_table(staging / CV_FILE, *self.cv_table(), bom=bom)
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.path = outdir
        return [outdir / name for name in MODEL_FILES]

    def _arrays(self) -> dict[str, np.ndarray]:
        arrays = self.features.arrays()
        arrays["coef"] = self.coef.astype(np.float32)
        arrays["intercept"] = self.intercept.astype(np.float32)
        return arrays

    def _description(self, weights_sha: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "healcode": healcode.__version__,
            "level": self.level,
            "labels": list(self.labels),
            "thresholds": {label: round(self.thresholds[label], 4) for label in self.labels},
            "rules": {label: self.rules[label] for label in self.labels},
            "codebook": {"name": self.codebook.name, "sha256": self.codebook.sha256},
            "features": self.features.settings.to_json(),
            "feature_counts": {b: len(self.features.vocabularies[b]) for b in self.features.blocks},
            "classifier": self.classifier,
            "weights": {"file": WEIGHTS_FILE, "sha256": weights_sha},
            "training": self.training,
            "cv": self.cv,
            "notes": self.notes,
        }

    @classmethod
    def load(
        cls, path: str | Path, codebook: Codebook, *, segmenter: Segmenter | None = None
    ) -> LearnedModel:
        """Read a model directory for ``codebook``; refuses a ``model.json`` changed after
        training, a model trained with another codebook, a ``weights.npz`` that is not the
        one ``model.json`` records, and malformed files
        (:class:`healcode.errors.ModelError`, one line).

        ``segmenter``: reuse one built for the same codebook (e.g. the dictionary
        coder's, ``coder.segmenter``) instead of building another.
        """
        path = Path(path)
        model_file = path / MODEL_FILE
        if not path.is_dir():
            raise ModelError(f"{path}: no such model directory; train one with healcode learn")
        try:
            text = model_file.read_bytes()
            data = json.loads(text.decode("utf-8"))
        except FileNotFoundError:
            raise ModelError(
                f"{path}: not a healcode model (no {MODEL_FILE}); train one with healcode learn"
            ) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(
                f"{model_file}: not valid JSON ({exc}); train the model again with healcode learn"
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelError(f"{model_file}: not a healcode model description")
        if data.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"{model_file}: model format {data.get('format_version')!r}, this healcode "
                f"reads {FORMAT_VERSION}; train the model again with this healcode"
            )
        recorded_content = data.pop("content_sha256", None)
        if recorded_content != content_sha256(data):
            raise ModelError(
                f"{model_file}: changed after training; retrain with healcode learn (its "
                "content does not have the SHA-256 recorded in it)"
            )
        recorded = (data.get("codebook") or {}).get("sha256")
        if codebook.sha256 is None or recorded != codebook.sha256:
            raise ModelError(
                f"{path}: trained with another codebook "
                f"({(data.get('codebook') or {}).get('name')!r}, SHA-256 {str(recorded)[:12]}...), "
                f"not {codebook.path or codebook.name} "
                f"(SHA-256 {str(codebook.sha256)[:12]}...); train a model for this codebook "
                "with healcode learn"
            )
        try:
            weights = _read_weights(path, data)
            model = cls._from_description(data, weights, codebook, segmenter)
        except ModelError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(
                f"{model_file}: malformed model ({exc!r}); "
                "train the model again with healcode learn"
            ) from None
        model.sha256 = hashlib.sha256(text).hexdigest()
        model.path = path
        return model

    @classmethod
    def _from_description(
        cls,
        data: Mapping[str, Any],
        weights: Mapping[str, np.ndarray],
        codebook: Codebook,
        segmenter: Segmenter | None,
    ) -> LearnedModel:
        level = data["level"]
        if level not in ("theme", "code"):
            raise ValueError(f"level {level!r}")
        labels = tuple(str(label) for label in data["labels"])
        known = set(codebook.labels())
        unknown = [label for label in labels if label not in known]
        if unknown:
            raise ValueError(f"labels not in the codebook: {unknown}")
        thresholds = {label: float(data["thresholds"][label]) for label in labels}
        rules = {label: data["rules"][label] for label in labels}
        if any(not 0 < t < 1 or math.isnan(t) for t in thresholds.values()):
            raise ValueError("a threshold outside (0, 1)")
        if any(rule not in RULES for rule in rules.values()):
            raise ValueError(f"rules must be one of {', '.join(RULES)}")
        settings = FeatureSettings.from_json(data["features"])
        features = FeatureSpace.from_arrays(settings, codebook, weights, segmenter=segmenter)
        coef = np.asarray(weights["coef"])
        intercept = np.asarray(weights["intercept"])
        if coef.dtype != np.float32 or coef.shape != (len(labels), features.width):
            raise ValueError(
                f"coef {coef.dtype} {coef.shape}, expected float32 {(len(labels), features.width)}"
            )
        if intercept.dtype != np.float32 or intercept.shape != (len(labels),):
            raise ValueError(f"intercept {intercept.dtype} {intercept.shape}")
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise ValueError("weights that are not finite numbers")
        return cls(
            codebook,
            level,
            labels,
            features,
            coef,
            intercept,
            thresholds,
            rules,
            training=dict(data.get("training") or {}),
            cv=list(data.get("cv") or []),
            notes=list(data.get("notes") or []),
            classifier=dict(data.get("classifier") or {}),
        )


@dataclass(frozen=True, slots=True)
class _ScopedUnits:
    """One document's in-scope units as the model sees them."""

    document: str
    indexes: list[int]  # each unit's index in the document
    units: list[UnitText]

    def parts(self, size: int = 8192) -> Iterator[_ScopedUnits]:
        """The units ``size`` at a time: a unit's scores and evidence do not depend on the
        others', and a long transcript's arrays then stay small (the n-grams of all its
        units at once would take some 200 bytes per character of it)."""
        for start in range(0, len(self.units), size):
            yield _ScopedUnits(
                self.document, self.indexes[start : start + size], self.units[start : start + size]
            )


def _scoped_units(units: Sequence[Unit], hits: Iterable[Hit]) -> _ScopedUnits:
    """The in-scope units of one document (all its units, in reading order) with their
    questions and dictionary hits. ``Units`` (what ``code_document`` passes) are read as
    the columns they are, without making a ``Unit`` record of each."""
    if isinstance(units, Units):
        document = units.document
        texts = units.texts()
        interviewer = [role == "interviewer" for role in units.roles()]
        indexes = list(range(len(units)))
        scoped = units.in_scope()
    else:
        document = units[0].document if units else ""
        texts = [u.text for u in units]
        interviewer = [u.role == "interviewer" for u in units]
        indexes = [u.index for u in units]
        scoped = [i for i, u in enumerate(units) if u.in_scope]
    questions = question_texts(texts, interviewer)
    codes = _hit_codes(hits)
    return _ScopedUnits(
        document,
        [indexes[i] for i in scoped],
        [UnitText(texts[i], questions[i], codes.get(indexes[i], ())) for i in scoped],
    )


def _hit_codes(hits: Iterable[Hit]) -> dict[int, tuple[tuple[str, bool], ...]]:
    """Each unit's distinct (code path, negated) among ``hits``, sorted, as ``unit_text``
    keeps them; ``Hits`` are read as columns."""
    found: dict[int, set[tuple[str, bool]]] = defaultdict(set)
    if isinstance(hits, Hits):
        codes = [code for _, code, _ in hits.table]
        for unit, kind, negated in zip(hits.units, hits.kinds, hits.negated, strict=True):
            found[unit].add((codes[kind], bool(negated)))
    else:
        for hit in hits:
            found[hit.unit].add((hit.code, bool(hit.negated)))
    return {unit: tuple(sorted(pairs)) for unit, pairs in found.items()}


CV_COLUMNS = (
    "label",
    "coder",
    "rule",
    "precision",
    "recall",
    "f1",
    "kappa",
    "support",
    "coded",
    "units",
)


def content_sha256(description: Mapping[str, Any]) -> str:
    """The SHA-256 of a model description's content, however its JSON is laid out: keys
    sorted, no spaces, UTF-8 (floats as Python writes them, which read back the same)."""
    canonical = json.dumps(description, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _read_weights(path: Path, data: Mapping[str, Any]) -> dict[str, np.ndarray]:
    weights_file = path / WEIGHTS_FILE
    expected = (data.get("weights") or {}).get("sha256")
    try:
        raw = weights_file.read_bytes()
    except FileNotFoundError:
        raise ModelError(
            f"{path}: no {WEIGHTS_FILE}; the model is incomplete, "
            "train it again with healcode learn"
        ) from None
    if hashlib.sha256(raw).hexdigest() != expected:
        raise ModelError(
            f"{weights_file}: does not match {MODEL_FILE} (SHA-256 differs): the model was "
            "changed or damaged; train it again with healcode learn"
        )
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ModelError(
            f"{weights_file}: cannot be read as plain arrays ({exc}); "
            "train the model again with healcode learn"
        ) from None


def write_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """An ``.npz`` that ``numpy.load`` reads, with the same bytes for the same arrays
    (``numpy.savez`` stamps each entry with the current time)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(
                buffer, np.ascontiguousarray(arrays[name]), allow_pickle=False
            )
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())


def _ranked(pair: np.ndarray, raised: np.ndarray) -> np.ndarray:
    """``np.lexsort((-raised, pair))``: the entries pair by pair, the largest ``raised``
    first, equal ones in their order (equal contributions are common: n-grams only ever
    seen together in training share their weights).

    Two of numpy's unstable sorts, much faster than its stable ones: the first ranks the
    values (equal ones share a rank), the second sorts keys made unique and ordered by
    (pair, rank, position)."""
    size = len(raised)
    by_value = np.argsort(-raised)
    ordered = raised[by_value]
    rank = np.empty(size, dtype=np.int64)
    rank[by_value] = np.cumsum(np.concatenate([[False], ordered[1:] != ordered[:-1]]))
    ranks = int(rank.max(initial=0)) + 1
    if (int(pair.max(initial=0)) + 1) * ranks * max(size, 1) >= 2**63:
        return np.lexsort((-raised, pair))  # keys that would not fit 64 bits
    return np.argsort((pair * ranks + rank) * size + np.arange(size))


def _top_ngrams(ranked: list[str], k: int) -> list[str]:
    """The first ``k`` of the n-grams ``ranked`` (the largest contribution first), but one
    inside (or around) one already chosen is skipped."""
    chosen: list[str] = []
    for name in ranked:
        if len(chosen) >= k:
            break
        for other in chosen:
            if name in other or other in name:
                break
        else:
            chosen.append(name)
    return chosen


def _readable_names(names: list[str]) -> np.ndarray:
    """Which names can explain a score: not only spaces and punctuation (。 or ， may
    weigh, but explain nothing; asked once per distinct character), nor a function
    word alone (:func:`_function_words`)."""
    lengths = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
    codes = np.frombuffer("".join(names).encode("utf-32-le"), dtype=np.uint32)
    distinct, which = np.unique(codes, return_inverse=True)
    readable = np.array([_has_text(chr(c)) for c in distinct.tolist()], dtype=bool)
    # Readable characters counted per name, as differences of a running count.
    running = np.concatenate([[0], np.cumsum(readable[which])])
    ends = np.cumsum(lengths)
    function = _function_words()
    alone = np.fromiter((name in function for name in names), dtype=bool, count=len(names))
    return (running[ends] - running[ends - lengths] > 0) & ~alone


def _readable(ngram: str) -> bool:
    """Whether an n-gram can explain a score (one at a time; :func:`_readable_names` is
    the same for a whole vocabulary at once)."""
    return ngram not in _function_words() and any(map(_has_text, ngram))


def _has_text(char: str) -> bool:
    return not (char.isspace() or unicodedata.category(char).startswith(("P", "S")))


@functools.cache
def _function_words() -> frozenset[str]:
    """The words of the bundled stop-word lists (的, 们, 在, 我们, 就是; the, and ...):
    they may weigh in a score, but as evidence they explain nothing to a reader (the
    n-grams around them do)."""
    from healcode.bundled import bundled_stopword_lines

    lines = (line.strip() for line in bundled_stopword_lines())
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def _write_table(path: Path, columns: list[str], rows: list[list[Any]], *, bom: bool) -> None:
    """A small CSV as healcode writes its tables (UTF-8, BOM for Excel unless not wanted)."""
    import csv

    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
