import numpy as np
import pandas as pd
import pytest

from spatial_towns import config, errors
from spatial_towns.mcda import aggregation, scoring

pymcdm = pytest.importorskip("pymcdm")
from pymcdm.methods import TOPSIS  # noqa: E402

RNG = np.random.default_rng(11)
# Seeded synthetic decision matrices with mixed benefit (1) and cost (-1) criteria.
CASES = [
    (RNG.uniform(1, 50, (8, 3)), np.array([0.5, 0.3, 0.2]), np.array([1, -1, 1])),
    (RNG.uniform(0, 1000, (40, 5)), np.array([0.1, 0.2, 0.3, 0.25, 0.15]),
     np.array([-1, -1, 1, 1, -1])),
    (np.array([[1.0, 3000.0], [2.0, 3750.0], [5.0, 4500.0]]), np.array([0.5, 0.5]),
     np.array([-1, 1])),
]


def _scored(x, w, types, method, **agg):
    cols = [f"c{j}" for j in range(x.shape[1])]
    t = pd.DataFrame(x, columns=cols)
    crit = tuple(config.Criterion(column=c, direction="benefit" if k > 0 else "cost",
                                  weight=float(wj)) for c, wj, k in zip(cols, w, types, strict=True))
    elig = pd.Series(True, index=t.index)
    used = scoring.resolve(t, elig, crit)
    return scoring.score(t, elig, used, config.Aggregation(method=method, **agg)), cols


@pytest.mark.parametrize("x, w, types", CASES)
def test_topsis_matches_pymcdm_incl_cost_criteria(x, w, types):
    s, cols = _scored(x, w, types, "topsis")
    ref = TOPSIS()(x, w, types)
    np.testing.assert_allclose(s["score"] / 100.0, ref, rtol=0, atol=1e-9)
    # contributions add up to the score, each is >= 0
    np.testing.assert_allclose(s[[f"contrib_{c}" for c in cols]].sum(axis=1), s["score"],
                               atol=1e-9)
    assert (s[[f"contrib_{c}" for c in cols]] >= 0).all().all()


def test_topsis_without_any_variation_scores_zero():
    norm = pd.DataFrame({"a": [0.0, 0.0], "b": [0.0, 0.0]})
    score, contrib = aggregation.topsis(norm, pd.Series({"a": 0.5, "b": 0.5}))
    assert score.tolist() == [0.0, 0.0] and (contrib == 0).all().all()


@pytest.mark.parametrize("x, w, types", CASES)
def test_owa_with_equal_order_weights_is_wlc(x, w, types):
    n = x.shape[1]
    owa, _ = _scored(x, w, types, "owa", order_weights=tuple([1.0] * n))
    wlc, _ = _scored(x, w, types, "wlc")
    np.testing.assert_allclose(owa["score"], wlc["score"], atol=1e-9)


def test_owa_or_and_extremes():
    norm = pd.DataFrame({"a": [0.2, 0.9, 0.5], "b": [0.6, 0.1, 0.5], "c": [0.4, 0.3, 0.5]})
    w = pd.Series({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    best, contrib = aggregation.owa(norm, w, (1.0, 0.0, 0.0))
    worst, _ = aggregation.owa(norm, w, (0.0, 0.0, 1.0))
    np.testing.assert_allclose(best, 100 * norm.max(axis=1))
    np.testing.assert_allclose(worst, 100 * norm.min(axis=1))
    np.testing.assert_allclose(contrib.sum(axis=1), best)


def test_owa_order_weights_must_match_criteria():
    norm = pd.DataFrame({"a": [0.2], "b": [0.6]})
    with pytest.raises(errors.ConfigError, match="has 3 entries but 2 criteria are scored"):
        aggregation.owa(norm, pd.Series({"a": 0.5, "b": 0.5}), (1.0, 1.0, 1.0))


@pytest.mark.parametrize(
    "agg, fragment",
    [
        ({"method": "electre"}, r"method = 'electre' in \[aggregation\].*must be one of 'wlc', 'topsis' or 'owa'"),
        ({"method": "owa"}, r"\[aggregation\].*method = 'owa' needs order_weights"),
        ({"method": "owa", "order_weights": [1, -1]}, r"order_weights\[1\] = -1 in \[aggregation\].*>= 0"),
        ({"method": "wlc", "ideal": 1}, r"unknown key 'ideal' in \[aggregation\]"),
    ],
)
def test_bad_aggregation_config_is_specific(agg, fragment):
    with pytest.raises(errors.ConfigError, match=fragment):
        config.load(overrides={"aggregation": agg})


def test_order_weights():
    assert aggregation.order_weights(4, 0.0) == pytest.approx((0.25,) * 4)
    u = aggregation.order_weights(5, 1.0)
    assert sum(u) == pytest.approx(1.0) and u[0] > u[-1] == 0.0
    with pytest.raises(errors.ConfigError):
        aggregation.order_weights(3, 2.0)
