"""Throughput and memory of `healcode code` against segmentation alone, measured in one run.

    python bench/bench_code.py [--mb 20] [--big-mb 200] [--jobs 2] [--no-dask] [--keep DIR]

Builds a corpus of about --mb megabytes (UTF-8) of interview transcripts by recombining
the sentences of the bundled corpus in varied order (~3,000 characters each), then, over
the same text and side by side:
  1. `healcode code` end to end, as a command in a fresh process (start-up, reading,
     turns, units, coding, all output files): with --jobs 1, with --jobs N (N worker
     processes) and with --dask local (a local Dask cluster of N worker processes);
  2. spaCy's own Chinese pipeline with the jieba segmenter (`nlp.pipe`), alone;
  3. rjieba segmentation alone.
It prints MB/s for each and the ratios the targets are stated in (end to end with
--jobs 1 at least 10x spaCy+jieba and at least 0.5x rjieba; --jobs 2 at least 1.8x
--jobs 1), and checks that the three runs wrote byte-identical files.

Then peak memory (the largest resident set of the command and of any worker it ran) of
`healcode code --jobs 1` on one transcript of --big-mb megabytes and on --big-mb
megabytes spread over transcripts of ~3,000 characters, and the parallel runs again on
the latter (--big-mb 0 skips all this).
Not a test: timings vary between runs and with other work on the machine.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000


def bundled_sentences() -> dict[str, list[str]]:
    from healcode.bundled import default_corpus_path
    from healcode.coding import CodingOptions
    from healcode.corpus import find_turns, load_corpus, split_units

    sentences: dict[str, list[str]] = {"interviewer": [], "participant": []}
    for document in load_corpus([default_corpus_path()]).documents():
        turns = find_turns(document.text)
        for unit in split_units(document, turns, in_scope=CodingOptions().in_scope):
            sentences[unit.role].append(unit.text)
    return sentences


def transcript_lines(
    rng: random.Random,
    sentences: dict[str, list[str]],
    number: int,
    characters: int,
    paragraphs: list[str] | None = None,
) -> list[str]:
    """A transcript of about ``characters`` characters: a header, then question/answer turns."""
    lines = [f"访谈编号：B{number:05d}", ""]
    size = 0
    while size < characters:
        question = "".join(rng.sample(sentences["interviewer"], 2))
        answer = "".join(rng.sample(sentences["participant"], rng.randint(2, 6)))
        lines += [f"访谈者：{question}", f"受访者：{answer}"]
        size += len(question) + len(answer) + 10
        if paragraphs is not None:
            paragraphs += [question, answer]
    return lines


def build_corpus(directory: Path, megabytes: float, seed: int = 7) -> tuple[int, list[str]]:
    """Write transcripts of ~3,000 characters each; return (bytes, paragraphs)."""
    sentences = bundled_sentences()
    rng = random.Random(seed)
    target = int(megabytes * MB)
    written, number, paragraphs = 0, 0, []
    while written < target:
        lines = transcript_lines(rng, sentences, number, 3000, paragraphs)
        data = "\n".join(lines).encode("utf-8")
        (directory / f"b{number:05d}.txt").write_bytes(data)
        written += len(data)
        number += 1
    return written, paragraphs


def build_one_transcript(path: Path, megabytes: float, seed: int = 11) -> int:
    """Write one transcript of about ``megabytes`` MB (one header, then turns)."""
    sentences = bundled_sentences()
    rng = random.Random(seed)
    target = int(megabytes * MB)
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("访谈编号：B99999\n\n")
        while written < target:
            lines = transcript_lines(rng, sentences, 0, 30_000)[2:]
            block = "\n".join(lines) + "\n"
            handle.write(block)
            written += len(block.encode("utf-8"))
    return path.stat().st_size


def run_code(corpus: Path, out: Path, *args: str) -> tuple[float, int]:
    """`healcode code` in a fresh process: (seconds, peak RSS in bytes of the command or
    of any worker process it ran). The peak is read by a small parent process of its own,
    so that each run is measured alone."""
    command = [
        sys.executable,
        "-m",
        "healcode",
        "code",
        str(corpus),
        "-o",
        str(out),
        "-q",
        "--force",
        *args,
    ]
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "started = time.perf_counter()\n"
        "status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "seconds = time.perf_counter() - started\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
        "print(json.dumps([status, seconds, peak]))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    result = subprocess.run(
        [sys.executable, "-c", probe, *command], capture_output=True, text=True, env=env, check=True
    )
    status, seconds, peak = json.loads(result.stdout.strip().splitlines()[-1])
    if status != 0:
        raise SystemExit(f"healcode code {' '.join(args)} failed: {result.stderr}")
    return seconds, peak


def same_files(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir() if p.suffix == ".csv")
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return not mismatch and not errors and len(match) == len(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument(
        "--big-mb",
        type=float,
        default=200.0,
        help="size of the memory runs in MB (default 200; 0 skips them)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="workers of the parallel runs")
    parser.add_argument("--no-dask", action="store_true", help="skip the --dask local run")
    parser.add_argument("--keep", type=Path, help="keep the corpora and outputs in this directory")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    work = args.keep or Path(tempfile.mkdtemp(prefix="healcode-bench-"))
    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    size, paragraphs = build_corpus(corpus, args.mb)
    text_mb = sum(len(p.encode("utf-8")) for p in paragraphs) / MB
    mb = size / MB
    print(f"corpus: {len(list(corpus.iterdir()))} transcripts, {mb:.2f} MB")

    # The dictionary alone (--no-model) in every mode; the bundled learned model beside it
    # (the default with the bundled codebook) once, for what the model costs.
    runs = {
        "--jobs 1": ["--jobs", "1", "--no-model"],
        f"--jobs {args.jobs}": ["--jobs", str(args.jobs), "--no-model"],
    }
    if not args.no_dask:
        runs[f"--dask local --jobs {args.jobs}"] = [
            "--dask",
            "local",
            "--jobs",
            str(args.jobs),
            "--no-model",
        ]
    seconds: dict[str, float] = {}
    outputs: dict[str, Path] = {}
    for name, options in runs.items():
        outputs[name] = work / f"out{len(outputs)}"
        seconds[name], _ = run_code(corpus, outputs[name], *options)
    model_s, _ = run_code(corpus, work / "out-model", "--jobs", "1")

    import rjieba
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.tokenizer("暖心家园")  # load jieba's dictionary before timing
    started = time.perf_counter()
    for _ in nlp.pipe(paragraphs, batch_size=256):
        pass
    spacy_s = time.perf_counter() - started

    jieba_rs = rjieba.Jieba()
    jieba_rs.cut("暖心家园")
    started = time.perf_counter()
    for paragraph in paragraphs:
        jieba_rs.cut(paragraph, True)
    rjieba_s = time.perf_counter() - started

    rates = {f"healcode code {name}": mb / s for name, s in seconds.items()}
    rates["healcode code --jobs 1 with the bundled model"] = mb / model_s
    rates["spaCy + jieba segmentation"] = text_mb / spacy_s
    rates["rjieba segmentation"] = text_mb / rjieba_s
    width = max(map(len, rates))
    for name, rate in rates.items():
        print(f"{name:<{width}} {rate:7.2f} MB/s")
    serial = rates["healcode code --jobs 1"]
    print(
        f"--jobs 1 / spaCy+jieba:  {serial / rates['spaCy + jieba segmentation']:6.1f}x"
        "  (target >= 10x)"
    )
    print(
        f"--jobs 1 / rjieba:       {serial / rates['rjieba segmentation']:6.2f}x  (target >= 0.5x)"
    )
    print(f"with the model / without:  {seconds['--jobs 1'] / model_s:5.2f}x  (target >= 0.5x)")
    for name in list(seconds)[1:]:
        print(
            f"{name} / --jobs 1: {seconds['--jobs 1'] / seconds[name]:5.2f}x"
            + ("  (target >= 1.8x)" if name == f"--jobs {args.jobs}" else "")
        )
    first = outputs["--jobs 1"]
    identical = all(same_files(first, out) for out in outputs.values())
    print(f"outputs byte-identical across {', '.join(runs)}: {'yes' if identical else 'NO'}")
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    print(f"coded {counts['documents']} documents, {counts['units']} units, {counts['hits']} hits")

    if args.big_mb > 0:
        one = work / "one"
        shutil.rmtree(one, ignore_errors=True)
        one.mkdir()
        big = build_one_transcript(one / "transcript.txt", args.big_mb)
        many = work / "many"
        shutil.rmtree(many, ignore_errors=True)
        many.mkdir()
        spread, _ = build_corpus(many, args.big_mb, seed=13)
        files = len(list(many.iterdir()))
        for name, path, total in (
            ("one transcript of", one, big),
            (f"{files} transcripts,", many, spread),
        ):
            s, peak = run_code(path, work / "out-memory", "--jobs", "1", "--no-model")
            print(
                f"peak memory, {name} {total / MB:.0f} MB, --jobs 1: {peak / MB:,.0f} MB "
                f"({s:.0f} s, {total / MB / s:.2f} MB/s)"
            )
        # the parallel runs again on the large corpus, where starting up weighs little
        big_runs = {k: v for k, v in runs.items() if k != "--jobs 1"}
        for name, options in big_runs.items():
            s_big, peak = run_code(many, work / "out-parallel", *options)
            print(
                f"{files} transcripts, {spread / MB:.0f} MB, {name}: {spread / MB / s_big:.2f} "
                f"MB/s, {s / s_big:.2f}x --jobs 1; peak memory of a process "
                f"{peak / MB:,.0f} MB"
            )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
