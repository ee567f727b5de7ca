"""How long `healcode report` takes on a large corpus, and how the page behaves in a browser.

    python bench/bench_report.py [--documents 200] [--kb 20] [--keep DIR] [--charts]

Builds a corpus of --documents interview transcripts of about --kb kilobytes (UTF-8)
each, by recombining the sentences of the bundled corpus in varied order (200 x 20 KB
is about 4 MB), with a metadata.csv. Then it runs, as a user would, and times:
  1. `healcode code`;
  2. `healcode report` (with --charts also `--charts png`);
  3. `healcode tables --format xlsx`;
  4. with a Chromium installed: opening report.html headless, until the load event,
     and opening the last transcript through a link, as a reader would.
Not a test: timings vary between runs and machines.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("parent", "parent", "parent", "volunteer", "social_worker", "cadre")
GENDERS = ("female", "male")


def build_corpus(directory: Path, documents: int, kilobytes: float, seed: int = 11) -> int:
    """Write the transcripts and metadata.csv; return the bytes of transcript text."""
    from healcode.bundled import default_corpus_path
    from healcode.coding import CodingOptions
    from healcode.corpus import find_turns, load_corpus, split_units

    sentences: dict[str, list[str]] = {"interviewer": [], "participant": []}
    for document in load_corpus([default_corpus_path()]).documents():
        for unit in split_units(
            document, find_turns(document.text), in_scope=CodingOptions().in_scope
        ):
            sentences[unit.role].append(unit.text)
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    total = 0
    metadata = ["document,role,gender"]
    for number in range(1, documents + 1):
        name = f"t{number:03d}"
        lines = [f"访谈编号：T{number:03d}", "日期：2019年5月"]
        size = 0
        while size < kilobytes * 1000:
            question = rng.choice(sentences["interviewer"])
            answer = "".join(rng.sample(sentences["participant"], rng.randint(2, 6)))
            lines += [f"访谈者：{question}", f"受访者：{answer}"]
            size += len(question.encode()) + len(answer.encode()) + 24
        text = "\n".join(lines) + "\n"
        (directory / f"{name}.txt").write_text(text, encoding="utf-8")
        total += len(text.encode())
        metadata.append(f"{name},{ROLES[number % len(ROLES)]},{GENDERS[number % 2]}")
    (directory / "metadata.csv").write_text("\n".join(metadata) + "\n", encoding="utf-8")
    return total


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def browse(report: Path, profile: Path) -> tuple[float, float, int] | None:
    """Seconds to the load event, seconds to open the last transcript, console errors."""
    sys.path.insert(0, str(ROOT))
    from tests.test_report_browser import Chromium, find_chromium

    executable = find_chromium()
    if executable is None:
        return None
    browser = Chromium(executable, profile)
    try:
        start = time.perf_counter()
        browser.open(report.as_uri())
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        browser.evaluate(
            "const d = document.querySelectorAll('details.doc'); const last = d[d.length - 1];"
            "location.hash = last.id; last.open"
        )
        # a layout of the opened transcript: ask for its height, which forces one
        browser.evaluate(
            "const all = document.querySelectorAll('details.doc');"
            "all[all.length - 1].getBoundingClientRect().height"
        )
        opened = time.perf_counter() - start
        return loaded, opened, len(browser.errors())
    finally:
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--kb", type=float, default=20.0, help="kilobytes per transcript")
    parser.add_argument("--keep", type=Path, default=None, help="build in this directory")
    parser.add_argument("--charts", action="store_true", help="also time --charts png")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="healcode-bench-report-"))
    corpus, out = work / "corpus", work / "out"
    for path in (corpus, out):
        if path.exists():
            shutil.rmtree(path)
    size = build_corpus(corpus, args.documents, args.kb)
    print(f"corpus: {args.documents} transcripts, {size / 1e6:.2f} MB of UTF-8 text in {corpus}")
    healcode = [sys.executable, "-m", "healcode"]
    seconds = timed([*healcode, "code", str(corpus), "-o", str(out), "-q"])
    print(f"healcode code:            {seconds:6.1f} s")
    seconds = timed([*healcode, "report", str(out), "-q"])
    html = out / "report.html"
    print(f"healcode report:          {seconds:6.1f} s  ({html.stat().st_size / 1e6:.1f} MB)")
    if args.charts:
        seconds = timed([*healcode, "report", str(out), "--charts", "png", "--force", "-q"])
        print(f"healcode report --charts: {seconds:6.1f} s")
    seconds = timed([*healcode, "tables", str(out), "--format", "xlsx", "--by", "role", "-q"])
    print(f"healcode tables (xlsx):   {seconds:6.1f} s")
    browsed = browse(html, work / "chromium-profile")
    if browsed is None:
        print("browser: no Chromium found, skipped")
    else:
        loaded, opened, errors = browsed
        print(
            f"chromium: load event after {loaded:.1f} s; last transcript opened and laid out "
            f"in {opened:.2f} s; {errors} console error(s)"
        )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
