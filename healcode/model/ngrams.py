"""Find a fixed vocabulary of n-grams in many texts at once, with array operations.

Scoring a corpus needs, for every unit, the vocabulary n-grams it contains. Generating
every n-gram as a Python string costs more than coding the corpus, so the lookups here
turn the text into integers once and find the n-grams as integer keys:

- character n-grams of up to three characters: each code point (plus one) fills 21
  bits of a 64-bit key, so an n-gram is one integer;
- word n-grams: words become numbers through one dictionary, and an n-gram is its word
  numbers in base (number of words).

The keys are then looked up all at once in a hash table of the vocabulary's keys
(``KeyTable``): a few array gathers, where a binary search (``searchsorted``) makes some
17 dependent reads into a large array per key.

Both give exactly the n-grams that ``char_ngrams`` / ``word_ngrams`` in
``features.py`` generate (a test holds them to it); texts are joined with line breaks,
which no vocabulary entry holds, so no n-gram spans two texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np

_BITS = 21  # every code point is below 2 ** 21
_EMPTY = np.zeros(0, dtype=np.int64)


class CharNgrams:
    """Occurrences of vocabulary character n-grams (lower-cased, normalised texts)."""

    def __init__(self, vocabulary: Sequence[str], low: int, high: int) -> None:
        self.low, self.high = low, high
        self.vocabulary = vocabulary
        self._automaton: Any = None
        if high <= 3:
            self._table = KeyTable(_char_keys(vocabulary))

    def find(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every occurrence; ``texts`` already normalised and lowered."""
        if not self.vocabulary or not texts:
            return _EMPTY, _EMPTY
        if self.high > 3:
            return self._find_with_automaton(texts)
        joined = "\n".join(texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        codes += 1
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
        row_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[: len(codes)]
        # An n-gram across two texts holds the line break between them, which no
        # vocabulary entry does: it is looked up like any other, and not found.
        keys, rows = [], []
        for n in range(self.low, self.high + 1):
            size = len(codes) - n + 1
            if size <= 0:
                continue
            key = codes[:size].copy()
            for k in range(1, n):
                key |= codes[k : k + size] << (_BITS * k)
            keys.append(key)
            rows.append(row_of[:size])
        if not keys:
            return _EMPTY, _EMPTY
        return self._table.lookup(np.concatenate(keys), np.concatenate(rows))

    def _find_with_automaton(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Longer n-grams: one overlapping Aho-Corasick pass over the vocabulary."""
        if self._automaton is None:
            import ahocorasick_rs

            self._automaton = ahocorasick_rs.AhoCorasick(list(self.vocabulary))
        starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
        matches = self._automaton.find_matches_as_indexes("\n".join(texts), overlapping=True)
        found = np.fromiter(
            chain.from_iterable(matches), dtype=np.int64, count=3 * len(matches)
        ).reshape(-1, 3)
        rows = np.searchsorted(starts, found[:, 1], side="right") - 1
        return rows.astype(np.int64), found[:, 0]


class WordNgrams:
    """Occurrences of vocabulary word n-grams (words joined by one space, lower-cased)."""

    def __init__(self, vocabulary: Sequence[str], low: int, high: int) -> None:
        self.low, self.high = low, high
        self.vocabulary = vocabulary
        split = [term.split(" ") for term in vocabulary]
        self._numbers: dict[str, int] = {}
        for words in split:
            for word in words:
                self._numbers.setdefault(word, len(self._numbers))
        self._base = max(len(self._numbers), 1)
        # A key is the word numbers in base len(words), times 8, plus the n-gram length
        # (so the unigram "a" and the bigram "a <word 0>" differ); it must fit 63 bits.
        self._fits = high < 8 and self._base**high * 8 < 2**62
        if self._fits:
            keys = np.array(
                [self._key([self._numbers[w] for w in words]) for words in split], dtype=np.int64
            )
            self._table = KeyTable(keys)
        else:
            self._index = {term: i for i, term in enumerate(vocabulary)}

    def _key(self, numbers: list[int]) -> int:
        return sum(number * self._base**k for k, number in enumerate(numbers)) * 8 + len(numbers)

    def find(self, words: Sequence[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every occurrence in ``words`` (non-blank, lower-cased), where
        ``rows[i]`` is the text ``words[i]`` belongs to (non-decreasing)."""
        if not self.vocabulary or not len(words):
            return _EMPTY, _EMPTY
        if not self._fits:
            return self._find_as_strings(words, rows)
        numbers = np.fromiter(
            map(self._numbers.get, words, repeat(-1)), dtype=np.int64, count=len(words)
        )
        known = numbers >= 0
        keys, found_rows = [], []
        for n in range(self.low, self.high + 1):
            count = len(words) - n + 1
            if count <= 0:
                continue
            valid = known[:count].copy()
            key = numbers[:count].copy()
            for k in range(1, n):
                valid &= known[k : k + count] & (rows[k : k + count] == rows[:count])
                key += numbers[k : k + count] * self._base**k
            keys.append(key[valid] * 8 + n)
            found_rows.append(rows[:count][valid])
        if not keys:
            return _EMPTY, _EMPTY
        return self._table.lookup(np.concatenate(keys), np.concatenate(found_rows))

    def _find_as_strings(
        self, words: Sequence[str], rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        found_rows: list[int] = []
        columns: list[int] = []
        for n in range(self.low, self.high + 1):
            for i in range(len(words) - n + 1):
                if rows[i + n - 1] != rows[i]:
                    continue
                column = self._index.get(" ".join(words[i : i + n]))
                if column is not None:
                    found_rows.append(int(rows[i]))
                    columns.append(column)
        return np.asarray(found_rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)


def _char_keys(terms: Sequence[str]) -> np.ndarray:
    """Each term's key: its k-th code point (plus one) in bits 21k to 21k + 20."""
    lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
    codes = np.frombuffer("".join(terms).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    starts = np.cumsum(lengths) - lengths
    keys = np.zeros(len(terms), dtype=np.int64)
    for k in range(int(lengths.max(initial=0))):
        longer = lengths > k
        keys[longer] |= (codes[starts[longer] + k] + 1) << (_BITS * k)
    return keys


class KeyTable:
    """The vocabulary's keys (positive, distinct) in an open-addressing hash table that
    looks many keys up at once with array operations.

    A key's home slot is its Fibonacci hash (the key times 2**64 / golden ratio, top bits);
    a key that finds its slot taken goes on to the next one (linear probing). The table
    has at least four slots per key, so nearly every key is found, or known absent, at
    its home slot.
    """

    _FREE = -1  # no key is negative
    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: np.ndarray) -> None:
        bits = max(int(4 * len(keys)).bit_length(), 4)
        self._mask = (1 << bits) - 1
        self._shift = np.uint64(64 - bits)
        self._keys = np.full(self._mask + 1, self._FREE, dtype=np.int64)
        self._columns = np.zeros(self._mask + 1, dtype=np.int64)
        # Insert every key at once, round by round: of the keys whose current slot is
        # free, the first one for each slot takes it; the others move one slot on.
        pending = np.arange(len(keys), dtype=np.int64)
        slots = self._home(keys)
        while len(pending):
            free = self._keys[slots] == self._FREE
            taken, first = np.unique(slots[free], return_index=True)
            winners = pending[free][first]
            self._keys[taken] = keys[winners]
            self._columns[taken] = winners
            placed = np.zeros(len(pending), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            pending, slots = pending[~placed], (slots[~placed] + 1) & self._mask

    def _home(self, keys: np.ndarray) -> np.ndarray:
        hashed = keys.view(np.uint64) * self._MULTIPLIER  # wraps around, as it should
        return (hashed >> self._shift).astype(np.int64)

    def lookup(self, keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (row, column) of each of ``keys`` (int64, with its ``rows``) that is in the
        table, in the order of ``keys``."""
        slots = self._home(keys)
        found = self._keys[slots]
        hit = found == keys
        # The few keys whose home slot holds another key probe on.
        probing = np.flatnonzero(~hit & (found != self._FREE))
        while len(probing):
            slots[probing] = (slots[probing] + 1) & self._mask
            found = self._keys[slots[probing]]
            matched = found == keys[probing]
            hit[probing[matched]] = True
            probing = probing[~matched & (found != self._FREE)]
        return rows[hit], self._columns[slots[hit]]
