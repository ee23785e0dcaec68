"""Road-network travel times on compact arrays.

The osmnx graph is converted once to a SciPy CSR matrix of edge travel times (seconds); town
criteria then come from multi-source Dijkstra runs over all nodes at once
(``scipy.sparse.csgraph.dijkstra(..., min_only=True)``), never from a per-town Python loop.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from .. import errors
from ..util import cache as _cache
from ..util.atomic import atomic_write
from . import _roadfiles

if TYPE_CHECKING:
    import geopandas as gpd

if TYPE_CHECKING:
    import geopandas as gpd

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


# ---------------------------------------------------------------------------------------------
# Bounded accessibility: population and gravity access of many towns at once.
# ---------------------------------------------------------------------------------------------

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
    for pos, sub, csr, src_local in _search_blocks(graph, sources, limit_s, cell_frac):
        d = csgraph.dijkstra(csr, directed=True, indices=src_local, limit=search_limit)
        yield _pairs(d, pos, sub, limit_s)


def _search_blocks(graph: PreparedGraph, sources: np.ndarray, limit_s: float,
                   cell_frac: float = 1.0, block_cells: int | None = None):
    """Blocks of sources and the subgraph holding every path of at most ``limit_s`` seconds
    from them (see :func:`bounded_times`).

    Yields ``(positions into sources, sub, csr, local source indices)``: ``sub`` holds the
    subgraph's node indices (``None`` when it is the whole graph) and each block's distance
    matrix (sources x subgraph nodes) has at most ``block_cells`` (default
    :data:`BLOCK_CELLS`) cells.
    """
    cells = block_cells or BLOCK_CELLS
    sources = np.asarray(sources, dtype=np.int64)
    if sources.size == 0:
        return
    if limit_s < 0 or not np.isfinite(limit_s):
        raise ValueError(f"limit_s must be finite and >= 0, got {limit_s}")
    # Slack for rounding in the distance / speed comparison; it only adds nodes.
    radius = limit_s * max_speed_mps(graph) * (1 + 1e-9) + 1e-6
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
    blocks = (_search_blocks(graph, src, lim, block_cells=cells) if bounded else
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


def _check_pop(graph: PreparedGraph, node_pop: np.ndarray) -> np.ndarray:
    pop = np.asarray(node_pop, dtype=float)
    if pop.shape != (graph.n_nodes,):
        raise errors.InputDataError(
            f"node_pop has shape {pop.shape}; expected ({graph.n_nodes},), one value per node"
        )
    if not np.isfinite(pop).all():
        raise errors.InputDataError("node_pop has NaN or infinite values")
    return pop


def accessibility(graph: PreparedGraph, town_nodes: np.ndarray, node_pop: np.ndarray,
                  thresholds_min: tuple[float, ...] = (30.0,), beta_per_min: float = 0.05,
                  limit_min: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """Population within road-time thresholds and gravity access, from one set of searches.

    Same results as :func:`population_within_time` and :func:`gravity_access` called
    separately, but the bounded searches run once, to the largest of the bounds.

    Parameters
    ----------
    graph : PreparedGraph
        Road graph; times in seconds.
    town_nodes : numpy.ndarray
        Node index (into ``graph.node_ids``) of each town, e.g. from :func:`snap`.
    node_pop : numpy.ndarray
        People assigned to each node (length ``graph.n_nodes``), e.g. from
        :func:`assign_to_nodes`.
    thresholds_min : tuple of float
        Travel-time thresholds in minutes; a node counts if reached in at most that time.
    beta_per_min : float
        Decay rate of the gravity weight ``exp(-beta * t)``, per minute.
    limit_min : float
        Gravity cut-off in minutes: nodes farther than this add nothing.

    Returns
    -------
    tuple of numpy.ndarray
        ``(population, gravity)``: people within each threshold, shape
        ``(n_towns, n_thresholds)``, and gravity access (people), shape ``(n_towns,)``.
        Travel starts at the town's node; the leg from the town to its node is not included.
    """
    pop = _check_pop(graph, node_pop)
    towns = np.asarray(town_nodes, dtype=np.int64)
    thr_s = np.asarray(thresholds_min, dtype=float).ravel() * 60.0
    if (thr_s < 0).any() or not np.isfinite(thr_s).all():
        raise ValueError(f"thresholds_min must be finite and >= 0, got {thresholds_min}")
    if limit_min < 0 or not np.isfinite(limit_min):
        raise ValueError(f"limit_min must be finite and >= 0, got {limit_min}")
    # Duplicate town nodes (towns snapped to the same node) are searched once.
    uniq, inverse = np.unique(towns, return_inverse=True)
    population = np.zeros((uniq.size, thr_s.size))
    gravity = np.zeros(uniq.size)
    limit_s = float(max(thr_s.max(initial=0.0), limit_min * 60.0))
    beta_per_s = beta_per_min / 60.0
    for src, node, t in bounded_times(graph, uniq, limit_s):
        p = pop[node]
        for k, tk in enumerate(thr_s):
            population[:, k] += np.bincount(src, weights=p * (t <= tk), minlength=uniq.size)
        w = np.where(t <= limit_min * 60.0, np.exp(-beta_per_s * t), 0.0)
        gravity += np.bincount(src, weights=p * w, minlength=uniq.size)
    return population[inverse], gravity[inverse]


def population_within_time(graph: PreparedGraph, town_nodes: np.ndarray, node_pop: np.ndarray,
                           thresholds_min: tuple[float, ...] = (30.0,)) -> np.ndarray:
    """People reachable by road from each town within each travel-time threshold.

    Parameters
    ----------
    graph : PreparedGraph
        Road graph; edge times in seconds.
    town_nodes : numpy.ndarray
        Node index (into ``graph.node_ids``) of each town.
    node_pop : numpy.ndarray
        People per node (length ``graph.n_nodes``), e.g. raster cells summed onto their
        nearest node with :func:`assign_to_nodes`.
    thresholds_min : tuple of float
        Thresholds in minutes; a node counts if reached in at most that time.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_towns, n_thresholds)``, people (the town's own node included).
    """
    population, _ = accessibility(graph, town_nodes, node_pop, thresholds_min=thresholds_min,
                                  limit_min=0.0)
    return population


def gravity_access(graph: PreparedGraph, town_nodes: np.ndarray, node_pop: np.ndarray,
                   beta_per_min: float = 0.05, limit_min: float = 60.0) -> np.ndarray:
    """Gravity access ``sum_j pop_j * exp(-beta * t_ij)`` over nodes within ``limit_min``.

    Parameters
    ----------
    graph : PreparedGraph
        Road graph; edge times in seconds.
    town_nodes : numpy.ndarray
        Node index (into ``graph.node_ids``) of each town.
    node_pop : numpy.ndarray
        People per node (length ``graph.n_nodes``).
    beta_per_min : float
        Decay per minute (0.05: a node 30 min away counts 22 %, 60 min away 5 %).
    limit_min : float
        Cut-off in minutes; nodes beyond it add nothing.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_towns,)``, people (distance-weighted).
    """
    _, gravity = accessibility(graph, town_nodes, node_pop, thresholds_min=(),
                               beta_per_min=beta_per_min, limit_min=limit_min)
    return gravity


def assign_to_nodes(graph: PreparedGraph, xy: np.ndarray, values: np.ndarray,
                    max_distance_m: float = np.inf) -> np.ndarray:
    """Sum point values (e.g. raster cell populations) onto their nearest graph node.

    Parameters
    ----------
    graph : PreparedGraph
        Target graph.
    xy : numpy.ndarray
        (m, 2) point coordinates in ``graph.crs`` (metres), e.g. raster cell centres.
    values : numpy.ndarray
        (m,) value of each point; NaN (raster nodata) counts as 0.
    max_distance_m : float
        Points farther than this from every node are left out (e.g. cells across a border
        the road graph does not cover).

    Returns
    -------
    numpy.ndarray
        (n_nodes,) sums per node.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    vals = np.asarray(values, dtype=float).ravel()
    if len(vals) != len(xy):
        raise errors.InputDataError(f"{len(xy)} points but {len(vals)} values")
    dist, idx = graph.tree.query(xy, distance_upper_bound=max_distance_m)
    ok = np.isfinite(dist) & np.isfinite(vals)
    return np.bincount(idx[ok], weights=vals[ok], minlength=graph.n_nodes)


# ---------------------------------------------------------------------------------------------
# On-disk cache of prepared graphs.
# ---------------------------------------------------------------------------------------------

_CACHE_VERSION = 4


def cache_path(path: str | os.PathLike) -> Path:
    """Where :func:`prepare_cached` keeps the arrays of ``path``: ``<path>.prepared.npz``."""
    p = Path(path)
    return p.with_name(p.name + ".prepared.npz")


def _cache_key(path: Path, crs: pyproj.CRS) -> dict[str, np.ndarray]:
    st = path.stat()
    return {"version": np.array(_CACHE_VERSION), "src_size": np.array(st.st_size),
            "src_mtime_ns": np.array(st.st_mtime_ns), "crs_wkt": np.array(crs.to_wkt())}


def prepare_cached(path: str | os.PathLike, crs: pyproj.CRS) -> PreparedGraph:
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
    PreparedGraph
    """
    path = Path(path)
    crs = pyproj.CRS.from_user_input(crs)
    if not path.exists():
        raise errors.InputDataError(f"road network file not found: {path}")
    key = _cache_key(path, crs)

    def read(cp: Path) -> PreparedGraph:
        try:
            with np.load(cp, allow_pickle=False) as z:
                if not all(k in z.files and np.array_equal(z[k], v) for k, v in key.items()):
                    raise ValueError(f"{cp}: made from another file, CRS or cache version")
                n = len(z["node_ids"])
                csr = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(n, n))
                return PreparedGraph(node_ids=z["node_ids"], xy=z["xy"], crs=crs, csr=csr,
                                     expressway_access=z["expressway_access"],
                                     major_edges=z["major_edges"])
        except (KeyError, zipfile.BadZipFile) as exc:  # not an npz of ours: rebuilt
            raise ValueError(f"{cp}: {exc}") from None

    def write(g: PreparedGraph, tmp: Path) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.savez adds no suffix
            np.savez(fh, node_ids=g.node_ids, xy=g.xy, data=g.csr.data,
                     indices=g.csr.indices, indptr=g.csr.indptr,
                     expressway_access=g.expressway_access, major_edges=g.major_edges,
                     **key)  # type: ignore[arg-type]  # the cache key arrays

    # The file lies beside the road file, outside the cache folder that prune() tidies: a hit
    # leaves its modification time alone.
    return _cache.cached(cache_path(path), lambda: prepare_file(path, crs), read, write,
                         touch=False)


def major_roads(graph: PreparedGraph) -> gpd.GeoDataFrame:
    """The motorway, trunk and primary edges as straight segments, in ``graph.crs``
    (metres), with no attributes: a light layer for maps."""
    import geopandas as gpd

    xy = graph.xy
    e = graph.major_edges
    lines = shapely.linestrings(np.stack([xy[e[:, 0]], xy[e[:, 1]]], axis=1)) if len(e) else []
    return gpd.GeoDataFrame(geometry=list(lines), crs=graph.crs)


def isochrone_polygons(graph: PreparedGraph, town_nodes: np.ndarray, minutes: float,
                       ratio: float = 0.3) -> list:
    """Area reachable by road within ``minutes`` of each town node, as a polygon in
    ``graph.crs``: the concave hull (shapely, ``ratio``) of the nodes reached, so it follows
    the roads rather than a circle. A town reaching fewer than 3 nodes gets ``None``."""
    towns = np.asarray(town_nodes, dtype=np.int64)
    reached: list[list[np.ndarray]] = [[] for _ in towns]
    for src, node, _ in bounded_times(graph, towns, minutes * 60.0):
        order = np.argsort(src, kind="stable")
        src, node = src[order], node[order]
        cuts = np.flatnonzero(np.diff(src)) + 1
        for s_, n_ in zip(np.split(src, cuts), np.split(node, cuts), strict=True):
            if len(s_):
                reached[s_[0]].append(n_)
    out: list = []
    for parts in reached:
        nodes = np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
        if len(nodes) < 3:
            out.append(None)
            continue
        hull = shapely.concave_hull(shapely.multipoints(graph.xy[nodes]), ratio=ratio)
        out.append(hull if hull.geom_type == "Polygon" else hull.buffer(50.0))
    return out


def as_prepared(roads, crs: pyproj.CRS) -> PreparedGraph:
    """A :class:`PreparedGraph` in ``crs`` from a road file path (cached, see
    :func:`prepare_cached`), an osmnx ``MultiDiGraph``, or an already prepared graph."""
    if isinstance(roads, PreparedGraph):
        if not pyproj.CRS.from_user_input(crs).equals(roads.crs):
            raise errors.CRSError(
                f"the prepared road graph is in {roads.crs.name}, the run measures in "
                f"{pyproj.CRS.from_user_input(crs).name}; prepare it in the run's CRS"
            )
        return roads
    if isinstance(roads, (str, os.PathLike)):
        return prepare_cached(roads, crs)
    return prepare(roads, crs)


# ---------------------------------------------------------------------------------------------
# Download (online only).
# ---------------------------------------------------------------------------------------------

#: Overpass filter for :func:`fetch_roads`: expressways down to county roads (tertiary), i.e.
#: the roads between towns. Residential and service streets would make a province graph
#: 10-20x larger without changing town-to-town travel times much.
MAJOR_ROADS_FILTER = (
    '["highway"~"motorway|motorway_link|trunk|trunk_link|primary|primary_link|'
    'secondary|secondary_link|tertiary|tertiary_link"]'
)


def fetch_roads(polygon, path: str | os.PathLike,
                custom_filter: str | None = MAJOR_ROADS_FILTER) -> Path:
    """Download the drive network inside ``polygon`` from OpenStreetMap and save it as GraphML.

    Needs internet (osmnx queries the Overpass API; osmnx's own HTTP cache is used). Edge
    speeds and travel times are added with :data:`CHINA_HWY_SPEEDS_KMH` where ``maxspeed`` is
    missing, so the file is ready for :func:`prepare_cached`. The file is written atomically.

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon
        Area in EPSG:4326 (WGS84 lon/lat), e.g. the union of a province's county boundaries.
    path : str or os.PathLike
        Output ``.graphml`` file.
    custom_filter : str or None
        Overpass way filter; ``None`` downloads osmnx's full ``drive`` network.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import osmnx as ox

    from ..data import io

    path = Path(path)
    if path.suffix.lower() != ".graphml":
        raise errors.OutputError(f"{path}: fetch-roads writes GraphML; use a .graphml name")
    kwargs: dict[str, Any] = {"network_type": "drive", "retain_all": True, "truncate_by_edge": True,
              "simplify": False}
    if custom_filter:
        kwargs["custom_filter"] = custom_filter
    try:
        G = ox.graph_from_polygon(polygon, **kwargs)
    except Exception as exc:  # osmnx raises requests/Overpass errors of many kinds
        raise errors.InputDataError(
            f"could not download the road network from OpenStreetMap ({type(exc).__name__}: "
            f"{exc}); are you online? Offline, pass a road file with --roads instead"
        ) from None
    G = ox.routing.add_edge_speeds(io.simplify_roads(G), hwy_speeds=CHINA_HWY_SPEEDS_KMH)
    G = ox.routing.add_edge_travel_times(G)
    return atomic_write(path, lambda tmp: ox.save_graphml(G, tmp))
