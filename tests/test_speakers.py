"""Who speaks: links, labels, header fields, timestamps, traditional markers, unmarked
speech, roles and metadata selection, and one scope for every command."""

from __future__ import annotations

import csv
import re
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
from healcode.records import Document, Turn
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


# ------------------------------------------------------------------ transcription services

ENGLISH_CODEBOOK = DATA / "english_codebook.yaml"
_CLOCK_IN_TEXT = re.compile(r"\d:\d\d")


def _code(runner, tmp_path: Path, inputs: list[Path], *options: str, codebook=MINI_CODEBOOK):
    out = tmp_path / "out"
    args = ["code", *map(str, inputs), "-c", str(codebook), "-o", str(out), "-q", "--force"]
    result = runner.invoke(main, [*args, *options])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    return warnings, _csv(out / "units.csv")


def test_otter_speaker_and_timestamp_lines_start_turns():
    reading, turns = _read("otter_export_p04.txt")
    assert [(s, r) for s, r, _ in turns] == [
        ("Speaker 1", "participant"),
        ("Speaker 2", "participant"),
    ] * 2 + [("Speaker 1", "participant")]
    assert turns[0][2] == "How are you feeling these days?"
    assert turns[3][2].startswith("Meeting other parents.")
    # a time inside the speech is speech: "at 6:30" is neither a speaker nor a cut
    assert turns[3][2].endswith("I woke up at 6:30 today and went for a walk.")
    assert reading.markers == ("Speaker 1", "Speaker 2") and reading.doubt == "no-interviewer"
    assert not any(_CLOCK_IN_TEXT.search(s) for s, _, _ in turns)


def test_named_speakers_with_hours_and_a_speaker_who_speaks_once():
    reading, turns = _read("otter_named_speakers.txt", interviewers=["Jane Doe"])
    assert [(s, r) for s, r, _ in turns] == [
        ("Jane Doe", "interviewer"),
        ("Tom Lee", "participant"),
        ("Jane Doe", "interviewer"),
        ("Ann Wu", "participant"),  # once, standing as the others do
        ("Tom Lee", "participant"),
    ]
    assert turns[1][2] == "It was hard. Sunday was her birthday.\nI stayed home most of the day."
    assert reading.dropped == len("Groupsession3(constructedexample)")  # the title
    assert reading.doubt == ""


@pytest.mark.parametrize(
    "text",
    [
        "We met at 10:30\nand talked.\n\nWe met at 10:30\nagain.\n",  # speech ending in a time
        "会议纪要\n2024年3月5日 14:30\n关键词：希望\n",  # a date line
        "Meeting 10:30\nnotes here\n",  # one such line is no layout
    ],
)
def test_a_line_ending_in_a_time_is_not_always_a_speaker(text: str):
    assert {t.speaker for t in read_turns(text).turns} == {""}


def test_xunfei_and_feishu_layouts(runner, tmp_path):
    reading, turns = _read("xunfei_speakers.txt")
    assert [s for s, _, _ in turns] == ["说话人1", "说话人2"] * 2 + ["说话人1"]
    assert turns[1][2] == "还好，就是晚上还是睡不着，一个人的时候老想孩子。"
    assert reading.doubt == "no-interviewer"
    reading, turns = _read("feishu_roles.txt")
    assert [(s, r) for s, r, _ in turns] == [
        ("访谈者", "interviewer"),
        ("受访者", "participant"),
    ] * 2  # 访谈者 [01:20]: a bracketed timestamp too
    assert turns[2][2] == "您觉得暖心家园对您有帮助吗？" and reading.doubt == ""
    warnings, units = _code(runner, tmp_path, [TRANSCRIPTS / "feishu_roles.txt"])
    assert warnings == []
    assert {(r["speaker"], r["coded"]) for r in units} == {
        ("访谈者", "False"),
        ("受访者", "True"),
    }


def test_generic_speakers_say_which_option_decides_who_asks(runner, tmp_path):
    """说话人1 asks, but nothing in the file says so: all is coded, with a warning naming
    the file and --interviewer; --interviewer 说话人1 is that speaker only, not 说话人2."""
    xunfei = TRANSCRIPTS / "xunfei_speakers.txt"
    warnings, units = _code(runner, tmp_path, [xunfei])
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: xunfei_speakers: no speaker is known to be the")
    assert "(说话人1, 说话人2)" in warnings[0] and "--interviewer 说话人1" in warnings[0]
    assert {r["coded"] for r in units} == {"True"}
    warnings, units = _code(runner, tmp_path, [xunfei], "--interviewer", "说话人1")
    assert warnings == []
    assert {(r["speaker"], r["role"], r["coded"]) for r in units} == {
        ("说话人1", "interviewer", "False"),
        ("说话人2", "participant", "True"),
    }
    text = xunfei.read_text(encoding="utf-8")
    for r in units:  # offsets exact, no timestamp in any unit
        assert text[int(r["start"]) : int(r["end"])] == r["text"]
        assert not _CLOCK_IN_TEXT.search(r["text"])
    otter = TRANSCRIPTS / "otter_export_p04.txt"
    warnings, units = _code(runner, tmp_path, [otter], codebook=ENGLISH_CODEBOOK)
    assert len(warnings) == 1 and '--interviewer "Speaker 1"' in warnings[0]
    warnings, units = _code(
        runner, tmp_path, [otter], "--interviewer", "Speaker 1", codebook=ENGLISH_CODEBOOK
    )
    assert warnings == []
    assert {r["speaker"] for r in units if r["coded"] == "True"} == {"Speaker 2"}
    assert role_of("Speaker 1", ["Speaker 1"]) == "interviewer"
    assert role_of("Speaker 2", ["Speaker 1"]) == "participant"
    assert role_of("小陈2", ["小陈"]) == "interviewer"  # a name without a number: as before


# ------------------------------------------------------------------ no speaker label


def test_a_file_without_any_speaker_label_is_a_warning(runner, tmp_path, mini_coder):
    text = "最近还好。\n\n就是晚上睡不着，想孩子。\n去暖心家园以后好多了。\n"
    coded = code_document(_doc(text, "notes"), mini_coder, CodingOptions())
    assert len(coded.warnings) == 1
    assert coded.warnings[0].startswith("notes: no speaker label is found, so all the text is")
    assert "--unmarked participant" in coded.warnings[0]
    for unmarked in ("participant", "interviewer"):  # the researcher said who speaks
        options = CodingOptions(unmarked=unmarked)  # type: ignore[arg-type]
        assert not any(
            "no speaker label" in w for w in code_document(_doc(text), mini_coder, options).warnings
        )
    assert code_document(_doc(text), mini_coder, CodingOptions(roles="all")).warnings == []
    # a table row says who speaks: no warning
    given = Document(
        "row", text, "t.csv", "utf-8", "0" * 64, {}, turns=[Turn("答", "participant", 0, 5)]
    )
    assert code_document(given, mini_coder, CodingOptions()).warnings == []

    folder = tmp_path / "notes"
    folder.mkdir()
    for name in ("n1", "n2"):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    warnings, _ = _code(runner, tmp_path, [folder])
    assert [w.split(":")[1].strip() for w in warnings] == ["n1", "n2"]
    for name in ("n3", "n4", "n5"):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    warnings, _ = _code(runner, tmp_path, [folder])
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "warning: 5 documents (n1, n2, n3 and 2 more): no speaker label is found"
    )
    for command in (["words"], ["kwic", "暖心家园"]):
        result = runner.invoke(
            main,
            [
                *command,
                str(folder),
                "-c",
                str(MINI_CODEBOOK),
                "-o",
                str(tmp_path / "w.csv"),
                "--force",
            ],
        )
        assert result.exit_code == 0, result.output
        lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert lines == warnings


def test_a_document_warning_travels_to_worker_processes_and_back():
    import pickle

    from healcode.scope import DocumentWarning, gather_warnings

    warning = DocumentWarning("d1", "something")
    again = pickle.loads(pickle.dumps(warning))
    assert again == "d1: something" and isinstance(again, DocumentWarning)
    assert (again.document, again.what) == ("d1", "something")
    many = [DocumentWarning(f"d{i}", "same") for i in range(5)]
    assert gather_warnings(["first", *many, DocumentWarning("x", "other")]) == [
        "first",
        "5 documents (d0, d1, d2 and 2 more): same",
        "x: other",
    ]


def test_parallel_runs_gather_warnings_as_one_process_does(runner, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    for i in range(5):
        (folder / f"n{i}.txt").write_text("最近还好。\n去暖心家园以后好多了。\n", encoding="utf-8")
    one, _ = _code(runner, tmp_path, [folder])
    two, _ = _code(runner, tmp_path, [folder], "--jobs", "2")
    assert one == two and len(one) == 1 and one[0].startswith("warning: 5 documents")


# ------------------------------------------------------------------ reported speech


def test_reported_speech_stays_text_of_the_turn():
    reading, turns = _read("zh_reported_speech.txt")
    assert [(s, r) for s, r, _ in turns] == [
        ("访谈者", "interviewer"),
        ("受访者", "participant"),
    ] * 2
    assert turns[0][2].endswith(
        "她说：我很孤独，没有希望。\n她说：谁也帮不了我。\n后来是怎么变的？"
    )
    assert "人家说：阿姨，我明天还来。\n老伴说：让她来吧。" in turns[1][2]
    assert reading.markers == ("访谈者", "受访者") and reading.doubt == ""


@pytest.mark.parametrize(
    "label",
    [
        "我说",
        "她说",
        "他问",
        "我就说",
        "人家说",
        "他们讲",
        "老伴说",
        "我老伴说",
        "她妈说",
        "孩子他爸说",
        "我跟她说",
        "她问我",
        "大家都说",
        "医生讲",
        "邻居们说",
        "我女儿说",
        "她总是说",
        "我常说",
        "他回答",
        "她告诉我",
        "She said",
        "I asked",
        "My mum says",
        "张阿姨说",
        "刘姐讲",
        "王医生问我",
    ],
)
def test_a_person_and_a_verb_of_saying_is_reported_speech(label: str):
    from healcode.fold import to_traditional

    for written in dict.fromkeys([label, to_traditional(label)]):
        text = f"访谈者：您好。\n{written}：我很孤独。\n受访者：嗯。\n{written}：没有希望。\n"
        assert [t.speaker for t in read_turns(text).turns] == ["访谈者", "受访者"], written


def test_markers_names_and_field_labels_are_not_reported_speech():
    from healcode.corpus.turns import _base, _is_reported_speech

    names = [
        *("张阿姨", "杨主任", "刘姐", "老伴", "老周", "我", "她", "社工", "小李", "解说"),
        *("主讲", "提问", "追问", "Dr Smith", "Speaker 1"),
    ]
    for label in [*INTERVIEWER_MARKERS, *PARTICIPANT_MARKERS, *FIELD_LABELS, *names]:
        assert not _is_reported_speech(_base(label)), label


# ------------------------------------------------------------------ one side marked


def test_answers_only_with_questions_between_them(runner, tmp_path):
    """Only 受访者 is marked and the unmarked lines before the answers ask: they are the
    interviewer's, the first one too (not a header line), and only answers are coded."""
    reading, turns = _read("zh_answers_only.txt")
    assert [(s, r) for s, r, _ in turns] == [("", "interviewer"), ("受访者", "participant")] * 4
    assert turns[0][2] == "您好，请先说说您的家庭情况吧？"
    assert turns[1][2] == "我女儿2012年走的，就剩我们老两口。"
    assert reading.header == {"访谈编号": "A07", "日期": "2023年4月"}
    assert reading.dropped == 0 and reading.doubt == ""
    warnings, units = _code(runner, tmp_path, [TRANSCRIPTS / "zh_answers_only.txt"])
    assert warnings == []
    assert {r["text"] for r in units if r["coded"] == "True"} >= {"心里踏实多了，有一帮同命人。"}
    assert not any(r["text"].endswith("？") for r in units if r["coded"] == "True")
    # the researcher decides otherwise
    header = read_turns(
        (TRANSCRIPTS / "zh_answers_only.txt").read_text(encoding="utf-8"), unmarked="header"
    )
    assert [t.speaker for t in header.turns] == ["受访者"] * 4 and header.doubt == "answers-only"


def test_answers_only_with_a_paragraph_more_is_read_with_a_warning():
    text = (
        "受访者：我来这里两年了。\n刚来的时候谁也不认识。\n那您觉得怎么样？\n"
        "受访者：挺好的。\n后来呢？\n受访者：后来认识了好多同命人。\n"
    )
    reading = read_turns(text)
    assert [(t.speaker, t.role, text[t.start : t.end]) for t in reading.turns] == [
        ("受访者", "participant", "我来这里两年了。\n刚来的时候谁也不认识。"),
        ("", "interviewer", "那您觉得怎么样？"),
        ("受访者", "participant", "挺好的。"),
        ("", "interviewer", "后来呢？"),
        ("受访者", "participant", "后来认识了好多同命人。"),
    ]
    assert reading.doubt == "questions-guessed" and reading.guessed == 1
    (warning,) = Scope().warnings(Scope().read(_doc(text, "two_years")))
    assert warning.startswith("two_years: only the participant's turns are marked (受访者)")
    assert "a guess for 1 of them" in warning and "--unmarked interviewer" in warning


def test_answers_only_without_enough_questions_says_what_to_pass():
    """One question between two answers is not enough to tell: the lines continue the
    answers as before, with a warning naming --unmarked interviewer."""
    text = "受访者：我来这里两年了。\n那您觉得怎么样？\n受访者：挺好的。\n第二段也是她说的吗？\n"
    reading = read_turns(text)
    assert reading.doubt == "answers-only"
    (warning,) = Scope().warnings(Scope().read(_doc(text, "short")))
    assert warning.startswith("short: only the participant's turns are marked (受访者)")
    assert warning.endswith("pass --unmarked interviewer")
    assert (
        Scope(unmarked="interviewer").warnings(Scope(unmarked="interviewer").read(_doc(text))) == []
    )


def test_a_named_moderator_alone_says_to_name_the_interviewer(runner, tmp_path):
    think_aloud = TRANSCRIPTS / "think_aloud_dr_smith.txt"
    reading, turns = _read("think_aloud_dr_smith.txt")
    assert {(s, r) for s, r, _ in turns} == {("Dr Smith", "participant")}
    assert reading.doubt == "one-label"
    warnings, _ = _code(runner, tmp_path, [think_aloud], codebook=ENGLISH_CODEBOOK)
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: think_aloud_dr_smith: only one speaker label occurs")
    assert '--interviewer "Dr Smith"' in warnings[0] and "--unmarked interviewer" in warnings[0]
    warnings, units = _code(
        runner, tmp_path, [think_aloud], "--interviewer", "Dr Smith", codebook=ENGLISH_CODEBOOK
    )
    assert warnings == []
    coded = [r for r in units if r["coded"] == "True"]
    assert {(r["speaker"], r["role"]) for r in coded} == {("", "participant")}
    assert coded[0]["text"] == "Okay."
    assert any("I feel a bit of hope" in r["text"] for r in coded)


def test_speakers_participants_or_all_mean_roles_wherever_scope_is_made():
    """``--speakers participants|all`` (an older spelling of --roles) is read in one
    place, the Scope, so the library and every command agree."""
    from healcode.coding import CodingOptions
    from healcode.scope import Scope

    assert (Scope(speakers="all").roles, Scope(speakers="all").speakers) == (
        ("interviewer", "participant"),
        (),
    )
    assert Scope(roles=("interviewer",), speakers=("participants",)).roles == ("participant",)
    options = CodingOptions(speakers="all")
    assert (options.roles, options.speakers) == (("interviewer", "participant"), ())
    assert Scope(speakers="张阿姨，李叔").speakers == ("张阿姨", "李叔")
