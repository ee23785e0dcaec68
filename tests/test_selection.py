import numpy as np
import pandas as pd
import pytest

from spatial_towns import config, errors, selection


def _towns(n=60, n_pref=3, n_county=6, seed=0):
    rng = np.random.default_rng(seed)
    county = np.arange(n) % n_county
    pref = county % n_pref
    return pd.DataFrame(
        {
            "name": [f"t{i}镇" for i in range(n)],
            "score": rng.uniform(0, 100, n).round(3),
            "county_code": [f"c{c}" for c in county],
            "county_name": [f"县{c}" for c in county],
            "prefecture_code": [f"p{p}" for p in pref],
            "prefecture_name": [f"市{p}" for p in pref],
        },
        index=[f"{i:03d}" for i in range(n)],
    )


TIERS = (
    config.Tier("provincial", "省级", 3.0, count=6, per_prefecture_min=2),
    config.Tier("municipal", "市级", 2.0, min_count=8, per_prefecture_min=2),
    config.Tier("county", "县级", 1.0, min_count=5, per_county_min=1),
)


def test_quotas_are_met():
    towns = _towns()
    res = selection.TierSelection.from_frame(towns, TIERS).solve()
    assert res.sizes == {"provincial": 6, "municipal": 8, "county": 6}
    for t in TIERS:
        picked = towns[res.tier == t.name]
        assert len(picked) == res.sizes[t.name]
        if t.per_prefecture_min:
            assert picked["prefecture_code"].value_counts().reindex(
                towns["prefecture_code"].unique(), fill_value=0).min() >= 2
        if t.per_county_min:
            assert picked["county_code"].nunique() == towns["county_code"].nunique()


def test_without_unit_minimums_tiers_follow_the_score_order():
    """The pitfall of a plain-sum objective: it may put the 2nd-best town in a lower tier.
    With tier weights, and no unit minimums, tiers must be exactly the score order."""
    towns = _towns(n=40)
    tiers = tuple(config.Tier(t.name, t.label, t.tier_weight, count=c)
                  for t, c in zip(TIERS, (5, 7, 9)))
    res = selection.TierSelection.from_frame(towns, tiers).solve()
    order = towns["score"].sort_values(ascending=False).index
    assert (res.tier[order[:5]] == "provincial").all()
    assert (res.tier[order[5:12]] == "municipal").all()
    assert (res.tier[order[12:21]] == "county").all()
    assert (res.tier[order[21:]] == "").all()


def test_better_town_is_above_worse_unless_a_quota_says_why():
    towns = _towns(seed=3)
    res = selection.TierSelection.from_frame(towns, TIERS).solve()
    rank = {"provincial": 0, "municipal": 1, "county": 2, "": 3}
    for a in towns.index:
        for b in towns.index:
            if towns.score[a] > towns.score[b] and rank[res.tier[a]] > rank[res.tier[b]]:
                assert "minimum" in res.reason[b] or "minimum" in res.reason[a]


@pytest.mark.parametrize("seed", range(8))
def test_ilp_is_never_worse_than_the_feasible_greedy(seed):
    towns = _towns(n=45, seed=seed)
    model = selection.TierSelection.from_frame(towns, TIERS)
    res = model.solve()
    greedy = model.greedy()
    assert greedy is not None
    for t in TIERS:  # the greedy pick is feasible too
        picked = towns[greedy == t.name]
        assert len(picked) == res.sizes[t.name]
        if t.per_prefecture_min:
            assert picked["prefecture_code"].value_counts().min() >= t.per_prefecture_min
    w = {t.name: t.tier_weight for t in TIERS}
    greedy_obj = sum(w[t] * towns.score[i] for i, t in greedy.items() if t)
    assert res.greedy_objective == pytest.approx(greedy_obj)
    assert res.objective >= greedy_obj - 1e-6
    assert bool(res.greedy_diff) == (res.objective > greedy_obj + 1e-6) or res.greedy_diff


def test_greedy_can_be_strictly_worse():
    """Hand-made spacing clash: the greedy takes A (best), which is within 10 km of both B and
    C, so it must add D; the ILP takes B and C, worth more together (160 > 100)."""
    towns = pd.DataFrame({
        "name": ["A镇", "B镇", "C镇", "D镇"], "score": [90.0, 80.0, 80.0, 10.0],
        "county_code": ["c"] * 4, "county_name": ["县"] * 4,
        "prefecture_code": ["p"] * 4, "prefecture_name": ["市"] * 4,
        "x_m": [0.0, -8_000.0, 8_000.0, 50_000.0], "y_m": [0.0] * 4,
    }, index=["a", "b", "c", "d"])
    tiers = (config.Tier("provincial", "省级", 1.0, count=2, min_spacing_km=10.0),)
    res = selection.TierSelection.from_frame(towns, tiers).solve()
    assert sorted(res.tier[res.tier != ""].index) == ["b", "c"]
    assert res.objective == pytest.approx(160.0)
    assert res.greedy_objective == pytest.approx(100.0)  # A + D
    assert res.greedy_diff == ["a", "b", "c", "d"]
    assert "within 10 km of" in res.reason["a"]
    assert "integer program" in res.method


def test_spacing_is_respected_on_random_instances():
    towns = _towns(n=60, seed=11)
    rng = np.random.default_rng(11)
    towns["x_m"], towns["y_m"] = rng.uniform(0, 200_000, (2, len(towns)))
    tiers = (config.Tier("provincial", "省级", 3.0, count=6, per_prefecture_min=2,
                         min_spacing_km=30.0),) + TIERS[1:]
    res = selection.TierSelection.from_frame(towns, tiers).solve()
    prov = towns[res.tier == "provincial"][["x_m", "y_m"]].to_numpy()
    d = np.hypot(*(prov[:, None, :] - prov[None, :, :]).transpose(2, 0, 1))
    assert d[np.triu_indices(len(prov), 1)].min() >= 30_000.0
    unconstrained = selection.TierSelection.from_frame(towns, TIERS).solve()
    assert res.objective <= unconstrained.objective + 1e-6


def test_pinned_towns_stay_and_unknown_pins_are_named():
    towns = _towns(n=45, seed=2)
    worst = towns["score"].idxmin()
    tiers = (config.Tier("provincial", "省级", 3.0, count=6, per_prefecture_min=2,
                         pinned=(worst,)),) + TIERS[1:]
    res = selection.TierSelection.from_frame(towns, tiers).solve()
    assert res.tier[worst] == "provincial"
    assert res.reason[worst] == "省级: pinned (already designated)"
    bad = (config.Tier("provincial", "省级", 3.0, count=6, pinned=("999999",)),) + TIERS[1:]
    with pytest.raises(errors.QuotaError, match="999999"):
        selection.TierSelection.from_frame(towns, bad).solve()
    twice = (tiers[0], config.Tier("municipal", "市级", 2.0, min_count=8, pinned=(worst,)),
             TIERS[2])
    with pytest.raises(errors.ConfigError, match="pinned in both"):
        selection.TierSelection.from_frame(towns, twice).solve()


def test_type_quotas_hold_and_impossible_mix_is_named():
    towns = _towns(n=45, seed=4)
    towns["dev_type"] = np.where(np.arange(45) % 5 == 0, "border_prosperity", "comprehensive_service")
    quotas = {"provincial": {"border_prosperity": 3}}
    res = selection.TierSelection.from_frame(towns, TIERS, type_quotas=quotas).solve()
    assert (towns.loc[res.tier == "provincial", "dev_type"] == "border_prosperity").sum() >= 3
    with pytest.raises(errors.QuotaError, match="border_prosperity"):
        selection.TierSelection.from_frame(
            towns, TIERS, type_quotas={"provincial": {"border_prosperity": 6},
                                       "municipal": {"border_prosperity": 4}}).solve()


def test_lp_shortcut_equals_the_integer_program():
    """Without spacing or type rows the LP relaxation is integral; the answer must equal
    the branch-and-bound one (objective) and meet the same quotas."""
    for seed in range(5):
        towns = _towns(n=50, seed=seed)
        model = selection.TierSelection.from_frame(towns, TIERS)
        res = model.solve()
        assert res.method.startswith("LP relaxation")
        from scipy.optimize import Bounds, LinearConstraint, milp
        A, lo, hi, flow = model._constraints()
        assert flow
        c = -np.concatenate([t.tier_weight * towns.sort_index()["score"].to_numpy() for t in TIERS])
        ref = milp(c, constraints=LinearConstraint(A, lo, hi), integrality=np.ones(len(c)),
                   bounds=Bounds(0, 1))
        assert res.objective == pytest.approx(-ref.fun)


def test_prefecture_that_cannot_meet_its_minimum_is_named():
    towns = _towns(n=30)
    towns.loc[towns.prefecture_code == "p2", "prefecture_code"] = "p1"
    towns.loc["000", ["prefecture_code", "prefecture_name"]] = ["p9", "小市"]
    with pytest.raises(errors.QuotaError, match="小市"):
        selection.TierSelection.from_frame(towns, TIERS).solve()


def test_tier_sizes_beyond_the_candidates_are_refused():
    towns = _towns(n=10)
    with pytest.raises(errors.QuotaError, match="eligible"):
        selection.TierSelection.from_frame(towns, TIERS).solve()
