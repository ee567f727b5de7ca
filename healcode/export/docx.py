"""Paper tables as a Word document: captions, three-line tables (三线表) and notes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from healcode.export.tables import PaperTable

LATIN_FONT = "Times New Roman"
EAST_ASIAN_FONT = "SimSun"  # 宋体, the usual body font of Chinese journals
RULE_HEAVY, RULE_LIGHT = "12", "6"  # eighths of a point: 1.5 pt and 0.75 pt


def docx_document(tables: Sequence[PaperTable]) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    document.core_properties.author = "healcode"
    document.core_properties.last_modified_by = "healcode"
    document.core_properties.revision = 1
    _set_fonts(document)
    for number, table in enumerate(tables, start=1):
        caption = document.add_paragraph()
        caption.add_run(f"Table {number}. ").bold = True
        caption.add_run(table.caption)
        grid = document.add_table(rows=len(table.rows) + 1, cols=len(table.columns))
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        for c, name in enumerate(table.columns):
            _fill(grid.cell(0, c), name, bold=True, right=table.is_numeric(c), size=Pt(9))
        for r in range(len(table.rows)):
            for c in range(len(table.columns)):
                _fill(grid.cell(r + 1, c), table.text(r, c), bold=table.is_strong(r),
                      right=table.is_numeric(c), size=Pt(9))
        _three_lines(grid)
        if table.note:
            note = document.add_paragraph()
            note.add_run("Note. ").italic = True
            run = note.add_run(table.note)
            run.font.size = Pt(8)
            note.alignment = WD_ALIGN_PARAGRAPH.LEFT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


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
    for edge, size in (("top", RULE_HEAVY), ("left", None), ("bottom", RULE_HEAVY),
                       ("right", None), ("insideH", None), ("insideV", None)):
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
        for key, value in (("w:val", "single"), ("w:sz", RULE_LIGHT), ("w:space", "0"),
                           ("w:color", "000000")):
            bottom.set(qn(key), value)
        cell_borders.append(bottom)
        cell._tc.get_or_add_tcPr().append(cell_borders)
