"""The import graph follows the layers of docs/ARCHITECTURE.md: nothing imports from a layer
above it, and no two packages import each other, directly or round a longer circle.

Imports inside functions count (a lazy import is still a dependency); imports under
``if TYPE_CHECKING:`` are annotations and may point anywhere.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "healcode"

# Lowest first. A module belongs to the longest prefix listed.
LAYERS: list[tuple[str, ...]] = [
    (
        "healcode.errors",
        "healcode.records",
        "healcode.outdir",
        "healcode.bundled",
        "healcode.colors",
    ),
    (
        "healcode.corpus",
        "healcode.codebook",
        "healcode.segment",
        "healcode.fold",
        "healcode.prefilter",
    ),
    ("healcode.coder", "healcode.scope", "healcode.spacy_component"),
    ("healcode.model",),
    ("healcode.run",),
    ("healcode.coding", "healcode.engine"),
    (
        "healcode.report",
        "healcode.export",
        "healcode.refi",
        "healcode.reliability",
        "healcode.keyness",
        "healcode.words",
        "healcode.kwic",
        "healcode.check",
        "healcode.learning",
        "healcode.review",
    ),
    ("healcode.cli", "healcode.__main__"),
]


def _layer(module: str) -> int:
    best, level = "", -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, level = prefix, index
    if level < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and ARCHITECTURE.md")
    return level


def _group(module: str) -> str:
    """The top-level module or subpackage: healcode.run.read -> healcode.run."""
    return ".".join(module.split(".")[:2])


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """healcode modules ``path`` imports at run time (TYPE_CHECKING blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    annotations: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            annotations.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if id(node) in annotations:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1]
                    + ([base] if base else [])
                )
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name.startswith("healcode."):
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {module: _imports(path, set(files)) - {module} for module, path in files.items()}


def test_every_module_has_a_layer():
    for module in _graph():
        if module != "healcode":
            _layer(module)


def test_nothing_imports_from_a_layer_above():
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in _graph().items()
        if module != "healcode"
        for target in targets
        if _layer(target) > _layer(module)
    )
    assert upward == []


def test_packages_do_not_import_each_other_in_a_circle():
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in _graph().items():
        for target in targets:
            if _group(module) != _group(target) and module != "healcode":
                edges[_group(module)].add(_group(target))
    cycles = []
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges.get(node, ())):
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in path and nxt > start:  # each cycle once, from its least node
                    stack.append((nxt, [*path, nxt]))
    assert cycles == []


@pytest.mark.parametrize(
    "name",
    ["excerpts.csv", "units.csv", "hits.csv", "manifest.json", "frequencies.csv", "documents.csv"],
)
def test_only_the_run_module_names_the_files_of_a_run(name):
    named = []
    for path in PACKAGE.rglob("*.py"):
        if _module_name(path).startswith("healcode.run"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value == name:
                named.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert named == []
