"""Open the bundled corpus's report.html in headless Chromium and look at it as a reader would.

Chromium is driven over the DevTools protocol through ``--remote-debugging-pipe``
(JSON messages on file descriptors 3 and 4), so no client library and no open port are
needed. The test skips only when no Chromium is installed (Debian: ``apt-get install
chromium``).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from healcode.cli import main
from tests.test_report import script_run  # noqa: F401 - a fixture used below

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--mute-audio",
)
THEMES = ("mutual_relationships", "positive_self_esteem", "hope", "emotional_pain",
          "community_participation")


def find_chromium() -> str | None:
    explicit = os.environ.get("HEALCODE_CHROMIUM")
    if explicit:
        return explicit
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """A headless Chromium and one page in it, spoken to over the DevTools pipe."""

    def __init__(self, executable: str, profile: Path, *, width: int = 1280, height: int = 900):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_pipes() -> None:  # runs in the child: the protocol wants fds 3 and 4
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=child_pipes,  # safe: the test starts no threads
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.page_target = self.call(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except (OSError, TimeoutError, RuntimeError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, page: bool = False,
        timeout: float = 60,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self.page_target
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str, *, timeout: float = 60) -> dict[str, Any]:
        for seen in self.events:
            if seen.get("method") == event:
                return seen
        deadline = time.monotonic() + timeout
        while True:
            message = self._read_message(deadline)
            self.events.append(message)
            if message.get("method") == event:
                return message

    def open(self, url: str) -> None:
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", page=True)
        self.call("Page.navigate", {"url": url}, page=True)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, page=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, *, full_page: bool = False) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.evaluate("[document.documentElement.scrollWidth, "
                                 "document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        data = self.call("Page.captureScreenshot", params, page=True)["data"]
        path.write_bytes(base64.b64decode(data))

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors (CSP, failed loads)."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args"), ensure_ascii=False))
            elif method == "Runtime.exceptionThrown":
                found.append(json.dumps(params.get("exceptionDetails"), ensure_ascii=False))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"] for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium found (install Debian's `chromium` or set HEALCODE_CHROMIUM)")
    return path


@pytest.fixture(scope="module")
def bundled_report(bundled_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    shutil.copytree(bundled_run, out)
    result = CliRunner().invoke(main, ["report", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out / "report.html"


def test_report_opens_in_chromium(chromium_path: str, bundled_report: Path, tmp_path: Path):
    browser = Chromium(chromium_path, tmp_path / "profile")
    try:
        browser.open(bundled_report.as_uri())
        themes = browser.evaluate(
            "Array.from(document.querySelectorAll('#frequency-table tr[data-level=theme]'))"
            ".map(r => r.dataset.id)"
        )
        highlighted = browser.evaluate(
            "Object.fromEntries(" + json.dumps(list(THEMES)) + ".map(t => [t, "
            "document.querySelectorAll('#transcripts mark.h[data-theme=\"' + t + '\"]').length]))"
        )
        visible = browser.evaluate(
            "document.querySelector('#transcripts .cu').getBoundingClientRect().height"
        )
        # Clicking a coded passage shows its codes; the first heading sorts the table back.
        browser.evaluate("document.querySelector('#transcripts .cu').click()")
        popup = browser.evaluate(
            "[document.getElementById('pop').hidden, document.getElementById('pop').textContent]"
        )
        browser.evaluate("document.querySelectorAll('#frequency-table th')[2].click()")
        by_references = browser.evaluate(
            "Array.from(document.querySelectorAll('#frequency-table tbody tr'))"
            ".map(r => +r.cells[2].textContent)"
        )
        browser.screenshot(tmp_path / "report.png")
        errors, requests = browser.errors(), browser.requests()
    finally:
        browser.close()
    assert errors == []
    assert requests == [bundled_report.as_uri()]  # the page itself, nothing else
    assert themes == list(THEMES)
    assert all(highlighted[t] > 0 for t in THEMES), highlighted
    assert visible > 0
    assert popup[0] is False and "›" in popup[1]
    assert by_references == sorted(by_references, reverse=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_script_in_a_transcript_stays_text(
    chromium_path: str, script_run: Path, tmp_path: Path, runner: CliRunner  # noqa: F811
):
    result = runner.invoke(main, ["report", str(script_run), "--force", "-q"])
    assert result.exit_code == 0, result.output
    browser = Chromium(chromium_path, tmp_path / "profile")
    try:
        browser.open((script_run / "report.html").as_uri())
        injected = browser.evaluate("window.healcodeInjected === true")
        shown = browser.evaluate("document.getElementById('transcripts').textContent")
        errors = browser.errors()
    finally:
        browser.close()
    assert injected is False
    assert "<script>window.healcodeInjected = true</script>" in shown
    assert errors == []
