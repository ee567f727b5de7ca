"""``healcode words``: word frequencies after segmentation, overall or by group."""

from __future__ import annotations

from pathlib import Path

import click

from healcode.cli.common import (
    Inputs,
    codebook_or_bundled,
    corpus_paths,
    csv_output_options,
    fold_option,
    formula_notice,
    input_options,
    library_errors,
    print_note,
    print_warnings,
    stderr_console,
    stdout_console,
    stopword_list,
    stopword_options,
)
from healcode.fold import FoldMode

TERMINAL_TOP = 30  # rows per group shown on the terminal when --top is not given


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--by",
    default=None,
    metavar="GROUP",
    help="Count per document, per speaker, or per value of a metadata column.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=None,
    help=f"Rows per group. Default: all with -o, {TERMINAL_TOP} on the terminal.",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Leave out words used fewer times (within their group).",
)
@stopword_options
@click.option(
    "--keep-notes",
    is_flag=True,
    help="Also count words in transcriber's notes such as （笑） or （停顿）.",
)
@click.option(
    "-c",
    "--codebook",
    type=click.Path(path_type=Path),
    default=None,
    help="Codebook whose terms are added to the dictionary. Default: the bundled one.",
)
@fold_option
@input_options("counted")
@csv_output_options("the word list")
@library_errors
def words(
    paths: tuple[Path, ...],
    by: str | None,
    top: int | None,
    min_count: int,
    stopwords_file: Path | None,
    no_stopwords: bool,
    keep_notes: bool,
    codebook: Path | None,
    inputs: Inputs,
    output: Path | None,
    force: bool,
    no_bom: bool,
    fold: FoldMode,
) -> None:
    """Word frequencies of transcripts (PATHS; default: the bundled corpus).

    Text is segmented as `healcode code` segments it (the codebook's terms are in the
    dictionary); punctuation, numbers, stop words and transcriber's notes such as
    （笑） are left out. Columns: word,
    count, rank (ties share the lowest rank), documents (how many documents use it),
    and group first with --by.

    \b
    Examples:
      healcode words --top 20
      healcode words interviews/ --by gender --min-count 3 -o words.csv
      healcode words --by speaker --no-stopwords --roles all
      healcode words survey.xlsx --id-column 编号 --text-column 回答 --where role=parent
    """
    from healcode.words import read_passages, word_frequencies

    stopwords = stopword_list(stopwords_file, no_stopwords)
    sources = corpus_paths(paths)
    if output is not None:  # before the corpus is read: a bad -o fails at once
        from healcode.outdir import check_writable_file

        check_writable_file(output, force=force, inputs=sources)
    book = codebook_or_bundled(codebook)
    warnings: list[str] = []
    passages = read_passages(
        inputs.corpus(sources, strict=True),
        book,
        scope=inputs.scope(),
        segmenter=inputs.segmenter,
        warnings=warnings,
        fold=fold,
    )
    limit = top if top is not None or output is not None else TERMINAL_TOP
    rows = word_frequencies(
        passages,
        by=by,
        stopwords=stopwords,
        keep_notes=keep_notes,
        top=limit,
        min_count=min_count,
    )
    print_warnings(stderr_console(), warnings)
    header = ["word", "count", "rank", "documents"]
    if by is not None:
        header.insert(0, "group")
    table = [
        ([r.group] if by is not None else []) + [r.word, r.count, r.rank, r.documents] for r in rows
    ]
    if output is not None:
        from healcode.words import write_rows_csv

        cells = write_rows_csv(output, header, table, bom=not no_bom, force=force, inputs=sources)
        if cells:
            print_note(stderr_console(), formula_notice({output.name: cells}))
        stderr_console().print(f"Wrote {len(table)} rows to {output}", soft_wrap=True)
        return
    _print(header, table, by)


def _print(header: list[str], rows: list[list[object]], by: str | None) -> None:
    from rich.table import Table

    title = f"Word frequencies by {by}" if by else "Word frequencies"
    table = Table(title=title)
    for column in header:
        numeric = column in ("count", "rank", "documents")
        table.add_column(
            by if column == "group" and by is not None else column,
            justify="right" if numeric else "left",
        )
    for row in rows:
        table.add_row(*(str(v) for v in row))
    stdout_console().print(table)
