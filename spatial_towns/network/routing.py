"""Travel times over the whole graph: points snapped to nodes, times to the nearest target or
to each target (multi-source Dijkstra on the reversed graph), connected components."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from .graph import PreparedGraph


def snap(graph: PreparedGraph, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest graph node of each point (metric ``xy`` in ``graph.crs``).

    Returns (node index into ``graph.node_ids``, snap distance in metres).
    """
    dist, idx = graph.tree.query(xy)
    return idx.astype(np.int64), dist


def time_to_nearest(graph: PreparedGraph, target_nodes: np.ndarray) -> np.ndarray:
    """Travel time (s) from every node to the nearest of ``target_nodes``; inf if unreachable."""
    targets = np.unique(np.asarray(target_nodes, dtype=np.int64))
    if targets.size == 0:
        return np.full(graph.n_nodes, np.inf)
    return csgraph.dijkstra(graph.reverse, directed=True, indices=targets, min_only=True)


def time_to_nearest_from(graph: PreparedGraph, target_nodes: np.ndarray,
                         offsets_s: np.ndarray) -> np.ndarray:
    """Travel time (s) from every node to the nearest target, each target reached at its
    node plus its own extra time ``offsets_s`` (e.g. the leg from the node to the place).

    One Dijkstra on the reversed graph from a virtual node joined to every target node by an
    edge of that target's offset (the smallest where targets share a node).
    """
    targets = np.asarray(target_nodes, dtype=np.int64)
    off = np.asarray(offsets_s, dtype=float)
    if targets.size == 0:
        return np.full(graph.n_nodes, np.inf)
    n = graph.n_nodes
    order = np.lexsort((off, targets))
    first = np.r_[True, targets[order][1:] != targets[order][:-1]]
    t, o = targets[order][first], np.maximum(off[order][first], 1e-3)
    rev = graph.reverse.tocoo()
    aug = sp.csr_matrix((np.r_[rev.data, o], (np.r_[rev.row, np.full(len(t), n)],
                                               np.r_[rev.col, t])), shape=(n + 1, n + 1))
    return csgraph.dijkstra(aug, directed=True, indices=n)[:n]


def time_to_each(graph: PreparedGraph, target_nodes: np.ndarray) -> np.ndarray:
    """Travel time (s) from every node to each of ``target_nodes``: an array of shape
    (len(target_nodes), n_nodes), rows in the order given; inf where unreachable."""
    targets = np.asarray(target_nodes, dtype=np.int64)
    if targets.size == 0:
        return np.empty((0, graph.n_nodes))
    return np.atleast_2d(csgraph.dijkstra(graph.reverse, directed=True, indices=targets))


def component_labels(graph: PreparedGraph) -> np.ndarray:
    """Weakly connected component label of each node (0 = the largest)."""
    _, labels = csgraph.connected_components(graph.csr, directed=True, connection="weak")
    counts = np.bincount(labels)
    rank = np.empty_like(counts)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
    return rank[labels]
