"""Hostile and unusual input, and outputs that cannot or may not be written: the catalogue
of README's "What healcode refuses, and why".

Each case gives a correct result, or one ``Error:`` line naming the file (and line),
exit status 1, nothing written (no output, no hidden leftovers beside it) and the inputs
byte-identical. ``CATALOGUE`` lists every case with the tests that hold it (here and in
the modules of the code concerned) and its fixtures; a test checks that they exist and
that the README names each case.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from healcode.cli import main
from healcode.outdir import IN_PLACE, healcode_wrote

from .conftest import DATA, MINI_CODEBOOK, ROOT

HOSTILE = DATA / "hostile"
ENCODINGS = HOSTILE / "encodings"
TRANSCRIPT = "访谈者：最近怎么样？\n受访者：我们有盼头了。\n"


# ------------------------------------------------------------------------ the catalogue


@dataclass(frozen=True)
class Case:
    """One kind of hostile input or output location, as README names it."""

    name: str
    tests: tuple[str, ...]  # "module::test" in tests/
    fixtures: tuple[str, ...] = ()  # under tests/data/


_UNREADABLE = "test_cli_code::test_an_unreadable_file_alone_is_an_error_and_writes_nothing"
_BAD_CODEBOOK = "test_cli_code::test_a_bad_codebook_is_an_error_with_its_line_and_writes_nothing"
_CODEBOOK_ERRORS = "test_codebook::test_errors_name_file_line_and_key_path"
_EVERY_ENCODING = (
    "test_hostile::test_every_form_of_a_transcript_reads_to_the_same_units_and_offsets"
)
_OFFSETS = (
    "test_turns_units::test_unit_offsets_are_exact_code_points",
    "test_coder::test_hit_offsets_are_exact_code_points",
    "test_coder::test_english_hit_offsets_are_exact_and_on_word_boundaries",
)

CATALOGUE: tuple[Case, ...] = (
    # outputs
    Case(
        "--force on a folder with the user's files",
        (
            "test_outdir::test_force_on_a_folder_of_the_users_files_is_refused",
            "test_outdir::test_force_replaces_a_run_folder_but_not_one_with_a_file_added_or_changed",
            "test_outdir::test_other_folder_outputs_keep_the_users_files",
            "test_cli_code::test_an_existing_outdir_is_refused_without_force",
            "test_hostile::test_force_never_replaces_a_file_healcode_did_not_write",
        ),
    ),
    Case(
        "--force on a run folder with a review",
        ("test_hostile::test_force_never_replaces_a_file_healcode_did_not_write",),
    ),
    Case(
        "-o . (the current folder)",
        (
            "test_outdir::test_force_on_a_folder_of_the_users_files_is_refused",
            "test_hostile::test_the_current_folder_as_output_stays_the_folder_that_holds_it",
        ),
    ),
    Case(
        "an output that is, contains or lies inside an input",
        (
            "test_outdir::test_an_output_overlapping_the_input_is_refused_and_nothing_is_touched",
            "test_outdir::test_export_never_overwrites_an_input_or_a_users_file",
            "test_hostile::test_outputs_overlapping_their_inputs_are_refused",
        ),
    ),
    Case(
        "two commands writing the same output at once",
        ("test_outdir::test_a_second_writer_of_the_same_output_is_refused",),
    ),
    Case(
        "leftovers of a killed run",
        (
            "test_outdir::test_an_interrupted_run_is_cleaned_up_and_said",
            "test_outdir::test_a_failure_inside_leaves_the_old_output_whole",
        ),
    ),
    Case(
        "an output location that cannot be written",
        (
            "test_outdir::test_an_unwritable_output_fails_before_any_coding",
            "test_outdir::test_permission_errors_become_one_line",
            "test_hostile::test_an_unwritable_output_is_one_line_in_every_command",
            "test_hostile::test_an_error_while_writing_names_the_output",
        ),
    ),
    Case(
        "file names that are not UTF-8 or hold a line break",
        (
            "test_hostile::test_file_names_that_cannot_become_document_ids_are_skipped_with_a_reason",
            "test_hostile::test_a_table_cell_with_carriage_returns_round_trips_through_csv",
        ),
    ),
    Case(
        "CSV cells that look like formulas",
        (
            "test_outdir::test_csv_cells_that_look_like_formulas_are_kept_exact_and_said",
            "test_export_tables::test_xlsx_text_never_becomes_a_formula",
        ),
    ),
    # transcripts
    Case(
        "undecodable bytes",
        (_UNREADABLE, "test_corpus_read::test_noise_is_refused_not_decoded_into_something"),
    ),
    Case(
        "a binary file",
        (_UNREADABLE, "test_corpus_read::test_a_binary_file_is_named_for_what_it_probably_is"),
    ),
    Case(
        "an empty file",
        (
            _UNREADABLE,
            "test_cli_code::test_unreadable_files_are_skipped_listed_and_the_run_exits_1",
        ),
    ),
    Case(
        "FF FE before text that is not UTF-16",
        (
            "test_corpus_read::test_a_stray_utf16_mark_is_refused_saying_what_the_file_is",
            "test_hostile::test_a_stray_utf16_mark_alone_is_one_line_saying_what_the_file_is",
        ),
        ("encodings/bogus_fffe.txt",),
    ),
    Case(
        "UTF-16 without a BOM",
        (_EVERY_ENCODING, "test_corpus_read::test_other_people_s_encodings_are_detected"),
        ("hostile/encodings/utf16le_nobom.txt",),
    ),
    Case(
        "UTF-16 with a BOM",
        (_EVERY_ENCODING, "test_corpus_read::test_real_utf16_with_a_mark_is_still_read"),
        ("hostile/encodings/utf16_bom.txt",),
    ),
    Case(
        "GB18030",
        (_EVERY_ENCODING, "test_corpus_read::test_other_people_s_encodings_are_detected"),
        ("hostile/encodings/gb18030.txt",),
    ),
    Case(
        "a BOM with CRLF, or CR line ends",
        (_EVERY_ENCODING,),
        ("hostile/encodings/bom_crlf.txt", "hostile/encodings/cr_only.txt"),
    ),
    Case(
        "emoji and CJK Extension B", (_EVERY_ENCODING, *_OFFSETS), ("hostile/encodings/utf8.txt",)
    ),
    Case(
        "zero-width characters, combining marks and URL lines",
        (_EVERY_ENCODING, *_OFFSETS),
        ("hostile/encodings/utf8.txt",),
    ),
    Case(
        "traditional characters",
        (
            "test_hostile::test_traditional_text_is_coded_with_offsets_into_the_original",
            "test_fold::test_offsets_stay_exact_after_folding",
        ),
        ("hostile/traditional.txt",),
    ),
    Case(
        "duplicate document ids",
        (
            "test_cli_code::test_duplicate_ids_are_an_error",
            "test_corpus_read::test_duplicate_ids_name_both_sources",
        ),
    ),
    Case(
        "a symlink loop in a corpus folder",
        ("test_hostile::test_a_symlink_loop_in_a_corpus_folder_is_not_followed",),
    ),
    # codebooks
    Case("malformed YAML", (_BAD_CODEBOOK, _CODEBOOK_ERRORS)),
    Case("an unknown codebook key", (_BAD_CODEBOOK, _CODEBOOK_ERRORS)),
    Case("an invalid regular expression", (_BAD_CODEBOOK, _CODEBOOK_ERRORS)),
    Case(
        "a pattern that can match the empty string",
        (_CODEBOOK_ERRORS, "test_hostile::test_codebooks_that_could_never_code_are_refused"),
        ("hostile/codebooks/empty_match.yaml",),
    ),
    Case(
        "a pattern that matches only a position",
        (
            _CODEBOOK_ERRORS,
            "test_codebook::test_check_reports_each_zero_width_pattern_on_its_line",
            "test_hostile::test_codebooks_that_could_never_code_are_refused",
        ),
        ("hostile/codebooks/zero_width.yaml",),
    ),
    Case(
        "a YAML alias bomb",
        (
            "test_codebook::test_an_alias_bomb_is_refused_before_it_expands",
            "test_hostile::test_codebooks_that_could_never_code_are_refused",
        ),
        ("codebooks/alias_bomb.yaml",),
    ),
    Case(
        "YAML 1.1 booleans and numbers as terms",
        (
            "test_codebook::test_terms_are_read_as_written_not_as_yaml_11_booleans_or_numbers",
            "test_hostile::test_yaml_11_words_are_coded_as_the_words_they_are",
        ),
        ("codebooks/yaml11_words.yaml", "hostile/yaml11_answers.txt"),
    ),
    # REFI-QDA files, the report and the review page
    Case("zip slip", ("test_refi_safety::test_zip_slip_archives_are_refused",)),
    Case(
        "an XML bomb, a DTD, external entities",
        (
            "test_refi_safety::test_xml_bomb_is_refused",
            "test_refi_safety::test_xml_bomb_inside_a_project_is_refused",
            "test_refi_safety::test_external_entities_are_refused",
            "test_refi_safety::test_a_dtd_in_utf16_is_found_too",
        ),
        ("refi/billion_laughs.qdc", "refi/external_entity.qdc"),
    ),
    Case(
        "a .qdpx that is not a zip", ("test_refi_safety::test_a_file_that_is_not_a_zip_is_refused",)
    ),
    Case(
        "REFI-QDA selections beyond the text",
        ("test_refi_import::test_variants_of_real_exports_are_read",),
        ("refi/variants.qde",),
    ),
    Case(
        "<script> in transcripts and labels",
        (
            "test_report::test_transcript_text_is_escaped",
            "test_review::test_script_in_a_transcript_is_escaped",
            "test_review::test_labels_are_escaped_in_attributes_too",
        ),
        ("report/corpus/t01.txt", "report/codebook.yaml"),
    ),
)


def test_the_catalogue_names_tests_and_fixtures_that_exist():
    for case in CATALOGUE:
        assert case.tests, case.name
        for reference in case.tests:
            module, name = reference.split("::")
            source = (Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8")
            assert re.search(rf"^def {name}\(", source, re.MULTILINE), reference
        for fixture in case.fixtures:
            assert (DATA / fixture).is_file(), fixture
    assert len({case.name for case in CATALOGUE}) == len(CATALOGUE)


def test_the_readme_says_what_happens_in_each_case_and_why():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What healcode refuses, and why\n", 1)[1].split("\n## ", 1)[0]
    rows = [
        line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("| ")
    ][1:]  # below the header
    assert [row[0].strip().replace("`", "") for row in rows] == [c.name for c in CATALOGUE]
    assert all(len(row) == 3 and all(cell.strip() for cell in row) for row in rows), rows


# ------------------------------------------------------------------------------ helpers


def _snapshot(folder: Path) -> dict[bytes, bytes | None]:
    """Every file and folder under ``folder`` (hidden ones too) with the file's bytes."""
    return {
        os.fsencode(p.relative_to(folder)): None if p.is_dir() or p.is_symlink() else p.read_bytes()
        for p in folder.rglob("*")
    }


def _error(result) -> str:
    """The one ``Error:`` line of a command that failed as it should."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "Wrote" not in result.output, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def coded_run(tmp_path_factory) -> Path:
    """A run of one transcript with the mini codebook, copied by the tests that use it."""
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("hostile") / "run"
    result = CliRunner().invoke(
        main, ["code", str(ENCODINGS / "utf8.txt"), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    return out


# ---------------------------------------------------------------------- transcripts in


def test_the_fixtures_are_what_their_script_writes():
    from tests.data.hostile.hostile_fixtures import FIXTURES, fixture_bytes

    assert sorted(p.name for p in ENCODINGS.iterdir()) == sorted(FIXTURES)
    for name in FIXTURES:
        assert (ENCODINGS / name).read_bytes() == fixture_bytes(name), name


def test_every_form_of_a_transcript_reads_to_the_same_units_and_offsets(runner, tmp_path):
    """UTF-8, a BOM with CRLF, CR only, GB18030, UTF-16 with and without a BOM: one text,
    one set of units and hits, at code-point offsets past emoji, CJK Extension B,
    zero-width characters, a combining accent and a URL line."""
    from tests.data.hostile.hostile_fixtures import ENCODINGS as EXPECTED
    from tests.data.hostile.hostile_fixtures import TEXT

    before = _snapshot(ENCODINGS)
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["code", str(ENCODINGS), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == ""  # no warning: every form is read with certainty
    assert _snapshot(ENCODINGS) == before
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {Path(i["path"]).stem: i["encoding"] for i in manifest["inputs"]} == EXPECTED
    per_document: dict[str, list[tuple[str, ...]]] = {}
    for name in ("units.csv", "excerpts.csv", "hits.csv"):
        for row in _rows(out / name):
            start, end = int(row["start"]), int(row["end"])
            assert TEXT[start:end] == row.get("text", row.get("term")), (name, row)
            per_document.setdefault(row.pop("document"), []).append(tuple(row.values()))
    assert sorted(per_document) == sorted(EXPECTED)
    first, *others = per_document.values()
    assert all(rows == first for rows in others)
    hits = _rows(out / "hits.csv")
    peers = next(h for h in hits if h["term"] == "同命人")
    start = int(peers["start"])
    assert start == TEXT.index("同命人")  # code points: three fewer than UTF-16 units
    assert len(TEXT[:start].encode("utf-16-le")) // 2 == start + 3


def test_traditional_text_is_coded_with_offsets_into_the_original(runner, tmp_path):
    from healcode.fold import to_simplified

    source = HOSTILE / "traditional.txt"
    text = source.read_text(encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["code", str(source), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    hits = _rows(out / "hits.csv")
    assert [(h["term"], text[int(h["start"]) : int(h["end"])], h["negated"]) for h in hits] == [
        ("暖心家园", "暖心家園", "False"),
        ("同命人", "同命人", "False"),
        ("盼头", "盼頭", "False"),
        ("丢人", "丟人", "True"),
        ("以后的打算", "以後的打算", "False"),
        ("暖心家园", "暖心家園", "False"),
    ]
    assert all(to_simplified(text[int(h["start"]) : int(h["end"])]) == h["term"] for h in hits)
    for row in _rows(out / "excerpts.csv"):
        assert text[int(row["start"]) : int(row["end"])] == row["text"]


def test_a_stray_utf16_mark_alone_is_one_line_saying_what_the_file_is(runner, tmp_path):
    source = tmp_path / "p01.txt"
    shutil.copy(DATA / "encodings" / "bogus_fffe.txt", source)
    before = _snapshot(tmp_path)
    line = _error(
        runner.invoke(
            main, ["code", str(source), "-c", str(MINI_CODEBOOK), "-o", str(tmp_path / "out")]
        )
    )
    assert f" {source}: starts with the UTF-16 byte-order mark FF FE" in line
    assert "reads as GB18030 text: remove them" in line
    assert _snapshot(tmp_path) == before


def test_a_symlink_loop_in_a_corpus_folder_is_not_followed(runner, tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    shutil.copy(ENCODINGS / "utf8.txt", corpus / "p01.txt")
    shutil.copy(ENCODINGS / "utf8.txt", corpus / "sub" / "p02.txt")
    try:
        os.symlink("..", corpus / "sub" / "up", target_is_directory=True)  # sub/up/sub/up/...
        os.symlink(".", corpus / "self", target_is_directory=True)
    except OSError as exc:  # pragma: no cover - a system without symbolic links
        pytest.skip(f"cannot make symbolic links here: {exc}")
    before = _snapshot(corpus)
    out = tmp_path / "out"
    started = time.monotonic()
    for command in (["code", "-o", str(out), "-q"], ["words", "-o", str(tmp_path / "w.csv")]):
        result = runner.invoke(
            main, [command[0], str(corpus), "-c", str(MINI_CODEBOOK), *command[1:]]
        )
        assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 30
    assert [r["document"] for r in _rows(out / "documents.csv")] == ["p01", "sub/p02"]
    assert _snapshot(corpus) == before


# --------------------------------------------------------------------------- codebooks


@pytest.mark.parametrize(
    ("codebook", "expected"),
    [
        (
            "hostile/codebooks/zero_width.yaml",
            ":11 themes[0].codes[0].patterns: regular expression '(?=盼头)' matches only a position",
        ),
        (
            "hostile/codebooks/empty_match.yaml",
            ":11 themes[0].codes[0].patterns: regular expression '盼*' can match the empty string",
        ),
        ("codebooks/alias_bomb.yaml", ":8 e[0]: aliases (*name) repeat more than 10,000 values"),
    ],
)
def test_codebooks_that_could_never_code_are_refused(runner, tmp_path, codebook, expected):
    path = DATA / codebook
    started = time.monotonic()
    line = _error(
        runner.invoke(
            main,
            ["code", str(ENCODINGS / "utf8.txt"), "-c", str(path), "-o", str(tmp_path / "out")],
        )
    )
    assert time.monotonic() - started < 5  # an alias bomb is refused before it expands
    assert line.startswith(f"Error: {path}{expected}")
    assert list(tmp_path.iterdir()) == []


def test_yaml_11_words_are_coded_as_the_words_they_are(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "code",
            str(HOSTILE / "yaml11_answers.txt"),
            "-c",
            str(DATA / "codebooks" / "yaml11_words.yaml"),
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert [(h["code"], h["term"]) for h in _rows(out / "hits.csv")] == [
        ("answers/assent", "yes"),
        ("answers/assent", "ok"),
        ("answers/refusal", "off"),
        ("dates", "2018"),
        ("dates", "12:30"),
        ("answers/assent", "On"),
        ("answers/refusal", "nope"),
        ("answers/refusal", "no"),
        ("answers/assent", "TRUE"),
        ("answers/assent", "TRUE"),
    ]


# ----------------------------------------------------------------------------- outputs


def _deny_writes(monkeypatch, folder: Path) -> None:
    """Writing into ``folder`` fails as in a folder of someone else's (tests may run as
    root, for whom permissions do not)."""
    real_open, real_mkdir = os.open, os.mkdir
    denied = folder.resolve()

    def inside(path) -> bool:
        where = Path(os.fsdecode(path)).resolve()
        return where == denied or denied in where.parents

    def guarded_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and inside(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    def guarded_mkdir(path, *args, **kwargs):
        if inside(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "mkdir", guarded_mkdir)


# Every command that writes, with {target} where the output goes ({run}: a copy of a run).
WRITERS = {
    "code": ["code", "{corpus}", "-c", "{codebook}", "-o", "{target}", "-q"],
    "kwic": ["kwic", "盼头", "{corpus}", "-c", "{codebook}", "-o", "{target}.csv"],
    "words": ["words", "{corpus}", "-c", "{codebook}", "-o", "{target}.csv"],
    "agree": [
        "agree",
        "{agreement}/coder_a.csv",
        "{agreement}/coder_b.csv",
        "-q",
        "-o",
        "{target}",
    ],
    "evaluate": ["evaluate", "{run}", "--gold", "{run}/excerpts.csv", "-q", "-o", "{target}"],
    "import": ["import", "{refi}/qualcoder.qdpx", "-o", "{target}"],
    "suggest": ["suggest", "{run}", "--code", "hope", "-o", "{target}.csv"],
    "export": ["export", "{run}", "-o", "{target}.qdpx"],
    "review": [
        "review",
        "{run}",
        "--export",
        "{target}.csv",
        "--reviewer",
        "王老师",
        "--include-unreviewed",
    ],
    "codebook show": ["codebook", "show", "{codebook}", "-o", "{target}.md"],
    "codebook convert": ["codebook", "convert", "{tools}/liwc.dic", "-o", "{target}.yaml"],
    "report": ["report", "{run}", "-q"],
    "tables": ["tables", "{run}", "--format", "markdown", "-q"],
}
IN_THE_RUN = {"report": "report.html", "tables": "tables/themes.md"}


def _writer(
    command: str, tmp_path: Path, coded_run: Path, target: str | Path, data: Path = DATA
) -> tuple[list[str], Path]:
    """The arguments of ``command`` writing to ``target`` (formatted like its arguments),
    with a copy of the run and a corpus in ``tmp_path``, and the path its error names."""
    run = tmp_path / "run"
    shutil.copytree(coded_run, run)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ENCODINGS / "utf8.txt", corpus / "p01.txt")
    values = {
        "corpus": corpus,
        "codebook": MINI_CODEBOOK,
        "agreement": data / "agreement",
        "refi": data / "refi",
        "tools": data / "codebook_tools",
        "run": run,
    }
    values["target"] = str(target).format(**values)
    args = [a.format(**values) for a in WRITERS[command]]
    if command in IN_THE_RUN:
        return args, run / IN_THE_RUN[command]
    option = next(i for i, a in enumerate(args) if a in ("-o", "--export"))
    return args, Path(args[option + 1])


@pytest.mark.parametrize(
    ("command", "how"),
    [
        (command, how)
        for command in sorted(WRITERS)
        for how in ("under a file", "permission denied")
        if not (command in IN_THE_RUN and how == "under a file")  # the run folder is a folder
    ],
)
def test_an_unwritable_output_is_one_line_in_every_command(
    runner, tmp_path, coded_run, monkeypatch, command, how
):
    blocked = tmp_path / "blocked"
    if how == "under a file":
        blocked.write_text("a file, not a folder", encoding="utf-8")
    else:
        blocked.mkdir()
    args, shown = _writer(command, tmp_path, coded_run, blocked / "out")
    if how == "permission denied":
        _deny_writes(monkeypatch, shown.parent if command in IN_THE_RUN else blocked)
    before = _snapshot(tmp_path)
    line = _error(runner.invoke(main, args))
    reason = "(not a directory)" if how == "under a file" else "(permission denied)"
    assert line.startswith(f"Error: {shown}: cannot be written {reason}"), line
    assert line.endswith(IN_PLACE if command in IN_THE_RUN else "choose another -o"), line
    assert _snapshot(tmp_path) == before


def test_an_error_while_writing_names_the_output(runner, tmp_path, monkeypatch):
    """A disk that fills while the tables are written: one line naming the output folder,
    not the hidden staging folder, and nothing left behind."""
    import healcode.run.write

    real = healcode.run.write.write_csv

    def full(path, *args, **kwargs):
        real(path, *args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(healcode.run.write, "write_csv", full)
    out = tmp_path / "out"
    line = _error(
        runner.invoke(
            main,
            ["code", str(ENCODINGS / "utf8.txt"), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q"],
        )
    )
    assert line == (
        f"Error: {out}: cannot be written (no space left on device); the disk is "
        "full: free some space or choose another -o"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [
        "report",
        "tables",
        "kwic",
        "words",
        "suggest",
        "review",
        "codebook show",
        "codebook convert",
        "code",
    ],
)
def test_force_never_replaces_a_file_healcode_did_not_write(runner, tmp_path, coded_run, command):
    args, shown = _writer(command, tmp_path, coded_run, tmp_path / "mine")
    if command == "code":  # a reviewer's work in the run folder: review.sqlite
        args[args.index("-o") + 1] = str(tmp_path / "run")
        shown = tmp_path / "run" / "review.sqlite"
    shown.parent.mkdir(exist_ok=True)
    shown.write_bytes(b"the user's own file")
    before = _snapshot(tmp_path)
    line = _error(runner.invoke(main, [*args, "--force"]))
    if command == "code":
        assert line == (
            f"Error: {tmp_path / 'run'}: holds files healcode did not write or "
            "that changed since (review.sqlite); nothing was replaced: choose "
            "another -o"
        )
    else:
        assert line.startswith(f"Error: {shown}: exists and was not written by healcode")
    assert _snapshot(tmp_path) == before


def test_the_current_folder_as_output_stays_the_folder_that_holds_it(runner, tmp_path, monkeypatch):
    """``-o .`` in an empty folder, then ``-o . --force`` there: the files are written into
    the folder itself, so a shell in it sees them (a swapped-in folder would leave it in
    a removed one), and nothing stays beside it."""
    here = tmp_path / "results"
    here.mkdir()
    monkeypatch.chdir(here)
    folder = os.stat(here)
    args = ["code", str(ENCODINGS / "utf8.txt"), "-c", str(MINI_CODEBOOK), "-o", ".", "-q"]
    for extra in ([], ["--force"]):
        result = runner.invoke(main, [*args, *extra])
        assert result.exit_code == 0, result.output
        assert (os.stat(".").st_ino, os.stat(".").st_dev) == (folder.st_ino, folder.st_dev)
        assert "units.csv" in os.listdir(".")
        assert sorted(os.listdir(tmp_path)) == ["results"]
        assert not (here / "tables").exists()  # replaced by an output without tables
        assert runner.invoke(main, ["tables", ".", "-f", "markdown"]).exit_code == 0
    assert healcode_wrote(here)


@pytest.mark.parametrize(
    ("command", "target", "how"),
    [
        ("kwic", "{corpus}/kwic", "lies inside the input"),
        ("words", "{corpus}/words", "lies inside the input"),
        ("import", "{refi}", "contains the input"),
        ("agree", "{agreement}", "contains the input"),
        ("review", "{run}/units", "is the input"),
        ("suggest", "{run}/excerpts", "is the input"),
    ],
)
def test_outputs_overlapping_their_inputs_are_refused(
    runner, tmp_path, coded_run, command, target, how
):
    data = tmp_path / "data"  # copies, so that nothing can touch tests/data
    for folder in ("refi", "agreement"):
        shutil.copytree(DATA / folder, data / folder)
    args, shown = _writer(command, tmp_path, coded_run, target, data)
    before = _snapshot(tmp_path)
    line = _error(runner.invoke(main, [*args, "--force"]))
    assert line.startswith(f"Error: {shown}: {how}"), line
    assert "choose an output location apart from the inputs" in line
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------------ file names and cells


@pytest.mark.parametrize(
    "name, shown, reason",
    [
        # 访谈 in GBK, from a Chinese Windows zip: its bytes are named as such
        (b"\xb7\xc3\xcc\xb8.txt", "\\xb7\\xc3", "the file name is not valid UTF-8"),
        (b"p01\rcopy.txt", "p01\\rcopy.txt", "holds a control character"),  # a CR splits a row
    ],
)
def test_file_names_that_cannot_become_document_ids_are_skipped_with_a_reason(
    runner, tmp_path, name, shown, reason
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "p02.txt").write_text(TRANSCRIPT, encoding="utf-8")
    with open(os.path.join(os.fsencode(corpus), name), "wb") as handle:
        handle.write(TRANSCRIPT.encode("utf-8"))
    before = _snapshot(corpus)
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["code", str(corpus), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q"]
    )
    assert result.exit_code == 1  # the rest is coded; the skipped file is listed
    (line,) = [line for line in result.output.splitlines() if line.startswith("skipped:")]
    assert line.startswith(f"skipped: {corpus}/{shown}") and reason in line
    assert _snapshot(corpus) == before
    assert [r["document"] for r in _rows(out / "documents.csv")] == ["p02"]


def test_a_table_cell_with_carriage_returns_round_trips_through_csv(runner, tmp_path):
    survey = tmp_path / "survey.csv"
    survey.write_text(
        '编号,回答,备注\nr1,"我们有盼头了。\r\n还行。","第一行\r第二行"\n',
        encoding="utf-8",
        newline="",
    )
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "code",
            str(survey),
            "-c",
            str(MINI_CODEBOOK),
            "-o",
            str(out),
            "--id-column",
            "编号",
            "--text-column",
            "回答",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    raw = (out / "documents.csv").read_bytes()
    assert b"\r" not in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(r["document"], r["备注"]) for r in rows] == [("r1", "第一行\n第二行")]
