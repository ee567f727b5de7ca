"""``healcode kwic``: read every occurrence of a term in its context."""

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
)
from healcode.fold import FoldMode

CONTEXT_CELLS = 34  # terminal width given to each side of the keyword


_PATH_LIKE = (".txt", ".md", ".docx", ".csv", ".xlsx")


def split_terms_and_paths(
    args: tuple[str, ...], *, regex: bool = False
) -> tuple[list[str], list[Path]]:
    """TERM... [PATHS]: the arguments from the first one that exists on disk are paths."""
    terms: list[str] = list(args)
    paths: list[Path] = []
    for index, arg in enumerate(args):
        if Path(arg).exists():
            terms, paths = list(args[:index]), [Path(a) for a in args[index:]]
            break
    missing = [str(p) for p in paths if not p.exists()]
    if not regex:  # a mistyped path would otherwise be searched for as a word
        missing += [t for t in terms if "/" in t or "\\" in t or t.lower().endswith(_PATH_LIKE)]
    if missing:
        raise click.BadParameter(
            f"no such file or directory: {', '.join(missing)}", param_hint="PATHS"
        )
    return terms, paths


@click.command()
@click.argument("args", nargs=-1, metavar="TERM... [PATHS]...")
@click.option(
    "-w",
    "--window",
    type=click.IntRange(0, 50),
    default=5,
    show_default=True,
    help="Words of context on each side.",
)
@click.option(
    "--regex",
    is_flag=True,
    help="TERMs are regular expressions matched on the raw text, not words.",
)
@click.option(
    "-c",
    "--codebook",
    type=click.Path(path_type=Path),
    default=None,
    help="Codebook whose terms are added to the dictionary. Default: the bundled one.",
)
@click.option(
    "--code",
    "code_path",
    default=None,
    metavar="PATH",
    help="Also list every term and pattern of this code (theme/code) or theme.",
)
@fold_option
@input_options("searched")
@csv_output_options("the occurrences")
@library_errors
def kwic(
    args: tuple[str, ...],
    window: int,
    regex: bool,
    codebook: Path | None,
    code_path: str | None,
    inputs: Inputs,
    output: Path | None,
    force: bool,
    no_bom: bool,
    fold: FoldMode,
) -> None:
    """Keyword in context: every occurrence of TERMs with the words around it.

    TERMs are found as whole words, as `healcode code` finds codebook terms: the text
    is segmented with the codebook's terms and the TERMs themselves in the dictionary,
    so you see what coding would match if you added a TERM to the codebook. PATHS
    (files or directories, after the terms) default to the bundled corpus.

    \b
    Examples:
      healcode kwic 同命人 姐妹
      healcode kwic 希望 interviews/ --window 8 -o kwic.csv
      healcode kwic '盼(着|头)' --regex
      healcode kwic --code hope/future_plans
    """
    from healcode.kwic import code_terms, keyword_in_context
    from healcode.segment import make_segmenter
    from healcode.words import read_passages

    terms, paths = split_terms_and_paths(args, regex=regex)
    if not terms and code_path is None:
        raise click.UsageError("give at least one TERM, or --code PATH")
    sources = corpus_paths(tuple(paths))
    if output is not None:  # before the corpus is read: a bad -o fails at once
        from healcode.outdir import check_writable_file

        check_writable_file(output, force=force, inputs=sources)
    book = codebook_or_bundled(codebook)
    words = [] if regex else list(terms)
    patterns = list(terms) if regex else []
    if code_path is not None:
        code_words, code_patterns = code_terms(book, code_path)
        words += code_words
        patterns += code_patterns
    backend = make_segmenter(inputs.segmenter, [*book.terms(), *words])
    warnings: list[str] = []
    passages = read_passages(
        inputs.corpus(sources, strict=True),
        book,
        scope=inputs.scope(),
        segmenter=backend,
        warnings=warnings,
        fold=fold,
    )
    found = keyword_in_context(
        passages, segmenter=backend, terms=words, patterns=patterns, window=window
    )
    print_warnings(stderr_console(), warnings)
    documents = len({o.document for o in found})
    summary = f"{len(found)} occurrences in {documents} documents"
    header = ["document", "speaker", "start", "end", "left", "keyword", "right", "term"]
    if output is not None:
        from healcode.words import write_rows_csv

        rows = [
            [o.document, o.speaker, o.start, o.end, o.left, o.keyword, o.right, o.term]
            for o in found
        ]
        cells = write_rows_csv(output, header, rows, bom=not no_bom, force=force, inputs=sources)
        if cells:
            print_note(stderr_console(), formula_notice({output.name: cells}))
        stderr_console().print(f"Wrote {summary} to {output}", soft_wrap=True)
        return
    if found:
        _print(found)
    stderr_console().print(summary, soft_wrap=True)


def _print(found) -> None:
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    def clip_left(text: str) -> str:
        text = " ".join(text.split())
        while cell_len(text) > CONTEXT_CELLS:
            text = "…" + text[2:]
        return text

    def clip_right(text: str) -> str:
        text = " ".join(text.split())
        while cell_len(text) > CONTEXT_CELLS:
            text = text[:-2] + "…"
        return text

    table = Table(box=None, show_header=True, pad_edge=False)
    table.add_column("document", no_wrap=True)
    table.add_column("speaker", no_wrap=True)
    table.add_column("at", justify="right", no_wrap=True)
    table.add_column("left", justify="right", no_wrap=True)
    table.add_column("keyword", justify="center", no_wrap=True)
    table.add_column("right", justify="left", no_wrap=True)
    for o in found:
        table.add_row(
            o.document,
            o.speaker,
            str(o.start),
            clip_left(o.left),
            Text(o.keyword, style="bold"),
            clip_right(o.right),
        )
    stdout_console().print(table)
