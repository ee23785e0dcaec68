"""The road graph as arrays: a :class:`PreparedGraph` built from an osmnx graph, flat edge
arrays, a road file or a major-road skeleton, and where its expressway access nodes are.

The osmnx graph is converted once to a SciPy CSR matrix of edge travel times (seconds); town
criteria then come from multi-source Dijkstra runs over all nodes at once
(``scipy.sparse.csgraph.dijkstra(..., min_only=True)``, :mod:`.routing`, :mod:`.bounded`),
never from a per-town Python loop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.spatial import cKDTree

from .. import errors
from . import _roadfiles

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
    expressway_access : numpy.ndarray
        Node indices where a car can get on or off an expressway (see
        :func:`expressway_access_nodes`); empty when the graph has no motorway.
    major_edges : numpy.ndarray
        (m, 2) node index pairs of the motorway, trunk and primary edges (each road once,
        whatever its directions), for drawing the main roads on a map.
    """

    node_ids: np.ndarray
    xy: np.ndarray
    crs: pyproj.CRS
    csr: sp.csr_matrix
    expressway_access: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    major_edges: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))
    #: A major-road skeleton without local roads (see :func:`skeleton_graph`): travel-time
    #: criteria then add an access leg at both ends and keep the straight-line estimate where
    #: it is shorter (``criteria``).
    skeleton: bool = False
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
    Road files are better read by :func:`prepare_file`, which never builds the networkx graph.
    """
    import osmnx as ox

    if G.number_of_nodes() == 0:
        raise errors.InputDataError("the road graph is empty")
    if any("travel_time" not in d for _, _, d in G.edges(data=True)):
        G = ox.routing.add_edge_speeds(G, hwy_speeds=CHINA_HWY_SPEEDS_KMH)
        G = ox.routing.add_edge_travel_times(G)
    node_ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    index = {n: i for i, n in enumerate(node_ids)}
    m = G.number_of_edges()
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    secs = np.empty(m)
    mw = np.empty(m, dtype=bool)
    major = np.empty(m, dtype=bool)
    for i, (a, b, d) in enumerate(G.edges(data=True)):
        u[i], v[i], secs[i] = index[a], index[b], float(d["travel_time"])
        cl = _classes(d)
        mw[i], major[i] = bool(cl & _MOTORWAY), bool(cl & MAJOR_CLASSES)
    arrays = _roadfiles.RoadArrays(
        node_ids=node_ids,
        x=np.array([G.nodes[n]["x"] for n in node_ids], dtype=float),
        y=np.array([G.nodes[n]["y"] for n in node_ids], dtype=float),
        src_crs=G.graph["crs"], u=u, v=v, travel_time=secs, motorway=mw, major=major,
        junction=np.array([G.nodes[n].get("highway") == "motorway_junction" for n in node_ids],
                          dtype=bool))
    return from_arrays(arrays, crs)


def from_arrays(arrays: _roadfiles.RoadArrays, crs: pyproj.CRS) -> PreparedGraph:
    """A :class:`PreparedGraph` in metric ``crs`` from flat edge arrays (see
    :mod:`spatial_towns._roadfiles`): parallel edges keep the fastest, expressway access
    nodes and main-road pairs are derived from the edge class flags."""
    node_ids = np.asarray(arrays.node_ids, dtype=np.int64)
    n = len(node_ids)
    if n == 0:
        raise errors.InputDataError("the road graph is empty")
    to_metric = pyproj.Transformer.from_crs(arrays.src_crs, crs, always_xy=True)
    mx, my = to_metric.transform(np.asarray(arrays.x, dtype=float),
                                 np.asarray(arrays.y, dtype=float))
    secs_arr = np.asarray(arrays.travel_time, dtype=float)
    if (secs_arr < 0).any() or not np.isfinite(secs_arr).all():
        raise errors.InputDataError("the road graph has negative or non-finite travel times")
    # Zero-time edges would vanish from a sparse matrix; a millisecond keeps them.
    secs_arr = np.maximum(secs_arr, 1e-3)
    rows, cols = np.asarray(arrays.u, dtype=np.int64), np.asarray(arrays.v, dtype=np.int64)
    order = np.lexsort((-secs_arr, cols, rows))
    r, c, s = rows[order], cols[order], secs_arr[order]
    # Keep the fastest of parallel edges: after sorting by (row, col, -time) the last wins.
    key = r * n + c
    last = np.r_[key[1:] != key[:-1], True]
    csr = sp.csr_matrix((s[last], (r[last], c[last])), shape=(n, n))
    access = _access_nodes(n, rows, cols, np.asarray(arrays.motorway, dtype=bool),
                           np.asarray(arrays.junction, dtype=bool))
    maj = np.asarray(arrays.major, dtype=bool)
    pairs = np.sort(np.column_stack([rows[maj], cols[maj]]), axis=1)
    major_arr = (np.unique(pairs, axis=0) if len(pairs) else pairs).astype(np.int64).reshape(-1, 2)
    return PreparedGraph(node_ids=node_ids, xy=np.column_stack([mx, my]), crs=crs, csr=csr,
                         expressway_access=access, major_edges=major_arr)


def _access_nodes(n: int, u: np.ndarray, v: np.ndarray, motorway: np.ndarray,
                  junction: np.ndarray) -> np.ndarray:
    """Sorted indices of the nodes of :func:`expressway_access_nodes`, from edge arrays."""
    ends = np.r_[u, v]
    is_mw = np.r_[motorway, motorway]
    has_mw = np.bincount(ends[is_mw], minlength=n) > 0
    has_other = np.bincount(ends[~is_mw], minlength=n) > 0
    return np.flatnonzero(has_mw & (has_other | junction)).astype(np.int64)


def prepare_file(path: str | os.PathLike, crs: pyproj.CRS) -> PreparedGraph:
    """Read a road file straight to a :class:`PreparedGraph` in metric ``crs`` (no cache).

    osmnx GraphML and OSM PBF are streamed (:mod:`spatial_towns._roadfiles`; no networkx
    graph: a fraction of the time and memory of ``io.read_roads`` + :func:`prepare`); OSM XML
    goes through :func:`spatial_towns.io.read_roads`.
    """
    from ..data import io

    path = Path(path)
    if not path.exists():
        raise errors.InputDataError(f"road network file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in (".graphml", ".pbf"):
        return prepare(io.read_roads(path), crs)
    try:
        reader = _roadfiles.read_graphml if suffix == ".graphml" else _roadfiles.read_pbf
        arrays = reader(path, CHINA_HWY_SPEEDS_KMH)
    except errors.SpatialTownsError as exc:
        msg = str(exc)
        raise type(exc)(msg if msg.startswith(str(path)) else f"{path}: {msg}") from None
    if len(arrays.u) == 0:
        raise errors.InputDataError(f"{path}: the road network has no nodes or no edges")
    try:
        return from_arrays(arrays, crs)
    except errors.SpatialTownsError as exc:
        raise type(exc)(f"{path}: {exc}") from None


def skeleton_graph(edges, speed_kmh: float, crs: pyproj.CRS) -> PreparedGraph:
    """A :class:`PreparedGraph` of an undirected major-road skeleton at one uniform speed.

    Parameters
    ----------
    edges : pandas.DataFrame
        One row per road: ``u``, ``v`` (node ids), ``length_km`` and the end points
        ``u_lon``, ``u_lat``, ``v_lon``, ``v_lat`` (WGS84), e.g.
        :func:`spatial_towns.datasets.jilin_highways`.
    speed_kmh : float
        Uniform driving speed on every edge (the skeleton has no road class).
    crs : pyproj.CRS
        Metric CRS of the node coordinates.

    Returns
    -------
    PreparedGraph
        Both directions of every edge; an edge is never shorter than the great circle
        between its ends (the longer of the two is used, so no route beats the straight
        line at ``speed_kmh``); every edge is a main road on maps; ``skeleton`` is set.
    """
    if not speed_kmh > 0:
        raise errors.ConfigError(f"the skeleton's network speed must be > 0 km/h, got {speed_kmh}")
    u_id, v_id = edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64)
    node_ids, inv = np.unique(np.r_[u_id, v_id], return_inverse=True)
    lon = np.r_[edges["u_lon"].to_numpy(float), edges["v_lon"].to_numpy(float)]
    lat = np.r_[edges["u_lat"].to_numpy(float), edges["v_lat"].to_numpy(float)]
    x, y = np.empty(len(node_ids)), np.empty(len(node_ids))
    x[inv], y[inv] = lon, lat
    m = len(edges)
    u, v = inv[:m], inv[m:]
    straight = _roadfiles.haversine_m(x[u], y[u], x[v], y[v])
    length_m = np.maximum(edges["length_km"].to_numpy(float) * 1000.0, straight)
    secs = _roadfiles.travel_time_s(length_m, np.full(m, float(speed_kmh)))
    arrays = _roadfiles.RoadArrays(
        node_ids=node_ids, x=x, y=y, src_crs="EPSG:4326", u=np.r_[u, v], v=np.r_[v, u],
        travel_time=np.r_[secs, secs], motorway=np.zeros(2 * m, dtype=bool),
        major=np.ones(2 * m, dtype=bool), junction=np.zeros(len(node_ids), dtype=bool))
    g = from_arrays(arrays, crs)
    g.skeleton = True
    return g


#: Road classes drawn as the main road network on maps.
MAJOR_CLASSES = set(_roadfiles.MAJOR_CLASSES)


def _classes(d: dict) -> set:
    hw = d.get("highway", "")
    # osmnx simplification may merge ways into a list of classes.
    return set(hw) if isinstance(hw, list) else {hw}


_MOTORWAY = set(_roadfiles.MOTORWAY_CLASSES)


def expressway_access_nodes(G) -> list:
    """Nodes of ``G`` where one can enter or leave an expressway (高速公路出入口).

    A node counts if OSM tags it ``highway=motorway_junction`` (an exit), or if it joins a
    motorway / motorway_link edge to any other road class (the local end of a ramp, or a
    motorway ending on a trunk road). Bridges over a motorway share no node with it, so they
    do not count.
    """
    classes: dict = {}
    for u, v, d in G.edges(data=True):
        is_mw = bool(_classes(d) & _MOTORWAY)
        for node in (u, v):
            classes.setdefault(node, set()).add(is_mw)
    return sorted(n for n, kinds in classes.items()
                  if len(kinds) == 2 or (G.nodes[n].get("highway") == "motorway_junction"
                                         and True in kinds))
