"""Which units could match at all: one Aho-Corasick pass per unit instead of segmenting it.

A term can only match as tokens where it occurs as a substring. A pattern can only match
where one of its *anchors* occurs: literal strings that every match of it must contain,
read off the parsed regular expression (``对.{0,4}未来`` needs 未来; ``(孩子|儿子)走了``
needs one of 孩子走了 / 儿子走了). A pattern with no such literal runs on every unit.
The prefilter never decides a match; it only skips units that cannot have one.

A term's anchor is the term itself, lowered; for a term of several words (matched with
any run of whitespace between them) its longest word; for a prefix wildcard (hope*) the
prefix. The typographic apostrophe is read as ``'`` on both sides, as the coder reads it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate, repeat
from operator import itemgetter

import ahocorasick_rs

from healcode.codebook.patterns import (
    Alternation,
    Chars,
    Group,
    Part,
    Position,
    Repeat,
    parse_pattern,
)

_LIMIT = 64  # the most strings one anchor set may hold
_APOSTROPHE = "\u2019"  # ’, read as '


def term_anchor(term: str) -> str:
    """A string every match of ``term`` contains (lowered); see the module docstring."""
    words = term.removesuffix("*").replace(_APOSTROPHE, "'").lower().split()
    return max(words, key=len) if words else term.lower()


def pattern_anchors(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` contains one; None if none is known.

    ``对.{0,4}未来`` gives {未来}; ``我(很|挺)(行|在行)`` gives {我很行, 我很在行, 我挺行,
    我挺在行}: adjacent fixed parts are multiplied out, so anchors are as long (and as
    rare in ordinary text) as the pattern allows.
    """
    try:
        parts = parse_pattern(pattern)
    except re.error:
        return None
    anchors = _required(parts)
    if not anchors:
        return None
    lowered = {a.lower() for a in anchors}
    # a text that contains 很怕 contains 怕 too: only the shortest forms are needed
    return frozenset(a for a in lowered if not any(b != a and b in a for b in lowered))


def _required(parts: Sequence[Part]) -> set[str] | None:
    """Anchors of a sequence: the most selective of the requirements of its parts.

    Consecutive parts that match a small, fixed set of strings are multiplied into one
    set of longer strings; any other part ends such a run and may add a requirement of
    its own (a group with a ``.`` inside still requires its literal parts).
    """
    options: list[set[str]] = []
    run: set[str] = {""}
    for part in parts:
        exact = _exact(part)
        if exact is not None and len(run) * len(exact) <= _LIMIT:
            run = {a + b for a in run for b in exact}
            continue
        if "" not in run:
            options.append(run)
        if exact is not None:
            run = exact
            continue
        run = {""}
        need = _element(part)
        if need:
            options.append(need)
    if "" not in run:
        options.append(run)
    if not options:
        return None
    return max(options, key=lambda s: (min(map(len, s)), -len(s)))


def _exact(part: Part) -> set[str] | None:
    """Every string this part can match, when that is a small fixed set ("" included)."""
    if isinstance(part, Chars):
        return set(part.chars) if len(part.chars) <= _LIMIT else None
    if isinstance(part, Position):
        return {""}
    if isinstance(part, Group):
        return _exact_sequence(part.parts)
    if isinstance(part, Alternation):
        union: set[str] = set()
        for branch in part.branches:
            strings = _exact_sequence(branch)
            if strings is None:
                return None
            union |= strings
        return union if len(union) <= _LIMIT else None
    if isinstance(part, Repeat):
        once = _exact_sequence(part.parts)
        if once is None or part.high > 3:
            return None
        repeated: set[str] = set()
        current = {""}
        for count in range(part.high + 1):
            if count >= part.low:
                repeated |= current
            current = {a + b for a in current for b in once}
            if len(repeated) + len(current) > _LIMIT:
                return None
        return repeated
    return None


def _exact_sequence(parts: Sequence[Part]) -> set[str] | None:
    strings = {""}
    for part in parts:
        exact = _exact(part)
        if exact is None or len(strings) * len(exact) > _LIMIT:
            return None
        strings = {a + b for a in strings for b in exact}
    return strings


def _element(part: Part) -> set[str] | None:
    """A requirement of a part that matches too many strings to list (e.g. has a ``.``)."""
    if isinstance(part, Group):
        return _required(part.parts)
    if isinstance(part, Alternation):
        union: set[str] = set()
        for branch in part.branches:
            need = _required(branch)
            if not need:
                return None  # one branch can match without an anchor
            union |= need
        return union
    if isinstance(part, Repeat):
        return _required(part.parts) if part.low >= 1 else None
    return None


class Prefilter:
    """Says, for a text, whether any term may match and which patterns may."""

    def __init__(self, terms: Sequence[str], patterns: Sequence[str]) -> None:
        self.patterns = len(patterns)
        self._terms = len(terms)
        self._always: list[int] = []
        needles = [term_anchor(t) for t in terms]
        self._needle_patterns: list[int] = []  # for needles past the terms: their pattern
        for index, pattern in enumerate(patterns):
            anchors = pattern_anchors(pattern)
            if anchors is None:
                self._always.append(index)
                continue
            for anchor in sorted(anchors):
                needles.append(anchor)
                self._needle_patterns.append(index)
        self._automaton = ahocorasick_rs.AhoCorasick(needles) if needles else None
        # per needle: -1 for a term's anchor, else the pattern it is an anchor of
        self._pattern_of = [-1] * len(terms) + self._needle_patterns
        self._apostrophes = any("'" in needle for needle in needles)

    def scan(self, text: str) -> tuple[bool, list[int]]:
        """(a term may match, indexes of the patterns that may match)."""
        return self.scan_many([text])[0]

    def scan_many(self, texts: Sequence[str]) -> list[tuple[bool, list[int]]]:
        """``scan`` for many texts with one automaton pass over them all."""
        nothing = (False, sorted(self._always))
        results = [nothing] * len(texts)
        for index, term, patterns in self.candidates(texts):
            results[index] = (term, patterns)
        return results

    def candidates(self, texts: Sequence[str]) -> list[tuple[int, bool, list[int]]]:
        """(index, a term may match, patterns that may match) of each text where something
        may match, in order: one automaton pass over all the texts, joined by NUL (which
        no term or anchor contains, so no match can span two texts)."""
        always = sorted(self._always)
        if self._automaton is None or not texts:
            return [(i, False, always) for i in range(len(texts))] if always else []
        joined = "\0".join(texts)
        lowered = joined.lower()
        if self._apostrophes:
            lowered = lowered.replace(_APOSTROPHE, "'")
        if len(lowered) != len(joined):  # a rare letter whose lower case is longer
            scans = [(i, *self._scan_one(t)) for i, t in enumerate(texts)]
            return [scan for scan in scans if scan[1] or scan[2]]
        starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
        matches = self._automaton.find_matches_as_indexes(lowered, overlapping=True)
        if not matches and not always:
            return []
        # Which text each match is in, and what it says, with no Python code per match:
        # (text, -1) for a term, (text, pattern) for an anchor, each pair once.
        where = list(map(bisect_right, repeat(starts), map(itemgetter(1), matches)))
        pairs = sorted(
            set(
                zip(
                    where,
                    map(self._pattern_of.__getitem__, map(itemgetter(0), matches)),
                    strict=True,
                )
            )
        )
        found: list[tuple[int, bool, list[int]]] = []
        position = 0
        for number, pattern in pairs:  # ordered by text, a term (-1) first
            if number != position:
                if always:
                    found.extend((i - 1, False, always) for i in range(position + 1, number))
                found.append((number - 1, pattern < 0, [] if pattern < 0 else [pattern]))
                position = number
            elif pattern >= 0:
                found[-1][2].append(pattern)
        if always:
            found.extend((i - 1, False, always) for i in range(position + 1, len(texts) + 1))
            found = [(i, term, sorted({*always, *patterns})) for i, term, patterns in found]
        return found

    def _scan_one(self, text: str) -> tuple[bool, list[int]]:
        found_term = False
        patterns = set(self._always)
        if self._automaton is None:
            return found_term, sorted(patterns)
        lowered = text.lower()
        if self._apostrophes:
            lowered = lowered.replace(_APOSTROPHE, "'")
        for needle, _, _ in self._automaton.find_matches_as_indexes(lowered, overlapping=True):
            if needle < self._terms:
                found_term = True
            else:
                patterns.add(self._needle_patterns[needle - self._terms])
        return found_term, sorted(patterns)
