"""``healcode agree`` and ``healcode evaluate``: inter-coder agreement and scores
against a gold standard."""

from __future__ import annotations

from pathlib import Path

import click

from healcode.choices import ABSENT, LEVELS, Absent, Level
from healcode.cli.common import library_errors, min_overlap_option, stderr_console, stdout_console

_level = click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="theme",
    show_default=True,
    help="Compare themes (a code path's first part) or full code paths.",
)
_outdir = click.option(
    "-o",
    "--outdir",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write agreement.csv and disagreements.csv to this directory.",
)
_no_bom = click.option(
    "--no-bom", is_flag=True, help="Write CSVs as plain UTF-8 (default: with a BOM for Excel)."
)
_force = click.option("--force", is_flag=True, help="Replace an existing output directory.")
_quiet = click.option("-q", "--quiet", is_flag=True, help="No table on the terminal.")


@click.command()
@click.argument("codings", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--units",
    type=click.Path(path_type=Path),
    default=None,
    help="units.csv of a healcode run: its coded units are the units compared. "
    "Default: every unit named in any codings file.",
)
@_level
@click.option(
    "--reference",
    metavar="NAME",
    default=None,
    help="A coder (e.g. a gold standard) to score the others against: precision, recall and F1.",
)
@click.option(
    "--absent",
    type=click.Choice(ABSENT),
    default="not-coded",
    show_default=True,
    help="A unit missing from a coder's file: coded with nothing (not-coded), "
    "or missing data for that coder (missing).",
)
@min_overlap_option
@click.option(
    "-c",
    "--codebook",
    type=click.Path(path_type=Path),
    default=None,
    help="Codebook YAML: report each of its themes (codes, with --level code) even "
    "if unused, and warn about codes it does not have.",
)
@_outdir
@_no_bom
@_force
@_quiet
@library_errors
def agree(
    codings: tuple[Path, ...],
    units: Path | None,
    level: Level,
    reference: str | None,
    absent: Absent,
    min_overlap: float,
    codebook: Path | None,
    outdir: Path | None,
    no_bom: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Agreement between coders: percent agreement, Cohen's / Fleiss' kappa and
    Krippendorff's alpha per code, and their means over codes.

    CODINGS are CSV files with document, unit, code (one row per unit and code; an
    empty code means "seen, no code") and optionally coder (default: the file's stem)
    and text. healcode's excerpts.csv is one. A file with document, start, end, code
    instead (coded character ranges from a QDA program) needs --units: a range codes
    every unit it covers by at least --min-overlap of the unit's length. A file with
    only a header is a coder who saw every unit and coded none.

    \b
    Examples:
      healcode agree anna.csv ben.csv --units healcode-out/units.csv
      healcode agree gold.csv healcode-out/excerpts.csv --reference gold -o agreement
      healcode agree coders.csv --absent missing --level code
      healcode agree anna.csv ben.csv -c codebooks/social_healing.yaml
    """
    from healcode.outdir import check_writable
    from healcode.reliability import agreement

    if outdir is not None:
        check_writable(outdir, force=force, inputs=[*codings, *([units] if units else [])])
    result = agreement(
        codings,
        units=units,
        level=level,
        reference=reference,
        absent=absent,
        min_overlap=min_overlap,
        codebook=codebook,
    )
    _report(result, outdir, force=force, bom=not no_bom, quiet=quiet)


@click.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "--gold",
    required=True,
    type=click.Path(path_type=Path),
    help="Codings CSV of a human gold standard (document, unit, code[, coder, "
    "text]); its text, if given, must still match the run's units.",
)
@_level
@_outdir
@_no_bom
@_force
@_quiet
@library_errors
def evaluate(
    run: Path,
    gold: Path,
    level: Level,
    outdir: Path | None,
    no_bom: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Score a `healcode code` output directory RUN against a gold standard: precision,
    recall, F1, Cohen's kappa and Krippendorff's alpha per theme (or code).

    The run's units.csv gives the units; a unit the gold file does not mention counts
    as "no code" in the gold.

    \b
    Example:
      healcode code -o healcode-out
      healcode evaluate healcode-out --gold corpora/warm_heart_home/gold.csv
    """
    from healcode.outdir import check_writable
    from healcode.reliability import evaluate as evaluate_run

    if outdir is not None:
        check_writable(outdir, force=force, inputs=[run, gold])
    result = evaluate_run(run, gold=gold, level=level)
    _report(result, outdir, force=force, bom=not no_bom, quiet=quiet)


def _report(result, outdir: Path | None, *, force: bool, bom: bool, quiet: bool) -> None:
    err = stderr_console()
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    for note in result.notes:
        err.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    if not quiet:
        _print_table(result)
    if outdir is not None:
        written = result.write(outdir, force=force, bom=bom)
        if not quiet:
            stdout_console().print(
                f"Wrote {len(written)} files to {outdir}/: " + ", ".join(p.name for p in written),
                soft_wrap=True,
            )


def _print_table(result) -> None:
    from rich import box
    from rich.table import Table

    retrieval = result.reference is not None
    pairwise_only = len(result.coders) == 2
    who = " ~ ".join(result.coders) if pairwise_only else ", ".join(result.coders)
    # No vertical rules or edges: five theme names and seven figures fit in 80 columns.
    table = Table(
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        show_edge=False,
        title=f"Agreement at {result.level} level: {who}, {result.units} units",
        caption="coded: units each coder coded; kappa: Cohen's for a pair, Fleiss' for (all)",
    )
    # The units compared are in the title unless missing data makes them differ by row.
    by_row = result.table["units"].nunique() > 1
    headers = (
        ["code"]
        + ([] if pairwise_only else ["coders"])
        + (["units"] if by_row else [])
        + ["coded", "agree%", "kappa", "alpha"]
    )
    if retrieval:
        headers += ["prec.", "recall", "F1"]
    for header in headers:
        left = header in ("code", "coders")
        # Codes and numbers stay whole; coder names and "n/a (reason)" wrap.
        table.add_column(
            header,
            justify="left" if left else "right",
            no_wrap=header in ("code", "coded"),
            min_width=len(header) if left else 6,
        )
    previous = None
    for row in result.table.itertuples(index=False):
        pair = row.coder_a if not row.coder_b else f"{row.coder_a} ~ {row.coder_b}"
        if previous is not None and pair != previous:
            table.add_section()
        previous = pair
        coded = f"{row.coded_a}/{row.coded_b}" if row.coded_a != "" else ""
        kappa = row.fleiss_kappa if row.coder_a == "(all)" else row.cohen_kappa
        cells = (
            [row.code]
            + ([] if pairwise_only else [pair])
            + ([str(row.units)] if by_row else [])
            + [
                coded,
                _show(row.percent_agreement, digits=1),
                _show(kappa),
                _show(row.krippendorff_alpha),
            ]
        )
        if retrieval:
            cells += [_show(row.precision), _show(row.recall), _show(row.f1)]
        table.add_row(*cells)
    stdout_console().print(table)


def _show(value: object, *, digits: int = 3) -> str:
    if isinstance(value, float | int):
        return f"{value:.{digits}f}"
    return str(value)
