"""Find speaker turns: who speaks where in a transcript."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from healcode.records import Role, Turn

INTERVIEWER_MARKERS = frozenset(
    {"访谈者", "问", "采访者", "主持人", "q", "i", "interviewer", "moderator"}
)
PARTICIPANT_MARKERS = frozenset(
    {"受访者", "答", "被访者", "访谈对象", "a", "r", "respondent", "interviewee", "participant"}
)

_TIMESTAMP = r"(?:[\[(（【]\s*\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*[\])）】]|\d{1,2}:\d{2}:\d{2})"
_LABEL = r"[^\s:：,，。！？!?；;、“”\"‘’]{1,12}?|[A-Za-z][A-Za-z0-9 .'_-]{0,23}?"
_SPACE = r"[ \t\u3000]*"
MARKER = re.compile(
    rf"^{_SPACE}(?:{_TIMESTAMP}{_SPACE})?(?P<speaker>{_LABEL}){_SPACE}[:：]{_SPACE}", re.M
)
_TRAILING_NUMBER = re.compile(r"[\s\d]+$")


def role_of(speaker: str, extra_interviewers: Iterable[str] = ()) -> Role:
    """Interviewer for the usual interviewer markers (and Q1, 问2 ...), else participant."""
    names = {_base(name) for name in extra_interviewers} | INTERVIEWER_MARKERS
    return "interviewer" if _base(speaker) in names else "participant"


def _base(speaker: str) -> str:
    return _TRAILING_NUMBER.sub("", speaker.strip()).casefold() or speaker.casefold()


def find_turns(text: str, *, interviewers: Iterable[str] = ()) -> list[Turn]:
    """Split a transcript into turns.

    A turn starts at a line that begins with a speaker marker (optionally after a
    timestamp); a line without one continues the previous turn, and text before the
    first marker is a header that belongs to no turn. A known marker (访谈者, 答, Q, ...)
    always counts; any other label (张阿姨, P03) counts when it starts at least two lines,
    so that a header line like ``日期：2019年5月`` is not taken for a speaker. A text with
    no markers at all is one participant turn per paragraph.
    """
    extra = tuple(interviewers)
    known = INTERVIEWER_MARKERS | PARTICIPANT_MARKERS | {_base(n) for n in extra}
    candidates = list(MARKER.finditer(text))
    counts = Counter(m["speaker"].strip() for m in candidates)
    markers = [
        m
        for m in candidates
        if _base(m["speaker"]) in known
        or (counts[m["speaker"].strip()] >= 2 and not m["speaker"].strip().isdigit())
    ]
    if not markers:
        return [
            Turn("", "participant", start, end) for start, end in line_spans(text, 0, len(text))
        ]
    turns = []
    for here, after in zip(markers, [*markers[1:], None], strict=True):
        limit = after.start() if after is not None else len(text)
        end = trim_end(text, here.end(), limit)
        speaker = here["speaker"].strip()
        turns.append(Turn(speaker, role_of(speaker, extra), here.end(), end))
    return turns


def trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line in text[start:end], whitespace trimmed."""
    spans = []
    for match in re.finditer(r"[^\n]+", text[start:end]):
        left, right = start + match.start(), start + match.end()
        while left < right and text[left].isspace():
            left += 1
        right = trim_end(text, left, right)
        if left < right:
            spans.append((left, right))
    return spans
