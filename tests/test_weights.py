from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatial_towns import config, errors
from spatial_towns.mcda import scoring, weights

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

pymcdm = pytest.importorskip("pymcdm")
from pymcdm.weights import critic_weights, entropy_weights  # noqa: E402
from pymcdm.weights.subjective import AHP  # noqa: E402

RNG = np.random.default_rng(20240501)
# Seeded synthetic decision matrices (rows: towns, columns: criteria), strictly positive.
MATRICES = [RNG.uniform(0.5, 100.0, size=(m, n)) for m, n in [(6, 3), (25, 5), (120, 8)]]
MATRICES.append(np.array([[250.0, 16.0, 12.0, 5.0],
                          [200.0, 16.0, 8.0, 3.0],
                          [300.0, 32.0, 16.0, 4.0],
                          [275.0, 32.0, 8.0, 4.0],
                          [225.0, 16.0, 16.0, 2.0]]))


@pytest.mark.parametrize("x", MATRICES)
def test_entropy_matches_pymcdm(x):
    np.testing.assert_allclose(weights.entropy(x), entropy_weights(x), rtol=0, atol=1e-9)


@pytest.mark.parametrize("x", MATRICES)
def test_critic_matches_pymcdm(x):
    np.testing.assert_allclose(weights.critic(x), critic_weights(x), rtol=0, atol=1e-9)


def test_entropy_with_zeros_uses_0_log_0_convention():
    # Column 0: two towns share everything -> E = ln 2 / ln 4 = 0.5; column 1 is uniform
    # (E = 1, no information); column 2 is all zero (no information).
    x = np.array([[1.0, 2.0, 0.0], [1.0, 2.0, 0.0], [0.0, 2.0, 0.0], [0.0, 2.0, 0.0]])
    np.testing.assert_allclose(weights.entropy(x), [1.0, 0.0, 0.0])


def test_constant_column_gets_zero_critic_weight():
    x = MATRICES[1].copy()
    x[:, 2] = 7.0
    w = weights.critic(x)
    assert w[2] == 0.0
    np.testing.assert_allclose(np.delete(w, 2), critic_weights(np.delete(x, 2, axis=1)),
                               atol=1e-9)


def test_no_variation_is_a_config_error():
    with pytest.raises(errors.ConfigError, match="no criterion varies"):
        weights.critic(np.ones((5, 3)))


SAATY = [
    np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]),
    np.array([[1, 2, 4, 6], [1 / 2, 1, 3, 5], [1 / 4, 1 / 3, 1, 2], [1 / 6, 1 / 5, 1 / 2, 1]]),
    np.array([[1, 1 / 3, 5, 7, 3], [3, 1, 7, 9, 5], [1 / 5, 1 / 7, 1, 3, 1 / 3],
              [1 / 7, 1 / 9, 1 / 3, 1, 1 / 5], [1 / 3, 1 / 5, 3, 5, 1]]),
]


@pytest.mark.parametrize("a", SAATY)
def test_ahp_matches_pymcdm(a):
    ref = AHP(matrix=a)
    res = weights.ahp(a)
    np.testing.assert_allclose(res.weights, ref(), rtol=0, atol=1e-9)
    # pymcdm divides by Tummala & Ling's random index; compare the index-free CI.
    n = a.shape[0]
    assert res.ci == pytest.approx(ref.get_cr() * AHP.RI_M[n - 1], abs=1e-9)
    assert res.ri == weights.RANDOM_INDEX[n - 1] and res.cr <= weights.MAX_CR


def test_consistent_matrix_has_cr_zero_and_exact_weights():
    w = np.array([0.5, 0.25, 0.15, 0.1])
    res = weights.ahp(w[:, None] / w[None, :])
    np.testing.assert_allclose(res.weights, w, atol=1e-12)
    assert abs(res.cr) < 1e-9


def _table():
    rng = np.random.default_rng(7)
    return pd.DataFrame({"a": rng.uniform(0, 60, 40), "b": rng.uniform(1, 9, 40),
                         "c": rng.uniform(100, 900, 40), "d": rng.uniform(0, 1, 40)})


def _used(t, directions, **kw):
    crit = tuple(config.Criterion(column=c, direction=d, weight=1.0, **kw)
                 for c, d in zip(t.columns, directions, strict=False))
    elig = pd.Series(True, index=t.index)
    return elig, scoring.resolve(t, elig, crit)


DIRS = ["cost", "benefit", "cost", "benefit"]


def test_critic_in_scoring_reverses_cost_criteria():
    t = _table()
    elig, used = _used(t, DIRS)
    out, rec = scoring.weigh(t, elig, used, config.Weighting(method="critic"))
    sign = np.array([-1.0 if d == "cost" else 1.0 for d in DIRS])
    ref = critic_weights(t.to_numpy() * sign)
    np.testing.assert_allclose([u.weight for u in out], ref, atol=1e-9)
    assert rec.method == "critic" and list(rec.weights) == list(t.columns)


def test_entropy_in_scoring_uses_transformed_criteria_incl_cost():
    t = _table()
    sig = config.Transform("sigmoid", midpoint=30.0, spread=20.0)
    elig, used = _used(t, DIRS, transform=sig)
    out, _ = scoring.weigh(t, elig, used, config.Weighting(method="entropy"))
    z = (t.to_numpy() - 30.0) / 20.0 * np.array([-1.0 if d == "cost" else 1.0 for d in DIRS])
    ref = entropy_weights(1.0 / (1.0 + np.exp(-z)))
    np.testing.assert_allclose([u.weight for u in out], ref, atol=1e-9)


INCONSISTENT = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]


def test_inconsistent_ahp_is_rejected_with_cr_and_pair():
    t = _table()[["a", "b", "c"]]
    elig, used = _used(t, DIRS[:3])
    cfg = config.load(overrides={
        "criteria_mode": "replace",
        "criteria": [{"column": c, "direction": "cost"} for c in "abc"],
        "weighting": {"method": "ahp", "pairwise": INCONSISTENT}})
    with pytest.raises(errors.ConfigError, match=r"CR = \d+\.\d+ > 0\.1") as exc:
        scoring.weigh(t, elig, used, cfg.weighting)
    assert "most inconsistent judgement is" in str(exc.value)


def test_ahp_weights_follow_the_matrix_order_and_renormalise():
    t = _table()[["a", "b", "c"]]
    elig, used = _used(t, DIRS[:3])
    cfg = config.load(overrides={
        "criteria_mode": "replace",
        "criteria": [{"column": c, "direction": "cost"} for c in "abc"],
        "weighting": {"method": "ahp", "criteria": ["c", "a", "b"],
                      "pairwise": [[1, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]]}})
    out, rec = scoring.weigh(t, elig, used, cfg.weighting)
    ref = AHP(matrix=np.array(SAATY[0]))()
    got = {u.name: u.weight for u in out}
    np.testing.assert_allclose([got["c"], got["a"], got["b"]], ref, atol=1e-9)
    assert rec.ahp is not None and rec.ahp.cr < 0.1


@pytest.mark.parametrize(
    "weighting, fragment",
    [
        ({"method": "bwm"}, "method = 'bwm' in \\[weighting\\] of overrides: must be one of"),
        ({"method": "combined", "subjective": "ahp"}, "'combined' with AHP needs weighting.pairwise"),
        ({"method": "panel", "panel_aggregation": "mean"},
         "panel_aggregation = 'mean' in \\[weighting\\] of overrides: must be one of 'aij' or 'aip'"),
        ({"method": "combined", "objective": "ahp"}, "objective = 'ahp' in \\[weighting\\]"),
        ({"method": "combined", "alpha": 1.3}, "alpha = 1.3 in \\[weighting\\] of overrides: "
                                               "must be <= 1"),
        ({"method": "ahp"}, "needs weighting.pairwise"),
        ({"method": "ahp", "pairwise": [[1, 2], [0.5, 1]]}, "must be a 3 x 3 matrix"),
        ({"method": "ahp", "pairwise": [[1, 3, 5], [3, 1, 3], ["1/5", "1/3", 1]]},
         r"\(a vs b\) .*must be reciprocal"),
        ({"method": "ahp", "pairwise": [[1, 12, 5], ["1/12", 1, 3], ["1/5", "1/3", 1]]},
         "Saaty's scale"),
        ({"method": "ahp", "pairwise": [[2, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]]},
         "diagonal must be 1"),
        ({"method": "ahp", "criteria": ["a", "b", "zz"], "pairwise": [[1] * 3] * 3},
         "must list each scored criterion once"),
        ({"method": "expert", "cr": 0.2}, r"unknown key 'cr' in \[weighting\] of overrides"),
        ({"method": "expert", "max_crr": 0.2}, r"'max_crr' .*; did you mean 'max_cr'\?"),
    ],
)
def test_bad_weighting_config_is_specific(weighting, fragment):
    with pytest.raises(errors.ConfigError, match=fragment):
        config.load(overrides={
            "criteria_mode": "replace",
            "criteria": [{"column": c, "direction": "cost", "weight": 1} for c in "abc"],
            "weighting": weighting})


def test_non_expert_methods_do_not_need_weight_keys():
    cfg = config.load(overrides={"criteria": [{"column": "a", "direction": "cost"}],
                                 "criteria_mode": "replace", "weighting": {"method": "entropy"}})
    assert cfg.criteria[0].weight == 1.0
    with pytest.raises(errors.ConfigError, match=r"criteria \['a'\] need a weight"):
        config.load(overrides={"criteria": [{"column": "a", "direction": "cost"}]})


def test_runtime_does_not_import_pymcdm():
    import subprocess
    import sys

    code = ("import sys, spatial_towns.pipeline.stages, spatial_towns.mcda.weights, "
            "spatial_towns.mcda.aggregation; print('pymcdm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cr_error_points_at_the_planted_bad_judgement():
    cfg = config.load(EXAMPLES / "ahp.toml")
    a = np.array(cfg.weighting.pairwise)
    names = list(cfg.weighting.criteria)
    i, j = names.index("border_area"), names.index("devzone_km")
    a[i, j], a[j, i] = 9.0, 1 / 9.0  # flip a strong judgement
    res = weights.ahp(a)
    with pytest.raises(errors.ConfigError, match="border_area vs devzone_km = 9") as exc:
        weights.check_consistency(res, names, a)
    assert f"CR = {res.cr:.3f} > 0.1" in str(exc.value)


def test_example_ahp_config_is_consistent():
    cfg = config.load(EXAMPLES / "ahp.toml")
    res = weights.ahp(np.array(cfg.weighting.pairwise))
    assert res.cr < weights.MAX_CR
    # The example restates the default's scored criteria (weight > 0; the zero-weight focus
    # lists only constrain).
    scored = {c.column for c in cfg.criteria if c.weight > 0}
    assert set(cfg.weighting.criteria) == scored


def test_revisit_finds_the_reversed_judgement_and_its_cr_after():
    w = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
    a = w[:, None] / w[None, :]
    a[0, 3], a[3, 0] = 1 / 3, 3.0  # reversed: 0 is 3.3x more important than 3
    r = weights.revisit(a)
    assert r.pair == (0, 3) and r.current == pytest.approx(1 / 3)
    assert r.cr_before == pytest.approx(weights.ahp(a).cr) and r.cr_before > weights.MAX_CR
    b = a.copy()
    b[0, 3], b[3, 0] = r.suggested, 1 / r.suggested
    assert weights.ahp(b).cr == pytest.approx(r.cr_after) and r.cr_after < 0.01
    assert r.suggested == 3.0 and r.suggested in weights.SAATY_VALUES
    assert weights.revisit(np.array([[1, 3], [1 / 3, 1]])) is None


def test_combine_linear_and_multiplicative():
    s, o = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.2, 0.6])
    np.testing.assert_allclose(weights.combine(s, o, rule="linear", alpha=0.25),
                               0.25 * s + 0.75 * o)
    m = s * o / (s * o).sum()
    np.testing.assert_allclose(weights.combine(s, o, rule="multiplicative"), m)
    with pytest.raises(errors.ConfigError, match=r"alpha = 1.5 must be in \[0, 1\]"):
        weights.combine(s, o, alpha=1.5)
    with pytest.raises(errors.ConfigError, match="rule"):
        weights.combine(s, o, rule="mean")
