"""Segmentation: pinned jieba tokens, codebook terms kept whole, both backends agree."""

from __future__ import annotations

import re

import pytest

from healcode.segment import SEGMENTERS, make_segmenter

from .conftest import CODEBOOK, CORPUS


@pytest.mark.parametrize("backend", SEGMENTERS)
@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("我们还有希望", ["我们", "还有", "希望"]),
        ("以前没有希望了", ["以前", "没有", "希望", "了"]),
        ("我不再觉得丢人。", ["我", "不再", "觉得", "丢人", "。"]),
        ("社区组织活动", ["社区", "组织", "活动"]),
    ],
)
def test_pinned_tokens(backend: str, text: str, tokens: list[str]):
    assert make_segmenter(backend).cut(text) == tokens  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", SEGMENTERS)
def test_codebook_terms_are_kept_whole(backend: str):
    text = "暖心家园的同命人常来。"
    plain = make_segmenter(backend).cut(text)  # type: ignore[arg-type]
    assert plain[:4] == ["暖心", "家园", "的", "同命"]  # what jieba does on its own
    aware = make_segmenter(backend, ["同命人", "暖心家园"]).cut(text)  # type: ignore[arg-type]
    assert aware[:3] == ["暖心家园", "的", "同命人"]


def test_segmenters_are_isolated_instances():
    make_segmenter("jieba", ["同命人"])
    assert make_segmenter("jieba").cut("同命人") == ["同命", "人"]
    make_segmenter("jieba-rs", ["同命人"])
    assert make_segmenter("jieba-rs").cut("同命人") == ["同命", "人"]


def test_tokens_cover_the_text_exactly():
    text = "  访谈者：Hello 世界\n\n5-6 个😊人。"
    for backend in SEGMENTERS:
        assert "".join(make_segmenter(backend).cut(text)) == text  # type: ignore[arg-type]


def test_both_backends_agree_on_every_cjk_run_of_the_bundled_corpus():
    from healcode.codebook import load_codebook
    from healcode.corpus import load_corpus

    if not CORPUS.is_dir():
        pytest.skip("the bundled corpus is not in this checkout")
    terms = load_codebook(CODEBOOK).terms()
    rust, python = make_segmenter("jieba-rs", terms), make_segmenter("jieba", terms)
    runs = 0
    for document in load_corpus([CORPUS], strict=True).documents():
        for run in re.findall(r"[\u4e00-\u9fff]+", document.text):
            assert rust.cut(run) == python.cut(run), run
            runs += 1
    assert runs > 1000
