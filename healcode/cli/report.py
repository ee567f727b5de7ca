"""``healcode report``: one self-contained HTML page (and chart files) of a coding run."""

from __future__ import annotations

from pathlib import Path

import click

from healcode.cli.common import library_errors, stderr_console, stdout_console
from healcode.report.charts import CHART_FORMATS, ChartFormat


@click.command()
@click.argument(
    "outdir", type=click.Path(path_type=Path), default=Path("healcode-out"), required=False
)
@click.option(
    "--charts",
    "charts",
    multiple=True,
    type=click.Choice(CHART_FORMATS),
    help="Also write the charts to OUTDIR/charts/ (PNG at 300 dpi; repeatable).",
)
@click.option(
    "-c",
    "--codebook",
    type=click.Path(path_type=Path),
    default=None,
    help="The codebook the run used, if it has moved (checked by SHA-256). "
    "Default: the path in manifest.json.",
)
@click.option(
    "--font",
    default=None,
    metavar="FILE|FAMILY",
    help="Font with Chinese characters for the chart files. Default: one installed.",
)
@click.option("--force", is_flag=True, help="Replace an existing report.html and chart files.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@library_errors
def report(
    outdir: Path,
    charts: tuple[ChartFormat, ...],
    codebook: Path | None,
    font: str | None,
    force: bool,
    quiet: bool,
) -> None:
    """Write OUTDIR/report.html from the output directory of `healcode code`.

    The page holds the run, the frequency table, the charts, the excerpts of every
    theme, every transcript with its coded passages highlighted, and the codebook. It
    is one file with nothing to fetch: open it offline, mail it, print it.

    \b
    Examples:
      healcode code && healcode report
      healcode report results --charts png --charts pdf
    """
    from healcode.report import write_report

    written = write_report(outdir, charts=charts, force=force, codebook=codebook, font=font)
    if not quiet:
        err = stderr_console()
        for warning in written.warnings:
            err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
        out = stdout_console()
        main, *rest = written.paths
        size = main.stat().st_size / 1_000_000
        out.print(f"Wrote {main} ({size:.1f} MB)", markup=False, highlight=False, soft_wrap=True)
        if rest:
            out.print(
                f"Wrote {len(rest)} chart files to {rest[0].parent}/: "
                + ", ".join(p.name for p in rest),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
