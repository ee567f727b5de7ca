"""Train the learned coder that ships with healcode, from the case study's gold codings.

    python scripts/train_bundled_model.py [CORPUS ...] [-o DIR]

CORPUS names folders of corpora/ that have a gold.csv (default: the four training
corpora warm_heart_home, other_voices, community_voices and family_voices). Each is coded
with the bundled codebook and healcode's default options (sentence units, as the gold
files are keyed), then `healcode.learn` trains on all the gold files together and writes
the model to DIR (default: the package's healcode/data/models/social_healing, which
`healcode code` uses with the bundled codebook). The same corpora give the same model
bytes. It prints the cross-validation table (per theme: the dictionary alone, the model
alone and the rule chosen for the theme).

corpora/test_voices is refused: it is the untouched test set, only ever measured on.
The equivalent command line:

    for c in warm_heart_home other_voices community_voices family_voices; do
        healcode code corpora/$c -o runs/$c --no-model
    done
    healcode learn corpora/warm_heart_home/gold.csv corpora/other_voices/gold.csv \\
        corpora/community_voices/gold.csv corpora/family_voices/gold.csv \\
        --units runs/warm_heart_home/units.csv --units runs/other_voices/units.csv \\
        --units runs/community_voices/units.csv --units runs/family_voices/units.csv \\
        -o model
    # then copy model/model.json, weights.npz and cv.csv into
    # healcode/data/models/social_healing/ (healcode does not replace a folder it did
    # not write)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = ("warm_heart_home", "other_voices", "community_voices", "family_voices")
NEVER = "test_voices"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpora",
        nargs="*",
        default=list(DEFAULT_CORPORA),
        help="folders of corpora/ with a gold.csv",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=ROOT / "healcode" / "data" / "models" / "social_healing",
    )
    args = parser.parse_args()
    if NEVER in args.corpora:
        sys.exit(f"{NEVER} is the untouched test set: never train on it (measure only)")

    from healcode.bundled import default_codebook_path
    from healcode.codebook import load_codebook
    from healcode.coding import code_corpus
    from healcode.corpus import load_corpus
    from healcode.learning import learn
    from healcode.model.learned import MODEL_FILES

    codebook = load_codebook(default_codebook_path())
    with tempfile.TemporaryDirectory(prefix="healcode-train-") as work:
        units = []
        for name in args.corpora:
            corpus = ROOT / "corpora" / name
            if not (corpus / "gold.csv").is_file():
                sys.exit(f"{corpus}: no gold.csv")
            run = Path(work) / name
            code_corpus(load_corpus([corpus]), codebook).write(run)
            units.append(run / "units.csv")
        model = learn(
            [ROOT / "corpora" / name / "gold.csv" for name in args.corpora],
            units=units,
            codebook=codebook,
        )
        # Saved beside, then copied over the model's own files: the package folder holds
        # no output marker, so healcode would (rightly) not replace it itself.
        saved = Path(work) / "model"
        model.save(saved)
        args.output.mkdir(parents=True, exist_ok=True)
        for name in MODEL_FILES:
            shutil.copyfile(saved / name, args.output / name)
    for note in model.notes:
        print(f"warning: {note}")
    print(
        f"{model.training['units']} units of {model.training['documents']} documents "
        f"from {', '.join(args.corpora)} -> {args.output}"
    )
    print(
        f"{'label':26}{'coder':12}{'rule':12}{'precision':>10}{'recall':>8}{'F1':>8}"
        f"{'kappa':>8}{'support':>9}"
    )
    for row in model.cv:
        print(
            f"{row['label']:26}{row['coder']:12}{row['rule']:12}{row['precision']:>10}"
            f"{row['recall']:>8}{row['f1']:>8}{row['kappa']:>8}{row['support']:>9}"
        )


if __name__ == "__main__":
    main()
