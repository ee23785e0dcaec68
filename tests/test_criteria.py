import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from conftest import FIXTURES
from rasterio.transform import from_origin

from spatial_towns import config
from spatial_towns.criteria import indicators as criteria
from spatial_towns.data import coords as _coords
from spatial_towns.data import io

CRS = _coords.metric_crs("auto", (125.0, 43.5, 126.0, 44.5))


def _synthetic_raster(path, crs="EPSG:4326"):
    """Seeded synthetic population grid (NOT real data): 0.01° cells around (125.5, 44.0)."""
    rng = np.random.default_rng(42)
    data = rng.integers(0, 100, size=(100, 100)).astype("float32")
    data[0, 0] = -9999  # nodata, must be ignored
    with rasterio.open(path, "w", driver="GTiff", width=100, height=100, count=1,
                       dtype="float32", crs=crs, nodata=-9999,
                       transform=from_origin(125.0, 44.5, 0.01, 0.01)) as ds:
        ds.write(data, 1)
    return data


def test_population_within_radius_matches_a_brute_force_sum(tmp_path):
    data = _synthetic_raster(tmp_path / "pop.tif")
    ds = io.read_population(tmp_path / "pop.tif")
    towns = gpd.GeoSeries([shapely.Point(125.5, 44.0), shapely.Point(125.01, 44.49)], crs=4326)
    pts = towns.geometry.to_crs(CRS)
    xy = np.column_stack([pts.x, pts.y])
    got, note = criteria.population_within(ds, xy, CRS, 5000.0)
    assert note == ""
    rows, cols = np.indices(data.shape)
    lon = 125.0 + (cols + 0.5) * 0.01
    lat = 44.5 - (rows + 0.5) * 0.01
    cells = gpd.GeoSeries(gpd.points_from_xy(lon.ravel(), lat.ravel()), crs=4326).to_crs(CRS)
    vals = np.where(data.ravel() < 0, 0, data.ravel())
    for k, (x, y) in enumerate(xy):
        near = np.hypot(cells.x - x, cells.y - y) <= 5000.0
        assert got[k] == pytest.approx(vals[near.to_numpy()].sum())
    ds.close()


def test_raster_without_crs_is_refused(tmp_path):
    with rasterio.open(tmp_path / "p.tif", "w", driver="GTiff", width=2, height=2, count=1,
                       dtype="float32", transform=from_origin(0, 2, 1, 1)) as ds:
        ds.write(np.ones((2, 2), "float32"), 1)
    with pytest.raises(Exception, match="no CRS"):
        io.read_population(tmp_path / "p.tif")


def _layers(roads=None):
    counties = gpd.GeoDataFrame(
        {"county_code": ["220102"], "county_name": ["南关区"], "prefecture_code": ["220100"],
         "prefecture_name": ["长春市"]}, geometry=[shapely.box(125.0, 43.5, 126.0, 44.5)], crs=4326)
    seats = gpd.GeoDataFrame({"code": ["220100", "220102"], "name": ["长春市", "南关区"],
                              "level": ["prefecture", "county"]},
                             geometry=[shapely.Point(125.30, 43.80), shapely.Point(125.40, 43.85)],
                             crs=4326)
    return criteria.Layers(counties=counties, seats=seats, roads=roads)


def _towns():
    return gpd.GeoDataFrame({"code": ["a", "b", "c"], "county_code": ["220102"] * 3},
                            geometry=[shapely.Point(125.35, 43.80), shapely.Point(125.91, 44.205),
                                      None], crs=4326)


def test_fallback_times_are_distance_times_circuity_over_speed():
    cfg = config.load()
    tab, methods = criteria.compute(_towns(), _layers(), cfg, CRS)
    expected = tab["dist_changchun_km"] * cfg.access.circuity_factor / cfg.access.fallback_speed_kmh * 60
    np.testing.assert_allclose(tab["time_changchun_min"], expected)
    assert "FALLBACK" in methods["time_changchun_min"]
    assert np.isnan(tab.loc[2, "time_changchun_min"])  # no location, no value
    assert methods["pop_within_km"].startswith("not computed")


def test_network_times_and_disconnected_town_flag():
    roads = io.read_roads(FIXTURES / "tiny_roads.osm")
    tab, methods = criteria.compute(_towns(), _layers(roads), config.load(), CRS)
    assert "road graph" in methods["time_changchun_min"]
    assert np.isfinite(tab.loc[0, "time_changchun_min"])
    # town b snaps to the isolated road: unreachable, flagged with the reason
    assert np.isnan(tab.loc[1, "time_changchun_min"])
    assert "cannot reach" in methods["time_changchun_min"]
    assert "disconnected" in tab.loc[1, "network_flag"]


def test_raster_not_covering_towns(tmp_path):
    _synthetic_raster(tmp_path / "pop.tif")
    ds = io.read_population(tmp_path / "pop.tif")
    far = gpd.GeoSeries([shapely.Point(129.5, 42.9)], crs=4326).to_crs(CRS)
    xy = np.column_stack([far.x, far.y])
    with pytest.raises(Exception, match="does not cover any town"):
        criteria.population_within(ds, xy, CRS, 5000.0)
    both = gpd.GeoSeries([shapely.Point(125.5, 44.0), shapely.Point(129.5, 42.9)], crs=4326).to_crs(CRS)
    got, note = criteria.population_within(ds, np.column_stack([both.x, both.y]), CRS, 5000.0)
    assert got[0] > 0 and np.isnan(got[1]) and "1 towns outside" in note
    ds.close()


def test_road_and_raster_give_isochrone_population_and_gravity(tmp_path):
    """Tiny hand-made roads + seeded synthetic raster (not real data): the isochrone population
    equals a brute force over networkx times, and gravity is positive where people are."""
    import networkx as nx
    import osmnx as ox

    from spatial_towns import network

    _synthetic_raster(tmp_path / "pop.tif")
    ds = io.read_population(tmp_path / "pop.tif")
    roads = io.read_roads(FIXTURES / "tiny_roads.osm")
    cfg = config.load()
    tab, methods = criteria.compute(_towns(), _layers(roads).__class__(
        counties=_layers().counties, seats=_layers().seats, roads=roads, population=ds), cfg, CRS)
    g = network.prepare(roads, CRS)
    cell_xy, cell_pop = criteria.raster_cells(ds, CRS)
    node_pop = network.assign_to_nodes(g, cell_xy, cell_pop, max_distance_m=cfg.access.max_snap_km * 1000)
    town_xy = np.column_stack([_towns().iloc[:1].to_crs(CRS).geometry.x, _towns().iloc[:1].to_crs(CRS).geometry.y])
    node, _ = network.snap(g, town_xy)
    G = ox.routing.add_edge_travel_times(ox.routing.add_edge_speeds(roads, hwy_speeds=network.CHINA_HWY_SPEEDS_KMH))
    times = nx.single_source_dijkstra_path_length(G, g.node_ids[node[0]], weight="travel_time")
    assert cfg.access.isochrone_min == (15.0, 30.0, 60.0)
    for minutes in cfg.access.isochrone_min:
        brute = sum(node_pop[i] for i, n in enumerate(g.node_ids)
                    if times.get(n, np.inf) <= minutes * 60)
        col = criteria.isochrone_column(minutes)
        assert tab.loc[0, col] == pytest.approx(brute)
        assert f"{minutes:g} min" in methods[col]
    assert tab.loc[0, "pop_within_30min"] > 0
    assert tab.loc[0, "pop_within_15min"] <= tab.loc[0, "pop_within_30min"] <= tab.loc[0, "pop_within_60min"]
    assert tab.loc[0, "gravity_access"] > 0
    ds.close()


def test_rail_and_expressway_times_equal_networkx():
    """Hand-made roads (not real): node 5 is a motorway exit; the motorway's three nodes join
    other roads, so all three are access points. Times = networkx Dijkstra + snap leg."""
    import networkx as nx
    import osmnx as ox

    from spatial_towns import network

    roads = io.read_roads(FIXTURES / "tiny_roads.osm")
    layers = _layers(roads)
    layers.stations = gpd.GeoDataFrame({"name": ["站"], "station": ["train"]},
                                       geometry=[shapely.Point(125.40, 43.80)], crs=4326)
    cfg = config.load()
    tab, methods = criteria.compute(_towns(), layers, cfg, CRS)
    g = network.prepare(roads, CRS)
    assert sorted(g.node_ids[g.expressway_access]) == [4, 5, 6]
    G = ox.routing.add_edge_travel_times(ox.routing.add_edge_speeds(roads, hwy_speeds=network.CHINA_HWY_SPEEDS_KMH))
    txy = np.column_stack([_towns().iloc[:1].to_crs(CRS).geometry.x, _towns().iloc[:1].to_crs(CRS).geometry.y])
    node, snap_m = network.snap(g, txy)
    times = nx.single_source_dijkstra_path_length(G, g.node_ids[node[0]], weight="travel_time")
    leg = snap_m[0] / 1000 / cfg.access.fallback_speed_kmh * 3600
    assert tab.loc[0, "time_expressway_min"] == pytest.approx((min(times[n] for n in (4, 5, 6)) + leg) / 60, abs=1e-6)
    assert tab.loc[0, "time_rail_min"] == pytest.approx((times[3] + leg) / 60, abs=1e-6)
    assert "3 access nodes" in methods["time_expressway_min"]
    assert np.isnan(tab.loc[1, "time_rail_min"])  # isolated road: cannot reach the station


def test_no_motorway_no_expressway_time():

    roads = io.read_roads(FIXTURES / "tiny_roads.osm")
    roads.remove_edges_from([(u, v, k) for u, v, k, d in roads.edges(keys=True, data=True)
                             if d["highway"] == "motorway"])
    tab, methods = criteria.compute(_towns(), _layers(roads), config.load(), CRS)
    assert tab["time_expressway_min"].isna().all()
    assert methods["time_expressway_min"] == "not computed: the road graph has no motorway"
    assert methods["time_rail_min"].startswith("not computed")


def test_focus_key_node_and_city_periphery():
    cfg = config.load(overrides={"focus": {"key_node_towns": ["a"], "periphery_min": 10.0}})
    tab, methods = criteria.compute(_towns(), _layers(), cfg, CRS)
    assert tab["key_node"].tolist()[:2] == [1.0, 0.0] and np.isnan(tab.loc[2, "key_node"])
    expected = (tab["time_prefecture_min"] <= 10.0).astype(float).where(tab["time_prefecture_min"].notna())
    np.testing.assert_array_equal(tab["city_periphery"], expected)
    assert tab.loc[0, "city_periphery"] == 1.0 and tab.loc[1, "city_periphery"] == 0.0
    assert "1 listed" in methods["key_node"] and "10 min" in methods["city_periphery"]
    empty, m2 = criteria.compute(_towns(), _layers(), config.load(), CRS)
    assert "list empty" in m2["key_node"] and (empty["key_node"].dropna() == 0).all()


def test_skeleton_times_legs_both_ends_and_straight_line_where_quicker():
    """A hand-made skeleton (not real roads): a line of three nodes through the Changchun
    seat and an isolated road far east. Times on a skeleton: access leg at each end
    (straight line x circuity at access speed) + uniform network speed; the straight-line
    estimate where quicker or unconnected; never below the straight line at network speed."""
    import pandas as pd

    from spatial_towns import network

    edges = pd.DataFrame({"u": [1, 2, 4], "v": [2, 3, 5], "length_km": [8.1, 8.1, 4.1],
                          "u_lon": [125.3, 125.4, 126.5], "u_lat": [43.8, 43.8, 44.5],
                          "v_lon": [125.4, 125.5, 126.55], "v_lat": [43.8, 43.8, 44.5]})
    cfg = config.load()
    acc = cfg.access
    g = network.skeleton_graph(edges, acc.network_speed_kmh, CRS)
    towns = gpd.GeoDataFrame({"code": ["a", "d", "n"], "county_code": ["220102"] * 3},
                             geometry=[shapely.Point(125.49, 43.81), shapely.Point(126.52, 44.51),
                                       shapely.Point(125.31, 43.80)], crs=4326)
    tab, methods = criteria.compute(towns, _layers(g), cfg, CRS)
    m = methods["time_changchun_min"]
    assert "by road on the OSM major-road skeleton (simplified)" in m and "FALLBACK" not in m
    assert "where the skeleton does not connect for 1 towns" in m
    pts = towns.geometry.to_crs(CRS)
    xy = np.column_stack([pts.x, pts.y])
    node, snap = network.snap(g, xy)
    i1 = int(np.flatnonzero(g.node_ids == 1)[0])
    leg = snap * acc.circuity_factor / (acc.access_speed_kmh / 3.6)
    by_road = network.time_to_nearest(g, np.array([i1]))[node] + leg  # the seat is on node 1
    direct = tab["dist_changchun_km"].to_numpy() * 1000 * acc.circuity_factor / (acc.fallback_speed_kmh / 3.6)
    assert by_road[0] < direct[0]  # a: the skeleton is quicker
    assert tab.loc[0, "time_changchun_min"] == pytest.approx(by_road[0] / 60)
    assert np.isinf(by_road[1])  # d: on the isolated road -> straight-line estimate
    assert tab.loc[1, "time_changchun_min"] == pytest.approx(direct[1] / 60)
    assert tab.loc[1, "network_flag"] != ""
    assert tab.loc[2, "time_changchun_min"] == pytest.approx(min(by_road[2], direct[2]) / 60)
    for col, dist in (("time_changchun_min", "dist_changchun_km"),
                      ("time_county_seat_min", "dist_county_seat_km")):
        assert tab[col].notna().all()
        assert (tab[col] >= tab[dist] / acc.network_speed_kmh * 60 - 1e-9).all()


def _two_seat_layers(roads=None):
    """Two prefectures and two counties side by side (hand-made, not real geography): the
    town lies in county/prefecture A but is nearer B's seats."""
    counties = gpd.GeoDataFrame(
        {"county_code": ["220102", "220202"], "county_name": ["甲区", "乙区"],
         "prefecture_code": ["220100", "220200"], "prefecture_name": ["长春市", "吉林市"]},
        geometry=[shapely.box(125.0, 43.5, 125.5, 44.5), shapely.box(125.5, 43.5, 126.0, 44.5)],
        crs=4326)
    seats = gpd.GeoDataFrame(
        {"code": ["220100", "220200", "220102", "220202"], "name": ["长春市", "吉林市", "甲区", "乙区"],
         "level": ["prefecture", "prefecture", "county", "county"]},
        geometry=[shapely.Point(125.02, 44.0), shapely.Point(125.60, 44.0),
                  shapely.Point(125.05, 44.0), shapely.Point(125.62, 44.0)], crs=4326)
    return criteria.Layers(counties=counties, seats=seats, roads=roads)


def test_prefecture_and_county_seat_are_the_towns_own():
    towns = gpd.GeoDataFrame(
        {"code": ["t1", "t2"], "county_code": ["220102", "220102"], "county_name": ["甲区", "甲区"],
         "prefecture_code": ["220100", "220100"], "prefecture_name": ["长春市", "长春市"]},
        geometry=[shapely.Point(125.45, 44.0), shapely.Point(125.45, 44.0)], crs=4326)
    # t2's county code is unknown to the seats: its name still finds its own seat.
    towns.loc[1, "county_code"] = "229999"
    lay = _two_seat_layers()
    tab, methods = criteria.compute(towns, lay, config.load(), CRS)
    t = towns.to_crs(CRS).geometry
    s = lay.seats.to_crs(CRS).geometry
    own_pref = t.distance(s.iloc[0]) / 1000.0
    own_cnty = t.distance(s.iloc[2]) / 1000.0
    np.testing.assert_allclose(tab["dist_prefecture_seat_km"], own_pref, rtol=1e-9)
    np.testing.assert_allclose(tab["dist_county_seat_km"], own_cnty, rtol=1e-9)
    # ... which are farther than the nearest seats (B's), so "nearest" would differ.
    assert (own_pref > t.distance(s.iloc[1]) / 1000.0).all()
    assert "own prefecture" in methods["dist_prefecture_seat_km"]
    assert "nearest" not in methods["dist_county_seat_km"]


def test_town_without_an_own_seat_uses_the_nearest_and_says_so():
    towns = gpd.GeoDataFrame({"code": ["t1"], "county_code": ["229999"], "county_name": ["无名县"],
                              "prefecture_code": ["229900"], "prefecture_name": ["无名州"]},
                             geometry=[shapely.Point(125.45, 44.0)], crs=4326)
    tab, methods = criteria.compute(towns, _two_seat_layers(), config.load(), CRS)
    s = _two_seat_layers().seats.to_crs(CRS).geometry
    t = towns.to_crs(CRS).geometry.iloc[0]
    assert tab.loc[0, "dist_prefecture_seat_km"] == pytest.approx(t.distance(s.iloc[1]) / 1000.0)
    assert "1 town(s) without a matching prefecture seat use the nearest one" in \
        methods["dist_prefecture_seat_km"]


def test_metro_membership_full_partial_and_none():
    cfg = config.load(overrides={"focus": {"metro_counties": ["220102"],
                                           "metro_partial_counties": ["220202"],
                                           "metro_partial_value": 0.5}})
    towns = gpd.GeoDataFrame({"code": ["a", "b", "c"], "county_code": ["220102", "220202", "220303"]},
                             geometry=[shapely.Point(125.2, 44.0), shapely.Point(125.7, 44.0),
                                       shapely.Point(125.8, 44.1)], crs=4326)
    tab, methods = criteria.compute(towns, _two_seat_layers(), cfg, CRS)
    assert tab["in_metro"].tolist() == [1.0, 0.5, 0.0]
    assert "0.5 for the 1 partly included" in methods["in_metro"]
    with pytest.raises(Exception, match="either wholly or partly"):
        config.load(overrides={"focus": {"metro_counties": ["220102"],
                                         "metro_partial_counties": ["220102"]}})


def test_skeleton_time_goes_to_the_own_seat_not_the_nearest():
    """Hand-made skeleton (not real roads) along 44.0°N through both prefectures' seats of
    _two_seat_layers: a town of A nearer B's seat gets the time to A's seat."""
    import pandas as pd

    from spatial_towns import network

    lons = [125.02, 125.05, 125.2, 125.45, 125.62, 125.6]
    edges = pd.DataFrame({"u": [1, 2, 3, 4, 5], "v": [2, 3, 4, 6, 6], "length_km": 1.0,
                          "u_lon": lons[:4] + [lons[4]], "u_lat": 44.0,
                          "v_lon": [lons[1], lons[2], lons[3], lons[5], lons[5]], "v_lat": 44.0})
    edges["length_km"] = [2.4, 12.0, 20.1, 12.1, 1.6]
    cfg = config.load()
    g = network.skeleton_graph(edges, cfg.access.network_speed_kmh, CRS)
    towns = gpd.GeoDataFrame({"code": ["t1"], "county_code": ["220102"], "county_name": ["甲区"],
                              "prefecture_code": ["220100"], "prefecture_name": ["长春市"]},
                             geometry=[shapely.Point(125.45, 44.0)], crs=4326)
    tab, methods = criteria.compute(towns, _two_seat_layers(g), cfg, CRS)
    seats = _two_seat_layers().seats.to_crs(CRS).geometry
    xy = np.array([[seats.iloc[k].x, seats.iloc[k].y] for k in (0, 1)])
    node, _ = network.snap(g, xy)
    tnode, _ = network.snap(g, np.array([[towns.to_crs(CRS).geometry.iloc[0].x,
                                          towns.to_crs(CRS).geometry.iloc[0].y]]))
    to_a = network.time_to_nearest(g, node[:1])[tnode[0]]
    to_b = network.time_to_nearest(g, node[1:])[tnode[0]]
    assert to_b < to_a  # B's seat is nearer by road too
    assert tab.loc[0, "time_prefecture_min"] * 60 >= to_a - 1e-6  # ...but A's is the town's
    assert tab.loc[0, "time_prefecture_min"] * 60 > to_b + 1.0


def _region_world():
    """Hand-made skeleton and grid (not real data), laid out in the metric CRS (km offsets
    from its origin): a road A of four 20 km edges along y = 0, a disconnected road B at
    y = 100 km; three towns - on A's first node, next to B, and 85 km from any road - and
    four grid points of known people."""
    import pandas as pd
    import pyproj

    from spatial_towns import network

    to_ll = pyproj.Transformer.from_crs(CRS, 4326, always_xy=True)

    def ll(xy_km):
        x, y = np.asarray(xy_km, dtype=float).T * 1000.0
        return np.column_stack(to_ll.transform(x, y))

    a = ll([(0, 0), (20, 0), (40, 0), (60, 0), (80, 0)])
    b = ll([(0, 100), (10, 100)])
    ends = [(a[i], a[i + 1]) for i in range(4)] + [(b[0], b[1])]
    edges = pd.DataFrame({"u": [1, 2, 3, 4, 10], "v": [2, 3, 4, 5, 11],
                          "length_km": [20.0, 20.0, 20.0, 20.0, 10.0],
                          "u_lon": [p[0] for p, _ in ends], "u_lat": [p[1] for p, _ in ends],
                          "v_lon": [q[0] for _, q in ends], "v_lat": [q[1] for _, q in ends]})
    g = network.skeleton_graph(edges, 60.0, CRS)
    town_ll = ll([(0, 0), (5, 100), (-60, -60)])
    towns = gpd.GeoDataFrame({"code": ["on_a", "next_to_b", "far"], "county_code": ["220102"] * 3},
                             geometry=gpd.points_from_xy(town_ll[:, 0], town_ll[:, 1]), crs=4326)
    cell_ll = ll([(40, 0), (80, 0), (10, 130), (-60, -90)])
    grid = pd.DataFrame({"lon": cell_ll[:, 0], "lat": cell_ll[:, 1],
                         "pop": [1000.0, 100.0, 10.0, 1.0]})
    return g, towns, grid


def _region_cfg(minutes, limit=60.0):
    import dataclasses

    cfg = config.load()
    return dataclasses.replace(cfg, access=dataclasses.replace(
        cfg.access, region_isochrone_min=tuple(minutes), gravity_limit_min=limit))


def test_region_catchment_by_road_and_by_estimate_for_far_and_disconnected_towns():
    """People reachable within T minutes on a coarse grid: by road (legs at both ends) or by
    the straight-line estimate where quicker; a town off the network or on a disconnected
    piece still counts the grid points within the estimate's reach, and the note counts it.
    No town-level population (pop_within_km) comes from the grid."""
    g, towns, grid = _region_world()
    layers = _layers(g)
    layers.population_grid = grid
    cfg = _region_cfg([60.0, 90.0])
    tab, methods = criteria.compute(towns, layers, cfg, CRS)
    # on_a: 40 km of road = 40 min to the 1000 (the estimate, 40 x 1.3 at 50 km/h, is 62 min);
    # the 100 at 80 km of road take 80 min: within 90 only. next_to_b: the road B leads
    # nowhere near a grid point; the 10 at 30.4 km straight (47 min by the estimate) count.
    # far: 85 km from any road (a 221 min leg); the 1 at 30 km (47 min) counts.
    assert tab["region_pop_60min"].tolist() == [1000.0, 10.0, 1.0]
    assert tab["region_pop_90min"].tolist() == [1100.0, 10.0, 1.0]
    m = methods["region_pop_60min"]
    assert "2 towns reach no cell by road within 90 min" in m and "not the town's own" in m
    # Gravity: Σ pop x exp(-0.05 x minutes) within the 60 min limit.
    assert tab.loc[0, "region_gravity"] == pytest.approx(1000 * np.exp(-0.05 * 40), rel=0.01)
    flags = tab["network_flag"].tolist()
    assert flags[0] == "" and "disconnected" in flags[1] and "km from the road network" in flags[2]
    assert tab["pop_within_km"].isna().all()
    assert methods["pop_within_km"].startswith("not computed")
    for col in ("pop_within_60min", "gravity_access"):
        assert tab[col].isna().all() and methods[col].startswith("not computed")


def test_region_catchment_grows_with_the_threshold_up_to_the_whole_grid():
    g, towns, grid = _region_world()
    layers = _layers(g)
    layers.population_grid = grid
    minutes = [15.0, 30.0, 45.0, 60.0, 90.0, 120.0, 9000.0]
    tab, _ = criteria.compute(towns, layers, _region_cfg(minutes, limit=9000.0), CRS)
    vals = tab[[criteria.region_column(m) for m in minutes]].to_numpy()
    assert (np.diff(vals, axis=1) >= 0).all()
    # Every grid point is reached in the end (the estimate is never infinite).
    assert vals[:, -1] == pytest.approx(np.full(3, grid["pop"].sum()))


def test_region_catchment_not_computed_without_the_grid():
    g, towns, _ = _region_world()
    tab, methods = criteria.compute(towns, _layers(g), config.load(), CRS)
    assert tab["region_pop_60min"].isna().all()
    assert methods["region_pop_60min"].startswith("not computed")
