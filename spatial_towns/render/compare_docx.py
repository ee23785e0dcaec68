"""``compare.docx``: the comparison of alternatives as a Word document (方案比选报告).

Sections: 一、比选方案 (the alternatives and how their settings differ), 二、输入数据 (same
data or what differs, by SHA-256), 三、等级一致性 (per tier: towns in every / some / one
alternative, entering and leaving), 四、各市(州)入选数, 五、排名一致性与重合度 (Kendall τ,
Spearman ρ, Jaccard), 六、等级变化的镇及原因. House style from :mod:`.docx_base`
(landscape A4: the tables are wide).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from docx.document import Document

from .. import columns
from . import _labels_zh, _reasons_zh, docx_base

if TYPE_CHECKING:
    from ..scenarios import Comparison

#: Page text width of landscape A4 with the house margins, cm (tables are sized to it).
WIDTH_CM = 24.0


def _labels(cmp: Comparison) -> dict[str, str]:
    return {"": "未入选", **cmp.tier_labels}


def _alternatives(doc: Document, cmp: Comparison) -> None:
    doc.add_heading("一、比选方案", level=1)
    doc.add_paragraph(
        f"共比选 {len(cmp.names)} 个方案，以“{cmp.names[0]}”为参照；各方案均为同一批 "
        f"{len(cmp.towns)} 个乡镇级单元的完整评价结果（其中各方案均参评 "
        f"{int(cmp.eligible.all(axis=1).sum())} 个建制镇）。")
    header = ["方案", "运行名称", "权重方法", "集成方法", *[cmp.tier_labels[t] for t in cmp.tier_names],
              "来源"]
    rows = []
    for a in cmp.alternatives:
        rows.append([a.name, a.cfg.run_name, a.cfg.weighting.method, a.cfg.aggregation.method,
                     *[int((cmp.tiers[a.name] == t).sum()) for t in cmp.tier_names],
                     str(a.source) if a.source else "（内存中的运行结果）"])
    n = len(cmp.tier_names)
    docx_base.table(doc, header, rows, widths_cm=[3, 3.5, 2.5, 2.5, *[1.6] * n, WIDTH_CM - 11.5 - 1.6 * n],
                    align="llll" + "r" * n + "l")
    _tier_rules(doc, cmp)
    doc.add_heading("方案设置差异", level=2)
    diff = cmp.config_differences
    if len(diff) == 0:
        doc.add_paragraph("各方案的配置相同（运行名称除外）。")
        return
    doc.add_paragraph("下表列出各方案配置中取值不同的设置项（配置键名；评价指标与等级注以中文名称）。")
    w = (WIDTH_CM - 7) / len(cmp.names)
    docx_base.table(doc, ["设置项", *cmp.names],
                    [[_key_words(k, cmp), *row]
                     for k, row in zip(diff.index, diff.to_numpy().tolist(), strict=True)],
                    widths_cm=[7, *[w] * len(cmp.names)])


def _key_words(key: str, cmp: Comparison) -> str:
    """A configuration key path with its criterion's or tier's Chinese name, e.g.
    ``criteria[dist_rail_km].weight`` → ``到火车站距离 (km) · weight``."""
    labels = {c.column: c.label for a in cmp.alternatives for c in a.cfg.criteria}
    head, sep, rest = key.partition("[")
    if not sep or "]" not in rest:
        return key
    name, _, field = rest.partition("]")
    named = (labels if head == "criteria" else cmp.tier_labels if head == "tiers" else {}).get(name)
    return f"{named} · {field.removeprefix('.')}" if named else key


def _tier_rules(doc: Document, cmp: Comparison) -> None:
    """The tiers' rules of every alternative in words, when they differ."""
    rules = {a.name: {t.name: _labels_zh.tier_rule(t) for t in a.cfg.tiers} for a in cmp.alternatives}
    rows = [[cmp.tier_labels[t], *[rules[a].get(t, "（无此等级）") for a in cmp.names]]
            for t in cmp.tier_names]
    if all(len(set(r[1:])) == 1 for r in rows):
        return
    doc.add_heading("等级规则", level=2)
    w = (WIDTH_CM - 2.5) / len(cmp.names)
    docx_base.table(doc, ["等级", *cmp.names], rows, widths_cm=[2.5, *[w] * len(cmp.names)])


def _driver_words(d) -> str:
    """One criterion's share of a town's score change, in Chinese."""
    what = []
    if d.weight_moved:
        what.append(f"权重 {d.weight_first:.1%}→{d.weight_here:.1%}")
    if d.value_moved:
        what.append(f"标准化值 {d.value_first:.2f}→{d.value_here:.2f}")
    return f"{d.label} {d.points:+.2f}" + (f"（{'，'.join(what)}）" if what else "")


def _inputs(doc: Document, cmp: Comparison) -> None:
    doc.add_heading("二、输入数据", level=1)
    if len(cmp.input_differences) == 0:
        doc.add_paragraph("各方案由相同的输入数据计算：城镇表的每个输入列（乡镇名称、位置、行政归属、"
                          "各项指标的测算值与事实表数据）在各方案中的 SHA-256 均一致，等级的差异只来自"
                          "决策设置（权重、集成方法、等级规则）。")
        return
    doc.add_paragraph("注意：以下方案与参照方案的输入数据（或指标测算设置）不同，等级差异可能来自数据"
                      "而非决策设置。")
    for w in cmp.warnings:
        doc.add_paragraph(w)
    d = cmp.input_differences
    docx_base.table(doc, ["方案", "列", "不同的镇数", "说明", "参照方案 SHA-256", "本方案 SHA-256"],
                    d[["alternative", "column", "towns_differing", "note", "hash_first",
                       "hash_here"]].to_numpy().tolist(),
                    widths_cm=[3, 5, 2.5, 4, 4.75, 4.75], align="llrlll")


def _agreement(doc: Document, cmp: Comparison) -> None:
    doc.add_heading("三、等级一致性", level=1)
    doc.add_paragraph("“均入选”为在每个方案中都属该等级的镇数，“部分入选”为至少一个但非全部方案中属该"
                      "等级，“仅一方案”为只在一个方案中属该等级；新进、退出均相对参照方案（多个比选方案时"
                      "合计）；Jaccard 为各方案均入选数 ÷ 任一方案入选数。")
    s = cmp.summary()
    header = ["等级", *cmp.names, "均入选", "部分入选", "仅一方案", "新进", "退出", "Jaccard"]
    rows = [[r["label"], *[int(r[a]) for a in cmp.names], int(r["every"]), int(r["some"]),
             int(r["one_only"]), int(r["entering"]), int(r["leaving"]), float(r["jaccard_all"])]
            for _, r in s.iterrows()]
    ncol = len(header)
    docx_base.table(doc, header, rows, widths_cm=[2.5, *[(WIDTH_CM - 2.5) / (ncol - 1)] * (ncol - 1)],
                    align="l" + "r" * (ncol - 1), formats=[None] * (ncol - 1) + ["{:.3f}"])
    labels = _labels(cmp)
    for alt in cmp.names[1:]:
        doc.add_heading(f"{alt}相对{cmp.names[0]}的新进与退出", level=2)
        for t in cmp.tier_names:
            for move, word in (("entering", "新进"), ("leaving", "退出")):
                m = cmp.moves[(cmp.moves["alternative"] == alt) & (cmp.moves[columns.TIER] == t)
                              & (cmp.moves["move"] == move)]
                names = "、".join(f"{r.name}（{r.county_name}）" for r in m.itertuples())
                doc.add_paragraph(f"{labels[t]}{word}（{len(m)} 个）：{names or '无'}")


def _prefectures(doc: Document, cmp: Comparison) -> None:
    doc.add_heading("四、各市(州)入选数", level=1)
    labels = _labels(cmp)
    pc = cmp.prefecture_counts
    header = ["市(州)", *[f"{labels[t]}·{a}" for t, a in pc.columns]]
    rows = [[p.replace("合计 total", "合计"), *[int(v) for v in vals]]
            for p, vals in zip(pc.index, pc.to_numpy().tolist(), strict=True)]
    ncol = len(header)
    docx_base.table(doc, header, rows, widths_cm=[3.5, *[(WIDTH_CM - 3.5) / (ncol - 1)] * (ncol - 1)],
                    align="l" + "r" * (ncol - 1))


def _ranks(doc: Document, cmp: Comparison) -> None:
    doc.add_heading("五、排名一致性与重合度", level=1)
    doc.add_paragraph("排名一致性按两个方案中均参评的镇计算：Kendall τ-b 与 Spearman ρ 为 1 表示得分排序"
                      "完全一致，0 表示无关。")
    r = cmp.rank_agreement
    docx_base.table(doc, ["方案甲", "方案乙", "参评镇数", "Kendall τ", "Spearman ρ"],
                    r[["first", "second", "towns", "kendall_tau", "spearman_rho"]].to_numpy().tolist(),
                    widths_cm=[5, 5, 3, 3, 3], align="llrrr",
                    formats=[None, None, None, "{:.3f}", "{:.3f}"])
    doc.add_paragraph(f"各等级 Jaccard 重合度（与“{cmp.names[0]}”相比；“全部”为所有方案）：")
    j = cmp.jaccard
    labels = _labels(cmp)
    header = ["等级", *[c if c != "all" else "全部" for c in j.columns]]
    rows = [[labels[t], *[float(v) for v in vals]] for t, vals in zip(j.index, j.to_numpy().tolist(),
                                                                        strict=True)]
    docx_base.table(doc, header, rows, widths_cm=[3, *[3.5] * (len(header) - 1)],
                    align="l" + "r" * (len(header) - 1),
                    formats=[None] + ["{:.3f}"] * (len(header) - 1))


def _changes(doc: Document, cmp: Comparison) -> None:
    doc.add_heading("六、等级变化的镇及原因", level=1)
    ch = cmp.changes
    doc.add_paragraph(f"与参照方案相比等级发生变化的镇共 {len(ch)} 个（次）。“主要指标变化”列出加权贡献"
                      "（得分点数）变化最大的指标及其原因（权重或标准化值的变化）；得分不变时，等级变化"
                      "来自等级规则的差异（见“一、比选方案”）或其他镇的变化，两个方案中的理由（选择模型"
                      "给出的入选或落选理由）并列。")
    labels = _labels(cmp)
    words = {(a, c): "；".join(_driver_words(d) for d in g.itertuples())
             for (a, c), g in cmp.drivers.groupby(["alternative", columns.CODE], sort=False)}

    def pair(a, b, fmt: str) -> str:
        fa = "—" if pd.isna(a) else fmt.format(float(a))
        fb = "—" if pd.isna(b) else fmt.format(float(b))
        return fa if fa == fb else f"{fa}→{fb}"

    # the alternative's column only when more than one is compared with the reference
    several = len(cmp.names) > 2
    header = ["序号", *(["方案"] if several else []), "市(州)", "镇（县）", "等级", "得分", "名次"]
    widths = [1.2, *([2.0] if several else []), 2.0, 3.0, 2.6, 2.8, 1.9]
    align = "c" + ("l" if several else "") + "llccr"
    # With scores unchanged (only the rules differ) no criterion moved a town: the two
    # reasons say which rule placed it where, side by side.
    drivers = bool(ch["drivers"].astype(bool).any())
    rest = WIDTH_CM - sum(widths)
    extra = (["主要指标变化", "该方案中的理由"] if drivers
             else ["参照方案中的理由", "该方案中的理由"])
    header, widths, align = header + extra, widths + [rest / 2, rest / 2], align + "ll"
    rows = [[k + 1, *([r.alternative] if several else []), r.prefecture_name,
             f"{r.name}（{r.county_name}）", f"{labels[r.tier_first]}→{labels[r.tier_here]}",
             pair(r.score_first, r.score_here, "{:.2f}"), pair(r.rank_first, r.rank_here, "{:.0f}"),
             words.get((r.alternative, r.code), "—") if drivers else _reasons_zh.zh(r.reason_first),
             _reasons_zh.zh(r.reason_here)]
            for k, r in enumerate(ch.itertuples())]
    docx_base.table(doc, header, rows, widths_cm=widths, align=align)


def build(cmp: Comparison) -> Document:
    """The document (python-docx), sections as in the module docstring."""
    doc = docx_base.new_document("方案比选报告", subtitle=f"参照方案：{cmp.names[0]}；比选方案："
                                 + "、".join(cmp.names[1:]), landscape=True)
    docx_base.toc(doc)
    _alternatives(doc, cmp)
    _inputs(doc, cmp)
    _agreement(doc, cmp)
    _prefectures(doc, cmp)
    _ranks(doc, cmp)
    _changes(doc, cmp)
    return doc


def to_bytes(cmp: Comparison) -> bytes:
    """``compare.docx`` as bytes (the same for the same comparison)."""
    return docx_base.to_bytes(build(cmp))
