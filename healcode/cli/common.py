"""What the commands share: turning library errors into one-line messages, consoles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from healcode.errors import HealcodeError

P = ParamSpec("P")
R = TypeVar("R")


def library_errors(command: Callable[P, R]) -> Callable[P, R]:
    """A HealcodeError becomes ``Error: <message>`` on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except HealcodeError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def stderr_console():  # -> rich.console.Console, imported lazily
    from rich.console import Console

    return Console(stderr=True)


def stdout_console():
    from rich.console import Console

    return Console()
