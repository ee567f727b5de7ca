from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CORPUS = ROOT / "corpora" / "warm_heart_home"
CODEBOOK = ROOT / "codebooks" / "social_healing.yaml"
MINI_CODEBOOK = DATA / "mini_codebook.yaml"
# The bundled English example (a codebook and three constructed transcripts).
EXAMPLE_CODEBOOK = ROOT / "codebooks" / "bereavement_support.yaml"
EXAMPLE_CORPUS = ROOT / "corpora" / "bereavement_support"
SHARED = Path(__import__("os").environ.get("HEALCODE_SHARED", ROOT.parent / "shared"))


def listing(folder: Path) -> list[str]:
    """The names in an output folder, without healcode's marker of the files it wrote."""
    from healcode.outdir import MARKER

    return sorted(p.name for p in folder.iterdir() if p.name != MARKER)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def mini_codebook():
    from healcode.codebook import load_codebook

    return load_codebook(MINI_CODEBOOK)


@pytest.fixture(scope="session")
def mini_coder(mini_codebook):
    from healcode.coder import Coder

    return Coder(mini_codebook)


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory):
    """One `healcode code` run of the bundled corpus, shared by the tests that read it."""
    from healcode.cli import main

    out = tmp_path_factory.mktemp("bundled") / "out"
    result = CliRunner().invoke(main, ["code", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


# --- a small learned model, shared by the learning and the coding-with-a-model tests ---

LEARN = DATA / "learn"


@pytest.fixture(scope="module")
def learn_run(tmp_path_factory) -> Path:
    """`healcode code` on the tiny coded corpus, with the mini codebook."""
    from click.testing import CliRunner

    from healcode.cli import main

    out = tmp_path_factory.mktemp("learn") / "run"
    result = CliRunner().invoke(
        main, ["code", str(LEARN / "corpus"), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def model(learn_run, mini_codebook):
    from healcode.learning import learn

    return learn(
        [LEARN / "codings.csv", LEARN / "ranges.csv"],
        units=[learn_run / "units.csv"],
        codebook=mini_codebook,
        folds=4,
        rules=("either", "model", "dictionary"),  # every rule, so each is exercised
    )


@pytest.fixture(scope="module")
def model_dir(model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model") / "model"
    model.save(out)
    return out
