"""Training examples: the units a person coded, with what the learned coder sees of them.

The codings are files in the formats ``healcode agree`` reads (unit codings ``document,
unit, code`` or coded ranges ``document, start, end, code``, mapped onto units); the units
are the ``units.csv`` of ``healcode code`` runs on the same sources. A unit that appears
in a codings file with an empty code is a coded negative; units no codings file mentions
are not training data. A file whose every code is empty is refused: it is far more likely
a ``healcode sample`` file not filled in yet than a coding that found nothing. Several
coders or files coding the same unit: the unit has every code any of them gave it.

A document in traditional characters is seen as ``healcode code`` sees it with its
default ``--fold auto``: the dictionary matches, and the model reads, each unit's
simplified copy.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from healcode.codebook import Codebook
from healcode.errors import CodingsError, RunError
from healcode.fold import FoldMode, folded_units, should_fold
from healcode.model.features import UnitText, question_contexts, unit_text
from healcode.records import Hit, Unit
from healcode.reliability.codings import (
    Level,
    UnitCoding,
    UnitSpan,
    code_at_level,
    read_codings,
    unknown_document_message,
)


@dataclass(frozen=True, slots=True)
class Example:
    """One coded unit: what the model sees and the labels the coder gave it."""

    document: str
    unit: int
    features: UnitText
    labels: frozenset[str]
    dictionary: frozenset[str]  # labels with a non-negated dictionary hit


@dataclass(frozen=True, slots=True)
class InputRecord:
    """A file the model was trained from, as ``model.json`` records it."""

    kind: str  # "codings" or "units"
    name: str  # its directory and file name, e.g. warm_heart_home/gold.csv
    sha256: str
    rows: int

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "sha256": self.sha256, "rows": self.rows}


@dataclass(frozen=True)
class TrainingSet:
    examples: list[Example]
    labels: list[str]  # every label of the codebook at this level, in codebook order
    level: Level
    inputs: list[InputRecord]
    notes: list[str]


def file_name(path: Path) -> str:
    """How a file is named in a model: its directory and name, never a whole path."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_units_table(path: str | Path) -> list[Unit]:
    """Every unit of a run's units table, as ``Unit`` records."""
    from healcode.run import read_units

    try:
        return read_units(path)
    except RunError as exc:
        raise CodingsError(
            f"{exc} (give the units table of the run the codings were made on)"
        ) from None


def label_universe(codebook: Codebook, level: Level) -> list[str]:
    """The labels a model at ``level`` can learn: themes, or themes and code paths."""
    labels = list(codebook.labels())
    return [label for label in labels if "/" not in label] if level == "theme" else labels


def read_training(
    codings: Sequence[str | Path],
    *,
    units: Sequence[str | Path],
    codebook: Codebook,
    level: Level = "theme",
    min_overlap: float = 0.5,
    segmenter: str = "jieba-rs",
) -> TrainingSet:
    """The coded units of ``codings`` with their text, question context and dictionary hits.

    ``units``: one ``units.csv`` per corpus; no document id may be in two of them.
    """
    if level not in ("theme", "code"):
        raise CodingsError(f"level must be theme or code, not {level!r}")
    if not codings:
        raise CodingsError("no codings file given; give at least one file of coded units")
    if not units:
        raise CodingsError(
            "no units file given; give the units.csv of the run the codings were made on (--units)"
        )
    inputs: list[InputRecord] = []
    by_document: dict[str, list[Unit]] = {}
    owner: dict[str, Path] = {}
    for path in map(Path, units):
        table = read_units_table(path)
        inputs.append(InputRecord("units", file_name(path), file_sha256(path), len(table)))
        for unit in table:
            if unit.document in owner and owner[unit.document] != path:
                raise CodingsError(
                    f"{path}: document {unit.document!r} is also in {owner[unit.document]}; "
                    "documents of different corpora need different ids"
                )
            owner[unit.document] = path
            by_document.setdefault(unit.document, []).append(unit)
    spans = [
        UnitSpan(u.document, u.index, u.start, u.end, u.in_scope, u.text)
        for document in by_document.values()
        for u in document
    ]
    known = {(u.document, u.index): u for document in by_document.values() for u in document}
    universe = label_universe(codebook, level)
    allowed = set(universe)
    coded: dict[tuple[str, int], set[str]] = {}
    notes: list[str] = []
    for path in map(Path, codings):
        read = read_codings(path, units=spans, min_overlap=min_overlap)
        if read.rows and not any(row.code.strip() for row in read.rows):
            raise CodingsError(
                f"{path}: every row has an empty code, so every unit in it would be learned "
                "as having no code; fill in the code column (a theme for each unit that has "
                "one) before learning from it"
            )
        inputs.append(InputRecord("codings", file_name(path), file_sha256(path), len(read.rows)))
        if read.unmatched_ranges:
            notes.append(
                f"{path}: {read.unmatched_ranges} coded range(s) cover no in-scope "
                f"unit by at least {min_overlap:g} of its length and were left out"
            )
        for row in read.rows:
            key = (row.document, row.unit)
            _check_row(row, known, set(by_document))
            label = code_at_level(row.code, level)
            if label and label not in allowed:
                raise CodingsError(_unknown_label(row, label, level, codebook))
            got = coded.setdefault(key, set())
            if label:
                got.add(label)
    if not coded:
        raise CodingsError(f"{', '.join(map(str, codings))}: no coded unit; nothing to learn from")
    examples = _examples(coded, by_document, codebook, level, segmenter)
    return TrainingSet(examples, universe, level, inputs, notes)


def _check_row(row: UnitCoding, known: dict[tuple[str, int], Unit], documents: set[str]) -> None:
    key = (row.document, row.unit)
    unit = known.get(key)
    if unit is None:
        if row.document not in documents:
            raise CodingsError(
                unknown_document_message(row.source, row.line, row.document, documents)
            )
        raise CodingsError(
            f"{row.source} line {row.line}: unit {row.unit} of {row.document} does not exist "
            "in the units file; give the units.csv of the run the codings were made on"
        )
    if not unit.in_scope:
        raise CodingsError(
            f"{row.source} line {row.line}: unit {row.unit} of {row.document} is not coded "
            "there (coded=False: an interviewer or out-of-scope speaker); give the units.csv "
            "of the run the codings were made on"
        )
    if row.text and row.text != unit.text:
        shown = unit.text if len(unit.text) <= 30 else unit.text[:30] + "..."
        raise CodingsError(
            f"{row.source} line {row.line}: unit {row.unit} of {row.document} has other text "
            f"in the units file ({shown!r}); the units changed since this file was coded, so "
            "re-check its codings against the new units.csv"
        )


def _unknown_label(row: UnitCoding, label: str, level: Level, codebook: Codebook) -> str:
    what = "theme" if level == "theme" else "theme or code path"
    known = ", ".join(label_universe(codebook, level)[:8])
    return (
        f"{row.source} line {row.line}: {label!r} is not a {what} of the codebook "
        f"{codebook.name!r} (it has: {known}, ...); code with the codebook's ids or give the "
        "codebook the codings were made with (-c)"
    )


def dictionary_hits(
    codebook: Codebook, documents: dict[str, list[Unit]], segmenter: str = "jieba-rs"
) -> dict[tuple[str, int], list[Hit]]:
    """The dictionary coder's hits of every in-scope unit, as ``healcode code`` finds them
    (traditional documents folded as its default ``--fold auto`` does)."""
    from healcode.coder import Coder
    from healcode.fold import code_folded_units

    coder = Coder(codebook, segmenter=segmenter)  # type: ignore[arg-type]
    hits: dict[tuple[str, int], list[Hit]] = defaultdict(list)
    for document_units in documents.values():
        fold = folds(document_units, codebook)
        found = (
            code_folded_units(coder, document_units) if fold else coder.code_units(document_units)
        )
        for hit in found:
            hits[(hit.document, hit.unit)].append(hit)
    return hits


def folds(units: Sequence[Unit], codebook: Codebook, mode: FoldMode = "auto") -> bool:
    """Whether ``healcode code --fold mode`` reads the document of ``units`` (all of its
    units) through a simplified copy, judged on the units' text."""
    return should_fold("\n".join(u.text for u in units), codebook, mode)


def dictionary_labels(hits: Sequence[Hit], level: Level) -> frozenset[str]:
    """Labels with a non-negated hit: themes, or code paths (a theme's own terms: the theme)."""
    return frozenset(h.theme if level == "theme" else h.code for h in hits if not h.negated)


def _examples(
    coded: dict[tuple[str, int], set[str]],
    by_document: dict[str, list[Unit]],
    codebook: Codebook,
    level: Level,
    segmenter: str,
) -> list[Example]:
    wanted = {document for document, _ in coded}
    documents = {d: units for d, units in by_document.items() if d in wanted}
    hits = dictionary_hits(codebook, documents, segmenter)
    examples = []
    for document, document_units in documents.items():
        if folds(document_units, codebook):  # the text the model reads in healcode code
            document_units = list(folded_units(document_units))
        questions = question_contexts(document_units)
        for unit, question in zip(document_units, questions, strict=True):
            labels = coded.get((document, unit.index))
            if labels is None:
                continue
            unit_hits = hits.get((document, unit.index), [])
            examples.append(
                Example(
                    document,
                    unit.index,
                    unit_text(unit.text, unit_hits, question),
                    frozenset(labels),
                    dictionary_labels(unit_hits, level),
                )
            )
    return examples
