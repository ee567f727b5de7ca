"""Reading files: encodings, normalisation, ids, docx, tables, metadata, bad files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from healcode.corpus import load_corpus
from healcode.corpus.text import decode_bytes
from healcode.errors import CorpusError

TEXT = "访谈者：您好。\n受访者：暖心家园让我有了盼头。\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),  # Python writes a BOM
        (TEXT.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
        (TEXT.replace("\n", "\r").encode("gb18030"), "gb18030"),
    ],
)
def test_every_supported_encoding_gives_the_same_normalised_text(data: bytes, encoding: str):
    text, used = decode_bytes(data, "x.txt")
    assert text == TEXT
    assert used == encoding


def test_encoding_override_is_used():
    data = "受訪者：謝謝".encode("big5")
    text, used = decode_bytes(data, "x.txt", encoding="big5")
    assert text == "受訪者：謝謝"
    assert used == "big5"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \r\n\t ", "empty"),
        (b"PK\x03\x04\x00\x00binary\x00", "binary"),
        (b"abc \x80\xff\xfe\xfd def", "cannot be decoded"),
    ],
)
def test_unreadable_bytes_are_reported_with_a_reason(data: bytes, reason: str):
    with pytest.raises(CorpusError, match=reason) as info:
        decode_bytes(data, "bad.txt")
    assert str(info.value).startswith("bad.txt: ")


def test_unknown_encoding_is_named():
    with pytest.raises(CorpusError, match="unknown encoding 'klingon'"):
        decode_bytes(b"abc", "a.txt", encoding="klingon")


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_ids_are_relative_posix_paths_without_extension(tmp_path: Path):
    _write(tmp_path / "c" / "parents" / "p01.txt", TEXT)
    _write(tmp_path / "c" / "staff" / "s01.md", TEXT)
    _write(tmp_path / "c" / "README.md", "# about this corpus")
    _write(tmp_path / "c" / "metadata.csv", "document,role\nparents/p01,parent\n")
    _write(tmp_path / "c" / ".hidden.txt", TEXT)
    corpus = load_corpus([tmp_path / "c"])
    documents = list(corpus.documents())
    assert [d.id for d in documents] == ["parents/p01", "staff/s01"]
    assert documents[0].meta == {"role": "parent"}
    assert documents[1].meta == {}
    lone = list(load_corpus([tmp_path / "c" / "staff" / "s01.md"]).documents())
    assert [d.id for d in lone] == ["s01"]


def test_duplicate_ids_name_both_sources(tmp_path: Path):
    _write(tmp_path / "a" / "p01.txt", TEXT)
    _write(tmp_path / "b" / "p01.md", TEXT)
    corpus = load_corpus([tmp_path / "a", tmp_path / "b"])
    with pytest.raises(CorpusError, match=r"duplicate document id 'p01': .*p01\.txt and .*p01\.md"):
        list(corpus.documents())


def test_docx_paragraphs_become_lines(tmp_path: Path):
    from docx import Document

    word = Document()
    for line in ("访谈编号：P05", "访谈者：最近怎么样？", "受访者：还可以，有盼头了。"):
        word.add_paragraph(line)
    word.save(tmp_path / "p05.docx")
    (document,) = load_corpus([tmp_path / "p05.docx"]).documents()
    assert document.text == "访谈编号：P05\n访谈者：最近怎么样？\n受访者：还可以，有盼头了。"
    assert document.encoding == "docx"


def test_a_fake_docx_is_skipped_with_a_reason_and_the_rest_is_read(tmp_path: Path):
    _write(tmp_path / "ok.txt", TEXT)
    (tmp_path / "broken.docx").write_bytes(b"not a zip at all")
    corpus = load_corpus([tmp_path])
    assert [d.id for d in corpus.documents()] == ["ok"]
    assert (
        len(corpus.skipped) == 1
        and "broken.docx: not a readable Word .docx file" in corpus.skipped[0]
    )


def test_strict_stops_at_the_first_unreadable_file(tmp_path: Path):
    (tmp_path / "a.txt").write_bytes(b"")
    _write(tmp_path / "b.txt", TEXT)
    with pytest.raises(CorpusError, match="a.txt: the file is empty"):
        list(load_corpus([tmp_path], strict=True).documents())


def test_csv_rows_become_documents_with_one_turn_per_text_column(tmp_path: Path):
    table = '编号,性别,Q1,Q2\nR1,女,"有盼头了\r\n真的",没有\nR2,男,,\nR3,男,孤单,\n'
    _write(tmp_path / "survey.csv", table, "gb18030")
    corpus = load_corpus([tmp_path / "survey.csv"], id_column="编号", text_columns=["Q1", "Q2"])
    documents = list(corpus.documents())
    assert [d.id for d in documents] == ["R1", "R3"]  # R2 answered nothing
    r1 = documents[0]
    assert r1.text == "有盼头了\n真的\n\n没有"
    assert r1.meta == {"性别": "女"}
    assert [(t.speaker, r1.text[t.start : t.end]) for t in r1.turns] == [
        ("Q1", "有盼头了\n真的"),
        ("Q2", "没有"),
    ]


def test_xlsx_rows_are_read_and_numbers_become_strings(tmp_path: Path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "age", "answer"])
    sheet.append([101, 63, "还好，有盼头"])
    book.save(tmp_path / "s.xlsx")
    (document,) = load_corpus(
        [tmp_path / "s.xlsx"], id_column="id", text_columns=["answer"]
    ).documents()
    assert (document.id, document.meta, document.text) == ("101", {"age": "63"}, "还好，有盼头")


def test_a_table_without_text_columns_lists_its_columns(tmp_path: Path):
    _write(tmp_path / "s.csv", "id,answer\n1,好\n")
    with pytest.raises(CorpusError, match="needs --text-column.*id, answer"):
        list(load_corpus([tmp_path / "s.csv"], strict=True).documents())
    with pytest.raises(CorpusError, match="no column 'Q9'"):
        list(load_corpus([tmp_path / "s.csv"], text_columns=["Q9"], strict=True).documents())


def test_missing_path_and_empty_directory_are_errors(tmp_path: Path):
    with pytest.raises(CorpusError, match="no such file"):
        load_corpus([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no transcripts"):
        load_corpus([tmp_path / "empty"])


def test_metadata_file_option_and_duplicate_rows(tmp_path: Path):
    _write(tmp_path / "c" / "p01.txt", TEXT)
    meta = _write(tmp_path / "m.csv", "id,gender\np01,女\n")
    (document,) = load_corpus([tmp_path / "c"], metadata=meta).documents()
    assert document.meta == {"gender": "女"}
    _write(tmp_path / "m2.csv", "id,gender\np01,女\np01,男\n")
    with pytest.raises(CorpusError, match=r"m2.csv:3: document 'p01' is listed twice"):
        load_corpus([tmp_path / "c"], metadata=tmp_path / "m2.csv")


# ---------------------------------------------------------------- encodings of other people's files

ENCODINGS = Path(__file__).resolve().parent / "data" / "encodings"


def _fixture(name: str) -> tuple[bytes, str]:
    """A fixture's bytes and the text its transcriber wrote (LF line ends)."""
    from tests.data.encodings.encoding_fixtures import FIXTURES

    return (ENCODINGS / name).read_bytes(), FIXTURES[name][0]


def test_the_encoding_fixtures_are_what_their_script_writes():
    from tests.data.encodings.encoding_fixtures import FIXTURES, fixture_bytes

    for name in FIXTURES:
        assert (ENCODINGS / name).read_bytes() == fixture_bytes(name), name


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("big5_taipei.txt", "big5"),
        ("traditional_utf8.txt", "utf-8"),
        ("big5hkscs_hongkong.txt", "big5hkscs"),
        ("gb18030.txt", "gb18030"),
        ("utf16le_nobom.txt", "utf-16-le"),
        ("utf16be_nobom.txt", "utf-16-be"),
        ("cp1252_english.txt", "cp1252"),
    ],
)
def test_other_people_s_encodings_are_detected(name: str, encoding: str):
    data, expected = _fixture(name)
    warnings: list[str] = []
    text, used = decode_bytes(data, name, warnings=warnings)
    assert text == expected
    assert used == encoding
    assert warnings == []


def test_big5_is_not_taken_for_the_gb18030_it_also_decodes_as():
    data, expected = _fixture("big5_taipei.txt")
    mojibake = data.decode("gb18030")  # no error: "it decodes" is not "it is right"
    assert "訪談" not in mojibake
    assert decode_bytes(data, "t.txt")[0] == expected


def test_utf8_pays_for_no_detection(monkeypatch):
    import healcode.corpus.text as text_module

    def refuse(*args, **kwargs):
        raise AssertionError("detection ran on a UTF-8 file")

    monkeypatch.setattr(text_module, "plausibility", refuse)
    monkeypatch.setattr(text_module, "_detector_guess", refuse)
    data, expected = _fixture("traditional_utf8.txt")
    assert decode_bytes(data, "a.txt") == (expected, "utf-8")
    assert decode_bytes(codecs.BOM_UTF8 + data, "a.txt") == (expected, "utf-8-sig")


def test_gb18030_bytes_that_are_also_valid_utf8_are_read_as_chinese_and_said():
    """A short GB18030 line can be valid UTF-8 (什么 is ʲô): with no Chinese as UTF-8 and
    convincing Chinese as GB18030 it is read as GB18030, with a warning. Accented Latin,
    phonetic transcription and typographic quotes stay UTF-8, without one."""
    warnings: list[str] = []
    line = "00:05:38 P06: 什么"
    assert decode_bytes(line.encode("gb18030"), "a.txt", warnings=warnings) == (line, "gb18030")
    assert len(warnings) == 1 and "--encoding utf-8" in warnings[0]
    for text in ("Ann: naïve résumé, déjà vu", "ʃəŋ ŋa ʔa tʰa", "I don’t know — “hope”"):
        said: list[str] = []
        assert decode_bytes(text.encode("utf-8"), "b.txt", warnings=said) == (text, "utf-8")
        assert said == []


def test_a_stray_utf16_mark_is_refused_saying_what_the_file_is():
    data, _ = _fixture("bogus_fffe.txt")
    with pytest.raises(CorpusError) as info:
        decode_bytes(data, "bogus_fffe.txt")
    message = str(info.value)
    assert message.startswith(
        "bogus_fffe.txt: starts with the UTF-16 byte-order mark FF FE but is not UTF-16 text"
    )
    assert "after those two bytes it reads as GB18030 text: remove them" in message
    assert decode_bytes(data[2:], "x.txt")[1] == "gb18030"  # the advice is right


def test_real_utf16_with_a_mark_is_still_read():
    _, expected = _fixture("gb18030.txt")
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        mark = (
            b""
            if encoding == "utf-16"
            else (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE)
        )
        assert decode_bytes(mark + expected.encode(encoding), "u.txt") == (expected, "utf-16")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml\x00\x00", "a Word document: name it .docx"),
        (b"PK\x03\x04\x14\x00\x06\x00xl/workbook.xml\x00\x00", "an Excel workbook: name it .xlsx"),
        (b"%PDF-1.7\n\x00\x01\x02", "a PDF file: export the transcript as .txt or .docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an old Word .doc or Excel .xls file"),
        (b"SQLite format 3\x00\x10\x00", "a database (SQLite"),
        (b"\x01\x00\x00\x07\x00\x00\x00\x03\x00\x00", "--encoding utf-16-le or utf-16-be"),
    ],
)
def test_a_binary_file_is_named_for_what_it_probably_is(data: bytes, says: str):
    with pytest.raises(CorpusError, match="looks like a binary file") as info:
        decode_bytes(data, "p01.txt")
    assert says in str(info.value)


def test_an_undecidable_encoding_is_read_with_a_warning_naming_the_option():
    data = "謝謝".encode("big5")  # also two common characters as GB18030: 谅谅
    warnings: list[str] = []
    text, used = decode_bytes(data, "short.txt", warnings=warnings)
    assert (text, used) == ("谅谅", "gb18030")
    (warning,) = warnings
    assert warning.startswith("short.txt: the encoding is uncertain: read as GB18030")
    assert warning.endswith("if the text looks wrong, give --encoding big5")
    assert decode_bytes(data, "short.txt", encoding="big5") == ("謝謝", "big5")


def test_a_given_encoding_that_garbles_the_text_warns():
    data, _ = _fixture("big5_taipei.txt")
    warnings: list[str] = []
    decode_bytes(data, "b.txt", encoding="gb18030", warnings=warnings)
    (warning,) = warnings
    assert "b.txt: decoded with --encoding gb18030, but only" in warning
    assert "read as Big5 it looks right: --encoding big5" in warning


def test_noise_is_refused_not_decoded_into_something():
    with pytest.raises(CorpusError, match="cannot be decoded as text with any confidence"):
        decode_bytes(b"abc \x80\xff\xfe\xfd def", "n.txt")  # 'abc €ÿþý def' in Windows-1252
    with pytest.raises(CorpusError, match=r"cannot be decoded: it is not UTF-8 \(byte 0\)"):
        decode_bytes(bytes(range(0x80, 0x100)), "n.txt")


def test_the_corpus_collects_warnings_and_code_prints_them(runner, tmp_path: Path):
    import json
    import shutil

    from healcode.cli import main
    from tests.conftest import MINI_CODEBOOK

    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    for name in ("big5_taipei.txt", "utf16le_nobom.txt", "gb18030.txt", "bogus_fffe.txt"):
        shutil.copy(ENCODINGS / name, corpus_dir / name)
    (corpus_dir / "short.txt").write_bytes("受訪者：謝謝".encode("big5")[-4:])
    corpus = load_corpus([corpus_dir])
    documents = {d.id: d for d in corpus.documents()}
    assert documents["big5_taipei"].text == _fixture("big5_taipei.txt")[1]
    assert documents["utf16le_nobom"].text == _fixture("utf16le_nobom.txt")[1]
    assert [w.split(":")[0] for w in corpus.warnings] == [str(corpus_dir / "short.txt")]
    assert (
        len(corpus.skipped) == 1 and "bogus_fffe.txt: starts with the UTF-16" in corpus.skipped[0]
    )

    out = tmp_path / "out"
    result = runner.invoke(
        main, ["code", str(corpus_dir), "-c", str(MINI_CODEBOOK), "-o", str(out), "-q"]
    )
    assert result.exit_code == 1  # a file was skipped
    assert f"warning: {corpus_dir / 'short.txt'}: the encoding is uncertain" in result.output
    assert "--encoding big5" in result.output
    assert "skipped:" in result.output and "remove them, or save the file as UTF-8" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    encodings = {Path(i["path"]).name: i["encoding"] for i in manifest["inputs"]}
    assert encodings == {
        "big5_taipei.txt": "big5",
        "gb18030.txt": "gb18030",
        "utf16le_nobom.txt": "utf-16-le",
        "short.txt": "gb18030",
    }
