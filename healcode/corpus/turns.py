"""Find speaker turns: who speaks where in a transcript, and what its header says."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from healcode.errors import HealcodeError
from healcode.records import Role, Turn

# Who speaks in a paragraph that has no speaker marker (see read_turns).
Unmarked = Literal["auto", "participant", "interviewer", "header"]
UNMARKED: tuple[Unmarked, ...] = ("auto", "participant", "interviewer", "header")

# What a transcript leaves undecided about who speaks: no speaker label at all; only
# known participant markers, with unmarked lines between them that continue the answers
# or (``auto`` finding questions there) that were read as questions by guess; one label
# that is no known marker (a named moderator, or a named participant); several labels and
# none known to be the interviewer's (Speaker 1, Speaker 2).
Doubt = Literal["", "no-labels", "answers-only", "questions-guessed", "one-label", "no-interviewer"]

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
    "訪談問採員對編號時間點長題個錄記轉標備註說鏈網來處項別齡職業區語綱場"
    "講們媽爺親鄰醫師領導護兒婦閨頭訴總經還罵勸嘮叨應覺會發話聽",
    "访谈问采员对编号时间点长题个录记转标备注说链网来处项别龄职业区语纲场"
    "讲们妈爷亲邻医师领导护儿妇闺头诉总经还骂劝唠叨应觉会发话听",
)

# Reported speech at a line start is text, never a speaker label: a pronoun or a word for
# a person (她, 我们, 人家, 老伴, 我妈, 孩子他爸, 张阿姨 ...), perhaps an adverb (就, 也, 总是,
# 跟我 ...), and a verb of saying (说, 讲, 问, 告诉我 ...): 她说：我很孤独。 Compared in
# simplified characters, case-folded.
_PRONOUN = r"(?:我|你|您|他|她|它|咱|俺)们?"
_PERSON = (
    r"(?:人家|大家|别人|有人|旁人|对方|外人|那人|这人|家里人|家人|老伴儿?|老公|老婆|"
    r"丈夫|妻子|爱人|对象|媳妇儿?|儿媳妇?|女婿|孩子|儿子|女儿|闺女|孙子|孙女|外孙女?|"
    r"老?妈妈?|老?爸爸?|母亲|父亲|娘|爹|老头子?|老太太?|老太婆|婆婆|公公|岳母|岳父|"
    r"丈母娘|奶奶|爷爷|姥姥|姥爷|外婆|外公|哥哥?|姐姐?|弟弟?|妹妹?|大姐|大哥|嫂子|"
    r"姐夫|亲戚|邻居|街坊|朋友|同事|同学|领导|医生|大夫|护士|老师|社工|志愿者|干部)们?"
)
# a name with a title or kinship word: 张阿姨, 刘姐, 王医生, 老李头
_TITLED = (
    r"(?:小|老|阿)?[\u4e00-\u9fff]{1,2}?(?:阿姨|大姐|大哥|大爷|大妈|大娘|姐|哥|姨|叔|伯|婶|"
    r"奶奶|爷爷|老师|医生|大夫|主任|书记|社工|师傅|老板|头)"
)
_SAYING_ADVERB = (
    r"(?:就|也|还|又|都|便|才|却|总|总是|老是|常|常常|经常|一直|一般|当时|后来|马上|"
    r"只|就是|也是|还是|(?:跟|对|和|同|冲|给)(?:我|你|您|他|她|人家|别人)们?)"
)
_SAYING = (
    r"(?:说|讲|问|道|说道|讲道|问道|答道|回答|回|答|告诉|劝|骂|喊|叫|嚷|吼|念叨|唠叨|"
    r"嘀咕|安慰|解释|来了?一?句)"
)
_REPORTED_SPEECH = re.compile(
    rf"(?:{_PRONOUN}|{_PERSON}|{_TITLED})(?:的?(?:{_PRONOUN}|{_PERSON})){{0,2}}"
    rf"{_SAYING_ADVERB}{{0,3}}"
    rf"{_SAYING}(?:了|过|着)?(?:{_PRONOUN}|人家|大家)?(?:说)?"
    r"|(?:i|you|he|she|we|they|(?:my|his|her|our|their|the) [a-z]+|mum|mom|dad)"
    r" (?:said|says|say|asked|asks|ask|told (?:me|him|her|us|them)|replied|goes|went"
    r"|was like|is like)"
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
# A line that is only a speaker and a timestamp, the speech on the lines after it, as
# transcription services write it: Otter.ai (``Speaker 1  0:03``, ``Jane Doe  1:02:03``),
# iFlytek 讯飞听见 and Feishu Minutes (``说话人1 00:05``, ``访谈者 00:05``).
_STAMP_LABEL = (
    r"[^\s:：,，。！？!?；;、“”\"‘’\[\]()（）【】［］]{1,12}?(?:[ \t]\d{1,3})?"
    r"|[A-Za-z][A-Za-z0-9 .'_-]{0,23}?"
)
_BARE_CLOCK = r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:[.,]\d{1,3})?"  # 0:03, 00:05, 1:02:03
STAMP_LINE = re.compile(
    rf"^{_SPACE}(?P<speaker>{_STAMP_LABEL})"
    rf"(?:{_SPACE}{_BRACKETED}|[ \t\u3000]+{_BARE_CLOCK}){_SPACE}$",
    re.M,
)
# A text may have such lines only if some line ends with a clock.
_ENDS_WITH_CLOCK = re.compile(r"\d[:：]\d\d[\])）】］]?[ \t\u3000]*$", re.M)
# A label that is a date or a time of day, not a speaker: 2024年3月5日 14:30, 周三 9:00.
_DATE_LABEL = re.compile(r"\d{4}|\d\s*[年月日号/.-]|^(?:星期|周|礼拜)[一二三四五六日天]$")
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
    """Interviewer for the usual interviewer markers (and Q1, 问2 ...) and the names in
    ``extra_interviewers`` (one given with a number, ``Speaker 1``, is that speaker
    only), else participant."""
    if _base(speaker) in INTERVIEWER_MARKERS:
        return "interviewer"
    for name in extra_interviewers:
        if (
            _exact(name) == _exact(speaker)
            if _NUMBERED.search(name)
            else _base(name) == _base(speaker)
        ):
            return "interviewer"
    return "participant"


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
    # Non-space characters of unmarked paragraphs that continue a turn in a transcript
    # that marks one side only (the interviewer, the answers, or one unknown label): they
    # may be the other side's speech.
    continued: int = 0
    # What the transcript leaves undecided about who speaks (``Doubt``), for a warning.
    doubt: Doubt = ""
    # Answers whose unmarked lines after them were read by guess (questions-guessed).
    guessed: int = 0

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
    Title, Date ...) or reported speech (她说, 我就说, 老伴问我), which stay text of the
    turn they are in. A line that is only a speaker and a timestamp (``Speaker 1  0:03``,
    ``说话人1 00:05``, as transcription services write them) starts a turn whose speech
    is on the lines after it; the timestamp is part of neither.

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
      paragraph after an interviewer's turn is the participant's; and in one whose only
      markers are known participant markers (受访者, 答, A, P03) with unmarked lines
      before the answers that ask (at least two, and at least half, end with ？ or ?),
      the last unmarked line before each answer (the first one in the header too) is the
      interviewer's, and lines before it continue the answer before them.

    A marker alone on its line owns the next paragraph. A text with no markers at all
    is one turn per paragraph, the participant's (the interviewer's with ``unmarked=
    "interviewer"``), after any header fields at its top. What stays undecided about
    who speaks is ``doubt``, for a warning.
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
        doubt: Doubt = "no-labels" if paragraphs and unmarked in ("auto", "header") else ""
        return TurnReading(
            [Turn("", unmarked_role, s, e) for s, e in paragraphs],
            header,
            0,
            characters,
            doubt=doubt,
        )

    header, speech_lines = labels.header(markers[0].start(), fields_from_markers)
    names = tuple(dict.fromkeys(m["speaker"].strip() for m in markers))
    roles = [labels.role(m) for m in markers]
    limits = [after.start() for after in markers[1:]] + [len(text)]
    starts = [_speech_start(text, m, limit) for m, limit in zip(markers, limits, strict=True)]
    one_sided = "participant" not in roles  # only the interviewer is marked
    # only the participant is marked, with known markers (受访者, 答, A, P03 ...)
    answers_only = "interviewer" not in roles and all(
        labels.base(m) in PARTICIPANT_MARKERS for m in markers
    )
    one_label = len(names) == 1 and "interviewer" not in roles and not answers_only
    split_role: Role | None = None
    if unmarked == "participant" or unmarked == "interviewer":
        split_role = unmarked
    elif unmarked == "auto" and one_sided:
        split_role = "participant"  # a think-aloud or moderator-only transcript
    # the first question, an unmarked line just before the first answer
    first_question = (
        speech_lines[-1]
        if speech_lines and not text[speech_lines[-1][1] : markers[0].start()].strip()
        else None
    )
    asking = (
        unmarked == "auto"
        and answers_only
        and _questions_between(text, starts, limits, first_question)
    )

    turns: list[Turn] = []
    dropped = 0
    if unmarked == "participant" or unmarked == "interviewer":
        turns.extend(Turn("", unmarked, s, e) for s, e in speech_lines)
    else:
        if asking and first_question is not None:
            turns.append(Turn("", "interviewer", *first_question))
            speech_lines = speech_lines[:-1]
        dropped = sum(_count_visible(text, s, e) for s, e in speech_lines)

    continued = 0
    guessed = 0  # answers whose unmarked lines after them are not one question
    shared = {name: name for name in names}  # one string per speaker, not one per turn
    for here, start, limit, speaker_role in zip(markers, starts, limits, roles, strict=True):
        speaker = shared[here["speaker"].strip()]
        if asking:
            own_end = _first_paragraph_end(text, start, limit)
            gap = _trimmed_span(text, own_end, limit)
            last = None if gap is None else _last_line(text, *gap)
            if gap is None or last is None or (limit == len(text) and not _asks(text, last)):
                turns.append(Turn(speaker, speaker_role, start, trim_end(text, start, limit)))
                continue
            # the last unmarked line before an answer asks it; lines before it continue
            # the answer before them
            turns.append(Turn(speaker, speaker_role, start, trim_end(text, start, last[0])))
            turns.append(Turn("", "interviewer", *last))
            guessed += last[0] > gap[0] or not _asks(text, last)
            continue
        if split_role is None or speaker_role == split_role:
            end = trim_end(text, start, limit)
            turns.append(Turn(speaker, speaker_role, start, end))
            if one_sided or answers_only or one_label:
                continued += _continued(text, start, end)
            continue
        own_end = _first_paragraph_end(text, start, limit)
        turns.append(Turn(speaker, speaker_role, start, trim_end(text, start, own_end)))
        rest = _trimmed_span(text, own_end, limit)
        if rest is not None:
            turns.append(Turn("", split_role, *rest))
    turns.sort(key=lambda t: t.start)

    doubt = ""
    if asking:
        doubt = "questions-guessed" if guessed else ""
    elif answers_only and split_role is None and continued:
        doubt = "answers-only"
    elif one_label and (continued or dropped):
        doubt = "one-label"
    elif "interviewer" not in roles and len(names) >= 2 and not answers_only:
        doubt = "no-interviewer"
    return TurnReading(
        turns,
        header,
        dropped,
        characters,
        names,
        "continue" if split_role is None else split_role,
        continued,
        doubt,
        guessed,
    )


def _speech_start(text: str, m: Match, limit: int) -> int:
    """Where a turn's speech starts: after its marker, or on the line after a speaker-and-
    timestamp line."""
    if m.re is not STAMP_LINE:
        return m.end()
    position = m.end()
    while position < limit and text[position].isspace():
        position += 1
    return position


_QUESTION_END = re.compile(r"[？?][”’」』）)】》\"'\s]*$")


def _asks(text: str, span: Span) -> bool:
    """A line that ends with a question mark."""
    return _QUESTION_END.search(text, span[0], span[1]) is not None


def _last_line(text: str, start: int, end: int) -> Span | None:
    """The last non-blank line of text[start:end], whitespace trimmed."""
    newline = text.rfind("\n", start, end)
    return _trimmed_span(text, newline + 1 if newline >= 0 else start, end)


def _questions_between(
    text: str, starts: list[int], limits: list[int], first_question: Span | None
) -> bool:
    """In a transcript that marks only the answers: whether the unmarked lines before
    them ask (at least two of them, and at least half, end with a question mark)."""
    before = [] if first_question is None else [_asks(text, first_question)]
    for start, limit in zip(starts[:-1], limits[:-1], strict=True):
        gap = _trimmed_span(text, _first_paragraph_end(text, start, limit), limit)
        last = None if gap is None else _last_line(text, *gap)
        if last is not None:
            before.append(_asks(text, last))
    asked = sum(before)
    return asked >= 2 and asked * 2 >= len(before)


class _Labels:
    """The ``label：`` line starts of a text, and what each label is: a speaker marker, a
    header field, or neither."""

    def __init__(self, text: str, interviewers: Iterable[str]) -> None:
        self.text = text
        names = [n for n in interviewers if n.strip()]
        # A name given with a number (Speaker 1, 说话人2) is that speaker only; another
        # also matches when numbered (小陈 is 小陈2), as the markers do (Q1, 问2).
        self.interviewer_exact = {_exact(n) for n in names if _NUMBERED.search(n)}
        self.interviewer_names = INTERVIEWER_MARKERS | {
            _base(n) for n in names if not _NUMBERED.search(n)
        }
        known = self.interviewer_names | PARTICIPANT_MARKERS
        self.candidates = [m for m in MARKER.finditer(text) if _is_label(text, m)]
        stamps = _stamp_lines(text) if _ENDS_WITH_CLOCK.search(text) else []
        stamped = {m.start() for m in stamps}
        if stamps:  # a speaker-and-timestamp line is that, not a label ending in 0:03
            self.candidates = sorted(
                [*(m for m in self.candidates if m.start() not in stamped), *stamps],
                key=lambda m: m.start(),
            )
        # one int per line start, shared by the tables below (a long transcript has a
        # million labels)
        starts = [m.start() for m in self.candidates]
        self.by_line = dict(zip(starts, self.candidates, strict=True))
        self.bases = dict(zip(starts, (_base(m["speaker"]) for m in self.candidates), strict=True))
        self.counts = Counter(self.bases.values())

        exact = self.interviewer_exact
        speakers = [
            (start, m)
            for start, m in self.by_line.items()
            if (base := self.bases[start]) in known
            or (
                self.counts[base] >= 2
                and base not in FIELD_LABELS
                and (not stamps or m.re is not STAMP_LINE or self.stamp_speaks(m))
            )
            or (exact and _exact(m["speaker"]) in exact)
        ]
        if stamps:
            speakers = self.one_off_stamps(speakers, stamps)
        self.speakers = [m for _, m in speakers]
        self.index = {start: i for i, (start, _) in enumerate(speakers)}

    def stamp_speaks(self, m: Match) -> bool:
        """A speaker-and-timestamp line of a label that recurs is a turn when the label
        is written as a name and speech follows (not ``We met at 10:30``)."""
        return _name_like(m["speaker"]) and _speech_follows(self.text, m, self.by_line)

    def one_off_stamps(
        self, speakers: list[tuple[int, Match]], stamps: list[Match]
    ) -> list[tuple[int, Match]]:
        """Once a text has taken turns with speaker-and-timestamp lines, such a line of a
        speaker who speaks once is a turn too, when it stands as they do: after a blank
        line, with its speech on the next line."""
        taken = [start for start, m in speakers if m.re is STAMP_LINE]
        if len(taken) < 2:
            return speakers
        seen = {start for start, _ in speakers}
        more = [
            (m.start(), m)
            for m in stamps
            if m.start() > taken[0]
            and m.start() not in seen
            and self.bases[m.start()] not in FIELD_LABELS
            and _name_like(m["speaker"])
            and _stands_alone(self.text, m, self.by_line)
        ]
        return sorted([*speakers, *more], key=lambda pair: pair[0]) if more else speakers

    def base(self, m: Match) -> str:
        return self.bases[m.start()]

    def role(self, m: Match) -> Role:
        if self.base(m) in self.interviewer_names:
            return "interviewer"
        if self.interviewer_exact and _exact(m["speaker"]) in self.interviewer_exact:
            return "interviewer"
        return "participant"

    def value(self, m: Match) -> str:
        end = self.text.find("\n", m.end())
        return self.text[m.end() : end if end >= 0 else len(self.text)].strip()

    def is_field(self, m: Match) -> bool:
        """A ``label：value`` line of a header: a field label, or a label that starts no
        other line whose value is short and not a sentence."""
        if m.re is STAMP_LINE:  # a speaker and a timestamp: never a field
            return False
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
            if m.re is STAMP_LINE or not (
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
    """A speaker label has a letter, is not reported speech (她说：, I said:), and its colon
    is not a link's scheme (https://, mailto:x) nor a clock's (``Speaker 1  0:03``)."""
    label = m["speaker"]
    if not _has_letter(label) or _is_reported_speech(_base(label)):
        return False
    colon = m.start("colon")
    if label[-1].isdigit() and _CLOCK_END.search(label) and text[colon + 1 : colon + 3].isdigit():
        return False
    if text[colon] != ":":
        return True
    label = label.strip()
    following = text[colon + 1 : colon + 2]
    if following in ("/", "\\"):
        return False
    return not (label.casefold() in URI_SCHEMES and following not in ("", " ", "\t", "\n"))


_CLOCK_END = re.compile(r"\s\d{1,2}$")  # Speaker 1  0|:03: the hour of a clock
_NUMBERED = re.compile(r"\d\s*$")


@functools.lru_cache(maxsize=4096)
def _is_reported_speech(base: str) -> bool:
    """她说, 我就说, 人家讲, 老伴问我, she said: someone's words quoted, not a speaker."""
    return _REPORTED_SPEECH.fullmatch(base) is not None


@functools.lru_cache(maxsize=4096)
def _exact(speaker: str) -> str:
    """A label as written, simplified and case-folded, without spaces (Speaker 1 is
    speaker1): how a name given with a number is compared."""
    return "".join(speaker.translate(_SIMPLIFY).casefold().split())


def _stamp_lines(text: str) -> list[Match]:
    """The speaker-and-timestamp lines of a text whose label may be a speaker's: it has a
    letter, and is neither a date nor reported speech."""
    return [
        m
        for m in STAMP_LINE.finditer(text)
        if _has_letter(label := m["speaker"])
        and not _DATE_LABEL.search(label)
        and not _is_reported_speech(_base(label))
    ]


@functools.lru_cache(maxsize=4096)
def _name_like(label: str) -> bool:
    """A label written as a name: Chinese (说话人1, 张阿姨), or English words that each
    start with a capital or are numbers (Speaker 1, Jane Doe, Dr. Smith), at most four;
    not a line of speech that ends with a time (We met at 10:30)."""
    words = label.split()
    if not words or not words[0][:1].isascii():
        return True
    return len(words) <= 4 and all(w[:1].isupper() or w.isdigit() for w in words)


def _stands_alone(text: str, m: Match, labelled: Mapping[int, Match]) -> bool:
    """A speaker-and-timestamp line after a blank line (or at the start), with speech on
    the next line."""
    start = m.start()
    before = text.rfind("\n", 0, max(start - 1, 0))
    if start > 0 and text[before + 1 : start - 1].strip():
        return False
    return _speech_follows(text, m, labelled)


def _speech_follows(text: str, m: Match, labelled: Mapping[int, Match]) -> bool:
    """The line after a speaker-and-timestamp line has text, and is not a label's line
    (``labelled``: the line starts of the text's labels)."""
    following = m.end() + 1
    if following >= len(text) or following in labelled:
        return False
    stop = text.find("\n", following)
    return bool(text[following : stop if stop >= 0 else len(text)].strip())


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
