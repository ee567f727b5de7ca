"""Measure one round of the loop code -> sample -> code by hand -> learn -> code again.

    python scripts/sample_round.py [--start warm_heart_home] [--pool other_voices] [-n 100]

A model is trained on the gold coding of the START corpus. `healcode sample` then picks
n units of the POOL corpus for a person to code; their gold codes stand in for that
person. A second model learns from START plus those n units, and a third from START plus
n units drawn at random, for comparison. All three code the POOL units that neither
sample took, and are scored there against the gold (macro-F1 over themes, sentence
level, the combined coder). Both corpora are training corpora; the untouched test set is
not used.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="warm_heart_home")
    parser.add_argument("--pool", default="other_voices")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if "test_voices" in (args.start, args.pool):
        raise SystemExit("test_voices is the untouched test set: measure on it only")

    from healcode.bundled import default_codebook_path
    from healcode.codebook import load_codebook
    from healcode.coding import code_corpus
    from healcode.corpus import load_corpus
    from healcode.learning import learn
    from healcode.learning.sample import sample_units

    codebook = load_codebook(default_codebook_path())
    work = Path(tempfile.mkdtemp(prefix="healcode-round-"))
    runs = {}
    for name in (args.start, args.pool):
        runs[name] = work / name
        code_corpus(load_corpus([ROOT / "corpora" / name]), codebook).write(runs[name])
    start_gold = ROOT / "corpora" / args.start / "gold.csv"
    pool_gold = ROOT / "corpora" / args.pool / "gold.csv"
    units = [runs[args.start] / "units.csv", runs[args.pool] / "units.csv"]
    gold = _read_gold(pool_gold)

    first = learn([start_gold], units=units, codebook=codebook)
    picked = [
        (s.document, s.unit)
        for s in sample_units(runs[args.pool], first, n=args.n, seed=args.seed)
        if (s.document, s.unit) in gold
    ]
    rng = random.Random(args.seed)
    rest = sorted(set(gold) - set(picked))
    drawn = rng.sample(rest, len(picked))
    held_out = sorted(set(gold) - set(picked) - set(drawn))
    sampled = learn(
        [start_gold, _write(work / "sampled.csv", picked, gold)], units=units, codebook=codebook
    )
    at_random = learn(
        [start_gold, _write(work / "random.csv", drawn, gold)], units=units, codebook=codebook
    )
    print(
        f"pool {args.pool}: {len(picked)} units sampled, {len(drawn)} drawn at random, "
        f"{len(held_out)} held out for scoring"
    )
    for name, model in (("start only", first), ("+ sampled", sampled), ("+ random", at_random)):
        print(f"{name:12} macro-F1 {_score(model, runs[args.pool], gold, held_out):.3f}")


def _read_gold(path: Path) -> dict[tuple[str, int], set[str]]:
    gold: dict[tuple[str, int], set[str]] = defaultdict(set)
    with path.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            got = gold[(row["document"], int(row["unit"]))]
            if row["code"]:
                got.add(row["code"].split("/")[0])
    return dict(gold)


def _write(path: Path, keys, gold) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "unit", "code"])
        for document, unit in keys:
            for code in sorted(gold[(document, unit)]) or [""]:
                writer.writerow([document, unit, code])
    return path


def _score(model, run: Path, gold, held_out) -> float:
    from healcode.learning.examples import read_units_table
    from healcode.reliability.measures import precision_recall
    from healcode.run import Run, hit_records

    by_document = defaultdict(list)
    for unit in read_units_table(run / "units.csv"):
        by_document[unit.document].append(unit)
    hits = defaultdict(list)
    for hit in hit_records(Run.open(run).hits):
        hits[hit.document].append(hit)
    coded = set()
    for document, units in by_document.items():
        coded.update((c.document, c.unit, c.label) for c in model.code_units(units, hits[document]))
    scores = []
    for label in model.labels:
        reference = [float(label in gold[key]) for key in held_out]
        machine = [float((*key, label) in coded) for key in held_out]
        import numpy as np

        scores.append(precision_recall(np.array(reference), np.array(machine)).f1)
    return sum(scores) / len(scores)


if __name__ == "__main__":
    main()
