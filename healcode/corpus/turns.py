"""Find speaker turns: who speaks where in a transcript, and what its header says."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from healcode.errors import HealcodeError
from healcode.records import Role, Turn

# Who speaks in a paragraph that has no speaker marker (see read_turns).
Unmarked = Literal["auto", "participant", "interviewer", "header"]
UNMARKED: tuple[Unmarked, ...] = ("auto", "participant", "interviewer", "header")

# Markers are compared in simplified characters, case-folded, without a trailing number
# (Q1, 问2, P03), so 訪談者 is 访谈者 and INTERVIEWER is interviewer.
INTERVIEWER_MARKERS = frozenset(
    {
        "访谈者",
        "访谈人",
        "访问者",
        "问",
        "采访者",
        "主持人",
        "研究者",
        "访员",
        "q",
        "i",
        "interviewer",
        "moderator",
        "facilitator",
        "researcher",
    }
)
PARTICIPANT_MARKERS = frozenset(
    {
        "受访者",
        "受访人",
        "答",
        "被访者",
        "访谈对象",
        "a",
        "r",
        "p",
        "respondent",
        "interviewee",
        "participant",
    }
)
# Labels that name a field of the transcript, never a speaker: before the first turn
# they are header metadata; inside a turn they are text of that turn (标题：..., Note: ...).
FIELD_LABELS = frozenset(
    {
        "访谈编号",
        "访谈序号",
        "编号",
        "序号",
        "访谈时间",
        "访谈日期",
        "访谈地点",
        "访谈场地",
        "访谈方式",
        "访谈时长",
        "访谈主题",
        "访谈提纲",
        "受访者信息",
        "受访人信息",
        "受访者编号",
        "受访者基本信息",
        "基本信息",
        "个人信息",
        "日期",
        "时间",
        "地点",
        "场地",
        "时长",
        "录音时长",
        "录音编号",
        "文件名",
        "记录人",
        "记录者",
        "整理人",
        "整理者",
        "转录",
        "转录人",
        "转录者",
        "校对",
        "主题",
        "标题",
        "题目",
        "备注",
        "注",
        "说明",
        "附注",
        "链接",
        "网址",
        "来源",
        "出处",
        "项目",
        "性别",
        "年龄",
        "职业",
        "身份",
        "地区",
        "语言",
        "方言",
        "date",
        "time",
        "location",
        "place",
        "venue",
        "setting",
        "duration",
        "length",
        "participant id",
        "participant code",
        "respondent id",
        "interviewee id",
        "id",
        "interview id",
        "interview date",
        "interview location",
        "session",
        "study",
        "project",
        "title",
        "subject",
        "topic",
        "transcriber",
        "transcribed by",
        "transcript",
        "recorded",
        "recording",
        "file",
        "source",
        "note",
        "notes",
        "url",
        "link",
        "age",
        "gender",
        "sex",
        "occupation",
        "language",
        "mode",
        "format",
    }
)
# A label followed by one of these and a colon is a link, not a speaker (https://..., mailto:).
URI_SCHEMES = frozenset(
    {
        "http",
        "https",
        "ftp",
        "ftps",
        "sftp",
        "ssh",
        "git",
        "file",
        "mailto",
        "tel",
        "sms",
        "doi",
        "urn",
        "isbn",
        "data",
        "ws",
        "wss",
        "magnet",
        "news",
        "irc",
        "geo",
        "smb",
        "javascript",
        "about",
        "weixin",
        "zotero",
    }
)
# Traditional characters of the markers and field labels above, so that they are
# recognised in traditional transcripts without converting the text.
_SIMPLIFY = str.maketrans(
    "訪談問採員對編號時間點長題個錄記轉標備註說鏈網來處項別齡職業區語綱場",
    "访谈问采员对编号时间点长题个录记转标备注说链网来处项别龄职业区语纲场",
)

# [00:03:12], (0:01), （00:01:05.300）, 【12:30】 ... or a bare 00:03:12 / 3:12.
_CLOCK = r"\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2})?(?:[.,]\d{1,3})?"
_BRACKETED = rf"[\[(（【［]\s*{_CLOCK}\s*[\])）】］]"
_TIMESTAMP = rf"(?:{_BRACKETED}|\d{{1,2}}[:：]\d{{2}}(?:[:：]\d{{2}})?(?:[.,]\d{{1,3}})?(?=\s))"
_LABEL = r"[^\s:：,，。！？!?；;、“”\"‘’]{1,12}?|[A-Za-z][A-Za-z0-9 .'_-]{0,23}?"
_SPACE = r"[ \t\u3000]*"
MARKER = re.compile(
    rf"^{_SPACE}(?:{_TIMESTAMP}{_SPACE})?(?P<speaker>{_LABEL}){_SPACE}"
    rf"(?:{_BRACKETED}{_SPACE})?(?P<colon>[:：]){_SPACE}",
    re.M,
)
_TRAILING_NUMBER = re.compile(r"[\s\d]+$")
Match = re.Match[str]
Span = tuple[int, int]
_SENTENCE_END = re.compile(r"[。！？!?]")
_FIELD_VALUE_MAX = 60  # characters; a header field's value is short


@functools.lru_cache(maxsize=4096)
def _base(speaker: str) -> str:
    """The comparable form of a label: simplified, case-folded, trailing number removed."""
    simple = speaker.strip().translate(_SIMPLIFY).casefold()
    return _TRAILING_NUMBER.sub("", simple) or simple


def role_of(speaker: str, extra_interviewers: Iterable[str] = ()) -> Role:
    """Interviewer for the usual interviewer markers (and Q1, 问2 ...), else participant."""
    names = {_base(name) for name in extra_interviewers} | INTERVIEWER_MARKERS
    return "interviewer" if _base(speaker) in names else "participant"


def check_unmarked(unmarked: str) -> Unmarked:
    if unmarked not in UNMARKED:
        raise HealcodeError(f"unmarked={unmarked!r}: use one of {', '.join(UNMARKED)}")
    return unmarked


@dataclass(frozen=True, slots=True)
class TurnReading:
    """The turns of a transcript and what was not speech."""

    turns: list[Turn]
    # Header fields before the interview starts (访谈对象, 日期, Participant ID ...), label
    # as written -> value; the first of a repeated label is kept.
    header: dict[str, str] = field(default_factory=dict)
    dropped: int = 0  # non-space characters of header text that is neither a field nor speech
    characters: int = 0  # non-space characters of the whole text
    markers: tuple[str, ...] = ()  # the speaker labels that start turns, in order of appearance
    # How unmarked paragraphs after a turn were read: "continue" (part of the turn before
    # them) or the role they were given.
    unmarked: str = "continue"
    # Non-space characters of unmarked paragraphs that continue an interviewer's turn: in
    # a transcript that marks only the interviewer these may be the participant's speech.
    continued: int = 0

    @property
    def interviewer_only(self) -> bool:
        """Every turn marker is an interviewer's (a think-aloud or moderator-only transcript)."""
        return (
            bool(self.turns)
            and all(t.role == "interviewer" for t in self.turns if t.speaker)
            and any(t.speaker for t in self.turns)
        )


def find_turns(
    text: str, *, interviewers: Iterable[str] = (), unmarked: Unmarked = "auto"
) -> list[Turn]:
    """Split a transcript into turns (see ``read_turns``)."""
    return read_turns(text, interviewers=interviewers, unmarked=unmarked).turns


def read_turns(
    text: str, *, interviewers: Iterable[str] = (), unmarked: Unmarked = "auto"
) -> TurnReading:
    """Split a transcript into turns, and read its header.

    A turn starts at a line that begins with a speaker marker (optionally after a
    timestamp such as ``[00:03:12]``, ``00:01``, ``(0:01)``): a known marker (访谈者, 答, Q,
    訪談者, Moderator ...) always counts; another label (张阿姨, P03) counts when it starts
    at least two lines. A label needs a letter (``[0:1]`` is not a speaker), a link
    (``https://``, ``mailto:``) is never one, and neither is a field label (标题, 日期,
    Title, Date ...), which stays text of the turn it is in.

    Lines before the first turn are the header. Its ``label：value`` lines are header
    fields (recorded in ``header``), and so is a known marker there that never recurs
    while another marker takes the turns (``访谈对象：项目社工H（女，40岁）`` followed by
    访谈者/受访者 turns). ``unmarked`` says who speaks in paragraphs without a marker:

    - ``header``: the header's other lines are not coded, and an unmarked paragraph after
      a turn continues that turn;
    - ``participant`` / ``interviewer``: every unmarked paragraph (header lines that are
      not fields included) is that role's speech: it continues a turn of that role, and
      after a turn of the other role it starts a new turn with no speaker name;
    - ``auto``: as ``header``, except that in a transcript whose only markers are the
      interviewer's (a think-aloud study marking only ``Moderator:``), an unmarked
      paragraph after an interviewer's turn is the participant's.

    A marker alone on its line owns the next paragraph. A text with no markers at all
    is one turn per paragraph, the participant's (the interviewer's with ``unmarked=
    "interviewer"``), after any header fields at its top.
    """
    check_unmarked(unmarked)
    labels = _Labels(text, interviewers)
    # Known markers in the header that are fields (访谈对象：项目社工H（女，40岁）).
    fields_from_markers, first_turn = labels.marker_fields()
    markers = labels.speakers[first_turn:]
    characters = _count_visible(text, 0, len(text))

    if not markers:
        header, body_start = labels.leading_fields()
        unmarked_role: Role = "interviewer" if unmarked == "interviewer" else "participant"
        paragraphs = line_spans(text, body_start, len(text))
        return TurnReading(
            [Turn("", unmarked_role, s, e) for s, e in paragraphs], header, 0, characters
        )

    header, speech_lines = labels.header(markers[0].start(), fields_from_markers)
    turns: list[Turn] = []
    dropped = 0
    if unmarked == "participant" or unmarked == "interviewer":
        turns.extend(Turn("", unmarked, s, e) for s, e in speech_lines)
    else:
        dropped = sum(_count_visible(text, s, e) for s, e in speech_lines)

    names = tuple(dict.fromkeys(m["speaker"].strip() for m in markers))
    roles = [labels.role(m) for m in markers]
    one_sided = "participant" not in roles  # only the interviewer is marked
    split_role: Role | None = None
    if unmarked == "participant" or unmarked == "interviewer":
        split_role = unmarked
    elif unmarked == "auto" and one_sided:
        split_role = "participant"  # a think-aloud or moderator-only transcript
    continued = 0
    shared = {name: name for name in names}  # one string per speaker, not one per turn
    for here, after, speaker_role in zip(markers, [*markers[1:], None], roles, strict=True):
        limit = after.start() if after is not None else len(text)
        speaker = shared[here["speaker"].strip()]
        if split_role is None or speaker_role == split_role:
            end = trim_end(text, here.end(), limit)
            turns.append(Turn(speaker, speaker_role, here.end(), end))
            if one_sided:
                continued += _continued(text, here.end(), end)
            continue
        own_end = _first_paragraph_end(text, here.end(), limit)
        turns.append(Turn(speaker, speaker_role, here.end(), trim_end(text, here.end(), own_end)))
        rest = _trimmed_span(text, own_end, limit)
        if rest is not None:
            turns.append(Turn("", split_role, *rest))
    turns.sort(key=lambda t: t.start)
    return TurnReading(
        turns,
        header,
        dropped,
        characters,
        names,
        "continue" if split_role is None else split_role,
        continued,
    )


class _Labels:
    """The ``label：`` line starts of a text, and what each label is: a speaker marker, a
    header field, or neither."""

    def __init__(self, text: str, interviewers: Iterable[str]) -> None:
        self.text = text
        self.interviewer_names = INTERVIEWER_MARKERS | {_base(n) for n in interviewers}
        known = self.interviewer_names | PARTICIPANT_MARKERS
        self.candidates = [m for m in MARKER.finditer(text) if _is_label(text, m)]
        # one int per line start, shared by the tables below (a long transcript has a
        # million labels)
        starts = [m.start() for m in self.candidates]
        self.by_line = dict(zip(starts, self.candidates, strict=True))
        self.bases = dict(zip(starts, (_base(m["speaker"]) for m in self.candidates), strict=True))
        self.counts = Counter(self.bases.values())
        speakers = [
            (start, m)
            for start, m in self.by_line.items()
            if (base := self.bases[start]) in known
            or (self.counts[base] >= 2 and base not in FIELD_LABELS)
        ]
        self.speakers = [m for _, m in speakers]
        self.index = {start: i for i, (start, _) in enumerate(speakers)}

    def base(self, m: Match) -> str:
        return self.bases[m.start()]

    def role(self, m: Match) -> Role:
        return "interviewer" if self.base(m) in self.interviewer_names else "participant"

    def value(self, m: Match) -> str:
        end = self.text.find("\n", m.end())
        return self.text[m.end() : end if end >= 0 else len(self.text)].strip()

    def is_field(self, m: Match) -> bool:
        """A ``label：value`` line of a header: a field label, or a label that starts no
        other line whose value is short and not a sentence."""
        base = self.base(m)
        return base in FIELD_LABELS or (self.counts[base] == 1 and _looks_like_field(self.value(m)))

    def marker_fields(self) -> tuple[set[int], int]:
        """Known markers before the first turn that are header fields (their line
        starts), and the index in ``speakers`` of the first turn."""
        if not self.speakers:
            return set(), 0
        fields: set[int] = set()
        after_field = False
        for start, stop in _lines(self.text):
            if not self.text[start:stop].strip():
                continue
            m = self.by_line.get(start)
            if m is None:
                after_field = False
                continue
            position = self.index.get(start)
            if position is None:
                after_field = self.is_field(m)
                continue
            if not (
                self.is_marker_field(m, self.speakers[position + 1 :])
                or (
                    after_field
                    and _looks_like_field(self.value(m))
                    and self.field_or_blank_follows(stop)
                )
            ):
                return fields, position
            fields.add(start)
            after_field = True
        return fields, len(self.speakers)

    def is_marker_field(self, m: Match, later: list[Match]) -> bool:
        """A known marker in the header that is a field: it never recurs, its value is
        short and not a sentence, and the turns are taken by others — another marker of
        its role answers (or asks), or the other role speaks at least twice (a header line
        naming the participant of a transcript that marks only the moderator)."""
        base = self.base(m)
        if self.counts[base] != 1 or not _looks_like_field(self.value(m)):
            return False
        own = self.role(m)
        if any(self.role(o) == own and self.base(o) != base for o in later):
            return True
        return sum(self.role(o) != own for o in later) >= 2

    def field_or_blank_follows(self, stop: int) -> bool:
        """The line after the one ending at ``stop`` is blank or a header field that is
        not a speaker's (``Interviewer: J. Chen`` among header fields)."""
        text = self.text
        if stop >= len(text):
            return False
        end = text.find("\n", stop + 1)
        if not text[stop + 1 : end if end >= 0 else len(text)].strip():
            return True
        m = self.by_line.get(stop + 1)
        return m is not None and stop + 1 not in self.index and self.is_field(m)

    def header(self, end: int, marker_fields: set[int]) -> tuple[dict[str, str], list[Span]]:
        """Header fields before ``end``, and the spans of its other (non-blank) lines."""
        header: dict[str, str] = {}
        others = []
        for start, stop in _lines(self.text, 0, end):
            m = self.by_line.get(start)
            if m is not None and (start in marker_fields or self.is_field(m)):
                header.setdefault(m["speaker"].strip(), self.value(m))
                continue
            span = _trimmed_span(self.text, start, stop)
            if span is not None:
                others.append(span)
        return header, others

    def leading_fields(self) -> tuple[dict[str, str], int]:
        """Header fields at the top of a text without turns, and where the rest begins:
        a run of ``label：value`` lines with a field label among them, or at least two of
        them (a single ``关于未来：我希望…`` opening an answer stays text)."""
        header: dict[str, str] = {}
        body = 0
        lines = 0
        named = False
        for start, stop in _lines(self.text):
            if not self.text[start:stop].strip():
                continue
            m = self.by_line.get(start)
            if m is None or not self.is_field(m):
                break
            header.setdefault(m["speaker"].strip(), self.value(m))
            body = stop
            lines += 1
            named = named or self.base(m) in FIELD_LABELS
        if lines < 2 and not named:
            return {}, 0
        return header, body


@functools.lru_cache(maxsize=4096)
def _has_letter(label: str) -> bool:
    return any(c.isalpha() for c in label)


def _is_label(text: str, m: Match) -> bool:
    """A speaker label has a letter, and is not a link's scheme (https://, mailto:x)."""
    label = m["speaker"]
    if not _has_letter(label):
        return False
    colon = m.start("colon")
    if text[colon] != ":":
        return True
    label = label.strip()
    following = text[colon + 1 : colon + 2]
    if following in ("/", "\\"):
        return False
    return not (label.casefold() in URI_SCHEMES and following not in ("", " ", "\t", "\n"))


def _looks_like_field(value: str) -> bool:
    """Short, and not a sentence: 项目社工H（女，40岁）, 2019年5月, P07."""
    return len(value) <= _FIELD_VALUE_MAX and not _SENTENCE_END.search(value)


def _lines(text: str, start: int = 0, end: int | None = None) -> Iterator[Span]:
    """(start, end) of every line of text[start:end], blank ones included."""
    end = len(text) if end is None else end
    position = start
    while position < end:
        stop = text.find("\n", position, end)
        stop = end if stop < 0 else stop
        yield position, stop
        position = stop + 1


def _first_paragraph_end(text: str, start: int, limit: int) -> int:
    """End of the first non-blank line from ``start`` (a marker alone on its line owns the
    next paragraph)."""
    position = start
    while position < limit and text[position].isspace():
        position += 1
    if position >= limit:
        return limit
    stop = text.find("\n", position, limit)
    return limit if stop < 0 else stop


def _continued(text: str, start: int, end: int) -> int:
    """Visible characters after the first paragraph of a turn."""
    own_end = _first_paragraph_end(text, start, end)
    return _count_visible(text, own_end, end) if own_end < end else 0


def _trimmed_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    end = trim_end(text, start, end)
    return (start, end) if start < end else None


def _count_visible(text: str, start: int, end: int) -> int:
    piece = text[start:end]
    return len(piece) - sum(piece.count(c) for c in " \t\n\u3000")


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
