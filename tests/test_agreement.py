"""`healcode agree` / `healcode evaluate`: published reference values reproduced by the
CLI on CSV files, outputs, coded ranges, and bad input."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from healcode.cli import main
from tests.conftest import CODEBOOK, CORPUS, DATA

from .conftest import listing

AGREE = DATA / "agreement"
GOLD = CORPUS / "gold.csv"
THEMES = [
    "mutual_relationships",
    "positive_self_esteem",
    "hope",
    "emotional_pain",
    "community_participation",
]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _agree(runner, tmp_path: Path, *args: str) -> list[dict[str, str]]:
    out = tmp_path / "out"
    result = runner.invoke(main, ["agree", *args, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return _rows(out / "agreement.csv")


def _row(rows: list[dict[str, str]], code: str, coder_a: str = "") -> dict[str, str]:
    found = [r for r in rows if r["code"] == code and (not coder_a or r["coder_a"] == coder_a)]
    assert len(found) == 1, found
    return found[0]


# --- published values ---------------------------------------------------------------


def test_krippendorff_2011_four_coders_missing_data(runner, tmp_path):
    """Krippendorff (2011) 'Computing Krippendorff's Alpha-Reliability': nominal 0.743."""
    rows = _agree(runner, tmp_path, str(AGREE / "krippendorff2011.csv"), "--absent", "missing")
    everyone = _row(rows, "(categories)", "(all)")
    assert round(float(everyone["krippendorff_alpha"]), 3) == 0.743
    assert everyone["units"] == "11"  # unit 12 has one value only: not pairable


def test_krippendorff_2004_binary_two_coders(runner, tmp_path):
    """Krippendorff (2004) binary example, 2 coders x 10 units: alpha 0.095."""
    rows = _agree(runner, tmp_path, str(AGREE / "coder_a.csv"), str(AGREE / "coder_b.csv"))
    present = _row(rows, "present")
    assert (present["coder_a"], present["coder_b"]) == ("coder_a", "coder_b")
    assert round(float(present["krippendorff_alpha"]), 3) == 0.095
    assert (present["units"], present["coded_a"], present["coded_b"]) == ("10", "2", "4")
    assert float(present["percent_agreement"]) == 60.0


def test_cohen_kappa_fifty_items(runner, tmp_path):
    """20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: p_o 0.70, p_e 0.50, kappa 0.40."""
    rows = _agree(runner, tmp_path, str(AGREE / "cohen50.csv"))
    yes = _row(rows, "yes")
    assert round(float(yes["cohen_kappa"]), 3) == 0.400
    assert float(yes["percent_agreement"]) == 70.0
    assert (yes["coded_a"], yes["coded_b"]) == ("25", "30")


def test_fleiss_1971_diagnoses(runner, tmp_path):
    """Fleiss (1971), 30 patients x 6 diagnoses: kappa 0.430 over the five categories,
    and his per-category kappas for each diagnosis as a present/absent code."""
    rows = _agree(runner, tmp_path, str(AGREE / "fleiss1971.csv"))
    assert round(float(_row(rows, "(categories)", "(all)")["fleiss_kappa"]), 3) == 0.430
    per_category = {
        "depression": 0.245,
        "personality_disorder": 0.245,
        "schizophrenia": 0.520,
        "neurosis": 0.471,
        "other": 0.566,
    }
    for code, kappa in per_category.items():
        assert round(float(_row(rows, code, "(all)")["fleiss_kappa"]), 3) == kappa
    # 6 coders: 15 pairs, each with its own rows, then the all-coder rows.
    assert len({(r["coder_a"], r["coder_b"]) for r in rows}) == 16


# --- what the command prints and writes ------------------------------------------


def test_table_and_files(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "agree",
            str(AGREE / "cohen50.csv"),
            "--reference",
            "rater1",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rater1 ~ rater2" in result.output
    assert "0.400" in result.output and "70.0" in result.output
    assert listing(out) == ["agreement.csv", "disagreements.csv"]
    yes = _row(_rows(out / "agreement.csv"), "yes")
    # rater2 against rater1: 20 of its 30 yes are right; 20 of rater1's 25 are found.
    assert round(float(yes["precision"]), 4) == round(20 / 30, 4)
    assert float(yes["recall"]) == 0.8
    assert round(float(yes["f1"]), 4) == round(40 / 55, 4)
    disagreements = _rows(out / "disagreements.csv")
    assert len(disagreements) == 15
    assert list(disagreements[0]) == ["document", "unit", "text", "code", "rater1", "rater2"]
    assert {(d["rater1"], d["rater2"]) for d in disagreements} == {("yes", "no"), ("no", "yes")}


def test_outputs_are_byte_identical_and_not_overwritten(runner, tmp_path):
    args = ["agree", str(AGREE / "krippendorff2011.csv"), "--absent", "missing", "-q"]
    first, second = tmp_path / "a", tmp_path / "b"
    assert runner.invoke(main, [*args, "-o", str(first)]).exit_code == 0
    assert runner.invoke(main, [*args, "-o", str(second)]).exit_code == 0
    for name in ("agreement.csv", "disagreements.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    again = runner.invoke(main, [*args, "-o", str(first)])
    assert again.exit_code == 1 and "--force" in again.output


def test_undefined_measures_say_why_and_never_nan(runner, tmp_path):
    """A code both coders gave every unit has no variation; nothing is NaN or blank."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (a, b):
        path.write_text("document,unit,code\nd,1,x\nd,2,x\nd,3,x\n", encoding="utf-8")
    rows = _agree(runner, tmp_path, str(a), str(b))
    x = _row(rows, "x")
    assert x["percent_agreement"] == "100.0"
    assert x["cohen_kappa"] == "n/a (no variation: every rating is the same)"
    assert x["krippendorff_alpha"].startswith("n/a (")
    for row in rows:
        for column in ("percent_agreement", "cohen_kappa", "krippendorff_alpha"):
            assert row[column] and "nan" not in row[column].lower()


def test_absent_rule_not_coded_versus_missing(runner, tmp_path):
    """The same files give different units compared under the two --absent rules."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("document,unit,code\nd,1,x\nd,2,\nd,3,x\n", encoding="utf-8")
    b.write_text("document,unit,code\nd,1,x\nd,2,x\n", encoding="utf-8")
    not_coded = _row(_agree(runner, tmp_path / "1", str(a), str(b)), "x")
    missing = _row(_agree(runner, tmp_path / "2", str(a), str(b), "--absent", "missing"), "x")
    assert (not_coded["units"], not_coded["percent_agreement"]) == ("3", "33.33")
    assert (missing["units"], missing["percent_agreement"]) == ("2", "50.0")


def test_theme_level_folds_code_paths(runner, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("document,unit,code\nd,1,hope/future_plans\nd,2,\n", encoding="utf-8")
    b.write_text("document,unit,code\nd,1,hope/looking_forward\nd,2,\n", encoding="utf-8")
    themes = _agree(runner, tmp_path / "t", str(a), str(b))
    assert _row(themes, "hope")["percent_agreement"] == "100.0"
    codes = _agree(runner, tmp_path / "c", str(a), str(b), "--level", "code")
    assert {r["code"] for r in codes} >= {"hope/future_plans", "hope/looking_forward"}
    assert _row(codes, "hope/future_plans")["percent_agreement"] == "50.0"


# --- coded character ranges (QDA programs) ---------------------------------------


def test_units_saved_by_a_spreadsheet_read_the_same(tmp_path):
    """Excel writes True/False back as TRUE/FALSE: every reader of units.csv (agreement,
    learning, the run) reads them the same, and a value that is neither is an error."""
    from healcode.errors import HealcodeError
    from healcode.learning.examples import read_units_table
    from healcode.reliability import read_units

    text = (AGREE / "units.csv").read_text(encoding="utf-8")
    saved = tmp_path / "units.csv"
    saved.write_text(text.replace(",True,", ",TRUE,").replace(",False,", ",FALSE,"), "utf-8")
    assert read_units(saved) == read_units(AGREE / "units.csv")
    assert [u.in_scope for u in read_units_table(saved)] == [
        u.in_scope for u in read_units_table(AGREE / "units.csv")
    ]
    assert any(u.coded for u in read_units(saved)) and not all(u.coded for u in read_units(saved))

    lines = text.splitlines()
    lines[2] = lines[2].replace(",True,", ",maybe,")
    saved.write_text("\n".join(lines) + "\n", "utf-8")
    for reader in (read_units, read_units_table):
        with pytest.raises(HealcodeError, match=r"units.csv line 3: column 'coded' is 'maybe'"):
            reader(saved)


def test_ranges_code_units_they_cover_by_half(runner, tmp_path):
    from healcode.reliability import read_codings, read_units

    units = read_units(AGREE / "units.csv")
    anna = read_codings(AGREE / "anna_ranges.csv", units=units)
    coded = {(c.document, c.unit): c.code for c in anna.rows}
    # 5-12 covers 7 of unit 1's 10 characters; 20-35 covers half of unit 2 and all of 3.
    assert coded == {
        ("d1", 1): "hope",
        ("d1", 2): "emotional_pain/grief",
        ("d1", 3): "emotional_pain/grief",
    }
    assert anna.unmatched_ranges == 1  # 0-4 lies in the interviewer's unit only
    stricter = read_codings(AGREE / "anna_ranges.csv", units=units, min_overlap=0.6)
    assert ("d1", 2) in {(c.document, c.unit) for c in stricter.rows if not c.code}

    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "agree",
            str(AGREE / "anna_ranges.csv"),
            str(AGREE / "ben.csv"),
            "--units",
            str(AGREE / "units.csv"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "cover no in-scope unit" in result.output
    hope = _row(_rows(out / "agreement.csv"), "hope")
    # 5 coded units; anna never mentions d2, so its units count as not coded by her.
    assert (hope["units"], hope["coded_a"], hope["coded_b"]) == ("5", "1", "2")
    assert hope["percent_agreement"] == "80.0"


def test_map_ranges_merges_pieces_of_one_code():
    from healcode.reliability import CodedRange, UnitSpan, map_ranges

    unit = UnitSpan("d", 0, 0, 10, True, "x" * 10)
    pieces = [CodedRange("anna", "d", 0, 3, "c"), CodedRange("anna", "d", 3, 6, "c")]
    mapping = map_ranges(pieces, [unit])
    assert [(c.unit, c.code) for c in mapping.codings] == [(0, "c")]
    assert mapping.unmatched == ()


def _naive_map_ranges(ranges, units, min_overlap):
    """map_ranges spelled out unit by unit, to hold the vectorised one to."""
    coded, unmatched, seen = set(), [], set()
    groups: dict[tuple[str, str, str], list] = {}
    for r in ranges:
        groups.setdefault((r.coder, r.document, r.code), []).append(r)
        seen.add((r.coder, r.document))
    for (coder, document, code), group in groups.items():
        if not code:
            continue
        covered = set()
        for r in group:
            covered.update(range(r.start, r.end))
        hits = [
            u
            for u in units
            if u.coded
            and u.document == document
            and (inside := len(covered & set(range(u.start, u.end)))) > 0
            and inside >= min_overlap * (u.end - u.start)
        ]
        coded.update((coder, document, u.unit, code) for u in hits)
        unmatched += [
            r for r in group if not any(r.start < u.end and r.end > u.start for u in hits)
        ]
    done = {(c, d, u) for c, d, u, _ in coded}
    coded.update(
        (c, d, u.unit, "")
        for c, d in seen
        for u in units
        if u.coded and u.document == d and (c, d, u.unit) not in done
    )
    return sorted(coded), unmatched


@settings(max_examples=200, deadline=None)
@given(
    cuts=st.lists(st.integers(1, 6), min_size=1, max_size=12),
    scope=st.lists(st.booleans(), min_size=12, max_size=12),
    spans=st.lists(
        st.tuples(
            st.integers(0, 50),
            st.integers(1, 12),
            st.sampled_from("ab"),
            st.sampled_from(["x", "y", ""]),
        ),
        max_size=8,
    ),
    min_overlap=st.sampled_from([0.1, 0.5, 1 / 3, 1.0]),
)
def test_map_ranges_agrees_with_the_unit_by_unit_definition(cuts, scope, spans, min_overlap):
    from healcode.reliability import CodedRange, UnitSpan, map_ranges

    units, start = [], 0
    for i, size in enumerate(cuts):
        units.append(UnitSpan("d", i, start, start + size, scope[i], "x" * size))
        start += size
    ranges = [CodedRange(coder, "d", s, s + n, code) for s, n, coder, code in spans]
    mapping = map_ranges(ranges, units, min_overlap=min_overlap)
    expected, unmatched = _naive_map_ranges(ranges, units, min_overlap)
    assert [(c.coder, c.document, c.unit, c.code) for c in mapping.codings] == expected
    assert list(mapping.unmatched) == unmatched


def test_a_range_beyond_its_document_is_refused(runner, tmp_path):
    """Without documents.csv a document ends with its last unit; with the run's
    documents.csv beside units.csv, at its length (a trailing newline may be coded)."""
    beyond = AGREE / "beyond_ranges.csv"
    result = runner.invoke(
        main, ["agree", str(beyond), str(AGREE / "ben.csv"), "--units", str(AGREE / "units.csv")]
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {beyond} line 3: range 20-999999 ends beyond document 'd1' (its last unit "
        "ends at 35); the range was made on another text, so code the same sources, or "
        "correct the row"
    )
    run = tmp_path / "run"
    run.mkdir()
    (run / "units.csv").write_bytes((AGREE / "units.csv").read_bytes())
    (run / "documents.csv").write_text(
        "document,source,characters,units,coded_units\nd1,d1.txt,36,4,3\nd2,d2.txt,20,2,2\n",
        encoding="utf-8",
    )
    ranges = tmp_path / "ranges.csv"
    ranges.write_text("document,start,end,code\nd1,25,36,hope\n", encoding="utf-8")
    ok = runner.invoke(
        main,
        ["agree", str(ranges), str(AGREE / "ben.csv"), "-q", "--units", str(run / "units.csv")],
    )
    assert ok.exit_code == 0, ok.output
    ranges.write_text("document,start,end,code\nd1,25,37,hope\n", encoding="utf-8")
    refused = runner.invoke(
        main,
        ["agree", str(ranges), str(AGREE / "ben.csv"), "-q", "--units", str(run / "units.csv")],
    )
    assert refused.exit_code == 1
    assert (
        f"{ranges} line 2: range 25-37 ends beyond document 'd1' (36 characters long)"
        in refused.output
    )


# --- a coder who coded nothing ----------------------------------------------------


def test_a_header_only_file_is_a_coder_who_coded_nothing(runner, tmp_path):
    """Two coders, one of them empty: kept, and kappa is 0 as the formula gives
    (observed agreement equals chance agreement when one coder never codes)."""
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["agree", str(AGREE / "ben.csv"), str(AGREE / "nobody.csv"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "ben ~ nobody" in result.output
    assert "coder nobody coded no unit; counted as a coder who saw all 5 unit(s)" in result.output
    rows = _rows(out / "agreement.csv")
    hope = _row(rows, "hope")
    assert (hope["coder_a"], hope["coder_b"], hope["units"]) == ("ben", "nobody", "5")
    assert (hope["coded_a"], hope["coded_b"], hope["percent_agreement"]) == ("2", "0", "60.0")
    assert float(hope["cohen_kappa"]) == 0.0
    assert round(float(hope["krippendorff_alpha"]), 4) == -0.125


@pytest.mark.parametrize("absent", ["not-coded", "missing"])
def test_an_empty_coder_among_three_is_not_dropped(runner, tmp_path, absent):
    again = tmp_path / "ben_again.csv"
    again.write_bytes((AGREE / "ben.csv").read_bytes())
    rows = _agree(
        runner,
        tmp_path,
        str(AGREE / "ben.csv"),
        str(again),
        str(AGREE / "nobody.csv"),
        "--units",
        str(AGREE / "units.csv"),
        "--absent",
        absent,
    )
    pairs = {(r["coder_a"], r["coder_b"]) for r in rows}
    assert pairs == {
        ("ben", "ben_again"),
        ("ben", "nobody"),
        ("ben_again", "nobody"),
        ("(all)", ""),
    }
    assert _row([r for r in rows if r["coder_b"] == "ben_again"], "hope")["cohen_kappa"] == "1.0"
    everyone = _row(rows, "hope", "(all)")
    assert everyone["units"] == "5" and everyone["percent_agreement"] == "73.33"
    assert 0 < float(everyone["fleiss_kappa"]) < 1


def test_an_empty_ranges_file_is_a_coder_too(runner, tmp_path):
    empty = tmp_path / "carl.csv"
    empty.write_text("document,start,end,code\n", encoding="utf-8")
    rows = _agree(
        runner,
        tmp_path,
        str(AGREE / "anna_ranges.csv"),
        str(empty),
        "--units",
        str(AGREE / "units.csv"),
    )
    hope = _row(rows, "hope")
    assert (hope["coder_a"], hope["coder_b"], hope["coded_b"]) == ("anna", "carl", "0")
    assert float(hope["cohen_kappa"]) == 0.0


def test_two_empty_coders_compare_nothing(runner, tmp_path):
    other = tmp_path / "nobody_else.csv"
    other.write_text("document,unit,code\n", encoding="utf-8")
    result = runner.invoke(main, ["agree", str(AGREE / "nobody.csv"), str(other)])
    assert result.exit_code == 1 and "no coder used any code" in result.output
    rows = _agree(
        runner,
        tmp_path,
        str(AGREE / "nobody.csv"),
        str(other),
        "--units",
        str(AGREE / "units.csv"),
        "-c",
        str(CODEBOOK),
    )
    hope = _row(rows, "hope")
    assert (hope["units"], hope["percent_agreement"]) == ("5", "100.0")
    assert hope["cohen_kappa"] == hope["krippendorff_alpha"] == "n/a (no coder used this code)"


# --- codes against a codebook ------------------------------------------------------


def test_codes_not_in_the_codebook_are_warnings(runner, tmp_path):
    typo = tmp_path / "typo.csv"
    typo.write_text(
        "document,unit,code\nd1,1,hpoe\nd1,2,hpoe\nd1,3,emotional_pain\nd2,0,\nd2,1,hope\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["agree", str(typo), str(AGREE / "ben.csv"), "-c", str(CODEBOOK), "-o", str(out), "-q"],
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {typo}: code 'hpoe' (2 unit(s)) is not in the codebook {CODEBOOK}; it is "
        "compared as a code of its own (correct the codings or the codebook)"
    ]
    codes = [r["code"] for r in _rows(out / "agreement.csv")]
    assert codes[:6] == [*THEMES, "hpoe"]  # every theme, used or not, then the stray code
    # At code level a theme alone is still the codebook's; an unknown code path is not.
    path = tmp_path / "paths.csv"
    path.write_text(
        "document,unit,code\nd1,1,hope\nd1,2,hope/future_plan\n"
        "d1,3,hope/future_plans\nd2,0,\nd2,1,\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        main,
        ["agree", str(path), str(AGREE / "ben.csv"), "-c", str(CODEBOOK), "--level", "code", "-q"],
    )
    assert result.exit_code == 0, result.output
    assert [
        line.split(": code ")[1].split(" (")[0]
        for line in result.output.splitlines()
        if line.startswith("warning:")
    ] == ["'hope/future_plan'"]


def test_a_codebook_from_python_reports_its_codes():
    import healcode
    from healcode.codebook import load_codebook

    result = healcode.agreement(
        [AGREE / "ben.csv", AGREE / "nobody.csv"], codebook=load_codebook(CODEBOOK)
    )
    assert list(result.table["code"][:5]) == THEMES
    assert result.warnings == ()


# --- bad input: one line naming the file, exit 1 ---------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("document,code\nd,x\n", "no unit column"),
        ("document,unit,code\nd,one,x\n", "line 2: unit 'one' is not a whole number"),
        ("", "empty file"),
    ],
)
def test_bad_codings_file(runner, tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(main, ["agree", str(bad), str(AGREE / "ben.csv"), "-o", str(out)])
    assert result.exit_code == 1
    assert str(bad) in result.output and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_unit_not_in_units_csv(runner, tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("document,unit,code\nd1,0,x\n", encoding="utf-8")
    result = runner.invoke(
        main, ["agree", str(a), str(AGREE / "ben.csv"), "--units", str(AGREE / "units.csv")]
    )
    assert result.exit_code == 1
    assert f"{a} line 2: unit 0 of d1 is not coded there" in result.output
    a.write_text("document,unit,code\nd1,9,x\n", encoding="utf-8")
    result = runner.invoke(
        main, ["agree", str(a), str(AGREE / "ben.csv"), "--units", str(AGREE / "units.csv")]
    )
    assert result.exit_code == 1 and "unit 9 of d1 does not exist there" in result.output


def test_codings_made_on_other_units(runner, tmp_path):
    """A text column that no longer matches units.csv means the units have changed."""
    stale = tmp_path / "stale.csv"
    stale.write_text("document,unit,code,text\nd1,1,hope,另一句话\n", encoding="utf-8")
    result = runner.invoke(
        main, ["agree", str(stale), str(AGREE / "ben.csv"), "--units", str(AGREE / "units.csv")]
    )
    assert result.exit_code == 1
    assert f"{stale} line 2: unit 1 of d1 has other text in the units file" in result.output


def test_single_coder(runner):
    result = runner.invoke(main, ["agree", str(AGREE / "ben.csv")])
    assert result.exit_code == 1
    assert "ben.csv" in result.output and "at least two coders" in result.output


def test_mismatched_documents(runner, tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("document,unit,code\np01,1,x\n", encoding="utf-8")
    result = runner.invoke(main, ["agree", str(a), str(AGREE / "ben.csv")])
    assert result.exit_code == 1
    assert "mismatched documents" in result.output
    with_units = runner.invoke(
        main, ["agree", str(a), str(AGREE / "ben.csv"), "--units", str(AGREE / "units.csv")]
    )
    assert with_units.exit_code == 1
    assert f"{a} line 2: document 'p01' is not in the units file" in with_units.output


def test_unknown_reference_and_missing_file(runner, tmp_path):
    result = runner.invoke(main, ["agree", str(AGREE / "cohen50.csv"), "--reference", "gold"])
    assert result.exit_code == 1 and "no such coder (coders: rater1, rater2)" in result.output
    missing = tmp_path / "nope.csv"
    result = runner.invoke(main, ["agree", str(missing), str(AGREE / "ben.csv")])
    assert result.exit_code == 1 and f"{missing}: no such file" in result.output


# --- the library --------------------------------------------------------------------


def test_python_api_returns_dataframes():
    import healcode

    result = healcode.agreement([AGREE / "coder_a.csv", AGREE / "coder_b.csv"], level="code")
    assert result.coders == ("coder_a", "coder_b")
    assert list(result.table["code"]) == ["present", "(mean)"]
    assert round(result.table.loc[0, "krippendorff_alpha"], 3) == 0.095
    assert len(result.disagreements) == 4
    # Importing the implementation must not replace the public function.
    import healcode.reliability  # noqa: F401

    assert callable(healcode.agreement)


def test_cli_import_stays_light():
    code = (
        "import sys, healcode.cli; "
        "print(sorted(m for m in ('pandas', 'numpy', 'krippendorff') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- the bundled corpus and its gold coding ----------------------------------------


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    """A run of one of the other bundled corpora (by directory name)."""

    def run(name: str) -> Path:
        out = tmp_path_factory.mktemp(name) / "out"
        result = CliRunner().invoke(main, ["code", str(CORPUS.parent / name), "-o", str(out), "-q"])
        assert result.exit_code == 0, result.output
        return out

    return run


@pytest.mark.parametrize(
    "corpus",
    ["warm_heart_home", "other_voices", "community_voices", "family_voices", "test_voices"],
)
def test_gold_codes_every_coded_unit_of_its_corpus(corpus, request):
    """gold.csv is keyed by (document, unit): if the transcripts or the unit splitting
    change, this fails and the gold needs re-checking against the new units."""
    if corpus == "warm_heart_home":
        run = request.getfixturevalue("bundled_run")
    else:
        run = request.getfixturevalue("corpus_run")(corpus)
    units = {
        (r["document"], r["unit"]): r["text"]
        for r in _rows(run / "units.csv")
        if r["coded"] == "True"
    }
    gold = _rows(CORPUS.parent / corpus / "gold.csv")
    assert {(g["document"], g["unit"]) for g in gold} == set(units)
    assert all(g["text"] == units[(g["document"], g["unit"])] for g in gold)
    assert {g["coder"] for g in gold} == {"gold"}
    assert {g["code"] for g in gold} <= {"", *THEMES}
    keys = [(g["document"], int(g["unit"]), g["code"]) for g in gold]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_evaluate_bundled_corpus(runner, bundled_run, tmp_path):
    out = tmp_path / "eval"
    result = runner.invoke(
        main, ["evaluate", str(bundled_run), "--gold", str(GOLD), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out / "agreement.csv")
    assert [r["code"] for r in rows] == [*THEMES, "(mean)"]
    for row in rows:
        assert (row["coder_a"], row["coder_b"]) == ("gold", "healcode")
        for column in ("precision", "recall", "f1", "cohen_kappa", "krippendorff_alpha"):
            assert -1 <= float(row[column]) <= 1
    for theme in THEMES:
        assert theme in result.output


def test_evaluate_needs_a_run_directory(runner, tmp_path):
    result = runner.invoke(main, ["evaluate", str(tmp_path), "--gold", str(GOLD)])
    assert result.exit_code == 1
    assert "not a healcode output directory (no manifest.json)" in result.output


def test_code_no_coder_used_is_reported_as_undefined():
    import healcode

    result = healcode.agreement(
        [AGREE / "coder_a.csv", AGREE / "coder_b.csv"],
        codes=["unused"],
        reference="coder_a",
    )
    unused = result.table[result.table["code"] == "unused"].iloc[0]
    assert unused["cohen_kappa"] == "n/a (no coder used this code)"
    assert unused["krippendorff_alpha"] == "n/a (no coder used this code)"
    assert unused["precision"] == "n/a (coder never used the code)"
    assert unused["f1"] == "n/a (neither used the code)"
    mean = result.table[result.table["code"] == "(mean)"].iloc[0]
    assert round(mean["krippendorff_alpha"], 3) == 0.095  # the mean skips the undefined code
    # nor does the unused code's trivial 100 % agreement raise the mean of the others
    used = result.table[~result.table["code"].isin(["unused", "(mean)"])]
    assert unused["percent_agreement"] == 100.0
    assert mean["percent_agreement"] == pytest.approx(
        used["percent_agreement"].astype(float).mean()
    )
