"""A learned coder on disk and in memory: load it safely, score units, decide, explain.

A model is a directory:

- ``model.json``: the level, the labels, per-label thresholds and combination rules, the
  feature settings, the codebook's name and SHA-256, the SHA-256 of ``weights.npz``, the
  training files (directory/name and SHA-256), counts and the cross-validation table;
- ``weights.npz``: plain numeric arrays (vocabularies as UTF-8 bytes, IDF weights,
  coefficients, intercepts), written byte-for-byte reproducibly and read with
  ``allow_pickle=False``, so loading a model from a stranger runs no code;
- ``cv.csv``: the cross-validation table, for reading.

Loading refuses a model whose codebook SHA-256 differs from the codebook given, whose
``weights.npz`` does not have the SHA-256 that ``model.json`` records, or whose files are
malformed, with one line saying what to do.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

import healcode
from healcode.errors import ModelError
from healcode.model.features import (
    DictionaryHit,
    FeatureSettings,
    FeatureSpace,
    UnitText,
    question_contexts,
    unit_text,
)

if TYPE_CHECKING:
    from healcode.codebook import Codebook
    from healcode.records import Hit, Unit
    from healcode.segment import Segmenter

Level = Literal["theme", "code"]  # what a model codes: themes, or code paths
Rule = Literal["either", "model"]
Source = Literal["dictionary", "model", "both"]
RULES: tuple[Rule, ...] = ("either", "model")
FORMAT = "healcode learned coder"
FORMAT_VERSION = 1
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
    score: float | None  # None: a label the model does not know (dictionary only)
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
    _names: list[tuple[str, str]] | None = field(default=None, repr=False, compare=False)

    # -- scoring ----------------------------------------------------------------------

    def probabilities(self, units: Sequence[UnitText]) -> np.ndarray:
        """Units x labels: the model's probability of every label."""
        logits = self.features.logits(units, self.coef, self.intercept)
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
        dictionary's hits are features of the score). A label the model does not know is
        coded by the dictionary alone.
        """
        if label not in self.thresholds or score is None:
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

    def explain(self, unit: UnitText, labels: Iterable[str], *, k: int = 3
                ) -> dict[str, list[str]]:
        """:meth:`evidence` for several labels of one unit."""
        return self.explain_units([unit], [list(labels)], k=k)[0]

    def explain_units(self, units: Sequence[UnitText], labels: Sequence[Sequence[str]], *,
                      k: int = 3) -> list[dict[str, list[str]]]:
        """:meth:`evidence` for ``labels[i]`` of ``units[i]``, the n-grams of all units
        weighed at once."""
        offsets = self.features.offsets()
        blocks = [b for b in ("chars", "words") if b in offsets]
        weighed = {b: self.features.weighted(b, units) for b in blocks}
        pointers = {b: np.searchsorted(weighed[b][0], np.arange(len(units) + 1))
                    for b in blocks}
        explained: list[dict[str, list[str]]] = []
        for i, wanted in enumerate(labels):
            wanted = [label for label in wanted if label in self.labels]
            if not wanted:
                explained.append({})
                continue
            columns, values = [], []
            for block in blocks:
                _, block_columns, block_values = weighed[block]
                start, end = pointers[block][i], pointers[block][i + 1]
                columns.append(block_columns[start:end] + offsets[block])
                values.append(block_values[start:end])
            unit_columns, unit_values = np.concatenate(columns), np.concatenate(values)
            found = {}
            for label in wanted:
                raised = unit_values * self.coef[self.labels.index(label), unit_columns]
                found[label] = self._top_ngrams(raised, unit_columns, k)
            explained.append(found)
        return explained

    def _top_ngrams(self, raised: np.ndarray, columns: np.ndarray, k: int) -> list[str]:
        """The n-grams with the largest positive contributions, most first; one inside
        (or around) one already chosen, and n-grams of punctuation alone, are skipped."""
        names = self._feature_names()
        chosen: list[str] = []
        for index in np.argsort(-raised, kind="stable"):
            if raised[index] <= 0 or len(chosen) >= k:
                break
            block, name = names[columns[index]]
            shown = name.replace(" ", "") if block == "words" else name
            if not _readable(shown) or any(shown in c or c in shown for c in chosen):
                continue
            chosen.append(shown)
        return chosen

    def _feature_names(self) -> list[tuple[str, str]]:
        if self._names is None:
            self._names = self.features.names()
        return self._names

    # -- whole documents ----------------------------------------------------------------

    def score_document(self, units: Sequence[Unit], hits: Iterable[Hit]) -> list[UnitScores]:
        """Scores of every in-scope unit of one document.

        ``units``: all units of the document in reading order (the interviewer's too:
        they are the question context); ``hits``: the dictionary coder's hits on them.
        """
        by_unit: dict[int, list[Hit]] = defaultdict(list)
        for hit in hits:
            by_unit[hit.unit].append(hit)
        questions = question_contexts(units)
        scoped = [(u, q) for u, q in zip(units, questions, strict=True) if u.in_scope]
        texts = [unit_text(u.text, by_unit.get(u.index, ()), q) for u, q in scoped]
        probabilities = self.probabilities(texts)
        return [
            UnitScores(
                u.document, u.index, u.text,
                dict(zip(self.labels, map(float, row), strict=True)),
                self.dictionary_labels(by_unit.get(u.index, ())),
            )
            for (u, _), row in zip(scoped, probabilities, strict=True)
        ]

    def code_units(self, units: Sequence[Unit], hits: Iterable[Hit], *,
                   k: int = 3) -> list[ModelCoding]:
        """The combined coder's codings of one document's in-scope units, with evidence,
        in unit order and then label order (the labels the model does not know follow,
        coded by the dictionary alone)."""
        hits = list(hits)
        by_unit: dict[int, list[Hit]] = defaultdict(list)
        for hit in hits:
            by_unit[hit.unit].append(hit)
        questions = dict(zip((u.index for u in units), question_contexts(units), strict=True))
        scored_units = self.score_document(units, hits)
        decided: list[list[tuple[str, Source, float | None]]] = []
        for scored in scored_units:
            known = sorted(scored.dictionary - set(self.labels))
            mine = []
            for label in [*self.labels, *known]:
                score = scored.scores.get(label)
                coded, source = self.decide(score, label, label in scored.dictionary)
                if coded and source is not None:
                    mine.append((label, source, score))
            decided.append(mine)
        explained = self.explain_units(
            [unit_text(s.text, by_unit.get(s.unit, ()), questions[s.unit]) for s in scored_units],
            [[label for label, source, _ in mine if source != "dictionary"] for mine in decided],
            k=k,
        )
        return [
            ModelCoding(scored.document, scored.unit, label, source, score,
                        tuple(reasons.get(label, ())))
            for scored, mine, reasons in zip(scored_units, decided, explained, strict=True)
            for label, source, score in mine
        ]

    def dictionary_labels(self, hits: Iterable[DictionaryHit]) -> frozenset[str]:
        """Labels of this model's level with a non-negated hit among ``hits``."""
        labels = set()
        for hit in hits:
            if hit.negated:
                continue
            labels.add(hit.code.split("/", 1)[0] if self.level == "theme" else hit.code)
        return frozenset(labels)

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
            "feature_counts": {b: len(self.features.vocabularies[b])
                               for b in self.features.blocks},
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
        """Read a model directory for ``codebook``; refuses a model trained with another
        codebook, a ``weights.npz`` that is not the one ``model.json`` records, and
        malformed files (:class:`healcode.errors.ModelError`, one line).

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
            raise ModelError(f"{path}: not a healcode model (no {MODEL_FILE}); "
                             "train one with healcode learn") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"{model_file}: not valid JSON ({exc}); "
                             "train the model again with healcode learn") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelError(f"{model_file}: not a healcode model description")
        if data.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"{model_file}: model format {data.get('format_version')!r}, this healcode "
                f"reads {FORMAT_VERSION}; train the model again with this healcode"
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
            raise ModelError(f"{model_file}: malformed model ({exc!r}); "
                             "train the model again with healcode learn") from None
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
            raise ValueError(f"rules must be {' or '.join(RULES)}")
        settings = FeatureSettings.from_json(data["features"])
        features = FeatureSpace.from_arrays(settings, codebook, weights, segmenter=segmenter)
        coef = np.asarray(weights["coef"])
        intercept = np.asarray(weights["intercept"])
        if coef.dtype != np.float32 or coef.shape != (len(labels), features.width):
            raise ValueError(f"coef {coef.dtype} {coef.shape}, expected float32 "
                             f"{(len(labels), features.width)}")
        if intercept.dtype != np.float32 or intercept.shape != (len(labels),):
            raise ValueError(f"intercept {intercept.dtype} {intercept.shape}")
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise ValueError("weights that are not finite numbers")
        return cls(
            codebook, level, labels, features, coef, intercept, thresholds, rules,
            training=dict(data.get("training") or {}), cv=list(data.get("cv") or []),
            notes=list(data.get("notes") or []), classifier=dict(data.get("classifier") or {}),
        )


CV_COLUMNS = ("label", "coder", "precision", "recall", "f1", "kappa", "support", "coded",
              "units")


def _read_weights(path: Path, data: Mapping[str, Any]) -> dict[str, np.ndarray]:
    weights_file = path / WEIGHTS_FILE
    expected = (data.get("weights") or {}).get("sha256")
    try:
        raw = weights_file.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{path}: no {WEIGHTS_FILE}; the model is incomplete, "
                         "train it again with healcode learn") from None
    if hashlib.sha256(raw).hexdigest() != expected:
        raise ModelError(
            f"{weights_file}: does not match {MODEL_FILE} (SHA-256 differs): the model was "
            "changed or damaged; train it again with healcode learn"
        )
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{weights_file}: cannot be read as plain arrays ({exc}); "
                         "train the model again with healcode learn") from None


def write_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """An ``.npz`` that ``numpy.load`` reads, with the same bytes for the same arrays
    (``numpy.savez`` stamps each entry with the current time)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(arrays[name]),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())


def _readable(ngram: str) -> bool:
    """Not only spaces and punctuation: 。 or ， may weigh, but explain nothing."""
    return any(not (c.isspace() or unicodedata.category(c).startswith(("P", "S")))
               for c in ngram)


def _write_table(path: Path, columns: list[str], rows: list[list[Any]], *, bom: bool) -> None:
    """A small CSV as healcode writes its tables (UTF-8, BOM for Excel unless not wanted)."""
    import csv

    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
