"""``healcode review``: accept, reject and add codings in the browser; export them."""

from __future__ import annotations

from pathlib import Path

import click

from healcode.cli.common import library_errors, stderr_console, stdout_console

DEFAULT_PORT = 8765  # healcode.review.server.DEFAULT_PORT, without importing it


@click.command()
@click.argument(
    "run", type=click.Path(path_type=Path), default=Path("healcode-out"), required=False
)
@click.option(
    "--reviewer",
    default=None,
    metavar="NAME",
    help="Who is reviewing. Needed once per run; remembered in RUN/review.sqlite.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port of the local server (0: any free port).",
)
@click.option(
    "--host",
    default=None,
    metavar="ADDRESS",
    help="Listen on this address instead of 127.0.0.1. Anyone who can reach it can "
    "read the transcripts: use only on a network you trust.",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@click.option(
    "--export",
    "export",
    type=click.Path(path_type=Path),
    default=None,
    metavar="CODINGS.csv",
    help="Write the reviewed codings to this file and exit (no server).",
)
@click.option(
    "--include-unreviewed",
    is_flag=True,
    help="With --export: also write units not reviewed, with the run's codings.",
)
@click.option("--force", is_flag=True, help="With --export: replace an existing file.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@library_errors
def review(
    run: Path,
    reviewer: str | None,
    port: int,
    host: str | None,
    no_browser: bool,
    export: Path | None,
    include_unreviewed: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Review the codings of RUN (the output directory of `healcode code`) in the browser.

    Starts a local page where you read each document with its coded units highlighted,
    accept or reject every coding, add the themes or codes the run missed, and leave
    notes. Each decision is saved at once in RUN/review.sqlite. Keys: j/k next/previous
    unit, a accept, r reject, 1-9 add theme n, x no code, n note. Stop with Ctrl-C.

    With --export, writes the reviewed codings (document, unit, code, coder, text; an
    empty code for a reviewed unit without any) for `healcode agree` and `healcode learn`.

    \b
    Examples:
      healcode review healcode-out --reviewer 王老师
      healcode review healcode-out --export reviewed.csv
      healcode agree reviewed.csv corpora/warm_heart_home/gold.csv
    """
    if export is not None:
        _export(run, export, reviewer, include_unreviewed, force, quiet)
        return
    if include_unreviewed or force:
        raise click.UsageError("--include-unreviewed and --force go with --export")
    _serve(run, reviewer, port, host, no_browser, quiet)


def _export(
    run: Path,
    output: Path,
    reviewer: str | None,
    include_unreviewed: bool,
    force: bool,
    quiet: bool,
) -> None:
    from healcode.review import export_codings, read_review_run

    result = export_codings(
        read_review_run(run),
        output,
        reviewer=reviewer,
        include_unreviewed=include_unreviewed,
        force=force,
    )
    if not quiet:
        stdout_console().print(
            f"Wrote {result.path}: {result.units} units ({result.rows} rows) reviewed by "
            f"{', '.join(result.reviewers)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        err = stderr_console()
        for warning in result.warnings:
            err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def _serve(
    run: Path,
    reviewer: str | None,
    port: int,
    host: str | None,
    no_browser: bool,
    quiet: bool,
) -> None:
    from healcode.review.app import create_app, open_session
    from healcode.review.server import (
        DEFAULT_HOST,
        ReviewServer,
        bind,
        hosts_for,
        is_loopback,
        url_of,
    )

    err = stderr_console()
    address = host or DEFAULT_HOST
    session = open_session(run, reviewer=reviewer)
    started = False
    try:
        if not is_loopback(address):
            err.print(
                f"warning: listening on {address}: anyone who can reach this address can read "
                "the transcripts and change the review. Use it only on a network you trust.",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        sock = bind(address, port)
        url = url_of(sock, address)
        server = ReviewServer(create_app(session, hosts=hosts_for(address)), sock)
        if not quiet:
            for warning in session.warnings():
                err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
            stdout_console().print(
                f"Reviewing {run} as {session.reviewer}: {url}\n"
                f"Decisions are saved in {session.store.path} as you make them. "
                "Stop with Ctrl-C.",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if not no_browser:
            _open_when_ready(server, url)
        started = True
        try:
            server.run()
        except KeyboardInterrupt:  # uvicorn stops on Ctrl-C, then raises it again
            pass
    finally:
        # a start that failed (a port in use, an address not of this machine) leaves the
        # run folder as it was: a review.sqlite created for it goes again
        session.close(failed=not started)
    if not quiet:
        stdout_console().print(
            f"Stopped. The review is in {session.store.path}; export it with "
            f"healcode review {run} --export CODINGS.csv",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _open_when_ready(server, url: str) -> None:  # server: healcode.review.server.ReviewServer
    import threading
    import webbrowser

    def opener() -> None:
        for _ in range(500):
            if server.server.started:
                webbrowser.open(url)
                return
            threading.Event().wait(0.02)

    threading.Thread(target=opener, daemon=True).start()
