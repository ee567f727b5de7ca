"""Read back the output directory of ``healcode code``: the tables, the manifest, the codebook.

The report and the paper tables are pure functions of this directory. The only file
read from outside it is the codebook named in ``manifest.json`` (for the definitions),
and only when its SHA-256 still matches the run's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healcode.errors import CodebookError, HealcodeError
from healcode.export.run import read_manifest, recorded_codebook

if TYPE_CHECKING:
    import pandas as pd

    from healcode.codebook import Codebook

# Columns each table must have; numeric and boolean ones are converted after reading.
_REQUIRED = {
    "documents.csv": ("document",),
    "units.csv": ("document", "unit", "speaker", "role", "start", "end", "coded", "text"),
    "hits.csv": ("document", "unit", "theme", "code", "term", "start", "end", "negated"),
    "excerpts.csv": ("document", "unit", "speaker", "role", "theme", "code", "terms",
                     "negated", "text"),
    "frequencies.csv": ("level", "theme", "code", "label", "references", "documents",
                        "documents_pct", "hits", "per_10k_chars"),
    "matrix.csv": ("document",),
    "cooccurrence.csv": ("theme",),
}
_INTEGERS = ("unit", "start", "end", "references", "documents", "hits")
_FLOATS = ("documents_pct", "per_10k_chars")
_BOOLEANS = ("coded", "negated")


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


@dataclass(frozen=True)
class RunDirectory:
    """Everything in an output directory, read and checked."""

    path: Path
    manifest: dict[str, Any]
    units: pd.DataFrame
    hits: pd.DataFrame
    excerpts: pd.DataFrame
    frequencies: pd.DataFrame
    matrix: pd.DataFrame
    cooccurrence: pd.DataFrame
    codebook: Codebook | None
    warnings: tuple[str, ...] = ()
    themes: tuple[CodeInfo, ...] = ()
    codes: tuple[CodeInfo, ...] = ()  # every code path of frequencies.csv, codebook order
    documents: tuple[str, ...] = ()  # every document coded, in reading order
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)  # every document

    @property
    def metadata_columns(self) -> list[str]:
        return [str(c) for c in self.manifest.get("metadata_columns", [])]

    def metadata_column(self, name: str) -> str:
        """The excerpts.csv column of a metadata attribute (``role`` -> ``meta_role``)."""
        from healcode.tables import metadata_names

        columns = self.metadata_columns
        if name in columns:
            return metadata_names(columns)[columns.index(name)]
        if name.startswith("meta_") and name.removeprefix("meta_") in columns:
            return name
        known = ", ".join(columns) if columns else "none recorded in manifest.json"
        raise HealcodeError(
            f"{self.path / 'excerpts.csv'}: no metadata column {name!r}; "
            f"use 'document' or one of: {known}"
        )

    def label(self, path: str) -> str:
        for info in (*self.themes, *self.codes):
            if info.path == path:
                return info.label
        return path


def rows_of(frame: pd.DataFrame, *columns: str) -> Iterator[tuple[Any, ...]]:
    """Rows of some columns as plain Python values (iterating a Series is much slower)."""
    return zip(*(frame[column].tolist() for column in columns), strict=True)


def read_run_directory(outdir: str | Path, *, codebook: str | Path | None = None) -> RunDirectory:
    """Read the tables of a coding run; ``codebook`` overrides the path in the manifest."""

    outdir = Path(outdir)
    if not outdir.is_dir():
        raise HealcodeError(
            f"{outdir}: not a directory; give the output directory of `healcode code`"
        )
    manifest = read_manifest(outdir)
    frames: dict[str, pd.DataFrame] = {}
    for name, required in _REQUIRED.items():
        frames[name] = _read_table(outdir / name, required)
    book, warnings = _find_codebook(manifest, codebook)
    themes, codes = _code_infos(frames["frequencies.csv"], book)
    columns = [str(c) for c in manifest.get("metadata_columns", [])]
    return RunDirectory(
        outdir, manifest, frames["units.csv"], frames["hits.csv"], frames["excerpts.csv"],
        frames["frequencies.csv"], frames["matrix.csv"], frames["cooccurrence.csv"], book,
        tuple(warnings), themes, codes, tuple(frames["matrix.csv"]["document"]),
        _metadata(frames["documents.csv"], columns),
    )


def _read_table(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    try:
        # Everything as text first: document ids like 007 and words like NA stay as written.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise HealcodeError(
            f"{path}: missing; rerun `healcode code` to write the whole output directory"
        ) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise HealcodeError(f"{path}: cannot be read as CSV ({exc})") from None
    except pd.errors.EmptyDataError:
        raise HealcodeError(f"{path}: empty; rerun `healcode code`") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise HealcodeError(
            f"{path}: missing column(s) {', '.join(missing)}; rerun `healcode code`"
        )
    try:
        for column in _INTEGERS:
            if column in required:
                frame[column] = frame[column].astype("int64")
        for column in _FLOATS:
            if column in required:
                frame[column] = frame[column].astype("float64")
    except ValueError as exc:
        raise HealcodeError(f"{path}: column {column!r} is not numeric ({exc})") from None
    for column in _BOOLEANS:
        if column in required:
            frame[column] = frame[column] == "True"
    if path.name in ("matrix.csv", "cooccurrence.csv"):
        first = required[0]
        for column in frame.columns:
            if column != first:
                frame[column] = pd.to_numeric(frame[column], errors="raise").astype("int64")
    return frame


def _find_codebook(
    manifest: dict[str, Any], override: str | Path | None
) -> tuple[Codebook | None, list[str]]:
    """The run's codebook, if it can be found unchanged; otherwise a warning."""
    from healcode.codebook import load_codebook

    recorded = manifest.get("codebook") or {}
    expected = str(recorded.get("sha256") or "")
    if override is not None:
        path = Path(override)
        book = load_codebook(path)
        if expected and book.sha256 != expected:
            raise CodebookError(
                f"{path}: not the codebook of this run (SHA-256 {book.sha256[:12]}…, "
                f"the run used {expected[:12]}…); pass the codebook file the run used"
            )
        return book, []
    book, problem = recorded_codebook(manifest)
    if book is None:
        return None, [f"{problem}; definitions are left out "
                      "(pass --codebook with the file the run used)"]
    return book, []


def _code_infos(
    frequencies: pd.DataFrame, codebook: Codebook | None
) -> tuple[tuple[CodeInfo, ...], tuple[CodeInfo, ...]]:
    nodes: dict[str, Any] = {}
    if codebook is not None:
        for theme in codebook.themes:
            nodes[theme.id] = theme
            for code in theme.codes:
                nodes[f"{theme.id}/{code.id}"] = code
    themes, codes = [], []
    for row in frequencies.itertuples(index=False):
        path = row.theme if row.level == "theme" else row.code
        # a theme's own terms are a code path of their own; the theme's words are not theirs
        node = nodes.get(path) if row.level == "theme" or "/" in path else None
        info = CodeInfo(
            path, row.theme, row.label,
            *(
                (node.label_en, node.definition, node.when_to_use, node.when_not_to_use,
                 node.example)
                if node is not None else ()
            ),
        )
        (themes if row.level == "theme" else codes).append(info)
    return tuple(themes), tuple(codes)


def _metadata(documents: pd.DataFrame, columns: list[str]) -> dict[str, dict[str, str]]:
    """Attributes of every document, from documents.csv (names as in manifest.json)."""
    from healcode.tables import metadata_names

    table: dict[str, dict[str, str]] = {str(d): {} for d in documents["document"]}
    for column, name in zip(columns, metadata_names(columns), strict=True):
        if name in documents.columns:
            for document, value in zip(documents["document"], documents[name], strict=True):
                table[str(document)][column] = "" if value is None else str(value)
    return table
