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
        "healcode.choices",
        "healcode.latex",
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


def _lazy_names() -> dict[str, str]:
    """The names ``healcode/__init__.py`` loads lazily, and the module each comes from."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "_LAZY":
            return ast.literal_eval(node.value)
    raise AssertionError("healcode/__init__.py has no _LAZY table")


def _annotations(tree: ast.AST) -> set[int]:
    """Nodes under ``if TYPE_CHECKING:`` (its body only: an ``else:`` runs)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                inside.update(id(n) for n in ast.walk(statement))
    return inside


def _imports(path: Path, modules: set[str]) -> set[str]:
    """healcode modules ``path`` imports at run time (TYPE_CHECKING blocks left out):
    import statements anywhere, ``importlib.import_module("healcode...")`` with a literal
    name, and the lazily loaded names of the package itself (``from healcode import
    write_report``, ``healcode.write_report``) as the module they come from."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    annotations = _annotations(tree)
    lazy = _lazy_names()
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
            if base == "healcode":
                names = [lazy.get(a.name, f"healcode.{a.name}") for a in node.names]
            else:
                names = [f"{base}.{a.name}" for a in node.names] + [base]
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        elif isinstance(node, ast.Attribute) and ast.unparse(node.value) == "healcode":
            names = [lazy.get(node.attr, "")]
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


def _run_files() -> list[str]:
    from healcode.run import RUN_FILES

    return sorted(RUN_FILES)


@pytest.mark.parametrize("name", _run_files())
def test_only_the_run_module_names_the_files_of_a_run(name):
    """No string in code outside healcode.run is a run file's name, or builds one
    (``"excerpts" + ".csv"``, ``f"{stem}.csv"`` with a literal stem)."""
    stem, _, suffix = name.rpartition(".")
    named = []
    for path in PACKAGE.rglob("*.py"):
        if _module_name(path).startswith("healcode.run"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value == name:
                named.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            elif isinstance(node, ast.BinOp | ast.JoinedStr):
                pieces = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant)]
                if stem in pieces and any(str(p).endswith("." + suffix) for p in pieces):
                    named.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert named == []
