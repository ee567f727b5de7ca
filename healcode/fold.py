"""Traditional characters: match a simplified codebook against traditional text.

A matching copy of the text is converted with OpenCC's ``t2s`` (traditional to
simplified); hits found in the copy are mapped back so that every offset and excerpt
still points into the original traditional text. OpenCC 1.x ``t2s`` replaces one code
point with one code point (all entries of its dictionaries have equal lengths), so the
map is the identity; should a conversion ever change the length, the text is converted
clause by clause and, where a clause changes length, character by character, which
gives an exact map at the cost of phrase context in that clause only.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from healcode.corpus.units import Units
from healcode.records import Hit, Unit

if TYPE_CHECKING:
    from healcode.codebook import Codebook
    from healcode.coder import Coder

FoldMode = Literal["auto", "traditional", "none"]
FOLD_MODES: tuple[FoldMode, ...] = ("auto", "traditional", "none")
Convert = Callable[[str], str]

# Language tags that declare a codebook written in traditional characters.
_TRADITIONAL_TAGS = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")
# Characters of a document looked at to decide its script (a few pages of transcript).
_SAMPLE = 20_000
# Clause boundaries for the length-changing fallback (never inside a word).
_CLAUSE = re.compile(r"[^\s，。！？；：、,.!?;:]+|[\s，。！？；：、,.!?;:]+")


@functools.cache
def _opencc(config: str):  # -> opencc.OpenCC; its dictionaries ship inside the wheel
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """OpenCC ``t2s``: traditional characters (and variants) to simplified."""
    return _opencc("t2s.json").convert(text) if text else text


def to_traditional(text: str) -> str:
    """OpenCC ``s2t``: simplified characters to traditional."""
    return _opencc("s2t.json").convert(text) if text else text


@dataclass(frozen=True, slots=True)
class FoldedText:
    """A converted copy of ``original`` and the way back from its offsets.

    ``starts[i]`` / ``ends[i]`` are the original span of the character(s) that produced
    ``text[i]``; both are None when the conversion kept the length (identity map).
    """

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that ``text[start:end]`` came from."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            position = self.starts[start] if start < len(self.starts) else len(self.original)
            return position, position
        return self.starts[start], self.ends[end - 1]


def fold_text(text: str, *, convert: Convert = to_simplified) -> FoldedText:
    """Convert ``text`` for matching, keeping a map back to the original offsets."""
    folded = convert(text)
    if len(folded) == len(text):
        return FoldedText(text, folded)
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for clause in _CLAUSE.finditer(text):
        converted = convert(clause.group())
        if len(converted) == len(clause.group()):
            pieces.append(converted)
            starts.extend(range(clause.start(), clause.end()))
            ends.extend(range(clause.start() + 1, clause.end() + 1))
            continue
        for offset, char in enumerate(clause.group(), start=clause.start()):
            out = convert(char)
            pieces.append(out)
            starts.extend([offset] * len(out))
            ends.extend([offset + 1] * len(out))
    return FoldedText(text, "".join(pieces), tuple(starts), tuple(ends))


def count_changed(text: str, converted: str) -> int:
    """Characters a conversion changed (compared position by position)."""
    return sum(map(operator.ne, text, converted))


def is_mostly_traditional(text: str) -> bool:
    """More characters that only traditional script uses than only simplified uses.

    ``t2s`` changes exactly the traditional-only characters and ``s2t`` the
    simplified-only ones, so comparing the two counts needs no character list. The
    first ``_SAMPLE`` characters decide, which bounds the cost for long documents.
    """
    text = text[:_SAMPLE]
    simplified = to_simplified(text)
    if simplified == text:  # the common case, decided without a second conversion
        return False
    return count_changed(text, simplified) > count_changed(text, to_traditional(text))


def is_simplified_codebook(codebook: Codebook) -> bool:
    """A codebook not tagged as traditional whose terms are not mostly traditional."""
    return _is_simplified(codebook.language, tuple(codebook.terms()))


@functools.lru_cache(maxsize=16)  # asked once per document, about the same codebook
def _is_simplified(language: str, terms: tuple[str, ...]) -> bool:
    if language.lower().startswith(_TRADITIONAL_TAGS):
        return False
    return not is_mostly_traditional("".join(terms))


def should_fold(text: str, codebook: Codebook, mode: FoldMode) -> bool:
    """Whether a document is matched through a simplified copy."""
    if mode == "traditional":
        return True
    if mode == "none":
        return False
    return is_mostly_traditional(text) and is_simplified_codebook(codebook)


def traditional_forms(words: Iterable[str]) -> tuple[str, ...]:
    """Traditional spellings that differ from ``words`` (访谈者 -> 訪談者)."""
    return tuple(dict.fromkeys(t for w in words if (t := to_traditional(w)) != w))


def code_folded_units(
    coder: Coder, units: Sequence[Unit], *, convert: Convert = to_simplified
) -> list[Hit]:
    """Hits of ``units`` matched on a simplified copy, reported on the original text."""
    folded_units: list[Unit] = []
    folds: dict[int, tuple[int, FoldedText]] = {}  # unit index -> (unit start, copy)
    for unit in units:
        if not unit.in_scope:
            continue
        folded = fold_text(unit.text, convert=convert)
        folds[unit.index] = (unit.start, folded)
        folded_units.append(
            Unit(
                unit.document,
                unit.index,
                unit.speaker,
                unit.role,
                unit.start,
                unit.start + len(folded.text),
                folded.text,
                unit.in_scope,
            )
        )
    hits = []
    for hit in coder.code_units(folded_units):
        unit_start, folded = folds[hit.unit]
        start, end = folded.original_span(hit.start - unit_start, hit.end - unit_start)
        hits.append(
            Hit(
                hit.document,
                hit.unit,
                hit.theme,
                hit.code,
                hit.term,
                unit_start + start,
                unit_start + end,
                folded.original[start:end],
                hit.negated,
            )
        )
    return hits


def folded_units(units: Sequence[Unit], *, convert: Convert = to_simplified) -> Sequence[Unit]:
    """A document's units (every one, in scope or not) with the text the dictionary
    matches when the document is folded: each unit's own converted copy, as
    :func:`code_folded_units` makes it, starting where the unit starts. A learned model
    scores these, so that it reads what the dictionary reads (and what it was trained
    on). Units kept as columns stay columns when no copy changes length (OpenCC's
    ``t2s`` never does): only the document text they are sliced from changes."""
    if isinstance(units, Units):
        copies = [fold_text(text, convert=convert).text for text in units.texts()]
        starts, ends = units.starts, units.ends
        same = all(
            len(copy) == end - start for copy, start, end in zip(copies, starts, ends, strict=True)
        )
        ordered = all(ends[i] <= starts[i + 1] for i in range(len(units) - 1))
        if same and ordered:
            pieces: list[str] = []
            position = 0
            for copy, start, end in zip(copies, starts, ends, strict=True):
                pieces += (units.text[position:start], copy)
                position = end
            pieces.append(units.text[position:])
            return Units(
                units.document,
                "".join(pieces),
                units.turns,
                units.scoped,
                starts,
                ends,
                units.turn_of,
            )
    folded = []
    for unit in units:
        copy = fold_text(unit.text, convert=convert).text
        folded.append(
            Unit(
                unit.document,
                unit.index,
                unit.speaker,
                unit.role,
                unit.start,
                unit.start + len(copy),
                copy,
                unit.in_scope,
            )
        )
    return folded


def original_piece(original: str, piece: str, *, convert: Convert = to_simplified) -> str:
    """The characters of ``original`` that ``piece`` of its converted copy came from (its
    first occurrence there); ``piece`` itself when the copy does not contain it."""
    folded = fold_text(original, convert=convert)
    at = folded.text.find(piece)
    if at < 0 or not piece:
        return piece
    start, end = folded.original_span(at, at + len(piece))
    return original[start:end]
