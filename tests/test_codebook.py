"""Codebook loading: the schema, and errors that name file, line and key path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from healcode.codebook import load_codebook, parse_codebook
from healcode.codebook.load import read_yaml
from healcode.errors import CodebookError

from .conftest import CODEBOOK, DATA, MINI_CODEBOOK

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
        "mutual_relationships",
        "positive_self_esteem",
        "hope",
        "emotional_pain",
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
    assert paths == [
        "hope",
        "hope/future_plans",
        "mutual/peers",
        "self_esteem/useful",
        "pain/shame",
    ]
    assert mini_codebook.labels()["hope/future_plans"] == "未来打算"
    assert mini_codebook.negators == ["不", "没", "没有", "不再", "从未"]


def test_default_negators_when_the_codebook_gives_none():
    assert "没有" in parse_codebook(GOOD).negators


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("terms: [盼头]", "terms: 盼头"), ":9 themes[0].codes[0].terms: expected a list"),
        (
            ("terms: [盼头]", "terms: [盼头, [3]]"),
            ":9 themes[0].codes[0].terms[1]: expected a list of strings",
        ),
        (
            ("terms: [盼头]", "terms: [盼头, !!int 3]"),
            ":9 themes[0].codes[0].terms[1]: expected a list of strings",
        ),
        (
            ("terms: [盼头]", "terms: [盼头]\n        colour: red"),
            ":10 themes[0].codes[0].colour: unknown key 'colour'",
        ),
        (
            ("terms: [盼头]", "patterns: ['对(未来']"),
            ":9 themes[0].codes[0].patterns: invalid regular expression '对(未来'",
        ),
        (
            ("terms: [盼头]", "patterns: ['a*']"),
            ":9 themes[0].codes[0].patterns: regular expression 'a*' can match the empty string",
        ),
        (("id: future_plans", "id: hope"), "id 'hope' is used twice"),
        (
            ("id: future_plans", "id: Future Plans"),
            ":7 themes[0].codes[0].id: id 'Future Plans' must be snake_case",
        ),
        (("    label: 希望\n", ""), ":4 themes[0].label: missing required key"),
        (("codebook: 1", "codebook: 2"), ":1 codebook: Input should be 1"),
        (
            ("      - id: future_plans", "      - id: future_plans\n     bad: ["),
            ":8: not valid YAML",
        ),
        (
            ("terms: [盼头]", "negation: maybe"),
            ":9 themes[0].codes[0].negation: Input should be 'flag', 'exclude' or 'ignore'",
        ),
        (
            ("terms: [盼头]", "patterns: ['(?=盼头)']"),
            ":9 themes[0].codes[0].patterns: regular expression '(?=盼头)' matches only a position, never text",
        ),
        (
            ("terms: [盼头]", r"patterns: ['\b']"),
            r":9 themes[0].codes[0].patterns: regular expression '\\b' matches only a position",
        ),
        (
            ("terms: [盼头]", "patterns: [盼头, '^']"),
            ":9 themes[0].codes[0].patterns: regular expression '^' matches only a position",
        ),
        (
            ("terms: [盼头]", "patterns: ['$']"),
            ":9 themes[0].codes[0].patterns: regular expression '$' matches only a position",
        ),
        (
            ("terms: [盼头]", "terms: [盼头]\n        terms: [打算]"),
            ":10 themes[0].codes[0].terms: key 'terms' is given twice in one mapping (first at line 9)",
        ),
        (
            ("terms: [盼头]", "terms: &t [盼头, *t]"),
            ":9 themes[0].codes[0].terms[1]: an alias refers to a value that contains it",
        ),
        (
            ("terms: [盼头]", "terms: !!set {盼头}"),
            ":9 themes[0].codes[0].terms: the tag tag:yaml.org,2002:set has no meaning",
        ),
        (
            ("terms: [盼头]", "terms: !python/name:os.system"),
            ":9: not valid YAML: could not determine a constructor",
        ),
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


# --- hostile and foreign YAML ----------------------------------------------------------

CODEBOOKS = DATA / "codebooks"


@pytest.mark.parametrize("libyaml", [True, False])
def test_an_alias_bomb_is_refused_before_it_expands(libyaml: bool):
    """Nine levels of nine aliases stand for 387 million terms; refused with one line
    naming the file and the line whose aliases cross the budget (with either parser)."""
    path = CODEBOOKS / "alias_bomb.yaml"
    with pytest.raises(CodebookError) as info:
        read_yaml(path.read_text(encoding="utf-8"), str(path), libyaml=libyaml)
    message = str(info.value)
    assert message.startswith(f"{path}:8 e[0]: aliases (*name) repeat more than 10,000 values")
    assert "\n" not in message
    with pytest.raises(CodebookError, match="alias_bomb.yaml:8 "):
        load_codebook(path)


def test_aliases_within_the_budget_still_work():
    book = load_codebook(CODEBOOKS / "shared_exclusions.yaml")
    assert [r.exclude for r in book.rules()] == [("希望工程", "希望小学")] * 2


def test_terms_are_read_as_written_not_as_yaml_11_booleans_or_numbers():
    """`no`, `On`, `2018`, `1.50`, `12:30` (sexagesimal 750 in YAML 1.1) stay the text
    written; the keys that hold numbers still read numbers."""
    book = load_codebook(CODEBOOKS / "yaml11_words.yaml")
    terms = {rule.path: rule.terms for rule in book.rules()}
    assert terms["answers/assent"] == ("yes", "y", "On", "TRUE", "ok")
    assert terms["answers/refusal"] == ("no", "N", "off", "False", "nope")
    assert terms["dates"] == ("2018", "2019年", "1.50", "0x10", "1e3", "007", "12:30")
    assert book.rules()[-1].exclude == ("null", "~")
    assert book.negators[:2] == ["not", "no"]
    assert (book.codebook, book.negation_window) == (1, 3)


@pytest.mark.parametrize(
    ("line", "value"),
    [("negation_window: 0x4", 4), ("negation_window: +2", 2), ("negation_window: !!int 5", 5)],
)
def test_number_keys_follow_the_yaml_12_core_schema(line: str, value: int):
    assert parse_codebook(GOOD + line + "\n").negation_window == value


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("negation_window: yes", "expected a whole number"),
        ("negation_window: 3 tokens", "expected a whole number"),
        ("label_en:", "themes[0].label_en: expected a string"),
    ],
)
def test_text_where_a_number_belongs_and_empty_values(line: str, expected: str):
    text = (
        GOOD.replace("    label: 希望\n", f"    label: 希望\n    {line}\n")
        if "label_en" in line
        else GOOD + line + "\n"
    )
    with pytest.raises(CodebookError, match=re.escape(expected)):
        parse_codebook(text, "book.yaml")


def test_both_parsers_read_the_bundled_codebook_alike():
    text = CODEBOOK.read_text(encoding="utf-8")
    fast, fast_lines = read_yaml(text, libyaml=True)
    slow, slow_lines = read_yaml(text, libyaml=False)
    assert fast == slow and fast_lines == slow_lines
    assert fast_lines[("themes", 0, "codes", 0, "terms", 0)] > 1


def test_check_reports_each_zero_width_pattern_on_its_line(tmp_path: Path):
    from healcode.check import check_codebook

    path = tmp_path / "book.yaml"
    path.write_text(
        GOOD.replace(
            "terms: [盼头]",
            "terms: [盼头]\n        patterns:\n"
            "          - '(?=盼头)'\n          - '盼头'\n          - '\\b'",
        ),
        encoding="utf-8",
    )
    errors = [f for f in check_codebook(path) if f.severity == "error"]
    assert [(f.line, f.kind) for f in errors] == [
        (11, "zero-width-regex"),
        (13, "zero-width-regex"),
    ]
    assert "'(?=盼头)' matches only a position" in errors[0].message


def test_converted_quanteda_terms_keep_their_text(tmp_path: Path):
    from healcode.codebook.convert import convert_dictionary

    source = tmp_path / "answers.yml"
    source.write_text("refusal: [no, off, nope]\nyears: [2018]\n", encoding="utf-8")
    book = parse_codebook(convert_dictionary(source).yaml)
    assert [r.terms for r in book.rules()] == [("no", "off", "nope"), ("2018",)]


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
    [
        ("en", "n't", "没有"),
        ("en-GB", "never", "不"),
        ("zh", "没有", "not"),
        ("zh-Hant", "不", "no"),
    ],
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


def test_a_carriage_return_in_a_label_becomes_a_line_break(tmp_path: Path):
    """A quoted "\\r" in YAML is the only way a CR reaches healcode's CSVs (texts are
    normalised to LF when read): it becomes LF, so every CSV row reads back whole."""
    import csv

    from healcode import code_corpus, load_corpus

    book = parse_codebook(
        'codebook: 1\nname: x\nthemes:\n  - id: hope\n    label: "希\\r望"\n'
        '    terms: [希望]\n  - id: pain\n    label: "痛\\r\\n苦"\n    terms: [难过]\n'
    )
    assert [t.label for t in book.themes] == ["希\n望", "痛\n苦"]
    (tmp_path / "a.txt").write_text("受访者：有希望。很难过。\n", encoding="utf-8")
    out = tmp_path / "out"
    code_corpus(load_corpus([tmp_path / "a.txt"]), book).write(out)
    with (out / "frequencies.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len({len(row) for row in rows}) == 1
    labels = {row[rows[0].index("label")] for row in rows[1:]}
    assert {"希\n望", "痛\n苦"} <= labels
