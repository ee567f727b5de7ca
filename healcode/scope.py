"""Which speech is coded: one decision shared by code, words, kwic, suggest and codebook check.

A ``Scope`` says whose turns count (roles, or named speakers), which documents
(conditions on their metadata: ``role=parent``, ``role!=cadre``), who speaks in
paragraphs without a speaker marker (``unmarked``), and which extra markers mean the
interviewer. ``Scope.read(document)`` finds a document's turns and header once; every
command asks the result which turns are in scope.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from healcode.corpus.turns import UNMARKED, TurnReading, Unmarked, check_unmarked, read_turns
from healcode.errors import HealcodeError
from healcode.records import ROLES, Document, Role, Turn

if TYPE_CHECKING:
    from healcode.records import Unit


@dataclass(frozen=True, slots=True)
class Condition:
    """``column=value`` (or ``column!=value`` when ``negated``) on a document's metadata."""

    column: str
    value: str
    negated: bool = False

    def __str__(self) -> str:
        return f"{self.column}{'!=' if self.negated else '='}{self.value}"


def parse_condition(text: str) -> Condition:
    """``role=parent`` or ``role!=cadre``; values compare case-insensitively."""
    negated = "!=" in text
    column, sep, value = text.partition("!=" if negated else "=")
    if not sep or not column.strip():
        raise HealcodeError(
            f"where {text!r}: write COLUMN=VALUE (or COLUMN!=VALUE), e.g. role=parent"
        )
    return Condition(column.strip(), value.strip(), negated)


def parse_roles(roles: str | Iterable[str]) -> tuple[Role, ...]:
    """``participant``, ``interviewer,participant``, ``all`` (or a sequence) -> roles."""
    names = roles.split(",") if isinstance(roles, str) else list(roles)
    wanted: set[str] = set()
    for name in (n.strip() for n in names):
        if name == "all":
            wanted.update(ROLES)
        elif name.rstrip("s") in ROLES:  # participants, interviewers
            wanted.add(name.rstrip("s"))
        elif name:
            raise HealcodeError(f"role {name!r}: use {', '.join(ROLES)} or all")
    if not wanted:
        raise HealcodeError(f"roles: give at least one of {', '.join(ROLES)}, or all")
    return tuple(r for r in ROLES if r in wanted)


def parse_names(names: str | Iterable[str]) -> tuple[str, ...]:
    """Speaker names from a comma-separated string or a sequence (never tested by substring)."""
    items = names.replace("，", ",").split(",") if isinstance(names, str) else names
    return tuple(dict.fromkeys(n.strip() for n in items if n.strip()))


@dataclass(frozen=True)
class Scope:
    """Whose speech, in which documents, is coded (or counted, or searched)."""

    roles: tuple[Role, ...] = ("participant",)
    # Speaker names as written in the transcripts; when given they decide instead of roles.
    speakers: tuple[str, ...] = ()
    where: tuple[str, ...] = ()  # "column=value" / "column!=value"; all columns must match
    unmarked: Unmarked = "auto"
    interviewers: tuple[str, ...] = ()  # more markers that mean the interviewer

    def __post_init__(self) -> None:
        set_ = functools.partial(object.__setattr__, self)
        speakers = parse_names(self.speakers)
        if speakers in (("participants",), ("all",)):  # --speakers as roles, as it once was
            set_("roles", "participant" if speakers == ("participants",) else "all")
            speakers = ()
        set_("roles", parse_roles(self.roles))
        set_("speakers", speakers)
        where = (self.where,) if isinstance(self.where, str) else tuple(self.where)
        set_("where", tuple(str(parse_condition(w)) for w in where))
        set_("unmarked", check_unmarked(self.unmarked))
        set_("interviewers", parse_names(self.interviewers))

    # ------------------------------------------------------------ the decisions
    @functools.cached_property
    def conditions(self) -> tuple[Condition, ...]:
        return tuple(parse_condition(w) for w in self.where)

    @functools.cached_property
    def interviewer_markers(self) -> tuple[str, ...]:
        """``interviewers`` and their traditional spellings (小陈 -> 小陳)."""
        if not self.interviewers:
            return ()
        from healcode.fold import traditional_forms

        return (*self.interviewers, *traditional_forms(self.interviewers))

    def includes(self, speaker: str, role: str) -> bool:
        """Whether speech of this speaker (with this role) is in scope."""
        if self.speakers:
            return speaker in self.speakers
        return role in self.roles

    def turn_in_scope(self, turn: Turn) -> bool:
        return self.includes(turn.speaker, turn.role)

    def selects(self, fields: Mapping[str, str]) -> bool:
        """Whether a document with these metadata fields matches every ``where`` column:
        one of its ``=`` values (when it has any), none of its ``!=`` values."""
        for column in dict.fromkeys(c.column for c in self.conditions):
            value = _field(fields, column)
            value = None if value is None else value.strip().casefold()
            wanted = [
                c.value.casefold() for c in self.conditions if c.column == column and not c.negated
            ]
            unwanted = [
                c.value.casefold() for c in self.conditions if c.column == column and c.negated
            ]
            if wanted and value not in wanted:
                return False
            if value is not None and value in unwanted:
                return False
        return True

    def read(self, document: Document) -> ScopedDocument:
        """A document's turns (found in its text unless its source gave them), its header
        fields, and whether ``where`` selects it."""
        if document.turns is not None:
            reading = TurnReading(list(document.turns))
        else:
            reading = read_turns(
                document.text, interviewers=self.interviewer_markers, unmarked=self.unmarked
            )
        fields = {**reading.header, **document.meta}
        return ScopedDocument(document, reading, self.selects(fields), self)

    # ------------------------------------------------------------ what to tell the user
    def check_columns(self, seen: Iterable[str]) -> None:
        """Raise when a ``where`` column is in no document (a typo would select all or none)."""
        known = list(dict.fromkeys(seen))
        folded = {c.casefold() for c in known}
        missing = [c.column for c in self.conditions if c.column.casefold() not in folded]
        if missing:
            names = ", ".join(known) or "none (no metadata.csv, table columns or header fields)"
            raise HealcodeError(
                f"--where {missing[0]}: no document has this metadata column; known: {names}"
            )

    def unseen_speakers(self, seen: Iterable[str]) -> list[str]:
        """A warning for each named speaker who speaks in no document."""
        found = set(seen)
        listed = ", ".join(sorted(found - {""})[:12]) or "none"
        return [
            f"--speakers {name}: no turn of this speaker in any document (speakers found: {listed})"
            for name in self.speakers
            if name not in found
        ]

    def warnings(self, scoped: ScopedDocument, units: Sequence[Unit] | None = None) -> list[str]:
        """What may not be what the researcher meant about one document read as a
        transcript: most of its text read as a header, or nothing of it in scope. Without
        ``units`` its turns that have text stand for them."""
        if scoped.document.turns is not None or not scoped.selected:
            return []
        if units is None:
            text = scoped.document.text
            spoken = [t for t in scoped.turns if text[t.start : t.end].strip()]
            speech, in_scope = bool(spoken), any(scoped.in_scope(t) for t in spoken)
        else:
            speech, in_scope = bool(units), any(u.in_scope for u in units)
        name = scoped.document.id
        reading = scoped.reading
        out = []
        if reading.dropped * 2 > reading.characters:
            out.append(
                f"{name}: {reading.dropped} of {reading.characters} characters come before "
                "the first speaker marker and are read as a header, not coded; if they are "
                "speech, pass --unmarked participant"
            )
        if not self.speakers and not in_scope:
            out.append(self._nothing_in_scope(name, reading, speech))
        elif not self.speakers and "interviewer" not in self.roles:
            who = _who_speaks(name, reading)
            if who is not None:
                out.append(who)
        return out

    def _nothing_in_scope(self, name: str, reading: TurnReading, speech: bool) -> str:
        if not speech:
            return (
                f"{name}: no speech found (all of it is read as a header); pass "
                "--unmarked participant to code it"
            )
        speakers = ", ".join(reading.markers) or "unmarked text"
        roles = " or ".join(self.roles)
        head = f"{name}: no unit is coded: no {roles} speech among its turns ({speakers})"
        if self.roles == ("participant",) and reading.interviewer_only:
            if reading.unmarked == "continue" and reading.continued:
                return (
                    f"{head}; the paragraphs without a marker after them are read as "
                    "the interviewer's; pass --unmarked participant if they are the "
                    "participant's speech"
                )
            return (
                f"{head}; only interviewer markers occur: pass --unmarked participant "
                "if the participant's speech is unmarked, or --roles all"
            )
        return f"{head}; pass --roles all, or --interviewer NAME to say who asks"


class DocumentWarning(str):
    """A warning about one document, ``document: what``, that may say the same ``what``
    of many documents: ``gather_warnings`` then puts them on one line."""

    document: str
    what: str

    def __new__(cls, document: str, what: str) -> DocumentWarning:
        warning = super().__new__(cls, f"{document}: {what}")
        warning.document, warning.what = document, what
        return warning

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return self.document, self.what


NAMED_IN_FULL = 3  # documents with the same warning named one by one; more share a line


def gather_warnings(warnings: Sequence[str]) -> list[str]:
    """The warnings with those that say the same of more than ``NAMED_IN_FULL``
    documents on one line, where the first of them was: ``12 documents (a, b, c and 9
    more): ...``."""
    documents: dict[str, list[str]] = {}
    for warning in warnings:
        if isinstance(warning, DocumentWarning):
            documents.setdefault(warning.what, []).append(warning.document)
    out: list[str] = []
    for warning in warnings:
        if not isinstance(warning, DocumentWarning):
            out.append(warning)
            continue
        names = documents[warning.what]
        if len(names) <= NAMED_IN_FULL:
            out.append(warning)
        elif names[0] == warning.document:
            shown = ", ".join(names[:NAMED_IN_FULL])
            more = len(names) - NAMED_IN_FULL
            out.append(f"{len(names)} documents ({shown} and {more} more): {warning.what}")
    return out


def _who_speaks(name: str, reading: TurnReading) -> DocumentWarning | None:
    """A warning when the transcript leaves who speaks undecided (``TurnReading.doubt``)
    and the participants' speech is coded."""
    labels = ", ".join(reading.markers[:6]) + (", ..." if len(reading.markers) > 6 else "")
    if reading.doubt == "no-labels":
        what = (
            "no speaker label is found, so all the text is coded as the participant's "
            "speech (one turn per paragraph); if someone else speaks in it, mark the turns "
            "(访谈者：/受访者：, Q:/A:, Interviewer:, a name and a colon); if it is all "
            "the participant's, pass --unmarked participant"
        )
    elif reading.doubt == "no-interviewer":
        what = (
            f"no speaker is known to be the interviewer ({labels}), so all of them are "
            "read as participants and coded; pass --interviewer NAME to say who asks "
            f"(--interviewer {_quoted(reading.markers[0])} if {reading.markers[0]} asks), "
            "or --speakers to choose whose speech is coded"
        )
    elif reading.doubt == "one-label":
        label = reading.markers[0]
        what = (
            f"only one speaker label occurs, {label}, which is no known interviewer or "
            f"participant marker, so {label} is read as the participant and the lines "
            f"without a marker as {label}'s speech; if {label} asks (a moderator), pass "
            f"--interviewer {_quoted(label)}, and the unmarked paragraphs are the "
            "participant's; if the unmarked lines are the interviewer's, pass "
            "--unmarked interviewer"
        )
    elif reading.doubt == "answers-only":
        what = (
            f"only the participant's turns are marked ({labels}), so the lines without a "
            "marker between them are read as part of the answers and coded (and those "
            "before the first answer as a header); if they are the interviewer's "
            "questions, pass --unmarked interviewer"
        )
    elif reading.doubt == "questions-guessed":
        what = (
            f"only the participant's turns are marked ({labels}); the last line without "
            "a marker before each answer is read as the interviewer's question, and the "
            "lines before it as the answer before them, which is a guess for "
            f"{reading.guessed} of them: check them, or pass --unmarked interviewer "
            "(every unmarked line is the interviewer's) or --unmarked participant (none is)"
        )
    else:
        return None
    return DocumentWarning(name, what)


def _quoted(name: str) -> str:
    """A name as written in a shell command: "Dr Smith", 小李."""
    if name and not any(c.isspace() or c in "\"'$`\\!&;|<>()*?[]{}#~" for c in name):
        return name
    return '"' + "".join("\\" + c if c in '"$`\\' else c for c in name) + '"'


@dataclass(frozen=True, slots=True)
class ScopedDocument:
    """A document as a scope reads it: turns, header, and which turns are in scope."""

    document: Document
    reading: TurnReading
    selected: bool  # whether the ``where`` conditions select the document
    scope: Scope

    @property
    def turns(self) -> list[Turn]:
        return self.reading.turns

    @property
    def header(self) -> dict[str, str]:
        return self.reading.header

    def in_scope(self, turn: Turn) -> bool:
        return self.selected and self.scope.turn_in_scope(turn)

    def turns_in_scope(self) -> list[Turn]:
        return [t for t in self.reading.turns if self.in_scope(t)] if self.selected else []


def _field(fields: Mapping[str, str], column: str) -> str | None:
    if column in fields:
        return fields[column]
    folded = column.casefold()
    return next((v for k, v in fields.items() if k.casefold() == folded), None)


__all__ = [
    "ROLES",
    "UNMARKED",
    "Condition",
    "DocumentWarning",
    "Scope",
    "ScopedDocument",
    "gather_warnings",
    "parse_condition",
    "parse_names",
    "parse_roles",
]
