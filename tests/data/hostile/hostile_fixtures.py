"""One short transcript in the byte forms transcripts arrive in. Run
``python tests/data/hostile/hostile_fixtures.py`` to write them into ``encodings/`` beside
this file; a test checks that the committed files are exactly what this writes. The
transcript is constructed for the tests (no real participant).

The text holds what offsets go wrong on: an emoji and two characters of CJK Extension B
(outside the Basic Multilingual Plane: one code point, two UTF-16 units, four UTF-8
bytes), zero-width characters inside the text (U+200B, U+200D, U+FEFF), a combining
accent, and a URL on a line of its own. Every file must read to the same text, ``TEXT``
with LF line ends, and code to the same units and hits at the same code-point offsets.

- ``utf8.txt``: UTF-8, LF.
- ``bom_crlf.txt``: UTF-8 with a BOM and CRLF line ends (Notepad on Windows).
- ``cr_only.txt``: UTF-8 with CR line ends (old Mac exports).
- ``gb18030.txt``: GB18030, CRLF (Chinese Windows; GB18030 encodes every character).
- ``utf16_bom.txt``: UTF-16 little endian with its byte-order mark, CRLF (Word's
  "Unicode text").
- ``utf16le_nobom.txt``: UTF-16 little endian without a byte-order mark.
"""

from __future__ import annotations

import codecs
from pathlib import Path

HERE = Path(__file__).resolve().parent / "encodings"

TEXT = (
    "访谈编号：H01\n"
    "访谈者：最近怎么样？😊\n"
    "受访者：我们有盼头了。𠀀𠮷这两个字电脑打不出来，同命人常来看我。\n"
    "受访者：有时候\u200b还是会哭，\u200d但是有盼头了。我学会了写 cafe\u0301 这个词。\n"
    "访谈者：这是您说的网站吗？\n"
    "https://example.org/暖心家园?id=1：2\n"
    "受访者：对，以后的打算\ufeff也写在上面。\n"
)

FIXTURES = {
    "utf8.txt": lambda: TEXT.encode("utf-8"),
    "bom_crlf.txt": lambda: codecs.BOM_UTF8 + TEXT.replace("\n", "\r\n").encode("utf-8"),
    "cr_only.txt": lambda: TEXT.replace("\n", "\r").encode("utf-8"),
    "gb18030.txt": lambda: TEXT.replace("\n", "\r\n").encode("gb18030"),
    "utf16_bom.txt": lambda: codecs.BOM_UTF16_LE + TEXT.replace("\n", "\r\n").encode("utf-16-le"),
    "utf16le_nobom.txt": lambda: TEXT.encode("utf-16-le"),
}
ENCODINGS = {
    "utf8": "utf-8",
    "bom_crlf": "utf-8-sig",
    "cr_only": "utf-8",
    "gb18030": "gb18030",
    "utf16_bom": "utf-16",
    "utf16le_nobom": "utf-16-le",
}


def fixture_bytes(name: str) -> bytes:
    return FIXTURES[name]()


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name in FIXTURES:
        (HERE / name).write_bytes(fixture_bytes(name))
