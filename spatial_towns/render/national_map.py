"""The national run's map: provinces coloured by towns selected, each province's summary
(click to zoom, a link to its own map), the provincial-tier towns and a summary table."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import branca
import folium
import geopandas as gpd
import pandas as pd

from .. import columns
from ..data import datasets
from . import maps, south_china_sea

if TYPE_CHECKING:
    from ..national.driver import NationalResult


def national_map(res: NationalResult, shapes: gpd.GeoDataFrame,
                 tiles: str | None = None) -> folium.Map:
    """Folium map: provinces coloured by towns selected, a summary tooltip and popup per
    province (click zooms in; the popup links to the province's own map), the provincial-tier
    towns of every province, and a summary table. Offline like :func:`.maps.make_map`.
    ``shapes``: the provinces' outlines (:func:`spatial_towns.national.driver.province_shapes`)."""
    shapes = shapes.merge(res.provinces, on="province_code")
    tier_cols = [c for c in ("provincial", "municipal", "county") if c in shapes.columns]
    shapes["selected"] = shapes[tier_cols].sum(axis=1).astype(int) if tier_cols else 0
    minx, miny, maxx, maxy = shapes.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=4, tiles=None,
                   prefer_canvas=True)
    m.add_child(maps.metric_scale())
    if tiles:
        folium.TileLayer(tiles, name=tiles, show=False, overlay=False).add_to(m)
    ok = shapes["error"] == ""
    vals = shapes.loc[ok, "selected"]
    cmap = branca.colormap.linear.YlOrRd_09.scale(  # type: ignore[attr-defined]
        float(vals.min()) if len(vals) else 0.0,
        float(vals.max()) if len(vals) else 1.0)
    cmap.caption = "入选示范镇数 (towns selected per province)"

    def popup(r) -> str:
        link = f"provinces/{r['province_code']}/map.html"
        if r["error"]:
            body = f"<i>未完成 (failed): {html.escape(r['error'])}</i>"
        else:
            body = "".join(f"<tr><td>{lab}</td><td style='text-align:right'>{int(r[c])}</td></tr>"
                           for c, lab in (("towns", "乡级单位"), ("eligible", "参评建制镇"),
                                          ("provincial", "省级"), ("municipal", "市级"),
                                          ("county", "县级")) if c in r)
            body = (f"<table style='font-size:12px'>{body}</table>"
                    f"最高分: {html.escape(str(r['best_town']))}<br>"
                    f"核心城市: {html.escape(str(r['metro_core']))}<br>"
                    f"<a href='{link}' target='_blank'>打开本省地图 (drill down)</a>")
        return f"<b>{html.escape(r['province_name'])}</b> {r['province_code']}<br>{body}"

    # A map of the whole country shows all of China's land, also provinces not in the run.
    south_china_sea.add_country(m, datasets.china_land())
    gj = shapes[["province_code", "province_name", "selected", "geometry"]].copy()
    gj["_fill"] = ["#d9d9d9" if not k else cmap(v) for k, v in zip(ok, shapes["selected"], strict=True)]
    gj["_popup"] = [popup(r) for _, r in shapes.iterrows()]
    folium.GeoJson(
        gj, name="省级汇总 (provinces)", zoom_on_click=True,
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#444",
                                  "weight": 0.8, "fillOpacity": 0.7},
        tooltip=folium.GeoJsonTooltip(fields=["province_name", "selected"],
                                      aliases=["省份", "入选镇数"]),
        popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, max_width=320),
    ).add_to(m)
    cmap.add_to(m)
    top = res.towns[(res.towns[columns.TIER] == "provincial") & res.towns.geometry.notna()]
    fg = folium.FeatureGroup(name=f"省级示范镇 (provincial tier) · {len(top)}")
    for _, r in top.iterrows():
        folium.CircleMarker(
            location=[r.geometry.y, r.geometry.x], radius=3, color="#222", weight=0.4,
            fill=True, fill_color=maps.tier_symbol(0)[1], fill_opacity=0.9,
            tooltip=f"{r['name']} · {r['county_name']} · {r['province_name']} · {r['score']:.1f}",
        ).add_to(fg)
    fg.add_to(m)
    # A map of the whole country shows the South China Sea islands and the maritime boundary
    # line (China's rules for published maps): the line on the map, the islands in an inset.
    south_china_sea.add_to_folium(m, *datasets.south_china_sea())
    folium.LayerControl(collapsed=True).add_to(m)
    m.get_root().html.add_child(  # type: ignore[attr-defined]
        folium.Element(_summary_panel(shapes, tier_cols)))
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _summary_panel(shapes: pd.DataFrame, tier_cols: list[str]) -> str:
    labels = {"provincial": "省级", "municipal": "市级", "county": "县级"}
    head = "".join(f"<th>{labels[c]}</th>" for c in tier_cols)
    body = []
    for _, r in shapes.sort_values("province_code").iterrows():
        link = f"provinces/{r['province_code']}/map.html"
        cells = ("".join(f"<td style='text-align:right'>{int(r[c])}</td>" for c in tier_cols)
                 if not r["error"] else f"<td colspan='{len(tier_cols)}'>failed</td>")
        body.append(f"<tr><td><a href='{link}' target='_blank'>"
                    f"{html.escape(r['province_name'])}</a></td>{cells}</tr>")
    total = "".join(f"<td style='text-align:right'><b>{int(shapes[c].sum())}</b></td>"
                    for c in tier_cols)
    return ("<details id='national-summary' open style='position:fixed;top:10px;left:50px;"
            "z-index:9999;background:white;padding:6px 8px;border:1px solid #999;"
            "border-radius:4px;font-size:11px;max-height:90%;overflow:auto'>"
            "<summary><b>各省示范镇 (per province)</b></summary>"
            f"<table><tr><th>省份</th>{head}</tr>{''.join(body)}"
            f"<tr><td><b>合计</b></td>{total}</tr></table></details>")
