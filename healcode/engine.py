"""Code a corpus straight into a run folder: in this process, in worker processes, or on Dask.

Each document goes through the same two pure steps wherever it is coded:
``coding.code_document`` (a document in, its units, hits and codings out) and
``run.write.render_document`` (its rows of units.csv, hits.csv and excerpts.csv, and a
small tally for the tables that need every document). A worker sends back only that:
the rows as UTF-8 CSV bytes and the tally, which cost little to send, never the
records. The parent writes what comes back in input order, so the files are
byte-identical whatever ran the documents, and memory holds a few documents at a time,
never the corpus.

- ``jobs=1``: everything in this process; rows go straight into the files.
- ``jobs=N``: a pool of N worker processes, each with its own ``Coder`` (the Rust
  segmenter cannot be sent between processes): where workers are forked (Linux), a copy
  of the one made here just before, ready to use; elsewhere each worker builds one once.
  Documents go in chunks of about ``CHUNK_CHARACTERS`` characters, a few chunks per
  worker at a time.
- ``dask="tcp://host:port"`` (a running Dask scheduler) or ``dask="local"`` (a
  ``LocalCluster`` of ``jobs`` worker processes): the same chunks as Dask tasks; each Dask
  worker builds its ``Coder`` once and keeps it for the run.

A document longer than ``LOCAL_CHARACTERS`` is coded in this process whatever the mode:
its rows then go straight into the files instead of through memory twice.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from healcode.coding import (
    CodingLog,
    CodingOptions,
    DocumentInfo,
    code_document,
    make_coder,
    recorded_options,
)
from healcode.corpus import Corpus
from healcode.errors import HealcodeError
from healcode.records import Document
from healcode.run.write import (
    DocumentRows,
    Outputs,
    RenderBuffers,
    RunRecord,
    RunWriter,
    model_record,
    render_document,
)

if TYPE_CHECKING:
    from healcode.codebook import Codebook
    from healcode.coder import Coder
    from healcode.run.tables import Table

__all__ = ["CHUNK_CHARACTERS", "LOCAL_CHARACTERS", "RunSummary", "code_into", "usable_cores"]

# Characters of text sent to a worker in one task: large enough that sending costs little
# beside coding, small enough that the progress bar moves and the workers stay busy.
CHUNK_CHARACTERS = 400_000
CHUNK_DOCUMENTS = 200
# A document at least this long is coded in this process (see the module docstring).
LOCAL_CHARACTERS = 5_000_000
TASKS_PER_WORKER = 3  # chunks in flight per worker: one coding, the others waiting


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass
class RunSummary:
    """What ``healcode code`` reports once a run is written."""

    documents: int
    excluded: list[str]
    skipped: list[str]
    warnings: list[str]
    frequencies: Table  # frequencies.csv's rows
    formulas: dict[str, int]  # formula-like cells per file
    counts: dict[str, int] = field(default_factory=dict)


def code_into(
    folder: Path,
    corpus: Corpus | Iterable[Document],
    codebook: Codebook,
    *,
    options: CodingOptions | None = None,
    jobs: int = 1,
    dask: str | None = None,
    bom: bool = True,
    on_document: Callable[[DocumentInfo], None] | None = None,
) -> RunSummary:
    """Code every document and write the run's files into ``folder`` (an empty staging
    folder, see ``outdir.staged_directory``), streaming: the same files as
    ``code_corpus(...).write(...)``, byte for byte, in memory bounded by the largest
    document. ``on_document`` is called once per document, in input order."""
    from healcode.segment import segmenter_version

    options = options or CodingOptions()
    if jobs < 1:
        raise HealcodeError(f"jobs={jobs}: use 1 or more")
    metadata = list(corpus.metadata_columns) if isinstance(corpus, Corpus) else []
    writer = RunWriter(
        folder, codebook, metadata_columns=metadata, bom=bom, model=options.model is not None
    )
    log = CodingLog()
    try:
        with _runner(codebook, options, jobs, dask) as runner:
            for done in runner.run(_documents(corpus), writer):
                log.add(done.document, done.selected, done.warnings, done.speakers)
                if on_document is not None:
                    on_document(done.document)
        log.finish(corpus, options)
        record = RunRecord(
            codebook,
            recorded_options(options, codebook),
            options.segmenter,
            segmenter_version(options.segmenter),
            log.reading,
            log.inputs,
            log.skipped,
            log.excluded,
            log.warnings,
            log.metadata_columns,
            _model_record(codebook, options),
        )
        formulas = writer.close(record)
    finally:
        writer.abort()
    assert writer.frequencies is not None
    return RunSummary(
        len(log.documents),
        log.excluded,
        log.skipped,
        log.warnings,
        writer.frequencies,
        formulas,
        writer.counts,
    )


def _documents(corpus: Corpus | Iterable[Document]) -> Iterator[Document]:
    return corpus.documents() if isinstance(corpus, Corpus) else iter(corpus)


# ---------------------------------------------------------------- one document, anywhere
@dataclass(slots=True)
class Coded:
    """A document coded and rendered: what the parent needs of it, and its rows as CSV
    text when it was rendered away from the run's files."""

    document: DocumentInfo
    selected: bool
    warnings: list[str]
    speakers: tuple[str, ...]
    rows: DocumentRows | None = None  # None when ``where`` left the document out
    units: bytes = b""  # rows as UTF-8 CSV, when rendered away from the run's files
    hits: bytes = b""
    excerpts: bytes = b""


def code_and_render(
    document: Document,
    coder: Coder,
    options: CodingOptions,
    metadata_columns: list[str],
    outputs: Outputs | None = None,
) -> Coded:
    """``code_document`` and ``render_document`` for one document; without ``outputs``
    the rows are rendered into text that travels back with the result."""
    coded = code_document(document, coder, options)
    speakers = tuple(dict.fromkeys(t.speaker for t in coded.turns))
    if not coded.selected:
        return Coded(coded.document, False, coded.warnings, speakers)
    model = coder.model is not None
    if outputs is not None:
        rows = render_document(coded, metadata_columns, outputs, model=model)
        return Coded(coded.document, True, coded.warnings, speakers, rows)
    buffers = RenderBuffers()
    rows = render_document(coded, metadata_columns, buffers.outputs, model=model)
    return Coded(coded.document, True, coded.warnings, speakers, rows, *buffers.take())


def _model_record(codebook: Codebook, options: CodingOptions) -> dict[str, object] | None:
    """What the manifest says of the run's learned model (read again: its description)."""
    if options.model is None:
        return None
    from healcode.model import LearnedModel

    return model_record(LearnedModel.load(options.model, codebook))


# ---------------------------------------------------------------- runners
class Runner(Protocol):
    def run(self, documents: Iterator[Document], writer: RunWriter) -> Iterator[Coded]: ...


class _Serial:
    """Every document in this process, its rows straight into the run's files."""

    def __init__(self, codebook: Codebook, options: CodingOptions) -> None:
        self.codebook, self.options = codebook, options
        self._coder: Coder | None = None

    @property
    def coder(self) -> Coder:
        if self._coder is None:
            self._coder = make_coder(self.codebook, self.options)
        return self._coder

    def code_here(self, document: Document, writer: RunWriter) -> Coded:
        writer.add_columns(document.meta)
        done = code_and_render(
            document, self.coder, self.options, writer.excerpt_metadata, writer.outputs()
        )
        if done.rows is not None:
            writer.add(done.rows)
        return done

    def run(self, documents: Iterator[Document], writer: RunWriter) -> Iterator[Coded]:
        for document in documents:
            yield self.code_here(document, writer)

    def close(self) -> None:
        pass


Chunk = list[Document]


class _Parallel(_Serial):
    """Chunks of documents coded elsewhere (``submit``), their results written in order."""

    workers = 1

    def submit(self, chunk: Chunk, columns: list[str]) -> Any:  # a future with .result()
        raise NotImplementedError

    def result(self, future: Any) -> list[Coded]:
        return future.result()

    def run(self, documents: Iterator[Document], writer: RunWriter) -> Iterator[Coded]:
        pending: deque[Any] = deque()
        limit = max(2, self.workers * TASKS_PER_WORKER)
        try:
            for chunk, here in _chunks(documents):
                if here is not None:  # a long document: everything before it first
                    while pending:
                        yield from self._write(self.result(pending.popleft()), writer)
                    yield self.code_here(here, writer)
                    continue
                for document in chunk:
                    writer.add_columns(document.meta)
                pending.append(self.submit(chunk, list(writer.excerpt_metadata)))
                while len(pending) >= limit:
                    yield from self._write(self.result(pending.popleft()), writer)
            while pending:
                yield from self._write(self.result(pending.popleft()), writer)
        finally:
            for future in pending:
                future.cancel()

    @staticmethod
    def _write(results: list[Coded], writer: RunWriter) -> Iterator[Coded]:
        for done in results:
            if done.rows is not None:
                writer.add(done.rows, done.units, done.hits, done.excerpts)
                done.units = done.hits = done.excerpts = b""
            yield done


def _chunks(documents: Iterator[Document]) -> Iterator[tuple[Chunk, Document | None]]:
    """Consecutive documents in chunks of about CHUNK_CHARACTERS; a document of at least
    LOCAL_CHARACTERS alone, as (empty chunk, document)."""
    chunk: Chunk = []
    size = 0
    for document in documents:
        if len(document.text) >= LOCAL_CHARACTERS:
            if chunk:
                yield chunk, None
                chunk, size = [], 0
            yield [], document
            continue
        chunk.append(document)
        size += len(document.text)
        if size >= CHUNK_CHARACTERS or len(chunk) >= CHUNK_DOCUMENTS:
            yield chunk, None
            chunk, size = [], 0
    if chunk:
        yield chunk, None


# -- worker processes
_WORKER: tuple[Coder, CodingOptions] | None = None
# A Coder made in the parent just before the workers are forked: each worker starts with
# its own copy of it (the memory of a forked process), ready, instead of making one.
_FORKED: tuple[str, Coder] | None = None


def _start_worker(key: str, codebook: Codebook, options: CodingOptions) -> None:
    """Pool initializer: this worker's Coder, made once (or the parent's, when forked)."""
    global _WORKER, _FORKED
    if _FORKED is not None and _FORKED[0] == key:
        _WORKER = (_FORKED[1], options)
    else:
        _WORKER = (make_coder(codebook, options), options)
    _FORKED = None


def _code_chunk(chunk: Chunk, columns: list[str]) -> list[Coded]:
    assert _WORKER is not None, "the worker was not started with _start_worker"
    coder, options = _WORKER
    return [code_and_render(document, coder, options, columns) for document in chunk]


class _Pool(_Parallel):
    def __init__(self, codebook: Codebook, options: CodingOptions, jobs: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        super().__init__(codebook, options)
        self.workers = jobs
        # fork where it is the system's way (Linux): workers start at once with the
        # modules already imported (the coder's imported here first, once for all);
        # elsewhere a fresh interpreter per worker.
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        key = uuid.uuid4().hex
        if method == "fork":
            global _FORKED
            _FORKED = (key, self.coder)
            gc.freeze()  # the garbage collector leaves the inherited objects unwritten
        self._executor = ProcessPoolExecutor(
            jobs,
            mp_context=multiprocessing.get_context(method),
            initializer=_start_worker,
            initargs=(key, codebook, options),
        )

    def submit(self, chunk: Chunk, columns: list[str]) -> Any:
        return self._executor.submit(_code_chunk, chunk, columns)

    def result(self, future: Any) -> list[Coded]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool:
            raise HealcodeError(
                "a worker process stopped while coding (out of memory?); try fewer --jobs, "
                "or --jobs 1"
            ) from None

    def close(self) -> None:
        global _FORKED
        self._executor.shutdown(wait=True, cancel_futures=True)
        _FORKED = None
        gc.unfreeze()


# -- Dask
_DASK_CODERS: dict[str, Coder] = {}
_DASK_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Setup:
    """Sent once to every Dask worker: the codebook and options of a run, under a key
    that names this run's Coder in the worker's cache."""

    key: str
    codebook: Codebook
    options: CodingOptions


def _dask_chunk(setup: _Setup, chunk: Chunk, columns: list[str]) -> list[Coded]:
    with _DASK_LOCK:
        coder = _DASK_CODERS.get(setup.key)
        if coder is None:
            _DASK_CODERS.clear()  # a worker keeps the Coder of one run at a time
            coder = _DASK_CODERS[setup.key] = make_coder(setup.codebook, setup.options)
    return [code_and_render(document, coder, setup.options, columns) for document in chunk]


class _Dask(_Parallel):
    def __init__(self, codebook: Codebook, options: CodingOptions, address: str, jobs: int) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise HealcodeError(
                "--dask needs Dask's distributed scheduler: pip install 'healcode[dask]'"
            ) from None
        super().__init__(codebook, options)
        self._cluster = None
        try:
            if address == "local":
                import logging

                from distributed import LocalCluster

                self._cluster = LocalCluster(
                    n_workers=jobs,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster, direct_to_workers=True)
            else:
                self._client = Client(address, timeout="20s")
        except OSError as exc:
            self.close()
            raise HealcodeError(
                f"--dask {address}: cannot connect to a Dask scheduler there ({exc}); start "
                "one (dask scheduler) or pass --dask local"
            ) from None
        threads = sum(
            w.get("nthreads", 1) for w in self._client.scheduler_info()["workers"].values()
        )
        self.workers = max(1, threads)
        setup = _Setup(uuid.uuid4().hex, codebook, options)
        self._setup = self._client.scatter(setup, broadcast=True)

    def submit(self, chunk: Chunk, columns: list[str]) -> Any:
        return self._client.submit(_dask_chunk, self._setup, chunk, columns, pure=False)

    def result(self, future: Any) -> list[Coded]:
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker:
            raise HealcodeError(
                "Dask workers stopped while coding (out of memory?); give them more memory, "
                "or code without --dask"
            ) from None

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()


class _Running:
    def __init__(self, runner: _Serial) -> None:
        self.runner = runner

    def __enter__(self) -> _Serial:
        return self.runner

    def __exit__(self, *exc: object) -> None:
        self.runner.close()


def _runner(codebook: Codebook, options: CodingOptions, jobs: int, dask: str | None) -> _Running:
    if dask is not None:
        return _Running(_Dask(codebook, options, dask, jobs))
    if jobs > 1:
        return _Running(_Pool(codebook, options, jobs))
    return _Running(_Serial(codebook, options))
