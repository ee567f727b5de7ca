"""Selection positions: from what a program wrote to code points into healcode's text.

REFI-QDA counts Unicode code points (section 10.2). Programs count otherwise: NVivo for
Windows and QualCoder count UTF-16 code units (an emoji is 2), Taguette UTF-8 bytes (a
Chinese character is 3). And a program may count line ends as the text file stores
them (CRLF is 2) or as its own editor holds them (LF, so CRLF is 1): QualCoder writes
CRLF files for MAXQDA but counts on its LF text. healcode's text has LF line ends, so
positions counted on CRLF text move back by one per CR removed.

``origin`` does not say which counting a file uses, so ``auto`` decides per source from
evidence: every *reading* (a unit, counted on the text as stored or with LF line ends)
is applied to the source's selections, and each is scored by how plausible the
selected texts are (:func:`score_selection`). The best reading wins; ties go to what
the writing program is known to do, then to the standard's code points.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Literal, get_args

PositionUnit = Literal["codepoints", "utf16", "utf8"]
LineEnds = Literal["stored", "lf"]


@dataclass(frozen=True, slots=True)
class Reading:
    """How a file counts positions: a unit, on the text as stored or with LF line ends."""

    unit: PositionUnit
    lines: LineEnds = "stored"

    @property
    def name(self) -> str:
        """The ``--positions`` value that selects this reading."""
        return self.unit if self.lines == "stored" else f"{self.unit}-lf"

    def describe(self) -> str:
        what = {"codepoints": "code points", "utf16": "UTF-16 units", "utf8": "UTF-8 bytes"}
        return what[self.unit] + ("" if self.lines == "stored" else ", CRLF counted as one")

    @classmethod
    def parse(cls, name: str) -> Reading:
        for reading in READINGS:
            if reading.name == name:
                return reading
        raise ValueError(f"unknown position reading {name!r}")


# Every reading, in the order preferred when the evidence cannot tell them apart: the
# standard's code points first, counted on the text as stored.
READINGS: tuple[Reading, ...] = tuple(
    Reading(unit, lines) for unit in get_args(PositionUnit) for lines in get_args(LineEnds)
)

# Programs by the name in a file's ``origin``, and how each is known to count positions
# (None: as the standard says, as far as is known).
_PROGRAMS: tuple[tuple[str, str, Reading | None], ...] = (
    ("nvivo", "NVivo", Reading("utf16")),
    ("qualcoder", "QualCoder", Reading("utf16", "lf")),
    ("taguette", "Taguette", Reading("utf8")),
    ("atlas", "ATLAS.ti", None),
    ("maxqda", "MAXQDA", None),
    ("quirkos", "Quirkos", None),
    ("transana", "Transana", None),
    ("dedoose", "Dedoose", None),
    ("healcode", "healcode", Reading("codepoints")),
)


def writer_program(origin: str) -> str:
    """The program named by a file's ``origin`` ("NVivo", "QualCoder" ...), or ''."""
    lowered = origin.lower()
    return next((name for key, name, _ in _PROGRAMS if key in lowered), "")


def known_reading(origin: str) -> Reading | None:
    """How the program named by ``origin`` is known to count positions, if known."""
    lowered = origin.lower()
    return next((reading for key, _, reading in _PROGRAMS if key in lowered), None)


def position_converter(text: str, unit: PositionUnit) -> Callable[[int], int | None]:
    """A function from a position in ``unit`` to a code point index of ``text``.

    A position inside a character (half a surrogate pair, the middle of a UTF-8
    sequence) moves to the next character boundary; one beyond the text gives None.
    """
    locate = _locator(text, unit)

    def convert(position: int) -> int | None:
        found = locate(position)
        return None if found is None else found[0]

    return convert


def _locator(text: str, unit: PositionUnit) -> Callable[[int], tuple[int, bool] | None]:
    """Position in ``unit`` -> (code point index, whether it is a character boundary)."""
    if (
        unit == "codepoints"
        or text.isascii()
        or (unit == "utf16" and all(ord(c) <= 0xFFFF for c in text))
    ):
        size = len(text)
        return lambda p: (p, True) if 0 <= p <= size else None
    if unit == "utf16":
        sizes: Iterable[int] = (2 if ord(c) > 0xFFFF else 1 for c in text)
    else:
        sizes = (len(c.encode("utf-8", "surrogatepass")) for c in text)
    bounds = list(accumulate(sizes, initial=0))

    def locate(position: int) -> tuple[int, bool] | None:
        if position < 0 or position > bounds[-1]:
            return None
        index = bisect_left(bounds, position)
        return index, bounds[index] == position

    return locate


def normalise_line_ends(text: str) -> tuple[str, Callable[[int], int]]:
    """LF line ends, as healcode reads every text, and the map of positions onto it."""
    if "\r" not in text:
        return text, lambda p: p
    crlf = [m.start() for m in re.finditer("\r\n", text)]
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return normalised, lambda p: p - bisect_left(crlf, p)


class SourceText:
    """A source's text as stored (line ends kept) and with LF line ends, and where a
    position of each reading lands in the LF text."""

    def __init__(self, stored: str) -> None:
        self.stored = stored
        self.text, self._shift = normalise_line_ends(stored)
        self._locators: dict[tuple[PositionUnit, bool], Callable] = {}
        self._ascii = stored.isascii()
        self._bmp = self._ascii or all(ord(c) <= 0xFFFF for c in stored)
        self._crlf = "\r\n" in stored

    def readings(self) -> list[Reading]:
        """The readings that can differ on this text (the others repeat one of them)."""
        units: list[PositionUnit] = ["codepoints"]
        if not self._bmp:
            units.append("utf16")
        if not self._ascii:
            units.append("utf8")
        lines: list[LineEnds] = ["stored", "lf"] if self._crlf else ["stored"]
        return [Reading(u, line) for u in units for line in lines]

    def same_as(self, reading: Reading) -> Reading:
        """The reading among :meth:`readings` that gives the same positions."""
        unit = reading.unit
        if self._ascii or (unit == "utf16" and self._bmp):
            unit = "codepoints"
        return Reading(unit, reading.lines if self._crlf else "stored")

    def locate(self, reading: Reading, position: int) -> tuple[int, bool] | None:
        """Index into the LF text of ``position`` read with ``reading``, and whether it is
        a clean boundary (not inside a surrogate pair, UTF-8 sequence or CRLF pair)."""
        stored = reading.lines == "stored"
        key = (reading.unit, stored)
        if key not in self._locators:
            self._locators[key] = _locator(self.stored if stored else self.text, reading.unit)
        found = self._locators[key](position)
        if found is None:
            return None
        index, clean = found
        if stored:
            if (
                0 < index < len(self.stored)
                and self.stored[index - 1] == "\r"
                and self.stored[index] == "\n"
            ):
                clean = False
            index = self._shift(index)
        return index, clean


# ---------------------------------------------------------------- plausibility

# What a selection scores. A reading that puts positions inside a character or a CRLF
# pair, or outside the text, is close to impossible; a boundary between words or after
# punctuation is what people select; one inside a Latin word or on a comma is not.
MISFIT = -6  # outside the text, or empty
CUT = -4  # inside a surrogate pair, a UTF-8 sequence or a CRLF pair (per end)
SPLIT_CLUSTER = -2  # separates a combining mark, joiner or variation selector from its base
BAD_EDGE = -1  # starts on a comma / closing bracket / space, ends after an opening one,
# or cuts a word of a space-separated script
GOOD_EDGE = 1  # starts after a break or ends before one (space, punctuation, line, text end)
NAME_MATCH = 4  # the selection's name is the selected text (QualCoder, ATLAS.ti)

# Punctuation that ends a clause: a selection does not start on it.
_STOPS = frozenset(",.;:!?、，。；：！？…‥．｡､")
_JOINERS = frozenset("\u200c\u200d")


@lru_cache(maxsize=4096)
def _kind(char: str) -> str:
    """space, open, close, stop, punct, mark, word (a letter/digit of a script written
    with spaces between words), wide (CJK: every character is a word), or symbol."""
    if char.isspace():
        return "space"
    if char in _STOPS:
        return "stop"
    category = unicodedata.category(char)
    if (
        category[0] == "M"
        or char in _JOINERS
        or 0xFE00 <= ord(char) <= 0xFE0F
        or 0x1F3FB <= ord(char) <= 0x1F3FF
        or 0xE0100 <= ord(char) <= 0xE01EF
    ):
        return "mark"
    if category in ("Ps", "Pi"):
        return "open"
    if category in ("Pe", "Pf"):
        return "close"
    if category[0] == "P":
        return "punct"
    if category[0] in "LN":
        return "wide" if unicodedata.east_asian_width(char) in ("W", "F") else "word"
    return "symbol"


_BREAKS = frozenset({"space", "stop", "open", "close", "punct", "symbol"})


def _start_score(text: str, start: int) -> int:
    first = _kind(text[start])
    if first == "mark":
        return SPLIT_CLUSTER
    if first in ("space", "stop", "close"):
        return BAD_EDGE
    if start == 0 or first == "open":
        return GOOD_EDGE
    before = _kind(text[start - 1])
    if before == first == "word":
        return BAD_EDGE
    if before in _BREAKS or before != first:
        return GOOD_EDGE
    return 0


def _end_score(text: str, end: int) -> int:
    if end < len(text) and _kind(text[end]) == "mark":
        return SPLIT_CLUSTER
    last = _kind(text[end - 1])
    if last == "open":
        return BAD_EDGE
    if end == len(text) or last in ("stop", "close"):
        return GOOD_EDGE
    after = _kind(text[end])
    if last == after == "word":
        return BAD_EDGE
    if last == "space":
        return 0
    if after in _BREAKS or after != last:
        return GOOD_EDGE
    return 0


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def score_selection(text: str, start: int, end: int, name: str = "") -> int:
    """How plausible ``text[start:end]`` is as what a person selected (positions in
    code points of ``text``, both clean boundaries). See the constants above."""
    if not 0 <= start < end <= len(text):
        return MISFIT
    score = _start_score(text, start) + _end_score(text, end)
    wanted = _squeeze(name).rstrip(".…").rstrip()
    if len(wanted) >= 2:
        selected = _squeeze(text[start:end])
        if selected == wanted or (len(wanted) >= 6 and selected.startswith(wanted)):
            score += NAME_MATCH
    return score


@dataclass(frozen=True, slots=True)
class Selection:
    """A selection as the file gives it: positions in the file's unit, and its name."""

    start: int
    end: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class PositionDecision:
    """How one source's positions were read, and why."""

    reading: Reading
    # "given" (--positions), "evidence" (the best-scoring reading), "uncertain" (readings
    # that give other selections score about as well: the best was taken, the writer's
    # or the standard's on a tie), "agree" (every reading gives the same selections),
    # "no selections".
    how: str
    selections: int = 0
    scores: dict[str, int] = field(default_factory=dict)  # reading name -> score
    rivals: tuple[Reading, ...] = ()  # as plausible, other selections

    @property
    def ambiguous(self) -> bool:
        return bool(self.rivals)


# A reading wins on evidence when it scores at least this much above every reading that
# gives other selections; closer than that, the readings are equally plausible.
DECISIVE_MARGIN = 2
# Boundary points per selection by which a reading must beat the writer's known counting,
# when that places every selection cleanly, to overrule it without a warning.
PRIOR_MARGIN = 2


def decide_reading(
    source: SourceText,
    selections: Sequence[Selection],
    *,
    origin: str = "",
    given: Reading | None = None,
) -> PositionDecision:
    """The reading of ``source``'s positions: ``given``, or the most plausible one."""
    if given is not None:
        return PositionDecision(given, "given", len(selections))
    prior = known_reading(origin)
    candidates = source.readings()
    order = [source.same_as(prior)] if prior else []
    order += [source.same_as(r) for r in READINGS]
    candidates.sort(key=order.index)
    if not selections:
        return PositionDecision(candidates[0], "no selections")
    outcomes: dict[Reading, tuple[tuple[int, int] | None, ...]] = {}
    scores: dict[Reading, int] = {}
    hard: dict[Reading, tuple[int, int]] = {}  # (faults, names matched): evidence, not taste
    for reading in candidates:
        placed: list[tuple[int, int] | None] = []
        total = faults = names = 0
        for selection in selections:
            first = source.locate(reading, selection.start)
            last = source.locate(reading, selection.end)
            if first is None or last is None or first[0] >= last[0]:
                placed.append(None)
                total += MISFIT
                faults += 1
                continue
            faults += (not first[1]) + (not last[1])
            total += (0 if first[1] else CUT) + (0 if last[1] else CUT)
            score = score_selection(source.text, first[0], last[0], selection.name)
            names += score - score_selection(source.text, first[0], last[0]) == NAME_MATCH
            total += score
            placed.append((first[0], last[0]))
        outcomes[reading], scores[reading] = tuple(placed), total
        hard[reading] = (faults, names)
    best = max(candidates, key=lambda r: scores[r])  # the first of the best, in order
    named = {r.name: scores[r] for r in candidates}
    others = [r for r in candidates if outcomes[r] != outcomes[best]]
    if not others:
        return PositionDecision(best, "agree", len(selections), named)
    rivals = tuple(r for r in others if scores[r] > scores[best] - DECISIVE_MARGIN)
    if prior is not None:
        known = source.same_as(prior)
        faults, names = hard[known]
        if (
            outcomes[known] != outcomes[best]
            and faults == 0
            and names >= hard[best][1]
            and scores[best] - scores[known] < PRIOR_MARGIN * len(selections)
        ):
            # The writer's known counting places every selection cleanly and only a few
            # boundary points speak against it: that is as likely noise (selections cut
            # mid-word) as a writer that counts otherwise. Take the evidence, but say so.
            rivals = (known, *(r for r in rivals if r != known))
    how = "uncertain" if rivals else "evidence"
    return PositionDecision(best, how, len(selections), named, rivals)
