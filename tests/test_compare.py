"""Comparison of runs (spatial_towns.compare) on the embedded Jilin data: the default run
against cumulative tier minimums (rules only) and against a heavier railway weight (scores),
each checked against a plain reading of the two town tables."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import warnings

import geopandas as gpd
import pandas as pd
import pytest
from scipy import stats

from spatial_towns import config, errors, pipeline
from spatial_towns.scenarios import compare


def _variant(run_name: str, change) -> pipeline.RunResult:
    raw = config.load().to_dict()
    raw["run_name"] = run_name
    change(raw)
    return pipeline.run(config.from_dict(raw), output_dir=None, progress=False)


@pytest.fixture(scope="module")
def cumulative():
    def change(raw):
        for t in raw["tiers"]:
            t["minimums"] = "this_tier_or_higher"
    return _variant("cumulative", change)


@pytest.fixture(scope="module")
def rail():
    def change(raw):
        for c in raw["criteria"]:
            if c["column"] == "dist_rail_km":
                c["weight"] = 0.40
    return _variant("rail", change)


@pytest.fixture(scope="module")
def by_rules(default_run, cumulative):
    # the default run read back from its folder, the other in memory: both kinds of input
    return compare([default_run.output_dir, cumulative], names=["方案一", "方案二"])


@pytest.fixture(scope="module")
def by_weights(default_run, rail):
    return compare([default_run, rail])


def _plain_tiers(run) -> pd.Series:
    return run.towns.set_index("code")["tier"].fillna("")


@pytest.mark.parametrize("which", ["by_rules", "by_weights"])
def test_entering_and_leaving_are_the_plain_diff(which, request, default_run):
    cmp = request.getfixturevalue(which)
    other = request.getfixturevalue({"by_rules": "cumulative", "by_weights": "rail"}[which])
    a, b = _plain_tiers(default_run), _plain_tiers(other).reindex(_plain_tiers(default_run).index)
    assert (a != b).any()
    for t in cmp.tier_names:
        assert set(cmp.entering(t)["code"]) == set(a.index[(b == t) & (a != t)])
        assert set(cmp.leaving(t)["code"]) == set(a.index[(a == t) & (b != t)])
    assert set(cmp.changes["code"]) == set(a.index[a != b])
    summary = cmp.summary()
    for t in cmp.tier_names:
        assert summary.at[t, "every"] == int(((a == t) & (b == t)).sum())
        assert summary.at[t, cmp.names[1]] == int((b == t).sum())
        # with two alternatives "some" is "in one only"
        assert summary.at[t, "some"] == summary.at[t, "one_only"] == int(((a == t) ^ (b == t)).sum())
        union = int(((a == t) | (b == t)).sum())
        assert summary.at[t, "jaccard_all"] == pytest.approx(summary.at[t, "every"] / union)
        assert set(cmp.members(t, "every").index) == set(a.index[(a == t) & (b == t)])
        assert set(cmp.members(t, "one_only").index) == set(a.index[(a == t) ^ (b == t)])


def test_prefecture_counts_are_each_runs_own(by_rules, default_run, cumulative):
    pc = by_rules.prefecture_counts
    for name, run in zip(by_rules.names, (default_run, cumulative), strict=True):
        own = run.tier_counts()
        for t in own.columns:
            got = pc[(t, name)].rename(index={"合计 total": "合计 total"})
            assert got.reindex(own.index).tolist() == own[t].tolist()


def test_rule_change_keeps_scores_and_says_so(by_rules):
    ra = by_rules.rank_agreement.iloc[0]
    assert ra["kendall_tau"] == pytest.approx(1.0) and ra["spearman_rho"] == pytest.approx(1.0)
    assert ra["towns"] == int(by_rules.eligible.all(axis=1).sum())
    assert len(by_rules.changes) > 0
    for r in by_rules.changes.itertuples():
        assert r.why.startswith("same score")
        assert "minimums this_tier → this_tier_or_higher (省级, 市级, 县级)" in r.why
        assert r.drivers == ""
        assert f"in 方案二: {r.reason_here}" in r.why
    assert list(by_rules.config_differences.index) == [
        "tiers[county].minimums", "tiers[municipal].minimums", "tiers[provincial].minimums"]
    assert by_rules.input_differences.empty and by_rules.warnings == []


def test_weight_change_names_the_criterion(by_weights, default_run, rail):
    ra = by_weights.rank_agreement.iloc[0]
    both = by_weights.eligible.all(axis=1)
    s = by_weights.scores[both]
    assert ra["kendall_tau"] == pytest.approx(stats.kendalltau(s.iloc[:, 0], s.iloc[:, 1]).statistic)
    assert 0 < ra["kendall_tau"] < 1
    a = default_run.towns.set_index("code")
    b = rail.towns.set_index("code")
    contrib = [c for c in a.columns if c.startswith("contrib_")]
    for r in by_weights.changes.itertuples():
        delta = (b.loc[r.code, contrib] - a.loc[r.code, contrib]).astype(float)
        # the contributions' changes add up to the score's change ...
        assert delta.sum() == pytest.approx(b.at[r.code, "score"] - a.at[r.code, "score"], abs=1e-9)
        # ... and the first criterion named is the one whose contribution changed most
        top = delta.abs().idxmax().removeprefix("contrib_")
        label = next(c.label for c in rail.cfg.criteria if c.column == top)
        assert r.drivers.startswith(label), (r.name, r.drivers, top)
        d = by_weights.drivers[by_weights.drivers["code"] == r.code]
        assert d["column"].iloc[0] == top and d["order"].tolist() == list(range(1, len(d) + 1))
        assert d["points"].iloc[0] == pytest.approx(delta[f"contrib_{top}"])
    moved_up = by_weights.changes[by_weights.changes["direction"] == "up"]
    assert moved_up["drivers"].str.contains("到火车站距离").any()
    assert by_weights.changes["why"].str.contains(r"weight 1\d\.\d% → \d\d\.\d%").any()


def test_run_and_its_folder_are_the_same_alternative(default_run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no input-difference warning
        cmp = compare([default_run, default_run.output_dir], names=["memory", "folder"])
    assert cmp.input_differences.empty and cmp.changes.empty
    assert cmp.config_differences.empty
    assert (cmp.jaccard["all"] == 1.0).all()


def test_different_town_sets_are_an_error_naming_them(default_run, cumulative):
    fewer = dataclasses.replace(cumulative, towns=cumulative.towns.iloc[5:].copy())
    with pytest.raises(errors.InputDataError) as exc:
        compare([default_run, fewer], names=["a", "b"])
    msg = str(exc.value)
    first = default_run.towns.iloc[0]
    assert "different town sets" in msg and "lacks 5 town(s) of a" in msg
    assert f"{first['code']} {first['name']}" in msg


def test_different_input_data_warns_with_the_columns(default_run, cumulative):
    towns = cumulative.towns.copy()
    towns.loc[towns.index[:7], "dist_rail_km"] += 1.0
    other = dataclasses.replace(cumulative, towns=towns)
    with pytest.warns(UserWarning, match="other input data") as rec:
        cmp = compare([default_run, other], names=["a", "b"])
    d = cmp.input_differences
    assert d["column"].tolist() == ["dist_rail_km"] and d["towns_differing"].tolist() == [7]
    assert "dist_rail_km" in str(rec[0].message) and "7 towns" in str(rec[0].message)
    assert d["hash_first"].iloc[0] != d["hash_here"].iloc[0]


def test_names_must_fit(default_run, cumulative):
    with pytest.raises(errors.ConfigError, match="1 name"):
        compare([default_run, cumulative], names=["only"])
    with pytest.raises(errors.ConfigError, match="more than once"):
        compare([default_run, cumulative], names=["x", "x"])
    with pytest.raises(errors.ConfigError, match="at least two"):
        compare([default_run])


def test_three_alternatives(default_run, cumulative, rail):
    cmp = compare([default_run, cumulative, rail])
    # named after the folder a run was written to, else its run name
    assert cmp.names == [default_run.output_dir.name, "cumulative", "rail"]
    votes = cmp.town_table()[[f"n_{t}" for t in cmp.tier_names]]
    assert (votes.sum(axis=1) <= 3).all()
    m = cmp.membership
    assert (m["every"] + m["some"] == m["any"]).all()
    assert len(cmp.rank_agreement) == 3
    assert set(cmp.changes["alternative"]) == {"cumulative", "rail"}


def test_spatial_towns_compare_is_the_function_however_the_family_is_reached():
    # importing the family (scenarios) must not hide the function spatial_towns.compare
    code = ("import spatial_towns.scenarios, spatial_towns\n"
            "from spatial_towns.scenarios.comparison import compare as f\n"
            "assert spatial_towns.compare is f, spatial_towns.compare\n"
            "from spatial_towns import compare\n"
            "assert compare is f\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_comparing_loads_no_presentation_library():
    # the data family: folium and python-docx only when the documents are written
    code = ("import sys\n"
            "from spatial_towns.scenarios import comparison, agreement, inputs, alternatives\n"
            "heavy = [m for m in ('folium', 'docx', 'matplotlib', 'sklearn', 'ipywidgets')\n"
            "         if m in sys.modules]\n"
            "assert heavy == [], heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_writes_tables_page_and_document(by_rules, tmp_path):
    import docx

    files = by_rules.write(tmp_path / "cmp")
    assert {"compare.html", "compare.docx", "compare_changes.csv", "compare_towns.csv"} <= set(files)
    changes = pd.read_csv(files["compare_changes.csv"], dtype={"code": str})
    assert changes["code"].tolist() == by_rules.changes["code"].tolist()
    towns = pd.read_csv(files["compare_towns.csv"], dtype={"code": str}).set_index("code")
    assert towns["changed"].sum() == len(by_rules.changes)
    doc = docx.Document(str(files["compare.docx"]))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、比选方案", "二、输入数据", "三、等级一致性", "四、各市(州)入选数",
                        "五、排名一致性与重合度", "六、等级变化的镇及原因"]
    settings = next(t for t in doc.tables if t.rows[0].cells[0].text == "设置项")
    assert sorted(r.cells[0].text for r in settings.rows[1:]) == [
        "县级 · minimums", "市级 · minimums", "省级 · minimums"]
    last = doc.tables[-1]
    header = [c.text for c in last.rows[0].cells]
    col = {h: header.index(h) for h in ("镇（县）", "参照方案中的理由", "该方案中的理由")}
    rows = [[c.text for c in row.cells] for row in last.rows[1:]]
    assert [r[col["镇（县）"]] for r in rows] == [f"{r.name}（{r.county_name}）"
                                                 for r in by_rules.changes.itertuples()]
    # the selection's reasons, said in Chinese: the tier the town is in leads each
    for cells, r in zip(rows, by_rules.changes.itertuples(), strict=True):
        label = by_rules.tier_labels.get(r.tier_here)
        assert cells[col["该方案中的理由"]].startswith(f"{label}：" if label else "未入选：")
    again = tmp_path / "again"
    by_rules.write(again)
    assert (again / "compare.docx").read_bytes() == files["compare.docx"].read_bytes()
    assert (again / "compare.html").read_bytes() == files["compare.html"].read_bytes()


def test_cli(default_run, tmp_path, capsys):
    from spatial_towns import cli

    folder = default_run.output_dir
    assert cli.main(["compare", str(folder), str(folder), "--names", "甲,乙",
                     "--output", str(tmp_path / "same")]) == 0
    out = capsys.readouterr().out
    assert "0 tier change(s)" in out and "Kendall tau 1.000" in out
    assert (tmp_path / "same" / "compare.html").is_file()
    # a run folder with five towns fewer: exit code 3, the message names them
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    (fewer / "config_used.json").write_bytes((folder / "config_used.json").read_bytes())
    towns = gpd.read_file(folder / "towns.gpkg", layer="towns")
    towns.iloc[5:].to_file(fewer / "towns.gpkg", layer="towns")
    gpd.read_file(folder / "towns.gpkg", layer="counties").to_file(fewer / "towns.gpkg",
                                                                   layer="counties")
    assert cli.main(["compare", str(folder), str(fewer), "--output", str(tmp_path / "x")]) == 3
    err = capsys.readouterr().err
    assert "different town sets" in err and towns.iloc[0]["code"] in err
    assert cli.main(["compare", str(folder), "--output", str(tmp_path / "y")]) == 2
    assert "at least two runs" in capsys.readouterr().err


def test_input_files_from_run_json(default_run, tmp_path):
    import json
    import shutil

    folder = default_run.output_dir
    assert (folder / "run.json").is_file()
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    record = json.loads((other / "run.json").read_text(encoding="utf-8"))
    embedded = [i for i in record["inputs"] if i["role"] == "embedded"]
    embedded[0]["sha256"] = "0" * 64  # as if another version of that data file had been read
    record["inputs"].append({"role": "config", "path": "/elsewhere/my.toml", "sha256": "1" * 64})
    (other / "run.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.warns(UserWarning, match="file: embedded") as rec:
        cmp = compare([folder, other], names=["a", "b"])
    d = cmp.input_differences
    name = embedded[0]["path"].rsplit("/", 1)[-1]
    assert d["column"].tolist() == ["file: embedded"]  # the config file is no input data
    assert d["note"].iloc[0] == f"differ: {name}" and pd.isna(d["towns_differing"].iloc[0])
    assert name in str(rec[0].message)
    # a run folder without run.json (written before it existed): compared by its town table
    (other / "run.json").unlink()
    assert compare([folder, other], names=["a", "b"]).input_differences.empty
    (other / "run.json").write_text("{", encoding="utf-8")
    with pytest.raises(errors.InputDataError, match="run.json: not a run record"):
        compare([folder, other], names=["a", "b"])


def test_town_excluded_by_a_hard_constraint(default_run):
    def change(raw):
        for c in raw["criteria"]:
            if c["column"] == "dist_rail_km":
                c["max"] = 15.0
    strict = _variant("rail15", change)
    cmp = compare([default_run, strict])
    scored = strict.towns.set_index("code")
    both = cmp.eligible.all(axis=1)
    assert cmp.rank_agreement.at[0, "towns"] == int(both.sum()) < int(cmp.eligible.iloc[:, 0].sum())
    gone = cmp.changes[~cmp.changes["code"].map(cmp.eligible["rail15"])]
    assert len(gone) > 0
    for r in gone.itertuples():
        assert scored.at[r.code, "dist_rail_km"] > 15.0
        assert r.why.startswith("not scored in rail15") and "hard constraint" in r.why
