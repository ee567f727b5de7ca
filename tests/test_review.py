"""The review: its store, its pages and API (Starlette's test client), the export, the CLI."""

from __future__ import annotations

import csv
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from healcode.cli import main
from tests.conftest import DATA, listing

REPORT_DATA = DATA / "report"
BASE = "http://127.0.0.1:8765"

# Starlette's test client prefers a newer httpx than the one it still supports.
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


@pytest.fixture(scope="module")
def coded_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run: t01 has <script> in a unit and a unit with two codings; t03 none."""
    out = tmp_path_factory.mktemp("review") / "out"
    result = CliRunner().invoke(
        main,
        [
            "code",
            str(REPORT_DATA / "corpus"),
            "-c",
            str(REPORT_DATA / "codebook.yaml"),
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def run_dir(coded_run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(coded_run, out)
    return out


@pytest.fixture
def session(run_dir: Path):
    from healcode.review.app import open_session

    opened = open_session(run_dir, reviewer="王老师")
    yield opened
    opened.store.close()


@pytest.fixture
def client(session):
    from starlette.testclient import TestClient

    from healcode.review.app import create_app

    with TestClient(create_app(session), base_url=BASE) as test_client:
        yield test_client


def post(client, session, **body):
    return client.post("/api/decision", json=body, headers={"X-Healcode-Token": session.token})


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------------------- pages


def test_index_lists_every_document_with_a_link_and_progress(client):
    page = client.get("/")
    assert page.status_code == 200
    assert re.findall(r'<a href="(/doc/[^"]+)">', page.text) == ["/doc/t01", "/doc/t02", "/doc/t03"]
    # t01: three units in scope, all three coded by the run; none reviewed yet
    row = page.text[page.text.index('href="/doc/t01"') :]
    assert "0 / 3" in row[: row.index("</tr>")]
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_document_page_has_the_text_codings_and_codebook_in_its_html(client):
    page = client.get("/doc/t01")
    assert page.status_code == 200
    html = page.text
    assert "社工常来看我，我不再孤单了。" not in html  # the term is marked inside it
    assert '<mark class="h t0">社工</mark>常来看我' in html
    assert 'data-code="care/visits"' in html and 'data-code="pain/lonely"' in html
    # 不再孤单: a negated hit, shown as not coded, with no accept or reject but "+ code it"
    negated = html[html.index('<span class="neghit t1" data-code="pain/lonely"') :]
    negated = negated[: negated.index("</div>")]
    assert "negated: not coded" in negated and "+ code it" in negated
    assert 'data-action="accept"' not in negated
    assert 'class="coding t1" data-code="pain/lonely"' not in html
    assert "最近怎么样？" in html  # the interviewer's question is shown, not reviewable
    assert html.count('class="unit rv') == 3
    # the codebook's words are on the page: labels (escaped), definitions
    assert "上门 &amp; 陪伴 50%_#" in html
    assert "别人对受访者的关心与陪伴。也包括邻里照顾。" in html
    assert re.search(r'<meta name="healcode-token" content="[\w-]{40,}">', html)


def test_script_in_a_transcript_is_escaped(client):
    html = client.get("/doc/t01").text
    assert "<script>window.healcodeInjected" not in html
    assert "&lt;script&gt;window.healcodeInjected = true&lt;/script&gt;" in html
    assert html.count("<script") == 1  # our own, from /static
    assert '<script src="/static/review.js"></script>' in html


def test_labels_are_escaped_in_attributes_too(client):
    html = client.get("/doc/t01").text
    assert "=SUM(1,2) 关怀" in html
    assert "<book>" not in html and "&lt;book&gt;" in html


def test_unknown_document_and_paths_outside_the_run_are_refused(client, run_dir: Path):
    assert client.get("/doc/nope").status_code == 404
    assert "nope" in client.get("/doc/nope").text
    for path in (
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2Fapp.py",
        "/doc/..%2F..%2Fmanifest.json",
        "/manifest.json",
        "/units.csv",
        "/review.sqlite",
        "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "sha256" not in answer.text and "document,unit" not in answer.text
    assert client.get("/static/review.js").status_code == 200


def test_another_host_name_is_refused(session):
    from starlette.testclient import TestClient

    from healcode.review.app import create_app

    with TestClient(create_app(session), base_url="http://evil.example") as other:
        assert other.get("/").status_code == 400


def test_filters(client, session):
    shown = lambda html: re.findall(r'class="unit rv[^"]*" id="u(\d+)"', html)  # noqa: E731
    assert shown(client.get("/doc/t01").text) == ["1", "2", "4"]
    assert shown(client.get("/doc/t01?negated=1").text) == ["1"]
    assert shown(client.get("/doc/t01?theme=care").text) == ["1", "4"]
    assert (
        post(
            client, session, document="t01", unit=4, code="care/neighbours", decision="accept"
        ).status_code
        == 200
    )
    assert shown(client.get("/doc/t01?pending=1").text) == ["1", "2"]
    # no score column in this run: the score filter is not offered, and ignored
    assert 'name="below"' not in client.get("/doc/t01").text
    assert shown(client.get("/doc/t01?below=0.5").text) == ["1", "2", "4"]
    assert "Filter: 2 of 3 units shown." in client.get("/doc/t01?pending=1").text


def test_score_filter_when_the_run_has_model_scores(run_dir: Path):
    from starlette.testclient import TestClient

    from healcode.review.app import create_app, open_session

    excerpts = run_dir / "excerpts.csv"
    rows = read_rows(excerpts)
    for row, (source, score) in zip(
        rows,
        [
            ("model", "0.35"),
            ("dictionary", ""),  # a negated hit: the dictionary's alone
            ("dictionary", ""),
            ("model", "0.62"),
            ("dictionary", ""),
            ("dictionary", ""),
            ("model", "0.48"),
        ],
        strict=True,
    ):
        row["source"], row["score"] = source, score
    with excerpts.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    opened = open_session(run_dir, reviewer="r")
    try:
        with TestClient(create_app(opened), base_url=BASE) as client:
            page = client.get("/doc/t01").text
            assert 'name="below"' in page
            assert '<span class="score" title="model probability">0.35</span>' in page
            assert re.findall(
                r'class="unit rv[^"]*" id="u(\d+)"', client.get("/doc/t01?below=0.5").text
            ) == ["1"]
            assert re.findall(
                r'class="unit rv[^"]*" id="u(\d+)"', client.get("/doc/t01?below=0.7").text
            ) == ["1", "4"]
    finally:
        opened.store.close()


# ---------------------------------------------------------------------------- decisions


def test_a_post_without_the_token_is_refused_and_changes_nothing(client, session, run_dir):
    body = {"document": "t01", "unit": 1, "code": "care/visits", "decision": "accept"}
    assert client.post("/api/decision", json=body).status_code == 403
    assert (
        client.post("/api/decision", json=body, headers={"X-Healcode-Token": "guess"}).status_code
        == 403
    )
    # a form post from another page (no custom header possible without CORS) is refused too
    assert client.post("/api/decision", data=body).status_code == 403
    assert (
        client.post("/api/note", json={"document": "t01", "unit": 1, "note": "x"}).status_code
        == 403
    )
    # the right token from another origin is refused
    assert (
        client.post(
            "/api/decision",
            json=body,
            headers={"X-Healcode-Token": session.token, "Origin": "http://evil.example"},
        ).status_code
        == 403
    )
    assert client.get("/api/decision").status_code == 405
    assert session.store.decisions() == []


def test_decisions_are_stored_at_once_and_shown(client, session, run_dir):
    answer = post(client, session, document="t01", unit=1, code="care/visits", decision="accept")
    assert answer.status_code == 200
    assert answer.json()["reviewed"] is True  # its one coding (不再孤单 is a negated hit)
    assert 'class="coding t0 accept"' in answer.json()["html"]
    # another connection sees it at once: nothing waits for the server to stop
    with sqlite3.connect(run_dir / "review.sqlite") as other:
        rows = other.execute(
            "SELECT reviewer, document, unit, code, decision, text FROM decisions"
        ).fetchall()
        mode = other.execute("PRAGMA journal_mode").fetchone()[0]
    assert rows == [("王老师", "t01", 1, "care/visits", "accept", "社工常来看我，我不再孤单了。")]
    assert mode == "wal"
    assert answer.json()["progress"] == {"units": 3, "coded": 3, "coded_reviewed": 1, "reviewed": 1}
    answer = post(client, session, document="t01", unit=2, code="pain/grief", decision="reject")
    assert answer.json()["reviewed"] is True
    assert answer.json()["progress"] == {"units": 3, "coded": 3, "coded_reviewed": 2, "reviewed": 2}
    page = client.get("/doc/t01").text
    assert 'class="unit rv done tinted t0" id="u1"' in page
    assert 'class="coding t1 reject"' in page


def test_add_none_clear_and_note(client, session):
    # t03 unit 1 has no coding: add a theme, then take it back and say "no code"
    answer = post(client, session, document="t03", unit=1, code="care", decision="add")
    assert answer.status_code == 200 and answer.json()["reviewed"] is True
    assert 'class="coding added t0" data-code="care"' in answer.json()["html"]
    assert (
        post(client, session, document="t03", unit=1, code="", decision="none").status_code == 409
    )
    assert (
        post(client, session, document="t03", unit=1, code="care", decision="clear").json()[
            "reviewed"
        ]
        is False
    )
    answer = post(client, session, document="t03", unit=1, code="", decision="none")
    assert answer.json()["reviewed"] is True and "no code" in answer.json()["html"]
    # adding a code afterwards replaces "no code"
    post(client, session, document="t03", unit=1, code="pain/grief", decision="add")
    assert [(d.code, d.decision) for d in session.store.decisions()] == [("pain/grief", "add")]
    note = client.post(
        "/api/note",
        json={"document": "t03", "unit": 1, "note": "<b>天气</b>"},
        headers={"X-Healcode-Token": session.token},
    )
    assert note.status_code == 200
    assert "&lt;b&gt;天气&lt;/b&gt;" in note.json()["html"]
    assert 'data-note="&lt;b&gt;天气&lt;/b&gt;"' in client.get("/doc/t03").text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"document": "t01", "unit": 1, "code": "care/neighbours", "decision": "accept"}, 400),
        # 不再孤单: a negated hit is no coding, so there is nothing to accept or reject
        ({"document": "t01", "unit": 1, "code": "pain/lonely", "decision": "accept"}, 400),
        ({"document": "t01", "unit": 1, "code": "pain/lonely", "decision": "reject"}, 400),
        ({"document": "t01", "unit": 1, "code": "care/visits", "decision": "add"}, 409),
        ({"document": "t01", "unit": 1, "code": "nothing", "decision": "add"}, 400),
        ({"document": "t01", "unit": 1, "code": "care/visits", "decision": "maybe"}, 400),
        ({"document": "t01", "unit": 0, "code": "care", "decision": "add"}, 400),  # interviewer
        ({"document": "t01", "unit": 99, "code": "care", "decision": "add"}, 404),
        ({"document": "../t01", "unit": 1, "code": "care", "decision": "add"}, 404),
        ({"document": "t01", "unit": "1", "code": "care", "decision": "add"}, 400),
        ({"document": "t01", "unit": 1, "code": "", "decision": "none"}, 409),  # it has codings
    ],
)
def test_bad_decisions_are_refused(client, session, body, status):
    answer = post(client, session, **body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]
    assert session.store.decisions() == []


def test_reviewers_are_kept_apart_and_the_name_is_remembered(run_dir: Path):
    from healcode.errors import ReviewError
    from healcode.review.app import open_session

    with pytest.raises(ReviewError, match="--reviewer NAME"):
        open_session(run_dir, reviewer=None)
    assert not (run_dir / "review.sqlite").exists()
    first = open_session(run_dir, reviewer="  甲  ")
    assert first.reviewer == "甲"
    first.store.decide("甲", "t01", 1, "care/visits", "accept", text="社工常来看我，我不再孤单了。")
    first.store.close()
    again = open_session(run_dir, reviewer=None)
    assert again.reviewer == "甲"
    again.store.close()
    other = open_session(run_dir, reviewer="乙")
    assert other.states() == {}  # 乙 sees none of 甲's decisions
    other.store.close()


def test_a_recoded_run_is_not_reviewed_with_old_decisions(run_dir: Path):
    from healcode.errors import ReviewError
    from healcode.review.app import open_session
    from healcode.review.store import ReviewStore

    with ReviewStore.open(run_dir) as store:
        store.decide("甲", "t01", 1, "care/visits", "accept", text="另一段话。")
    with pytest.raises(ReviewError, match="coded again"):
        open_session(run_dir, reviewer="甲")


def test_a_file_that_is_not_a_review_database_is_refused(run_dir: Path):
    from healcode.errors import ReviewError
    from healcode.review.store import ReviewStore

    (run_dir / "review.sqlite").write_text("not a database", encoding="utf-8")
    with pytest.raises(ReviewError, match="not a healcode review database"):
        ReviewStore.open(run_dir)


# ---------------------------------------------------------------------------- export


def review_t01(run_dir: Path) -> None:
    from healcode.review.store import ReviewStore

    with ReviewStore.open(run_dir) as store:
        store.decide("甲", "t01", 1, "care/visits", "accept", text="社工常来看我，我不再孤单了。")
        # 不再孤单 is a negated hit: no coding to reject (a review made before negated hits
        # were kept apart could hold this); it is left out
        store.decide("甲", "t01", 1, "pain/lonely", "reject", text="社工常来看我，我不再孤单了。")
        store.decide(
            "甲",
            "t01",
            2,
            "pain/grief",
            "reject",
            text="<script>window.healcodeInjected = true</script> 有时候还是会哭。",
        )
        store.decide("甲", "t03", 1, "care", "add", text="还行，出了太阳。")
        store.decide(
            "甲",
            "t01",
            4,
            "care/neighbours",
            "accept",  # 乙 would accept too
            text="邻居也关心我 & 照顾我，100% 真心。",
        )
        store.decide(
            "乙", "t01", 4, "care/neighbours", "accept", text="邻居也关心我 & 照顾我，100% 真心。"
        )
        store.decide("乙", "t02", 2, "care/visits", "reject", text="后来志愿者陪伴我。")  # partial


def test_export_writes_reviewed_units_per_reviewer(run_dir: Path, runner: CliRunner):
    review_t01(run_dir)
    out = run_dir.parent / "reviewed.csv"
    result = runner.invoke(main, ["review", str(run_dir), "--export", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "乙, 甲" in result.output  # in code point order
    assert (
        "warning: 1 accept/reject decision(s) concern codes the run did not code their unit "
        "with (first: pain/lonely on t01 unit 1)" in result.output
    )
    rows = read_rows(out)
    assert list(rows[0]) == ["document", "unit", "code", "coder", "text"]
    assert [(r["coder"], r["document"], r["unit"], r["code"]) for r in rows] == [
        ("乙", "t01", "4", "care/neighbours"),
        ("乙", "t02", "2", ""),
        ("甲", "t01", "1", "care/visits"),
        ("甲", "t01", "2", ""),  # reviewed: its one coding rejected, so no code
        ("甲", "t01", "4", "care/neighbours"),
        ("甲", "t03", "1", "care"),
    ]
    assert rows[3]["text"] == "<script>window.healcodeInjected = true</script> 有时候还是会哭。"
    # once more: byte for byte the same, and not over an existing file without --force
    first = out.read_bytes()
    again = runner.invoke(main, ["review", str(run_dir), "--export", str(out)])
    assert again.exit_code == 1 and "--force" in again.output
    assert (
        runner.invoke(main, ["review", str(run_dir), "--export", str(out), "--force"]).exit_code
        == 0
    )
    assert out.read_bytes() == first
    assert listing(run_dir.parent) == ["reviewed.csv", "run"]


def test_export_one_reviewer_with_unreviewed_units(run_dir: Path, runner: CliRunner):
    review_t01(run_dir)
    out = run_dir.parent / "all.csv"
    result = runner.invoke(
        main,
        [
            "review",
            str(run_dir),
            "--export",
            str(out),
            "--reviewer",
            "乙",
            "--include-unreviewed",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output == ""
    rows = [(r["document"], r["unit"], r["code"]) for r in read_rows(out)]
    assert rows == [
        ("t01", "1", "care/visits"),  # the run's, unreviewed; not pain/lonely: negated
        ("t01", "2", "pain/grief"),
        ("t01", "4", "care/neighbours"),
        ("t02", "1", "pain/grief"),
        ("t02", "1", "pain/lonely"),
        ("t02", "2", ""),  # 乙 rejected the one coding
        ("t03", "1", ""),
    ]
    assert {r["coder"] for r in read_rows(out)} == {"乙"}


def test_export_errors(run_dir: Path, runner: CliRunner):
    out = run_dir.parent / "x.csv"
    result = runner.invoke(main, ["review", str(run_dir), "--export", str(out)])
    assert result.exit_code == 1 and "review the run first" in result.output
    review_t01(run_dir)
    result = runner.invoke(main, ["review", str(run_dir), "--export", str(out), "--reviewer", "丙"])
    assert result.exit_code == 1 and "no decisions by '丙'" in result.output
    result = runner.invoke(main, ["review", str(run_dir / "nowhere"), "--export", str(out)])
    assert result.exit_code == 1 and "not a folder" in result.output
    assert not out.exists()
    result = runner.invoke(main, ["review", str(run_dir), "--force"])
    assert result.exit_code == 2


def test_agree_reads_the_export(run_dir: Path, runner: CliRunner):
    review_t01(run_dir)
    out = run_dir.parent / "reviewed.csv"
    assert runner.invoke(main, ["review", str(run_dir), "--export", str(out), "-q"]).exit_code == 0
    from healcode.reliability.codings import read_codings

    codings = read_codings(out)
    assert codings.coders == ["乙", "甲"]
    assert ("t01", 2) in codings.texts
    result = runner.invoke(main, ["agree", str(out), "--units", str(run_dir / "units.csv")])
    assert result.exit_code == 0, result.output
    assert "甲" in result.output and "乙" in result.output


def test_evaluate_the_run_against_its_review(run_dir: Path, runner: CliRunner):
    """The review is a gold standard for the run: `evaluate` reads it as one."""
    review_t01(run_dir)
    out = run_dir.parent / "gold.csv"
    assert (
        runner.invoke(
            main, ["review", str(run_dir), "--export", str(out), "--reviewer", "甲", "-q"]
        ).exit_code
        == 0
    )
    result = runner.invoke(main, ["evaluate", str(run_dir), "--gold", str(out)])
    assert result.exit_code == 0, result.output
    assert "care" in result.output


# ---------------------------------------------------------------------------- negated hits


@pytest.fixture(scope="module")
def negated_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run whose unit 1 has nothing but a negated hit (不再孤单: pain/lonely), unit 2 a
    coding (社工: care/visits) and unit 3 another (哭: pain/grief)."""
    folder = tmp_path_factory.mktemp("negated")
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "n01.txt").write_text(
        "访谈者：最近怎么样？\n受访者：我不再孤单了。社工常来看我。\n受访者：有时候还是会哭。\n",
        encoding="utf-8",
    )
    out = folder / "out"
    result = CliRunner().invoke(
        main, ["code", str(corpus), "-c", str(REPORT_DATA / "codebook.yaml"), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    rows = [(r["unit"], r["code"], r["negated"]) for r in read_rows(out / "excerpts.csv")]
    assert rows == [
        ("1", "pain/lonely", "True"),
        ("2", "care/visits", "False"),
        ("3", "pain/grief", "False"),
    ]
    return out


@pytest.fixture
def negated_dir(negated_run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(negated_run, out)
    return out


LONELY = "我不再孤单了。"


def export_rows(runner: CliRunner, run: Path, *extra: str) -> tuple[list[tuple[str, ...]], str]:
    out = run.parent / f"export{len(list(run.parent.glob('export*')))}.csv"
    result = runner.invoke(main, ["review", str(run), "--export", str(out), *extra])
    assert result.exit_code == 0, result.output
    rows = [(r["coder"], r["unit"], r["code"]) for r in read_rows(out)]
    return rows, result.output


def test_a_negated_hit_is_not_exported_as_a_code_of_an_unreviewed_unit(
    negated_dir: Path, runner: CliRunner
):
    rows, _ = export_rows(runner, negated_dir, "--reviewer", "甲", "--include-unreviewed")
    assert rows == [("甲", "1", ""), ("甲", "2", "care/visits"), ("甲", "3", "pain/grief")]
    assert not (negated_dir / "review.sqlite").exists()


def test_an_accept_of_a_negated_hit_in_an_older_review_is_left_out(
    negated_dir: Path, runner: CliRunner
):
    """A review made before negated hits were kept apart may accept one: it does not make
    the negated code a code of the unit, nor the unit reviewed, and the export says so."""
    from healcode.review.store import ReviewStore

    with ReviewStore.open(negated_dir) as store:
        store.decide("甲", "n01", 1, "pain/lonely", "accept", text=LONELY)
        store.decide("甲", "n01", 2, "care/visits", "accept", text="社工常来看我。")
    rows, output = export_rows(runner, negated_dir)
    assert rows == [("甲", "2", "care/visits")]
    assert "warning: 1 accept/reject decision(s)" in output
    assert "first: pain/lonely on n01 unit 1" in output
    rows, _ = export_rows(runner, negated_dir, "--include-unreviewed", "-q")
    assert rows == [("甲", "1", ""), ("甲", "2", "care/visits"), ("甲", "3", "pain/grief")]
    # the page reads the same database: unit 1 is not reviewed, and the index says why
    from starlette.testclient import TestClient

    from healcode.review.app import create_app, open_session

    opened = open_session(negated_dir, reviewer="甲")
    try:
        with TestClient(create_app(opened), base_url=BASE) as client:
            index = client.get("/").text
            assert '<p class="warn">1 accept/reject decision(s) concern codes' in index
            assert "1 of 2 coded units reviewed" in " ".join(index.split())
            assert 'class="unit rv" id="u1"' in client.get("/doc/n01").text
            # deciding on the unit again drops the older accept: "no code" here
            answer = post(client, opened, document="n01", unit=1, code="", decision="none")
            assert answer.status_code == 200 and answer.json()["reviewed"] is True
            assert 'class="warn"' not in client.get("/").text
        assert [(d.unit, d.code, d.decision) for d in opened.store.decisions()] == [
            (1, "", "none"),
            (2, "care/visits", "accept"),
        ]
    finally:
        opened.store.close()


def test_on_the_page_a_negated_hit_is_added_not_accepted(negated_dir: Path, runner: CliRunner):
    from starlette.testclient import TestClient

    from healcode.review.app import create_app, open_session

    opened = open_session(negated_dir, reviewer="甲")
    try:
        with TestClient(create_app(opened), base_url=BASE) as client:
            html = client.get("/doc/n01").text
            unit = html[html.index('id="u1"') :]
            unit = unit[: unit.index('id="u2"')]
            assert "negated: not coded" in unit and 'data-action="accept"' not in unit
            assert "tinted" not in html[html.rindex("<div", 0, html.index('id="u1"')) :][:80]
            # the run coded two units of three: unit 1 has nothing but a negated hit
            assert '0</span> / <span id="coded">2</span>' in html
            assert "0 / 2" in client.get("/").text
            answer = post(
                client, opened, document="n01", unit=1, code="pain/lonely", decision="accept"
            )
            assert answer.status_code == 400
            assert "negated hit" in answer.json()["error"]
            # no code: the reviewer agrees with the run, which coded nothing here
            answer = post(client, opened, document="n01", unit=1, code="", decision="none")
            assert answer.status_code == 200 and answer.json()["reviewed"] is True
            assert (
                post(client, opened, document="n01", unit=1, code="", decision="clear").json()[
                    "reviewed"
                ]
                is False
            )
            # the negation was misread: + code it
            answer = post(
                client, opened, document="n01", unit=1, code="pain/lonely", decision="add"
            )
            assert answer.status_code == 200 and answer.json()["reviewed"] is True
            reply = answer.json()["html"]
            assert 'class="coding added t1" data-code="pain/lonely"' in reply
            assert "negated: not coded" in reply and "+ code it" not in reply
            assert answer.json()["progress"] == {
                "units": 3,
                "coded": 2,
                "coded_reviewed": 0,
                "reviewed": 1,
            }
            assert client.get("/doc/n01?negated=1").text.count('class="unit rv') == 1
    finally:
        opened.store.close()
    rows, _ = export_rows(runner, negated_dir, "-q")
    assert rows == [("甲", "1", "pain/lonely")]  # added by the reviewer: now a code


def test_the_report_counts_a_negated_hit_as_no_coding(negated_dir: Path, runner: CliRunner):
    from healcode.review.store import ReviewStore

    with ReviewStore.open(negated_dir) as store:
        store.decide("甲", "n01", 1, "pain/lonely", "add", text=LONELY)
        store.decide("甲", "n01", 2, "care/visits", "accept", text="社工常来看我。")
        store.decide("甲", "n01", 3, "pain/grief", "reject", text="有时候还是会哭。")
        store.decide("乙", "n01", 1, "pain/lonely", "accept", text=LONELY)  # an older review
    assert runner.invoke(main, ["report", str(negated_dir), "-q"]).exit_code == 0
    html = (negated_dir / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="review">') :]
    section = section[: section.index("</section>")]

    def cells(reviewer: str, theme: str) -> list[str]:
        part = section[section.index(f"<h3>{reviewer} ") :]
        part = part[part.index(theme) :]
        return re.findall(r'<td class="num">([^<]*)</td>', part[: part.index("</tr>")])

    # coded, accepted, rejected, not yet decided, added, precision
    assert cells("甲", "关怀") == ["1", "1", "0", "0", "0", "1.00"]
    assert cells("甲", "伤痛") == ["1", "0", "1", "0", "1", "0.00"]
    assert cells("乙", "伤痛") == ["1", "0", "0", "1", "0", "–"]
    assert "3 units reviewed" in section[section.index("<h3>甲 ") :][:200]
    assert "0 units reviewed" in section[section.index("<h3>乙 ") :][:200]
    assert "1 accept/reject decision(s) concern codes" in section


def test_machine_proposals_for_the_report_are_the_pages(negated_run: Path, coded_run: Path):
    from healcode.review.runview import machine_proposals, read_review_run
    from healcode.run import Run

    for folder in (negated_run, coded_run):
        review_run = read_review_run(folder)
        assert machine_proposals(Run.open(folder)) == (
            review_run.machine_codes(),
            review_run.texts(),
        )


# ---------------------------------------------------------------------------- report


def test_the_report_shows_the_review(run_dir: Path, runner: CliRunner):
    assert runner.invoke(main, ["report", str(run_dir), "-q"]).exit_code == 0
    before = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'id="review"' not in before
    review_t01(run_dir)
    assert runner.invoke(main, ["report", str(run_dir), "-q", "--force"]).exit_code == 0
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="review">') :]
    section = section[: section.index("</section>")]
    assert '<a href="#review">Review</a>' in html
    assert "甲" in section and "乙" in section
    # 甲 on care: 2 accepted of 3 coded, 0 rejected, 1 added -> precision 1.00
    care = section[section.index("甲") :]
    care = care[care.index("=SUM(1,2) 关怀") :]
    cells = re.findall(r'<td class="num">([^<]*)</td>', care[: care.index("</tr>")])
    assert cells == ["3", "2", "0", "1", "1", "1.00"]
    # pain: 3 codings (t01's 不再孤单 is a negated hit, not one); 甲's reject of it is left out
    pain = care[care.index("伤痛") :]
    cells = re.findall(r'<td class="num">([^<]*)</td>', pain[: pain.index("</tr>")])
    assert cells == ["3", "0", "1", "2", "0", "0.00"]
    assert "1 accept/reject decision(s) concern codes the run did not code" in section
    # the same review gives the same report
    assert runner.invoke(main, ["report", str(run_dir), "-q", "--force"]).exit_code == 0
    assert (run_dir / "report.html").read_text(encoding="utf-8") == html


# ---------------------------------------------------------------------------- the command


def test_review_help_and_lazy_imports(runner: CliRunner):
    result = runner.invoke(main, ["review", "--help"])
    assert result.exit_code == 0
    assert "--export" in result.output and "--reviewer" in result.output
    code = (
        "import sys, healcode.cli; heavy = {'starlette', 'uvicorn', 'jinja2', 'sqlite3'}"
        " & set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_serving_needs_a_reviewer_once(run_dir: Path, runner: CliRunner):
    result = runner.invoke(main, ["review", str(run_dir), "--no-browser"])
    assert result.exit_code == 1
    assert "--reviewer NAME" in result.output


def test_a_failed_start_leaves_the_run_folder_as_it_was(run_dir: Path, runner: CliRunner):
    """No review.sqlite is left behind by a start that fails, so the run can be coded
    again with --force."""
    before = listing(run_dir)
    for args, message in (
        ([], "--reviewer NAME"),
        (["--reviewer", "  "], "the reviewer name is empty"),
        (["--reviewer", "甲", "--host", "203.0.113.7"], "cannot listen on 203.0.113.7"),
    ):
        result = runner.invoke(main, ["review", str(run_dir), "--no-browser", *args])
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert listing(run_dir) == before, args
    result = runner.invoke(
        main,
        [
            "code",
            str(REPORT_DATA / "corpus"),
            "-c",
            str(REPORT_DATA / "codebook.yaml"),
            "-o",
            str(run_dir),
            "--force",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output


def test_a_failed_start_keeps_a_review_that_was_there(run_dir: Path, runner: CliRunner):
    from healcode.review.store import ReviewStore

    with ReviewStore.open(run_dir) as store:
        store.reviewer("甲")
    stored = (run_dir / "review.sqlite").read_bytes()
    result = runner.invoke(main, ["review", str(run_dir), "--no-browser", "--host", "203.0.113.7"])
    assert result.exit_code == 1 and "cannot listen" in result.output
    assert (run_dir / "review.sqlite").read_bytes() == stored
    assert sorted(p.name for p in run_dir.iterdir() if p.name.startswith("review")) == [
        "review.sqlite"
    ]


def test_a_port_in_use_is_a_one_line_error(run_dir: Path):
    from healcode.errors import ReviewError
    from healcode.review.server import bind

    first = bind("127.0.0.1", 0)
    try:
        with pytest.raises(ReviewError, match="choose another --port"):
            bind("127.0.0.1", first.getsockname()[1])
    finally:
        first.close()


def test_the_server_serves_and_stops(session):
    import urllib.request

    from healcode.review.app import create_app
    from healcode.review.server import ReviewServer, bind, hosts_for, url_of

    sock = bind("127.0.0.1", 0)
    server = ReviewServer(create_app(session, hosts=hosts_for("127.0.0.1")), sock)
    server.start_in_thread()
    try:
        with urllib.request.urlopen(url_of(sock, "127.0.0.1") + "doc/t02", timeout=10) as page:
            assert "后来<mark" in page.read().decode("utf-8")
    finally:
        server.stop()
    assert not server._thread.is_alive()


def test_package_data_lists_the_templates_and_assets():
    import tomllib

    from tests.conftest import ROOT

    with (ROOT / "pyproject.toml").open("rb") as handle:
        data = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["healcode"]
    package = ROOT / "healcode"
    shipped = {p for pattern in data for p in package.glob(pattern) if p.is_file()}
    for folder in ("review/templates", "review/static"):
        files = [p for p in (package / folder).iterdir() if p.is_file()]
        assert files and all(p in shipped for p in files), folder


def test_the_command_serves_until_ctrl_c(run_dir: Path):
    import os
    import signal
    import urllib.request

    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "healcode",
            "review",
            str(run_dir),
            "--reviewer",
            "甲",
            "--no-browser",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal
    )
    try:
        first = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", first)
        assert url, first
        with urllib.request.urlopen(url.group(0), timeout=10) as page:
            assert page.status == 200
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, out
    assert "Stopped." in out and "Traceback" not in out
    assert sorted(p.name for p in run_dir.iterdir() if p.name.startswith("review")) == [
        "review.sqlite"
    ]  # the write-ahead log is folded back in


@pytest.mark.parametrize(
    ("host", "loopback", "answers_to"),
    [
        ("127.0.0.1", True, ("127.0.0.1", "localhost")),
        ("localhost", True, ("127.0.0.1", "localhost")),
        ("::1", True, ("[::1]",)),
        ("192.168.1.20", False, ("127.0.0.1", "192.168.1.20")),
        ("0.0.0.0", False, ("*",)),
    ],
)
def test_hosts(host: str, loopback: bool, answers_to: tuple[str, ...]):
    from healcode.review.server import hosts_for, is_loopback

    assert is_loopback(host) is loopback
    assert set(answers_to) <= set(hosts_for(host))


def test_another_host_is_warned_about(run_dir: Path, runner: CliRunner):
    # an address of no interface here (TEST-NET-3): the warning, then a one-line error
    result = runner.invoke(
        main, ["review", str(run_dir), "--reviewer", "甲", "--no-browser", "--host", "203.0.113.7"]
    )
    assert result.exit_code == 1
    assert "warning: listening on 203.0.113.7: anyone who can reach" in result.output
    assert "cannot listen on 203.0.113.7:8765" in result.output
