"""Change report (Markdown) and change map (folium, two synchronised panes) of a yearly
assessment; see :mod:`spatial_towns.assessment`."""

from __future__ import annotations

import html

import folium
import pandas as pd
import shapely
from folium.plugins import DualMap

from .. import columns
from ..assessment import ledger as _ledger
from . import maps, report

CHANGE_STYLE = {  # event: (colour, radius, label)
    "eliminated": ("#000000", 9, "淘汰 eliminated"),
    "promoted": ("#1a9850", 9, "递补 promoted"),
    "backfilled": ("#66bd63", 6, "市级递补 backfilled (municipal)"),
    "commended": ("#fdae61", 8, "通报表扬 commended"),
    "criticised": ("#762a83", 8, "通报批评 criticised"),
}


def _fmt(v, nd: int = 1) -> str:
    return "" if v is None or pd.isna(v) else f"{v:.{nd}f}"


def render(res) -> str:
    """The change report of an :class:`~spatial_towns.assessment.AssessmentResult`."""
    out = [f"# 示范镇年度考核 Annual assessment {res.year}", ""]
    for section in (_banners, _inputs_section, _rules_section, _outcome_section,
                    _ranking_section, _changes_section, _candidates_section,
                    _per_prefecture_section, _ledger_section):
        out += section(res)
    return "\n".join(out)


def _banners(res) -> list[str]:
    """SYNTHETIC indicators and re-runs, said first."""
    out: list[str] = []
    if res.indicators.synthetic:
        out += ["> **SYNTHETIC indicator data.** The indicator table of this run says it is "
                "seeded synthetic data for demonstration, not figures supplied by the province. "
                "Nothing here is a real assessment of a real town.", ""]
    if res.already:
        out += [f"> **Re-run.** {res.notes[0]}", ""]
    return out


def _inputs_section(res) -> list[str]:
    y = res.year
    out: list[str] = []
    inp = res.year_record["inputs"]
    out += ["## Inputs", "",
            f"- **indicator table**: `{inp['indicators']}` (sha256 {inp['indicators_sha256'][:16]}…), "
            f"{len(res.indicators.values)} towns matched",
            f"- **designation before {y}**: {inp['designation']}",
            f"- **spatial score**: run '{res.run.cfg.run_name}' of the pipeline on the year's "
            f"inputs ({len(res.run.towns)} towns; metric CRS `{res.run.crs.srs}`)",
            f"- **config** sha256 {inp['config_sha256'][:16]}…",
            f"- **ledger**: `{res.ledger.path.name}` (schema spatial_towns.designation_ledger "
            f"v{_ledger.SCHEMA_VERSION}); years before "
            f"this one: {res.base.assessed_years() or 'none (first year)'}", ""]
    return out


def _rules_section(res) -> list[str]:
    """The assessment rules of the config, in words."""
    a = res.cfg.assessment
    prov, muni = res.cfg.tiers[0], res.cfg.tiers[1]
    out: list[str] = []
    out += ["## Rules applied (plan 六(三) 严格考核考评)", "",
            ("Assessment score (0-100) = Σ 100 × weight × value min-max normalised over the "
             f"{prov.label} towns alone (their ranking does not depend on which {muni.label} "
             f"towns are assessed); {muni.label} towns are scored on the same scale (above 100: "
             f"better than every {prov.label} town):"
             if a.ranking_scale == "provincial" else
             "Assessment score (0-100) = Σ 100 × weight × min-max normalised value over the "
             f"assessed {prov.label} and {muni.label} towns:"), ""]
    w = pd.DataFrame([{"indicator": u.label, "column": u.column, "direction": u.direction,
                       "weight": f"{u.weight:.3f}"} for u in res.used if u.column])
    out += [report.md_table(w), ""]
    streak = ("consecutive calendar years (a skipped year restarts the streak)"
              if a.streak == "calendar" else "consecutive assessments (gaps ignored)")
    repl = ("the best municipal town of the eliminated town's prefecture"
            if a.replacement_prefecture == "always" else
            "the best municipal town province-wide, or of the same prefecture when it would "
            "otherwise fall below its minimum")
    out += [f"- Top {a.commend_top} {prov.label} towns commended (通报表扬); bottom "
            f"{a.criticise_bottom} criticised (通报批评).",
            f"- Eliminated (淘汰): criticised in {a.eliminate_after} {streak}.",
            f"- Replacement (递补): {repl} (minimum {prov.per_prefecture_min} {prov.label} per "
            f"市/州); with none left there: "
            + ("the best province-wide, flagged as a QUOTA warning." if a.no_same_prefecture == "warn"
               else "stop with a QuotaError."),
            ("- Excellence (考核优秀): only a municipal town scoring at least the "
             f"{a.excellent_quantile:.0%} quantile of the {prov.label} towns' scores may replace "
             "an eliminated town." if a.excellent_quantile > 0 else
             "- Excellence: no test (any municipal town with complete indicators may replace)."),
            (f"- The static spatial score weighs {a.spatial_weight:g} in the assessment score."
             if a.spatial_weight > 0 else
             "- The static spatial score is not part of the assessment score (it only breaks "
             "ties)."),
            "- Ties: equal scores are ordered by the higher spatial score, then the smaller code.",
            "- An eliminated town leaves the programme; "
            + (f"a promoted town's {muni.label} place is refilled by the best eligible town of "
               "its prefecture outside the two upper tiers ("
               + ("untiered or county-tier" if a.backfill_pool == "untiered_and_county"
                  else "untiered only") + "; year's spatial score)." if a.backfill_municipal
               else f"the {muni.label} tier is not refilled (the plan does not say to)."), ""]
    return out


def _outcome_section(res) -> list[str]:
    out: list[str] = []
    out += ["## Outcome", ""]
    counts = {ev: len(res.events(ev)) for ev in ("commended", "criticised", "eliminated",
                                                  "promoted", "backfilled", "recoded", "renamed")}
    out += ["- " + ", ".join(f"{k}: {v}" for k, v in counts.items()), ""]
    out += [f"- {n}" for n in res.notes if not (res.already and n == res.notes[0])]
    out += [""]
    if res.warnings:
        out += ["## Warnings", ""] + [f"- {w}" for w in res.warnings] + [""]
    return out


def _ranking_section(res) -> list[str]:
    y = res.year
    prov = res.cfg.tiers[0]
    out: list[str] = []
    r = res.ranking
    out += [f"## {prov.label} ranking {y}", ""]
    tab = pd.DataFrame({"rank": r["rank"].astype(int), "code": r.index, "name": r["name"],
                        "prefecture": r["prefecture_name"], "score": r["score"],
                        "spatial": r["spatial_score"],
                        "events": r["events"].map(lambda e: ", ".join(
                            x for x in e if x != "selected"))})
    out += [report.md_table(tab), ""]
    return out


def _changes_section(res) -> list[str]:
    """Towns whose tier or identity changed, with the reason."""
    t = res.towns
    out: list[str] = []
    ch = t[t["events"].map(lambda e: bool(set(e) & {"eliminated", "promoted", "backfilled",
                                                    "recoded", "renamed"}))]
    out += ["## Changes of tier and identity", ""]
    if len(ch):
        out += [report.md_table(pd.DataFrame({
            "code": ch.index, "name": ch["name"], "prefecture": ch["prefecture_name"],
            "before": ch["tier_before"].replace("", "—"), "after": ch["tier"].replace("", "—"),
            "reason": ch["reason"]})), ""]
    else:
        out += ["None.", ""]
    return out


def _candidates_section(res) -> list[str]:
    t = res.towns
    muni = res.cfg.tiers[1]
    out: list[str] = []
    c = res.candidates.head(10)
    out += [f"## Best {muni.label} candidates (top 10 of {len(res.candidates)})", ""]
    out += [report.md_table(pd.DataFrame({"code": c.index, "name": c["name"],
                                           "prefecture": c["prefecture_name"],
                                           "score": c["score"],
                                           "after": t.loc[c.index, "tier"]})), ""]
    return out


def _per_prefecture_section(res) -> list[str]:
    """Provincial towns per prefecture before and after, against the minimum."""
    t = res.towns
    prov = res.cfg.tiers[0]
    out: list[str] = []
    before = t[t["tier_before"] == prov.name].groupby("prefecture_name").size()
    after = t[t["tier"] == prov.name].groupby("prefecture_name").size()
    pc = pd.DataFrame({"before": before, "after": after}).fillna(0).astype(int)
    pc["minimum"] = prov.per_prefecture_min
    pc["ok"] = (pc["after"] >= pc["minimum"]).map({True: "yes", False: "**NO**"})
    out += [f"## {prov.label} towns per 市/州", "", report.md_table(pc.reset_index(
        names="prefecture")), ""]
    return out


def _ledger_section(res) -> list[str]:
    y = res.year
    out: list[str] = []
    tc = res.year_record["tier_counts"]
    out += ["## Ledger", "",
            f"{res.year_record['n_towns']} town lines for {y} (towns sha256 "
            f"{res.year_record['towns_sha256'][:16]}…); tiers after {y}: "
            + ", ".join(f"{k} {v}" for k, v in tc.items()) + ".",
            "The ledger is append-only JSON Lines, written atomically; `ledger.csv` beside this "
            "report is a flat copy.", ""]
    return out


def _dot(row, colour: str, radius: int, ring: str = "#222") -> folium.CircleMarker:
    tip = f"{row['name']} {row.name}"
    pop = (f"<b>{html.escape(str(row['name']))}</b> <small>{row.name}</small><br>"
           f"{html.escape(str(row['prefecture_name']))}<br>"
           f"{html.escape(str(row['tier_before']) or '—')} → {html.escape(str(row['tier']) or '—')}"
           f"<br>score {_fmt(row.get('score'))}<br><i>{html.escape(str(row['reason']))}</i>")
    return folium.CircleMarker(location=[row.geometry.y, row.geometry.x], radius=radius,
                               color=ring, weight=1, fill=True, fill_color=colour,
                               fill_opacity=0.9, tooltip=tip,
                               popup=folium.Popup(pop, max_width=320))


def change_map(res) -> DualMap:
    """Two synchronised maps: the designation before the year (left) and after it with the
    year's changes (right): promoted, eliminated, backfilled, commended, criticised."""
    counties = res.run.counties[[columns.COUNTY_NAME, columns.PREFECTURE_NAME, "geometry"]].copy()
    # An overview map: ~500 m simplification keeps the page light; shared edges stay shared.
    counties["geometry"] = shapely.coverage_simplify(counties.geometry.to_numpy(), 0.005)
    minx, miny, maxx, maxy = counties.total_bounds
    m = DualMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, zoom_start=7,
                control_scale=True)
    geo = res.run.towns.set_index("code")["geometry"]
    t = res.towns.assign(geometry=geo.reindex(res.towns.index).to_numpy())
    t = t[t["geometry"].notna()]
    tiers = res.cfg.tiers[:2]
    for side, col, title in ((m.m1, "tier_before", f"{res.year} 考核前 before"),
                             (m.m2, "tier", f"{res.year} 考核后 after")):
        folium.GeoJson(counties,
                       name="县域 counties",
                       style_function=lambda f: {"fillColor": "#f7f7f7", "color": "#777",
                                                 "weight": 0.7, "fillOpacity": 0.6},
                       tooltip=folium.GeoJsonTooltip(fields=[columns.COUNTY_NAME, columns.PREFECTURE_NAME],
                                                     aliases=["县(市、区)", "市(州)"])
                       ).add_to(side)
        for k, tier in enumerate(tiers):
            sub = t[t[col] == tier.name]
            fg = folium.FeatureGroup(name=f"{tier.label} ({tier.name}) · {len(sub)}")
            for _, row in sub.iterrows():
                _dot(row, maps.tier_symbol(k)[1],
                     6 if tier is tiers[0] else 4).add_to(fg)
            fg.add_to(side)
        folium.map.Marker(
            [maxy, minx], icon=folium.DivIcon(html=(
                f"<div style='font-size:14px;font-weight:bold;white-space:nowrap;"
                f"background:white;padding:2px 6px;border:1px solid #999'>{title}</div>"))
        ).add_to(side)
    for ev, (colour, radius, label) in CHANGE_STYLE.items():
        sub = t[t["events"].map(lambda e, ev=ev: ev in e)]
        fg = folium.FeatureGroup(name=f"{label} · {len(sub)}")
        for _, row in sub.iterrows():
            _dot(row, colour, radius, ring="#d73027" if ev == "eliminated" else "#222").add_to(fg)
        fg.add_to(m.m2)
    folium.LayerControl(collapsed=False).add_to(m.m1)
    folium.LayerControl(collapsed=False).add_to(m.m2)
    m.m1.fit_bounds([[miny, minx], [maxy, maxx]])
    m.m2.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def change_map_html(res) -> str:
    """:func:`change_map` as one offline HTML page (assets inlined, stable element ids)."""
    return maps.save(change_map(res), None)  # type: ignore[arg-type]  # a DualMap saves alike
