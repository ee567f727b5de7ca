"""The HTML report and the chart files of a coding run, built from its output directory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from healcode.errors import OutputError
from healcode.report.charts import CHART_FORMATS, CHART_NAMES, ChartFormat
from healcode.run import Run

__all__ = [
    "CHART_FORMATS",
    "ChartFormat",
    "ReportFiles",
    "read_run_directory",
    "write_report",
]

REPORT_NAME = "report.html"
CHARTS_DIR = "charts"


@dataclass(frozen=True, slots=True)
class ReportFiles:
    paths: tuple[Path, ...]  # report.html first, then the chart files
    warnings: tuple[str, ...]  # e.g. the codebook could not be found unchanged


def read_run_directory(outdir: str | Path, *, codebook: str | Path | None = None) -> Run:
    """The run folder a report is made of (``healcode.run.Run``)."""
    return Run.open(outdir, codebook=codebook)


def write_report(
    outdir: str | Path,
    *,
    charts: Sequence[ChartFormat] = (),
    force: bool = False,
    codebook: str | Path | None = None,
    font: str | Path | None = None,
) -> ReportFiles:
    """Write ``outdir/report.html`` (and ``outdir/charts/*`` in each of ``charts``).

    Everything is rendered in memory first, so a bad input or a missing font leaves
    nothing written; each file is then moved into place whole.
    """
    from healcode.outdir import IN_PLACE, staged_file
    from healcode.report.html import render_report

    outdir = Path(outdir)
    formats = list(dict.fromkeys(charts))
    run = Run.open(outdir, codebook=codebook)
    targets = [outdir / REPORT_NAME] + [
        outdir / CHARTS_DIR / f"{name}.{fmt}" for name in CHART_NAMES for fmt in formats
    ]
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise OutputError(f"{existing[0]}: already exists{more}; use --force to replace it")
    files: dict[Path, bytes] = {}
    if formats:
        from healcode.report.charts import render_charts

        for name, data in render_charts(run, formats, font=font).items():
            files[outdir / CHARTS_DIR / name] = data
    files = {outdir / REPORT_NAME: render_report(run).encode("utf-8"), **files}
    for path, data in files.items():
        with staged_file(path, force=True, elsewhere=IN_PLACE) as staging:
            staging.write_bytes(data)
    return ReportFiles(tuple(files), run.warnings)
