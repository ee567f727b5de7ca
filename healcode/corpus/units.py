"""Split turns into the units that get coded: sentences, paragraphs or whole turns."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

from healcode.corpus.turns import line_spans, trim_end
from healcode.records import Document, Turn, Unit

UnitKind = Literal["sentence", "turn", "paragraph"]
UNIT_KINDS: tuple[UnitKind, ...] = ("sentence", "turn", "paragraph")

# A sentence ends after 。！？；!?… (and any closing quotes or brackets after them),
# after an ASCII full stop followed by a space, and at every line break.
_SENTENCE_END = re.compile(r"[。！？；!?…]+[”’」』）)】》\"']*|\.(?=\s)|\n")


def split_units(
    document: Document,
    turns: Sequence[Turn],
    *,
    unit: UnitKind = "sentence",
    in_scope: Callable[[Turn], bool],
) -> list[Unit]:
    """Units of every turn in reading order; ``in_scope`` says whose speech is coded."""
    text = document.text
    units: list[Unit] = []
    for turn in turns:
        scoped = in_scope(turn)
        for start, end in _spans(text, turn.start, turn.end, unit):
            units.append(
                Unit(document.id, len(units), turn.speaker, turn.role, start, end,
                     text[start:end], scoped)
            )
    return units


def _spans(text: str, start: int, end: int, unit: UnitKind) -> Iterator[tuple[int, int]]:
    if unit == "turn":
        left = start
        while left < end and text[left].isspace():
            left += 1
        right = trim_end(text, left, end)
        if left < right:
            yield left, right
        return
    if unit == "paragraph":
        yield from line_spans(text, start, end)
        return
    piece_start = start
    for match in _SENTENCE_END.finditer(text, start, end):
        yield from _trimmed(text, piece_start, match.end())
        piece_start = match.end()
    yield from _trimmed(text, piece_start, end)


_WORD = re.compile(r"\w")


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The piece without surrounding whitespace, unless it has no word at all (a lone "……")."""
    piece = text[start:end]
    kept = piece.strip()
    if kept and _WORD.search(kept):
        left = start + len(piece) - len(piece.lstrip())
        yield left, left + len(kept)
