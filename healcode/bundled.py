"""Where the bundled case-study codebook and corpus live.

In a source checkout they are the repository's ``codebooks/`` and ``corpora/``; an
installed wheel carries copies under ``<prefix>/share/healcode/``.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

CODEBOOK = Path("codebooks") / "social_healing.yaml"
CORPUS = Path("corpora") / "warm_heart_home"


def _find(relative: Path) -> Path:
    checkout = Path(__file__).resolve().parent.parent
    prefixes = [checkout]
    for base in (sysconfig.get_path("data"), sys.prefix, sysconfig.get_config_var("userbase")):
        if base:
            prefixes.append(Path(base) / "share" / "healcode")
    for prefix in prefixes:
        if (prefix / relative).exists():
            return prefix / relative
    return checkout / relative  # reported as missing by whoever opens it


def default_codebook_path() -> Path:
    return _find(CODEBOOK)


def default_corpus_path() -> Path:
    return _find(CORPUS)
