"""What the commands share: turning library errors into one-line messages, consoles, and
the options of every command that reads transcripts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from healcode.corpus.turns import UNMARKED, Unmarked
from healcode.errors import HealcodeError
from healcode.fold import FOLD_MODES
from healcode.records import ROLES
from healcode.segment import SEGMENTERS, SegmenterName

if TYPE_CHECKING:
    from rich.console import Console

    from healcode.codebook import Codebook
    from healcode.coding import CodingOptions
    from healcode.corpus import Corpus
    from healcode.scope import Scope

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
            # one line, even when it quotes a library's message that has several
            raise click.ClickException(" ".join(str(exc).splitlines())) from None
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


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def print_warnings(console: Any, warnings: Sequence[str]) -> None:
    """One line per warning on the given (stderr) console, text as it is."""
    for warning in warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    from rich.console import Console

    return Console()


@dataclass(frozen=True)
class Inputs:
    """How transcripts are read and whose speech counts, as every command that reads a
    corpus takes them (``input_options``; its click.Choice options check ``unmarked`` and
    ``segmenter``)."""

    encoding: str | None = None
    id_column: str | None = None
    text_columns: tuple[str, ...] = ()
    metadata: Path | None = None
    roles: str = "participant"
    speakers: str | None = None
    where: tuple[str, ...] = ()
    unmarked: Unmarked = "auto"
    interviewers: tuple[str, ...] = ()
    segmenter: SegmenterName = "jieba-rs"

    def corpus(self, paths: Sequence[Path], *, strict: bool = False) -> Corpus:
        from healcode.corpus import load_corpus

        return load_corpus(
            paths,
            encoding=self.encoding,
            id_column=self.id_column,
            text_columns=self.text_columns,
            metadata=self.metadata,
            strict=strict,
        )

    def scope(self) -> Scope:
        from healcode.scope import Scope, parse_names, parse_roles

        speakers = parse_names(self.speakers or "")
        return Scope(
            parse_roles(self.roles), speakers, self.where, self.unmarked, self.interviewers
        )

    def coding_options(self, **more: Any) -> CodingOptions:
        from healcode.coding import CodingOptions

        return CodingOptions(
            roles=self.roles,
            speakers=self.speakers or (),
            where=self.where,
            unmarked=self.unmarked,
            interviewers=self.interviewers,
            segmenter=self.segmenter,
            **more,
        )


def _check_roles(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from healcode.scope import parse_roles

    try:
        parse_roles(value)
    except HealcodeError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _check_where(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    from healcode.scope import parse_condition

    try:
        for condition in value:
            parse_condition(condition)
    except HealcodeError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


_ROLES_HELP = f"{', '.join(ROLES)} (comma-separated), or all"


def selection_options(verb: str, *, roles: str = "participant") -> list[Callable[..., Any]]:
    """--roles, --speakers and --where: whose speech, in which documents, counts."""
    return [
        click.option(
            "--roles",
            default=roles,
            show_default=True,
            metavar="ROLES",
            callback=_check_roles,
            help=f"Whose speech is {verb}: {_ROLES_HELP}.",
        ),
        click.option(
            "--speakers",
            default=None,
            metavar="NAMES",
            help="Only these speakers, as named in the transcripts (张阿姨,P03), "
            "whatever their role.",
        ),
        click.option(
            "--where",
            multiple=True,
            metavar="COLUMN=VALUE",
            callback=_check_where,
            help="Only documents whose metadata (metadata.csv, table columns or "
            "transcript header fields) has this value; COLUMN!=VALUE leaves "
            "them out. Repeatable: values of one column are alternatives, "
            "different columns must all match.",
        ),
    ]


def input_options(verb: str) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """The options of every command that reads transcripts as ``healcode code`` does
    (reading: --encoding, --id-column, --text-column, --metadata; speech: --roles,
    --speakers, --where, --unmarked, --interviewer; --segmenter). The command receives
    them as one ``inputs: Inputs`` argument."""
    options = [
        *selection_options(verb),
        click.option(
            "--unmarked",
            type=click.Choice(UNMARKED),
            default="auto",
            show_default=True,
            help="Who speaks in paragraphs without a speaker marker: participant, "
            "interviewer, header (before the first marker: not coded; after "
            "it: the turn before), or auto (as header, but the participant "
            "after an interviewer's turn when only interviewer markers occur).",
        ),
        click.option(
            "--interviewer",
            "interviewers",
            multiple=True,
            metavar="NAME",
            help="Another speaker marker that means the interviewer (repeatable).",
        ),
        click.option(
            "--segmenter",
            type=click.Choice(SEGMENTERS),
            default="jieba-rs",
            show_default=True,
            help="jieba-rs (Rust port, fast) or jieba (Python reference).",
        ),
        click.option(
            "--encoding",
            default=None,
            help="Encoding of text files. Default: detected (UTF-8, UTF-16 BOM, GB18030).",
        ),
        click.option("--id-column", default=None, help="Tables: the column with each row's id."),
        click.option(
            "--text-column",
            "text_columns",
            multiple=True,
            help="Tables: a column of answers (repeatable; each is a turn).",
        ),
        click.option(
            "--metadata",
            type=click.Path(path_type=Path),
            default=None,
            help="CSV of document attributes keyed by document id. "
            "Default: metadata.csv in the corpus directory.",
        ),
    ]
    return _gathered(options, "inputs", Inputs)


def scope_options(verb: str, *, roles: str) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """--roles, --speakers and --where alone, received as one ``scope: Scope`` argument."""

    def build(roles: str, speakers: str | None, where: tuple[str, ...]) -> Scope:
        return Inputs(roles=roles, speakers=speakers, where=where).scope()

    return _gathered(selection_options(verb, roles=roles), "scope", build)


def _gathered(
    options: list[Callable[..., Any]], name: str, build: Callable[..., Any]
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Add ``options`` to a command and hand their values to it as one argument ``name``,
    made by ``build`` from them (keyword arguments named as the options' parameters)."""
    names = [_parameter_name(option) for option in options]

    def decorate(command: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            values = {n: kwargs.pop(n) for n in names}
            return command(*args, **{name: build(**values)}, **kwargs)

        decorated: Callable[..., R] = wrapper
        for option in reversed(options):
            decorated = option(decorated)
        return decorated

    return decorate


def _parameter_name(option: Callable[..., Any]) -> str:
    """The Python name a click.option decorator gives its value."""

    def probe() -> None: ...

    (parameter,) = click.command()(option(probe)).params
    return str(parameter.name)


def csv_output_options(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-o/--output FILE.csv, --force and --no-bom for commands that print or write a table."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(
            (
                click.option(
                    "-o",
                    "--output",
                    type=click.Path(path_type=Path),
                    default=None,
                    help=f"Write {what} to this CSV instead of printing them.",
                ),
                click.option("--force", is_flag=True, help="Replace an existing output file."),
                click.option(
                    "--no-bom",
                    is_flag=True,
                    help="Write the CSV as plain UTF-8 (default: with a BOM for Excel).",
                ),
            )
        ):
            command = option(command)
        return command

    return decorate


def corpus_paths(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """PATHS, or the bundled corpus (said on stderr)."""
    if paths:
        return paths
    from healcode.bundled import default_corpus_path

    path = default_corpus_path()
    stderr_console().print(f"No PATHS given: reading the bundled corpus {path}", soft_wrap=True)
    return (path,)


def codebook_or_bundled(codebook: Path | None) -> Codebook:
    """The codebook given, or the bundled social-healing one."""
    from healcode.bundled import default_codebook_path
    from healcode.codebook import load_codebook

    return load_codebook(codebook if codebook is not None else default_codebook_path())


fold_option = click.option(
    "--fold",
    type=click.Choice(FOLD_MODES),
    default="auto",
    show_default=True,
    help="Match traditional-character text through a simplified copy (OpenCC t2s); "
    "auto: documents that are mostly traditional, when the codebook is simplified.",
)


def stopword_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--stopwords FILE`` and ``--no-stopwords`` (words, suggest); read them with
    :func:`stopword_list`."""
    command = click.option(
        "--no-stopwords", is_flag=True, help="Keep every word (no stop-word list)."
    )(command)
    return click.option(
        "--stopwords",
        "stopwords_file",
        type=click.Path(exists=True, path_type=Path),
        default=None,
        help="Your own stop-word list (UTF-8, one word per line).",
    )(command)


def stopword_list(stopwords_file: Path | None, no_stopwords: bool) -> frozenset[str]:
    """The stop words the options ask for: the bundled lists, the user's, or none."""
    from healcode.words import load_stopwords

    if stopwords_file is not None and no_stopwords:
        raise click.UsageError("use either --stopwords FILE or --no-stopwords")
    return frozenset() if no_stopwords else load_stopwords(stopwords_file)


# agree, evaluate and learn: how coded character ranges (a QDA program's codings) map onto units
min_overlap_option = click.option(
    "--min-overlap",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.5,
    show_default=True,
    help="Coded character ranges (start, end): share of a unit they must cover to code it.",
)
