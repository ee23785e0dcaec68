"""The Jupyter what-if explorer widget (ipywidgets + ipyleaflet) around :class:`.whatif.WhatIf`.

Kept apart from :mod:`.explorer` so the core imports no widget library; :func:`explore` (the
door's ``spatial_towns.explore``) lives here, with the widget it makes: the core never imports
this module. The map
is two GeoJSON layers (counties, towns) whose ``data`` is replaced on each update, with each
feature's style in ``properties.style``: one message per layer, not one widget per town.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import branca
import ipyleaflet
import ipywidgets as w
import numpy as np
import pandas as pd

from .. import columns, errors
from ..mcda import aggregation
from ..render import maps
from . import explorer as whatif

if TYPE_CHECKING:
    from ..pipeline.records import RunResult

UP_COLOUR = "#00a651"     # ring: entered a higher tier / newly selected
DOWN_COLOUR = "#9c27b0"   # ring: left for a lower tier / dropped out
_SIMPLIFY_DEG = 0.005     # county outlines for the choropleth only (~0.5 km)


def _default_schedule(fn: Callable[[], None]) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        fn()
        return
    loop.call_soon(fn)


def _fit_zoom(minx: float, miny: float, maxx: float, maxy: float, width_px: int,
              height_px: int) -> float:
    """Web Mercator zoom at which the lon/lat box fills the map, to a quarter level."""
    def merc_y(lat: float) -> float:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    zx = np.log2(width_px * 360.0 / (256.0 * max(maxx - minx, 1e-6)))
    zy = np.log2(height_px * 2 * np.pi / (256.0 * max(merc_y(maxy) - merc_y(miny), 1e-9)))
    return float(np.floor(4 * (min(zx, zy) - 0.15)) / 4)


class Explorer(w.VBox):
    """What-if explorer: weight sliders, aggregation, tier quotas, map, tier table, changes.

    Every control change calls :meth:`request`, which records the latest control state and
    schedules one computation with ``schedule``; states replaced before it runs are dropped
    (counted in :attr:`dropped`). :meth:`flush` runs a pending computation at once, for
    driving the widget from code (tests, headless notebooks).
    """

    def __init__(self, core: whatif.WhatIf, output_dir: str | Path = "outputs",
                 schedule: Callable[[Callable[[], None]], None] | None = None):
        self.core = core
        self.output_dir = Path(output_dir)
        self._schedule = schedule or _default_schedule
        self._pending: whatif.Scenario | None = None
        self._scheduled = False
        self._hold = False
        self.computed = 0
        self.dropped = 0
        self.error: str = ""
        self.last_saved: tuple[Path, object] | None = None
        self._build_controls()
        self._build_map()
        self.tier_html = w.HTML()
        self.changes_html = w.HTML(layout=w.Layout(max_height="420px", overflow="auto"))
        controls = w.VBox(self._control_rows, layout=w.Layout(width="430px"))
        right = w.VBox([self.map, self.legend, self.status])
        title = w.HTML(
            f"<h3 style='margin:4px 0'>What-if: run '{html.escape(core.cfg.run_name)}'</h3>"
            "<small>Move a weight, change the aggregation or a tier quota: scores, tiers and "
            "the map update at once (criteria are not recomputed). Rings mark towns that "
            f"changed tier versus the run: <b style='color:{UP_COLOUR}'>green = entered a "
            f"higher tier or newly selected</b>, <b style='color:{DOWN_COLOUR}'>purple = "
            "moved to a lower tier or dropped</b>.</small>")
        super().__init__([title, w.HBox([controls, right]),
                          w.HBox([self.tier_html, self.changes_html],
                                 layout=w.Layout(grid_gap="24px"))])
        self.request()
        self.flush()

    # -- controls --------------------------------------------------------------------------------

    def _build_controls(self) -> None:
        start = self.core.start
        self.sliders: dict[str, w.FloatSlider] = {}
        self.shares: dict[str, w.HTML] = {}
        rows: list[w.Widget] = [w.HTML(
            "<b>Criterion weights</b> <small>(relative; normalised to sum 1, share shown "
            "right)</small>")]
        focus_rows: list[w.Widget] = [w.HTML(
            "<b>Focus-area bonuses</b> <small>— the plan's 重点区域 (长春都市圈, 边境地区, "
            "重点帮扶县): a town in the area gets this weight as a 0/1 bonus</small>")]
        for c in self.core.criteria():
            s = w.FloatSlider(value=c["weight"], min=0.0, max=max(0.5, c["weight"]), step=0.01,
                              description=c["label"], readout_format=".2f",
                              continuous_update=True, style={"description_width": "150px"},
                              layout=w.Layout(width="360px"))
            if c["column"] == "key_assisted" and not self.core.cfg.focus.key_assisted_counties:
                s.tooltip = ("focus.key_assisted_counties is empty in the config: "
                                         "no town gets this bonus")
            s.observe(self._on_change, "value")
            self.sliders[c["column"]] = s
            self.shares[c["column"]] = w.HTML(layout=w.Layout(width="50px"))
            (focus_rows if c["focus"] else rows).append(w.HBox([s, self.shares[c["column"]]]))
        self.aggregation = w.Dropdown(
            options=[("weighted linear combination (WLC)", "wlc"), ("TOPSIS", "topsis"),
                     ("ordered weighted averaging (OWA)", "owa")],
            value=start.aggregation, description="aggregation",
            layout=w.Layout(width="360px"))
        self.aggregation.observe(self._on_change, "value")
        self.owa_tilt = w.FloatSlider(
            value=0.0, min=-1.0, max=1.0, step=0.1, description="OWA AND ← → OR",
            style={"description_width": "150px"}, layout=w.Layout(width="360px"),
            tooltip=("order weights rising towards each town's worst criterion "
                                 "(-1, 'AND') or best (+1, 'OR'); 0 = WLC"))
        self.owa_tilt.observe(self._on_change, "value")
        self._owa_from_config = bool(start.order_weights)
        self._sync_owa_visibility()
        self.quota: dict[str, dict[str, w.IntText]] = {}
        qrows: list[w.Widget] = [w.HTML(
            "<b>Tier quotas</b> <small>(size: exact count, or minimum when the config gives "
            "min_count; minimums per 市/州 and per 县/市/区)</small>")]
        for t in start.tiers:
            size_field = "count" if t.count is not None else "min_count"
            boxes = {
                size_field: w.IntText(value=t.count if t.count is not None else t.min_count,
                                      description="size" if size_field == "count" else "min size",
                                      layout=w.Layout(width="140px"),
                                      style={"description_width": "60px"}),
                "per_prefecture_min": w.IntText(value=t.per_prefecture_min, description="/市州",
                                                layout=w.Layout(width="110px"),
                                                style={"description_width": "40px"}),
                "per_county_min": w.IntText(value=t.per_county_min, description="/县",
                                            layout=w.Layout(width="100px"),
                                            style={"description_width": "30px"}),
            }
            for b in boxes.values():
                b.observe(self._on_change, "value")
            self.quota[t.name] = boxes
            qrows.append(w.HBox([w.Label(t.label, layout=w.Layout(width="40px"))]
                                + list(boxes.values())))
        self.reset_button = w.Button(description="Reset to run", icon="undo")
        self.reset_button.on_click(lambda _: self.reset())
        self.scenario_name = w.Text(value=f"{self.core.cfg.run_name}-whatif",
                                    description="name", layout=w.Layout(width="260px"),
                                    style={"description_width": "40px"})
        self.save_button = w.Button(description="Save scenario", icon="save",
                                    button_style="primary")
        self.save_button.on_click(lambda _: self.save())
        self.save_status = w.HTML()
        self.status = w.HTML()
        self._control_rows = (rows + focus_rows + [self.aggregation, self.owa_tilt] + qrows
                              + [self.reset_button, w.HBox([self.scenario_name, self.save_button]),
                                 self.save_status])

    def _sync_owa_visibility(self) -> None:
        show = self.aggregation.value == "owa"
        self.owa_tilt.layout.display = None if show else "none"

    def _read(self) -> whatif.Scenario:
        """The scenario the controls show (raises ConfigError for an invalid one)."""
        weights = {col: s.value for col, s in self.sliders.items()}
        quotas = {name: {f: b.value for f, b in boxes.items()}
                  for name, boxes in self.quota.items()}
        method = self.aggregation.value
        order = None
        if method == "owa":
            sc = self.core.scenario(weights=weights, aggregation="wlc", quotas=quotas)
            n = self.core.n_scored(sc)
            start = self.core.start.order_weights
            if (self._owa_from_config and self.owa_tilt.value == 0.0 and len(start) == n):
                order = start
            else:
                order = aggregation.order_weights(n, self.owa_tilt.value)
        return self.core.scenario(weights=weights, aggregation=method, order_weights=order,
                                  quotas=quotas)

    def _on_change(self, change=None) -> None:
        if change is not None and change.get("owner") is self.owa_tilt:
            self._owa_from_config = False
        self._sync_owa_visibility()
        if not self._hold:
            self.request()

    # -- scheduling ------------------------------------------------------------------------------

    def request(self) -> None:
        """Record the controls' state and schedule one computation (coalescing)."""
        try:
            sc = self._read()
        except errors.SpatialTownsError as exc:
            self._show_error(exc)
            return
        if self._pending is not None:
            self.dropped += 1
        self._pending = sc
        if not self._scheduled:
            self._scheduled = True
            self._schedule(self._drain)

    def flush(self) -> None:
        """Compute the pending state now, if any (synchronous driving)."""
        if self._pending is not None:
            self._drain()

    def _drain(self) -> None:
        self._scheduled = False
        sc, self._pending = self._pending, None
        if sc is None:
            return
        try:
            up = self.core.update(scenario=sc)
        except errors.SpatialTownsError as exc:
            self._show_error(exc)
            return
        self.computed += 1
        self.error = ""
        t0 = time.perf_counter()
        self._render(up)
        render_ms = 1000 * (time.perf_counter() - t0)
        n = int((up.towns["change"] != "").sum())
        self.status.value = (f"<small>update {1000 * up.seconds:.0f} ms (score + tier LP), "
                             f"map {render_ms:.0f} ms · {n} towns changed tier</small>")

    def _show_error(self, exc: Exception) -> None:
        self.error = str(exc)
        self.status.value = (f"<span style='color:#b2182b'><b>not updated:</b> "
                             f"{html.escape(str(exc))}</span>")

    @contextlib.contextmanager
    def batch(self):
        """Change several controls as one step: one update request when the block ends."""
        self._hold = True
        try:
            yield self
        finally:
            self._hold = False
        self.request()

    def reset(self) -> None:
        """Set every control back to the run's values (one update)."""
        start = self.core.start
        with self.batch():
            for col, s in self.sliders.items():
                s.value = start.weight_dict().get(col, 0.0)
            self.aggregation.value = start.aggregation
            self.owa_tilt.value = 0.0
            self._owa_from_config = bool(start.order_weights)
            for t in start.tiers:
                for f, b in self.quota[t.name].items():
                    b.value = getattr(t, f) or 0

    def save(self) -> None:
        """Save the current scenario (config TOML + run folder) and check the re-run."""
        self.flush()
        if self.core.current is None or self.error:
            self.save_status.value = "<span style='color:#b2182b'>nothing valid to save</span>"
            return
        try:
            path, res = self.core.save_scenario(self.scenario_name.value.strip(),
                                                self.output_dir, self.core.current.scenario)
        except errors.SpatialTownsError as exc:
            self.save_status.value = f"<span style='color:#b2182b'>{html.escape(str(exc))}</span>"
            return
        self.last_saved = (path, res)
        cur = self.core.current.towns
        same = (res.towns[columns.TIER].to_numpy() == cur[columns.TIER].to_numpy()).all() and np.array_equal(
            res.towns[columns.SCORE].to_numpy(dtype=float), cur[columns.SCORE].to_numpy(dtype=float),
            equal_nan=True)
        self.save_status.value = (
            f"<small>wrote <code>{html.escape(str(path))}</code> and "
            f"<code>{html.escape(str(res.output_dir))}/</code>; re-run from the file gives "
            f"{'identical' if same else '<b>DIFFERENT</b>'} scores and tiers</small>")

    # -- map and tables --------------------------------------------------------------------------

    def _build_map(self) -> None:
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
        self.towns_layer.on_hover(self._on_hover)
        self.map.add(ipyleaflet.ScaleControl(position="bottomleft", imperial=False))

    def _on_hover(self, feature=None, **_) -> None:
        p = (feature or {}).get("properties", {})
        self.hover.value = (f"<b>{html.escape(str(p.get('name', '')))}</b> {p.get('code', '')}"
                            f"<br>{html.escape(str(p.get('county', '')))} · "
                            f"{html.escape(str(p.get('tier_label', '')))}"
                            f"<br>score {p.get('score', '—')} (run {p.get('score_start', '—')})")

    def _render(self, up: whatif.Update) -> None:
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
        self._render_tables(up)
        shares = up.weights
        for col, h in self.shares.items():
            h.value = f"<small>{100 * shares.get(col, 0.0):.0f} %</small>"

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

    def _render_tables(self, up: whatif.Update) -> None:
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
        self.tier_html.value = ("<b>Tiers</b> (entering / leaving vs the run)<table>"
                                + "".join(rows) + "</table><b>Per 市/州</b><table>"
                                + "".join(prow) + "</table>")
        self.changes_html.value = "".join(parts)


def explore(result: RunResult, output_dir: str | Path = "outputs",
            schedule: Callable[[Callable[[], None]], None] | None = None):
    """Interactive what-if explorer of a run for Jupyter (ipywidgets + ipyleaflet).

    A slider per criterion weight (the plan's focus-area bonuses separately), the
    aggregation method, tier quotas; a map of towns by tier with entering and leaving towns
    ringed, over the county choropleth; the tier table and the list of changes; and "Save
    scenario". Returns the widget (display it, or let the cell show it).

    Parameters
    ----------
    result
        A run of :func:`spatial_towns.pipeline.run`.
    output_dir
        Where "Save scenario" writes ``<name>.toml`` and the run folder.
    schedule
        How a pending update is run: called with a no-argument function. Default: on the
        running event loop (``call_soon``) if there is one, else at once. Slider moves
        arriving before it runs replace the pending state, so only the latest is computed.
    """
    return Explorer(whatif.WhatIf.from_result(result), output_dir=output_dir, schedule=schedule)
