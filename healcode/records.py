"""The plain records that flow through healcode, one stage to the next.

Offsets are Unicode code points into ``Document.text`` (BOM removed, CRLF/CR -> LF),
end exclusive, so ``document.text[start:end] == record.text`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["interviewer", "participant"]
ROLES: tuple[Role, ...] = ("interviewer", "participant")


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    text: str
    source: str  # path of the file (or table) it came from
    encoding: str
    sha256: str  # of the source file's bytes
    meta: dict[str, str] = field(default_factory=dict)
    # Turns given by the source itself (table columns); None means "find them in the text".
    turns: tuple[Turn, ...] | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: str
    role: Role
    start: int  # first character of the speech, after the speaker marker
    end: int


@dataclass(frozen=True, slots=True)
class Unit:
    document: str
    index: int  # 0-based, reading order over all turns of the document
    speaker: str
    role: Role
    start: int
    end: int
    text: str
    in_scope: bool  # whether its speaker is coded


@dataclass(frozen=True, slots=True)
class Hit:
    document: str
    unit: int
    theme: str
    code: str  # full path: "theme/code", or "theme" for a term on the theme itself
    term: str  # the codebook term or pattern that matched
    start: int
    end: int
    text: str  # the matched text, document.text[start:end]
    negated: bool


@dataclass(frozen=True, slots=True)
class Coding:
    """A unit coded with a code path: one row of excerpts.csv.

    A coding whose every dictionary hit is negated (没有希望) is kept and marked
    ``negated``, but it is not a reference of the code: tables do not count it.
    """

    document: str
    unit: int
    theme: str
    code: str  # full path ("theme/code"); "theme" for the theme's own terms, or for a
    #            learned model's coding of the theme
    terms: tuple[str, ...]  # the codebook terms and patterns that matched, in order
    negated: bool
    # With a learned model: who coded it ("dictionary", "model", "both"), the model's
    # probability for its theme (or code), and the n-grams that raised it most.
    source: str = "dictionary"
    score: float | None = None
    evidence: tuple[str, ...] = ()
