"""Validate the learned coder's design on the training corpora as if their text were new.

    python scripts/heldout_halves.py [--weights chars=1,question=0.25,words=0,dictionary=0]
                                     [--extra community_voices --extra family_voices]
                                     [--rules either,model]

The bundled codebook was revised on the development halves of the two training corpora
(their misses were read) and checked on the held-out halves (only aggregate figures were
looked at). So a model trained on the development halves and scored on the held-out
halves sees what a researcher's own model sees on transcripts coded after the codebook was
written: a dictionary much weaker than on the text it was built from (macro-F1 about 0.71
on the development halves, 0.43 on the held-out halves). Prints macro-F1 over themes at
sentence level on the held-out halves for the dictionary, the model alone and the
combined coder. Only the two training corpora are used, and with ``--extra`` the whole
of further training corpora joins the training side (to see whether they help on text
the codebook was not revised on); the untouched test set is never used.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# The halves named in README ("How well does healcode's automatic coding match a human
# coder?"): development / held out.
DEVELOPMENT = {
    "warm_heart_home": (
        "p01_wang_mother",
        "p03_lin_mother",
        "p05_zhang_mother",
        "s01_social_worker_xu",
        "c01_cadre_zheng",
    ),
    "other_voices": (
        "v01_chengdu_father",
        "v03_shanghai_couple",
        "v05_guangzhou_father",
        "v07_nanjing_cadre",
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--weights",
        default="",
        help="block weights, e.g. dictionary=1,words=1 (default: healcode's)",
    )
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        help="another training corpus (folder of corpora/ with gold.csv), "
        "added whole to the training side",
    )
    parser.add_argument(
        "--rules",
        default="either,model",
        help="the rules learn may choose from per theme (default: either,model, as learn)",
    )
    args = parser.parse_args()
    if "test_voices" in args.extra:
        parser.error("test_voices is the untouched test set: never train on it")

    from healcode.bundled import default_codebook_path
    from healcode.codebook import load_codebook
    from healcode.coding import code_corpus
    from healcode.corpus import load_corpus
    from healcode.learning import FeatureSettings, learn
    from healcode.learning.examples import read_units_table
    from healcode.reliability.measures import precision_recall
    from healcode.run import Run, hit_records

    settings = FeatureSettings()
    if args.weights:
        weights = dict(settings.weights)
        for item in args.weights.split(","):
            block, value = item.split("=")
            weights[block.strip()] = float(value)
        settings = FeatureSettings(weights=weights)
    codebook = load_codebook(default_codebook_path())
    work = Path(tempfile.mkdtemp(prefix="healcode-halves-"))
    units, development, gold = [], [], {}
    for name, documents in DEVELOPMENT.items():
        run = work / name
        code_corpus(load_corpus([ROOT / "corpora" / name]), codebook).write(run)
        units.append(run / "units.csv")
        rows = list(
            csv.DictReader((ROOT / "corpora" / name / "gold.csv").open(encoding="utf-8-sig"))
        )
        kept = work / f"{name}_development.csv"
        with kept.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r for r in rows if r["document"] in documents)
        development.append(kept)
        for row in rows:
            if row["document"] not in documents:
                themes = gold.setdefault((row["document"], int(row["unit"])), set())
                if row["code"]:
                    themes.add(row["code"].split("/")[0])
    scored_runs = list(units)
    for name in args.extra:
        run = work / name
        code_corpus(load_corpus([ROOT / "corpora" / name]), codebook).write(run)
        units.append(run / "units.csv")
        development.append(ROOT / "corpora" / name / "gold.csv")
    model = learn(
        development,
        units=units,
        codebook=codebook,
        settings=settings,
        rules=[rule.strip() for rule in args.rules.split(",")],
    )
    coded: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    for run in scored_runs:
        by_document = defaultdict(list)
        for unit in read_units_table(run):
            by_document[unit.document].append(unit)
        hits = defaultdict(list)
        for hit in hit_records(Run.open(run.parent).hits):
            hits[hit.document].append(hit)
        for document, document_units in by_document.items():
            for scored in model.score_document(document_units, hits[document]):
                key = (scored.document, scored.unit)
                coded["dictionary"].update((*key, label) for label in scored.dictionary)
                coded["model"].update(
                    (*key, label)
                    for label, p in scored.scores.items()
                    if p >= model.thresholds[label]
                )
            coded["combined"].update(
                (c.document, c.unit, c.label)
                for c in model.code_units(document_units, hits[document])
            )
    keys = sorted(gold)
    print(
        f"trained on {model.training['units']} development units, "
        f"scored on {len(keys)} held-out units; weights {dict(settings.weights)}"
    )
    print("rules chosen: " + ", ".join(f"{k} {v}" for k, v in model.rules.items()))
    for coder in ("dictionary", "model", "combined"):
        scores = []
        for label in model.labels:
            reference = np.array([float(label in gold[k]) for k in keys])
            machine = np.array([float((*k, label) in coded[coder]) for k in keys])
            scores.append(precision_recall(reference, machine).f1)
        print(
            f"{coder:12} macro-F1 {np.mean(scores):.3f}  "
            + " ".join(
                f"{label[:10]} {score:.3f}"
                for label, score in zip(model.labels, scores, strict=True)
            )
        )


if __name__ == "__main__":
    main()
