"""Questionnaires (panel.questionnaire): the sheets, the dropdown, the live formulas' layout,
and the same bytes for the same configuration."""

import openpyxl

from spatial_towns import config
from spatial_towns.panel import Hierarchy, questionnaire, scale

H = Hierarchy.from_criteria(config.load().criteria)


def test_one_workbook_per_expert_with_levels_and_a_dropdown(tmp_path):
    paths = questionnaire.write(H, tmp_path, questionnaire.expert_names(names=["张三", "李四"]))
    assert [p.name for p in paths] == ["张三.xlsx", "李四.xlsx"]
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == ["说明", "_meta", "1 准则组", "2.1 人口相对集聚",
                             "2.2 具有发展潜力和区域带动作用"]
    assert wb["_meta"].sheet_state == "hidden"
    ws = wb["1 准则组"]
    n = len(H.group_names)
    pairs = [(ws.cell(r, 6).value, ws.cell(r, 7).value) for r in range(5, 5 + n * (n - 1) // 2)]
    assert len(set(pairs)) == n * (n - 1) // 2 and ws.cell(5 + len(pairs), 6).value is None
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"' + ",".join(scale.LABELS) + '"'
    assert scale.LABELS[0] == "A 极端重要" and scale.LABELS[8] == "同等重要" \
        and scale.LABELS[-1] == "B 极端重要"
    assert {str(r) for r in dv.sqref.ranges} == {f"D{r}" for r in range(5, 5 + len(pairs))}
    # the value column and the live block are formulas, e.g. the CR cell
    assert ws["E5"].value.startswith("=IFERROR(INDEX(")
    texts = [c.value for row in ws.iter_rows(min_col=9) for c in row if isinstance(c.value, str)]
    assert "CR" in texts and any(t.startswith("=IF(") and "GEOMEAN" in t for t in texts)
    words = {c.value for row in wb["说明"].iter_rows() for c in row}
    assert {"A 明显重要", "同等重要", "到火车站距离 (km)", "镇情数据表"} <= words


def test_weight_0_criteria_are_not_asked_about(tmp_path):
    (path,) = questionnaire.write(H, tmp_path, ["x"])
    wb = openpyxl.load_workbook(path)
    cols = {c.value for row in wb["说明"].iter_rows() for c in row}
    assert "key_assisted" not in cols and "urban_units" in cols


def test_same_configuration_same_bytes(tmp_path):
    (a,) = questionnaire.write(H, tmp_path / "a", ["张三"])
    (b,) = questionnaire.write(H, tmp_path / "b", ["张三"])
    assert a.read_bytes() == b.read_bytes()
