"""Road-network travel times on compact arrays.

The osmnx graph is converted once to a SciPy CSR matrix of edge travel times (seconds); town
criteria then come from multi-source Dijkstra runs over all nodes at once
(``scipy.sparse.csgraph.dijkstra(..., min_only=True)``), never from a per-town Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from . import errors

# Default free-flow speeds (km/h) by OSM highway class when ``maxspeed`` is missing, after
# China's design speeds (JTG B01-2014): expressway 100-120, class-I highway 80-100, class-II
# 60-80, class-III 30-40; urban and minor classes lower. Used by osmnx.add_edge_speeds.
CHINA_HWY_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "road": 30.0,
    "track": 15.0,
}


@dataclass
class PreparedGraph:
    """A road graph as arrays.

    Attributes
    ----------
    node_ids : numpy.ndarray
        osmnx node ids in CSR order.
    xy : numpy.ndarray
        (n, 2) node coordinates in ``crs`` (metres).
    crs : pyproj.CRS
        The metric CRS of ``xy``.
    csr : scipy.sparse.csr_matrix
        Edge travel times in seconds (the fastest of parallel edges).
    """

    node_ids: np.ndarray
    xy: np.ndarray
    crs: pyproj.CRS
    csr: sp.csr_matrix
    _tree: cKDTree | None = None
    _csr_t: sp.csr_matrix | None = None

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def tree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(self.xy)
        return self._tree

    @property
    def reverse(self) -> sp.csr_matrix:
        """Transposed graph: Dijkstra on it from targets gives time *to* the targets."""
        if self._csr_t is None:
            self._csr_t = self.csr.T.tocsr()
        return self._csr_t


def prepare(G, crs: pyproj.CRS) -> PreparedGraph:
    """Convert an osmnx graph to a :class:`PreparedGraph` in metric ``crs``.

    Edges without ``travel_time`` get one from osmnx's ``add_edge_speeds`` (with
    :data:`CHINA_HWY_SPEEDS_KMH` for missing maxspeed) and ``add_edge_travel_times``.
    """
    import osmnx as ox

    if G.number_of_nodes() == 0:
        raise errors.InputDataError("the road graph is empty")
    if any("travel_time" not in d for _, _, d in G.edges(data=True)):
        G = ox.routing.add_edge_speeds(G, hwy_speeds=CHINA_HWY_SPEEDS_KMH)
        G = ox.routing.add_edge_travel_times(G)
    node_ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    index = {n: i for i, n in enumerate(node_ids)}
    x = np.array([G.nodes[n]["x"] for n in node_ids], dtype=float)
    y = np.array([G.nodes[n]["y"] for n in node_ids], dtype=float)
    to_metric = pyproj.Transformer.from_crs(G.graph["crs"], crs, always_xy=True)
    mx, my = to_metric.transform(x, y)
    rows, cols, secs = [], [], []
    for u, v, d in G.edges(data=True):
        rows.append(index[u])
        cols.append(index[v])
        secs.append(float(d["travel_time"]))
    secs_arr = np.asarray(secs)
    if (secs_arr < 0).any() or not np.isfinite(secs_arr).all():
        raise errors.InputDataError("the road graph has negative or non-finite travel times")
    # Zero-time edges would vanish from a sparse matrix; a millisecond keeps them.
    secs_arr = np.maximum(secs_arr, 1e-3)
    order = np.lexsort((-secs_arr, cols, rows))
    r, c, s = np.asarray(rows)[order], np.asarray(cols)[order], secs_arr[order]
    # Keep the fastest of parallel edges: after sorting by (row, col, -time) the last wins.
    key = r * len(node_ids) + c
    last = np.r_[key[1:] != key[:-1], True]
    n = len(node_ids)
    csr = sp.csr_matrix((s[last], (r[last], c[last])), shape=(n, n))
    return PreparedGraph(node_ids=node_ids, xy=np.column_stack([mx, my]), crs=crs, csr=csr)


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


def component_labels(graph: PreparedGraph) -> np.ndarray:
    """Weakly connected component label of each node (0 = the largest)."""
    _, labels = csgraph.connected_components(graph.csr, directed=True, connection="weak")
    counts = np.bincount(labels)
    rank = np.empty_like(counts)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
    return rank[labels]
