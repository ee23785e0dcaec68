"""Reading a panel: the long CSV and filled questionnaires, and each bad answer as a named
error (file, sheet, row)."""

import openpyxl
import pytest

from spatial_towns import config, errors
from spatial_towns.panel import GROUPS, Hierarchy, Panel, questionnaire, read, scale, synthetic

H = Hierarchy.from_criteria(config.load().criteria)
ROWS = synthetic.judgements(H, experts=2, seed=5)


def _csv(tmp_path, text, name="answers.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _long(tmp_path):
    return Panel.from_judgements(H, ROWS).to_long()


def test_long_csv_round_trip_with_fractions(tmp_path):
    df = _long(tmp_path)
    assert df["value"].str.contains("/").any()  # fractions such as 1/3 are written as such
    p = tmp_path / "p.csv"
    df.to_csv(p, index=False)
    panel = read([p], H)
    assert panel.experts == ("SYNTHETIC-01", "SYNTHETIC-02")
    got = {(r.expert, r.level, r.a, r.b): r.value for r in panel.judgements.itertuples()}
    assert got == {(j.expert, j.level, j.a, j.b): j.value for j in ROWS}


def test_questionnaire_filled_programmatically_reads_back_exactly(tmp_path):
    (path,) = questionnaire.write(H, tmp_path, ["SYNTHETIC-01"])
    mine = [j for j in ROWS if j.expert == "SYNTHETIC-01"]
    # fill as a person would: the dropdown text of each pair, found by the row's two names
    label = {v: k for k, v in scale.VALUE_OF.items()}
    want = {(j.level, j.a, j.b): j.value for j in mine}
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets[2:]:
        for r in range(5, ws.max_row + 1):
            key = (ws.cell(r, 6).value, ws.cell(r, 7).value)
            if key == (None, None):
                continue
            lv = next(lv for (lv, a, b) in want if (a, b) == key)
            ws.cell(r, 4).value = label[want[(lv, *key)]]
    wb.save(path)
    panel = read([path], H)
    got = {(r.level, r.a, r.b): r.value for r in panel.judgements.itertuples()}
    assert got == want  # exactly: the scale's values, not approximations
    assert panel.experts == ("SYNTHETIC-01",)
    assert {r.where.split(",")[1].strip() for r in panel.judgements.itertuples()} == \
        {"sheet 1 准则组", "sheet 2.1 人口相对集聚", "sheet 2.2 具有发展潜力和区域带动作用"}


def test_fill_helper_agrees_with_the_reader(tmp_path):
    paths = questionnaire.write(H, tmp_path, ["SYNTHETIC-01", "SYNTHETIC-02"])
    for p in paths:
        questionnaire.fill(p, ROWS)
    panel = read(paths, H)
    got = {(r.expert, r.level, r.a, r.b): r.value for r in panel.judgements.itertuples()}
    assert got == {(j.expert, j.level, j.a, j.b): j.value for j in ROWS}


def _filled(tmp_path, name="SYNTHETIC-01"):
    (path,) = questionnaire.write(H, tmp_path, [name])
    questionnaire.fill(path, [j.__class__(name, j.level, j.a, j.b, j.value, j.where)
                              for j in ROWS if j.expert == "SYNTHETIC-01"])
    return path


def _edit(path, fn):
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


BAD_XLSX = [
    ("blank pair", lambda wb: setattr(wb["1 准则组"].cell(7, 4), "value", None),
     r"SYNTHETIC-01.xlsx, sheet 1 准则组, row 7: .* is blank; choose an answer"),
    ("value off the scale", lambda wb: setattr(wb["1 准则组"].cell(6, 4), "value", 12),
     r"SYNTHETIC-01.xlsx, sheet 1 准则组, row 6: .* = 12 is off the scale"),
    ("words off the scale", lambda wb: setattr(wb["1 准则组"].cell(6, 4), "value", "非常重要"),
     r"row 6: .* = '非常重要' is off the scale"),
    ("pair answered twice",
     lambda wb: [setattr(wb["1 准则组"].cell(40, c), "value", wb["1 准则组"].cell(5, c).value)
                 for c in range(1, 8)],
     r"sheet 1 准则组, row 40: 城市周边 vs 地理位置优越 .* answered twice, also at "
     r"SYNTHETIC-01.xlsx, sheet 1 准则组, row 5"),
    ("sheet renamed", lambda wb: setattr(wb["2.1 人口相对集聚"], "title", "人口"),
     r"SYNTHETIC-01.xlsx: sheet '2.1 人口相对集聚' \(level 人口相对集聚\) is missing.*renamed"),
    ("sheet deleted", lambda wb: wb.remove(wb["1 准则组"]),
     r"sheet '1 准则组' \(level groups\) is missing"),
    ("pair row deleted", lambda wb: wb["1 准则组"].delete_rows(9),
     r"expert SYNTHETIC-01 has no answer for .* \(level groups\)"),
]


@pytest.mark.parametrize("title, edit, msg", BAD_XLSX, ids=[b[0] for b in BAD_XLSX])
def test_bad_questionnaire_answers_are_named(tmp_path, title, edit, msg):
    path = _edit(_filled(tmp_path), edit)
    with pytest.raises(errors.AnswersError, match=msg):
        read([path], H)


def test_questionnaire_of_another_criteria_list_is_refused(tmp_path):
    other = Hierarchy.from_criteria([c for c in config.load().criteria
                                     if c.column != "border_area"])
    (path,) = questionnaire.write(other, tmp_path, ["SYNTHETIC-01"])
    with pytest.raises(errors.AnswersError, match="made for another criteria list"):
        read([path], H)


def test_workbook_without_meta_sheet_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(errors.AnswersError, match="not a questionnaire written by"):
        read([tmp_path / "x.xlsx"], H)


HEAD = "expert,level,a,b,value\n"
BAD_CSV = [
    ("blank value", HEAD + "甲,人口相对集聚,urban_units,county_density_km2,\n",
     r"answers.csv, row 2: blank pair \(urban_units vs county_density_km2\)"),
    ("off the scale", HEAD + "甲,人口相对集聚,urban_units,county_density_km2,1/12\n",
     r"answers.csv, row 2: urban_units vs county_density_km2 = '1/12' is off the scale"),
    ("not a number", HEAD + "甲,人口相对集聚,urban_units,county_density_km2,三\n",
     r"row 2: .* = '三' is off the scale"),
    ("answered twice", HEAD + "甲,人口相对集聚,urban_units,county_density_km2,3\n"
     "甲,人口相对集聚,county_density_km2,urban_units,1/3\n",
     r"answers.csv, row 3: county_density_km2 vs urban_units \(expert 甲, level 人口相对集聚\) "
     r"is answered twice, also at answers.csv, row 2"),
    ("unknown level", HEAD + "甲,人口,urban_units,county_density_km2,3\n",
     r"row 2: unknown level '人口'"),
    ("unknown criterion", HEAD + "甲,人口相对集聚,urban_units,density,3\n",
     r"row 2: 'density' is not a criterion of group 人口相对集聚"),
    ("missing pair", HEAD + "甲,人口相对集聚,urban_units,county_density_km2,3\n",
     r"answers.csv: expert 甲 has no answer for 城市周边 vs 地理位置优越 \(level groups\)"),
    ("missing column", "expert,level,a,b\n", r"no column\(s\) \['value'\]"),
]


@pytest.mark.parametrize("title, text, msg", BAD_CSV, ids=[b[0] for b in BAD_CSV])
def test_bad_long_csv_is_named(tmp_path, title, text, msg):
    with pytest.raises(errors.AnswersError, match=msg):
        read([_csv(tmp_path, text)], H)


def test_same_expert_in_two_files_is_refused(tmp_path):
    p = tmp_path / "a.csv"
    _long(tmp_path).to_csv(p, index=False)
    q = tmp_path / "b.csv"
    _long(tmp_path).to_csv(q, index=False)
    with pytest.raises(errors.AnswersError, match="answers in both a.csv and b.csv"):
        read([p, q], H)


def test_gbk_csv_and_typed_decimals_are_read(tmp_path):
    df = _long(tmp_path)
    df.loc[df["value"] == "1/9", "value"] = "0.111"
    p = tmp_path / "gbk.csv"
    p.write_bytes(df.to_csv(index=False).encode("gbk"))
    panel = read([p], H)
    assert panel.judgements["value"].min() >= 0.111 - 1e-12
    assert GROUPS in set(panel.judgements["level"])
