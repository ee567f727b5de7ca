"""Paper-ready tables of a coding run: themes (or codes), frequencies, matrix, co-occurrence.

The tables are built once as plain rows (``PaperTable``) from the run's output
directory, then written as an XLSX workbook, Markdown, LaTeX (booktabs) or a DOCX
document. Every count comes from excerpts.csv, so a breakdown by document or by a
metadata column adds up to the totals.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from healcode.choices import Level

if TYPE_CHECKING:
    from healcode.export.docx import Paper
    from healcode.run import CodeInfo, Run

TableFormat = Literal["xlsx", "markdown", "latex", "docx"]
TABLE_FORMATS: tuple[TableFormat, ...] = get_args(TableFormat)
EXTENSIONS: dict[TableFormat, str] = {
    "xlsx": "xlsx",
    "markdown": "md",
    "latex": "tex",
    "docx": "docx",
}
TABLES_DIR = "tables"
DEFINITION_CHARS = 40  # the short form of a definition: its first sentence, at most this long
BLANK_GROUP = "(blank)"

Cell = str | int | float


@dataclass(frozen=True, slots=True)
class PaperTable:
    """One table as every writer needs it: text and numbers, plus how to set them."""

    name: str  # sheet name and label: themes, frequencies, matrix, cooccurrence
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    decimals: tuple[int | None, ...]  # per column: None for text, else digits after the point
    strong: tuple[bool, ...] = ()  # per row: a theme heading among its codes
    wrap: tuple[bool, ...] = ()  # per column: long text set in a paragraph column
    note: str = ""

    def is_numeric(self, column: int) -> bool:
        return self.decimals[column] is not None

    def is_strong(self, row: int) -> bool:
        return bool(self.strong) and self.strong[row]

    def wraps(self, column: int) -> bool:
        return bool(self.wrap) and self.wrap[column]

    def text(self, row: int, column: int) -> str:
        """A cell as it is printed: numbers with the column's number of decimals."""
        value = self.rows[row][column]
        digits = self.decimals[column]
        if digits is not None and isinstance(value, float):
            return f"{value:.{digits}f}"
        return str(value)


@dataclass(frozen=True, slots=True)
class TablesWritten:
    path: Path
    tables: tuple[PaperTable, ...]
    warnings: tuple[str, ...]


def short_definition(text: str, *, limit: int = DEFINITION_CHARS) -> str:
    """The first sentence of a definition, cut to ``limit`` characters."""
    text = " ".join(text.split())
    first = re.split(r"(?<=[。！？；!?;])|(?<=\.)\s", text, maxsplit=1)[0].strip()
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def build_paper_tables(
    run: Run, *, level: Level = "theme", by: str | None = None
) -> list[PaperTable]:
    """The theme (or code) table, optionally broken down ``by`` document or a metadata
    column, then the frequency, matrix and co-occurrence tables."""
    counts = _Counts(run)
    return [
        _theme_table(run, counts, level, by),
        _frequency_table(run, level),
        _matrix_table(run, counts, level),
        _cooccurrence_table(run),
    ]


class _Counts:
    """Coded units per theme and code path, per document (negated codings left out)."""

    def __init__(self, run: Run) -> None:
        from healcode.run import rows_of

        units: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for document, unit, theme, code, negated in rows_of(
            run.excerpts, "document", "unit", "theme", "code", "negated"
        ):
            if negated:
                continue
            units[f"theme:{theme}"].add((document, int(unit)))
            units[f"code:{code}"].add((document, int(unit)))
        # per path: document -> coded units, so a breakdown costs one look-up a cell
        self.by_document: dict[str, dict[str, int]] = {}
        for key, found in units.items():
            counts: dict[str, int] = defaultdict(int)
            for document, _ in found:
                counts[document] += 1
            self.by_document[key] = dict(counts)

    def _of(self, level: Level, path: str) -> dict[str, int]:
        return self.by_document.get(f"{level}:{path}", {})

    def references(self, level: Level, path: str, documents: set[str] | None = None) -> int:
        counts = self._of(level, path)
        if documents is None:
            return sum(counts.values())
        return sum(counts.get(d, 0) for d in documents)

    def documents(self, level: Level, path: str, documents: set[str] | None = None) -> int:
        counts = self._of(level, path)
        return len(counts) if documents is None else sum(d in counts for d in documents)


def _rows(run: Run, level: Level, counts: _Counts) -> list[tuple[Level, CodeInfo]]:
    """Themes, or at code level each theme followed by its codes, in codebook order.

    A theme's own terms form a code path of their own, listed only when they coded
    something (most codebooks put every term under a code).
    """
    rows: list[tuple[Level, CodeInfo]] = []
    for theme in run.themes:
        rows.append(("theme", theme))
        if level == "code":
            rows.extend(
                ("code", code)
                for code in run.codes
                if code.theme == theme.path
                and ("/" in code.path or counts.references("code", code.path))
            )
    return rows


def _name(info: CodeInfo, kind: Level) -> str:
    if kind == "code" and "/" not in info.path:
        return "(theme terms)"
    if info.label_en:
        return info.label_en
    return info.path if kind == "theme" else info.path.rpartition("/")[2]


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _theme_table(run: Run, counts: _Counts, level: Level, by: str | None) -> PaperTable:
    total = len(run.document_ids)
    groups = _groups(run, by) if by else []
    columns = [
        "Theme" if level == "theme" else "Theme / code",
        "Label",
        "Definition",
        "References",
        "Documents",
        "% documents",
    ]
    decimals: list[int | None] = [None, None, None, 0, 0, 1]
    per_document = by == "document"
    for group, _ in groups:
        if per_document:
            columns.append(group)
            decimals.append(0)
        else:
            columns.extend([f"{group} refs", f"{group} docs"])
            decimals.extend([0, 0])
    rows, strong = [], []
    for kind, info in _rows(run, level, counts):
        docs = counts.documents(kind, info.path)
        row: list[Cell] = [
            _name(info, kind),
            info.label,
            short_definition(info.definition),
            counts.references(kind, info.path),
            docs,
            _percent(docs, total),
        ]
        for _, members in groups:
            row.append(counts.references(kind, info.path, members))
            if not per_document:
                row.append(counts.documents(kind, info.path, members))
        rows.append(tuple(row))
        strong.append(level == "code" and kind == "theme")
    book = _book_name(run)
    caption = f"{'Themes' if level == 'theme' else 'Themes and codes'} of {book}"
    if by:
        caption += f", by {by}"
    note = (
        f"References: coded units (a theme counts the units of all its codes once). "
        f"Documents: documents with at least one reference; % of {total} documents."
    )
    if by and not per_document:
        sizes = ", ".join(f"{group} {len(members)}" for group, members in groups)
        note += f" Documents per {by}: {sizes}."
    if run.codebook is None:
        note += " Definitions left out: the codebook file was not available unchanged."
    return PaperTable(
        "themes" if level == "theme" else "codes",
        caption,
        tuple(columns),
        tuple(rows),
        tuple(decimals),
        tuple(strong),
        (False, False, True) + (False,) * (len(columns) - 3),
        note,
    )


def _groups(run: Run, by: str) -> list[tuple[str, set[str]]]:
    """(group name, its documents), in the order the groups first appear."""
    if by == "document":
        return [(d, {d}) for d in run.document_ids]
    run.metadata_column(by)  # raises for a column the run does not have
    groups: dict[str, set[str]] = {}
    for document in run.document_ids:
        meta = run.metadata.get(document, {})
        groups.setdefault(meta.get(by, "") or BLANK_GROUP, set()).add(document)
    return list(groups.items())


def _frequency_table(run: Run, level: Level) -> PaperTable:
    from healcode.run import rows_of

    frame = run.frequencies
    if level == "theme":
        frame = frame[frame["level"] == "theme"]
    rows: list[tuple[Cell, ...]] = []
    strong: list[bool] = []
    infos = {("theme", i.path): i for i in run.themes} | {("code", i.path): i for i in run.codes}
    for (
        row_level,
        theme,
        code,
        label,
        references,
        documents,
        documents_pct,
        hits,
        per_10k,
    ) in rows_of(
        frame,
        "level",
        "theme",
        "code",
        "label",
        "references",
        "documents",
        "documents_pct",
        "hits",
        "per_10k_chars",
    ):
        kind: Level = "theme" if row_level == "theme" else "code"
        path = str(theme if kind == "theme" else code)
        info = infos[(kind, path)]
        if kind == "code" and "/" not in path and not references:
            continue  # an unused theme-terms path, as in the theme table
        rows.append(
            (
                _name(info, kind),
                str(label),
                int(references),
                int(documents),
                float(documents_pct),
                int(hits),
                float(per_10k),
            )
        )
        strong.append(level == "code" and kind == "theme")
    return PaperTable(
        "frequencies",
        f"Frequencies of the {'themes' if level == 'theme' else 'themes and codes'}",
        (
            "Theme" if level == "theme" else "Theme / code",
            "Label",
            "References",
            "Documents",
            "% documents",
            "Hits",
            "Hits per 10k chars",
        ),
        tuple(rows),
        (None, None, 0, 0, 1, 0, 2),
        tuple(strong),
        (),
        "Hits: matched terms. Hits per 10k chars: per 10,000 characters of coded speech.",
    )


def _matrix_table(run: Run, counts: _Counts, level: Level) -> PaperTable:
    paths = [
        (kind, info)
        for kind, info in _rows(run, level, counts)
        if level == "theme" or kind == "code"
    ]
    columns = ("Document", *(info.label for _, info in paths))
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (document, *(counts.references(kind, info.path, {document}) for kind, info in paths))
        for document in run.document_ids
    )
    return PaperTable(
        "matrix",
        f"References per document and {'theme' if level == 'theme' else 'code'}",
        columns,
        rows,
        (None, *(0 for _ in paths)),
        note="Each cell: coded units of the document with the theme or code.",
    )


def _cooccurrence_table(run: Run) -> PaperTable:
    frame = run.cooccurrence
    themes = [t for t in run.themes if t.path in frame.columns]
    by_theme = {
        row[0]: row[1:]
        for row in frame[["theme", *(t.path for t in themes)]].itertuples(index=False)
    }
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (theme.label, *(int(v) for v in by_theme[theme.path]))
        for theme in themes
        if theme.path in by_theme
    )
    return PaperTable(
        "cooccurrence",
        "Co-occurrence of themes",
        ("Theme", *(t.label for t in themes)),
        rows,
        (None, *(0 for _ in themes)),
        note="Each cell: units coded with both themes; the diagonal: units coded with the theme.",
    )


def _book_name(run: Run) -> str:
    return str((run.manifest.get("codebook") or {}).get("name") or "the codebook")


def write_tables(
    outdir: str | Path,
    *,
    fmt: TableFormat,
    level: Level = "theme",
    by: str | None = None,
    force: bool = False,
    codebook: str | Path | None = None,
    paper: Paper = "a4",
) -> TablesWritten:
    """Write ``outdir/tables/<themes|codes>[_by_<column>].<ext>`` with all four tables
    (``paper``: the page size of a Word document)."""
    from healcode.outdir import IN_PLACE, staged_file
    from healcode.run import Run

    run = Run.open(outdir, codebook=codebook)
    tables = build_paper_tables(run, level=level, by=by)
    stem = "themes" if level == "theme" else "codes"
    if by:
        stem += "_by_" + re.sub(r"[^\w-]+", "_", by).strip("_")
    path = Path(outdir) / TABLES_DIR / f"{stem}.{EXTENSIONS[fmt]}"
    created = _run_date(run)
    data = _render(tables, fmt, created, paper)
    with staged_file(path, force=force, elsewhere=IN_PLACE) as staging:
        staging.write_bytes(data)
    return TablesWritten(path, tuple(tables), run.warnings)


def _render(tables: Sequence[PaperTable], fmt: TableFormat, created: str, paper: Paper) -> bytes:
    if fmt == "markdown":
        from healcode.export.markdown import markdown_tables

        return markdown_tables(tables).encode("utf-8")
    if fmt == "latex":
        from healcode.export.latex import latex_tables

        return latex_tables(tables).encode("utf-8")
    if fmt == "xlsx":
        from healcode.export.xlsx import xlsx_workbook

        return reproducible_zip(xlsx_workbook(tables), created)
    from healcode.export.docx import docx_document

    return reproducible_zip(docx_document(tables, paper=paper), created)


def _run_date(run: Run) -> str:
    """The run's date as OOXML wants it (``2024-05-01T08:00:00Z``); the epoch if unknown."""
    created = str(run.manifest.get("created") or "")
    match = re.match(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})", created)
    return f"{match[1]}Z" if match else "1980-01-01T00:00:00Z"


_CORE_DATES = re.compile(
    rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)"
)


def reproducible_zip(data: bytes, created: str) -> bytes:
    """The same XLSX/DOCX bytes for the same tables: the package's dates become the run's
    and every member gets one fixed timestamp (the writers stamp the current time)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(rb"\g<1>" + created.encode() + rb"\g<2>", content)
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return buffer.getvalue()
