"""`healcode code` end to end: the bundled case study, outputs, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from healcode.cli import main

from .conftest import CORPUS, MINI_CODEBOOK, listing

OUTPUTS = {
    "documents.csv",
    "units.csv",
    "excerpts.csv",
    "hits.csv",
    "frequencies.csv",
    "matrix.csv",
    "cooccurrence.csv",
    "manifest.json",
}
THEMES = [
    "mutual_relationships",
    "positive_self_esteem",
    "hope",
    "emotional_pain",
    "community_participation",
]


def _read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, keep_default_na=False)


def test_bundled_run_writes_every_output_and_every_theme_has_references(bundled_run: Path):
    assert set(listing(bundled_run)) == OUTPUTS
    frequencies = _read(bundled_run, "frequencies.csv")
    themes = frequencies[frequencies["level"] == "theme"]
    assert list(themes["theme"]) == THEMES
    assert (themes["references"] > 0).all()
    manifest = json.loads((bundled_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["segmenter"]["name"] == "jieba-rs"
    assert manifest["counts"]["documents"] == len(
        list(_read(bundled_run, "matrix.csv")["document"])
    )
    assert {i["encoding"] for i in manifest["inputs"]} >= {"utf-8", "utf-8-sig", "gb18030", "docx"}
    assert len(manifest["codebook"]["sha256"]) == 64


def test_bundled_offsets_point_into_the_documents(bundled_run: Path):
    from healcode.corpus import load_corpus

    texts = {d.id: d.text for d in load_corpus([CORPUS]).documents()}
    units = _read(bundled_run, "units.csv")
    for row in units.itertuples():
        assert texts[row.document][row.start : row.end] == row.text
    hits = _read(bundled_run, "hits.csv")
    assert len(hits) > 100
    for row in _read(bundled_run, "excerpts.csv").itertuples():
        assert texts[row.document][row.start : row.end] == row.text
    coded = set(zip(units[units["coded"]]["document"], units[units["coded"]]["unit"], strict=True))
    assert set(zip(hits["document"], hits["unit"], strict=True)) <= coded  # interviewers not coded


def test_csvs_have_a_bom_and_the_documented_columns(bundled_run: Path):
    raw = (bundled_run / "excerpts.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    excerpts = pd.read_csv(bundled_run / "excerpts.csv", encoding="utf-8-sig", nrows=1)
    assert list(excerpts.columns)[:11] == [
        "document",
        "unit",
        "speaker",
        "role",
        "start",
        "end",
        "theme",
        "code",
        "terms",
        "negated",
        "text",
    ]
    assert "meta_role" in excerpts.columns and "gender" in excerpts.columns  # metadata.csv
    documents = _read(bundled_run, "documents.csv")
    assert list(documents.columns) == [
        "document",
        "source",
        "characters",
        "units",
        "coded_units",
        "meta_role",
        "gender",
        "age_group",
        "years_in_programme",
        "访谈编号",
        "日期",
        "地点",
        "时长",
    ]  # then the header
    assert documents.set_index("document").loc["g01_group_interview", "meta_role"] == "group"
    assert documents.set_index("document").loc["p05_zhang_mother", "访谈编号"] == "P05"
    assert documents["coded_units"].sum() == _read(bundled_run, "units.csv")["coded"].sum()
    assert list(_read(bundled_run, "units.csv").columns) == [
        "document",
        "unit",
        "speaker",
        "role",
        "start",
        "end",
        "coded",
        "text",
    ]
    assert list(_read(bundled_run, "frequencies.csv").columns) == [
        "level",
        "theme",
        "code",
        "label",
        "references",
        "documents",
        "documents_pct",
        "hits",
        "per_10k_chars",
        "negated",
    ]


def test_same_inputs_give_byte_identical_tables(runner, bundled_run: Path, tmp_path: Path):
    result = runner.invoke(main, ["code", "-o", str(tmp_path / "again"), "-q"])
    assert result.exit_code == 0, result.output
    for name in OUTPUTS - {"manifest.json"}:
        assert (tmp_path / "again" / name).read_bytes() == (bundled_run / name).read_bytes(), name


def test_python_reference_segmenter_codes_the_same(runner, bundled_run: Path, tmp_path: Path):
    result = runner.invoke(main, ["code", "-o", str(tmp_path / "py"), "-q", "--segmenter", "jieba"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "py" / "hits.csv").read_bytes() == (bundled_run / "hits.csv").read_bytes()


def test_frequencies_count_units_documents_and_hits(runner, tmp_path: Path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "访谈者：有希望吗？\n受访者：有希望，也有盼头。同命人帮我。\n受访者：希望大家好。\n",
        encoding="utf-8",
    )
    (corpus / "b.txt").write_text("我觉得没有希望。", encoding="utf-8")
    result = runner.invoke(
        main, ["code", str(corpus), "-c", str(MINI_CODEBOOK), "-o", str(tmp_path / "out"), "-q"]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    freq = _read(out, "frequencies.csv")
    themes = freq[freq["level"] == "theme"].set_index("theme")
    # b's 没有希望 is a negated coding: listed in excerpts.csv, counted apart, no reference
    assert themes.loc["hope", "references"] == 2  # 2 units in a
    assert themes.loc["hope", "documents"] == 1
    assert themes.loc["hope", "negated"] == 1  # b
    assert themes.loc["hope", "hits"] == 3  # 希望 x2 and 盼头, not the negated 希望
    assert themes.loc["mutual", "documents_pct"] == 50.0
    codes = freq[freq["level"] == "code"].set_index("code")
    assert codes.loc["hope/future_plans", "references"] == 1
    assert codes.loc["hope", "hits"] == 2  # the theme's own term
    assert codes.loc["hope", "negated"] == 1
    matrix = _read(out, "matrix.csv").set_index("document")
    assert matrix.loc["a", "hope"] == 2 and matrix.loc["a", "hope/future_plans"] == 1
    assert matrix.loc["b", "hope"] == 0
    cooc = _read(out, "cooccurrence.csv").set_index("theme")
    assert cooc.loc["hope", "mutual"] == 0 and cooc.loc["hope", "hope"] == 2
    excerpts = _read(out, "excerpts.csv")
    negated = excerpts[excerpts["document"] == "b"]
    assert list(negated["negated"]) == [True]


def test_options_unit_speakers_and_no_bom(runner, tmp_path: Path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("问：有希望吗？\n答：有希望。有盼头。\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["code", str(corpus), "-c", str(MINI_CODEBOOK), "-q", "--no-bom"]
    assert (
        runner.invoke(
            main, [*args, "-o", str(out), "--unit", "turn", "--speakers", "all"]
        ).exit_code
        == 0
    )
    units = _read(out, "units.csv")
    assert list(units["text"]) == ["有希望吗？", "有希望。有盼头。"]
    assert list(units["coded"]) == [True, True]
    assert not (out / "units.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (
        runner.invoke(main, [*args, "-o", str(out), "--force", "--speakers", "问"]).exit_code == 0
    )
    assert list(_read(out, "units.csv")["coded"]) == [True, False, False]


def test_tables_as_input(runner, tmp_path: Path):
    (tmp_path / "survey.csv").write_text(
        "编号,性别,回答\nR1,女,有盼头了\nR2,男,没有希望\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "code",
            str(tmp_path / "survey.csv"),
            "-c",
            str(MINI_CODEBOOK),
            "--id-column",
            "编号",
            "--text-column",
            "回答",
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    excerpts = _read(out, "excerpts.csv")
    assert list(zip(excerpts["document"], excerpts["speaker"], excerpts["性别"], strict=True)) == [
        ("R1", "回答", "女"),
        ("R2", "回答", "男"),
    ]


def _one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: ")
    return lines[-1]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.txt", b"abc \x80\xff\xfe\xfd def", "cannot be decoded"),
        ("bad.txt", b"\x00\x01\x02binary\x00", "binary"),
        ("bad.txt", b"", "empty"),
        ("bad.docx", b"not a zip", "not a readable Word .docx file"),
    ],
)
def test_an_unreadable_file_alone_is_an_error_and_writes_nothing(
    runner, tmp_path: Path, name: str, content: bytes, reason: str
):
    (tmp_path / name).write_bytes(content)
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["code", str(tmp_path / name), "-c", str(MINI_CODEBOOK), "-o", str(out)]
    )
    line = _one_line_error(result)
    assert name in line and reason in line
    assert not out.exists()
    assert (tmp_path / name).read_bytes() == content  # inputs untouched
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary leftovers


def test_unreadable_files_are_skipped_listed_and_the_run_exits_1(runner, tmp_path: Path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text("受访者：有希望。", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["code", str(corpus), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q"]
    )
    assert result.exit_code == 1
    assert "empty.txt: the file is empty" in result.output
    assert "old.doc: old Word .doc files cannot be read" in result.output
    assert "2 file(s) could not be read" in result.output
    assert list(_read(out, "units.csv")["document"]) == ["good"]
    strict = runner.invoke(
        main,
        ["code", str(corpus), "-c", str(MINI_CODEBOOK), "-o", str(tmp_path / "strict"), "--strict"],
    )
    assert "empty.txt" in _one_line_error(strict)
    assert not (tmp_path / "strict").exists()


@pytest.mark.parametrize(
    ("codebook", "expected"),
    [
        (
            "codebook: 1\nname: t\nthemes:\n  - id: a\n    label: A\n    terms: [x\n",
            "book.yaml:7: not valid YAML: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence at line 6)",
        ),
        (
            "codebook: 1\nname: t\nthemes:\n  - id: a\n    label: A\n    colour: red\n",
            "book.yaml:6 themes[0].colour: unknown key 'colour'",
        ),
        (
            "codebook: 1\nname: t\nthemes:\n  - id: a\n    label: A\n    patterns: ['(']\n",
            "book.yaml:6 themes[0].patterns: invalid regular expression '('",
        ),
    ],
)
def test_a_bad_codebook_is_an_error_with_its_line_and_writes_nothing(
    runner, tmp_path: Path, codebook: str, expected: str
):
    (tmp_path / "book.yaml").write_text(codebook, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["code", str(CORPUS), "-c", str(tmp_path / "book.yaml"), "-o", str(out)]
    )
    assert expected in _one_line_error(result)
    assert not out.exists()


def test_duplicate_ids_are_an_error(runner, tmp_path: Path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "p01.txt").write_text("受访者：好", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "code",
            str(tmp_path / "a"),
            str(tmp_path / "b"),
            "-c",
            str(MINI_CODEBOOK),
            "-o",
            str(out),
        ],
    )
    assert "duplicate document id 'p01'" in _one_line_error(result)
    assert not out.exists()


def test_an_existing_outdir_is_refused_without_force(runner, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    args = ["code", str(CORPUS), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q"]
    line = _one_line_error(runner.invoke(main, args))
    assert "already exists" in line and "--force" in line
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    # --force replaces only what healcode wrote: a folder with the user's file is kept whole
    line = _one_line_error(runner.invoke(main, [*args, "--force"]))
    assert "holds files healcode did not write" in line and "mine.txt" in line
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"
    fresh = tmp_path / "fresh"
    assert runner.invoke(main, [*args[:4], "-o", str(fresh), "-q"]).exit_code == 0
    assert runner.invoke(main, [*args[:4], "-o", str(fresh), "-q", "--force"]).exit_code == 0
    assert set(listing(fresh)) == OUTPUTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "out"]


def test_help_is_fast_because_heavy_libraries_load_lazily():
    import subprocess
    import sys

    code = (
        "import sys, healcode.cli; heavy = {'spacy', 'pandas', 'jieba', 'rjieba', 'matplotlib',"
        " 'distributed', 'ahocorasick_rs', 'numpy', 'lxml', 'pydantic', 'sklearn', 'yaml'}"
        " & set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_api(tmp_path: Path):
    import healcode

    book = healcode.load_codebook(MINI_CODEBOOK)
    (tmp_path / "a.txt").write_text("受访者：有希望。", encoding="utf-8")
    result = healcode.code_corpus(healcode.load_corpus([tmp_path]), book)
    assert list(result.excerpts["code"]) == ["hope"]
    assert list(result.units_table["text"]) == ["有希望。"]
    assert list(result.hits_table["term"]) == ["希望"]
    assert result.frequencies.loc[0, "references"] == 1
    written = result.write(tmp_path / "out")
    assert {p.name for p in written} == OUTPUTS


def test_outputs_get_ordinary_permissions(tmp_path: Path):
    """Outputs are staged in private temporary files and directories; once in place they
    have the modes open() and mkdir() would give them under the user's umask."""
    import os

    from healcode.outdir import staged_directory, staged_file

    umask = os.umask(0o022)
    try:
        with staged_directory(tmp_path / "out", force=False) as staging:
            (staging / "a.csv").write_text("x", encoding="utf-8")
        with staged_file(tmp_path / "report.html") as staging:
            staging.write_text("x", encoding="utf-8")
    finally:
        os.umask(umask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644


def test_the_bundled_english_example_codes_end_to_end(runner, tmp_path: Path):
    import re

    from healcode.check import check_codebook
    from healcode.corpus import load_corpus

    from .conftest import EXAMPLE_CODEBOOK, EXAMPLE_CORPUS

    out = tmp_path / "out"
    args = ["code", str(EXAMPLE_CORPUS), "-c", str(EXAMPLE_CODEBOOK), "-o", str(out), "-q"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    frequencies = _read(out, "frequencies.csv")
    themes = frequencies[frequencies["level"] == "theme"]
    assert list(themes["theme"]) == [
        "peer_support",
        "hope",
        "self_esteem",
        "emotional_pain",
        "participation",
    ]
    assert (themes["references"] > 0).all() and (themes["documents"] > 0).all()
    assert {"gender", "age_group"} <= set(_read(out, "documents.csv").columns)
    hits = _read(out, "hits.csv")
    texts = {d.id: d.text for d in load_corpus([EXAMPLE_CORPUS]).documents()}
    for hit in hits.itertuples():
        text = texts[hit.document]
        # whole words: no letter right before or after a hit
        assert not re.match(r"\w", text[hit.start - 1 : hit.start]), hit
        assert not re.match(r"\w", text[hit.end : hit.end + 1]), hit
    negated = set(hits[hits["negated"]]["term"])
    assert {"hopeful", "looked forward", "optimis*"} <= negated  # didn't / hadn't / not
    assert {"volunteer*", "judg*", "support group*"} <= set(hits["term"])
    assert not any(
        f.severity in ("error", "warning")
        for f in check_codebook(EXAMPLE_CODEBOOK, [EXAMPLE_CORPUS])
    )
