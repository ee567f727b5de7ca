"""Codebooks: the YAML format, its schema and loading with line-numbered errors."""

from healcode.codebook.load import load_codebook, parse_codebook
from healcode.codebook.schema import DEFAULT_NEGATORS, Code, Codebook, Rule, Theme

__all__ = [
    "DEFAULT_NEGATORS",
    "Code",
    "Codebook",
    "Rule",
    "Theme",
    "load_codebook",
    "parse_codebook",
]
