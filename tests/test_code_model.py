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


# --- a traditional transcript: the model reads the simplified copy the dictionary reads ---


def _traditional_copy(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny corpus as written (simplified) and converted to traditional characters."""
    from healcode.fold import to_simplified, to_traditional

    simplified, traditional = tmp_path / "simplified", tmp_path / "traditional"
    simplified.mkdir()
    traditional.mkdir()
    for source in sorted((LEARN / "corpus").glob("*.txt")):
        text = source.read_text(encoding="utf-8")
        converted = to_traditional(text)
        assert converted != text and to_simplified(converted) == text  # a faithful copy
        (simplified / source.name).write_text(text, encoding="utf-8")
        (traditional / source.name).write_text(converted, encoding="utf-8")
    return simplified, traditional


def test_a_traditional_transcript_is_scored_as_its_simplified_original(model, tmp_path):
    from healcode.coding import CodingOptions, code_document, make_coder
    from healcode.corpus import load_corpus
    from healcode.fold import should_fold, to_simplified

    simplified, traditional = _traditional_copy(tmp_path)
    options = CodingOptions()
    coder = make_coder(model.codebook, options)
    coder.model = model
    documents = zip(
        load_corpus([simplified]).documents(), load_corpus([traditional]).documents(), strict=True
    )
    model_codings = 0
    for original, converted in documents:
        assert should_fold(converted.text, model.codebook, "auto")
        plain = code_document(original, coder, options)
        folded = code_document(converted, coder, options)
        assert [(u.index, u.start, u.end) for u in folded.units] == [
            (u.index, u.start, u.end) for u in plain.units
        ]
        # the same codings, sources and scores, to the bit
        assert [(c.unit, c.code, c.source, c.score) for c in folded.codings] == [
            (c.unit, c.code, c.source, c.score) for c in plain.codings
        ]
        # the evidence is shown as the transcript writes it
        for mine, theirs in zip(folded.codings, plain.codings, strict=True):
            unit_text = folded.units[mine.unit].text
            assert all(piece in unit_text for piece in mine.evidence)
            assert [to_simplified(piece) for piece in mine.evidence] == list(theirs.evidence)
            model_codings += mine.source in ("model", "both")
        # the traditional text itself scores otherwise: folding is what makes them equal
        assert [u.text for u in folded.units] != [u.text for u in plain.units]
        unfolded = model.code_units(folded.units, folded.hits)
        assert [c.score for c in unfolded] != [
            c.score for c in model.code_units(plain.units, plain.hits)
        ]
    assert model_codings


def test_folded_units_as_columns_and_as_records_agree(mini_codebook, tmp_path):
    from healcode.coding import CodingOptions, code_document, make_coder
    from healcode.corpus import load_corpus
    from healcode.fold import folded_units

    _, traditional = _traditional_copy(tmp_path)
    coder = make_coder(mini_codebook, CodingOptions())
    for document in load_corpus([traditional]).documents():
        units = code_document(document, coder, CodingOptions()).units
        as_columns = folded_units(units)
        assert type(as_columns).__name__ == "Units"  # t2s keeps every length: still columns
        assert list(as_columns) == folded_units(list(units))
        assert [u.text for u in as_columns] != [u.text for u in units]


def test_training_and_sampling_read_traditional_units_as_simplified(
    runner, model_dir, mini_codebook, tmp_path
):
    """learn sees a traditional run's units as the simplified copies the model will score
    in healcode code, and sample scores them so, writing the units' own text."""
    from healcode.fold import to_simplified
    from healcode.learning import LearnedModel
    from healcode.learning.examples import read_training
    from healcode.learning.sample import score_run

    simplified, traditional = _traditional_copy(tmp_path)
    runs = {}
    for name, corpus in (("s", simplified), ("t", traditional)):
        runs[name] = tmp_path / f"run_{name}"
        result = runner.invoke(
            main,
            [
                "code",
                str(corpus),
                "-c",
                str(MINI_CODEBOOK),
                "-o",
                str(runs[name]),
                "-q",
                "--model",
                str(model_dir),
            ],
        )
        assert result.exit_code == 0, result.output
    examples = {
        name: read_training(
            [LEARN / "ranges.csv"], units=[run / "units.csv"], codebook=mini_codebook
        ).examples
        for name, run in runs.items()
    }
    assert examples["t"] == examples["s"]
    model = LearnedModel.load(model_dir, mini_codebook)
    plain, folded = score_run(runs["s"], model), score_run(runs["t"], model)
    assert [s.scores for s in folded] == [s.scores for s in plain]
    # the sample file's text is the unit's own (learn checks it against units.csv)
    assert [to_simplified(f.text) for f in folded] == [p.text for p in plain]
    assert [f.text for f in folded] != [p.text for p in plain]
    # excerpts of the traditional run: the same codings, scores and sources
    assert [
        (r["document"], r["unit"], r["code"], r["source"], r["score"])
        for r in _rows(runs["t"] / "excerpts.csv")
    ] == [
        (r["document"], r["unit"], r["code"], r["source"], r["score"])
        for r in _rows(runs["s"] / "excerpts.csv")
    ]


# --- a model is used only with the codebook it was trained with ---------------------------


def test_a_coder_refuses_a_model_of_another_codebook(model, mini_codebook):
    from healcode.bundled import default_codebook_path
    from healcode.codebook import load_codebook, parse_codebook
    from healcode.coder import Coder
    from healcode.errors import ModelError

    other = load_codebook(default_codebook_path())
    with pytest.raises(ModelError, match="trained with the codebook") as caught:
        Coder(other, model=model)
    message = str(caught.value)
    assert "\n" not in message and "healcode learn" in message
    assert mini_codebook.sha256[:12] in message and other.sha256[:12] in message
    coder = Coder(other)
    with pytest.raises(ModelError, match="trained with the codebook"):
        coder.model = model  # assigning later is checked as well
    assert coder.model is None
    unsaved = parse_codebook(MINI_CODEBOOK.read_text(encoding="utf-8"))  # no SHA-256
    with pytest.raises(ModelError):
        Coder(unsaved, model=model)
    # the codebook it was trained with, loaded again, is the same codebook
    assert Coder(load_codebook(MINI_CODEBOOK), model=model).model is model
    assert Coder(mini_codebook, model=None).model is None
