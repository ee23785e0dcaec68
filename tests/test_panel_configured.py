"""The panel a configuration asks for (panel.configured), and a run with a SYNTHETIC panel's
weights end to end: run --panel, report.md, the panel-bootstrap robustness columns."""

import numpy as np
import pandas as pd
import pytest

from spatial_towns import cli, config, errors
from spatial_towns.mcda import weights
from spatial_towns.panel import Hierarchy, Panel, aggregate, bootstrap, configured, read, synthetic

H = Hierarchy.from_criteria(config.load().criteria)


def _csv(folder, seed=1, bad=None):
    rows = synthetic.judgements(H, experts=5, seed=seed)
    if bad:
        rows = synthetic.contradict(rows, bad)
    p = folder / "SYNTHETIC_panel.csv"
    Panel.from_judgements(H, rows).to_long().to_csv(p, index=False)
    return p


def test_config_panel_files_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "answers").mkdir()
    p = _csv(tmp_path / "answers")
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text('[weighting]\nmethod = "panel"\npanel = ["answers/SYNTHETIC_panel.csv"]\n'
                        'panel_aggregation = "aip"\n', encoding="utf-8")
    cfg = config.load(cfg_file)
    assert configured.uses_panel(cfg.weighting)
    pw = configured.load(cfg)
    ref = aggregate(read([p], H), method="aip")
    pd.testing.assert_series_equal(pw.global_weights, ref.global_weights)
    assert configured.load(config.load()) is None


def test_panel_method_without_files_is_a_config_error():
    cfg = config.load(overrides={"weighting": {"method": "panel"}})
    with pytest.raises(errors.ConfigError, match="names no answer files"):
        configured.load(cfg)


def test_weight_draws_move_only_the_panel_part_of_combined_weights(tmp_path):
    pw = aggregate(read([_csv(tmp_path)], H))
    names = list(H.columns)
    obj = dict(zip(names, np.linspace(1, 2, len(names)) / np.linspace(1, 2, len(names)).sum(),
                   strict=True))
    used = weights.WeightsUsed(method="combined", weights=dict.fromkeys(names, 0.1),
                               parts={"objective": obj})
    wd = configured.weight_draws(pw, used, draws=12, seed=5, rule="linear", alpha=0.3)
    boot = bootstrap(pw, draws=12, seed=5)[names]
    want = 0.3 * boot.to_numpy() + 0.7 * np.array([obj[n] for n in names])
    np.testing.assert_allclose(wd.to_numpy(), want, atol=1e-12)
    plain = configured.weight_draws(pw, weights.WeightsUsed(method="panel",
                                                            weights=dict.fromkeys(names, 0.1)),
                                    draws=12, seed=5)
    np.testing.assert_allclose(plain.to_numpy(), boot.to_numpy(), atol=1e-12)


def test_run_with_the_panel_end_to_end(tmp_path, capsys):
    p = _csv(tmp_path, bad="SYNTHETIC-03")
    cfg_file = tmp_path / "few_draws.toml"
    cfg_file.write_text('run_name = "SYNTHETIC-panel"\n[sensitivity]\ndraws = 20\n',
                        encoding="utf-8")
    code = cli.main(["run", "--quiet", "--config", str(cfg_file), "--panel", str(p),
                     "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    folder = tmp_path / "out" / "SYNTHETIC-panel"
    cand = pd.read_csv(folder / "candidates.csv", dtype={"code": str})
    for col in ("p_provincial_panel", "rank_lo_panel", "rank_hi_panel"):
        assert col in cand and cand[col].notna().all()
    report = (folder / "report.md").read_text(encoding="utf-8")
    pw = aggregate(read([p], H))
    assert "weighting: **panel** — expert panel of 5 (AIJ; 1 with CR > 0.1" in report
    assert "### Robustness from the panel" in report and "| panel bootstrap |" in report
    assert configured.note(pw) in report
    for c, w in pw.global_weights.items():
        assert f"**{w:.4f}**" in report, c
    # the towns' weights used are the panel's global weights (every criterion is computed)
    prov = cand[cand["tier"] == "provincial"]
    stable = int((prov["p_provincial_panel"] >= 0.9).sum())
    assert f"| panel bootstrap | {stable} of {len(prov)} |" in report


def test_combined_run_reports_both_parts(tmp_path, capsys):
    cfg_file = tmp_path / "combined.toml"
    cfg_file.write_text('run_name = "combined"\n[sensitivity]\ndraws = 0\n[weighting]\n'
                        'method = "combined"\nobjective = "critic"\nrule = "multiplicative"\n',
                        encoding="utf-8")
    code = cli.main(["run", "--quiet", "--config", str(cfg_file), "--output", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    report = (tmp_path / "combined" / "report.md").read_text(encoding="utf-8")
    assert "| criterion | subjective | objective | combined |" in report
    assert "w ∝ subjective × objective" in report and "objective = critic" in report
