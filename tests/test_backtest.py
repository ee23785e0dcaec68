"""validate: backtests of the score on SYNTHETIC recognised lists whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from spatial_towns import config
from spatial_towns.calibration import backtest as validate


def _towns(n=200, seed=7):
    """SYNTHETIC run: n eligible towns with seeded scores, the best 30 in tier 'a', the next
    40 in tier 'b', plus two excluded towns."""
    rng = np.random.default_rng(seed)
    score = rng.permutation(np.linspace(0.0, 100.0, n))
    t = pd.DataFrame({
        "code": [f"9900{k:05d}" for k in range(n)],
        "name": [f"合成{k}镇" for k in range(n)],
        "county_code": "990001", "county_name": "合成县",
        "status": "eligible", "reason": "", "score": score,
    })
    order = np.argsort(-score, kind="stable")
    t["tier"] = ""
    t.loc[order[:30], "tier"] = "a"
    t.loc[order[30:70], "tier"] = "b"
    extra = pd.DataFrame({"code": ["990100001", "990100002"], "name": ["排除一镇", "排除二镇"],
                          "county_code": "990001", "county_name": "合成县",
                          "status": "excluded", "reason": "excluded: no seat coordinates",
                          "score": np.nan, "tier": ""})
    return pd.concat([t, extra], ignore_index=True), order


TIERS = (config.Tier(name="a", label="A", tier_weight=2.0, count=30),
         config.Tier(name="b", label="B", tier_weight=1.0, count=40))


def _rows(towns, idx):
    return pd.DataFrame({"row": np.arange(1, len(idx) + 1), "code": towns.loc[idx, "code"].to_numpy(),
                         "name": "", "county": "", "tier": "designated"})


def test_perfect_list_top_towns():
    towns, order = _towns()
    rec = _rows(towns, order[:20])
    v = validate.validate(towns, rec, tiers=TIERS, ks=[20, 30], draws=200, seed=1)
    assert v.value("roc_auc") == 1.0
    assert v.value("top_20_hit_rate") == 1.0
    assert v.value("top_30_hit_rate") == pytest.approx(20 / 30)
    # All 20 are in tier a, which holds 30 of 200 eligible towns.
    assert v.value("lift_a") == pytest.approx(1.0 / (30 / 200))
    assert v.value("lift_b") == 0.0
    assert v.value("lift_any_tier") == pytest.approx(1.0 / (70 / 200))
    assert v.n_eligible == 200 and v.n_recognised_eligible == 20
    m = v.metrics.set_index("metric")
    assert m.loc["roc_auc", "ci_low"] == pytest.approx(1.0)  # every resample is perfectly ordered
    assert m.loc["top_20_hit_rate", "chance"] == pytest.approx(20 / 200)


def test_reversed_and_random_lists():
    towns, order = _towns()
    worst = validate.validate(towns, _rows(towns, order[-20:]), tiers=TIERS, draws=0)
    assert worst.value("roc_auc") == 0.0 and worst.value("lift_any_tier") == 0.0
    rng = np.random.default_rng(3)
    pick = rng.choice(200, 40, replace=False)
    rnd = validate.validate(towns, _rows(towns, pick), tiers=TIERS, draws=300, seed=2)
    m = rnd.metrics.set_index("metric")
    # A random list is at chance level, inside its interval.
    assert m.loc["roc_auc", "ci_low"] < 0.5 < m.loc["roc_auc", "ci_high"]
    assert m.loc["lift_any_tier", "ci_low"] < 1.0 < m.loc["lift_any_tier", "ci_high"]
    assert abs(rnd.value("roc_auc") - 0.5) < 0.15


def test_unmatched_and_ineligible_rows_are_listed():
    towns, order = _towns()
    rec = pd.DataFrame({"row": [1, 2, 3], "code": [towns.loc[order[0], "code"], "990100001", ""],
                        "name": ["", "", "不存在镇"], "county": ["", "", "合成县"],
                        "tier": "designated"})
    v = validate.validate(towns, rec, tiers=TIERS, draws=50)
    assert v.unmatched["row"].tolist() == [3]
    assert v.not_eligible["town_code"].tolist() == ["990100001"]
    assert "no seat coordinates" in v.not_eligible["reason"].iloc[0]
    assert v.n_recognised_eligible == 1
    md = v.to_markdown()
    assert "不存在镇" in md and "990100001" in md


def test_same_seed_same_intervals():
    towns, order = _towns()
    rec = _rows(towns, order[5:40:3])
    a = validate.validate(towns, rec, tiers=TIERS, draws=100, seed=9).metrics
    b = validate.validate(towns, rec, tiers=TIERS, draws=100, seed=9).metrics
    pd.testing.assert_frame_equal(a, b)


def test_embedded_run_and_cli_on_a_synthetic_list(default_run, tmp_path):
    """SYNTHETIC list on the embedded run: its provincial towns by name and county (the
    matcher's path), 沐石河镇 (a 街道 since 2023: matched, not eligible) and an invented name."""
    from spatial_towns import cli

    t = default_run.towns
    prov = t[t["tier"] == "provincial"]
    rows = pd.DataFrame({"name": list(prov["name"]) + ["沐石河镇", "不存在镇"],
                         "county": list(prov["county_name"]) + ["九台区", "九台区"],
                         "note": "SYNTHETIC"})
    path = tmp_path / "recognised.csv"
    rows.to_csv(path, index=False, encoding="utf-8")
    rec = validate.read_recognised(path)
    v = validate.validate(t, rec, tiers=default_run.cfg.tiers, draws=100)
    n_elig = int((t["status"] == "eligible").sum())
    assert v.n_recognised_eligible == len(prov) == 30
    assert v.value("lift_provincial") == pytest.approx(n_elig / 30)
    assert v.value("lift_municipal") == 0.0 and v.value("lift_county") == 0.0
    assert v.value("roc_auc") > 0.9
    assert v.unmatched["name"].tolist() == ["不存在镇"]
    assert v.not_eligible["name"].tolist() == ["沐石河镇"]
    out = tmp_path / "out"
    assert cli.main(["validate", "--recognised", str(path), "--draws", "50", "--quiet",
                     "--output", str(out)]) == 0
    text = (out / default_run.cfg.run_name / "validate" / "validation.md").read_text(encoding="utf-8")
    assert "lift_provincial" in text and "不存在镇" in text
