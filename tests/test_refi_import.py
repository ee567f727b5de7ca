"""healcode import: REFI-QDA projects and codebooks from other programs, and the round trip."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from healcode.cli import main
from tests.conftest import DATA, SHARED

from .conftest import listing

REFI = DATA / "refi"
ATLAS = SHARED / "samples" / "refi-qda" / "atlasti-8.4-empty-sources.qdpx"
# The text of "Interview A" in the variants project, as the program stored it.
INTERVIEW_A = "Q: How was it?\r\nA: 我很孤單 😊 but better now.\r\nQ: Thanks.\r\n"


def _codings(directory: Path) -> list[dict[str, str]]:
    with (directory / "codings.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def variants_qdpx(tmp_path) -> Path:
    """The variants project zipped as other programs do: a Sources/ folder, an upper-case
    .qde name, a source file named in lower case with a BOM and CRLF line ends."""
    path = tmp_path / "variants.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(REFI / "variants.qde", "Variants Export.QDE")
        archive.writestr("Sources/", b"")
        archive.writestr(
            "Sources/5f000001-0000-4000-8000-00000000000a.txt",
            b"\xef\xbb\xbf" + INTERVIEW_A.encode("utf-8"),
        )
    return path


def test_atlas_ti_sample_imports_with_missing_sources_warned(runner, tmp_path):
    if not ATLAS.is_file():
        pytest.skip(f"the ATLAS.ti sample is not at {ATLAS} (set HEALCODE_SHARED)")
    from healcode.codebook import load_codebook

    out = tmp_path / "atlas"
    result = runner.invoke(main, ["import", str(ATLAS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "8 text source(s) are referenced but missing from the archive" in result.output
    assert "7 coding(s) of pictures, PDF regions, audio or video were not imported" in result.output
    codebook = load_codebook(out / "codebook.yaml")
    nodes = [n for theme in codebook.themes for n in (theme, *theme.codes)]
    assert len(nodes) == 14
    assert {n.label for n in nodes} >= {"Coke::diet Coke", '"rushed"', "cornflakes"}
    assert codebook.rules() == []  # codes from other programs have no terms
    rows = _codings(out)
    assert len(rows) == 9
    assert rows[0] == {
        "document": "1994 Diet Coke-Diet Coke Break",
        "start": "139",
        "end": "195",
        "code": "coke_diet_coke",
        "coder": "Friedrich Markgraf",
        "text": "",
    }
    assert {r["document"] for r in rows} == {
        "1994 Diet Coke-Diet Coke Break",
        "Mabel",
        "Simon",
        "Pay de Limón con Base de Granola _ Kellogg's ®",
    }
    assert listing(out / "sources") == []


def test_variants_of_real_exports_are_read(runner, variants_qdpx, tmp_path):
    out = tmp_path / "variants"
    result = runner.invoke(main, ["import", str(variants_qdpx), "-o", str(out), "--no-bom"])
    assert result.exit_code == 0, result.output
    assert "'Missing.txt'" in result.output and "missing from the archive" in result.output
    assert "1 coding(s) of pictures" in result.output
    assert (
        "selection '5E100004-0000-4000-8000-000000000004' at 30-4000 does not fit" in result.output
    )
    text = (out / "sources" / "Interview A.txt").read_bytes().decode("utf-8")
    assert text == INTERVIEW_A.replace("\r\n", "\n")  # BOM gone, LF line ends
    assert (out / "sources" / "Notes.txt").read_text(encoding="utf-8") == "inline 文本 text"
    rows = [
        (r["document"], int(r["start"]), int(r["end"]), r["code"], r["coder"], r["text"])
        for r in _codings(out)
    ]
    assert rows == [
        ("Interview A", 0, len(text), "whole_interview", "ben", text),
        ("Interview A", 18, 28, "feelings/loneliness_deep_loneliness", "ben", "我很孤單 😊 but"),
        ("Interview A", 20, 22, "feelings/loneliness", "Anna", "孤單"),
        ("Interview A", 29, 39, "hope", "ben", "better now"),
        ("Notes", 7, 9, "theme_1", "Anna", "文本"),
        ("Missing", 3, 8, "hope_2", "Anna", ""),
    ]
    for document, start, end, *_, quoted in rows:
        if quoted:
            assert (out / "sources" / f"{document}.txt").read_text(encoding="utf-8")[
                start:end
            ] == quoted
    assert (out / "sources" / "metadata.csv").read_text(
        encoding="utf-8"
    ) == "document,Age\nInterview A,63\n"


def test_imported_codebook_nests_codes_and_keeps_names_as_labels(variants_qdpx, tmp_path):
    from healcode.codebook import load_codebook
    from healcode.refi import import_exchange

    summary = import_exchange(variants_qdpx, tmp_path / "out")
    assert summary.codes == 7
    book = load_codebook(tmp_path / "out" / "codebook.yaml")
    assert [(t.id, t.label) for t in book.themes] == [
        ("feelings", "Feelings"),
        ("hope", "Hope"),
        ("whole_interview", "Whole interview"),
        ("theme_1", "身份认同"),
        ("hope_2", "hope"),
    ]
    feelings = book.themes[0]
    assert [(c.id, c.label) for c in feelings.codes] == [
        ("loneliness", "Loneliness"),
        ("loneliness_deep_loneliness", "Loneliness › Deep Loneliness"),
    ]
    assert feelings.definition == "How people feel."
    assert feelings.codes[0].definition == "Being alone.\nSaid in many ways."
    header = (tmp_path / "out" / "codebook.yaml").read_text(encoding="utf-8")
    assert "Codes without terms or patterns are allowed" in header


@pytest.mark.parametrize(
    "namespace",
    ["urn:QDA-XML:codebook:0:4", "urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:1.0", ""],
)
def test_codebook_namespace_variants(runner, tmp_path, namespace):
    from healcode.codebook import load_codebook

    text = (REFI / "codebook_0_4.qdc").read_text(encoding="utf-8")
    declaration = f' xmlns="{namespace}"' if namespace else ""
    qdc = tmp_path / "book.qdc"
    qdc.write_text(text.replace(' xmlns="urn:QDA-XML:codebook:0:4"', declaration), encoding="utf-8")
    out = tmp_path / "book"
    result = runner.invoke(main, ["import", str(qdc), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert listing(out) == ["codebook.yaml", "import.json"]
    book = load_codebook(out / "codebook.yaml")
    assert [(t.id, [c.id for c in t.codes]) for t in book.themes] == [
        ("feelings", ["happiness", "happiness_2"]),
        ("coke_diet_coke", []),
        ("theme_1", []),
    ]


def test_round_trip_gives_back_the_codebook_and_the_coding(runner, bundled_run, tmp_path):
    from healcode.codebook import load_codebook

    qdpx = tmp_path / "project.qdpx"
    assert runner.invoke(main, ["export", str(bundled_run), "-o", str(qdpx)]).exit_code == 0
    out = tmp_path / "imported"
    result = runner.invoke(main, ["import", str(qdpx), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    original = load_codebook(
        Path(__file__).resolve().parent.parent / "codebooks" / "social_healing.yaml"
    )
    imported = load_codebook(out / "codebook.yaml")
    assert imported.rules() == original.rules()
    assert (imported.negators, imported.negation_window) == (
        original.negators,
        original.negation_window,
    )
    with (bundled_run / "excerpts.csv").open(encoding="utf-8-sig", newline="") as handle:
        excerpts = [
            (r["document"], int(r["start"]), int(r["end"]), r["code"], r["text"])
            for r in csv.DictReader(handle)
            if r["negated"] == "False"
        ]
    rows = [
        (r["document"], int(r["start"]), int(r["end"]), r["code"], r["text"]) for r in _codings(out)
    ]
    assert sorted(rows) == sorted(excerpts)
    assert {r["coder"] for r in _codings(out)} == {"healcode 0.1.0"}
    with (bundled_run / "units.csv").open(encoding="utf-8-sig", newline="") as handle:
        documents = {r["document"] for r in csv.DictReader(handle)}
    assert sorted(p.stem for p in (out / "sources").glob("*.txt")) == sorted(documents)


def test_round_trip_agreement_with_healcode_is_perfect(runner, bundled_run, tmp_path):
    qdpx = tmp_path / "project.qdpx"
    assert runner.invoke(main, ["export", str(bundled_run), "-o", str(qdpx)]).exit_code == 0
    out = tmp_path / "imported"
    assert runner.invoke(main, ["import", str(qdpx), "-o", str(out)]).exit_code == 0
    with (bundled_run / "excerpts.csv").open(encoding="utf-8-sig", newline="") as handle:
        excerpts = [r for r in csv.DictReader(handle) if r["negated"] == "False"]
    for level in ("theme", "code"):
        agreement = tmp_path / f"agreement_{level}"
        result = runner.invoke(
            main,
            [
                "agree",
                str(out / "codings.csv"),
                str(bundled_run / "excerpts.csv"),
                "--units",
                str(bundled_run / "units.csv"),
                "--level",
                level,
                "-o",
                str(agreement),
                "-q",
            ],
        )
        assert result.exit_code == 0, result.output
        with (agreement / "agreement.csv").open(encoding="utf-8-sig", newline="") as handle:
            table = list(csv.DictReader(handle))
        kappa = {row["code"]: float(row["cohen_kappa"]) for row in table}
        assert set(kappa) == {r[level] for r in excerpts} | {"(mean)"}
        assert set(kappa.values()) == {1.0}, table


def test_recoding_the_imported_sources_reproduces_the_run(runner, tmp_path):
    # the dictionary's run: an imported codebook has no learned model to code beside it
    bundled_run = tmp_path / "run"
    assert runner.invoke(main, ["code", "--no-model", "-o", str(bundled_run), "-q"]).exit_code == 0
    qdpx = tmp_path / "project.qdpx"
    assert runner.invoke(main, ["export", str(bundled_run), "-o", str(qdpx)]).exit_code == 0
    out = tmp_path / "imported"
    assert runner.invoke(main, ["import", str(qdpx), "-o", str(out)]).exit_code == 0
    again = tmp_path / "again"
    result = runner.invoke(
        main,
        ["code", str(out / "sources"), "-c", str(out / "codebook.yaml"), "-o", str(again), "-q"],
    )
    assert result.exit_code == 0, result.output
    for name in ("units.csv", "excerpts.csv", "hits.csv"):
        assert (again / name).read_bytes() == (bundled_run / name).read_bytes(), name


def test_taguette_positions_are_read_as_utf8_bytes(tmp_path):
    from healcode.refi import import_exchange

    text = "我很孤單，但是好多了。"
    start = len(text[:2].encode("utf-8"))
    end = len(text[:4].encode("utf-8"))
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="Taguette 1.4.1">
  <CodeBook><Codes><Code guid="c0de0001-0000-4000-8000-000000000001" name="lonely" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="50000001-0000-4000-8000-000000000001" name="doc">
    <PlainTextContent>{text}</PlainTextContent>
    <PlainTextSelection guid="5e100001-0000-4000-8000-000000000001" startPosition="{start}" endPosition="{end}">
      <Coding guid="c0d10001-0000-4000-8000-000000000001"><CodeRef targetGUID="c0de0001-0000-4000-8000-000000000001"/></Coding>
    </PlainTextSelection>
  </TextSource></Sources>
</Project>"""
    (tmp_path / "t.qde").write_text(qde, encoding="utf-8")
    summary = import_exchange(tmp_path / "t.qde", tmp_path / "auto")
    assert summary.readings() == {"doc": "utf8"}
    assert [(r["start"], r["end"], r["text"]) for r in _codings(tmp_path / "auto")] == [
        ("2", "4", "孤單")
    ]
    forced = import_exchange(tmp_path / "t.qde", tmp_path / "cp", positions="codepoints")
    assert forced.readings() == {"doc": "codepoints"}
    assert _codings(tmp_path / "cp") == []  # 6-12 does not fit 11 characters
    assert any("at 6-12 does not fit the text of 11 characters" in w for w in forced.warnings)


def test_an_existing_output_directory_needs_force(runner, variants_qdpx, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(main, ["import", str(variants_qdpx), "-o", str(out)])
    assert result.exit_code == 1 and "--force" in result.output
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    forced = runner.invoke(main, ["import", str(variants_qdpx), "-o", str(out), "--force"])
    assert forced.exit_code == 1 and "keep.txt" in forced.output  # not healcode's: kept
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    mine = tmp_path / "imported"
    assert runner.invoke(main, ["import", str(variants_qdpx), "-o", str(mine)]).exit_code == 0
    assert (
        runner.invoke(main, ["import", str(variants_qdpx), "-o", str(mine), "--force"]).exit_code
        == 0
    )
    assert listing(mine) == ["codebook.yaml", "codings.csv", "import.json", "sources"]


def test_a_reviewed_project_is_one_coder_against_healcode(runner, bundled_run, tmp_path):
    """What a researcher sends back: one healcode coding removed, one of their own added
    (by another user, over most of a unit healcode left uncoded)."""
    from lxml import etree

    from healcode.refi.guids import stable_guid

    qdpx = tmp_path / "project.qdpx"
    assert runner.invoke(main, ["export", str(bundled_run), "-o", str(qdpx)]).exit_code == 0
    ns = {"q": "urn:QDA-XML:project:1.0"}
    with zipfile.ZipFile(qdpx) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    root = etree.fromstring(entries["project.qde"])
    source = root.find(".//q:TextSource[@name='p01_wang_mother']", ns)
    removed = source.find("q:PlainTextSelection", ns)
    removed_codes = len(removed.findall("q:Coding", ns))
    source.remove(removed)
    with (bundled_run / "units.csv").open(encoding="utf-8-sig", newline="") as handle:
        units = [r for r in csv.DictReader(handle) if r["document"] == "p01_wang_mother"]
    with (bundled_run / "excerpts.csv").open(encoding="utf-8-sig", newline="") as handle:
        coded = {r["unit"] for r in csv.DictReader(handle) if r["document"] == "p01_wang_mother"}
    unit = next(
        u for u in units if u["coded"] == "True" and u["unit"] not in coded and len(u["text"]) > 8
    )
    anna = "5a0c3e1b-9f4d-4c7a-8e21-0b6f2d9a7c11"
    etree.SubElement(root.find("q:Users", ns), f"{{{ns['q']}}}User", guid=anna, name="Anna")
    selection = etree.SubElement(
        source,
        f"{{{ns['q']}}}PlainTextSelection",
        guid="5e100001-0000-4000-8000-000000000001",
        creatingUser=anna,
        startPosition=unit["start"],
        endPosition=str(int(unit["end"]) - 1),
    )
    coding = etree.SubElement(
        selection, f"{{{ns['q']}}}Coding", guid="c0d10001-0000-4000-8000-000000000001"
    )
    etree.SubElement(
        coding, f"{{{ns['q']}}}CodeRef", targetGUID=stable_guid("code", "hope/future_plans")
    )
    entries["project.qde"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    reviewed = tmp_path / "reviewed.qdpx"
    with zipfile.ZipFile(reviewed, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)

    out = tmp_path / "reviewed"
    result = runner.invoke(main, ["import", str(reviewed), "-o", str(out), "--coder", "reviewer"])
    assert result.exit_code == 0, result.output
    rows = _codings(out)
    assert {r["coder"] for r in rows} == {"reviewer"}
    with (bundled_run / "excerpts.csv").open(encoding="utf-8-sig", newline="") as handle:
        exported = sum(r["negated"] == "False" for r in csv.DictReader(handle))
    assert len(rows) == exported - removed_codes + 1
    added = next(
        r for r in rows if r["code"] == "hope/future_plans" and r["start"] == unit["start"]
    )
    assert added["text"] == unit["text"][:-1]
    agreement = tmp_path / "agreement"
    result = runner.invoke(
        main,
        [
            "agree",
            str(out / "codings.csv"),
            str(bundled_run / "excerpts.csv"),
            "--units",
            str(bundled_run / "units.csv"),
            "-o",
            str(agreement),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    with (agreement / "agreement.csv").open(encoding="utf-8-sig", newline="") as handle:
        table = {row["code"]: row for row in csv.DictReader(handle)}
    assert table["hope"]["coder_a"] == "reviewer"
    assert float(table["hope"]["cohen_kappa"]) < 1.0
    assert float(table["(mean)"]["cohen_kappa"]) < 1.0


# ---------------------------------------------------------------- positions from other programs

FIXTURES = {  # fixture -> how its program counts positions, as --positions names it
    "nvivo_windows": "utf16",
    "qualcoder": "utf16-lf",
    "taguette": "utf8",
    "codepoints": "codepoints",
}


def _project(name: str):
    from tests.data.refi import position_fixtures

    return next(p for p in position_fixtures.PROJECTS if p.file == f"{name}.qdpx")


def _imported_texts(out: Path) -> list[tuple[str, str, str]]:
    """(document, code label, text) of every imported coding."""
    from healcode.codebook import load_codebook

    book = load_codebook(out / "codebook.yaml")
    labels = {t.id: t.label for t in book.themes}
    return sorted((r["document"], labels[r["code"]], r["text"]) for r in _codings(out))


def _expected_texts(project) -> list[tuple[str, str, str]]:
    from healcode.refi.importing import document_id
    from tests.data.refi.position_fixtures import expected_codings

    return sorted(
        (document_id(source), code, text) for source, code, text in expected_codings(project)
    )


def test_the_fixtures_are_what_their_script_writes():
    from tests.data.refi.position_fixtures import PROJECTS, archive_bytes

    for project in PROJECTS:
        assert (REFI / project.file).read_bytes() == archive_bytes(project), project.file


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_program_s_positions_land_on_what_the_coder_selected(runner, tmp_path, name):
    import json

    out = tmp_path / name
    result = runner.invoke(main, ["import", str(REFI / f"{name}.qdpx"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    project = _project(name)
    assert _imported_texts(out) == _expected_texts(project)
    reading = FIXTURES[name]
    sources = len(project.sources)
    assert f"positions: {reading} (" in result.output
    assert (
        f"in {sources} source{'s' if sources > 1 else ''}, chosen from where the selections fall"
        in result.output
    )
    assert f"exported by {project.origin}" in result.output
    record = json.loads((out / "import.json").read_text(encoding="utf-8"))
    assert record["origin"] == project.origin
    assert (
        record["program"]
        == {
            "nvivo_windows": "NVivo",
            "qualcoder": "QualCoder",
            "taguette": "Taguette",
            "codepoints": "MAXQDA",
        }[name]
    )
    assert record["options"]["positions"] == "auto"
    assert [(s["positions"], s["decided"], s["alternatives"]) for s in record["sources"]] == [
        (reading, "evidence", [])
    ] * sources
    texts = {
        s["document"]: (out / "sources" / f"{s['document']}.txt").read_text(encoding="utf-8")
        for s in record["sources"]
    }
    for row in _codings(out):
        assert texts[row["document"]][int(row["start"]) : int(row["end"])] == row["text"]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_the_evidence_alone_decides_without_origin_or_selection_names(tmp_path, name):
    """What the program is known to write, and selection names that repeat the text
    (QualCoder), help; the boundaries of the selections alone must be enough."""
    import re

    from healcode.refi import import_exchange
    from tests.data.refi.position_fixtures import project_files

    files = project_files(_project(name))
    qde = files["project.qde"].decode("utf-8")
    qde = re.sub(r' origin="[^"]*"', ' origin=""', qde)
    qde = re.sub(r' name="[^"]*" startPosition', " startPosition", qde)
    files["project.qde"] = qde.encode("utf-8")
    bare = tmp_path / "bare.qdpx"
    with zipfile.ZipFile(bare, "w") as archive:
        for entry, data in files.items():
            archive.writestr(entry, data)
    summary = import_exchange(bare, tmp_path / "out")
    assert set(summary.readings().values()) == {FIXTURES[name]}
    assert not summary.warnings
    assert _imported_texts(tmp_path / "out") == _expected_texts(_project(name))


def test_nvivo_read_as_code_points_lands_elsewhere(tmp_path):
    """What --positions auto did before it looked at the evidence: every coding after the
    first emoji is on other text (the reason for deciding per source)."""
    from healcode.refi import import_exchange

    project = _project("nvivo_windows")
    import_exchange(REFI / project.file, tmp_path / "out", positions="codepoints")
    wrong = set(_imported_texts(tmp_path / "out")) - set(_expected_texts(project))
    assert len(wrong) >= 10


def test_a_relative_plain_text_path_is_read_from_the_archive(tmp_path):
    from healcode.refi import import_exchange
    from tests.data.refi.position_fixtures import project_files

    files = project_files(_project("qualcoder"))
    assert b"internal://" not in files["project.qde"]  # as older QualCoder versions write it
    summary = import_exchange(REFI / "qualcoder.qdpx", tmp_path / "out")
    assert summary.sources == 2 and not summary.warnings
    del files[next(name for name in files if name.startswith("sources/"))]
    partial = tmp_path / "partial.qdpx"
    with zipfile.ZipFile(partial, "w") as archive:
        for entry, data in files.items():
            archive.writestr(entry, data)
    summary = import_exchange(partial, tmp_path / "partial")
    assert summary.sources == 1
    assert any(
        "1 text source(s) are referenced but missing from the archive ('p07_zhao.txt')" in w
        for w in summary.warnings
    )


def _one_selection_qde(
    origin: str, text: str = "受访者：那时候😊我天天在家哭后来慢慢好了", phrase: str = "天天在家哭"
) -> str:
    """A source with one selection of ``phrase``, positions in UTF-16 units.

    By default a line of Chinese without punctuation near the selection, after an
    emoji: read as UTF-16 units or as code points it starts and ends inside the same
    run of characters, so both readings are as plausible, and they select other text."""
    start = len(text[: text.index(phrase)].encode("utf-16-le")) // 2
    end = start + len(phrase.encode("utf-16-le")) // 2
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="a" origin="{origin}">
  <CodeBook><Codes><Code guid="c0de0001-0000-4000-8000-000000000001" name="sad" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="50000001-0000-4000-8000-000000000001" name="访谈09">
    <PlainTextContent>{text}</PlainTextContent>
    <PlainTextSelection guid="5e100001-0000-4000-8000-000000000001" startPosition="{start}" endPosition="{end}">
      <Coding guid="c0d10001-0000-4000-8000-000000000001"><CodeRef targetGUID="c0de0001-0000-4000-8000-000000000001"/></Coding>
    </PlainTextSelection>
  </TextSource></Sources>
</Project>"""


@pytest.mark.parametrize(
    ("origin", "chosen", "text", "other"),
    [
        ("", "codepoints", "天在家哭后", "utf16"),  # the standard's reading is taken
        ("NVivo 12", "utf16", "天天在家哭", "codepoints"),
    ],  # what NVivo writes is taken
)
def test_equally_plausible_readings_are_warned_with_the_option(
    runner, tmp_path, origin, chosen, text, other
):
    import json

    qde = tmp_path / "a.qde"
    qde.write_text(_one_selection_qde(origin), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(main, ["import", str(qde), "-o", str(out)])
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if line.startswith("warning:"))
    assert "访谈09: its selection positions are ambiguous" in warning
    assert f"read as {chosen}" in warning and f"--positions {other}" in warning
    assert f"positions: {chosen} (" in result.output and "UNCERTAIN" in result.output
    assert [r["text"] for r in _codings(out)] == [text]
    (source,) = json.loads((out / "import.json").read_text(encoding="utf-8"))["sources"]
    assert (source["positions"], source["decided"], source["alternatives"]) == (
        chosen,
        "uncertain",
        [other],
    )
    forced = tmp_path / "forced"
    result = runner.invoke(main, ["import", str(qde), "-o", str(forced), "--positions", other])
    assert "warning" not in result.output and f"positions: {other} (" in result.output
    assert "as given with --positions" in result.output


def test_readings_that_coincide_need_no_warning(runner, tmp_path):
    qde = tmp_path / "a.qde"
    qde.write_text(
        _one_selection_qde("", "受访者：那时候，我天天在家哭后来慢慢好了"), encoding="utf-8"
    )
    result = runner.invoke(main, ["import", str(qde), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    # No emoji: code points and UTF-16 units agree, UTF-8 bytes do not fit.
    assert "positions: codepoints (code points) in 1 source, chosen from where" in result.output
    assert [r["text"] for r in _codings(tmp_path / "out")] == ["天天在家哭"]
    qde.write_text(_one_selection_qde("", "P: then I cried at home", "cried"), encoding="utf-8")
    result = runner.invoke(main, ["import", str(qde), "-o", str(tmp_path / "ascii")])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert (
        "positions: codepoints (code points) in 1 source, every reading gives the same selections"
        in result.output
    )
    assert [r["text"] for r in _codings(tmp_path / "ascii")] == ["cried"]


def test_coded_text_a_spreadsheet_would_run_is_kept_and_said(runner, tmp_path):
    """A coding whose text starts with = is written exactly into codings.csv, and the
    import says once that a spreadsheet may take such cells for formulas."""
    from tests.conftest import MINI_CODEBOOK

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("受访者：=有希望。\n", encoding="utf-8")
    run = tmp_path / "run"
    assert (
        runner.invoke(
            main, ["code", str(corpus), "-c", str(MINI_CODEBOOK), "-o", str(run)]
        ).exit_code
        == 0
    )
    assert runner.invoke(main, ["export", str(run)]).exit_code == 0
    out = tmp_path / "imported"
    result = runner.invoke(main, ["import", str(run / "project.qdpx"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [r["text"] for r in _codings(out)] == ["=有希望。"]
    assert "codings.csv (1) are written exactly" in " ".join(result.output.split())


def test_boundary_taste_alone_does_not_silently_overrule_the_writer_s_counting():
    """Selections cut mid-word give only a few boundary points between readings: when
    the reading NVivo is known to write places every selection cleanly and loses by so
    little, the choice is said (uncertain, naming utf16) instead of made silently. A
    file with no known writer decides on the same points without a warning."""
    from healcode.refi.positions import Selection, SourceText, decide_reading

    text = "Hi 😀 there, we talked about hope and loss today, and then about the group."
    selections = [Selection(54, 62), Selection(5, 14)]  # UTF-16 units, mid-word
    unknown = decide_reading(SourceText(text), selections)
    assert (unknown.reading.name, unknown.how, unknown.rivals) == ("codepoints", "evidence", ())
    nvivo = decide_reading(SourceText(text), selections, origin="NVivo for Windows 12.6")
    assert nvivo.how == "uncertain"
    assert [r.name for r in nvivo.rivals] == ["utf16"]
