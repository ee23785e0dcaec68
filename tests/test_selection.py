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


def test_ilp_is_never_worse_than_a_feasible_greedy():
    towns = _towns(n=30, seed=5)
    tiers = tuple(config.Tier(t.name, t.label, t.tier_weight, count=c)
                  for t, c in zip(TIERS, (4, 6, 8)))
    model = selection.TierSelection.from_frame(towns, tiers)
    res = model.solve()
    greedy = model.greedy()
    w = {t.name: t.tier_weight for t in tiers}
    greedy_obj = sum(w[t] * towns.score[i] for i, t in greedy.items() if t)
    assert res.objective >= greedy_obj - 1e-6


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
