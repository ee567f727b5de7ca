"""The reviewers' decisions on a run: one SQLite file, ``RUN/review.sqlite``.

Every decision is committed as it is made (WAL journal, full sync), so closing the
browser or stopping the server loses nothing. A decision is kept per reviewer, unit and
code: the last one made counts. Its ``decision`` is

- ``accept`` / ``reject``: a coding the run made is right / wrong (a negated hit is no
  coding: the page offers neither for it, and one in an older review is left out);
- ``add``: a theme or code the run missed (also one the run found only negated);
- ``none``: the unit was read and has no code (``code`` is empty).

Each decision also keeps the text of its unit, so that decisions on a run that was
coded again, with other units, are caught instead of landing on other text.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, get_args

from healcode.errors import ReviewError

STORE_NAME = "review.sqlite"
SCHEMA_VERSION = "1"
Decision = Literal["accept", "reject", "add", "none"]
DECISIONS: tuple[str, ...] = get_args(Decision)
MAX_NOTE = 4000  # characters
MAX_NAME = 80

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    reviewer TEXT NOT NULL,
    document TEXT NOT NULL,
    unit INTEGER NOT NULL,
    code TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'add', 'none')),
    note TEXT NOT NULL DEFAULT '',
    time TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (reviewer, document, unit, code)
);
CREATE TABLE IF NOT EXISTS notes (
    reviewer TEXT NOT NULL,
    document TEXT NOT NULL,
    unit INTEGER NOT NULL,
    note TEXT NOT NULL,
    time TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (reviewer, document, unit)
);
"""


@dataclass(frozen=True, slots=True)
class StoredDecision:
    reviewer: str
    document: str
    unit: int
    code: str
    decision: str
    note: str
    time: str
    text: str


@dataclass(frozen=True, slots=True)
class StoredNote:
    reviewer: str
    document: str
    unit: int
    note: str
    time: str
    text: str


def store_path(run: str | Path) -> Path:
    return Path(run) / STORE_NAME


def remove_store(path: Path) -> None:
    """Remove a review.sqlite (closed) and its journal files: only one that a start which
    failed had just created, with nothing in it."""
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        (path.parent / name).unlink(missing_ok=True)


def check_reviewer(name: str) -> str:
    """A reviewer name as it is stored: trimmed, one line, not empty, not too long."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ReviewError("the reviewer name is empty; pass --reviewer NAME (your name)")
    if len(cleaned) > MAX_NAME:
        raise ReviewError(
            f"the reviewer name is longer than {MAX_NAME} characters; "
            "pass a shorter --reviewer NAME"
        )
    return cleaned


class ReviewStore:
    """``RUN/review.sqlite``, opened for reading and writing (safe across threads)."""

    def __init__(self, path: Path, *, create: bool = True, readonly: bool = False) -> None:
        self.path = path
        if not path.exists() and (readonly or not create):
            raise ReviewError(f"{path}: no such file; review the run first (healcode review RUN)")
        connection: sqlite3.Connection | None = None
        try:
            if readonly:
                connection = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    check_same_thread=False,
                )
            else:
                connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=FULL")
                connection.executescript(_SCHEMA)
                connection.execute(
                    "INSERT OR IGNORE INTO settings(key, value) VALUES ('schema', ?)",
                    (SCHEMA_VERSION,),
                )
            version = connection.execute(
                "SELECT value FROM settings WHERE key = 'schema'"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            if connection is not None:
                connection.close()
            raise ReviewError(
                f"{path}: not a healcode review database ({exc}); move it away to start afresh"
            ) from None
        if version is None or version[0] != SCHEMA_VERSION:
            connection.close()
            raise ReviewError(
                f"{path}: made by another version of healcode (schema "
                f"{version[0] if version else 'unknown'}); use that version to export it"
            )
        self._connection = connection
        self._lock = threading.Lock()

    @classmethod
    def open(cls, run: str | Path, *, readonly: bool = False) -> ReviewStore:
        return cls(store_path(run), create=not readonly, readonly=readonly)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ------------------------------------------------------------------ settings
    def setting(self, key: str) -> str | None:
        with self._lock:
            row = self._connection.execute(
                "SELECT value FROM settings WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self._lock:
            self._connection.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def reviewer(self, name: str | None) -> str:
        """``name`` (remembered as the reviewer from now on), or the one remembered."""
        if name is not None:
            name = check_reviewer(name)
            self.set_setting("reviewer", name)
            return name
        remembered = self.setting("reviewer")
        if not remembered:
            raise ReviewError(
                f"{self.path}: no reviewer yet; pass --reviewer NAME once (it is remembered)"
            )
        return remembered

    # ------------------------------------------------------------------ decisions
    def decide(
        self,
        reviewer: str,
        document: str,
        unit: int,
        code: str,
        decision: str,
        *,
        text: str,
        note: str = "",
    ) -> None:
        if decision not in DECISIONS:
            raise ReviewError(f"unknown decision {decision!r}; use one of {', '.join(DECISIONS)}")
        with self._lock, self._transaction():
            if decision == "add":
                # a code added means the unit has a code: it is no longer "read, no code"
                self._connection.execute(
                    "DELETE FROM decisions WHERE reviewer = ? AND document = ? AND unit = ? "
                    "AND decision = 'none'",
                    (reviewer, document, unit),
                )
            self._connection.execute(
                "INSERT INTO decisions(reviewer, document, unit, code, decision, note, time, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(reviewer, document, unit, code) DO UPDATE SET "
                "decision = excluded.decision, note = excluded.note, time = excluded.time, "
                "text = excluded.text",
                (reviewer, document, unit, code, decision, note[:MAX_NOTE], _now(), text),
            )

    def clear(self, reviewer: str, document: str, unit: int, code: str) -> None:
        with self._lock:
            self._connection.execute(
                "DELETE FROM decisions WHERE reviewer = ? AND document = ? AND unit = ? "
                "AND code = ?",
                (reviewer, document, unit, code),
            )

    def set_note(self, reviewer: str, document: str, unit: int, note: str, *, text: str) -> None:
        note = note.strip()[:MAX_NOTE]
        with self._lock:
            if note:
                self._connection.execute(
                    "INSERT INTO notes(reviewer, document, unit, note, time, text) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(reviewer, document, unit) DO UPDATE "
                    "SET note = excluded.note, time = excluded.time, text = excluded.text",
                    (reviewer, document, unit, note, _now(), text),
                )
            else:
                self._connection.execute(
                    "DELETE FROM notes WHERE reviewer = ? AND document = ? AND unit = ?",
                    (reviewer, document, unit),
                )

    def decisions(
        self, reviewer: str | None = None, *, document: str | None = None
    ) -> list[StoredDecision]:
        query = "SELECT reviewer, document, unit, code, decision, note, time, text FROM decisions"
        where, args = _filters(reviewer, document)
        with self._lock:
            rows = self._connection.execute(
                f"{query}{where} ORDER BY reviewer, document, unit, code", args
            ).fetchall()
        return [StoredDecision(*row) for row in rows]

    def notes(
        self, reviewer: str | None = None, *, document: str | None = None
    ) -> list[StoredNote]:
        where, args = _filters(reviewer, document)
        with self._lock:
            rows = self._connection.execute(
                "SELECT reviewer, document, unit, note, time, text FROM notes"
                f"{where} ORDER BY reviewer, document, unit",
                args,
            ).fetchall()
        return [StoredNote(*row) for row in rows]

    def reviewers(self) -> list[str]:
        with self._lock:
            rows = self._connection.execute(
                "SELECT DISTINCT reviewer FROM decisions ORDER BY reviewer"
            ).fetchall()
        return [str(r[0]) for r in rows]

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection)


class _Transaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        self.connection.execute("ROLLBACK" if kind is not None else "COMMIT")


def _filters(reviewer: str | None, document: str | None) -> tuple[str, tuple[str, ...]]:
    clauses, args = [], []
    if reviewer is not None:
        clauses.append("reviewer = ?")
        args.append(reviewer)
    if document is not None:
        clauses.append("document = ?")
        args.append(document)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
