"""Score the dictionary, the learned model and the two combined against a gold coding.

    python scripts/measure_coder.py CORPUS --gold GOLD.csv [--model DIR] [-c CODEBOOK]

CORPUS is coded twice with healcode's default options: at sentence level (the units the
gold file is keyed by) and at turn level (`--unit turn`; a turn is gold-positive for a
theme when any of its gold sentences is). At each level three coders are scored with
healcode's own agreement code (`healcode.agreement`, gold as the reference): the
dictionary as `healcode code` codes today (every hit, negated or not, as in
excerpts.csv), the model alone (probability >= the theme's threshold), and the combined
coder (the rule `healcode learn` chose per theme, `LearnedModel.code_units`; a document
in traditional characters is scored on its simplified copy, as `healcode code` does). Prints
precision, recall and F1 per theme and their means (macro averages).

Measure on held-out text only: a model is never trained or tuned on the corpus it is
measured on.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument(
        "--model", type=Path, default=None, help="model directory (default: the bundled model)"
    )
    parser.add_argument("-c", "--codebook", type=Path, default=None)
    args = parser.parse_args()

    from healcode.bundled import default_codebook_path, default_model_path
    from healcode.codebook import load_codebook
    from healcode.learning import LearnedModel

    codebook = load_codebook(args.codebook or default_codebook_path())
    model = LearnedModel.load(args.model or default_model_path(), codebook)
    sentences = _coded(args.corpus, codebook, model, "sentence")
    turns = _coded(args.corpus, codebook, model, "turn")
    gold = _gold(args.gold, sentences["spans"])
    gold_turns = _gold_turns(gold, sentences["spans"], turns["spans"])
    labels = list(model.labels)
    print(
        f"{args.corpus}: {len(gold)} gold sentences; model {model.path} "
        f"(SHA-256 {model.sha256[:12]}...)"
    )
    for level, coded, reference in (("sentence", sentences, gold), ("turn", turns, gold_turns)):
        print(f"\n{level} level ({len(reference)} units)")
        print(
            f"{'coder':12}"
            + "".join(f"{label[:12]:>13}" for label in labels)
            + f"{'P':>7}{'R':>7}{'F1':>7}"
        )
        for coder in ("dictionary", "model", "combined"):
            table = _agreement(reference, coded[coder], coded["spans"], labels)
            by_code = {row.code: row for row in table.itertuples(index=False)}
            mean = by_code["(mean)"]
            print(
                f"{coder:12}"
                + "".join(f"{_f(by_code[label].f1):>13}" for label in labels)
                + f"{_f(mean.precision):>7}{_f(mean.recall):>7}{_f(mean.f1):>7}"
            )


def _coded(corpus: Path, codebook, model, unit: str) -> dict:
    """Units and the three coders' codings at one unit level."""
    from healcode.coding import CodingOptions, code_corpus
    from healcode.corpus import load_corpus
    from healcode.fold import folded_units
    from healcode.learning.examples import folds
    from healcode.reliability import UnitSpan

    result = code_corpus(load_corpus([corpus]), codebook, options=CodingOptions(unit=unit))
    units = defaultdict(list)
    for u in result.units:
        units[u.document].append(u)
    hits = defaultdict(list)
    for h in result.hits:
        hits[h.document].append(h)
    # as healcode counts references: a negated hit (没有希望) codes nothing
    dictionary = {(h.document, h.unit, h.theme) for h in result.hits if not h.negated}
    alone, combined = set(), set()
    for document, document_units in units.items():
        if folds(document_units, codebook):  # traditional: the copy the dictionary read
            document_units = list(folded_units(document_units))
        for scored in model.score_document(document_units, hits[document]):
            alone.update(
                (scored.document, scored.unit, label)
                for label, p in scored.scores.items()
                if p >= model.thresholds[label]
            )
        combined.update(
            (c.document, c.unit, c.label) for c in model.code_units(document_units, hits[document])
        )
    spans = [
        UnitSpan(u.document, u.index, u.start, u.end, u.in_scope, u.text) for u in result.units
    ]
    return {"spans": spans, "dictionary": dictionary, "model": alone, "combined": combined}


def _gold(path: Path, spans) -> dict[tuple[str, int], set[str]]:
    from healcode.reliability import code_at_level, read_codings

    gold: dict[tuple[str, int], set[str]] = {}
    for row in read_codings(path, units=spans).rows:
        got = gold.setdefault((row.document, row.unit), set())
        if row.code:
            got.add(code_at_level(row.code, "theme"))
    return gold


def _gold_turns(gold, sentence_spans, turn_spans) -> dict[tuple[str, int], set[str]]:
    """A turn has every theme of the gold sentences inside it."""
    where = {(s.document, s.unit): s for s in sentence_spans}
    by_document = defaultdict(list)
    for turn in turn_spans:
        if turn.coded:
            by_document[turn.document].append(turn)
    turns: dict[tuple[str, int], set[str]] = {}
    for key, themes in gold.items():
        sentence = where[key]
        for turn in by_document[sentence.document]:
            if turn.start <= sentence.start < turn.end:
                turns.setdefault((turn.document, turn.unit), set()).update(themes)
                break
        else:
            raise SystemExit(f"gold unit {key} is in no coded turn")
    return turns


def _agreement(reference, coded, spans, labels):
    from healcode.reliability import Codings, UnitCoding, agreement

    gold_rows, machine_rows = [], []
    for (document, unit), themes in sorted(reference.items()):
        gold_rows += [UnitCoding("gold", document, unit, t, "gold", 0) for t in sorted(themes)]
        gold_rows += [] if themes else [UnitCoding("gold", document, unit, "", "gold", 0)]
    known = set(reference)
    for document, unit, theme in sorted(coded):
        if (document, unit) in known:
            machine_rows.append(UnitCoding("healcode", document, unit, theme, "healcode", 0))
    scoped = [s for s in spans if (s.document, s.unit) in known]
    result = agreement(
        [Codings("gold", tuple(gold_rows)), Codings("healcode", tuple(machine_rows))],
        units=scoped,
        reference="gold",
        codes=labels,
    )
    return result.table


def _f(value) -> str:
    return f"{value:.3f}" if isinstance(value, float | int) else "n/a"


if __name__ == "__main__":
    main()
