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


def module_name(path: Path, root: Path = PKG) -> str:
    """Dotted name of ``path`` inside the package (``"data.io"``; a door is its package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules(root: Path = PKG) -> set[str]:
    """Every module and package (door) of the package, dotted, relative to it ("" = the top door)."""
    return {module_name(p, root) for p in root.rglob("*.py")}


def _resolve(name: str, modules: set[str]) -> str | None:
    """The module ``name`` (dotted, inside the package) is or lives in: longest known prefix."""
    parts = name.split(".") if name else []
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _imports(path: Path, root: Path = PKG) -> set[str]:
    """Modules of the package that ``path`` imports, at module level or inside functions
    (a lazy import still closes a circle); imports under ``if TYPE_CHECKING:`` are skipped.
    ``from .data import io`` counts as importing ``data.io`` (the door ``data`` is passed
    through, not counted)."""
    found: set[str] = set()
    modules = all_modules(root)
    here = module_name(path, root)
    is_door = path.name == "__init__.py"
    package = here.split(".") if is_door else here.split(".")[:-1]
    if here == "":
        package = []

    def base(level: int, module: str | None) -> list[str] | None:
        if level == 0:
            if module is None or not (module == "spatial_towns" or module.startswith("spatial_towns.")):
                return None
            return module.split(".")[1:]
        up = package[: len(package) - (level - 1)] if level > 1 else package
        return up + (module.split(".") if module else [])

    def add(parts: list[str]) -> None:
        target = _resolve(".".join(parts), modules)
        if target:
            found.add(target)

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom):
                parts = base(child.level, child.module)
                if parts is not None:
                    for a in child.names:
                        full = ".".join(parts + [a.name])
                        if full in modules:  # a module imported from its package
                            found.add(full)
                        else:
                            add(parts)
            elif isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.startswith("spatial_towns."):
                        add(a.name.split(".")[1:])
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(here)
    return found


def old_names(path: Path, root: Path = PKG) -> set[str]:
    """Names ``path`` imports from the top package that are no module of it: the flat layout's
    module names (``from .. import maps``), which the top door still resolves for the README
    and notebooks, but which the package itself must not use (the graph would miss the edge)."""
    top = {module_name(p, root) for p in root.glob("*.py")} | {p.name for p in root.iterdir()
                                                                if (p / "__init__.py").is_file()}
    here = module_name(path, root)
    parts = here.split(".") if here else []
    package = parts if path.name == "__init__.py" else parts[:-1]
    to_top = len(package) + 1  # the relative level that names the top package
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module is None and node.level == to_top:
            found.update(a.name for a in node.names if a.name not in top)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "spatial_towns":
            found.update(a.name for a in node.names if a.name not in top)
    return found


def import_graph(root: Path = PKG) -> dict[str, set[str]]:
    """Module -> the package's modules it imports. A family's door is a node too: a lazy door
    (spatial_towns.util.lazy) imports nothing of its family, an eager one its modules."""
    return {module_name(p, root): _imports(p, root) for p in sorted(root.rglob("*.py"))
            if p != root / "__init__.py"}


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


def test_graph_sees_every_module_and_its_imports():
    # The walk covers the subpackages: a moved module is a node and its imports are edges.
    graph = import_graph()
    assert {"config", "cli", "data.io", "mcda.selection", "pipeline.stages", "pipeline"} <= set(graph)
    assert "config" in graph["mcda.scoring"]
    assert "data.io" in graph["pipeline.ingest"]


def test_the_package_imports_modules_by_their_family_names():
    bad = {module_name(p): sorted(old_names(p)) for p in PKG.rglob("*.py") if old_names(p)}
    bad.pop("", None)  # the top door itself lists the old names, lazily
    assert bad == {}


def test_old_names_check_can_fail(tmp_path):
    (tmp_path / "render").mkdir()
    (tmp_path / "render" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "config.py").write_text("", encoding="utf-8")
    src = tmp_path / "render" / "m.py"
    src.write_text("from .. import config, maps\n", encoding="utf-8")
    assert old_names(src, tmp_path) == {"maps"}


def test_circle_finder_finds_a_circle():
    # The check above must be able to fail: a planted circle is reported.
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(g) == [["a", "b", "c", "a"]]


def test_lazy_imports_count(tmp_path):
    (tmp_path / "render").mkdir()
    (tmp_path / "render" / "maps.py").write_text("", encoding="utf-8")
    (tmp_path / "whatif").mkdir()
    (tmp_path / "whatif" / "explorer.py").write_text("", encoding="utf-8")
    src = tmp_path / "render" / "m.py"
    src.write_text("from typing import TYPE_CHECKING\n"
                   "if TYPE_CHECKING:\n    from ..whatif import explorer\n"
                   "def f():\n    from . import maps\n", encoding="utf-8")
    assert _imports(src, tmp_path) == {"render.maps"}


def test_planted_circle_through_a_function_level_import_is_found(tmp_path):
    (tmp_path / "whatif").mkdir()
    (tmp_path / "whatif" / "explorer.py").write_text(
        "def explore():\n    from . import widget\n", encoding="utf-8")
    (tmp_path / "whatif" / "widget.py").write_text(
        "from .explorer import explore\n", encoding="utf-8")
    assert cycles(import_graph(tmp_path)) == [["whatif.explorer", "whatif.widget", "whatif.explorer"]]


def test_old_module_names_still_import():
    # README, notebooks and scripts written before the families keep working: each old module
    # name of the flat package resolves (lazily) to the module that now holds its code.
    import importlib
    import subprocess
    import sys

    for old, new in spatial_towns._OLD_NAMES.items():
        assert getattr(spatial_towns, old) is importlib.import_module(new, "spatial_towns"), old
    code = ("from spatial_towns import maps, plot, validate, pipeline, whatif, national, network\n"
            "print(maps.__name__, plot.__name__, validate.validate.__module__, pipeline.run.__module__,"
            " whatif.WhatIf.__module__, national.run.__module__, network.prepare.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "spatial_towns.render.maps", "spatial_towns.render.printmap", "spatial_towns.calibration.backtest",
        "spatial_towns.pipeline.stages", "spatial_towns.whatif.explorer", "spatial_towns.national.driver",
        "spatial_towns.network.graph"]


HEAVY = ("folium", "matplotlib", "sklearn", "dask", "distributed", "ipywidgets", "docx")


def _heavy_after(statement: str) -> list[str]:
    import subprocess
    import sys

    code = f"import sys\n{statement}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_importing_the_package_or_the_pipeline_loads_no_heavy_library():
    # Presentation (folium, matplotlib), clustering (scikit-learn), the national driver (dask),
    # the widget (ipywidgets) and documents (python-docx) load when used, not on import.
    assert _heavy_after("import spatial_towns") == []
    assert _heavy_after("from spatial_towns import Inputs, RunResult, config, errors, run") == []
    # The probe sees them when they are imported (the check above can fail).
    assert _heavy_after("import spatial_towns.render.maps, spatial_towns.render.printmap") == [
        "folium", "matplotlib"]
