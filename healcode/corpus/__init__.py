"""Transcripts in: files and tables -> Documents, turns and units."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from healcode.corpus.read import METADATA_NAME, Source, find_sources, read_source, read_table
from healcode.corpus.turns import find_turns
from healcode.corpus.units import UnitKind, split_units
from healcode.errors import CorpusError
from healcode.records import Document

__all__ = ["Corpus", "InputFile", "UnitKind", "find_turns", "load_corpus", "split_units"]


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file that was read: enough to find it, check it and read it the same way again."""

    path: str  # absolute
    root: str  # the directory its document ids are relative to (absolute)
    sha256: str
    encoding: str
    ids: tuple[str, ...]


@dataclass
class Corpus:
    """The documents to code, read lazily one file at a time.

    Iterating ``documents()`` fills ``inputs`` (files read), ``skipped`` (one message
    per file that could not be read; with ``strict`` the first one raises) and
    ``warnings`` (one message per file that was read but may be read wrong, such as an
    uncertain encoding, naming the file and the option to pass; warnings about the
    metadata file come first).
    """

    sources: list[Source]
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    metadata_columns: list[str] = field(default_factory=list)
    metadata_file: str | None = None
    encoding: str | None = None
    id_column: str | None = None
    text_columns: tuple[str, ...] = ()
    strict: bool = False
    inputs: list[InputFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    metadata_warnings: tuple[str, ...] = ()

    def documents(self) -> Iterator[Document]:
        self.inputs.clear()
        self.skipped.clear()
        self.warnings[:] = self.metadata_warnings
        seen: dict[str, str] = {}
        roots: dict[Path, str] = {}  # each root resolved once
        for source in self.sources:
            try:
                documents = read_source(
                    source,
                    encoding=self.encoding,
                    id_column=self.id_column,
                    text_columns=self.text_columns,
                    warnings=self.warnings,
                )
            except CorpusError as exc:
                if self.strict:
                    raise
                self.skipped.append(str(exc))
                continue
            self.inputs.append(
                InputFile(
                    str(source.path.resolve()),
                    roots.get(source.root)
                    or roots.setdefault(source.root, str(source.root.resolve())),
                    documents[0].sha256 if documents else "",
                    documents[0].encoding if documents else "",
                    tuple(d.id for d in documents),
                )
            )
            for document in documents:
                if document.id in seen:
                    raise CorpusError(
                        f"duplicate document id {document.id!r}: "
                        f"{seen[document.id]} and {document.source}"
                    )
                seen[document.id] = document.source
                yield self._with_metadata(document)

    def reading_options(self) -> dict[str, object]:
        """How the files were read, as recorded in a run's manifest."""
        return {
            "encoding": self.encoding,
            "id_column": self.id_column,
            "text_columns": list(self.text_columns),
            "metadata": str(Path(self.metadata_file).resolve()) if self.metadata_file else None,
            "strict": self.strict,
        }

    def _with_metadata(self, document: Document) -> Document:
        extra = self.metadata.get(document.id)
        if not extra:
            return document
        meta = {**document.meta, **extra}
        return Document(
            document.id,
            document.text,
            document.source,
            document.encoding,
            document.sha256,
            meta,
            document.turns,
        )


def load_corpus(
    paths: Sequence[str | Path],
    *,
    encoding: str | None = None,
    id_column: str | None = None,
    text_columns: Sequence[str] = (),
    metadata: str | Path | None = None,
    strict: bool = False,
) -> Corpus:
    """Plan a corpus from files and directories; nothing is read until iterated.

    ``metadata`` is a CSV keyed by document id (column ``document`` or ``id``, else the
    first column); without it, a ``metadata.csv`` inside an input directory is used.
    """
    roots = [Path(p) for p in paths]
    outputs: list[Path] = []
    sources = find_sources(roots, tables=bool(text_columns), outputs=outputs)
    if not sources:
        found = f" (only healcode's own output: {outputs[0]})" if outputs else ""
        raise CorpusError(
            f"no transcripts (.txt, .md, .docx) found in {', '.join(map(str, roots))}{found}"
        )
    metadata_path = Path(metadata) if metadata else _metadata_beside(roots)
    table: dict[str, dict[str, str]] = {}
    columns: list[str] = []
    warnings: list[str] = []
    if outputs:
        more = f" and {len(outputs) - 1} more" if len(outputs) > 1 else ""
        warnings.append(
            f"{outputs[0]}{more}: left out, written by healcode (an output inside the input "
            "folder is not a transcript)"
        )
    if metadata_path is not None:
        table, columns = read_metadata(metadata_path, encoding=encoding, warnings=warnings)
    return Corpus(
        sources,
        table,
        columns,
        str(metadata_path) if metadata_path else None,
        encoding,
        id_column,
        tuple(text_columns),
        strict,
        metadata_warnings=tuple(warnings),
        warnings=list(warnings),
    )


def _metadata_beside(roots: Sequence[Path]) -> Path | None:
    for root in roots:
        candidate = (root if root.is_dir() else root.parent) / METADATA_NAME
        if candidate.is_file():
            return candidate
    return None


def read_metadata(
    path: Path, *, encoding: str | None = None, warnings: list[str] | None = None
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Participant attributes keyed by document id, and their column names in order."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror})") from None
    header, rows, _ = read_table(data, str(path), encoding=encoding, warnings=warnings)
    key = next((c for c in ("document", "id") if c in header), header[0])
    columns = [c for c in header if c != key]
    table: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        doc_id = row[key].strip()
        if doc_id in table:
            raise CorpusError(f"{path}:{number}: document {doc_id!r} is listed twice")
        table[doc_id] = {c: row[c].strip() for c in columns}
    return table, columns
