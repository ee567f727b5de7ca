"""Find transcript files and read each into a Document (one at a time)."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from healcode.corpus.text import decode_bytes
from healcode.errors import CorpusError
from healcode.outdir import is_output
from healcode.records import Document, Turn

TEXT_SUFFIXES = frozenset({".txt", ".md", ".docx"})
TABLE_SUFFIXES = frozenset({".csv", ".xlsx"})
UNSUPPORTED_SUFFIXES = {
    ".doc": "old Word .doc files cannot be read; save it as .docx",
    ".xls": "old Excel .xls files cannot be read; save it as .xlsx",
    ".pdf": "PDF files cannot be read; export the transcript as .txt or .docx",
}
# Files in a corpus folder that describe the corpus rather than belong to it.
METADATA_NAME = "metadata.csv"
_DOC_NAMES = ("readme", "license", "licence")


@dataclass(frozen=True, slots=True)
class Source:
    """One input file and the document id it gets (tables give ids per row)."""

    path: Path
    id: str
    root: Path  # the directory the id is relative to

    @property
    def is_table(self) -> bool:
        return self.path.suffix.lower() in TABLE_SUFFIXES


def find_sources(
    paths: Sequence[Path], *, tables: bool, outputs: list[Path] | None = None
) -> list[Source]:
    """Expand files and directories (recursively) into sources in a stable order.

    Tables (.csv/.xlsx) inside directories are read only when ``tables`` is true
    (i.e. text columns were given); a table named explicitly is always a source. Files
    inside directories that healcode wrote (an output folder or file left in the corpus,
    see ``outdir.is_output``) are left out and appended to ``outputs``.
    """
    sources: list[Source] = []
    markers: dict[Path, dict[str, object] | None] = {}  # each folder's marker, read once
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*"), key=lambda p: p.relative_to(path).as_posix()):
                if not (file.is_file() and _belongs_to_corpus(file, path, tables=tables)):
                    continue
                if is_output(file, path, markers):
                    if outputs is not None:
                        outputs.append(file)
                else:
                    rel = file.relative_to(path).with_suffix("")
                    sources.append(Source(file, rel.as_posix(), path))
        elif path.is_file():
            sources.append(Source(path, path.stem, path.parent))
        else:
            raise CorpusError(f"{path}: no such file or directory")
    return sources


def _belongs_to_corpus(file: Path, root: Path, *, tables: bool) -> bool:
    rel_parts = file.relative_to(root).parts
    if any(part.startswith(".") for part in rel_parts):
        return False
    suffix = file.suffix.lower()
    if file.name.lower() == METADATA_NAME or file.stem.lower().startswith(_DOC_NAMES):
        return False
    return (
        suffix in TEXT_SUFFIXES
        or suffix in UNSUPPORTED_SUFFIXES
        or (tables and suffix in TABLE_SUFFIXES)
    )


def read_source(
    source: Source,
    *,
    encoding: str | None = None,
    id_column: str | None = None,
    text_columns: Sequence[str] = (),
    warnings: list[str] | None = None,
) -> list[Document]:
    """Read one source: a transcript gives one Document, a table one per row.

    Messages about a file that was read but may be read wrong (an uncertain encoding)
    are appended to ``warnings``.
    """
    _check_name(source)
    suffix = source.path.suffix.lower()
    if suffix in UNSUPPORTED_SUFFIXES:
        raise CorpusError(f"{source.path}: {UNSUPPORTED_SUFFIXES[suffix]}")
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{source.path}: cannot be read ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    name = str(source.path)
    if suffix in TABLE_SUFFIXES:
        return list(
            _table_documents(
                data, source, digest, encoding, id_column, tuple(text_columns), warnings
            )
        )
    if suffix == ".docx":
        text, used = _docx_text(data, name), "docx"
    elif suffix in TEXT_SUFFIXES:
        text, used = decode_bytes(data, name, encoding=encoding, warnings=warnings)
    else:
        raise CorpusError(f"{name}: unsupported file type {suffix or '(none)'}")
    return [Document(source.id, text, name, used, digest)]


def _check_name(source: Source) -> None:
    """A document id comes from the file name and goes into every table: it must be text
    that UTF-8 can write and a CSV row can hold."""
    # Bytes that are not UTF-8 shown as \xb7 (as the name's bytes are), control characters
    # as \r or \t, so that the message names the file and stays one line.
    shown = "".join(
        char if char.isprintable() else repr(char)[1:-1]
        for char in os.fsencode(source.path).decode("utf-8", "backslashreplace")
    )
    try:
        source.id.encode("utf-8")
    except UnicodeEncodeError:
        raise CorpusError(
            f"{shown}: the file name is not valid UTF-8 (a zip or disk from a system with "
            "another encoding, e.g. GBK from Chinese Windows); rename it, e.g. with "
            "`convmv -f gbk -t utf-8 --notest FILE`"
        ) from None
    if any(ord(char) < 32 or ord(char) == 127 for char in source.id):
        raise CorpusError(
            f"{shown}: the file name holds a control character (a line break or tab); rename it"
        )


def _docx_text(data: bytes, source: str) -> str:
    from docx import Document as open_docx  # python-docx, imported only when needed

    try:
        paragraphs = [p.text for p in open_docx(io.BytesIO(data)).paragraphs]
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise CorpusError(f"{source}: not a readable Word .docx file") from None
    text = "\n".join(paragraphs).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(f"{source}: the file is empty (no text to code)")
    return text


def _table_documents(
    data: bytes,
    source: Source,
    digest: str,
    encoding: str | None,
    id_column: str | None,
    text_columns: tuple[str, ...],
    warnings: list[str] | None,
) -> Iterator[Document]:
    name = str(source.path)
    header, rows, used = read_table(data, name, encoding=encoding, warnings=warnings)
    if not text_columns:
        raise CorpusError(
            f"{name}: a table needs --text-column naming the answer column(s); "
            f"its columns are: {', '.join(header)}"
        )
    for column in (*text_columns, *([id_column] if id_column else [])):
        if column not in header:
            raise CorpusError(f"{name}: no column {column!r}; its columns are: {', '.join(header)}")
    meta_columns = [c for c in header if c not in text_columns and c != id_column]
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        doc_id = row[id_column].strip() if id_column else f"{source.id}/{number - 1}"
        if not doc_id:
            raise CorpusError(f"{name}: row {number} has an empty {id_column!r}")
        parts: list[str] = []
        turns: list[Turn] = []
        position = 0
        for column in text_columns:
            answer = row[column].replace("\r\n", "\n").replace("\r", "\n").strip()
            if not answer:
                continue
            if parts:
                position += 2  # the blank line that separates answers
            turns.append(Turn(column, "participant", position, position + len(answer)))
            parts.append(answer)
            position += len(answer)
        if not parts:
            continue  # a respondent who answered nothing has nothing to code
        meta = {c: row[c] for c in meta_columns}
        yield Document(
            doc_id, "\n\n".join(parts), f"{name}:{number}", used, digest, meta, tuple(turns)
        )


def read_table(
    data: bytes,
    source: str,
    *,
    encoding: str | None = None,
    warnings: list[str] | None = None,
) -> tuple[list[str], list[dict[str, str]], str]:
    """Header, rows (all values as strings) and encoding of a .csv or .xlsx file."""
    if source.lower().endswith(".xlsx"):
        return (*_xlsx_rows(data, source), "xlsx")
    import csv

    text, used = decode_bytes(data, source, encoding=encoding, warnings=warnings)
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise CorpusError(f"{source}: not a readable CSV file ({exc})") from None
    return (*_rows_from_records(records, source), used)


def _xlsx_rows(data: bytes, source: str) -> tuple[list[str], list[dict[str, str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise CorpusError(f"{source}: not a readable Excel .xlsx file") from None
    sheet = book.worksheets[0]
    records = [
        ["" if value is None else str(value) for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    book.close()
    return _rows_from_records(records, source)


def _rows_from_records(
    records: list[list[str]], source: str
) -> tuple[list[str], list[dict[str, str]]]:
    # A cell's line breaks become LF as in transcripts (an Excel cell may hold CR).
    records = [
        [cell.replace("\r\n", "\n").replace("\r", "\n") for cell in r]
        for r in records
        if any(cell.strip() for cell in r)
    ]
    if not records:
        raise CorpusError(f"{source}: the table is empty")
    header = [cell.strip() for cell in records[0]]
    if len(set(header)) != len(header):
        raise CorpusError(f"{source}: the header repeats a column name")
    width = len(header)
    rows = [dict(zip(header, (r + [""] * width)[:width], strict=True)) for r in records[1:]]
    return header, rows
