import numpy as np
import pandas as pd
import pytest

from spatial_towns import config, errors
from spatial_towns.mcda import normalise as transforms

X = pd.Series(np.linspace(-50.0, 250.0, 301))


def test_minmax_directions():
    s = pd.Series([0.0, 5.0, 10.0])
    assert list(transforms.minmax(s, "benefit")) == [0.0, 0.5, 1.0]
    assert list(transforms.minmax(s, "cost")) == [1.0, 0.5, 0.0]
    assert list(transforms.minmax(pd.Series([3.0, 3.0]), "benefit")) == [0.0, 0.0]


@pytest.mark.parametrize("direction", ["benefit", "cost"])
def test_sigmoid_is_monotone_bounded_and_half_at_midpoint(direction):
    m = transforms.sigmoid(X, direction, midpoint=60.0, spread=15.0)
    d = np.diff(m.to_numpy())
    assert ((d > 0) if direction == "benefit" else (d < 0)).all()
    assert ((m > 0) & (m < 1)).all()
    assert transforms.sigmoid(pd.Series([60.0]), direction, 60.0, 15.0).iloc[0] == 0.5
    # spread is one logistic unit: at midpoint + spread the benefit membership is 1/(1+e^-1)
    at = transforms.sigmoid(pd.Series([75.0]), direction, 60.0, 15.0).iloc[0]
    want = 1 / (1 + np.exp(-1.0))
    assert at == pytest.approx(want if direction == "benefit" else 1 - want, abs=1e-12)


def test_sigmoid_does_not_overflow_far_from_midpoint():
    m = transforms.sigmoid(pd.Series([-1e6, 1e6]), "benefit", 0.0, 1.0)
    assert m.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("direction", ["benefit", "cost"])
def test_linear_is_clipped_monotone_between_thresholds(direction):
    m = transforms.linear(X, direction, lower=30.0, upper=120.0)
    assert m.between(0, 1).all()
    d = np.diff(m.to_numpy())
    assert ((d >= 0) if direction == "benefit" else (d <= 0)).all()
    lo, hi = (0.0, 1.0) if direction == "benefit" else (1.0, 0.0)
    assert (m[X <= 30] == lo).all() and (m[X >= 120] == hi).all()
    assert transforms.linear(pd.Series([75.0]), direction, 30.0, 120.0).iloc[0] == 0.5


def test_fuzzy_transforms_are_absolute_minmax_is_relative():
    few, many = pd.Series([10.0, 20.0]), pd.Series([10.0, 20.0, 200.0])
    sig = config.Transform("sigmoid", midpoint=15.0, spread=5.0)
    assert transforms.apply(few, "benefit", sig).tolist() == \
        transforms.apply(many, "benefit", sig).iloc[:2].tolist()
    assert transforms.apply(few, "benefit").tolist() != \
        transforms.apply(many, "benefit").iloc[:2].tolist()


def test_missing_values_stay_missing():
    s = pd.Series([1.0, np.nan, 3.0])
    for t in (config.Transform(), config.Transform("sigmoid", midpoint=2, spread=1),
              config.Transform("linear", lower=0, upper=4)):
        assert transforms.apply(s, "cost", t).isna().tolist() == [False, True, False]


def _crit(col, **kw):
    return config.Criterion(column=col, direction="cost", weight=1.0, **kw)


def test_constraints_name_criterion_and_value():
    t = pd.DataFrame({"t": [30.0, 95.5, np.nan, 200.0], "p": [5.0, 5.0, 5.0, 0.5]})
    elig = pd.Series([True, True, True, False])
    r = transforms.constraint_reasons(
        t, elig, (_crit("t", exclude_above=90.0), _crit("p", exclude_below=1.0)))
    assert r[0] == ""
    assert r[1] == "t = 95.5 > max 90 (hard constraint)"
    assert "no value for t" in r[2]
    assert r[3] == ""  # already ineligible: its earlier reason stands


def test_constraint_on_uncomputed_column_is_a_config_error():
    t = pd.DataFrame({"t": [np.nan, np.nan]})
    with pytest.raises(errors.ConfigError, match="'t' has a hard constraint"):
        transforms.constraint_reasons(t, pd.Series([True, True]), (_crit("t", exclude_below=1.0),))


def _one(**kw):
    return {"criteria_mode": "replace",
            "criteria": [{"column": "dist_rail_km", "direction": "cost", "weight": 1, **kw}]}


@pytest.mark.parametrize(
    "extra, fragment",
    [
        ({"transform": "exp"}, "transform = 'exp' in .* must be one of 'minmax'"),
        ({"transform": "sigmoid", "midpoint": 10}, "needs spread"),
        ({"transform": "sigmoid", "midpoint": 10, "spread": 0}, "spread 0.0 must be > 0"),
        ({"transform": "linear", "lower": 10, "upper": 5}, "lower 10.0 must be below upper"),
        ({"lower": 1}, "lower only applies to transform = 'linear'"),
        ({"transform": "linear", "lower": 1, "upper": 5, "spread": 2}, "spread only applies"),
        ({"min": 10, "max": 5}, "min 10.0 > max 5.0"),
        ({"max": "far"}, "max = 'far' in .*: must be a number"),
        ({"maximum": 90}, r"unknown key 'maximum' in \[\[criteria\]\] \(column = 'dist_rail_km'\)"),
    ],
)
def test_bad_transform_or_constraint_config_names_the_criterion(extra, fragment):
    with pytest.raises(errors.ConfigError, match=fragment) as exc:
        config.load(overrides=_one(**extra))
    assert "dist_rail_km" in str(exc.value)


def test_transform_and_constraints_parse():
    cfg = config.load(overrides=_one(transform="sigmoid", midpoint=8, spread=3, max=40))
    (c,) = cfg.criteria
    assert c.transform == config.Transform("sigmoid", midpoint=8.0, spread=3.0)
    assert c.exclude_above == 40.0 and c.exclude_below is None
