"""Interactive HTML map (folium) of a run: county choropleth and towns by tier.

The map works without internet by default: no tile layer, the county boundaries are the
basemap, and every Leaflet/Bootstrap script and stylesheet folium links to is inlined from the
``folium-offline`` package, so one HTML file opens in a meeting room with no network.
"""

from __future__ import annotations

import html
import re

import branca
import folium
import geopandas as gpd
import numpy as np
import pandas as pd

TIER_COLOURS = {"provincial": "#b2182b", "municipal": "#ef8a62", "county": "#2166ac"}
OTHER_COLOURS = {"unselected": "#7f7f7f", "excluded": "#c7c7c7"}

_SCRIPT = re.compile(r'<script src="(https?://[^"]+)"></script>')
_CSS = re.compile(r'<link rel="stylesheet" href="(https?://[^"]+)"/>')


def inline_assets(page: str) -> str:
    """Replace CDN ``<script src>`` and stylesheet links with inline copies.

    Assets come from ``offlinefolium`` (the folium-offline package); a URL it does not carry
    is left as a link, so nothing is silently lost.
    """
    from offlinefolium.elements import _res

    def js(m: re.Match) -> str:
        body = _res.get(m.group(1))
        return m.group(0) if body is None else "<script>" + body.replace("</script>", "<\\/script>") + "</script>"

    def css(m: re.Match) -> str:
        body = _res.get(m.group(1))
        return m.group(0) if body is None else "<style>" + body + "</style>"

    return _CSS.sub(css, _SCRIPT.sub(js, page))


def _txt(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _popup(row: pd.Series, contrib_cols: list[tuple[str, str]], tier_labels: dict) -> str:
    name = html.escape(str(row["name"]))
    tier = tier_labels.get(row["tier"], "未入选") if row["tier"] else (
        "不参评" if row["status"] == "excluded" else "未入选")
    lines = [
        f"<b style='font-size:14px'>{name}</b> <small>{html.escape(str(row['code']))}</small><br>",
        f"{html.escape(_txt(row.get('county_name')))}，"
        f"{html.escape(_txt(row.get('prefecture_name')))}<br>",
        f"等级：<b>{tier}</b><br>",
    ]
    if pd.notna(row.get("score")):
        lines.append(f"得分：<b>{row['score']:.1f}</b> / 100，排名 {int(row['rank'])}<br>")
        lines.append("<table style='font-size:11px'>")
        for col, label in contrib_cols:
            v = row.get(col)
            if pd.isna(v):
                continue
            width = max(1, int(round(v * 3)))
            lines.append(
                f"<tr><td>{html.escape(label)}</td><td style='text-align:right'>{v:.1f}</td>"
                f"<td><div style='background:#4575b4;height:8px;width:{width}px'></div></td></tr>"
            )
        lines.append("</table>")
    if _txt(row.get("reason")):
        lines.append(f"<i>{html.escape(str(row['reason']))}</i>")
    return "".join(lines)


def make_map(towns: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, tiers, used,
             tiles: str | None = None) -> folium.Map:
    """Build the folium map.

    Parameters
    ----------
    towns
        Output towns (EPSG:4326) with ``tier``, ``status``, ``score``, ``rank``, ``reason`` and
        ``contrib_*`` columns.
    counties
        County polygons (EPSG:4326) with ``best_score`` and ``n_selected``.
    tiers
        Tier configs (for labels and order); ``used``: the scored criteria.
    tiles
        A folium tile name (e.g. ``"OpenStreetMap"``) added as a switchable base layer, off
        by default; ``None`` (default) keeps the map fully offline.
    """
    minx, miny, maxx, maxy = counties.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=7, tiles=None,
                   control_scale=True, prefer_canvas=True)
    if tiles:
        folium.TileLayer(tiles, name=tiles, show=False, overlay=False).add_to(m)
    scores = counties["best_score"].dropna()
    cmap = branca.colormap.linear.YlGn_09.scale(
        float(scores.min()) if len(scores) else 0.0, float(scores.max()) if len(scores) else 1.0)
    cmap.caption = "县域最高得分 (best town score in county)"
    cgj = counties[["county_code", "county_name", "prefecture_name", "best_score",
                    "n_selected", "geometry"]].copy()
    cgj["best_score_txt"] = cgj["best_score"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}")
    folium.GeoJson(
        cgj.drop(columns=["best_score"]).assign(_fill=[
            "#f0f0f0" if pd.isna(v) else cmap(v) for v in cgj["best_score"]]),
        name="县域得分 (counties)",
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#555",
                                  "weight": 0.8, "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(
            fields=["county_name", "prefecture_name", "best_score_txt", "n_selected"],
            aliases=["县(市、区)", "市(州)", "最高得分", "入选镇数"]),
    ).add_to(m)
    cmap.add_to(m)

    labels = {t.name: t.label for t in tiers}
    contrib = [(f"contrib_{u.name}", u.label) for u in used if u.column]
    groups = [(t.name, f"{t.label}示范镇 ({t.name})", TIER_COLOURS.get(t.name, "#000"), 7, True)
              for t in tiers]
    groups += [("unselected", "未入选建制镇 (unselected)", OTHER_COLOURS["unselected"], 3, True),
               ("excluded", "不参评 (excluded)", OTHER_COLOURS["excluded"], 2, False)]
    located = towns[towns.geometry.notna()]
    for key, title, colour, radius, show in groups:
        if key in labels:
            sub = located[located["tier"] == key]
        elif key == "unselected":
            sub = located[(located["status"] == "eligible") & (located["tier"] == "")]
        else:
            sub = located[located["status"] == "excluded"]
        fg = folium.FeatureGroup(name=f"{title} · {len(sub)}", show=show)
        for _, row in sub.iterrows():
            folium.CircleMarker(
                location=[row.geometry.y, row.geometry.x], radius=radius, color="#222",
                weight=0.6, fill=True, fill_color=colour, fill_opacity=0.9,
                tooltip=str(row["name"]),
                popup=folium.Popup(_popup(row, contrib, labels), max_width=320),
            ).add_to(fg)
        fg.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().html.add_child(folium.Element(_legend(groups)))
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _legend(groups) -> str:
    items = "".join(
        f"<div><span style='display:inline-block;width:{2 * r + 2}px;height:{2 * r + 2}px;"
        f"border-radius:50%;background:{c};border:1px solid #222;margin-right:6px'></span>"
        f"{html.escape(t)}</div>" for _, t, c, r, _ in groups)
    return ("<div id='tier-legend' style='position:fixed;bottom:24px;left:12px;z-index:9999;"
            "background:white;padding:8px 10px;border:1px solid #999;border-radius:4px;"
            f"font-size:12px'><b>示范镇等级 (tiers)</b>{items}</div>")


def save(m: folium.Map, path, offline: bool = True) -> str:
    """Render ``m`` to HTML text (assets inlined when ``offline``) and return it."""
    page = m.get_root().render()
    if "<meta charset" not in page.lower():
        page = page.replace("<head>", '<head><meta charset="utf-8">', 1)
    page = _stable_ids(page)
    return inline_assets(page) if offline else page


_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def _stable_ids(page: str) -> str:
    """folium names elements with random hex ids; renumber them in order of appearance so
    that the same run writes a byte-identical map."""
    ids: dict[str, str] = {}

    def sub(m: re.Match) -> str:
        return ids.setdefault(m.group(0), f"{len(ids):032x}")

    return _ID.sub(sub, page)


def county_summary(towns: pd.DataFrame, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``best_score`` and ``n_selected`` per county to ``counties``."""
    g = towns.groupby("county_code")
    best = g["score"].max()
    nsel = g["tier"].apply(lambda s: int((s != "").sum()))
    out = counties.copy()
    out["best_score"] = out["county_code"].map(best).astype(float)
    out["n_selected"] = out["county_code"].map(nsel).fillna(0).astype(int)
    return out
