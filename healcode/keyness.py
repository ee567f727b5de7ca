"""Keyness: which words are typical of the units a code codes, and so are term candidates.

The statistics are quanteda's ``textstat_keyness`` on a 2x2 table per word: ``a`` and
``b`` are the word's counts in the target and reference units, ``c`` and ``d`` the
counts of all other words there. Chi-square and the log-likelihood G2 (Dunning 1993)
are signed: positive when the word is more frequent in the target than expected.
Corrections as quanteda applies them: Yates (continuity, 0.5 per cell) only when an
expected count is below 5 and |ad - bc| >= N/2; Williams divides the statistic by
q = 1 + (N/(a+b) + N/(c+d) - 1)(N/(a+c) + N/(b+d) - 1) / 6N (q = 1 if a cell is 0).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from healcode.choices import Correction, Measure
from healcode.errors import HealcodeError
from healcode.run import rows_of

if TYPE_CHECKING:
    from healcode.run import Run

if TYPE_CHECKING:
    from healcode.scope import Scope

MEASURES: tuple[Measure, ...] = ("g2", "chi2")
CORRECTIONS: tuple[Correction, ...] = ("none", "yates", "williams")
# quanteda's defaults: Yates for chi-square, Williams for the likelihood ratio.
DEFAULT_CORRECTION: dict[Measure, Correction] = {"chi2": "yates", "g2": "williams"}


def _yates_delta(a: float, b: float, c: float, d: float) -> float:
    n = a + b + c + d
    small = min((a + b) * (a + c), (a + b) * (b + d), (a + c) * (c + d), (c + d) * (b + d)) / n
    return 0.5 if abs(a * d - b * c) >= n / 2 and small < 5 else 0.0


def _williams_q(a: float, b: float, c: float, d: float) -> float:
    if a * b * c * d == 0:
        return 1.0
    n = a + b + c + d
    return 1 + (n / (a + b) + n / (c + d) - 1) * (n / (a + c) + n / (b + d) - 1) / (6 * n)


def keyness_score(
    a: float,
    b: float,
    c: float,
    d: float,
    *,
    measure: Measure = "g2",
    correction: Correction | None = None,
) -> float:
    """Signed keyness of one word: target count a, reference count b, other words c, d."""
    correction = correction or DEFAULT_CORRECTION[measure]
    n = a + b + c + d
    if n == 0 or 0 in (a + b, c + d, a + c, b + d):
        return 0.0
    sign = 1.0 if a > (a + b) * (a + c) / n else -1.0
    delta = _yates_delta(a, b, c, d) if correction == "yates" else 0.0
    if measure == "chi2":
        score = n * (abs(a * d - b * c) - n * delta) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    else:
        shift = delta if a * d - b * c > 0 else -delta  # cells move towards independence
        cells = ((a - shift, b + shift), (c + shift, d - shift))
        rows = (sum(cells[0]), sum(cells[1]))
        columns = (cells[0][0] + cells[1][0], cells[0][1] + cells[1][1])
        score = 2 * sum(
            observed * math.log(observed * n / (rows[i] * columns[j]))
            for i in range(2)
            for j in range(2)
            if (observed := cells[i][j]) > 0
        )
    if correction == "williams":
        score /= _williams_q(a, b, c, d)
    return sign * score


def chi2_p_value(statistic: float) -> float:
    """Upper tail of chi-square with one degree of freedom."""
    return math.erfc(math.sqrt(abs(statistic) / 2))


@dataclass(frozen=True, slots=True)
class Keyness:
    word: str
    score: float
    p: float
    target: int
    reference: int


def score_words(
    target: Mapping[str, int],
    reference: Mapping[str, int],
    *,
    measure: Measure = "g2",
    correction: Correction | None = None,
) -> list[Keyness]:
    """Keyness of every word of ``target`` or ``reference``, highest first (then by word)."""
    target_total = sum(target.values())
    reference_total = sum(reference.values())
    scored = []
    for word in dict.fromkeys([*target, *reference]):
        a, b = target.get(word, 0), reference.get(word, 0)
        score = keyness_score(
            a, b, target_total - a, reference_total - b, measure=measure, correction=correction
        )
        scored.append(Keyness(word, score, chi2_p_value(score), a, b))
    scored.sort(key=lambda k: (-k.score, k.word))
    return scored


# --------------------------------------------------------------------------- suggest


@dataclass(frozen=True, slots=True)
class Suggestion:
    word: str
    score: float
    p: float
    target: int  # occurrences in the units coded with the code
    reference: int  # occurrences in the other in-scope units
    units: int  # target units that contain the word
    matched: int  # occurrences inside the code's own hits (e.g. a pattern's match)
    other_codes: tuple[str, ...]  # codes that already list the word as a term
    example_document: str
    example_unit: int
    example: str


@dataclass(frozen=True)
class Suggestions:
    code: str
    measure: Measure
    correction: Correction
    target_units: int
    reference_units: int
    suggestions: list[Suggestion]
    notes: list[str]


@dataclass(frozen=True, slots=True)
class _Unit:
    document: str
    index: int
    start: int
    text: str
    speaker: str = ""
    role: str = ""


def suggest_terms(
    outdir: str | Path,
    code: str,
    *,
    measure: Measure = "g2",
    correction: Correction | None = None,
    top: int = 20,
    min_count: int = 3,
    codebook_path: str | Path | None = None,
    stopwords: frozenset[str] | None = None,
    scope: Scope | None = None,
) -> Suggestions:
    """Words typical of the units coded with ``code`` (a code path or a theme) in a run.

    Target: the in-scope units of ``outdir`` with a hit of the code; reference: all other
    in-scope units. Units are segmented as the run segmented them (its codebook's terms
    in the dictionary, its segmenter); punctuation, numbers, stop words and transcriber's
    notes are left out. Candidates are words over-represented in the target, used at
    least ``min_count`` times there, not yet terms of the code, and not always inside
    the code's own matches (a pattern that already covers every use).

    The run decided which speech is in scope; ``scope`` narrows it further (the same
    roles, speakers and ``where`` conditions as coding, ``where`` read from the run's
    documents.csv), e.g. to compare the parents' units only.
    """
    from healcode.codebook import load_codebook
    from healcode.run import Run
    from healcode.segment import make_segmenter
    from healcode.words import content_words, load_stopwords, segment_words, transcriber_notes

    run = Run.open(outdir)
    notes: list[str] = []
    recorded = run.manifest.get("codebook", {})
    path = Path(codebook_path) if codebook_path is not None else None
    if path is None:
        if not recorded.get("path"):
            raise HealcodeError(f"{outdir}: the run records no codebook; give one with -c")
        path = Path(recorded["path"])
    codebook = load_codebook(path)
    if recorded.get("sha256") and codebook.sha256 != recorded["sha256"]:
        notes.append(
            f"{path} has changed since the run in {outdir}; "
            "run `healcode code` again for exact figures"
        )
    rules = [r for r in codebook.rules() if r.path == code or r.theme == code]
    if not rules:
        every = codebook.rules()
        known = ", ".join(sorted({r.theme for r in every} | {r.path for r in every}))
        raise HealcodeError(f"{path}: no code or theme {code!r}; known: {known}")
    own_terms = {t.lower() for rule in rules for t in rule.terms}
    listed: dict[str, list[str]] = {}
    for rule in codebook.rules():
        if rule not in rules:
            for term in rule.terms:
                listed.setdefault(term.lower(), []).append(rule.path)

    units = _in_scope_units(run)
    if scope is not None:
        units = _narrowed(units, scope, run)
    coded = _coded_units(run, code)
    segmenter = make_segmenter(run.segmenter, codebook.terms())
    stop = load_stopwords() if stopwords is None else stopwords
    target: Counter[str] = Counter()
    reference: Counter[str] = Counter()
    unit_counts: Counter[str] = Counter()
    examples: dict[str, _Unit] = {}
    target_units = 0
    covered: Counter[str] = Counter()
    for unit in units:
        tokens = segment_words(unit.text, segmenter, offset=unit.start)
        words = content_words(tokens, stop, skip=transcriber_notes(unit.text, offset=unit.start))
        spans = coded.get((unit.document, unit.index))
        if spans is None:
            reference.update(words)
            continue
        target_units += 1
        target.update(words)
        unit_counts.update(set(words))
        for word in words:
            examples.setdefault(word, unit)
        # occurrences that the code's own hits (patterns, longer terms) already match
        covered.update(
            content_words(
                [t for t in tokens if any(s <= t.start and t.end <= e for s, e in spans)], stop
            )
        )
    if not target_units:
        raise HealcodeError(
            f"{outdir}: no in-scope unit is coded with {code!r}; nothing to compare"
        )
    correction = correction or DEFAULT_CORRECTION[measure]
    suggestions: list[Suggestion] = []
    for k in score_words(target, reference, measure=measure, correction=correction):
        if k.score <= 0 or len(suggestions) >= top:
            break
        if k.target < min_count or k.word in own_terms or covered[k.word] >= k.target:
            continue  # too rare, a term already, or always inside the code's matches
        unit = examples[k.word]
        suggestions.append(
            Suggestion(
                k.word,
                k.score,
                k.p,
                k.target,
                k.reference,
                unit_counts[k.word],
                covered[k.word],
                tuple(listed.get(k.word, ())),
                unit.document,
                unit.index,
                unit.text,
            )
        )
    return Suggestions(
        code, measure, correction, target_units, len(units) - target_units, suggestions, notes
    )


def _in_scope_units(run: Run) -> list[_Unit]:
    """The in-scope units of a run, in its order."""
    return [
        _Unit(document, unit, start, text, speaker, role)
        for document, unit, start, text, speaker, role, coded in rows_of(
            run.units, "document", "unit", "start", "text", "speaker", "role", "coded"
        )
        if coded
    ]


def _narrowed(units: list[_Unit], scope: Scope, run: Run) -> list[_Unit]:
    """The units whose speaker and document ``scope`` selects (``where`` on the run's
    document metadata and transcript header fields)."""
    if scope.where:
        fields = run.document_fields
        scope.check_columns([*run.metadata_columns, *run.header_columns])
        selected = {document for document, values in fields.items() if scope.selects(values)}
        units = [u for u in units if u.document in selected]
    return [u for u in units if scope.includes(u.speaker, u.role)]


def _coded_units(run: Run, code: str) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """Units with a (not negated) hit of ``code`` (a path or a theme) and their spans."""
    spans: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for document, unit, theme, path, start, end, negated in rows_of(
        run.hits, "document", "unit", "theme", "code", "start", "end", "negated"
    ):
        if (path == code or theme == code) and not negated:
            spans.setdefault((document, unit), []).append((start, end))
    return spans
