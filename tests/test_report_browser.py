"""Open the bundled corpus's report.html in headless Chromium and look at it as a reader would.

Playwright drives the system's Chromium (see tests/browser.py); the tests skip only when
no Chromium is installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from healcode.cli import main
from tests.browser import PageLog, chromium  # noqa: F401 - a fixture used below
from tests.test_report import script_run  # noqa: F401 - a fixture used below

pytestmark = pytest.mark.browser
THEMES = (
    "mutual_relationships",
    "positive_self_esteem",
    "hope",
    "emotional_pain",
    "community_participation",
)


@pytest.fixture(scope="module")
def bundled_report(bundled_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    shutil.copytree(bundled_run, out)
    result = CliRunner().invoke(main, ["report", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out / "report.html"


@pytest.fixture
def page(chromium: Any):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    yield opened
    context.close()


def test_report_opens_in_chromium(page: Any, bundled_report: Path, tmp_path: Path):
    log = PageLog(page)
    page.goto(bundled_report.as_uri())
    themes = page.evaluate(
        "Array.from(document.querySelectorAll('#frequency-table tr[data-level=theme]'))"
        ".map(r => r.dataset.id)"
    )
    highlighted = page.evaluate(
        "Object.fromEntries(" + json.dumps(list(THEMES)) + ".map(t => [t, "
        "document.querySelectorAll('#transcripts mark.h[data-theme=\"' + t + '\"]').length]))"
    )
    visible = page.evaluate(
        "document.querySelector('#transcripts .cu').getBoundingClientRect().height"
    )
    # Clicking a coded passage shows its codes; the first heading sorts the table back.
    page.evaluate("document.querySelector('#transcripts .cu').click()")
    popup = page.evaluate(
        "[document.getElementById('pop').hidden, document.getElementById('pop').textContent]"
    )
    page.evaluate("document.querySelectorAll('#frequency-table th')[2].click()")
    by_references = page.evaluate(
        "Array.from(document.querySelectorAll('#frequency-table tbody tr'))"
        ".map(r => +r.cells[2].textContent)"
    )
    page.screenshot(path=str(tmp_path / "report.png"))
    assert log.errors == []
    assert log.requests == [bundled_report.as_uri()]  # the page itself, nothing else
    assert themes == list(THEMES)
    assert all(highlighted[t] > 0 for t in THEMES), highlighted
    assert visible > 0
    assert popup[0] is False and "›" in popup[1]
    assert by_references == sorted(by_references, reverse=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_script_in_a_transcript_stays_text(
    page: Any,
    script_run: Path,  # noqa: F811
    runner: CliRunner,
):
    result = runner.invoke(main, ["report", str(script_run), "--force", "-q"])
    assert result.exit_code == 0, result.output
    log = PageLog(page)
    page.goto((script_run / "report.html").as_uri())
    assert page.evaluate("window.healcodeInjected === true") is False
    shown = page.evaluate("document.getElementById('transcripts').textContent")
    assert "<script>window.healcodeInjected = true</script>" in shown
    assert log.errors == []
