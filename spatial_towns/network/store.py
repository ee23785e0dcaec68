"""Prepared graphs kept on disk beside their road file (``<file>.prepared.npz``, through
:func:`spatial_towns.util.cache.cached`), and the one way in from a path, a graph or arrays."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import pyproj
import scipy.sparse as sp

from .. import errors
from ..util import cache as _cache
from . import graph

_CACHE_VERSION = 4


def cache_path(path: str | os.PathLike) -> Path:
    """Where :func:`prepare_cached` keeps the arrays of ``path``: ``<path>.prepared.npz``."""
    p = Path(path)
    return p.with_name(p.name + ".prepared.npz")


def _cache_key(path: Path, crs: pyproj.CRS) -> dict[str, np.ndarray]:
    st = path.stat()
    return {"version": np.array(_CACHE_VERSION), "src_size": np.array(st.st_size),
            "src_mtime_ns": np.array(st.st_mtime_ns), "crs_wkt": np.array(crs.to_wkt())}


def prepare_cached(path: str | os.PathLike, crs: pyproj.CRS) -> graph.PreparedGraph:
    """:func:`prepare_file` the road file ``path`` in metric ``crs``, reusing a cache on disk.

    The arrays are stored in ``<path>.prepared.npz`` with the file's size and modification
    time and the CRS (as WKT); a cache whose key differs is rebuilt. If the cache cannot be
    written (read-only folder), the graph is still returned.

    Parameters
    ----------
    path : str or os.PathLike
        osmnx GraphML, OSM PBF or OSM XML file (see :func:`prepare_file`).
    crs : pyproj.CRS
        Metric CRS of the node coordinates.

    Returns
    -------
    graph.PreparedGraph
    """
    path = Path(path)
    crs = pyproj.CRS.from_user_input(crs)
    if not path.exists():
        raise errors.InputDataError(f"road network file not found: {path}")
    key = _cache_key(path, crs)

    def read(cp: Path) -> graph.PreparedGraph:
        try:
            with np.load(cp, allow_pickle=False) as z:
                if not all(k in z.files and np.array_equal(z[k], v) for k, v in key.items()):
                    raise ValueError(f"{cp}: made from another file, CRS or cache version")
                n = len(z["node_ids"])
                csr = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(n, n))
                return graph.PreparedGraph(node_ids=z["node_ids"], xy=z["xy"], crs=crs, csr=csr,
                                     expressway_access=z["expressway_access"],
                                     major_edges=z["major_edges"])
        except (KeyError, zipfile.BadZipFile) as exc:  # not an npz of ours: rebuilt
            raise ValueError(f"{cp}: {exc}") from None

    def write(g: graph.PreparedGraph, tmp: Path) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.savez adds no suffix
            np.savez(fh, node_ids=g.node_ids, xy=g.xy, data=g.csr.data,
                     indices=g.csr.indices, indptr=g.csr.indptr,
                     expressway_access=g.expressway_access, major_edges=g.major_edges,
                     **key)  # type: ignore[arg-type]  # the cache key arrays

    # The file lies beside the road file, outside the cache folder that prune() tidies: a hit
    # leaves its modification time alone.
    return _cache.cached(cache_path(path), lambda: graph.prepare_file(path, crs), read, write,
                         touch=False)


def as_prepared(roads, crs: pyproj.CRS) -> graph.PreparedGraph:
    """A :class:`PreparedGraph` in ``crs`` from a road file path (cached, see
    :func:`prepare_cached`), an osmnx ``MultiDiGraph``, or an already prepared graph."""
    if isinstance(roads, graph.PreparedGraph):
        if not pyproj.CRS.from_user_input(crs).equals(roads.crs):
            raise errors.CRSError(
                f"the prepared road graph is in {roads.crs.name}, the run measures in "
                f"{pyproj.CRS.from_user_input(crs).name}; prepare it in the run's CRS"
            )
        return roads
    if isinstance(roads, (str, os.PathLike)):
        return prepare_cached(roads, crs)
    return graph.prepare(roads, crs)
