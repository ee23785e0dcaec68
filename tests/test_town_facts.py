"""The embedded town facts table (data_raw/jilin_town_facts.csv, made by data_raw/prepare.py).

Real data: the stored table must equal a fresh computation from ../shared/data (skipped when
that folder is absent); the checks on the stored file run everywhere.
"""


import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SHARED, load_prepare

FACTS = ROOT / "data_raw" / "jilin_town_facts.csv"
NUMERIC = ["urban_units", "villages", "village_level_units", "devzone_km", "scenic5a_km",
           "county_density_km2"]
SOURCES = ["vonng-adcode-jilin", "devzones-jilin-2018", "mct-5a-jilin", "tudigong-census2020-jilin"]


def _stored() -> pd.DataFrame:
    return pd.read_csv(FACTS, dtype={"code": str, "name": str, "county_code": str},
                       encoding="utf-8")


def test_stored_table_keys_and_counts():
    t = _stored()
    assert len(t) == 1009 and t["code"].is_unique
    assert t["code"].str.fullmatch(r"22\d{10}").all()
    assert t["county_code"].str.fullmatch(r"22\d{4}").all()
    # Every village-level unit is counted once (11,370 in the 2016 list).
    assert t["village_level_units"].sum() == 11370
    assert (t["urban_units"] + t["villages"] <= t["village_level_units"]).all()
    # The two examples of ../shared/README.md.
    row = t.set_index("code")
    assert row.loc["220103171000", ["urban_units", "villages"]].tolist() == [6, 15]
    assert row.loc["222426102000", ["urban_units", "villages"]].tolist() == [2, 7]
    # Distances exist exactly for the 749 units with a source seat point and the 79 located
    # by the seat supplement, and are metric (km).
    assert t["devzone_km"].notna().sum() == 749 + 79 and t["scenic5a_km"].notna().sum() == 828
    assert t["devzone_km"].max() < 150 and t["county_density_km2"].min() > 0


@pytest.mark.skipif(not all((SHARED / s).exists() for s in SOURCES),
                    reason="../shared/data absent")
def test_stored_table_equals_fresh_computation():
    prepare = load_prepare()
    fresh = prepare.town_facts(SHARED)
    stored = _stored()
    assert list(fresh.columns) == list(stored.columns)
    pd.testing.assert_frame_equal(fresh[["code", "name", "county_code"]].astype(str),
                                  stored[["code", "name", "county_code"]].astype(str))
    for col in NUMERIC:
        # The CSV keeps 3 decimals.
        np.testing.assert_allclose(fresh[col].to_numpy(float), stored[col].to_numpy(float),
                                   atol=6e-4, equal_nan=True, err_msg=col)


@pytest.mark.skipif(not all((SHARED / s).exists() for s in SOURCES),
                    reason="../shared/data absent")
def test_stored_thematic_layers_equal_a_fresh_preparation():
    prepare = load_prepare()
    industry, tourism = prepare.thematic_layers(SHARED)
    for fresh, name in ((industry, prepare.DEVZONES), (tourism, prepare.SCENIC5A)):
        stored = pd.read_csv(ROOT / "data_raw" / name, dtype={"category": str})
        pd.testing.assert_frame_equal(fresh.reset_index(drop=True), stored, check_dtype=False)
    assert len(industry) == 62 and len(tourism) == 7
    assert (industry["placed"].str.startswith("seat of")).sum() == 13


def test_embedded_thematic_layers_are_in_jilin():
    from spatial_towns.data import datasets

    jilin = datasets.counties().union_all().buffer(0.01)
    for kind, n in (("industry", 62), ("tourism", 7)):
        layer = datasets.thematic(kind)
        assert len(layer) == n and layer.crs.to_epsg() == 4326
        assert layer.within(jilin).all(), kind
        assert layer["name"].str.len().gt(0).all()
        assert layer.attrs["path"].startswith("embedded ")
