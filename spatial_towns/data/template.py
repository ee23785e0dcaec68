"""Excel templates for the counties' submissions (上报候选示范镇基本情况).

:func:`write` makes one workbook per prefecture: an instructions sheet in Chinese, then one
sheet per county listing its eligible towns with code, name and kind, the run's computed
spatial criteria (locked, for reference) and a blank column for each ``source = "table"``
criterion of the config, plus a 是/否 nomination column. A units row sits under the header;
Excel data validation accepts only numbers >= 0 in the fact columns and 是/否 in the
nomination column. A filled workbook is read back by ``spatial-towns run --facts`` (and
``--nominations``) through :mod:`.facts` and gives exactly the values typed in.

>>> from spatial_towns import pipeline, template                         # doctest: +SKIP
>>> res = pipeline.run(output_dir=None, progress=False)                   # doctest: +SKIP
>>> template.write(res, "templates", prefecture="长春市")                  # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import columns, errors
from .. import config as config_mod
from . import io

#: Header texts of the key columns (each one of :mod:`.facts`' accepted headers).
CODE, NAME, KIND, COUNTY, NOMINATED = "代码", "名称", "类型", "县(市、区)", "是否推荐"
UNITS_LABEL = "单位"
HEADER_ROW, UNITS_ROW, FIRST_DATA_ROW = 2, 3, 4
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
INSTRUCTIONS = [
    "示范镇候选镇基本情况表 填表说明",
    "",
    "1. 每个县(市、区)一个工作表，列出本县符合条件的建制镇（代码、名称、类型不要修改）。",
    "2. 灰色列为省里根据空间数据计算的参考指标（已锁定），无需填写。",
    "3. 白色列请按第3行“单位”填写数值（只能填写大于等于0的数字，不要填写单位或文字）；"
    "没有数据的请留空，不要填0。",
    "4. “是否推荐”列请从下拉框中选择“是”或“否”：只有选“是”的镇作为候选示范镇。",
    "5. 不要增删列、不要改动表头；如需补充本表未列出的镇，请在最后另起一行填写代码和名称。",
    "6. 填好后原文件报回（.xlsx），由省里用 spatial-towns run --facts 文件 --nominations 文件 读入。",
]


def _sheet_title(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name)[:31] or "Sheet"
    title, k = base, 2
    while title in used:
        title = f"{base[:28]}_{k}"
        k += 1
    used.add(title)
    return title


def _header(c: config_mod.Criterion) -> str:
    """Header of a fact column: the criterion's label (or column) — what :mod:`.facts`
    matches it by."""
    return c.label or c.column


def write(res, output_dir: str | Path = "templates", prefecture: str | None = None,
          cfg: config_mod.Config | None = None) -> list[Path]:
    """Write one XLSX template per prefecture (or only ``prefecture``).

    Parameters
    ----------
    res
        A :class:`~spatial_towns.pipeline.RunResult`: its eligible towns are listed, with its
        computed criteria as reference columns.
    output_dir
        Folder for the workbooks (``<prefecture>_示范镇候选镇基本情况表.xlsx``).
    prefecture
        Only this prefecture (its name, e.g. ``长春市``, or 4/6-digit code).
    cfg
        Configuration whose table criteria get blank columns (default: the run's).

    Returns
    -------
    list of pathlib.Path
        The workbooks written.

    Raises
    ------
    spatial_towns.errors.InputDataError
        An unknown prefecture (naming the known ones).
    """
    from openpyxl import Workbook

    cfg = cfg or res.cfg
    towns = res.towns
    pool = towns[towns["kind"].isin(cfg.eligible_kinds) & towns[columns.COUNTY_CODE].notna()]
    prefs = _prefectures(pool, prefecture)
    table_crit = list(cfg.table_criteria())
    spatial = [u for u in res.used if u.column and u.column in towns.columns
               and u.column not in {c.column for c in table_crit}]
    out_dir = Path(output_dir)
    written = []
    for pcode, pname in prefs.items():
        wb = Workbook()
        _instructions_sheet(wb.active, table_crit)
        used_titles = {"填表说明"}
        sub = pool[pool[columns.PREFECTURE_CODE] == pcode]
        for _, g in sub.groupby(columns.COUNTY_CODE, sort=True):
            cname = str(g[columns.COUNTY_NAME].iloc[0])
            ws = wb.create_sheet(_sheet_title(cname, used_titles))
            _county_sheet(ws, res, g, pname=pname, cname=cname, spatial=spatial,
                          table_crit=table_crit)
        path = out_dir / f"{pname}_示范镇候选镇基本情况表.xlsx"
        io.atomic_write(path, wb.save)
        written.append(path)
    return written


def _prefectures(pool: pd.DataFrame, prefecture: str | None) -> pd.Series:
    """Prefecture names by code, sorted; only ``prefecture`` (name, 4- or 6-digit code) if given."""
    prefs = pool.groupby(columns.PREFECTURE_CODE, sort=True)[columns.PREFECTURE_NAME].first()
    if prefecture is not None:
        hit = prefs[(prefs == prefecture) | (prefs.index == str(prefecture))
                    | (prefs.index.str[:4] == str(prefecture)[:4])]
        if hit.empty:
            raise errors.InputDataError(
                f"template --prefecture {prefecture!r}: not a prefecture of the run (known: "
                f"{', '.join(prefs)})")
        prefs = hit
    return prefs


def _instructions_sheet(ws0, table_crit: list[config_mod.Criterion]) -> None:
    """The first sheet: the instructions and the indicators to fill with their units."""
    ws0.title = "填表说明"
    for line in INSTRUCTIONS:
        ws0.append([line])
    ws0.append([])
    ws0.append(["需填写的指标", "单位", "说明"])
    for c in table_crit:
        ws0.append([_header(c), c.units or "", f"{c.column}; "
                    + ("越大越好" if c.direction == "benefit" else "越小越好")])
    ws0.append([NOMINATED, "是/否", "本县推荐为候选示范镇的选“是”"])
    ws0.column_dimensions["A"].width = 100


def _county_sheet(ws, res, g: pd.DataFrame, *, pname: str, cname: str, spatial: list,
                  table_crit: list[config_mod.Criterion]) -> None:
    """One county's sheet: title, header and units rows, its towns, locks and validation."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    headers = ([CODE, NAME, KIND, COUNTY] + [f"{u.label} [参考]" for u in spatial]
               + [_header(c) for c in table_crit] + [NOMINATED])
    units = ([UNITS_LABEL, "", "", ""]
             + [_unit_of(res, u.column) for u in spatial]
             + [c.units or "" for c in table_crit] + ["是/否"])
    ws.append([f"{pname} {cname} 示范镇候选镇基本情况表（{len(g)} 个镇）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.cell(1, 1).font = Font(bold=True, size=13)
    ws.append(headers)
    ws.append(units)
    for cell in ws[HEADER_ROW]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True)
    g = g.sort_values("code")
    for _, t in g.iterrows():
        ws.append([str(t["code"]), t["name"], t["kind"], cname]
                  + [_round(t[u.column]) for u in spatial]
                  + [None] * len(table_crit) + [None])
    last = FIRST_DATA_ROW + len(g) - 1
    first_fact = 5 + len(spatial)
    # Spare rows for towns the list misses (see the instructions, item 5).
    spare = last + 20
    _lock_reference(ws, last=last, spare=spare, ncols=len(headers), first_fact=first_fact)
    _validate_inputs(ws, first_fact=first_fact, nom_col=first_fact + len(table_crit),
                     spare=spare, facts=bool(table_crit))
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 3)
    for k, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(k)].width = max(10, min(28, len(h) * 2))


def _lock_reference(ws, *, last: int, spare: int, ncols: int, first_fact: int) -> None:
    """Lock the listed towns' key and reference cells (reference ones grey); the fact and
    nomination columns and the spare rows stay editable."""
    from openpyxl.styles import PatternFill, Protection

    grey = PatternFill("solid", fgColor="DDDDDD")
    for r in range(FIRST_DATA_ROW, spare + 1):
        for k in range(1, ncols + 1):
            cell = ws.cell(r, k)
            editable = k >= first_fact or r > last
            cell.protection = Protection(locked=not editable)
            if not editable and k > 4:
                cell.fill = grey


def _validate_inputs(ws, *, first_fact: int, nom_col: int, spare: int, facts: bool) -> None:
    """Excel data validation: numbers >= 0 in the fact columns, 是/否 in the nomination one;
    then protect the sheet."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if facts:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True, showErrorMessage=True,
                            errorTitle="只能填写数字", error="请填写大于等于0的数字（不含单位）")
        dv.add(f"{get_column_letter(first_fact)}{FIRST_DATA_ROW}:"
               f"{get_column_letter(nom_col - 1)}{spare}")
        ws.add_data_validation(dv)
    yn = DataValidation(type="list", formula1='"是,否"', allow_blank=True,
                        showErrorMessage=True, errorTitle="请选择", error="请选择“是”或“否”")
    yn.add(f"{get_column_letter(nom_col)}{FIRST_DATA_ROW}:{get_column_letter(nom_col)}"
           f"{spare}")
    ws.add_data_validation(yn)
    ws.protection.sheet = True  # locks the code/name/kind and reference columns


def _round(v) -> float | None:
    if v is None or pd.isna(v):
        return None
    return round(float(v), 2)


def _unit_of(res, column: str) -> str:
    """Units of a computed criterion, short, for the units row."""
    if column.startswith("time_"):
        return "分钟"
    if column.startswith("dist_") or column.endswith("_km"):
        return "km"
    if column.endswith("_density"):
        return "人/km²"
    if column.startswith("pop_within"):
        return "人"
    return "0/1" if column in ("in_metro", columns.BORDER_AREA, "key_assisted", "key_node",
                               "city_periphery") else ""
