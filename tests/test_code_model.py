"""`healcode code --model`: a learned model codes beside the dictionary, in the run folder."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from healcode.cli import main
from healcode.coding import combine_with_model
from healcode.model import ModelCoding
from healcode.records import Coding

from .conftest import LEARN, MINI_CODEBOOK


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _code(runner, out: Path, *more: str):
    return runner.invoke(
        main, ["code", str(LEARN / "corpus"), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q", *more]
    )


def test_a_users_codebook_codes_with_a_model_only_when_given_one(runner, tmp_path, model_dir):
    plain = tmp_path / "plain"
    assert _code(runner, plain).exit_code == 0
    assert "source" not in _rows(plain / "excerpts.csv")[0]
    assert json.loads((plain / "manifest.json").read_text())["model"] is None

    coded = tmp_path / "coded"
    assert _code(runner, coded, "--model", str(model_dir)).exit_code == 0
    rows = _rows(coded / "excerpts.csv")
    assert {r["source"] for r in rows} <= {"dictionary", "model", "both"}
    for row in rows:
        if row["source"] in ("model", "both"):
            assert 0.0 <= float(row["score"]) <= 1.0 and row["evidence"]
        if row["source"] == "model":
            assert row["terms"] == "" and row["code"] == row["theme"]
    manifest = json.loads((coded / "manifest.json").read_text())
    assert manifest["model"]["sha256"] and manifest["model"]["level"] == "theme"
    assert manifest["options"]["model"] == str(model_dir.resolve())
    # hits.csv stays the dictionary's
    assert (coded / "hits.csv").read_bytes() == (plain / "hits.csv").read_bytes()
    # same inputs, same bytes
    again = tmp_path / "again"
    assert _code(runner, again, "--model", str(model_dir)).exit_code == 0
    for name in ("excerpts.csv", "frequencies.csv", "matrix.csv", "cooccurrence.csv"):
        assert (again / name).read_bytes() == (coded / name).read_bytes(), name


def test_the_bundled_codebook_brings_the_bundled_model_unless_no_model(runner, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "访谈者：最近怎么样？\n受访者：同命人常来看我，我们有盼头了。\n", encoding="utf-8"
    )
    with_model = tmp_path / "m"
    assert runner.invoke(main, ["code", str(corpus), "-o", str(with_model), "-q"]).exit_code == 0
    assert json.loads((with_model / "manifest.json").read_text())["model"] is not None
    alone = tmp_path / "d"
    assert (
        runner.invoke(main, ["code", str(corpus), "-o", str(alone), "-q", "--no-model"]).exit_code
        == 0
    )
    assert json.loads((alone / "manifest.json").read_text())["model"] is None
    both = runner.invoke(
        main,
        [
            "code",
            str(corpus),
            "-o",
            str(tmp_path / "x"),
            "-q",
            "--no-model",
            "--model",
            str(with_model),
        ],
    )
    assert both.exit_code == 2


def test_a_tampered_or_foreign_model_is_refused_with_one_line(runner, tmp_path, model_dir):
    tampered = tmp_path / "tampered"
    shutil.copytree(model_dir, tampered)
    data = bytearray((tampered / "weights.npz").read_bytes())
    data[-40] ^= 0xFF
    (tampered / "weights.npz").write_bytes(bytes(data))
    result = _code(runner, tmp_path / "out", "--model", str(tampered))
    assert result.exit_code == 1 and "SHA-256" in result.output
    assert not (tmp_path / "out").exists()
    # a model for another codebook: the bundled one against the mini codebook
    from healcode.bundled import default_model_path

    foreign = _code(runner, tmp_path / "out", "--model", str(default_model_path()))
    assert foreign.exit_code == 1 and "codebook" in foreign.output


class _Model:
    level = "theme"


def _coding(unit: int, theme: str, code: str, negated: bool = False) -> Coding:
    return Coding("d", unit, theme, code, ("t",), negated)


@pytest.mark.parametrize(
    ("codings", "decided", "expected"),
    [
        # the dictionary codes and the model agrees: both
        (
            [_coding(0, "hope", "hope/plans")],
            [ModelCoding("d", 0, "hope", "both", 0.9, ("盼",))],
            [("hope/plans", "both")],
        ),
        # the model alone codes a unit the dictionary did not: a coding of the theme
        ([], [ModelCoding("d", 1, "pain", "model", 0.8, ("哭",))], [("pain", "model")]),
        # the model's rule for the theme drops the dictionary's coding: gone
        ([_coding(0, "hope", "hope/plans")], [], []),
        # a negated coding stays as it is, and the model may code the theme beside it
        (
            [_coding(2, "hope", "hope/plans", negated=True)],
            [ModelCoding("d", 2, "hope", "model", 0.7, ())],
            [("hope", "model"), ("hope/plans", "dictionary")],
        ),
    ],
)
def test_the_combination_rule(codings, decided, expected, mini_codebook):
    from healcode.codebook import parse_codebook

    book = parse_codebook("""codebook: 1
name: t
themes:
  - id: hope
    label: 希望
    codes:
      - id: plans
        label: 打算
        terms: [盼头]
  - id: pain
    label: 伤痛
    terms: [哭]
""")
    combined = combine_with_model(codings, decided, _Model(), book)  # type: ignore[arg-type]
    assert [(c.code, c.source) for c in combined] == expected
