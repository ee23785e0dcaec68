"""report.docx: a run's selection as the Chinese Word document a planning office circulates.

Sections: 一、依据 (the plan's selection wording and the tier rules of this run), 二、数据与方法
(towns assessed, inputs with provenance, criteria with weights, how the tiers are chosen),
三、评价结果 (tier counts per 市(州), the print map, development types), 四、示范镇名单 (per tier:
序号, 市(州), 县(市、区), 镇, 得分, 排名, 发展类型, 入选理由), 五、稳健性 (weight draws, one weight at
a time), 六、数据局限 (every proxy, fallback and missing layer of the run, in plain words), 附表
(every assessed town's score and rank; exclusion reasons).

Everything comes from the :class:`~spatial_towns.pipeline.RunResult`; this module only words
and lays it out (styles in :mod:`.docx_base`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from docx.document import Document

from .. import columns
from ..data import io
from . import _labels_zh, _reasons_zh, docx_base

FILE = "report.docx"

#: The plan whose selection rules the package implements, and its selection step verbatim
#: (《关于开展示范镇建设助推乡村振兴的实施方案》, 实施步骤 一、确定示范镇; as printed in the
#: provincial press, early 2022).
PLAN_TITLE = "《关于开展示范镇建设助推乡村振兴的实施方案》"
PLAN_ISSUER = "中共吉林省委办公厅、吉林省人民政府办公厅印发（2022年）"
PLAN_SELECTION = (
    "确定示范镇。突出长春都市圈和其他城市周边，围绕国土空间规划中确定的重要节点镇、省级乡村振兴重点帮扶县、"
    "边境地区，选定一批示范镇，每个市(州)至少2个省级示范镇，全省确定省级示范镇30个；每个市(州)至少2个市级"
    "示范镇，全省确定市级示范镇40个以上；每个县(市、区)至少1个县级示范镇，全省确定县级示范镇50个以上。由市(州)"
    "组织各县(市、区)上报候选示范镇基本情况、“十四五”期间建设工作计划和实施方案。2022年4月底前，综合考虑"
    "规划布局、资源禀赋、基础条件等因素，选定产业比较兴旺、人口相对集聚、地理位置优越、道路交通便利、具有发展"
    "潜力和区域带动作用的示范镇。"
)
PLAN_GOAL = ("从2022年开始，在全省遴选30个产业基础良好、发展空间较大、人口聚集力强的建制镇，建设以增强产业支撑"
             "能力、补齐基础设施短板、治理镇村人居环境、强化基层治理能力、提升公共服务品质为主要内容的乡村振兴"
             "示范镇。")

#: Name table columns (四、示范镇名单) and their widths on an A4 portrait page (16 cm).
NAME_COLUMNS = ["序号", "市(州)", "县(市、区)", "镇", "得分", "排名", "发展类型", "入选理由"]
#: Name table column widths (cm) on an A4 landscape page (24.7 cm of text).
_NAME_WIDTHS = [1.2, 3.8, 3.2, 2.6, 1.5, 1.3, 2.6, 8.5]
_NOT_COMPUTED = {
    "the road graph has no motorway": "路网中没有高速公路，无法识别出入口",
    "needs a road graph and a population raster (--roads and --population)":
        "需要完整路网和人口栅格（--roads、--population），本次未提供",
    "no population raster given": "未提供人口栅格（--population）",
}


def build(res, *, map_png: str | Path | None = None) -> Document:
    """The report of ``res`` (a RunResult) as a python-docx Document.

    Parameters
    ----------
    res : spatial_towns.pipeline.RunResult
        The run.
    map_png : path, optional
        The print map (``map_tiers.png``) to embed in 三、评价结果; without it the section
        says that no map was drawn.
    """
    cfg = res.cfg
    doc = docx_base.new_document("乡村振兴示范镇遴选报告",
                                 subtitle=f"方案：{cfg.run_name}（spatial_towns 生成）")
    docx_base.toc(doc)
    labels = {c.column: c.label for c in cfg.criteria if c.label}
    _basis(doc, res)
    _data_and_methods(doc, res, labels)
    _results(doc, res, map_png)
    _name_lists(doc, res)
    _robustness(doc, res, labels)
    _limitations(doc, res, labels)
    _appendix(doc, res)
    return doc


def to_bytes(res, *, map_png: str | Path | None = None) -> bytes:
    """:func:`build` as .docx bytes (the same bytes for the same run)."""
    return docx_base.to_bytes(build(res, map_png=map_png))


def write(res, out_dir: str | Path, *, map_png: str | Path | None = None) -> dict[str, Path]:
    """Write ``report.docx`` into ``out_dir`` (atomically); ``{"report.docx": path}``."""
    return {FILE: io.write_bytes(Path(out_dir) / FILE, to_bytes(res, map_png=map_png))}


# -- sections ------------------------------------------------------------------------------

def _basis(doc: Document, res) -> None:
    doc.add_heading("一、依据", level=1)
    doc.add_paragraph(f"本报告依据{PLAN_TITLE}（{PLAN_ISSUER}）。方案的目标：")
    doc.add_paragraph(PLAN_GOAL, style="Quote")
    doc.add_paragraph("方案“实施步骤”中确定示范镇的要求（原文）：")
    doc.add_paragraph(PLAN_SELECTION, style="Quote")
    doc.add_paragraph("据此，本次评价的分级名额规则为：")
    for t in res.cfg.tiers:
        doc.add_paragraph(f"{t.label}示范镇：{_labels_zh.tier_rule(t)}。", style="List Bullet")
    doc.add_paragraph(
        f"参评对象为{'、'.join(res.cfg.eligible_kinds)}。方案列出的五项条件（产业比较兴旺、人口相对集聚、地理位置"
        "优越、道路交通便利、具有发展潜力和区域带动作用）和重点区域（都市圈、城市周边、边境地区、重点帮扶县、"
        "重要节点镇）各由一组可计算的指标衡量，见二、（三）。")


def _data_and_methods(doc: Document, res, labels: dict[str, str]) -> None:
    towns, cfg = res.towns, res.cfg
    doc.add_heading("二、数据与方法", level=1)
    doc.add_heading("（一）参评范围", level=2)
    status = towns[columns.STATUS].value_counts()
    doc.add_paragraph(
        f"输入乡级单位{len(towns)}个，其中参评{int(status.get('eligible', 0))}个，排除"
        f"{int(status.get('excluded', 0))}个（排除原因见附表2），入选示范镇"
        f"{int((towns[columns.TIER] != '').sum())}个。每个输入单位都在 towns.gpkg 和 candidates.xlsx"
        "“全部”表中列出，并注明入选或排除的理由。")
    doc.add_heading("（二）数据来源", level=2)
    rows = [[k + 1, _labels_zh.INPUTS.get(key, key), text]
            for k, (key, text) in enumerate(res.provenance.items())]
    docx_base.table(doc, ["序号", "数据", "来源与处理（原始记录）"], rows, widths_cm=[1.0, 2.8, 12.2],
                    align="ccl")
    doc.add_paragraph(f"距离和面积均在等积投影坐标系中量算（{res.crs.srs}），不以经纬度度量。")
    doc.add_heading("（三）评价指标与权重", level=2)
    weighting = getattr(res.weighting, "method", cfg.weighting.method)
    doc.add_paragraph(
        f"赋权方法：{_labels_zh.WEIGHTING.get(weighting, weighting)}；综合方法："
        f"{_labels_zh.AGGREGATION.get(cfg.aggregation.method, cfg.aggregation.method)}。"
        "权重为0的指标只作约束或不参与评分。")
    weights = {u.column: u.weight for u in res.used if u.column}
    rows = []
    for k, c in enumerate(cfg.criteria, 1):
        w = weights.get(c.column, 0.0)
        rows.append([k, _labels_zh.column(c.column, labels), c.group or "",
                     _labels_zh.DIRECTION.get(c.direction, c.direction),
                     _labels_zh.transform(c.transform), w])
    docx_base.table(doc, ["序号", "指标", "方案依据", "方向", "标准化", "权重"], rows,
                    widths_cm=[1.0, 5.4, 3.8, 1.2, 3.0, 1.6], align="clcccr",
                    formats=[None, None, None, None, None, "{:.3f}"])
    doc.add_heading("（四）分级遴选", level=2)
    sel = res.selection
    text = (f"三级示范镇由一个整数规划同时确定（HiGHS 求解，{_labels_zh.SOLVED.get(sel.method, sel.method)}）：在满足各级总数和各市(州)、"
            "县(市、区)最低名额的前提下，使 Σ 级别权重 × 得分 最大（级别权重 "
            + "、".join(f"{t.label}{t.tier_weight:g}" for t in cfg.tiers)
            + "），使得分高的镇优先进入更高一级。"
            f"目标值 {sel.objective:.2f}。")
    if sel.greedy_objective is not None:
        text += (f"逐级从高分向低分选取（先补足最低名额）的贪心方法目标值为 {sel.greedy_objective:.2f}，"
                 f"与整数规划结果相比有{len(sel.greedy_diff)}个镇的级别不同。")
    doc.add_paragraph(text)


def _tier_counts(res) -> pd.DataFrame:
    towns = res.towns
    sel = towns[towns[columns.TIER] != ""]
    order = (towns.dropna(subset=[columns.PREFECTURE_NAME]).drop_duplicates(columns.PREFECTURE_NAME)
             .sort_values(columns.PREFECTURE_CODE)[columns.PREFECTURE_NAME].tolist())
    tab = pd.crosstab(sel[columns.PREFECTURE_NAME], sel[columns.TIER]).reindex(
        index=[p for p in order if p in set(sel[columns.PREFECTURE_NAME])],
        columns=[t.name for t in res.cfg.tiers], fill_value=0)
    tab["合计"] = tab.sum(axis=1)
    tab.loc["合计"] = tab.sum()
    return tab


def _results(doc: Document, res, map_png) -> None:
    cfg = res.cfg
    doc.add_heading("三、评价结果", level=1)
    sizes = res.selection.sizes
    doc.add_paragraph(
        f"共遴选示范镇{sum(sizes.values())}个：" + "、".join(
            f"{t.label}{sizes.get(t.name, 0)}个" for t in cfg.tiers) + "。各市(州)分级数量如下表。")
    tab = _tier_counts(res)
    header = ["市(州)"] + [t.label for t in cfg.tiers] + ["合计"]
    rows = [[idx, *(int(v) for v in r)] for idx, r in zip(tab.index, tab.to_numpy(), strict=True)]
    docx_base.table(doc, header, rows, widths_cm=[4.5] + [2.2] * (len(header) - 1),
                    align="l" + "r" * (len(header) - 1))
    doc.add_paragraph("表1 各市(州)示范镇分级数量", style="Caption")
    if map_png is not None and Path(map_png).is_file():
        docx_base.picture(doc, map_png, width_cm=15.5, caption="图1 示范镇分级分布图")
    else:
        doc.add_paragraph("（本次运行未绘制印刷地图 map_tiers.png。）")
    if columns.DEV_TYPE_LABEL in res.towns:
        sel = res.towns[res.towns[columns.TIER] != ""]
        types = sorted(set(sel[columns.DEV_TYPE_LABEL].dropna()) - {""})
        if types:
            doc.add_paragraph("各级示范镇的发展类型：")
            rows = []
            for t in cfg.tiers:
                got = sel.loc[sel[columns.TIER] == t.name, columns.DEV_TYPE_LABEL]
                rows.append([t.label, *(int((got == ty).sum()) for ty in types), len(got)])
            docx_base.table(doc, ["级别", *types, "合计"], rows,
                            align="c" + "r" * (len(types) + 1))
            doc.add_paragraph("表2 各级示范镇的发展类型", style="Caption")


def name_rows(res, tier: str) -> list[list]:
    """The rows of a tier's name table (:data:`NAME_COLUMNS`): by 市(州), 县(市、区) code,
    then score."""
    towns = res.towns
    label = {t.name: t.label for t in res.cfg.tiers}[tier]
    sel = towns[towns[columns.TIER] == tier].sort_values(
        [columns.PREFECTURE_CODE, columns.COUNTY_CODE, columns.SCORE, "code"], ascending=[True, True, False, True])
    rows = []
    for k, r in enumerate(sel.itertuples(), 1):
        reason = _reasons_zh.zh(str(r.reason))
        reason = reason.removeprefix(f"{label}：")
        rank = r.rank if columns.RANK in towns else None
        rows.append([k, r.prefecture_name, r.county_name, r.name, float(r.score),
                     None if rank is None or pd.isna(rank) else int(rank),
                     getattr(r, columns.DEV_TYPE_LABEL, "") or "", reason])
    return rows


def _name_lists(doc: Document, res) -> None:
    docx_base.new_section(doc, landscape=True)
    doc.add_heading("四、示范镇名单", level=1)
    doc.add_paragraph("各级名单按市(州)、县(市、区)排列，同一县内按得分从高到低。“排名”为全部参评镇按得分的"
                      "名次；“入选理由”说明该镇按得分入选，或为满足哪一单位的名额要求入选。")
    numerals = "一二三四五六七八九十"
    for k, t in enumerate(res.cfg.tiers):
        rows = name_rows(res, t.name)
        doc.add_heading(f"（{numerals[k]}）{t.label}示范镇（{len(rows)}个）", level=2)
        docx_base.table(doc, NAME_COLUMNS, rows, widths_cm=_NAME_WIDTHS, align="clllrccl",
                        formats=[None, None, None, None, "{:.2f}", None, None, None])


def _robustness(doc: Document, res, labels: dict[str, str]) -> None:
    docx_base.new_section(doc, landscape=False)
    doc.add_heading("五、稳健性", level=1)
    rob = res.robustness
    if rob is None:
        doc.add_paragraph("本次运行未做权重扰动分析（[sensitivity] draws = 0）。")
        return
    doc.add_paragraph(
        f"以本次权重为中心，按 Dirichlet 分布随机抽取{rob.draws}组权重（集中度{rob.concentration:g}，随机"
        f"种子{rob.seed}），每组重新评分，并按同样的名额规则重新遴选。一个镇在某一级的“入选比例”是它在这些"
        "抽样中落在该级的比例。")
    towns = res.towns
    rows = []
    for t in res.cfg.tiers:
        col = f"p_{t.name}"
        if col not in towns:
            continue
        p = towns.loc[towns[columns.TIER] == t.name, col].astype(float)
        rows.append([t.label, len(p), int((p >= 0.9).sum()), int(((p >= 0.5) & (p < 0.9)).sum()),
                     int((p < 0.5).sum())])
    docx_base.table(doc, ["级别", "入选数", "稳定（≥90%）", "较稳定（50%–90%）", "不稳定（<50%）"], rows,
                    align="crrrr")
    doc.add_paragraph("表3 各级示范镇在权重抽样中的入选比例", style="Caption")
    top = res.cfg.tiers[0]
    col = f"p_{top.name}"
    if col in towns:
        inside = towns[towns[columns.TIER] == top.name].sort_values([col, "code"]).head(5)
        outside = towns[(towns[columns.TIER] != top.name) & (towns[col].astype(float) >= 0.25)]
        outside = outside.sort_values([col, "code"], ascending=[False, True])
        doc.add_paragraph(
            f"{top.label}示范镇中入选比例最低的：" + "、".join(
                f"{r['name']}（{r[col]:.0%}）" for _, r in inside.iterrows()) + "。"
            + (f"未列入{top.label}、但在至少25%的抽样中进入{top.label}的："
               + "、".join(f"{r['name']}（{r[col]:.0%}）" for _, r in outside.iterrows()) + "。"
               if len(outside) else f"没有其他镇在25%以上的抽样中进入{top.label}。"))
    if rob.oat is not None and len(rob.oat):
        doc.add_paragraph("逐一调整单项权重（其余按比例缩放使总和为1），各级名单中替换的镇数：")
        tiers = [t for t in res.cfg.tiers if f"changed_{t.name}" in rob.oat]
        rows = [[_labels_zh.column(r["criterion"], labels), f"{r['step']:+.0%}", float(r["weight"]),
                 *(int(r[f"changed_{t.name}"]) for t in tiers)] for _, r in rob.oat.iterrows()]
        docx_base.table(doc, ["指标", "权重变化", "调整后权重", *(f"{t.label}变动" for t in tiers)], rows,
                        widths_cm=[5.6, 2.0, 2.2] + [2.0] * len(tiers), align="lcr" + "r" * len(tiers),
                        formats=[None, None, "{:.3f}"] + [None] * len(tiers))
        doc.add_paragraph("表4 单项权重敏感性", style="Caption")


def limitations(res, labels: dict[str, str] | None = None) -> list[str]:
    """Every proxy, fallback and missing layer of the run, one plain Chinese sentence each."""
    cfg, methods, towns = res.cfg, res.methods, res.towns
    labels = labels if labels is not None else {c.column: c.label for c in cfg.criteria if c.label}
    scored = {u.column for u in res.used if u.column and u.weight > 0}
    out: list[str] = []
    missing: dict[str, list[str]] = {}
    for col, how in methods.items():
        if how.startswith("not computed"):
            why = how.split(": ", 1)[1] if ": " in how else how
            missing.setdefault(_NOT_COMPUTED.get(why, why), []).append(_labels_zh.column(col, labels))
    for why, cols in missing.items():
        out.append(f"未计算：{'、'.join(cols)}——{why}。这些指标没有参与评分。")
    skeleton = [c for c, m in methods.items() if "OSM major-road skeleton" in m]
    if skeleton:
        a = cfg.access
        out.append(
            f"车行时间（{'、'.join(_labels_zh.column(c, labels) for c in skeleton)}）按 OpenStreetMap 主干"
            f"道路骨架计算：骨架是简化路网（路段取直、没有道路等级），统一按 {a.network_speed_kmh:g} km/h 行驶；"
            f"镇到路网的进出段按直线距离 × {a.circuity_factor:g}、{a.access_speed_kmh:g} km/h 估算；直线估算"
            f"（× {a.circuity_factor:g}、{a.fallback_speed_kmh:g} km/h）更快时取直线估算。提供完整路网"
            "（--roads）可替代。")
    fallback = [c for c, m in methods.items() if "FALLBACK" in m]
    if fallback:
        out.append(f"{'、'.join(_labels_zh.column(c, labels) for c in fallback)}没有路网可用，按直线距离 × "
                   f"{cfg.access.circuity_factor:g}、{cfg.access.fallback_speed_kmh:g} km/h 估算（备用方法）。")
    eligible = towns[columns.STATUS] == columns.ELIGIBLE
    if columns.NETWORK_FLAG in towns:
        far = eligible & towns[columns.NETWORK_FLAG].fillna("").astype(str).str.contains("from the road network")
        if far.any():
            out.append(f"{int(far.sum())}个参评镇距路网超过 {cfg.access.max_snap_km:g} km，其进出路网段按直线估算，"
                       "车行时间误差较大（towns.gpkg 的 network_flag 列）。")
    for col in (c.column for c in cfg.criteria):
        if col in scored and col in _labels_zh.PROXIES:
            out.append(f"{_labels_zh.column(col, labels)}：{_labels_zh.PROXIES[col]}。")
    for u in res.used:
        if u.note:
            out.append(f"{_labels_zh.column(u.column or u.name, labels)}：{u.note}（指标替代）。")
    for col, how in methods.items():
        if "(list empty)" in how:
            out.append(f"{_labels_zh.column(col, labels)}名单未提供（配置为空），该项对所有镇取0，不影响排序。")
    for key, text in res.provenance.items():
        if "PARTIAL" in text:
            out.append(f"{_labels_zh.INPUTS.get(key, key)}数据不完整（原始说明：{text[text.index('PARTIAL'):]}）。")
    facts = res.facts.coverage if res.facts is not None else {}
    for col, cov in facts.items():
        if cov.get("imputed"):
            out.append(f"{_labels_zh.column(col, labels)}：{cov['imputed']}个参评镇缺值，按“{cov['policy']}”补齐。")
        if cov.get("excluded"):
            out.append(f"{_labels_zh.column(col, labels)}：{cov['excluded']}个镇缺值，未能参评。")
    if columns.SEAT_SOURCE in towns:
        src = towns[columns.SEAT_SOURCE].fillna("").astype(str)
        geonames = int(src.str.startswith("GeoNames").sum())
        units = int(src.str.startswith("mean of its").sum())
        if geonames or units:
            out.append(f"{geonames + units}个乡镇驻地没有原始坐标，由补充资料推定：{geonames}个按 GeoNames 同名地名，"
                       f"{units}个按其城镇村级单位的平均位置（seat_source 列）。")
    kind_ok = towns["kind"].isin(cfg.eligible_kinds)
    no_point = kind_ok & (towns.geometry.isna() | towns.geometry.is_empty)
    if no_point.any():
        out.append(f"{int(no_point.sum())}个{'、'.join(cfg.eligible_kinds)}没有驻地坐标，无法计算指标，未能参评"
                   "（理由见 candidates.xlsx“全部”表）。")
    return out


def _limitations(doc: Document, res, labels: dict[str, str]) -> None:
    doc.add_heading("六、数据局限", level=1)
    items = limitations(res, labels)
    if not items:
        doc.add_paragraph("本次运行没有使用替代指标、备用方法或缺失图层。")
    for text in items:
        doc.add_paragraph(text, style="List Number")


def _appendix(doc: Document, res) -> None:
    towns = res.towns
    doc.add_heading("附表", level=1)
    doc.add_heading("附表1 参评镇得分与排名", level=2)
    label = {t.name: t.label for t in res.cfg.tiers}
    ok = towns[towns[columns.STATUS] == columns.ELIGIBLE].sort_values([columns.SCORE, "code"], ascending=[False, True])
    rows = [[None if pd.isna(r.rank) else int(r.rank), r.prefecture_name, r.county_name, r.name,
             float(r.score), label.get(r.tier, "")] for r in ok.itertuples()]
    docx_base.table(doc, ["排名", "市(州)", "县(市、区)", "镇", "得分", "级别"], rows,
                    widths_cm=[1.4, 3.4, 3.6, 3.0, 1.8, 1.6], align="cllllc",
                    formats=[None, None, None, None, "{:.2f}", None])
    doc.add_heading("附表2 排除原因", level=2)
    excl = towns.loc[towns[columns.STATUS] == columns.EXCLUDED, columns.REASON].map(_reasons_zh.zh).value_counts()
    rows = [[k, reason.removeprefix("排除："), int(n)] for k, (reason, n) in enumerate(excl.items(), 1)]
    docx_base.table(doc, ["序号", "排除原因", "单位数"], rows, widths_cm=[1.2, 12.6, 2.2], align="clr")
