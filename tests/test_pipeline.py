import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import SHARED

from spatial_towns import config, errors
from spatial_towns.data import datasets
from spatial_towns.pipeline import ingest, records, runfolder
from spatial_towns.pipeline import stages as pipeline


def test_every_input_town_is_in_the_output(default_run):
    towns = default_run.towns
    # Every 2016 unit, plus the 2023 units the 2016 list lacks (without a seat point).
    old = towns[towns["list_2023"] != "new"]
    assert set(old["code"]) == set(datasets.towns_table()["code"] + "000")
    new = towns[towns["list_2023"] == "new"]
    assert len(new) > 0 and new.geometry.isna().all()
    assert set(new["code"].str[:9]) <= set(datasets.townships_2023()["code"])
    assert towns["code"].is_unique
    excluded = towns["status"] == "excluded"
    assert (towns.loc[excluded, "reason"].str.startswith("excluded: ")).all()
    assert (towns.loc[~excluded, "reason"] != "").all()


def test_embedded_run_meets_the_plan_quotas(default_run):
    towns = default_run.towns
    sel = towns[towns["tier"] != ""]
    counts = sel["tier"].value_counts()
    assert counts["provincial"] == 30 and counts["municipal"] == 40 and counts["county"] >= 50
    assert (sel["kind"] == "镇").all()  # only 建制镇
    per_pref = pd.crosstab(sel["prefecture_code"], sel["tier"])
    assert len(per_pref) == 9
    assert (per_pref["provincial"] >= 2).all() and (per_pref["municipal"] >= 2).all()
    eligible_counties = towns.loc[towns["status"] == "eligible", "county_code"].unique()
    county_tier = sel.loc[sel["tier"] == "county", "county_code"]
    assert set(eligible_counties) <= set(county_tier)


def test_only_located_towns_inside_jilin_are_scored(default_run):
    towns = default_run.towns
    scored = towns[towns["score"].notna()]
    assert scored.geometry.notna().all()
    assert scored["score"].between(0, 100).all()
    # distances are in km in a metric CRS: Jilin is ~800 km across
    assert scored["dist_changchun_km"].max() < 900
    assert 0 < scored["dist_border_km"].min() < 20


def test_outputs_written_and_map_needs_no_internet(default_run):
    files = default_run.files
    assert set(files) >= {"candidates.csv", "towns.gpkg", "map.html", "report.md"}
    raw = files["candidates.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM so Excel reads Chinese
    page = files["map.html"].read_text(encoding="utf-8")
    assert '<script src="http' not in page and 'rel="stylesheet" href="http' not in page
    assert "省级示范镇" in page
    gpkg = gpd.read_file(files["towns.gpkg"])
    assert len(gpkg) == len(default_run.towns)
    assert {"tier", "reason", "score", "rank"} <= set(gpkg.columns)
    report = files["report.md"].read_text(encoding="utf-8")
    assert "not computed" in report.lower()
    assert "OSM major-road skeleton (simplified" in report and "© OpenStreetMap contributors" in report


def test_eligibility_follows_the_2023_township_list(default_run):
    """2016 镇 that are 街道 in the 2023 list are excluded with that reason; kind is checked
    before location, so every "no seat coordinates" exclusion is a 镇."""
    t = default_run.towns.set_index("code")
    for code, now in (("220113100000", "沐石河街道"), ("220113101000", "城子街街道")):
        assert t.loc[code, "kind_2016"] == "镇" and t.loc[code, "kind"] == "街道"
        assert t.loc[code, "name_2023"] == now
        assert t.loc[code, "status"] == "excluded"
        assert "a 街道 in the 2023 township list" in t.loc[code, "reason"]
    # Renamed (圣水河子镇 → 圣水镇) and recoded (范家屯镇, 公主岭 220381 → 220184) towns keep
    # their 2016 seat point and stay eligible.
    for code, how, now in (("220524105000", "renamed", "220524105"),
                           ("220381103000", "recoded", "220184103")):
        assert t.loc[code, "list_2023"] == how and t.loc[code, "code_2023"] == now
        assert t.loc[code, "status"] == "eligible" and t.loc[code, "geometry"] is not None
    no_point = t["reason"].str.contains("no seat coordinates")
    assert no_point.sum() > 0 and (t.loc[no_point, "kind"] == "镇").all()
    assert (t.loc[t["status"] == "eligible", "kind"] == "镇").all()
    report = default_run.files["report.md"].read_text(encoding="utf-8")
    n_zhen = int((t["kind"] == "镇").sum())
    assert f"of the {n_zhen} units of an eligible kind" in report
    assert f"{int(no_point.sum())} have no seat point" in report


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_input_same_output(default_run, tmp_path):
    again = pipeline.run(config.load(), output_dir=tmp_path, progress=False)
    for name in ("candidates.csv", "report.md", "map.html"):
        assert _digest(again.files[name]) == _digest(default_run.files[name]), name
    a = pyogrio.read_dataframe(again.files["towns.gpkg"])
    b = pyogrio.read_dataframe(default_run.files["towns.gpkg"])
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))


def test_a_run_leaves_no_object_frozen(default_run):
    """run() keeps what existed before it out of the collector's full passes only while it
    runs (and its children's forks froze more): afterwards every object is collectable."""
    import gc
    assert gc.get_freeze_count() == 0


def test_print_maps_drawn_concurrently_are_the_same_bytes(default_run, tmp_path):
    # default_run drew its print maps in a forked child (on more than one CPU) and its
    # clusters too; drawn here, in this process, every file is the same.
    files = runfolder.write_outputs(default_run, tmp_path, concurrent=False)
    assert set(files) == set(default_run.files)
    for name in sorted(set(files) - {"towns.gpkg"}):
        assert _digest(files[name]) == _digest(default_run.files[name]), name


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(errors.OutputError, match="not writable"):
        pipeline.run(config.load(), output_dir=blocker, progress=False)


@pytest.mark.skipif(not (SHARED / "vonng-adcode-jilin").exists(), reason="../shared/data absent")
def test_full_pipeline_on_shared_reference_data(tmp_path):
    inputs = records.Inputs(
        towns=str(SHARED / "vonng-adcode-jilin" / "jilin_adcode_2016.csv"), towns_frame="GCJ-02",
        stations=str(SHARED / "osm-railway-stations-jilin" / "jilin_railway_stations_osm_2025.geojson"),
    )
    res = pipeline.run(config.load(overrides={"run_name": "shared"}), inputs, output_dir=tmp_path,
                       progress=False)
    assert len(res.towns) == 1009  # town rows; 11,370 village rows etc. are counted as ignored
    assert "village" in res.provenance["towns"]
    assert (res.towns["tier"] == "provincial").sum() == 30


def test_ilp_beats_or_ties_the_greedy_on_the_embedded_data(default_run):
    sel = default_run.selection
    assert sel.greedy_objective is not None
    assert sel.objective >= sel.greedy_objective - 1e-6
    report = (default_run.output_dir / "report.md").read_text(encoding="utf-8")
    assert f"{sel.greedy_objective:.2f}" in report


def test_spacing_and_pinned_from_config(tmp_path):
    """A pinned low-scoring town stays provincial; provincial towns keep 15 km apart."""
    from spatial_towns import config
    from spatial_towns.pipeline import stages as pipeline

    base = pipeline.run(config.load(), output_dir=None, progress=False)
    elig = base.towns[base.towns["status"] == "eligible"]
    low = elig.sort_values("score").iloc[0]["code"]
    cfg = config.load(overrides={"tiers": [
        {"name": "provincial", "label": "省级", "count": 30, "per_prefecture_min": 2,
         "tier_weight": 3.0, "min_spacing_km": 15.0, "pinned": [low]},
        {"name": "municipal", "label": "市级", "min_count": 40, "per_prefecture_min": 2,
         "tier_weight": 2.0},
    ]})
    res = pipeline.run(cfg, output_dir=None, progress=False)
    t = res.towns.set_index("code")
    assert t.loc[low, "tier"] == "provincial" and "pinned" in t.loc[low, "reason"]
    prov = t[t["tier"] == "provincial"].geometry.to_crs(res.crs)
    xy = np.column_stack([prov.x, prov.y])
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert d[np.triu_indices(len(xy), 1)].min() >= 15_000


def test_run_with_a_road_file_has_network_columns_and_map_layers(tmp_path):
    """The hand-made tiny_roads.osm (synthetic roads near Changchun) through the whole run:
    prepared once and cached beside the file, network columns in towns.gpkg, main roads and
    provincial isochrones on the map."""
    import shutil

    from conftest import FIXTURES

    from spatial_towns import network

    roads = tmp_path / "roads.osm"
    shutil.copy(FIXTURES / "tiny_roads.osm", roads)
    cfg = config.load(overrides={"run_name": "roads", "sensitivity": {"draws": 0}})
    res = pipeline.run(cfg, records.Inputs(roads=str(roads)), output_dir=tmp_path, progress=False)
    assert network.cache_path(roads).exists()
    gpkg = pyogrio.read_dataframe(res.output_dir / "towns.gpkg")
    for col in ("time_expressway_min", "snap_km", "network_flag", "time_changchun_min"):
        assert col in gpkg.columns
    assert "road graph" in res.methods["time_changchun_min"]
    assert gpkg["time_expressway_min"].notna().any()
    assert len(res.map_layers["roads"]) == 4
    page = (res.output_dir / "map.html").read_text(encoding="utf-8")
    assert not res.map_layers["isochrones"].empty
    # Layer-control names are JSON-escaped in the page: match their ASCII part.
    assert "(isochrones)" in page and "(road network)" in page


def test_default_run_drives_on_the_embedded_osm_skeleton(default_run):
    """Without --roads the Jilin default run times every trip on the embedded OSM major-road
    skeleton (not the FALLBACK), keeps every located town with a time, and no time beats the
    straight line at the skeleton's speed."""
    res = default_run
    acc = res.cfg.access
    assert "© OpenStreetMap contributors, ODbL" in res.provenance["roads"]
    located = res.towns.geometry.notna()
    for col, dist in (("time_changchun_min", "dist_changchun_km"),
                      ("time_prefecture_min", "dist_prefecture_seat_km"),
                      ("time_county_seat_min", "dist_county_seat_km"),
                      ("time_rail_min", "dist_rail_km")):
        assert "by road on the OSM major-road skeleton (simplified)" in res.methods[col]
        assert "FALLBACK" not in res.methods[col]
        t = res.towns.loc[located, col]
        assert t.notna().all()
        assert (t >= res.towns.loc[located, dist] / acc.network_speed_kmh * 60 - 1e-9).all()
    assert "more than" in res.methods["network_flag"]
    page = res.files["map.html"].read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors, ODbL" in page and "road-line" in page


def test_embedded_roads_only_in_the_jilin_default_and_switchable():
    cfg = config.from_dict(config.merge(config.load().to_dict(),
                                        {"access": {"embedded_roads": False}}))
    assert not ingest._embedded_roads(records.Inputs(), cfg)
    assert ingest._embedded_roads(records.Inputs(), config.load())
    assert not ingest._embedded_roads(records.Inputs(national="x.csv"), config.load())


def test_default_run_has_a_regional_catchment_never_a_town_population(default_run):
    """The embedded GPW grid gives every located town a 60-minute catchment on the skeleton
    (at most the grid's people, at least its own piece's), unscored and reported with its
    figures; no pop_within_km (a town's own population) is made from it."""
    from spatial_towns.data import datasets

    res = default_run
    located = res.towns.geometry.notna() & (res.towns["county_code"].notna())
    c = res.towns.loc[located, "region_pop_60min"]
    total = datasets.jilin_population_grid()["pop"].sum()
    assert c.notna().all() and (c > 0).all() and (c <= total + 1).all()
    assert res.towns.loc[located, "region_gravity"].le(c).all()  # weights exp(-beta t) <= 1
    assert res.towns["pop_within_km"].isna().all()
    assert res.methods["pop_within_km"].startswith("not computed")
    assert "not the town's own population" in res.methods["region_pop_60min"]
    assert "region_pop_60min" not in {u.column for u in res.used}
    assert "CC BY 4.0" in res.provenance["population_grid"]
    text = res.files["report.md"].read_text(encoding="utf-8")
    assert "### Regional catchment (computed, not scored)" in text


def test_embedded_population_grid_only_in_the_jilin_default_and_switchable():
    cfg = config.from_dict(config.merge(config.load().to_dict(),
                                        {"access": {"embedded_population_grid": False}}))
    assert not ingest._embedded_population_grid(records.Inputs(), cfg)
    assert ingest._embedded_population_grid(records.Inputs(), config.load())
    assert not ingest._embedded_population_grid(records.Inputs(national="x.csv"),
                                                config.load())
