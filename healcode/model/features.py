"""What the learned coder sees of a unit: its characters, and the interviewer's question
before it; optionally its words and the dictionary coder's hits.

Four blocks of features, side by side in one sparse row per unit, each with a weight
(``FeatureSettings.weights``; a block of weight 0 is left out):

- ``chars`` (1.0): TF-IDF of character 1-3-grams of the unit text (sublinear tf, L2
  norm);
- ``question`` (0.25): TF-IDF of character 1-2-grams of the interviewer's words just
  before the unit's turn (short answers such as 来过。 take their meaning from the
  question);
- ``words`` (0, off): TF-IDF of the segmenter's word unigrams and bigrams (jieba-rs with
  the codebook's terms in its dictionary, as the dictionary coder segments);
- ``dictionary`` (0, off): 0/1 for every code path and theme the dictionary coder hit,
  negated or not, and one feature for "no hit at all".

Why words and the dictionary's hits are off by default: a codebook is written and revised
on the very transcripts people code, so in training its hits look far more reliable than
they are on new text, and a model given them learns to lean on them. On the held-out
halves of the bundled training corpora (whose misses were never read when the codebook was
revised), a model trained on the development halves with the hits as features was no
better than the dictionary alone; the text-only model, OR the dictionary, was clearly
better (README, "Learning from human coding"). Words added nothing over characters.

Vocabularies and IDF weights are learned from the training units and stored as plain
arrays; nothing here is pickled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import compress
from operator import methodcaller
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from healcode.model.ngrams import CharNgrams, WordNgrams

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from healcode.codebook import Codebook
    from healcode.segment import Segmenter, SegmenterName

Block = Literal["chars", "words", "dictionary", "question"]
BLOCKS: tuple[Block, ...] = ("chars", "words", "dictionary", "question")
TEXT_BLOCKS: tuple[Block, ...] = ("chars", "words")
NO_HIT = "no dictionary hit"
# Between vocabulary entries when they are stored as one UTF-8 array: texts are
# whitespace-normalised before features are taken, so no entry contains a line break.
_SEPARATOR = "\n"
Entries = tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, columns, values of a block


class DictionaryHit(Protocol):
    """What the features need of a dictionary hit (``healcode.records.Hit`` has it)."""

    @property
    def code(self) -> str: ...

    @property
    def negated(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class UnitText:
    """One unit as the learned coder sees it."""

    text: str
    question: str = ""  # the interviewer's words before the unit's turn
    hits: tuple[tuple[str, bool], ...] = ()  # (code path, negated) of the dictionary's hits


@dataclass(frozen=True, slots=True)
class Weighed:
    """One block's entries for some units: ``rows``, ``columns`` (counted from the
    block's first) and ``values``, sorted by row and column. Units with the same text
    may share a row (the units of a turn share their question): ``row_of[i]`` is unit
    i's row, and None means row i is unit i's."""

    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    height: int  # the number of rows
    row_of: np.ndarray | None = None

    def per_unit(self) -> Entries:
        """The entries with one row per unit."""
        if self.row_of is None:
            return self.rows, self.columns, self.values
        return _expand(self.rows, self.columns, self.values, self.height, self.row_of)


def unit_text(text: str, hits: Iterable[DictionaryHit] = (), question: str = "") -> UnitText:
    return UnitText(text, question, tuple(sorted({(h.code, bool(h.negated)) for h in hits})))


@dataclass(frozen=True)
class FeatureSettings:
    """How units become features (recorded in ``model.json``)."""

    char_ngrams: tuple[int, int] = (1, 3)
    word_ngrams: tuple[int, int] = (1, 2)
    question_ngrams: tuple[int, int] = (1, 2)
    min_df: int = 1  # an n-gram must occur in this many training units
    max_features: int = 100_000  # per text block, the most frequent kept
    weights: Mapping[str, float] = field(
        default_factory=lambda: {"chars": 1.0, "words": 0.0, "dictionary": 0.0, "question": 0.25}
    )
    segmenter: SegmenterName = "jieba-rs"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["char_ngrams"] = list(self.char_ngrams)
        data["word_ngrams"] = list(self.word_ngrams)
        data["question_ngrams"] = list(self.question_ngrams)
        data["weights"] = {b: float(self.weights.get(b, 0.0)) for b in BLOCKS}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureSettings:
        try:
            return cls(
                char_ngrams=_pair(data["char_ngrams"]),
                word_ngrams=_pair(data["word_ngrams"]),
                question_ngrams=_pair(data["question_ngrams"]),
                min_df=int(data["min_df"]),
                max_features=int(data["max_features"]),
                weights={b: float(data["weights"][b]) for b in BLOCKS},
                segmenter=data["segmenter"],
            )._checked()
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"feature settings: {exc!r}") from None

    def _checked(self) -> FeatureSettings:
        if self.min_df < 1 or self.max_features < 1:
            raise ValueError("min_df and max_features must be at least 1")
        if any(not 0 <= w < float("inf") for w in self.weights.values()):
            raise ValueError("block weights must be finite and not negative")
        if self.segmenter not in ("jieba-rs", "jieba"):
            raise ValueError(f"segmenter {self.segmenter!r}")
        return self


def _pair(value: Any) -> tuple[int, int]:
    low, high = (int(v) for v in value)
    if not 1 <= low <= high <= 6:
        raise ValueError(f"n-gram range {value!r}")
    return low, high


def normalise(text: str) -> str:
    """Whitespace runs become one space, so no n-gram holds a line break."""
    return " ".join(text.split())


def question_contexts(units: Sequence[Any]) -> list[str]:
    """For each unit (``Unit`` records of one document, in reading order), the words of the
    interviewer just before its turn: the latest unbroken run of interviewer units.
    Interviewer units get the question before their own run."""
    return question_texts([u.text for u in units], [u.role == "interviewer" for u in units])


def question_texts(texts: Sequence[str], interviewer: Sequence[bool]) -> list[str]:
    """:func:`question_contexts` of a document's units given as columns: each unit's text
    and whether the interviewer says it."""
    contexts: list[str] = []
    question = ""
    run: list[str] = []
    previous_interviewer = False
    for text, asking in zip(texts, interviewer, strict=True):
        if asking and not previous_interviewer:
            run = []
        elif not asking and previous_interviewer:
            question = "".join(run)
        contexts.append(question)
        if asking:
            run.append(text)
        previous_interviewer = asking
    return contexts


def dictionary_names(codebook: Codebook) -> list[str]:
    """The dictionary block's features: every code path and theme, hit or negated."""
    paths = [rule.path for rule in codebook.rules()]
    themes = [theme.id for theme in codebook.themes]
    names = [NO_HIT]
    names += [f"code {p}" for p in paths] + [f"negated code {p}" for p in paths]
    names += [f"theme {t}" for t in themes] + [f"negated theme {t}" for t in themes]
    return list(dict.fromkeys(names))


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams of the whitespace-normalised, lower-cased text."""
    text = normalise(text).lower()
    size = len(text)
    return [text[i : i + n] for n in range(low, high + 1) for i in range(size - n + 1)]


def word_ngrams(words: Sequence[str], low: int, high: int) -> list[str]:
    """Word n-grams (words joined by a space) of the non-blank, lower-cased words."""
    kept = [w.lower() for w in words if not w.isspace()]
    size = len(kept)
    if low == 1 and high == 1:
        return kept
    grams = list(kept) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams.extend(" ".join(kept[i : i + n]) for i in range(size - n + 1))
    return grams


@dataclass(frozen=True)
class NgramCounts:
    """Counts of every n-gram of a block over some units (units x terms, CSR)."""

    terms: list[str]
    matrix: csr_matrix


def count_ngrams(documents: Sequence[list[str]]) -> NgramCounts:
    """Count n-grams per unit over the vocabulary of all of them (in first-seen order)."""
    from scipy.sparse import csr_matrix

    index: dict[str, int] = {}
    columns: list[int] = []
    pointers = [0]
    for grams in documents:
        columns.extend(index.setdefault(g, len(index)) for g in grams)
        pointers.append(len(columns))
    data = np.ones(len(columns), dtype=np.float64)
    matrix = csr_matrix(
        (data, np.asarray(columns, dtype=np.int64), np.asarray(pointers)),
        shape=(len(documents), len(index)),
    )
    matrix.sum_duplicates()  # repeated n-grams of a unit become one count
    return NgramCounts(list(index), matrix)


def tfidf(counts: csr_matrix, idf: np.ndarray, weight: float) -> csr_matrix:
    """Sublinear tf (1 + ln count) times idf, each row scaled to length ``weight``: the
    TF-IDF of scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``, computed directly."""
    matrix = counts.astype(np.float64, copy=True).tocsr()
    matrix.sum_duplicates()
    matrix.data = (1.0 + np.log(matrix.data)) * idf.astype(np.float64)[matrix.indices]
    lengths = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    lengths[lengths == 0] = 1.0
    scale = np.repeat(weight / lengths, np.diff(matrix.indptr))
    matrix.data *= scale
    return matrix


class FeatureSpace:
    """The fitted feature blocks; ``transform`` turns units into one sparse matrix.

    Training counts every unit's n-grams once (:meth:`count`); each cross-validation
    fold then only selects columns and weighs them (:meth:`fit`, :meth:`select`).
    """

    def __init__(
        self,
        settings: FeatureSettings,
        codebook: Codebook,
        *,
        segmenter: Segmenter | None = None,
        vocabularies: Mapping[str, list[str]] | None = None,
        idf: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.settings = settings
        self.codebook = codebook
        self._segmenter = segmenter
        self.vocabularies: dict[str, list[str]] = dict(vocabularies or {})
        self.idf: dict[str, np.ndarray] = dict(idf or {})
        self.vocabularies["dictionary"] = dictionary_names(codebook)
        self._columns: dict[str, np.ndarray] = {}  # fitted from counts: their columns kept
        self._char_lookups: dict[str, CharNgrams] = {}
        self._word_lookup: WordNgrams | None = None
        self._theme_of = {rule.path: rule.theme for rule in codebook.rules()}
        self._dictionary_index = {n: i for i, n in enumerate(self.vocabularies["dictionary"])}

    # -- blocks ------------------------------------------------------------------------

    @property
    def blocks(self) -> list[Block]:
        return [b for b in BLOCKS if self.settings.weights.get(b, 0.0) > 0]

    @property
    def text_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b != "dictionary"]

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            from healcode.segment import make_segmenter

            self._segmenter = make_segmenter(self.settings.segmenter, self.codebook.terms())
        return self._segmenter

    def ngrams(self, block: Block, unit: UnitText) -> list[str]:
        settings = self.settings
        if block == "chars":
            return char_ngrams(unit.text, *settings.char_ngrams)
        if block == "words":
            return word_ngrams(self.segmenter.cut(normalise(unit.text)), *settings.word_ngrams)
        return char_ngrams(unit.question, *settings.question_ngrams)

    def dictionary(self, units: Sequence[UnitText]) -> csr_matrix:
        from scipy.sparse import csr_matrix

        rows, columns = self._dictionary_columns(units)
        data = np.full(len(rows), self.settings.weights["dictionary"], dtype=np.float64)
        size = len(self.vocabularies["dictionary"])
        return csr_matrix((data, (rows, columns)), shape=(len(units), size))

    def _dictionary_columns(self, units: Sequence[UnitText]) -> tuple[np.ndarray, np.ndarray]:
        index = self._dictionary_index
        rows: list[int] = []
        columns: list[int] = []
        for row, unit in enumerate(units):
            if not unit.hits:
                rows.append(row)
                columns.append(index[NO_HIT])
                continue
            names = set()
            for code, negated in unit.hits:
                prefix = "negated " if negated else ""
                names.add(f"{prefix}code {code}")
                theme = self._theme_of.get(code)
                if theme is not None:
                    names.add(f"{prefix}theme {theme}")
            found = sorted(index[n] for n in names if n in index) or [index[NO_HIT]]
            rows.extend([row] * len(found))
            columns.extend(found)
        return np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)

    # -- training: count once, fit per fold --------------------------------------------

    def count(self, units: Sequence[UnitText]) -> dict[str, NgramCounts]:
        """Every text block's n-gram counts over ``units`` (independent of any fold)."""
        return {b: count_ngrams([self.ngrams(b, u) for u in units]) for b in self.text_blocks}

    def fit(self, counts: Mapping[str, NgramCounts], rows: np.ndarray) -> None:
        """Learn each block's vocabulary and IDF weights from the units ``rows`` of
        ``counts``: n-grams in at least ``min_df`` of them, the ``max_features`` most
        frequent kept, in code-point order."""
        for block in self.text_blocks:
            matrix = counts[block].matrix[rows]
            df = np.asarray((matrix > 0).sum(axis=0)).ravel()
            total = np.asarray(matrix.sum(axis=0)).ravel()
            keep = np.flatnonzero(df >= self.settings.min_df)
            terms = counts[block].terms
            if len(keep) > self.settings.max_features:
                ranked = sorted(keep.tolist(), key=lambda c: (-total[c], terms[c]))
                keep = np.asarray(ranked[: self.settings.max_features])
            keep = np.asarray(sorted(keep.tolist(), key=terms.__getitem__), dtype=np.int64)
            n = len(rows)
            idf = np.log((1.0 + n) / (1.0 + df[keep])) + 1.0
            self.vocabularies[block] = [terms[c] for c in keep]
            self.idf[block] = idf.astype(np.float32)
            self._columns[block] = keep
            self._char_lookups.pop(block, None)
            if block == "words":
                self._word_lookup = None

    def select(
        self, counts: Mapping[str, NgramCounts], units: Sequence[UnitText], rows: np.ndarray
    ) -> csr_matrix:
        """The feature rows of units ``rows`` (whose n-grams are in ``counts``), as
        :meth:`transform` would compute them from their text."""
        from scipy.sparse import hstack

        parts = []
        for block in self.blocks:
            if block == "dictionary":
                parts.append(self.dictionary([units[i] for i in rows]))
                continue
            picked = counts[block].matrix[rows][:, self._columns[block]]
            parts.append(tfidf(picked, self.idf[block], self.settings.weights[block]))
        return hstack(parts, format="csr")

    # -- using a fitted space ------------------------------------------------------------

    def transform(self, units: Sequence[UnitText]) -> csr_matrix:
        """Feature rows of ``units`` from their text, hits and questions."""
        from scipy.sparse import hstack

        weighed = self.weigh(units)
        return hstack(
            [
                _csr(*weighed[block].per_unit(), len(units), len(self.vocabularies[block]))
                for block in self.blocks
            ],
            format="csr",
        )

    def weigh(self, units: Sequence[UnitText]) -> dict[Block, Weighed]:
        """The entries of :meth:`transform`, block by block."""
        weighed: dict[Block, Weighed] = {}
        for block in self.blocks:
            if block == "dictionary":
                rows, columns = self._dictionary_columns(units)
                values = np.full(len(rows), self.settings.weights["dictionary"])
                weighed[block] = Weighed(rows, columns, values, len(units))
            else:
                weighed[block] = self.weighted(block, units)
        return weighed

    def logits(
        self, units: Sequence[UnitText], coef: np.ndarray, intercept: np.ndarray
    ) -> np.ndarray:
        """Units x labels: ``transform(units) @ coef.T + intercept``."""
        return self.logits_of(self.weigh(units), len(units), coef, intercept)

    def logits_of(
        self, weighed: Mapping[Block, Weighed], count: int, coef: np.ndarray, intercept: np.ndarray
    ) -> np.ndarray:
        """:meth:`logits` of ``count`` units weighed by :meth:`weigh`, computed block by
        block without assembling the whole matrix, and once for the rows units share.

        Each unit's sum runs over its entries in order, from zero, as scipy's CSR product
        would run it, so the scores are the same to the last bit; numpy alone spares
        coding with a model the import of scipy.sparse."""
        out = np.tile(intercept.astype(np.float64), (count, 1))
        if not count:
            return out
        for block, offset in self.offsets().items():
            part = weighed[block]
            if len(part.rows):
                columns = part.columns + offset
                # float64 values times float32 weights: float64 products, as scipy's
                logits = np.stack(
                    [
                        np.bincount(part.rows, part.values * label[columns], minlength=part.height)
                        for label in coef
                    ],
                    axis=1,
                )
                out += logits if part.row_of is None else logits[part.row_of]
        return out

    def weighted(self, block: Block, units: Sequence[UnitText]) -> Weighed:
        """The TF-IDF entries of a text block, as :func:`tfidf` weighs them; units with
        the same question share its row."""
        if block == "question":
            distinct = {q: i for i, q in enumerate(dict.fromkeys(u.question for u in units))}
            if len(distinct) < len(units):  # the units of a turn share their question
                row_of = np.fromiter(
                    (distinct[u.question] for u in units), dtype=np.int64, count=len(units)
                )
                return Weighed(*self.weighted_texts(block, list(distinct)), len(distinct), row_of)
            return Weighed(*self.weighted_texts(block, [u.question for u in units]), len(units))
        return Weighed(*self.weighted_texts(block, [u.text for u in units]), len(units))

    def weighted_texts(
        self, block: Block, texts: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows, columns = self._occurrences(block, texts)
        size = max(len(self.vocabularies[block]), 1)
        keys, counts = np.unique(rows * size + columns, return_counts=True)
        rows, columns = np.divmod(keys, size)
        values = (1.0 + np.log(counts)) * self.idf[block][columns]  # float64 (idf float32)
        norms = np.sqrt(np.bincount(rows, values * values, minlength=len(texts)))
        norms[norms == 0] = 1.0
        values *= self.settings.weights[block] / norms[rows]
        return rows, columns, values

    def _occurrences(self, block: Block, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every occurrence of a vocabulary n-gram in ``texts``, found
        for all texts at once (``ngrams.py``); words come from one segmenter call over the
        texts joined by line breaks, between which jieba cuts each text independently."""
        if block == "words":
            if self._word_lookup is None:
                self._word_lookup = WordNgrams(self.vocabularies[block], *self.settings.word_ngrams)
            words, rows = self._words(texts)
            return self._word_lookup.find(words, rows)
        lookup = self._char_lookups.get(block)
        if lookup is None:
            ngrams = (
                self.settings.char_ngrams if block == "chars" else self.settings.question_ngrams
            )
            lookup = self._char_lookups[block] = CharNgrams(self.vocabularies[block], *ngrams)
        return lookup.find([normalise(t).lower() for t in texts])

    def _words(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The non-blank, lower-cased words of all texts, and the text of each."""
        cut = self.segmenter.cut("\n".join(normalise(t) for t in texts))
        count = len(cut)
        breaks = np.fromiter(map(_count_breaks, cut), dtype=np.int64, count=count)
        blank = np.fromiter(map(str.isspace, cut), dtype=bool, count=count)
        if breaks.sum() != max(len(texts) - 1, 0) or (breaks.astype(bool) & ~blank).any():
            # Never seen (a line break inside a word); cut text by text rather than guess.
            pieces = [
                [w for w in self.segmenter.cut(normalise(t)) if not w.isspace()] for t in texts
            ]
            rows = np.repeat(np.arange(len(texts)), [len(p) for p in pieces])
            return [w.lower() for p in pieces for w in p], rows.astype(np.int64)
        rows = np.cumsum(breaks) - breaks
        kept = np.flatnonzero(~blank)
        words = list(map(str.lower, compress(cut, ~blank)))
        return words, rows[kept].astype(np.int64)

    # -- names, for evidence and for storing ----------------------------------------------

    def names(self) -> list[tuple[str, str]]:
        """(block, feature) for every column of the matrix, in order."""
        return [(block, name) for block in self.blocks for name in self.vocabularies[block]]

    def offsets(self) -> dict[Block, int]:
        """The first matrix column of every block."""
        offsets: dict[Block, int] = {}
        start = 0
        for block in self.blocks:
            offsets[block] = start
            start += len(self.vocabularies[block])
        return offsets

    @property
    def width(self) -> int:
        return sum(len(self.vocabularies[b]) for b in self.blocks)

    def arrays(self) -> dict[str, np.ndarray]:
        """The learned vocabularies and IDF weights as arrays for an ``.npz`` file."""
        out: dict[str, np.ndarray] = {}
        for block in self.text_blocks:
            out[f"{block}_vocabulary"] = encode_strings(self.vocabularies[block])
            out[f"{block}_idf"] = self.idf[block].astype(np.float32)
        return out

    @classmethod
    def from_arrays(
        cls,
        settings: FeatureSettings,
        codebook: Codebook,
        arrays: Mapping[str, np.ndarray],
        *,
        segmenter: Segmenter | None = None,
    ) -> FeatureSpace:
        vocabularies: dict[str, list[str]] = {}
        idf: dict[str, np.ndarray] = {}
        for block in BLOCKS:
            if block == "dictionary" or settings.weights.get(block, 0.0) <= 0:
                continue
            vocabulary = decode_strings(arrays[f"{block}_vocabulary"])
            weights = np.asarray(arrays[f"{block}_idf"])
            if weights.dtype != np.float32 or weights.shape != (len(vocabulary),):
                raise ValueError(
                    f"{block}: {len(vocabulary)} features but IDF weights "
                    f"{weights.dtype} {weights.shape}"
                )
            if not np.isfinite(weights).all():
                raise ValueError(f"{block}: IDF weights that are not finite numbers")
            vocabularies[block] = vocabulary
            idf[block] = weights
        return cls(settings, codebook, segmenter=segmenter, vocabularies=vocabularies, idf=idf)


_count_breaks = methodcaller("count", "\n")


def _csr(
    rows: np.ndarray, columns: np.ndarray, values: np.ndarray, count: int, size: int
) -> csr_matrix:
    """The ``count`` x ``size`` matrix of entries sorted by row and column, none twice.

    Built from its row pointers directly: the same matrix, with its entries in the same
    order (so the same products to the last bit), as from (row, column) pairs, at a
    fraction of the cost on a document's small blocks."""
    from scipy.sparse import csr_matrix

    pointers = np.searchsorted(rows, np.arange(count + 1))
    return csr_matrix((values, columns, pointers), shape=(count, size))


def _expand(
    rows: np.ndarray, columns: np.ndarray, values: np.ndarray, distinct: int, which: np.ndarray
) -> Entries:
    """Rows of distinct texts repeated for the units that share them (``which``)."""
    pointers = np.searchsorted(rows, np.arange(distinct + 1))
    lengths = np.diff(pointers)[which]
    picked = ranges(pointers[:-1][which], lengths)
    out_rows = np.repeat(np.arange(len(which)), lengths)
    return out_rows.astype(np.int64), columns[picked], values[picked]


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indexes ``starts[i], starts[i] + 1, ... (lengths[i] of them)`` for every i, one
    range after the other."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(total)


def encode_strings(values: Sequence[str]) -> np.ndarray:
    """Strings as one UTF-8 byte array (no object arrays: those would need pickle)."""
    if any(_SEPARATOR in v for v in values):
        raise ValueError("a feature name holds a line break")
    return np.frombuffer(_SEPARATOR.join(values).encode("utf-8"), dtype=np.uint8).copy()


def decode_strings(array: np.ndarray) -> list[str]:
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ValueError(f"feature names stored as {array.dtype} {array.shape}, not bytes")
    if array.size == 0:
        return []
    return bytes(array).decode("utf-8").split(_SEPARATOR)
