"""report: weight per plan criterion and the correlation matrix of the scored criteria."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from spatial_towns import config
from spatial_towns.mcda import scoring
from spatial_towns.render import report


def _res():
    """SYNTHETIC seeded values: b is a near copy of a, c is independent, d is constant."""
    rng = np.random.default_rng(0)
    a = rng.random(50)
    towns = pd.DataFrame({"status": ["eligible"] * 50 + ["excluded"] * 2,
                          "prefecture_name": "某市",
                          "norm_a": np.r_[a, np.nan, np.nan],
                          "norm_b": np.r_[a + rng.normal(0, 0.02, 50), np.nan, np.nan],
                          "norm_c": np.r_[rng.random(50), np.nan, np.nan],
                          "norm_d": np.r_[np.zeros(50), np.nan, np.nan]})
    crit = [dict(column=c, direction="benefit", weight=w, group=g) for c, w, g in
            (("a", 0.4, "产业比较兴旺"), ("b", 0.2, "产业比较兴旺"), ("c", 0.3, "都市圈"), ("d", 0.1, ""))]
    cfg = config.load(overrides={"criteria": crit, "criteria_mode": "replace"})
    used = [scoring.UsedCriterion(c["column"], c["column"], "benefit", c["weight"], c["column"])
            for c in crit]
    return SimpleNamespace(towns=towns, used=used, cfg=cfg)


def test_correlation_over_eligible_towns_and_warning():
    res = _res()
    corr = report.criteria_correlation(res)
    assert list(corr.columns) == ["a", "b", "c", "d"]
    assert corr.loc["a", "b"] > 0.95 and abs(corr.loc["a", "c"]) < 0.5
    assert corr["d"].isna().all()  # constant: no correlation defined
    text = "\n".join(report._correlation_section(res))
    assert "over the 50 eligible towns" in text
    assert "Warning — strongly correlated criteria:** `a` and `b`" in text
    assert "`c`" not in text.split("Warning")[1]
    assert "Constant over the eligible towns (adds nothing to any ranking): `d`" in text


def test_weight_per_plan_criterion_sums_the_groups():
    text = "\n".join(report._groups_section(_res()))
    assert "| 产业比较兴旺 | 0.600 | `a` 0.400, `b` 0.200 |" in text
    assert "| 都市圈 | 0.300 | `c` 0.300 |" in text
    assert "| (no group) | 0.100 | `d` 0.100 |" in text


def test_regional_fit_measures_what_an_unscored_column_adds():
    """SYNTHETIC: log1p of `region_pop_60min` is 5 x criterion a plus noise, so it adds almost
    nothing (r and R² near 1); an independent column adds nearly everything. The section is
    shown only for a computed, unscored region_* column."""
    res = _res()
    rng = np.random.default_rng(1)
    el = res.towns["status"] == "eligible"
    a = res.towns["norm_a"].to_numpy()
    res.towns["region_pop_60min"] = np.expm1(5 * a + rng.normal(0, 0.05, len(a)))
    res.towns["region_pop_90min"] = np.where(el, rng.random(len(a)) * 1e5, np.nan)
    res.towns["dist_changchun_km"] = np.r_[100 * (1 - a[:50]), np.nan, np.nan]
    res.methods = {"region_pop_60min": "persons ...", "region_pop_90min": "persons ...",
                   "region_gravity": "not computed: no grid"}
    copy = report.regional_fit(res, "region_pop_60min")
    assert copy["r_max_with"] in {"a", "b"} and copy["r_max"] > 0.95 and copy["r2"] > 0.95
    assert copy["r_core"] < -0.95 and copy["n"] == 50
    other = report.regional_fit(res, "region_pop_90min")
    assert abs(other["r_max"]) < 0.4 and other["r2"] < 0.25
    text = "\n".join(report._regional_section(res))
    assert "`region_pop_60min` (log1p) over 50 eligible towns" in text
    assert "`region_pop_90min`" in text and "region_gravity" not in text
    res.used.append(scoring.UsedCriterion("region_pop_60min", "region_pop_60min", "benefit",
                                          0.1, "region_pop_60min"))
    res.used.append(scoring.UsedCriterion("region_pop_90min", "region_pop_90min", "benefit",
                                          0.1, "region_pop_90min"))
    assert report._regional_section(res) == []
