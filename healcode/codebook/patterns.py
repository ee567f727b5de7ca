"""The structure of a codebook pattern (a Python regular expression) as typed parts.

Python has no public parser of its own regular-expression syntax: ``re`` compiles a
pattern with the private ``re._parser`` (``sre_parse`` before 3.11), whose tree of
opcodes is untyped and may change between Python versions. This module is the one place
that uses it. Everything else reads a pattern through ``parse_pattern`` (the typed parts
below, which the prefilter reads anchors from) or ``match_width`` (how long a match can
be, which says whether a pattern can match any text at all).
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass
from typing import Any

# The private parser and its opcodes, typed as Any: they have no stubs, and nothing of
# them leaves this module.
_parser: Any = importlib.import_module("re._parser")
_op: Any = importlib.import_module("re._constants")

_REPEATS = frozenset({_op.MAX_REPEAT, _op.MIN_REPEAT, _op.POSSESSIVE_REPEAT})
_POSITIONS = frozenset({_op.AT, _op.ASSERT, _op.ASSERT_NOT})


@dataclass(frozen=True, slots=True)
class Chars:
    """One character out of a set of literals: ``希`` or ``[很挺]``."""

    chars: frozenset[str]


@dataclass(frozen=True, slots=True)
class Position:
    """A match without text: ``^``, ``$``, ``\\b``, a lookahead or a lookbehind."""


@dataclass(frozen=True, slots=True)
class Group:
    """A group, capturing or not: ``(孩子)``, ``(?:孩子)``."""

    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class Alternation:
    """One of several branches: ``孩子|儿子``."""

    branches: tuple[tuple[Part, ...], ...]


@dataclass(frozen=True, slots=True)
class Repeat:
    """``parts`` from ``low`` to ``high`` times (``?``, ``*``, ``+``, ``{m,n}``, lazy or
    possessive); ``high`` is a very large number when there is no limit."""

    low: int
    high: int
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class Other:
    """Anything else: ``.``, ``\\d``, a class with a range or negated, a back reference,
    an atomic group, a conditional."""


Part = Chars | Position | Group | Alternation | Repeat | Other


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled as the coder matches it (case-insensitively); ``re.error`` if
    it is not valid. Cached: loading a codebook checks each pattern and the coder then
    uses the same compiled one (hundreds of patterns cost a few tenths of a second)."""
    return re.compile(pattern, re.IGNORECASE)


def parse_pattern(pattern: str) -> tuple[Part, ...]:
    """The parts of ``pattern`` in order; ``re.error`` if it is not a valid pattern."""
    return _parts(_parse(pattern))


def match_width(pattern: str) -> tuple[int, int]:
    """The fewest and the most characters a match of ``pattern`` can have (the most is a
    very large number when there is no limit); ``re.error`` if it is not valid."""
    low, high = _parse(pattern).getwidth()
    return int(low), int(high)


@functools.lru_cache(maxsize=4096)  # read by the codebook's check and by the prefilter
def _parse(pattern: str) -> Any:
    return _parser.parse(pattern)


def _parts(items: Any) -> tuple[Part, ...]:
    return tuple(_part(op, value) for op, value in items)


def _part(op: Any, value: Any) -> Part:
    if op is _op.LITERAL:
        return Chars(frozenset({chr(value)}))
    if op in _POSITIONS:
        return Position()
    if op is _op.IN:
        if all(kind is _op.LITERAL for kind, _ in value):
            return Chars(frozenset(chr(code) for _, code in value))
        return Other()
    if op is _op.SUBPATTERN:  # (group number, flags added, flags removed, parts)
        return Group(_parts(value[-1]))
    if op is _op.BRANCH:  # (None, [parts of each branch])
        return Alternation(tuple(_parts(branch) for branch in value[1]))
    if op in _REPEATS:  # (low, high, parts)
        low, high, parts = value
        return Repeat(int(low), int(high), _parts(parts))
    return Other()
