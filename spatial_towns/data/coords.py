"""Coordinate frames: GCJ-02 (Amap, "Mars" coordinates) and BD-09 (Baidu) → WGS84, and the
metric CRS.

BD-09 is Baidu's further offset of GCJ-02: BD-09 → GCJ-02 → WGS84, each inverse prcoords'
"bored" iteration run on whole arrays like the GCJ-02 one below.

GCJ-02 is not an EPSG CRS but an obfuscated WGS84 with a position-dependent offset of a few
hundred metres. The inverse is done by ``prcoords`` (public domain, iterative "bored" inverse,
sub-centimetre error), never by hand-written formulae here: its own offset function is run on
whole numpy arrays, so converting a layer costs milliseconds, not a Python call per vertex.
"""

from __future__ import annotations

import types

import geopandas as gpd
import numpy as np
import prcoords
import pyproj
import shapely

from .. import errors

GCJ02 = "GCJ-02"
BD09 = "BD-09"
WGS84 = "EPSG:4326"
#: Frames that are offsets of WGS84 lon/lat rather than EPSG CRSs.
OFFSET_FRAMES = (GCJ02, BD09)


# prcoords' own forward function (WGS84 → GCJ-02), run on numpy arrays: the same code with
# numpy's element-wise functions in place of the ``math`` module's scalar ones.
_np_math = types.SimpleNamespace(sin=np.sin, cos=np.cos, sqrt=np.sqrt, pow=np.power,
                                 radians=np.radians, pi=np.pi, hypot=np.hypot,
                                 atan2=np.arctan2)
_wgs_gcj_np = types.FunctionType(prcoords.wgs_gcj.__code__,
                                 {**vars(prcoords), "math": _np_math}, "wgs_gcj_np",
                                 prcoords.wgs_gcj.__defaults__)


def _gcj_to_wgs_array(coords: np.ndarray) -> np.ndarray:
    """GCJ-02 → WGS84 for an (n, 2) lon/lat array: prcoords' ``gcj_wgs_bored`` for all
    points at once.

    The same fixed-point iteration as prcoords' ``_bored`` (start from the rough inverse,
    subtract the forward offset error until it is below ``PRC_EPS`` degrees, at most 10
    times), each point stopping when prcoords would stop it; agrees with the per-point call
    to ~1e-12 degrees (floating-point rounding of numpy's vs libm's sine).
    """
    coords = np.asarray(coords, dtype=float)
    if len(coords) == 0:
        return np.empty_like(coords)
    bad = prcoords.Coords(coords[:, 1], coords[:, 0])
    first = _wgs_gcj_np(bad, False)
    start = (bad.lat - (first.lat - bad.lat), bad.lon - (first.lon - bad.lon))
    return _bored_array(bad, start, _wgs_gcj_np)


def _bored_array(bad: prcoords.Coords, start: tuple, forward) -> np.ndarray:
    """prcoords' ``_bored`` fixed point for whole arrays: from ``start`` (lat, lon arrays),
    subtract ``forward``'s error against ``bad`` until it is below ``PRC_EPS`` degrees, at
    most 10 times, each point stopping when prcoords would stop it. Returns (n, 2) lon/lat."""
    lat, lon = np.array(start[0], dtype=float), np.array(start[1], dtype=float)
    active = np.ones(len(lat), dtype=bool)
    for _ in range(10):
        idx = np.flatnonzero(active)
        if not idx.size:
            break
        fwd = forward(prcoords.Coords(lat[idx], lon[idx]), False)
        dlat, dlon = fwd.lat - bad.lat[idx], fwd.lon - bad.lon[idx]
        lat[idx] -= dlat
        lon[idx] -= dlon
        active[idx] = np.hypot(dlat, dlon) > prcoords.PRC_EPS
    return np.column_stack([lon, lat])


# prcoords' BD-09 functions on numpy arrays, the same way.
_gcj_bd_np = types.FunctionType(prcoords.gcj_bd.__code__, {**vars(prcoords), "math": _np_math},
                                "gcj_bd_np", prcoords.gcj_bd.__defaults__)
_bd_gcj_np = types.FunctionType(prcoords.bd_gcj.__code__, {**vars(prcoords), "math": _np_math},
                                "bd_gcj_np", prcoords.bd_gcj.__defaults__)


def _bd_to_gcj_array(coords: np.ndarray) -> np.ndarray:
    """BD-09 → GCJ-02 for an (n, 2) lon/lat array: prcoords' ``bd_gcj_bored`` (rough
    inverse, then the forward ``gcj_bd`` error subtracted until below ``PRC_EPS``, at most
    10 times) for all points at once."""
    coords = np.asarray(coords, dtype=float)
    if len(coords) == 0:
        return np.empty_like(coords)
    bad = prcoords.Coords(coords[:, 1], coords[:, 0])
    start = _bd_gcj_np(bad)
    return _bored_array(bad, (start.lat, start.lon), _gcj_bd_np)


def bd09_to_wgs84(geoms: gpd.GeoSeries | np.ndarray) -> gpd.GeoSeries | np.ndarray:
    """Convert geometries (or an (n, 2) lon/lat array) from BD-09 (Baidu) to WGS84 lon/lat."""
    def both(c: np.ndarray) -> np.ndarray:
        return _gcj_to_wgs_array(_bd_to_gcj_array(c))

    if isinstance(geoms, np.ndarray):
        return both(geoms)
    converted = shapely.transform(np.asarray(geoms.values), both)
    return gpd.GeoSeries(converted, index=geoms.index, crs=WGS84)


def gcj02_to_wgs84(geoms: gpd.GeoSeries | np.ndarray) -> gpd.GeoSeries | np.ndarray:
    """Convert geometries (or an (n, 2) lon/lat array) from GCJ-02 to WGS84 lon/lat."""
    if isinstance(geoms, np.ndarray):
        return _gcj_to_wgs_array(geoms)
    converted = shapely.transform(np.asarray(geoms.values), _gcj_to_wgs_array)
    return gpd.GeoSeries(converted, index=geoms.index, crs=WGS84)


def normalise_frame(frame: str | None) -> str:
    """Return ``"GCJ-02"``, ``"BD-09"`` or a pyproj-parsable CRS string; reject unknown
    frames."""
    if frame is None:
        raise errors.CRSError("no coordinate frame given")
    f = str(frame).strip()
    if f.upper().replace("_", "-") in {"GCJ-02", "GCJ02", "AMAP", "MARS"}:
        return GCJ02
    if f.upper().replace("_", "-") in {"BD-09", "BD09", "BD-09LL", "BD09LL", "BAIDU"}:
        return BD09
    try:
        pyproj.CRS.from_user_input(f)
    except pyproj.exceptions.CRSError:
        raise errors.CRSError(
            f"unknown coordinate frame {frame!r}: use an EPSG code such as EPSG:4326, "
            "'GCJ-02' (Amap) or 'BD-09' (Baidu)"
        ) from None
    return f


def to_wgs84(gdf: gpd.GeoDataFrame, frame: str, what: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in WGS84 lon/lat, converting from ``frame`` (EPSG string, GCJ-02 or
    BD-09).

    ``what`` names the layer in error messages.
    """
    frame = normalise_frame(frame)
    out = gdf.copy()
    if frame in OFFSET_FRAMES:
        convert = gcj02_to_wgs84 if frame == GCJ02 else bd09_to_wgs84
        out = out.set_geometry(convert(out.geometry.set_crs(None, allow_override=True)))
        return out
    if out.crs is None:
        out = out.set_crs(frame)
    return out.to_crs(WGS84)


def auto_albers(bounds: tuple[float, float, float, float]) -> pyproj.CRS:
    """An Albers equal-area conic on WGS84 fitted to lon/lat ``bounds``.

    Standard parallels at 1/6 and 5/6 of the latitude range keep scale error below about 0.2 %
    over a province-sized extent, so distances in it are metric to well under a percent.
    """
    minx, miny, maxx, maxy = bounds
    span = maxy - miny
    lat1, lat2 = miny + span / 6, maxy - span / 6
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    return pyproj.CRS.from_proj4(
        f"+proj=aea +lat_0={lat0:.3f} +lon_0={lon0:.3f} +lat_1={lat1:.3f} +lat_2={lat2:.3f} "
        "+x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )


def metric_crs(spec: str, bounds: tuple[float, float, float, float]) -> pyproj.CRS:
    """Resolve the config's ``metric_crs`` ("auto" or any projected CRS) to a pyproj CRS."""
    if spec == "auto":
        return auto_albers(bounds)
    try:
        crs = pyproj.CRS.from_user_input(spec)
    except pyproj.exceptions.CRSError:
        raise errors.ConfigError(f"metric_crs {spec!r} is not a CRS pyproj understands") from None
    if not crs.is_projected:
        raise errors.ConfigError(
            f"metric_crs {spec!r} is geographic (degrees); distances need a projected CRS "
            "such as EPSG:32652 (UTM 52N) or 'auto' (Albers)"
        )
    return crs
