"""Paper tables as a Word document: captions, three-line tables (三线表) and notes.

Pages are A4 (or US Letter) portrait; a table too wide for the portrait text width gets a
landscape section of its own, with column widths set to fit it (headers wrap between
words, long text columns wrap first), and every table repeats its header row on each page.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from healcode.export.tables import PaperTable

Paper = Literal["a4", "letter"]
PAPERS: tuple[Paper, ...] = ("a4", "letter")
LATIN_FONT = "Times New Roman"
EAST_ASIAN_FONT = "SimSun"  # 宋体, the usual body font of Chinese journals
RULE_HEAVY, RULE_LIGHT = "12", "6"  # eighths of a point: 1.5 pt and 0.75 pt
TABLE_POINTS = 9  # font size in tables
SMALLER_POINTS = (8.0, 7.0)  # tried in turn for a table too wide for a landscape page
# Page sizes and margin in points; the margin is Word's default (2.54 cm).
_PAGE_POINTS: dict[Paper, tuple[float, float]] = {"a4": (595.3, 841.9), "letter": (612.0, 792.0)}
_MARGIN_POINTS = 72.0
_CELL_PADDING_POINTS = 11.5  # Word's default left + right cell margins (0.08 in each)
_WRAPPED_EMS = 14  # a column of long text is set about this wide and wraps
_NARROWEST_TEXT_EMS = 6  # how narrow a wrapping text column may become in a wide table


def docx_document(tables: Sequence[PaperTable], *, paper: Paper = "a4") -> bytes:
    from docx import Document
    from docx.enum.section import WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    document.core_properties.author = "healcode"
    document.core_properties.last_modified_by = "healcode"
    document.core_properties.revision = 1
    _set_fonts(document)
    portrait_width = _PAGE_POINTS[paper][0] - 2 * _MARGIN_POINTS
    landscape: bool | None = None
    for number, table in enumerate(tables, start=1):
        wide = natural_width(table) > portrait_width
        if landscape is None:
            _set_page(document.sections[0], paper, landscape=wide)
        elif wide != landscape:
            _set_page(document.add_section(WD_SECTION.NEW_PAGE), paper, landscape=wide)
        landscape = wide
        caption = document.add_paragraph()
        caption.add_run(f"Table {number}. ").bold = True
        caption.add_run(table.caption)
        points: float = TABLE_POINTS
        if wide:
            available = _PAGE_POINTS[paper][1] - 2 * _MARGIN_POINTS
            points = table_points(table, available)
        grid = document.add_table(rows=len(table.rows) + 1, cols=len(table.columns))
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        for c, name in enumerate(table.columns):
            _fill(grid.cell(0, c), name, bold=True, right=table.is_numeric(c), size=Pt(points))
        for r in range(len(table.rows)):
            for c in range(len(table.columns)):
                _fill(
                    grid.cell(r + 1, c),
                    table.text(r, c),
                    bold=table.is_strong(r),
                    right=table.is_numeric(c),
                    size=Pt(points),
                )
        _three_lines(grid)
        _repeat_header(grid)
        if wide:
            _set_widths(grid, column_widths(table, available, points))
        if table.note:
            note = document.add_paragraph()
            note.add_run("Note. ").italic = True
            run = note.add_run(table.note)
            run.font.size = Pt(8)
            note.alignment = WD_ALIGN_PARAGRAPH.LEFT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def natural_width(table: PaperTable) -> float:
    """Points a table needs unwrapped at TABLE_POINTS (long text columns wrap at
    _WRAPPED_EMS), cell margins included: what decides portrait or landscape."""
    return sum(
        _natural_ems(table, c) * TABLE_POINTS + _CELL_PADDING_POINTS
        for c in range(len(table.columns))
    )


def table_points(table: PaperTable, available: float) -> float:
    """The font size of a wide table: TABLE_POINTS if its columns fit ``available`` points
    at their narrowest readable widths, else the first of SMALLER_POINTS at which they do
    (else the smallest: then words break)."""
    columns = range(len(table.columns))
    narrowest = sum(min(_narrowest_ems(table, c), _natural_ems(table, c)) for c in columns)
    padding = len(table.columns) * _CELL_PADDING_POINTS
    for points in (TABLE_POINTS, *SMALLER_POINTS):
        if narrowest * points + padding <= available:
            return points
    return SMALLER_POINTS[-1]


def column_widths(table: PaperTable, available: float, points: float = TABLE_POINTS) -> list[float]:
    """Points per column (cell margins included) for a table set in ``available`` points
    at a font size of ``points``.

    Each column starts at its natural width. If they do not fit, each gives way down to
    its narrowest readable width (the longest word of its header, the widest number, a
    wrapping text column _NARROWEST_TEXT_EMS), in proportion to what it can give; only a
    table that does not fit even then is scaled down as a whole (Word breaks words).
    """
    columns = range(len(table.columns))
    natural = [_natural_ems(table, c) for c in columns]
    narrowest = [min(_narrowest_ems(table, c), natural[c]) for c in columns]
    room = (available - len(natural) * _CELL_PADDING_POINTS) / points
    if sum(natural) <= room:
        ems = natural
    elif sum(narrowest) <= room:
        give = (sum(natural) - room) / (sum(natural) - sum(narrowest))
        ems = [n - (n - m) * give for n, m in zip(natural, narrowest, strict=True)]
    else:
        ems = [m * max(room, 0.0) / sum(narrowest) for m in narrowest]
    return [e * points + _CELL_PADDING_POINTS for e in ems]


def _natural_ems(table: PaperTable, column: int) -> float:
    texts = [table.columns[column], *(table.text(r, column) for r in range(len(table.rows)))]
    ems = max(_ems(text) for text in texts)
    return min(ems, _WRAPPED_EMS) if table.wraps(column) else ems


def _narrowest_ems(table: PaperTable, column: int) -> float:
    """The longest word of the header and of the cells (a Chinese run counts whole:
    labels such as 互助关系 are not broken); a wrapping text column _NARROWEST_TEXT_EMS."""
    texts = [table.columns[column], *(table.text(r, column) for r in range(len(table.rows)))]
    longest = max((_ems(word) for text in texts for word in text.split()), default=0.0)
    if table.wraps(column):
        return max(min(longest, _WRAPPED_EMS), _NARROWEST_TEXT_EMS)
    return longest


def _ems(text: str) -> float:
    """Width of a line in ems: a Chinese character is one, a Latin letter or digit half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def _set_page(section, paper: Paper, *, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    width, height = _PAGE_POINTS[paper]
    if landscape:
        width, height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Pt(width), Pt(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Pt(_MARGIN_POINTS))


def _repeat_header(grid) -> None:
    """The header row repeats at the top of each page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(header)


def _set_widths(grid, widths: list[float]) -> None:
    """Fixed column widths (in the grid and in every cell, as Word reads both), the table
    as wide as their sum."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    grid.autofit = False  # w:tblLayout fixed: Word keeps the widths instead of guessing
    properties = grid._tbl.tblPr
    for old in properties.findall(qn("w:tblW")):
        properties.remove(old)
    total = OxmlElement("w:tblW")
    total.set(qn("w:type"), "dxa")
    total.set(qn("w:w"), str(sum(round(w * 20) for w in widths)))  # twentieths of a point
    properties.append(total)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Pt(width)
        for cell in column.cells:
            cell.width = Pt(width)


def _set_fonts(document) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = document.styles["Normal"]
    style.font.name = LATIN_FONT
    style.font.size = Pt(10.5)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    language = style.element.get_or_add_rPr().find(qn("w:lang"))
    if language is None:
        from docx.oxml import OxmlElement

        language = OxmlElement("w:lang")
        style.element.get_or_add_rPr().append(language)
    language.set(qn("w:eastAsia"), "zh-CN")


def _fill(cell, text: str, *, bold: bool, right: bool, size) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = size
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _three_lines(grid) -> None:
    """A heavy rule above and below the table and a light one under the header row."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = grid._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge, size in (
        ("top", RULE_HEAVY),
        ("left", None),
        ("bottom", RULE_HEAVY),
        ("right", None),
        ("insideH", None),
        ("insideV", None),
    ):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single" if size else "nil")
        if size:
            element.set(qn("w:sz"), size)
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), "000000")
        borders.append(element)
    properties.append(borders)
    for cell in grid.rows[0].cells:
        cell_borders = OxmlElement("w:tcBorders")
        bottom = OxmlElement("w:bottom")
        for key, value in (
            ("w:val", "single"),
            ("w:sz", RULE_LIGHT),
            ("w:space", "0"),
            ("w:color", "000000"),
        ):
            bottom.set(qn(key), value)
        cell_borders.append(bottom)
        cell._tc.get_or_add_tcPr().append(cell_borders)
