"""healcode: code Chinese interview transcripts against a codebook of themes.

The public API; heavy libraries (spaCy, pandas, jieba) load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CodingOptions",
    "HealcodeError",
    "Run",
    "agreement",
    "code_corpus",
    "learn",
    "load_codebook",
    "load_corpus",
    "write_report",
    "write_run",
    "write_tables",
]

from healcode.errors import HealcodeError

if TYPE_CHECKING:
    from healcode.codebook import load_codebook
    from healcode.coding import CodingOptions, code_corpus
    from healcode.corpus import load_corpus
    from healcode.export.tables import write_tables
    from healcode.learning import learn
    from healcode.reliability import agreement
    from healcode.report import write_report
    from healcode.run import Run, write_run

_LAZY = {
    "load_codebook": "healcode.codebook",
    "load_corpus": "healcode.corpus",
    "code_corpus": "healcode.coding",
    "CodingOptions": "healcode.coding",
    "agreement": "healcode.reliability",
    "write_report": "healcode.report",
    "write_tables": "healcode.export.tables",
    "learn": "healcode.learning",
    "Run": "healcode.run",
    "write_run": "healcode.run",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'healcode' has no attribute {name!r}")
