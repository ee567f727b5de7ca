"""healcode report: one self-contained HTML page, and chart files, from an output directory."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from healcode.cli import main
from healcode.errors import HealcodeError
from tests.conftest import CODEBOOK, DATA

from .conftest import listing

REPORT_DATA = DATA / "report"
THEMES = (
    "mutual_relationships",
    "positive_self_esteem",
    "hope",
    "emotional_pain",
    "community_participation",
)


@pytest.fixture(scope="module")
def script_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run whose transcript holds <script>, & and %, and whose labels start with =."""
    out = tmp_path_factory.mktemp("script") / "out"
    result = CliRunner().invoke(
        main,
        [
            "code",
            str(REPORT_DATA / "corpus"),
            "-c",
            str(REPORT_DATA / "codebook.yaml"),
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def run_copy(script_run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(script_run, out)
    return out


@pytest.fixture(scope="module")
def bundled_html(bundled_run: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "out"
    shutil.copytree(bundled_run, out)
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out / 'report.html'}" in result.output
    return (out / "report.html").read_text(encoding="utf-8")


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}">')
    return html[start : html.index("</section>", start)]


# ---------------------------------------------------------------------------- the page


def test_report_is_one_file_that_requests_nothing(bundled_html: str):
    assert re.search(r"<(link|img|iframe|object|embed)\b", bundled_html) is None
    assert re.search(r'\b(src|href|xlink:href)="(?!#)', bundled_html) is None
    assert re.search(r"url\((?!#)", bundled_html) is None
    assert "default-src 'none'" in bundled_html  # and the browser is told to refuse requests
    assert bundled_html.count("<script>") == 1  # our own, inline


def test_report_lists_the_themes_and_highlights_each(bundled_html: str):
    table = _section(bundled_html, "frequencies")
    assert re.findall(r'<tr class="theme" data-level="theme" data-id="([^"]+)"', table) == list(
        THEMES
    )
    transcripts = _section(bundled_html, "transcripts")
    for theme in THEMES:
        assert f'data-theme="{theme}"' in transcripts, theme
    assert transcripts.count('<details class="doc"') == 10
    assert "not coded" in transcripts  # the interviewer's turns are shown, but not coded


def test_report_shows_the_run_and_the_codebook(bundled_html: str):
    run = _section(bundled_html, "run")
    manifest_sha = re.search(r"<code>([0-9a-f]{64})</code>", run)
    assert manifest_sha is not None
    assert "jieba-rs" in run and "10 documents" in run
    appendix = _section(bundled_html, "codebook")
    assert "When not to use" in appendix and "同命人" in appendix
    assert "<svg" in _section(bundled_html, "charts")


def test_every_excerpt_links_to_a_place_in_a_transcript(bundled_html: str):
    links = re.findall(r'href="#(d\d+-u\d+)"', _section(bundled_html, "themes"))
    ids = set(re.findall(r'id="(d\d+-u\d+)"', _section(bundled_html, "transcripts")))
    assert links and set(links) <= ids


def test_transcript_text_is_escaped(run_copy: Path, runner: CliRunner):
    result = runner.invoke(main, ["report", str(run_copy), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    html = (run_copy / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.healcodeInjected = true&lt;/script&gt;" in html
    assert "<script>window" not in html
    assert "测试 Report test &lt;book&gt;" in html
    assert "我 &amp; <mark" in html and "100% 真心" in html


def test_negated_hits_and_interviewer_turns(run_copy: Path, runner: CliRunner):
    assert runner.invoke(main, ["report", str(run_copy), "-q"]).exit_code == 0
    html = (run_copy / "report.html").read_text(encoding="utf-8")
    passage = re.search(r'id="d0-u1" title="([^"]*)"[^>]*>(.*?)</span>', html, re.S)
    assert passage is not None
    assert '<mark class="h neg t1" data-theme="pain">孤单</mark>' in passage[2]
    assert passage[1].splitlines()[-1] == "伤痛 › 孤单: 孤单 (negated)"
    interviewer = re.search(
        r'<div class="turn out" data-role="interviewer"><div class="spk">访谈者'
        r'<span class="nc">not coded</span></div><div class="say">最近怎么样？',
        html,
    )
    assert interviewer is not None


def test_same_directory_same_bytes(script_run: Path, tmp_path: Path, runner: CliRunner):
    pages = []
    for name in ("a", "b"):
        out = tmp_path / name
        shutil.copytree(script_run, out)
        assert runner.invoke(main, ["report", str(out), "-q"]).exit_code == 0
        pages.append((out / "report.html").read_bytes())
    assert pages[0] == pages[1]


def test_existing_report_needs_force(run_copy: Path, runner: CliRunner):
    assert runner.invoke(main, ["report", str(run_copy), "-q"]).exit_code == 0
    (run_copy / "report.html").write_text("mine", encoding="utf-8")
    result = runner.invoke(main, ["report", str(run_copy)])
    assert result.exit_code == 1
    assert "already exists; use --force" in result.output
    assert (run_copy / "report.html").read_text(encoding="utf-8") == "mine"
    # a report changed since healcode wrote it is not replaced, even with --force
    forced = runner.invoke(main, ["report", str(run_copy), "--force", "-q"])
    assert forced.exit_code == 1 and "not written by healcode" in forced.output
    assert (run_copy / "report.html").read_text(encoding="utf-8") == "mine"
    (run_copy / "report.html").unlink()
    assert runner.invoke(main, ["report", str(run_copy), "-q"]).exit_code == 0
    assert runner.invoke(main, ["report", str(run_copy), "--force", "-q"]).exit_code == 0
    assert (run_copy / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("remove", "named"), [("units.csv", "units.csv"), ("manifest.json", "manifest.json")]
)
def test_incomplete_directory_is_a_one_line_error(
    run_copy: Path, runner: CliRunner, remove: str, named: str
):
    (run_copy / remove).unlink()
    result = runner.invoke(main, ["report", str(run_copy)])
    assert result.exit_code == 1
    assert named in result.output and len(result.output.strip().splitlines()) == 1
    assert not (run_copy / "report.html").exists()


def test_edited_units_are_refused(run_copy: Path, runner: CliRunner):
    units = run_copy / "units.csv"
    units.write_text(
        units.read_text(encoding="utf-8-sig").replace("最近怎么样？", "最近？"), encoding="utf-8"
    )
    result = runner.invoke(main, ["report", str(run_copy)])
    assert result.exit_code == 1
    assert "units.csv:2" in result.output
    assert not (run_copy / "report.html").exists()


def test_moved_codebook(run_copy: Path, runner: CliRunner):
    manifest = json.loads((run_copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["codebook"]["path"] = str(run_copy / "gone.yaml")
    (run_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = runner.invoke(main, ["report", str(run_copy)])
    assert result.exit_code == 0, result.output
    assert "warning: codebook" in result.output and "not found" in result.output
    html = (run_copy / "report.html").read_text(encoding="utf-8")
    assert "only the labels recorded in frequencies.csv" in html

    wrong = runner.invoke(main, ["report", str(run_copy), "--force", "-c", str(CODEBOOK)])
    assert wrong.exit_code == 1
    assert "not the codebook of this run" in wrong.output

    right = runner.invoke(
        main, ["report", str(run_copy), "--force", "-q", "-c", str(REPORT_DATA / "codebook.yaml")]
    )
    assert right.exit_code == 0, right.output
    html = (run_copy / "report.html").read_text(encoding="utf-8")
    assert "别人对受访者的关心与陪伴" in _section(html, "codebook")


# ---------------------------------------------------------------------------- transcripts


def test_turns_are_rebuilt_from_units(script_run: Path):
    from healcode.report import read_run_directory
    from healcode.run.transcripts import rebuild_documents

    documents = {d.id: d for d in rebuild_documents(read_run_directory(script_run))}
    assert list(documents) == ["t01", "t02", "t03"]
    assert [t.speaker for t in documents["t01"].turns] == ["访谈者", "受访者", "访谈者", "受访者"]
    # two turns in a row by 答: the marker between them keeps them apart
    assert [t.speaker for t in documents["t02"].turns] == ["问", "答", "答"]
    t01 = documents["t01"].turns[1]
    assert [u.text for u in t01.units] == [
        "社工常来看我，我不再孤单了。",
        "<script>window.healcodeInjected = true</script> 有时候还是会哭。",
    ]
    lonely = [h for h in t01.units[0].hits if h.code == "pain/lonely"]
    assert [(h.start, h.end, h.negated) for h in lonely] == [(10, 12, True)]
    assert documents["t03"].coded_units == 0 and documents["t03"].turns


def test_overlapping_hits_split_into_pieces():
    from healcode.run.transcripts import HitView, UnitView, split_marks

    outer = HitView("a", "a/x", "一个人在家", 2, 7, False)
    inner = HitView("b", "b/y", "在家", 5, 7, True)
    unit = UnitView(0, 100, 109, "我是一个人在家里呀", True, (outer, inner))
    assert split_marks(unit) == [
        ("我是", ()),
        ("一个人", (outer,)),
        ("在家", (outer, inner)),
        ("里呀", ()),
    ]


# ---------------------------------------------------------------------------- charts


def _cjk_font_or_skip():
    from healcode.report.charts import find_cjk_font

    try:
        return find_cjk_font()
    except HealcodeError as exc:
        pytest.skip(f"no CJK font installed for the chart labels: {exc}")


def test_charts_in_three_formats_with_chinese_glyphs(run_copy: Path, runner: CliRunner):
    from PIL import Image

    _cjk_font_or_skip()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = runner.invoke(
            main, ["report", str(run_copy), "--charts", "png", "--charts", "svg", "--charts", "pdf"]
        )
    assert result.exit_code == 0, result.output
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []  # a missing glyph is drawn as an empty box
    names = listing(run_copy / "charts")
    assert names == sorted(
        f"{chart}.{fmt}"
        for chart in ("theme_frequencies", "theme_document_heatmap", "theme_cooccurrence")
        for fmt in ("png", "svg", "pdf")
    )
    with Image.open(run_copy / "charts" / "theme_frequencies.png") as image:
        assert round(image.info["dpi"][0]) == 300
    assert (run_copy / "charts" / "theme_frequencies.pdf").read_bytes().startswith(b"%PDF")
    svg = (run_copy / "charts" / "theme_cooccurrence.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg  # no timestamp: same run, same file


def test_chart_files_are_reproducible(script_run: Path, tmp_path: Path):
    from healcode.report import read_run_directory
    from healcode.report.charts import render_charts

    _cjk_font_or_skip()
    run = read_run_directory(script_run)
    assert render_charts(run, ["svg"]) == render_charts(run, ["svg"])


def test_a_font_without_chinese_is_refused(run_copy: Path, runner: CliRunner):
    import matplotlib

    latin = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    result = runner.invoke(main, ["report", str(run_copy), "--charts", "png", "--font", str(latin)])
    assert result.exit_code == 1
    assert "has no Chinese characters" in result.output
    assert not (run_copy / "report.html").exists() and not (run_copy / "charts").exists()
    result = runner.invoke(
        main, ["report", str(run_copy), "--charts", "png", "--font", "Nope Sans"]
    )
    assert result.exit_code == 1 and "no such font" in result.output


def test_help_loads_no_heavy_library():
    imported = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import healcode.cli"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    modules = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in imported.splitlines()}
    assert not modules & {"matplotlib", "pandas", "openpyxl", "docx", "spacy", "jieba"}


def test_the_run_section_names_the_model_and_the_window_the_run_used(runner, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "访谈者：最近怎么样？\n受访者：我们有盼头了。\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    assert (
        runner.invoke(
            main, ["code", str(corpus), "-o", str(out), "-q", "--negation-window", "6"]
        ).exit_code
        == 0
    )
    assert runner.invoke(main, ["report", str(out), "-q"]).exit_code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "(window: 6 tokens)" in page
    assert "social_healing" in page and "theme level" in page  # the bundled model
