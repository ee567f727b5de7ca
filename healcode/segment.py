"""Word segmentation: alphabetic words by word boundaries, Chinese with jieba.

A text is cut in two ways at once. Runs of Latin (and Greek or Cyrillic) letters are
words of their own, cut at Unicode word boundaries: ``latest`` is one token, never
``la|test`` as jieba's dictionary would have it, so a term ``test`` cannot match inside
it. English clitics come off as spaCy's English tokenizer takes them off (``didn't`` ->
``did|n't``, ``can't`` -> ``ca|n't``, ``mother's`` -> ``mother|'s``), so ``n't`` is a token
a negator list can name. Everything between such words (Chinese, digits, punctuation,
whitespace) goes to a jieba backend.

Both backends start from jieba's default dictionary in an instance of their own (never
the process-wide one) and get the Chinese parts of every codebook term added, so a term
such as 同命人 is one token wherever it occurs instead of 同命/人.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Literal, Protocol

SegmenterName = Literal["jieba-rs", "jieba"]
SEGMENTERS: tuple[SegmenterName, ...] = ("jieba-rs", "jieba")

# Letters of the alphabetic scripts written with spaces between words: Latin (with
# Latin-1, Extended-A/B, IPA and Extended Additional), Greek and Cyrillic.
_LETTERS = (
    "A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af\u1e00-\u1eff"
    "\u0386\u0388-\u03ff\u0400-\u0481\u048a-\u052f"
)
_MARKS = "\u0300-\u036f"  # combining accents of decomposed letters (e + \u0301)
# A word: letters and digits, with apostrophes between letters (don't, o'clock); it may
# start with digits (2nd) but holds at least one letter, so 2019 and 5-6 stay jieba's.
ALPHABETIC_WORD = re.compile(
    rf"[0-9]*[{_LETTERS}](?:[{_LETTERS}{_MARKS}0-9]|['\u2019](?=[{_LETTERS}]))*"
)
_WORD_SPLIT = re.compile(f"({ALPHABETIC_WORD.pattern})")
_LETTER = re.compile(rf"[{_LETTERS}]")  # a fast first test: most Chinese text has none
# Clitics split off the end of a word, as spaCy's English tokenizer splits them.
_CLITIC = re.compile(r"(?:n['\u2019]t|['\u2019](?:s|re|ve|ll|d|m))$", re.IGNORECASE)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
WILDCARD = "*"


class Segmenter(Protocol):
    name: str
    version: str

    def cut(self, text: str) -> list[str]:
        """Tokens whose concatenation is exactly ``text`` (whitespace included)."""
        ...


def cut_words(text: str, cut_chinese: Callable[[str], list[str]]) -> list[str]:
    """Alphabetic words by word boundaries, the rest of ``text`` by ``cut_chinese``.

    A text without alphabetic letters goes to ``cut_chinese`` whole, so Chinese is cut
    exactly as jieba cuts it.
    """
    if _LETTER.search(text) is None:
        return cut_chinese(text) if text else []
    tokens: list[str] = []
    # split() with the word as a group: between, word, between, word, ..., between
    for index, part in enumerate(_WORD_SPLIT.split(text)):
        if not part:
            continue
        if not index % 2:  # between words; one character is one token whatever the backend
            tokens.extend(cut_chinese(part) if len(part) > 1 else (part,))
            continue
        clitic = _CLITIC.search(part) if ("'" in part or "\u2019" in part) else None
        if clitic is not None and clitic.start() > 0:
            tokens += (part[: clitic.start()], part[clitic.start() :])
        else:
            tokens.append(part)
    return tokens


def has_chinese(text: str) -> bool:
    """Whether ``text`` holds a CJK character (so jieba, not word boundaries, cuts it)."""
    return _CJK.search(text) is not None


def dictionary_words(terms: Iterable[str]) -> list[str]:
    """What of ``terms`` belongs in jieba's dictionary: the Chinese parts of each term.

    Alphabetic words never reach jieba, so a term's alphabetic words are left out
    (卡拉OK adds 卡拉); prefix wildcards (盼*) are left out too, since adding the prefix
    as a word would cut longer words that start with it.
    """
    words = []
    for term in terms:
        if term.endswith(WILDCARD):
            continue
        for part in ALPHABETIC_WORD.split(term):
            part = part.strip()
            if part and has_chinese(part):
                words.append(part)
    return list(dict.fromkeys(words))


def segmenter_version(name: SegmenterName) -> str:
    """The installed version of a backend (what a run's manifest records)."""
    from importlib.metadata import version

    return version("rjieba" if name == "jieba-rs" else "jieba")


class JiebaRsSegmenter:
    """rjieba, the Rust port of jieba (same dictionary and algorithm, ~25x faster)."""

    name = "jieba-rs"

    def __init__(self, words: Iterable[str] = ()) -> None:
        import rjieba

        self.version = segmenter_version("jieba-rs")
        self._jieba = rjieba.Jieba()
        for word in words:
            self._jieba.add_word(word, None, None)

    def _cut(self, text: str) -> list[str]:
        return self._jieba.cut(text, True)

    def cut(self, text: str) -> list[str]:
        if _LETTER.search(text) is None:  # the common case in Chinese text, kept short
            return self._jieba.cut(text, True)
        return cut_words(text, self._cut)


class JiebaSegmenter:
    """The Python reference implementation of jieba."""

    name = "jieba"

    def __init__(self, words: Iterable[str] = ()) -> None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading to stderr
        self.version = segmenter_version("jieba")
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in words:
            # jieba adds a re-added word's new frequency to the dictionary total without
            # taking out its old one; jieba-rs replaces it. Taking it out here keeps the
            # total, and so every segmentation, identical between the two backends.
            old = self._jieba.FREQ.get(word) or 0
            self._jieba.add_word(word)
            self._jieba.total -= old

    def _cut(self, text: str) -> list[str]:
        return self._jieba.lcut(text, HMM=True)

    def cut(self, text: str) -> list[str]:
        if _LETTER.search(text) is None:
            return self._jieba.lcut(text, HMM=True)
        return cut_words(text, self._cut)


def make_segmenter(name: SegmenterName = "jieba-rs", words: Iterable[str] = ()) -> Segmenter:
    """A segmenter with ``words`` (e.g. the codebook's terms) added to its dictionary:
    their Chinese parts, see :func:`dictionary_words`."""
    words = [w for w in dictionary_words(words) if w.strip()]
    if name == "jieba-rs":
        return JiebaRsSegmenter(words)
    if name == "jieba":
        return JiebaSegmenter(words)
    raise ValueError(f"unknown segmenter {name!r}; choose one of {', '.join(SEGMENTERS)}")
