"""healcode tables: paper-ready tables as XLSX, Markdown, LaTeX and DOCX."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from healcode.cli import main
from healcode.export.markdown import escape_markdown
from healcode.export.tables import short_definition
from healcode.latex import escape_latex
from tests.test_report import script_run  # noqa: F401 - a fixture used below

from .conftest import listing

SHEETS = ["themes", "frequencies", "matrix", "cooccurrence"]


@pytest.fixture
def run_copy(script_run: Path, tmp_path: Path) -> Path:  # noqa: F811 - the fixture above
    out = tmp_path / "out"
    shutil.copytree(script_run, out)
    return out


def _tables(runner: CliRunner, outdir: Path, *args: str) -> str:
    result = runner.invoke(main, ["tables", str(outdir), *args])
    assert result.exit_code == 0, result.output
    return result.output


# ---------------------------------------------------------------------------- xlsx


def test_xlsx_has_a_sheet_per_table_with_the_values(run_copy: Path, runner: CliRunner):
    output = _tables(runner, run_copy, "--format", "xlsx")
    path = run_copy / "tables" / "themes.xlsx"
    assert f"Wrote {path}" in output
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == SHEETS
    themes = sheets["themes"]
    assert list(themes.columns) == [
        "Theme",
        "Label",
        "Definition",
        "References",
        "Documents",
        "% documents",
    ]
    assert themes["Theme"].tolist() == ["Care & support", "Pain"]
    assert themes["Label"].tolist() == ["=SUM(1,2) 关怀", "伤痛"]
    assert themes["Definition"].tolist() == ["别人对受访者的关心与陪伴。", "悲伤、哭泣和孤单。"]
    assert themes["References"].tolist() == [3, 2]  # a negated pain coding is no reference
    assert themes["% documents"].tolist() == [66.7, 66.7]
    assert sheets["matrix"].to_dict("list") == {
        "Document": ["t01", "t02", "t03"],
        "=SUM(1,2) 关怀": [2, 1, 0],
        "伤痛": [1, 1, 0],
    }


def test_xlsx_text_never_becomes_a_formula(run_copy: Path, runner: CliRunner):
    from openpyxl import load_workbook

    _tables(runner, run_copy, "--format", "xlsx")
    book = load_workbook(run_copy / "tables" / "themes.xlsx")
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    label = book["themes"]["B2"]
    assert label.value == "=SUM(1,2) 关怀" and label.data_type == "s" and label.quotePrefix
    with zipfile.ZipFile(run_copy / "tables" / "themes.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


def test_office_files_are_reproducible(run_copy: Path, runner: CliRunner, tmp_path: Path):
    created = json.loads((run_copy / "manifest.json").read_text(encoding="utf-8"))["created"]
    for fmt, ext in (("xlsx", "xlsx"), ("docx", "docx")):
        _tables(runner, run_copy, "--format", fmt)
        path = run_copy / "tables" / f"themes.{ext}"
        first = path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            core = archive.read("docProps/core.xml").decode()
        assert core.count(created[:19] + "Z") == 2  # created and modified: the run's date
        _tables(runner, run_copy, "--format", fmt, "--force")
        assert path.read_bytes() == first


# ---------------------------------------------------------------------------- markdown


def test_markdown_tables(run_copy: Path, runner: CliRunner):
    _tables(runner, run_copy, "--format", "markdown", "--level", "code")
    text = (run_copy / "tables" / "codes.md").read_text(encoding="utf-8")
    assert text.count("**Table ") == 4
    assert "| Theme / code | Label | Definition | References | Documents | % documents |" in text
    assert "| :--- | :--- | :--- | ---: | ---: | ---: |" in text
    assert r"| visits | 上门 & 陪伴 50%\_# |" in text
    assert r"| neighbours | 邻里\|照顾 |" in text  # a | inside a cell does not split it
    assert "| **Pain** | **伤痛** |" in text  # theme rows stand out among their codes
    assert r"Report test \<book\>" in text


# ---------------------------------------------------------------------------- latex


def test_latex_is_booktabs_with_escapes(run_copy: Path, runner: CliRunner):
    _tables(runner, run_copy, "--format", "latex", "--level", "code")
    text = (run_copy / "tables" / "codes.tex").read_text(encoding="utf-8")
    assert text.count(r"\begin{table}") == text.count(r"\end{table}") == 4
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert text.count(rule) == 4
    assert r"上门 \& 陪伴 50\%\_\#" in text
    assert r"邻里\textbar{}照顾" in text
    assert r"\label{tab:healcode-codes}" in text
    assert r"\begin{tabular}{@{}llp{0.34\linewidth}rrr@{}}" in text


def _xelatex_ready() -> tuple[str, str]:
    xelatex = shutil.which("xelatex")
    if xelatex is None:
        pytest.skip("xelatex is not installed (Debian: texlive-xetex texlive-lang-chinese)")
    kpsewhich = shutil.which("kpsewhich")
    for package in ("xeCJK.sty", "booktabs.sty"):
        found = (
            kpsewhich
            and subprocess.run([kpsewhich, package], capture_output=True, text=True).stdout.strip()
        )
        if not found:
            pytest.skip(f"{package} is not installed (Debian: texlive-lang-chinese)")
    fc_list = shutil.which("fc-list")
    listing = (
        subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True).stdout
        if fc_list
        else ""
    )
    if not listing.strip():
        pytest.skip("no CJK font for xeCJK (Debian: fonts-noto-cjk or fonts-wqy-microhei)")
    family = listing.splitlines()[0].split(",")[0]
    return xelatex, family


def test_latex_compiles_with_xelatex_and_xecjk(run_copy: Path, runner: CliRunner, tmp_path: Path):
    xelatex, family = _xelatex_ready()
    _tables(runner, run_copy, "--format", "latex", "--level", "code", "--by", "role")
    shutil.copy(run_copy / "tables" / "codes_by_role.tex", tmp_path / "tables.tex")
    (tmp_path / "paper.tex").write_text(
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage{xeCJK}\n"
        f"\\setCJKmainfont[AutoFakeBold]{{{family}}}\n"
        "\\begin{document}\n\\input{tables.tex}\n\\end{document}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [xelatex, "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert "Missing character" not in log  # every Chinese character had a glyph
    assert (tmp_path / "paper.pdf").stat().st_size > 1000


# ---------------------------------------------------------------------------- docx


def test_docx_three_line_tables(run_copy: Path, runner: CliRunner):
    import docx

    _tables(runner, run_copy, "--format", "docx", "--by", "document")
    document = docx.Document(str(run_copy / "tables" / "themes_by_document.docx"))
    assert len(document.tables) == 4
    first = document.tables[0]
    assert [c.text for c in first.rows[0].cells] == [
        "Theme",
        "Label",
        "Definition",
        "References",
        "Documents",
        "% documents",
        "t01",
        "t02",
        "t03",
    ]
    assert [c.text for c in first.rows[1].cells][3:] == ["3", "2", "66.7", "2", "1", "0"]
    captions = [p.text for p in document.paragraphs if p.text.startswith("Table ")]
    assert captions[0] == "Table 1. Themes of 测试 Report test <book>, by document"
    borders = first._tbl.tblPr.xml
    assert 'w:top w:val="single"' in borders and 'w:insideV w:val="nil"' in borders


def _sections(document) -> list[tuple[str, float, float]]:
    return [
        (
            str(s.orientation).split(".")[-1].split()[0].lower(),
            round(s.page_width.mm),
            round(s.page_height.mm),
        )
        for s in document.sections
    ]


def test_docx_pages_are_a4_and_a_table_too_wide_turns_landscape(run_copy: Path, runner: CliRunner):
    import docx

    from healcode.export.docx import natural_width
    from healcode.export.tables import build_paper_tables
    from healcode.run import Run

    _tables(runner, run_copy, "--format", "docx")
    narrow = docx.Document(str(run_copy / "tables" / "themes.docx"))
    assert _sections(narrow) == [("portrait", 210, 297)]
    # every table repeats its header row on each page it runs onto
    assert all('<w:tblHeader w:val="true"/>' in t.rows[0]._tr.xml for t in narrow.tables)

    wide_tables = build_paper_tables(Run.open(run_copy), level="code", by="role")
    widths = [natural_width(t) for t in wide_tables]
    assert widths[0] > 595.3 - 144  # wider than A4's portrait text width
    _tables(runner, run_copy, "--format", "docx", "--level", "code", "--by", "role")
    wide = docx.Document(str(run_copy / "tables" / "codes_by_role.docx"))
    # the wide first table gets a landscape section; the narrower ones go back to portrait
    assert _sections(wide)[0] == ("landscape", 297, 210)
    assert ("portrait", 210, 297) in _sections(wide)[1:]
    # its columns are set to fit the landscape text width, in a size at which no header
    # or label has to break inside a word
    from healcode.export.docx import _ems, table_points

    grid, table = wide.tables[0], wide_tables[0]
    text_width = 841.9 - 144
    points = table_points(table, text_width)
    assert 7 <= points <= 9
    assert grid.rows[1].cells[0].paragraphs[0].runs[0].font.size.pt == points
    widths = [column.width.pt for column in grid.columns]
    assert sum(widths) <= text_width + 1
    for c, name in enumerate(table.columns):
        cells = [name, *(table.text(r, c) for r in range(len(table.rows)))]
        if not table.wraps(c):
            longest = max(_ems(word) for text in cells for word in text.split())
            assert widths[c] >= longest * points + 11.5 - 0.5, (name, widths[c])

    _tables(runner, run_copy, "--format", "docx", "--paper", "letter", "--force")
    letter = docx.Document(str(run_copy / "tables" / "themes.docx"))
    assert _sections(letter) == [("portrait", 216, 279)]


# ---------------------------------------------------------------------------- options


def test_by_metadata_column_uses_the_meta_prefixed_column(run_copy: Path, runner: CliRunner):
    # the bundled-style metadata column "role" clashes with excerpts.csv's speaker role
    assert "meta_role" in pd.read_csv(run_copy / "excerpts.csv").columns
    _tables(runner, run_copy, "--format", "xlsx", "--by", "role")
    themes = pd.read_excel(run_copy / "tables" / "themes_by_role.xlsx", sheet_name="themes")
    assert themes[
        ["parent refs", "parent docs", "volunteer refs", "volunteer docs"]
    ].values.tolist() == [
        [2, 1, 1, 1],
        [1, 1, 1, 1],
    ]
    # the note names the group sizes, counting t03, a parent with no coded excerpt
    _tables(runner, run_copy, "--format", "markdown", "--by", "role")
    text = (run_copy / "tables" / "themes_by_role.md").read_text(encoding="utf-8")
    assert "Documents per role: parent 2, volunteer 1." in text


def test_unknown_by_column(run_copy: Path, runner: CliRunner):
    result = runner.invoke(main, ["tables", str(run_copy), "--format", "xlsx", "--by", "age"])
    assert result.exit_code == 1
    assert "no metadata column 'age'" in result.output and "role, gender" in result.output
    assert not (run_copy / "tables").exists()


def test_existing_table_needs_force(run_copy: Path, runner: CliRunner):
    _tables(runner, run_copy, "--format", "markdown")
    result = runner.invoke(main, ["tables", str(run_copy), "--format", "markdown"])
    assert result.exit_code == 1 and "--force" in result.output
    _tables(runner, run_copy, "--format", "latex")  # another format is another file
    assert listing(run_copy / "tables") == ["themes.md", "themes.tex"]


def test_counts_agree_with_the_run_tables(bundled_run: Path, tmp_path: Path, runner: CliRunner):
    out = tmp_path / "out"
    shutil.copytree(bundled_run, out)
    _tables(runner, out, "--format", "xlsx", "--level", "code", "--by", "role")
    sheets = pd.read_excel(out / "tables" / "codes_by_role.xlsx", sheet_name=None)
    frequencies = pd.read_csv(out / "frequencies.csv")
    themes = frequencies[frequencies["level"] == "theme"]
    table = sheets["codes"]
    by_label = dict(zip(table["Label"], table["References"], strict=True))
    for label, references in zip(themes["label"], themes["references"], strict=True):
        assert by_label[label] == references
    role_refs = table[[c for c in table.columns if c.endswith(" refs")]].sum(axis=1)
    assert (role_refs == table["References"]).all()  # every bundled document has a role
    matrix = pd.read_csv(out / "matrix.csv")
    labels = dict(zip(themes["theme"], themes["label"], strict=True))
    theme_level = tmp_path / "themes"
    shutil.copytree(bundled_run, theme_level)
    _tables(runner, theme_level, "--format", "xlsx")
    ours = pd.read_excel(theme_level / "tables" / "themes.xlsx", sheet_name="matrix")
    for theme, label in labels.items():
        assert ours[label].tolist() == matrix[theme].tolist()


# ---------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("text", "short"),
    [
        (
            "对未来生活的期待、打算和活下去的理由。希望在互助中被植入。",
            "对未来生活的期待、打算和活下去的理由。",
        ),
        ("Feeling useful. Being needed.", "Feeling useful."),
        ("一" * 60, "一" * 39 + "…"),
        ("", ""),
    ],
)
def test_short_definition(text: str, short: str):
    assert short_definition(text) == short


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("50% & #1_a", r"50\% \& \#1\_a"),
        ("{x}~^\\", r"\{x\}\textasciitilde{}\textasciicircum{}\textbackslash{}"),
        ("互助关系（主题词）", "互助关系（主题词）"),
        ("a\nb", "a b"),
    ],
)
def test_escape_latex(text: str, escaped: str):
    assert escape_latex(text) == escaped


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a|b", r"a\|b"),
        ("<b>", r"\<b\>"),
        ("x_y*z", r"x\_y\*z"),
        ("同命人", "同命人"),
    ],
)
def test_escape_markdown(text: str, escaped: str):
    assert escape_markdown(text) == escaped
