"""Codebooks: the YAML format, its schema and loading with line-numbered errors."""

from healcode.codebook.load import load_codebook, parse_codebook
from healcode.codebook.schema import (
    DEFAULT_NEGATORS,
    ENGLISH_NEGATORS,
    Code,
    Codebook,
    Rule,
    Theme,
    default_negators,
    is_wildcard,
)

__all__ = [
    "DEFAULT_NEGATORS",
    "ENGLISH_NEGATORS",
    "Code",
    "Codebook",
    "Rule",
    "Theme",
    "default_negators",
    "is_wildcard",
    "load_codebook",
    "parse_codebook",
]
