"""AHP questionnaires in Excel: one workbook per expert (``spatial-towns survey``).

Sheets: ``说明`` (instructions in Chinese: the 1-9 scale in words, what each criterion
measures with its label, units and source), ``1 准则组`` (level 1: the criterion groups) and
``2.k <group>`` (level 2: the criteria within each group of two or more). One row per pair
with a dropdown (data validation) from "A 极端重要" through "同等重要" to "B 极端重要", so no
expert types a fraction. Beside the pairs, Excel formulas show the expert's own weights (row
geometric means of the matrix, close to the eigenvector the package uses) and the
consistency ratio as they answer. A hidden ``_meta`` sheet names the expert and the criteria
list, so that answers to another list are refused when read back (:mod:`.answers`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from .. import errors
from ..mcda import weights
from ..util import officezip
from . import _layout as L
from . import scale
from .answers import Judgement
from .hierarchy import GROUPS, Hierarchy

_TITLE = "乡村振兴示范镇遴选 指标权重专家问卷 (层次分析法 AHP 两两比较)"
_SOURCE = {"geometry": "由空间数据计算 (边界、驻地、路网、车站等)", "table": "镇情数据表"}
_DIRECTION = {"benefit": "越大越好", "cost": "越小越好"}
#: Fixed document dates: the same inputs write the same bytes.
_DATE = dt.datetime(2022, 1, 1)


def expert_names(*, experts: int | None = None, names: Sequence[str] | None = None) -> list[str]:
    """The experts to write for: ``names`` as given, or ``专家01`` ... ``专家NN``."""
    if names:
        clean = [n.strip() for n in names if n.strip()]
        dup = sorted({n for n in clean if clean.count(n) > 1})
        if dup:
            raise errors.ConfigError(f"expert name(s) {dup} given twice")
        bad = [n for n in clean if any(ch in n for ch in '\\/:*?"<>|')]
        if bad:
            raise errors.ConfigError(f"expert name(s) {bad} cannot be file names")
        return clean
    k = 5 if experts is None else experts
    if k < 1:
        raise errors.ConfigError(f"--experts {k}: at least one expert")
    return [f"专家{i:02d}" for i in range(1, k + 1)]


def write(hierarchy: Hierarchy, folder: str | Path, experts: Sequence[str]) -> list[Path]:
    """Write one questionnaire ``<folder>/<expert>.xlsx`` per expert; returns the paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    if not hierarchy.levels():
        raise errors.ConfigError("a single scored criterion: there is nothing to compare")
    return [_write_one(hierarchy, out / f"{e}.xlsx", e) for e in experts]


def fill(path: str | Path, answers: Iterable[Judgement]) -> None:
    """Put answers into a questionnaire (the dropdown text of each value nearest on the
    scale), as an expert would; for scripted tests and the SYNTHETIC example panel."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    meta = {str(r[0]): r[1] for r in wb[L.META].iter_rows(values_only=True) if r[0] != "level"}
    titles = {str(r[1]): str(r[2]) for r in wb[L.META].iter_rows(values_only=True)
              if r[0] == "level"}
    for j in answers:
        if j.expert != meta.get("expert"):
            continue
        ws = wb[titles[j.level]]
        for r in range(L.FIRST_ROW, ws.max_row + 1):
            a, b = ws.cell(r, L.COL_KEY_A).value, ws.cell(r, L.COL_KEY_B).value
            if (a, b) == (j.a, j.b):
                ws.cell(r, L.COL_ANSWER).value = _nearest_label(j.value)
            elif (a, b) == (j.b, j.a):
                ws.cell(r, L.COL_ANSWER).value = _nearest_label(1.0 / j.value)
    wb.save(path)


def _nearest_label(v: float) -> str:
    return min(scale.SCALE, key=lambda s: abs(math.log(s[1] / v)))[0]


def _write_one(h: Hierarchy, path: Path, expert: str) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.properties.created = wb.properties.modified = _DATE
    wb.properties.creator = "spatial_towns"
    wb.properties.title = _TITLE
    ws = wb.active
    ws.title = L.INSTRUCTIONS
    scale_ref = _instructions(ws, h, expert)
    meta = wb.create_sheet(L.META)
    for row in (("format", L.FORMAT), ("expert", expert), ("fingerprint", h.fingerprint()),
                ("criteria", h.describe()), ("columns", ",".join(h.columns))):
        meta.append(row)
    for k, (level, items) in enumerate(h.levels()):
        title = L.level_sheet(level, k if h.levels()[0][0] == GROUPS else k + 1)
        meta.append(("level", level, title))
        _level_sheet(wb.create_sheet(title), h, level, items, scale_ref)
    meta.sheet_state = "hidden"
    try:
        path.write_bytes(officezip.xlsx_bytes(wb))
    except OSError as exc:
        raise errors.OutputError(f"cannot write {path}: {exc}") from None
    return path


def _instructions(ws, h: Hierarchy, expert: str) -> tuple[str, str]:
    """Fill the instructions sheet; returns the ranges of the scale's answers and values."""
    from openpyxl.styles import Alignment, Font

    ws.append([_TITLE])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["专家", expert])
    ws.append([])
    for line in (
        "填写方法：在每个比较表 (1 准则组、2.x …) 的“判断”列，用下拉菜单选择指标 A 与指标 B 相比的重要程度。",
        "“A 明显重要”表示 A 比 B 明显重要；“B 明显重要”表示 B 比 A 明显重要；两者同样重要选“同等重要”。",
        "第一层比较准则组 (规划确定示范镇的条件和重点区域)，第二层比较同一准则组内的指标。",
        "表格右侧随填写自动显示您的权重 (行几何平均，近似特征向量) 和一致性比率 CR；CR 大于 0.1 时请检查判断是否前后矛盾。",
        "请勿修改工作表名称、增删行或改动灰色列；填写完成后保存并交回本文件。",
    ):
        ws.append([line])
    ws.append([])
    ws.append(["判断 (下拉选项)", "数值 (A 比 B)", "含义"])
    hdr = ws.max_row
    ws.cell(hdr, 1).font = ws.cell(hdr, 2).font = ws.cell(hdr, 3).font = Font(bold=True)
    for label, value in scale.SCALE:
        k = round(value) if value >= 1 else round(1 / value)
        meaning = scale.MEANING.get(k, "介于相邻两级之间")
        if value < 1:
            meaning = meaning.replace("A 比 B", "B 比 A").replace("偏向 A", "偏向 B").replace(
                "A 的优势", "B 的优势")
        ws.append([label, value, meaning])
    first, last = hdr + 1, ws.max_row
    ws.append([])
    ws.append(["指标", "列名", "所属准则组", "单位", "方向", "数据来源"])
    for k in range(1, 7):
        ws.cell(ws.max_row, k).font = Font(bold=True)
    for c in h.criteria:
        ws.append([c.label or c.column, c.column, h.group_of(c.column), c.units or "",
                   _DIRECTION.get(c.direction, c.direction), _SOURCE.get(c.source, c.source)])
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 40
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=False, vertical="top")
    sheet = f"'{L.INSTRUCTIONS}'"
    return f"{sheet}!$A${first}:$A${last}", f"{sheet}!$B${first}:$B${last}"


def _level_sheet(ws, h: Hierarchy, level: str, items: tuple[str, ...],
                 scale_ref: tuple[str, str]) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    what = "准则组之间" if level == GROUPS else f"准则组“{level}”内的指标之间"
    ws.append([f"{what}的两两比较"])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(["在“判断”列选择：A 与 B 相比，哪个更重要、重要多少。"])
    ws.append([])
    ws.append(["序号", "指标 A", "指标 B", "判断", "数值", "A (列名)", "B (列名)"])
    for c in range(1, 8):
        ws.cell(L.HEADER_ROW, c).font = Font(bold=True)
    answers, values = scale_ref
    dv = DataValidation(type="list", formula1='"' + ",".join(scale.LABELS) + '"',
                        allow_blank=True, showErrorMessage=True, errorTitle="请从下拉菜单选择",
                        error="请从下拉菜单中选择一个判断 (A 极端重要 … 同等重要 … B 极端重要)")
    ws.add_data_validation(dv)
    grey = PatternFill("solid", fgColor="DDDDDD")
    rows: dict[tuple[int, int], int] = {}
    n = len(items)
    for i in range(n):
        for j in range(i + 1, n):
            r = ws.max_row + 1
            rows[(i, j)] = r
            ws.append([len(rows), h.label(items[i]), h.label(items[j]), None,
                       f'=IFERROR(INDEX({values},MATCH(D{r},{answers},0)),"")',
                       items[i], items[j]])
            dv.add(f"D{r}")
            for c in (L.COL_VALUE, L.COL_KEY_A, L.COL_KEY_B):
                ws.cell(r, c).fill = grey
    _live_block(ws, h, items, rows)
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 20
    ws.freeze_panes = f"A{L.FIRST_ROW}"


def _live_block(ws, h: Hierarchy, items: tuple[str, ...], rows: dict[tuple[int, int], int]
                ) -> None:
    """Matrix, row-geometric-mean weights, λmax, CI and CR as Excel formulas."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter as col

    n = len(items)
    c0 = L.COL_CALC
    top = L.HEADER_ROW
    ws.cell(top - 1, c0, "您的判断矩阵与权重 (自动计算)").font = Font(bold=True)
    for j in range(n):
        ws.cell(top, c0 + 1 + j, h.label(items[j]))
    gm, wcol, lam = c0 + n + 1, c0 + n + 2, c0 + n + 3
    ws.cell(top, gm, "行几何平均")
    ws.cell(top, wcol, "权重")
    ws.cell(top, lam, "(Aw)i/wi")
    first, last = top + 1, top + n
    for i in range(n):
        r = top + 1 + i
        ws.cell(r, c0, h.label(items[i]))
        for j in range(n):
            if i == j:
                v: object = 1
            elif i < j:
                v = f'=IF(E{rows[(i, j)]}="","",E{rows[(i, j)]})'
            else:
                v = f'=IF(E{rows[(j, i)]}="","",1/E{rows[(j, i)]})'
            ws.cell(r, c0 + 1 + j, v)
        span = f"{col(c0 + 1)}{r}:{col(c0 + n)}{r}"
        ws.cell(r, gm, f'=IF(COUNT({span})<{n},"",GEOMEAN({span}))')
        ws.cell(r, wcol, f'=IF(COUNT({col(gm)}${first}:{col(gm)}${last})<{n},"",'
                         f'{col(gm)}{r}/SUM({col(gm)}${first}:{col(gm)}${last}))')
    wrow = last + 1
    ws.cell(wrow, c0, "权重 (转置)")
    for j in range(n):
        ws.cell(wrow, c0 + 1 + j, f"={col(wcol)}{first + j}")
    wspan = f"${col(c0 + 1)}${wrow}:${col(c0 + n)}${wrow}"
    for i in range(n):
        r = first + i
        ws.cell(r, lam, f'=IF({col(wcol)}{r}="","",SUMPRODUCT({col(c0 + 1)}{r}:{col(c0 + n)}{r},'
                        f'{wspan})/{col(wcol)}{r})')
    ri = weights.RANDOM_INDEX[n - 1]
    stats = wrow + 2
    lam_ref = f"{col(c0 + 1)}{stats}"
    ws.cell(stats, c0, "λmax")
    ws.cell(stats, c0 + 1, f'=IF(COUNT({col(lam)}{first}:{col(lam)}{last})<{n},"",'
                           f'AVERAGE({col(lam)}{first}:{col(lam)}{last}))')
    ws.cell(stats + 1, c0, "CI")
    ws.cell(stats + 1, c0 + 1, f'=IF({lam_ref}="","",({lam_ref}-{n})/{max(n - 1, 1)})')
    ws.cell(stats + 2, c0, "RI")
    ws.cell(stats + 2, c0 + 1, ri)
    ws.cell(stats + 3, c0, "CR")
    ci_ref = f"{col(c0 + 1)}{stats + 1}"
    cr_ref = f"{col(c0 + 1)}{stats + 3}"
    ws.cell(stats + 3, c0 + 1, f'=IF({ci_ref}="","",{ci_ref}/{ri})' if ri > 0 else 0)
    ws.cell(stats + 4, c0, "一致性")
    ws.cell(stats + 4, c0 + 1, f'=IF({cr_ref}="","(尚未填完)",IF({cr_ref}<=0.1,"可接受 (CR ≤ 0.1)",'
                               '"不足：请检查前后矛盾的判断"))')
