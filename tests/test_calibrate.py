import numpy as np
import pandas as pd
import pytest

from spatial_towns import cli, config, errors
from spatial_towns.calibration import calibrate
from spatial_towns.pipeline import stages as pipeline

W_TRUE = {"a": 0.4, "b": 0.3, "c": 0.2, "d": 0.1, "e": 0.0}


def _synthetic_towns(seed: int, n: int = 450) -> pd.DataFrame:
    """Seeded SYNTHETIC towns: 5 independent normalised criteria, 9 prefectures."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.random((n, len(W_TRUE))), columns=[f"norm_{c}" for c in W_TRUE])
    df["code"] = [f"{i:09d}" for i in range(n)]
    df["prefecture_name"] = [f"P{i % 9}" for i in range(n)]
    df["status"] = "eligible"
    df["name"], df["county_name"] = df["code"], "X县"
    return df


def _criteria():
    return [config.Criterion(column=c, direction="benefit", weight=1.0) for c in W_TRUE]


def test_weights_of_a_top_k_rule_are_recovered():
    """Designations = top 49 by the known weights: implied weights within 0.03 of them
    (measured max error 0.013), prefecture-grouped CV AUC above 0.98 (measured 0.998)."""
    df = _synthetic_towns(1)
    des = calibrate.synthetic_designations(df, W_TRUE, 49)
    assert (des["note"].str.startswith("SYNTHETIC")).all()
    fit = calibrate.WeightCalibration.from_frame(df, des["code"], _criteria(), n_boot=60,
                                                 seed=3).solve()
    got = fit.weights["weight"]
    assert np.abs(got - pd.Series(W_TRUE)).max() < 0.03
    assert fit.cv_auc > 0.98 and fit.cv_topk_hit > 0.8
    assert ((fit.weights["ci_low"] <= got + 1e-12) & (got <= fit.weights["ci_high"] + 1e-12)).all()
    again = calibrate.WeightCalibration.from_frame(df, des["code"], _criteria(), n_boot=60,
                                                   seed=3).solve()
    assert again.weights.equals(fit.weights)  # seeded bootstrap: identical


def test_noisy_designations_still_rank_the_weights():
    """Designations drawn from a logistic model of the known score (seeded): weaker
    recovery, stated tolerance 0.1, AUC above 0.85."""
    df = _synthetic_towns(2, n=900)
    s = df[[f"norm_{c}" for c in W_TRUE]].to_numpy() @ np.array(list(W_TRUE.values()))
    p = 1.0 / (1.0 + np.exp(-25.0 * (s - 0.7)))
    y = np.random.default_rng(5).random(len(df)) < p
    fit = calibrate.WeightCalibration.from_frame(df, df.loc[y, "code"], _criteria(),
                                                 n_boot=30).solve()
    assert np.abs(fit.weights["weight"] - pd.Series(W_TRUE)).max() < 0.1
    assert fit.cv_auc > 0.85


def test_too_few_designations_is_an_input_error():
    df = _synthetic_towns(1, n=50)
    with pytest.raises(errors.InputDataError, match="at least 2 designated"):
        calibrate.WeightCalibration.from_frame(df, ["000000001"], _criteria())


def test_tolerant_matching_on_the_real_lists(default_run, tmp_path):
    p = tmp_path / "d.csv"
    p.write_text(
        "code,name,county,tier\n"
        "220112100,,,provincial\n"            # 2016 code
        "220381103000,,,provincial\n"         # 12-digit 2016 code
        "220184105,,,provincial\n"            # 2023 code (公主岭 moved 220381 -> 220184)
        "220112104,,,provincial\n"            # 2023 code renumbered within 双阳区
        ",范家屯,公主岭市,municipal\n"        # no 镇 suffix
        ",马鞍山镇,伊通满族自治县,municipal\n"  # renamed: 2023 name, code of 马鞍镇
        ",四平市铁东区山门镇,铁东区,municipal\n"  # prefixed 2023 form
        ",圣水镇,柳河县,municipal\n"          # renamed 圣水河子镇, code kept
        ",不存在镇,公主岭市,municipal\n"      # nowhere
        "999999999,,,municipal\n"             # code in neither list
        ",头道镇,,municipal\n"                # two counties have a 头道镇
        "220112100,鹿乡镇,双阳区,municipal\n",  # code and name disagree
        encoding="utf-8")
    d = calibrate.read_designated(p)
    m = calibrate.match(d, default_run.towns).set_index("row")
    names = m["town_name"].to_dict()
    assert names[1] == "齐家镇" and m.loc[1, "how"].startswith("code")
    assert names[2] == "范家屯镇"
    assert names[3] == "大岭镇" and m.loc[3, "how"].startswith("2023 code")
    assert names[4] == "齐家镇"
    assert names[5] == "范家屯镇" and "suffix" in m.loc[5, "how"]
    assert names[6] == "马鞍镇" and "renamed" in m.loc[6, "how"]
    assert names[7] == "山门镇"
    assert names[8] == "圣水河子镇"
    assert not m.loc[9, "matched"] and "不存在镇" in m.loc[9, "how"]
    assert not m.loc[10, "matched"] and "neither" in m.loc[10, "how"]
    assert not m.loc[11, "matched"] and m.loc[11, "how"].startswith("ambiguous: 2 towns")
    assert names[12] == "齐家镇" and "CHECK: the row names 鹿乡镇" in m.loc[12, "how"]
    assert len(m) == 12  # nothing dropped
    assert "DUPLICATE" in m.loc[1, "how"]  # rows 1 and 4 are the same town


def test_designation_file_errors(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("tier\nprovincial\n", encoding="utf-8")
    with pytest.raises(errors.InputDataError, match="code column"):
        calibrate.read_designated(p)
    p.write_text("code,name\n12345,\n", encoding="utf-8")
    with pytest.raises(errors.InputDataError, match="12345"):
        calibrate.read_designated(p)


def test_cli_calibrate_writes_an_adoptable_config(default_run, tmp_path, monkeypatch, capsys):
    """SYNTHETIC designations (top 30 by a known weight vector) through the CLI; the written
    config loads and carries the implied weights; the run's config is untouched."""
    w = {"time_prefecture_min": 0.5, "dist_rail_km": 0.3, "border_area": 0.2}
    des = calibrate.synthetic_designations(default_run.towns, w, 30)
    path = tmp_path / "designated.csv"
    des.to_csv(path, index=False, encoding="utf-8")
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: default_run)
    code = cli.main(["calibrate", "--designated", str(path), "--output", str(tmp_path),
                     "--bootstrap", "20"])
    assert code == 0
    out = tmp_path / default_run.cfg.run_name / "calibrate"
    cfg = config.load(out / "calibrated_config.toml")
    got = {c.column: c.weight for c in cfg.criteria}
    assert abs(sum(got.values()) - 1.0) < 1e-3
    top3 = sorted(got, key=got.get, reverse=True)[:3]
    assert set(top3) == set(w)
    assert cfg.run_name.endswith("-calibrated")
    assert config.load().criteria == default_run.cfg.criteria
    report = (out / "calibration.md").read_text(encoding="utf-8")
    assert "cross-validated ROC AUC" in report and "30 matched" in report
    assert "SYNTHETIC designations" in report
    assert "SYNTHETIC" not in capsys.readouterr().err
