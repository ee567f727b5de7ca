"""``healcode codebook``: check a codebook, show it as an appendix table, convert others."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from healcode.choices import SHOW_FORMATS, SOURCE_FORMATS, ShowFormat, SourceFormat
from healcode.cli.common import (
    Inputs,
    input_options,
    library_errors,
    print_warnings,
    stderr_console,
)


@click.group()
def codebook() -> None:
    """Work on a codebook: check it, show it as a table, convert a dictionary.

    \b
    Examples:
      healcode codebook check codebooks/social_healing.yaml corpora/warm_heart_home
      healcode codebook show my_codebook.yaml --format docx -o appendix.docx
      healcode codebook convert LIWC2015.dic -o liwc.yaml
    """


@codebook.command()
@click.argument("codebook_file", metavar="CODEBOOK", type=click.Path(path_type=Path))
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also list the notes (info), e.g. terms that never occur in the corpus.",
)
@input_options("coded (with PATHS)")
@library_errors
def check(
    codebook_file: Path,
    paths: tuple[Path, ...],
    show_all: bool,
    inputs: Inputs,
) -> None:
    """Check CODEBOOK, and with PATHS how it meets that corpus.

    Lists every finding as FILE:LINE: severity: message [check]. Errors (the file does
    not load, a bad regex, a term that contains its own code's exclusion) make the
    exit status 1; warnings (duplicate terms, a term inside another theme's term, a
    term that occurs in the corpus but never as a word, a code that codes nothing)
    leave it 0. Notes (terms jieba would split and healcode adds to its dictionary,
    terms that never occur) are counted, and listed with --all.

    \b
    Examples:
      healcode codebook check my_codebook.yaml
      healcode codebook check codebooks/social_healing.yaml corpora/warm_heart_home --all
    """
    from healcode.check import check_codebook, has_errors

    warnings: list[str] = []
    corpus = inputs.corpus(paths, strict=True) if paths else ()
    findings = check_codebook(
        codebook_file, corpus, options=inputs.coding_options(), warnings=warnings
    )
    print_warnings(stderr_console(), warnings)
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    for finding in findings:
        if show_all or finding.severity != "info":
            click.echo(str(finding))
    hidden = "" if show_all or not counts["info"] else " (--all lists them)"
    stderr_console().print(
        f"{codebook_file}: {counts['error']} error(s), {counts['warning']} warning(s), "
        f"{counts['info']} note(s){hidden}",
        soft_wrap=True,
        markup=False,
        highlight=False,
    )
    if has_errors(findings):
        sys.exit(1)


@codebook.command()
@click.argument("codebook_file", metavar="CODEBOOK", type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(SHOW_FORMATS),
    default="markdown",
    show_default=True,
    help="Table format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to this file (required for docx). Default: print.",
)
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@library_errors
def show(codebook_file: Path, fmt: ShowFormat, output: Path | None, force: bool) -> None:
    """Show CODEBOOK as an appendix table for a paper.

    Columns: theme, code, definition, when to use, when not to use, example, and
    terms (with patterns and exclusions). LaTeX is a longtable for XeLaTeX with ctex.

    \b
    Examples:
      healcode codebook show codebooks/social_healing.yaml
      healcode codebook show my_codebook.yaml --format latex -o appendix.tex
      healcode codebook show my_codebook.yaml --format docx -o appendix.docx
    """
    from healcode.codebook import load_codebook
    from healcode.codebook.show import render_codebook, write_appendix

    if fmt == "docx" and output is None:
        raise click.UsageError("--format docx needs -o FILE.docx")
    book = load_codebook(codebook_file)
    if output is None:
        click.echo(render_codebook(book, fmt), nl=False)
        return
    write_appendix(book, output, fmt, force=force)
    stderr_console().print(f"Wrote {output}", soft_wrap=True)


@codebook.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--from",
    "source_format",
    type=click.Choice(SOURCE_FORMATS),
    default=None,
    help="Dictionary type. Default: from the suffix (.yml, .dic, .cat).",
)
@click.option("--name", default=None, help="Codebook name. Default: the file name.")
@click.option(
    "--encoding",
    default=None,
    help="Encoding of the dictionary. Default: detected (UTF-8, GB18030).",
)
@click.option(
    "--language", default=None, help="Language of the codebook (zh, en). Default: from the entries."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the codebook to this file. Default: print it.",
)
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@library_errors
def convert(
    source: Path,
    source_format: SourceFormat | None,
    name: str | None,
    encoding: str | None,
    language: str | None,
    output: Path | None,
    force: bool,
) -> None:
    """Convert a quanteda YAML, LIWC .dic or WordStat .cat dictionary to a codebook.

    Top-level categories become themes and their subcategories codes. Entries ending
    in * (happy*, 希望*) stay prefix wildcards; other globs become regex patterns. The
    language (and its default negators) comes from the entries unless --language is
    given. Add definitions and examples to the result before using it, and run
    `healcode codebook check` on it.

    \b
    Examples:
      healcode codebook convert sentiment.yml -o sentiment.yaml
      healcode codebook convert LIWC2015.dic --name LIWC -o liwc.yaml
      healcode codebook convert lexicon.cat --encoding gbk
    """
    from healcode.codebook.convert import convert_dictionary

    result = convert_dictionary(
        source,
        source_format=source_format,
        name=name,
        encoding=encoding,
        language=language,
    )
    err = stderr_console()
    for reason in result.skipped:
        err.print(f"skipped: {reason}", markup=False, highlight=False, soft_wrap=True)
    summary = (
        f"{result.themes} themes, {result.codes} codes, {result.terms} terms, "
        f"{result.patterns} patterns, language {result.language}"
    )
    if output is None:
        click.echo(result.yaml, nl=False)
        err.print(summary, soft_wrap=True)
        return
    from healcode.outdir import staged_file

    with staged_file(output, force=force) as staging:
        staging.write_text(result.yaml, encoding="utf-8", newline="\n")
    err.print(f"Wrote {output}: {summary}", soft_wrap=True)
