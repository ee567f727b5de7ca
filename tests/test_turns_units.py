"""Speaker turns and units: markers, roles, scope, sentence splitting, exact offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healcode.coding import CodingOptions
from healcode.corpus import find_turns, split_units
from healcode.corpus.text import normalise_text
from healcode.records import Document


def _doc(text: str) -> Document:
    return Document("d", text, "d.txt", "utf-8", "0" * 64)


def _turns(text: str, **kwargs):
    return [(t.speaker, t.role, text[t.start : t.end]) for t in find_turns(text, **kwargs)]


@pytest.mark.parametrize(
    ("line", "speaker", "role"),
    [
        ("访谈者：您好", "访谈者", "interviewer"),
        ("受访者：您好", "受访者", "participant"),
        ("问：您好", "问", "interviewer"),
        ("答:您好", "答", "participant"),
        ("Q: 您好", "Q", "interviewer"),
        ("A: 您好", "A", "participant"),
        ("I: 您好", "I", "interviewer"),
        ("R：您好", "R", "participant"),
        ("Interviewer: 您好", "Interviewer", "interviewer"),
        ("主持人：您好", "主持人", "interviewer"),
        ("采访者：您好", "采访者", "interviewer"),
        ("Q1：您好", "Q1", "interviewer"),
        ("[00:03:12] 访谈者：您好", "访谈者", "interviewer"),
        ("00:03:12 受访者：您好", "受访者", "participant"),
    ],
)
def test_known_markers_and_their_roles(line: str, speaker: str, role: str):
    assert _turns(line) == [(speaker, role, "您好")]


def test_named_speakers_header_and_continuation_paragraphs():
    text = (
        "访谈编号：P03\n日期：2019年5月\n\n"
        "[00:00:05] 访谈者：张阿姨，最近好吗？\n"
        "[00:00:09] 张阿姨：还行吧。\n第二段也是她说的。\n\n"
        "访谈者：那就好。\n"
        "张阿姨：嗯。\n"
    )
    assert _turns(text) == [
        ("访谈者", "interviewer", "张阿姨，最近好吗？"),
        ("张阿姨", "participant", "还行吧。\n第二段也是她说的。"),
        ("访谈者", "interviewer", "那就好。"),
        ("张阿姨", "participant", "嗯。"),
    ]


def test_codes_like_p03_and_extra_interviewer_names():
    text = "I: 你好\nP03: 好\nI: 再见\nP03: 再见\n"
    assert [s for s, _, _ in _turns(text)] == ["I", "P03", "I", "P03"]
    text = "小李：你好\n王姨：好\n小李：嗯\n王姨：嗯\n"
    assert [r for _, r, _ in _turns(text, interviewers=["小李"])] == [
        "interviewer",
        "participant",
        "interviewer",
        "participant",
    ]


def test_text_without_markers_is_one_participant_turn_per_paragraph():
    text = "第一段话。\n\n  第二段：有冒号但不是说话人。\n"
    assert _turns(text) == [
        ("", "participant", "第一段话。"),
        ("", "participant", "第二段：有冒号但不是说话人。"),
    ]


SAMPLE = "访谈者：您觉得呢？\n受访者：我不知道……“真的。”后来好多了！还有；\n第二行 OK. Next one\n"


@pytest.mark.parametrize(
    ("unit", "texts"),
    [
        (
            "sentence",
            [
                "您觉得呢？",
                "我不知道……",
                "“真的。”",
                "后来好多了！",
                "还有；",
                "第二行 OK.",
                "Next one",
            ],
        ),
        (
            "paragraph",
            ["您觉得呢？", "我不知道……“真的。”后来好多了！还有；", "第二行 OK. Next one"],
        ),
        ("turn", ["您觉得呢？", "我不知道……“真的。”后来好多了！还有；\n第二行 OK. Next one"]),
    ],
)
def test_unit_kinds(unit: str, texts: list[str]):
    document = _doc(SAMPLE)
    units = split_units(
        document,
        find_turns(SAMPLE),
        unit=unit,  # type: ignore[arg-type]
        in_scope=CodingOptions().in_scope,
    )
    assert [u.text for u in units] == texts
    assert [u.index for u in units] == list(range(len(texts)))
    assert units[0].role == "interviewer" and not units[0].in_scope
    assert all(u.in_scope for u in units[1:])


def test_speaker_scope_options():
    turns = find_turns(SAMPLE)
    everyone = CodingOptions(speakers="all")
    named = CodingOptions(speakers=("访谈者",))
    assert all(everyone.in_scope(t) for t in turns)
    assert [named.in_scope(t) for t in turns] == [True, False]


# Generated transcripts: markers, timestamps, links and URL lines, labels, header fields,
# punctuation, blank lines, emoji, zero-width characters (U+200B, U+200D, U+FEFF inside
# the text), combining marks, CR, LF and CRLF line ends (normalised as the readers do).
_pieces = st.sampled_from(
    [
        "访谈者：",
        "受访者：",
        "张阿姨：",
        "Q: ",
        "A: ",
        "[00:01:02] 答：",
        "00:01 ",
        "[0:1] ",
        "(00:01) ",
        "訪談者：",
        "Moderator: ",
        "https://example.org/x",
        "标题：",
        "日期：2019年",
        "访谈对象：",
        "\n",
        "\n\n",
        "。",
        "！",
        "？”",
        "……",
        "；",
        " ",
        "\u3000",
        "希望",
        "没有盼头",
        "同命人",
        "我们",
        "Hello. ",
        "😊",
        "𠀀",
        "暖心家園",
        ":",
        "：",
        "\u200b",
        "\u200d",
        "\ufeff",
        "👩\u200d👧",
        "e\u0301",
        "\u0301",
        "盼\u0308头",
        "\r",
        "\r\n",
        "\nhttps://example.org/a?b=1：2\n",
        "\rwww.example.cn/访谈：\r",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_pieces, max_size=40),
    st.sampled_from(["sentence", "turn", "paragraph"]),
    st.sampled_from(["auto", "participant", "interviewer", "header"]),
)
def test_unit_offsets_are_exact_code_points(pieces: list[str], unit: str, unmarked: str):
    text = normalise_text("".join(pieces))
    document = _doc(text)
    turns = find_turns(text, unmarked=unmarked)  # type: ignore[arg-type]
    previous_turn_end = 0
    for turn in turns:
        assert previous_turn_end <= turn.start <= turn.end <= len(text)
        previous_turn_end = turn.end
    units = split_units(
        document,
        turns,
        unit=unit,  # type: ignore[arg-type]
        in_scope=CodingOptions(speakers="all").in_scope,
    )
    previous_end = 0
    for u in units:
        assert text[u.start : u.end] == u.text
        assert u.text == u.text.strip() and u.text
        assert u.start >= previous_end
        previous_end = u.end


# Sentence ends, closing quotes, dots, spaces of every kind and words, in every order:
# the one-pass sentence finder must cut exactly as the definition does.
_SENTENCE_PIECES = st.sampled_from(
    [
        "好",
        "我",
        "a",
        "1",
        "_",
        " ",
        "  ",
        ".",
        "...",
        ". ",
        "\n",
        "\t",
        "\u3000",
        "\x0b",
        "\u2028",
        "\x85",
        "。",
        "！",
        "？",
        "；",
        "!",
        "?",
        "…",
        "”",
        "’",
        "」",
        "』",
        "）",
        ")",
        "】",
        "》",
        '"',
        "'",
        "—",
        "，",
        ",",
        "（笑）",
        "😊",
    ]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_SENTENCE_PIECES, max_size=30), st.data())
def test_sentences_found_in_one_pass_are_the_defined_ones(pieces: list[str], data):
    from array import array

    from healcode.corpus.units import _sentences, sentence_spans

    text = "".join(pieces)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    starts, ends = array("q"), array("q")
    _sentences(text, start, end, starts, ends)
    assert list(zip(starts, ends, strict=True)) == sentence_spans(text, start, end)


def test_units_kept_as_columns_behave_as_a_list_of_units():
    from healcode.corpus.units import Units

    text = "访谈者：您好。\n受访者：我觉得有希望。同命人在一起！\n访谈者：还有呢？"
    document = _doc(text)
    units = split_units(document, find_turns(text), in_scope=CodingOptions().in_scope)
    assert isinstance(units, Units) and len(units) == 4
    listed = list(units)
    assert [u.text for u in listed] == ["您好。", "我觉得有希望。", "同命人在一起！", "还有呢？"]
    assert [u.index for u in listed] == [0, 1, 2, 3]
    assert [u.in_scope for u in listed] == [False, True, True, False]
    assert units[-1] == listed[3] and units[1:3] == listed[1:3] and units == listed
    assert units.texts(units.in_scope()) == ["我觉得有希望。", "同命人在一起！"]
    assert units.scope_size() == (2, len("我觉得有希望。同命人在一起！"))
    with pytest.raises(IndexError):
        units[4]
