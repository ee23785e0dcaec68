"""Download (online only): the drive network of an area from OpenStreetMap, saved as GraphML
ready for :func:`.store.prepare_cached`. Tests and offline runs use a road file instead."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .. import errors
from ..util.atomic import atomic_write
from .graph import CHINA_HWY_SPEEDS_KMH

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
