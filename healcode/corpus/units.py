"""Split turns into the units that get coded: sentences, paragraphs or whole turns.

A long transcript has millions of units, so a document's units are kept as columns
(``Units``: where each starts and ends, and its turn) and become ``Unit`` records only
when asked for one by one.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Literal

from healcode.corpus.turns import line_spans, trim_end
from healcode.records import Columns, Document, Role, Turn, Unit

UnitKind = Literal["sentence", "turn", "paragraph"]
UNIT_KINDS: tuple[UnitKind, ...] = ("sentence", "turn", "paragraph")

# A sentence ends after 。！？；!?… (and any closing quotes or brackets after them),
# after an ASCII full stop followed by a space, and at every line break.
_SENTENCE_END = re.compile(r"[。！？；!?…]+[”’」』）)】》\"']*|\.(?=\s)|\n")
# A sentence unit is a piece of a turn up to and including each sentence end, without the
# whitespace around it, kept only if it holds a word character (a lone "……" is not a
# unit). _UNIT finds those units in one pass, exactly as cutting the turn at every
# _SENTENCE_END match, stripping each piece and keeping those with a \w would (a test
# compares the two): group 1 starts at a piece's first non-space character that has a
# word character after it within the piece, runs over the piece's text with spaces or
# tabs inside it (never a line break), and ends with the piece's sentence end, or before
# the spaces that end the turn or the line. A sentence end is consumed first where the
# scan meets one, so that its closing quotes never start a unit.
_BODY = r"(?:[^\s。！？；!?….]++|\.(?!\s))++"  # text up to a space or a sentence end
_GAP = r"[^\S\n]"  # a space inside a line
_WORD_AHEAD = rf"(?=\w|(?:[^\w\s。！？；!?….]|{_GAP}|\.(?!\s))*\w)"
_UNIT = re.compile(
    rf"(?:[。！？；!?…]++[”’」』）)】》\"']*+)?{_GAP}*+"
    rf"({_WORD_AHEAD}{_BODY}(?:{_GAP}++{_BODY})*+(?:{_GAP}*+(?:[。！？；!?…]+[”’」』）)】》\"']*|\.(?=\s)))?)"
)
_WORD = re.compile(r"\w")


class Units(Columns[Unit]):
    """The units of one document, in reading order, as columns.

    ``units[i]`` is the ``Unit`` with index ``i``; ``starts``, ``ends`` and ``turn_of``
    (the index of its turn in ``turns``) hold every unit in a few bytes, and the
    ``speakers()``, ``roles()``, ``coded()`` and ``texts()`` columns are made on request.
    """

    __slots__ = ("document", "text", "turns", "scoped", "starts", "ends", "turn_of")

    def __init__(
        self,
        document: str,
        text: str,
        turns: Sequence[Turn],
        scoped: Sequence[bool],
        starts: array[int],
        ends: array[int],
        turn_of: array[int],
    ) -> None:
        self.document = document
        self.text = text  # the document's text: units are slices of it
        self.turns = turns
        self.scoped = scoped  # per turn: whether its speech is coded
        self.starts = starts
        self.ends = ends
        self.turn_of = turn_of

    def __len__(self) -> int:
        return len(self.starts)

    def _record(self, index: int) -> Unit:
        turn = self.turns[self.turn_of[index]]
        start, end = self.starts[index], self.ends[index]
        return Unit(
            self.document,
            index,
            turn.speaker,
            turn.role,
            start,
            end,
            self.text[start:end],
            self.scoped[self.turn_of[index]],
        )

    def __repr__(self) -> str:
        return f"Units({self.document!r}, {len(self)} units)"

    # ------------------------------------------------------------ columns
    def speakers(self) -> list[str]:
        names = [t.speaker for t in self.turns]
        return list(map(names.__getitem__, self.turn_of))

    def roles(self) -> list[Role]:
        roles = [t.role for t in self.turns]
        return list(map(roles.__getitem__, self.turn_of))

    def coded(self) -> list[bool]:
        """Whether each unit's speaker is in scope (units.csv's ``coded``)."""
        return list(map(self.scoped.__getitem__, self.turn_of))

    def texts(self, indexes: Sequence[int] | None = None) -> list[str]:
        """The text of every unit (or of those at ``indexes``)."""
        text, starts, ends = self.text, self.starts, self.ends
        if indexes is None:
            return list(map(text.__getitem__, map(slice, starts, ends)))
        return [text[starts[i] : ends[i]] for i in indexes]

    def in_scope(self) -> list[int]:
        """Indexes of the units whose speaker is in scope."""
        if all(self.scoped):
            return list(range(len(self)))
        scoped = [i for i, yes in enumerate(self.scoped) if yes]
        if not scoped:
            return []
        wanted = set(scoped)
        return [i for i, turn in enumerate(self.turn_of) if turn in wanted]

    def scope_size(self) -> tuple[int, int]:
        """(units, characters) of in-scope speech: the in-scope units and their length."""
        starts, ends = self.starts, self.ends
        if all(self.scoped):
            return len(self), sum(ends) - sum(starts)
        scoped = self.in_scope()
        return len(scoped), sum(map(ends.__getitem__, scoped)) - sum(
            map(starts.__getitem__, scoped)
        )


def split_units(
    document: Document,
    turns: Sequence[Turn],
    *,
    unit: UnitKind = "sentence",
    in_scope: Callable[[Turn], bool],
) -> Units:
    """Units of every turn in reading order; ``in_scope`` says whose speech is coded."""
    text = document.text
    starts: array[int] = array("q")
    ends: array[int] = array("q")
    turn_of: array[int] = array("i")
    for number, turn in enumerate(turns):
        before = len(starts)
        if unit == "sentence":
            _sentences(text, turn.start, turn.end, starts, ends)
        else:
            for start, end in _spans(text, turn.start, turn.end, unit):
                starts.append(start)
                ends.append(end)
        if len(starts) > before:
            turn_of.extend(repeat(number, len(starts) - before))
    return Units(
        document.id, text, list(turns), [in_scope(t) for t in turns], starts, ends, turn_of
    )


def _sentences(text: str, start: int, end: int, starts: array[int], ends: array[int]) -> None:
    """The sentence units of text[start:end] (see _UNIT)."""
    spans = [m.span(1) for m in _UNIT.finditer(text, start, end)]
    starts.extend(map(itemgetter(0), spans))
    ends.extend(map(itemgetter(1), spans))


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentence units of text[start:end] as the definition says: cut after every
    sentence end, each piece stripped, pieces without a word character left out (what
    _UNIT finds in one pass; kept to test it against)."""
    spans = []
    piece_start = start
    for stop in [m.end() for m in _SENTENCE_END.finditer(text, start, end)] + [end]:
        piece = text[piece_start:stop]
        kept = piece.strip()
        if kept and _WORD.search(kept):
            left = piece_start + len(piece) - len(piece.lstrip())
            spans.append((left, left + len(kept)))
        piece_start = stop
    return spans


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
    starts: array[int] = array("q")
    ends: array[int] = array("q")
    _sentences(text, start, end, starts, ends)
    yield from zip(starts, ends, strict=True)
