"""Hostile inputs and what the CLI says about each (used by test_hostile_inputs.py).

Run ``python tests/hostile_cases.py`` to print the table of inputs and messages.
Each case writes its bad file(s) into a temporary folder and returns CLI arguments; the
expected exit code and a fragment of the expected message are listed with it.
"""

from __future__ import annotations

import io as _io
import sys
import tempfile
from contextlib import redirect_stderr
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin

GOOD_ROWS = "1,双阳镇,125.66,43.52\n2,范家屯镇,125.08,43.62\n3,二道白河镇,128.12,42.41\n"
SMALL_TIERS = '[[tiers]]\nname = "provincial"\nlabel = "省级"\ncount = 1\ntier_weight = 1.0\n'


def _csv(d: Path, body: str, name="towns.csv", enc="utf-8") -> str:
    p = d / name
    p.write_bytes(body.encode(enc))
    return str(p)


def _small_cfg(d: Path) -> str:
    p = d / "small.toml"
    p.write_text(SMALL_TIERS, encoding="utf-8")
    return str(p)


def _towns_ok(d: Path) -> list[str]:
    return ["--towns", _csv(d, "code,name,lon,lat\n" + GOOD_ROWS), "--towns-frame", "EPSG:4326",
            "--config", _small_cfg(d)]


def _raster(d: Path, crs, west=125.0, north=44.5) -> str:
    p = d / "pop.tif"
    with rasterio.open(p, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
                       crs=crs, transform=from_origin(west, north, 0.1, 0.1)) as ds:
        ds.write(np.ones((10, 10), "float32"), 1)
    return str(p)


def _gpkg(d: Path, geoms, crs=4326) -> str:
    p = d / "towns.gpkg"
    gpd.GeoDataFrame({"code": [str(i) for i in range(len(geoms))],
                      "name": [f"镇{i}" for i in range(len(geoms))]},
                     geometry=geoms, crs=crs).to_file(p)
    return str(p)


FACTS_CRIT = ('criteria_mode = "replace"\n'
              '[[criteria]]\ncolumn = "dist_rail_km"\ndirection = "cost"\nweight = 0.5\n\n'
              '[[criteria]]\ncolumn = "industry_output"\nlabel = "产值"\nsource = "table"\n'
              'units = "万元"\ndirection = "benefit"\nweight = 0.5\nmissing = "zero"\n\n')


def _facts_run(d: Path, facts: list[str]) -> list[str]:
    """A three-town run with a table criterion and the given facts files (SYNTHETIC values)."""
    cfg = d / "facts.toml"
    cfg.write_text(FACTS_CRIT + SMALL_TIERS, encoding="utf-8")
    out = ["--towns", _csv(d, "code,name,lon,lat\n" + GOOD_ROWS), "--towns-frame", "EPSG:4326",
           "--config", str(cfg)]
    for f in facts:
        out += ["--facts", f]
    return out


def _xlsx(d: Path, sheets: dict[str, list[list]], name="facts.xlsx") -> str:
    """A workbook of SYNTHETIC rows, one list of rows per sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    p = d / name
    wb.save(p)
    return str(p)


def _merged_sheet_run(d: Path, units: str, make, strict: bool = False) -> list[str]:
    """The 镇 of 长春市 in one merged prefecture sheet (title row, header ``产值(<units>)``), with
    SYNTHETIC values ``make(rng, county_codes)`` (seeded), scored by a table criterion in
    ``units``; ``--strict`` when asked."""
    import openpyxl

    from spatial_towns.data import datasets

    t = datasets.towns_table()
    t = t[t["code"].str.startswith("2201") & t["name"].str.endswith("镇") & t["lon"].notna()]
    t = t.sort_values("code").reset_index(drop=True)
    towns = d / "towns.csv"
    t.to_csv(towns, index=False, encoding="utf-8")
    values = make(np.random.default_rng(11), t["county_code"].to_numpy())
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(["长春市候选示范镇基本情况 (SYNTHETIC)"])
    ws.append(["乡镇代码", "乡镇名称", f"产值({units})"])
    for code, name, v in zip(t["code"], t["name"], values, strict=True):
        ws.append([code + "000", name, float(v)])
    wb.save(d / "长春市.xlsx")
    cfg = d / "merged.toml"
    cfg.write_text('[[criteria]]\ncolumn = "time_prefecture_min"\ndirection = "cost"\n'
                   'weight = 0.5\n\n[[criteria]]\ncolumn = "industry_output"\nlabel = "产值"\n'
                   f'source = "table"\nunits = "{units}"\ndirection = "benefit"\nweight = 0.5\n'
                   'missing = "zero"\n\n' + SMALL_TIERS, encoding="utf-8")
    return (["--towns", str(towns), "--towns-frame", "GCJ-02", "--config", str(cfg), "--facts",
             str(d / "长春市.xlsx")] + (["--strict"] if strict else []))


def _output(rng, county, factor=1.0, where="220122"):
    """SYNTHETIC town output (万元, log-normal like real output); ``factor`` on one county."""
    v = np.round(np.exp(rng.normal(8.0, 1.0, len(county))), 1)
    return np.where(county == where, v * factor, v)


def _block(rng, county):
    """Output with 10 consecutive rows in 元: the last 5 of 农安县 and the first 5 of 榆树市."""
    v = _output(rng, county)
    first = int(np.flatnonzero(county == "220182")[0])
    v[first - 5:first + 5] *= 1e4
    return v


def _percent(rng, county):
    """A percentage column, one county (九台区, 220113) in 0-1 fractions."""
    v = np.round(rng.uniform(20, 90, len(county)), 1)
    return np.where(county == "220113", v / 100, v)


def _persons(rng, county):
    """Residents (人), one town given as -1 (a missing-value code)."""
    v = rng.integers(5_000, 60_000, len(county)).astype(float)
    v[3] = -1
    return v


def _killed_run_leftovers(d: Path) -> list[str]:
    """A run folder's parent holding what a SIGKILLed run left: its half-written partial
    folder (of a process that no longer exists)."""
    import subprocess

    dead = subprocess.Popen(["true"])
    dead.wait()
    partial = d / "out" / f".jilin-default.partial-{dead.pid}"
    partial.mkdir(parents=True)
    (partial / "candidates.csv").write_text("half a file", encoding="utf-8")
    return _towns_ok(d) + ["--output", str(d / "out")]


def _empty_graph(d: Path) -> str:
    p = d / "roads.graphml"
    G = nx.MultiDiGraph(crs="epsg:4326")
    nx.write_graphml(G, p)
    return str(p)


CASES = [
    ("towns CSV with no coordinate frame",
     lambda d: ["--towns", _csv(d, "code,name,lon,lat\n" + GOOD_ROWS)], 3, "carries no coordinate frame"),
    ("longitude and latitude swapped",
     lambda d: ["--towns", _csv(d, "code,name,lon,lat\n1,双阳镇,43.52,125.66\n"), "--towns-frame",
                "EPSG:4326"], 3, "swapped"),
    ("duplicate town codes",
     lambda d: ["--towns", _csv(d, "code,name,lon,lat\n1,a镇,125.6,43.5\n1,b镇,125.7,43.6\n"),
                "--towns-frame", "EPSG:4326"], 3, "duplicate town codes"),
    ("town without a code",
     lambda d: ["--towns", _csv(d, "code,name,lon,lat\n,a镇,125.6,43.5\n"), "--towns-frame",
                "EPSG:4326"], 3, "without a code"),
    ("non-numeric longitude",
     lambda d: ["--towns", _csv(d, "code,name,lon,lat\n1,a镇,东经125,43.5\n"), "--towns-frame",
                "EPSG:4326"], 3, "non-numeric"),
    ("towns file with a header only",
     lambda d: ["--towns", _csv(d, "code,name,lon,lat\n"), "--towns-frame", "EPSG:4326"], 3, "no towns"),
    ("towns file missing",
     lambda d: ["--towns", str(d / "nope.csv"), "--towns-frame", "EPSG:4326"], 3, "not found"),
    ("towns as polygons / mixed geometries",
     lambda d: ["--towns", _gpkg(d, [shapely.Point(125.6, 43.5), shapely.LineString([(125, 43), (126, 44)])])],
     3, "must be points"),
    ("towns GeoPackage without CRS",
     lambda d: ["--towns", _gpkg(d, [shapely.Point(125.6, 43.5)], crs=None)], 3, "has no CRS"),
    ("unknown coordinate frame",
     lambda d: ["--towns", _csv(d, "code,name,lon,lat\n" + GOOD_ROWS), "--towns-frame", "WGS-1984ish"],
     3, "unknown coordinate frame"),
    ("population raster without CRS",
     lambda d: _towns_ok(d) + ["--population", _raster(d, None)], 3, "no CRS"),
    ("population raster not covering the towns",
     lambda d: _towns_ok(d) + ["--population", _raster(d, "EPSG:4326", west=100.0, north=30.0)],
     3, "does not cover any town"),
    ("empty road graph",
     lambda d: _towns_ok(d) + ["--roads", _empty_graph(d)], 3, "no nodes or no edges"),
    ("road network in an unsupported format",
     lambda d: _towns_ok(d) + ["--roads", _csv(d, "x", name="roads.shp")], 3, "unsupported"),
    ("config with an unknown criterion",
     lambda d: ["--config", _csv(d, '[[criteria]]\ncolumn = "happiness"\ndirection = "benefit"\nweight = 1\n',
                                 name="c.toml")], 2, "not a column"),
    ("config with a negative weight",
     lambda d: ["--config", _csv(d, '[[criteria]]\ncolumn = "dist_rail_km"\ndirection = "cost"\nweight = -1\n',
                                 name="c.toml")], 2, "weight = -1 in [[criteria]] (column = 'dist_rail_km') of"),
    ("config with all-zero weights",
     lambda d: ["--config", _csv(d, 'criteria_mode = "replace"\n[[criteria]]\ncolumn = "dist_rail_km"\n'
                                    'direction = "cost"\nweight = 0\n', name="c.toml")], 2,
     "all criterion weights are zero"),
    # Typos and wrong values in a user config (#25): each names the file, table and key.
    ("config: misspelt key in [access]",
     lambda d: ["--config", _csv(d, "[access]\nisochrone_mins = [15, 30]\n", name="c.toml")], 2,
     "unknown key 'isochrone_mins' in [access] of "),
    ("config: misspelt key in [focus]",
     lambda d: ["--config", _csv(d, "[focus]\nperiphery_minutes = 30\n", name="c.toml")], 2,
     "did you mean 'periphery_min'?"),
    ("config: misspelt key in [eligibility]",
     lambda d: ["--config", _csv(d, '[eligibility]\nkind = ["镇", "乡"]\n', name="c.toml")], 2,
     "unknown key 'kind' in [eligibility] of "),
    ("config: misspelt key in a [[criteria]] entry",
     lambda d: ["--config", _csv(d, '[[criteria]]\ncolumn = "devzone_km"\nweigth = 0.3\n',
                                 name="c.toml")], 2,
     "unknown key 'weigth' in [[criteria]] (column = 'devzone_km') of "),
    ("config: a number in quotes",
     lambda d: ["--config", _csv(d, '[sensitivity]\ndraws = "100"\n', name="c.toml")], 2,
     "draws = '100' in [sensitivity] of "),
    ("config: a value out of range",
     lambda d: ["--config", _csv(d, "[focus]\nmetro_partial_value = 1.5\n", name="c.toml")], 2,
     "metro_partial_value = 1.5 in [focus] of "),
    ("config: not one of the allowed values",
     lambda d: ["--config", _csv(d, '[assessment]\nstreak = "yearly"\n', name="c.toml")], 2,
     "streak = 'yearly' in [assessment] of "),
    ("config: unknown development type in a quota",
     lambda d: ["--config", _csv(d, "[types.quotas.provincial]\nmetro_satelite = 3\n",
                                 name="c.toml")], 2, "did you mean 'metro_satellite'?"),
    ("config: misspelt key in [provinces.\"<code>\"]",
     lambda d: ["--config", _csv(d, '[provinces."640000"]\nroad = "x.graphml"\n', name="c.toml")],
     2, "unknown key 'road' in [provinces.\"640000\"] of "),
    ("config: combined weights with alpha out of range",
     lambda d: ["--config", _csv(d, '[weighting]\nmethod = "combined"\nalpha = 1.5\n', name="c.toml")],
     2, "alpha = 1.5 in [weighting] of "),
    ("config: replace mode without criteria",
     lambda d: ["--config", _csv(d, 'criteria_mode = "replace"\n', name="c.toml")], 2,
     "criteria_mode = 'replace' but no [[criteria]]"),
    ("config that is not TOML",
     lambda d: ["--config", _csv(d, "weights: [1, 2]\n", name="c.toml")], 2, "not valid TOML"),
    ("quotas that cannot be met",
     lambda d: ["--config", _csv(d, '[[tiers]]\nname = "provincial"\ncount = 5000\ntier_weight = 1.0\n',
                                 name="c.toml")], 4, "only"),
    ("prefecture minimum above its towns",
     lambda d: ["--config", _csv(d, '[[tiers]]\nname = "provincial"\ncount = 300\nper_prefecture_min = 30\n'
                                    'tier_weight = 1.0\n', name="c.toml")], 4, "prefecture"),
    ("run folder's path taken by a file",
     lambda d: _towns_ok(d) + ["--output", str(Path(_csv(d, "x", name="jilin-default")).parent)],
     5, "not writable"),
    ("output folder not writable",
     lambda d: ["--output", _csv(d, "I am a file", name="out")], 5, "not writable"),
    # Town facts tables from county offices (SYNTHETIC values).
    ("facts: a value that is not a number",
     lambda d: _facts_run(d, [_xlsx(d, {"长春市": [["名称", "产值(万元)"], ["双阳镇", "12万"]]})]),
     3, "facts.xlsx, sheet 长春市, row 2, column 产值(万元) (B): '12万' is not a number"),
    ("facts: one town twice in a sheet with different values",
     lambda d: _facts_run(d, [_csv(d, "name,产值\n双阳镇,100\n双阳镇,120\n", name="f.csv")]),
     3, "given different industry_output values: 100 (f.csv, row 2), 120 (f.csv, row 3)"),
    ("facts: one town in two sheets with different values",
     lambda d: _facts_run(d, [_xlsx(d, {"双阳区": [["镇", "产值"], ["双阳镇", 100]],
                                        "长春市": [["镇", "产值"], ["双阳镇", 90]]})]),
     3, "100 (facts.xlsx, sheet 双阳区, row 2), 90 (facts.xlsx, sheet 长春市, row 2)"),
    ("facts: two columns with the same header",
     lambda d: _facts_run(d, [_csv(d, "name,产值,产值(万元)\n双阳镇,1,2\n", name="f.csv")]),
     3, "columns B and C both have the header"),
    ("facts: no sheet has a code or name column",
     lambda d: _facts_run(d, [_xlsx(d, {"Sheet1": [["镇域产业产值"], [100]]})]),
     3, "no sheet has a header row with a town code or name column"),
    ("facts: an old .xls workbook",
     lambda d: _facts_run(d, [_csv(d, "x", name="facts.xls")]), 3, "save it as .xlsx"),
    # --strict (#25): every warning of the run is an error, exit 6, nothing written.
    ("--strict: one county in 元 inside a merged sheet",
     lambda d: _merged_sheet_run(d, "万元", lambda r, c: _output(r, c, 1e4), strict=True), 6,
     "--strict: 1 warning(s), each an error under --strict: 长春市.xlsx, sheet 汇总, county 农安县, "
     "column industry_output: 11 rows"),
    ("--strict: a percentage county in 0-1 fractions",
     lambda d: _merged_sheet_run(d, "%", _percent, strict=True), 6,
     "county 九台区, column industry_output: 4 rows"),
    ("--strict: a negative count",
     lambda d: _merged_sheet_run(d, "人", _persons, strict=True), 6,
     "negative (-1) but 人 cannot be negative"),
    ("--strict: sheets in 元 and 万元",
     lambda d: _facts_run(d, [_xlsx(d, {"双阳区": [["镇", "产值"], ["双阳镇", 1200000]],
                                        "公主岭市": [["镇", "产值"], ["范家屯镇", 150]]})])
     + ["--strict"], 6, "--strict: 1 warning(s)"),
    ("--strict: a header in units the criterion does not use",
     lambda d: _facts_run(d, [_csv(d, "name,产值(美元)\n双阳镇,100\n", name="f.csv")])
     + ["--strict"], 6, "the header says 美元 but criterion industry_output is in 万元"),
    ("--strict on a national run whose seat table is missing",
     lambda d: ["--scope", "national", "--strict", "--national", str(d / "missing.csv")], 3,
     "national town-seat table not found"),
    ("facts: a .xlsx that is not a workbook",
     lambda d: _facts_run(d, [_csv(d, "code,name\n", name="facts.xlsx")]), 3,
     "not a readable XLSX (not a zip archive)"),
    ("facts: file not found",
     lambda d: _facts_run(d, [str(d / "missing.xlsx")]), 3, "table not found"),
    ("facts: the criterion's column is in no table (misspelt header)",
     lambda d: _facts_run(d, [_csv(d, "name,产出\n双阳镇,100\n", name="f.csv")]), 2,
     "criterion 'industry_output' (source = 'table') is in none of the facts tables (f.csv)"),
    ("facts: a value in a text encoding that is neither UTF-8 nor GBK",
     lambda d: _facts_run(d, [_csv(d, "name,产值\n双阳镇,1\n", name="f.csv", enc="utf-16")]), 3,
     "neither UTF-8 nor GBK"),
]

#: Facts tables that are read with a warning (exit 0): (title, build, fragment of stderr).
FACTS_WARNINGS = [
    ("facts: one sheet in 元, the other in 万元 (medians ~10^4 apart)",
     lambda d: _facts_run(d, [_xlsx(d, {"双阳区": [["镇", "产值"], ["双阳镇", 1200000]],
                                        "公主岭市": [["镇", "产值"], ["范家屯镇", 150]]})]),
     "WARNING column industry_output: median 1.2e+06 in facts.xlsx, sheet 双阳区 but 150 in "
     "facts.xlsx, sheet 公主岭市 (~10^4 apart)"),
    ("facts: the same town twice with the same values",
     lambda d: _facts_run(d, [_csv(d, "name,产值\n双阳镇,100\n双阳镇,100\n", name="f.csv")]),
     "2 rows give the same industry_output (f.csv, row 2; f.csv, row 3); counted once"),
    ("facts: a header in 元 for a criterion in 万元",
     lambda d: _facts_run(d, [_csv(d, "name,产值(元)\n双阳镇,1000000\n", name="f.csv")]),
     "f.csv, column 产值(元) (B): in 元, converted to 万元 (× 0.0001)"),
    ("facts: a header in units the criterion does not use",
     lambda d: _facts_run(d, [_csv(d, "name,产值(美元)\n双阳镇,100\n", name="f.csv")]),
     "the header says 美元 but criterion industry_output is in 万元"),
    ("facts: one county in 元 inside a merged sheet (#25)",
     lambda d: _merged_sheet_run(d, "万元", lambda r, c: _output(r, c, 1e4)),
     "WARNING 长春市.xlsx, sheet 汇总, county 农安县, column industry_output: 11 rows"),
    ("facts: one county in 亿元 inside a merged sheet",
     lambda d: _merged_sheet_run(d, "万元", lambda r, c: _output(r, c, 1e-4)),
     "suspected unit: 亿元 (not 万元)"),
    ("facts: a block of rows in 元 across two counties",
     lambda d: _merged_sheet_run(d, "万元", _block),
     "county 农安县, 榆树市, column industry_output: 10 rows"),
    ("facts: a percentage column mixing 0-1 and 0-100",
     lambda d: _merged_sheet_run(d, "%", _percent),
     "suspected unit: 0-1 fractions (the others are 0-100 %: × 100)"),
    ("facts: a negative count",
     lambda d: _merged_sheet_run(d, "人", _persons),
     "negative (-1) but 人 cannot be negative"),
    ("facts: a row that matches no town",
     lambda d: _facts_run(d, [_csv(d, "name,产值\n双阳镇,100\n不存在镇,5\n", name="f.csv")]),
     "f.csv, row 3: unmatched (no town named 不存在镇)"),
    ("facts: a title above the header, a units row, full-width digits, separators and dashes",
     lambda d: _facts_run(d, [_xlsx(d, {"长春市": [["示范镇候选镇基本情况表 (SYNTHETIC)"],
                                                   ["乡镇名称", "产值", "备注"],
                                                   ["单位", "万元", None],
                                                   ["双阳镇", "１，２３４", None],
                                                   ["范家屯镇", "—", "无"],
                                                   ["二道白河镇", "无", None]]})]),
     "facts.xlsx, sheet 长春市: header on row 2"),
]

#: Inputs that must be accepted, with what must be true of the result.
ACCEPTED = [
    ("GBK-encoded towns CSV",
     lambda d: ["--towns", _csv(d, "code,name,lon,lat\n" + GOOD_ROWS, enc="gbk"), "--towns-frame",
                "EPSG:4326", "--config", _small_cfg(d)]),
    ("leftovers of a killed run beside the run folder",
     _killed_run_leftovers),
    ("a town outside the province and one without coordinates",
     lambda d: ["--towns", _csv(d, "code,name,lon,lat\n" + GOOD_ROWS + "4,北京镇,116.4,39.9\n5,无坐标镇,,\n"),
                "--towns-frame", "EPSG:4326", "--config", _small_cfg(d)]),
]


def _questionnaire(d: Path, edit=None, criteria=None) -> str:
    """A questionnaire filled by a SYNTHETIC expert, then spoiled by ``edit(workbook)``."""
    import openpyxl

    from spatial_towns import config
    from spatial_towns.panel import Hierarchy, questionnaire, synthetic

    h = Hierarchy.from_criteria(criteria or config.load().criteria)
    (path,) = questionnaire.write(h, d, ["SYNTHETIC-01"])
    questionnaire.fill(path, synthetic.judgements(h, experts=1, seed=0))
    if edit:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return str(path)


def _set(sheet: str, row: int, col: int, value):
    return lambda wb: setattr(wb[sheet].cell(row, col), "value", value)


def _copy_row(sheet: str, src: int, dst: int):
    return lambda wb: [setattr(wb[sheet].cell(dst, c), "value", wb[sheet].cell(src, c).value)
                       for c in range(1, 8)]


def _rename(old: str, new: str):
    return lambda wb: setattr(wb[old], "title", new)


def _other_list():
    from spatial_towns import config

    return tuple(c for c in config.load().criteria if c.column != "border_area")


#: Bad panel answers for ``spatial-towns weights --panel`` (SYNTHETIC experts): title, build,
#: exit code, fragment of the message (file, sheet, row).
PANEL_CASES = [
    ("panel: a blank pair", lambda d: [_questionnaire(d, _set("1 准则组", 7, 4, None))], 3,
     "SYNTHETIC-01.xlsx, sheet 1 准则组, row 7: 城市周边 vs 都市圈 is blank"),
    ("panel: a value off the scale", lambda d: [_questionnaire(d, _set("1 准则组", 6, 4, 15))], 3,
     "SYNTHETIC-01.xlsx, sheet 1 准则组, row 6: 城市周边 vs 道路交通便利 = 15 is off the scale"),
    ("panel: a pair answered twice", lambda d: [_questionnaire(d, _copy_row("1 准则组", 5, 40))],
     3, "SYNTHETIC-01.xlsx, sheet 1 准则组, row 40: 城市周边 vs 地理位置优越 (expert SYNTHETIC-01, "
     "level groups) is answered twice, also at SYNTHETIC-01.xlsx, sheet 1 准则组, row 5"),
    ("panel: a sheet renamed",
     lambda d: [_questionnaire(d, _rename("2.1 人口相对集聚", "人口"))], 3,
     "SYNTHETIC-01.xlsx: sheet '2.1 人口相对集聚' (level 人口相对集聚) is missing"),
    ("panel: a sheet deleted",
     lambda d: [_questionnaire(d, lambda wb: wb.remove(wb["2.2 具有发展潜力和区域带动作用"]))], 3,
     "sheet '2.2 具有发展潜力和区域带动作用' (level 具有发展潜力和区域带动作用) is missing"),
    ("panel: a questionnaire made for another criteria list",
     lambda d: [_questionnaire(d, criteria=_other_list())], 3,
     "SYNTHETIC-01.xlsx was made for another criteria list than this configuration's (it lacks "
     "border_area;"),
    ("panel: long CSV with a blank value",
     lambda d: [_csv(d, "expert,level,a,b,value\nSYNTHETIC,人口相对集聚,urban_units,"
                        "county_density_km2,\n", name="answers.csv")], 3,
     "answers.csv, row 2: blank pair (urban_units vs county_density_km2)"),
    ("panel: long CSV with a value off the scale",
     lambda d: [_csv(d, "expert,level,a,b,value\nSYNTHETIC,人口相对集聚,urban_units,"
                        "county_density_km2,10\n", name="answers.csv")], 3,
     "answers.csv, row 2: urban_units vs county_density_km2 = '10' is off the scale"),
]


# Config fuzzing (#25): hypothesis-generated user TOML files, in the shapes a planner writes
# (one table and key, a [[criteria]] or [[tiers]] entry, a type quota, a province override, a
# top-level key), each key the declared one, a slip of it or another word, each value any TOML
# value. Used by test_hostile_inputs.test_config_fuzz_*.


def config_fuzz_strategies():
    """(user_files, documents): strategies of (TOML dict, the key it tests) and of whole
    arbitrary TOML documents."""
    import datetime as dt
    import string

    from hypothesis import strategies as st

    from spatial_towns import config

    tables = {"access": config.Access, "focus": config.Focus,
              "eligibility": config.Eligibility, "weighting": config.Weighting,
              "aggregation": config.Aggregation, "sensitivity": config.Sensitivity,
              "types": config.Types, "assessment": config.Assessment, "national": config.National}
    word = st.text(string.ascii_lowercase + "_", min_size=1, max_size=12)
    scalars = st.one_of(
        st.integers(min_value=-10**6, max_value=10**6),
        st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text(max_size=8),
        st.sampled_from(["镇", "1/3", "exclude", "linear", "provincial"]),
        st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)))
    values = st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(word, inner, max_size=3)), max_leaves=8)

    def slip(key: str):
        edits = [e for e in (key + "s", key[:-1], key.replace("_", "", 1), key.upper()) if e]
        return st.one_of(st.just(key), st.sampled_from(edits), word)

    @st.composite
    def user_files(draw):
        where = draw(st.sampled_from(["table", "criteria", "tiers", "quotas", "province",
                                      "top"]))
        if where == "table":
            name = draw(st.sampled_from(sorted(tables)))
            key = draw(st.sampled_from(tables[name].toml_keys()).flatmap(slip))
            return {name: {key: draw(values)}}, (key, name)
        if where == "criteria":
            key = draw(st.sampled_from(config.Criterion.toml_keys()).flatmap(slip))
            col = draw(st.sampled_from(["devzone_km", "dist_rail_km", "new_col"]))
            doc: dict = {"criteria": [{"column": col, key: draw(values)}]}
            if draw(st.booleans()):
                doc["criteria_mode"] = draw(st.sampled_from(["merge", "replace", "append"]))
            return doc, (key, "criteria")
        if where == "tiers":
            key = draw(st.sampled_from(config.Tier.toml_keys()).flatmap(slip))
            entry = {"name": "provincial", "tier_weight": 1.0, "count": 3, key: draw(values)}
            return {"tiers": [entry]}, (key, "tiers")
        if where == "quotas":
            key = draw(st.sampled_from(list(config.DEV_TYPES)).flatmap(slip))
            tier = draw(st.sampled_from(["provincial", "county", "nope"]))
            return {"types": {"quotas": {tier: {key: draw(values)}}}}, (key, "quotas")
        if where == "province":
            code = draw(st.sampled_from(["640000", "220000", "64", "abc"]))
            key = draw(st.sampled_from(config.ProvinceOverride.toml_keys()).flatmap(slip))
            return {"provinces": {code: {key: draw(values)}}}, (key, "provinces")
        key = draw(st.sampled_from(config.Config.toml_keys()).flatmap(slip))
        return {key: draw(values)}, (key, key)

    documents = st.dictionaries(st.text(max_size=10), values, max_size=4)
    return user_files(), documents


def run_panel_case(paths: list[str], out: Path) -> tuple[int, str]:
    """Run ``spatial-towns weights --panel`` in-process; return (exit code, stderr)."""
    from spatial_towns import cli

    err = _io.StringIO()
    with redirect_stderr(err):
        code = cli.main(["weights", "--quiet", "--panel", *paths, "--output", str(out)])
    return code, err.getvalue().strip()


def run_case(args: list[str], out: Path) -> tuple[int, str]:
    """Run the CLI in-process; return (exit code, stderr)."""
    from spatial_towns import cli

    if "--output" not in args:
        args = args + ["--output", str(out)]
    err = _io.StringIO()
    with redirect_stderr(err):
        code = cli.main(["run", "--quiet"] + args)
    return code, err.getvalue().strip()


def main() -> None:
    print("| bad input | exit | message |\n|---|---|---|")
    for title, build, _, _ in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            code, msg = run_case(build(d), d / "o")
            msg = msg.replace(tmp, "<tmp>")
            print(f"| {title} | {code} | `{msg}` |")
    for title, build, _, _ in PANEL_CASES:
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            code, msg = run_panel_case(build(d), d / "o")
            print(f"| {title} | {code} | `{msg.replace(tmp, '<tmp>')}` |")
    for title, build, _ in FACTS_WARNINGS:
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            code, msg = run_case(build(d), d / "o")
            msg = msg.replace(tmp, "<tmp>").replace("\n", " ⏎ ")
            print(f"| {title} | {code} | `{msg}` |")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
