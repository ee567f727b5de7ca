"""The streaming run writer and the engines that feed it: in this process (--jobs 1), a
process pool (--jobs N) and Dask (--dask): the same files, byte for byte."""

from __future__ import annotations

import csv
import filecmp
from pathlib import Path

import pytest

from healcode.cli import main

from .conftest import CORPUS, MINI_CODEBOOK


def _same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir() if p.suffix == ".csv")
    assert len(names) == 7
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert (mismatch, errors) == ([], []), f"{a} and {b} differ in {mismatch or errors}"
    manifests = [(d / "manifest.json").read_text(encoding="utf-8").splitlines() for d in (a, b)]
    assert [[line for line in m if '"created"' not in line] for m in manifests] == [
        [line for line in manifests[0] if '"created"' not in line]
    ] * 2


def _code(runner, out: Path, *args: str) -> Path:
    result = runner.invoke(main, ["code", str(CORPUS), "-o", str(out), "-q", *args])
    assert result.exit_code == 0, result.output
    return out


def _recorder(seen: list[str]):
    return lambda document: seen.append(document.id)


def _survey(folder: Path) -> Path:
    """Two answer tables whose extra columns differ (the second brings a new metadata
    column part way through a run) and transcripts with a metadata file."""
    folder.mkdir()
    answers = [
        "我觉得有希望，以后的打算是多参加活动。",
        "同命人在一起，心里没那么难受了。",
        "没有希望了，=这是公式吗",
        "暖心家园的活动让我觉得自己还有用。",
        "-负面的话",
    ]
    with (folder / "a.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "answer", "group"])
        for number, answer in enumerate(answers):
            writer.writerow([f"a{number}", answer, "A" if number % 2 else "B"])
    with (folder / "b.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "answer", "group", "age"])
        for number, answer in enumerate(reversed(answers)):
            writer.writerow([f"b{number}", answer, "A", str(50 + number)])
    return folder


def test_jobs_and_dask_local_write_the_same_files_as_one_process(runner, tmp_path: Path):
    pytest.importorskip(
        "distributed",
        reason="Dask's distributed scheduler is not installed (pip install 'healcode[dask]')",
    )
    one = _code(runner, tmp_path / "one", "--jobs", "1")
    _same_files(one, _code(runner, tmp_path / "two", "--jobs", "2"))
    # real worker processes of a local Dask cluster
    _same_files(one, _code(runner, tmp_path / "dask", "--dask", "local", "--jobs", "2"))


@pytest.fixture(scope="module")
def in_memory(tmp_path_factory) -> Path:
    """The bundled corpus coded by the Python API (every row in memory), then written."""
    from healcode.codebook import load_codebook
    from healcode.coding import code_corpus
    from healcode.corpus import load_corpus

    from .conftest import CODEBOOK

    out = tmp_path_factory.mktemp("memory") / "out"
    code_corpus(load_corpus([CORPUS]), load_codebook(CODEBOOK)).write(out)
    return out


def test_the_streaming_writer_writes_what_the_in_memory_result_writes(
    runner, in_memory: Path, tmp_path: Path
):
    _same_files(in_memory, _code(runner, tmp_path / "streamed", "--jobs", "1", "--no-model"))


def test_with_a_learned_model_too(runner, tmp_path: Path):
    """The bundled model's columns and codings, streamed and in memory, alike."""
    from healcode.bundled import default_model_path
    from healcode.codebook import load_codebook
    from healcode.coding import CodingOptions, code_corpus
    from healcode.corpus import load_corpus

    from .conftest import CODEBOOK

    memory = tmp_path / "memory"
    options = CodingOptions(model=str(default_model_path()))
    code_corpus(load_corpus([CORPUS]), load_codebook(CODEBOOK), options=options).write(memory)
    _same_files(memory, _code(runner, tmp_path / "streamed", "--jobs", "1"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_metadata_columns_found_part_way_through_a_run(monkeypatch, tmp_path: Path, jobs: int):
    """Excerpt rows written before a table brought a new column get its (empty) cells;
    every chunk of one document, and documents left out by --where, change nothing."""
    from healcode import engine
    from healcode.codebook import load_codebook
    from healcode.coding import CodingOptions, code_corpus
    from healcode.corpus import load_corpus
    from healcode.run.write import write_run_files

    monkeypatch.setattr(engine, "CHUNK_DOCUMENTS", 1)
    corpus = _survey(tmp_path / "survey")
    book = load_codebook(MINI_CODEBOOK)
    for where in ((), ("group=A",)):
        options = CodingOptions(where=where)

        def corpus_():
            return load_corpus([corpus], id_column="id", text_columns=["answer"])

        memory = tmp_path / f"memory{len(where)}"
        memory.mkdir()
        formulas = write_run_files(code_corpus(corpus_(), book, options=options), memory)
        streamed = tmp_path / f"streamed{len(where)}-{jobs}"
        streamed.mkdir()
        seen: list[str] = []
        summary = engine.code_into(
            streamed, corpus_(), book, options=options, jobs=jobs, on_document=_recorder(seen)
        )
        _same_files(memory, streamed)
        assert seen == [f"a{n}" for n in range(5)] + [f"b{n}" for n in range(5)]
        assert summary.formulas == formulas and formulas["units.csv"] == 2 - len(where)
        header = (streamed / "excerpts.csv").read_text(encoding="utf-8-sig").splitlines()[0]
        assert header.endswith(",group,age")


def test_a_long_document_is_coded_in_the_parent_between_the_workers_chunks(
    monkeypatch, runner, tmp_path: Path
):
    from healcode import engine

    one = _code(runner, tmp_path / "one", "--jobs", "1")
    monkeypatch.setattr(engine, "LOCAL_CHARACTERS", 2800)  # some bundled documents are longer
    monkeypatch.setattr(engine, "CHUNK_DOCUMENTS", 2)
    _same_files(one, _code(runner, tmp_path / "mixed", "--jobs", "2"))


def test_an_error_part_way_through_stops_the_run_as_in_one_process(runner, tmp_path: Path):
    corpus = tmp_path / "corpus"
    (corpus / "x").mkdir(parents=True)
    (corpus / "x" / "a.txt").write_text("受访者：我觉得有希望。\n", encoding="utf-8")
    (corpus / "x.txt").write_text("受访者：同命人在一起。\n", encoding="utf-8")
    (corpus / "x" / "b.txt").write_text("受访者：暖心家园。\n", encoding="utf-8")
    (corpus / "y.csv").write_text("id,answer\nx/a,重复的编号\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = runner.invoke(
            main,
            [
                "code",
                str(corpus),
                "-c",
                str(MINI_CODEBOOK),
                "-o",
                str(out),
                "-q",
                "--jobs",
                jobs,
                "--text-column",
                "answer",
                "--id-column",
                "id",
            ],
        )
        assert result.exit_code == 1 and not out.exists()
        outputs.append(result.output.splitlines()[-1])
    assert outputs[0] == outputs[1] and "duplicate document id 'x/a'" in outputs[0]


def test_dask_runs_on_a_cluster_given_by_its_address(tmp_path: Path):
    """A cluster already running (here in this process, two workers on threads)."""
    distributed = pytest.importorskip(
        "distributed",
        reason="Dask's distributed scheduler is not installed (pip install 'healcode[dask]')",
    )
    import logging

    from healcode import engine
    from healcode.codebook import load_codebook
    from healcode.corpus import load_corpus

    from .conftest import CODEBOOK

    book = load_codebook(CODEBOOK)
    serial = tmp_path / "serial"
    serial.mkdir()
    engine.code_into(serial, load_corpus([CORPUS]), book, jobs=1)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        out = tmp_path / "dask"
        out.mkdir()
        seen = []
        engine.code_into(
            out,
            load_corpus([CORPUS]),
            book,
            dask=cluster.scheduler_address,
            on_document=lambda d: seen.append(d.id),
        )
    _same_files(serial, out)
    assert seen == sorted(seen) and len(seen) == 10


def test_without_dask_the_option_says_what_to_install(monkeypatch, runner, tmp_path: Path):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    result = runner.invoke(
        main, ["code", str(CORPUS), "-o", str(tmp_path / "out"), "-q", "--dask", "local"]
    )
    assert result.exit_code == 1
    assert "pip install 'healcode[dask]'" in result.output


def test_usable_cores_is_at_least_one():
    from healcode.engine import usable_cores

    assert usable_cores() >= 1


def _die(chunk, columns):
    import os

    os._exit(1)  # as the system ends a process out of memory


def test_a_worker_that_dies_is_an_error_that_says_what_to_do(monkeypatch, tmp_path: Path):
    from healcode import engine
    from healcode.codebook import load_codebook
    from healcode.corpus import load_corpus
    from healcode.errors import HealcodeError

    monkeypatch.setattr(engine, "_code_chunk", _die)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(HealcodeError, match="a worker process stopped"):
        engine.code_into(out, load_corpus([CORPUS]), load_codebook(MINI_CODEBOOK), jobs=2)
