"""CSV as Excel on Chinese Windows reads it: UTF-8 with a BOM (optional), LF line ends."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_csv(frame: pd.DataFrame, path: Path, *, bom: bool = True) -> None:
    frame.to_csv(
        path, index=False, encoding="utf-8-sig" if bom else "utf-8", lineterminator="\n"
    )
