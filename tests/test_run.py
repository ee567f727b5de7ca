"""The run folder is validated once, when it is opened: its manifest's format, every
table present with its columns; true/false columns are read strictly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from healcode import code_corpus, load_codebook, load_corpus
from healcode.errors import RunError
from healcode.run import RUN_FILES, Run
from tests.conftest import MINI_CODEBOOK


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "a.txt").write_text("访谈者：还好吗？\n受访者：有希望。没有盼头。\n", "utf-8")
    out = tmp_path_factory.mktemp("runs") / "run"
    code_corpus(load_corpus([corpus]), load_codebook(MINI_CODEBOOK)).write(out)
    return out


def _copy(run_folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run_folder, tmp_path / "run"))


def test_a_whole_run_opens_and_reads(run_folder: Path):
    run = Run.open(run_folder)
    assert list(run.units["coded"]) == [False, True, True]
    assert set(RUN_FILES) <= {p.name for p in run_folder.iterdir()}


@pytest.mark.parametrize("name", [n for n in RUN_FILES if n.endswith(".csv")])
def test_a_missing_table_is_found_when_the_run_is_opened(run_folder, tmp_path, name):
    run = _copy(run_folder, tmp_path)
    (run / name).unlink()
    with pytest.raises(RunError, match=rf"{name}: missing; run healcode code again$"):
        Run.open(run)


def test_a_missing_column_is_found_when_the_run_is_opened(run_folder, tmp_path):
    run = _copy(run_folder, tmp_path)
    text = (run / "units.csv").read_text("utf-8-sig").replace(",coded,", ",kodiert,", 1)
    (run / "units.csv").write_text(text, "utf-8-sig")
    with pytest.raises(RunError, match=r"units.csv: missing column\(s\) coded"):
        Run.open(run)


def test_a_run_of_a_newer_format_is_refused(run_folder, tmp_path):
    run = _copy(run_folder, tmp_path)
    manifest = json.loads((run / "manifest.json").read_text("utf-8"))
    manifest["run_format"] += 1
    (run / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(RunError, match="made by a newer healcode"):
        Run.open(run)


def test_true_false_columns_are_read_strictly(run_folder, tmp_path):
    run = _copy(run_folder, tmp_path)
    text = (run / "units.csv").read_text("utf-8-sig")
    (run / "units.csv").write_text(text.replace(",True,", ",TRUE,"), "utf-8-sig")
    assert list(Run.open(run).units["coded"]) == [False, True, True]
    (run / "units.csv").write_text(text.replace(",True,", ",yes,", 1), "utf-8-sig")
    with pytest.raises(RunError, match=r"units.csv line 3: column 'coded' is 'yes'"):
        _ = Run.open(run).units


def test_a_broken_table_is_one_line_of_error(runner, run_folder, tmp_path):
    """pandas words some parse errors over several lines: the command says one."""
    from healcode.cli import main

    run = _copy(run_folder, tmp_path)
    text = (run / "units.csv").read_text("utf-8-sig")
    (run / "units.csv").write_text(text + 'a,"b\n', "utf-8-sig")  # an unclosed quote
    result = runner.invoke(main, ["report", str(run)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "units.csv" in lines[0]
