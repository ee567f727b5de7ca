"""Decode transcript bytes and normalise them without changing meaning."""

from __future__ import annotations

import codecs

from healcode.errors import CorpusError

# Tried in order when no encoding is given. GB18030 is a superset of GBK and GB2312,
# the encodings of most Chinese Word and Notepad exports.
FALLBACK_ENCODINGS = ("utf-8", "gb18030")


def decode_bytes(data: bytes, source: str, *, encoding: str | None = None) -> tuple[str, str]:
    """Return (normalised text, encoding name) of a file's bytes, or raise CorpusError."""
    if encoding is not None:
        return _decoded(data, _codec_name(encoding, source), source), encoding
    if data.startswith(codecs.BOM_UTF8):
        return _decoded(data, "utf-8-sig", source), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decoded(data, "utf-16", source), "utf-16"
    if b"\x00" in data:
        raise CorpusError(f"{source}: looks like a binary file (it contains NUL bytes), not text")
    for name in FALLBACK_ENCODINGS:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        return _nonempty(normalise_text(text), source), name
    raise CorpusError(
        f"{source}: cannot be decoded as UTF-8 or GB18030; "
        "give the file's encoding with --encoding (e.g. --encoding big5)"
    )


def normalise_text(text: str) -> str:
    """Remove a BOM and turn CRLF / CR line ends into LF; nothing else changes."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decoded(data: bytes, codec: str, source: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{source}: cannot be decoded as {codec} (byte {exc.start}); try another --encoding"
        ) from None
    return _nonempty(normalise_text(text), source)


def _nonempty(text: str, source: str) -> str:
    if not text.strip():
        raise CorpusError(f"{source}: the file is empty (no text to code)")
    return text


def _codec_name(encoding: str, source: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise CorpusError(
            f"{source}: unknown encoding {encoding!r} given with --encoding"
        ) from None
