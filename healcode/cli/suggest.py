"""``healcode suggest``: candidate terms for a code, from the words typical of its units."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from healcode.choices import CORRECTIONS, MEASURES, Correction, Measure
from healcode.cli.common import (
    formula_notice,
    library_errors,
    print_note,
    scope_options,
    stderr_console,
    stdout_console,
    stopword_list,
    stopword_options,
)

if TYPE_CHECKING:
    from healcode.scope import Scope


@click.command()
@click.argument("outdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--code",
    "code_path",
    required=True,
    metavar="PATH",
    help="The code (theme/code) or theme whose units are the target.",
)
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    default="g2",
    show_default=True,
    help="Log-likelihood G2 or chi-square.",
)
@click.option(
    "--correction",
    type=click.Choice(CORRECTIONS),
    default=None,
    help="Default: williams for g2, yates for chi2 (as quanteda).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many candidates to list.",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Least number of uses in the code's units.",
)
@click.option(
    "-c",
    "--codebook",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Codebook to compare with. Default: the one the run used (manifest.json).",
)
@stopword_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the candidates to this CSV instead of printing them.",
)
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@click.option("--no-bom", is_flag=True, help="Write the CSV as plain UTF-8 (default: with a BOM).")
@scope_options("compared (within what the run coded)", roles="all")
@library_errors
def suggest(
    outdir: Path,
    code_path: str,
    measure: Measure,
    correction: Correction | None,
    top: int,
    min_count: int,
    codebook: Path | None,
    stopwords_file: Path | None,
    no_stopwords: bool,
    output: Path | None,
    force: bool,
    no_bom: bool,
    scope: Scope,
) -> None:
    """Suggest terms for a code from a coding run in OUTDIR.

    Compares the words of the units coded with --code against all other coded
    (in-scope) units and lists the words most typical of the code's units
    (keyness, as quanteda's textstat_keyness) that are not yet its terms, with
    their counts and an example. `target`/`ref`: uses in the code's units / in the
    others; `units`: code units using it; `matched`: uses already inside one of the
    code's matches (a word always inside them is not listed). Read each in context
    with `healcode kwic WORD` before adding it to the codebook. The run decided whose
    speech is in scope; --roles, --speakers and --where narrow the comparison (e.g.
    --where role=parent compares within the parents' documents).

    \b
    Examples:
      healcode code -o run
      healcode suggest run --code hope/looking_forward
      healcode suggest run --code emotional_pain --measure chi2 --top 30 -o candidates.csv
    """
    from healcode.keyness import suggest_terms

    stopwords = stopword_list(stopwords_file, no_stopwords)
    if output is not None:  # before the run is read: a bad -o fails at once
        from healcode.outdir import check_writable_file
        from healcode.run import RUN_FILES

        sources = [outdir / name for name in RUN_FILES]  # a file beside them is fine
        check_writable_file(output, force=force, inputs=sources)
    result = suggest_terms(
        outdir,
        code_path,
        measure=measure,
        correction=correction,
        top=top,
        min_count=min_count,
        codebook_path=codebook,
        stopwords=stopwords,
        scope=scope,
    )
    err = stderr_console()
    for note in result.notes:
        err.print(f"note: {note}", markup=False, soft_wrap=True)
    score = "G2" if result.measure == "g2" else "chi2"
    header = [
        "word",
        score,
        "p",
        "target",
        "reference",
        "units",
        "matched",
        "other_codes",
        "example_document",
        "example_unit",
        "example",
    ]
    rows = [
        [
            s.word,
            f"{s.score:.4f}",
            f"{s.p:.4g}",
            s.target,
            s.reference,
            s.units,
            s.matched,
            "; ".join(s.other_codes),
            s.example_document,
            s.example_unit,
            s.example,
        ]
        for s in result.suggestions
    ]
    summary = (
        f"{result.code}: {result.target_units} coded units vs {result.reference_units} "
        f"other in-scope units; {score} with {result.correction} correction"
    )
    if output is not None:
        from healcode.words import write_rows_csv

        cells = write_rows_csv(output, header, rows, bom=not no_bom, force=force, inputs=sources)
        if cells:
            print_note(stderr_console(), formula_notice({output.name: cells}))
        err.print(f"{summary}. Wrote {len(rows)} candidates to {output}", soft_wrap=True)
        return
    if not rows:
        err.print(f"{summary}. No candidates (try --min-count 2).", soft_wrap=True)
        return
    _print(header, rows, summary)


def _print(header: list[str], rows: list[list[object]], summary: str) -> None:
    from rich.table import Table

    table = Table(title=summary, title_justify="left")
    for column in (header[0], header[1], "target", "ref", "units", "matched"):
        table.add_column(column, justify="left" if column == "word" else "right", no_wrap=True)
    table.add_column("example (document#unit)", overflow="fold")
    for row in rows:
        example = f"{row[8]}#{row[9]}: {row[10]}"
        if row[7]:
            example = f"[also a term of {row[7]}] {example}"
        table.add_row(str(row[0]), str(row[1]), *(str(v) for v in row[3:7]), example)
    stdout_console().print(table)
