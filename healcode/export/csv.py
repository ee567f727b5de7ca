"""CSV as Excel on Chinese Windows reads it: UTF-8 with a BOM (optional), LF line ends."""

from __future__ import annotations

import csv
from pathlib import Path

from healcode.tables import Table


def write_csv(table: Table, path: Path, *, bom: bool = True) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(table.columns)
        writer.writerows(table.rows)
