"""Short transcripts in the encodings Chinese and English transcripts come in. Run
``python tests/data/encodings/encoding_fixtures.py`` to write them beside this file; a
test checks that the committed files are exactly what this writes. The transcripts are
constructed for the tests (no real participants).

- ``big5_taipei.txt``: a Taiwan transcript in Big5 with CRLF line ends, as Word and
  Notepad on traditional-Chinese Windows save it. It also decodes without error as
  GB18030, into nonsense: that is what detection must not do.
- ``traditional_utf8.txt``: the same transcript in UTF-8.
- ``big5hkscs_hongkong.txt``: a Hong Kong transcript in written Cantonese, with
  characters (佢, 哋, 嘅 ...) that only Big5-HKSCS has.
- ``gb18030.txt``: a simplified transcript in GB18030 (GBK).
- ``utf16le_nobom.txt`` and ``utf16be_nobom.txt``: the simplified transcript in UTF-16
  without a byte-order mark (NUL bytes in the ASCII characters).
- ``bogus_fffe.txt``: two stray bytes FF FE (a UTF-16 byte-order mark) before the
  GB18030 transcript: not UTF-16 text.
- ``cp1252_english.txt``: an English transcript in Windows-1252 (curly quotes, a dash,
  an accented letter), as Word on Western Windows saves plain text.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

TRADITIONAL = (
    "訪談者：林先生，您好。今天想請您談談參加互助團體以後的感受。\n"
    "受訪者：剛開始我很孤單，覺得沒有人理解我，整天關在家裡。\n"
    "訪談者：後來呢？\n"
    "受訪者：社區的志工常常來陪我聊天，後來在團體裡認識了同樣經歷的朋友，大家互相支持，"
    "慢慢有了盼頭。現在我也去當志工了。\n"
)
CANTONESE = (
    "訪問員：陳太，你而家點呀？\n"
    "受訪者：之前好唔開心，成日喺屋企喊。佢哋叫我去中心，我都唔想去。\n"
    "受訪者：後來社工陪我去咗幾次，識咗啲同路人，而家覺得冇咁辛苦喇。\n"
)
SIMPLIFIED = (
    "访谈者：张阿姨，您好。最近怎么样？\n"
    "受访者：还可以。以前总觉得没人懂我，现在每周二去小组，心里敞亮多了。\n"
    "访谈者：小组对您有什么帮助？\n"
    "受访者：大家互相倾诉，我觉得自己还是有用的人，可以帮助新来的姐妹。\n"
)
ENGLISH = (
    "Interviewer: How have you been since the group started?\n"
    "Participant: At first I didn\u2019t want to see anyone \u2014 I stayed home.\n"
    "Participant: Then the caf\u00e9 meetings helped. I feel \u201cuseful\u201d again.\n"
)

# file name -> (the text as the transcriber wrote it, its encoding, bytes before it,
# line ends in the file)
FIXTURES: dict[str, tuple[str, str, bytes, str]] = {
    "big5_taipei.txt": (TRADITIONAL, "big5", b"", "\r\n"),
    "traditional_utf8.txt": (TRADITIONAL, "utf-8", b"", "\n"),
    "big5hkscs_hongkong.txt": (CANTONESE, "big5hkscs", b"", "\r\n"),
    "gb18030.txt": (SIMPLIFIED, "gb18030", b"", "\r\n"),
    "utf16le_nobom.txt": (SIMPLIFIED, "utf-16-le", b"", "\r\n"),
    "utf16be_nobom.txt": (SIMPLIFIED, "utf-16-be", b"", "\n"),
    "bogus_fffe.txt": (SIMPLIFIED, "gb18030", b"\xff\xfe", "\r\n"),
    "cp1252_english.txt": (ENGLISH, "cp1252", b"", "\r\n"),
}


def fixture_bytes(name: str) -> bytes:
    text, encoding, prefix, line_end = FIXTURES[name]
    return prefix + text.replace("\n", line_end).encode(encoding)


if __name__ == "__main__":
    for file in FIXTURES:
        (HERE / file).write_bytes(fixture_bytes(file))
        print(f"wrote {file}")
