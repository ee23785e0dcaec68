"""render.candidates_xlsx: sheets, Chinese headers, frozen panes, filters, formats."""

import io
import re
import zipfile

import openpyxl
import pytest

from spatial_towns.render import candidates_xlsx
from spatial_towns.util import officezip as _package


@pytest.fixture(scope="module")
def book(default_run):
    data = candidates_xlsx.to_bytes(default_run)
    return default_run, data, openpyxl.load_workbook(io.BytesIO(data))


def test_sheets_headers_freeze_and_filters(book):
    res, _, wb = book
    assert wb.sheetnames == ["省级", "市级", "县级", "全部", "说明"]
    headers = ["序号", *(c.header for c in candidates_xlsx.columns(res))]
    for name in wb.sheetnames[:4]:
        ws = wb[name]
        assert [c.value for c in ws[1]] == headers
        assert ws.freeze_panes == "F2"
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}{ws.max_row}"
        for k in range(1, len(headers) + 1):
            assert ws.column_dimensions[openpyxl.utils.get_column_letter(k)].width > 0
    # Chinese headers: no English identifier (letters and underscores only) among them.
    assert not [h for h in headers if re.fullmatch(r"[A-Za-z_0-9]+", h)]
    assert "得分" in headers and "入选理由" in headers and "市(州)" in headers


def test_tier_sheets_hold_the_tiers_towns_and_all_holds_every_town(book):
    res, _, wb = book
    headers = [c.value for c in wb["省级"][1]]
    code, tier, score = headers.index("区划代码"), headers.index("级别"), headers.index("得分")
    for t in res.cfg.tiers:
        rows = list(wb[t.label].iter_rows(min_row=2, values_only=True))
        want = set(res.towns.loc[res.towns["tier"] == t.name, "code"])
        assert {r[code] for r in rows} == want and len(rows) == len(want)
        assert {r[tier] for r in rows} == {t.label}
        scores = [r[score] for r in rows]
        assert scores == sorted(scores, reverse=True)
    all_rows = list(wb["全部"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[code] for r in all_rows) == sorted(res.towns["code"])
    ws = wb["省级"]
    assert ws.cell(row=2, column=score + 1).number_format == "0.00"
    assert ws.cell(row=2, column=code + 1).number_format == "@"
    p = headers.index("省级入选比例")
    assert ws.cell(row=2, column=p + 1).number_format == "0%"


def test_notes_sheet_summarises_the_configuration(book):
    res, _, wb = book
    rows = dict(wb["说明"].iter_rows(min_row=2, values_only=True))
    assert rows["方案名称"] == res.cfg.run_name
    assert rows["省级规则"].startswith("全省30个")
    assert "专家权重" in rows["赋权方法"]
    assert any(k.startswith("指标：") and "权重 0.1875" in v for k, v in rows.items())
    assert rows["度量坐标系"] == res.crs.srs


def test_same_run_same_bytes(book):
    res, data, wb = book
    assert res.files["candidates.xlsx"].read_bytes() == data  # written by the run
    assert candidates_xlsx.to_bytes(res) == data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {_package.ZIP_EPOCH}
    assert wb.properties.created == wb.properties.modified == candidates_xlsx.FIXED_DATE
