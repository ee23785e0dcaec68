"""Group judgement of a SYNTHETIC panel: AIJ against an independent numpy computation from
the long CSV, AIP, the inconsistent-expert policy, revisit suggestions, consensus, bootstrap."""

import csv
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from spatial_towns import config, errors
from spatial_towns.mcda import weights
from spatial_towns.panel import GROUPS, Hierarchy, Panel, aggregate, bootstrap, consensus, read, synthetic

H = Hierarchy.from_criteria(config.load().criteria)


def _panel(seed=1, bad=None):
    rows = synthetic.judgements(H, experts=5, seed=seed)
    if bad:
        rows = synthetic.contradict(rows, bad)
    return Panel.from_judgements(H, rows)


def _write_long(panel, path):
    panel.to_long().to_csv(path, index=False, encoding="utf-8")
    return path


def _numpy_global(path):
    """Independent AIJ in a few lines: geometric-mean matrix per level, principal
    eigenvector, group weight × weight within the group. Reads the CSV by hand."""
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    levels = {}
    for r in rows:
        levels.setdefault(r["level"], {}).setdefault(r["expert"], []).append(
            (r["a"], r["b"], float(Fraction(r["value"]))))
    local = {}
    for level, by_expert in levels.items():
        items = list(dict.fromkeys(x for j in next(iter(by_expert.values())) for x in j[:2]))
        logs = []
        for js in by_expert.values():
            m = np.zeros((len(items), len(items)))
            for a, b, v in js:
                m[items.index(a), items.index(b)] = np.log(v)
                m[items.index(b), items.index(a)] = -np.log(v)
            logs.append(m)
        vals, vecs = np.linalg.eig(np.exp(np.mean(logs, axis=0)))
        v = np.abs(vecs[:, np.argmax(vals.real)].real)
        local[level] = dict(zip(items, v / v.sum(), strict=True))
    out = {}
    for g, cols in H.groups:
        for c in cols:
            out[c] = local[GROUPS][g] * (local[g][c] if g in local else 1.0)
    return pd.Series(out)


def test_aij_global_weights_equal_an_independent_numpy_computation(tmp_path):
    p = _write_long(_panel(), tmp_path / "SYNTHETIC_panel.csv")
    pw = aggregate(read([p], H))
    ref = _numpy_global(p)
    got = pw.global_weights.reindex(ref.index)
    assert np.max(np.abs(got.to_numpy() - ref.to_numpy())) < 1e-9
    assert pw.global_weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert list(pw.global_weights.index) == list(H.columns)


def test_global_weight_is_group_weight_times_within_weight():
    pw = aggregate(_panel())
    for g, cols in H.groups:
        within = pw.local.get(g, pd.Series(1.0, index=list(cols)))
        for c in cols:
            assert pw.global_weights[c] == pytest.approx(pw.group_weights[g] * within[c])
        assert within.sum() == pytest.approx(1.0)


def test_per_expert_cr_matches_weights_ahp():
    panel = _panel()
    pw = aggregate(panel)
    t = pw.table()
    assert len(t) == 5 * len(H.levels())
    for r in t.itertuples():
        assert r.cr == pytest.approx(weights.ahp(panel.matrix(r.expert, r.level)).cr, abs=1e-12)
    assert (t["cr"] <= 0.1).all()  # the clean SYNTHETIC panel is consistent


def test_aip_is_the_normalised_geometric_mean_of_priorities():
    panel = _panel()
    pw = aggregate(panel, method="aip")
    prio = np.array([weights.ahp(panel.matrix(e, GROUPS)).weights for e in panel.experts])
    g = np.exp(np.log(prio).mean(axis=0))
    np.testing.assert_allclose(pw.local[GROUPS].to_numpy(), g / g.sum(), atol=1e-12)
    assert np.isnan(pw.group_cr[GROUPS])


def test_revisit_suggestion_lowers_cr_by_changing_only_that_pair():
    panel = _panel(bad="SYNTHETIC-03")
    pw = aggregate(panel)
    (el,) = pw.inconsistent_experts()
    assert el.expert == "SYNTHETIC-03" and el.level == GROUPS and el.ahp.cr > 0.1
    r = el.revisit
    i, j = r.pair
    changed = el.matrix.copy()
    changed[i, j], changed[j, i] = r.suggested, 1 / r.suggested
    cr_after = weights.ahp(changed).cr
    assert cr_after == pytest.approx(r.cr_after) and cr_after < el.ahp.cr and cr_after <= 0.1
    assert np.count_nonzero(changed != el.matrix) == 2
    # it points at the judgement that was made contradictory
    clean = _panel().matrix("SYNTHETIC-03", GROUPS)
    assert {(int(a), int(b)) for a, b in zip(*np.nonzero(clean != el.matrix), strict=True)} == \
        {(i, j), (j, i)}
    assert any("SYNTHETIC-03" in w and "suggested revision" in w for w in pw.warnings)


def test_exclude_policy_leaves_the_inconsistent_level_out():
    panel = _panel(bad="SYNTHETIC-03")
    inc = aggregate(panel, inconsistent="include")
    exc = aggregate(panel, inconsistent="exclude")
    # excluded at the groups level only: the other four experts' geometric mean there
    ref = weights.ahp(np.exp(np.mean([np.log(panel.matrix(e, GROUPS))
                                      for e in panel.experts if e != "SYNTHETIC-03"], axis=0)))
    within = [np.log(panel.matrix(e, "人口相对集聚")) for e in panel.experts]
    np.testing.assert_allclose(exc.local["人口相对集聚"].to_numpy(),
                               weights.ahp(np.exp(np.mean(within, axis=0))).weights, atol=1e-12)
    np.testing.assert_allclose(exc.local[GROUPS].to_numpy(), ref.weights, atol=1e-12)
    assert not np.allclose(inc.local[GROUPS].to_numpy(), exc.local[GROUPS].to_numpy())
    assert "left out" in exc.warnings[0] and "included" in inc.warnings[0]


def test_unknown_method_or_policy_is_a_config_error():
    with pytest.raises(errors.ConfigError, match="aggregation"):
        aggregate(_panel(), method="mean")
    with pytest.raises(errors.ConfigError, match="policy"):
        aggregate(_panel(), inconsistent="drop")


def test_consensus_is_one_for_identical_experts_and_falls_with_disagreement():
    w = np.array([0.5, 0.3, 0.2])
    assert consensus(np.array([w, w, w])) == pytest.approx(1.0)
    apart = consensus(np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]))
    near = consensus(np.array([[0.5, 0.3, 0.2], [0.45, 0.35, 0.2], [0.55, 0.25, 0.2]]))
    assert 0 <= apart < near < 1
    assert np.isnan(consensus(np.array([w])))


def test_consensus_matches_goepel_formula_by_hand():
    # two experts, n = 2, M = 9: Hα,min = -(0.9 ln 0.9 + 0.1 ln 0.1)
    p = np.array([[0.75, 0.25], [0.25, 0.75]])
    h = lambda x: -(x * np.log(x)).sum()  # noqa: E731
    h_beta = h(p.mean(0)) - (h(p[0]) + h(p[1])) / 2
    floor = np.exp(-(0.9 * np.log(0.9) + 0.1 * np.log(0.1))) / 2
    assert consensus(p) == pytest.approx((np.exp(-h_beta) - floor) / (1 - floor))


def test_bootstrap_draws_are_seeded_and_come_from_the_experts():
    pw = aggregate(_panel())
    a = bootstrap(pw, draws=40, seed=3)
    b = bootstrap(pw, draws=40, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.shape == (40, len(H.columns))
    np.testing.assert_allclose(a.sum(axis=1), 1.0, atol=1e-12)
    # every draw lies within the span of the experts' own global weights (geometric means do)
    lo, hi = pw.expert_global.min(), pw.expert_global.max()
    assert ((a >= lo - 1e-12) & (a <= hi + 1e-12)).all().all()
    assert a.std().gt(0).all()


def test_bootstrap_of_identical_experts_does_not_move():
    rows = synthetic.judgements(H, experts=1, seed=2)
    same = [r.__class__(e, r.level, r.a, r.b, r.value, r.where) for e in ("x", "y", "z")
            for r in rows]
    pw = aggregate(Panel.from_judgements(H, same))
    draws = bootstrap(pw, draws=10, seed=0)
    np.testing.assert_allclose(draws.to_numpy(), np.tile(pw.global_weights.to_numpy(), (10, 1)),
                               atol=1e-12)


def test_hierarchy_lifts_the_ten_criterion_limit_of_one_matrix():
    crit = [config.Criterion(f"c{k:02d}", "benefit", 1.0 + k % 3, group=f"G{k // 4}")
            for k in range(16)]  # 16 criteria in 4 groups of 4: no matrix above 4 x 4
    h = Hierarchy.from_criteria(crit)
    with pytest.raises(errors.ConfigError, match="hierarchy"):
        weights.ahp(np.ones((16, 16)))
    pw = aggregate(Panel.from_judgements(h, synthetic.judgements(h, experts=3, seed=8)))
    assert len(pw.global_weights) == 16 and pw.global_weights.sum() == pytest.approx(1.0)
    assert (pw.global_weights > 0).all()
