"""The development types on the interactive map: a folium layer of towns coloured by type and
its legend (the types themselves: :mod:`spatial_towns.typology.devtypes`)."""

from __future__ import annotations

import html

import folium
import geopandas as gpd

from .. import columns
from ..typology import devtypes

TYPE_COLOURS = {
    "metro_satellite": "#e41a1c",
    "industry_led": "#377eb8",
    "commerce_logistics": "#ff7f00",
    "culture_tourism": "#4daf4a",
    "border_prosperity": "#984ea3",
    "comprehensive_service": "#a6761d",
}


def type_layer(towns: gpd.GeoDataFrame, selected_only: bool = True,
               name: str = "发展类型 (development types)", show: bool = False):
    """A folium FeatureGroup of towns coloured by development type.

    Parameters
    ----------
    towns
        EPSG:4326 towns with ``dev_type``, ``dev_type_reason`` (and ``tier`` when
        ``selected_only``).
    selected_only
        Only towns with a tier (default) or every typed town.
    """
    sub = towns[towns.geometry.notna() & (towns[columns.DEV_TYPE] != "")]
    if selected_only:
        sub = sub[sub[columns.TIER] != ""]
    counts = sub[columns.DEV_TYPE].value_counts()
    fg = folium.FeatureGroup(name=f"{name} · {len(sub)}", show=show)
    # Columns as lists, not a pandas row per town (that cost a third of the layer).
    for name_, typ, why, x, y in zip(sub[columns.NAME].tolist(), sub[columns.DEV_TYPE].tolist(),
                                     sub[columns.DEV_TYPE_REASON].tolist(), sub.geometry.x.tolist(),
                                     sub.geometry.y.tolist(), strict=True):
        tip = f"{name_} · {devtypes.label(typ)}"
        popup = (f"<b>{html.escape(str(name_))}</b> {html.escape(devtypes.label(typ))}<br>"
                 f"<i>{html.escape(str(why))}</i>")
        folium.CircleMarker(
            location=[y, x], radius=6, color="#222", weight=0.6,
            fill=True, fill_color=TYPE_COLOURS[typ], fill_opacity=0.95, tooltip=tip,
            popup=folium.Popup(popup, max_width=320)).add_to(fg)
    fg.type_counts = {k: int(counts.get(k, 0)) for k in devtypes.DEV_TYPES}  # type: ignore[attr-defined]
    return fg


def type_legend_html() -> str:
    """HTML legend of the type colours (for the map that adds :func:`type_layer`)."""
    items = "".join(
        f"<div><span style='display:inline-block;width:12px;height:12px;border-radius:50%;"
        f"background:{c};border:1px solid #222;margin-right:6px'></span>"
        f"{html.escape(devtypes.label(k))} {k}</div>" for k, c in TYPE_COLOURS.items())
    return ("<div id='type-legend' style='position:fixed;bottom:48px;right:12px;z-index:9999;"
            "background:white;padding:8px 10px;border:1px solid #999;border-radius:4px;"
            f"font-size:12px'><b>发展类型 (development types)</b>{items}</div>")
