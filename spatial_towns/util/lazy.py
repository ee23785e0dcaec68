"""Lazy doors: a package's public names resolved on first use (PEP 562).

A family's ``__init__.py`` lists where each public name lives; nothing is imported until a name
is used, so importing a door costs nothing and the heavy libraries of one family (folium,
matplotlib, scikit-learn, dask, ipywidgets) stay out of a program that never uses it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def attach(package: str, names: dict[str, str]
           ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` of a lazy door.

    Parameters
    ----------
    package : str
        The door's ``__name__``.
    names : dict
        Public name -> where it lives, relative to ``package``: ``".io"`` (a module) or
        ``".io:read_towns"`` (a name in a module).
    """

    def __getattr__(name: str) -> Any:
        try:
            where = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        module_name, _, attr = where.partition(":")
        value = importlib.import_module(module_name, package)
        if attr:
            value = getattr(value, attr)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__, sorted(names)
