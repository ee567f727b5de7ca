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
    assert len(corpus.skipped) == 1 and "broken.docx: not a readable Word .docx file" in corpus.skipped[0]


def test_strict_stops_at_the_first_unreadable_file(tmp_path: Path):
    (tmp_path / "a.txt").write_bytes(b"")
    _write(tmp_path / "b.txt", TEXT)
    with pytest.raises(CorpusError, match="a.txt: the file is empty"):
        list(load_corpus([tmp_path], strict=True).documents())


def test_csv_rows_become_documents_with_one_turn_per_text_column(tmp_path: Path):
    table = "编号,性别,Q1,Q2\nR1,女,\"有盼头了\r\n真的\",没有\nR2,男,,\nR3,男,孤单,\n"
    _write(tmp_path / "survey.csv", table, "gb18030")
    corpus = load_corpus([tmp_path / "survey.csv"], id_column="编号", text_columns=["Q1", "Q2"])
    documents = list(corpus.documents())
    assert [d.id for d in documents] == ["R1", "R3"]  # R2 answered nothing
    r1 = documents[0]
    assert r1.text == "有盼头了\n真的\n\n没有"
    assert r1.meta == {"性别": "女"}
    assert [(t.speaker, r1.text[t.start : t.end]) for t in r1.turns] == [
        ("Q1", "有盼头了\n真的"), ("Q2", "没有")]


def test_xlsx_rows_are_read_and_numbers_become_strings(tmp_path: Path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "age", "answer"])
    sheet.append([101, 63, "还好，有盼头"])
    book.save(tmp_path / "s.xlsx")
    (document,) = load_corpus([tmp_path / "s.xlsx"], id_column="id", text_columns=["answer"]).documents()
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
