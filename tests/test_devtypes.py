import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import FIXTURES

from spatial_towns import config, errors
from spatial_towns.data import coords as _coords
from spatial_towns.data import io
from spatial_towns.render import typemap
from spatial_towns.typology import devtypes as types

CRS = _coords.metric_crs("auto", (121.6, 40.8, 131.4, 46.4))


def _towns() -> gpd.GeoDataFrame:
    """Hand-made labelled towns (synthetic): criteria values and the expected type."""
    df = pd.read_csv(FIXTURES / "types_towns.csv", dtype={"code": str})
    geom = [shapely.Point(x, y) if np.isfinite(x) else None for x, y in zip(df.lon, df.lat, strict=True)]
    out = gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=geom, crs=_coords.WGS84)
    out["expected_type"] = out["expected_type"].fillna("")
    return out


def _layers():
    ind = io.read_thematic(FIXTURES / "industry_parks.csv", "industry", frame="EPSG:4326")
    tour = io.read_thematic(FIXTURES / "scenic_sites.geojson", "tourism")
    return ind, tour


def test_rules_give_the_labelled_types():
    towns = _towns()
    ind, tour = _layers()
    got = types.classify(towns, config.load(), CRS, industry=ind, tourism=tour)
    assert list(got["dev_type"]) == list(towns["expected_type"])
    assert got.loc[towns["code"] == "905", "dev_type_reason"].item().startswith("工业主导型")
    assert "测试工业园甲" in got.loc[towns["code"] == "905", "dev_type_reason"].item()
    assert "测试景区" in got.loc[towns["code"] == "906", "dev_type_reason"].item()
    assert got.loc[towns["code"] == "909", "dev_type_reason"].item().startswith("not typed")
    assert set(got["dev_type_label"]) - {""} <= set(config.DEV_TYPES.values())
    assert types.not_assessed(got.attrs["assessed"]) == []


def test_precedence_and_all_candidates_are_kept():
    towns = _towns()
    ind, tour = _layers()
    got = types.classify(towns, config.load(), CRS, industry=ind, tourism=tour).set_index(
        towns["code"])
    # border beats industry
    assert got.loc["910", "dev_type_candidates"] == "border_prosperity;industry_led"
    assert "also meets 工业主导型" in got.loc["910", "dev_type_reason"]
    # With the own-prefecture-seat clause on, metro (15 min to its seat) beats the station.
    on = config.load(overrides={"types": {"metro_prefecture_min": 20}})
    got1 = types.classify(towns, on, CRS, industry=ind, tourism=tour).set_index(towns["code"])
    assert got1.loc["908", "dev_type_candidates"] == "metro_satellite;commerce_logistics"
    assert got1.loc["908", "dev_type"] == "metro_satellite"
    prec = ["commerce_logistics", "industry_led", "culture_tourism", "metro_satellite",
            "border_prosperity"]
    cfg = config.load(overrides={"types": {"precedence": prec, "metro_prefecture_min": 20}})
    got2 = types.classify(towns, cfg, CRS, industry=ind, tourism=tour).set_index(towns["code"])
    assert got2.loc["908", "dev_type"] == "commerce_logistics"
    assert got2.loc["910", "dev_type"] == "industry_led"


def test_default_precedence_puts_a_metro_town_with_industry_in_industry_led():
    # 901 lies in the metropolitan area 30 min from Changchun; a park at its seat makes it
    # industry-led under the default precedence (what the town does before where it lies).
    towns = _towns()
    at_901 = towns.loc[towns["code"] == "901", "geometry"].iloc[0]
    park = gpd.GeoDataFrame({"name": ["测试园区"], "category": [""]}, geometry=[at_901],
                            crs=_coords.WGS84)
    got = types.classify(towns, config.load(), CRS, industry=park).set_index(towns["code"])
    assert got.loc["901", "dev_type"] == "industry_led"
    assert got.loc["901", "dev_type_candidates"] == "industry_led;metro_satellite"
    assert "also meets 都市卫星型" in got.loc["901", "dev_type_reason"]
    assert got.loc["911", "dev_type"] == "comprehensive_service"  # 80 min > 45 min


def test_missing_thematic_layer_is_not_guessed():
    towns = _towns()
    got = types.classify(towns, config.load(), CRS)
    assert not got["dev_type"].isin(["industry_led", "culture_tourism"]).any()
    assert types.not_assessed(got.attrs["assessed"]) == ["industry_led", "culture_tourism"]
    assert "NOT ASSESSED" in got.attrs["assessed"]["industry_led"]
    r = got.loc[towns["code"] == "905", "dev_type_reason"].item()
    assert "综合服务型" in r and "not assessed" in r


def test_thresholds_come_from_config():
    towns = _towns()
    cfg = config.load(overrides={"types": {"rail_station_km": 1.2, "metro_prefecture_min": 10}})
    got = types.classify(towns, cfg, CRS).set_index(towns["code"])
    assert got.loc["904", "dev_type"] == "comprehensive_service"  # station 1.5 km > 1.2
    assert got.loc["908", "dev_type"] == "commerce_logistics"  # 15 min > 10, station 1.0 km
    assert "time_prefecture_min <= 10 min" in got.attrs["assessed"]["metro_satellite"]
    cfg = config.load(overrides={"types": {"metro_prefecture_min": 16}})
    got = types.classify(towns, cfg, CRS).set_index(towns["code"])
    assert got.loc["908", "dev_type"] == "metro_satellite"  # 15 min <= 16
    default = types.classify(towns, config.load(), CRS)
    assert "time_prefecture_min" not in default.attrs["assessed"]["metro_satellite"]


def _expressway_graph():
    """Hand-made synthetic road graph (osmnx convention): motorway 1-2-3, an interchange
    link 3-4 and a primary road 4-5, west to east along lat 43.80."""
    import networkx as nx

    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(1, 6):
        G.add_node(i, x=125.25 + 0.05 * i, y=43.80)
    for u, v, hwy in ((1, 2, "motorway"), (2, 3, "motorway"), (3, 4, "motorway_link"),
                      (4, 5, "primary")):
        for a, b in ((u, v), (v, u)):
            G.add_edge(a, b, highway=hwy, length=4020.0)
    return G


def test_road_graph_expressway_access():
    towns = gpd.GeoDataFrame(
        {"code": ["a", "b"], "name": ["近互通镇", "远互通镇"], "dist_rail_km": [50.0, 50.0]},
        geometry=[shapely.Point(125.45, 43.81), shapely.Point(125.30, 43.95)], crs=4326)
    got = types.classify(towns, config.load(), CRS, roads=_expressway_graph())
    assert got["dev_type"].tolist()[0] == "commerce_logistics"
    assert "expressway access 1.1 km away" in got["dev_type_reason"].iloc[0]
    assert "expressway access" not in got["dev_type_reason"].iloc[1]
    # Node 4 joins the ramp to the primary road: the one place to get on or off.
    assert "1 expressway access nodes" in got.attrs["assessed"]["commerce_logistics"]


def _blobs(seed: int) -> pd.DataFrame:
    """Seeded synthetic normalised criteria: three well-separated groups of 40 towns."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.1, 0.1, 0.9], [0.9, 0.2, 0.1], [0.5, 0.9, 0.5]])
    X = np.vstack([c + 0.03 * rng.standard_normal((40, 3)) for c in centres])
    df = pd.DataFrame(X, columns=["norm_a", "norm_b", "norm_c"])
    df["status"] = "eligible"
    df["truth"] = np.repeat([0, 1, 2], 40)
    return df


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_seeded_clustering_is_stable_and_finds_the_groups(method):
    from sklearn.metrics import adjusted_rand_score

    df = _blobs(7)
    cfg = config.load(overrides={"types": {"cluster_method": method, "cluster_k_max": 5}})
    a = types.cluster(df, cfg)
    b = types.cluster(df, cfg)
    assert a.k == 3
    assert a.labels.equals(b.labels)
    assert adjusted_rand_score(df["truth"], a.labels.astype(int)) == 1.0
    other = types.cluster(df, config.load(overrides={"types": {
        "cluster_method": method, "cluster_k_max": 5, "seed": 123}}))
    assert other.labels.equals(a.labels)  # canonical numbering: same partition, same ids
    tab = types.contingency(a.labels, pd.Series("metro_satellite", index=df.index))
    assert tab.sum().sum() == len(df)


def test_quota_checks_name_the_type():
    towns = _towns().assign(status="eligible", tier="", prefecture_name="测试市")
    towns["dev_type"] = types.classify(towns, config.load(), CRS)["dev_type"]
    cfg = config.load(overrides={"types": {"quotas": {"provincial": {"industry_led": 1}}}})
    with pytest.raises(errors.QuotaError, match="工业主导型.*could not be assessed"):
        types.check_quota_inputs(towns, cfg, {"industry_led": "NOT ASSESSED: no layer"})
    cfg = config.load(overrides={"types": {"quotas": {"provincial": {"border_prosperity": 2},
                                                      "municipal": {"border_prosperity": 2}}}})
    with pytest.raises(errors.QuotaError, match=r"4 兴边富民型.*only 3.*测试市 3"):
        types.check_quota_inputs(towns, cfg, {})
    towns.loc[towns["code"].isin(["902", "903"]), "tier"] = "provincial"
    q = types.check_quotas(towns, cfg)
    assert q.set_index("tier").loc["provincial", "selected"] == 2
    assert q["ok"].tolist() == [True, False]


@pytest.mark.parametrize("override, fragment", [
    ({"quotas": {"national": {"metro_satellite": 1}}}, "no tier named 'national'"),
    ({"quotas": {"provincial": {"suburban": 1}}}, r"unknown key 'suburban' in \[types.quotas.provincial\]"),
    ({"quotas": {"provincial": {"metro_satellite": 31}}}, "sum to 31 but the tier has exactly 30"),
    ({"quotas": {"provincial": {"metro_satellite": -1}}}, r"metro_satellite = -1 in \[types.quotas.provincial\] of overrides: must be >= 0"),
    ({"precedence": ["metro_satellite"]}, "precedence must list"),
    ({"rail_km": 3}, "unknown key"),
    ({"border_use_county": "yes"}, "true or false"),
    ({"cluster_method": "dbscan"}, "cluster_method"),
])
def test_bad_types_config_names_the_key(override, fragment):
    with pytest.raises(errors.ConfigError, match=fragment):
        config.load(overrides={"types": override})


def test_real_mix_quota_config_is_accepted():
    mix = {"metro_satellite": 3, "industry_led": 11, "commerce_logistics": 11,
           "culture_tourism": 9, "border_prosperity": 4, "comprehensive_service": 11}
    cfg = config.load(overrides={"tiers": [{"name": "provincial", "count": 49,
                                            "tier_weight": 1.0}],
                                 "types": {"quotas": {"provincial": mix}}})
    assert cfg.types.quotas["provincial"] == mix


def test_thematic_layer_errors(tmp_path):
    with pytest.raises(errors.CRSError, match="frame"):
        io.read_thematic(FIXTURES / "industry_parks.csv", "industry")
    p = tmp_path / "p.csv"
    p.write_text("name,lon,lat\n园区,,\n", encoding="utf-8")
    with pytest.raises(errors.InputDataError, match="without geometry.*园区"):
        io.read_thematic(p, "industry", frame="EPSG:4326")
    with pytest.raises(errors.InputDataError, match="kind"):
        io.read_thematic(p, "farms", frame="EPSG:4326")


def test_osm_pbf_thematic_layer(tmp_path):
    """A synthetic OSM extract written with pyosmium: an industrial area and a tourism node."""
    import osmium

    path = tmp_path / "x.osm.pbf"
    with osmium.SimpleWriter(str(path)) as w:
        ring = [(1, 126.0, 44.0), (2, 126.01, 44.0), (3, 126.01, 44.01), (4, 126.0, 44.01)]
        for i, x, y in ring:
            w.add_node(osmium.osm.mutable.Node(id=i, location=(x, y)))
        w.add_node(osmium.osm.mutable.Node(id=9, location=(127.0, 42.5),
                                           tags={"tourism": "attraction", "name": "测试点"}))
        w.add_way(osmium.osm.mutable.Way(id=10, nodes=[1, 2, 3, 4, 1],
                                         tags={"landuse": "industrial", "name": "测试厂区"}))
    ind = io.read_thematic(path, "industry")
    assert ind["name"].tolist() == ["测试厂区"] and ind.geom_type.iloc[0] == "MultiPolygon"
    tour = io.read_thematic(path, "tourism")
    assert tour["category"].tolist() == ["attraction"]


def test_default_run_has_types_in_outputs(default_run):
    towns = default_run.towns
    assert towns["dev_type"].notna().all()
    located = towns.geometry.notna()
    assert (towns.loc[located, "dev_type"] != "").all()
    assert (towns.loc[~located, "dev_type"] == "").all()
    counts = types.type_counts(towns, default_run.cfg)
    assert counts.loc["provincial", "total"] == 30
    out = default_run.output_dir
    csv = pd.read_csv(out / "candidates.csv", encoding="utf-8-sig")
    assert {"dev_type", "dev_type_label", "dev_type_reason"} <= set(csv.columns)
    assert csv["dev_type_label"].isin(config.DEV_TYPES.values()).all()
    gpkg = gpd.read_file(out / "towns.gpkg", layer="towns")
    assert len(gpkg) == len(towns) and "dev_type_reason" in gpkg.columns
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Development types" in report
    # The embedded zones and 5A sites assess both thematic types; the partial tourism
    # layer says so.
    assert "**Not assessed**" not in report
    assert "embedded jilin_devzones_2018.csv" in report
    assert "PARTIAL: no list of 4A/3A sites" in report
    assessed = towns.loc[located, "dev_type_candidates"]
    assert assessed.str.contains("industry_led").any()
    ind = towns["dev_type"] == "industry_led"
    assert towns.loc[ind, "dev_type_reason"].str.contains("开发区|工业|园区|合作区|加工区").all()
    assert "### 省级 (provincial) towns per prefecture and type" in report
    assert "Clusters (rows) against rule-based types" in report
    fg = typemap.type_layer(towns)
    assert sum(fg.type_counts.values()) == int((towns["tier"] != "").sum())


def test_cli_run_with_thematic_layer_and_quota_error(tmp_path):
    """Three real town seats through the CLI with a hand-made industrial park next to
    范家屯镇 (synthetic layer); a quota on a type with no layer fails with exit code 4."""
    from hostile_cases import GOOD_ROWS, SMALL_TIERS, run_case

    towns = tmp_path / "towns.csv"
    towns.write_text("code,name,lon,lat\n" + GOOD_ROWS, encoding="utf-8")
    park = tmp_path / "parks.csv"
    park.write_text("name,lon,lat\n测试园区,125.081,43.621\n", encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text(SMALL_TIERS, encoding="utf-8")
    base = ["--towns", str(towns), "--towns-frame", "EPSG:4326", "--config", str(cfg)]
    code, msg = run_case(base + ["--industry", str(park), "--industry-frame", "EPSG:4326"],
                         tmp_path / "out")
    assert code == 0, msg
    csv = pd.read_csv(tmp_path / "out" / "jilin-default" / "candidates.csv",
                      encoding="utf-8-sig")
    gpkg = gpd.read_file(tmp_path / "out" / "jilin-default" / "towns.gpkg", layer="towns")
    fjt = gpkg.set_index("name").loc["范家屯镇"]
    assert "industry_led" in fjt["dev_type_candidates"]
    assert set(csv.columns) >= {"dev_type", "dev_type_label", "dev_type_reason"}
    report = (tmp_path / "out" / "jilin-default" / "report.md").read_text(encoding="utf-8")
    assert "industrial site within 3 km (1 features" in report
    cfg.write_text(SMALL_TIERS + "[types.quotas.provincial]\nculture_tourism = 1\n",
                   encoding="utf-8")
    code, msg = run_case(base, tmp_path / "out2")
    assert code == 4 and "文化旅游型" in msg and "could not be assessed" in msg


def _chain_graph():
    """Hand-made synthetic road graph: a primary road of 7 nodes west to east along lat
    43.80, about 4 km apart (no motorway)."""
    import networkx as nx

    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(7):
        G.add_node(i, x=125.30 + 0.05 * i, y=43.80)
    for u in range(6):
        for a, b in ((u, u + 1), (u + 1, u)):
            G.add_edge(a, b, highway="primary", length=4020.0)
    return G


@pytest.mark.parametrize("exact_max_nodes", [20_000, 3])
def test_commerce_type_from_route_betweenness_on_any_graph_size(exact_max_nodes):
    # Ten towns, one beside each chain node (and three more at the ends): the middle of the
    # chain carries the most routes between them. Above exact_max_nodes a seeded sample of
    # sources is used: the rule is still computed, never skipped.
    lons = [125.30 + 0.05 * i for i in range(7)] + [125.30, 125.30, 125.60]
    towns = gpd.GeoDataFrame(
        {"code": [f"{i:03d}" for i in range(10)], "name": [f"镇{i}" for i in range(10)],
         "dist_rail_km": 50.0},
        geometry=[shapely.Point(x, 43.801) for x in lons], crs=4326)
    cfg = config.load(overrides={"types": {"centrality_exact_max_nodes": exact_max_nodes,
                                           "centrality_max_sources": 4,
                                           "centrality_quantile": 0.85}})
    got = types.classify(towns, cfg, CRS, roads=_chain_graph())
    how = got.attrs["assessed"]["commerce_logistics"]
    assert "route betweenness" in how and "not computed" not in how
    assert ("seeded sample of 4" in how) == (exact_max_nodes == 3)
    mid = got.set_index(towns["code"]).loc["003"]
    assert mid["dev_type"] == "commerce_logistics"
    assert "betweenness in the top" in mid["dev_type_reason"]
    if exact_max_nodes > 3:
        ends = got.set_index(towns["code"]).loc[["000", "006"], "dev_type"]
        assert (ends == "comprehensive_service").all()
