"""Print every function and class over a line limit in spatial_towns (issue 24, item 5).

Length is ``end_lineno - lineno + 1`` of the ``def``/``class`` node (decorators not counted).
Usage: ``python benchmarks/long_functions.py [--limit 100] [--classes]``.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "spatial_towns"


def long_nodes(root: Path, *, limit: int, classes: bool) -> list[tuple[int, str]]:
    """Return (lines, "module.qualname") for every def (and class) longer than ``limit`` lines."""
    kinds: tuple[type, ...] = (ast.FunctionDef, ast.AsyncFunctionDef)
    if classes:
        kinds += (ast.ClassDef,)
    found: list[tuple[int, str]] = []
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root.parent).with_suffix("").as_posix().replace("/", ".")
        todo: list[tuple[ast.AST, str]] = [(ast.parse(path.read_text(encoding="utf-8")), "")]
        while todo:
            node, prefix = todo.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}.{child.name}"
                    n = (child.end_lineno or child.lineno) - child.lineno + 1
                    if isinstance(child, kinds) and n > limit:
                        found.append((n, f"{module}:{name[1:]}"))
                    todo.append((child, name))
    return sorted(found, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--classes", action="store_true", help="list classes too")
    args = parser.parse_args()
    for n, name in long_nodes(ROOT, limit=args.limit, classes=args.classes):
        print(f"{n:5d}  {name}")


if __name__ == "__main__":
    main()
