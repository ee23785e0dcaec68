"""Plumbing shared by every family: the on-disk cache, files and folders replaced in one step,
forked workers, geometry helpers, lazy doors, reproducible Office packages.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from .lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "atomic": ".atomic",
    "atomicdir": ".atomicdir",
    "cache": ".cache",
    "forked": ".forked",
    "geometry": ".geometry",
    "lazy": ".lazy",
    "officezip": ".officezip",
    "Forked": ".forked:Forked",
})
