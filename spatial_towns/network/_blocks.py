"""Blocks of sources for bounded Dijkstra searches: sources grouped by square cells, each group
with the subgraph induced by the nodes its searches can reach (see :func:`.bounded.bounded_times`)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .graph import PreparedGraph


def _induced(csr: sp.csr_matrix, sub: np.ndarray, local: np.ndarray) -> sp.csr_matrix:
    """Subgraph of ``csr`` induced by sorted node indices ``sub``.

    ``local`` is a scratch array of length n filled with -1; it is restored before returning.
    Slicing by hand avoids SciPy's generic fancy indexing, which dominates otherwise.
    """
    starts, ends = csr.indptr[sub], csr.indptr[sub + 1]
    counts = ends - starts
    offsets = np.repeat(starts - np.r_[0, np.cumsum(counts)[:-1]], counts)
    pos = offsets + np.arange(counts.sum())
    local[sub] = np.arange(len(sub))
    cols = local[csr.indices[pos]]
    local[sub] = -1
    keep = cols >= 0
    row_of = np.repeat(np.arange(len(sub)), counts)[keep]
    indptr = np.r_[0, np.cumsum(np.bincount(row_of, minlength=len(sub)))]
    return sp.csr_matrix((csr.data[pos][keep], cols[keep], indptr), shape=(len(sub), len(sub)))


def search_blocks(graph: PreparedGraph, sources: np.ndarray, limit_s: float, *,
                  speed_mps: float, block_cells: int, cell_frac: float = 1.0):
    """Blocks of sources and the subgraph holding every path of at most ``limit_s`` seconds
    from them (see :func:`.bounded.bounded_times`).

    ``speed_mps`` is the graph's :func:`.bounded.max_speed_mps`: no path of ``limit_s``
    seconds leaves the disc of radius ``limit_s * speed_mps`` metres around its source.

    Yields ``(positions into sources, sub, csr, local source indices)``: ``sub`` holds the
    subgraph's node indices (``None`` when it is the whole graph) and each block's distance
    matrix (sources x subgraph nodes) has at most ``block_cells`` cells.
    """
    cells = block_cells
    sources = np.asarray(sources, dtype=np.int64)
    if sources.size == 0:
        return
    if limit_s < 0 or not np.isfinite(limit_s):
        raise ValueError(f"limit_s must be finite and >= 0, got {limit_s}")
    # Slack for rounding in the distance / speed comparison; it only adds nodes.
    radius = limit_s * speed_mps * (1 + 1e-9) + 1e-6
    xy = graph.xy
    n = graph.n_nodes
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    if radius * 2 >= (hi - lo).max():
        # The disc covers (nearly) the whole graph: plain bounded Dijkstra in row blocks.
        step = max(1, cells // max(n, 1))
        for s in range(0, sources.size, step):
            pos = np.arange(s, min(s + step, sources.size))
            yield pos, None, graph.csr, sources[pos]
        return
    # Bin nodes and sources into square cells of side ``cell_frac * radius``. The sources of
    # one cell form a group; its subgraph is every node in the cells within ``radius`` of
    # that cell: a square holding the discs of all its sources (slightly more than their
    # union, which is cheaper to take than an exact disc test). Small cells give small
    # subgraphs but more groups.
    # At most ~1000 x 1000 cells: a tiny radius must not ask for a huge cell table.
    side = max(cell_frac * radius, float((hi - lo).max()) / 1000.0, 1e-9)
    reach = int(np.ceil(radius / side))
    ncell = np.floor((hi - lo) / side).astype(np.int64) + 1
    node_cell = np.minimum(np.floor((xy - lo) / side).astype(np.int64), ncell - 1)
    node_key = node_cell[:, 0] * ncell[1] + node_cell[:, 1]
    by_cell = np.argsort(node_key, kind="stable")
    # Start of each cell's run in ``by_cell`` (cells in x-major order, so a column of cells
    # is one contiguous run).
    starts = np.searchsorted(node_key[by_cell], np.arange(ncell[0] * ncell[1] + 1))
    src_cell = node_cell[sources]
    key = node_key[sources]
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1], True])
    local = np.full(n, -1, dtype=np.int64)
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        group = order[a:b]
        cx, cy = src_cell[group[0]]
        y0, y1 = max(cy - reach, 0), min(cy + reach, ncell[1] - 1)
        runs = [by_cell[starts[i * ncell[1] + y0]:starts[i * ncell[1] + y1 + 1]]
                for i in range(max(cx - reach, 0), min(cx + reach, ncell[0] - 1) + 1)]
        sub = np.concatenate(runs)
        csr = _induced(graph.csr, sub, local)
        local[sub] = np.arange(len(sub))
        src_local = local[sources[group]]
        local[sub] = -1
        step = max(1, cells // max(len(sub), 1))
        for s in range(0, len(group), step):
            yield group[s:s + step], sub, csr, src_local[s:s + step]
