"""The package's import graph: one way, no circles (the guide's module map)."""

from __future__ import annotations

import ast
from pathlib import Path

import spatial_towns

PKG = Path(spatial_towns.__file__).parent


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports, at module level or inside functions
    (a lazy import still closes a circle); imports under ``if TYPE_CHECKING:`` are skipped."""
    found: set[str] = set()
    modules = {p.stem for p in PKG.glob("*.py")}

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom):
                if child.level == 1 and child.module is None:
                    found.update(a.name for a in child.names if a.name in modules)
                elif child.level == 1 and child.module:
                    found.add(child.module.split(".")[0])
                elif child.level == 0 and (child.module or "").startswith("spatial_towns."):
                    found.add(child.module.split(".")[1])
                elif child.level == 0 and child.module == "spatial_towns":
                    found.update(a.name for a in child.names if a.name in modules)
            elif isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.startswith("spatial_towns."):
                        found.add(a.name.split(".")[1])
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(path.stem)
    return found & modules


def import_graph() -> dict[str, set[str]]:
    return {p.stem: _imports(p) for p in sorted(PKG.glob("*.py")) if p.stem != "__init__"}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary circle found by depth-first search (each reported once)."""
    out: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()

    def dfs(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                key = tuple(sorted(path))
                if key not in seen:
                    seen.add(key)
                    out.append(path + [start])
            elif nxt not in path and nxt > start:  # each circle from its smallest module
                dfs(start, nxt, path + [nxt])

    for m in sorted(graph):
        dfs(m, m, [m])
    return out


def test_no_import_circles():
    assert cycles(import_graph()) == []


def test_circle_finder_finds_a_circle():
    # The check above must be able to fail: a planted circle is reported.
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(g) == [["a", "b", "c", "a"]]


def test_lazy_imports_count(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("from typing import TYPE_CHECKING\n"
                   "if TYPE_CHECKING:\n    from . import whatif\n"
                   "def f():\n    from . import maps\n", encoding="utf-8")
    assert _imports(src) == {"maps"}
