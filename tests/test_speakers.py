"""Who speaks: links, labels, header fields, timestamps, traditional markers, unmarked
speech, roles and metadata selection, and one scope for every command."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from healcode.cli import main
from healcode.coding import CodingOptions, code_document
from healcode.corpus import load_corpus
from healcode.corpus.turns import (
    FIELD_LABELS,
    INTERVIEWER_MARKERS,
    PARTICIPANT_MARKERS,
    read_turns,
    role_of,
)
from healcode.errors import HealcodeError
from healcode.records import Document
from healcode.scope import Scope

from .conftest import DATA, MINI_CODEBOOK

TRANSCRIPTS = DATA / "transcripts"
MIXED = TRANSCRIPTS / "mixed_script"


def _read(name: str, **kwargs):
    text = (TRANSCRIPTS / name).read_text(encoding="utf-8")
    reading = read_turns(text, **kwargs)
    return reading, [(t.speaker, t.role, text[t.start : t.end]) for t in reading.turns]


def _doc(text: str, id: str = "d", meta: dict[str, str] | None = None) -> Document:
    return Document(id, text, f"{id}.txt", "utf-8", "0" * 64, meta or {})


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


# ------------------------------------------------------------------ links and labels


def test_links_and_a_label_inside_a_turn_stay_text_of_that_turn():
    reading, turns = _read("zh_links_and_labels.txt")
    assert [s for s, _, _ in turns] == ["访谈者", "受访者", "访谈者", "受访者", "访谈者"]
    first_answer = turns[1][2]
    assert "https://mp.weixin.qq.com/s/AbCdEf123" in first_answer
    assert "标题：失独十年，她们在暖心家园重新找到希望" in first_answer
    assert first_answer.endswith("看完心里有盼头了。")
    assert "mailto:service@example.org" in turns[3][2]
    assert reading.header == {"访谈编号": "W05", "日期": "2022年10月"}


@pytest.mark.parametrize(
    "line",
    [
        "https://example.org/x",
        "http://example.org",
        "mailto:someone@example.org",
        "doi:10.1000/182",
        "C:\\Users\\me\\notes.txt",
        "ftp://files.example.org/a",
    ],
)
def test_a_link_is_never_a_speaker_even_when_repeated(line: str):
    text = f"{line}\n第一段。\n{line}\n第二段。\n"
    assert all(t.speaker == "" for t in read_turns(text).turns)


# ------------------------------------------------------------------ header fields


def test_header_block_is_metadata_and_visitee_field_is_not_a_turn():
    reading, turns = _read("zh_header_block.txt")
    assert reading.header == {
        "访谈对象": "项目社工H（女，40岁）",
        "访谈时间": "2021年4月16日下午",
        "访谈地点": "街道社工站二楼",
        "访谈者": "研究生L",
    }
    assert [s for s, _, _ in turns] == ["访谈者", "受访者"] * 3
    assert turns[0][2] == "您在这个项目做了多久了？"
    assert reading.dropped == 0


def test_the_same_label_is_a_speaker_where_it_takes_turns():
    text = "访谈者：您好，请介绍一下自己。\n访谈对象：我做社工十年了。\n访谈者：辛苦吗？\n访谈对象：还好。\n"
    reading = read_turns(text)
    assert reading.header == {}
    assert [(t.speaker, t.role) for t in reading.turns] == [
        ("访谈者", "interviewer"),
        ("访谈对象", "participant"),
    ] * 2


def test_english_header_fields():
    reading, turns = _read("english_interview_p12.txt")
    assert reading.header == {
        "Participant ID": "P12",
        "Date": "2 May 2023",
        "Location": "Community centre, meeting room B",
        "Interviewer": "J. Chen",
    }
    assert [(s, r) for s, r, _ in turns] == [
        ("Interviewer", "interviewer"),
        ("P12", "participant"),
    ] * 3
    assert turns[3][2].endswith("before I said anything myself.")  # continuation paragraph


def test_header_fields_go_to_documents_csv_and_where_can_select_on_them(runner, tmp_path):
    out = tmp_path / "out"
    args = [
        "code",
        str(TRANSCRIPTS / "english_interview_p12.txt"),
        str(TRANSCRIPTS / "think_aloud_p07.txt"),
        "-c",
        str(MINI_CODEBOOK),
        "-o",
        str(out),
        "-q",
    ]
    assert runner.invoke(main, args).exit_code == 0
    rows = {r["document"]: r for r in _csv(out / "documents.csv")}
    assert rows["english_interview_p12"]["Participant ID"] == "P12"
    assert rows["think_aloud_p07"]["Session"] == "think-aloud, remote"
    assert "Date" in rows["think_aloud_p07"]
    excerpts = (out / "excerpts.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Participant ID" not in excerpts  # header fields describe documents only
    selected = runner.invoke(main, [*args, "--force", "--where", "Participant ID=p07"])
    assert selected.exit_code == 0, selected.output
    assert [r["document"] for r in _csv(out / "documents.csv")] == ["think_aloud_p07"]
    assert "1 document(s) left out by --where" in selected.stderr


# ------------------------------------------------------------------ timestamps


@pytest.mark.parametrize(
    ("line", "speaker"),
    [
        ("00:01 访谈者：您好", "访谈者"),
        ("0:01 访谈者：您好", "访谈者"),
        ("12:03:45 受访者：您好", "受访者"),
        ("[0:1] 访谈者：您好", "访谈者"),
        ("[00:01] 受访者：您好", "受访者"),
        ("(00:01) 受访者：您好", "受访者"),
        ("（00:01:05.300）访谈者：您好", "访谈者"),
        ("00:01:05,300 受访者：您好", "受访者"),
        ("【12:30】受访者：您好", "受访者"),
        ("［1:02:03］ Interviewer: 您好", "Interviewer"),
        ("Interviewer (00:01:05): 您好", "Interviewer"),
        ("訪談者 [00:12]：您好", "訪談者"),
    ],
)
def test_timestamps_before_or_after_the_marker(line: str, speaker: str):
    turns = read_turns(line).turns
    assert [(t.speaker, line[t.start : t.end]) for t in turns] == [(speaker, "您好")]


@pytest.mark.parametrize("stamp", ["[0:1]", "(00:01)", "（00:01）", "[00:03:12]", "00:01"])
def test_a_timestamp_is_never_a_speaker(stamp: str):
    text = f"{stamp} 好的\n{stamp} 然后呢\n{stamp}: 嗯\n{stamp}: 对\n"
    assert {t.speaker for t in read_turns(text).turns} == {""}


def test_mm_ss_transcript_codes_only_the_participant(mini_coder):
    reading, turns = _read("zh_timestamps_mmss.txt")
    assert [s for s, _, _ in turns] == ["访谈者", "受访者"] * 4
    assert reading.header == {"录音文件": "R0413", "时长": "12分钟"}
    text = (TRANSCRIPTS / "zh_timestamps_mmss.txt").read_text(encoding="utf-8")
    coded = code_document(_doc(text), mini_coder, CodingOptions())
    assert {u.speaker for u in coded.units if u.in_scope} == {"受访者"}
    # the question 以后有什么打算？ is the interviewer's: only the answer's 打算 is coded
    assert [h.text for h in coded.hits if h.code == "hope/future_plans"] == ["盼头", "以后的打算"]


# ------------------------------------------------------------------ traditional markers


def test_traditional_markers_are_known_without_folding():
    for marker in ("訪談者", "採訪者", "問", "主持人", "訪談人"):
        assert role_of(marker) == "interviewer"
    for marker in ("受訪者", "被訪者", "答", "訪談對象"):
        assert role_of(marker) == "participant"
    reading, turns = _read("mixed_script/s2_traditional_markers.txt")
    assert [(s, r) for s, r, _ in turns] == [
        ("訪談者", "interviewer"),
        ("受訪者", "participant"),
    ] * 2


def test_the_simplifying_table_covers_every_marker_and_field_label():
    from healcode.corpus.turns import _base
    from healcode.fold import to_traditional

    for word in INTERVIEWER_MARKERS | PARTICIPANT_MARKERS | FIELD_LABELS:
        assert _base(to_traditional(word)) == _base(word), word


@pytest.mark.parametrize("command", ["code", "words", "kwic"])
def test_every_command_leaves_out_a_traditional_interviewer(runner, tmp_path, command):
    """s2 is mostly simplified (not folded) but marks turns as 訪談者/受訪者; its
    interviewer asks 希望以后怎么样？, which no command may count as a participant's."""
    out = tmp_path / "out.csv"
    if command == "code":
        args = ["code", str(MIXED), "-c", str(MINI_CODEBOOK), "-o", str(tmp_path / "run"), "-q"]
    elif command == "words":
        args = ["words", str(MIXED), "-c", str(MINI_CODEBOOK), "--by", "speaker", "-o", str(out)]
    else:
        args = ["kwic", "希望", str(MIXED), "-c", str(MINI_CODEBOOK), "-o", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    if command == "code":
        rows = _csv(tmp_path / "run" / "units.csv")
        coded = {r["speaker"] for r in rows if r["coded"] == "True"}
        assert coded == {"受访者", "受訪者"}
        assert not [r for r in rows if r["text"] == "希望以后怎么样？" and r["coded"] == "True"]
    elif command == "words":
        assert {r["group"] for r in _csv(out)} == {"受访者", "受訪者"}
    else:
        found = _csv(out)
        assert {r["speaker"] for r in found} == {"受訪者"}
        assert len(found) == 2  # 有希望了, 就希望, and not the question


# ------------------------------------------------------------------ unmarked speech


def test_think_aloud_auto_reads_unmarked_paragraphs_as_the_participant():
    reading, turns = _read("think_aloud_p07.txt")
    assert reading.interviewer_only and reading.unmarked == "participant"
    assert [(s, r) for s, r, _ in turns] == [
        ("Moderator", "interviewer"),
        ("", "participant"),
    ] * 3 + [("Moderator", "interviewer")]
    assert turns[1][2].startswith("Okay. So the home page is quite busy.")
    assert turns[1][2].endswith("that seems the obvious place.")
    assert reading.header["Participant ID"] == "P07"


def test_think_aloud_with_unmarked_header_codes_nothing_and_says_what_to_pass(runner, tmp_path):
    args = [
        "code",
        str(TRANSCRIPTS / "think_aloud_p07.txt"),
        "-c",
        str(MINI_CODEBOOK),
        "-o",
        str(tmp_path / "out"),
        "-q",
    ]
    auto = runner.invoke(main, args)
    assert auto.exit_code == 0 and "warning" not in auto.stderr
    units = _csv(tmp_path / "out" / "units.csv")
    assert sum(r["coded"] == "True" for r in units) == 12  # sentences of unmarked speech
    assert {(r["speaker"], r["role"]) for r in units if r["coded"] == "True"} == {
        ("", "participant")
    }
    header = runner.invoke(main, [*args, "--force", "--unmarked", "header"])
    assert header.exit_code == 0
    warnings = [line for line in header.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "think_aloud_p07" in warnings[0] and "--unmarked participant" in warnings[0]
    assert not any(r["coded"] == "True" for r in _csv(tmp_path / "out" / "units.csv"))


def test_text_before_the_first_marker_is_not_dropped_silently(runner, tmp_path, mini_coder):
    reading, turns = _read("zh_mostly_header.txt")
    assert reading.dropped * 2 > reading.characters
    text = (TRANSCRIPTS / "zh_mostly_header.txt").read_text(encoding="utf-8")
    coded = code_document(_doc(text, "mostly"), mini_coder, CodingOptions())
    assert len(coded.warnings) == 1
    assert coded.warnings[0].startswith("mostly: 198 of 232 characters")
    assert "--unmarked participant" in coded.warnings[0]
    spoken = code_document(_doc(text, "mostly"), mini_coder, CodingOptions(unmarked="participant"))
    assert spoken.warnings == []
    assert sum(u.in_scope for u in spoken.units) == 10
    assert {h.text for h in spoken.hits} >= {"同命人", "暖心家园", "抬不起头", "有用"}
    args = [
        "code",
        str(TRANSCRIPTS / "zh_mostly_header.txt"),
        "-c",
        str(MINI_CODEBOOK),
        "-o",
        str(tmp_path / "out"),
        "-q",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    assert result.stderr.count("warning: zh_mostly_header: 198 of 232 characters") == 1


def test_unmarked_interviewer_and_participant_for_one_sided_transcripts():
    text = "受访者：我来这里两年了。\n那您觉得怎么样？\n受访者：挺好的。\n第二段也是她说的吗？\n"
    assert [(t.speaker, t.role) for t in read_turns(text).turns] == [
        ("受访者", "participant"),
        ("受访者", "participant"),
    ]
    asked = read_turns(text, unmarked="interviewer").turns
    assert [(t.speaker, t.role, text[t.start : t.end]) for t in asked] == [
        ("受访者", "participant", "我来这里两年了。"),
        ("", "interviewer", "那您觉得怎么样？"),
        ("受访者", "participant", "挺好的。"),
        ("", "interviewer", "第二段也是她说的吗？"),
    ]


def test_a_marker_alone_on_its_line_owns_the_next_paragraph():
    text = "Moderator:\nPlease start.\nI see a menu.\nModerator:\nAnd now?\nNow a form.\n"
    turns = read_turns(text).turns
    assert [(t.speaker, text[t.start : t.end].strip()) for t in turns] == [
        ("Moderator", "Please start."),
        ("", "I see a menu."),
        ("Moderator", "And now?"),
        ("", "Now a form."),
    ]


# ------------------------------------------------------------------ roles and where


def test_roles_speakers_and_where(mini_coder):
    documents = list(load_corpus([MIXED]).documents())

    def coded(**options: object) -> set[tuple[str, str]]:
        chosen = CodingOptions(**options)  # type: ignore[arg-type]
        return {
            (u.document, u.role)
            for d in documents
            for u in code_document(d, mini_coder, chosen).units
            if u.in_scope
        }

    assert {role for _, role in coded()} == {"participant"}
    assert {role for _, role in coded(roles="interviewer")} == {"interviewer"}
    assert {role for _, role in coded(roles="interviewer,participant")} == {
        "interviewer",
        "participant",
    }
    assert coded(roles="all") == coded(speakers="all")
    assert {d for d, _ in coded(where=("role=parent",))} == {
        "s1_simplified",
        "s2_traditional_markers",
    }
    assert {d for d, _ in coded(where=("role!=parent",))} == {"t1_traditional"}
    assert {d for d, _ in coded(where=("role=parent", "role=social_worker"))} == {
        "s1_simplified",
        "s2_traditional_markers",
        "t1_traditional",
    }
    assert {d for d, _ in coded(speakers="受訪者")} == {"s2_traditional_markers", "t1_traditional"}


def test_where_in_code_leaves_documents_out_or_says_why_not(runner, tmp_path):
    base = ["code", str(MIXED), "-c", str(MINI_CODEBOOK), "-q", "-o"]
    result = runner.invoke(main, [*base, str(tmp_path / "out"), "--where", "role=parent"])
    assert result.exit_code == 0, result.output
    assert [r["document"] for r in _csv(tmp_path / "out" / "documents.csv")] == [
        "s1_simplified",
        "s2_traditional_markers",
    ]
    bad = runner.invoke(main, [*base, str(tmp_path / "x"), "--roles", "cadre"])
    assert bad.exit_code == 2 and "interviewer, participant or all" in bad.output
    typo = runner.invoke(main, [*base, str(tmp_path / "x"), "--where", "rol!=parent"])
    assert typo.exit_code == 1 and "no document has this metadata column" in typo.output
    assert "role" in typo.output and not (tmp_path / "x").exists()
    none = runner.invoke(main, [*base, str(tmp_path / "x"), "--where", "role=cadre"])
    assert none.exit_code == 1 and "select none of the 3 documents" in none.output


def test_a_named_speaker_found_nowhere_is_a_warning(runner, tmp_path):
    args = [
        "code",
        str(MIXED),
        "-c",
        str(MINI_CODEBOOK),
        "-o",
        str(tmp_path / "out"),
        "-q",
        "--speakers",
        "受访者,张阿姨",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    assert "warning: --speakers 张阿姨: no turn of this speaker" in result.stderr


# ------------------------------------------------------------------ options at the boundary


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("unit", "sentense", "sentence, turn, paragraph"),
        ("fold", "yes", "auto, traditional, none"),
        ("segmenter", "pkuseg", "jieba-rs, jieba"),
        ("roles", ("cadre",), "interviewer, participant or all"),
        ("unmarked", "nobody", "auto, participant, interviewer, header"),
        ("where", ("role",), "COLUMN=VALUE"),
        ("negation_window", -1, ">= 0"),
    ],
)
def test_coding_options_are_checked_when_made(option: str, value: object, named: str):
    with pytest.raises(HealcodeError, match=named.replace("(", r"\(")):
        CodingOptions(**{option: value})  # type: ignore[arg-type]


def test_a_speaker_string_is_names_not_a_substring_test():
    options = CodingOptions(speakers="张阿姨")
    assert options.speakers == ("张阿姨",)
    text = "访谈者：您是？\n张阿姨：是我\n阿姨：不是她\n张阿姨：嗯\n阿姨：嗯\n"
    scoped = options.scope.read(_doc(text))
    assert [t.speaker for t in scoped.turns_in_scope()] == ["张阿姨", "张阿姨"]
    assert CodingOptions(speakers="all").roles == ("interviewer", "participant")
    assert CodingOptions(speakers="participants").roles == ("participant",)


def test_the_cli_takes_its_choices_from_the_library():
    from healcode.cli.code import code
    from healcode.corpus.turns import UNMARKED
    from healcode.corpus.units import UNIT_KINDS
    from healcode.fold import FOLD_MODES
    from healcode.segment import SEGMENTERS

    choices = {p.name: list(getattr(p.type, "choices", ())) for p in code.params}
    assert choices["unit"] == list(UNIT_KINDS)
    assert choices["fold"] == list(FOLD_MODES)
    assert choices["segmenter"] == list(SEGMENTERS)
    assert choices["unmarked"] == list(UNMARKED)


# ------------------------------------------------------------------ one scope for all


@pytest.mark.parametrize("unmarked", ["auto", "participant", "interviewer", "header"])
def test_words_passages_are_exactly_the_in_scope_turns_code_uses(mini_coder, unmarked):
    from healcode.segment import make_segmenter
    from healcode.words import segment_passages

    options = CodingOptions(unit="turn", unmarked=unmarked)  # type: ignore[arg-type]
    corpus = load_corpus([TRANSCRIPTS])
    documents = list(corpus.documents())
    segmenter = make_segmenter("jieba-rs")
    passages = list(segment_passages(documents, segmenter, scope=options.scope))
    units = [
        u for d in documents for u in code_document(d, mini_coder, options).units if u.in_scope
    ]
    assert [(p.document, p.text.strip()) for p in passages if p.text.strip()] == [
        (u.document, u.text) for u in units
    ]


def test_tables_are_read_alike_by_words_kwic_and_codebook_check(runner, tmp_path):
    table = tmp_path / "survey.csv"
    table.write_text(
        "编号,身份,回答\nr1,parent,现在有盼头了，跟同命人在一起。\n"
        "r2,cadre,我们要让她们有盼头。\nr3,parent,还是觉得丢人。\n",
        encoding="utf-8",
    )
    reading = ["--id-column", "编号", "--text-column", "回答", "--where", "身份=parent"]
    words = runner.invoke(
        main,
        ["words", str(table), "-c", str(MINI_CODEBOOK), "-o", str(tmp_path / "w.csv"), *reading],
    )
    assert words.exit_code == 0, words.output
    counts = {r["word"]: r["count"] for r in _csv(tmp_path / "w.csv")}
    assert counts["盼头"] == "1" and "丢人" in counts
    kwic = runner.invoke(
        main,
        [
            "kwic",
            "盼头",
            str(table),
            "-c",
            str(MINI_CODEBOOK),
            "-o",
            str(tmp_path / "k.csv"),
            *reading,
        ],
    )
    assert kwic.exit_code == 0, kwic.output
    assert [r["document"] for r in _csv(tmp_path / "k.csv")] == ["r1"]
    check = runner.invoke(
        main, ["codebook", "check", str(MINI_CODEBOOK), str(table), "--all", *reading]
    )
    assert check.exit_code == 0, check.output
    assert "term '打算' (hope/future_plans) never occurs" in check.output
    assert "term '丢人'" not in check.output  # r3 (a parent) codes it


def test_suggest_narrows_the_run_by_where_and_roles(runner, tmp_path):
    run = tmp_path / "run"
    code = runner.invoke(
        main, ["code", str(MIXED), "-c", str(MINI_CODEBOOK), "-o", str(run), "-q", "--roles", "all"]
    )
    assert code.exit_code == 0
    args = ["suggest", str(run), "--code", "mutual", "--min-count", "1", "-o"]
    every = runner.invoke(main, [*args, str(tmp_path / "a.csv")])
    assert every.exit_code == 0, every.output
    assert "5 coded units vs 9 other in-scope units" in every.stderr
    parents = runner.invoke(
        main, [*args, str(tmp_path / "b.csv"), "--where", "role=parent", "--roles", "participant"]
    )
    assert parents.exit_code == 0, parents.output
    assert "2 coded units vs 4 other in-scope units" in parents.stderr
    typo = runner.invoke(main, [*args, str(tmp_path / "c.csv"), "--where", "rol=parent"])
    assert typo.exit_code == 1 and "no document has this metadata column" in typo.output


def test_scope_selects_documents_by_metadata_and_header():
    scope = Scope(where=("role=parent", "role=volunteer", "gender!=male"))
    assert scope.selects({"role": "Parent", "gender": "female"})
    assert scope.selects({"role": "volunteer"})
    assert not scope.selects({"role": "parent", "gender": "male"})
    assert not scope.selects({"gender": "female"})  # no role: not a parent
    assert scope.read(
        _doc("日期：2020年\n访谈者：好？\n受访者：好\n", meta={"role": "parent"})
    ).selected
