"""Output folders: --force never deletes what healcode did not write; locks; clean refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from healcode.cli import main
from healcode.errors import OutputError
from healcode.outdir import MARKER, healcode_wrote, staged_directory, staged_file

from .conftest import MINI_CODEBOOK, listing

TRANSCRIPT = "访谈者：最近怎么样？\n受访者：我们有盼头了，同命人常来看我。\n"


def _corpus(root: Path) -> Path:
    corpus = root / "interviews"
    corpus.mkdir()
    (corpus / "p01.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (corpus / "p02.txt").write_text(TRANSCRIPT, encoding="utf-8")
    return corpus


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def _code(runner, *args: str):
    return runner.invoke(main, ["code", *args, "-c", str(MINI_CODEBOOK), "-q"])


@pytest.mark.parametrize("where", ["same", "inside", "parent"])
def test_an_output_overlapping_the_input_is_refused_and_nothing_is_touched(runner, tmp_path, where):
    corpus = _corpus(tmp_path)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "p03.txt").write_text(TRANSCRIPT, encoding="utf-8")
    before = _snapshot(tmp_path)
    paths, out = {
        "same": (corpus, corpus),  # code interviews -o interviews --force
        "inside": (corpus, corpus / "results"),  # the output would be read as input next time
        "parent": (corpus / "sub", corpus),  # the output folder holds the input
    }[where]
    line = _error(_code(runner, str(paths), "-o", str(out), "--force"))
    assert "input" in line
    assert _snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["interviews"]


def test_force_on_a_folder_of_the_users_files_is_refused(runner, tmp_path, monkeypatch):
    corpus = _corpus(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.docx").write_bytes(b"chapter one")
    (home / "notes").mkdir()
    before = _snapshot(tmp_path)
    monkeypatch.chdir(home)
    for out in (str(home), "."):
        line = _error(_code(runner, str(corpus), "-o", out, "--force"))
        assert "holds files healcode did not write" in line and "thesis.docx" in line
    assert _snapshot(tmp_path) == before
    assert sorted(p.name for p in home.iterdir()) == ["notes", "thesis.docx"]  # no leftovers


def test_force_replaces_a_run_folder_but_not_one_with_a_file_added_or_changed(runner, tmp_path):
    corpus = _corpus(tmp_path)
    out = tmp_path / "out"
    assert _code(runner, str(corpus), "-o", str(out)).exit_code == 0
    assert healcode_wrote(out)
    assert _code(runner, str(corpus), "-o", str(out), "--force").exit_code == 0
    (out / "my_notes.txt").write_text("mine", encoding="utf-8")
    assert "my_notes.txt" in _error(_code(runner, str(corpus), "-o", str(out), "--force"))
    (out / "my_notes.txt").unlink()
    with (out / "excerpts.csv").open("a", encoding="utf-8") as handle:
        handle.write("edited in a spreadsheet\n")
    assert "excerpts.csv" in _error(_code(runner, str(corpus), "-o", str(out), "--force"))
    assert (out / "excerpts.csv").read_text(encoding="utf-8").endswith("spreadsheet\n")


def test_files_written_into_a_run_are_recorded_and_so_replaceable(runner, tmp_path):
    corpus = _corpus(tmp_path)
    out = tmp_path / "out"
    assert _code(runner, str(corpus), "-o", str(out)).exit_code == 0
    assert runner.invoke(main, ["tables", str(out), "--format", "markdown", "-q"]).exit_code == 0
    assert runner.invoke(main, ["export", str(out)]).exit_code == 0
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert "project.qdpx" in marker["files"] and "tables" in marker["folders"]
    # the whole run, with the tables and the project it grew, is still healcode's
    assert _code(runner, str(corpus), "-o", str(out), "--force").exit_code == 0
    assert listing(out) == sorted(json.loads((out / MARKER).read_text())["files"])


@pytest.mark.parametrize(
    "command",
    [
        ["agree", "{codings}", "--units", "{run}/units.csv", "-o", "{target}"],
        ["import", "{qdpx}", "-o", "{target}"],
    ],
)
def test_other_folder_outputs_keep_the_users_files(runner, tmp_path, command):
    from .test_refi_import import REFI

    corpus = _corpus(tmp_path)
    run = tmp_path / "run"
    assert _code(runner, str(corpus), "-o", str(run)).exit_code == 0
    codings = tmp_path / "anna.csv"
    codings.write_text("document,unit,code,coder\np01,1,hope,anna\np01,1,,ben\n", encoding="utf-8")
    target = tmp_path / "mine"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    args = [
        a.format(codings=codings, run=run, target=target, qdpx=REFI / "variants.qdpx")
        for a in command
    ]
    assert "keep.txt" in _error(runner.invoke(main, [*args, "--force"]))
    assert (target / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_export_never_overwrites_an_input_or_a_users_file(runner, tmp_path):
    corpus = _corpus(tmp_path)
    run = tmp_path / "run"
    assert _code(runner, str(corpus), "-o", str(run)).exit_code == 0
    before = _snapshot(tmp_path)
    assert "input" in _error(
        runner.invoke(main, ["export", str(run), "-o", str(corpus / "p01.txt"), "--force"])
    )
    assert "input" in _error(
        runner.invoke(main, ["export", str(run), "-o", str(run / "units.csv"), "--force"])
    )
    mine = tmp_path / "project.qdpx"
    mine.write_bytes(b"a project someone else made")
    assert "not written by healcode" in _error(
        runner.invoke(main, ["export", str(run), "-o", str(mine), "--force"])
    )
    assert mine.read_bytes() == b"a project someone else made"
    assert _snapshot(tmp_path) == {**before, "project.qdpx": b"a project someone else made"}


def test_a_second_writer_of_the_same_output_is_refused(runner, tmp_path):
    corpus = _corpus(tmp_path)
    out = tmp_path / "out"
    holder = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from healcode.outdir import staged_directory
        with staged_directory(Path({str(out)!r}), force=False) as staging:
            print("holding", flush=True)
            sys.stdin.readline()
            (staging / "first.txt").write_text("first")
    """)
    first = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout.readline().strip() == "holding"
        line = _error(_code(runner, str(corpus), "-o", str(out)))
        assert "another healcode command" in line and str(first.pid) in line
    finally:
        first.communicate("go\n", timeout=60)
    assert first.returncode == 0
    assert listing(out) == ["first.txt"]  # the first writer's output, whole


def test_an_interrupted_run_is_cleaned_up_and_said(runner, tmp_path):
    corpus = _corpus(tmp_path)
    out = tmp_path / "out"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (tmp_path / ".out.lock").write_text(json.dumps({"pid": int(dead)}), encoding="utf-8")
    partial = tmp_path / ".out.k3j2a1zq.staging"  # as tempfile names it
    partial.mkdir()
    (partial / "units.csv").write_text("document,unit\n", encoding="utf-8")
    result = _code(runner, str(corpus), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "removed the lock of an interrupted healcode run" in result.output
    assert "removed 1 unfinished output" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["interviews", "out"]


def _dead_pid() -> int:
    return int(
        subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def test_the_staging_folder_of_another_running_output_is_left_alone(runner, tmp_path):
    """out.2 is being written by a live command: cleaning up beside out leaves its
    staging folder, whose name also starts with .out."""
    corpus = _corpus(tmp_path)
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = {"pid": writer.pid}
        (tmp_path / ".out.2.lock").write_text(json.dumps(lock), encoding="utf-8")
        live = tmp_path / ".out.2.abcd1234.staging"
        live.mkdir()
        (live / "units.csv").write_text("document,unit\n", encoding="utf-8")
        result = _code(runner, str(corpus), "-o", str(tmp_path / "out"))
    finally:
        writer.kill()
        writer.wait()
    assert result.exit_code == 0, result.output
    assert "unfinished" not in result.output
    assert (live / "units.csv").is_file()


def test_leftovers_of_an_interrupted_single_file_write_do_not_block_the_folder(runner, tmp_path):
    """An export killed while writing RUN/project.qdpx leaves its lock and staging file in
    the run folder: they are healcode's, so the next export cleans them up and --force
    may replace the folder."""
    corpus = _corpus(tmp_path)
    out = tmp_path / "out"
    assert _code(runner, str(corpus), "-o", str(out)).exit_code == 0
    (out / ".project.qdpx.lock").write_text(json.dumps({"pid": _dead_pid()}), encoding="utf-8")
    (out / ".project.qdpx.q1w2e3r4.staging").write_bytes(b"PK half a zip")
    exported = runner.invoke(main, ["export", str(out)])
    assert exported.exit_code == 0, exported.output
    assert not list(out.glob(".project.qdpx.*"))
    (out / ".project.qdpx.lock").write_text(json.dumps({"pid": _dead_pid()}), encoding="utf-8")
    (out / ".project.qdpx.q1w2e3r4.staging").write_bytes(b"PK half a zip")
    again = _code(runner, str(corpus), "-o", str(out), "--force")
    assert again.exit_code == 0, again.output
    assert not list(out.glob(".project.qdpx.*"))


def test_an_unwritable_output_fails_before_any_coding(runner, tmp_path, monkeypatch):
    import healcode.coding

    corpus = _corpus(tmp_path)
    blocker = tmp_path / "a_file.txt"
    blocker.write_text("not a folder", encoding="utf-8")

    def must_not_run(*args, **kwargs):
        raise AssertionError("coded before the output was known to be writable")

    monkeypatch.setattr(healcode.coding, "code_corpus", must_not_run)
    line = _error(_code(runner, str(corpus), "-o", str(blocker / "out")))
    assert str(blocker / "out") in line and "cannot be written" in line


def test_permission_errors_become_one_line(runner, tmp_path, monkeypatch):
    import tempfile

    corpus = _corpus(tmp_path)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", kwargs.get("dir"))

    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    line = _error(_code(runner, str(corpus), "-o", str(tmp_path / "out")))
    assert "permission denied" in line and "choose another -o" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["interviews"]


def test_a_failure_inside_leaves_the_old_output_whole(tmp_path):
    out = tmp_path / "out"
    with staged_directory(out, force=False) as staging:
        (staging / "a.csv").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), staged_directory(out, force=True) as staging:
        (staging / "a.csv").write_text("new, half written", encoding="utf-8")
        raise RuntimeError("disk full, say")
    assert (out / "a.csv").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_file_output_is_replaced_only_when_healcode_wrote_it(tmp_path):
    target = tmp_path / "kwic.csv"
    target.write_text("the user's own table", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists; use --force"), staged_file(target):
        pass
    with (
        pytest.raises(OutputError, match="not written by healcode"),
        staged_file(target, force=True),
    ):
        pass
    assert target.read_text(encoding="utf-8") == "the user's own table"
    target.unlink()
    with staged_file(target) as staging:
        staging.write_text("ours", encoding="utf-8")
    with staged_file(target, force=True) as staging:
        staging.write_text("ours again", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "ours again"
    assert os.stat(target).st_mode & 0o044  # readable by others, like any file


def test_csv_cells_that_look_like_formulas_are_kept_exact_and_said(runner, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "p01.txt").write_text(
        '访谈者：你好\n受访者：=HYPERLINK("http://x") 我们有盼头了\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    result = _code(runner, str(corpus), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "take them for formulas" in result.output and "units.csv" in result.output
    units = (out / "units.csv").read_text(encoding="utf-8-sig")
    assert '=HYPERLINK(""http://x"") 我们有盼头了' in units  # exact, so offsets stay true


def test_output_left_inside_a_corpus_is_not_read_as_transcripts(runner, tmp_path: Path):
    """A run folder (with its tables) or a word list written into the corpus folder is
    left out, with a warning, the next time the folder is coded; an imported project's
    sources, which healcode wrote to be coded, are read."""
    corpus = _corpus(tmp_path)
    first = sorted(corpus.glob("*.txt"))[0]
    book = ["-c", str(MINI_CODEBOOK)]
    results = corpus / "results"
    assert runner.invoke(main, ["code", str(first), *book, "-o", str(results)]).exit_code == 0
    assert runner.invoke(main, ["tables", str(results), "-f", "markdown"]).exit_code == 0
    assert runner.invoke(main, ["words", str(first), "-o", str(corpus / "w.md")]).exit_code == 0
    assert (results / "tables" / "themes.md").is_file() and (corpus / "w.md").is_file()

    out = tmp_path / "out"
    result = runner.invoke(main, ["code", str(corpus), *book, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "left out, written by healcode" in result.output
    documents = (out / "documents.csv").read_text(encoding="utf-8-sig")
    assert "themes" not in documents and "w.md" not in documents
    assert len(documents.splitlines()) == 1 + len(list(corpus.glob("*.txt")))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert any("left out, written by healcode" in w for w in manifest["warnings"])

    # the same corpus after the user edits the word list: still healcode's, still left out
    (corpus / "w.md").write_text("edited\n", encoding="utf-8")
    again = runner.invoke(main, ["code", str(corpus), *book, "-o", str(out), "--force"])
    assert again.exit_code == 0 and "w.md" not in (out / "documents.csv").read_text("utf-8-sig")


def test_the_texts_of_an_imported_project_are_read(runner, tmp_path: Path):
    from .conftest import DATA

    project = tmp_path / "imported"
    result = runner.invoke(
        main, ["import", str(DATA / "refi" / "nvivo_windows.qdpx"), "-o", str(project)]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    coded = runner.invoke(main, ["code", str(project), "-c", str(MINI_CODEBOOK), "-o", str(out)])
    assert coded.exit_code == 0, coded.output
    assert "left out" not in coded.output
    assert len((out / "documents.csv").read_text("utf-8-sig").splitlines()) == 3


def test_a_folder_made_for_you_under_a_read_only_one_is_written_inside(
    runner, tmp_path, monkeypatch
):
    """On a shared server an administrator may make you a writable folder under one you
    cannot write: the lock and the staging copy then go inside it, and it is replaced
    file by file; nothing is left beside or inside it but the output."""
    import healcode.outdir as outdir_module

    corpus = _corpus(tmp_path)
    shared = tmp_path / "shared"
    mine = shared / "alice"
    mine.mkdir(parents=True)
    real = outdir_module._writable
    monkeypatch.setattr(outdir_module, "_writable", lambda f: f != shared and real(f))
    homes = []
    make_staging = outdir_module._make_staging
    monkeypatch.setattr(
        outdir_module,
        "_make_staging",
        lambda home, *args: homes.append(home) or make_staging(home, *args),
    )
    for extra in ([], ["--force"]):
        result = _code(runner, str(corpus), "-o", str(mine), *extra)
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in shared.iterdir()) == ["alice"]
        assert "units.csv" in listing(mine) and not [n for n in listing(mine) if n.startswith(".")]
        assert healcode_wrote(mine)
    assert homes == [mine, mine]  # staged inside, both times


def test_a_file_of_a_run_is_not_replaced_alone_by_another_command(runner, tmp_path):
    """``kwic -o RUN/units.csv --force`` would leave a run whose units are a keyword
    table: a file written as part of a folder output is replaced only with its folder;
    files written one by one into it (report.html, tables) are replaced as before."""
    corpus = _corpus(tmp_path)
    run = tmp_path / "run"
    assert _code(runner, str(corpus), "-o", str(run)).exit_code == 0
    before = (run / "units.csv").read_bytes()
    args = ["kwic", "盼头", str(corpus), "-o", str(run / "units.csv"), "--force"]
    line = _error(runner.invoke(main, args))
    assert "is part of the output healcode wrote" in line
    assert (run / "units.csv").read_bytes() == before
    for _ in range(2):  # written, then replaced with --force
        result = runner.invoke(main, ["report", str(run), "--force"])
        assert result.exit_code == 0, result.output
    words = runner.invoke(main, ["words", str(corpus), "-o", str(run / "words.csv"), "--force"])
    assert words.exit_code == 0, words.output
    again = runner.invoke(main, ["words", str(corpus), "-o", str(run / "words.csv"), "--force"])
    assert again.exit_code == 0, again.output
