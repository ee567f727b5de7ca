"""The plain records that flow through healcode, one stage to the next.

Offsets are Unicode code points into ``Document.text`` (BOM removed, CRLF/CR -> LF),
end exclusive, so ``document.text[start:end] == record.text`` always holds.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar, overload

Role = Literal["interviewer", "participant"]
R = TypeVar("R")
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


class Columns(Sequence[R]):
    """A document's records kept as columns (a few bytes each): ``self[i]`` makes record
    ``i`` on request (``_record``); they compare equal to any sequence of equal records."""

    __slots__ = ()

    def _record(self, index: int) -> R:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        if isinstance(index, slice):
            return [self._record(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        return self._record(index)

    def __iter__(self) -> Iterator[R]:
        for index in range(len(self)):
            yield self._record(index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class Hits(Columns[Hit]):
    """The hits of one document as columns, in reading order (by unit, then by start).

    ``hits[i]`` is a ``Hit``; a long document's hits are held in a few bytes each:
    ``units``, ``starts``, ``ends`` and ``negated`` per hit, and ``kinds``, an index into
    ``table``, the distinct (theme, code, term) of the document's hits. A hit's text is
    the slice of the document's ``text`` it covers.
    """

    __slots__ = (
        "document",
        "text",
        "units",
        "starts",
        "ends",
        "negated",
        "kinds",
        "table",
        "_kind",
    )

    def __init__(self, document: str, text: str) -> None:
        self.document = document
        self.text = text
        self.units: array[int] = array("q")
        self.starts: array[int] = array("q")
        self.ends: array[int] = array("q")
        self.negated = bytearray()
        self.kinds: array[int] = array("l")
        self.table: list[tuple[str, str, str]] = []  # (theme, code, term)
        self._kind: dict[tuple[str, str, str], int] = {}

    def kind(self, theme: str, code: str, term: str) -> int:
        """The index in ``table`` of (theme, code, term), added if new."""
        key = (theme, code, term)
        kind = self._kind.get(key)
        if kind is None:
            kind = self._kind[key] = len(self.table)
            self.table.append(key)
        return kind

    def append(
        self, unit: int, theme: str, code: str, term: str, start: int, end: int, negated: bool
    ) -> None:
        kind = self.kind(theme, code, term)
        self.units.append(unit)
        self.starts.append(start)
        self.ends.append(end)
        self.negated.append(negated)
        self.kinds.append(kind)

    def __len__(self) -> int:
        return len(self.units)

    def _record(self, index: int) -> Hit:
        theme, code, term = self.table[self.kinds[index]]
        start, end = self.starts[index], self.ends[index]
        return Hit(
            self.document,
            self.units[index],
            theme,
            code,
            term,
            start,
            end,
            self.text[start:end],
            bool(self.negated[index]),
        )

    def __repr__(self) -> str:
        return f"Hits({self.document!r}, {len(self)} hits)"
