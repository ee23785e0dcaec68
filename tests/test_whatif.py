"""What-if core (WhatIf.update) against full pipeline re-runs, the diff, coalescing of stale
slider states in the explorer widget, and saved scenarios. Embedded Jilin data."""

import tomllib

import numpy as np
import pytest

from spatial_towns import config, errors
from spatial_towns.pipeline import stages as pipeline
from spatial_towns.whatif import explorer as whatif
from spatial_towns.whatif import widget as _whatif_widget


@pytest.fixture(scope="module")
def quick_run():
    """The default run without the Monte Carlo draws (they do not affect scores or tiers),
    so that saved-scenario re-runs stay quick."""
    cfg = config.load(overrides={"sensitivity": {"draws": 0}})
    return pipeline.run(cfg, output_dir=None, progress=False)


@pytest.fixture(scope="module")
def wi(quick_run):
    return whatif.WhatIf.from_result(quick_run)


def _rerun(wi, sc):
    raw = wi.to_config(sc, run_name="rerun")
    return pipeline.run(config.from_dict(raw), wi.inputs, output_dir=None, progress=False)


def _same(res, up):
    assert (res.towns["code"].to_numpy() == up.towns.index.to_numpy()).all()
    assert np.array_equal(res.towns["score"].to_numpy(dtype=float),
                          up.towns["score"].to_numpy(dtype=float), equal_nan=True)
    assert (res.towns["tier"].to_numpy() == up.towns["tier"].to_numpy()).all()


def test_start_scenario_reproduces_the_run(default_run):
    wi = whatif.WhatIf.from_result(default_run)
    up = wi.update()
    assert np.array_equal(up.towns["score"].to_numpy(dtype=float),
                          default_run.towns["score"].to_numpy(dtype=float), equal_nan=True)
    assert (up.towns["tier"].to_numpy() == default_run.towns["tier"].to_numpy()).all()
    assert up.changes.empty
    assert len(up.towns) == len(default_run.towns)  # every input town, excluded ones too


def test_update_equals_full_rerun_topsis_and_quotas(wi):
    up = wi.update(weights={"dist_rail_km": 0.05, "in_metro": 0.35},
                   aggregation="topsis",
                   quotas={"provincial": {"count": 34}, "county": {"min_count": 60}})
    assert not up.changes.empty
    assert (up.towns["tier"] == "provincial").sum() == 34
    _same(_rerun(wi, up.scenario), up)


def test_diff_lists_exactly_the_towns_that_moved(wi):
    up = wi.update(weights={"dist_rail_km": 0.45, "border_area": 0.0})
    t = up.towns
    tiers = [x.name for x in up.scenario.tiers]
    for name in tiers:
        now = set(t.index[t["tier"] == name])
        before = set(t.index[t["tier_start"] == name])
        assert set(up.entering(name)) == now - before
        assert set(up.leaving(name)) == before - now
        # Sizes do not depend on weights: as many enter as leave.
        assert len(now - before) == len(before - now)
    rank = {n: k for k, n in enumerate(tiers + [""])}
    moved = t["tier"] != t["tier_start"]
    assert set(up.changes.index) == set(t.index[moved])
    for _code, row in t[moved].iterrows():
        assert row["change"] == ("up" if rank[row["tier"]] < rank[row["tier_start"]] else "down")
    assert (t.loc[~moved, "change"] == "").all()
    assert sum(up.tier_table()["entering"]) == int(moved.sum() - (t.loc[moved, "tier"] == "").sum())


def test_focus_bonus_not_in_config_is_scored(wi):
    # A focus-area bonus the default config does not score (city_periphery: the 城市周边 flag)
    # is offered as a weight; giving it weight adds it as the last criterion.
    focus = [c for c in whatif.FOCUS_CRITERIA if c not in wi.start.weight_dict()]
    assert focus, "every focus criterion is already scored by the default config"
    col = focus[0]
    up = wi.update(weights={col: 0.5})
    total = sum(wi.start.weight_dict().values()) + 0.5
    assert up.weights[col] == pytest.approx(0.5 / total)
    cols = [c["column"] for c in wi.criteria()]
    assert col in cols
    raw = wi.to_config(up.scenario)
    assert raw["criteria"][-1]["column"] == col


def test_bad_scenarios_raise_specific_errors(wi):
    with pytest.raises(errors.ConfigError, match="unknown criterion 'nope'"):
        wi.update(weights={"nope": 1.0})
    with pytest.raises(errors.ConfigError, match="all criterion weights are zero"):
        wi.update(weights={c["column"]: 0.0 for c in wi.criteria()})
    with pytest.raises(errors.ConfigError, match="unknown tier"):
        wi.update(quotas={"national": {"count": 3}})
    with pytest.raises(errors.QuotaError):
        wi.update(quotas={"provincial": {"count": 390}})


def test_explorer_drops_stale_states(quick_run):
    queue = []
    ex = _whatif_widget.explore(quick_run, schedule=queue.append)
    queue.pop()()  # the initial render
    assert ex.computed == 1 and not queue
    seen = []
    orig = ex.core.update
    ex.core.update = lambda **kw: seen.append(kw["scenario"]) or orig(**kw)
    for v in (0.2, 0.3, 0.4):
        ex.sliders["dist_rail_km"].value = v
    ex.sliders["in_metro"].value = 0.25
    assert len(queue) == 1 and ex.computed == 1  # one computation scheduled, none run yet
    queue.pop()()
    assert ex.computed == 2 and ex.dropped == 3
    assert len(seen) == 1  # only the latest state was computed
    w = seen[0].weight_dict()
    assert w["dist_rail_km"] == 0.4 and w["in_metro"] == 0.25
    expect = whatif.WhatIf.from_result(quick_run).update(
        weights={"dist_rail_km": 0.4, "in_metro": 0.25})
    assert (ex.core.current.towns["tier"] == expect.towns["tier"]).all()
    # The map: one GeoJSON feature per located town, changed towns ringed in their colour.
    feats = ex.towns_layer.data["features"]
    assert len(feats) == int(quick_run.towns.geometry.notna().sum())
    ring = {f["properties"]["code"]: f["properties"]["style"]["color"] for f in feats
            if f["properties"]["change"]}
    ch = expect.towns.loc[expect.towns["change"] != "", "change"]
    assert set(ring) == set(ch.index)
    assert all(ring[c] == (_whatif_widget.UP_COLOUR if v == "up" else _whatif_widget.DOWN_COLOUR)
               for c, v in ch.items())
    assert "What changed" in ex.changes_html.value


def test_explorer_shows_quota_errors_and_recovers(quick_run):
    ex = _whatif_widget.explore(quick_run, schedule=lambda fn: fn())
    ex.quota["provincial"]["count"].value = 390
    assert "not updated" in ex.status.value and ex.error
    ex.reset()
    assert not ex.error and ex.core.current.changes.empty


def test_saved_scenario_reruns_identically(quick_run, tmp_path):
    ex = _whatif_widget.explore(quick_run, output_dir=tmp_path, schedule=lambda fn: fn())
    ex.sliders["time_county_seat_min"].value = 0.3
    ex.sliders["border_area"].value = 0.0
    ex.aggregation.value = "owa"
    ex.owa_tilt.value = -0.5
    ex.quota["municipal"]["min_count"].value = 45
    ex.scenario_name.value = "meeting-a"
    ex.save()
    path, res = ex.last_saved
    assert path == tmp_path / "meeting-a.toml"
    assert "identical" in ex.save_status.value
    _same(res, ex.core.current)
    for f in ("candidates.csv", "towns.gpkg", "map.html", "report.md", "config_used.json"):
        assert (tmp_path / "meeting-a" / f).is_file()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["aggregation"]["method"] == "owa" and raw["weighting"]["method"] == "expert"
    assert "spatial-towns run --config" in path.read_text(encoding="utf-8")
    # What `spatial-towns run --config meeting-a.toml` loads is the explorer's scenario.
    again = pipeline.run(config.load(path), output_dir=None, progress=False)
    _same(again, ex.core.current)
