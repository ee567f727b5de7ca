"""What the commands share: turning library errors into one-line messages, consoles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from healcode.errors import HealcodeError

P = ParamSpec("P")
R = TypeVar("R")


def library_errors(command: Callable[P, R]) -> Callable[P, R]:
    """A HealcodeError becomes ``Error: <message>`` on stderr and exit status 1; so does an
    OSError the library did not foresee (a file vanished, a disk filled), naming its path."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except HealcodeError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            where = exc.filename if exc.filename is not None else "a file"
            reason = (exc.strerror or str(exc)).lower()
            raise click.ClickException(
                f"{where}: {reason}; check the path and its permissions"
            ) from None

    return wrapper


def print_note(console: Any, note: str) -> None:
    console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def formula_notice(cells: dict[str, int]) -> str:
    """The one line said when a CSV holds text a spreadsheet could run as a formula."""
    where = ", ".join(f"{name} ({count})" for name, count in cells.items())
    return (
        f"cells starting with = + - or @ in {where} are written exactly; a spreadsheet may "
        "take them for formulas: open the CSVs in Excel with Data > From Text/CSV (they stay "
        "text) or read them with pandas or R"
    )


def stderr_console():  # -> rich.console.Console, imported lazily
    from rich.console import Console

    return Console(stderr=True)


def stdout_console():
    from rich.console import Console

    return Console()


SEGMENTERS = ("jieba-rs", "jieba")


def speaker_options(verb: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--speakers, --interviewer and --segmenter: how transcripts are read and cut."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed((
            click.option("--speakers", default="participants", show_default=True,
                         metavar="WHO",
                         help=f"Whose speech is {verb}: participants, all, or names "
                              "(张阿姨,P03)."),
            click.option("--interviewer", "interviewers", multiple=True, metavar="NAME",
                         help="Another speaker marker that means the interviewer "
                              "(repeatable)."),
            click.option("--segmenter", type=click.Choice(SEGMENTERS), default="jieba-rs",
                         show_default=True,
                         help="jieba-rs (Rust port, fast) or jieba (Python reference)."),
        )):
            command = option(command)
        return command

    return decorate


def csv_output_options(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-o/--output FILE.csv, --force and --no-bom for commands that print or write a table."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed((
            click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
                         help=f"Write {what} to this CSV instead of printing them."),
            click.option("--force", is_flag=True, help="Replace an existing output file."),
            click.option("--no-bom", is_flag=True,
                         help="Write the CSV as plain UTF-8 (default: with a BOM for Excel)."),
        )):
            command = option(command)
        return command

    return decorate


def parse_speakers(speakers: str) -> str | tuple[str, ...]:
    """``participants`` / ``all`` as they are; otherwise comma-separated speaker names."""
    if speakers in ("participants", "all"):
        return speakers
    return tuple(s.strip() for s in speakers.split(",") if s.strip())


def corpus_paths(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """PATHS, or the bundled corpus (said on stderr)."""
    if paths:
        return paths
    from healcode.bundled import default_corpus_path

    path = default_corpus_path()
    stderr_console().print(f"No PATHS given: reading the bundled corpus {path}", soft_wrap=True)
    return (path,)


def codebook_or_bundled(codebook: Path | None):  # -> healcode.codebook.Codebook
    """The codebook given, or the bundled social-healing one."""
    from healcode.bundled import default_codebook_path
    from healcode.codebook import load_codebook

    return load_codebook(codebook if codebook is not None else default_codebook_path())
