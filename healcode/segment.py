"""Chinese word segmentation: one interface, two jieba backends, codebook-aware dictionary.

Both backends start from jieba's default dictionary in an instance of their own (never
the process-wide one) and get every codebook term added, so a term such as 同命人 is
one token wherever it occurs instead of 同命/人.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import version
from typing import Literal, Protocol

SegmenterName = Literal["jieba-rs", "jieba"]
SEGMENTERS: tuple[SegmenterName, ...] = ("jieba-rs", "jieba")


class Segmenter(Protocol):
    name: str
    version: str

    def cut(self, text: str) -> list[str]:
        """Tokens whose concatenation is exactly ``text`` (whitespace included)."""
        ...


class JiebaRsSegmenter:
    """rjieba, the Rust port of jieba (same dictionary and algorithm, ~25x faster)."""

    name = "jieba-rs"

    def __init__(self, words: Iterable[str] = ()) -> None:
        import rjieba

        self.version = version("rjieba")
        self._jieba = rjieba.Jieba()
        for word in words:
            self._jieba.add_word(word, None, None)

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text, True)


class JiebaSegmenter:
    """The Python reference implementation of jieba."""

    name = "jieba"

    def __init__(self, words: Iterable[str] = ()) -> None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading to stderr
        self.version = version("jieba")
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in words:
            # jieba adds a re-added word's new frequency to the dictionary total without
            # taking out its old one; jieba-rs replaces it. Taking it out here keeps the
            # total, and so every segmentation, identical between the two backends.
            old = self._jieba.FREQ.get(word) or 0
            self._jieba.add_word(word)
            self._jieba.total -= old

    def cut(self, text: str) -> list[str]:
        return self._jieba.lcut(text, HMM=True)


def make_segmenter(name: SegmenterName = "jieba-rs", words: Iterable[str] = ()) -> Segmenter:
    """A segmenter with ``words`` (e.g. the codebook's terms) added to its dictionary."""
    words = [w for w in dict.fromkeys(words) if w.strip()]
    if name == "jieba-rs":
        return JiebaRsSegmenter(words)
    if name == "jieba":
        return JiebaSegmenter(words)
    raise ValueError(f"unknown segmenter {name!r}; choose one of {', '.join(SEGMENTERS)}")
