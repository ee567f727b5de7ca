"""The learned coder: training, cross-validation, safe loading, the combination rule,
scoring, evidence, and the learn / sample commands."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CODEBOOK, LEARN, MINI_CODEBOOK, ROOT, listing

CODINGS = LEARN / "codings.csv"
RANGES = LEARN / "ranges.csv"


def _one_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


# --- training data --------------------------------------------------------------------


def test_training_reads_unit_codings_and_coded_ranges(learn_run, mini_codebook):
    from healcode.learning.examples import read_training

    training = read_training(
        [CODINGS, RANGES], units=[learn_run / "units.csv"], codebook=mini_codebook
    )
    labels = {(e.document, e.unit): e.labels for e in training.examples}
    assert len(labels) == 40  # 30 coded units of d1-d3, all 10 participant units of d4
    assert labels[("d1", 2)] == {"pain"}  # pain/shame at theme level
    assert labels[("d2", 11)] == {"hope", "mutual"}  # two rows, one unit
    assert labels[("d1", 1)] == frozenset()  # an empty code: a coded negative
    assert labels[("d4", 7)] == {"mutual", "self_esteem"}  # ranges mapped onto units
    assert labels[("d4", 1)] == frozenset()  # a unit of a coded document, no range
    assert ("d1", 4) not in labels  # an interviewer question is no training unit
    by_key = {(e.document, e.unit): e for e in training.examples}
    assert by_key[("d1", 5)].features.question == "后来呢？"
    assert by_key[("d1", 5)].dictionary == {"mutual"}
    assert ("mutual/peers", False) in by_key[("d1", 5)].features.hits
    assert [i.kind for i in training.inputs] == ["units", "codings", "codings"]
    assert training.inputs[1].name == "learn/codings.csv"


def test_units_not_in_the_codings_are_not_training_data(learn_run, mini_codebook, tmp_path):
    from healcode.learning.examples import read_training

    only = tmp_path / "some.csv"
    only.write_text("document,unit,code\nd1,2,pain\nd3,1,\n", encoding="utf-8")
    training = read_training([only], units=[learn_run / "units.csv"], codebook=mini_codebook)
    assert [(e.document, e.unit) for e in training.examples] == [("d1", 2), ("d3", 1)]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("d1,2,nostalgia\n", "'nostalgia' is not a theme of the codebook"),
        ("d9,2,pain\n", "document 'd9' is not in the units file"),
        ("d1,99,pain\n", "unit 99 of d1 does not exist"),
        ("d1,4,pain\n", "unit 4 of d1 is not coded there"),
    ],
)
def test_codings_that_do_not_fit_are_refused_with_the_line(
    learn_run, mini_codebook, tmp_path, rows, message
):
    from healcode.errors import CodingsError
    from healcode.learning.examples import read_training

    bad = tmp_path / "bad.csv"
    bad.write_text("document,unit,code\n" + rows, encoding="utf-8")
    with pytest.raises(CodingsError, match="line 2") as caught:
        read_training([bad], units=[learn_run / "units.csv"], codebook=mini_codebook)
    assert message in str(caught.value)


def test_stale_unit_text_is_refused(learn_run, mini_codebook, tmp_path):
    from healcode.errors import CodingsError
    from healcode.learning.examples import read_training

    bad = tmp_path / "stale.csv"
    bad.write_text("document,unit,code,text\nd1,2,pain,别的话。\n", encoding="utf-8")
    with pytest.raises(CodingsError, match="units changed since this file was coded"):
        read_training([bad], units=[learn_run / "units.csv"], codebook=mini_codebook)


def test_two_units_files_must_not_share_document_ids(learn_run, mini_codebook, tmp_path):
    from healcode.errors import CodingsError
    from healcode.learning.examples import read_training

    other = tmp_path / "other" / "units.csv"
    other.parent.mkdir()
    shutil.copy(learn_run / "units.csv", other)
    with pytest.raises(CodingsError, match="document 'd1' is also in"):
        read_training([CODINGS], units=[learn_run / "units.csv", other], codebook=mini_codebook)


def test_question_contexts():
    from healcode.learning import question_contexts
    from healcode.records import Unit

    def unit(i: int, role: str, text: str) -> Unit:
        return Unit("d", i, "x", role, 0, 0, text, role == "participant")  # type: ignore[arg-type]

    units = [
        unit(0, "participant", "开场。"),
        unit(1, "interviewer", "您好。"),
        unit(2, "interviewer", "最近怎么样？"),
        unit(3, "participant", "还好。"),
        unit(4, "participant", "真的。"),
        unit(5, "interviewer", "后来呢？"),
        unit(6, "participant", "后来好了。"),
    ]
    assert question_contexts(units) == [
        "",
        "",
        "",
        "您好。最近怎么样？",
        "您好。最近怎么样？",
        "您好。最近怎么样？",
        "后来呢？",
    ]


# --- cross-validation ------------------------------------------------------------------


def test_folds_never_split_a_document():
    from healcode.learning.evaluate import document_folds

    documents = ["a"] * 5 + ["b"] * 3 + ["c"] * 4 + ["d"] * 1 + ["e"] * 2 + ["a"] * 2
    folds = document_folds(documents, 3)
    assert len(folds) == 3
    tested = np.concatenate([f.test for f in folds])
    assert sorted(tested.tolist()) == list(range(len(documents)))  # each unit tested once
    for fold in folds:
        train_docs = {documents[i] for i in fold.train}
        test_docs = {documents[i] for i in fold.test}
        assert train_docs and test_docs and not train_docs & test_docs
        assert len(fold.train) + len(fold.test) == len(documents)
    assert len(document_folds(["a", "b", "a"], 5)) == 2  # at most one fold per document
    with pytest.raises(ValueError, match="at least two documents"):
        document_folds(["a", "a"], 5)


def test_cross_validation_table(model):
    assert model.labels == ("hope", "mutual", "self_esteem", "pain")
    coders = [(row["label"], row["coder"]) for row in model.cv]
    assert coders[:3] == [("hope", "dictionary"), ("hope", "model"), ("hope", "combined")]
    assert coders[-3:] == [("(mean)", "dictionary"), ("(mean)", "model"), ("(mean)", "combined")]
    by = {(row["label"], row["coder"]): row for row in model.cv}
    assert by[("pain", "dictionary")]["support"] == 10
    assert by[("pain", "dictionary")]["units"] == 40
    assert by[("pain", "dictionary")]["coded"] == 4  # d1 2, 3; d2 2; d4 3
    assert by[("pain", "dictionary")]["precision"] == 1.0
    assert model.training["folds"] == 4 and model.training["documents"] == 4
    assert all(0 < t < 1 for t in model.thresholds.values())
    assert set(model.rules.values()) <= {"either", "model", "dictionary"}
    for label in model.labels:
        combined = by[(label, "combined")]
        assert combined["rule"] == model.rules[label]
        assert by[(label, "dictionary")]["rule"] == by[(label, "model")]["rule"] == ""
        # learn never ships a rule its own cross-validation finds worse than the dictionary
        assert combined["f1"] >= by[(label, "dictionary")]["f1"]
        if model.rules[label] == "dictionary":
            assert {k: v for k, v in combined.items() if k not in ("coder", "rule")} == {
                k: v for k, v in by[(label, "dictionary")].items() if k not in ("coder", "rule")
            }
    # In the tiny corpus the dictionary alone is best for hope: the model is not used there
    assert model.rules["hope"] == "dictionary"
    assert any(
        "only 4 positive unit(s)" in note and note.startswith("self_esteem") for note in model.notes
    )


def test_threshold_choice_prefers_the_best_f1_then_the_middle():
    from healcode.learning.evaluate import choose

    gold = np.array([True, True, False, False])
    scores = np.array([0.9, 0.7, 0.3, 0.1])
    threshold, f1 = choose(gold, scores, np.zeros(4, bool), "model")
    assert f1 == 1.0 and threshold == 0.5  # any of 0.31-0.70 is perfect; 0.5 is nearest


@pytest.mark.parametrize(
    ("dictionary", "model", "either", "expected"),
    [
        (0.4, 0.6, 0.65, "either"),
        (0.4, 0.66, 0.65, "either"),  # the model alone only when better by more than 0.01
        (0.4, 0.7, 0.65, "model"),
        (0.613, 0.333, 0.406, "dictionary"),  # the model makes it worse: not used
        (0.6, 0.5, 0.6, "dictionary"),  # the model adds nothing
        (0.62, 0.7, 0.61, "model"),
        (0.0, 0.0, 0.0, "dictionary"),
    ],
)
def test_rule_choice_by_out_of_fold_f1(dictionary, model, either, expected):
    from healcode.learning.evaluate import pick_rule

    assert pick_rule({"dictionary": dictionary, "model": model, "either": either}) == expected


def test_rule_choice_among_the_rules_allowed():
    from healcode.learning.evaluate import pick_rule

    f1 = {"dictionary": 0.7, "model": 0.6, "either": 0.55}
    assert pick_rule(f1) == "dictionary"
    assert pick_rule(f1, ("either", "model")) == "model"
    assert pick_rule(f1, ("either",)) == "either"
    assert pick_rule(f1, ("dictionary", "either")) == "dictionary"
    assert pick_rule({**f1, "dictionary": 0.5}, ("dictionary", "either")) == "either"
    assert pick_rule(f1, ("dictionary",)) == "dictionary"
    with pytest.raises(ValueError, match="rules must be some of"):
        pick_rule(f1, ("always",))  # type: ignore[arg-type]


def test_learn_keeps_the_model_when_told_to(learn_run, mini_codebook, runner, tmp_path):
    """--rules either,model: the dictionary-alone rule is not a choice (the model stays in
    use where cross-validation flatters a codebook written on the coded transcripts)."""
    from healcode.cli import main
    from healcode.cli.learn import RULES as CLI_RULES
    from healcode.errors import ModelError
    from healcode.learning import learn
    from healcode.model.learned import RULES

    assert CLI_RULES == RULES
    kept = learn(
        [CODINGS, RANGES],
        units=[learn_run / "units.csv"],
        codebook=mini_codebook,
        folds=4,
        rules=("either", "model"),
    )
    assert "dictionary" not in kept.rules.values() and kept.rules["hope"] == "either"
    assert kept.training["rules_considered"] == ["either", "model"]
    with pytest.raises(ModelError, match="rules must be some of"):
        learn([CODINGS], units=[learn_run / "units.csv"], codebook=mini_codebook, rules=["x"])
    args = ["learn", str(CODINGS), str(RANGES), "--units", str(learn_run / "units.csv")]
    args += ["-c", str(MINI_CODEBOOK), "--folds", "4", "-q"]
    result = runner.invoke(main, [*args, "--rules", "either,model", "-o", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert saved["rules"]["hope"] == "either"
    bad = runner.invoke(main, [*args, "--rules", "either,always", "-o", str(tmp_path / "n")])
    assert bad.exit_code == 2 and "--rules" in bad.output and not (tmp_path / "n").exists()


def test_rules_are_chosen_on_out_of_fold_decisions():
    from healcode.learning.evaluate import choose_rule

    gold = np.array([True, True, False, False] * 2)
    scores = np.array([0.9, 0.7, 0.3, 0.1] * 2)
    fold_of = np.repeat([0, 1], 4)
    wrong_hit = np.array([False, False, True, False] * 2)  # a wrong dictionary hit
    chosen = choose_rule(gold, scores, wrong_hit, fold_of)
    assert (chosen.rule, chosen.threshold) == ("model", 0.5)
    assert chosen.f1 == {"either": 0.8, "model": 1.0, "dictionary": 0.0}
    missed = np.array([0.9, 0.05, 0.3, 0.1] * 2)  # the model misses what the dictionary finds
    found = np.array([False, True, False, False] * 2)
    either = choose_rule(gold, missed, found, fold_of)
    assert either.rule == "either" and either.f1["either"] == 1.0
    perfect = choose_rule(gold, 1 - scores, gold, fold_of)  # a model that is always wrong
    assert perfect.rule == "dictionary" and perfect.f1["dictionary"] == 1.0
    assert np.array_equal(perfect.predictions["dictionary"], gold)


# --- the combination rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "score", "hit", "expected"),
    [
        ("either", 0.9, True, (True, "both")),
        ("either", 0.9, False, (True, "model")),
        ("either", 0.1, True, (True, "dictionary")),
        ("either", 0.1, False, (False, None)),
        ("model", 0.9, True, (True, "both")),
        ("model", 0.9, False, (True, "model")),
        ("model", 0.1, True, (False, None)),
        ("model", 0.1, False, (False, None)),
        ("either", 0.5, False, (True, "model")),  # the threshold itself codes
        ("dictionary", 0.9, True, (True, "dictionary")),  # the model has no say
        ("dictionary", 0.9, False, (False, None)),
        ("dictionary", 0.1, True, (True, "dictionary")),
        ("dictionary", 0.1, False, (False, None)),
    ],
)
def test_combination_rule(model, rule, score, hit, expected):
    from dataclasses import replace

    mine = replace(
        model, thresholds={**model.thresholds, "hope": 0.5}, rules={**model.rules, "hope": rule}
    )
    assert tuple(mine.decide(score, "hope", hit)) == expected


def test_labels_the_model_does_not_know_are_coded_by_the_dictionary(model):
    assert model.decide(None, "hope", True) == (True, "dictionary")
    assert model.decide(0.99, "nostalgia", True) == (True, "dictionary")
    assert model.decide(0.99, "nostalgia", False) == (False, None)


# --- scoring ------------------------------------------------------------------------------


@pytest.mark.parametrize("high", [3, 4])  # up to 3 characters as integer keys, then a search
def test_fast_scoring_equals_the_training_features(learn_run, mini_codebook, high):
    """Scoring finds n-grams of all units at once as integer keys; training counts them
    unit by unit as strings: the same features either way, in every block."""
    from healcode.learning.examples import dictionary_hits, read_units_table
    from healcode.model.features import FeatureSettings, FeatureSpace, unit_text

    table = read_units_table(learn_run / "units.csv")
    hits = dictionary_hits(mini_codebook, {"d1": [u for u in table if u.document == "d1"]})
    texts = [u.text for u in table] + [
        "ABC  abc\tAbc 同命人",
        "",
        "   ",
        "😀同命人😀",
        "a b c d e f",
        "同命人\n同命人",
    ]
    units = [
        unit_text(t, hits.get(("d1", i), ()), q)
        for i, (t, q) in enumerate(zip(texts, reversed(texts), strict=True))
    ]
    settings = FeatureSettings(
        char_ngrams=(1, high),
        min_df=1,
        weights={"chars": 1.0, "words": 0.7, "dictionary": 0.5, "question": 0.25},
    )
    space = FeatureSpace(settings, mini_codebook)
    counts = space.count(units)
    space.fit(counts, np.arange(0, len(units), 2))  # vocabulary of half the units
    expected = space.select(counts, units, np.arange(len(units))).toarray()
    assert space.blocks == ["chars", "words", "dictionary", "question"]
    assert np.allclose(space.transform(units).toarray(), expected, atol=1e-12)
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(3, expected.shape[1])).astype(np.float32)
    intercept = rng.normal(size=3).astype(np.float32)
    logits = expected @ coef.T.astype(float) + intercept
    assert np.allclose(space.logits(units, coef, intercept), logits, atol=1e-9)
    # To the bit what scipy's sparse products give, block by block (scores decide codings
    # at thresholds: a last-bit difference could change one)
    matrix = space.transform(units)
    exact = np.tile(intercept.astype(np.float64), (len(units), 1))
    for block, offset in space.offsets().items():
        end = offset + len(space.vocabularies[block])
        exact += matrix[:, offset:end] @ coef[:, offset:end].T.astype(np.float64)
    assert np.array_equal(space.logits(units, coef, intercept), exact)


def test_score_units_and_evidence(model):
    from healcode.records import Hit

    texts = ["后来认识了几个同命人，大家经常一起聊天。", "今天天气不错。"]
    hits = [[Hit("d", 0, "mutual", "mutual/peers", "同命人", 6, 9, "同命人", False)], []]
    scores = model.score_units(texts, hits, ["后来呢？", "您最近怎么样？"])
    assert [set(s) for s in scores] == [set(model.labels)] * 2
    assert all(0 < p < 1 for s in scores for p in s.values())
    assert scores[0]["mutual"] > scores[1]["mutual"]
    evidence = model.evidence(texts[0], "mutual", hits=hits[0], question="后来呢？")
    assert 1 <= len(evidence) <= 3
    assert all(e.replace(" ", "") in texts[0] for e in evidence)
    assert all(a not in b for a in evidence for b in evidence if a != b)
    assert model.evidence(texts[0], "nostalgia") == []
    with pytest.raises(ValueError, match="one entry per unit"):
        model.score_units(texts, hits[:1])


def test_evidence_is_never_a_function_word_alone(model, learn_run):
    """的, 们, 在, 我们 ... may weigh in a score, but as evidence they explain nothing:
    evidence shows the n-grams around them instead (the weights themselves are unchanged)."""
    from healcode.learning.examples import dictionary_hits, read_units_table
    from healcode.model.learned import _function_words

    assert {"的", "们", "在", "我们", "就是"} <= _function_words()
    units = read_units_table(learn_run / "units.csv")
    for document in sorted({u.document for u in units}):
        mine = [u for u in units if u.document == document]
        hits = dictionary_hits(model.codebook, {document: mine})
        codings = model.code_units(mine, [h for found in hits.values() for h in found])
        shown = [e for c in codings for e in c.evidence]
        assert shown and not set(shown) & _function_words()


def test_code_units_of_a_document(model, learn_run):
    from healcode.learning.examples import dictionary_hits, read_units_table

    units = [u for u in read_units_table(learn_run / "units.csv") if u.document == "d1"]
    hits = dictionary_hits(model.codebook, {"d1": units})
    codings = model.code_units(units, [h for found in hits.values() for h in found])
    assert codings, "the model codes something in its own training document"
    coded = {(c.unit, c.label): c for c in codings}
    assert coded[(5, "mutual")].source in ("dictionary", "both")  # 同命人 is a term
    for c in codings:
        assert c.document == "d1" and c.unit not in (0, 4, 9)  # questions are not coded
        assert (c.source == "dictionary") == (c.evidence == ())
        if model.rules[c.label] == "dictionary":  # the model has no say, and no score
            assert c.source == "dictionary" and c.score is None
        else:
            assert c.score is not None and (
                c.source == "dictionary" or c.score >= model.thresholds[c.label]
            )
    assert {c.label for c in codings if c.score is None} == {"hope"}


def _reference_codings(model, units, hits) -> list:
    """What ``code_units`` must return, by its definition, one unit at a time: each
    in-scope unit scored alone, decided label by label, explained from its own row."""
    from healcode.model import ModelCoding
    from healcode.model.features import question_contexts, unit_text

    codings = []
    for unit, question in zip(units, question_contexts(units), strict=True):
        if not unit.in_scope:
            continue
        mine = [h for h in hits if h.unit == unit.index]
        text = unit_text(unit.text, mine, question)
        scores = dict(zip(model.labels, model.probabilities([text])[0].tolist(), strict=True))
        dictionary = model.dictionary_labels(mine)
        for label in [*model.labels, *sorted(dictionary - set(model.labels))]:
            coded, source = model.decide(scores.get(label), label, label in dictionary)
            if coded:
                evidence = () if source == "dictionary" else _reference_evidence(model, text, label)
                # a label decided by the dictionary alone has no score
                score = None if model.rules.get(label) == "dictionary" else scores.get(label)
                codings.append(
                    ModelCoding(unit.document, unit.index, label, source, score, tuple(evidence))
                )
    return codings


def _reference_evidence(model, unit, label, k: int = 3) -> list[str]:
    """The unit's character and word n-grams by what they add to the label's score, the
    largest first (ties in column order), skipping punctuation and n-grams inside (or
    around) one already chosen."""
    from healcode.model.learned import _readable

    row = model.features.transform([unit])
    offsets = model.features.offsets()
    text = [
        c
        for b in ("chars", "words")
        if b in offsets
        for c in range(offsets[b], offsets[b] + len(model.features.vocabularies[b]))
    ]
    own = np.isin(row.indices, text)
    columns, values = row.indices[own], row.data[own]
    raised = values * model.coef[model.labels.index(label), columns]
    names = model.features.names()
    chosen: list[str] = []
    for i in np.argsort(-raised, kind="stable"):
        if raised[i] <= 0 or len(chosen) >= k:
            break
        block, name = names[columns[i]]
        shown = name.replace(" ", "") if block == "words" else name
        if _readable(shown) and not any(shown in c or c in shown for c in chosen):
            chosen.append(shown)
    return chosen


@pytest.fixture(scope="module")
def every_block_model(learn_run, mini_codebook):
    """A code-level model with every feature block on (words and the dictionary's hits)."""
    from healcode.learning import learn
    from healcode.model.features import FeatureSettings

    settings = FeatureSettings(
        weights={"chars": 1.0, "words": 0.7, "dictionary": 0.5, "question": 0.25}
    )
    return learn(
        [CODINGS, RANGES],
        units=[learn_run / "units.csv"],
        codebook=mini_codebook,
        folds=4,
        level="code",
        settings=settings,
    )


@pytest.mark.parametrize("variant", ["as trained", "every block", "strict", "labels left out"])
def test_code_units_of_columns_follow_the_definition(model, every_block_model, variant):
    """code_units decides and explains a whole document at once, reading units and hits
    as columns: the same codings, scores and evidence as the records one at a time."""
    from dataclasses import replace

    from healcode.coding import CodingOptions, code_document, make_coder
    from healcode.corpus import load_corpus

    chosen = every_block_model if variant == "every block" else model
    if variant == "strict":  # few model codings: dictionary ones, and every rule
        rules = ("model", "either", "dictionary")
        chosen = replace(
            chosen,
            thresholds=dict.fromkeys(chosen.labels, 0.9),
            rules={label: rules[i % 3] for i, label in enumerate(chosen.labels)},
        )
    if variant == "labels left out":  # hits of labels the model does not know
        chosen = replace(
            chosen,
            labels=chosen.labels[1::2],
            coef=chosen.coef[1::2],
            intercept=chosen.intercept[1::2],
        )
    options = CodingOptions()
    coder = make_coder(chosen.codebook, options)
    sources, unknown = set(), 0
    for document in load_corpus([LEARN / "corpus"]).documents():
        coded = code_document(document, coder, options)
        codings = chosen.code_units(coded.units, coded.hits)
        assert codings == chosen.code_units(list(coded.units), list(coded.hits))
        assert codings == _reference_codings(chosen, list(coded.units), list(coded.hits))
        sources |= {c.source for c in codings}
        unknown += sum(c.score is None for c in codings)
    assert "model" in sources or variant == "strict"
    assert "dictionary" in sources or variant in ("as trained", "every block")
    assert unknown or variant != "labels left out"


def test_a_long_document_is_coded_in_parts_with_the_same_result(model, learn_run):
    from healcode.learning.examples import dictionary_hits, read_units_table
    from healcode.model.learned import _scoped_units

    units = [u for u in read_units_table(learn_run / "units.csv") if u.document == "d2"]
    hits = [h for found in dictionary_hits(model.codebook, {"d2": units}).values() for h in found]
    scoped = _scoped_units(units, hits)
    assert [len(p.units) for p in scoped.parts(4)] == [4, 4, 2]  # 10 participant units
    in_parts = [c for part in scoped.parts(4) for c in model._code_scoped(part, 3)]
    assert in_parts == model.code_units(units, hits)
    parts = list(scoped.parts(4))
    coded = {c.unit for c in in_parts}
    assert coded & set(parts[0].indexes) and coded & set(parts[-1].indexes)


def test_evidence_ranking_keeps_equal_contributions_in_order():
    """Equal contributions are common (n-grams only seen together share a weight)."""
    from healcode.model.learned import _ranked

    rng = np.random.default_rng(7)
    for size in (0, 1, 2, 50, 5000):
        pair = np.sort(rng.integers(0, max(size // 10, 1), size))
        raised = rng.integers(1, 5, size) / 3.0  # many ties
        assert np.array_equal(_ranked(pair, raised), np.lexsort((-raised, pair)))


def test_key_table_finds_exactly_the_vocabulary():
    from healcode.model.ngrams import KeyTable

    rng = np.random.default_rng(3)
    spread = rng.integers(1, 2**62, 3000)
    runs = np.arange(10_000, 13_000)  # neighbouring keys: long probe chains if hashed badly
    vocabulary = np.unique(np.concatenate([spread, runs]))
    rng.shuffle(vocabulary)
    table = KeyTable(vocabulary)
    keys = np.concatenate(
        [vocabulary, rng.integers(1, 2**62, 5000), np.arange(9_000, 14_000), vocabulary[::7]]
    )
    rng.shuffle(keys)
    rows, columns = table.lookup(keys, np.arange(len(keys)) * 2)
    where = {int(k): i for i, k in enumerate(vocabulary)}
    expected = [(2 * i, where[int(k)]) for i, k in enumerate(keys) if int(k) in where]
    assert list(zip(rows.tolist(), columns.tolist(), strict=True)) == expected
    empty = KeyTable(np.zeros(0, dtype=np.int64))
    assert [len(a) for a in empty.lookup(keys[:5], np.arange(5))] == [0, 0]


# --- saving and loading -----------------------------------------------------------------


def test_saved_model_loads_and_scores_the_same(model, model_dir, mini_codebook):
    from healcode.learning import LearnedModel

    assert listing(model_dir) == ["cv.csv", "model.json", "weights.npz"]
    loaded = LearnedModel.load(model_dir, mini_codebook)
    assert loaded.labels == model.labels and loaded.thresholds == model.thresholds
    assert loaded.rules == model.rules and loaded.level == "theme"
    assert loaded.sha256 == hashlib.sha256((model_dir / "model.json").read_bytes()).hexdigest()
    texts = ["她们常来我家坐坐，陪我说说话。", "希望大家都能来。"]
    assert loaded.score_units(texts, [[], []]) == model.score_units(texts, [[], []])
    described = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    assert described["codebook"]["sha256"] == mini_codebook.sha256
    assert [i["name"] for i in described["training"]["inputs"]] == [
        "run/units.csv",
        "learn/codings.csv",
        "learn/ranges.csv",
    ]
    with (model_dir / "cv.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "label",
        "coder",
        "rule",
        "precision",
        "recall",
        "f1",
        "kappa",
        "support",
        "coded",
        "units",
    ]
    assert len(rows) == 3 * (len(model.labels) + 1)


def test_same_inputs_give_the_same_model_bytes(learn_run, mini_codebook, model_dir, tmp_path):
    from healcode.learning import learn

    again = learn(
        [CODINGS, RANGES],
        units=[learn_run / "units.csv"],
        codebook=mini_codebook,
        folds=4,
        rules=("either", "model", "dictionary"),  # as the model fixture
    )
    again.save(tmp_path / "again")
    for name in ("model.json", "weights.npz", "cv.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (model_dir / name).read_bytes()


def test_weights_are_plain_arrays(model_dir):
    with np.load(model_dir / "weights.npz", allow_pickle=False) as archive:
        assert {archive[name].dtype.kind for name in archive.files} <= {"u", "f"}


def _copy(model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(model_dir, target)
    return target


def _rewrite(path: Path, change, *, seal: bool = True) -> None:
    """Change model.json; ``seal``: record the SHA-256 of the changed content, as a
    deliberate forger would (so the checks behind the content check are reached)."""
    from healcode.model.learned import content_sha256

    data = json.loads((path / "model.json").read_text(encoding="utf-8"))
    change(data)
    if seal:
        data.pop("content_sha256", None)
        data["content_sha256"] = content_sha256(data)
    (path / "model.json").write_text(json.dumps(data), encoding="utf-8")


def test_tampered_weights_are_refused(model_dir, mini_codebook, tmp_path):
    from healcode.errors import ModelError
    from healcode.learning import LearnedModel

    copy = _copy(model_dir, tmp_path)
    data = bytearray((copy / "weights.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "weights.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match model.json") as caught:
        LearnedModel.load(copy, mini_codebook)
    assert "\n" not in str(caught.value)


def test_a_pickled_array_is_refused_even_with_a_matching_hash(model_dir, mini_codebook, tmp_path):
    """A stranger's model cannot run code: arrays are read with allow_pickle=False."""
    from healcode.errors import ModelError
    from healcode.learning import LearnedModel

    copy = _copy(model_dir, tmp_path)
    with np.load(copy / "weights.npz") as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["coef"] = np.array([{"a": 1}], dtype=object)
    np.savez(copy / "weights.npz", **arrays)
    digest = hashlib.sha256((copy / "weights.npz").read_bytes()).hexdigest()
    _rewrite(copy, lambda d: d["weights"].update(sha256=digest))
    with pytest.raises(ModelError, match="cannot be read as plain arrays"):
        LearnedModel.load(copy, mini_codebook)


def test_a_model_for_another_codebook_is_refused(model_dir):
    from healcode.codebook import load_codebook
    from healcode.errors import ModelError
    from healcode.learning import LearnedModel

    with pytest.raises(ModelError, match="trained with another codebook") as caught:
        LearnedModel.load(model_dir, load_codebook(CODEBOOK))
    assert "healcode learn" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["thresholds"].update(hope=1.5), "malformed model"),
        (lambda d: d["rules"].update(hope="always"), "malformed model"),
        (lambda d: d.pop("thresholds"), "malformed model"),
        (lambda d: d.update(labels=["hope", "nostalgia", "self_esteem", "pain"]), "malformed"),
        (lambda d: d.update(format_version=99), "model format 99"),
        (lambda d: d.update(format="something else"), "not a healcode model description"),
        (lambda d: d["features"].update(min_df="many"), "malformed model"),
    ],
)
def test_malformed_descriptions_are_refused(model_dir, mini_codebook, tmp_path, change, message):
    from healcode.errors import ModelError
    from healcode.learning import LearnedModel

    copy = _copy(model_dir, tmp_path)
    _rewrite(copy, change)
    with pytest.raises(ModelError, match=message):
        LearnedModel.load(copy, mini_codebook)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["thresholds"].update(hope=0.2),
        lambda d: d["rules"].update(mutual="model"),
        lambda d: d["codebook"].update(name="another"),
        lambda d: d["cv"][0].update(f1=0.99),
        lambda d: d.pop("content_sha256"),
        lambda d: d.update(content_sha256="0" * 64),
    ],
)
def test_a_model_json_changed_after_training_is_refused(model_dir, mini_codebook, tmp_path, change):
    """model.json is covered by the SHA-256 of its content, recorded in it: an edited
    threshold or rule is refused with one line (only weights.npz was checked before)."""
    from healcode.errors import ModelError
    from healcode.learning import LearnedModel

    copy = _copy(model_dir, tmp_path)
    _rewrite(copy, change, seal=False)
    with pytest.raises(ModelError) as caught:
        LearnedModel.load(copy, mini_codebook)
    message = str(caught.value)
    assert "\n" not in message and str(copy / "model.json") in message
    assert "changed after training; retrain with healcode learn" in message


def test_model_json_laid_out_differently_still_loads(model, model_dir, mini_codebook, tmp_path):
    """The check is on the content, not the bytes: the same JSON indented otherwise (or
    its keys reordered) loads and scores the same."""
    from healcode.learning import LearnedModel
    from healcode.model.learned import content_sha256

    copy = _copy(model_dir, tmp_path)
    data = json.loads((copy / "model.json").read_text(encoding="utf-8"))
    recorded = data.pop("content_sha256")
    assert recorded == content_sha256(data) and len(recorded) == 64
    shuffled = dict(reversed(list({**data, "content_sha256": recorded}.items())))
    (copy / "model.json").write_text(json.dumps(shuffled, indent=1), encoding="utf-8")
    loaded = LearnedModel.load(copy, mini_codebook)
    assert loaded.thresholds == model.thresholds and loaded.rules == model.rules


def test_missing_files_are_refused(model_dir, mini_codebook, tmp_path):
    from healcode.errors import ModelError
    from healcode.learning import LearnedModel

    with pytest.raises(ModelError, match="no such model directory"):
        LearnedModel.load(tmp_path / "nothing", mini_codebook)
    copy = _copy(model_dir, tmp_path)
    (copy / "weights.npz").unlink()
    with pytest.raises(ModelError, match="no weights.npz"):
        LearnedModel.load(copy, mini_codebook)
    (copy / "model.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="not valid JSON"):
        LearnedModel.load(copy, mini_codebook)


# --- the commands --------------------------------------------------------------------------


def test_by_default_the_model_stays_in_use_and_a_stronger_dictionary_is_said(
    runner, learn_run, tmp_path
):
    """Without --rules, learn chooses between either and model only; where the
    dictionary alone scores higher in cross-validation it says so, per theme."""
    from healcode.cli import main

    out = tmp_path / "model"
    args = ["learn", str(CODINGS), str(RANGES), "--units", str(learn_run / "units.csv")]
    args += ["-c", str(MINI_CODEBOOK), "--folds", "4", "-o", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    model = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert set(model["rules"].values()) <= {"either", "model"}
    said = " ".join(result.output.split())
    assert "hope: cross-validation scores the dictionary alone higher" in said
    assert "--rules either,model,dictionary lets the dictionary decide it" in said


def test_learn_command(runner, learn_run, tmp_path):
    from healcode.cli import main

    out = tmp_path / "model"
    args = [
        "learn",
        str(CODINGS),
        str(RANGES),
        "--units",
        str(learn_run / "units.csv"),
        "-c",
        str(MINI_CODEBOOK),
        "--folds",
        "4",
        "--rules",
        "either,model,dictionary",
        "-o",
        str(out),
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Cross-validation by document (4 folds, 40 units)" in result.output
    assert "warning: self_esteem: only 4 positive unit(s)" in result.output
    assert "(mean)" in result.output and "Wrote the model to" in result.output
    assert set(listing(out)) == {"model.json", "weights.npz", "cv.csv"}
    # precision, recall, F1, kappa and support for each coder, in 100 columns
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("theme"))
    assert header.split() == [
        "theme",
        "coder",
        "rule",
        "prec.",
        "recall",
        "F1",
        "kappa",
        "support",
    ]
    table = lines[lines.index(header) + 2 :]
    table = table[: next(i for i, line in enumerate(table) if line.startswith(" combined:"))]
    assert all(len(line) <= 100 for line in table)
    rows = [line.split() for line in table if line.strip()]
    coders = ["dictionary", "model", "combined"]
    assert [row[0] if row[0] in coders else row[1] for row in rows] == coders * 5  # 4 themes, mean
    assert rows[0] == ["hope", "dictionary", *rows[0][2:]] and len(rows[0]) == 7  # figures, support
    assert rows[2][:2] == ["combined", "dictionary"]  # hope: the dictionary alone
    assert all(row[-1] == rows[0][-1] == "8" for row in rows[:3])  # hope's support
    assert "hope dictionary alone" in result.output
    line = _one_line(runner.invoke(main, args))
    assert "already exists" in line and "--force" in line
    assert runner.invoke(main, [*args, "--force", "-q"]).exit_code == 0


def test_learn_command_errors_are_one_line(runner, learn_run, tmp_path):
    from healcode.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text("document,unit,code\nd1,2,nostalgia\n", encoding="utf-8")
    line = _one_line(
        runner.invoke(
            main,
            [
                "learn",
                str(bad),
                "--units",
                str(learn_run / "units.csv"),
                "-c",
                str(MINI_CODEBOOK),
                "-o",
                str(tmp_path / "m"),
            ],
        )
    )
    assert "bad.csv line 2" in line and "nostalgia" in line
    one = tmp_path / "one.csv"
    one.write_text("document,unit,code\nd1,2,pain\nd1,1,\n", encoding="utf-8")
    line = _one_line(
        runner.invoke(
            main,
            [
                "learn",
                str(one),
                "--units",
                str(learn_run / "units.csv"),
                "-c",
                str(MINI_CODEBOOK),
                "-o",
                str(tmp_path / "m"),
            ],
        )
    )
    assert "at least two documents" in line
    assert not (tmp_path / "m").exists()


def test_a_codings_file_with_every_code_empty_is_refused(
    runner, learn_run, mini_codebook, tmp_path
):
    """An unfilled `healcode sample` file would teach that none of its units has a code."""
    from healcode.cli import main
    from healcode.errors import CodingsError
    from healcode.learning.examples import read_training

    empty = tmp_path / "next.csv"
    empty.write_text("document,unit,code,text,why\nd1,2,,,random\nd4,3,,,uncertain\n", "utf-8")
    with pytest.raises(CodingsError, match="every row has an empty code") as caught:
        read_training([CODINGS, empty], units=[learn_run / "units.csv"], codebook=mini_codebook)
    assert str(empty) in str(caught.value) and "fill in the code column" in str(caught.value)
    args = ["learn", str(CODINGS), str(empty), "--units", str(learn_run / "units.csv")]
    line = _one_line(
        runner.invoke(main, [*args, "-c", str(MINI_CODEBOOK), "-o", str(tmp_path / "m")])
    )
    assert "next.csv: every row has an empty code" in line and "fill in the code column" in line
    assert not (tmp_path / "m").exists()
    # one filled row is enough: the empty ones are then coded negatives
    empty.write_text("document,unit,code\nd1,2,pain\nd4,3,\n", "utf-8")
    read_training([CODINGS, empty], units=[learn_run / "units.csv"], codebook=mini_codebook)


def test_learn_help_names_the_features_the_model_uses(runner):
    from healcode.cli import main

    result = runner.invoke(main, ["learn", "--help"], terminal_width=100)
    text = " ".join(result.output.split())
    assert "character 1-3-grams" in text and "question" in text
    assert "word n-grams and the dictionary's hits as features are off" in text
    assert "dictionary alone" in text


def test_sample_command_and_the_loop_back_to_learn(runner, learn_run, model_dir, tmp_path):
    from healcode.cli import main

    out = tmp_path / "next.csv"
    args = [
        "sample",
        str(learn_run),
        "--model",
        str(model_dir),
        "-n",
        "10",
        "--seed",
        "3",
        "--exclude",
        str(CODINGS),
        "-o",
        str(out),
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Wrote 10 units" in result.output
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["document", "unit", "code", "text", "why"]
    assert len(rows) == 10 and all(r["code"] == "" for r in rows)
    assert {r["document"] for r in rows} == {"d4"}  # d1-d3 are excluded as already coded
    assert {r["why"] for r in rows} <= {"uncertain", "disagreement", "random"}
    first = out.read_bytes()
    assert runner.invoke(main, [*args, "--force"]).exit_code == 0
    assert out.read_bytes() == first  # the same seed picks the same units
    assert "already exists" in _one_line(runner.invoke(main, args))
    unfilled = [
        "learn",
        str(CODINGS),
        str(out),
        "--units",
        str(learn_run / "units.csv"),
        "-c",
        str(MINI_CODEBOOK),
        "-o",
        str(tmp_path / "model2"),
    ]
    assert "fill in the code column" in _one_line(runner.invoke(main, unfilled))
    # Fill in the codes and learn from both files.
    for row in rows:
        row["code"] = "pain" if "难受" in row["text"] or "丢人" in row["text"] else ""
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(
        main,
        [
            "learn",
            str(CODINGS),
            str(out),
            "--units",
            str(learn_run / "units.csv"),
            "-c",
            str(MINI_CODEBOOK),
            "-o",
            str(tmp_path / "model2"),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output


def test_sample_refuses_a_model_of_another_codebook(runner, bundled_run, model_dir, tmp_path):
    from healcode.cli import main

    line = _one_line(
        runner.invoke(
            main,
            ["sample", str(bundled_run), "--model", str(model_dir), "-o", str(tmp_path / "n.csv")],
        )
    )
    assert "trained with another codebook" in line


def test_sample_picks_a_mix(learn_run, model):
    from healcode.learning.sample import sample_units

    picked = sample_units(learn_run, model, n=20, seed=1)
    assert len(picked) == 20
    counts = {
        why: sum(p.why == why for p in picked) for why in ("uncertain", "disagreement", "random")
    }
    assert counts["uncertain"] == 8
    assert counts["uncertain"] + counts["disagreement"] + counts["random"] == 20
    assert picked == sorted(picked, key=lambda p: (p.document, p.unit))
    assert sample_units(learn_run, model, n=20, seed=1) == picked
    assert len(sample_units(learn_run, model, n=500)) == 40  # every in-scope unit at most


# --- the public API, the bundled model and lazy imports --------------------------------------


def test_python_api_learn_is_not_shadowed(learn_run, mini_codebook, tmp_path):
    import healcode
    import healcode.learning  # noqa: F401

    assert callable(healcode.learn)
    trained = healcode.learn(
        [CODINGS, RANGES], units=learn_run / "units.csv", codebook=MINI_CODEBOOK, folds=2
    )
    assert trained.training["folds"] == 2
    assert callable(healcode.learn)


def test_bundled_model_fits_the_bundled_codebook_and_gold():
    from healcode.bundled import default_model_path
    from healcode.codebook import load_codebook
    from healcode.learning import LearnedModel

    path = default_model_path()
    assert sum(p.stat().st_size for p in path.iterdir()) < 3_000_000
    model = LearnedModel.load(path, load_codebook(CODEBOOK))
    assert model.labels == tuple(t.id for t in model.codebook.themes)
    codings = [i for i in model.training["inputs"] if i["kind"] == "codings"]
    assert codings, "trained from gold codings"
    for item in codings:
        assert "test_voices" not in item["name"]  # the untouched test set, never trained on
        gold = ROOT / "corpora" / item["name"]
        assert hashlib.sha256(gold.read_bytes()).hexdigest() == item["sha256"], (
            f"{gold} changed since the bundled model was trained: "
            "run python scripts/train_bundled_model.py"
        )


def test_cli_import_does_not_load_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys, healcode.cli; "
        "print(sorted(m for m in ('sklearn', 'scipy', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
