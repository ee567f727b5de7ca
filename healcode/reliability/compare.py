"""Compare coders: agreement per code, the means over codes, and the disagreements.

Every code is a presence/absence decision per unit. The universe of units is the
``coded`` units of a healcode ``units.csv`` or, without one, every unit any coder
mentions. A unit a coder's file does not mention counts as "not coded" by that coder
(``absent="not-coded"``) or as missing data for that coder (``absent="missing"``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from healcode.choices import Absent
from healcode.errors import CodingsError, RunError
from healcode.reliability.codings import (
    Codings,
    Level,
    UnitCoding,
    UnitSpan,
    code_at_level,
    read_codings,
    read_document_lengths,
    read_units,
    unknown_document_message,
)
from healcode.reliability.measures import (
    Undefined,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    precision_recall,
)

if TYPE_CHECKING:
    import pandas as pd

    from healcode.codebook import Codebook
    from healcode.run import Run

UnitKey = tuple[str, int]

ALL_CODERS = "(all)"
MEAN_ROW = "(mean)"
UNUSED = "no coder used this code"
CATEGORIES_ROW = "(categories)"
NO_CODE = "(none)"
HEALCODE_CODER = "healcode"

MEASURES = ["percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"]
RETRIEVAL = ["precision", "recall", "f1"]
COLUMNS = ["code", "coder_a", "coder_b", "units", "coded_a", "coded_b", *MEASURES]


@dataclass(frozen=True)
class AgreementResult:
    """The agreement table (one row per code and coder pair, then the means) and the
    units the coders disagree on. Undefined measures are ``"n/a (reason)"`` strings."""

    table: pd.DataFrame
    disagreements: pd.DataFrame
    coders: tuple[str, ...]
    units: int
    level: Level
    absent: Absent
    reference: str | None
    notes: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # e.g. codes that are not in the codebook given

    def write(self, outdir: str | Path, *, force: bool = False, bom: bool = True) -> list[Path]:
        """Write ``agreement.csv`` and ``disagreements.csv`` into ``outdir`` (atomically)."""
        from healcode.outdir import staged_directory
        from healcode.run import write_csv

        outdir = Path(outdir)
        with staged_directory(outdir, force=force) as staging:
            for name, frame in (
                ("agreement.csv", self.table),
                ("disagreements.csv", self.disagreements),
            ):
                rows = frame.itertuples(index=False, name=None)
                write_csv(staging / name, list(frame.columns), rows, bom=bom)
        return [outdir / "agreement.csv", outdir / "disagreements.csv"]


def agreement(
    codings: Sequence[str | Path | Codings],
    *,
    units: str | Path | Sequence[UnitSpan] | None = None,
    level: Level = "theme",
    reference: str | None = None,
    absent: Absent = "not-coded",
    min_overlap: float = 0.5,
    codes: Sequence[str] | None = None,
    codebook: str | Path | Codebook | None = None,
) -> AgreementResult:
    """Agreement between the coders of ``codings`` (files or already-read codings).

    ``units``: a healcode ``units.csv`` (or its rows) whose coded units are the universe;
    coded ranges must lie inside the documents (lengths from the run's ``documents.csv``).
    ``reference``: a coder (e.g. a gold standard) to score every other coder against.
    ``codes``: codes to report even if no coder used them (e.g. all codebook themes).
    ``codebook``: its themes (or code paths, at code level) are reported even if unused,
    and a code the codings use that it does not have is a warning.
    A file with a header and no rows is a coder who saw every unit and coded none.
    """
    if level not in ("theme", "code"):
        raise CodingsError(f"level must be theme or code, not {level!r}")
    if absent not in ("not-coded", "missing"):
        raise CodingsError(f"absent must be not-coded or missing, not {absent!r}")
    if isinstance(codebook, str | Path):
        from healcode.codebook import load_codebook

        codebook = load_codebook(codebook)
    spans = read_units(units) if isinstance(units, str | Path) else units
    lengths = read_document_lengths(units) if isinstance(units, str | Path) else None
    files = _read_all(codings, spans, min_overlap, lengths)
    decisions, sources = _decisions(files, level)
    coders = list(decisions)
    if len(coders) < 2:
        named = ", ".join(f.source for f in files) or "no file"
        raise CodingsError(
            f"{named}: agreement needs at least two coders, found "
            f"{len(coders)} ({', '.join(coders) or 'none'}); give another codings file "
            "or a coder column"
        )
    if reference is not None:
        if reference not in decisions:
            raise CodingsError(
                f"--reference {reference}: no such coder (coders: {', '.join(coders)})"
            )
        coders.remove(reference)
        coders.insert(0, reference)
    universe, texts = _universe(files, spans, decisions, sources, absent)
    empty = [c for c in coders if not decisions[c]]
    for coder in empty:  # saw every unit, coded none
        decisions[coder] = {key: set() for key in universe}
    used = sorted({c for by_unit in decisions.values() for got in by_unit.values() for c in got})
    wanted = list(dict.fromkeys(code_at_level(c, level) for c in codes or ()))
    warnings: list[str] = []
    if codebook is not None:
        listed, known = _codebook_codes_of(codebook, level)
        wanted += [c for c in listed if c not in wanted]
        warnings = _unknown_codes(files, level, known, codebook.path or codebook.name)
    all_codes = wanted + [c for c in used if c not in wanted]
    if not all_codes:
        raise CodingsError(
            f"{', '.join(f.source for f in files)}: no coder used any code; nothing to compare"
        )
    notes = [
        f"{f.source}: {f.unmatched_ranges} coded range(s) cover no in-scope unit by at least "
        f"{min_overlap:g} of its length and were left out"
        for f in files
        if f.unmatched_ranges
    ]
    notes.extend(
        f"{', '.join(sources[c])}: coder {c} coded no unit; counted as a coder who saw "
        f"all {len(universe)} unit(s) and gave none a code"
        for c in empty
    )
    notes.extend(_coverage_notes(decisions, files, universe, absent))
    ratings = _ratings(all_codes, coders, decisions, universe, absent)
    rows = _table_rows(ratings, coders, reference)
    categories = _category_ratings(coders, decisions, universe, absent)
    if len(all_codes) > 1 and categories is not None:
        rows.extend(_category_rows(categories, coders, reference))
    elif len(all_codes) > 1:
        notes.append(
            "codes overlap (a coder gave some unit several codes), so there are no figures "
            "over the codes as categories of one variable"
        )
    if len(coders) > 2 and absent == "missing":
        complete = sum(all(k in decisions[c] for c in coders) for k in universe)
        notes.append(f"Fleiss' kappa uses the {complete} unit(s) every coder rated")
    table = _frame(rows, reference)
    disagreements = _disagreements(ratings, coders, universe, texts)
    return AgreementResult(
        table,
        disagreements,
        tuple(coders),
        len(universe),
        level,
        absent,
        reference,
        tuple(notes),
        tuple(warnings),
    )


def evaluate(run: str | Path, *, gold: str | Path, level: Level = "theme") -> AgreementResult:
    """Score a ``healcode code`` output directory against a gold-standard codings file.

    The run's ``units.csv`` is the universe and the gold coder is the reference; every
    theme (or code) of the run's codebook is reported, used or not.
    """
    from healcode.run import Run
    from healcode.run.schema import EXCERPTS, UNITS

    try:
        opened = Run.open(run)
    except RunError as exc:
        raise CodingsError(str(exc)) from None
    units_csv, excerpts_csv = opened.file(UNITS), opened.file(EXCERPTS)
    spans = read_units(units_csv)
    gold_codings = read_codings(gold, units=spans, lengths=read_document_lengths(units_csv))
    gold_coders = gold_codings.coders
    if len(gold_coders) != 1:
        raise CodingsError(
            f"{gold}: a gold file has one coder, this one has {len(gold_coders)} "
            f"({', '.join(gold_coders) or 'no rows'})"
        )
    if gold_coders[0] == HEALCODE_CODER:
        raise CodingsError(f"{gold}: the gold coder may not be called {HEALCODE_CODER!r}")
    machine = read_codings(excerpts_csv, coder=HEALCODE_CODER)
    return agreement(
        [gold_codings, machine],
        units=spans,
        level=level,
        reference=gold_coders[0],
        codes=_codebook_codes(opened, level),
    )


def _codebook_codes(run: Run, level: Level) -> list[str]:
    """Every theme (or code path) of the run's codebook, as its frequency table lists them."""
    rows = run.frequencies[run.frequencies["level"] == level]
    return [str(c) for c in (rows["theme"] if level == "theme" else rows["code"])]


def _codebook_codes_of(codebook: Codebook, level: Level) -> tuple[list[str], set[str]]:
    """The codebook's codes at ``level`` to report (as ``frequencies.csv`` lists them),
    and every code a coder may use (themes count at code level too)."""
    themes = [theme.id for theme in codebook.themes]
    if level == "theme":
        return themes, set(themes)
    own = {rule.path for rule in codebook.rules()}
    listed = []
    for theme in codebook.themes:
        listed += [theme.id] if theme.id in own else []
        listed += [f"{theme.id}/{code.id}" for code in theme.codes]
    return listed, set(listed) | set(themes)


def _unknown_codes(files: list[Codings], level: Level, known: set[str], name: str) -> list[str]:
    """One line per code (at ``level``) the codings use that the codebook does not have."""
    rows: Counter[str] = Counter()
    where: dict[str, list[str]] = defaultdict(list)
    for file in files:
        for row in file.rows:
            code = code_at_level(row.code, level)
            if code and code not in known:
                rows[code] += 1
                if file.source not in where[code]:
                    where[code].append(file.source)
    return [
        f"{', '.join(where[code])}: code {code!r} ({rows[code]} unit(s)) is not in the "
        f"codebook {name}; it is compared as a code of its own (correct the codings or the "
        "codebook)"
        for code in sorted(rows)
    ]


def _read_all(
    codings: Sequence[str | Path | Codings],
    spans: Sequence[UnitSpan] | None,
    min_overlap: float,
    lengths: dict[str, int] | None,
) -> list[Codings]:
    paths = [Path(c) for c in codings if not isinstance(c, Codings)]
    stems = Counter(p.stem for p in paths)
    files = []
    for item in codings:
        if isinstance(item, Codings):
            files.append(item)
            continue
        path = Path(item)
        # Two excerpts.csv from two runs: name each coder by its directory as well.
        coder = f"{path.parent.name}/{path.stem}" if stems[path.stem] > 1 else path.stem
        files.append(
            read_codings(path, coder=coder, units=spans, min_overlap=min_overlap, lengths=lengths)
        )
    return files


def _decisions(
    files: list[Codings], level: Level
) -> tuple[dict[str, dict[UnitKey, set[str]]], dict[str, list[str]]]:
    """coder -> unit -> codes (empty: seen, no code); and coder -> its files."""
    decisions: dict[str, dict[UnitKey, set[str]]] = defaultdict(dict)
    sources: dict[str, list[str]] = defaultdict(list)
    for file in files:
        if not file.rows and file.coder:  # a coder who coded nothing
            decisions.setdefault(file.coder, {})
            sources[file.coder].append(file.source)
        for row in file.rows:
            got = decisions[row.coder].setdefault((row.document, row.unit), set())
            code = code_at_level(row.code, level)
            if code:
                got.add(code)
            if file.source not in sources[row.coder]:
                sources[row.coder].append(file.source)
    return dict(decisions), dict(sources)


def _universe(
    files: list[Codings],
    spans: Sequence[UnitSpan] | None,
    decisions: dict[str, dict[UnitKey, set[str]]],
    sources: dict[str, list[str]],
    absent: Absent,
) -> tuple[list[UnitKey], dict[UnitKey, str]]:
    texts: dict[UnitKey, str] = {}
    for file in files:
        for key, text in file.texts.items():
            texts.setdefault(key, text)
    if spans is not None:
        coded = [(s.document, s.unit) for s in spans if s.coded]
        known = {(s.document, s.unit): s for s in spans}
        documents = {s.document for s in spans}
        in_scope = set(coded)
        for file in files:
            for row in file.rows:
                key = (row.document, row.unit)
                if key in in_scope:
                    if row.text and row.text != known[key].text:
                        raise CodingsError(_changed_text(row, known[key].text))
                    continue
                if row.document not in documents:
                    raise CodingsError(
                        unknown_document_message(row.source, row.line, row.document, documents)
                    )
                why = (
                    "is not coded there (coded=False: an interviewer or out-of-scope speaker)"
                    if key in known
                    else "does not exist there"
                )
                raise CodingsError(
                    f"{row.source} line {row.line}: unit {row.unit} of {row.document} {why}; "
                    "give the units.csv of the run the codings were made on"
                )
        texts.update({(s.document, s.unit): s.text for s in spans if s.coded})
        return coded, texts
    if absent == "not-coded":
        _check_same_documents(decisions, sources)
    universe = sorted({key for by_unit in decisions.values() for key in by_unit})
    return universe, texts


def _changed_text(row: UnitCoding, current: str) -> str:
    """Codings keyed by unit number go stale when the transcripts or the unit splitting
    change; a text column lets that be caught instead of silently misaligned."""
    shown = current if len(current) <= 30 else current[:30] + "..."
    return (
        f"{row.source} line {row.line}: unit {row.unit} of {row.document} has other text in "
        f"the units file ({shown!r}); the units changed since this file was coded, so "
        "re-check its codings against the new units.csv"
    )


def _check_same_documents(
    decisions: dict[str, dict[UnitKey, set[str]]], sources: dict[str, list[str]]
) -> None:
    """Without --units, a coder who never mentions a document another coder coded is
    almost always a naming mismatch (p01 vs p01_wang_mother), not a silent "no code"."""
    documents = {c: {d for d, _ in by_unit} for c, by_unit in decisions.items() if by_unit}
    everything: set[str] = set().union(*documents.values())
    for coder, own in documents.items():
        lacking = sorted(everything - own)
        if lacking:
            shown = ", ".join(lacking[:5]) + (", ..." if len(lacking) > 5 else "")
            raise CodingsError(
                f"{', '.join(sources[coder])}: coder {coder} has no rows for document(s) "
                f"{shown} that other coders coded (mismatched documents); use the same "
                "document ids, or give --units (a healcode units.csv) or --absent missing"
            )


def _coverage_notes(
    decisions: dict[str, dict[UnitKey, set[str]]],
    files: list[Codings],
    universe: list[UnitKey],
    absent: Absent,
) -> list[str]:
    """A coder who marks "seen, no code" explicitly is expected to cover every unit."""
    explicit = {r.coder for f in files for r in f.rows if not r.code}
    notes = []
    for coder in decisions:
        if coder not in explicit:
            continue
        lacking = sum(key not in decisions[coder] for key in universe)
        if lacking:
            counted = "not coded" if absent == "not-coded" else "missing"
            notes.append(
                f"coder {coder} has no row for {lacking} unit(s); they count as "
                f"{counted} (see --absent)"
            )
    return notes


def _ratings(
    codes: list[str],
    coders: list[str],
    decisions: dict[str, dict[UnitKey, set[str]]],
    universe: list[UnitKey],
    absent: Absent,
) -> dict[str, np.ndarray]:
    """Per code, coders x units: 1 coded with the code, 0 not, NaN missing."""
    position = {key: i for i, key in enumerate(universe)}
    number = {code: k for k, code in enumerate(codes)}
    ratings = np.zeros((len(codes), len(coders), len(universe)))
    for a, coder in enumerate(coders):
        rated = [position[key] for key in decisions[coder] if key in position]
        if absent == "missing":
            unrated = np.ones(len(universe), dtype=bool)
            unrated[rated] = False
            ratings[:, a, unrated] = math.nan
        pairs = [
            (number[code], position[key])
            for key, got in decisions[coder].items()
            if key in position
            for code in got
        ]
        if pairs:
            k, i = np.array(pairs).T
            ratings[k, a, i] = 1.0
    return {code: ratings[k] for k, code in enumerate(codes)}


def _category_ratings(
    coders: list[str],
    decisions: dict[str, dict[UnitKey, set[str]]],
    universe: list[UnitKey],
    absent: Absent,
) -> np.ndarray | None:
    """Coders x units of category numbers when no coder gave any unit two codes."""
    labels: dict[str, int] = {}
    rows = []
    for coder in coders:
        row = []
        for key in universe:
            got = decisions[coder].get(key)
            if got is not None and len(got) > 1:
                return None
            if got is None and absent == "missing":
                row.append(math.nan)
                continue
            label = next(iter(got)) if got else NO_CODE
            row.append(float(labels.setdefault(label, len(labels))))
        rows.append(row)
    return np.array(rows)


def _measure_row(
    code: str,
    pair: tuple[str, str] | None,
    ratings: np.ndarray,
    coders: list[str],
    reference: str | None,
    binary: bool,
) -> dict[str, object]:
    """One row: a pair of coders (``pair``) or all of them (``pair`` None)."""
    if pair is not None:
        a, b = coders.index(pair[0]), coders.index(pair[1])
        data = ratings[[a, b]]
        both = int((~np.isnan(data)).all(axis=0).sum())
        row: dict[str, object] = {
            "code": code,
            "coder_a": pair[0],
            "coder_b": pair[1],
            "units": both,
            "coded_a": int((data[0] == 1).sum()) if binary else "",
            "coded_b": int((data[1] == 1).sum()) if binary else "",
            "percent_agreement": percent_agreement(data),
            "cohen_kappa": cohen_kappa(data[0], data[1]),
            "fleiss_kappa": Undefined("two coders: see cohen_kappa"),
            "krippendorff_alpha": krippendorff_alpha(data),
        }
        if reference is not None:
            if pair[0] == reference and binary:
                scores = precision_recall(data[0], data[1])
                row.update(precision=scores.precision, recall=scores.recall, f1=scores.f1)
            else:
                why = "see the per-code rows" if binary is False else "no reference in pair"
                row.update(dict.fromkeys(RETRIEVAL, Undefined(why)))
        if binary and not (data == 1).any():
            row.update({k: Undefined(UNUSED) for k in ("cohen_kappa", "krippendorff_alpha")})
        return row
    rated = int(((~np.isnan(ratings)).sum(axis=0) >= 2).sum())
    row = {
        "code": code,
        "coder_a": ALL_CODERS,
        "coder_b": "",
        "units": rated,
        "coded_a": "",
        "coded_b": "",
        "percent_agreement": percent_agreement(ratings),
        "cohen_kappa": Undefined("more than two coders: see fleiss_kappa"),
        "fleiss_kappa": fleiss_kappa(ratings),
        "krippendorff_alpha": krippendorff_alpha(ratings),
    }
    if reference is not None:
        row.update(dict.fromkeys(RETRIEVAL, Undefined("see the pairs with the reference")))
    if binary and not (ratings == 1).any():
        row.update({k: Undefined(UNUSED) for k in ("fleiss_kappa", "krippendorff_alpha")})
    return row


def _groups(coders: list[str]) -> list[tuple[str, str] | None]:
    """Every pair of coders, then all of them together when there are more than two."""
    groups: list[tuple[str, str] | None] = list(combinations(coders, 2))
    if len(coders) > 2:
        groups.append(None)
    return groups


def _table_rows(
    ratings: dict[str, np.ndarray], coders: list[str], reference: str | None
) -> list[dict[str, object]]:
    rows = []
    for group in _groups(coders):
        group_rows = [
            _measure_row(code, group, data, coders, reference, binary=True)
            for code, data in ratings.items()
        ]
        rows.extend(group_rows)
        rows.append(_mean_row(group_rows))
    return rows


def _mean_row(rows: list[dict[str, object]]) -> dict[str, object]:
    """Means over codes of every measure, leaving out the codes where it is undefined and
    the codes no coder used (a codebook's unused codes would add 100 % agreement each)."""
    used = [r for r in rows if not any(v == Undefined(UNUSED) for v in r.values())]
    rows = used or rows
    mean: dict[str, object] = {
        **rows[0],
        "code": MEAN_ROW,
        "coded_a": "",
        "coded_b": "",
    }
    for column in [*MEASURES, *RETRIEVAL]:
        if column not in rows[0]:
            continue
        values = [v for v in (r[column] for r in rows) if isinstance(v, float | int)]
        if values:
            mean[column] = float(np.mean(values))
        else:
            reasons = {str(r[column]) for r in rows}
            mean[column] = (
                rows[0][column] if len(reasons) == 1 else Undefined("undefined for every code")
            )
    return mean


def _category_rows(
    data: np.ndarray, coders: list[str], reference: str | None
) -> list[dict[str, object]]:
    return [
        _measure_row(CATEGORIES_ROW, group, data, coders, reference, binary=False)
        for group in _groups(coders)
    ]


def _cell(value: object, column: str) -> object:
    if isinstance(value, Undefined):
        return str(value)
    if isinstance(value, float):
        return round(value, 2 if column == "percent_agreement" else 4)
    return value


def _frame(rows: list[dict[str, object]], reference: str | None) -> pd.DataFrame:
    import pandas as pd

    columns = COLUMNS + (RETRIEVAL if reference is not None else [])
    cells = [[_cell(row[c], c) for c in columns] for row in rows]
    return pd.DataFrame(cells, columns=columns, dtype=object)


def _disagreements(
    ratings: dict[str, np.ndarray],
    coders: list[str],
    universe: list[UnitKey],
    texts: dict[UnitKey, str],
) -> pd.DataFrame:
    """Units where the coders who rated them did not all decide the same for a code."""
    import pandas as pd

    fixed = ["document", "unit", "text", "code"]
    names = [f"coder_{c}" if c in fixed else c for c in coders]
    codes = list(ratings)
    found = []  # unit index * codes + code index, so that sorting gives unit, then code
    said = {}
    for k, code in enumerate(codes):
        data = ratings[code]
        rated = ~np.isnan(data)
        high = np.where(rated, data, -np.inf).max(axis=0, initial=-np.inf)
        low = np.where(rated, data, np.inf).min(axis=0, initial=np.inf)
        split = np.flatnonzero((rated.sum(axis=0) >= 2) & (high != low))
        if split.size:
            found.append(split * len(codes) + k)
            said[code] = np.where(rated, np.where(data == 1, "yes", "no"), "missing")
    rows = []
    for position in np.sort(np.concatenate(found)).tolist() if found else []:
        i, code = divmod(position, len(codes))
        key, code_name = universe[i], codes[code]
        rows.append(
            [key[0], key[1], texts.get(key, ""), code_name, *said[code_name][:, i].tolist()]
        )
    return pd.DataFrame(rows, columns=fixed + names, dtype=object)
