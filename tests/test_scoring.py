import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatial_towns import config, errors
from spatial_towns.mcda import scoring, selection
from spatial_towns.pipeline import stages as pipeline
from spatial_towns.render import report

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _crit(col, direction, weight, fallback=None):
    return config.Criterion(column=col, direction=direction, weight=weight, fallback=fallback)


def test_contributions_add_up_to_score_and_weights_normalise():
    t = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [30.0, 20.0, 10.0]})
    elig = pd.Series(True, index=t.index)
    used = scoring.resolve(t, elig, (_crit("a", "benefit", 3), _crit("b", "cost", 1)))
    assert [u.weight for u in used] == [0.75, 0.25]
    s = scoring.score(t, elig, used)
    np.testing.assert_allclose(s["contrib_a"] + s["contrib_b"], s["score"])
    assert s["score"].tolist() == [0.0, 50.0, 100.0]
    assert s["rank"].tolist() == [3, 2, 1]


def test_fallback_is_used_and_stated_when_column_missing():
    t = pd.DataFrame({"a": [np.nan, np.nan], "f": [1.0, 2.0]})
    elig = pd.Series(True, index=t.index)
    (u,) = scoring.resolve(t, elig, (_crit("a", "benefit", 1, fallback="f"),))
    assert u.column == "f" and "fallback" in u.note


def test_ineligible_towns_do_not_set_bounds():
    t = pd.DataFrame({"a": [1.0, 2.0, 1000.0]})
    elig = pd.Series([True, True, False])
    used = scoring.resolve(t, elig, (_crit("a", "benefit", 1),))
    s = scoring.score(t, elig, used)
    assert s["score"].iloc[1] == 100.0 and np.isnan(s["score"].iloc[2])


def test_unknown_criterion_is_a_config_error():
    t = pd.DataFrame({"a": [1.0]})
    with pytest.raises(errors.ConfigError, match="not a column"):
        scoring.resolve(t, pd.Series([True]), (_crit("zzz", "benefit", 1),))


def _rescore(run, cfg):
    """Re-score the default run's criteria table under another config's method settings."""
    t = run.towns
    elig = t["status"] == "eligible"
    used = scoring.resolve(t, elig, cfg.criteria)
    used, rec = scoring.weigh(t, elig, used, cfg.weighting)
    return scoring.score(t, elig, used, cfg.aggregation), rec


def test_default_method_reproduces_the_run_exactly(default_run):
    s, rec = _rescore(default_run, config.load())
    assert rec.method == "expert"
    pd.testing.assert_series_equal(s["score"], default_run.towns["score"])


@pytest.mark.parametrize("override", [
    {"aggregation": {"method": "topsis"}},
    {"weighting": {"method": "entropy"}},
    {"weighting": {"method": "critic"}},
    "ahp.toml",
])
def test_switching_method_changes_scores_deterministically(default_run, override):
    cfg = (config.load(EXAMPLES / override) if isinstance(override, str)
           else config.load(overrides=override))
    a, rec = _rescore(default_run, cfg)
    b, _ = _rescore(default_run, cfg)
    pd.testing.assert_frame_equal(a, b)
    elig = default_run.towns["status"] == "eligible"
    assert a["score"][elig].between(0, 100).all() and a["score"][~elig].isna().all()
    assert not np.allclose(a["score"][elig], default_run.towns["score"][elig])
    assert sum(rec.weights.values()) == pytest.approx(1.0)
    contrib = a[[c for c in a.columns if c.startswith("contrib_")]]
    np.testing.assert_allclose(contrib[elig].sum(axis=1), a["score"][elig], atol=1e-9)


def test_topsis_changes_the_selection_input_only_through_score(default_run):
    s, _ = _rescore(default_run, config.load(overrides={"aggregation": {"method": "topsis"}}))
    t = default_run.towns
    elig = t["status"] == "eligible"
    sel_in = t.loc[elig, ["code", "name", "county_code", "county_name", "prefecture_code",
                          "prefecture_name"]].assign(score=s.loc[elig, "score"])
    res = selection.TierSelection.from_frame(sel_in.set_index("code"),
                                             default_run.cfg.tiers).solve()
    prov = {c for c, tier in res.tier.items() if tier == "provincial"}
    assert len(prov) == 30
    base = set(t.loc[t["tier"] == "provincial", "code"])
    assert prov != base  # measured on the embedded data: 2 towns differ


def test_pipeline_applies_hard_constraint_and_reports_method():
    """One extra embedded run (no files): max 480 min to Changchun, CRITIC weights, TOPSIS."""
    crit = [dict(c) for c in config.load().to_dict()["criteria"]]
    crit = [c for c in crit if c["column"] != "time_changchun_min"]
    # Constraint only (weight 0): the default does not score the time to Changchun.
    crit.append({"column": "time_changchun_min", "direction": "cost", "weight": 0, "max": 480})
    cfg = config.load(overrides={"criteria": crit, "criteria_mode": "replace",
                                 "weighting": {"method": "critic"},
                                 "aggregation": {"method": "topsis"}})
    res = pipeline.run(cfg, output_dir=None, progress=False)
    t = res.towns
    hard = t["reason"].str.contains("hard constraint", regex=False)
    assert hard.sum() > 0
    assert (t.loc[hard, "status"] == "excluded").all() and t.loc[hard, "score"].isna().all()
    assert (t.loc[hard, "time_changchun_min"] > 480).all()
    assert t.loc[hard, "reason"].str.match(r"excluded: time_changchun_min = [\d.]+ > max 480").all()
    assert (t.loc[t["status"] == "eligible", "time_changchun_min"] <= 480).all()
    assert res.weighting.method == "critic"
    text = report.render(res)
    assert "weighting: **critic**" in text and "aggregation: **topsis**" in text
    assert "≤ 480" in text and f"{int(hard.sum())} town(s) excluded by a hard constraint" in text


@pytest.mark.parametrize("agg", [config.Aggregation(), config.Aggregation("topsis"),
                                 config.Aggregation("owa", (0.4, 0.3, 0.2, 0.1))])
def test_scorer_on_cached_criteria_equals_score_bit_for_bit(agg):
    rng = np.random.default_rng(5)
    t = pd.DataFrame(rng.gamma(2.0, 3.0, (60, 4)), columns=list("abcd"))
    t.loc[[3, 17], "a"] = 1e6  # ineligible outliers must not move the bounds
    elig = pd.Series(True, index=t.index)
    elig[[3, 17, 40]] = False
    crit = (_crit("a", "benefit", 3), _crit("b", "cost", 2), _crit("c", "benefit", 1),
            _crit("d", "benefit", 1))
    used = scoring.resolve(t, elig, crit)
    scorer = scoring.Scorer.from_table(t, elig, used, agg)
    draws = pd.DataFrame(rng.dirichlet(np.ones(4), size=25), columns=list("abcd"))
    many = scorer.score_many(draws)
    for d in range(len(draws)):
        u2 = [dataclasses.replace(u, weight=float(draws.iloc[d][u.name])) for u in used]
        direct = scoring.score(t, elig, u2, agg)["score"][elig]
        np.testing.assert_array_equal(scorer.score(draws.iloc[d]).to_numpy(), direct.to_numpy())
        np.testing.assert_array_equal(many.iloc[d].to_numpy(), direct.to_numpy())
    assert list(many.columns) == list(t.index[elig])


def test_score_against_a_reference_does_not_depend_on_the_other_towns():
    t = pd.DataFrame({"a": [1.0, 5.0, 3.0, 50.0], "b": [10.0, 0.0, 4.0, 2.0]},
                     index=["r1", "r2", "r3", "x"])
    crit = (config.Criterion("a", "benefit", 0.5), config.Criterion("b", "cost", 0.5))
    ref = pd.Series([True, True, True, False], index=t.index)
    alone = scoring.score(t[ref], ref[ref], scoring.resolve(t[ref], ref[ref], crit))["score"]
    every = pd.Series(True, index=t.index)
    used = scoring.resolve(t, every, crit)
    against = scoring.score_against(t, ref, every, used)["score"]
    # the reference towns score as over themselves alone, whoever else is scored ...
    pd.testing.assert_series_equal(against[ref], alone, check_names=False)
    # ... unlike a min-max over every town, which the outlier x stretches
    assert not np.allclose(scoring.score(t, every, used)["score"][ref], alone)
    # and the other town is on their scale: a = 50 is far above the reference range
    assert against["x"] == pytest.approx(100 * (0.5 * (50 - 1) / 4 + 0.5 * (10 - 2) / 10))


def _combo_table():
    rng = np.random.default_rng(11)
    t = pd.DataFrame({"a": rng.uniform(0, 60, 30), "b": rng.uniform(1, 9, 30),
                      "c": rng.uniform(100, 900, 30)})
    elig = pd.Series(True, index=t.index)
    used = scoring.resolve(t, elig, (_crit("a", "cost", 2), _crit("b", "benefit", 1),
                                     _crit("c", "benefit", 1)))
    return t, elig, used


@pytest.mark.parametrize("rule, alpha", [("linear", 0.3), ("multiplicative", 0.5)])
def test_combined_weights_mix_expert_and_entropy_by_the_rule(rule, alpha):
    t, elig, used = _combo_table()
    w = config.load(overrides={"weighting": {"method": "combined", "subjective": "expert",
                                             "objective": "entropy", "rule": rule,
                                             "alpha": alpha}}).weighting
    out, rec = scoring.weigh(t, elig, used, w)
    s = np.array([0.5, 0.25, 0.25])
    _, ent = scoring.weigh(t, elig, used, config.load(
        overrides={"weighting": {"method": "entropy"}}).weighting)
    o = np.array(list(ent.weights.values()))
    want = alpha * s + (1 - alpha) * o if rule == "linear" else s * o / (s * o).sum()
    np.testing.assert_allclose([u.weight for u in out], want, atol=1e-12)
    np.testing.assert_allclose(list(rec.parts["subjective"].values()), s, atol=1e-12)
    np.testing.assert_allclose(list(rec.parts["objective"].values()), o, atol=1e-12)
    assert rec.method == "combined" and rule in rec.note


def test_panel_weights_are_taken_as_given_and_needed():
    t, elig, used = _combo_table()
    w = config.load(overrides={"weighting": {"method": "panel", "panel": ["x.csv"]}}).weighting
    out, rec = scoring.weigh(t, elig, used, w, given={"a": 0.2, "b": 0.2, "c": 0.6},
                             given_note="SYNTHETIC panel")
    assert [u.weight for u in out] == pytest.approx([0.2, 0.2, 0.6])
    assert rec.note == "SYNTHETIC panel"
    with pytest.raises(errors.ConfigError, match="needs the panel's answers"):
        scoring.weigh(t, elig, used, w)
