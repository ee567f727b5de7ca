"""A code's ``Description``: the codebook fields as labelled lines, readable both ways.

REFI-QDA gives a code only a name and one free-text description. healcode writes its
fields there as ``Label: value`` lines, which a researcher reads in NVivo or ATLAS.ti
as they are, and which ``healcode import`` parses back, so that a codebook sent out as
``.qdc`` comes back with its definitions, terms and ids. A description written by
someone else has no labels: all of it becomes the definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from healcode.codebook import Code, Codebook, Theme

# (codebook field, label) in the order written.
TEXT_FIELDS = (
    ("label_en", "English"),
    ("definition", "Definition"),
    ("when_to_use", "When to use"),
    ("when_not_to_use", "When not to use"),
    ("example", "Example"),
)
LIST_FIELDS = (("terms", "Terms"), ("exclude", "Exclude"))
PATTERN_LABEL = "Pattern"  # one line per regular expression: they may contain any separator
NEGATION_LABEL = "Negation"
ID_LABEL = "healcode id"
LIST_SEPARATOR = "; "

_LABELS = [label for _, label in (*TEXT_FIELDS, *LIST_FIELDS)] + [
    PATTERN_LABEL,
    NEGATION_LABEL,
    ID_LABEL,
]
_LINE = re.compile(rf"^({'|'.join(re.escape(label) for label in _LABELS)}): ?(.*)$")


@dataclass
class CodeFields:
    """What a description carries; empty when it was not written by healcode."""

    label_en: str = ""
    definition: str = ""
    when_to_use: str = ""
    when_not_to_use: str = ""
    example: str = ""
    terms: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    negation: str = ""
    path: str = ""  # the healcode code path ("theme" or "theme/code")


def format_description(node: Theme | Code, path: str) -> str:
    lines = []
    for name, label in TEXT_FIELDS:
        value = getattr(node, name)
        if value:
            lines.append(f"{label}: {value}")
    for name, label in LIST_FIELDS:
        values = getattr(node, name)
        if values:
            lines.append(f"{label}: {LIST_SEPARATOR.join(values)}")
    lines.extend(f"{PATTERN_LABEL}: {pattern}" for pattern in node.patterns)
    if node.negation != "flag":
        lines.append(f"{NEGATION_LABEL}: {node.negation}")
    lines.append(f"{ID_LABEL}: {path}")
    return "\n".join(lines)


def parse_description(text: str) -> CodeFields:
    """Fields of a healcode-written description; free text goes to ``definition``."""
    fields = CodeFields()
    parts: list[tuple[str, list[str]]] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _LINE.match(line)
        if match:
            parts.append((match[1], [match[2]]))
        elif parts:
            parts[-1][1].append(line)
        else:
            parts.append(("Definition", [line]))
    for label, lines in parts:
        value = "\n".join(lines).strip()
        if not value:
            continue
        if label == ID_LABEL:
            fields.path = value
        elif label == PATTERN_LABEL:
            fields.patterns.append(value)
        elif label == NEGATION_LABEL:
            fields.negation = value
        else:
            name = next(n for n, lab in (*TEXT_FIELDS, *LIST_FIELDS) if lab == label)
            if name in ("terms", "exclude"):
                items = [v.strip() for v in value.split(LIST_SEPARATOR.strip())]
                getattr(fields, name).extend(v for v in items if v)
            elif getattr(fields, name):
                setattr(fields, name, f"{getattr(fields, name)}\n{value}")
            else:
                setattr(fields, name, value)
    return fields


# Codebook-wide settings have no place in REFI-QDA but the project's description.
_SETTINGS = {"Language": "language", "Negators": "negators", "Negation window": "negation_window"}
_SETTING_LINE = re.compile(rf"^({'|'.join(_SETTINGS)}): (.+)$", re.M)


def format_settings(codebook: Codebook) -> str:
    return "\n".join(
        (
            f"Language: {codebook.language}",
            f"Negators: {LIST_SEPARATOR.join(codebook.negators)}",
            f"Negation window: {codebook.negation_window}",
        )
    )


def parse_settings(text: str) -> dict[str, object]:
    """Codebook settings from a project description written by healcode (else empty)."""
    settings: dict[str, object] = {}
    for label, value in _SETTING_LINE.findall(text.replace("\r\n", "\n")):
        value = value.strip()
        if label == "Negators":
            settings["negators"] = [v.strip() for v in value.split(";") if v.strip()]
        elif label == "Negation window":
            if value.isdigit() and 0 <= int(value) <= 20:
                settings["negation_window"] = int(value)
        elif value:
            settings[_SETTINGS[label]] = value
    return settings
