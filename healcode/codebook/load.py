"""Read a YAML codebook; every error names the file, the line and the key path."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

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
    content, lines = read_yaml(text, name)
    if not isinstance(content, dict):
        raise CodebookError(f"{name}:1: a codebook is a mapping with keys codebook, name, themes")
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


def read_yaml(
    text: str, name: str = "<codebook>", *, libyaml: bool = True
) -> tuple[Any, dict[Location, int]]:
    """The content of codebook YAML text and the 1-based line of every key path.

    Scalars are read as a codebook means them: every plain scalar is the text as written
    (``no``, ``on``, ``2018``, ``1.50`` stay strings, not YAML 1.1 booleans or numbers),
    except at the few keys that hold numbers (``codebook``, ``negation_window``), which
    follow the YAML 1.2 core schema. An empty plain value is null. Aliases may repeat at
    most ``ALIAS_BUDGET`` nodes in all (an "alias bomb" is refused before it expands);
    a key given twice in one mapping is an error instead of silently losing the first.
    libyaml parses when PyYAML has it; ``libyaml=False`` uses the pure-Python parser, which
    also words the message when the YAML is not valid.
    """
    loader = _loader(text, libyaml=libyaml)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        builder = _Builder(name, loader)
        return builder.build(root, (), root.start_mark.line + 1), builder.lines
    except yaml.YAMLError as exc:
        if libyaml and LIBYAML:  # PyYAML's own parser words syntax errors better
            read_yaml(text, name, libyaml=False)
        raise CodebookError(_yaml_problem(exc, name)) from None
    except RecursionError:
        raise CodebookError(f"{name}: not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError, name: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and start is not None and (mark is None or start.line != mark.line):
        problem += f" ({context} at line {start.line + 1})"
    return f"{name}{where}: not valid YAML: {problem}"


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


# ------------------------------------------------------------------ reading YAML


class _PyLoader(Reader, Scanner, Parser, Composer, SafeConstructor, BaseResolver):
    """PyYAML's safe loader without implicit resolvers: every plain scalar is a string."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        BaseResolver.__init__(self)


try:  # libyaml's parser and composer, about ten times faster (nodes keep their marks)
    from yaml._yaml import CParser  # libyaml binding (what yaml.cyaml uses too)

    LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    LIBYAML = False

if LIBYAML:

    class _CLoader(CParser, SafeConstructor, BaseResolver):
        """The same loader on libyaml's parser."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            BaseResolver.__init__(self)


def _loader(text: str, *, libyaml: bool = True) -> Any:
    return _CLoader(text) if libyaml and LIBYAML else _PyLoader(text)


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# Keys whose values are numbers in the schema; everything else a codebook holds is text.
NUMBER_KEYS: frozenset[Location] = frozenset({("codebook",), ("negation_window",)})
# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution) for those keys.
_CORE = (
    (re.compile(r"null|Null|NULL|~"), lambda v: None),
    (re.compile(r"true|True|TRUE|false|False|FALSE"), lambda v: v.lower() == "true"),
    (re.compile(r"[-+]?[0-9]+"), int),
    (re.compile(r"0o[0-7]+"), lambda v: int(v[2:], 8)),
    (re.compile(r"0x[0-9a-fA-F]+"), lambda v: int(v[2:], 16)),
    (re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"), float),
)
ALIAS_BUDGET = 10_000  # nodes that aliases may repeat in all; no real codebook comes near


class _Builder:
    """Python values from the composed YAML nodes, with the line of every key path.

    Aliases share nodes, so a few lines of anchors can stand for billions of values
    ("billion laughs"); the walk counts the nodes it repeats and stops at the budget.
    """

    def __init__(self, name: str, loader: Any) -> None:
        self.name = name
        self.loader = loader
        self.lines: dict[Location, int] = {}
        self.seen: set[int] = set()
        self.open: set[int] = set()  # nodes being built: an alias to one is recursive
        self.repeated = 0
        self.alias: tuple[Location, int] | None = None  # where the current alias is used

    def build(self, node: yaml.Node, loc: Location, line: int) -> Any:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if id(node) in self.open:
            raise CodebookError(
                f"{self.name}:{line} {_dotted(loc)}: an alias refers to a value that contains "
                "it (a recursive alias); write the values out"
            )
        entered = False
        if id(node) in self.seen and self.alias is None:
            self.alias, entered = (loc, line), True
        try:
            return self._value(node, loc)
        finally:
            if entered:
                self.alias = None

    def _value(self, node: yaml.Node, loc: Location) -> Any:
        self.seen.add(id(node))
        if self.alias is not None:
            self.repeated += 1
            if self.repeated > ALIAS_BUDGET:
                where, line = self.alias
                raise CodebookError(
                    f"{self.name}:{line} {_dotted(where)}: aliases (*name) repeat more than "
                    f"{ALIAS_BUDGET:,} values; a codebook needs no such expansion, so write "
                    "the values out"
                )
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node, loc)
            if isinstance(value, str) and "\r" in value:
                # a quoted "\r": line ends become LF, as in the texts coded (a lone CR
                # would also end a row of a CSV it is written to)
                value = value.replace("\r\n", "\n").replace("\r", "\n")
            return value
        if node.tag not in (_SEQ, _MAP):
            raise CodebookError(
                f"{self.name}:{node.start_mark.line + 1} {_dotted(loc)}: the tag {node.tag} "
                "has no meaning in a codebook; write a plain list or mapping"
            )
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [
                    self.build(item, (*loc, i), item.start_mark.line + 1)
                    for i, item in enumerate(node.value)
                ]
            assert isinstance(node, yaml.MappingNode)
            return self._mapping(node, loc)
        finally:
            self.open.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, loc: Location) -> Any:
        if node.tag != _STR:  # an explicit tag such as !!int 3 (errors are YAMLErrors)
            return self.loader.construct_object(node)
        if node.style:  # quoted or a block (plain is None, or "" from libyaml): text
            return node.value
        if node.value == "":
            return None
        if loc in NUMBER_KEYS:
            for pattern, convert in _CORE:
                if pattern.fullmatch(node.value):
                    return convert(node.value)
        return node.value

    def _mapping(self, node: yaml.MappingNode, loc: Location) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        where: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self._key(key_node, loc, line)
            if key in where:
                raise CodebookError(
                    f"{self.name}:{line} {_dotted((*loc, key))}: key {key!r} is given twice "
                    f"in one mapping (first at line {where[key]}); keep one"
                )
            where[key] = line
            child = (*loc, key)
            mapping[key] = self.build(value_node, child, line)
            self.lines[child] = line
        return mapping

    def _key(self, node: yaml.Node, loc: Location, line: int) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise CodebookError(
                f"{self.name}:{line} {_dotted(loc)}: a key must be a word, not a list or mapping"
            )
        return self._scalar(node, ())


def line_of(lines: dict[Location, int], loc: Location) -> int:
    """Line of the deepest known part of loc (a missing key points at its parent)."""
    for size in range(len(loc), -1, -1):
        if loc[:size] in lines:
            return lines[loc[:size]]
    return 1
