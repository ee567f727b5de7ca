"""Where the bundled case-study codebook, corpus and learned model, and the stop-word
lists, live.

In a source checkout the codebook and corpus are the repository's ``codebooks/`` and
``corpora/``; an installed wheel carries copies under ``<prefix>/share/healcode/``. The
learned model is package data (``healcode/data/models/``), found the same way in both.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

CODEBOOK = Path("codebooks") / "social_healing.yaml"
CORPUS = Path("corpora") / "warm_heart_home"
# The learned coder trained on the case study's gold codings ships inside the package.
MODEL = Path(__file__).resolve().parent / "data" / "models" / "social_healing"
# The stop-word lists, package data. Every list is used at once: Chinese entries can only
# equal Chinese tokens and English ones only alphabetic tokens, so each token meets the
# list of its own script, whatever the codebook's language and however the two are mixed.
STOPWORDS = Path(__file__).resolve().parent / "data"
STOPWORDS_FILES = ("stopwords_zh.txt", "stopwords_en.txt")


def bundled_stopword_lines() -> list[str]:
    """The lines of every bundled stop-word list (comments included)."""
    return [
        line
        for name in STOPWORDS_FILES
        for line in (STOPWORDS / name).read_text(encoding="utf-8").splitlines()
    ]


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


def default_model_path() -> Path:
    """The learned coder for the bundled codebook (package data, so a wheel has it)."""
    return MODEL
