"""The report's three charts as files for papers (PNG at 300 dpi, SVG, PDF), with matplotlib.

Chinese labels need a font with CJK glyphs, or matplotlib draws empty boxes. None is
shipped with matplotlib, so one installed on the system is found (by family name,
then through fontconfig), or the caller names a font file; with none, an error says
how to install one instead of writing charts with boxes.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from healcode.colors import theme_color
from healcode.errors import HealcodeError

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from healcode.run import Run

ChartFormat = Literal["png", "svg", "pdf"]
CHART_FORMATS: tuple[ChartFormat, ...] = ("png", "svg", "pdf")
CHART_NAMES = ("theme_frequencies", "theme_document_heatmap", "theme_cooccurrence")
DPI = 300
ANNOTATE_LIMIT = 600  # cells; beyond this a heat map shows colour only

# Simplified-Chinese fonts first, then any CJK font; Linux, Windows and macOS names.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "DengXian",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Songti SC",
    "SimSun",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Arial Unicode MS",
)
FONT_HELP = (
    "install one (Debian/Ubuntu: apt-get install fonts-noto-cjk or fonts-wqy-microhei; "
    "Fedora: dnf install google-noto-sans-cjk-fonts) or pass --font with a .ttf/.otf/.ttc file"
)


@dataclass(frozen=True, slots=True)
class CjkFont:
    family: str
    path: str


def find_cjk_font(font: str | Path | None = None) -> CjkFont:
    """A font that has Chinese glyphs: ``font`` (a file or a family name) or one installed."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    if font is not None:
        path = Path(font)
        if path.is_file():
            manager.addfont(str(path))
            family = font_manager.FontProperties(fname=str(path)).get_name()
            if not _has_chinese(str(path)):
                raise HealcodeError(f"{path}: this font has no Chinese characters; {FONT_HELP}")
            return CjkFont(family, str(path))
        for entry in manager.ttflist:
            if entry.name.casefold() == str(font).casefold():
                return CjkFont(entry.name, entry.fname)
        raise HealcodeError(f"--font {font}: no such font file or installed font family")
    known = {entry.name: entry.fname for entry in manager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return CjkFont(family, known[family])
    # matplotlib's font cache may predate the fonts; ask fontconfig for Chinese ones.
    for candidate in _fontconfig_chinese():
        try:
            manager.addfont(candidate)
            family = font_manager.FontProperties(fname=candidate).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
        if _has_chinese(candidate):
            return CjkFont(family, candidate)
    raise HealcodeError(f"no font with Chinese characters found for the chart labels; {FONT_HELP}")


def _fontconfig_chinese() -> list[str]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        listing = subprocess.run(
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    paths = sorted({line.split(":")[0].strip() for line in listing.splitlines() if line.strip()})
    # Sans-serif, simplified Chinese first: the labels are short and set small.
    return sorted(paths, key=lambda p: (not any(k in p.lower() for k in ("sans", "hei")), p))


def _has_chinese(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(c) in charmap for c in "中文主题")


def render_charts(
    run: Run, formats: Sequence[ChartFormat], *, font: str | Path | None = None
) -> dict[str, bytes]:
    """``{"theme_frequencies.png": b"...", ...}`` for every chart and format."""
    import matplotlib

    cjk = find_cjk_font(font)
    settings: dict[RcKeyType, Any] = {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk.family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.hashsalt": "healcode",  # stable element ids: same run, same SVG bytes
        "pdf.fonttype": 42,  # TrueType, not Type 3: publishers' PDF checks reject Type 3
        "font.size": 9,
    }
    files: dict[str, bytes] = {}
    with matplotlib.rc_context(settings):
        figures = {
            "theme_frequencies": _frequency_figure(run),
            "theme_document_heatmap": _document_figure(run),
            "theme_cooccurrence": _cooccurrence_figure(run),
        }
        for name, figure in figures.items():
            for fmt in formats:
                files[f"{name}.{fmt}"] = _save(figure, fmt)
    return files


def _save(figure: Figure, fmt: ChartFormat) -> bytes:
    buffer = io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
    figure.savefig(buffer, format=fmt, dpi=DPI, bbox_inches="tight", metadata=metadata[fmt])
    return buffer.getvalue()


def _frequency_figure(run: Run) -> Figure:
    from matplotlib.figure import Figure

    themes = run.frequencies[run.frequencies["level"] == "theme"]
    labels = list(themes["label"])
    values = [int(v) for v in themes["references"]]
    notes = [
        f"{r} ({d} doc., {p:g}%)"
        for r, d, p in zip(
            themes["references"], themes["documents"], themes["documents_pct"], strict=True
        )
    ]
    figure = Figure(figsize=(6.4, 0.5 * len(labels) + 1.2))
    ax = figure.subplots()
    positions = list(range(len(labels)))[::-1]  # first theme on top
    ax.barh(positions, values, color=[theme_color(i) for i in range(len(labels))], height=0.65)
    ax.set_yticks(positions, labels)
    for y, value, note in zip(positions, values, notes, strict=True):
        ax.annotate(note, (value, y), xytext=(4, 0), textcoords="offset points", va="center")
    ax.set_xlabel("References (coded units)")
    ax.set_xlim(0, max(values, default=0) * 1.35 or 1)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Theme frequencies", loc="left")
    return figure


def _heat_map(
    figure: Figure,
    values: list[list[int]],
    rows: list[str],
    columns: list[str],
    *,
    diagonal: bool,
    colorbar_label: str,
) -> None:
    import matplotlib
    import numpy as np

    data = np.array(values, dtype=float).reshape(len(rows), len(columns))
    ax = figure.subplots()
    own = np.eye(len(rows), len(columns), dtype=bool)
    shown = np.ma.masked_where(own, data) if diagonal else data
    cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#E8E8E8")
    image = ax.imshow(shown, cmap=cmap, aspect="auto", vmin=0, vmax=max(float(shown.max()), 1.0))
    ax.set_xticks(
        range(len(columns)),
        columns,
        rotation=30 if len(columns) > 6 else 0,
        ha="right" if len(columns) > 6 else "center",
    )
    ax.set_yticks(range(len(rows)), rows, fontsize=9 if len(rows) <= 40 else 6)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    peak = float(shown.max()) or 1.0
    if data.size <= ANNOTATE_LIMIT:
        for i in range(len(rows)):
            for j in range(len(columns)):
                on_diagonal = diagonal and i == j
                dark = not on_diagonal and data[i, j] / peak > 0.55
                ax.text(
                    j,
                    i,
                    f"{int(data[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else "#222",
                    style="italic" if on_diagonal else "normal",
                )
    figure.colorbar(image, ax=ax, label=colorbar_label, shrink=0.8 if len(rows) > 8 else 1.0)


def _document_figure(run: Run) -> Figure:
    from matplotlib.figure import Figure

    themes = [t for t in run.themes if t.path in run.matrix.columns]
    values = [
        [int(v) for v in line]
        for line in run.matrix[[t.path for t in themes]].itertuples(index=False)
    ]
    rows = list(run.document_ids)
    figure = Figure(
        figsize=(
            1.9 + 0.95 * len(themes) + 0.07 * max(map(len, rows), default=0),
            1.3 + 0.26 * len(rows),
        )
    )
    _heat_map(
        figure, values, rows, [t.label for t in themes], diagonal=False, colorbar_label="References"
    )
    figure.suptitle("Themes × documents", x=0.02, ha="left")
    return figure


def _cooccurrence_figure(run: Run) -> Figure:
    from matplotlib.figure import Figure

    co = run.cooccurrence
    themes = [t for t in run.themes if t.path in co.columns and t.path in set(co["theme"])]
    by_theme = {
        row[0]: row[1:] for row in co[["theme", *(t.path for t in themes)]].itertuples(index=False)
    }
    values = [[int(v) for v in by_theme[t.path]] for t in themes]
    labels = [t.label for t in themes]
    size = 2.2 + 0.8 * len(themes)
    figure = Figure(figsize=(size + 1.2, size))
    _heat_map(
        figure, values, labels, labels, diagonal=True, colorbar_label="Units coded with both themes"
    )
    figure.suptitle("Theme co-occurrence (diagonal: the theme's own units)", x=0.02, ha="left")
    return figure
