"""``healcode code``: code transcripts with a codebook and write the tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from healcode.cli.common import (
    Inputs,
    formula_notice,
    input_options,
    library_errors,
    print_note,
    print_warnings,
    stderr_console,
    stdout_console,
)
from healcode.corpus.units import UNIT_KINDS
from healcode.fold import FOLD_MODES

if TYPE_CHECKING:
    from healcode.coding import CodingResult


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-c", "--codebook", type=click.Path(path_type=Path),
              help="Codebook YAML. Default: the bundled social-healing codebook.")
@click.option("-o", "--outdir", type=click.Path(path_type=Path), default=Path("healcode-out"),
              show_default=True, help="Directory for the output tables.")
@click.option("--unit", type=click.Choice(UNIT_KINDS), default="sentence", show_default=True,
              help="What is coded: sentences, whole speaker turns, or paragraphs (lines).")
@input_options("coded")
@click.option("--negation-window", type=click.IntRange(0, 20), default=None,
              help="Tokens before a term searched for a negator. Default: the codebook's (3).")
@click.option("--fold", type=click.Choice(FOLD_MODES), default="auto",
              show_default=True,
              help="Match traditional-character text through a simplified copy (OpenCC t2s); "
                   "auto: documents that are mostly traditional, when the codebook is simplified.")
@click.option("--model", "model", type=click.Path(path_type=Path), default=None,
              help="A learned model (healcode learn) that codes beside the dictionary. "
                   "Default: the bundled model with the bundled codebook, none otherwise.")
@click.option("--no-model", is_flag=True, help="The dictionary alone, even with the bundled "
              "codebook.")
@click.option("--strict", is_flag=True, help="Stop at the first file that cannot be read.")
@click.option("--no-bom", is_flag=True,
              help="Write CSVs as plain UTF-8 (default: with a BOM for Excel).")
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary table.")
@library_errors
def code(
    paths: tuple[Path, ...],
    codebook: Path | None,
    outdir: Path,
    unit: str,
    inputs: Inputs,
    negation_window: int | None,
    fold: str,
    model: Path | None,
    no_model: bool,
    strict: bool,
    no_bom: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Code transcripts (PATHS: files or directories) and write the tables to OUTDIR.

    With no PATHS the bundled Warm Heart Home corpus is coded; with no --codebook
    the bundled social-healing codebook is used.

    \b
    Examples:
      healcode code
      healcode code interviews/ -c my_codebook.yaml -o results --unit turn
      healcode code survey.xlsx --id-column 编号 --text-column 回答 -c my_codebook.yaml
      healcode code interviews/ -c my_codebook.yaml --model my_model
    """
    from healcode.bundled import default_codebook_path, default_corpus_path, default_model_path
    from healcode.codebook import load_codebook
    from healcode.coding import code_corpus
    from healcode.outdir import staged_directory
    from healcode.run.write import write_run_files

    err = stderr_console()
    if not paths:
        paths = (default_corpus_path(),)
        err.print(f"No PATHS given: coding the bundled corpus {paths[0]}", soft_wrap=True)
    if no_model and model is not None:
        raise click.UsageError("use either --model or --no-model")
    bundled = codebook is None or Path(codebook).resolve() == default_codebook_path().resolve()
    if codebook is None:
        codebook = default_codebook_path()
        err.print(f"No --codebook given: using the bundled codebook {codebook}", soft_wrap=True)
    if model is None and bundled and not no_model:
        model = default_model_path()
        if not quiet:
            err.print("Coding with the bundled learned model beside the dictionary "
                      "(--no-model for the dictionary alone)", soft_wrap=True)
    sources = [*paths, codebook, *([inputs.metadata] if inputs.metadata else []),
               *([model] if model is not None else [])]
    notes: list[str] = []
    # The output folder is checked, locked and staged before anything is read or coded.
    with staged_directory(outdir, force=force, inputs=sources, notes=notes) as staging:
        book = load_codebook(codebook)
        corpus = inputs.corpus(paths, strict=strict)
        options = inputs.coding_options(unit=unit, negation_window=negation_window, fold=fold,
                                        model=str(model) if model is not None else None)
        if quiet:
            result = code_corpus(corpus, book, options=options)
        else:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            with Progress(TextColumn("coding"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("{task.description}"), console=err, transient=True) as bar:
                task = bar.add_task("", total=len(corpus.sources))
                result = code_corpus(
                    corpus, book, options=options,
                    on_document=lambda d: bar.update(task, advance=1, description=d.id),
                )
        formulas = write_run_files(result, staging, bom=not no_bom)
    for note in notes:
        print_note(err, note)
    if formulas:
        print_note(err, formula_notice(formulas))
    if not quiet:
        _summary(result, outdir)
    print_warnings(err, result.warnings)
    if result.excluded:
        err.print(f"{len(result.excluded)} document(s) left out by --where "
                  f"{' '.join(options.where)}", markup=False, highlight=False, soft_wrap=True)
    if result.skipped:
        for reason in result.skipped:
            err.print(f"skipped: {reason}", markup=False, highlight=False, soft_wrap=True)
        raise click.ClickException(
            f"{len(result.skipped)} file(s) could not be read and were skipped (listed above)"
        )


def _summary(result: CodingResult, outdir: Path) -> None:
    from rich.table import Table

    from healcode.run import RUN_FILES

    frequencies = result.frequencies
    table = Table(title=f"{result.codebook.name}: {len(result.documents)} documents")
    for column in ("theme", "label", "references", "documents"):
        numeric = column in ("references", "documents")
        table.add_column(column, justify="right" if numeric else "left")
    for row in frequencies[frequencies["level"] == "theme"].itertuples():
        table.add_row(str(row.theme), str(row.label), str(row.references), str(row.documents))
    out = stdout_console()
    out.print(table)
    out.print(f"Wrote {len(RUN_FILES)} files to {outdir}/: " + ", ".join(RUN_FILES))
