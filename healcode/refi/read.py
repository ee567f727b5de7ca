"""Read a REFI-QDA codebook (.qdc) or project (.qdpx, or a bare .qde) into plain records.

Real exports differ from the standard in small ways, and all of these are read: the
codebook namespaces of NVivo for Mac and ATLAS.ti (``urn:QDA-XML:codebook:1:0``,
``:0:4``; elements are matched by local name, whatever the namespace), GUIDs in upper
case or in braces, a ``Sources/`` folder in either case, a ``.qde`` with another name
than ``project.qde``, a BOM at the start of a source, a ``plainTextPath`` without
``internal://`` that names a file in the archive (QualCoder), and sources referenced but not
in the archive (a warning; their codings are still listed). Only text is read: codings
of pictures, PDF regions, audio and video are counted and reported, not imported.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from lxml import etree

from healcode.errors import ExchangeError
from healcode.refi.guids import normalise_guid
from healcode.refi.safety import MAX_READ_BYTES, SafeArchive, open_archive, parse_xml

ExchangeKind = Literal["project", "codebook"]
_MEDIA = ("PictureSource", "AudioSource", "VideoSource")
# A path that points outside the archive: a URL scheme (relative://, absolute://,
# file://), an absolute POSIX path, or a Windows drive or network path.
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|/|[a-z]:[\\/]|\\\\)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ExchangeCode:
    guid: str
    name: str
    description: str
    children: tuple[ExchangeCode, ...] = ()


@dataclass(frozen=True, slots=True)
class ExchangeSource:
    guid: str
    name: str
    # The text as stored (BOM removed, line ends as they are: positions count them);
    # None when the source is referenced but missing or unreadable.
    text: str | None


@dataclass(frozen=True, slots=True)
class ExchangeCoding:
    source: str  # GUID of the text source
    start: int | None  # None: the code applies to the whole source
    end: int | None
    code: str  # GUID of the code
    user: str | None  # GUID of the user who coded
    selection: str  # name or GUID of the selection, for messages
    name: str = ""  # the selection's name (some programs write the selected text)


@dataclass
class Exchange:
    path: Path
    kind: ExchangeKind
    name: str
    origin: str
    codes: list[ExchangeCode]
    users: dict[str, str] = field(default_factory=dict)
    sources: list[ExchangeSource] = field(default_factory=list)
    codings: list[ExchangeCoding] = field(default_factory=list)
    variables: dict[str, dict[str, str]] = field(default_factory=dict)  # source -> values
    missing: list[str] = field(default_factory=list)  # sources referenced, not in the archive
    variable_names: dict[str, str] = field(default_factory=dict)  # GUID -> name
    description: str = ""
    warnings: list[str] = field(default_factory=list)


def read_exchange(path: str | Path, *, max_bytes: int = MAX_READ_BYTES) -> Exchange:
    """Read a .qdpx, .qdc or .qde file; raises ExchangeError for unsafe or unreadable files."""
    path = Path(path)
    if not path.exists():
        raise ExchangeError(f"{path}: no such file")
    if path.is_dir():
        raise ExchangeError(f"{path}: is a directory; give a .qdpx or .qdc file")
    if path.suffix.lower() == ".qdpx" or zipfile.is_zipfile(path):
        with open_archive(path, max_bytes=max_bytes) as archive:
            name = _find_qde(archive)
            root = parse_xml(archive.read(name), f"{path}:{name}")
            return _read_root(root, path, archive)
    size = path.stat().st_size
    if size > max_bytes:
        raise ExchangeError(f"{path}: {size} bytes, too large for a codebook or project file")
    return _read_root(parse_xml(path.read_bytes(), str(path)), path, None)


def _find_qde(archive: SafeArchive) -> str:
    """``project.qde`` as the standard names it, else the one .qde there is."""
    candidates = sorted(
        (n for n in archive.names() if n.lower().endswith(".qde")),
        key=lambda n: (n.count("/"), PurePosixPath(n).name.lower() != "project.qde", n),
    )
    if not candidates:
        raise ExchangeError(
            f"{archive.path}: no project file (.qde) in the archive; not a REFI-QDA project"
        )
    return candidates[0]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child) == name]


def _child(element: etree._Element, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _description(element: etree._Element) -> str:
    node = _child(element, "Description")
    return (node.text or "").strip() if node is not None else ""


def _read_root(root: etree._Element, path: Path, archive: SafeArchive | None) -> Exchange:
    namespace = etree.QName(root).namespace or ""
    kind = _local(root)
    if namespace and not namespace.lower().startswith("urn:qda-xml"):
        raise ExchangeError(
            f"{path}: not a REFI-QDA file (its root element is in the namespace {namespace!r})"
        )
    if kind == "CodeBook":
        codes_node = _child(root, "Codes")
        codes = _read_codes(codes_node) if codes_node is not None else []
        return Exchange(path, "codebook", path.stem, root.get("origin", ""), codes)
    if kind != "Project":
        raise ExchangeError(
            f"{path}: not a REFI-QDA file (root element <{kind}>, expected <Project> or <CodeBook>)"
        )
    codebook = _child(root, "CodeBook")
    codes_node = _child(codebook, "Codes") if codebook is not None else None
    exchange = Exchange(
        path,
        "project",
        root.get("name") or path.stem,
        root.get("origin", ""),
        _read_codes(codes_node) if codes_node is not None else [],
    )
    exchange.description = _description(root)
    variables = _child(root, "Variables")
    for variable in _children(variables, "Variable") if variables is not None else []:
        guid = normalise_guid(variable.get("guid")) or ""
        exchange.variable_names[guid] = variable.get("name") or guid
    users = _child(root, "Users")
    for user in _children(users, "User") if users is not None else []:
        guid = normalise_guid(user.get("guid")) or ""
        exchange.users[guid] = user.get("name") or user.get("id") or guid
    sources = _child(root, "Sources")
    skipped = 0
    for source in sources if sources is not None else []:
        kind = _local(source)
        if kind == "TextSource":
            _read_text_source(source, source.get("name", ""), exchange, archive)
        elif kind == "PDFSource":
            representation = _child(source, "Representation")
            if representation is not None:
                _read_text_source(representation, source.get("name", ""), exchange, archive)
            skipped += sum(len(_children(s, "Coding")) for s in _children(source, "PDFSelection"))
            skipped += len(_children(source, "Coding"))
        elif kind in _MEDIA:
            skipped += sum(1 for node in source.iter() if _local(node) == "Coding")
    if skipped:
        exchange.warnings.append(
            f"{skipped} coding(s) of pictures, PDF regions, audio or video were not imported "
            "(healcode reads text only)"
        )
    _read_cases(root, exchange)
    return exchange


def _read_codes(codes: etree._Element) -> list[ExchangeCode]:
    return [
        ExchangeCode(
            normalise_guid(code.get("guid")) or "",
            (code.get("name") or "").strip(),
            _description(code),
            tuple(_read_codes(code)),
        )
        for code in _children(codes, "Code")
    ]


def _read_text_source(
    element: etree._Element, name: str, exchange: Exchange, archive: SafeArchive | None
) -> None:
    guid = normalise_guid(element.get("guid")) or ""
    name = name or element.get("name") or guid
    text = _source_text(element, name, exchange, archive)
    exchange.sources.append(ExchangeSource(guid, name, text))
    source_user = normalise_guid(element.get("creatingUser"))
    for coding in _children(element, "Coding"):
        _add_coding(exchange, coding, guid, None, None, source_user, f"source {name!r}")
    for selection in _children(element, "PlainTextSelection"):
        label = selection.get("name") or selection.get("guid") or "?"
        try:
            start = int(selection.get("startPosition", ""))
            end = int(selection.get("endPosition", ""))
        except ValueError:
            exchange.warnings.append(
                f"selection {label!r} in {name!r} has no valid positions; its codings are skipped"
            )
            continue
        user = normalise_guid(selection.get("creatingUser")) or source_user
        for coding in _children(selection, "Coding"):
            _add_coding(
                exchange, coding, guid, start, end, user, label, selection.get("name") or ""
            )
    values = _variable_values(element, exchange)
    if values:
        exchange.variables.setdefault(guid, {}).update(values)


def _add_coding(
    exchange: Exchange,
    coding: etree._Element,
    source: str,
    start: int | None,
    end: int | None,
    user: str | None,
    selection: str,
    name: str = "",
) -> None:
    ref = _child(coding, "CodeRef")
    code = normalise_guid(ref.get("targetGUID")) if ref is not None else None
    if not code:
        exchange.warnings.append(f"a coding of {selection!r} names no code; skipped")
        return
    coder = normalise_guid(coding.get("creatingUser")) or user
    exchange.codings.append(ExchangeCoding(source, start, end, code, coder, selection, name))


def _source_text(
    element: etree._Element, name: str, exchange: Exchange, archive: SafeArchive | None
) -> str | None:
    inline = _child(element, "PlainTextContent")
    if inline is not None:
        return (inline.text or "").removeprefix("\ufeff")
    location = (element.get("plainTextPath") or "").strip()
    if not location:
        exchange.warnings.append(f"source {name!r} has no plain text; its codings have no text")
        return None
    if location.lower().startswith("internal://"):
        location = location[len("internal://") :]
    elif _EXTERNAL.match(location):
        exchange.warnings.append(
            f"source {name!r} is an external file ({location}), which is not read; "
            "its codings are listed without text"
        )
        return None
    # A bare relative path (QualCoder writes them) names a file inside the archive.
    entry = _source_entry(archive, location) if archive else None
    if archive is None or entry is None:
        exchange.missing.append(name)
        return None
    return _decode_source(archive.read(entry), name, exchange)


def _source_entry(archive: SafeArchive, filename: str) -> str | None:
    """The archive entry of an internal source, matching folder and GUID case-insensitively.

    Only the file name counts (``x.txt``, ``sources/x.txt`` and ``Sources\\x.txt`` name
    the same entry); one in a ``sources`` folder is preferred.
    """
    wanted = PurePosixPath(filename.strip().replace("\\", "/")).name
    wanted = wanted.lower().replace("{", "").replace("}", "")
    fallback = None
    for name in archive.names():
        parts = PurePosixPath(name.replace("\\", "/")).parts
        base = parts[-1].lower().replace("{", "").replace("}", "")
        if base != wanted:
            continue
        if len(parts) >= 2 and parts[-2].lower() == "sources":
            return name
        fallback = fallback or name
    return fallback


def _decode_source(data: bytes, name: str, exchange: Exchange) -> str | None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    else:
        codec = "utf-8-sig"  # the standard says UTF-8; a BOM is tolerated and not counted
    try:
        return data.decode(codec).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        exchange.warnings.append(
            f"source {name!r} is not UTF-8 (byte {exc.start}) as REFI-QDA requires; "
            "its codings are listed without text"
        )
        return None


def _variable_values(element: etree._Element, exchange: Exchange) -> dict[str, str]:
    values: dict[str, str] = {}
    for value in _children(element, "VariableValue"):
        ref = _child(value, "VariableRef")
        variable = normalise_guid(ref.get("targetGUID")) if ref is not None else None
        content = [child for child in value if _local(child) != "VariableRef"]
        if variable and content:
            name = exchange.variable_names.get(variable, variable)
            values[name] = (content[0].text or "").strip()
    return values


def _read_cases(root: etree._Element, exchange: Exchange) -> None:
    """Case variables become metadata of the sources each case refers to."""
    cases = _child(root, "Cases")
    known = {s.guid for s in exchange.sources}
    for case in _children(cases, "Case") if cases is not None else []:
        values = _variable_values(case, exchange)
        if not values:
            continue
        for ref in _children(case, "SourceRef"):
            source = normalise_guid(ref.get("targetGUID"))
            if source in known:
                merged = exchange.variables.setdefault(source, {})
                for key, value in values.items():
                    merged.setdefault(key, value)
