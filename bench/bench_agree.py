"""How long `healcode agree` takes on long documents.

    python bench/bench_agree.py [--units 37000] [--documents 4] [--keep DIR]

Writes, for --units units spread over --documents documents, a healcode-style
units.csv (every fourth unit an interviewer's, not coded), two codings files with one
row per unit and code (document, unit, code; about a third of the units coded with one
or two of five themes, the second coder agreeing most of the time) and a third coder's
coded character ranges (document, start, end, code), as a QDA program exports them.
Then it times, as a user would:
  1. `healcode agree anna.csv ben.csv --units units.csv -o out` (unit codings);
  2. the same with the ranges file as a third coder (range-to-unit mapping, three
     coders: pairs and the all-coder rows).
Not a test: timings vary between runs and machines.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

THEMES = (
    "mutual_relationships",
    "positive_self_esteem",
    "hope",
    "emotional_pain",
    "community_participation",
)
UNIT_TEXT = "我们一起去社区参加活动，心里慢慢有了盼头。"


def build(directory: Path, units: int, documents: int, seed: int = 7) -> None:
    """Write units.csv, anna.csv, ben.csv and carl_ranges.csv into ``directory``."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    per_document = -(-units // documents)
    unit_rows, anna, ben, carl = [], [], [], []
    for d in range(documents):
        document = f"long{d + 1:02d}"
        offset = 0
        for index in range(min(per_document, units - d * per_document)):
            start, offset = offset, offset + len(UNIT_TEXT)
            coded = index % 4 != 0
            unit_rows.append(
                [
                    document,
                    index,
                    "受访者" if coded else "访谈者",
                    "participant" if coded else "interviewer",
                    start,
                    offset,
                    coded,
                    UNIT_TEXT,
                ]
            )
            if not coded:
                continue
            first = rng.sample(THEMES, rng.choice((1, 2))) if rng.random() < 0.35 else []
            second = (
                list(first)
                if rng.random() < 0.8
                else (rng.sample(THEMES, 1) if rng.random() < 0.4 else [])
            )
            third = list(first) if rng.random() < 0.7 else []
            anna += [[document, index, code] for code in first] or [[document, index, ""]]
            ben += [[document, index, code] for code in second] or [[document, index, ""]]
            carl += [[document, start + 1, offset - 1, code] for code in third]
    _write(
        directory / "units.csv",
        ["document", "unit", "speaker", "role", "start", "end", "coded", "text"],
        unit_rows,
    )
    _write(directory / "anna.csv", ["document", "unit", "code"], anna)
    _write(directory / "ben.csv", ["document", "unit", "code"], ben)
    _write(directory / "carl_ranges.csv", ["document", "start", "end", "code"], carl)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=37_000)
    parser.add_argument("--documents", type=int, default=4)
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="Build the files here and keep them (default: a temporary folder).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        build(directory, args.units, args.documents)
        agree = [
            sys.executable,
            "-m",
            "healcode",
            "agree",
            "-q",
            "--force",
            "--units",
            str(directory / "units.csv"),
        ]
        two = timed(
            [
                *agree,
                str(directory / "anna.csv"),
                str(directory / "ben.csv"),
                "-o",
                str(directory / "out2"),
            ]
        )
        three = timed(
            [
                *agree,
                str(directory / "anna.csv"),
                str(directory / "ben.csv"),
                str(directory / "carl_ranges.csv"),
                "-o",
                str(directory / "out3"),
            ]
        )
    print(f"{args.units:,} units in {args.documents} documents")
    print(f"  agree, two coders (unit codings):         {two:6.1f} s")
    print(f"  agree, three coders (one as coded ranges): {three:6.1f} s")


if __name__ == "__main__":
    main()
