"""Apply a codebook to units: tokens from jieba, terms as token sequences, regex patterns.

A unit is segmented only when one of the codebook's terms occurs in it as a substring
or one of its patterns matches (see prefilter.py): a unit without either cannot produce
a hit, and segmentation is most of the cost. Whether a term really matches is
still decided on the segmenter's tokens, so 有用 is not found inside 还有/用, nor
``test`` inside ``latest``.

Terms are found as spaCy's ``PhraseMatcher`` (attribute ``LOWER``) finds them, without
building a spaCy ``Doc``: a term matches where the lowered tokens of the text equal the
lowered tokens of the term. spaCy is needed only by the spaCy component
(``healcode.spacy_component``), so coding starts without loading it.
"""

from __future__ import annotations

import functools
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count
from operator import itemgetter
from typing import TYPE_CHECKING

import ahocorasick_rs

from healcode.codebook import Codebook, Rule, is_wildcard
from healcode.codebook.patterns import compile_pattern
from healcode.corpus.units import Units
from healcode.errors import ModelError
from healcode.prefilter import Prefilter
from healcode.records import Hit, Hits, Unit
from healcode.segment import Segmenter, SegmenterName, make_segmenter

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from healcode.model import LearnedModel

SPAN_KEY = "healcode"
# Between units batched into one token list: whitespace, so no term (and no phrase)
# contains it.
_SEPARATOR = "\n"
# Units whose tokens are matched together (bounds the memory a long document needs).
_BATCH_UNITS = 4096
PatternHit = tuple[Rule, str, int, int]  # rule, pattern, start, end


@dataclass(frozen=True, slots=True)
class Match:
    """A hit within one text: character offsets relative to that text."""

    path: str
    theme: str
    term: str
    start: int
    end: int
    negated: bool


PhraseHit = tuple[str, str, int, int]  # path, term, first token, token after the last
Found = tuple[str, str, str, int, int, bool]  # path, theme, term, start, end, negated
_READING_ORDER = itemgetter(3, 4, 0)  # start, end, path


class Coder:
    """Codes texts with one codebook; build once, call for many units.

    Terms are matched as sequences of tokens, case-insensitively, with whitespace
    between tokens not counted (``support group`` matches ``support  group``) and the
    typographic apostrophe read as ``'``. A term ending in ``*`` matches where its last
    word is the start of a token (``hope*``: hope, hopes, hopeful).

    ``nlp``: a spaCy pipeline whose tokenizer cuts the terms (the spaCy component passes
    its own); without it the segmenter cuts them, and spaCy is never loaded
    (``healcode.spacy_component.build_language`` makes a pipeline with this tokenizer).
    """

    def __init__(
        self,
        codebook: Codebook,
        *,
        segmenter: SegmenterName = "jieba-rs",
        nlp: Language | None = None,
        negation_window: int | None = None,
        model: LearnedModel | None = None,
    ) -> None:
        self.codebook = codebook
        # A learned model codes beside the dictionary (coding.code_document combines them).
        self._model: LearnedModel | None = None
        self.model = model
        self.rules: list[Rule] = codebook.rules()
        self.rank = {rule.path: i for i, rule in enumerate(self.rules)}  # codebook order
        self._rule = {rule.path: rule for rule in self.rules}
        self._exclude = {rule.path: [w.lower() for w in rule.exclude] for rule in self.rules}
        self._nlp = nlp
        self._segmenter = make_segmenter(segmenter, codebook.terms()) if nlp is None else None
        negators = {n.lower() for n in codebook.negators}
        self.negators = frozenset(
            negators
            | {_plain(n) for n in negators}
            | {n.replace("'", _APOSTROPHE) for n in negators}
        )
        self.window = codebook.negation_window if negation_window is None else negation_window
        # lowered tokens of a term -> the code paths it belongs to; (path, tokens) -> term;
        # a term's first token -> the token counts of the terms starting with it
        self._sequences: dict[tuple[str, ...], list[str]] = {}
        self._terms: dict[tuple[str, tuple[str, ...]], str] = {}
        lengths: dict[str, set[int]] = {}
        # a prefix -> (path, term, tokens before it)
        self._prefixes: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        for rule in self.rules:
            for term in rule.terms:
                tokens = self._term_tokens(term.removesuffix("*") if is_wildcard(term) else term)
                if not tokens:
                    continue
                if is_wildcard(term):
                    # the last word is a prefix of the text; the words before it are tokens
                    *head, prefix = term.removesuffix("*").rsplit(None, 1)
                    before = (*self._term_tokens(head[0]), " ") if head else ()
                    entry = (rule.path, term, before)
                    self._prefixes.setdefault(_plain(prefix.lower()), []).append(entry)
                    continue
                paths = self._sequences.setdefault(tokens, [])
                if rule.path not in paths:
                    paths.append(rule.path)
                self._terms.setdefault((rule.path, tokens), term)
                lengths.setdefault(tokens[0], set()).add(len(tokens))
        self._lengths = {first: tuple(sorted(n)) for first, n in lengths.items()}
        self._prefix_needles = list(self._prefixes)
        self._prefix_automaton = (
            ahocorasick_rs.AhoCorasick(self._prefix_needles) if self._prefixes else None
        )
        self._patterns = [
            (rule, pattern, compile_pattern(pattern))
            for rule in self.rules
            for pattern in rule.patterns
        ]
        self._prefilter = Prefilter(codebook.terms(), [p for _, p, _ in self._patterns])

    @property
    def model(self) -> LearnedModel | None:
        """The learned model that codes beside the dictionary, or None."""
        return self._model

    @model.setter
    def model(self, model: LearnedModel | None) -> None:
        if model is not None:
            check_model_codebook(model, self.codebook)
        self._model = model

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is not None:
            return self._segmenter
        return self._nlp.tokenizer.segmenter  # type: ignore[union-attr]

    def _term_tokens(self, term: str) -> tuple[str, ...]:
        """A term's tokens as the text's are compared: lowered, whitespace as one " "."""
        if self._nlp is not None:
            words = [t.text for t in self._nlp.make_doc(term)]
        else:
            words = self.segmenter.cut(term) if term else []
        return tuple(_collapse([_plain(w.lower()) for w in words])[0])

    def code_text(self, text: str) -> list[Match]:
        """Every hit in one text (a unit); segments it only if a hit is possible."""
        return self.code_texts([text])[0]

    def code_texts(self, texts: Sequence[str]) -> list[list[Match]]:
        """Every hit in each of many texts (the units of a document), in one pass."""
        results: list[list[Match]] = [[] for _ in texts]
        for index, matches in self._code_batch(texts):
            results[index] = [Match(*m) for m in matches]
        return results

    def _code_batch(self, texts: Sequence[str]) -> list[tuple[int, list[Found]]]:
        """(index, hits) of the texts that have hits.

        Only texts where the prefilter finds a term or a pattern matches are segmented,
        and their tokens are matched as ONE list, separated by a line-break token that no
        term contains, so the terms are looked up once per batch rather than per unit.
        """
        segmented: list[tuple[int, list[str], list[PatternHit], bool]] = []
        cut = self.segmenter.cut
        for index, has_term, patterns in self._prefilter.candidates(texts):
            pattern_hits = self._pattern_hits(texts[index], patterns) if patterns else []
            if has_term or pattern_hits:
                segmented.append((index, cut(texts[index]), pattern_hits, has_term))
        phrases = self._term_matches([words for _, words, _, term in segmented if term])
        batch = iter(phrases)
        results = []
        for index, words, pattern_hits, has_term in segmented:
            found = next(batch) if has_term else []
            if found or pattern_hits:
                matches = self._resolve(texts[index], words, found, pattern_hits)
                if matches:
                    results.append((index, matches))
        return results

    def code_doc(self, doc: Doc) -> list[Match]:
        """Every hit in a Doc tokenized elsewhere (the spaCy component's path)."""
        text = doc.text
        words: list[str] = []
        for token in doc:
            words.append(token.text)
            if token.whitespace_:
                words.append(token.whitespace_)
        hits = self._pattern_hits(text, range(len(self._patterns)))
        return [Match(*m) for m in self._resolve(text, words, self._term_matches([words])[0], hits)]

    def _term_matches(self, batch: list[list[str]]) -> list[list[PhraseHit]]:
        """Terms in many token lists at once: (path, term, first, last) per list, with
        token indexes local to each list. In the lowered tokens looked up, a run of
        whitespace is one " " token, as in the terms; indexes are mapped back."""
        if not batch:
            return []
        words: list[str] = []
        starts: list[int] = []
        kept: list[list[int] | None] = []  # per list: where each of its words starts
        for tokens in batch:
            starts.append(len(words))
            if any(map(str.isspace, tokens)):
                collapsed, where = _collapse(tokens)
                words += collapsed
                kept.append(where)
            else:
                words += tokens
                kept.append(None)
            words.append(_SEPARATOR)
        joined = "".join(words)
        if _APOSTROPHE in joined:
            words = [_plain(w) for w in words]
        if joined.lower() != joined:  # str.lower of each token, as spaCy's LOWER
            words = [w.lower() for w in words]
        sequences, lengths, terms = self._sequences, self._lengths, self._terms
        found: list[PhraseHit] = []
        for first in compress(count(), map(lengths.__contains__, words)):
            for size in lengths[words[first]]:
                sequence = tuple(words[first : first + size])
                for path in sequences.get(sequence, ()):
                    found.append((path, terms[(path, sequence)], first, first + size))
        matches: list[list[PhraseHit]] = [[] for _ in batch]
        for path, term, first, last in found:
            which = bisect_right(starts, first) - 1
            offset = starts[which]
            first, last = first - offset, last - offset
            indexes = kept[which]
            if indexes is not None:
                first, last = indexes[first], indexes[last - 1] + 1
            matches[which].append((path, term, first, last))
        if self._prefix_automaton is not None:
            for local, more in zip(matches, self._prefix_matches(batch), strict=True):
                local += more
        return matches

    def _prefix_matches(self, batch: list[list[str]]) -> list[list[PhraseHit]]:
        """Wildcard terms in many token lists: the prefix starts where a token starts and
        ends anywhere in a token (so 盼* finds 盼头, and self-est* self-esteem), without
        crossing whitespace; the words before it (support in support group*) equal the
        tokens before, whitespace not counted. One Aho-Corasick pass over them all."""
        texts, boundaries = [], []
        for tokens in batch:
            text = "".join(tokens)
            lowered = text.lower()
            if len(lowered) != len(text):  # a rare letter whose lower case is longer
                lowered = "".join(c if len(c.lower()) > 1 else c.lower() for c in text)
            texts.append(_plain(lowered))
            boundaries.append(list(accumulate(map(len, tokens), initial=0)))
        joined = _SEPARATOR.join(texts)
        unit_starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
        matches: list[list[PhraseHit]] = [[] for _ in batch]
        for needle, start, end in self._prefix_automaton.find_matches_as_indexes(  # type: ignore[union-attr]
            joined, overlapping=True
        ):
            which = bisect_right(unit_starts, start) - 1
            local = start - unit_starts[which]
            offsets = boundaries[which]
            first = bisect_right(offsets, local) - 1
            if offsets[first] != local:
                continue  # not at the start of a token
            last = bisect_right(offsets, end - unit_starts[which] - 1)
            tokens = batch[which]
            for path, term, before in self._prefixes[self._prefix_needles[needle]]:
                begin = _words_before(tokens, first, before)
                if begin is not None:
                    matches[which].append((path, term, begin, last))
        return matches

    def _pattern_hits(self, text: str, indexes: Iterable[int]) -> list[PatternHit]:
        hits: list[PatternHit] = []
        patterns = self._patterns
        for index in indexes:
            rule, pattern, regex = patterns[index]
            for m in regex.finditer(text):
                start, end = m.span()
                if end > start:
                    hits.append((rule, pattern, start, end))
        return hits

    def _resolve(
        self,
        text: str,
        words: list[str],
        phrases: list[PhraseHit],
        pattern_hits: list[PatternHit],
    ) -> list[Found]:
        """The hits of one text, as (path, theme, term, start, end, negated) in reading
        order: per code, exclusions, overlaps (the longest wins) and negation."""
        # Token boundaries as character offsets: words[i] is text[offsets[i]:offsets[i + 1]].
        offsets = list(accumulate(map(len, words), initial=0))
        found: list[tuple[str, str, int, int, int]] = []  # path, term, start, end, first token
        for path, term, first, last in phrases:
            found.append((path, term, offsets[first], offsets[last], first))
        for rule, pattern, start, end in pattern_hits:
            found.append((rule.path, pattern, start, end, bisect_right(offsets, start) - 1))
        by_path: dict[str, list[tuple[str, str, int, int, int]]] = {}
        for item in found:
            by_path.setdefault(item[0], []).append(item)
        lowered = None
        matches: list[Found] = []
        for path, items in by_path.items():
            rule = self._rule[path]
            exclude = self._exclude[path]
            if exclude:
                if lowered is None:
                    lowered = text.lower()
                if any(word in lowered for word in exclude):
                    continue
            negation = rule.negation
            for _, term, start, end, first in _longest_first(items) if len(items) > 1 else items:
                negated = negation != "ignore" and self._is_negated(words, first)
                if negated and negation == "exclude":
                    continue
                matches.append((path, rule.theme, term, start, end, negated))
        if len(matches) > 1:
            matches.sort(key=_READING_ORDER)
        return matches

    def _is_negated(self, words: list[str], first: int) -> bool:
        """A negator within ``window`` tokens before the hit, in the same clause."""
        seen = 0
        window, negators = self.window, self.negators
        for position in range(first - 1, -1, -1):
            word = words[position]
            if word.isspace():
                continue
            if seen >= window or _is_punctuation(word):
                return False
            if word.lower() in negators:
                return True
            seen += 1
        return False

    def code_units(self, units: Sequence[Unit]) -> Sequence[Hit]:
        """Hits of every in-scope unit (of one document), with offsets into the document,
        in reading order. Units kept as columns (``Units``) give hits kept as columns
        (``records.Hits``).

        Units are coded in batches of a few thousand, so a long document needs memory
        for one batch of texts and tokens at a time."""
        if isinstance(units, Units):
            return self._code_columns(units)
        scoped = [unit for unit in units if unit.in_scope]
        hits = []
        for first in range(0, len(scoped), _BATCH_UNITS):
            batch = scoped[first : first + _BATCH_UNITS]
            for index, matches in self._code_batch([u.text for u in batch]):
                unit = batch[index]
                for path, theme, term, start, end, negated in matches:
                    hits.append(
                        Hit(
                            unit.document,
                            unit.index,
                            theme,
                            path,
                            term,
                            unit.start + start,
                            unit.start + end,
                            unit.text[start:end],
                            negated,
                        )
                    )
        return hits

    def _code_columns(self, units: Units) -> Hits:
        scoped = units.in_scope()
        starts = units.starts
        hits = Hits(units.document, units.text)
        numbers, begins, ends, denied, kinds = (
            hits.units,
            hits.starts,
            hits.ends,
            hits.negated,
            hits.kinds,
        )
        kind_of = hits.kind
        for first in range(0, len(scoped), _BATCH_UNITS):
            batch = scoped[first : first + _BATCH_UNITS]
            for index, matches in self._code_batch(units.texts(batch)):
                number = batch[index]
                offset = starts[number]
                for path, theme, term, start, end, negated in matches:
                    numbers.append(number)
                    begins.append(offset + start)
                    ends.append(offset + end)
                    denied.append(negated)
                    kinds.append(kind_of(theme, path, term))
        return hits


_APOSTROPHE = "\u2019"  # ’, read as '


def _plain(word: str) -> str:
    return word.replace(_APOSTROPHE, "'")


def _collapse(tokens: list[str]) -> tuple[list[str], list[int]]:
    """Tokens with each run of whitespace as one " ", and where each one starts."""
    space = [token.isspace() for token in tokens]
    indexes = [i for i, blank in enumerate(space) if not (blank and i and space[i - 1])]
    return [" " if space[i] else tokens[i] for i in indexes], indexes


def _words_before(tokens: list[str], first: int, before: tuple[str, ...]) -> int | None:
    """Where ``before`` starts, if the tokens ending at ``first`` are it (" " standing
    for one or more whitespace tokens)."""
    position = first
    for word in reversed(before):  # a few words at most
        position -= 1
        if position < 0:
            return None
        if word == " ":
            if not tokens[position].isspace():
                return None
            while position > 0 and tokens[position - 1].isspace():
                position -= 1
        elif _plain(tokens[position].lower()) != word:
            return None
    return position


@functools.lru_cache(maxsize=65536)  # tokens repeat; asked once per token before a hit
def _is_punctuation(word: str) -> bool:
    """，。！？、… and the like: they end the clause a negator can reach across."""
    return all(unicodedata.category(char).startswith("P") for char in word)


def _longest_first(
    items: list[tuple[str, str, int, int, int]],
) -> list[tuple[str, str, int, int, int]]:
    """Non-overlapping hits: the longest wins, then the earliest (like spaCy's filter_spans),
    then a term over a wildcard (hopeful over hope* on the same word)."""
    kept: list[tuple[str, str, int, int, int]] = []
    taken: list[tuple[int, int]] = []
    for item in sorted(items, key=lambda i: (-(i[3] - i[2]), i[2], is_wildcard(i[1]), i[1])):
        if all(item[3] <= s or item[2] >= e for s, e in taken):
            kept.append(item)
            taken.append((item[2], item[3]))
    return sorted(kept, key=lambda i: i[2])


def check_model_codebook(model: LearnedModel, codebook: Codebook) -> None:
    """Raise :class:`ModelError` unless ``model`` was trained for ``codebook`` (the
    codebook's SHA-256, which the model records)."""
    trained = model.codebook.sha256
    if model.codebook is codebook or (trained is not None and trained == codebook.sha256):
        return
    raise ModelError(
        f"the learned model{f' {model.path}' if model.path else ''} was trained with the "
        f"codebook {model.codebook.name!r} (SHA-256 {str(trained)[:12]}...), not with "
        f"{codebook.path or codebook.name} (SHA-256 {str(codebook.sha256)[:12]}...); "
        "load the model with its own codebook, or train one for this codebook with "
        "healcode learn"
    )
