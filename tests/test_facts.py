"""Town facts tables: reading, matching, missing-value policies and table criteria in runs.

Every facts value in these tests is SYNTHETIC (seeded), not real data.
"""

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest

from spatial_towns import cli, config, errors
from spatial_towns.data import datasets, facts, io, template
from spatial_towns.mcda import normalise as transforms
from spatial_towns.pipeline import ingest, records
from spatial_towns.pipeline import stages as pipeline
from spatial_towns.whatif import explorer as whatif

TABLE_CRIT = {"column": "industry_output", "label": "镇域产业产值", "source": "table",
              "units": "万元", "direction": "benefit", "weight": 0.5, "transform": "log",
              "missing": "county_median"}


def _cfg(**over) -> config.Config:
    raw = config.load().to_dict()
    raw["criteria"] = raw["criteria"] + [dict(TABLE_CRIT, **over)]
    raw["sensitivity"] = {**raw["sensitivity"], "draws": 0}
    return config.from_dict(raw)


def _toy_towns() -> pd.DataFrame:
    # SYNTHETIC fixture: six towns of two counties (names shaped like real ones).
    return pd.DataFrame({
        "code": ["220101100", "220101101", "220101102", "220102100", "220102101", "220102102"],
        "name": ["甲山镇", "乙河镇", "丙岭镇", "丁家镇", "戊村镇", "己屯镇"],
        "county_code": ["220101", "220101", "220101", "220102", "220102", "220102"],
        "county_name": ["东区", "东区", "东区", "西县", "西县", "西县"],
    })


# ------------------------------------------------------------------ config and transforms


def test_table_criterion_needs_an_explicit_missing_policy():
    raw = config.load().to_dict()
    crit = {k: v for k, v in TABLE_CRIT.items() if k != "missing"}
    raw["criteria"] = raw["criteria"] + [crit]
    with pytest.raises(errors.ConfigError, match="missing = one of"):
        config.from_dict(raw)
    raw["criteria"][-1] = dict(TABLE_CRIT, missing="guess")
    with pytest.raises(errors.ConfigError, match="missing = 'guess' in .* must be one of"):
        config.from_dict(raw)
    raw["criteria"][-1] = dict(TABLE_CRIT, source="survey")
    with pytest.raises(errors.ConfigError, match="source = 'survey'"):
        config.from_dict(raw)
    cfg = _cfg()
    c = cfg.table_criteria()[-1]
    assert c.column == "industry_output"
    assert (c.source, c.units, c.missing, c.transform.kind) == ("table", "万元", "county_median",
                                                                 "log")
    # The default's criteria (geometry and table) are unchanged.
    assert [x.source for x in cfg.criteria[:-1]] == [x.source for x in config.load().criteria]


def test_log_and_rank_transforms():
    v = pd.Series([0.0, 9.0, 99.0, 999.0], name="output")
    lg = transforms.apply(v, "benefit", config.Transform(kind="log"))
    assert np.allclose(lg, np.log1p(v) / np.log1p(999.0))
    rk = transforms.apply(pd.Series([5.0, 1.0, 5.0, 100.0]), "benefit",
                          config.Transform(kind="rank"))
    assert rk.tolist() == [0.5, 0.0, 0.5, 1.0]  # ties share their mean rank
    assert transforms.apply(pd.Series([1.0, 2.0]), "cost",
                            config.Transform(kind="rank")).tolist() == [1.0, 0.0]
    with pytest.raises(errors.InputDataError, match="output has 1 negative"):
        transforms.apply(pd.Series([-1.0, 2.0], name="output"), "benefit",
                         config.Transform(kind="log"))


# ------------------------------------------------------------------ reading


def test_read_table_formats(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("code,name\n220101100,甲山镇\n".encode("gbk"))
    df = io.read_table(gbk)
    assert df.attrs["encoding"] == "gb18030" and df.loc[0, "name"] == "甲山镇"
    wb = openpyxl.Workbook()
    wb.active.title = "东区"
    wb.active.append(["code", "value"])
    wb.active.append([220101100000, 1234.5])
    wb.create_sheet("西县").append(["说明"])
    x = tmp_path / "t.xlsx"
    wb.save(x)
    sheets = io.read_table(x, None, header=False)
    assert list(sheets) == ["东区", "西县"]
    assert sheets["东区"].iloc[1].tolist() == ["220101100000", "1234.5"]  # no ".0"
    assert io.read_table(x).columns.tolist() == ["code", "value"]
    with pytest.raises(errors.InputDataError, match="MB a table may have"):
        io.read_table(x, max_bytes=100)
    old = tmp_path / "t.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(errors.InputDataError, match="save it as .xlsx"):
        io.read_table(old)


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_facts_from_geopackage_or_parquet_attributes(tmp_path, suffix):
    """Attributes of a GeoPackage layer or a (Geo)Parquet file, geometry dropped."""
    import shapely

    gdf = gpd.GeoDataFrame({"code": ["220101100000", "220102100"], "industry_output": [12.5, 7.0]},
                           geometry=[shapely.Point(125.3, 43.8)] * 2, crs=4326)
    p = tmp_path / f"f{suffix}"
    gdf.to_file(p) if suffix == ".gpkg" else gdf.to_parquet(p)
    ft = facts.read([p], _toy_towns(), _cfg())
    assert ft.values["industry_output"].to_dict() == {"220101100": 12.5, "220102100": 7.0}
    assert (ft.rows["match_status"] == "matched").all()


def _office_workbook(path):
    """A county office's workbook: a merged title, the header on row 2, a units row, one
    sheet per county (name-only rows), full-width digits, thousands separators and dashes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "东区"
    ws.append(["东区示范镇候选镇基本情况表（SYNTHETIC 示例数据）"])
    ws.merge_cells("A1:C1")
    ws.append(["镇名称", "镇域产业产值", "备注"])
    ws.append(["单位", "万元", ""])
    ws.append(["甲山镇", "１２，３４５", ""])
    ws.append(["乙河镇", "2,000.5", "SYNTHETIC"])
    ws.append(["丙岭镇", "—", ""])
    ws.append([None, None, None])
    ws2 = wb.create_sheet("西县")
    ws2.append(["乡镇", "镇域产业产值(元)"])
    ws2.append(["丁家镇", 30000000])
    ws2.append(["戊村镇", "无"])
    ws2.append(["不存在镇", 5])
    wb.create_sheet("填表说明").append(["请按县填写"])
    wb.save(path)
    return path


def test_office_workbook_is_read_as_typed(tmp_path):
    p = _office_workbook(tmp_path / "office.xlsx")
    ft = facts.read([p], _toy_towns(), _cfg())
    v = ft.values["industry_output"]
    assert v["220101100"] == 12345.0 and v["220101101"] == 2000.5
    assert v["220102100"] == 3000.0  # 元 → 万元
    assert "220101102" not in v.dropna().index  # "—" is missing, not zero
    rows = ft.rows.set_index(["sheet", "row"])
    assert len(ft.rows) == 6  # every data row, none dropped
    assert rows.loc[("西县", 4), "match_status"] == "unmatched"
    assert rows.loc[("东区", 4), "match_status"] == "matched"
    assert any("converted to 万元 (× 0.0001)" in n for n in ft.notes)
    assert any("填表说明" in n and "skipped" in n for n in ft.notes)


def test_non_numbers_are_named_by_file_sheet_row_column(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("code,industry_output\n220101100,12万\n220101101,5\n", encoding="utf-8")
    with pytest.raises(errors.InputDataError,
                       match=r"f.csv, row 2, column industry_output \(B\): '12万' is not a number"):
        facts.read([p], _toy_towns(), _cfg())


# ------------------------------------------------------------------ missing values


@pytest.mark.parametrize("policy, expect", [
    ("exclude", {"220101102": np.nan, "220102102": np.nan}),
    ("county_median", {"220101102": 15.0, "220102102": 40.0}),
    ("zero", {"220101102": 0.0, "220102102": 0.0}),
])
def test_missing_policies(tmp_path, policy, expect):
    p = tmp_path / "f.csv"
    p.write_text("code,industry_output\n220101100,10\n220101101,20\n220102100,40\n"
                 "220102101,—\n", encoding="utf-8")
    towns = _toy_towns()
    cfg = _cfg(missing=policy)
    ft = facts.read([p], towns, cfg)
    base = pd.Series([True] * 5 + [True], index=towns.index)
    table, used = facts.attach(pd.DataFrame(index=towns.index), towns, ft, cfg, base)
    got = dict(zip(towns["code"], table["industry_output"], strict=True))
    for code, want in expect.items():
        assert (np.isnan(got[code]) and np.isnan(want)) or got[code] == want
    info = used.coverage["industry_output"]
    assert info["covered"] == 3
    if policy == "exclude":
        assert info["imputed"] == 0 and info["excluded"] == 3
    else:
        assert info["imputed"] == 3 and info["excluded"] == 0
        assert "imputed" in used.imputed[2]


def test_misspelt_column_is_a_config_error(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("code,industry_outptu\n220101100,10\n", encoding="utf-8")
    towns = _toy_towns()
    ft = facts.read([p], towns, _cfg())
    with pytest.raises(errors.ConfigError, match="industry_outptu"):
        facts.attach(pd.DataFrame(index=towns.index), towns, ft, _cfg(),
                     pd.Series(True, index=towns.index))


# ------------------------------------------------------------------ in a run


def _changchun_towns(tmp_path):
    t = datasets.towns_table()
    t = t[t["code"].str.startswith("2201") & t["name"].str.endswith("镇") & t["lon"].notna()]
    p = tmp_path / "towns.csv"
    t.to_csv(p, index=False, encoding="utf-8")
    return p, t


def _small_cfg(tmp_path, weight, draws=0):
    p = tmp_path / f"cfg_{weight}.toml"
    p.write_text(
        'criteria_mode = "replace"\n'
        '[[criteria]]\ncolumn = "time_prefecture_min"\ndirection = "cost"\nweight = 0.5\n\n'
        '[[criteria]]\ncolumn = "dist_rail_km"\ndirection = "cost"\nweight = 0.5\n\n'
        f'[[criteria]]\ncolumn = "industry_output"\nsource = "table"\nunits = "万元"\n'
        f'direction = "benefit"\nweight = {weight}\ntransform = "log"\n'
        'missing = "county_median"\n\n'
        '[[tiers]]\nname = "provincial"\nlabel = "省级"\ncount = 5\ntier_weight = 2.0\n\n'
        '[[tiers]]\nname = "municipal"\nlabel = "市级"\ncount = 10\ntier_weight = 1.0\n\n'
        f'[sensitivity]\ndraws = {draws}\n', encoding="utf-8")
    return str(p)


def test_raising_a_table_weight_moves_high_value_towns_up(tmp_path):
    """SYNTHETIC output values for the 镇 of 长春市 (seeded), through ``run --facts``: with the
    table criterion's weight raised from 0.05 to 50 (what-if), the provincial tier becomes the
    five highest-valued eligible towns; every table row is accounted for in facts_rows.csv and
    the report."""
    tp, t = _changchun_towns(tmp_path)
    rng = np.random.default_rng(7)
    vals = pd.Series(np.round(np.exp(rng.normal(8.0, 1.2, len(t))), 1), index=t["code"].values)
    f = tmp_path / "facts.csv"
    pd.DataFrame({"code": t["code"] + "000", "name": t["name"], "industry_output": vals.values,
                  "note": "SYNTHETIC"}).to_csv(f, index=False, encoding="utf-8")
    args = ["run", "--towns", str(tp), "--towns-frame", "GCJ-02", "--facts", str(f),
            "--config", _small_cfg(tmp_path, 0.05), "--output", str(tmp_path), "--run-name", "r"]
    assert cli._parser().parse_args(args).facts == [str(f)]
    cfg = config.load(_small_cfg(tmp_path, 0.05, draws=10))
    res = pipeline.run(cfg, records.Inputs(towns=str(tp), towns_frame="GCJ-02",
                                           facts=[str(f)]),
                       output_dir=tmp_path, progress=False)
    towns = res.towns.set_index("code")
    elig = towns.index[towns["status"] == "eligible"]
    top5 = set(vals[elig].nlargest(5).index)
    low = set(towns.index[towns["tier"] == "provincial"])
    # The geometry criteria at weight 0: the tier then follows the table values alone (with
    # them at 1 : 50, two towns close in output could still swap places).
    up = whatif.WhatIf.from_result(res).update(
        weights={"industry_output": 50.0, "time_prefecture_min": 0.0, "dist_rail_km": 0.0})
    high = set(up.towns.index[up.towns["tier"] == "provincial"]) if "code" not in up.towns \
        else set(up.towns.loc[up.towns["tier"] == "provincial", "code"])
    assert high == top5 and len(low & top5) < 5
    out = tmp_path / cfg.run_name
    cand = pd.read_csv(out / "candidates.csv", dtype={"code": str})
    assert cand["industry_output"].notna().all()
    rows = pd.read_csv(out / "facts_rows.csv", dtype=str)
    assert len(rows) == len(t) and (rows["match_status"] == "matched").all()
    report = (out / "report.md").read_text(encoding="utf-8")
    assert f"Rows: {len(t)} — {len(t)} matched, 0 unmatched, 0 ambiguous" in report
    assert "| `industry_output` | facts.csv | 万元 |" in report
    # Wherever a criterion shows, the table criterion shows too.
    assert "| industry_output | 万元, from facts.csv; " in report  # the criteria table
    assert {"industry_output", "norm_industry_output", "contrib_industry_output"} <= set(
        gpd.read_file(out / "towns.gpkg").columns)
    assert "contrib_industry_output" in cand.columns
    assert "industry_output" in (out / "map.html").read_text(encoding="utf-8")
    assert "industry_output" in [c["column"] for c in whatif.WhatIf.from_result(res).criteria()]
    assert "industry_output" in set(res.robustness.oat["criterion"])


def test_embedded_facts_are_read_on_the_default_data(tmp_path):
    """The embedded table (when present) goes through the same reader as --facts files."""
    if not (datasets.DATA_RAW / facts.EMBEDDED).is_file():
        pytest.skip("no embedded facts table")
    towns = ingest.assign_counties(
        ingest.read_layers(records.Inputs(), config.load())[0].sort_values("code")
        .reset_index(drop=True), datasets.counties())
    ft = ingest.read_facts(records.Inputs(), towns, config.load())
    assert ft is not None and ft.files[-1]["embedded"]
    assert len(ft.rows) == ft.files[-1]["rows"]


# ------------------------------------------------------------------ nominations


def test_a_county_that_nominated_nothing_is_a_named_quota_error(tmp_path, capsys):
    """SYNTHETIC nominations for the 镇 of 长春市 (every 镇 but those of 双阳区): the county
    tier needs one per county, so the run stops with a QuotaError naming 双阳区 before
    solving, and writes nothing."""
    tp, t = _changchun_towns(tmp_path)
    nom = tmp_path / "nominations.csv"
    pd.DataFrame({"code": t["code"],
                  "nominated": np.where(t["county_code"] == "220112", "否", "是")}).to_csv(
        nom, index=False, encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[tiers]]\nname = "county"\nlabel = "县级"\nmin_count = 5\n'
                   'per_county_min = 1\ntier_weight = 1.0\n\n[sensitivity]\ndraws = 0\n',
                   encoding="utf-8")
    out = tmp_path / "out"
    code = cli.main(["run", "--towns", str(tp), "--towns-frame", "GCJ-02", "--nominations",
                     str(nom), "--config", str(cfg), "--output", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == errors.QuotaError.exit_code
    assert "county 双阳区 (220112) of 长春市 nominated no 镇" in err
    # No run folder is written; only the failure's record beside it (run.json's twin, #25).
    assert [p.name for p in out.iterdir()] == ["jilin-default.failed.json"]


def test_only_nominated_towns_are_candidates(tmp_path):
    tp, t = _changchun_towns(tmp_path)
    keep = t.groupby("county_code").head(2)
    nom = tmp_path / "nominations.csv"
    keep[["code", "name"]].to_csv(nom, index=False, encoding="utf-8")  # a plain list
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[tiers]]\nname = "county"\nlabel = "县级"\nmin_count = 5\n'
                   'per_county_min = 1\ntier_weight = 1.0\n\n[sensitivity]\ndraws = 0\n',
                   encoding="utf-8")
    res = pipeline.run(config.load(cfg), records.Inputs(towns=str(tp), towns_frame="GCJ-02",
                                                        nominations=[str(nom)]),
                       output_dir=None, progress=False)
    towns = res.towns.set_index("code")
    assert set(towns.index[towns["tier"] != ""]) <= set(keep["code"])
    others = towns.drop(index=keep["code"])
    assert (others["reason"] == "excluded: not nominated by its county").all()


# ------------------------------------------------------------------ templates


def test_template_round_trip(tmp_path):
    """Templates of a run, filled programmatically with SYNTHETIC values (some cells left
    blank, some towns nominated), read back by a run with --facts: the values and
    nominations are exactly those typed in."""
    tp, t = _changchun_towns(tmp_path)
    cfg = config.load(_small_cfg(tmp_path, 0.5))
    inputs = records.Inputs(towns=str(tp), towns_frame="GCJ-02")
    res = pipeline.run(cfg, inputs, output_dir=None, progress=False)
    (path,) = template.write(res, tmp_path / "tpl", prefecture="长春市")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "填表说明"
    rng = np.random.default_rng(3)
    typed, nominated = {}, {}
    for ws in wb.worksheets[1:]:
        head = [c.value for c in ws[template.HEADER_ROW]]
        assert ws[template.UNITS_ROW][0].value == template.UNITS_LABEL
        fact, nom = head.index("industry_output") + 1, head.index(template.NOMINATED) + 1
        assert ws.protection.sheet and ws.cell(template.FIRST_DATA_ROW, 1).protection.locked
        assert not ws.cell(template.FIRST_DATA_ROW, fact).protection.locked
        kinds = {dv.type for dv in ws.data_validations.dataValidation}
        assert kinds == {"decimal", "list"}
        for r in range(template.FIRST_DATA_ROW, ws.max_row + 1):
            code = ws.cell(r, 1).value
            if not code:
                continue
            if rng.random() < 0.8:  # the rest stay blank
                typed[code] = float(np.round(rng.gamma(2.0, 3000.0), 2))
                ws.cell(r, fact).value = typed[code]
            nominated[code] = "是" if rng.random() < 0.9 else "否"
            ws.cell(r, nom).value = nominated[code]
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    assert set(typed) < set(t["code"]) and len(typed) > 20
    back = pipeline.run(cfg, records.Inputs(towns=str(tp), towns_frame="GCJ-02",
                                            facts=[str(filled)]),
                        output_dir=None, progress=False)
    rows = back.facts.table.rows
    assert (rows["match_status"] == "matched").all() and len(rows) == len(nominated)
    got = back.facts.table.values["industry_output"].dropna().to_dict()
    assert got == typed  # exactly the values typed in
    assert back.facts.table.nominated.to_dict() == {c: v == "是" for c, v in nominated.items()}
    towns = back.towns.set_index("code")
    not_nom = [c for c, v in nominated.items() if v == "否"]
    assert (towns.loc[not_nom, "reason"] == "excluded: not nominated by its county").all()
