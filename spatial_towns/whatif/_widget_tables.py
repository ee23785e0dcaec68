"""The what-if explorer's tables: tier sizes with entering and leaving towns, per 市/州."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .. import columns
from . import explorer as whatif
from ._widget_map import DOWN_COLOUR, UP_COLOUR


def tier_tables(up: whatif.Update) -> tuple[str, str]:
    """HTML of the tier table (sizes, entering, leaving, per 市/州) and of the list of
    changes versus the run."""
    # Plain numpy and hand-built rows: pandas crosstab/to_html would double the render time.
    t = up.towns
    tier, before = t[columns.TIER].to_numpy(), t["tier_start"].to_numpy()
    score = t[columns.SCORE].to_numpy()
    names, county = t["name"].to_numpy(), t[columns.COUNTY_NAME].to_numpy()
    pref = t[columns.PREFECTURE_NAME].to_numpy()
    tiers = up.scenario.tiers
    labels = {x.name: x.label for x in tiers}
    td = "<td style='padding:1px 8px;text-align:right'>{}</td>"
    th = "<th style='padding:1px 8px;white-space:nowrap'>{}</th>"
    rows = ["<tr>" + "".join(th.format(h) for h in
                             ("tier", "size", "entering", "leaving", "lowest score")) + "</tr>"]
    parts = ["<b>What changed vs the run</b>"]
    for x in tiers:
        now, was = tier == x.name, before == x.name
        ent, lea = np.flatnonzero(now & ~was), np.flatnonzero(was & ~now)
        low = f"{np.nanmin(score[now]):.1f}" if now.any() else "—"
        rows.append("<tr>" + th.format(f"{x.label} {x.name}") + "".join(
            td.format(v) for v in (int(now.sum()), len(ent), len(lea), low)) + "</tr>")
        parts.append(f"<div style='margin-top:6px'><b>{x.label} {x.name}</b>: "
                     f"{len(ent)} in, {len(lea)} out</div>")
        for idx, sign, colour, other in ((ent, "+", UP_COLOUR, before),
                                         (lea, "−", DOWN_COLOUR, tier)):
            idx = idx[np.argsort(-np.nan_to_num(score[idx], nan=-1.0), kind="stable")]
            items = [f"{html.escape(str(names[i]))} ({html.escape(str(county[i]))}, "
                     f"{score[i]:.1f}; {'from' if sign == '+' else 'now'} "
                     f"{labels.get(other[i], '') or '—'})" for i in idx]
            if items:
                parts.append(f"<div style='color:{colour};font-size:12px'>{sign} "
                             + "; ".join(items) + "</div>")
    sel = tier != ""
    counts = pd.Series(1, index=pd.MultiIndex.from_arrays([pref[sel], tier[sel]])) \
        .groupby(level=[0, 1]).size().unstack(fill_value=0) \
        .reindex(columns=[x.name for x in tiers], fill_value=0)
    prow = ["<tr>" + th.format("市/州") + "".join(th.format(x.label) for x in tiers) + "</tr>"]
    for p_name, r in counts.iterrows():
        prow.append("<tr>" + th.format(html.escape(str(p_name)))
                    + "".join(td.format(int(v)) for v in r.to_numpy()) + "</tr>")
    tier_html = ("<b>Tiers</b> (entering / leaving vs the run)<table>"
                 + "".join(rows) + "</table><b>Per 市/州</b><table>"
                 + "".join(prow) + "</table>")
    return tier_html, "".join(parts)
