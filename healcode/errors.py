"""Errors the library raises. The CLI turns each into one line and exit status 1."""

from __future__ import annotations


class HealcodeError(Exception):
    """Something a researcher can act on; the message says what and where."""


class CorpusError(HealcodeError):
    """An input file or table that cannot be read as a transcript."""


class CodebookError(HealcodeError):
    """A codebook file that is malformed or invalid (message names file and line)."""


class RunError(HealcodeError):
    """A run folder that cannot be read (not a run, incomplete, made by a newer healcode)."""


class OutputError(HealcodeError):
    """An output location that cannot be written (e.g. exists without --force)."""


class CodingsError(HealcodeError):
    """A codings file for agreement or evaluation that cannot be used."""


class ExchangeError(HealcodeError):
    """A REFI-QDA file (.qdc/.qdpx) that cannot be read safely, or a run that cannot be exported."""


class ReviewError(HealcodeError):
    """A review of a run (its review.sqlite, a decision, an export) that cannot be done."""


class ModelError(HealcodeError):
    """A learned model that cannot be trained, or cannot be loaded safely for this codebook."""
