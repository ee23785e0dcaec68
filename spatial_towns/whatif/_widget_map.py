"""The what-if explorer's map (ipyleaflet): towns by tier over a county choropleth.

Two GeoJSON layers (counties, towns) whose ``data`` is replaced on each update, with each
feature's style in ``properties.style``: one message per layer, not one widget per town.
"""

from __future__ import annotations

import html
import json
from typing import Any

import branca
import ipyleaflet
import ipywidgets as w
import numpy as np
import pandas as pd

from .. import columns
from ..render import maps
from . import explorer as whatif

UP_COLOUR = "#00a651"     # ring: entered a higher tier / newly selected
DOWN_COLOUR = "#9c27b0"   # ring: left for a lower tier / dropped out
_SIMPLIFY_DEG = 0.005     # county outlines for the choropleth only (~0.5 km)


def _fit_zoom(minx: float, miny: float, maxx: float, maxy: float, width_px: int,
              height_px: int) -> float:
    """Web Mercator zoom at which the lon/lat box fills the map, to a quarter level."""
    def merc_y(lat: float) -> float:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    zx = np.log2(width_px * 360.0 / (256.0 * max(maxx - minx, 1e-6)))
    zy = np.log2(height_px * 2 * np.pi / (256.0 * max(merc_y(maxy) - merc_y(miny), 1e-9)))
    return float(np.floor(4 * (min(zx, zy) - 0.15)) / 4)


class TierMap:
    """The map, its legend and hover box for a :class:`~.explorer.WhatIf` (``map``, ``legend``,
    ``counties_layer``, ``towns_layer``, ``hover``); :meth:`render` shows an update."""

    def __init__(self, core: whatif.WhatIf):
        self.core = core
        towns = self.core.result.towns
        located = towns.geometry.notna().to_numpy()
        self._located = np.flatnonzero(located)
        self._lonlat = [(float(p.x), float(p.y)) for p in towns.geometry[located]]
        counties = self.core.result.counties[[columns.COUNTY_CODE, columns.COUNTY_NAME,
                                              columns.PREFECTURE_NAME, "geometry"]].copy()
        counties["geometry"] = counties.geometry.simplify(_SIMPLIFY_DEG, preserve_topology=True)
        self._county_features = json.loads(counties.to_json(drop_id=True))["features"]
        self._county_codes = counties[columns.COUNTY_CODE].tolist()
        minx, miny, maxx, maxy = counties.total_bounds
        self.counties_layer = ipyleaflet.GeoJSON(data={"type": "FeatureCollection",
                                                       "features": []},
                                                 name="县域最高得分 (counties)")
        self.towns_layer = ipyleaflet.GeoJSON(data={"type": "FeatureCollection", "features": []},
                                              point_style={"radius": 3}, name="towns")
        # No tile layer: the county outlines are the basemap, so the map works offline.
        # The zoom is set from the bounds here (fit_bounds needs a rendered view).
        self.map = ipyleaflet.Map(center=((miny + maxy) / 2, (minx + maxx) / 2),
                                  zoom=_fit_zoom(minx, miny, maxx, maxy, 720, 580),
                                  zoom_snap=0.25, layers=(self.counties_layer, self.towns_layer),
                                  scroll_wheel_zoom=True,
                                  layout=w.Layout(width="720px", height="580px"))
        # The legend sits under the map (a control on it would hide part of the province).
        dot = ("<span style='display:inline-block;width:{d}px;height:{d}px;border-radius:50%;"
               "background:{fill};border:{bw}px solid {ring};vertical-align:middle;"
               "margin:0 4px 0 10px'></span>")
        colours = maps.tier_colours(self.core.start.tiers)
        items = [(f"{t.label} {t.name}", colours[t.name], "#222", 1, 10)
                 for t in self.core.start.tiers]
        items += [("未入选 unselected", maps.OTHER_COLOURS["unselected"], "#222", 1, 6),
                  ("不参评 excluded", maps.OTHER_COLOURS["excluded"], "#222", 1, 4),
                  ("entered a higher tier", "#fff", UP_COLOUR, 3, 12),
                  ("moved down / dropped", "#fff", DOWN_COLOUR, 3, 12)]
        self.legend = w.HTML("<small>" + "".join(
            dot.format(d=d, fill=fill, ring=ring, bw=bw) + html.escape(label)
            for label, fill, ring, bw, d in items)
            + "; counties: best town score (light → dark green)</small>")
        self.hover = w.HTML("<small>hover a town</small>")
        self.map.add(ipyleaflet.WidgetControl(widget=self.hover, position="topright"))
        self.towns_layer.on_hover(self.on_hover)
        self.map.add(ipyleaflet.ScaleControl(position="bottomleft", imperial=False))

    def on_hover(self, feature=None, **_) -> None:
        p = (feature or {}).get("properties", {})
        self.hover.value = (f"<b>{html.escape(str(p.get('name', '')))}</b> {p.get('code', '')}"
                            f"<br>{html.escape(str(p.get('county', '')))} · "
                            f"{html.escape(str(p.get('tier_label', '')))}"
                            f"<br>score {p.get('score', '—')} (run {p.get('score_start', '—')})")

    def render(self, up: whatif.Update) -> None:
        """Restyle the towns (tier fill, change ring) and the county choropleth for ``up``."""
        t = up.towns
        labels = {x.name: x.label for x in up.scenario.tiers}
        tier = t[columns.TIER].to_numpy()
        change = t["change"].to_numpy()
        elig = t["eligible"].to_numpy()
        score = t[columns.SCORE].to_numpy()
        start_score = t["score_start"].to_numpy()
        names, codes = t["name"].to_numpy(), t.index.to_numpy()
        county = t[columns.COUNTY_NAME].astype(object).where(t[columns.COUNTY_NAME].notna(), "").to_numpy()
        feats: list[dict[str, Any]] = []
        colours = maps.tier_colours(self.core.start.tiers)
        for (lon, lat), i in zip(self._lonlat, self._located, strict=True):
            if tier[i]:
                fill, r = colours.get(tier[i], "#000"), 5
                lab = labels.get(tier[i], tier[i])
            elif elig[i]:
                fill, r, lab = maps.OTHER_COLOURS["unselected"], 3, "未入选 unselected"
            else:
                fill, r, lab = maps.OTHER_COLOURS["excluded"], 2, "不参评 excluded"
            style = {"radius": r, "color": "#222", "weight": 0.5, "fillColor": fill,
                     "fillOpacity": 0.9, "opacity": 0.8}
            if change[i]:
                style.update(radius=7, weight=2.5, opacity=1.0,
                             color=UP_COLOUR if change[i] == "up" else DOWN_COLOUR)
            feats.append({"type": "Feature",
                          "geometry": {"type": "Point", "coordinates": [lon, lat]},
                          "properties": {"name": names[i], "code": codes[i], "county": county[i],
                                         "tier_label": lab, "change": change[i],
                                         "score": None if np.isnan(score[i]) else round(score[i], 1),
                                         "score_start": None if np.isnan(start_score[i])
                                         else round(start_score[i], 1),
                                         "style": style}})
        # Changed towns last, so their rings are drawn on top.
        feats.sort(key=lambda f: f["properties"]["change"] != "")
        self.towns_layer.data = {"type": "FeatureCollection", "features": feats}
        self._render_counties(up)

    def _render_counties(self, up: whatif.Update) -> None:
        ccode = self.core.result.towns[columns.COUNTY_CODE].to_numpy()
        t = up.towns.assign(county_code=ccode)
        best = t.groupby(columns.COUNTY_CODE)[columns.SCORE].max()
        nsel = t[t[columns.TIER] != ""].groupby(columns.COUNTY_CODE).size()
        vals = best.dropna()
        cmap = branca.colormap.linear.YlGn_09.scale(  # type: ignore[attr-defined]
            float(vals.min()) if len(vals) else 0.0, float(vals.max()) if len(vals) else 1.0)
        feats: list[dict[str, Any]] = []
        for f, code in zip(self._county_features, self._county_codes, strict=True):
            b = best.get(code, np.nan)
            props = dict(f["properties"], best_score=None if pd.isna(b) else round(float(b), 1),
                         n_selected=int(nsel.get(code, 0)),
                         style={"fillColor": "#f0f0f0" if pd.isna(b) else cmap(b),
                                "color": "#555", "weight": 0.8, "fillOpacity": 0.6})
            feats.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
        self.counties_layer.data = {"type": "FeatureCollection", "features": feats}
