"""``compare.html``: one offline page comparing alternatives (方案比选).

- an agreement map: every town selected in at least one alternative, coloured by the tier
  most alternatives put it in, paler the fewer agree (a town in 省级 in 2 of 3 alternatives is
  two-thirds as strong as one in 省级 in all), towns whose tier differs ringed in black;
- the alternatives side by side, one map each, panning and zooming together (Leaflet.Sync,
  as :class:`folium.plugins.DualMap` uses, for any number of maps);
- the comparison's tables: per tier, entering and leaving, per 市(州), rank agreement,
  the changed towns with why, and what differs in configuration and input data.

Every script and stylesheet is inlined (:func:`spatial_towns.render.maps.save`): the file
works with no network.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Figure, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from .. import columns
from . import maps

if TYPE_CHECKING:
    from ..scenarios import Comparison

#: Map heights in px: the agreement map, and each of the side-by-side maps.
AGREEMENT_PX, SIDE_PX = 560, 460
UNSELECTED = "#9e9e9e"
CHANGED_RING = "#000000"

PAGE_CSS = """
html, body { width: auto; height: auto; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 0; padding: 0 24px 40px 24px; color: #222; }
h1 { font-size: 22px; margin: 16px 0 4px 0; } h2 { font-size: 18px; margin: 22px 0 6px 0; }
h3 { font-size: 15px; margin: 14px 0 4px 0; }
.note { color: #555; font-size: 13px; margin: 2px 0 8px 0; }
.warning { background: #fff4e5; border-left: 4px solid #f28e2b; padding: 6px 10px;
           font-size: 13px; margin: 6px 0; }
.sync-row { display: flex; gap: 8px; width: 100%; }
.sync-cell { flex: 1 1 0; min-width: 0; }
.sync-cell .caption { font-weight: bold; margin: 4px 0; }
.agree-legend { font-size: 13px; margin: 6px 0; }
.agree-legend span.sw { display: inline-block; width: 12px; height: 12px; border-radius: 6px;
                        border: 1px solid #333; margin: 0 3px -1px 10px; }
table.cmp { border-collapse: collapse; font-size: 13px; margin: 4px 0 12px 0; }
table.cmp th, table.cmp td { border: 1px solid #bbb; padding: 2px 6px; text-align: left;
                             vertical-align: top; }
table.cmp th { background: #f0f0f0; }
table.cmp td.num { text-align: right; }
"""


class _Html(MacroElement):
    """Raw HTML placed in the page where this element is added (between the maps)."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}")

    def __init__(self, content: str):
        super().__init__()
        self._name = "Html"
        self.content = content


class _Sync(JSCSSMixin, MacroElement):
    """Every map of ``maps`` follows the others' pans and zooms (Leaflet.Sync)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {% for a in this.names %}{% for b in this.names %}{% if a != b %}
        {{ a }}.sync({{ b }});{% endif %}{% endfor %}{% endfor %}
        {% endmacro %}
    """)
    # the script folium.plugins.DualMap loads; inlined from folium-offline
    default_js = [("Leaflet.Sync", "https://cdn.jsdelivr.net/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js")]

    def __init__(self, maps_: list[folium.Map]):
        super().__init__()
        self._name = "Sync"
        self.names = [m.get_name() for m in maps_]


def _mix(colour: str, share: float) -> str:
    """``colour`` (#rrggbb) blended with white: ``share`` 1 = the colour, 0 = white."""
    rgb = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * share):02x}" for c in rgb)


def agreement_class(cmp: Comparison) -> pd.DataFrame:
    """Per town selected somewhere: the tier most alternatives put it in (the higher on a
    tie), in how many (``votes``), its fill colour and whether its tier differs anywhere."""
    n = len(cmp.names)
    colours = maps.tier_colours(cmp.tier_rules)
    rows = {}
    for code, tiers in cmp.tiers.iterrows():
        counts = [(int((tiers == t).sum()), -k, t) for k, t in enumerate(cmp.tier_names)]
        votes, _, tier = max(counts)
        if votes == 0:
            continue
        rows[code] = {columns.TIER: tier, "votes": votes,
                      "colour": _mix(colours[tier], 0.25 + 0.75 * votes / n),
                      "changed": tiers.nunique() > 1}
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=[columns.TIER, "votes", "colour", "changed"])


def _tooltip(cmp: Comparison) -> pd.Series:
    """Per town: name (county), then each alternative's tier label (or 未入选), one line."""
    labels = {"": "未入选", **cmp.tier_labels}
    parts = [cmp.tiers[a].map(labels).fillna("未入选").radd(f"{a}: ") for a in cmp.names]
    per = pd.concat(parts, axis=1).agg(" · ".join, axis=1)
    return (cmp.towns[columns.NAME] + "（" + cmp.towns[columns.COUNTY_NAME] + "）" + " — "
            + per)


def _points(towns: gpd.GeoDataFrame, props: pd.DataFrame) -> dict:
    located = towns.loc[props.index]
    records = props.to_dict("index")  # plain Python values, as JSON needs
    feats = []
    for code, g in zip(located.index, located.geometry, strict=True):
        if g is None or g.is_empty:
            continue
        feats.append({"type": "Feature", "geometry": {"type": "Point",
                                                      "coordinates": [round(g.x, 6), round(g.y, 6)]},
                      "properties": {columns.CODE: code, **records[code]}})
    return {"type": "FeatureCollection", "features": feats}


def _outlines(cmp: Comparison) -> dict:
    first = cmp.alternatives[0]
    simple = maps.simplify_coverage(first.counties, first.crs).to_crs(4326)
    simple.geometry = simple.geometry.set_precision(1e-4)
    return json.loads(simple[[columns.COUNTY_NAME, columns.GEOMETRY]].to_json())


def _base_map(bounds, outlines: dict, *, width: str, height: int) -> folium.Map:
    minx, miny, maxx, maxy = bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=7, tiles=None,
                   width=width, height=f"{height}px", position="relative", zoomSnap=0.25,
                   control_scale=False)
    # Leaflet and jQuery only, as on map.html: no web fonts an offline page cannot load.
    m.default_js = [js for js in m.default_js if js[0] in ("leaflet", "jquery")]
    m.default_css = [css for css in m.default_css if css[0] == "leaflet_css"]
    folium.GeoJson(outlines, name="县域 (counties)", control=False,
                   style_function=lambda f: {"color": "#777", "weight": 0.7, "fillColor": "#f7f7f7",
                                             "fillOpacity": 0.6, "className": "county-outline"},
                   tooltip=folium.GeoJsonTooltip(fields=[columns.COUNTY_NAME], aliases=["县(市、区)"])
                   ).add_to(m)
    m.add_child(maps.metric_scale())
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _town_layer(features: dict, name: str, css: str, radius: float) -> folium.GeoJson:
    return folium.GeoJson(
        features, name=name,
        marker=folium.CircleMarker(radius=radius),
        style_function=lambda f: {
            "fill": True, "fillColor": f["properties"]["colour"], "fillOpacity": 1.0,
            "color": CHANGED_RING if f["properties"]["changed"] else "#333",
            "weight": 2.5 if f["properties"]["changed"] else 0.7,
            "className": f"{css} {css}-{f['properties']['key']}"
            + (" town-changed" if f["properties"]["changed"] else "")},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False))


def agreement_map(cmp: Comparison, outlines: dict) -> folium.Map:
    """The agreement map (see the module docstring)."""
    bounds = cmp.alternatives[0].counties.total_bounds
    m = _base_map(bounds, outlines, width="100%", height=AGREEMENT_PX)
    cls = agreement_class(cmp)
    tips = _tooltip(cmp)
    n = len(cmp.names)
    for k, t in enumerate(cmp.tier_names):
        sub = cls[cls[columns.TIER] == t].sort_values("votes")
        props = pd.DataFrame({"colour": sub["colour"], "changed": sub["changed"],
                              "key": f"{t}-" + sub["votes"].astype(str),
                              "label": tips.reindex(sub.index)})
        _town_layer(_points(cmp.towns, props), f"{cmp.tier_labels[t]} ({t})", "agree",
                    radius=8 - 1.5 * min(k, 2)).add_to(m)
    rest = cmp.towns.index[cmp.eligible.all(axis=1) & ~cmp.tiers.ne("").any(axis=1)]
    props = pd.DataFrame({"colour": UNSELECTED, "changed": False, "key": f"none-{n}",
                          "label": tips.reindex(rest)}, index=rest)
    _town_layer(_points(cmp.towns, props), "各方案均未入选 (in no tier)", "agree", 3).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def side_maps(cmp: Comparison, outlines: dict) -> list[folium.Map]:
    """One map per alternative: its tiers in the maps' colours, towns whose tier differs
    from the first alternative's ringed (those it does not select at all white)."""
    bounds = cmp.alternatives[0].counties.total_bounds
    colours = maps.tier_colours(cmp.tier_rules)
    tips = _tooltip(cmp)
    first = cmp.names[0]
    out: list[folium.Map] = []
    for alt in cmp.names:
        m = _base_map(bounds, outlines, width="100%", height=SIDE_PX)
        for k, t in enumerate(cmp.tier_names):
            codes = cmp.tiers.index[cmp.tiers[alt] == t]
            props = pd.DataFrame({"colour": colours[t],
                                  "changed": cmp.tiers.loc[codes, alt] != cmp.tiers.loc[codes, first],
                                  "key": t, "label": tips.reindex(codes)}, index=codes)
            _town_layer(_points(cmp.towns, props), f"{cmp.tier_labels[t]} ({t})",
                        f"side-{len(out)}", radius=7 - 1.5 * min(k, 2)).add_to(m)
        # towns the reference selects and this alternative does not: white, ringed
        gone = cmp.tiers.index[(cmp.tiers[alt] == "") & (cmp.tiers[first] != "")]
        if len(gone):
            props = pd.DataFrame({"colour": "#ffffff", "changed": True, "key": "none",
                                  "label": tips.reindex(gone)}, index=gone)
            _town_layer(_points(cmp.towns, props), "未入选 (not selected here)",
                        f"side-{len(out)}", radius=4).add_to(m)
        folium.LayerControl(collapsed=True, position="topright").add_to(m)
        out.append(m)
    return out


def _legend(cmp: Comparison) -> str:
    n = len(cmp.names)
    colours = maps.tier_colours(cmp.tier_rules)
    items = []
    for t in cmp.tier_names:
        sw = "".join(f"<span class='sw' style='background:{_mix(colours[t], 0.25 + 0.75 * v / n)}'>"
                     f"</span>{v}/{n}" for v in range(n, 0, -1))
        items.append(f"<div><b>{html.escape(cmp.tier_labels[t])}</b>{sw}</div>")
    items.append(f"<div><span class='sw' style='background:#fff;border:2.5px solid {CHANGED_RING}'>"
                 "</span>等级不一致 (tier differs between alternatives)"
                 f"<span class='sw' style='background:{UNSELECTED}'></span>各方案均未入选 "
                 "(eligible, in no tier)</div>")
    return ("<div class='agree-legend' id='agree-legend'>颜色：多数方案所定等级；色越浅，同意的方案越少 "
            "(colour: the tier most alternatives give; paler = fewer agree)" + "".join(items)
            + "</div>")


def _table(df: pd.DataFrame, *, index: bool = False) -> str:
    return df.to_html(index=index, classes="cmp", border=0, na_rep="", float_format="{:.3f}".format,
                      escape=True)


def _names(codes: pd.Series, cmp: Comparison) -> str:
    return "、".join(cmp.towns.loc[list(codes), columns.NAME])


def tables_html(cmp: Comparison) -> str:
    """The comparison's tables as HTML sections."""
    label = {"": "未入选", **cmp.tier_labels}
    out: list[str] = ["<h2>三、比较表 (tables)</h2>", "<h3>各等级 (per tier)</h3>",
           "<p class='note'>every / some / one_only: towns in the tier in every alternative, in at "
           "least one but not all, in exactly one; entering / leaving: against "
           f"{html.escape(cmp.names[0])}; jaccard_all: towns in the tier everywhere / anywhere.</p>",
           _table(cmp.summary(), index=True)]
    names = [{"等级 (tier)": label[t],
              f"均入选 (in every) · {len(cmp.members(t, 'every'))}": "、".join(cmp.members(t, "every")[columns.NAME]),
              f"部分方案入选 (in some) · {len(cmp.members(t, 'some'))}": "、".join(
                  cmp.members(t, "some")[columns.NAME])} for t in cmp.tier_names]
    out += ["<h3>各等级名单 (towns of each tier in every / some alternatives)</h3>",
            "\n".join(_table(pd.DataFrame([row])) for row in names)]
    rows = []
    for (alt, tier), g in cmp.moves.groupby(["alternative", columns.TIER], sort=False):
        rows.append({"方案 (alternative)": alt, "等级 (tier)": label[tier],
                     "新进 (entering)": _names(g.loc[g["move"] == "entering", columns.CODE], cmp),
                     "退出 (leaving)": _names(g.loc[g["move"] == "leaving", columns.CODE], cmp)})
    out += [f"<h3>新进与退出 (entering and leaving, against {html.escape(cmp.names[0])})</h3>",
            _table(pd.DataFrame(rows)) if rows else "<p class='note'>none: the same towns in every tier.</p>"]
    pc = cmp.prefecture_counts.copy()
    pc.columns = [f"{label[t]} · {a}" for t, a in pc.columns]
    out += ["<h3>各市(州)入选数 (towns per prefecture)</h3>", _table(pc, index=True)]
    out += ["<h3>排名一致性 (rank agreement over the towns scored in both)</h3>",
            _table(cmp.rank_agreement)]
    jac = cmp.jaccard.copy()
    jac.index = [label[t] for t in jac.index]
    out += [f"<h3>Jaccard 重合度 (overlap with {html.escape(cmp.names[0])}; all = every alternative)</h3>",
            _table(jac, index=True)]
    ch = cmp.changes.copy()
    for c in ("tier_first", "tier_here"):
        ch[c] = ch[c].map(label)
    out += [f"<h3>等级变化的镇及原因 (towns whose tier changed, and why) · {len(ch)}</h3>",
            _table(ch[["alternative", columns.NAME, columns.COUNTY_NAME, columns.PREFECTURE_NAME,
                       "tier_first", "tier_here", "score_first", "score_here", "why"]])]
    if len(cmp.config_differences):
        out += ["<h3>方案设置差异 (configuration differences)</h3>",
                _table(cmp.config_differences, index=True)]
    out += ["<h3>输入数据 (input data)</h3>",
            _table(cmp.input_differences) if len(cmp.input_differences)
            else "<p class='note'>same input data: every input column of the town tables has the "
            "same SHA-256 in every alternative.</p>"]
    return "\n".join(out)


def build(cmp: Comparison) -> folium.Map:
    """The page as a folium figure (its first map returned; render with :func:`render`)."""
    outlines = _outlines(cmp)
    fig = Figure(title="方案比选 " + " / ".join(cmp.names))
    title = " · ".join(html.escape(n) for n in cmp.names)
    head = [f"<style>{PAGE_CSS}</style>", f"<h1>方案比选 (comparison): {title}</h1>",
            f"<p class='note'>reference: {html.escape(cmp.names[0])}; "
            f"{len(cmp.towns)} towns, {int(cmp.eligible.all(axis=1).sum())} scored in every "
            "alternative.</p>"]
    head += [f"<div class='warning'>{html.escape(w)}</div>" for w in cmp.warnings]
    head += ["<h2>一、一致性 (agreement)</h2>", _legend(cmp)]
    fig.add_child(_Html("\n".join(head)))
    first = agreement_map(cmp, outlines)
    fig.add_child(first)
    fig.add_child(_Html(
        "<h2>二、各方案对照 (side by side; pan and zoom together)</h2>"
        f"<p class='note'>黑圈：等级与{html.escape(cmp.names[0])}不同；白点：{html.escape(cmp.names[0])}"
        "入选而本方案未入选 (ringed: tier differs from the reference; white: selected there, not "
        "here)</p><div class='sync-row'>"))
    sides = side_maps(cmp, outlines)
    for alt, m in zip(cmp.names, sides, strict=True):
        fig.add_child(_Html(f"<div class='sync-cell'><div class='caption'>{html.escape(alt)}</div>"))
        fig.add_child(m)
        fig.add_child(_Html("</div>"))
    fig.add_child(_Html("</div>" + tables_html(cmp)))
    fig.add_child(_Sync(sides))
    return first


def render(cmp: Comparison) -> str:
    """``compare.html`` as text (offline: every asset inlined)."""
    return maps.save(build(cmp))
