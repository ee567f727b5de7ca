"""Throughput of `healcode code` against segmentation alone, measured in one run.

    python bench/bench_code.py [--mb 5] [--keep DIR]

Builds a corpus of about --mb megabytes (UTF-8) of interview transcripts by recombining
the sentences of the bundled corpus in varied order, then times, over the same text:
  1. healcode end to end (read, turns, units, coding, all seven output files);
  2. spaCy's own Chinese pipeline with the jieba segmenter (`nlp.pipe`), alone;
  3. rjieba segmentation alone.
It prints MB/s for each and the ratios the targets are stated in: end to end at least
10x spaCy+jieba, and within 2x of rjieba alone. Not a test: timings vary between runs.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_corpus(directory: Path, megabytes: float, seed: int = 7) -> tuple[int, list[str]]:
    """Write transcripts of ~3,000 characters each; return (bytes, participant paragraphs)."""
    from healcode.bundled import default_corpus_path
    from healcode.coding import CodingOptions
    from healcode.corpus import find_turns, load_corpus, split_units

    sentences = {"interviewer": [], "participant": []}
    for document in load_corpus([default_corpus_path()]).documents():
        turns = find_turns(document.text)
        for unit in split_units(document, turns, in_scope=CodingOptions().in_scope):
            sentences[unit.role].append(unit.text)
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    written, number, paragraphs = 0, 0, []
    while written < target:
        lines = [f"访谈编号：B{number:05d}", ""]
        while sum(map(len, lines)) < 3000:
            question = "".join(rng.sample(sentences["interviewer"], 2))
            answer = "".join(rng.sample(sentences["participant"], rng.randint(2, 6)))
            lines += [f"访谈者：{question}", f"受访者：{answer}"]
            paragraphs += [question, answer]
        data = "\n".join(lines).encode("utf-8")
        (directory / f"b{number:05d}.txt").write_bytes(data)
        written += len(data)
        number += 1
    return written, paragraphs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="corpus size in MB (default 5)")
    parser.add_argument("--keep", type=Path, help="keep the corpus and output in this directory")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="healcode-bench-"))
    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    size, paragraphs = build_corpus(corpus, args.mb)
    text_mb = sum(len(p.encode("utf-8")) for p in paragraphs) / 1e6
    mb = size / 1e6
    print(f"corpus: {len(list(corpus.iterdir()))} transcripts, {mb:.2f} MB")

    import rjieba
    import spacy

    from healcode.bundled import default_codebook_path
    from healcode.codebook import load_codebook
    from healcode.coding import code_corpus
    from healcode.corpus import load_corpus

    codebook = load_codebook(default_codebook_path())

    started = time.perf_counter()
    result = code_corpus(load_corpus([corpus]), codebook)
    result.write(work / "out", force=True)
    healcode_s = time.perf_counter() - started

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

    rates = {
        "healcode code, end to end": mb / healcode_s,
        "spaCy + jieba segmentation": text_mb / spacy_s,
        "rjieba segmentation": text_mb / rjieba_s,
    }
    for name, rate in rates.items():
        print(f"{name:<28} {rate:7.2f} MB/s")
    end_to_end = rates["healcode code, end to end"]
    print(f"end to end / spaCy+jieba:   {end_to_end / rates['spaCy + jieba segmentation']:6.1f}x"
          "  (target >= 10x)")
    print(f"rjieba / end to end:        {rates['rjieba segmentation'] / end_to_end:6.2f}x"
          "  (target <= 2x)")
    print(f"coded {len(result.documents)} documents, {len(result.units)} units, "
          f"{len(result.hits)} hits")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
