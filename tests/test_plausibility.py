"""Implausible values inside one sheet: a county or block of rows in other units, 0-1/0-100
percent mixes, negative counts (spatial_towns.data.plausibility, through the facts reader and
``run --strict``).

Every facts value in these tests is SYNTHETIC (seeded), not real data.
"""

import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from spatial_towns import cli, errors
from spatial_towns import config as config_mod
from spatial_towns.data import datasets, facts, plausibility
from spatial_towns.pipeline import ingest, records

WAN = {"元": 1e-4, "千元": 1e-1, "亿元": 1e4}  # the ladder of 万元


def _sheet(seed=3, counties=("东区", "西县", "南县", "北县"), per=6, sigma=1.2):
    """SYNTHETIC output values (万元, log-normal like real town output) of ``per`` towns in each
    county, rows numbered from 3 as under a header on row 2."""
    rng = np.random.default_rng(seed)
    n = per * len(counties)
    values = pd.Series(np.round(np.exp(rng.normal(8.0, sigma, n)), 1), index=range(3, 3 + n))
    county = pd.Series(np.repeat(counties, per), index=values.index)
    return values, county


def _check(values, county, units="万元"):
    return plausibility.check_column(values, county, file="长春市.xlsx", sheet="汇总",
                                     column="industry_output", units=units,
                                     unit_ladder=WAN if units == "万元" else {})


def test_one_county_in_yuan_is_named_with_its_rows_and_suspected_unit():
    values, county = _sheet()
    assert _check(values, county) == []  # real-like spread (sigma 1.2) is not flagged
    yuan = county == "南县"
    values[yuan] *= 1e4
    (f,) = _check(values, county)
    assert (f.kind, f.county, f.rows, f.suspected_unit) == (
        "scale", "南县", tuple(values.index[yuan]), "元 (not 万元)")
    text = str(f)
    assert text.startswith("WARNING 长春市.xlsx, sheet 汇总, county 南县, column industry_output: "
                           "6 rows 15-20: median ")
    assert re.search(r"~10\^(3\.[5-9]|4\.[0-4]) times the median of the sheet's other 18 rows",
                     text)
    # 亿元 the other way round: 10^4 times too small.
    values[yuan] /= 1e8
    (f,) = _check(values, county)
    assert f.suspected_unit == "亿元 (not 万元)" and re.search(r"~10\^-(4\.[0-4]|3\.[5-9])", str(f))


def test_a_block_of_rows_without_counties_is_flagged():
    values, _ = _sheet()
    county = pd.Series("", index=values.index)
    values.loc[9:13] *= 1e4
    (f,) = _check(values, county)
    assert f.rows == (9, 10, 11, 12, 13) and f.county == "" and f.suspected_unit.startswith("元")
    assert ", column industry_output: 5 rows 9-13: median" in str(f)


def test_unknown_units_still_flag_the_group():
    values, county = _sheet()
    values[county == "北县"] *= 1e3
    (f,) = _check(values, county, units="")
    assert f.county == "北县" and "元 vs 万元" in f.suspected_unit


def test_a_percentage_county_in_fractions():
    rng = np.random.default_rng(5)
    values = pd.Series(np.round(rng.uniform(20, 90, 20), 1), index=range(2, 22))
    county = pd.Series(np.repeat(["甲县", "乙县", "丙县", "丁县"], 5), index=values.index)
    assert _check(values, county, units="%") == []
    values[county == "丙县"] /= 100
    (f,) = _check(values, county, units="%")
    assert (f.kind, f.county) == ("percent", "丙县")
    assert f.suspected_unit.startswith("0-1 fractions")
    # Not a percentage column: no percent check.
    assert [x.kind for x in _check(values, county, units="万元")] == []


def test_negative_counts_but_not_negative_money():
    values, county = _sheet()
    values[5] = -1.0
    values[20] = -35.0
    found = _check(values, county, units="人")
    assert [(f.kind, f.county, f.rows) for f in found] == [
        ("negative", "东区", (5,)), ("negative", "南县", (20,))]
    assert "negative (-1) but 人 cannot be negative" in str(found[0])
    assert _check(values, county, units="万元") == []


def test_no_warning_on_the_embedded_jilin_table():
    """The real embedded facts table, read as a default run reads it: no check fires."""
    if not (datasets.DATA_RAW / facts.EMBEDDED).is_file():
        pytest.skip("no embedded facts table")
    cfg = config_mod.load()
    towns = ingest.assign_counties(
        ingest.read_layers(records.Inputs(), cfg)[0].sort_values("code").reset_index(drop=True),
        datasets.counties())
    ft = ingest.read_facts(records.Inputs(), towns, cfg)
    assert ft is not None and not [n for n in ft.notes if n.startswith("WARNING")]


# ------------------------------------------------------------------ through the reader and CLI


def _changchun(tmp_path):
    t = datasets.towns_table()
    t = t[t["code"].str.startswith("2201") & t["name"].str.endswith("镇") & t["lon"].notna()]
    p = tmp_path / "towns.csv"
    t.to_csv(p, index=False, encoding="utf-8")
    return p, t.reset_index(drop=True)


def _merged_workbook(tmp_path, t, yuan_county="220122"):
    """A prefecture's merged sheet (title row, header in 万元), every county in 万元 but one
    in 元 (SYNTHETIC values, seeded)."""
    rng = np.random.default_rng(11)
    vals = np.round(np.exp(rng.normal(8.0, 1.0, len(t))), 1)
    yuan = (t["county_code"] == yuan_county).to_numpy()
    vals[yuan] = np.round(vals[yuan] * 1e4)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(["长春市候选示范镇基本情况 (SYNTHETIC)"])
    ws.append(["乡镇代码", "乡镇名称", "镇域产业产值(万元)"])
    for code, name, v in zip(t["code"], t["name"], vals, strict=True):
        ws.append([code + "000", name, float(v)])
    path = tmp_path / "长春市.xlsx"
    wb.save(path)
    rows = tuple(int(i) + 3 for i in np.flatnonzero(yuan))  # data from spreadsheet row 3
    return path, rows


def _config(tmp_path):
    p = tmp_path / "cfg.toml"
    p.write_text(
        '[[criteria]]\ncolumn = "time_prefecture_min"\ndirection = "cost"\nweight = 0.5\n\n'
        '[[criteria]]\ncolumn = "industry_output"\nlabel = "镇域产业产值"\nsource = "table"\n'
        'units = "万元"\ndirection = "benefit"\nweight = 0.5\ntransform = "log"\n'
        'missing = "county_median"\n\n'
        '[[tiers]]\nname = "provincial"\nlabel = "省级"\ncount = 5\ntier_weight = 2.0\n\n'
        '[sensitivity]\ndraws = 0\n', encoding="utf-8")
    return p


def test_strict_run_fails_on_a_county_in_yuan_inside_one_sheet(tmp_path, capsys):
    tp, t = _changchun(tmp_path)
    book, rows = _merged_workbook(tmp_path, t)
    args = ["run", "--towns", str(tp), "--towns-frame", "GCJ-02", "--facts", str(book),
            "--config", str(_config(tmp_path)), "--output", str(tmp_path / "out"), "--quiet"]
    towns = ingest.assign_counties(
        ingest.read_layers(records.Inputs(towns=str(tp), towns_frame="GCJ-02"),
                        config_mod.load(_config(tmp_path)))[0], datasets.counties())
    ft = facts.read([book], towns, config_mod.load(_config(tmp_path)))
    (w,) = [n for n in ft.notes if n.startswith("WARNING")]
    assert w.startswith("WARNING 长春市.xlsx, sheet 汇总, county 农安县, column industry_output: "
                        f"{len(rows)} rows ")
    assert "suspected unit: 元 (not 万元)" in w
    assert facts.warning_messages(facts.FactsUsed(table=ft)) == [w]
    assert cli.main(args + ["--strict"]) == errors.StrictError.exit_code == 6
    err = capsys.readouterr().err
    assert "--strict: 1 warning(s)" in err and "county 农安县" in err and "Traceback" not in err
    # No run folder; the failure is recorded beside it, with the warning.
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["jilin-default.failed.json"]
    rec = json.loads((tmp_path / "out" / "jilin-default.failed.json").read_text(encoding="utf-8"))
    assert (rec["status"], rec["exit_code"], rec["warnings"]) == ("failed", 6, [w])


def test_strict_run_without_warnings_succeeds(tmp_path):
    """The same sheet with every county in 万元: --strict passes and writes the run."""
    tp, t = _changchun(tmp_path)
    book, _ = _merged_workbook(tmp_path, t, yuan_county="none")
    args = ["run", "--towns", str(tp), "--towns-frame", "GCJ-02", "--facts", str(book),
            "--config", str(_config(tmp_path)), "--output", str(tmp_path / "out"), "--quiet",
            "--strict"]
    assert cli.main(args) == 0
    assert (tmp_path / "out" / "jilin-default" / "candidates.csv").is_file()
