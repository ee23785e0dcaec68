"""The Jupyter what-if explorer widget (ipywidgets + ipyleaflet) around :class:`.whatif.WhatIf`.

Kept apart from :mod:`.explorer` so the core imports no widget library; :func:`explore` (the
door's ``spatial_towns.explore``) lives here, with the widget it makes: the core never imports
this module. The widget owns the controls and the scheduling of updates; the map is
:class:`._widget_map.TierMap`, the tables :func:`._widget_tables.tier_tables`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as w
import numpy as np

from .. import columns, errors
from ..mcda import aggregation
from . import _widget_map, _widget_tables
from . import explorer as whatif
from ._widget_map import DOWN_COLOUR, UP_COLOUR

if TYPE_CHECKING:
    from ..pipeline.records import RunResult


def _default_schedule(fn: Callable[[], None]) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        fn()
        return
    loop.call_soon(fn)


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
        self.view = _widget_map.TierMap(core)
        # the map's widgets, as attributes of the explorer
        self.map, self.legend, self.hover = self.view.map, self.view.legend, self.view.hover
        self.towns_layer, self.counties_layer = self.view.towns_layer, self.view.counties_layer
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

    def _render(self, up: whatif.Update) -> None:
        self.view.render(up)
        self.tier_html.value, self.changes_html.value = _widget_tables.tier_tables(up)
        shares = up.weights
        for col, h in self.shares.items():
            h.value = f"<small>{100 * shares.get(col, 0.0):.0f} %</small>"


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
