"""Write a coding run folder: its tables as CSV and ``manifest.json``, staged and atomic."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healcode.outdir import staged_directory
from healcode.run.schema import (
    COOCCURRENCE,
    DOCUMENTS,
    EXCERPTS,
    FREQUENCIES,
    HITS,
    MANIFEST,
    MATRIX,
    RUN_FILES,
    RUN_FORMAT,
    UNITS,
)

if TYPE_CHECKING:
    from healcode.coding import CodingResult
    from healcode.run.tables import Table

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_run(
    result: CodingResult,
    outdir: str | Path,
    *,
    force: bool = False,
    bom: bool = True,
    inputs: Iterable[str | Path] = (),
    notes: list[str] | None = None,
) -> list[Path]:
    """Write the run folder ``outdir`` (``RUN_FILES``); nothing is replaced but a run folder
    healcode wrote, and only with ``force``; ``inputs`` may not overlap it."""
    outdir = Path(outdir)
    sources = [*inputs, *(i.path for i in result.inputs)]
    with staged_directory(outdir, force=force, inputs=sources, notes=notes) as staging:
        write_run_files(result, staging, bom=bom)
    return [outdir / name for name in RUN_FILES]


def write_run_files(result: CodingResult, folder: Path, *, bom: bool = True) -> dict[str, int]:
    """Write the run's files into ``folder`` (a staging folder); return formula-like cells
    per file (see :func:`formula_cells`)."""
    from healcode.run import tables as build

    tables = {
        DOCUMENTS.file: build.documents_table(result),
        UNITS.file: build.units_table(result.units),
        EXCERPTS.file: build.excerpts_table(result),
        HITS.file: build.hits_table(result.hits),
        FREQUENCIES.file: build.frequencies_table(result),
        MATRIX.file: build.matrix_table(result),
        COOCCURRENCE.file: build.cooccurrence_table(result),
    }
    for name, table in tables.items():
        write_csv(folder / name, table.columns, table.rows, bom=bom)
    manifest = build_manifest(result, {n: len(t) for n, t in tables.items()}, bom=bom)
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    counts = {name: formula_cells(table) for name, table in tables.items()}
    return {name: count for name, count in counts.items() if count}


def write_csv(
    path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True
) -> None:
    """CSV as Excel on Chinese Windows reads it: UTF-8 with a BOM (optional), LF line ends.

    Every healcode CSV is written here. Cells are written exactly (offsets and texts stay
    true); see :func:`formula_cells` for what a spreadsheet may make of them.
    """
    # The BOM is written by hand: the "utf-8-sig" codec encodes in Python, the plain
    # "utf-8" one in C, and the CSVs of a large run are written several times faster.
    with path.open("w", encoding="utf-8", newline="") as handle:
        if bom:
            handle.write("\ufeff")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def formula_cells(table: Table) -> int:
    """Text cells a spreadsheet would read as a formula (they start with = + - @)."""
    return sum(
        1 for row in table.rows for value in row
        if isinstance(value, str) and value.startswith(FORMULA_STARTS)
    )


def build_manifest(result: CodingResult, rows: dict[str, int], *, bom: bool) -> dict[str, object]:
    """Everything needed to reproduce the run; the only place that records the date."""
    from healcode import __version__

    codebook = result.codebook
    return {
        "healcode": __version__,
        "run_format": RUN_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "codebook": {
            "path": str(Path(codebook.path).resolve()) if codebook.path else None,
            "sha256": codebook.sha256,
            "name": codebook.name,
        },
        "segmenter": {"name": result.segmenter, "version": result.segmenter_version},
        "model": _model_record(result),
        "options": {**result.reading, **result.options_dict(), "bom": bom},
        "inputs": [
            {"path": i.path, "root": i.root, "sha256": i.sha256, "encoding": i.encoding,
             "documents": list(i.ids)}
            for i in result.inputs
        ],
        "skipped": result.skipped,
        "metadata_columns": result.metadata_columns,
        "header_columns": result.header_columns,
        "excluded": result.excluded,
        "warnings": result.warnings,
        "counts": {
            "documents": len(result.documents),
            "units": len(result.units),
            "coded_units": sum(u.in_scope for u in result.units),
            "hits": len(result.hits),
            "excerpts": rows[EXCERPTS.file],
        },
        "rows": rows,
    }


def _model_record(result: CodingResult) -> dict[str, object] | None:
    """The learned model that coded beside the dictionary: enough to know it again."""
    model = result.model
    if model is None:
        return None
    return {
        "path": str(Path(model.path).resolve()) if model.path else None,
        "sha256": model.sha256,
        "level": model.level,
        "thresholds": {label: round(value, 4) for label, value in model.thresholds.items()},
        "rules": dict(model.rules),
    }
