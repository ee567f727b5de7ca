"""Review a run in headless Chromium as a reviewer would: with the keyboard.

The server runs in a thread on a free port; Playwright drives the system's Chromium.
``HEALCODE_UPDATE_SCREENSHOTS=1`` also writes the README's screenshot, docs/review.png.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from healcode.cli import main
from tests.browser import PageLog, chromium  # noqa: F401 - a fixture used below
from tests.conftest import DATA, ROOT

pytestmark = pytest.mark.browser
REPORT_DATA = DATA / "report"


@pytest.fixture(scope="module")
def coded_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("review-browser") / "out"
    result = CliRunner().invoke(
        main,
        [
            "code",
            str(REPORT_DATA / "corpus"),
            "-c",
            str(REPORT_DATA / "codebook.yaml"),
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


class Served:
    def __init__(self, run: Path, reviewer: str) -> None:
        from healcode.review.app import create_app, open_session
        from healcode.review.server import ReviewServer, bind, hosts_for, url_of

        self.session = open_session(run, reviewer=reviewer)
        sock = bind("127.0.0.1", 0)
        self.url = url_of(sock, "127.0.0.1").rstrip("/")
        self.server = ReviewServer(create_app(self.session, hosts=hosts_for("127.0.0.1")), sock)
        self.server.start_in_thread()

    def stop(self) -> None:
        self.server.stop()
        self.session.store.close()


def serve(run: Path, reviewer: str) -> Iterator[Served]:
    served = Served(run, reviewer)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def run_dir(coded_run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(coded_run, out)
    return out


@pytest.fixture
def served(run_dir: Path) -> Iterator[Served]:
    yield from serve(run_dir, "王老师")


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:  # noqa: F811
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def test_review_a_document_with_the_keyboard(
    page: Any, served: Served, run_dir: Path, tmp_path: Path
):
    log = PageLog(page)
    page.goto(served.url + "/")
    page.click("text=t01")
    page.wait_for_url(served.url + "/doc/t01")
    # j: the first unit; its coding is selected and a accepts it (不再孤单 beside it is a
    # negated hit: not coded, nothing to decide); j, r rejects the next unit's coding
    page.keyboard.press("j")
    assert page.get_attribute("#u1", "class").split()[-1] == "cur"
    assert "negated: not coded" in page.text_content('#u1 .neghit[data-code="pain/lonely"]')
    page.keyboard.press("a")
    page.wait_for_selector('#u1 .coding.accept[data-code="care/visits"]')
    page.wait_for_selector("#u1.done")
    page.keyboard.press("j")
    page.keyboard.press("r")
    page.wait_for_selector('#u2 .coding.reject[data-code="pain/grief"]')
    page.wait_for_selector("#u2.done")
    assert page.text_content("#coded-reviewed") == "2"
    # a unit the run left uncoded: 1 adds the first theme, n writes a note
    page.goto(served.url + "/doc/t03")
    page.keyboard.press("j")
    page.keyboard.press("1")
    page.wait_for_selector('#u1 .coding.added[data-code="care"]')
    page.keyboard.press("n")
    page.keyboard.type("天气也是一种关怀")
    page.keyboard.press("Escape")
    page.wait_for_selector('#u1[data-note="天气也是一种关怀"]')
    # everything is still there after a reload
    page.reload()
    assert page.is_visible('#u1 .coding.added[data-code="care"]')
    assert "天气也是一种关怀" in page.text_content("#u1 .note")
    page.goto(served.url + "/doc/t01")
    assert page.is_visible('#u1 .coding.accept[data-code="care/visits"]')
    assert page.is_visible('#u2 .coding.reject[data-code="pain/grief"]')
    page.goto(served.url + "/")
    row = page.text_content('#documents tr:has(a[href="/doc/t01"])')
    assert "2 / 3" in row
    assert log.errors == []
    assert all(url.startswith(served.url + "/") for url in log.requests), log.requests

    out = tmp_path / "reviewed.csv"
    result = CliRunner().invoke(main, ["review", str(run_dir), "--export", str(out), "-q"])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = [(r["document"], r["unit"], r["code"], r["coder"]) for r in csv.DictReader(handle)]
    assert rows == [
        ("t01", "1", "care/visits", "王老师"),
        ("t01", "2", "", "王老师"),
        ("t03", "1", "care", "王老师"),
    ]


def test_mouse_and_undo(page: Any, served: Served):
    page.goto(served.url + "/doc/t02")
    page.click('#u2 .coding[data-code="care/visits"] button.reject')
    page.wait_for_selector('#u2 .coding.reject[data-code="care/visits"]')
    page.keyboard.press("u")  # the clicked unit is the current one
    page.wait_for_selector('#u2 .coding[data-code="care/visits"]:not(.reject)')
    page.click("#u1")
    page.select_option("#code-select", "care/neighbours")
    page.click("#add-code")
    page.wait_for_selector('#u1 .coding.added[data-code="care/neighbours"]')
    assert [(d.unit, d.code, d.decision) for d in served.session.store.decisions()] == [
        (1, "care/neighbours", "add")
    ]


def test_a_negated_hit_is_coded_with_its_button_not_accepted(page: Any, served: Served):
    page.goto(served.url + "/doc/t01")
    page.click("#u1")
    page.keyboard.press("l")  # the one coding stays selected: a negated hit is not one
    page.keyboard.press("r")
    page.wait_for_selector('#u1 .coding.reject[data-code="care/visits"]')
    page.click('#u1 .neghit[data-code="pain/lonely"] button.add')
    page.wait_for_selector('#u1 .coding.added[data-code="pain/lonely"]')
    assert page.query_selector("#u1 .neghit button.add") is None
    assert page.is_visible('#u1 .neghit[data-code="pain/lonely"]')  # still shown, as found
    assert sorted((d.code, d.decision) for d in served.session.store.decisions()) == [
        ("care/visits", "reject"),
        ("pain/lonely", "add"),
    ]


def test_a_script_in_a_transcript_stays_inert(page: Any, served: Served):
    log = PageLog(page)
    page.goto(served.url + "/doc/t01")
    assert page.evaluate("window.healcodeInjected === undefined")
    assert "<script>window.healcodeInjected = true</script>" in page.text_content("#u2 .text")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("r")  # deciding re-renders the unit from the server: still text
    page.wait_for_selector("#u2 .coding.reject")
    assert page.evaluate("window.healcodeInjected === undefined")
    assert "<script>" in page.text_content("#u2 .text")
    assert log.errors == []


def test_a_post_without_the_token_is_refused(page: Any, served: Served):
    page.goto(served.url + "/doc/t01")
    status = page.evaluate("""async () => (await fetch('/api/decision', {method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({document: 't01', unit: 1, code: 'care/visits',
                              decision: 'accept'})})).status""")
    assert status == 403
    # a form on another site posting to the review
    page.goto("about:blank")
    page.set_content(
        f'<form method="post" action="{served.url}/api/decision">'
        '<input name="document" value="t01"><input name="unit" value="1">'
        '<input name="code" value="care/visits"><input name="decision" value="accept">'
        "</form>"
    )
    with page.expect_navigation():
        page.evaluate("document.forms[0].submit()")
    assert "token" in page.text_content("body")
    assert served.session.store.decisions() == []


def test_a_narrow_window_has_no_sideways_scrolling(chromium: Any, served: Served):  # noqa: F811
    context = chromium.new_context(viewport={"width": 400, "height": 800})
    page = context.new_page()
    try:
        page.goto(served.url + "/doc/t01")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1]
        assert page.is_visible(".addtheme >> nth=0")
        page.keyboard.press("j")
        page.keyboard.press("2")
        page.wait_for_selector('#u1 .coding.added[data-code="pain"]')
    finally:
        context.close()


def next_unit(page: Any, *, coded: bool) -> None:
    """Press j until the current unit is one the run coded (or did not)."""
    for _ in range(200):
        page.keyboard.press("j")
        if page.evaluate("!!document.querySelector('.unit.cur .coding')") == coded:
            return
    raise AssertionError("no such unit")


def test_screenshot_of_the_bundled_run(page: Any, bundled_run: Path, tmp_path: Path):
    """The README's picture: a transcript of the bundled corpus during a review."""
    run = tmp_path / "healcode-out"
    shutil.copytree(bundled_run, run)
    for served in serve(run, "王老师"):
        page.goto(served.url + "/doc/p01_wang_mother")
        next_unit(page, coded=True)
        next_unit(page, coded=True)
        page.keyboard.press("a")
        page.wait_for_selector(".unit.cur .coding.accept")
        next_unit(page, coded=True)
        page.keyboard.press("r")
        page.wait_for_selector(".unit.cur .coding.reject")
        next_unit(page, coded=False)
        page.keyboard.press("3")
        page.wait_for_selector(".unit.cur .coding.added")
        next_unit(page, coded=True)
        page.evaluate(
            "document.querySelector('.coding.accept').closest('.unit')"
            ".scrollIntoView({block: 'start'}); window.scrollBy(0, -140)"
        )
        target = tmp_path / "review.png"
        page.screenshot(path=str(target))
    assert target.stat().st_size > 20_000
    if os.environ.get("HEALCODE_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(target, ROOT / "docs" / "review.png")
