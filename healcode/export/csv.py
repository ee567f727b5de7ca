"""CSV as Excel on Chinese Windows reads it: UTF-8 with a BOM (optional), LF line ends."""

from __future__ import annotations

import csv
from pathlib import Path

from healcode.tables import Table


def write_csv(table: Table, path: Path, *, bom: bool = True) -> None:
    # The BOM is written by hand: the "utf-8-sig" codec encodes in Python, the plain
    # "utf-8" one in C, and the CSVs of a large run are written several times faster.
    with path.open("w", encoding="utf-8", newline="") as handle:
        if bom:
            handle.write("\ufeff")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(table.columns)
        writer.writerows(table.rows)
