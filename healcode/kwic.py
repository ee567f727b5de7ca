"""Keyword in context: every occurrence of a term with the words around it.

Terms are found as whole tokens, the way the coder finds them: the passage is segmented
with the codebook's terms and the searched terms added to the dictionary, and a term
matches where its own tokens occur in sequence (case-insensitively). Regular
expressions match the raw text instead. Context is counted in tokens (whitespace not
counted) and stays within the speaker's turn.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from healcode.codebook import Codebook, is_wildcard
from healcode.errors import CodebookError
from healcode.segment import Segmenter
from healcode.words import Passage, Word


@dataclass(frozen=True, slots=True)
class Occurrence:
    document: str
    speaker: str
    start: int  # offsets of the keyword in the document text
    end: int
    left: str
    keyword: str
    right: str
    term: str  # the term or pattern that matched


def code_terms(codebook: Codebook, path: str) -> tuple[list[str], list[str]]:
    """Terms and patterns of a code path, or of every rule of a theme."""
    rules = [r for r in codebook.rules() if r.path == path or r.theme == path]
    if not rules:
        known = ", ".join(rule.path for rule in codebook.rules())
        where = f"{codebook.path}: " if codebook.path else ""
        raise CodebookError(f"{where}no code or theme {path!r} with terms; known: {known}")
    terms = list(dict.fromkeys(t for rule in rules for t in rule.terms))
    patterns = list(dict.fromkeys(p for rule in rules for p in rule.patterns))
    return terms, patterns


def keyword_in_context(
    passages: Iterable[Passage],
    *,
    segmenter: Segmenter,
    terms: Sequence[str] = (),
    patterns: Sequence[str] = (),
    window: int = 5,
) -> list[Occurrence]:
    """Occurrences of ``terms`` (as tokens; ``hope*``: a word starting with hope, as coding
    finds it) and ``patterns`` (regexes on the raw text)."""
    wanted: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    wildcards: list[tuple[tuple[str, ...], str, str]] = []  # words before, prefix, term
    for term in dict.fromkeys(terms):
        if is_wildcard(term):
            *head, prefix = term.removesuffix("*").rsplit(None, 1)
            words_before = (
                tuple(t.lower() for t in segmenter.cut(head[0]) if not t.isspace()) if head else ()
            )
            wildcards.append((words_before, prefix.lower(), term))
            continue
        tokens = tuple(t.lower() for t in segmenter.cut(term) if not t.isspace())
        if tokens:
            wanted.setdefault(tokens[0], []).append((tokens, term))
    compiled = [(p, _compile(p)) for p in dict.fromkeys(patterns)]
    found: list[Occurrence] = []
    for passage in passages:
        words = [w for w in passage.words if not w.text.isspace()]
        spans: list[tuple[int, int, str]] = []
        lowered = [w.text.lower() for w in words]
        for i, token in enumerate(lowered):
            for tokens, term in wanted.get(token, ()):
                if tuple(lowered[i : i + len(tokens)]) == tokens:
                    spans.append((words[i].start, words[i + len(tokens) - 1].end, term))
            for words_before, prefix, term in wildcards:
                first = i - len(words_before)
                if (
                    token.startswith(prefix)
                    and first >= 0
                    and tuple(lowered[first:i]) == words_before
                ):
                    spans.append((words[first].start, words[i].end, term))
        for pattern, regex in compiled:
            for m in regex.finditer(passage.text):
                if m.end() > m.start():
                    spans.append((passage.start + m.start(), passage.start + m.end(), pattern))
        starts, ends = [w.start for w in words], [w.end for w in words]
        for start, end, term in sorted(spans):
            # words are in text order, so their starts and ends are both sorted
            last_before = bisect.bisect_right(ends, start)
            first_after = bisect.bisect_left(starts, end)
            before = words[max(0, last_before - window) : last_before]
            after = words[first_after : first_after + window]
            found.append(_occurrence(passage, before, after, start, end, term))
    return found


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise CodebookError(f"invalid regular expression {pattern!r}: {exc}") from None


def _occurrence(
    passage: Passage, before: list[Word], after: list[Word], start: int, end: int, term: str
) -> Occurrence:
    left_start = before[0].start if before else start
    right_end = after[-1].end if after else end
    offset = passage.start
    text = passage.text
    return Occurrence(
        passage.document,
        passage.speaker,
        start,
        end,
        text[left_start - offset : start - offset],
        text[start - offset : end - offset],
        text[end - offset : right_end - offset],
        term,
    )
