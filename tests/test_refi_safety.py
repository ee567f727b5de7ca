"""Reading untrusted REFI-QDA files: zip slip, zip and XML bombs, external entities,
file names and position units."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from healcode.cli import main
from tests.conftest import DATA

REFI = DATA / "refi"
VARIANTS = (REFI / "variants.qde").read_bytes()


def _refused(runner, source: Path, tmp_path: Path, expected: str) -> None:
    """One line of error naming the file, exit 1, and nothing written anywhere."""
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "out"
    result = runner.invoke(main, ["import", str(source), "-o", str(out)])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"Error: {source}") and expected in lines[0]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "entry",
    ["../evil.txt", "sources/../../evil.txt", "/var/evil.txt", "C:/evil.txt", "..\\evil.txt"],
)
def test_zip_slip_archives_are_refused(runner, tmp_path, entry):
    archive = tmp_path / "slip.qdpx"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("project.qde", VARIANTS)
        handle.writestr(entry, b"owned")
    _refused(runner, archive, tmp_path, f"unsafe archive entry {entry!r}")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_xml_bomb_is_refused(runner, tmp_path):
    bomb = tmp_path / "bomb.qdc"
    bomb.write_bytes((REFI / "billion_laughs.qdc").read_bytes())
    _refused(runner, bomb, tmp_path, "declares a DTD")


def test_xml_bomb_inside_a_project_is_refused(runner, tmp_path):
    archive = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("project.qde", (REFI / "billion_laughs.qdc").read_bytes())
    _refused(runner, archive, tmp_path, "declares a DTD")


def test_external_entities_are_refused(runner, tmp_path):
    leak = tmp_path / "leak.qdc"
    leak.write_bytes((REFI / "external_entity.qdc").read_bytes())
    _refused(runner, leak, tmp_path, "declares a DTD")


def test_a_dtd_in_utf16_is_found_too():
    from healcode.errors import ExchangeError
    from healcode.refi.safety import parse_xml

    data = (
        (REFI / "external_entity.qdc")
        .read_text(encoding="utf-8")
        .replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>')
        .encode("utf-16")
    )
    with pytest.raises(ExchangeError, match="declares a DTD"):
        parse_xml(data, "leak.qdc")


def test_a_file_that_is_not_a_zip_is_refused(runner, tmp_path):
    fake = tmp_path / "fake.qdpx"
    fake.write_text("this is not a zip archive", encoding="utf-8")
    _refused(runner, fake, tmp_path, "not a REFI-QDA project (.qdpx files are zip archives)")


def test_malformed_xml_is_one_line(runner, tmp_path):
    broken = tmp_path / "broken.qdc"
    broken.write_text("<CodeBook><Codes>", encoding="utf-8")
    _refused(runner, broken, tmp_path, "not well-formed XML")


def test_other_xml_is_not_taken_for_refi(runner, tmp_path):
    other = tmp_path / "other.qdc"
    other.write_text('<html xmlns="http://www.w3.org/1999/xhtml"/>', encoding="utf-8")
    _refused(runner, other, tmp_path, "not a REFI-QDA file")


def test_a_zip_without_a_project_file_is_refused(runner, tmp_path):
    archive = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("sources/a.txt", b"text")
    _refused(runner, archive, tmp_path, "no project file (.qde)")


def test_archives_that_expand_too_far_are_refused(tmp_path):
    from healcode.errors import ExchangeError
    from healcode.refi import import_exchange

    archive = tmp_path / "big.qdpx"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("project.qde", VARIANTS)
        handle.writestr("sources/5f000001-0000-4000-8000-00000000000a.txt", b"a" * 3_000_000)
    assert archive.stat().st_size < 50_000  # a zip bomb in miniature: small in, large out
    with pytest.raises(ExchangeError, match="expands beyond"):
        import_exchange(archive, tmp_path / "out", max_bytes=1_000_000)
    assert not (tmp_path / "out").exists()
    import_exchange(archive, tmp_path / "out", max_bytes=4_000_000)  # within the budget


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("project.qde", None),
        ("sources/a..b.txt", None),
        ("../x", "climbs out"),
        ("a/../../x", "climbs out"),
        ("/etc/passwd", "absolute"),
        ("\\\\server\\share", "absolute"),
        ("D:\\x.txt", "absolute"),
        ("a\x00b", "NUL"),
    ],
)
def test_unsafe_entry_names(name, reason):
    from healcode.refi.safety import unsafe_entry_reason

    found = unsafe_entry_reason(name)
    assert (found is None) if reason is None else (reason in found)


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("Interview A.docx", "Interview A"),
        ("Mabêl 2ième.txt", "Mabêl 2ième"),
        ("../../etc/passwd", "etc/passwd"),
        ("C:\\Users\\x\\p01.txt", "C_/Users/x/p01"),
        ("wave 2/p01.rtf", "wave 2/p01"),
        (".hidden", "hidden"),
        ("README.txt", "doc_README"),
        ("metadata", "doc_metadata"),
        ("a|b?.txt", "a_b_"),
        ("report.v2", "report.v2"),
        ("../..", ""),
    ],
)
def test_source_names_become_safe_relative_document_ids(name, document):
    from healcode.refi.importing import document_id

    assert document_id(name) == document


@pytest.mark.parametrize(
    ("name", "ident"),
    [
        ("Coke::diet Coke", "coke_diet_coke"),
        ("DietCoke", "diet_coke"),
        ("1994 ad", "code_1994_ad"),
        ('"rushed"', "rushed"),
        ("Mabêl", "mabel"),
        ("社会支持", ""),
    ],
)
def test_snake_case_ids(name, ident):
    from healcode.refi.importing import snake_case_id

    assert snake_case_id(name) == ident


def test_positions_in_utf16_units_and_utf8_bytes_become_code_points():
    from healcode.refi.positions import position_converter

    text = "a😊b孤單"
    utf16 = position_converter(text, "utf16")
    assert [utf16(p) for p in (0, 1, 3, 4, 5, 6)] == [0, 1, 2, 3, 4, 5]
    assert utf16(2) == 2  # inside the surrogate pair: the next character boundary
    assert utf16(7) is None
    utf8 = position_converter(text, "utf8")
    assert [utf8(p) for p in (0, 1, 5, 6, 9, 12)] == [0, 1, 2, 3, 4, 5]
    assert utf8(13) is None
    codepoints = position_converter(text, "codepoints")
    assert [codepoints(p) for p in (0, 5, 6)] == [0, 5, None]


def test_crlf_positions_move_onto_the_lf_text():
    from healcode.refi.positions import normalise_line_ends

    raw = "ab\r\ncd\r\n\r\nef\rg"
    text, shift = normalise_line_ends(raw)
    assert text == "ab\ncd\n\nef\ng"
    for piece in ("ab", "cd", "ef", "g"):
        start = raw.index(piece)
        assert text[shift(start) : shift(start + len(piece))] == piece


@pytest.mark.parametrize(
    ("origin", "program", "reading"),
    [
        ("ATLAS.ti 8.4.0 573 , macOS", "ATLAS.ti", None),
        ("Taguette 1.4.1", "Taguette", "utf8"),
        ("QualCoder 3.5", "QualCoder", "utf16-lf"),
        ("NVivo for Windows 12.6", "NVivo", "utf16"),
        ("healcode 0.1.0", "healcode", "codepoints"),
        ("Other QDA 1.0", "", None),
        ("", "", None),
    ],
)
def test_the_writer_is_named_and_its_counting_known(origin, program, reading):
    """What a program is known to write only breaks ties between readings (see test_refi_import)."""
    from healcode.refi.positions import known_reading, writer_program

    assert writer_program(origin) == program
    known = known_reading(origin)
    assert (known.name if known else None) == reading
