"""The prefilter: regex anchors read off a pattern's structure, and one scan over many units."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healcode.codebook.schema import matches_no_text
from healcode.prefilter import Prefilter, pattern_anchors


@pytest.mark.parametrize(
    ("pattern", "anchors"),
    [
        ("未来", {"未来"}),
        ("对.{0,4}未来", {"未来"}),
        ("(孩子|儿子)走了", {"孩子走了", "儿子走了"}),
        ("我(很|挺)(行|在行)", {"我很行", "我很在行", "我挺行", "我挺在行"}),
        ("[很挺]好", {"很好", "挺好"}),
        ("(?:重新)?开始", {"开始"}),
        ("怕(别)?人", {"怕人", "怕别人"}),
        ("(很)?怕", {"怕"}),  # 很怕 contains 怕: the shorter form is enough
        ("(?<!不)喜欢", {"喜欢"}),
        (r"\b希望\b", {"希望"}),
        (r"\d+岁", {"岁"}),
        ("哈{2}", {"哈哈"}),
        ("哈{1,2}笑", {"哈笑"}),
        ("好{5}", {"好"}),
        ("(心.*情)+", {"心"}),  # of equally long requirements, the first
        ("(a.b|c)", {"a", "c"}),
        ("Hope", {"hope"}),
        (
            "失去(了)?(孩子|儿子|女儿)",
            {"失去孩子", "失去儿子", "失去女儿", "失去了孩子", "失去了儿子", "失去了女儿"},
        ),
        ("(?>一起)走", {"走"}),
        ("a++b", {"a"}),
    ],
)
def test_pattern_anchors_are_strings_every_match_contains(pattern: str, anchors: set[str]):
    assert pattern_anchors(pattern) == frozenset(anchors)


@pytest.mark.parametrize(
    "pattern", [".*", r"\w+", "[a-z]+", "[^不]", "(.*|x)", "^$", "(", "好?", r"(\w)\1", "x{0,2}"]
)
def test_patterns_without_a_required_literal_have_no_anchors(pattern: str):
    assert pattern_anchors(pattern) is None


_PIECES = st.sampled_from(
    [
        "孩子",
        "儿子",
        "走了",
        "我",
        "很",
        "挺",
        "行",
        "在行",
        "未来",
        "对",
        "的",
        "不",
        "喜欢",
        "a",
        "b",
        "c",
        "Hope",
        "。",
        "\n",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=12))
def test_a_text_with_a_match_always_contains_an_anchor(pieces: list[str]):
    text = "".join(pieces)
    for pattern in [
        "对.{0,4}未来",
        "(孩子|儿子)走了",
        "我(很|挺)(行|在行)",
        "(?<!不)喜欢",
        "(a.b|c)",
        "Hope",
    ]:
        if re.search(pattern, text):
            anchors = pattern_anchors(pattern)
            assert anchors is not None
            assert any(a in text.lower() for a in anchors), (pattern, text)


def test_scan_many_says_which_texts_a_term_or_pattern_may_match():
    prefilter = Prefilter(["希望", "Hope*"], ["(孩子|儿子)走了", r"\w+"])
    assert prefilter.scan_many(["我有希望", "孩子走了以后", "天气不错", "HOPEFUL days"]) == [
        (True, [1]),
        (False, [0, 1]),
        (False, [1]),
        (True, [1]),
    ]
    assert prefilter.scan("儿子走了，还有希望") == (True, [0, 1])
    assert prefilter.scan_many([]) == []


def test_a_prefilter_with_nothing_to_look_for_lets_only_unanchored_patterns_through():
    assert Prefilter([], [".+"]).scan_many(["甲", "乙"]) == [(False, [0]), (False, [0])]


@pytest.mark.parametrize(
    ("pattern", "empty"),
    [
        ("(?=x)", True),
        (r"\b", True),
        ("^$", True),
        ("(?<!不)", True),
        ("x", False),
        ("x?", False),
        (r"\b希望", False),
    ],
)
def test_matches_no_text_means_every_match_is_empty(pattern: str, empty: bool):
    assert matches_no_text(pattern) is empty
