"""Word lists: segmentation offsets, what counts as a word, stop words, frequencies."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from healcode.cli import main
from healcode.records import Document
from healcode.segment import make_segmenter
from healcode.words import (
    content_words,
    count_words,
    is_countable,
    load_stopwords,
    segment_passages,
    segment_words,
    transcriber_notes,
    word_frequencies,
)
from tests.conftest import CODEBOOK, DATA, EXAMPLE_CODEBOOK

TOOLS = DATA / "codebook_tools"


def _rows(frequencies):
    return [(f.group, f.word, f.count, f.rank, f.documents) for f in frequencies]


def test_quanteda_textstat_frequency_example():
    """quanteda: "a a b b c d", "a d d d", "a a a" -> a 6/1/3, d 4/2/2, b 2/3/1, c 1/4/1."""
    rows = [
        ("", "d1", "a a b b c d".split()),
        ("", "d2", "a d d d".split()),
        ("", "d3", "a a a".split()),
    ]
    assert [(w, c, r, d) for _, w, c, r, d in _rows(count_words(rows))] == [
        ("a", 6, 1, 3),
        ("d", 4, 2, 2),
        ("b", 2, 3, 1),
        ("c", 1, 4, 1),
    ]


def test_ties_share_the_lowest_rank_and_top_and_min_count_apply_after_ranking():
    rows = [("g", "d1", list("xxxyyzzw"))]
    assert _rows(count_words(rows)) == [
        ("g", "x", 3, 1, 1),
        ("g", "y", 2, 2, 1),
        ("g", "z", 2, 2, 1),
        ("g", "w", 1, 4, 1),
    ]
    assert [f.word for f in count_words(rows, top=2)] == ["x", "y"]
    assert [f.rank for f in count_words(rows, min_count=2)] == [1, 2, 2]


def test_groups_count_documents_within_the_group():
    rows = [("f", "d1", ["a", "b"]), ("m", "d2", ["a"]), ("f", "d3", ["a", "a"])]
    assert _rows(count_words(rows)) == [
        ("f", "a", 3, 1, 2),
        ("f", "b", 1, 2, 1),
        ("m", "a", 1, 1, 1),
    ]


@pytest.mark.parametrize(
    ("token", "countable"),
    [
        ("希望", True),
        ("两个", True),
        ("ABC", True),
        ("二十一年", True),
        ("，", False),
        ("……", False),
        (" ", False),
        ("\n", False),
        ("1998", False),
        ("5.5%", False),
        ("三十", False),
        ("一", False),
        ("~", False),
    ],
)
def test_punctuation_and_numbers_are_not_words(token: str, countable: bool):
    assert is_countable(token) is countable


def test_segment_words_gives_exact_offsets():
    text = "我们 有盼头，2019年很好。"
    words = segment_words(text, make_segmenter("jieba-rs"), offset=10)
    padded = " " * 10 + text
    assert all(padded[w.start : w.end] == w.text for w in words)
    assert "".join(w.text for w in words) == text


def test_bundled_stop_words_are_function_words_and_no_codebook_term():
    from healcode.codebook import load_codebook

    stopwords = load_stopwords()
    assert {"的", "了", "我们", "因为", "这个"} <= stopwords
    assert {"the", "and", "i", "n't", "'s", "um", "yeah"} <= stopwords  # English, too
    assert not stopwords & {"hope", "alone", "help", "group", "grief", "together"}
    for codebook in (CODEBOOK, EXAMPLE_CODEBOOK):
        assert not stopwords & {t.lower() for t in load_codebook(codebook).terms()}


def test_english_words_are_counted_whole_without_stop_words():
    texts = {
        "d1": "Interviewer: And then?\nAnn: I didn't feel hopeful, but the group helped.\n"
        "Ann: The latest group was, um, hopeful.\n"
    }
    passages = _passages(texts)
    counts = {f.word: f.count for f in word_frequencies(passages, stopwords=load_stopwords())}
    assert counts == {"feel": 1, "hopeful": 2, "group": 2, "helped": 1, "latest": 1}
    # the same with the typographic apostrophe a word processor types
    curly = {
        d: t.replace("'", "\u2019") + "Ann: I\u2019m sure it\u2019s good.\n"
        for d, t in texts.items()
    }
    counts = {
        f.word: f.count for f in word_frequencies(_passages(curly), stopwords=load_stopwords())
    }
    assert counts == {
        "feel": 1,
        "hopeful": 2,
        "group": 2,
        "helped": 1,
        "latest": 1,
        "sure": 1,
        "good": 1,
    }


def test_transcriber_notes_are_not_speech():
    text = "我那时候（笑）挺好的[00:12:31]，（停顿）后来（湖里区的那个大的社区活动中心）"
    notes = [text[s:e] for s, e in transcriber_notes(text)]
    assert notes == ["（笑）", "[00:12:31]", "（停顿）"]  # a long aside is kept
    words = segment_words(text, make_segmenter("jieba-rs"))
    kept = content_words(words, skip=transcriber_notes(text))
    assert "笑" not in kept and "停顿" not in kept and "时候" in kept


def _passages(texts: dict[str, str], meta: dict[str, dict[str, str]] | None = None):
    documents = [
        Document(d, t, f"{d}.txt", "utf-8", "0" * 64, (meta or {}).get(d, {}))
        for d, t in texts.items()
    ]
    return list(segment_passages(documents, make_segmenter("jieba-rs", ["暖心家园"])))


def test_word_frequencies_by_speaker_and_metadata_skip_interviewers_and_stop_words():
    texts = {
        "d1": "访谈者：你们好吗？\n王阿姨：暖心家园很好，暖心家园的姐妹很好。\n王阿姨：嗯。\n",
        "d2": "访谈者：好。\n李阿姨：姐妹们来了。\n李阿姨：嗯。\n",
    }
    passages = _passages(texts, {"d1": {"gender": "f"}, "d2": {"gender": "m"}})
    stop = load_stopwords()
    overall = {f.word: f.count for f in word_frequencies(passages, stopwords=stop)}
    assert overall["暖心家园"] == 2  # one word: the codebook's terms are in the dictionary
    assert "你们" not in overall and "的" not in overall
    by_speaker = _rows(word_frequencies(passages, by="speaker", stopwords=stop))
    assert ("王阿姨", "暖心家园", 2, 1, 1) in by_speaker
    assert {group for group, *_ in by_speaker} == {"王阿姨", "李阿姨"}
    by_gender = _rows(word_frequencies(passages, by="gender", stopwords=stop))
    assert {group for group, *_ in by_gender} == {"f", "m"}


def test_unknown_group_names_the_columns():
    from healcode.errors import HealcodeError

    passages = _passages({"d1": "王阿姨：好。\n王阿姨：好。\n"}, {"d1": {"gender": "f"}})
    with pytest.raises(HealcodeError, match="no such metadata column; .*gender"):
        word_frequencies(passages, by="age")


def test_words_command_writes_csv(runner, tmp_path: Path):
    out = tmp_path / "words.csv"
    args = ["words", str(TOOLS / "corpus"), "-c", str(TOOLS / "usable.yaml"), "-o", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["word", "count", "rank", "documents"]
    assert ["盼头", "2", "1", "2"] in rows
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and "--force" in again.output
    assert runner.invoke(main, [*args, "--force", "--by", "document"]).exit_code == 0
    assert list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))[0] == [
        "group",
        "word",
        "count",
        "rank",
        "documents",
    ]


def test_words_command_stop_word_options(runner, tmp_path: Path):
    stop = tmp_path / "stop.txt"
    stop.write_text("# mine\n盼头\n", encoding="utf-8")
    corpus = str(TOOLS / "corpus")
    result = runner.invoke(main, ["words", corpus, "--stopwords", str(stop)])
    assert result.exit_code == 0, result.output
    assert "盼头" not in result.output and "我们" in result.output  # replaced, not added
    result = runner.invoke(main, ["words", corpus, "--no-stopwords", "--stopwords", str(stop)])
    assert result.exit_code == 2
    result = runner.invoke(main, ["words", corpus, "--by", "nope"])
    assert result.exit_code == 1 and "no such metadata column" in result.output
