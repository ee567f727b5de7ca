"""Selection positions: from what a program wrote to code points into healcode's text.

REFI-QDA counts Unicode code points (section 10.2). Some programs count otherwise:
UTF-16 code units (Qt-based programs; an emoji is 2) or UTF-8 bytes (a Chinese
character is 3). And healcode's text has LF line ends where the source may have CRLF,
so positions after a CRLF move back by one per CR removed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from itertools import accumulate
from typing import Literal

PositionUnit = Literal["codepoints", "utf16", "utf8"]
PositionChoice = Literal["auto", "codepoints", "utf16", "utf8"]

# Writers known to count positions in other units than code points (by their origin).
_KNOWN_WRITERS: tuple[tuple[str, PositionUnit], ...] = (
    ("taguette", "utf8"),
    ("qualcoder", "utf16"),
)


def resolve_unit(choice: PositionChoice, origin: str) -> PositionUnit:
    """``auto``: code points, as the standard says, unless the writer is known to differ."""
    if choice != "auto":
        return choice
    lowered = origin.lower()
    return next((unit for name, unit in _KNOWN_WRITERS if name in lowered), "codepoints")


def position_converter(text: str, unit: PositionUnit) -> Callable[[int], int | None]:
    """A function from a position in ``unit`` to a code point index of ``text``.

    A position inside a character (half a surrogate pair, the middle of a UTF-8
    sequence) moves to the next character boundary; one beyond the text gives None.
    """
    if unit == "codepoints" or (unit == "utf16" and text.isascii()):
        return lambda p: p if 0 <= p <= len(text) else None
    if unit == "utf16":
        sizes = (2 if ord(c) > 0xFFFF else 1 for c in text)
    else:
        sizes = (len(c.encode("utf-8", "surrogatepass")) for c in text)
    bounds = list(accumulate(sizes, initial=0))

    def convert(position: int) -> int | None:
        if position < 0 or position > bounds[-1]:
            return None
        return bisect_left(bounds, position)

    return convert


def normalise_line_ends(text: str) -> tuple[str, Callable[[int], int]]:
    """LF line ends, as healcode reads every text, and the map of positions onto it."""
    if "\r" not in text:
        return text, lambda p: p
    crlf = [i for i in range(len(text) - 1) if text[i] == "\r" and text[i + 1] == "\n"]
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return normalised, lambda p: p - bisect_left(crlf, p)
