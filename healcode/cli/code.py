"""``healcode code``: code transcripts with a codebook and write the tables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from healcode.cli.common import (
    Inputs,
    fold_option,
    formula_notice,
    input_options,
    library_errors,
    print_note,
    print_warnings,
    stderr_console,
    stdout_console,
)
from healcode.corpus.units import UNIT_KINDS

if TYPE_CHECKING:
    from healcode.coding import DocumentInfo
    from healcode.corpus import Corpus
    from healcode.engine import RunSummary


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-c",
    "--codebook",
    type=click.Path(path_type=Path),
    help="Codebook YAML. Default: the bundled social-healing codebook.",
)
@click.option(
    "-o",
    "--outdir",
    type=click.Path(path_type=Path),
    default=Path("healcode-out"),
    show_default=True,
    help="Directory for the output tables.",
)
@click.option(
    "--unit",
    type=click.Choice(UNIT_KINDS),
    default="sentence",
    show_default=True,
    help="What is coded: sentences, whole speaker turns, or paragraphs (lines).",
)
@input_options("coded")
@click.option(
    "--negation-window",
    type=click.IntRange(0, 20),
    default=None,
    help="Tokens before a term searched for a negator. Default: the codebook's (3).",
)
@fold_option
@click.option(
    "--model",
    "model",
    type=click.Path(path_type=Path),
    default=None,
    help="A learned model (healcode learn) that codes beside the dictionary. "
    "Default: the bundled model with the bundled codebook, none otherwise.",
)
@click.option(
    "--no-model", is_flag=True, help="The dictionary alone, even with the bundled codebook."
)
@click.option("--strict", is_flag=True, help="Stop at the first file that cannot be read.")
@click.option(
    "--no-bom", is_flag=True, help="Write CSVs as plain UTF-8 (default: with a BOM for Excel)."
)
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1),
    default=None,
    help="Worker processes coding documents side by side (1: this process only). "
    "Default: every usable core, or 1 for a corpus under 1 MB.",
)
@click.option(
    "--dask",
    metavar="ADDRESS",
    default=None,
    help="Code on a Dask cluster: the scheduler's address (tcp://host:8786), or "
    "'local' for a local cluster of --jobs workers. Needs healcode[dask].",
)
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
    jobs: int | None,
    dask: str | None,
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
      healcode code big_corpus/ -o results --jobs 8
      healcode code big_corpus/ -o results --dask tcp://scheduler:8786
    """
    from healcode.bundled import default_codebook_path, default_corpus_path, default_model_path
    from healcode.codebook import load_codebook
    from healcode.engine import code_into
    from healcode.outdir import staged_directory

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
            err.print(
                "Coding with the bundled learned model beside the dictionary "
                "(--no-model for the dictionary alone)",
                soft_wrap=True,
            )
    sources = [
        *paths,
        codebook,
        *([inputs.metadata] if inputs.metadata else []),
        *([model] if model is not None else []),
    ]
    notes: list[str] = []
    # The output folder is checked, locked and staged before anything is read or coded.
    with staged_directory(outdir, force=force, inputs=sources, notes=notes) as staging:
        book = load_codebook(codebook)
        corpus = inputs.corpus(paths, strict=strict)
        options = inputs.coding_options(
            unit=unit,
            negation_window=negation_window,
            fold=fold,
            model=str(model) if model is not None else None,
        )
        workers = _workers(jobs, dask, corpus)
        if quiet:
            summary = code_into(
                staging, corpus, book, options=options, jobs=workers, dask=dask, bom=not no_bom
            )
        else:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            # Advanced per document and redrawn by hand (at most ten times a second): no
            # drawing thread runs while worker processes start.
            with Progress(
                TextColumn("coding"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                console=err,
                transient=True,
                auto_refresh=False,
            ) as bar:
                task = bar.add_task("", total=len(corpus.sources))
                drawn = [0.0]

                def advance(document: DocumentInfo) -> None:
                    bar.update(task, advance=1, description=document.id)
                    if time.monotonic() - drawn[0] >= 0.1:
                        bar.refresh()
                        drawn[0] = time.monotonic()

                summary = code_into(
                    staging,
                    corpus,
                    book,
                    options=options,
                    jobs=workers,
                    dask=dask,
                    bom=not no_bom,
                    on_document=advance,
                )
        formulas = summary.formulas
    for note in notes:
        print_note(err, note)
    if formulas:
        print_note(err, formula_notice(formulas))
    if not quiet:
        _summary(summary, book.name, outdir)
    print_warnings(err, summary.warnings)
    if summary.excluded:
        err.print(
            f"{len(summary.excluded)} document(s) left out by --where {' '.join(options.where)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if summary.skipped:
        for reason in summary.skipped:
            err.print(f"skipped: {reason}", markup=False, highlight=False, soft_wrap=True)
        raise click.ClickException(
            f"{len(summary.skipped)} file(s) could not be read and were skipped (listed above)"
        )


# Below this much input, starting worker processes costs more than they save.
_PARALLEL_BYTES = 1_000_000


def _workers(jobs: int | None, dask: str | None, corpus: Corpus) -> int:
    """--jobs, or by default every usable core (one for a small corpus; for --dask local,
    one Dask worker per core)."""
    from healcode.engine import usable_cores

    if jobs is not None:
        return jobs
    if dask is None and sum(_size(s.path) for s in corpus.sources) < _PARALLEL_BYTES:
        return 1
    return usable_cores()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _summary(summary: RunSummary, name: str, outdir: Path) -> None:
    from rich.table import Table

    from healcode.run import RUN_FILES

    table = Table(title=f"{name}: {summary.documents} documents")
    for column in ("theme", "label", "references", "documents"):
        numeric = column in ("references", "documents")
        table.add_column(column, justify="right" if numeric else "left")
    frequencies = summary.frequencies
    for row in frequencies.rows:
        values = dict(zip(frequencies.columns, row, strict=True))
        if values["level"] == "theme":
            table.add_row(
                values["theme"],
                values["label"],
                str(values["references"]),
                str(values["documents"]),
            )
    out = stdout_console()
    out.print(table)
    out.print(f"Wrote {len(RUN_FILES)} files to {outdir}/: " + ", ".join(RUN_FILES))
