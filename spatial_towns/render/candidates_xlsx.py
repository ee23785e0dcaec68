"""candidates.xlsx: a run's towns as the Excel list circulated to the 市(州) and counties.

One sheet per tier (省级 / 市级 / 县级, the tiers' labels), 全部 (every input town: selected,
not selected and excluded, each with its reason), and 说明 (the run's configuration). Chinese
headers, the header row and the name columns frozen, filters, column widths, number formats.
``candidates.csv`` keeps its English column names for scripts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# aliased: this module's public columns() names the sheets' columns
from .. import columns as towncols
from ..data import io as data_io
from ..util import officezip
from . import _labels_zh, _reasons_zh

FILE = "candidates.xlsx"

#: Created/modified date of the workbook: fixed, so the same run gives the same bytes.
FIXED_DATE = dt.datetime(2022, 1, 1)
#: Frozen panes: the header row and the columns 序号 .. 镇.
FREEZE = "F2"
SHEET_ALL = "全部"
SHEET_NOTES = "说明"


@dataclass(frozen=True)
class Column:
    """A column of the town sheets: header, value per town row, number format, width."""

    header: str
    value: Callable[[dict[str, Any]], Any]
    number_format: str = "General"
    width: float | None = None  # characters; None: from the header and the values


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _int(v) -> int | None:
    f = _num(v)
    return None if f is None else int(round(f))


def _number(col: str) -> Callable[[dict[str, Any]], Any]:
    return lambda r: _num(r.get(col))


def columns(res) -> list[Column]:
    """The town sheets' columns for ``res`` (a RunResult)."""
    towns, cfg = res.towns, res.cfg
    label = {t.name: t.label for t in cfg.tiers}
    status = {"eligible": "参评", "excluded": "排除"}
    out = [
        Column("级别", lambda r: label.get(r[towncols.TIER], ""), width=6),
        Column("市(州)", lambda r: r[towncols.PREFECTURE_NAME] or ""),
        Column("县(市、区)", lambda r: r[towncols.COUNTY_NAME] or ""),
        Column("镇", lambda r: r["name"]),
        Column("区划代码", lambda r: r["code"], "@", width=14),
        Column("类型", lambda r: r["kind"] or "", width=6),
        Column("状态", lambda r: status.get(r[towncols.STATUS], r[towncols.STATUS]), width=6),
        Column("得分", lambda r: _num(r.get(towncols.SCORE)), "0.00", width=8),
        Column("排名", lambda r: _int(r.get(towncols.RANK)), "0", width=6),
    ]
    if towncols.RANK_LO in towns:
        out += [Column("排名区间下限(5%)", lambda r: _int(r.get(towncols.RANK_LO)), "0", width=9),
                Column("排名区间上限(95%)", lambda r: _int(r.get(towncols.RANK_HI)), "0", width=9)]
    for t in cfg.tiers:
        if f"p_{t.name}" in towns:
            out.append(Column(f"{t.label}入选比例", _number(f"p_{t.name}"), "0%", width=9))
    if towncols.DEV_TYPE_LABEL in towns:
        out += [Column("发展类型", lambda r: r.get(towncols.DEV_TYPE_LABEL) or "", width=11),
                Column("发展类型依据", lambda r: _reasons_zh.dev_type_zh(str(r.get(towncols.DEV_TYPE_REASON) or "")),
                       width=40)]
    out.append(Column("入选理由", lambda r: _reasons_zh.zh(str(r[towncols.REASON] or "")), width=60))
    labels = {c.column: c.label for c in cfg.criteria if c.label}
    weights = {u.column: u.weight for u in res.used if u.column}
    scored = [c for c in cfg.criteria if weights.get(c.column, 0) > 0 and c.column in towns]
    for c in scored:
        out.append(Column(_labels_zh.column(c.column, labels), _number(c.column), "0.00", width=12))
    for c in scored:
        if f"contrib_{c.column}" in towns:
            out.append(Column(f"得分贡献：{_labels_zh.column(c.column, labels)}",
                              _number(f"contrib_{c.column}"), "0.00", width=12))
    out += [Column("经度", lambda r: _point(r, "x"), "0.000000", width=11),
            Column("纬度", lambda r: _point(r, "y"), "0.000000", width=10)]
    return out


def _point(r, axis: str) -> float | None:
    g = r.get("geometry")
    if g is None or g.is_empty:
        return None
    return round(float(getattr(g, axis)), 6)


def _sorted(res, towns: pd.DataFrame) -> pd.DataFrame:
    order = {t.name: k for k, t in enumerate(res.cfg.tiers)}
    return towns.assign(_t=towns[towncols.TIER].map(order).fillna(len(order)),
                        _s=towns[towncols.STATUS].ne(towncols.ELIGIBLE),
                        _score=-towns[towncols.SCORE].astype(float).fillna(-math.inf)).sort_values(
        ["_t", "_s", "_score", "code"]).drop(columns=["_t", "_s", "_score"])


def _town_sheet(ws, cols: list[Column], towns: pd.DataFrame) -> None:
    header = ["序号", *(c.header for c in cols)]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [len(h) * 2 + 2 for h in header]
    for k, r in enumerate(towns.to_dict("records"), 1):
        values = [k, *(c.value(r) for c in cols)]
        ws.append(values)
        for j, v in enumerate(values):
            if isinstance(v, str):
                widths[j] = max(widths[j], sum(2 if ord(ch) > 0x2E80 else 1 for ch in v) + 2)
    for j, c in enumerate(cols, 2):
        if c.number_format != "General":
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = c.number_format
    for j, w in enumerate([6.0, *(c.width for c in cols)]):
        ws.column_dimensions[get_column_letter(j + 1)].width = min(w or widths[j], 60)
    for col in ("入选理由", "发展类型依据"):
        if col in header:
            j = header.index(col) + 1
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.alignment = Alignment(wrap_text=False)
    ws.freeze_panes = FREEZE
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(ws.max_row, 1)}"


def notes(res) -> list[tuple[str, str]]:
    """The 说明 sheet: the run's configuration summary, one (item, value) per row."""
    cfg, towns = res.cfg, res.towns
    status = towns[towncols.STATUS].value_counts()
    weighting = getattr(res.weighting, "method", cfg.weighting.method)
    rows = [
        ("方案名称", cfg.run_name),
        ("配置来源", str(cfg.source)),
        ("输入乡级单位", f"{len(towns)}个（参评{int(status.get('eligible', 0))}个，排除"
                     f"{int(status.get('excluded', 0))}个）"),
        ("入选示范镇", "、".join(f"{t.label}{res.selection.sizes.get(t.name, 0)}个" for t in cfg.tiers)),
        ("参评类型", "、".join(cfg.eligible_kinds)),
        ("赋权方法", _labels_zh.WEIGHTING.get(weighting, weighting)),
        ("综合方法", _labels_zh.AGGREGATION.get(cfg.aggregation.method, cfg.aggregation.method)),
    ]
    rows += [(f"{t.label}规则", _labels_zh.tier_rule(t)
              + ("；名额按“本级及以上”累计" if t.cumulative else "")) for t in cfg.tiers]
    labels = {c.column: c.label for c in cfg.criteria if c.label}
    weights = {u.column: u.weight for u in res.used if u.column}
    for c in cfg.criteria:
        rows.append((f"指标：{_labels_zh.column(c.column, labels)}",
                     f"权重 {weights.get(c.column, 0.0):.4f}；{_labels_zh.DIRECTION.get(c.direction, c.direction)}；"
                     f"{_labels_zh.transform(c.transform)}；方案依据：{c.group or '—'}；列名 {c.column}"))
    s = cfg.sensitivity
    rows.append(("稳健性", f"Dirichlet 权重抽样 {s.draws} 组（集中度 {s.concentration:g}，随机种子 {s.seed}）"
                 if res.robustness is not None else "未做（draws = 0）"))
    rows.append(("度量坐标系", res.crs.srs))
    for key, text in res.provenance.items():
        rows.append((f"数据：{_labels_zh.INPUTS.get(key, key)}", text))
    rows += [("表格说明", "各级工作表列出该级示范镇；“全部”列出每个输入单位（入选、未入选、排除）及理由。"
              "得分0–100；排名为参评镇按得分的名次；入选比例为权重抽样中落在该级的比例。"),
             ("脚本用表", "candidates.csv（英文列名，与本表同一结果）")]
    return rows


def build(res) -> Workbook:
    """The workbook of ``res`` (a RunResult)."""
    wb = Workbook()
    cols = columns(res)
    towns = res.towns
    first = True
    for t in res.cfg.tiers:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = t.label
        _town_sheet(ws, cols, _sorted(res, towns[towns[towncols.TIER] == t.name]))
    _town_sheet(wb.create_sheet(SHEET_ALL), cols, _sorted(res, towns))
    ws = wb.create_sheet(SHEET_NOTES)
    ws.append(["项目", "内容"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for item, value in notes(res):
        ws.append([item, value])
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 110
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    props = wb.properties
    props.creator = props.lastModifiedBy = "spatial_towns"
    props.title = f"示范镇候选名单 {res.cfg.run_name}"
    props.created = props.modified = FIXED_DATE
    return wb


def to_bytes(res) -> bytes:
    """:func:`build` as .xlsx bytes, the same for the same run (fixed dates, normalised zip)."""
    return officezip.xlsx_bytes(build(res))


def write(res, out_dir) -> dict:
    """Write ``candidates.xlsx`` into ``out_dir`` (atomically); ``{"candidates.xlsx": path}``."""
    return {FILE: data_io.write_bytes(Path(out_dir) / FILE, to_bytes(res))}
