"""One colour per theme, the same in the HTML report, the chart files and the review page."""

from __future__ import annotations

# Okabe & Ito's colour-blind-safe qualitative palette (without black), reordered so
# that the first five themes get the most distinct hues; cycled past seven themes.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")


def theme_color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def tint(color: str, amount: float) -> str:
    """``color`` mixed with white: 0.0 is white, 1.0 the colour itself."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(255 - (255 - c) * amount) for c in (red, green, blue))
    return "#" + "".join(f"{c:02X}" for c in mixed)


def sequential(value: float) -> str:
    """A white-to-dark-blue scale for heat maps, ``value`` in [0, 1]."""
    value = min(max(value, 0.0), 1.0)
    low, high = (247, 251, 255), (8, 48, 107)  # ColorBrewer Blues, ends
    mixed = (round(a + (b - a) * value) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{c:02X}" for c in mixed)
