"""Reading files from other programs without trusting them.

A ``.qdpx`` is a zip archive and a ``.qde`` / ``.qdc`` is XML, both written by software
we do not control. Three attacks matter: zip entries that point outside the target
directory (``../x``, ``/etc/x``), archives that expand to far more than they weigh,
and XML that declares entities (billion laughs) or pulls in other files and URLs.
Archives with unsafe entry names are refused as a whole; entries are read into memory
under a byte budget; XML with a DTD is refused and is parsed with entity resolution,
DTD loading and network access all off.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from healcode.errors import ExchangeError

# What healcode reads from an archive is XML and plain text: the project file and the
# text sources. 512 MiB of those is far beyond any interview study; media entries are
# never read, so they do not count.
MAX_READ_BYTES = 512 * 1024 * 1024
MAX_ENTRIES = 100_000
_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)


def unsafe_entry_reason(name: str) -> str | None:
    """Why a zip entry name could write outside the extraction directory, or None."""
    if "\x00" in name:
        return "contains a NUL character"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(posix):
        return "is an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "climbs out of the archive with '..'"
    return None


@dataclass
class SafeArchive:
    """A zip archive whose entry names were all checked; reads count against a budget."""

    path: Path
    archive: zipfile.ZipFile
    budget: int

    def names(self) -> list[str]:
        return [info.filename for info in self.archive.infolist() if not info.is_dir()]

    def size_of(self, name: str) -> int:
        return self.archive.getinfo(name).file_size

    def read(self, name: str) -> bytes:
        """The bytes of one entry; refuses it if it expands beyond the remaining budget."""
        info = self.archive.getinfo(name)
        if info.flag_bits & 0x1:
            raise ExchangeError(
                f"{self.path}: entry {name!r} is encrypted; export it without a password"
            )
        if info.file_size > self.budget:
            raise self._too_big(name)
        chunks: list[bytes] = []
        total = 0
        try:
            with self.archive.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    total += len(chunk)
                    if total > self.budget:  # the declared size lied
                        raise self._too_big(name)
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise ExchangeError(f"{self.path}: entry {name!r} cannot be read ({exc})") from None
        self.budget -= total
        return b"".join(chunks)

    def _too_big(self, name: str) -> ExchangeError:
        return ExchangeError(
            f"{self.path}: entry {name!r} expands beyond {MAX_READ_BYTES // (1024 * 1024)} MiB "
            "of text; refusing the archive (a zip bomb, or not an interview project)"
        )


@contextmanager
def open_archive(path: Path, *, max_bytes: int = MAX_READ_BYTES) -> Iterator[SafeArchive]:
    """Open a .qdpx; refuse non-zip files and archives with unsafe or too many entries."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ExchangeError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ExchangeError(f"{path}: is a directory, not a .qdpx file") from None
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ExchangeError(
            f"{path}: not a REFI-QDA project (.qdpx files are zip archives); "
            "export the project again from the QDA program"
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ExchangeError(f"{path}: {len(infos)} entries in the archive; refusing it")
        for info in infos:
            reason = unsafe_entry_reason(info.filename)
            if reason is not None:
                raise ExchangeError(
                    f"{path}: unsafe archive entry {info.filename!r} ({reason}); "
                    "refusing to read the archive"
                )
        yield SafeArchive(path, archive, max_bytes)


def parse_xml(data: bytes, source: str) -> etree._Element:
    """Parse XML from an untrusted file: no DTD, no entities, no network."""
    if _declares_dtd(data):
        raise ExchangeError(
            f"{source}: the XML declares a DTD (<!DOCTYPE ...>), which REFI-QDA files never "
            "do; refusing it (entity expansion or external files are a known attack)"
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise ExchangeError(f"{source}: not well-formed XML ({message})") from None
    if root is None:
        raise ExchangeError(f"{source}: empty XML document")
    # DocInfo.doctype is lxml API (the DOCTYPE line, "" when none); lxml-stubs omits it.
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise ExchangeError(f"{source}: the XML declares a DTD; refusing it")
    return root


def _declares_dtd(data: bytes) -> bool:
    """A DOCTYPE in the prolog, in UTF-8/ASCII-compatible or UTF-16 encodings."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = data[:65536].decode("utf-16", errors="replace")
    else:
        head = data[:65536].decode("latin-1")
    start = re.search(r"<[A-Za-z_]", head)  # the root element: a DOCTYPE must come before it
    prolog = head if start is None else head[: start.start()]
    return _DOCTYPE.search(prolog) is not None
