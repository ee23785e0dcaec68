"""Bounded searches: travel times from many sources to every node within a time limit, each
block of sources searched on the subgraph that can hold such paths (:mod:`._blocks`)."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csgraph

from . import _blocks
from .graph import PreparedGraph

#: Target number of (source x local node) distance cells per Dijkstra block (float64: 8 bytes
#: each, so 4e6 cells is a 32 MB block). Bounds the memory of the bounded searches.
BLOCK_CELLS = 4_000_000


def max_speed_mps(graph: PreparedGraph) -> float:
    """Largest straight-line speed of any edge: max over edges of ``|xy_v - xy_u| / t_uv``.

    Every path from ``a`` to ``b`` takes at least ``|xy_b - xy_a| / max_speed_mps`` seconds
    (triangle inequality), so a search bounded by ``T`` seconds never leaves the disc of
    radius ``T * max_speed_mps`` metres around its source. The bound is read off the graph
    itself, so it holds for any data, even edges with odd speeds; such edges only make the
    disc larger (slower), never the result wrong.

    Returns
    -------
    float
        Metres per second in ``graph.crs``; 0 for a graph without edges.
    """
    csr = graph.csr
    if csr.nnz == 0:
        return 0.0
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    d = np.hypot(*(graph.xy[rows] - graph.xy[csr.indices]).T)
    return float(np.max(d / csr.data))


def _pairs(d: np.ndarray, rows: np.ndarray, cols: np.ndarray | None,
           limit_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse (row, col, time) of a dense time block, keeping times <= ``limit_s``."""
    flat = np.flatnonzero(d <= limit_s)
    r, c = np.divmod(flat, d.shape[1])
    return rows[r], (c if cols is None else cols[c]), d.ravel()[flat]


def bounded_times(graph: PreparedGraph, sources: np.ndarray, limit_s: float,
                  cell_frac: float = 1.0):
    """Travel times (s) from each source to every node reachable within ``limit_s``.

    Sources are grouped spatially; each group runs one SciPy Dijkstra with ``limit=`` on the
    subgraph induced by the nodes within ``limit_s * max_speed_mps`` metres of the group's
    sources (see :func:`max_speed_mps`), which contains every path of at most ``limit_s``
    seconds. This avoids SciPy's O(n_nodes) set-up per source, which dominates bounded
    searches on a province-scale graph.

    Parameters
    ----------
    graph : PreparedGraph
        Graph with node xy in metres (``graph.crs``).
    sources : numpy.ndarray
        Node indices (into ``graph.node_ids``) to search from.
    limit_s : float
        Time bound in seconds; times above it are reported as ``inf``.
    cell_frac : float
        Side of the square cells grouping the sources, as a fraction of the search radius
        (a tuning knob; results do not depend on it).

    Yields
    ------
    tuple of numpy.ndarray
        ``(source, node, time)``, equal-length arrays, one entry per pair reached within
        ``limit_s``: position into ``sources``, node index (into ``graph.node_ids``) and time
        in seconds. A source appears in one block only; pairs not listed are farther than
        ``limit_s`` or unreachable.
    """
    search_limit = np.nextafter(limit_s, np.inf) * (1 + 1e-12) if np.isfinite(limit_s) else 0
    blocks = _blocks.search_blocks(graph, sources, limit_s, speed_mps=max_speed_mps(graph),
                                   block_cells=BLOCK_CELLS, cell_frac=cell_frac)
    for pos, sub, csr, src_local in blocks:
        d = csgraph.dijkstra(csr, directed=True, indices=src_local, limit=search_limit)
        yield _pairs(d, pos, sub, limit_s)
