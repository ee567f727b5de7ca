"""Matching: token-exact terms, patterns, exclusions, negation, overlaps, spaCy component."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healcode.coder import Coder


def _hits(coder: Coder, text: str) -> list[tuple[str, str, str, bool]]:
    return [(m.path, m.term, text[m.start : m.end], m.negated) for m in coder.code_text(text)]


def test_terms_match_whole_tokens_not_substrings(mini_coder):
    assert _hits(mini_coder, "这样还有用吗") == []  # 还有/用: 有用 is not a word here
    assert _hits(mini_coder, "我觉得自己有用。") == [("self_esteem/useful", "有用", "有用", False)]


def test_codebook_terms_match_even_where_jieba_would_split_them(mini_coder):
    assert _hits(mini_coder, "暖心家园的同命人常来。") == [
        ("mutual/peers", "暖心家园", "暖心家园", False),
        ("mutual/peers", "同命人", "同命人", False),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("以前没有希望。", [("hope", "希望", True)]),
        ("我不再觉得丢人。", [("pain/shame", "丢人", True)]),
        ("我不知道为什么，后来又有了希望", [("hope", "希望", False)]),  # a comma ends the clause
        ("从未想过我们大家都有希望", [("hope", "希望", False)]),  # negator 6 tokens away
        ("没有说过希望", [("hope", "希望", True)]),  # 3 tokens away: inside the window
        ("我们有希望", [("hope", "希望", False)]),
    ],
)
def test_negation_window(mini_coder, text: str, expected: list[tuple[str, str, bool]]):
    assert [(p, t, n) for p, t, _, n in _hits(mini_coder, text)] == expected


def test_negation_modes(mini_coder):
    assert _hits(mini_coder, "没有同命人。") == [("mutual/peers", "同命人", "同命人", False)]  # ignore
    assert _hits(mini_coder, "我没有用。") == []
    assert _hits(mini_coder, "没有有用的东西") == []  # exclude drops the negated hit
    assert _hits(mini_coder, "还是有用的东西") == [("self_esteem/useful", "有用", "有用", False)]


def test_negation_window_can_be_changed(mini_codebook):
    wide = Coder(mini_codebook, negation_window=6)
    assert _hits(wide, "从未想过我们大家都有希望")[0][3] is True
    assert _hits(Coder(mini_codebook, negation_window=0), "没有希望")[0][3] is False


def test_patterns_exclusions_and_longest_match(mini_coder):
    assert _hits(mini_coder, "对我们的未来有打算") == [
        ("hope/future_plans", "对.{0,4}未来", "对我们的未来", False),
        ("hope/future_plans", "打算", "打算", False),
    ]
    # 以后的打算 and 打算 overlap within one code: the longer one wins
    assert _hits(mini_coder, "说说以后的打算吧") == [
        ("hope/future_plans", "以后的打算", "以后的打算", False)]
    # a unit containing an exclusion is not coded with that code; other codes still apply
    assert _hits(mini_coder, "以后的打算是捐希望工程") == []
    assert _hits(mini_coder, "以后的打算，同命人知道") == [
        ("hope/future_plans", "以后的打算", "以后的打算", False),
        ("mutual/peers", "同命人", "同命人", False),
    ]


def test_different_codes_may_code_the_same_words(tmp_path):
    from healcode.codebook import parse_codebook

    book = parse_codebook(
        "codebook: 1\nname: t\nthemes:\n"
        "  - {id: a, label: A, terms: [盼头]}\n"
        "  - {id: b, label: B, terms: [盼头, 日子]}\n"
    )
    coder = Coder(book)
    assert [(m.path, m.term) for m in coder.code_text("日子有盼头了")] == [
        ("b", "日子"), ("a", "盼头"), ("b", "盼头")]


def test_latin_terms_match_case_insensitively(tmp_path):
    from healcode.codebook import parse_codebook

    book = parse_codebook("codebook: 1\nname: t\nthemes:\n  - {id: a, label: A, terms: [hope]}\n")
    assert [m.term for m in Coder(book).code_text("There is Hope now")] == ["hope"]


def test_the_coder_is_a_spacy_pipeline_component():
    import spacy

    from .conftest import MINI_CODEBOOK

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {
        "@tokenizers": "healcode.jieba_tokenizer.v1", "words": ["同命人"]}}})
    nlp.add_pipe("healcode_coder", config={"codebook": str(MINI_CODEBOOK)})
    doc = nlp("同命人说我们没有希望")
    spans = [(s.label_, s.text, s._.healcode_negated) for s in doc.spans["healcode"]]
    assert spans == [("mutual/peers", "同命人", False), ("hope", "希望", True)]


# Generated transcripts full of codebook terms, negators, punctuation, emoji and
# characters outside the BMP: every hit must point at exactly its text in the document.
_PIECES = st.sampled_from([
    "受访者：", "访谈者：", "\n", "。", "，", "！", " ", "😊", "𠀀", "希望", "没有", "不再",
    "盼头", "以后的打算", "同命人", "暖心家园", "丢人", "有用", "还有用", "对我们的未来",
    "希望工程", "我", "觉得", "抬不起头", "Hope",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=30), st.sampled_from(["sentence", "turn", "paragraph"]))
def test_hit_offsets_are_exact_code_points(mini_coder, pieces: list[str], unit: str):
    from healcode.coding import CodingOptions, code_document
    from healcode.records import Document

    text = "".join(pieces)
    document = Document("d", text, "d.txt", "utf-8", "0" * 64)
    coded = code_document(document, mini_coder, CodingOptions(unit=unit, speakers="all"))
    units = {u.index: u for u in coded.units}
    for hit in coded.hits:
        assert text[hit.start : hit.end] == hit.text
        assert units[hit.unit].start <= hit.start < hit.end <= units[hit.unit].end
