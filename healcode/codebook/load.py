"""Read a YAML codebook; every error names the file, the line and the key path."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from healcode.codebook.schema import Codebook
from healcode.errors import CodebookError

Location = tuple[str | int, ...]

_MESSAGES = {
    "missing": "missing required key",
    "string_type": "expected a string",
    "list_type": "expected a list",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "model_type": "expected a mapping of keys",
    "dict_type": "expected a mapping of keys",
}


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a codebook file."""
    name = str(path)
    text, data = read_codebook_text(path)
    codebook = parse_codebook(text, name)
    codebook._path = name
    codebook._sha256 = hashlib.sha256(data).hexdigest()
    return codebook


def read_codebook_text(path: str | Path) -> tuple[str, bytes]:
    """The text (and bytes) of a codebook file: UTF-8, a BOM allowed."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CodebookError(f"{name}: cannot be read ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig"), data
    except UnicodeDecodeError as exc:
        raise CodebookError(
            f"{name}: not UTF-8 (byte {exc.start}); save the codebook as UTF-8"
        ) from None


def parse_codebook(text: str, name: str = "<codebook>") -> Codebook:
    """Validate codebook YAML text; ``name`` is used in error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start is not None and (mark is None or start.line != mark.line):
            problem += f" ({context} at line {start.line + 1})"
        raise CodebookError(f"{name}{where}: not valid YAML: {problem}") from None
    if not isinstance(content, dict):
        raise CodebookError(f"{name}:1: a codebook is a mapping with keys codebook, name, themes")
    lines = line_index(root)
    try:
        return Codebook.model_validate(content)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc: Location = tuple(first["loc"])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CodebookError(
            f"{name}:{line_of(lines, loc)} {_dotted(loc)}: {_message(first, loc)}{more}"
        ) from None


def _message(error: Any, loc: Location) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_type" and isinstance(loc[-1], int):
        return "expected a list of strings"
    return _MESSAGES.get(kind, str(error["msg"]))


def _dotted(loc: Location) -> str:
    """('themes', 2, 'codes', 0, 'terms') -> 'themes[2].codes[0].terms'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def line_index(node: yaml.Node | None, loc: Location = ()) -> dict[Location, int]:
    """1-based line of every key path in the YAML document."""
    if node is None:
        return {}
    lines = {loc: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, key.value)
            lines.update(line_index(value, child))
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(line_index(item, (*loc, index)))
    return lines


def line_of(lines: dict[Location, int], loc: Location) -> int:
    """Line of the deepest known part of loc (a missing key points at its parent)."""
    for size in range(len(loc), -1, -1):
        if loc[:size] in lines:
            return lines[loc[:size]]
    return 1
