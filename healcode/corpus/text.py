"""Decode transcript bytes and normalise them without changing meaning.

Which encoding a file has is decided in this order; the first step that applies decides:

1. ``--encoding`` given: that codec (a legacy codec whose text looks implausible warns).
2. A byte-order mark: UTF-8, UTF-32, or UTF-16 if what it decodes to is text; a file
   that starts with ``FF FE`` but is no UTF-16 text is refused, saying what it looks like.
3. NUL bytes: UTF-16 (little or big endian) without a byte-order mark if the text is
   plausible; otherwise a binary file, refused, saying what it looks like.
4. Strict UTF-8. UTF-8 files stop here and pay for no detection.
5. Anything else is decoded as GB18030, Big5 (Big5, CP950, Big5-HKSCS) and
   Windows-1252 (and as charset-normalizer's guess when none of those is convincing),
   and each result is scored by :func:`plausibility`: real text in these encodings is
   made of common characters, mis-decoded text is not. Big5 bytes usually *decode*
   as GB18030, into kana, Cyrillic, private-use and rare characters; that is how it
   is told apart. A result that is convincing but not by a clear margin is used with a
   warning naming the ``--encoding`` to try; one that is not convincing is refused.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from healcode.errors import CorpusError

# Tried in order when no encoding is given and the bytes are not UTF-8. GB18030 is a
# superset of GBK and GB2312, the encodings of most Chinese Word and Notepad exports.
# Each entry is a family: its first codec that decodes the bytes is the candidate.
# (UTF-16 without a byte-order mark is found by its NUL bytes before this is reached.)
LEGACY_ENCODINGS: tuple[tuple[str, ...], ...] = (
    ("gb18030",),
    ("big5", "cp950", "big5hkscs"),
    ("cp1252",),
)
_NAMES = {
    "gb18030": "GB18030",
    "big5": "Big5",
    "cp950": "CP950 (Big5)",
    "big5hkscs": "Big5-HKSCS",
    "cp1252": "Windows-1252",
}

# A decoding is convincing when at least this share of its characters (beyond ASCII)
# are common ones, ...
CONVINCING = 0.9
# ... clear when every other decoding that gives another text scores this much lower,
MARGIN = 0.3
# ... and refused below this (or when more than this share is garbage: unassigned,
# private-use or control characters, which real text does not have).
PLAUSIBLE = 0.6
GARBAGE = 0.02


@dataclass(frozen=True, slots=True)
class Plausibility:
    """How much a decoded text looks like text: ``common`` is the weighted share of its
    characters beyond ASCII that are common ones (1 when there are none), ``garbage``
    the share that no real text has, ``chars`` how many characters were weighed."""

    common: float
    garbage: float
    chars: int

    @property
    def score(self) -> float:
        return self.common - 2 * self.garbage


def decode_bytes(
    data: bytes,
    source: str,
    *,
    encoding: str | None = None,
    warnings: list[str] | None = None,
) -> tuple[str, str]:
    """Return (normalised text, encoding name) of a file's bytes, or raise CorpusError.

    A decoding that is probably right but not certain is used, and a message naming
    the file and the ``--encoding`` to try instead is appended to ``warnings``.
    """
    if encoding is not None:
        codec = _codec_name(encoding, source)
        text = _decoded(data, codec, source)
        if not codec.startswith(("utf-8", "utf-16", "utf-32")) and warnings is not None:
            found = plausibility(text)
            if found.score < PLAUSIBLE:
                warnings.append(
                    f"{source}: decoded with --encoding {encoding}, but only "
                    f"{found.common:.0%} of its characters are common ones; the text may be "
                    f"garbled: check the encoding{_suggestion(data, codec)}"
                )
        return text, encoding
    if data.startswith(codecs.BOM_UTF8):
        return _decoded(data, "utf-8-sig", source), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _decoded(data, "utf-32", source), "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16_with_bom(data, source), "utf-16"
    if b"\x00" in data:
        return _with_nul_bytes(data, source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    else:
        chinese = _chinese_read_as_utf8(data, text)
        if chinese is None:
            return _nonempty(normalise_text(text), source), "utf-8"
        if warnings is not None:
            warnings.append(
                f"{source}: valid UTF-8, but as UTF-8 it holds no Chinese and uncommon "
                f"characters ({plausibility(text).common:.0%} common), while as GB18030 it "
                f"reads as Chinese ({chinese.found.common:.0%} common): read as GB18030; if "
                "the text looks wrong, give --encoding utf-8"
            )
        return _nonempty(normalise_text(chinese.text), source), chinese.codec
    return _legacy(data, source, utf8_error, warnings)


def _chinese_read_as_utf8(data: bytes, text: str) -> _Candidate | None:
    """GB18030 bytes that happen to be valid UTF-8 (short files: 什么 is ʲô): the GB18030
    reading, when the UTF-8 one has no Han character and is clearly less plausible
    than a convincing Chinese one; else None (accented Latin stays UTF-8)."""
    if text.isascii() or _HAN.search(text):
        return None
    chinese = _try(data, ("gb18030",))
    if chinese is None or not _HAN.search(chinese.text):
        return None
    as_utf8 = plausibility(_sample(text))
    if chinese.found.score >= CONVINCING and chinese.found.score - as_utf8.score >= MARGIN:
        return chinese
    return None


def normalise_text(text: str) -> str:
    """Remove a BOM and turn CRLF / CR line ends into LF; nothing else changes."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------- plausibility


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def _is_han(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
    )


# Characters of written Cantonese (Hong Kong transcripts) outside both first levels.
_CANTONESE = frozenset(
    "佢哋嘅嘢咗冇嚟喺噉咁啲乜睇諗攞俾畀搵揾咪嗰呢咩嘞喇囉㗎噃吖啩嘛唔啱晒嗮冧嘥郁仲揸瞓嬲靚餸"
)


@lru_cache(maxsize=1 << 16)
def _common_han(char: str) -> bool:
    """In the first level of GB2312 (3,755 common simplified characters) or of Big5
    (5,401 common traditional characters), or written Cantonese: the characters people
    mostly write."""
    if char in _CANTONESE:
        return True
    try:
        if 0xB0 <= char.encode("gb2312")[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        return 0xA440 <= int.from_bytes(char.encode("big5"), "big") <= 0xC67E
    except UnicodeEncodeError:
        return False


_LATIN = -2.0  # a Latin letter with a diacritic: weighed by its neighbours (see below)


@lru_cache(maxsize=1 << 16)
def _weight(char: str) -> float | None:
    """1 common, 0.5 a letter of another script, 0 rare, -1 garbage; None: not weighed."""
    code = ord(char)
    if code < 0x80:
        return None if char.isprintable() or char in "\t\n\r\f\v" else -1.0
    category = unicodedata.category(char)
    if category in ("Cc", "Co", "Cn", "Cs") or 0xA000 <= code <= 0xA4CF:  # ... or Yi
        return -1.0
    if _is_han(code):
        return 1.0 if _common_han(char) else 0.0
    if (
        0x3000 <= code <= 0x303F
        or 0xFF01 <= code <= 0xFF64
        or 0x2010 <= code <= 0x205E
        or code == 0xA0
    ):
        return 1.0  # CJK and general punctuation, full-width forms, no-break space
    if 0xC0 <= code <= 0x17F and category[0] == "L":
        return _LATIN
    return 0.5 if category[0] in "LM" else 0.0


# A Latin letter with a diacritic inside a word (café, Größe) is common; one between
# other non-ASCII characters (Big5 or GBK bytes read as Windows-1252) is not.
_LATIN_IN_WORD = re.compile(r"(?<=[A-Za-z])[À-ÖØ-öø-ſ]|[À-ÖØ-öø-ſ](?=[A-Za-z])")


def plausibility(text: str) -> Plausibility:
    """Score a decoded text; see :class:`Plausibility`."""
    total = good = garbage = 0.0
    latin = 0
    for char, count in Counter(text).items():
        weight = _weight(char)
        if weight is None:
            continue
        total += count
        if weight == _LATIN:
            latin += count
        elif weight < 0:
            garbage += count
        else:
            good += weight * count
    if latin:
        in_words = len(_LATIN_IN_WORD.findall(text))
        good += min(in_words, latin) + 0.5 * max(latin - in_words, 0)
    if not total:
        return Plausibility(1.0, 0.0, 0)
    return Plausibility(good / total, garbage / total, int(total))


# ---------------------------------------------------------------- the detection steps


@dataclass(frozen=True, slots=True)
class _Candidate:
    codec: str
    text: str
    found: Plausibility


# Plausibility is weighed on at most this many characters from the start and as many
# from the middle of a text (a wrong decoding is wrong throughout); the whole file must
# still decode.
_SAMPLE = 1 << 16


def _sample(text: str) -> str:
    if len(text) <= 2 * _SAMPLE:
        return text
    middle = len(text) // 2
    return text[:_SAMPLE] + "\n" + text[middle : middle + _SAMPLE]


def _try(data: bytes, codecs_: tuple[str, ...]) -> _Candidate | None:
    for codec in codecs_:
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        return _Candidate(codec, text, plausibility(_sample(text)))
    return None


def _utf16_with_bom(data: bytes, source: str) -> str:
    candidate = _try(data, ("utf-16",))
    if (
        candidate is not None
        and candidate.found.garbage <= GARBAGE
        and (candidate.found.common >= 0.3 or candidate.found.chars == 0)
    ):
        return _nonempty(normalise_text(candidate.text), source)
    if candidate is None:
        why = "its bytes do not decode as UTF-16"
    else:
        why = (
            f"as UTF-16, {candidate.found.garbage:.0%} of it would be unassigned, "
            "private-use or control characters"
        )
    mark = " ".join(f"{b:02X}" for b in data[:2])
    raise CorpusError(
        f"{source}: starts with the UTF-16 byte-order mark {mark} but is not UTF-16 text "
        f"({why}); {_what_it_is(data[2:], after_mark=True)}"
    )


def _with_nul_bytes(data: bytes, source: str) -> tuple[str, str]:
    """UTF-16 without a byte-order mark (ASCII characters have a NUL byte), or binary."""
    best = None
    if len(data) % 2 == 0:
        for codec in ("utf-16-le", "utf-16-be"):
            candidate = _try(data, (codec,))
            # Stricter than for files without NUL bytes: binary data is full of them.
            if (
                candidate
                and candidate.found.garbage <= 0.01
                and candidate.found.common >= CONVINCING
                and (best is None or candidate.found.score > best.found.score)
            ):
                best = candidate
    if best is not None:
        return _nonempty(normalise_text(best.text), source), best.codec
    raise CorpusError(
        f"{source}: looks like a binary file (it contains NUL bytes), not text; {_what_it_is(data)}"
    )


def _legacy(
    data: bytes, source: str, utf8_error: int, warnings: list[str] | None
) -> tuple[str, str]:
    candidates = [c for family in LEGACY_ENCODINGS if (c := _try(data, family)) is not None]
    guess = _detector_guess(data)
    extra = None
    if (
        guess
        and all(c.found.score < CONVINCING for c in candidates)
        and all(codecs.lookup(c.codec).name != codecs.lookup(guess).name for c in candidates)
    ):
        extra = _try(data, (guess,))
        if extra is not None:
            candidates.append(extra)
    ranked = sorted(candidates, key=lambda c: -c.found.score)  # stable: ties keep the order
    hint = "--encoding (e.g. --encoding big5)" + (
        f"; charset-normalizer guesses {guess}" if guess else ""
    )
    if not ranked:
        raise CorpusError(
            f"{source}: cannot be decoded: it is not UTF-8 (byte {utf8_error}), GB18030, Big5, "
            f"UTF-16 or Windows-1252 text; give the file's encoding with {hint}"
        )
    best = ranked[0]
    if best.found.score < PLAUSIBLE or best.found.garbage > GARBAGE:
        raise CorpusError(
            f"{source}: cannot be decoded as text with any confidence (read as "
            f"{_label(best.codec)}, only {best.found.common:.0%} of its characters are "
            f"common ones); give the file's encoding with {hint}"
        )
    text = _nonempty(normalise_text(best.text), source)
    rivals = [
        c for c in ranked[1:] if c.text != best.text and c.found.score > best.found.score - MARGIN
    ]
    if warnings is not None and rivals:
        other = rivals[0]
        warnings.append(
            f"{source}: the encoding is uncertain: read as {_label(best.codec)} "
            f"({best.found.common:.0%} of its characters are common ones), but read as "
            f"{_label(other.codec)}, {other.found.common:.0%} are as well; if the text looks "
            f"wrong, give --encoding {other.codec}"
        )
    elif warnings is not None and best is extra:
        warnings.append(
            f"{source}: read as {best.codec}, charset-normalizer's guess, which is not an "
            "encoding Chinese or English transcripts usually have; if the text looks wrong, "
            "give the file's encoding with --encoding"
        )
    elif warnings is not None and best.found.score < CONVINCING:
        named = guess and codecs.lookup(guess).name != codecs.lookup(best.codec).name
        warnings.append(
            f"{source}: the encoding is uncertain: read as {_label(best.codec)}, only "
            f"{best.found.common:.0%} of its characters are common Chinese or Latin ones; if "
            "the text looks wrong, give the file's encoding with --encoding"
            + (f" (charset-normalizer guesses {guess})" if named else "")
        )
    return text, best.codec


def _label(codec: str) -> str:
    return _NAMES.get(codec, codec)


def _detector_guess(data: bytes) -> str | None:
    """charset-normalizer's best guess at the encoding of ``data``, if it has one."""
    from charset_normalizer import from_bytes

    match = from_bytes(data[: 1 << 18]).best()
    return match.encoding if match is not None else None


# File signatures, for saying what a file that is no text probably is.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF file: export the transcript as .txt or .docx"),
    (b"\xd0\xcf\x11\xe0", "an old Word .doc or Excel .xls file: save it as .docx or .xlsx"),
    (b"SQLite format 3\x00", "a database (SQLite; a QualCoder project is one), not a transcript"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "an RTF document: save it as .docx or .txt"),
)


def _what_it_is(data: bytes, *, after_mark: bool = False) -> str:
    """What a file that cannot be read as text probably is, and what to do."""
    if data.startswith(b"PK\x03\x04"):
        head = data[:4096]
        if b"word/" in head:
            kind = "a Word document: name it .docx"
        elif b"xl/" in head:
            kind = "an Excel workbook: name it .xlsx and give --text-column"
        elif b".qde" in head:
            kind = "a REFI-QDA project: read it with healcode import"
        else:
            kind = "a zip archive: unpack it first"
        return f"it looks like {kind}"
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return f"it looks like {kind}"
    if after_mark and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            rest = [c for family in LEGACY_ENCODINGS[:2] if (c := _try(data, family))]
            rest = [c for c in rest if c.found.score >= CONVINCING]
            if rest:
                return (
                    f"after those two bytes it reads as {_label(rest[0].codec)} text: "
                    "remove them, or save the file as UTF-8"
                )
        else:
            return "after those two bytes it reads as UTF-8 text: remove them"
    if after_mark:
        return "it is probably not a transcript; if it is one, give its encoding with --encoding"
    return (
        "if it is text, give its encoding with --encoding (UTF-16 without a byte-order "
        "mark: --encoding utf-16-le or utf-16-be)"
    )


def _suggestion(data: bytes, codec: str) -> str:
    candidates = [c for family in LEGACY_ENCODINGS if (c := _try(data, family))]
    better = [c for c in candidates if c.found.score >= CONVINCING and c.codec != codec]
    return (
        f" (read as {_label(better[0].codec)} it looks right: --encoding {better[0].codec})"
        if better
        else ""
    )


def _decoded(data: bytes, codec: str, source: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{source}: cannot be decoded as {codec} (byte {exc.start}); try another --encoding"
        ) from None
    return _nonempty(normalise_text(text), source)


def _nonempty(text: str, source: str) -> str:
    if not text or text.isspace():  # (no stripped copy of a long text)
        raise CorpusError(f"{source}: the file is empty (no text to code)")
    return text


def _codec_name(encoding: str, source: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise CorpusError(
            f"{source}: unknown encoding {encoding!r} given with --encoding"
        ) from None
