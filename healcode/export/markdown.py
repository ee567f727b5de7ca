"""Paper tables as Markdown (GitHub / Pandoc pipe tables), one after another."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from healcode.export.tables import PaperTable

# Characters that Markdown would read as markup inside a table cell.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def escape_markdown(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def markdown_table(table: PaperTable) -> str:
    def cell(row: int, column: int) -> str:
        text = escape_markdown(table.text(row, column))
        return f"**{text}**" if table.is_strong(row) and text else text

    lines = [
        "| " + " | ".join(escape_markdown(c) for c in table.columns) + " |",
        "| "
        + " | ".join("---:" if table.is_numeric(i) else ":---" for i in range(len(table.columns)))
        + " |",
    ]
    lines.extend(
        "| " + " | ".join(cell(r, c) for c in range(len(table.columns))) + " |"
        for r in range(len(table.rows))
    )
    return "\n".join(lines)


def markdown_tables(tables: Sequence[PaperTable]) -> str:
    parts = []
    for number, table in enumerate(tables, start=1):
        parts.append(f"**Table {number}.** {escape_markdown(table.caption)}\n")
        parts.append(markdown_table(table) + "\n")
        if table.note:
            parts.append(f"*Note.* {escape_markdown(table.note)}\n")
    return "\n".join(parts)
