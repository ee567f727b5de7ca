"""healcode inside spaCy: the jieba tokenizer and the coder as a pipeline component.

Importing this module registers the tokenizer as ``healcode.jieba_tokenizer.v1`` and
the component as the factory ``healcode_coder`` (an installed healcode also declares
both as entry points, so spaCy finds them without the import):

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {
        "@tokenizers": "healcode.jieba_tokenizer.v1", "words": ["同命人"]}}})
    nlp.add_pipe("healcode_coder", config={"codebook": "my.yaml"})

The coder itself (``healcode.coder``) does not need spaCy.
"""

from __future__ import annotations

from collections.abc import Iterable

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from healcode.coder import SPAN_KEY, Coder
from healcode.segment import Segmenter, SegmenterName, make_segmenter

__all__ = [
    "SPAN_KEY",
    "CoderComponent",
    "JiebaTokenizer",
    "build_language",
    "create_coder_component",
    "create_jieba_tokenizer",
]


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
