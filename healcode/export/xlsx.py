"""Paper tables as one XLSX workbook, a sheet per table, the header in the first row.

Text is always stored as text: a label such as ``=SUM(1,2)`` must not become a formula
(openpyxl turns any string starting with ``=`` into one), so every text cell is typed
as a string and marked with Excel's quote prefix.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from healcode.export.tables import PaperTable

SHEET_NAME_CHARS = 31  # Excel's limit


def xlsx_workbook(tables: Sequence[PaperTable]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    book.properties.creator = "healcode"
    book.properties.lastModifiedBy = "healcode"
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(table.name[:SHEET_NAME_CHARS])
        for column, name in enumerate(table.columns, start=1):
            _text_cell(sheet.cell(row=1, column=column), name).font = bold
        for r, row in enumerate(table.rows):
            for c, value in enumerate(row):
                cell = sheet.cell(row=r + 2, column=c + 1)
                if table.is_numeric(c) and isinstance(value, int | float):
                    cell.value = value
                    digits = table.decimals[c] or 0
                    cell.number_format = "0" if digits == 0 else "0." + "0" * digits
                else:
                    _text_cell(cell, str(value))
                    if table.wraps(c):
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                if table.is_strong(r):
                    cell.font = bold
        for c in range(len(table.columns)):
            texts = [table.columns[c], *(table.text(r, c) for r in range(len(table.rows)))]
            width = max(_display_width(t) for t in texts) + 2
            sheet.column_dimensions[get_column_letter(c + 1)].width = min(width, 60)
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_cell(cell, text: str):
    cell.value = text
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if text[:1] in ("=", "+", "-", "@"):
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    return cell


def _display_width(text: str) -> int:
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)
