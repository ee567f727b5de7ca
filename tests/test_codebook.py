"""Codebook loading: the schema, and errors that name file, line and key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from healcode.codebook import load_codebook, parse_codebook
from healcode.errors import CodebookError

from .conftest import CODEBOOK, MINI_CODEBOOK

GOOD = """\
codebook: 1
name: t
themes:
  - id: hope
    label: 希望
    codes:
      - id: future_plans
        label: 未来打算
        terms: [盼头]
"""


def test_the_bundled_codebook_has_the_five_case_study_themes():
    book = load_codebook(CODEBOOK)
    assert [t.id for t in book.themes] == [
        "mutual_relationships", "positive_self_esteem", "hope", "emotional_pain",
        "community_participation",
    ]
    for theme in book.themes:
        assert theme.definition and theme.when_to_use and theme.when_not_to_use and theme.example
        assert theme.label_en
        assert 2 <= len(theme.codes) <= 4
        assert sum(len(c.terms) for c in theme.codes) + len(theme.terms) >= 20
    assert len(book.sha256) == 64


def test_rules_paths_and_labels(mini_codebook):
    paths = [r.path for r in mini_codebook.rules()]
    assert paths == ["hope", "hope/future_plans", "mutual/peers", "self_esteem/useful", "pain/shame"]
    assert mini_codebook.labels()["hope/future_plans"] == "未来打算"
    assert mini_codebook.negators == ["不", "没", "没有", "不再", "从未"]


def test_default_negators_when_the_codebook_gives_none():
    assert "没有" in parse_codebook(GOOD).negators


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("terms: [盼头]", "terms: 盼头"), ":9 themes[0].codes[0].terms: expected a list"),
        (("terms: [盼头]", "terms: [盼头, 3]"), ":9 themes[0].codes[0].terms[1]: expected a list of strings"),
        (("terms: [盼头]", "terms: [盼头]\n        colour: red"), ":10 themes[0].codes[0].colour: unknown key 'colour'"),
        (("terms: [盼头]", "patterns: ['对(未来']"), ":9 themes[0].codes[0].patterns: invalid regular expression '对(未来'"),
        (("terms: [盼头]", "patterns: ['a*']"), ":9 themes[0].codes[0].patterns: regular expression 'a*' can match the empty string"),
        (("id: future_plans", "id: hope"), "id 'hope' is used twice"),
        (("id: future_plans", "id: Future Plans"), ":7 themes[0].codes[0].id: id 'Future Plans' must be snake_case"),
        (("    label: 希望\n", ""), ":4 themes[0].label: missing required key"),
        (("codebook: 1", "codebook: 2"), ":1 codebook: Input should be 1"),
        (("      - id: future_plans", "      - id: future_plans\n     bad: ["), ":8: not valid YAML"),
        (("terms: [盼头]", "negation: maybe"), ":9 themes[0].codes[0].negation: Input should be 'flag', 'exclude' or 'ignore'"),
    ],
)
def test_errors_name_file_line_and_key_path(tmp_path: Path, change: tuple[str, str], expected: str):
    path = tmp_path / "book.yaml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    message = str(info.value)
    assert message.startswith(f"{path}")
    assert expected in message
    assert "\n" not in message


def test_unreadable_and_non_mapping_codebooks(tmp_path: Path):
    with pytest.raises(CodebookError, match="cannot be read"):
        load_codebook(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="list.yaml:1: a codebook is a mapping"):
        load_codebook(tmp_path / "list.yaml")
    (tmp_path / "gbk.yaml").write_bytes(GOOD.encode("gb18030"))
    with pytest.raises(CodebookError, match="not UTF-8"):
        load_codebook(tmp_path / "gbk.yaml")


def test_mini_codebook_loads():
    assert load_codebook(MINI_CODEBOOK).name == "测试 Mini"


ENGLISH = """\
codebook: 1
name: t
language: en
themes:
  - id: hope
    label: Hope
    terms: [hope*, support group*]
"""


@pytest.mark.parametrize(
    ("language", "has", "lacks"),
    [("en", "n't", "没有"), ("en-GB", "never", "不"), ("zh", "没有", "not"), ("zh-Hant", "不", "no")],
)
def test_default_negators_follow_the_language(language: str, has: str, lacks: str):
    book = parse_codebook(ENGLISH.replace("language: en", f"language: {language}"))
    assert has in book.negators and lacks not in book.negators


def test_a_language_without_a_default_list_has_no_negators_and_a_list_given_is_kept():
    assert parse_codebook(ENGLISH.replace("language: en", "language: de")).negators == []
    given = parse_codebook(ENGLISH.replace("language: en", "language: en\nnegators: [nicht]"))
    assert given.negators == ["nicht"]


@pytest.mark.parametrize("term", ["ho*pe", "'*hope'", "'*'", "hope**", "support *"])
def test_a_star_may_only_end_a_word(term: str):
    with pytest.raises(CodebookError, match=r":7 themes\[0\]\.terms: term .* prefix wildcard"):
        parse_codebook(ENGLISH.replace("hope*", term))
