"""panel.md and the TOML snippet (render.panel_report)."""

import dataclasses

import pytest

from spatial_towns import config
from spatial_towns.panel import Hierarchy, Panel, aggregate, synthetic
from spatial_towns.render import panel_report

CFG = config.load()
H = Hierarchy.from_criteria(CFG.criteria)


def _pw(bad=None):
    rows = synthetic.judgements(H, experts=5, seed=1)
    if bad:
        rows = synthetic.contradict(rows, bad)
    return aggregate(Panel.from_judgements(H, rows))


def test_toml_snippet_loads_as_the_config_with_only_the_weights_changed(tmp_path):
    pw = _pw()
    p = tmp_path / "panel_weights.toml"
    p.write_text(panel_report.toml_snippet(pw, CFG.criteria), encoding="utf-8")
    got = config.load(p)
    assert got.weighting.method == "expert"
    assert [dataclasses.replace(c, weight=0.0) for c in got.criteria] == \
        [dataclasses.replace(c, weight=0.0) for c in CFG.criteria]
    for c in got.criteria:
        assert c.weight == pytest.approx(float(pw.global_weights.get(c.column, 0.0)), abs=1e-15)


def test_markdown_states_synthetic_policy_consensus_and_the_suggestion():
    pw = _pw(bad="SYNTHETIC-03")
    text = panel_report.markdown(pw, reference={c.column: c.weight for c in CFG.criteria})
    assert "**SYNTHETIC panel**" in text
    assert "Goepel" in text and "AIJ" in text and "kept at that level, with a warning" in text
    (el,) = pw.inconsistent_experts()
    assert panel_report.revisit_text(el) in text and "✗" in text
    for c, w in pw.global_weights.items():
        assert f"| {c} |" in text and f"**{w:.4f}**" in text
