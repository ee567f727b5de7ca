"""healcode export: .qdc and .qdpx files that validate, read back exactly, and repeat."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

import healcode
from healcode.cli import main
from tests.conftest import DATA, SHARED

REFI = DATA / "refi"
SCHEMAS = REFI / "schemas"
NS = {"q": "urn:QDA-XML:project:1.0"}
CB = {"c": "urn:QDA-XML:codebook:1.0"}

# Traditional characters, emoji and a CJK Extension B character (outside the BMP, two
# UTF-16 units each) before and inside coded units: offsets counted in anything but
# code points land in the wrong place. The file has a BOM and CRLF line ends.
CHAN = (
    "訪談編號：T01\n"
    "访谈者：陳太太，您好😊。最近怎麼樣？\n"
    "受访者：還好😊😊。我每個禮拜都去暖心家園，跟姐妹們聊天🙏，心裡舒服多了。\n"
    "访谈者：以前呢？\n"
    "受访者：以前很孤單。現在有姐妹們陪了𠀋。\n"
    "访谈者：以後有什麼打算？\n"
    "受访者：明年想去旅遊🌸，我們有盼頭了。\n"
)
LEE = "访谈者：李先生，您好。\n受访者：我一個人在家，很孤單🥲。\n访谈者：謝謝。\n受访者：暖心家園的姐妹們常來。\n"


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _run_code(runner, corpus: Path, out: Path) -> None:
    result = runner.invoke(
        main, ["code", str(corpus), "-c", str(REFI / "codebook.yaml"), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory):
    """A run of two traditional-character transcripts with emoji, and its corpus."""
    from click.testing import CliRunner

    root = tmp_path_factory.mktemp("refi_mini")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "t01_chan.txt").write_bytes(b"\xef\xbb\xbf" + CHAN.replace("\n", "\r\n").encode())
    (corpus / "t02_lee.txt").write_text(LEE, encoding="utf-8")
    (corpus / "metadata.csv").write_text(
        "document,gender,age\nt01_chan,female,63\nt02_lee,male,70\n", encoding="utf-8"
    )
    _run_code(CliRunner(), corpus, root / "out")
    return root / "out"


@pytest.fixture(scope="module")
def bundled_qdpx(bundled_run, tmp_path_factory) -> Path:
    from click.testing import CliRunner

    target = tmp_path_factory.mktemp("bundled_qdpx") / "project.qdpx"
    result = CliRunner().invoke(main, ["export", str(bundled_run), "-o", str(target)])
    assert result.exit_code == 0, result.output
    return target


def _qde(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"))


def _excerpts(run: Path) -> list[dict[str, str]]:
    with (run / "excerpts.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_bundled_project_validates_against_the_project_schema(bundled_qdpx):
    schema = _schema("Project.xsd")
    root = _qde(bundled_qdpx)
    assert schema.validate(root), schema.error_log
    assert len(root.findall(".//q:TextSource", NS)) == 10


def test_bundled_codebook_validates_against_the_codebook_schema(runner, bundled_run, tmp_path):
    target = tmp_path / "book.qdc"
    result = runner.invoke(main, ["export", str(bundled_run), "--format", "qdc", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "21 codes" in result.output
    schema = _schema("Codebook.xsd")
    tree = etree.parse(str(target))
    assert schema.validate(tree), schema.error_log
    themes = tree.getroot().findall("c:Codes/c:Code", CB)
    assert [t.get("name") for t in themes] == [
        "互助关系",
        "积极自尊",
        "希望",
        "情感伤痛",
        "社区参与",
    ]


def test_vendored_schemas_are_the_published_ones():
    reference = SHARED / "refi-qda"
    if not (reference / "Project.xsd").is_file():
        pytest.skip(f"the REFI-QDA reference files are not at {reference} (set HEALCODE_SHARED)")
    for name in ("Project.xsd", "Codebook.xsd"):
        assert (SCHEMAS / name).read_bytes() == (reference / name).read_bytes()


def test_every_selection_reads_back_as_its_unit_text(mini_run, tmp_path, runner):
    target = tmp_path / "mini.qdpx"
    assert runner.invoke(main, ["export", str(mini_run), "-o", str(target)]).exit_code == 0
    root = _qde(target)
    assert _schema("Project.xsd").validate(root)
    expected = {
        (r["document"], int(r["start"]), int(r["end"])): r["text"] for r in _excerpts(mini_run)
    }
    found = {}
    after_astral = 0
    with zipfile.ZipFile(target) as archive:
        for source in root.iterfind(".//q:TextSource", NS):
            path = source.get("plainTextPath").removeprefix("internal://")
            text = archive.read(f"sources/{path}").decode("utf-8")
            for selection in source.iterfind("q:PlainTextSelection", NS):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                found[(source.get("name"), start, end)] = text[start:end]
                after_astral += any(ord(c) > 0xFFFF for c in text[:start])
    assert found == expected
    assert after_astral >= 3  # the test can tell code points from UTF-16 units
    assert any(ord(c) > 0xFFFF for c in found[("t01_chan", 84, 94)])  # 現在有姐妹們陪了𠀋。


def export_run_path(run: Path, target: Path) -> Path:
    from healcode.refi.export import export_run

    return export_run(run, path=target).path


def test_source_files_are_the_document_text_in_utf8_with_lf(mini_run, tmp_path):
    from healcode.refi.export import export_run

    summary = export_run(mini_run, path=tmp_path / "p.qdpx")
    assert (summary.sources, summary.selections, summary.codings, summary.cases) == (2, 6, 8, 2)
    root = _qde(summary.path)
    with zipfile.ZipFile(summary.path) as archive:
        source = root.find(".//q:TextSource[@name='t01_chan']", NS)
        data = archive.read("sources/" + source.get("plainTextPath").removeprefix("internal://"))
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    assert data.decode("utf-8") == CHAN  # BOM removed, CRLF -> LF: what offsets count


def test_codes_are_nested_with_descriptions_and_a_colour_per_theme(bundled_qdpx):
    codes = _qde(bundled_qdpx).find("q:CodeBook/q:Codes", NS)
    themes = codes.findall("q:Code", NS)
    assert len(themes) == 5
    assert len({t.get("color") for t in themes}) == 5
    for theme in themes:
        children = theme.findall("q:Code", NS)
        assert children and all(c.get("color") == theme.get("color") for c in children)
    peer = codes.find("q:Code/q:Code[@name='同命人互助']", NS)
    description = peer.find("q:Description", NS).text
    for label in ("Definition: ", "When to use: ", "When not to use: ", "Example: ", "Terms: "):
        assert label in description
    assert description.endswith("healcode id: mutual_relationships/peer_support")


def test_codings_are_by_the_healcode_user_and_describe_the_match(mini_run, tmp_path):
    from healcode.refi.export import export_run

    root = _qde(export_run(mini_run, path=tmp_path / "p.qdpx").path)
    users = root.findall("q:Users/q:User", NS)
    assert [u.get("name") for u in users] == [f"healcode {healcode.__version__}"]
    codings = root.findall(".//q:Coding", NS)
    assert len(codings) == 8
    assert {c.get("creatingUser") for c in codings} == {users[0].get("guid")}
    guid_of = {c.get("name"): c.get("guid") for c in root.iterfind(".//q:Code", NS)}
    selection = root.find(".//q:PlainTextSelection[@startPosition='37']", NS)
    refs = [c.find("q:CodeRef", NS).get("targetGUID") for c in selection.findall("q:Coding", NS)]
    assert refs == [guid_of["互助"], guid_of["姐妹"]]  # the theme's own term, then the code's
    assert "姐妹 (mutual/peers): matched 姐妹們, 聊天" in selection.find("q:Description", NS).text
    later = root.find(".//q:PlainTextSelection[@startPosition='84']", NS)
    assert "姐妹 (mutual/peers): matched 姐妹們" in later.find("q:Description", NS).text
    assert (
        "negated"
        not in root.find(".//q:PlainTextSelection[@startPosition='78']", NS)
        .find("q:Description", NS)
        .text
    )


def test_negated_codings_are_not_exported_as_codings(runner, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "t.txt").write_text("受访者：我不孤單。\n受访者：我很孤單。\n", encoding="utf-8")
    out = tmp_path / "out"
    _run_code(runner, corpus, out)
    assert _excerpts(out)[0]["negated"] == "True"
    root = _qde(export_run_path(out, tmp_path / "p.qdpx"))
    starts = [s.get("startPosition") for s in root.iterfind(".//q:PlainTextSelection", NS)]
    assert starts == [str(len("受访者：我不孤單。\n受访者："))]


def test_metadata_becomes_cases_with_typed_variables(mini_run, tmp_path):
    from healcode.refi.export import export_run

    root = _qde(export_run(mini_run, path=tmp_path / "p.qdpx").path)
    variables = {
        v.get("name"): v.get("typeOfVariable") for v in root.iterfind("q:Variables/q:Variable", NS)
    }
    assert variables == {"gender": "Text", "age": "Integer"}
    case = root.find("q:Cases/q:Case[@name='t02_lee']", NS)
    values = [v[1].text for v in case.findall("q:VariableValue", NS)]
    assert values == ["male", "70"]
    source = root.find(".//q:TextSource[@name='t02_lee']", NS)
    assert case.find("q:SourceRef", NS).get("targetGUID") == source.get("guid")


def test_exporting_the_same_run_twice_gives_identical_files(mini_run, tmp_path):
    from healcode.refi.export import export_run

    first = export_run(mini_run, path=tmp_path / "a.qdpx").path.read_bytes()
    second = export_run(mini_run, path=tmp_path / "b.qdpx").path.read_bytes()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    qdc = [
        export_run(mini_run, format="qdc", path=tmp_path / f"{n}.qdc").path.read_bytes()
        for n in "ab"
    ]
    assert qdc[0] == qdc[1]
    created = json.loads((mini_run / "manifest.json").read_text(encoding="utf-8"))["created"]
    with zipfile.ZipFile(tmp_path / "a.qdpx") as archive:
        dates = {info.date_time for info in archive.infolist()}
        names = archive.namelist()
    stamp = [
        int(p)
        for p in (
            created[:4],
            created[5:7],
            created[8:10],
            created[11:13],
            created[14:16],
            created[17:19],
        )
    ]
    stamp[5] -= stamp[5] % 2  # a zip counts seconds in twos
    assert dates == {tuple(stamp)}
    assert names[0] == "project.qde" and all(n.startswith("sources/") for n in names[1:])


def test_default_output_names_and_no_overwrite_without_force(runner, mini_run, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(mini_run, run)
    first = runner.invoke(main, ["export", str(run)])
    assert first.exit_code == 0, first.output
    assert (run / "project.qdpx").is_file()
    before = (run / "project.qdpx").read_bytes()
    again = runner.invoke(main, ["export", str(run)])
    assert again.exit_code == 1
    assert "already exists" in again.output and "--force" in again.output
    assert runner.invoke(main, ["export", str(run), "--force"]).exit_code == 0
    assert (run / "project.qdpx").read_bytes() == before
    assert runner.invoke(main, ["export", str(run), "-f", "qdc"]).exit_code == 0
    assert (run / "codebook.qdc").is_file()


def test_a_source_changed_since_the_run_is_an_error_and_nothing_is_written(runner, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "t02_lee.txt").write_text(LEE, encoding="utf-8")
    _run_code(runner, corpus, tmp_path / "out")
    (corpus / "t02_lee.txt").write_text(LEE + "受访者：多一句。\n", encoding="utf-8")
    result = runner.invoke(main, ["export", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "t02_lee.txt: changed since the run" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "project.qdpx").exists()
    # the codebook alone needs no sources
    assert runner.invoke(main, ["export", str(tmp_path / "out"), "-f", "qdc"]).exit_code == 0


def test_a_directory_that_is_not_a_run_is_an_error(runner, tmp_path):
    result = runner.invoke(main, ["export", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a healcode output directory (no manifest.json)" in result.output
    assert list(tmp_path.iterdir()) == []


def test_theme_colours_stay_distinct_beyond_the_palette():
    from healcode.refi.export import theme_colours

    colours = theme_colours(30)
    assert len(set(colours)) == 30
    assert all(len(c) == 7 and c.startswith("#") for c in colours)


def test_a_run_of_a_survey_table_exports_from_any_directory(runner, tmp_path, monkeypatch):
    """The manifest records absolute paths and how the table was read (id and text
    columns, the metadata file), so export reads the same documents again anywhere."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "survey.csv").write_text(
        "编号,性别,回答\nR1,女,有盼头了，同命人常来\nR2,男,没有希望\n", encoding="gb18030"
    )
    (data / "attributes.csv").write_text("document,group\nR1,A\nR2,B\n", encoding="utf-8")
    monkeypatch.chdir(data)
    out = tmp_path / "run"
    result = runner.invoke(
        main,
        [
            "code",
            "survey.csv",
            "--id-column",
            "编号",
            "--text-column",
            "回答",
            "--metadata",
            "attributes.csv",
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    target = tmp_path / "survey.qdpx"
    result = runner.invoke(main, ["export", str(out), "-o", str(target)])
    assert result.exit_code == 0, result.output
    root = _qde(target)
    ns = {"q": root.nsmap[None]}
    assert sorted(s.get("name") for s in root.iterfind(".//q:TextSource", ns)) == ["R1", "R2"]
    assert {v.text for v in root.iterfind(".//q:VariableValue/q:TextValue", ns)} >= {"A", "B"}


def test_a_learned_models_codings_carry_their_score(bundled_run, bundled_qdpx):
    """The bundled run is coded with the bundled model: a coding the model made without a
    dictionary hit is exported like any other, its description giving the score and why."""
    excerpts = [r for r in _excerpts(bundled_run) if r["source"] == "model"]
    assert excerpts and all(r["terms"] == "" and r["code"] == r["theme"] for r in excerpts)
    root = _qde(bundled_qdpx)
    assert _schema("Project.xsd").validate(root)
    descriptions = [d.text for d in root.iterfind(".//q:PlainTextSelection/q:Description", NS)]
    scored = [d for d in descriptions if "learned model, score " in d]
    assert len(scored) >= len({(r["document"], r["unit"]) for r in excerpts})
    assert any(re.search(r"learned model, score 0\.\d\d \(.+\)", d) for d in scored)
