"""A codebook as an appendix table for a paper: Markdown, LaTeX or Word.

One row per theme, then one per code: theme, code, definition, when to use, when not
to use, example, terms (with patterns and exclusions, labelled). The same codebook
gives byte-identical files.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from healcode.choices import ShowFormat
from healcode.codebook.schema import Code, Codebook, Theme
from healcode.latex import escape_latex

Format = ShowFormat
FORMATS: tuple[Format, ...] = ("markdown", "latex", "docx")
HEADER = ("Theme", "Code", "Definition", "When to use", "When not to use", "Example", "Terms")
# Zip entries carry a date; a fixed one keeps the .docx byte-identical between runs.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class AppendixRow:
    theme: str  # "" on the rows of a theme's codes
    code: str  # "" on the theme's own row
    definition: str
    when_to_use: str
    when_not_to_use: str
    example: str
    terms: tuple[str, ...]
    patterns: tuple[str, ...]
    exclude: tuple[str, ...]

    def cells(self) -> tuple[str, str, str, str, str, str]:
        return (
            self.theme,
            self.code,
            self.definition,
            self.when_to_use,
            self.when_not_to_use,
            self.example,
        )


def _label(node: Theme | Code) -> str:
    return f"{node.label} ({node.label_en})" if node.label_en else node.label


def appendix_rows(codebook: Codebook) -> list[AppendixRow]:
    rows = []
    for theme in codebook.themes:
        nodes: tuple[Theme | Code, ...] = (theme, *theme.codes)
        for node in nodes:
            is_theme = node is theme
            rows.append(
                AppendixRow(
                    _label(theme) if is_theme else "",
                    "" if is_theme else _label(node),
                    _flat(node.definition),
                    _flat(node.when_to_use),
                    _flat(node.when_not_to_use),
                    _flat(node.example),
                    tuple(node.terms),
                    tuple(node.patterns),
                    tuple(node.exclude),
                )
            )
    return rows


# YAML's folded scalars join lines with a space, which Chinese text does not use.
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])")


def _flat(text: str) -> str:
    return _CJK_SPACE.sub("", " ".join(text.split()))


def render_markdown(codebook: Codebook) -> str:
    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|")

    def code_span(text: str) -> str:
        return f"`{text.replace('|', chr(92) + '|')}`"

    lines = [f"## {cell(codebook.name)}", ""]
    if codebook.source:
        lines += [cell(_flat(codebook.source)), ""]
    lines += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in appendix_rows(codebook):
        terms = "、".join(cell(t) for t in row.terms)
        if row.patterns:
            terms += (
                ("; " if terms else "")
                + "patterns: "
                + ", ".join(code_span(p) for p in row.patterns)
            )
        if row.exclude:
            terms += (
                ("; " if terms else "")
                + "except in units with: "
                + "、".join(cell(e) for e in row.exclude)
            )
        title = [f"**{cell(row.theme)}**" if row.theme else "", cell(row.code)]
        lines.append("| " + " | ".join([*title, *(cell(c) for c in row.cells()[2:]), terms]) + " |")
    return "\n".join(lines) + "\n"


def render_latex(codebook: Codebook) -> str:
    """A ``longtable`` to \\input into a paper (XeLaTeX with ctex or xeCJK for Chinese)."""
    widths = ("2.2cm", "2.2cm", "3.4cm", "3cm", "3cm", "3cm", "3.6cm")
    spec = "".join(f">{{\\raggedright\\arraybackslash}}p{{{w}}}" for w in widths)
    head = " & ".join(f"\\textbf{{{h}}}" for h in HEADER) + r" \\"
    lines = [
        "% Codebook appendix written by healcode. Needs \\usepackage{longtable,array} and,",
        "% for Chinese, XeLaTeX with \\usepackage{ctex} (or xeCJK); landscape pages suit it.",
        f"\\begin{{longtable}}{{{spec}}}",
        f"\\caption{{{escape_latex(codebook.name)}}}\\\\",
        r"\hline",
        head,
        r"\hline",
        r"\endfirsthead",
        r"\hline",
        head,
        r"\hline",
        r"\endhead",
        r"\hline",
        r"\endfoot",
    ]
    for row in appendix_rows(codebook):
        terms = "、".join(escape_latex(t) for t in row.terms)
        if row.patterns:
            terms += (
                ("; " if terms else "")
                + "patterns: "
                + ", ".join(f"\\texttt{{{escape_latex(p)}}}" for p in row.patterns)
            )
        if row.exclude:
            terms += (
                ("; " if terms else "")
                + "except in units with: "
                + "、".join(escape_latex(e) for e in row.exclude)
            )
        theme = f"\\textbf{{{escape_latex(row.theme)}}}" if row.theme else ""
        cells = [theme, *(escape_latex(c) for c in row.cells()[1:]), terms]
        lines.append(" & ".join(cells) + r" \\")
        if row.theme:
            lines.append(r"\hline")
    lines += [r"\hline", r"\end{longtable}"]
    return "\n".join(lines) + "\n"


def render_docx(codebook: Codebook) -> bytes:
    """A Word document with the table on landscape pages."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(codebook.name, level=1)
    if codebook.source:
        document.add_paragraph(_flat(codebook.source))
    table = document.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    for row in appendix_rows(codebook):
        terms = "、".join(row.terms)
        if row.patterns:
            terms += ("; " if terms else "") + "patterns: " + ", ".join(row.patterns)
        if row.exclude:
            terms += ("; " if terms else "") + "except in units with: " + "、".join(row.exclude)
        cells = table.add_row().cells
        for cell, value in zip(cells, [*row.cells(), terms], strict=True):
            cell.text = value
        if row.theme:
            for run in cells[0].paragraphs[0].runs:
                run.bold = True
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_dates(buffer.getvalue())


def _fixed_dates(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info))
    return out.getvalue()


def render_codebook(codebook: Codebook, fmt: Format) -> str | bytes:
    if fmt == "markdown":
        return render_markdown(codebook)
    if fmt == "latex":
        return render_latex(codebook)
    return render_docx(codebook)


def write_appendix(codebook: Codebook, path: Path, fmt: Format, *, force: bool = False) -> None:
    """Write the appendix table atomically; an existing file needs ``force``."""
    from healcode.outdir import staged_file

    content = render_codebook(codebook, fmt)
    with staged_file(path, force=force) as staging:
        if isinstance(content, bytes):
            staging.write_bytes(content)
        else:
            staging.write_text(content, encoding="utf-8", newline="\n")
