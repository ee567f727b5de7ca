"""The report's charts as inline SVG: no script, no font file, no request.

Text is drawn by the browser with the page's fonts, so Chinese labels render with
whatever CJK font the reader's system has, and the charts print sharp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from healcode.colors import sequential

FONT_SIZE = 12


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    note: str  # drawn after the bar, e.g. "37 · 9 documents"
    color: str
    href: str = ""


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Rough advance width: CJK and full-width characters are square, the rest ~0.6 em."""
    return sum(size if ord(char) >= 0x2E80 else 0.6 * size for char in text)


def shorten(text: str, width: float, size: float = FONT_SIZE) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _link(content: str, href: str) -> str:
    return f'<a href="{escape(href)}">{content}</a>' if href else content


def bar_chart(bars: Sequence[Bar], *, title: str, bar_width: int = 360) -> str:
    """Horizontal bars, one per theme, longest first in codebook order."""
    label_width = max((text_width(b.label) for b in bars), default=0) + 12
    note_width = max((text_width(b.note) for b in bars), default=0) + 12
    row, top = 26, 6
    width = round(label_width + bar_width + note_width)
    height = top + row * len(bars) + 6
    peak = max((b.value for b in bars), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-size="{FONT_SIZE}"><title>{escape(title)}</title>'
    ]
    for i, bar in enumerate(bars):
        y = top + i * row
        length = round(bar_width * bar.value / peak, 1)
        parts.append(
            _link(
                f'<text x="{label_width - 8:.0f}" y="{y + 16}" text-anchor="end">'
                f"{escape(bar.label)}</text>",
                bar.href,
            )
            + f'<rect x="{label_width:.0f}" y="{y + 3}" width="{length}" height="18" '
            f'fill="{bar.color}"><title>{escape(bar.label)}: {escape(bar.note)}</title></rect>'
            f'<text x="{label_width + length + 6:.0f}" y="{y + 16}">{escape(bar.note)}</text>'
        )
    parts.append(
        f'<line x1="{label_width:.0f}" y1="{top}" x2="{label_width:.0f}" '
        f'y2="{height - 6}" stroke="#555"/></svg>'
    )
    return "".join(parts)


def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[int]],
    *,
    title: str,
    row_links: Sequence[str] = (),
    column_colors: Sequence[str] = (),
    diagonal: bool = False,
) -> str:
    """A table of counts coloured by size; with ``diagonal`` the diagonal is set apart
    (co-occurrence: it holds each theme's own count) and left out of the scale."""
    cell_w, cell_h = max(56, round(max((text_width(c) for c in columns), default=0)) + 10), 22
    label_width = min(max((text_width(r) for r in rows), default=0), 220) + 12
    head = 30
    width = round(label_width + cell_w * len(columns)) + 2
    height = head + cell_h * len(rows) + 2
    scaled = [
        v for i, line in enumerate(values) for j, v in enumerate(line) if not (diagonal and i == j)
    ]
    peak = max(scaled, default=0) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-size="{FONT_SIZE}"><title>{escape(title)}</title>'
    ]
    for j, column in enumerate(columns):
        x = label_width + j * cell_w + cell_w / 2
        color = column_colors[j] if j < len(column_colors) else "#333"
        parts.append(
            f'<text x="{x:.0f}" y="{head - 14}" text-anchor="middle">{escape(column)}</text>'
            f'<rect x="{x - cell_w / 2 + 2:.0f}" y="{head - 8}" width="{cell_w - 4}" height="4" '
            f'fill="{color}"/>'
        )
    for i, row in enumerate(rows):
        y = head + i * cell_h
        label = escape(shorten(row, label_width - 12))
        text = (
            f'<text x="{label_width - 8:.0f}" y="{y + 15}" text-anchor="end">{label}'
            f"<title>{escape(row)}</title></text>"
        )
        parts.append(_link(text, row_links[i] if i < len(row_links) else ""))
        for j, value in enumerate(values[i]):
            x = label_width + j * cell_w
            own = diagonal and i == j
            fill = "#E8E8E8" if own else sequential(value / peak)
            ink = "#FFF" if not own and value / peak > 0.55 else "#222"
            style = ' font-style="italic"' if own else ""
            parts.append(
                f'<rect x="{x:.0f}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" '
                f'stroke="#FFF"><title>{escape(row)} × {escape(columns[j])}: {value}</title></rect>'
                f'<text x="{x + cell_w / 2:.0f}" y="{y + 15}" text-anchor="middle" '
                f'fill="{ink}"{style}>{value}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
