"""Betweenness of road nodes on the fastest routes between places (towns and seats)."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csgraph

from . import _blocks
from .bounded import BLOCK_CELLS, max_speed_mps
from .graph import PreparedGraph


def route_betweenness(graph: PreparedGraph, places: np.ndarray, limit_s: float | None = None,
                      max_sources: int | None = None, seed: int = 0
                      ) -> tuple[np.ndarray, dict]:
    """Betweenness of road nodes on the fastest routes between places (towns and seats).

    For every source place ``s`` a SciPy Dijkstra (``scipy.sparse.csgraph.dijkstra`` with
    predecessors, on travel times, one-way roads respected) gives the fastest-route tree;
    a node's count is the number of ordered place pairs ``(s, t)``, ``s != t``, whose route
    passes through it (``s`` and ``t`` themselves excluded), i.e. subset betweenness
    ``Σ_{s ∈ S, t ∈ T} σ_st(v) / σ_st`` with ``S = T =`` the places (networkx's
    ``betweenness_centrality_subset``), taking one route per pair where several are exactly
    equally fast. Places snapped to the same node count once each.

    Parameters
    ----------
    graph : PreparedGraph
        Road graph; times in seconds.
    places : numpy.ndarray
        Node index of each place (into ``graph.node_ids``), e.g. from :func:`snap`.
    limit_s : float, optional
        Only pairs at most this many seconds apart count (the searches are bounded by it,
        on the subgraph that can hold such routes); ``None``: every connected pair.
    max_sources : int, optional
        With more distinct source nodes than this, a seeded uniform sample of that many is
        used and the counts scaled by ``n_sources / max_sources`` (Brandes & Pich 2007
        source sampling; targets stay all places); ``None``: every place is a source.
    seed : int
        Seed of :func:`numpy.random.default_rng` for the sample.

    Returns
    -------
    tuple
        ``(counts, info)``: counts per node (length ``graph.n_nodes``; float when sampled)
        and a dict with ``sources`` (used), ``places`` (distinct nodes), ``sampled``,
        ``limit_s`` and ``seed``.
    """
    nodes = np.asarray(places, dtype=np.int64)
    uniq, mult = np.unique(nodes, return_counts=True)
    n = graph.n_nodes
    weight = np.zeros(n)
    weight[uniq] = mult
    src, src_w = uniq, mult.astype(float)
    sampled = max_sources is not None and uniq.size > max_sources
    if max_sources is not None and sampled:
        pick = np.sort(np.random.default_rng(seed).choice(uniq.size, size=max_sources,
                                                          replace=False))
        src, src_w = uniq[pick], mult[pick] * (uniq.size / max_sources)
    lim = float("inf") if limit_s is None else float(limit_s)
    bounded = bool(np.isfinite(lim))
    counts = np.zeros(n)
    # Smaller blocks than the plain searches': a block holds several arrays of its size.
    cells = BLOCK_CELLS // 4
    blocks = (_blocks.search_blocks(graph, src, lim, speed_mps=max_speed_mps(graph),
                                    block_cells=cells) if bounded else
              ((pos, None, graph.csr, src[pos]) for pos in np.array_split(
                  np.arange(src.size), max(1, -(-src.size * n // cells)))))
    for pos, sub, csr, src_local in blocks:
        if len(pos) == 0:
            continue
        search = np.nextafter(lim, np.inf) * (1 + 1e-12) if bounded else np.inf
        dist, pred = csgraph.dijkstra(csr, directed=True, indices=src_local,
                                      return_predecessors=True, limit=search)
        w_local = weight if sub is None else weight[sub]
        through = _tree_through_counts(np.isfinite(dist) & (dist <= lim), pred, w_local) * src_w[pos][:, None]
        if sub is None:
            counts += through.sum(axis=0)
        else:
            counts[sub] += through.sum(axis=0)
    info = {"sources": int(src.size), "places": int(uniq.size), "sampled": bool(sampled),
            "limit_s": lim if bounded else None, "seed": seed}
    return counts, info


def _tree_through_counts(reached: np.ndarray, pred: np.ndarray, weight: np.ndarray
                         ) -> np.ndarray:
    """Per source row: for each node, the weight of the targets strictly below it in that
    row's shortest-path tree (``pred``: SciPy predecessors, -9999 at roots and unreached
    nodes), i.e. the number of routes from the row's source through the node.

    Subtree sums are accumulated level by level (deepest first) over all rows at once; the
    depths come from pointer jumping (log₂ of the tree height passes).
    """
    b, m = pred.shape
    has_parent = (pred >= 0) & reached
    parent = np.where(has_parent, pred + (np.arange(b, dtype=np.int64) * m)[:, None], -1).ravel()
    below = np.where(reached, weight[None, :], 0.0).ravel()
    # Source node itself is not a target of its own routes.
    roots = reached & (pred < 0)
    below[roots.ravel()] = 0.0
    own = below.copy()
    live = np.flatnonzero(parent >= 0)
    # Depth by pointer jumping: hop[v] hops from v up to anc[v].
    anc = parent.copy()
    hop = (parent >= 0).astype(np.int64)
    act = live
    while act.size:
        a = anc[act]
        hop[act] += hop[a]
        anc[act] = anc[a]
        act = act[anc[act] >= 0]
    order = live[np.argsort(-hop[live], kind="stable")]
    d = hop[order]
    cuts = np.flatnonzero(np.diff(d)) + 1
    for level in np.split(order, cuts):
        np.add.at(below, parent[level], below[level])
    out = below - own
    out[roots.ravel()] = 0.0  # routes start at the source, they do not pass through it
    return out.reshape(b, m)
