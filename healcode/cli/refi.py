"""``healcode export`` and ``healcode import``: REFI-QDA files for NVivo, ATLAS.ti,
MAXQDA and QualCoder, out and back in."""

from __future__ import annotations

from pathlib import Path

import click

from healcode.choices import EXPORT_FORMATS, POSITION_CHOICES, ExportFormat, PositionChoice
from healcode.cli.common import formula_notice, library_errors, print_note, stderr_console


@click.command()
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--format",
    "format_",
    type=click.Choice(EXPORT_FORMATS),
    default="qdpx",
    show_default=True,
    help="qdpx: the project (sources, coding, cases); qdc: the codebook only.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write. Default: OUTDIR/project.qdpx or OUTDIR/codebook.qdc.",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@library_errors
def export(outdir: Path, format_: ExportFormat, output: Path | None, force: bool) -> None:
    """Export the coding run in OUTDIR (written by healcode code) as REFI-QDA.

    The project opens in NVivo, ATLAS.ti, MAXQDA or QualCoder: every document with its
    exact text, the codebook as nested codes, every coded unit as a selection coded by
    the user "healcode <version>", and document metadata as cases with variables. The
    inputs of the run are read again and must be unchanged since the run.

    \b
    Examples:
      healcode export healcode-out                 # healcode-out/project.qdpx
      healcode export healcode-out --format qdc    # healcode-out/codebook.qdc
      healcode export healcode-out -o review.qdpx --force
    """
    from healcode.refi.export import export_run

    summary = export_run(outdir, format=format_, path=output, force=force)
    if summary.format == "qdc":
        detail = f"{summary.codes} codes"
    else:
        detail = (
            f"{summary.sources} sources, {summary.codes} codes, "
            f"{summary.selections} selections, {summary.codings} codings, "
            f"{summary.cases} cases"
        )
    click.echo(f"Wrote {summary.path} ({detail})")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--outdir",
    type=click.Path(path_type=Path),
    required=True,
    help="Directory for codebook.yaml, sources/ and codings.csv.",
)
@click.option(
    "--positions",
    type=click.Choice(POSITION_CHOICES),
    default="auto",
    show_default=True,
    help="How the file counts selection positions: Unicode code points (the "
    "standard), UTF-16 units (NVivo, QualCoder) or UTF-8 bytes (Taguette), on "
    "the text as stored or, with -lf, with CRLF counted as one. auto: decided "
    "per source by where the selections fall; ambiguous cases are warned.",
)
@click.option(
    "--coder",
    default=None,
    metavar="NAME",
    help="Coder of every coding, e.g. the reviewer of a project healcode exported "
    "(it mixes kept healcode codings and the reviewer's). Default: the user "
    "who made each coding.",
)
@click.option(
    "--no-bom",
    is_flag=True,
    help="Write codings.csv as plain UTF-8 (default: with a BOM for Excel).",
)
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
@library_errors
def import_exchange(
    file: Path,
    outdir: Path,
    positions: PositionChoice,
    coder: str | None,
    no_bom: bool,
    force: bool,
) -> None:
    """Import a REFI-QDA project (.qdpx) or codebook (.qdc) from another QDA program.

    Writes OUTDIR/codebook.yaml (a healcode codebook; codes from other programs have no
    terms yet), OUTDIR/sources/*.txt (the texts, ready for healcode code),
    OUTDIR/codings.csv (document, start, end, code, coder, text: every human coding),
    which healcode agree compares with healcode's own coding, and OUTDIR/import.json
    (the file's origin, and how each source's positions were read).

    \b
    Examples:
      healcode import reviewed.qdpx -o reviewed --coder reviewer
      healcode agree reviewed/codings.csv healcode-out/excerpts.csv --units healcode-out/units.csv
      healcode import codebook.qdc -o imported-codebook
    """
    from healcode.refi.importing import RECORD_NAME, positions_report
    from healcode.refi.importing import import_exchange as run_import

    summary = run_import(
        file, outdir, force=force, positions=positions, coder=coder, bom=not no_bom
    )
    err = stderr_console()
    for warning in summary.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    source = f"exported by {summary.origin}" if summary.origin else "(its origin is not given)"
    click.echo(f"Read {file.name}: a {summary.kind} {source}")
    for line in positions_report(summary):
        click.echo(line)
    written = ["codebook.yaml"] if summary.codes else []
    if summary.kind == "project":
        written += [
            f"sources/ ({summary.sources} texts)",
            f"codings.csv ({summary.codings} codings)",
        ]
    written.append(RECORD_NAME)
    click.echo(f"Wrote {summary.outdir}/: {summary.codes} codes; " + ", ".join(written))
    if summary.formulas:
        print_note(err, formula_notice({"codings.csv": summary.formulas}))
