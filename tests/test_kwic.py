"""Keyword in context: token matches, regexes, windows, offsets, the command."""

from __future__ import annotations

import csv
from pathlib import Path

import click
import pytest

from healcode.cli import main
from healcode.cli.kwic import split_terms_and_paths
from healcode.codebook import load_codebook
from healcode.errors import CodebookError
from healcode.kwic import code_terms, keyword_in_context
from healcode.records import Document
from healcode.segment import make_segmenter
from healcode.words import segment_passages
from tests.conftest import DATA, MINI_CODEBOOK

TOOLS = DATA / "codebook_tools"
TEXT = (
    "访谈者：您平时做什么？\n"
    "王阿姨：我去暖心家园，那里的同命人都很好，大家有盼头。\n"
    "访谈者：还有呢？\n"
    "王阿姨：这样还有用吗？我有用的，有盼头。\n"
)


def _find(terms=(), patterns=(), window=3, extra=()):
    words = [*terms, *extra]
    segmenter = make_segmenter("jieba-rs", words)
    document = Document("d", TEXT, "d.txt", "utf-8", "0" * 64)
    passages = segment_passages([document], segmenter)  # participants
    return keyword_in_context(
        passages, segmenter=segmenter, terms=terms, patterns=patterns, window=window
    )


def test_terms_are_found_as_words_with_context_and_exact_offsets():
    found = _find(terms=["盼头", "有用", "暖心家园"])
    assert [(o.keyword, o.term) for o in found] == [
        ("暖心家园", "暖心家园"),
        ("盼头", "盼头"),
        ("有用", "有用"),
        ("盼头", "盼头"),
    ]
    for o in found:
        assert TEXT[o.start : o.end] == o.keyword
        assert TEXT[o.start - len(o.left) : o.start] == o.left
        assert TEXT[o.end : o.end + len(o.right)] == o.right
    assert found[1].left == "，大家有"  # three tokens: ， / 大家 / 有
    assert found[1].right == "。"  # the turn ends there: context never crosses it
    assert all(o.speaker == "王阿姨" for o in found)  # the interviewer's speech is skipped


def test_a_term_inside_another_word_is_not_an_occurrence():
    found = _find(terms=["有用"])
    assert len(found) == 1  # 还有/用 in 这样还有用吗 is not 有用
    assert found[0].left == "吗？我"


def test_regex_matches_raw_text_and_window_zero():
    found = _find(patterns=["有(盼头|用)"], window=0)
    assert [o.keyword for o in found] == ["有盼头", "有用", "有用", "有盼头"]  # 还有用 too
    assert all(o.left == "" and o.right == "" for o in found)


def test_code_terms_of_a_code_and_of_a_theme():
    book = load_codebook(MINI_CODEBOOK)
    assert code_terms(book, "hope/future_plans") == (
        ["盼头", "以后的打算", "打算"],
        ["对.{0,4}未来"],
    )
    terms, _ = code_terms(book, "hope")
    assert terms[0] == "希望" and "打算" in terms
    with pytest.raises(CodebookError, match="no code or theme 'nope'"):
        code_terms(book, "nope")


def test_split_terms_and_paths(tmp_path: Path):
    assert split_terms_and_paths(("盼头", "希望")) == (["盼头", "希望"], [])
    assert split_terms_and_paths(("盼头", str(tmp_path))) == (["盼头"], [tmp_path])
    with pytest.raises(click.BadParameter, match="no such file or directory: corpra/"):
        split_terms_and_paths(("盼头", "corpra/"))  # a typo is not searched for as a word
    assert split_terms_and_paths(("a/b",), regex=True) == (["a/b"], [])


def test_kwic_command_csv_and_table(runner, tmp_path: Path):
    out = tmp_path / "kwic.csv"
    corpus = str(TOOLS / "corpus")
    result = runner.invoke(main, ["kwic", "盼头", corpus, "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["document", "speaker", "start", "end", "left", "keyword", "right", "term"]
    assert [(r[0], r[1], r[5]) for r in rows[1:]] == [
        ("a", "王阿姨", "盼头"),
        ("b", "李阿姨", "盼头"),
    ]
    result = runner.invoke(main, ["kwic", "盼头", corpus, "--window", "2"])
    assert result.exit_code == 0 and "盼头" in result.output and "2 occurrences" in result.output


def test_kwic_command_code_option_and_errors(runner):
    corpus = str(TOOLS / "corpus")
    book = str(TOOLS / "usable.yaml")
    result = runner.invoke(main, ["kwic", corpus, "-c", book, "--code", "hope/plans"])
    assert result.exit_code == 0, result.output
    assert "打算" in result.output and "3 occurrences" in result.output
    assert runner.invoke(main, ["kwic", corpus]).exit_code == 2  # no TERM, no --code
    result = runner.invoke(main, ["kwic", corpus, "-c", book, "--code", "nope"])
    assert result.exit_code == 1 and "no code or theme 'nope'" in result.output
    result = runner.invoke(main, ["kwic", "盼(", "--regex", corpus])
    assert result.exit_code == 1 and "invalid regular expression" in result.output


def test_wildcard_terms_are_found_as_coding_finds_them():
    """``hope*`` is every word that starts with hope (not hoping); a several-word wildcard
    needs its words before it."""
    from healcode.kwic import keyword_in_context
    from healcode.segment import make_segmenter
    from healcode.words import Passage, segment_words

    segmenter = make_segmenter("jieba-rs")
    text = "I was hopeful, hopes and HOPE. Not hoping. support groups help, a group too."
    passage = Passage("d", "P", "participant", 0, len(text), text, segment_words(text, segmenter))
    found = keyword_in_context([passage], segmenter=segmenter, terms=["hope*", "support group*"])
    assert [(o.keyword, o.term) for o in found] == [
        ("hopeful", "hope*"),
        ("hopes", "hope*"),
        ("HOPE", "hope*"),
        ("support groups", "support group*"),
    ]


TRADITIONAL = "訪談者：最近怎麼樣？\n受訪者：醒來就會難過一下，後來參加小組以後好多了。\n"


def test_traditional_transcripts_are_searched_and_counted_as_code_reads_them(runner, tmp_path):
    """kwic and words fold a traditional transcript to simplified characters, as `code`
    does (--fold auto): 难过 is found in 難過, shown as written, at its offsets; words
    are counted in simplified form and not cut into fragments."""
    (tmp_path / "t.txt").write_text(TRADITIONAL, encoding="utf-8")
    out = tmp_path / "kwic.csv"
    result = runner.invoke(main, ["kwic", "难过", str(tmp_path / "t.txt"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["keyword"] for r in rows] == ["難過"]
    start, end = int(rows[0]["start"]), int(rows[0]["end"])
    assert TRADITIONAL[start:end] == "難過"
    unfolded = runner.invoke(main, ["kwic", "难过", str(tmp_path / "t.txt"), "--fold", "none"])
    assert "0 occurrences" in unfolded.output

    words = tmp_path / "words.csv"
    result = runner.invoke(main, ["words", str(tmp_path / "t.txt"), "-o", str(words)])
    assert result.exit_code == 0, result.output
    listed = words.read_text(encoding="utf-8-sig")
    assert "难过" in listed and "小组" in listed and "難過" not in listed


def test_context_a_spreadsheet_would_run_is_kept_and_said(runner, tmp_path):
    (tmp_path / "b.txt").write_text("受访者：@SUM(1)有希望\n", encoding="utf-8")
    out = tmp_path / "k.csv"
    result = runner.invoke(
        main, ["kwic", "希望", str(tmp_path / "b.txt"), "--window", "9", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "k.csv (1) are written exactly" in " ".join(result.output.split())
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.DictReader(handle))["left"] == "@SUM(1)有"
