"""The values of options whose home module is heavy to import (numpy, lxml, pydantic).

The library types its arguments with these ``Literal``s and the CLI offers the tuples as
its choices, so a new value is added here once and ``healcode --help`` imports none of
those libraries. Options of light modules keep their values beside their code
(``corpus.units.UNIT_KINDS``, ``fold.FOLD_MODES``, ``segment.SEGMENTERS``,
``scope.UNMARKED``, ``export.tables.TABLE_FORMATS``, ``report.charts.CHART_FORMATS``,
``review.store.DECISIONS``).
"""

from __future__ import annotations

from typing import Literal, get_args

# What a coding names: a theme, or a code path (theme/code).
Level = Literal["theme", "code"]
LEVELS: tuple[Level, ...] = get_args(Level)

# A learned model decides a label by: "either" the dictionary (a non-negated hit) or the
# model (its score at the threshold); the "model" alone; the "dictionary" alone.
Rule = Literal["either", "model", "dictionary"]
RULES: tuple[Rule, ...] = get_args(Rule)
# What learn chooses among by default: "dictionary" only when asked, because a codebook
# written on the coded transcripts looks better in their cross-validation than it is on
# new text (measured on held-out halves: 0.435 with it allowed against 0.573 without).
DEFAULT_RULES: tuple[Rule, ...] = ("either", "model")

# Agreement: a coder's missing file for a document means "coded nothing" or "not seen".
Absent = Literal["not-coded", "missing"]
ABSENT: tuple[Absent, ...] = get_args(Absent)

# Keyness statistic and its correction (as quanteda's textstat_keyness).
Measure = Literal["g2", "chi2"]
MEASURES: tuple[Measure, ...] = get_args(Measure)
Correction = Literal["none", "yates", "williams"]
CORRECTIONS: tuple[Correction, ...] = get_args(Correction)

# codebook show: the appendix's format; codebook convert: the dictionary's format.
ShowFormat = Literal["markdown", "latex", "docx"]
SHOW_FORMATS: tuple[ShowFormat, ...] = get_args(ShowFormat)
SourceFormat = Literal["yaml", "liwc", "wordstat"]
SOURCE_FORMATS: tuple[SourceFormat, ...] = get_args(SourceFormat)

# refi import: how a project's positions are counted ("auto" decides per source).
PositionChoice = Literal[
    "auto", "codepoints", "utf16", "utf8", "codepoints-lf", "utf16-lf", "utf8-lf"
]
POSITION_CHOICES: tuple[PositionChoice, ...] = get_args(PositionChoice)

# refi export: a whole project (.qdpx) or the codebook alone (.qdc).
ExportFormat = Literal["qdpx", "qdc"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
