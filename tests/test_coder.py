"""Matching: token-exact terms, patterns, exclusions, negation, overlaps, spaCy component."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healcode.coder import Coder


def _hits(coder: Coder, text: str) -> list[tuple[str, str, str, bool]]:
    return [(m.path, m.term, text[m.start : m.end], m.negated) for m in coder.code_text(text)]


def test_terms_match_whole_tokens_not_substrings(mini_coder):
    assert _hits(mini_coder, "这样还有用吗") == []  # 还有/用: 有用 is not a word here
    assert _hits(mini_coder, "我觉得自己有用。") == [("self_esteem/useful", "有用", "有用", False)]


def test_codebook_terms_match_even_where_jieba_would_split_them(mini_coder):
    assert _hits(mini_coder, "暖心家园的同命人常来。") == [
        ("mutual/peers", "暖心家园", "暖心家园", False),
        ("mutual/peers", "同命人", "同命人", False),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("以前没有希望。", [("hope", "希望", True)]),
        ("我不再觉得丢人。", [("pain/shame", "丢人", True)]),
        ("我不知道为什么，后来又有了希望", [("hope", "希望", False)]),  # a comma ends the clause
        ("从未想过我们大家都有希望", [("hope", "希望", False)]),  # negator 6 tokens away
        ("没有说过希望", [("hope", "希望", True)]),  # 3 tokens away: inside the window
        ("我们有希望", [("hope", "希望", False)]),
    ],
)
def test_negation_window(mini_coder, text: str, expected: list[tuple[str, str, bool]]):
    assert [(p, t, n) for p, t, _, n in _hits(mini_coder, text)] == expected


def test_negation_modes(mini_coder):
    assert _hits(mini_coder, "没有同命人。") == [
        ("mutual/peers", "同命人", "同命人", False)
    ]  # ignore
    assert _hits(mini_coder, "我没有用。") == []
    assert _hits(mini_coder, "没有有用的东西") == []  # exclude drops the negated hit
    assert _hits(mini_coder, "还是有用的东西") == [("self_esteem/useful", "有用", "有用", False)]


def test_negation_window_can_be_changed(mini_codebook):
    wide = Coder(mini_codebook, negation_window=6)
    assert _hits(wide, "从未想过我们大家都有希望")[0][3] is True
    assert _hits(Coder(mini_codebook, negation_window=0), "没有希望")[0][3] is False


def test_patterns_exclusions_and_longest_match(mini_coder):
    assert _hits(mini_coder, "对我们的未来有打算") == [
        ("hope/future_plans", "对.{0,4}未来", "对我们的未来", False),
        ("hope/future_plans", "打算", "打算", False),
    ]
    # 以后的打算 and 打算 overlap within one code: the longer one wins
    assert _hits(mini_coder, "说说以后的打算吧") == [
        ("hope/future_plans", "以后的打算", "以后的打算", False)
    ]
    # a unit containing an exclusion is not coded with that code; other codes still apply
    assert _hits(mini_coder, "以后的打算是捐希望工程") == []
    assert _hits(mini_coder, "以后的打算，同命人知道") == [
        ("hope/future_plans", "以后的打算", "以后的打算", False),
        ("mutual/peers", "同命人", "同命人", False),
    ]


def test_different_codes_may_code_the_same_words(tmp_path):
    from healcode.codebook import parse_codebook

    book = parse_codebook(
        "codebook: 1\nname: t\nthemes:\n"
        "  - {id: a, label: A, terms: [盼头]}\n"
        "  - {id: b, label: B, terms: [盼头, 日子]}\n"
    )
    coder = Coder(book)
    assert [(m.path, m.term) for m in coder.code_text("日子有盼头了")] == [
        ("b", "日子"),
        ("a", "盼头"),
        ("b", "盼头"),
    ]


def test_latin_terms_match_case_insensitively(tmp_path):
    from healcode.codebook import parse_codebook

    book = parse_codebook("codebook: 1\nname: t\nthemes:\n  - {id: a, label: A, terms: [hope]}\n")
    assert [m.term for m in Coder(book).code_text("There is Hope now")] == ["hope"]


def test_the_coder_is_a_spacy_pipeline_component():
    import spacy

    import healcode.spacy_component  # noqa: F401  (registers the tokenizer and the component)

    from .conftest import MINI_CODEBOOK

    nlp = spacy.blank(
        "zh",
        config={
            "nlp": {
                "tokenizer": {"@tokenizers": "healcode.jieba_tokenizer.v1", "words": ["同命人"]}
            }
        },
    )
    nlp.add_pipe("healcode_coder", config={"codebook": str(MINI_CODEBOOK)})
    doc = nlp("同命人说我们没有希望")
    spans = [(s.label_, s.text, s._.healcode_negated) for s in doc.spans["healcode"]]
    assert spans == [("mutual/peers", "同命人", False), ("hope", "希望", True)]


# Generated transcripts full of codebook terms, negators, punctuation, emoji, characters
# outside the BMP, zero-width characters, combining marks, CR line ends and URL lines:
# every hit must point at exactly its text in the (normalised) document.
_PIECES = st.sampled_from(
    [
        "受访者：",
        "访谈者：",
        "\n",
        "。",
        "，",
        "！",
        " ",
        "😊",
        "𠀀",
        "希望",
        "没有",
        "不再",
        "盼头",
        "以后的打算",
        "同命人",
        "暖心家园",
        "丢人",
        "有用",
        "还有用",
        "对我们的未来",
        "希望工程",
        "我",
        "觉得",
        "抬不起头",
        "Hope",
        "\u200b",
        "\u200d",
        "\ufeff",
        "e\u0301",
        "\u0301",
        "盼\u0308头",
        "\r",
        "\r\n",
        "\nhttps://example.org/盼头?q=希望\n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=30), st.sampled_from(["sentence", "turn", "paragraph"]))
def test_hit_offsets_are_exact_code_points(mini_coder, pieces: list[str], unit: str):
    from healcode.coding import CodingOptions, code_document
    from healcode.corpus.text import normalise_text
    from healcode.records import Document

    text = normalise_text("".join(pieces))
    document = Document("d", text, "d.txt", "utf-8", "0" * 64)
    coded = code_document(document, mini_coder, CodingOptions(unit=unit, speakers="all"))
    units = {u.index: u for u in coded.units}
    for u in coded.units:
        assert text[u.start : u.end] == u.text
    for hit in coded.hits:
        assert text[hit.start : hit.end] == hit.text
        assert units[hit.unit].start <= hit.start < hit.end <= units[hit.unit].end


# ------------------------------------------------------------------ English and Latin terms


@pytest.fixture(scope="module")
def english_coder():
    from healcode.codebook import load_codebook

    from .conftest import DATA

    return Coder(load_codebook(DATA / "english_codebook.yaml"))


@pytest.fixture(scope="module")
def mixed_coder():
    from healcode.codebook import load_codebook

    from .conftest import DATA

    return Coder(load_codebook(DATA / "mixed_codebook.yaml"))


def test_latin_terms_never_match_inside_longer_words(english_coder):
    assert _hits(english_coder, "The latest results are unbiased.") == []
    assert _hits(english_coder, "This test was biased, the contest was not.") == [
        ("testing", "test", "test", False),
        ("testing", "biased", "biased", False),
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("hope", ["hope"]),
        ("Hopes", ["Hopes"]),
        ("HOPEFULLY", ["HOPEFULLY"]),
        ("hoping", []),
        ("nohope", []),
        ("a hope-filled day", ["hope"]),
    ],
)
def test_a_trailing_star_is_a_prefix_wildcard(english_coder, text: str, found: list[str]):
    assert [matched for _, _, matched, _ in _hits(english_coder, text)] == found


def test_a_term_beats_a_wildcard_on_the_same_word_and_terms_ignore_case(english_coder):
    assert _hits(english_coder, "So HOPEFUL now") == [("hope", "hopeful", "HOPEFUL", False)]
    assert _hits(english_coder, "Looking Forward to it") == [
        ("hope", "looking forward", "Looking Forward", False)
    ]


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("I didn't feel hopeful.", True),
        ("I didn’t feel hopeful.", True),  # the typographic apostrophe
        ("I dont feel hopeful.", True),
        ("We can't say we are hopeful", False),  # n't four words before
        ("There was no hope at all", True),
        ("I never stopped hoping, and hope is back", False),  # a comma ends the clause
        ("I couldn't sleep, but I feel hopeful", False),
        ("I feel hopeful", False),
    ],
)
def test_english_negation(english_coder, text: str, negated: bool):
    hits = _hits(english_coder, text)
    assert [n for *_, n in hits if _[0] == "hope"] == [negated]


def test_english_negation_exclude_and_phrases_with_contractions(english_coder):
    assert _hits(english_coder, "I was never ashamed") == []  # negation: exclude
    assert _hits(english_coder, "I felt ashamed") == [("stigma", "ashamed", "ashamed", False)]
    assert _hits(english_coder, "I don’t know") == [("peers", "don't know", "don’t know", False)]


def test_multi_word_terms_match_across_any_run_of_whitespace(english_coder):
    assert _hits(english_coder, "our support  groups and other\tparents") == [
        ("peers", "support group*", "support  groups", False),
        ("peers", "other parents", "other\tparents", False),
    ]
    assert _hits(english_coder, "supportgroup, other-parents") == []


def test_english_codebooks_get_english_negators_and_chinese_ones_chinese(english_coder, mini_coder):
    assert {"not", "never", "n't", "without"} <= english_coder.negators
    assert not english_coder.negators & {"不", "没有"}
    assert not {"not", "n't"} & mini_coder.negators


def test_a_chinese_codebook_with_english_terms_on_mixed_text(mixed_coder):
    text = "最新的latest版本我们test了。去唱卡拉OK，不是卡拉 OK。没有hope了，还有盼头"
    assert _hits(mixed_coder, text) == [
        ("leisure", "test", "test", False),
        ("leisure", "卡拉OK", "卡拉OK", False),
        ("hope", "hope", "hope", True),
        ("hope", "盼*", "盼头", False),
    ]
    assert _hits(mixed_coder, "I do not have much hope, 我们有希望") == [
        ("hope", "hope", "hope", True),
        ("hope", "希望", "希望", False),
    ]


def test_the_coder_component_in_an_english_spacy_pipeline():
    import spacy

    import healcode.spacy_component  # noqa: F401

    from .conftest import DATA

    nlp = spacy.blank("en")
    nlp.add_pipe("healcode_coder", config={"codebook": str(DATA / "english_codebook.yaml")})
    doc = nlp("I didn't feel hopeful about the support group, not the latest one.")
    spans = [(s.label_, s.text, s._.healcode_negated) for s in doc.spans["healcode"]]
    assert spans == [("hope", "hopeful", True), ("peers", "support group", False)]


_LATIN_PIECES = st.sampled_from(
    [
        "Participant: ",
        "Interviewer: ",
        "\n",
        ". ",
        ", ",
        " ",
        "  ",
        "\t",
        "😊",
        "hope",
        "Hopeful",
        "latest",
        "test",
        "unbiased",
        "biased",
        "didn't",
        "don’t",
        "know",
        "not",
        "support",
        "group",
        "groups",
        "other",
        "parents",
        "ashamed",
        "希望",
        "没有",
        "卡拉OK",
        "盼头",
        "é",
        "\u200b",
        "\ufeff",
        "e\u0301",
        "\r",
        "\r\n",
        "\nhttps://example.org/hope-group?not=1\n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_LATIN_PIECES, max_size=30), st.sampled_from(["sentence", "turn", "paragraph"]))
def test_english_hit_offsets_are_exact_and_on_word_boundaries(
    english_coder, mixed_coder, pieces: list[str], unit: str
):
    from healcode.coding import CodingOptions, code_document
    from healcode.corpus.text import normalise_text
    from healcode.records import Document

    text = normalise_text("".join(pieces))
    document = Document("d", text, "d.txt", "utf-8", "0" * 64)
    for coder in (english_coder, mixed_coder):
        coded = code_document(document, coder, CodingOptions(unit=unit, speakers="all"))
        units = {u.index: u for u in coded.units}
        for hit in coded.hits:
            assert text[hit.start : hit.end] == hit.text
            assert units[hit.unit].start <= hit.start < hit.end <= units[hit.unit].end
            # a Latin word is never cut: no letter next to a hit that starts or ends with one
            before, after = text[hit.start - 1 : hit.start], text[hit.end : hit.end + 1]
            if _latin(hit.text[0]):
                assert not _latin(before), (text, hit)
            if _latin(hit.text[-1]):  # a wildcard hit, too, ends where its word ends
                clitic = text[hit.end : hit.end + 3] in ("n't", "n’t")  # did|n't
                assert not _latin(after) or clitic, (text, hit)


def _latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


class _EveryUnit:
    """A prefilter that lets every unit through, to check the real one skips none."""

    def __init__(self, patterns: int) -> None:
        self.patterns = patterns

    def candidates(self, texts):
        return [(i, True, list(range(self.patterns))) for i in range(len(texts))]


@settings(max_examples=150, deadline=None)
@given(st.lists(_LATIN_PIECES, max_size=20))
def test_the_prefilter_never_skips_a_unit_with_a_hit(english_coder, mixed_coder, pieces: list[str]):
    import copy

    text = "".join(pieces)
    for coder in (english_coder, mixed_coder):
        unfiltered = copy.copy(coder)
        unfiltered._prefilter = _EveryUnit(len(coder._patterns))  # type: ignore[assignment]
        assert coder.code_text(text) == unfiltered.code_text(text)


@pytest.mark.parametrize(
    ("term", "anchor"),
    [
        ("希望", "希望"),
        ("Hope", "hope"),
        ("hope*", "hope"),
        ("support group*", "support"),
        ("other  Parents", "parents"),
        ("don’t know", "don't"),
    ],
)
def test_term_anchors_are_substrings_of_every_match(term: str, anchor: str):
    from healcode.prefilter import term_anchor

    assert term_anchor(term) == anchor


def test_hits_kept_as_columns_behave_as_a_list_of_hits(mini_coder):
    from healcode.coding import CodingOptions, code_document
    from healcode.records import Document, Hits

    text = "受访者：同命人说我们没有希望。\n访谈者：嗯。\n受访者：同命人在一起。"
    coded = code_document(
        Document("d", text, "d.txt", "utf-8", "0" * 64), mini_coder, CodingOptions()
    )
    assert isinstance(coded.hits, Hits)
    listed = list(coded.hits)
    assert [(h.unit, h.code, h.text, h.negated) for h in listed] == [
        (0, "mutual/peers", "同命人", False),
        (0, "hope", "希望", True),
        (2, "mutual/peers", "同命人", False),
    ]
    assert all(text[h.start : h.end] == h.text for h in listed)
    assert coded.hits[-1] == listed[-1] and coded.hits == listed
    # the codings of hits kept as columns are those of the same hits in a list
    from healcode.coding import codings_of

    assert codings_of(coded.hits, mini_coder.codebook) == codings_of(listed, mini_coder.codebook)


@pytest.mark.parametrize("patterns", [["没有.{0,3}希望"], ["没有.{0,3}希望", r"\d{2}"]])
def test_prefilter_candidates_are_the_texts_its_scan_lets_through(patterns: list[str]):
    """One pass over many texts says of each what scanning it alone says (a pattern
    without an anchor, \\d{2}, lets every text through)."""
    from healcode.prefilter import Prefilter

    prefilter = Prefilter(["希望", "同命人", "Hope"], patterns)
    texts = ["没有什么希望", "", "同命人", "天气不错", "HOPE", "同命人没有了希望", "x"]
    scans = [prefilter.scan(t) for t in texts]
    assert prefilter.candidates(texts) == [
        (i, term, found) for i, (term, found) in enumerate(scans) if term or found
    ]
    assert prefilter.scan_many(texts) == scans
    assert (len(prefilter.candidates(texts)) == len(texts)) == (len(patterns) > 1)


# --- the reference: spaCy's PhraseMatcher ------------------------------------------------
# The coder finds terms as sequences of lowered tokens without building spaCy Docs (that
# is most of its speed). This holds it to what spaCy's PhraseMatcher on LOWER finds on the
# same tokens, for the bundled codebook's terms in generated text.

_FILLER = [
    "我们",
    "那个",
    "，",
    "。",
    "就是",
    "他",
    "不",
    "没有",
    "Hope",
    "HOPEFUL",
    "group",
    "Support",
    "了",
    "吧",
    "心里",
    "2019",
    "😊",
]


@pytest.fixture(scope="module")
def reference():
    import random

    import spacy
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

    from healcode.bundled import default_codebook_path
    from healcode.codebook import is_wildcard, load_codebook

    codebook = load_codebook(default_codebook_path())
    coder = Coder(codebook)
    vocab = spacy.blank("zh").vocab  # its lexical attributes give LOWER
    matcher = PhraseMatcher(vocab, attr="LOWER")
    terms: list[str] = []
    for rule in codebook.rules():
        plain = [t for t in rule.terms if not is_wildcard(t) and not any(c.isspace() for c in t)]
        terms += plain
        if plain:
            matcher.add(rule.path, [Doc(vocab, words=coder.segmenter.cut(t)) for t in plain])
    pieces = random.Random(0).sample(sorted(set(terms)), 250) + _FILLER
    return coder, vocab, matcher, pieces


@settings(max_examples=200, deadline=None)
@given(choices=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=25))
def test_terms_are_found_where_spacys_phrase_matcher_finds_them(reference, choices):
    from spacy.tokens import Doc

    coder, vocab, matcher, pieces = reference
    text = "".join(pieces[i % len(pieces)] for i in choices)
    tokens = coder.segmenter.cut(text)
    ours = {(path, first, last) for path, _, first, last in coder._term_matches([tokens])[0]}
    doc = Doc(vocab, words=tokens, spaces=[False] * len(tokens))
    theirs = {(vocab.strings[key], first, last) for key, first, last in matcher(doc)}
    assert ours == theirs, text
