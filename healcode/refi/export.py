"""Write a coding run as REFI-QDA: the codebook (.qdc) and the project (.qdpx).

A ``.qdpx`` is a zip of ``project.qde`` (XML, ``urn:QDA-XML:project:1.0``) and
``sources/<guid>.txt``. Every document becomes a ``TextSource`` whose text file is the
document text exactly as healcode's offsets count it (UTF-8, LF, no BOM); every coded
unit becomes a ``PlainTextSelection`` whose positions are Unicode code points, end
exclusive, with one ``Coding`` per code path, by the user ``healcode <version>``.
Nothing depends on the time of export: GUIDs are UUID5 over stable names, the only
date is the run's own, and zip entries carry that date, so the same run exports to
byte-identical files.
"""

from __future__ import annotations

import colorsys
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

import healcode
from healcode.choices import ExportFormat
from healcode.codebook import Codebook
from healcode.outdir import check_writable_file, staged_file
from healcode.refi.coded_run import CodedRun, ExcerptRow, RunDocument, load_coded_run
from healcode.refi.description import format_description, format_settings
from healcode.refi.guids import stable_guid
from healcode.run import RUN_FILES

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
DEFAULT_NAMES = {"qdc": "codebook.qdc", "qdpx": "project.qdpx"}
# Tableau 10, a palette designed so that neighbouring categories stay distinguishable.
PALETTE = (
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#76B7B2",
    "#59A14F",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#BAB0AC",
)
ZipDate = tuple[int, int, int, int, int, int]  # year, month, day, hour, minute, second
_NO_DATE: ZipDate = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
_PREVIEW = 40


@dataclass(frozen=True, slots=True)
class ExportSummary:
    path: Path
    format: ExportFormat
    codes: int
    sources: int = 0
    selections: int = 0
    codings: int = 0
    cases: int = 0


def theme_colours(count: int) -> list[str]:
    """A distinct colour for each theme: the palette, then evenly spread hues."""
    colours = list(PALETTE[:count])
    for index in range(len(colours), count):
        hue = (index * 0.618033988749895) % 1.0  # golden-ratio steps never repeat a hue
        red, green, blue = colorsys.hls_to_rgb(hue, 0.5, 0.55)
        colours.append(f"#{round(red * 255):02X}{round(green * 255):02X}{round(blue * 255):02X}")
    return colours


def export_run(
    outdir: str | Path,
    *,
    format: ExportFormat = "qdpx",
    path: str | Path | None = None,
    force: bool = False,
) -> ExportSummary:
    """Export the run in ``outdir`` to ``path`` (default: ``outdir/codebook.qdc`` or
    ``outdir/project.qdpx``); an existing file is replaced only with ``force``."""
    outdir = Path(outdir)
    target = Path(path) if path is not None else outdir / DEFAULT_NAMES[format]
    run = load_coded_run(outdir, texts=format == "qdpx")
    # Neither the run's inputs nor its own files may be overwritten by the export.
    inputs: list[str | Path] = [
        *(str(i.get("path")) for i in run.manifest.get("inputs") or []),
        *(outdir / name for name in RUN_FILES),
    ]
    check_writable_file(target, force=force, inputs=inputs)  # before the project is built
    if format == "qdc":
        data = codebook_xml(run.codebook)
        with staged_file(target, force=force, inputs=inputs) as staging:
            staging.write_bytes(data)
        return ExportSummary(target, "qdc", _count_codes(run.codebook))
    entries, summary = project_entries(run, target)
    with staged_file(target, force=force, inputs=inputs) as staging:
        write_zip(staging, entries, date_time=_zip_date(run.created))
    return summary


def codebook_xml(codebook: Codebook) -> bytes:
    """The codebook as a .qdc document."""
    root = _root_element(CODEBOOK_NS, "CodeBook")
    root.set("origin", _origin())
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    _append_codes(codes, codebook, CODEBOOK_NS)
    return _serialise(root)


def _root_element(ns: str, name: str) -> etree._Element:
    """An element ``name`` in namespace ``ns``, declared as the default namespace."""
    # lxml takes None as the key of the default namespace; lxml-stubs types the keys as str.
    return etree.Element(f"{{{ns}}}{name}", nsmap={None: ns})  # type: ignore[dict-item]


def project_entries(run: CodedRun, target: Path) -> tuple[list[tuple[str, bytes]], ExportSummary]:
    """The zip entries of the project: project.qde first, then the sources."""
    ns = PROJECT_NS
    user = stable_guid("user", _origin())
    created = run.created
    root = _root_element(ns, "Project")
    root.set("name", f"{run.codebook.name}, healcode run {created or ''}".strip())
    root.set("origin", _origin())
    root.set("creatingUserGUID", user)
    if created:
        root.set("creationDateTime", created)
    users = etree.SubElement(root, f"{{{ns}}}Users")
    etree.SubElement(users, f"{{{ns}}}User", guid=user, name=_origin())
    codebook = etree.SubElement(root, f"{{{ns}}}CodeBook")
    _append_codes(etree.SubElement(codebook, f"{{{ns}}}Codes"), run.codebook, ns)

    source_guids = {d.id: stable_guid("source", d.id, _digest(d.text)) for d in run.documents}
    cases = _append_cases(root, run, source_guids)
    sources = etree.SubElement(root, f"{{{ns}}}Sources")
    by_unit: dict[tuple[str, int], list[ExcerptRow]] = defaultdict(list)
    for row in run.excerpts:
        if not row.negated:  # a negated coding (没有希望) is not a coding of the code
            by_unit[(row.document, row.unit)].append(row)
    selections_of: dict[str, list[list[ExcerptRow]]] = defaultdict(list)
    for (document_id, _), rows in by_unit.items():
        selections_of[document_id].append(rows)
    entries: list[tuple[str, bytes]] = []
    labels = run.codebook.labels()
    selections = codings = 0
    for document in run.documents:
        guid = source_guids[document.id]
        source = etree.SubElement(sources, f"{{{ns}}}TextSource", guid=guid, name=document.id)
        source.set("plainTextPath", f"internal://{guid}.txt")
        source.set("creatingUser", user)
        if created:
            source.set("creationDateTime", created)
        _text(source, ns, "Description", _source_description(document))
        for rows in sorted(selections_of[document.id], key=lambda r: (r[0].start, r[0].end)):
            codings += _append_selection(source, ns, guid, rows, labels, user, created)
            selections += 1
        entries.append((f"sources/{guid}.txt", document.text.encode("utf-8")))
    _text(root, ns, "Description", _project_description(run))
    entries.insert(0, ("project.qde", _serialise(root)))
    summary = ExportSummary(
        target, "qdpx", _count_codes(run.codebook), len(run.documents), selections, codings, cases
    )
    return entries, summary


def write_zip(path: Path, entries: list[tuple[str, bytes]], *, date_time: ZipDate) -> None:
    """A zip whose bytes depend only on the entries: fixed dates, modes and system."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever system writes it
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)


def _append_codes(parent: etree._Element, codebook: Codebook, ns: str) -> None:
    for theme, colour in zip(codebook.themes, theme_colours(len(codebook.themes)), strict=True):
        element = _code_element(parent, ns, theme.id, theme.label, colour)
        _text(element, ns, "Description", format_description(theme, theme.id))
        for code in theme.codes:
            path = f"{theme.id}/{code.id}"
            child = _code_element(element, ns, path, code.label, colour)
            _text(child, ns, "Description", format_description(code, path))


def _code_element(parent: etree._Element, ns: str, path: str, name: str, colour: str):
    element = etree.SubElement(parent, f"{{{ns}}}Code", guid=stable_guid("code", path), name=name)
    element.set("isCodable", "true")  # a theme's own terms code the theme itself
    element.set("color", colour)
    return element


def _append_selection(
    source: etree._Element,
    ns: str,
    source_guid: str,
    rows: list[ExcerptRow],
    labels: dict[str, str],
    user: str,
    created: str | None,
) -> int:
    first = rows[0]
    guid = stable_guid("selection", source_guid, first.start, first.end)
    selection = etree.SubElement(source, f"{{{ns}}}PlainTextSelection", guid=guid)
    selection.set("name", _preview(first.text))
    selection.set("startPosition", str(first.start))
    selection.set("endPosition", str(first.end))
    selection.set("creatingUser", user)
    if created:
        selection.set("creationDateTime", created)
    lines = [f"healcode unit {first.unit} ({first.speaker or 'no speaker'})"]
    for row in rows:
        label = labels.get(row.code, row.code)
        lines.append(f"{label} ({row.code}): {_why(row)}")
    _text(selection, ns, "Description", "\n".join(lines))
    for row in rows:
        coding = etree.SubElement(selection, f"{{{ns}}}Coding")
        coding.set("guid", stable_guid("coding", guid, row.code, user))
        coding.set("creatingUser", user)
        if created:
            coding.set("creationDateTime", created)
        etree.SubElement(coding, f"{{{ns}}}CodeRef", targetGUID=stable_guid("code", row.code))
    return len(rows)


def _append_cases(root: etree._Element, run: CodedRun, source_guids: dict[str, str]) -> int:
    """One case per document, with its metadata as variable values."""
    ns = PROJECT_NS
    columns = [c for c in run.metadata_columns if any(c in d.meta for d in run.documents)]
    if not columns:
        return 0
    kinds = {c: _variable_type([d.meta[c] for d in run.documents if c in d.meta]) for c in columns}
    variables = etree.SubElement(root, f"{{{ns}}}Variables")
    for column in columns:
        etree.SubElement(
            variables,
            f"{{{ns}}}Variable",
            guid=stable_guid("variable", column),
            name=column,
            typeOfVariable=kinds[column],
        )
    cases = etree.SubElement(root, f"{{{ns}}}Cases")
    for document in run.documents:
        case = etree.SubElement(
            cases, f"{{{ns}}}Case", guid=stable_guid("case", document.id), name=document.id
        )
        for column in columns:
            if column not in document.meta:
                continue
            value = etree.SubElement(case, f"{{{ns}}}VariableValue")
            etree.SubElement(
                value, f"{{{ns}}}VariableRef", targetGUID=stable_guid("variable", column)
            )
            _text(value, ns, f"{kinds[column]}Value", document.meta[column].strip())
        etree.SubElement(case, f"{{{ns}}}SourceRef", targetGUID=source_guids[document.id])
    return len(run.documents)


def _variable_type(values: list[str]) -> str:
    """Integer or Float when every value is one (so QDA programs can sort and filter)."""

    def is_int(value: str) -> bool:
        text = value.strip().removeprefix("-")
        return text.isascii() and text.isdigit()

    def is_float(value: str) -> bool:
        whole, dot, fraction = value.strip().removeprefix("-").partition(".")
        return bool(dot) and is_int(whole or "0") and is_int(fraction)

    if values and all(is_int(v) for v in values):
        return "Integer"
    if values and all(is_int(v) or is_float(v) for v in values):
        return "Float"
    return "Text"


def _text(parent: etree._Element, ns: str, tag: str, text: str) -> None:
    if text:
        etree.SubElement(parent, f"{{{ns}}}{tag}").text = text


def _serialise(root: etree._Element) -> bytes:
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _origin() -> str:
    return f"healcode {healcode.__version__}"


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW else flat[:_PREVIEW] + "…"


def _source_description(document: RunDocument) -> str:
    return f"healcode document {document.id}, read from {Path(document.source).name}"


def _project_description(run: CodedRun) -> str:
    """What the run was, then the codebook settings ``healcode import`` reads back."""
    manifest = run.manifest
    options = manifest.get("options") or {}
    segmenter = manifest.get("segmenter") or {}
    settings = ", ".join(
        f"{key} {value}" for key, value in options.items() if key != "bom" and value not in ([], "")
    )
    codebook = run.codebook
    return "\n".join(
        (
            f"Coded automatically by healcode {manifest.get('healcode', '')} on "
            f"{run.created or 'an unrecorded date'} with the codebook {codebook.name!r} "
            f"(SHA-256 {codebook.sha256}) and the segmenter {segmenter.get('name', '?')} "
            f"{segmenter.get('version', '')}; {settings}.",
            format_settings(codebook),
        )
    )


def _count_codes(codebook: Codebook) -> int:
    return sum(1 + len(theme.codes) for theme in codebook.themes)


def _zip_date(created: str | None) -> ZipDate:
    """The run's date (UTC) for every zip entry: a zip holds no date before 1980 and
    counts seconds in twos."""
    if not created:
        return _NO_DATE
    try:
        moment = datetime.fromisoformat(created)
    except ValueError:
        return _NO_DATE
    stamp = (
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second - moment.second % 2,
    )
    return stamp if stamp >= _NO_DATE else _NO_DATE


def _why(row: ExcerptRow) -> str:
    """What coded a unit: the dictionary's matched terms, a learned model's probability and
    the n-grams that raised it most, or both."""
    parts = []
    if row.terms:
        parts.append(f"matched {', '.join(row.terms)}")
    if row.source in ("model", "both") and row.score is not None:
        because = f" ({', '.join(row.evidence)})" if row.evidence else ""
        parts.append(f"learned model, score {row.score:.2f}{because}")
    return "; ".join(parts) or "coded"
