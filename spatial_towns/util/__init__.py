"""Plumbing shared by every family: the on-disk cache, forked workers, geometry helpers, lazy doors,
folders replaced in one step, reproducible Office packages.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from .lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "atomicdir": ".atomicdir",
    "cache": ".cache",
    "forked": ".forked",
    "geometry": ".geometry",
    "lazy": ".lazy",
    "officezip": ".officezip",
    "Forked": ".forked:Forked",
})
