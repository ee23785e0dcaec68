import numpy as np
import pandas as pd
import pytest

from spatial_towns import config
from spatial_towns.mcda import selection, sensitivity
from spatial_towns.pipeline import stages as pipeline

TIERS = (
    config.Tier("provincial", "省级", 3.0, count=4, per_prefecture_min=1),
    config.Tier("municipal", "市级", 2.0, min_count=6),
)


def _model(n=30, seed=0):
    rng = np.random.default_rng(seed)
    crit = pd.DataFrame(rng.uniform(0, 1, (n, 3)), columns=["a", "b", "c"],
                        index=[f"{i:03d}" for i in range(n)])
    towns = pd.DataFrame({
        "name": [f"t{i}镇" for i in range(n)],
        "county_code": [f"c{i % 6}" for i in range(n)], "county_name": [f"县{i % 6}" for i in range(n)],
        "prefecture_code": [f"p{i % 3}" for i in range(n)],
        "prefecture_name": [f"市{i % 3}" for i in range(n)],
    }, index=crit.index)
    w0 = pd.Series({"a": 0.5, "b": 0.3, "c": 0.2})

    def score_fn(w):
        return 100 * (crit * w).sum(axis=1)

    towns["score"] = score_fn(w0)
    return selection.TierSelection.from_frame(towns, TIERS), score_fn, w0


def test_tight_dirichlet_reproduces_the_base_selection():
    model, score_fn, w0 = _model()
    base = model.solve().tier
    mc = sensitivity.monte_carlo(model, score_fn, w0, draws=20, concentration=1e7, seed=1)
    assert ((mc["p_provincial"] == 1.0) == (base == "provincial")).all()
    assert ((mc["p_municipal"] == 1.0) == (base == "municipal")).all()
    rank = model.towns["score"].rank(ascending=False, method="min")
    assert (mc["rank_lo"] == rank).all() and (mc["rank_hi"] == rank).all()


def test_loose_dirichlet_gives_probabilities_and_intervals():
    model, score_fn, w0 = _model()
    mc = sensitivity.monte_carlo(model, score_fn, w0, draws=60, concentration=5.0, seed=3)
    assert mc["p_provincial"].sum() == pytest.approx(4.0)  # 4 provincial places per draw
    assert ((mc["p_provincial"] + mc["p_municipal"]) <= 1.0 + 1e-12).all()
    assert ((mc["p_provincial"] > 0) & (mc["p_provincial"] < 1)).any()
    assert (mc["rank_lo"] <= mc["rank_hi"]).all()
    again = sensitivity.monte_carlo(model, score_fn, w0, draws=60, concentration=5.0, seed=3)
    pd.testing.assert_frame_equal(mc, again)
    other = sensitivity.monte_carlo(model, score_fn, w0, draws=60, concentration=5.0, seed=4)
    assert not mc.equals(other)


def test_one_at_a_time_counts_match_a_direct_re_solve():
    model, score_fn, w0 = _model(seed=2)
    base = model.solve().tier
    oat = sensitivity.one_at_a_time(model, score_fn, w0, base, steps=(-0.9, 0.0, 2.0))
    assert (oat.loc[oat["step"] == 0.0, ["changed_provincial", "changed_municipal"]] == 0).all().all()
    row = oat[(oat["criterion"] == "a") & (oat["step"] == -0.9)].iloc[0]
    w = w0.copy()
    w["a"] *= 0.1
    w /= w.sum()
    direct = selection.TierSelection.from_frame(model.towns.assign(score=score_fn(w)), TIERS).solve().tier
    assert row["changed_provincial"] == int(((direct == "provincial") & (base != "provincial")).sum())
    assert row["weight"] == pytest.approx(round(w["a"], 4))


def test_embedded_run_has_stability_columns_and_report(default_run):
    t = default_run.towns
    for col in ("p_provincial", "p_municipal", "p_county", "rank_lo", "rank_hi"):
        assert col in t.columns
    elig = t["status"] == "eligible"
    assert t.loc[~elig, "p_provincial"].isna().all()
    assert t.loc[elig, "p_provincial"].sum() == pytest.approx(30.0)
    prov = t[t["tier"] == "provincial"]
    assert (prov["p_provincial"] > 0).all()
    assert (t.loc[elig, "rank_lo"] <= t.loc[elig, "rank_hi"]).all()
    report = (default_run.output_dir / "report.md").read_text(encoding="utf-8")
    assert "## Robustness" in report and "One weight at a time" in report


def test_run_monte_carlo_equals_the_per_draw_rescoring_path(default_run):
    """The run scores draws on criteria transformed once; re-scoring every draw from the
    criteria table (scoring.score, the earlier path) gives identical p_<tier> and ranks."""
    import dataclasses

    from spatial_towns.mcda import scoring

    res = default_run
    state = res._state
    eligible = res.towns["status"] == "eligible"
    codes = res.towns["code"].to_numpy()

    def rescore(w):
        u2 = [dataclasses.replace(u, weight=float(w.get(u.name, 0.0))) for u in res.used]
        s = scoring.score(state.table, eligible, u2, res.cfg.aggregation)["score"]
        return pd.Series(s.to_numpy(), index=codes)

    weights = pd.Series({u.name: u.weight for u in res.used if u.column}, dtype=float)
    sc = res.cfg.sensitivity
    old = sensitivity.monte_carlo(state.model, rescore, weights, draws=15,
                                  concentration=sc.concentration, seed=sc.seed)
    # The run's own robustness step (pipeline._robustness) with the same draws and seed.
    cfg = dataclasses.replace(res.cfg, sensitivity=dataclasses.replace(sc, draws=15))
    new = pipeline._robustness(state.model, state.table, eligible, res.used, res.towns["code"],
                               res.selection, cfg, progress=False)
    pd.testing.assert_frame_equal(old, new.towns, check_exact=True)
    assert (old["p_provincial"] > 0).sum() >= 30
    oat_old = sensitivity.one_at_a_time(state.model, rescore, weights, res.selection.tier,
                                        steps=sc.steps)
    pd.testing.assert_frame_equal(oat_old, new.oat, check_exact=True)
