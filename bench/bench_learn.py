"""Time `healcode learn` (cross-validation included) and scoring with the learned model.

    python bench/bench_learn.py [--units 10000] [--keep DIR]

Builds a coded corpus of about --units participant sentences by recombining the coded
sentences of the bundled corpus's gold file (one or two per unit, with the union of their
themes as the unit's codes), each turn after an interviewer question taken from the
bundled transcripts; writes its units.csv and codings.csv; then times:
  1. `healcode learn` on them (reading, dictionary coding, 5-fold CV, final fit, saving);
  2. loading the model and scoring every unit (`LearnedModel.score_document`).
The target is learn on 10,000 units in under a minute on 2 cores. Not a test: timings
vary between runs.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_coded_corpus(directory: Path, units: int, seed: int = 11) -> tuple[Path, Path, int]:
    """Write units.csv and codings.csv; return their paths and the characters of text."""
    from healcode.bundled import default_corpus_path
    from healcode.coding import CodingOptions
    from healcode.corpus import find_turns, load_corpus, split_units

    questions = []
    for document in load_corpus([default_corpus_path()]).documents():
        turns = find_turns(document.text)
        questions += [
            u.text
            for u in split_units(document, turns, in_scope=CodingOptions().in_scope)
            if u.role == "interviewer"
        ]
    codes: dict[str, set[str]] = defaultdict(set)
    with (ROOT / "corpora" / "warm_heart_home" / "gold.csv").open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            got = codes[row["text"]]
            if row["code"]:
                got.add(row["code"])
    sentences = sorted(codes)
    rng = random.Random(seed)
    units_csv, codings_csv = directory / "units.csv", directory / "codings.csv"
    written = characters = 0
    with (
        units_csv.open("w", encoding="utf-8", newline="") as u_handle,
        codings_csv.open("w", encoding="utf-8", newline="") as c_handle,
    ):
        unit_rows, coding_rows = csv.writer(u_handle), csv.writer(c_handle)
        unit_rows.writerow(["document", "unit", "speaker", "role", "start", "end", "coded", "text"])
        coding_rows.writerow(["document", "unit", "code"])
        number = 0
        while written < units:
            document, index, offset = f"b{number:05d}", 0, 0
            for _ in range(10):  # ten question-answer exchanges per document
                question = rng.choice(questions)
                unit_rows.writerow(
                    [
                        document,
                        index,
                        "访谈者",
                        "interviewer",
                        offset,
                        offset + len(question),
                        False,
                        question,
                    ]
                )
                index, offset = index + 1, offset + len(question) + 1
                for _ in range(rng.randint(3, 7)):
                    picked = rng.sample(sentences, rng.choice((1, 1, 2)))
                    text = "".join(picked)
                    unit_rows.writerow(
                        [
                            document,
                            index,
                            "受访者",
                            "participant",
                            offset,
                            offset + len(text),
                            True,
                            text,
                        ]
                    )
                    labels = sorted(set().union(*(codes[s] for s in picked))) or [""]
                    coding_rows.writerows([document, index, label] for label in labels)
                    index, offset = index + 1, offset + len(text)
                    written += 1
                    characters += len(text)
            number += 1
    return units_csv, codings_csv, characters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000, help="coded units (default 10000)")
    parser.add_argument("--keep", type=Path, help="keep the data and the model in this directory")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="healcode-bench-learn-"))
    work.mkdir(parents=True, exist_ok=True)
    units_csv, codings_csv, characters = build_coded_corpus(work, args.units)

    from healcode.learning import LearnedModel, learn

    started = time.perf_counter()
    model = learn([codings_csv], units=[units_csv])
    model.save(work / "model", force=True)
    learned = time.perf_counter() - started
    print(
        f"learn: {model.training['units']} units, {model.training['documents']} documents, "
        f"{learned:.1f} s (target: under 60 s for 10,000 units)"
    )

    from healcode.learning.examples import dictionary_hits, read_units_table

    table = read_units_table(units_csv)
    by_document = defaultdict(list)
    for unit in table:
        by_document[unit.document].append(unit)
    hits = dictionary_hits(model.codebook, by_document)
    started = time.perf_counter()
    loaded = LearnedModel.load(work / "model", model.codebook)
    scored = 0
    for document, document_units in by_document.items():
        document_hits = [h for u in document_units for h in hits.get((document, u.index), ())]
        scored += len(loaded.score_document(document_units, document_hits))
    seconds = time.perf_counter() - started
    megabytes = characters * 3 / 1e6
    print(
        f"score: {scored} units, {seconds:.1f} s including loading, "
        f"~{megabytes / seconds:.2f} MB/s of unit text"
    )


if __name__ == "__main__":
    main()
