"""Small .qdpx projects shaped like what four QDA programs export, each counting selection
positions its own way. Run ``python tests/data/refi/position_fixtures.py`` to write them
beside this file; a test checks that the committed files are exactly what this writes.

The transcripts and codings are constructed for the tests (no real participants). What
each file copies from its program, and how it counts positions:

- ``nvivo_windows.qdpx``: NVivo for Windows 12.6 (``origin="NVivo for Windows 12.6"``,
  ``xmlns:xsd`` before the default namespace, ``basePath=""``, selections with
  ``name=""``, a ``Sources/`` folder with a capital S, each source as UTF-8 with a BOM
  and CRLF line ends). Positions are UTF-16 code units on the text as stored: CRLF
  counts 2, an emoji 2, the BOM nothing. NVivo also writes a ``richTextPath`` to a
  .docx, which healcode does not read and these files leave out.
- ``qualcoder.qdpx``: QualCoder 3.5 (``plainTextPath`` without ``internal://``, as older
  versions wrote it, a ``sources/`` folder, texts as UTF-8 with a BOM, each selection
  named with the selected text). Exported "with line endings for MAXQDA": the files
  have CRLF, but positions are UTF-16 units on QualCoder's own text with LF.
- ``taguette.qdpx``: Taguette 1.4.1 (upper-case GUIDs from uuid5, an empty ``<Sets/>``
  in the codebook). Positions are UTF-8 bytes; texts have LF line ends.
- ``codepoints.qdpx``: a writer that follows the standard (``origin`` names MAXQDA 2022,
  whose counting is not established here: the file stands for "no known counting").
  Positions are code points on the text as stored, CRLF counting 2; the text has
  emoji and a character outside the Basic Multilingual Plane (𠮷).
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).resolve().parent
_NAMESPACE = uuid.UUID("5f0a7c1e-3b2d-4e8f-9a6b-1c2d3e4f5a6b")
_DATE = (2024, 3, 1, 9, 30, 0)


def guid(*parts: str, upper: bool = False) -> str:
    value = str(uuid.uuid5(_NAMESPACE, "/".join(parts)))
    return value.upper() if upper else value


@dataclass
class Source:
    name: str
    text: str  # with LF line ends, as the coder saw it
    # (code name, the selected text, which occurrence of it: 0 is the first)
    codings: list[tuple[str, str, int]] = field(default_factory=list)

    def spans(self) -> list[tuple[str, int, int]]:
        """(code, start, end) in code points of ``text``."""
        found = []
        for code, phrase, occurrence in self.codings:
            start = -1
            for _ in range(occurrence + 1):
                start = self.text.index(phrase, start + 1)
            found.append((code, start, start + len(phrase)))
        return found


@dataclass
class Project:
    file: str
    origin: str
    codes: list[str]
    sources: list[Source]
    counting: str  # codepoints | utf16 | utf8
    crlf_counted: bool  # positions count CRLF as 2 (on the stored text)
    crlf_stored: bool  # the text files have CRLF line ends
    bom: bool
    folder: str  # "Sources" or "sources"
    path_prefix: str  # "internal://" or "" (a bare relative path)
    selection_names: bool  # name each selection with its text
    upper_guids: bool = False
    sets: bool = False
    project_attributes: str = ""

    def position(self, text: str, index: int) -> int:
        """Where the program puts code point ``index`` of the LF ``text``."""
        before = text[:index]
        if self.crlf_counted:
            before = before.replace("\n", "\r\n")
        if self.counting == "utf16":
            return len(before.encode("utf-16-le")) // 2
        if self.counting == "utf8":
            return len(before.encode("utf-8"))
        return len(before)


NVIVO = Project(
    file="nvivo_windows.qdpx",
    origin="NVivo for Windows 12.6",
    codes=["孤独", "社会支持", "互助", "自我价值", "社区参与", "希望", "Hope", "Isolation"],
    sources=[
        Source(
            "访谈01 王阿姨",
            "访谈者：王阿姨，您好！今天想听您聊聊参加互助小组以后的变化。\n"
            "受访者：好的😊。刚开始那两年，我一个人在家，谁也不想见，觉得天都塌了。\n"
            "访谈者：后来是怎么走出来的？\n"
            "受访者：社工小李常常来看我👍，拉我去参加活动。在小组里认识了同命人，"
            "大家互相倾诉，心里就没那么堵了。\n"
            "访谈者：现在您怎么看自己？\n"
            "受访者：我觉得自己还是有用的人🙏，可以帮别人。去年我开始当志愿者，带新来的姐妹。\n"
            "访谈者：对未来有什么打算？\n"
            "受访者：想把身体养好，明年跟小组一起去吉林看看。日子还得往前过。\n",
            [
                ("孤独", "刚开始那两年，我一个人在家，谁也不想见，觉得天都塌了。", 0),
                ("社会支持", "社工小李常常来看我", 0),
                ("互助", "在小组里认识了同命人，大家互相倾诉，心里就没那么堵了。", 0),
                ("自我价值", "我觉得自己还是有用的人", 0),
                ("社区参与", "去年我开始当志愿者，带新来的姐妹。", 0),
                ("希望", "想把身体养好，明年跟小组一起去吉林看看。", 0),
                ("希望", "日子还得往前过", 0),
            ],
        ),
        Source(
            "Interview 02",
            "Interviewer: How did the group help you?\n"
            "Participant: At first I didn't want to see anyone 😔. Then a neighbour "
            "brought me to the Tuesday meeting.\n"
            "Interviewer: And now?\n"
            "Participant: Now I volunteer there. It gives me hope 🌱 and I feel useful "
            "again.\n",
            [
                ("Isolation", "I didn't want to see anyone", 0),
                ("社会支持", "a neighbour brought me to the Tuesday meeting", 0),
                ("社区参与", "Now I volunteer there", 0),
                ("Hope", "It gives me hope", 0),
                ("自我价值", "I feel useful again", 0),
            ],
        ),
    ],
    counting="utf16",
    crlf_counted=True,
    crlf_stored=True,
    bom=True,
    folder="Sources",
    path_prefix="internal://",
    selection_names=False,
    project_attributes='xmlns:xsd="http://www.w3.org/2001/XMLSchema" name="Untitled" '
    'origin="{origin}" creatingUserGUID="{user}" '
    'creationDateTime="2024-03-01T09:30:00Z" basePath="" ',
)

QUALCODER = Project(
    file="qualcoder.qdpx",
    origin="QualCoder 3.5",
    codes=["孤独", "社会支持", "希望"],
    sources=[
        Source(
            "p07_zhao.txt",
            "I：赵叔，最近身体怎么样？\n"
            "R：还行吧😊，就是晚上睡不好。\n"
            "I：平时谁来看您？\n"
            "R：居委会的小张每个礼拜都来🙂，有时候带点水果。老伙计们也打电话。\n"
            "I：您觉得以后会好吗？\n"
            "R：会好的。孙女考上大学了🎓，我得好好活着看她毕业。\n",
            [
                ("孤独", "就是晚上睡不好", 0),
                ("社会支持", "居委会的小张每个礼拜都来", 0),
                ("社会支持", "老伙计们也打电话。", 0),
                ("希望", "会好的。", 0),
                ("希望", "我得好好活着看她毕业", 0),
            ],
        ),
        Source(
            "p08_sun.txt",
            "I：孙姐，这几年是怎么过来的？\n"
            "R：一开始天天哭😢，不想出门。\n"
            "R：后来参加了手工小组，做布老虎，慢慢有了盼头🌸。\n",
            [
                ("孤独", "不想出门", 0),
                ("希望", "慢慢有了盼头", 0),
            ],
        ),
    ],
    counting="utf16",
    crlf_counted=False,
    crlf_stored=True,
    bom=True,
    folder="sources",
    path_prefix="",
    selection_names=True,
    project_attributes='xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'name="community.qda" origin="{origin}" creatingUserGUID="{user}" '
    'creationDateTime="2024-03-01T09:30:00Z" ',
)

TAGUETTE = Project(
    file="taguette.qdpx",
    origin="Taguette 1.4.1",
    codes=["孤獨", "社會支持", "希望"],
    sources=[
        Source(
            "訪談03 林媽媽",
            "訪談者：林媽媽，您好。可以談談這幾年的生活嗎？\n"
            "受訪者：孩子走了以後，我整天關在家裡，覺得很孤單。\n"
            "受訪者：後來志工常常來陪我聊天，我才慢慢走出來。\n"
            "訪談者：現在呢？\n"
            "受訪者：現在我也去當志工了，希望能幫到跟我一樣的人。\n",
            [
                ("孤獨", "我整天關在家裡，覺得很孤單。", 0),
                ("社會支持", "志工常常來陪我聊天", 0),
                ("希望", "希望能幫到跟我一樣的人", 0),
                ("社會支持", "現在我也去當志工了", 0),
            ],
        ),
    ],
    counting="utf8",
    crlf_counted=False,
    crlf_stored=False,
    bom=False,
    folder="sources",
    path_prefix="internal://",
    selection_names=False,
    upper_guids=True,
    sets=True,
    project_attributes='name="taguette project" origin="{origin}" ',
)

CODEPOINTS = Project(
    file="codepoints.qdpx",
    origin="MAXQDA 2022 (Release 22.2.0)",
    codes=["孤独", "希望"],
    sources=[
        Source(
            "访谈05 吉阿姨",
            "访谈者：吉阿姨，您姓氏的“𠮷”字很少见啊。\n"
            "受访者：是啊😄，上面是土不是士。以前总觉得没人懂我，一个人熬着。\n"
            "访谈者：现在呢？\n"
            "受访者：现在好多了🌞，每天去社区跳舞，心里敞亮。\n",
            [
                ("孤独", "以前总觉得没人懂我，一个人熬着。", 0),
                ("希望", "每天去社区跳舞，心里敞亮", 0),
                ("希望", "现在好多了", 0),
            ],
        ),
    ],
    counting="codepoints",
    crlf_counted=True,
    crlf_stored=True,
    bom=False,
    folder="Sources",
    path_prefix="internal://",
    selection_names=False,
    project_attributes='name="Family interviews" origin="{origin}" ',
)

PROJECTS = (NVIVO, QUALCODER, TAGUETTE, CODEPOINTS)


def project_files(project: Project) -> dict[str, bytes]:
    """The archive entries of ``project``: project.qde and the source texts."""
    upper = project.upper_guids
    user = guid(project.file, "user", upper=upper)
    code_guids = {name: guid(project.file, "code", name, upper=upper) for name in project.codes}
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<Project "
        + project.project_attributes.format(origin=project.origin, user=user)
        + 'xmlns="urn:QDA-XML:project:1.0">',
        "  <Users>",
        f'    <User guid="{user}" name="coder"/>',
        "  </Users>",
        "  <CodeBook>",
        "    <Codes>",
    ]
    for name, code in code_guids.items():
        lines.append(f'      <Code guid="{code}" name={quoteattr(name)} isCodable="true"/>')
    lines.append("    </Codes>")
    if project.sets:
        lines.append("    <Sets/>")
    lines += ["  </CodeBook>", "  <Sources>"]
    files: dict[str, bytes] = {}
    for source in project.sources:
        source_guid = guid(project.file, "source", source.name, upper=upper)
        text_guid = guid(project.file, "text", source.name, upper=upper)
        lines.append(
            f'    <TextSource guid="{source_guid}" name={quoteattr(source.name)} '
            f'plainTextPath="{project.path_prefix}{text_guid}.txt" '
            f'creatingUser="{user}">'
        )
        for number, (code, start, end) in enumerate(source.spans()):
            name = source.text[start:end] if project.selection_names else ""
            selection = guid(project.file, source.name, "selection", str(number), upper=upper)
            coding = guid(project.file, source.name, "coding", str(number), upper=upper)
            lines += [
                f'      <PlainTextSelection guid="{selection}" name={quoteattr(name)} '
                f'startPosition="{project.position(source.text, start)}" '
                f'endPosition="{project.position(source.text, end)}" creatingUser="{user}">',
                f'        <Coding guid="{coding}" creatingUser="{user}">',
                f'          <CodeRef targetGUID="{code_guids[code]}"/>',
                "        </Coding>",
                "      </PlainTextSelection>",
            ]
        lines.append("    </TextSource>")
        stored = source.text.replace("\n", "\r\n") if project.crlf_stored else source.text
        files[f"{project.folder}/{text_guid}.txt"] = (
            b"\xef\xbb\xbf" if project.bom else b""
        ) + stored.encode("utf-8")
    lines += ["  </Sources>", "</Project>", ""]
    return {"project.qde": "\n".join(lines).encode("utf-8"), **files}


def archive_bytes(project: Project) -> bytes:
    """The .qdpx, stored uncompressed with fixed dates so that it is the same every time."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in project_files(project).items():
            archive.writestr(zipfile.ZipInfo(name, _DATE), data)
    return buffer.getvalue()


def expected_codings(project: Project) -> list[tuple[str, str, str]]:
    """(source name, code, selected text) of every coding, as the coder made it."""
    return [
        (source.name, code, source.text[start:end])
        for source in project.sources
        for code, start, end in source.spans()
    ]


if __name__ == "__main__":
    for item in PROJECTS:
        (HERE / item.file).write_bytes(archive_bytes(item))
        print(f"wrote {item.file}")
