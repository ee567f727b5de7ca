"""Read a coding run folder back: the one reader every consumer of a run starts from.

``Run.open(path)`` checks once that the folder is a healcode run of a format this version
reads and that its files are there; each table is read on first use, with the columns and
types of ``run.schema``. The only files read from outside the folder are the codebook
named in the manifest (for definitions, and only while its SHA-256 still matches) and, on
request, the run's inputs (``read_texts``), each checked against its recorded SHA-256 and
every unit against its offsets.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from healcode.errors import CodebookError, CorpusError, RunError
from healcode.run.schema import (
    COOCCURRENCE,
    DOCUMENTS,
    EXCERPTS,
    FREQUENCIES,
    HITS,
    MANIFEST,
    MATRIX,
    METADATA_PREFIX,
    RUN_FORMAT,
    TABLES,
    UNITS,
    TableSpec,
    header_names,
    metadata_names,
)
from healcode.segment import SEGMENTERS, SegmenterName

if TYPE_CHECKING:
    import pandas as pd

    from healcode.codebook import Codebook
    from healcode.records import Document, Hit, Unit


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """A theme or code path as the tables name it, with the codebook's words if known."""

    path: str  # "theme" or "theme/code"
    theme: str
    label: str
    label_en: str = ""
    definition: str = ""
    when_to_use: str = ""
    when_not_to_use: str = ""
    example: str = ""

    @property
    def is_theme(self) -> bool:
        return "/" not in self.path


def rows_of(frame: pd.DataFrame, *columns: str) -> Iterator[tuple[Any, ...]]:
    """Rows of some columns as plain Python values (iterating a Series is much slower)."""
    return zip(*(frame[column].tolist() for column in columns), strict=True)


def unit_records(frame: pd.DataFrame) -> list[Unit]:
    """The rows of a units table as ``Unit`` records."""
    from healcode.records import Unit

    return [
        Unit(
            str(document),
            int(unit),
            str(speaker),
            "interviewer" if role == "interviewer" else "participant",
            int(start),
            int(end),
            str(text),
            bool(coded),
        )
        for document, unit, speaker, role, start, end, coded, text in rows_of(frame, *UNITS.names)
    ]


def hit_records(frame: pd.DataFrame) -> list[Hit]:
    """The rows of a hits table as ``Hit`` records (hits.csv keeps no text: it is "")."""
    from healcode.records import Hit

    return [
        Hit(
            str(document),
            int(unit),
            str(theme),
            str(code),
            str(term),
            int(start),
            int(end),
            "",
            bool(negated),
        )
        for document, unit, theme, code, term, start, end, negated in rows_of(frame, *HITS.names)
    ]


def read_units(path: str | Path) -> list[Unit]:
    """The units of a run from its units table alone (e.g. a units.csv given with codings)."""
    return unit_records(read_table(Path(path), UNITS))


class Run:
    """A coding run folder, read lazily; tables are pandas DataFrames typed by the schema."""

    def __init__(
        self, path: Path, manifest: dict[str, Any], codebook_override: str | Path | None = None
    ) -> None:
        self.path = path
        self.manifest = manifest
        self._codebook_override = codebook_override

    @classmethod
    def open(cls, path: str | Path, *, codebook: str | Path | None = None) -> Run:
        """Open the run folder ``path`` (written by ``healcode code``).

        ``codebook`` is the codebook file the run used, when it has moved since (it must
        have the SHA-256 the manifest records).
        """
        path = Path(path)
        if not path.is_dir():
            hint = " (give the run folder, not a file in it)" if path.is_file() else ""
            raise RunError(f"{path}: not a folder{hint}; give the output folder of healcode code")
        manifest = _read_manifest(path)
        for spec in TABLES:
            _check_header(path / spec.file, spec)
        return cls(path, manifest, codebook)

    # -- the tables --------------------------------------------------------------------

    def file(self, spec: TableSpec) -> Path:
        """Where one table of the run is (for messages)."""
        return self.path / spec.file

    def table(self, spec: TableSpec) -> pd.DataFrame:
        return read_table(self.path / spec.file, spec)

    @cached_property
    def documents(self) -> pd.DataFrame:
        return self.table(DOCUMENTS)

    @cached_property
    def units(self) -> pd.DataFrame:
        return self.table(UNITS)

    @cached_property
    def excerpts(self) -> pd.DataFrame:
        return self.table(EXCERPTS)

    @cached_property
    def hits(self) -> pd.DataFrame:
        return self.table(HITS)

    @cached_property
    def frequencies(self) -> pd.DataFrame:
        return self.table(FREQUENCIES)

    @cached_property
    def matrix(self) -> pd.DataFrame:
        return self.table(MATRIX)

    @cached_property
    def cooccurrence(self) -> pd.DataFrame:
        return self.table(COOCCURRENCE)

    # -- what the manifest says --------------------------------------------------------

    @property
    def created(self) -> str | None:
        """When the run was made (ISO 8601)."""
        value = self.manifest.get("created")
        return value if isinstance(value, str) and value else None

    @property
    def options(self) -> dict[str, Any]:
        options = self.manifest.get("options")
        return options if isinstance(options, dict) else {}

    @property
    def corpus_name(self) -> str:
        """The folder the inputs share (its name only: full paths stay in the manifest)."""
        paths = [str(i.get("path", "")) for i in self.manifest.get("inputs") or [] if i.get("path")]
        if not paths:
            return "corpus"
        if len(paths) == 1:
            return PurePath(paths[0]).name
        try:
            common = os.path.commonpath([str(PurePath(p).parent) for p in paths])
        except ValueError:  # paths on different drives
            return f"{len(paths)} files"
        return PurePath(common).name or common

    @property
    def segmenter(self) -> SegmenterName:
        """The segmenter the run used (jieba-rs if the manifest names none)."""
        name = str((self.manifest.get("segmenter") or {}).get("name") or "jieba-rs")
        if name not in SEGMENTERS:
            raise RunError(
                f"{self.path / MANIFEST}: made with the segmenter {name!r}, which this healcode "
                f"does not have ({', '.join(SEGMENTERS)}); run healcode code again"
            )
        return name

    @property
    def metadata_columns(self) -> list[str]:
        return [str(c) for c in self.manifest.get("metadata_columns") or []]

    def metadata_column(self, name: str) -> str:
        """The excerpts.csv column of a metadata attribute (``role`` -> ``meta_role``)."""
        columns = self.metadata_columns
        if name in columns:
            return metadata_names(columns)[columns.index(name)]
        if name.startswith(METADATA_PREFIX) and name.removeprefix(METADATA_PREFIX) in columns:
            return name
        known = ", ".join(columns) if columns else "none recorded in the run's manifest"
        raise RunError(
            f"{self.file(EXCERPTS)}: no metadata column {name!r}; use 'document' or one of: {known}"
        )

    @property
    def header_columns(self) -> list[str]:
        return [str(c) for c in self.manifest.get("header_columns") or []]

    @cached_property
    def document_fields(self) -> dict[str, dict[str, str]]:
        """Metadata and transcript header fields of every document, by their own names
        (what ``--where`` selects on)."""
        documents = self.documents
        metadata = self.metadata_columns
        headers = self.header_columns
        names = header_names(headers, metadata_names(metadata))
        fields = {document: dict(values) for document, values in self.metadata.items()}
        for field, name in zip(headers, names, strict=True):
            if name in documents.columns:
                for document, value in rows_of(documents, "document", name):
                    fields[str(document)][field] = str(value)
        return fields

    @cached_property
    def document_ids(self) -> tuple[str, ...]:
        """Every document coded, in reading order."""
        return tuple(str(d) for d in self.documents["document"])

    @cached_property
    def metadata(self) -> dict[str, dict[str, str]]:
        """Attributes of every document (names as recorded in the manifest)."""
        documents = self.documents
        columns = self.metadata_columns
        table: dict[str, dict[str, str]] = {str(d): {} for d in documents["document"]}
        for column, name in zip(columns, metadata_names(columns), strict=True):
            if name in documents.columns:
                for document, value in rows_of(documents, "document", name):
                    table[str(document)][column] = "" if value is None else str(value)
        return table

    # -- the codebook ------------------------------------------------------------------

    @cached_property
    def _codebook_and_warnings(self) -> tuple[Codebook | None, tuple[str, ...]]:
        from healcode.codebook import load_codebook

        expected = str((self.manifest.get("codebook") or {}).get("sha256") or "")
        if self._codebook_override is not None:
            path = Path(self._codebook_override)
            book = load_codebook(path)
            found = book.sha256 or ""
            if expected and found != expected:
                raise CodebookError(
                    f"{path}: not the codebook of this run (SHA-256 {found[:12]}…, the "
                    f"run used {expected[:12]}…); pass the codebook file the run used"
                )
            return book, ()
        recorded, problem = self.recorded_codebook()
        if recorded is None:
            return None, (
                f"{problem}; definitions are left out (pass --codebook with the file the run used)",
            )
        return recorded, ()

    @property
    def codebook(self) -> Codebook | None:
        """The run's codebook if it can be found unchanged (see ``warnings`` if not)."""
        return self._codebook_and_warnings[0]

    @property
    def warnings(self) -> tuple[str, ...]:
        return self._codebook_and_warnings[1]

    def require_codebook(self, then: str) -> Codebook:
        """The run's codebook, or an error saying why it is needed (``then``: what for)."""
        book = self.codebook
        if book is None:
            _, problem = self.recorded_codebook()
            raise RunError(f"{self.path}: {problem}; run healcode code again, then {then}")
        return book

    def recorded_codebook(self) -> tuple[Codebook | None, str]:
        """The codebook the manifest names, if it is still there and unchanged; else None
        and why (readers decide whether that is an error or a warning)."""
        from healcode.codebook import load_codebook

        recorded = self.manifest.get("codebook") or {}
        if not recorded.get("path"):
            return None, f"{self.path / MANIFEST} names no codebook file"
        path = Path(str(recorded["path"]))
        try:
            data = path.read_bytes()
        except OSError:
            return None, f"codebook {path} not found"
        expected = recorded.get("sha256")
        if expected and hashlib.sha256(data).hexdigest() != expected:
            return None, f"codebook {path} changed since the run (SHA-256 differs)"
        return load_codebook(path), ""

    @cached_property
    def themes(self) -> tuple[CodeInfo, ...]:
        return self._code_infos[0]

    @cached_property
    def codes(self) -> tuple[CodeInfo, ...]:
        """Every code path of the frequency table, in codebook order."""
        return self._code_infos[1]

    def label(self, path: str) -> str:
        for info in (*self.themes, *self.codes):
            if info.path == path:
                return info.label
        return path

    @cached_property
    def _code_infos(self) -> tuple[tuple[CodeInfo, ...], tuple[CodeInfo, ...]]:
        nodes: dict[str, Any] = {}
        if self.codebook is not None:
            for theme in self.codebook.themes:
                nodes[theme.id] = theme
                for code in theme.codes:
                    nodes[f"{theme.id}/{code.id}"] = code
        themes: list[CodeInfo] = []
        codes: list[CodeInfo] = []
        for level, theme, code, label in rows_of(
            self.frequencies, "level", "theme", "code", "label"
        ):
            path = theme if level == "theme" else code
            # a theme's own terms are a code path of their own; the theme's words are not
            node = nodes.get(path) if level == "theme" or "/" in path else None
            info = CodeInfo(
                path,
                theme,
                label,
                *(
                    (
                        node.label_en,
                        node.definition,
                        node.when_to_use,
                        node.when_not_to_use,
                        node.example,
                    )
                    if node is not None
                    else ()
                ),
            )
            (themes if level == "theme" else codes).append(info)
        return tuple(themes), tuple(codes)

    # -- the inputs, read again --------------------------------------------------------

    def read_texts(self) -> list[Document]:
        """The run's documents, read again exactly as the manifest says they were read.

        Each input must be unchanged since the run (SHA-256) and every unit of the run
        must sit at its offsets in the text read: a source edited, moved or read
        differently is an error, never a silently shifted coding.
        """
        from healcode.corpus import Corpus, read_metadata
        from healcode.corpus.read import Source

        inputs = self.manifest.get("inputs")
        if not isinstance(inputs, list):
            raise RunError(f"{self.path / MANIFEST}: lists no inputs; run healcode code again")
        options = self.options
        sources = []
        for entry in inputs:
            path = Path(entry["path"])
            root = Path(entry.get("root") or path.parent)
            self._check_unchanged(path, entry)
            sources.append(Source(path, path.relative_to(root).with_suffix("").as_posix(), root))
        metadata: dict[str, dict[str, str]] = {}
        if options.get("metadata"):
            try:
                metadata, _ = read_metadata(
                    Path(options["metadata"]), encoding=options.get("encoding")
                )
            except CorpusError as exc:
                raise RunError(f"{exc} (the metadata of the run {self.path})") from None
        corpus = Corpus(
            sources,
            metadata,
            encoding=options.get("encoding"),
            id_column=options.get("id_column"),
            text_columns=tuple(options.get("text_columns") or ()),
            strict=True,
        )
        spans: dict[str, list[tuple[int, int, int, str]]] = {}
        for document, unit, start, end, text in rows_of(
            self.units, "document", "unit", "start", "end", "text"
        ):
            spans.setdefault(document, []).append((unit, start, end, text))
        documents: list[Document] = []
        try:
            for document in corpus.documents():
                for unit, start, end, text in spans.get(document.id, []):
                    if document.text[start:end] != text:
                        raise RunError(
                            f"{document.source}: the text read now does not match unit {unit} "
                            f"of {self.file(UNITS)} at {start}-{end}; the run was made with "
                            "other reading options, or the file changed: run healcode code again"
                        )
                documents.append(document)
        except CorpusError as exc:
            raise RunError(f"{exc} (while reading the inputs of {self.path} again)") from None
        found = {d.id for d in documents}
        missing = [d for d in spans if d not in found]
        if missing:
            raise RunError(
                f"{self.file(UNITS)}: documents {', '.join(missing[:3])} were not found in the "
                f"inputs listed in {MANIFEST}; run healcode code again"
            )
        return documents

    def _check_unchanged(self, path: Path, entry: dict[str, Any]) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RunError(
                f"{path}: input of the run {self.path} cannot be read ({exc.strerror}); it has "
                "moved or been deleted since the run: run healcode code again"
            ) from None
        if entry.get("sha256") and hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise RunError(
                f"{path}: changed since the run in {self.path} (its SHA-256 differs from "
                f"{MANIFEST}); run healcode code again"
            )


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(
            f"{folder}: not a healcode output directory (no {MANIFEST}); give the output "
            "folder of healcode code"
        ) from None
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RunError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or "codebook" not in manifest:
        raise RunError(f"{path}: not the manifest of a healcode run; run healcode code again")
    made = manifest.get("run_format", 1)
    if not isinstance(made, int) or made > RUN_FORMAT:
        raise RunError(
            f"{folder}: made by a newer healcode ({manifest.get('healcode', '?')}, run format "
            f"{made}); this healcode reads run format {RUN_FORMAT} and older: upgrade healcode"
        )
    return manifest


def _check_header(path: Path, spec: TableSpec) -> None:
    """A table of the run is there and has its columns (read in full only when used)."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except FileNotFoundError:
        raise RunError(f"{path}: missing; run healcode code again") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RunError(f"{path}: cannot be read as CSV ({exc})") from None
    missing = [c for c in spec.names if c not in header]
    if missing:
        raise RunError(f"{path}: missing column(s) {', '.join(missing)}; run healcode code again")


_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def _booleans(text: pd.Series, path: Path, column: str) -> pd.Series:
    """True/False as healcode writes them, and TRUE/FALSE or 1/0 as a spreadsheet saves
    them; anything else is an error (never read as False)."""
    lowered = text.str.lower()
    valid = lowered.isin(_TRUE | _FALSE)
    if not valid.all():
        row = int(valid.to_numpy().argmin())
        raise RunError(
            f"{path} line {row + 2}: column {column!r} is {text.iloc[row]!r}, not True or False"
        )
    return lowered.isin(_TRUE)


def read_table(path: Path, spec: TableSpec) -> pd.DataFrame:
    """One table of a run, its columns checked and converted as ``spec`` declares."""
    import pandas as pd

    try:
        # Everything as text first: document ids like 007 and words like NA stay as written.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise RunError(f"{path}: missing; run healcode code again") from None
    except pd.errors.EmptyDataError:
        raise RunError(f"{path}: empty; run healcode code again") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise RunError(f"{path}: cannot be read as CSV ({exc})") from None
    missing = [c for c in spec.names if c not in frame.columns]
    if missing:
        raise RunError(f"{path}: missing column(s) {', '.join(missing)}; run healcode code again")
    kinds = spec.kinds()
    extra = [c for c in frame.columns if c not in kinds]
    if spec.extra == "counts":
        kinds.update(dict.fromkeys(extra, "int"))
    for column, kind in kinds.items():
        if column not in frame.columns or kind == "str":
            continue
        try:
            if kind == "bool":
                frame[column] = _booleans(frame[column], path, column)
            elif kind == "int":
                frame[column] = frame[column].astype("int64")
            else:
                text = frame[column]
                frame[column] = pd.to_numeric(text.where(text != "")).astype("float64")
        except ValueError as exc:
            raise RunError(f"{path}: column {column!r} is not numeric ({exc})") from None
    return frame
