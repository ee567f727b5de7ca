"""Keyness statistics (pinned to quanteda's reference case) and term suggestions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from healcode.cli import main
from healcode.errors import HealcodeError
from healcode.keyness import chi2_p_value, keyness_score, score_words, suggest_terms
from tests.conftest import DATA

# quanteda's test of textstat_keyness: target "b b b b b b b a a a", reference
# "a a a a a a a b b". For feature b: a = 7, b = 2, c = 3, d = 7.
REFERENCE = (7, 2, 3, 7)


@pytest.mark.parametrize(
    ("measure", "correction", "expected"),
    [
        ("chi2", "none", 4.33716),
        ("chi2", "yates", 2.632438),
        ("g2", "none", 4.534939),
        ("g2", "williams", 4.200833),
    ],
)
def test_quanteda_reference_values(measure, correction, expected):
    assert keyness_score(*REFERENCE, measure=measure, correction=correction) == pytest.approx(
        expected, abs=1e-6
    )
    # feature a is the mirror image: same size, negative sign
    a, b, c, d = REFERENCE
    assert keyness_score(c, d, a, b, measure=measure, correction=correction) == pytest.approx(
        -expected, abs=1e-6
    )


def test_default_corrections_are_quanteda_defaults():
    assert keyness_score(*REFERENCE, measure="chi2") == pytest.approx(2.632438, abs=1e-6)
    assert keyness_score(*REFERENCE, measure="g2") == pytest.approx(4.200833, abs=1e-6)


def test_williams_divides_chi2_too_and_yates_needs_a_small_expected_count():
    assert keyness_score(*REFERENCE, measure="chi2", correction="williams") == pytest.approx(
        4.017626, abs=1e-6
    )
    big = (70, 20, 30, 70)  # every expected count >= 5: Yates does not apply
    assert keyness_score(*big, measure="chi2", correction="yates") == keyness_score(
        *big, measure="chi2", correction="none"
    )


def test_zero_cells_and_p_values():
    assert keyness_score(3, 0, 5, 10, measure="g2", correction="none") > 0
    assert keyness_score(0, 0, 5, 10) == 0.0
    assert chi2_p_value(3.841459) == pytest.approx(0.05, abs=1e-6)


def test_score_words_orders_by_keyness_then_word():
    target = {"b": 7, "a": 3}
    reference = {"a": 7, "b": 2}
    scored = score_words(target, reference, measure="chi2", correction="none")
    assert [(k.word, round(k.score, 5), k.target, k.reference) for k in scored] == [
        ("b", 4.33716, 7, 2),
        ("a", -4.33716, 3, 7),
    ]


def _run(tmp_path: Path) -> Path:
    """A hand-made coding run: code 'hope/plans' codes the units that say 盼头 or 打算."""
    outdir = tmp_path / "run"
    outdir.mkdir()
    units = [
        ("a", 0, "我们有盼头，想去旅游，去旅游散心。"),
        ("a", 1, "明年打算去旅游，跟姐妹们一起。"),
        ("a", 2, "今天下雨，天气不好。"),
        ("b", 0, "以后的打算是去旅游，去北京旅游。"),
        ("b", 1, "天气很冷，下雨了。"),
        ("b", 2, "我在家做饭，天气冷。"),
        ("b", 3, "访谈者说的话不算。"),
    ]
    with (outdir / "units.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["document", "unit", "speaker", "role", "start", "end", "coded", "text"])
        for document, index, text in units:
            coded = "False" if index == 3 else "True"
            writer.writerow([document, index, "王", "participant", 0, len(text), coded, text])
    with (outdir / "hits.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["document", "unit", "theme", "code", "term", "start", "end", "negated"])
        for document, index in (("a", 0), ("a", 1), ("b", 0)):
            writer.writerow([document, index, "hope", "hope/plans", "打算", 0, 2, "False"])
    codebook = DATA / "codebook_tools" / "usable.yaml"
    manifest = {
        "codebook": {"path": str(codebook), "sha256": None},
        "segmenter": {"name": "jieba-rs"},
    }
    (outdir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    from healcode.run.schema import TABLES

    for spec in TABLES:  # the tables suggest does not read: their header only
        if not (outdir / spec.file).exists():
            (outdir / spec.file).write_text(",".join(spec.names) + "\n", encoding="utf-8")
    return outdir


def test_suggest_terms_finds_the_words_of_the_coded_units(tmp_path: Path):
    result = suggest_terms(_run(tmp_path), "hope/plans", min_count=2)
    assert (result.target_units, result.reference_units) == (3, 3)  # the interviewer's is out
    words = [s.word for s in result.suggestions]
    assert words[0] == "旅游"
    assert "打算" not in words and "盼头" not in words  # already terms of the code
    assert "天气" not in words  # typical of the other units
    first = result.suggestions[0]
    assert (first.target, first.reference, first.units) == (5, 0, 3)
    assert (first.example_document, first.example_unit) == ("a", 0)
    assert first.word in first.example
    by_theme = suggest_terms(tmp_path / "run", "hope", min_count=2)
    assert by_theme.suggestions[0].word == "旅游"


def test_suggest_errors(tmp_path: Path):
    outdir = _run(tmp_path)
    with pytest.raises(HealcodeError, match="no code or theme 'nope'"):
        suggest_terms(outdir, "nope")
    with pytest.raises(HealcodeError, match="no in-scope unit is coded with 'peers'"):
        suggest_terms(outdir, "peers")
    with pytest.raises(
        HealcodeError, match=r"not a healcode output directory \(no manifest.json\)"
    ):
        suggest_terms(tmp_path, "hope")


def test_suggest_command(runner, tmp_path: Path):
    outdir = _run(tmp_path)
    result = runner.invoke(
        main,
        ["suggest", str(outdir), "--code", "hope/plans", "--min-count", "2", "--measure", "chi2"],
    )
    assert result.exit_code == 0, result.output
    assert "旅游" in result.output and "yates" in result.output
    out = tmp_path / "s.csv"
    result = runner.invoke(
        main, ["suggest", str(outdir), "--code", "hope/plans", "--min-count", "2", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:6] == ["word", "G2", "p", "target", "reference", "units"]
    assert rows[1][0] == "旅游"


def test_suggest_on_the_bundled_run(runner, bundled_run: Path):
    """Every candidate is new to the code and its example contains it."""
    from healcode.codebook import load_codebook
    from tests.conftest import CODEBOOK

    code = "mutual_relationships/professional_support"
    result = suggest_terms(bundled_run, code, top=10)
    assert result.suggestions
    terms = {t for r in load_codebook(CODEBOOK).rules() if r.path == code for t in r.terms}
    for suggestion in result.suggestions:
        assert suggestion.word not in terms
        assert suggestion.word in suggestion.example.lower()
        assert suggestion.score > 0 and suggestion.target >= 3
