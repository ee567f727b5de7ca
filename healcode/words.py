"""Words of a corpus: segmentation with offsets, stop words, and frequency lists.

Text is segmented with the same jieba backend and dictionary as coding (the codebook's
terms added), so a word list, a keyword-in-context listing and a coding run agree on
what a word is. Frequencies follow quanteda's ``textstat_frequency``: count, rank by
count (ties share the lowest rank), and the number of documents the word occurs in.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from healcode.errors import HealcodeError
from healcode.fold import FOLD_MODES, FoldMode, fold_text, should_fold
from healcode.records import Document, Role
from healcode.segment import Segmenter, SegmenterName

if TYPE_CHECKING:
    from healcode.codebook import Codebook
    from healcode.corpus import Corpus
    from healcode.scope import Scope

# Characters that, with digits, make up a number token such as 5.5% or 1,200.
_NUMBER_MARKS = frozenset(".,%‰+-−/:")
# A transcriber's note: up to 12 characters in brackets, e.g. （笑） （停顿） [00:12:31].
_NOTE = re.compile(r"（[^（）\n]{1,12}）|\([^()\n]{1,12}\)|\[[^\[\]\n]{1,12}\]|【[^【】\n]{1,12}】")


@dataclass(frozen=True, slots=True)
class Word:
    """One token; offsets are code points into the document text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """One speaker turn of a document and its tokens."""

    document: str
    speaker: str
    role: Role
    start: int
    end: int
    text: str
    words: tuple[Word, ...]
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WordFrequency:
    group: str
    word: str
    count: int
    rank: int
    documents: int


def segment_words(text: str, segmenter: Segmenter, *, offset: int = 0) -> tuple[Word, ...]:
    """Every token of ``text`` (whitespace included), offsets shifted by ``offset``."""
    words = []
    position = offset
    for token in segmenter.cut(text) if text else ():
        words.append(Word(token, position, position + len(token)))
        position += len(token)
    return tuple(words)


def _folded_words(text: str, segmenter: Segmenter, offset: int) -> tuple[Word, ...]:
    """The words of a simplified copy of ``text``, with offsets into ``text``."""
    folded = fold_text(text)
    words = []
    for word in segment_words(folded.text, segmenter):
        start, end = folded.original_span(word.start, word.end)
        words.append(Word(word.text, offset + start, offset + end))
    return tuple(words)


def segment_passages(
    documents: Iterable[Document],
    segmenter: Segmenter,
    *,
    scope: Scope | None = None,
    warnings: list[str] | None = None,
    fold: Callable[[str], bool] | None = None,
) -> Iterator[Passage]:
    """The speaker turns in ``scope`` (participants by default), segmented, in reading
    order; documents the scope's ``where`` leaves out give none. What may not be meant
    (a document with nothing in scope ...) is appended to ``warnings``. A document for
    which ``fold(text)`` is true is segmented through a simplified copy, as ``healcode
    code`` matches it: words in simplified characters, offsets into the original."""
    from healcode.scope import Scope, gather_warnings

    scope = scope or Scope()
    columns: dict[str, None] = {}
    speakers: set[str] = set()
    said: list[str] = []  # the documents' warnings, given once all are read
    for document in documents:
        scoped = scope.read(document)
        columns.update(dict.fromkeys([*scoped.header, *document.meta]))
        speakers.update(t.speaker for t in scoped.turns)
        turns = scoped.turns_in_scope()
        if warnings is not None and scoped.selected:
            said.extend(scope.warnings(scoped))
        fields = {**scoped.header, **document.meta}
        folded = fold is not None and bool(turns) and fold(document.text)
        for turn in turns:
            text = document.text[turn.start : turn.end]
            yield Passage(
                document.id,
                turn.speaker,
                turn.role,
                turn.start,
                turn.end,
                text,
                _folded_words(text, segmenter, turn.start)
                if folded
                else segment_words(text, segmenter, offset=turn.start),
                fields,
            )
    scope.check_columns(columns)
    if warnings is not None:
        warnings.extend(gather_warnings(said))  # one line for many documents
        warnings.extend(scope.unseen_speakers(speakers))


def read_passages(
    corpus: Corpus | Sequence[str | Path],
    codebook: Codebook,
    *,
    words: Iterable[str] = (),
    scope: Scope | None = None,
    segmenter: SegmenterName | Segmenter = "jieba-rs",
    encoding: str | None = None,
    warnings: list[str] | None = None,
    fold: FoldMode = "auto",
) -> Iterator[Passage]:
    """Segmented passages of a corpus, with the codebook's terms (and ``words``) in the
    dictionary and the same choice of speech as ``healcode code`` (``scope``; participants
    by default) and of folding traditional text (``fold``, see ``fold.should_fold``).
    ``corpus`` is a ``load_corpus`` result (tables, metadata and encodings read as
    ``code`` reads them) or paths, read strictly with ``encoding``. ``segmenter`` may also
    be a ready segmenter, whose dictionary is then used as it is."""
    from healcode.corpus import Corpus, load_corpus
    from healcode.segment import make_segmenter

    if not isinstance(corpus, Corpus):
        corpus = load_corpus(corpus, encoding=encoding, strict=True)  # a bad file is an error
    backend = (
        make_segmenter(segmenter, [*codebook.terms(), *words])
        if isinstance(segmenter, str)
        else segmenter
    )
    if fold not in FOLD_MODES:
        raise HealcodeError(f"fold={fold!r}: use one of {', '.join(FOLD_MODES)}")
    yield from segment_passages(
        corpus.documents(),
        backend,
        scope=scope,
        warnings=warnings,
        fold=lambda text: should_fold(text, codebook, fold),
    )
    if warnings is not None:
        warnings[:0] = corpus.warnings  # files read but perhaps read wrong (an encoding)


def is_countable(word: str) -> bool:
    """A word, not punctuation, whitespace, a symbol or a number (1998, 5.5%, 三十)."""
    if not any(unicodedata.category(c)[0] in "LN" for c in word):
        return False
    return not all(c.isnumeric() or c in _NUMBER_MARKS for c in word)


def load_stopwords(path: str | Path | None = None) -> frozenset[str]:
    """Stop words from ``path`` (one per line, ``#`` comments), or the bundled lists
    (Chinese and English, see ``bundled.STOPWORDS_FILES``)."""
    if path is None:
        from healcode.bundled import bundled_stopword_lines

        text = "\n".join(bundled_stopword_lines())
    else:
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise HealcodeError(f"{path}: cannot be read ({exc.strerror})") from None
        except UnicodeDecodeError as exc:
            raise HealcodeError(
                f"{path}: not UTF-8 (byte {exc.start}); save the stop-word list as UTF-8"
            ) from None
    words = {
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    # word processors type ’ for ' (n’t, ’m, I’ve): both spellings are stop words
    return frozenset(words | {w.replace("'", "\u2019") for w in words if "'" in w})


def transcriber_notes(text: str, *, offset: int = 0) -> list[tuple[int, int]]:
    """Spans of short bracketed insertions such as （笑） or [00:12:31], which are the
    transcriber's, not the speaker's, words; offsets shifted by ``offset``."""
    return [(offset + m.start(), offset + m.end()) for m in _NOTE.finditer(text)]


def content_words(
    words: Iterable[Word],
    stopwords: frozenset[str] = frozenset(),
    *,
    skip: Sequence[tuple[int, int]] = (),
) -> list[str]:
    """Lower-cased countable words that are not stop words nor inside a ``skip`` span."""
    out = []
    for word in words:
        lowered = word.text.lower()
        if not is_countable(lowered) or lowered in stopwords:
            continue
        if skip and any(start < word.end and word.start < end for start, end in skip):
            continue
        out.append(lowered)
    return out


def count_words(
    rows: Iterable[tuple[str, str, Sequence[str]]],
    *,
    top: int | None = None,
    min_count: int = 1,
) -> list[WordFrequency]:
    """Frequencies from ``(group, document, words)`` rows, as quanteda's textstat_frequency.

    Within each group (in order of first appearance): count, descending; rank by count
    with ties sharing the lowest rank; documents = how many documents of the group use
    the word. Ties keep the order in which the words first occur. Ranks are computed
    before ``min_count`` and ``top`` (the first ``top`` rows of each group) apply.
    """
    counts: dict[str, dict[str, int]] = {}
    documents: dict[str, dict[str, set[str]]] = {}
    for group, document, words in rows:
        group_counts = counts.setdefault(group, {})
        group_documents = documents.setdefault(group, {})
        for word in words:
            group_counts[word] = group_counts.get(word, 0) + 1
            group_documents.setdefault(word, set()).add(document)
    result = []
    for group, group_counts in counts.items():
        ordered = sorted(group_counts.items(), key=lambda item: -item[1])  # stable: first seen
        rows_out = []
        rank = 0
        previous = None
        for position, (word, count) in enumerate(ordered, start=1):
            if count != previous:
                rank, previous = position, count
            if count >= min_count:
                rows_out.append(
                    WordFrequency(group, word, count, rank, len(documents[group][word]))
                )
        result.extend(rows_out[:top] if top is not None else rows_out)
    return result


def word_frequencies(
    passages: Iterable[Passage],
    *,
    by: str | None = None,
    stopwords: frozenset[str] = frozenset(),
    keep_notes: bool = False,
    top: int | None = None,
    min_count: int = 1,
) -> list[WordFrequency]:
    """Word frequencies of segmented passages, overall or ``by`` document, speaker or a
    metadata column (group "" for a document without that attribute). Words in
    transcriber's notes such as （笑） are left out unless ``keep_notes``."""
    seen_columns: set[str] = set()

    def group_of(passage: Passage) -> str:
        if by is None:
            return ""
        if by == "document":
            return passage.document
        if by == "speaker":
            return passage.speaker
        seen_columns.update(passage.meta)
        return passage.meta.get(by, "")

    rows = [
        (
            group_of(p),
            p.document,
            content_words(
                p.words,
                stopwords,
                skip=() if keep_notes else transcriber_notes(p.text, offset=p.start),
            ),
        )
        for p in passages
    ]
    if by not in (None, "document", "speaker") and by not in seen_columns:
        known = ", ".join(sorted(seen_columns)) or "none (no metadata.csv or table columns)"
        raise HealcodeError(
            f"--by {by}: no such metadata column; use document, speaker or one of: {known}"
        )
    return count_words(rows, top=top, min_count=min_count)


def write_rows_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    bom: bool = True,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
) -> int:
    """A CSV as Excel on Chinese Windows reads it (UTF-8 with BOM, LF), written atomically
    (never over a file healcode did not write, nor at or inside one of ``inputs``).
    Returns the text cells a spreadsheet would take for a formula (written exactly)."""
    from healcode.outdir import staged_file
    from healcode.run.write import formula_text_cells

    rows = list(rows)
    with staged_file(path, force=force, inputs=inputs) as staging:
        with staging.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    return formula_text_cells([header, *rows])
