"""Codebook tools: check (with and without a corpus), show as a table, convert."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from healcode.check import check_codebook
from healcode.cli import main
from healcode.codebook import load_codebook
from healcode.codebook.convert import convert_dictionary, glob_to_pattern
from healcode.codebook.show import render_docx, render_latex, render_markdown
from healcode.errors import CodebookError
from tests.conftest import CODEBOOK, CORPUS, DATA, MINI_CODEBOOK

TOOLS = DATA / "codebook_tools"


def _found(findings):
    return {(f.line, f.severity, f.kind) for f in findings}


def test_check_reports_each_problem_on_its_line():
    findings = check_codebook(TOOLS / "problems.yaml")
    assert _found(findings) == {
        (8, "warning", "duplicate-term"),  # 盼头 twice in hope
        (8, "info", "contained-term"),  # 希望 inside 希望工程的打算 (same theme)
        (12, "error", "excluded-term"),  # 希望工程的打算 contains the code's exclusion
        (12, "info", "split-term"),  # jieba alone: 希望工程/的/打算, 暖心/家园
        (19, "warning", "duplicate-term"),  # 盼头 also in pain/despair
        (19, "info", "split-term"),  # 没/希望
        (20, "warning", "empty-code"),  # pain/empty has nothing to match
    }
    negated = [f for f in findings if "没希望" in f.message and f.kind == "contained-term"]
    assert negated and negated[0].severity == "info"  # 没希望 is 希望 negated: by design
    assert str(findings[0]).startswith(f"{TOOLS / 'problems.yaml'}:8: ")


def test_check_reports_every_bad_pattern_the_loader_would_stop_at():
    findings = check_codebook(TOOLS / "bad_patterns.yaml")
    assert _found(findings) == {
        (7, "error", "invalid-regex"),
        (8, "error", "empty-regex"),
        (13, "error", "empty-term"),
    }


def test_check_against_a_corpus():
    findings = check_codebook(TOOLS / "usable.yaml", [TOOLS / "corpus"])
    assert _found(findings) >= {
        (9, "info", "never-occurs"),  # 念想
        (10, "warning", "codes-nothing"),  # hope/useful
        (12, "warning", "not-a-word"),  # 有用 only inside 还有/用
        (13, "warning", "codes-nothing"),  # theme peers
    }
    not_a_word = next(f for f in findings if f.kind == "not-a-word")
    assert "还有/用" in not_a_word.message and "这样还有用吗" in not_a_word.message
    assert not any(f.kind == "codes-nothing" and f.line == 7 for f in findings)  # plans codes


def test_check_command_exit_status(runner):
    result = runner.invoke(main, ["codebook", "check", str(TOOLS / "problems.yaml")])
    assert result.exit_code == 1
    assert "problems.yaml:12: error: term '希望工程的打算'" in result.output
    assert "split-term" not in result.output  # notes only with --all
    assert "1 error(s), 3 warning(s), 5 note(s)" in result.output
    result = runner.invoke(
        main, ["codebook", "check", str(TOOLS / "usable.yaml"), str(TOOLS / "corpus"), "--all"]
    )
    assert result.exit_code == 0, result.output
    assert "never-occurs" in result.output
    result = runner.invoke(main, ["codebook", "check", str(TOOLS / "missing.yaml")])
    assert result.exit_code == 1 and "cannot be read" in result.output


def test_bundled_codebook_has_no_errors_on_the_bundled_corpus(runner):
    if not CORPUS.is_dir():
        pytest.skip("bundled corpus not found")
    result = runner.invoke(main, ["codebook", "check", str(CODEBOOK), str(CORPUS)])
    assert result.exit_code == 0, result.output
    assert ": error:" not in result.output


def test_show_markdown_and_latex():
    book = load_codebook(MINI_CODEBOOK)
    markdown = render_markdown(book)
    assert "| Theme | Code | Definition | When to use | When not to use | Example | Terms |" in (
        markdown
    )
    assert "| **希望 (Hope)** |  | 对未来的期待。 |" in markdown
    assert (
        "|  | 未来打算 |  |  |  |  | 盼头、以后的打算、打算; patterns: `对.{0,4}未来`; "
        "except in units with: 希望工程 |"
    ) in markdown
    latex = render_latex(book)
    assert "\\begin{longtable}" in latex and "\\end{longtable}" in latex
    assert "\\texttt{对.\\{0,4\\}未来}" in latex  # braces escaped
    assert latex.count(" & ") == 6 * (2 + 8)  # 7 columns: two header rows, eight rows


def test_show_docx_is_a_table_and_byte_identical():
    book = load_codebook(MINI_CODEBOOK)
    data = render_docx(book)
    assert data == render_docx(book)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert "<w:tbl>" in xml and "When not to use" in xml and "以后的打算" in xml


def test_show_command(runner, tmp_path: Path):
    result = runner.invoke(main, ["codebook", "show", str(MINI_CODEBOOK)])
    assert result.exit_code == 0 and result.output.startswith("## 测试 Mini")
    assert (
        runner.invoke(main, ["codebook", "show", str(MINI_CODEBOOK), "-f", "docx"]).exit_code == 2
    )
    out = tmp_path / "appendix.docx"
    args = ["codebook", "show", str(MINI_CODEBOOK), "-f", "docx", "-o", str(out)]
    assert runner.invoke(main, args).exit_code == 0
    assert zipfile.is_zipfile(out)
    assert runner.invoke(main, args).exit_code == 1  # exists: needs --force


def _load(conversion, tmp_path: Path):
    path = tmp_path / "converted.yaml"
    path.write_text(conversion.yaml, encoding="utf-8")
    return load_codebook(path)


def test_convert_quanteda_yaml(tmp_path: Path):
    conversion = convert_dictionary(TOOLS / "quanteda.yml")
    book = _load(conversion, tmp_path)
    assert [t.id for t in book.themes] == ["hope", "pain"]
    assert book.themes[0].terms == ["希望", "盼头", "期待*", "optimis*"]  # prefix wildcards kept
    assert book.themes[0].patterns == []
    assert book.language == "zh" and "没有" in book.negators
    loneliness = book.themes[1].codes[1]
    assert loneliness.id == "loneliness"
    assert loneliness.terms == ["孤单", "寂寞", "social isolation", "丢人", "抬不起头"]
    assert (conversion.themes, conversion.codes, conversion.terms) == (2, 2, 12)


def test_convert_liwc_and_wordstat(tmp_path: Path):
    liwc = convert_dictionary(TOOLS / "liwc.dic")
    book = _load(liwc, tmp_path)
    assert [(t.id, t.label) for t in book.themes] == [
        ("positive", "positive"),
        ("negative", "negative"),
        ("theme_3", "社会支持"),
    ]
    assert book.themes[0].terms == ["happy*", "开心", "希望", "kind of", "like"]
    assert book.themes[0].patterns == []
    assert book.themes[2].terms == ["希望", "同命人"]
    assert liwc.skipped == ["line 13: 'like': rule '02 134)125/464' is not supported"]
    wordstat = _load(convert_dictionary(TOOLS / "wordstat.cat"), tmp_path)
    emotions, support = wordstat.themes
    assert [c.id for c in emotions.codes] == ["positive", "negative"]
    assert emotions.codes[1].terms == ["SAD", "哭", "伤心"]  # GRIEF folded into NEGATIVE
    assert support.terms == ["同命人", "社工"]


@pytest.mark.parametrize(
    ("glob", "matches", "misses"),
    [
        ("期待*", "我很期待着", "期望"),
        ("optimis*", "so optimistic", "nonoptimist"),
        ("hop?", "we hope", "hop"),
    ],
)
def test_glob_patterns(glob: str, matches: str, misses: str):
    pattern = re.compile(glob_to_pattern(glob), re.IGNORECASE)
    assert pattern.search(matches) and not pattern.search(misses)


def test_convert_errors_and_command(runner, tmp_path: Path):
    with pytest.raises(CodebookError, match="already a healcode codebook"):
        convert_dictionary(MINI_CODEBOOK, source_format="yaml")
    with pytest.raises(CodebookError, match="unknown dictionary type .txt"):
        convert_dictionary(TOOLS / "corpus" / "a.txt")
    out = tmp_path / "liwc.yaml"
    args = ["codebook", "convert", str(TOOLS / "liwc.dic"), "-o", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "skipped: line 13" in result.output
    assert load_codebook(out).themes[2].label == "社会支持"
    assert runner.invoke(main, args).exit_code == 1  # exists: needs --force


@pytest.mark.parametrize(
    "command",
    [
        ["kwic"],
        ["words"],
        ["suggest"],
        ["codebook"],
        ["codebook", "check"],
        ["codebook", "show"],
        ["codebook", "convert"],
    ],
)
def test_every_command_has_help_with_an_example(runner, command: list[str]):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Examples:" in result.output


def test_convert_an_english_dictionary_writes_english_language_and_negators(tmp_path: Path):
    conversion = convert_dictionary(TOOLS / "english.dic")
    assert conversion.language == "en"
    assert "language: en" in conversion.yaml and "没有" not in conversion.yaml
    book = _load(conversion, tmp_path)
    assert book.language == "en"
    assert {"not", "never", "n't", "without"} <= set(book.negators)
    assert not set(book.negators) & {"不", "没", "没有"}
    posemo, negemo, social = book.themes
    assert posemo.terms == ["hope*", "optimis*", "happy"]  # prefix wildcards stay terms
    assert posemo.patterns == ["\\blook\\w*\\ forward\\b"]  # a * inside: a pattern
    assert negemo.terms == ["sad", "griev*", "lonel*"]
    assert social.terms == ["support group", "friend*", "talk"]


def test_convert_language_can_be_given(runner, tmp_path: Path):
    assert convert_dictionary(TOOLS / "english.dic", language="zh").language == "zh"
    out = tmp_path / "en.yaml"
    result = runner.invoke(
        main, ["codebook", "convert", str(TOOLS / "liwc.dic"), "--language", "en", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "language en" in result.output
    assert "n't" in load_codebook(out).negators


def test_check_wildcards_and_english_words(tmp_path: Path):
    path = tmp_path / "en.yaml"
    path.write_text(
        "codebook: 1\nname: t\nlanguage: en\nthemes:\n"
        "  - id: hope\n    label: Hope\n    terms: [hope*, support]\n"  # line 7
        "  - id: pain\n    label: Pain\n    terms: [hopeless, support group]\n",  # line 10
        encoding="utf-8",
    )
    findings = check_codebook(path)
    assert _found(findings) == {
        (7, "warning", "wildcard-overlap"),  # hope* also matches hopeless (another theme)
        # support is a whole word of support group, so it codes there too: nothing to say
    }
    overlap = next(f for f in findings if f.kind == "wildcard-overlap")
    assert "'hopeless' (pain, line 10)" in overlap.message
    path.write_text(path.read_text(encoding="utf-8").replace("hope*, ", "hope, "), encoding="utf-8")
    # hope inside the word hopeless cannot code there: a note, since words match whole
    assert _found(check_codebook(path)) == {(7, "info", "contained-term")}


def test_check_a_language_without_negators(tmp_path: Path):
    path = tmp_path / "de.yaml"
    path.write_text(
        "codebook: 1\nname: t\nlanguage: de\nthemes:\n"
        "  - {id: hoffnung, label: Hoffnung, terms: [Hoffnung]}\n",
        encoding="utf-8",
    )
    assert _found(check_codebook(path)) == {(3, "warning", "no-negators")}


def test_check_a_latin_term_only_inside_longer_words(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The latest one.\nIt was unbiased.\n", encoding="utf-8")
    path = tmp_path / "en.yaml"
    path.write_text(
        "codebook: 1\nname: t\nlanguage: en\nthemes:\n"
        "  - {id: t, label: T, terms: [test, hope*]}\n",
        encoding="utf-8",
    )
    findings = check_codebook(path, [corpus])
    not_a_word = next(f for f in findings if f.kind == "not-a-word")
    assert "only inside latest" in not_a_word.message and "jieba" not in not_a_word.message
    assert any(f.kind == "never-occurs" and "hope*" in f.message for f in findings)


def test_check_notes_only_chinese_parts_jieba_would_split(tmp_path: Path):
    path = tmp_path / "mixed.yaml"
    path.write_text(
        "codebook: 1\nname: t\nthemes:\n  - {id: a, label: A, terms: [卡拉OK, 唱K, 同命人OK]}\n",
        encoding="utf-8",
    )
    notes = [f.message for f in check_codebook(path) if f.kind == "split-term"]
    assert len(notes) == 1 and notes[0].startswith("jieba alone splits '同命人' as 同命/人")
