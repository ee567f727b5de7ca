"""Hostile and unusual input: each case gives a correct result or one line, exit 1, and
nothing written, inputs untouched (README: "What healcode refuses, and why")."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from healcode.cli import main

from .conftest import MINI_CODEBOOK

TRANSCRIPT = "访谈者：最近怎么样？\n受访者：我们有盼头了。\n"


def _snapshot(folder: Path) -> dict[bytes, bytes]:
    return {os.fsencode(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name, reason", [
    (b"\xb7\xc3\xcc\xb8.txt", "not valid UTF-8"),       # 访谈 in GBK, from a Chinese Windows zip
    (b"p01\rcopy.txt", "control character"),             # a CR would split a CSV row
])
def test_file_names_that_cannot_become_document_ids_are_skipped_with_a_reason(
    runner, tmp_path, name, reason
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "p02.txt").write_text(TRANSCRIPT, encoding="utf-8")
    with open(os.path.join(os.fsencode(corpus), name), "wb") as handle:
        handle.write(TRANSCRIPT.encode("utf-8"))
    before = _snapshot(corpus)
    out = tmp_path / "out"
    result = runner.invoke(main, ["code", str(corpus), "-c", str(MINI_CODEBOOK), "-o", str(out),
                                  "-q"])
    assert result.exit_code == 1  # the rest is coded; the skipped file is listed
    assert reason in result.output and "skipped" in result.output
    assert _snapshot(corpus) == before
    with (out / "documents.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["document"] for r in rows] == ["p02"]


def test_a_table_cell_with_carriage_returns_round_trips_through_csv(runner, tmp_path):
    survey = tmp_path / "survey.csv"
    survey.write_text('编号,回答,备注\nr1,"我们有盼头了。\r\n还行。","第一行\r第二行"\n',
                      encoding="utf-8", newline="")
    out = tmp_path / "out"
    result = runner.invoke(main, ["code", str(survey), "-c", str(MINI_CODEBOOK), "-o", str(out),
                                  "--id-column", "编号", "--text-column", "回答", "-q"])
    assert result.exit_code == 0, result.output
    raw = (out / "documents.csv").read_bytes()
    assert b"\r" not in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(r["document"], r["备注"]) for r in rows] == [("r1", "第一行\n第二行")]
