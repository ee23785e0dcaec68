"""Road shapes for maps: the main roads as segments and the isochrones of towns, in the graph's
metric CRS."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from .bounded import bounded_times
from .graph import PreparedGraph

if TYPE_CHECKING:
    import geopandas as gpd


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
