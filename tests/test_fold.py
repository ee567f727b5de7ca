"""Traditional characters against a simplified codebook: folding, offsets, twins."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healcode.codebook import parse_codebook
from healcode.coding import CodingOptions, code_document
from healcode.corpus import find_turns, split_units
from healcode.corpus.text import decode_bytes
from healcode.fold import (
    code_folded_units,
    fold_text,
    is_mostly_traditional,
    is_simplified_codebook,
    should_fold,
    to_simplified,
    to_traditional,
)
from healcode.records import Document
from tests.conftest import CORPUS

TRADITIONAL = "訪談者：您好。\n王阿姨：暖心家園的同命人常來，我們還有希望。\n訪談者：謝謝。\n王阿姨：不客氣。\n"


def _doc(text: str, doc_id: str = "d") -> Document:
    return Document(doc_id, text, f"{doc_id}.txt", "utf-8", "0" * 64)


def _hits(coding):
    return [(h.code, h.term, h.text) for h in coding.hits]


def test_opencc_t2s_works_offline_and_keeps_length():
    folded = fold_text("暖心家園的同命人，還有希望。")
    assert folded.text == "暖心家园的同命人，还有希望。"
    assert folded.starts is None  # identity map: t2s replaced code point for code point
    assert folded.original_span(0, 4) == (0, 4)


def test_traditional_text_is_coded_with_a_simplified_codebook(mini_coder):
    coding = code_document(_doc(TRADITIONAL), mini_coder, CodingOptions())
    assert _hits(coding) == [
        ("mutual/peers", "暖心家园", "暖心家園"),
        ("mutual/peers", "同命人", "同命人"),
        ("hope", "希望", "希望"),
    ]
    for hit in coding.hits:
        assert TRADITIONAL[hit.start : hit.end] == hit.text
    # 訪談者 is recognised as the interviewer, so only 王阿姨's speech is coded
    assert {u.speaker for u in coding.units if u.in_scope} == {"王阿姨"}


def test_fold_none_leaves_traditional_terms_unmatched(mini_coder):
    coding = code_document(_doc(TRADITIONAL), mini_coder, CodingOptions(fold="none"))
    assert ("mutual/peers", "暖心家园", "暖心家園") not in _hits(coding)
    assert ("hope", "希望", "希望") in _hits(coding)  # same in both scripts


def test_auto_detection(mini_codebook):
    assert is_mostly_traditional("暖心家園的同命人常來，我們還有希望")
    assert not is_mostly_traditional("暖心家园的同命人常来，我们还有希望")
    assert not is_mostly_traditional("希望")  # no script-specific character at all
    assert is_simplified_codebook(mini_codebook)
    tagged = parse_codebook(
        "codebook: 1\nname: t\nlanguage: zh-Hant\nthemes:\n  - {id: a, label: A, terms: [希望]}\n"
    )
    assert not is_simplified_codebook(tagged)
    assert not should_fold(TRADITIONAL, tagged, "auto")
    assert should_fold("希望", mini_codebook, "traditional")
    assert not should_fold(TRADITIONAL, mini_codebook, "none")


def _expand(text: str) -> str:
    """A converter that changes the length: t2s, and ～ becomes two characters."""
    return to_simplified(text).replace("～", "~~")


_PIECES = st.sampled_from(
    [
        "暖心家園",
        "同命人",
        "希望",
        "沒有希望",
        "我們",
        "還",
        "～",
        "，",
        "。",
        " ",
        "a",
        "園",
        "後來",
        "\u200b",
        "\u200d",
        "\ufeff",
        "園\u0301",
        "😊",
        "𠀀",
        "\n",
    ]
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_PIECES, max_size=25), st.sampled_from([to_simplified, _expand]))
def test_offsets_stay_exact_after_folding(mini_coder, pieces: list[str], convert):
    text = "".join(pieces)
    folded = fold_text(text, convert=convert)
    document = _doc("王阿姨：" + text)
    units = split_units(document, find_turns(document.text), in_scope=lambda t: True)
    for hit in code_folded_units(mini_coder, units, convert=convert):
        assert document.text[hit.start : hit.end] == hit.text
        assert to_simplified(hit.text).lower() == hit.term.lower()
    # every span of the copy maps into the original, in order
    previous = 0
    for i in range(len(folded.text)):
        start, end = folded.original_span(i, i + 1)
        assert previous <= start < end <= len(text)
        assert convert(text[start:end]).find(folded.text[i]) >= 0
        previous = start


def test_length_changing_conversion_builds_an_exact_map():
    folded = fold_text("我們～暖心家園", convert=_expand)
    assert folded.text == "我们~~暖心家园"
    start = folded.text.index("暖心家园")
    assert folded.original_span(start, start + 4) == (3, 7)
    assert folded.original_span(2, 4) == (2, 3)  # both ~ come from the one ～


def _transcripts() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip("bundled corpus not found")
    return sorted(p for p in CORPUS.iterdir() if p.suffix in (".txt", ".md"))


def test_traditional_twins_get_the_same_references(tmp_path):
    """Every bundled transcript and its s2t twin: the same hits at the same offsets."""
    from healcode.codebook import load_codebook
    from healcode.coding import code_corpus
    from healcode.corpus import load_corpus
    from tests.conftest import CODEBOOK

    originals = _transcripts()
    for path in originals:
        text, _ = decode_bytes(path.read_bytes(), str(path))
        (tmp_path / path.name).write_text(to_traditional(text), encoding="utf-8")
    book = load_codebook(CODEBOOK)
    simplified = code_corpus(load_corpus(originals), book)
    traditional = code_corpus(load_corpus(sorted(tmp_path.iterdir())), book)

    def key(hit):
        return (hit.document, hit.unit, hit.code, hit.term, hit.start, hit.end, hit.negated)

    assert len(simplified.hits) > 100
    assert sorted(map(key, traditional.hits)) == sorted(map(key, simplified.hits))
    assert [u.in_scope for u in traditional.units] == [u.in_scope for u in simplified.units]
    texts = {d.id: d.text for d in load_corpus(sorted(tmp_path.iterdir())).documents()}
    assert all(texts[h.document][h.start : h.end] == h.text for h in traditional.hits)
    assert any(h.text != to_simplified(h.text) for h in traditional.hits)  # really traditional
