import dataclasses

import numpy as np
import pandas as pd
import pytest
from selection_rules import meets_rules, reference_reasons

from spatial_towns import config, errors
from spatial_towns.mcda import selection


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
                  for t, c in zip(TIERS, (5, 7, 9), strict=True))
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
@pytest.mark.parametrize("minimums", ["this_tier", "this_tier_or_higher"])
def test_ilp_is_never_worse_than_the_feasible_greedy(seed, minimums):
    towns = _towns(n=45, seed=seed)
    tiers = tuple(dataclasses.replace(t, minimums=minimums) for t in TIERS)
    model = selection.TierSelection.from_frame(towns, tiers)
    res = model.solve()
    greedy = model.greedy()
    assert greedy is not None
    assert meets_rules(towns, greedy, tiers, res.sizes)  # the greedy pick is feasible too
    assert meets_rules(towns, res.tier, tiers, res.sizes)
    w = {t.name: t.tier_weight for t in tiers}
    greedy_obj = sum(w[t] * towns.score[i] for i, t in greedy.items() if t)
    assert res.greedy_objective == pytest.approx(greedy_obj)
    assert res.objective >= greedy_obj - 1e-6
    # greedy_diff is exactly the towns whose tier differs, and it is empty only when the two
    # picks are the same (then so are the objectives).
    assert res.greedy_diff == sorted(towns.index[res.tier != greedy])
    if not res.greedy_diff:
        assert res.objective == pytest.approx(greedy_obj)
    if res.objective > greedy_obj + 1e-6:
        assert res.greedy_diff


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


def test_re_solves_are_optimal_and_do_not_depend_on_earlier_solves():
    """assign() keeps one HiGHS model and changes only its costs: every re-solve must reach
    the branch-and-bound optimum for its scores, and give the same tiers in any order (each
    starts from the basis of the model's own scores, not from the previous solve)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    towns = _towns(n=50, seed=3)
    rng = np.random.default_rng(7)
    draws = [towns.sort_index()["score"].to_numpy() * rng.uniform(0.6, 1.4, len(towns))
             for _ in range(12)]
    model = selection.TierSelection.from_frame(towns, TIERS)
    model.solve()
    forward = [model.assign(d) for d in draws]
    again = selection.TierSelection.from_frame(towns, TIERS)
    backward = [again.assign(d) for d in reversed(draws)][::-1]
    A, lo, hi, _ = model._constraints()
    w = np.array([t.tier_weight for t in TIERS] + [0.0])
    for d, f, b in zip(draws, forward, backward, strict=True):
        assert (f == b).all()
        c = -np.concatenate([t.tier_weight * d for t in TIERS])
        ref = milp(c, constraints=LinearConstraint(A, lo, hi), integrality=np.ones(len(c)),
                   bounds=Bounds(0, 1))
        assert float((w[f] * d).sum()) == pytest.approx(-ref.fun)
        assert [int((f == k).sum()) for k in range(len(TIERS))] == list(model.sizes.values())


def test_solving_prints_nothing(capfd):
    """highspy's constructor prints a banner at the C level; a run's output must not get it."""
    model = selection.TierSelection.from_frame(_towns(n=30, seed=1), TIERS)
    model.solve()
    model.assign(model.towns["score"].to_numpy()[::-1].copy())
    out, err = capfd.readouterr()
    assert out == "" and err == ""


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


# -- tier minimums: "this tier" (literal) or "this tier or higher" (cumulative) ---------------

def _two_counties():
    """County A's three towns are the best; county B's are weaker. One prefecture."""
    return pd.DataFrame({
        "name": ["A1镇", "A2镇", "A3镇", "B1镇", "B2镇", "B3镇", "B4镇"],
        "score": [100.0, 90.0, 80.0, 50.0, 40.0, 30.0, 20.0],
        "county_code": ["cA"] * 3 + ["cB"] * 4, "county_name": ["甲县"] * 3 + ["乙县"] * 4,
        "prefecture_code": ["p"] * 7, "prefecture_name": ["市"] * 7,
    }, index=["a1", "a2", "a3", "b1", "b2", "b3", "b4"])


def _minimum_tiers(minimums):
    return (config.Tier("provincial", "省级", 3.0, count=3),
            config.Tier("county", "县级", 1.0, min_count=2, per_county_min=1, minimums=minimums))


def test_literal_minimum_holds_a_county_tier_town_and_says_whose_minimum():
    towns = _two_counties()
    res = selection.TierSelection.from_frame(towns, _minimum_tiers("this_tier")).solve()
    assert list(res.tier) == ["provincial", "provincial", "county", "provincial", "county", "", ""]
    # A3 fills its own county's minimum: the reason and the binding unit say so.
    assert res.binding["a3"] == "county_code=cA"
    assert "甲县's minimum of 1 县级 town" in res.reason["a3"]
    assert "by score it would be 省级" in res.reason["a3"]
    # B1 rose into the provincial place A3 left; it is not held by any minimum.
    assert res.binding["b1"] == ""
    assert "A3镇" in res.reason["b1"]


def test_cumulative_minimum_is_met_by_higher_tiers():
    towns = _two_counties()
    res = selection.TierSelection.from_frame(towns, _minimum_tiers("this_tier_or_higher")).solve()
    # 甲县 has provincial towns, so it needs no county-tier town; 乙县 has none higher.
    assert list(res.tier) == ["provincial"] * 3 + ["county", "county", "", ""]
    assert res.sizes == {"provincial": 3, "county": 2}
    assert (res.binding == "").all()  # every town where its score puts it
    greedy = selection.TierSelection.from_frame(towns, _minimum_tiers("this_tier_or_higher")).greedy()
    assert list(greedy) == list(res.tier)


def test_cumulative_minimum_binds_where_no_higher_tier_town_is():
    towns = _two_counties()
    tiers = (config.Tier("provincial", "省级", 3.0, count=2),
             config.Tier("county", "县级", 1.0, min_count=1, per_county_min=1,
                         minimums="this_tier_or_higher"))
    res = selection.TierSelection.from_frame(towns, tiers).solve()
    # 乙县 has no provincial town: its best town is the county tier's, held up by the rule.
    assert res.tier["b1"] == "county" and res.binding["b1"] == "county_code=cB"
    assert "乙县's minimum of 1 县级-or-higher town" in res.reason["b1"]
    assert res.tier["a3"] == ""


def test_a_town_placed_by_score_below_weaker_higher_towns_names_them():
    """The municipal town that outscores a provincial one must not read 'by score' alone."""
    towns = pd.DataFrame({
        "name": ["甲1镇", "甲2镇", "甲3镇", "甲4镇", "乙1镇", "乙2镇"],
        "score": [100.0, 90.0, 80.0, 70.0, 10.0, 5.0],
        "county_code": ["c1"] * 4 + ["c2"] * 2, "county_name": ["县1"] * 4 + ["县2"] * 2,
        "prefecture_code": ["p1"] * 4 + ["p2"] * 2, "prefecture_name": ["甲市"] * 4 + ["乙市"] * 2,
    }, index=["j1", "j2", "j3", "j4", "y1", "y2"])
    tiers = (config.Tier("provincial", "省级", 3.0, count=2, per_prefecture_min=1),
             config.Tier("municipal", "市级", 2.0, count=2))
    res = selection.TierSelection.from_frame(towns, tiers).solve()
    assert list(res.tier) == ["provincial", "municipal", "municipal", "", "provincial", ""]
    assert res.binding["y1"] == "prefecture_code=p2"
    assert "乙市's minimum of 1 省级 town" in res.reason["y1"]
    # 甲2 would be provincial by score; 乙1 took its place for 乙市's minimum.
    assert "乙1镇" in res.reason["j2"] and "乙市" in res.reason["j2"]
    # 甲3 is municipal by score yet outscores 乙1 (provincial): the reason says why.
    assert res.reason["j3"].startswith("市级: by score; it outscores 1 town")
    assert "乙1镇" in res.reason["j3"] and "乙市" in res.reason["j3"]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("minimums", ["this_tier", "this_tier_or_higher"])
def test_every_inversion_is_explained_by_a_binding_unit(seed, minimums):
    """A better town below a worse one: one of the two is held by a minimum of its own
    unit, and that minimum is exactly met (removing the town would break it)."""
    towns = _towns(seed=seed)
    tiers = tuple(dataclasses.replace(t, minimums=minimums) for t in TIERS)
    res = selection.TierSelection.from_frame(towns, tiers).solve()
    k_of = res.tier.map({t.name: k for k, t in enumerate(tiers)}).fillna(len(tiers))
    order = towns["score"].sort_values(ascending=False).index
    inversions = 0
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            if k_of[a] > k_of[b]:
                inversions += 1
                assert res.binding[a] or res.binding[b], (a, b, res.reason[a], res.reason[b])
    assert inversions > 0  # the instances do exercise the rule
    for code, unit in res.binding[res.binding != ""].items():
        key, value = unit.split("=")
        assert towns.at[code, key] == value  # the town's own unit
        k = int(k_of[code])
        t = tiers[k]
        m = t.per_county_min if key == "county_code" else t.per_prefecture_min
        counted = (k_of <= k) if t.cumulative else (k_of == k)
        assert int((counted & (towns[key] == value)).sum()) == m  # exactly met: it binds
        assert towns.at[code, key.replace("_code", "_name")] in res.reason[code]


def test_minimums_option_is_validated():
    with pytest.raises(errors.ConfigError, match="this_tier_or_higher"):
        config.load(overrides={"tiers": [{"name": "a", "tier_weight": 1.0, "count": 1,
                                          "minimums": "cumulative"}]})


# -- regional balance (#16): per_prefecture_max, proportional allocation ----------------------

def _lopsided(n_big=20, n_small=5):
    """Prefecture 大市 has the best towns; 小市 a quarter of the towns, all weaker."""
    big = [f"b{i:02d}" for i in range(n_big)]
    small = [f"s{i:02d}" for i in range(n_small)]
    return pd.DataFrame({
        "name": [f"{c}镇" for c in big + small],
        "score": list(np.linspace(100, 60, n_big)) + list(np.linspace(50, 40, n_small)),
        "county_code": ["cb"] * n_big + ["cs"] * n_small,
        "county_name": ["大县"] * n_big + ["小县"] * n_small,
        "prefecture_code": ["pb"] * n_big + ["ps"] * n_small,
        "prefecture_name": ["大市"] * n_big + ["小市"] * n_small,
    }, index=big + small)


def test_balance_is_off_by_default_and_per_prefecture_max_caps():
    towns = _lopsided()
    free = selection.TierSelection.from_frame(
        towns, (config.Tier("provincial", "省级", 1.0, count=10),)).solve()
    assert (towns.loc[free.tier == "provincial", "prefecture_code"] == "pb").all()
    capped = selection.TierSelection.from_frame(
        towns, (config.Tier("provincial", "省级", 1.0, count=10, per_prefecture_max=7),)).solve()
    picked = towns[capped.tier == "provincial"]
    assert picked["prefecture_code"].value_counts().to_dict() == {"pb": 7, "ps": 3}
    # The best 小市 towns fill the places; the cap is named for the 大市 towns it holds out.
    assert set(picked.index) == {f"b{i:02d}" for i in range(7)} | {"s00", "s01", "s02"}
    assert "大市 has reached its cap of 7 省级 towns" in capped.reason["b07"]
    assert capped.binding["b07"] == "prefecture_code=pb"


def test_proportional_allocation_follows_the_eligible_towns():
    towns = _lopsided()  # 20 and 5 eligible towns: shares 0.8 and 0.2
    tier = config.Tier("provincial", "省级", 1.0, count=10, allocation="proportional")
    model = selection.TierSelection.from_frame(towns, (tier,))
    res = model.solve()
    assert towns.loc[res.tier == "provincial", "prefecture_code"].value_counts().to_dict() == {
        "pb": 8, "ps": 2}
    lo, hi = model.prefecture_bounds(tier)
    assert list(lo) == [8, 2] and list(hi) == [8, 2]
    # A fractional share gives a floor-ceiling band: 7 places -> 5.6 and 1.4.
    t7 = dataclasses.replace(tier, count=7)
    m7 = selection.TierSelection.from_frame(towns, (t7,))
    m7.solve()
    lo, hi = m7.prefecture_bounds(t7)
    assert list(lo) == [5, 1] and list(hi) == [6, 2]
    assert model.greedy() is not None


def test_impossible_balance_is_a_quota_error_naming_the_rule():
    towns = _lopsided()
    tier = config.Tier("provincial", "省级", 1.0, count=10, per_prefecture_max=4)
    with pytest.raises(errors.QuotaError, match="per_prefecture_max = 4 allows 0-8"):
        selection.TierSelection.from_frame(towns, (tier,)).solve()
    with pytest.raises(errors.ConfigError, match="per_prefecture_max = 1 is below"):
        config.load(overrides={"tiers": [{"name": "a", "tier_weight": 1.0, "count": 4,
                                          "per_prefecture_min": 2, "per_prefecture_max": 1}]})


def test_cap_is_named_even_when_ties_put_the_town_outside_the_tier_by_score():
    """Hypothesis found it: among tied scores the pure ranking already leaves the town out of
    the capped tier, yet the cap is what keeps it below a weaker town of another prefecture."""
    towns = pd.DataFrame({
        "name": [f"t{i}" for i in range(9)],
        "score": [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        "county_code": ["c0", "c1"] * 4 + ["c0"], "county_name": ["c0", "c1"] * 4 + ["c0"],
        "prefecture_code": ["p0", "p1"] * 4 + ["p0"],
        "prefecture_name": ["p0", "p1"] * 4 + ["p0"],
    }, index=[f"{i:03d}" for i in range(9)])
    tiers = (config.Tier("provincial", "省级", 3.0, count=6, per_prefecture_max=3),
             config.Tier("municipal", "市级", 2.0, min_count=1),
             config.Tier("county", "县级", 1.0, min_count=1))
    res = selection.TierSelection.from_frame(towns, tiers).solve()
    assert (towns.loc[res.tier == "provincial", "prefecture_code"] == "p0").sum() == 3
    below = towns.index[(towns["prefecture_code"] == "p0") & (res.tier != "provincial")]
    assert len(below) == 2
    for code in below:
        assert res.binding[code] == "prefecture_code=p0"
        assert "p0 has reached its cap of 3 省级 towns" in res.reason[code]


def test_a_town_above_a_better_one_and_capped_below_a_weaker_one_names_the_cap():
    """Hypothesis found it (the swap property of test_properties): 002 (score 1, 市级) sits
    above 000 (2, 县级, held there by c0's county minimum) and below 003 (0, 省级, p1's
    place: p0 has reached its 省级 cap of 2 with 010 and 012). The pick is optimal; swapping
    002 and 003 breaks p0's cap, so 002's own unit binds, yet the reasons only asked what
    holds 002 up (nothing) and left it without a binding unit."""
    scores = [2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 2]
    county = np.arange(13) % 4
    towns = pd.DataFrame({
        "name": [f"t{i}" for i in range(13)], "score": [float(s) for s in scores],
        "county_code": [f"c{c}" for c in county], "county_name": [f"c{c}" for c in county],
        "prefecture_code": [f"p{c % 2}" for c in county],
        "prefecture_name": [f"p{c % 2}" for c in county],
    }, index=[f"{i:03d}" for i in range(13)])
    tiers = (config.Tier("provincial", "省级", 3.0, count=3, per_prefecture_max=2),
             config.Tier("municipal", "市级", 2.0, min_count=1),
             config.Tier("county", "县级", 1.0, min_count=1, per_county_min=1))
    res = selection.TierSelection.from_frame(towns, tiers).solve(compare_greedy=False)
    assert res.objective == 17.0  # the optimum (enumerating all feasible picks gives 17)
    assert meets_rules(towns, res.tier, tiers, res.sizes)
    assert list(res.tier[["000", "002", "003", "010", "012"]]) == [
        "county", "municipal", "provincial", "provincial", "provincial"]
    for a, b in (("000", "002"), ("002", "003")):  # c0's county minimum; p0's 省级 cap
        swapped = res.tier.copy()
        swapped[a], swapped[b] = res.tier[b], res.tier[a]
        assert not meets_rules(towns, swapped, tiers, res.sizes), (a, b)
    assert res.binding["000"] == "county_code=c0"
    assert res.binding["002"] == "prefecture_code=p0"
    assert res.reason["002"] == "市级: p0 has reached its cap of 2 省级 towns (its prefecture)"
    k_of = res.tier.map({t.name: k for k, t in enumerate(tiers)}).fillna(len(tiers))
    for a in towns.index:
        for b in towns.index:
            if towns.at[a, "score"] > towns.at[b, "score"] and k_of[a] > k_of[b]:
                assert res.binding[a] or res.binding[b], (a, b, res.reason[a], res.reason[b])


def test_top_tier_cumulative_minimum_reads_as_its_own_tier():
    towns = pd.DataFrame({
        "name": ["甲1镇", "甲2镇", "乙1镇"], "score": [100.0, 90.0, 10.0],
        "county_code": ["c1", "c1", "c2"], "county_name": ["县1", "县1", "县2"],
        "prefecture_code": ["p1", "p1", "p2"], "prefecture_name": ["甲市", "甲市", "乙市"],
    }, index=["j1", "j2", "y1"])
    tiers = (config.Tier("provincial", "省级", 3.0, count=2, per_prefecture_min=1,
                         minimums="this_tier_or_higher"),)
    res = selection.TierSelection.from_frame(towns, tiers).solve()
    assert res.tier["y1"] == "provincial"
    assert "乙市's minimum of 1 省级 town (its prefecture)" in res.reason["y1"]


# -- the reasons' texts: the tabulated look-ups against the plain column-by-column reading ----

#: Which branch of the reasons a text comes from, by the words only that branch writes.
_BRANCHES = {
    "pinned": r": pinned \(already designated\)$",
    "held up: county minimum": r": to meet \S+'s minimum of \d+ \S+ towns? \(its county\)",
    "held up: prefecture minimum": r": to meet \S+'s minimum of \d+ \S+ towns? \(its prefecture\)",
    "held up: cumulative minimum": r": to meet .*-or-higher town",
    "held up: proportional share": r": to meet \S+'s proportional share of",
    "held up: type quota": r": to meet the \S+ quota of",
    "better towns held lower": "better towns held in a lower tier by their own unit's rule",
    "held down: minimum": r": fills \S+'s minimum of",
    "held down: cap reached": r"has reached its cap of",
    "held down: share reached": r"has reached its proportional share of",
    "spacing": r": within [\d.]+ km of .* spacing\)",
    "place went to": r": its place in \S+ went to \S",
    "place went to: and more": r": its place in .*; and \d+ more",
    "place went to a minimum": "went to a town needed for a minimum",
    "named: pinned": r"\(pinned\)",
    "named: held": r"\(\S+'s minimum of",
    "named: by score": r"\(by score\)",
    "other rules of the tier": r"\(or (type quota|spacing rule)",
    "outscores": r"; it outscores \d+ town\(s\) of a higher tier",
    "by score": r"^\S+: by score$",
    "below the cut-off": "^not selected: score below the lowest tier's cut-off$",
}


def _rich_towns(seed, n=90):
    """Towns over 4 prefectures and 12 counties of unequal size, with points (metres,
    a made-up metric CRS) and two development types, scores drawn at random (many of them
    tied for odd seeds)."""
    rng = np.random.default_rng(seed)
    county = rng.choice(12, n, p=np.linspace(2, 1, 12) / np.linspace(2, 1, 12).sum())
    county[:12] = np.arange(12)  # every county has a town
    pref = county % 4
    return pd.DataFrame({
        "name": [f"t{i}镇" for i in range(n)],
        # Odd seeds: many tied scores, for the tie-breaks by code.
        "score": rng.uniform(0, 100, n).round(1) if seed % 2 == 0 else rng.integers(0, 25, n) * 4.0,
        "county_code": [f"c{c:02d}" for c in county],
        "county_name": [f"县{c}" for c in county],
        "prefecture_code": [f"p{p}" for p in pref],
        "prefecture_name": [f"市{p}" for p in pref],
        "x_m": rng.uniform(0, 150_000, n), "y_m": rng.uniform(0, 150_000, n),
        "dev_type": np.where(rng.uniform(size=n) < 0.2, "border_prosperity", "agri"),
    }, index=[f"{i:03d}" for i in range(n)])


def _rich_cases(seed):
    """(towns, tiers, type quotas) setups between them reaching every branch of the reasons."""
    towns = _rich_towns(seed)
    weakest = list(towns["score"].sort_values().index[:2])
    literal = (
        config.Tier("provincial", "省级", 3.0, count=8, per_prefecture_min=1,
                    pinned=(weakest[0],)),
        config.Tier("municipal", "市级", 2.0, min_count=10, per_prefecture_min=2),
        config.Tier("county", "县级", 1.0, min_count=12, per_county_min=1))
    cumulative = tuple(dataclasses.replace(t, minimums="this_tier_or_higher", pinned=())
                       for t in literal)
    capped = (config.Tier("provincial", "省级", 3.0, count=10, per_prefecture_max=3),
              config.Tier("municipal", "市级", 2.0, count=12, per_prefecture_max=4,
                          pinned=(weakest[1],)),
              config.Tier("county", "县级", 1.0, min_count=12, per_county_min=1))
    share = (config.Tier("provincial", "省级", 3.0, count=9, allocation="proportional"),
             config.Tier("municipal", "市级", 2.0, count=11, allocation="proportional"),
             config.Tier("county", "县级", 1.0, count=10))
    spaced = (config.Tier("provincial", "省级", 3.0, count=6, min_spacing_km=40.0),
              config.Tier("municipal", "市级", 2.0, count=10, per_prefecture_min=1,
                          min_spacing_km=15.0),
              config.Tier("county", "县级", 1.0, count=12))
    quotas = {"provincial": {"border_prosperity": 3}, "municipal": {"border_prosperity": 3}}
    return [(towns, literal, None), (towns, cumulative, None), (towns, capped, None),
            (towns, share, None), (towns, spaced, quotas)]


def _tied_at_a_cap():
    """A town tied with a capped higher tier's weakest town: that tier holds no *weaker*
    town, so the cap named is the lower tier's. 甲3 or 甲2 (50, whichever the solver leaves
    out) sits below 乙2 (20, 市级); 省级 holds 乙1 at 50, not below it."""
    towns = pd.DataFrame({
        "name": ["甲1镇", "甲2镇", "甲3镇", "乙1镇", "乙2镇", "乙3镇"],
        "score": [100.0, 50.0, 50.0, 50.0, 20.0, 10.0],
        "county_code": ["c1"] * 3 + ["c2"] * 3, "county_name": ["县1"] * 3 + ["县2"] * 3,
        "prefecture_code": ["p1"] * 3 + ["p2"] * 3, "prefecture_name": ["甲市"] * 3 + ["乙市"] * 3,
    }, index=["j1", "j2", "j3", "y1", "y2", "y3"])
    tiers = (config.Tier("provincial", "省级", 3.0, count=2, per_prefecture_max=1),
             config.Tier("municipal", "市级", 2.0, count=2, per_prefecture_max=1))
    return towns, tiers, None


def test_reasons_match_the_plain_reading_word_for_word_on_every_branch():
    """The reasons and binding units the model gives are exactly those of the column-by-column
    reference (tests/selection_rules.py) on seeded synthetic selections, and between them
    those selections reach every branch of the reasons."""
    import re

    seen: set[str] = set()
    cases = [case for seed in range(4) for case in _rich_cases(seed)] + [_tied_at_a_cap()]
    for towns, tiers, quotas in cases:
        model = selection.TierSelection.from_frame(towns, tiers, type_quotas=quotas)
        res = model.solve(compare_greedy=False)
        reason, binding = reference_reasons(model, res.tier, model._pinned())
        pd.testing.assert_series_equal(res.reason, reason)
        pd.testing.assert_series_equal(res.binding, binding)
        for text in res.reason:
            hits = [b for b, pattern in _BRANCHES.items() if re.search(pattern, text)]
            assert hits, text  # every text is one of the known branches
            seen.update(hits)
    assert seen == set(_BRANCHES), sorted(set(_BRANCHES) - seen)
    # The tie case does reach its point: the lower tier's cap, not the tied tier's.
    assert any(r.startswith("not selected: 甲市 has reached its cap of 1 市级 towns")
               for r in res.reason), list(res.reason)
