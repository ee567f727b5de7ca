"""A coding run folder: the one place that knows its files, writes them and reads them.

``write_run`` writes a run (tables as CSV and ``manifest.json``, staged and atomic);
``Run.open`` reads one back for every consumer (report, tables, REFI-QDA export,
agreement, term suggestions, review). The files and their columns are declared once,
in ``healcode.run.schema``.
"""

from healcode.run.read import (
    CodeInfo,
    Run,
    hit_records,
    read_table,
    read_units,
    rows_of,
    unit_records,
)
from healcode.run.schema import RUN_FILES, TableSpec
from healcode.run.write import write_csv, write_run

__all__ = [
    "RUN_FILES",
    "CodeInfo",
    "Run",
    "TableSpec",
    "hit_records",
    "read_table",
    "read_units",
    "rows_of",
    "unit_records",
    "write_csv",
    "write_run",
]
