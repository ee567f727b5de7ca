"""``healcode tables``: paper-ready tables of a coding run (XLSX, Markdown, LaTeX, DOCX)."""

from __future__ import annotations

from pathlib import Path

import click

from healcode.choices import LEVELS, Level
from healcode.cli.common import library_errors, stderr_console, stdout_console
from healcode.export.docx import PAPERS, Paper
from healcode.export.tables import TABLE_FORMATS, TableFormat


@click.command()
@click.argument(
    "outdir", type=click.Path(path_type=Path), default=Path("healcode-out"), required=False
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(TABLE_FORMATS),
    required=True,
    help="xlsx (a sheet per table), markdown, latex (booktabs) or docx.",
)
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="theme",
    show_default=True,
    help="Rows: themes, or themes with their codes.",
)
@click.option(
    "--by",
    default=None,
    metavar="document|COLUMN",
    help="Break the theme table down by document or a metadata column (role, gender).",
)
@click.option(
    "--paper",
    type=click.Choice(PAPERS),
    default="a4",
    show_default=True,
    help="Page size of a Word document (a table too wide turns landscape).",
)
@click.option(
    "-c",
    "--codebook",
    type=click.Path(path_type=Path),
    default=None,
    help="The codebook the run used, if it has moved (for the definitions).",
)
@click.option("--force", is_flag=True, help="Replace an existing table file.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@library_errors
def tables(
    outdir: Path,
    fmt: TableFormat,
    level: Level,
    by: str | None,
    paper: Paper,
    codebook: Path | None,
    force: bool,
    quiet: bool,
) -> None:
    """Write paper-ready tables of OUTDIR (a `healcode code` output) to OUTDIR/tables/.

    One file holds the theme table (label, short definition, references, documents,
    %), the frequency table, the document x theme matrix and the theme co-occurrence.

    \b
    Examples:
      healcode tables healcode-out --format xlsx
      healcode tables healcode-out --format latex --level code
      healcode tables healcode-out --format docx --by role
    """
    from healcode.export.tables import write_tables

    written = write_tables(
        outdir, fmt=fmt, level=level, by=by, force=force, codebook=codebook, paper=paper
    )
    if not quiet:
        err = stderr_console()
        for warning in written.warnings:
            err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
        names = ", ".join(t.name for t in written.tables)
        stdout_console().print(
            f"Wrote {written.path} ({names})", markup=False, highlight=False, soft_wrap=True
        )
