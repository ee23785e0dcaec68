"""report.docx of a yearly assessment (考核): the Chinese Word version of ``report.md``.

Sections: 一、考核依据与规则, 二、考核数据, 三、考核结果 (commended, criticised, eliminated and
promoted towns), 四、省级示范镇排名, 五、级别与身份变动, 六、市级示范镇递补候选, 七、各市(州)省级示范镇
数量, 八、提示. Everything comes from the
:class:`~spatial_towns.assessment.AssessmentResult`; styles from :mod:`.docx_base`.
"""

from __future__ import annotations

import pandas as pd
from docx.document import Document

from . import _labels_zh, docx_base

#: Events of the year in Chinese (the ledger's event names).
EVENTS = {"selected": "入选", "commended": "通报表扬", "criticised": "通报批评", "eliminated": "淘汰",
          "promoted": "递补", "backfilled": "市级递补", "recoded": "代码变更", "renamed": "更名"}


def _events(e) -> str:
    return "、".join(EVENTS.get(x, x) for x in e if x != "selected")


def _score(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def build(res) -> Document:
    """The yearly assessment ``res`` (an AssessmentResult) as a python-docx Document."""
    doc = docx_base.new_document(f"{res.year}年度乡村振兴示范镇考核报告",
                                 subtitle=f"空间评价方案：{res.run.cfg.run_name}（spatial_towns 生成）")
    if res.indicators.synthetic:
        doc.add_paragraph("【示例数据】本次考核指标表声明为随机生成的示例数据（SYNTHETIC），不是省里提供的"
                          "实际数据，结果不代表对任何镇的真实考核。")
    if res.already:
        doc.add_paragraph(f"【重复运行】{res.notes[0]}")
    docx_base.toc(doc)
    for section in (_rules, _data, _outcome, _ranking, _changes, _candidates, _per_prefecture):
        section(doc, res)
    return doc


def _rules(doc: Document, res) -> None:
    """Section 1: the plan's rule and the config's assessment rules; the indicators and weights."""
    a = res.cfg.assessment
    prov, muni = res.cfg.tiers[0], res.cfg.tiers[1]
    doc.add_heading("一、考核依据与规则", level=1)
    doc.add_paragraph("依据《关于开展示范镇建设助推乡村振兴的实施方案》“严格考核考评”的要求：建立考核指标体系，"
                      "每年对示范镇考核排名，表扬排名靠前的、批评排名靠后的，连续两年排名末位的淘汰，"
                      "由考核优秀的市级示范镇递补。本次考核的规则：")
    streak = "连续自然年（中间跳过一年则重新计算）" if a.streak == "calendar" else "连续考核（不计间断）"
    repl = ("被淘汰镇所在市(州)得分最高的市级示范镇" if a.replacement_prefecture == "always" else
            "全省得分最高的市级示范镇；该市(州)省级示范镇将少于最低数时，取本市(州)的")
    rules = [
        f"排名前{a.commend_top}位的{prov.label}示范镇通报表扬，末{a.criticise_bottom}位通报批评。",
        f"{a.eliminate_after}个{streak}被通报批评的，淘汰。",
        f"递补：{repl}（每个市(州)至少{prov.per_prefecture_min}个{prov.label}示范镇）。",
        (f"考核优秀：得分不低于{prov.label}示范镇得分{a.excellent_quantile:.0%}分位数的{muni.label}示范镇才能递补。"
         if a.excellent_quantile > 0 else "考核优秀：不设门槛，指标齐全的市级示范镇均可递补。"),
        (f"空间评价得分在考核得分中占{a.spatial_weight:g}。" if a.spatial_weight > 0 else
         "空间评价得分不计入考核得分，只在同分时排序。"),
        "同分时按空间评价得分从高到低、再按区划代码从小到大排序。",
    ]
    for r in rules:
        doc.add_paragraph(r, style="List Bullet")
    doc.add_paragraph("考核指标与权重（考核得分 = Σ 100 × 权重 × 标准化指标值）：")
    rows = [[k, u.label or u.column, _labels_zh.DIRECTION.get(u.direction, u.direction), u.weight]
            for k, u in enumerate((u for u in res.used if u.column), 1)]
    docx_base.table(doc, ["序号", "指标", "方向", "权重"], rows, widths_cm=[1.2, 9.0, 2.0, 2.4],
                    align="clcr", formats=[None, None, None, "{:.3f}"])


def _data(doc: Document, res) -> None:
    """Section 2: the inputs of the year."""
    doc.add_heading("二、考核数据", level=1)
    inp = res.year_record["inputs"]
    for text in (f"考核指标表：{inp['indicators']}（sha256 {inp['indicators_sha256'][:16]}…），匹配"
                 f"{len(res.indicators.values)}个镇。",
                 f"考核前的示范镇名单：{inp['designation']}。",
                 f"空间评价：方案“{res.run.cfg.run_name}”（{len(res.run.towns)}个乡级单位）。",
                 f"考核台账：{res.ledger.path.name}；此前已考核年份："
                 f"{'、'.join(map(str, res.base.assessed_years())) or '无（首次考核）'}。"):
        doc.add_paragraph(text, style="List Bullet")


def _outcome(doc: Document, res) -> None:
    """Section 3: counts of each event and the towns concerned."""
    doc.add_heading("三、考核结果", level=1)
    counts = {ev: len(res.events(ev)) for ev in ("commended", "criticised", "eliminated",
                                                  "promoted", "backfilled", "recoded", "renamed")}
    doc.add_paragraph("；".join(f"{EVENTS[k]}{v}个" for k, v in counts.items()) + "。")
    for ev in ("commended", "criticised", "eliminated", "promoted", "backfilled"):
        t = res.events(ev)
        if len(t):
            doc.add_paragraph(f"{EVENTS[ev]}：" + "、".join(
                f"{r['name']}（{r['prefecture_name']}）" for _, r in t.iterrows()) + "。")
    for n in res.notes:
        if not (res.already and n == res.notes[0]):
            doc.add_paragraph(n, style="List Bullet")


def _ranking(doc: Document, res) -> None:
    """Section 4: the provincial towns' ranking."""
    prov = res.cfg.tiers[0]
    doc.add_heading(f"四、{prov.label}示范镇排名", level=1)
    r = res.ranking
    rows = [[int(x["rank"]), x["prefecture_name"], x["name"], _score(x["score"]),
             _score(x["spatial_score"]), _events(x["events"])] for _, x in r.iterrows()]
    docx_base.table(doc, ["名次", "市(州)", "镇", "考核得分", "空间评价得分", "结果"], rows,
                    widths_cm=[1.3, 3.6, 3.0, 2.2, 2.6, 3.3], align="cllrrl",
                    formats=[None, None, None, "{:.1f}", "{:.1f}", None])


def _changes(doc: Document, res) -> None:
    """Section 5: changes of tier and identity."""
    label = {t.name: t.label for t in res.cfg.tiers}
    t = res.towns
    doc.add_heading("五、级别与身份变动", level=1)
    ch = t[t["events"].map(lambda e: bool(set(e) & {"eliminated", "promoted", "backfilled",
                                                    "recoded", "renamed"}))]
    if len(ch):
        rows = [[code, x["name"], x["prefecture_name"], label.get(x["tier_before"], "—"),
                 label.get(x["tier"], "—"), x["reason"]] for code, x in ch.iterrows()]
        docx_base.table(doc, ["区划代码", "镇", "市(州)", "考核前", "考核后", "说明（原始记录）"], rows,
                        widths_cm=[2.8, 2.0, 2.6, 1.5, 1.5, 5.6], align="lllccl")
    else:
        doc.add_paragraph("无。")


def _candidates(doc: Document, res) -> None:
    """Section 6: the best municipal candidates."""
    label = {t.name: t.label for t in res.cfg.tiers}
    t = res.towns
    muni = res.cfg.tiers[1]
    c = res.candidates.head(10)
    doc.add_heading(f"六、{muni.label}示范镇递补候选（前10名，共{len(res.candidates)}个）", level=1)
    rows = [[k, x["prefecture_name"], x["name"], _score(x["score"]), label.get(t.loc[code, "tier"], "—")
             if code in t.index else "—"] for k, (code, x) in enumerate(c.iterrows(), 1)]
    docx_base.table(doc, ["序号", "市(州)", "镇", "考核得分", "考核后级别"], rows,
                    widths_cm=[1.3, 4.0, 3.6, 2.6, 2.6], align="cllrc",
                    formats=[None, None, None, "{:.1f}", None])


def _per_prefecture(doc: Document, res) -> None:
    """Sections 7 and 8: provincial towns per prefecture; the warnings."""
    t = res.towns
    prov = res.cfg.tiers[0]
    doc.add_heading(f"七、各市(州){prov.label}示范镇数量", level=1)
    before = t[t["tier_before"] == prov.name].groupby("prefecture_name").size()
    after = t[t["tier"] == prov.name].groupby("prefecture_name").size()
    pc = pd.DataFrame({"before": before, "after": after}).fillna(0).astype(int)
    rows = [[p, int(x["before"]), int(x["after"]), prov.per_prefecture_min,
             "是" if x["after"] >= prov.per_prefecture_min else "否"] for p, x in pc.iterrows()]
    docx_base.table(doc, ["市(州)", "考核前", "考核后", "最低数", "达到最低数"], rows,
                    widths_cm=[4.5, 2.2, 2.2, 2.2, 2.6], align="lrrrc")
    if res.warnings:
        doc.add_heading("八、提示", level=1)
        for w in res.warnings:
            doc.add_paragraph(w, style="List Number")


def to_bytes(res) -> bytes:
    """:func:`build` as .docx bytes (the same bytes for the same assessment)."""
    return docx_base.to_bytes(build(res))
