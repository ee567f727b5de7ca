"""Apply a codebook to units: spaCy tokens from jieba, PhraseMatcher terms, regex patterns.

A unit is segmented only when one of the codebook's terms occurs in it as a substring
(found with Aho-Corasick) or one of its patterns matches: a unit without either cannot
produce a hit, and segmentation is most of the cost. Whether a term really matches is
still decided on jieba's tokens, so 有用 is not found inside 还有/用.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick_rs
import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from healcode.codebook import Codebook, Rule
from healcode.records import Hit, Unit
from healcode.segment import Segmenter, SegmenterName, make_segmenter

SPAN_KEY = "healcode"


class JiebaTokenizer:
    """A spaCy tokenizer that cuts text with a jieba backend."""

    def __init__(self, vocab: Vocab, segmenter: Segmenter) -> None:
        self.vocab = vocab
        self.segmenter = segmenter

    def __call__(self, text: str) -> Doc:
        words = self.segmenter.cut(text) if text else []
        return Doc(self.vocab, words=words, spaces=[False] * len(words))


@spacy.registry.tokenizers("healcode.jieba_tokenizer.v1")
def create_jieba_tokenizer(segmenter: str = "jieba-rs", words: list[str] | None = None):
    """Registered so a spaCy config can select it: ``@tokenizers = healcode.jieba_tokenizer.v1``."""
    backend = make_segmenter(segmenter, words or ())  # type: ignore[arg-type]

    def make_tokenizer(nlp: Language) -> JiebaTokenizer:
        return JiebaTokenizer(nlp.vocab, backend)

    return make_tokenizer


def build_language(segmenter: SegmenterName = "jieba-rs", words: Iterable[str] = ()) -> Language:
    """A blank Chinese spaCy pipeline whose tokenizer is jieba with ``words`` added."""
    config = {
        "nlp": {
            "tokenizer": {
                "@tokenizers": "healcode.jieba_tokenizer.v1",
                "segmenter": segmenter,
                "words": list(words),
            }
        }
    }
    return spacy.blank("zh", config=config)


@dataclass(frozen=True, slots=True)
class Match:
    """A hit within one text: character offsets relative to that text."""

    path: str
    theme: str
    term: str
    start: int
    end: int
    negated: bool


class Coder:
    """Codes texts with one codebook; build once, call for many units."""

    def __init__(
        self,
        codebook: Codebook,
        *,
        segmenter: SegmenterName = "jieba-rs",
        nlp: Language | None = None,
        negation_window: int | None = None,
    ) -> None:
        self.codebook = codebook
        self.rules: list[Rule] = codebook.rules()
        self._rule = {rule.path: rule for rule in self.rules}
        self.nlp = nlp if nlp is not None else build_language(segmenter, codebook.terms())
        self.negators = frozenset(n.lower() for n in codebook.negators)
        self.window = codebook.negation_window if negation_window is None else negation_window
        self._phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._terms: dict[tuple[str, str], str] = {}  # (path, matched text lowered) -> term
        for rule in self.rules:
            if rule.terms:
                self._phrases.add(rule.path, [self.nlp.make_doc(t) for t in rule.terms])
                for term in rule.terms:
                    self._terms[(rule.path, term.lower())] = term
        self._patterns = [
            (rule, pattern, re.compile(pattern, re.IGNORECASE))
            for rule in self.rules
            for pattern in rule.patterns
        ]
        terms = [t.lower() for t in codebook.terms()]
        self._candidates = ahocorasick_rs.AhoCorasick(terms) if terms else None

    @property
    def segmenter(self) -> Segmenter:
        return self.nlp.tokenizer.segmenter  # type: ignore[union-attr]

    def code_text(self, text: str) -> list[Match]:
        """Every hit in one unit's text; segments it only if a hit is possible."""
        pattern_hits = self._pattern_hits(text)
        has_term = self._candidates is not None and bool(
            self._candidates.find_matches_as_indexes(text.lower())
        )
        if not has_term and not pattern_hits:
            return []
        return self._match(self.nlp.make_doc(text), pattern_hits, terms=has_term)

    def code_doc(self, doc: Doc) -> list[Match]:
        """Every hit in a Doc tokenized elsewhere (the spaCy component's path)."""
        return self._match(doc, self._pattern_hits(doc.text), terms=True)

    def _pattern_hits(self, text: str) -> list[tuple[Rule, str, int, int]]:
        return [
            (rule, pattern, m.start(), m.end())
            for rule, pattern, regex in self._patterns
            for m in regex.finditer(text)
            if m.end() > m.start()
        ]

    def _match(
        self, doc: Doc, pattern_hits: list[tuple[Rule, str, int, int]], *, terms: bool
    ) -> list[Match]:
        found: list[tuple[str, str, int, int, int]] = []  # path, term, start, end, first token
        if terms:
            for key, first, last in self._phrases(doc):
                path = self.nlp.vocab.strings[key]
                span = doc[first:last]
                term = self._terms.get((path, span.text.lower()), span.text)
                found.append((path, term, span.start_char, span.end_char, first))
        for rule, pattern, start, end in pattern_hits:
            span = doc.char_span(start, end, alignment_mode="expand")
            found.append((rule.path, pattern, start, end, span.start if span is not None else 0))
        return self._resolve(doc, doc.text.lower(), found)

    def _resolve(
        self, doc: Doc, lowered: str, found: list[tuple[str, str, int, int, int]]
    ) -> list[Match]:
        matches: list[Match] = []
        by_path: dict[str, list[tuple[str, str, int, int, int]]] = {}
        for item in found:
            by_path.setdefault(item[0], []).append(item)
        for path, items in by_path.items():
            rule = self._rule[path]
            if any(word.lower() in lowered for word in rule.exclude):
                continue
            for _, term, start, end, first in _longest_first(items):
                negated = rule.negation != "ignore" and self._is_negated(doc, first)
                if negated and rule.negation == "exclude":
                    continue
                matches.append(Match(path, rule.theme, term, start, end, negated))
        matches.sort(key=lambda m: (m.start, m.end, m.path))
        return matches

    def _is_negated(self, doc: Doc, first: int) -> bool:
        """A negator within ``window`` tokens before the hit, in the same clause."""
        seen = 0
        for token in reversed(doc[:first]):
            if token.is_space:
                continue
            if token.is_punct or seen >= self.window:
                return False
            if token.lower_ in self.negators:
                return True
            seen += 1
        return False

    def code_units(self, units: Sequence[Unit]) -> list[Hit]:
        """Hits of every in-scope unit, with offsets into the document."""
        hits = []
        for unit in units:
            if not unit.in_scope:
                continue
            for m in self.code_text(unit.text):
                start, end = unit.start + m.start, unit.start + m.end
                hits.append(
                    Hit(unit.document, unit.index, m.theme, m.path, m.term, start, end,
                        unit.text[m.start : m.end], m.negated)
                )
        return hits


def _longest_first(
    items: list[tuple[str, str, int, int, int]],
) -> list[tuple[str, str, int, int, int]]:
    """Non-overlapping hits: the longest wins, then the earliest (like spaCy's filter_spans)."""
    kept: list[tuple[str, str, int, int, int]] = []
    taken: list[tuple[int, int]] = []
    for item in sorted(items, key=lambda i: (-(i[3] - i[2]), i[2], i[1])):
        if all(item[3] <= s or item[2] >= e for s, e in taken):
            kept.append(item)
            taken.append((item[2], item[3]))
    return sorted(kept, key=lambda i: i[2])


@Language.factory(
    "healcode_coder",
    default_config={"codebook": None, "negation_window": None},
)
def create_coder_component(
    nlp: Language, name: str, codebook: str | None, negation_window: int | None
) -> CoderComponent:
    """``nlp.add_pipe("healcode_coder", config={"codebook": "my.yaml"})`` in any spaCy pipeline."""
    from healcode.bundled import default_codebook_path
    from healcode.codebook import load_codebook

    book = load_codebook(codebook or default_codebook_path())
    return CoderComponent(Coder(book, nlp=nlp, negation_window=negation_window))


class CoderComponent:
    """Sets ``doc.spans["healcode"]``: one span per hit, labelled with the code path."""

    def __init__(self, coder: Coder) -> None:
        self.coder = coder
        for attr in ("healcode_term", "healcode_negated"):
            if not Span.has_extension(attr):
                Span.set_extension(attr, default=None)

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for m in self.coder.code_doc(doc):
            span = doc.char_span(m.start, m.end, label=m.path, alignment_mode="expand")
            if span is None:
                continue
            span._.healcode_term = m.term
            span._.healcode_negated = m.negated
            spans.append(span)
        doc.spans[SPAN_KEY] = spans
        return doc
