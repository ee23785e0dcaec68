"""The end-to-end run in five steps: ingest → criteria → score → select → report.

:func:`run` reads as those steps; the other modules of the family hold what they use: the
run's records (:mod:`.records`), the ingest (:mod:`.ingest`), the eligibility rules
(:mod:`.eligibility`) and the run folder (:mod:`.runfolder`). :func:`assemble` (score and
select) serves the national run too, once per province.

>>> from spatial_towns import config, pipeline
>>> result = pipeline.run(config.load())          # embedded Jilin data   # doctest: +SKIP
>>> result.towns.query("tier == 'provincial'")                           # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from tqdm.auto import tqdm

from .. import columns, errors
from .. import config as config_mod
from ..criteria import indicators as criteria
from ..data import coords as _coords
from ..data import facts as facts_mod
from ..mcda import scoring, selection, sensitivity
from ..network import routing, shapes, store
from ..panel import configured as panel_configured
from ..typology import devtypes as types_mod
from ..util import forked as _forked
from . import eligibility, ingest, runfolder, summary
from .records import Inputs, RunResult, RunState, Scored
from .runrecord import RunRecord, own_warnings, refuse_warnings


def run(cfg: config_mod.Config | None = None, inputs: Inputs | None = None, *,
        output_dir: str | Path | None = "outputs", progress: bool = True,
        tiles: str | None = None, strict: bool = False) -> RunResult:
    """Run the whole pipeline and (unless ``output_dir`` is None) write its outputs.

    Parameters
    ----------
    cfg
        Configuration (default: :func:`spatial_towns.config.load`).
    inputs
        Input layers (default: the embedded Jilin data).
    output_dir
        Parent folder; files go to ``output_dir/<run_name>/``.
    progress
        Show a progress bar (works in terminals and Jupyter).
    tiles
        Optional tile layer for the HTML map (off by default; needs internet).
    strict
        Every warning is an error (:class:`~spatial_towns.errors.StrictError`, exit code 6):
        the run stops before the run folder is replaced.

    The folder ``output_dir/<run_name>/`` is replaced in one step by the complete new one,
    with its run.json (:func:`.runfolder.write_run_folder`); a run that fails leaves it as it
    was and records the failure beside it, ``output_dir/<run_name>.failed.json``.
    """
    cfg, inputs = cfg or config_mod.load(), inputs or Inputs()
    out_dir = None if output_dir is None else Path(output_dir) / cfg.run_name
    # The inputs are hashed for run.json only: a run that writes nothing (what-if, calibrate)
    # does not read a large road file twice.
    record = (RunRecord(cfg.run_name) if out_dir is None
              else RunRecord.from_files(cfg.run_name, ingest.input_files(inputs, cfg)))
    try:
        # What exists before the run (modules, the caller's data) holds no garbage of the
        # run: left out of the collector's full passes meanwhile (see _forked.frozen).
        with _forked.frozen(), own_warnings([]) as warned:
            return _run(cfg, inputs, out_dir, progress, tiles, strict, record, warned)
    except Exception as exc:
        if out_dir is not None and not isinstance(exc, errors.OutputError):
            record.write_failed(out_dir, exc)
        raise


def _run(cfg: config_mod.Config, inputs: Inputs, out_dir: Path | None, progress: bool,
         tiles: str | None, strict: bool, record: RunRecord, warned: list[str]) -> RunResult:
    """:func:`run` with its defaults resolved: the five steps, each ticking the progress bar
    and timed in ``record``; ``warned``: spatial_towns's own Python warnings so far."""
    bar = tqdm(total=len(STEPS), desc="spatial_towns", disable=not progress, leave=False)

    def step(name: str) -> None:
        record.stage(name)
        bar.set_postfix_str(name)
        bar.update(1)

    def check_warnings() -> None:
        record.warnings = facts_mod.warning_messages(facts_used) + warned
        if strict:
            refuse_warnings(record.warnings)

    if out_dir is not None:
        runfolder.check_writable(out_dir)
    got = ingest.prepare(inputs, cfg)
    step("ingest")
    towns, table, methods, facts_used = _criteria(got, inputs, cfg)
    check_warnings()
    step("criteria")
    res = assemble(towns, table, methods, got.layers.counties, cfg, got.crs, got.layers.provenance,
                   step, thematic=got.thematic, roads=got.layers.roads, inputs=inputs,
                   progress=progress)  # the steps "score" and "select"
    _report(res, facts_used, got.layers.roads, out_dir, tiles, record, check_warnings)
    step("report")
    bar.close()
    return res


#: The run's steps, in order (the progress bar's labels).
STEPS = ("ingest", "criteria", "score", "select", "report")


def _criteria(got: ingest.Ingested, inputs: Inputs, cfg: config_mod.Config
              ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict, facts_mod.FactsUsed]:
    """The criteria step: every criterion of every town, with the facts tables' criteria
    (read in a forked child meanwhile, see _forked) and their nominations; the towns, the
    criteria table, how each criterion was computed and the facts used."""
    towns, layers = got.towns, got.layers
    facts_read = _forked.Forked(ingest.read_facts, inputs, towns, cfg, layers.counties)
    table, methods = criteria.compute(towns, layers, cfg, got.crs)
    table, facts_used = ingest.add_facts(table, towns, facts_read.result(), cfg, layers.provenance)
    methods.update(facts_used.methods)
    towns = facts_mod.with_nominations(towns, facts_used, cfg,
                                       eligibility.base_eligible(towns, cfg))
    if layers.population is not None:
        layers.population.close()  # type: ignore[attr-defined]  # a rasterio dataset
    return towns, table, methods, facts_used


def _report(res: RunResult, facts_used: facts_mod.FactsUsed, roads, out_dir: Path | None,
            tiles: str | None, record: RunRecord, check: Callable[[], None]) -> None:
    """The report step: the facts' annotations and the map's road layers on ``res``, and the
    run folder written (unless ``out_dir`` is None) once ``check`` passes."""
    res.towns, res.facts = facts_mod.annotate(res.towns, facts_used), facts_used
    if roads is not None:
        res.map_layers = _road_layers(res, roads)
    if out_dir is not None:
        runfolder.write_run_folder(res, out_dir, record, tiles=tiles, check=check)


def _road_layers(res: RunResult, roads) -> dict:
    """Main roads and the top tier's isochrones (the threshold nearest 30 min) for the map
    (no isochrones on a skeleton: its hull of a few corridor nodes is no catchment)."""
    g = store.as_prepared(roads, res.crs)
    if g.skeleton:
        return {"roads": shapes.major_roads(g)}
    minutes = min(res.cfg.access.isochrone_min, key=lambda m: (abs(m - 30.0), m))
    top = res.towns[(res.towns[columns.TIER] == res.cfg.tiers[0].name) & res.towns.geometry.notna()]
    metric = top.geometry.to_crs(res.crs)
    nodes, _ = routing.snap(g, np.column_stack([metric.x, metric.y]))
    polys = shapes.isochrone_polygons(g, nodes, minutes)
    iso = gpd.GeoDataFrame(
        {columns.NAME: [f"{n} · {minutes:g} 分钟车程 (min by road)" for n in top[columns.NAME]]},
        geometry=polys, crs=res.crs)
    return {"roads": shapes.major_roads(g), "isochrones": iso[iso.geometry.notna()]}


def score_towns(towns: gpd.GeoDataFrame, table: pd.DataFrame, cfg: config_mod.Config,
                crs: pyproj.CRS, *, thematic: dict | None = None, roads=None) -> Scored:
    """The steps of :func:`assemble` before the selection: :func:`.eligibility.town_status` (kind and
    location), :func:`.eligibility.exclude_unscorable` (missing values, hard constraints), :func:`_score`,
    the clustering (started) and :func:`_development_types`. They read every part of ``cfg``
    but its tiers, so one result serves several tier sets (the national run's relaxed
    quotas)."""
    status, reason = eligibility.town_status(towns, cfg)
    base_eligible = status == "eligible"
    used = eligibility.exclude_unscorable(table, status, reason, cfg)
    eligible = status == "eligible"
    used, weighting, scored = _score(table, eligible, used, cfg)
    # The clustering needs only the scored criteria and the status, not the types, the
    # selection or the robustness analysis: it runs in a forked child meanwhile (see
    # _forked; the same labels as in-process).
    clusters = None
    if eligible.sum() > cfg.types.cluster_k_min:
        clusters = _forked.Forked(
            types_mod.cluster, pd.concat([towns, table, scored], axis=1).assign(status=status),
            cfg)
    # Development types come before the selection so that type quotas can constrain it.
    typed = _development_types(towns, table, status, cfg, crs, thematic or {}, roads)
    return Scored(cfg=cfg, status=status, reason=reason, base_eligible=base_eligible,
                  used=used, weighting=weighting, scores=scored, typed=typed, clusters=clusters)


def assemble(towns: gpd.GeoDataFrame, table: pd.DataFrame, methods: dict,
             counties: gpd.GeoDataFrame, cfg: config_mod.Config, crs: pyproj.CRS,
             provenance: dict, step=None, *, thematic: dict | None = None, roads=None,
             inputs: Inputs | None = None, progress: bool = False,
             scored: Scored | None = None) -> RunResult:
    """Eligibility, scoring, development types, joint tier selection and robustness of towns
    whose criteria are computed.

    ``towns`` (sorted by code, index 0..n-1, counties assigned) and ``table`` (its criteria,
    same index) are what :func:`run` computes after ingest; :mod:`.national` computes them per
    partition and calls this once per province. ``thematic`` holds the industry / tourism
    layers and ``roads`` the road graph (path or graph) for the development types.

    The steps, in order: :func:`score_towns` (eligibility, exclusions, scores, types; or
    ``scored``, its result for a configuration that differs from ``cfg`` in the tiers at
    most), :func:`_select` (the joint tier ILP), :func:`_robustness` and :func:`_town_table`.
    """
    step = step or (lambda name: None)
    if scored is None:
        scored = score_towns(towns, table, cfg, crs, thematic=thematic, roads=roads)
    elif dataclasses.replace(cfg, tiers=scored.cfg.tiers) != scored.cfg:
        raise ValueError("assemble: scored= was computed with another configuration than cfg "
                         "(only the tiers may differ)")
    status, reason, typed = scored.status, scored.reason, scored.typed
    eligible = status == "eligible"
    step("score")

    model, result = _select(towns, eligible, scored.scores, typed, cfg, crs)
    robust = None
    if cfg.sensitivity.draws:
        robust = _robustness(model, table, eligible, scored.used, towns[columns.CODE], result, cfg,
                             progress, scored.weighting)
    step("select")

    out = _town_table(towns, table, scored.scores, typed, status, reason, result, robust)
    clusters = scored.clusters
    clustering = clusters.result() if clusters is not None else None
    if clustering is not None:
        out[columns.CLUSTER] = clustering.labels
    counties = summary.county_summary(out, counties)
    return RunResult(towns=out, counties=counties, used=scored.used, methods=methods,
                     selection=result, cfg=cfg, crs=crs, provenance=provenance,
                     weighting=scored.weighting, robustness=robust,
                     type_assessed=typed.attrs["assessed"], clustering=clustering,
                     _state=RunState(table=table, base_eligible=scored.base_eligible,
                                     model=model, inputs=inputs))


def _score(table: pd.DataFrame, eligible: pd.Series, used: list,
           cfg: config_mod.Config) -> tuple[list, object, pd.DataFrame]:
    """Weights (fixed, AHP, objective, an expert panel's or combined) and the aggregated 0-100
    score of eligible towns."""
    pw = panel_configured.load(cfg)
    if pw is None:
        used, weighting = scoring.weigh(table, eligible, used, cfg.weighting)
    else:
        used, weighting = scoring.weigh(table, eligible, used, cfg.weighting,
                                        given=pw.global_weights.to_dict(),
                                        given_note=panel_configured.note(pw))
        weighting = dataclasses.replace(weighting, panel=pw)
    return used, weighting, scoring.score(table, eligible, used, cfg.aggregation)


def _development_types(towns: gpd.GeoDataFrame, table: pd.DataFrame, status: pd.Series,
                       cfg: config_mod.Config, crs: pyproj.CRS, thematic: dict,
                       roads) -> pd.DataFrame:
    """Each town's development type (with its reason); checks the type quotas' inputs."""
    typed = types_mod.classify(
        gpd.GeoDataFrame(pd.concat([towns, table], axis=1), geometry=columns.GEOMETRY,
                         crs=_coords.WGS84),
        cfg, crs, industry=thematic.get("industry"), tourism=thematic.get("tourism"),
        roads=roads)
    if cfg.types.quotas:
        types_mod.check_quota_inputs(pd.concat([towns, typed], axis=1).assign(status=status),
                                     cfg, typed.attrs["assessed"])
    return typed


def _select(towns: gpd.GeoDataFrame, eligible: pd.Series, scored: pd.DataFrame,
            typed: pd.DataFrame, cfg: config_mod.Config, crs: pyproj.CRS
            ) -> tuple[selection.TierSelection, selection.SelectionResult]:
    """Build the joint tier selection over eligible towns and solve it."""
    sel_in = selection.input_frame(towns, eligible, crs, typed[columns.DEV_TYPE])
    sel_in[columns.SCORE] = scored.loc[eligible, columns.SCORE].to_numpy()
    model = selection.TierSelection.from_frame(sel_in, cfg.tiers,
                                               type_quotas=cfg.types.quotas or None)
    return model, model.solve()


def _town_table(towns: gpd.GeoDataFrame, table: pd.DataFrame, scored: pd.DataFrame,
                typed: pd.DataFrame, status: pd.Series, reason: pd.Series,
                result: selection.SelectionResult,
                robust: sensitivity.Robustness | None) -> gpd.GeoDataFrame:
    """Every input town with its status, tier, reason, criteria, score, robustness and type."""
    eligible = status == "eligible"
    out = towns.copy()
    out[columns.STATUS] = status
    out[columns.TIER] = out[columns.CODE].map(result.tier).fillna("")
    out[columns.REASON] = reason
    sel_reason = out[columns.CODE].map(result.reason)
    out.loc[eligible, columns.REASON] = sel_reason[eligible]
    out = pd.concat([out, table, scored], axis=1)
    if robust is not None:
        stab = robust.towns.reindex(out[columns.CODE])
        for col in stab.columns:
            out[col] = stab[col].to_numpy()
        if robust.panel is not None:
            stab = robust.panel.reindex(out[columns.CODE])
            for col in stab.columns:
                out[columns.from_panel(col)] = stab[col].to_numpy()
    out = gpd.GeoDataFrame(out, geometry=columns.GEOMETRY, crs=_coords.WGS84)
    for col in types_mod.TYPE_COLUMNS:
        out[col] = typed[col]
    return out


def _robustness(model: selection.TierSelection, table: pd.DataFrame, eligible: pd.Series,
                used: list, codes: pd.Series, result: selection.SelectionResult,
                cfg: config_mod.Config, progress: bool, weighting=None) -> sensitivity.Robustness:
    """Monte Carlo and one-at-a-time weight sensitivity of the run's selection; when the
    weights come from an expert panel, also the Monte Carlo over the panel's bootstrap (its
    experts resampled with replacement)."""
    weights = pd.Series({u.name: u.weight for u in used if u.column}, dtype=float)
    # Criteria and transforms stay; only the weights move: transform once, re-weigh per draw.
    scorer = scoring.Scorer.from_table(table, eligible, used, cfg.aggregation)
    elig_codes = codes[eligible].to_numpy()

    def score_fn(w: pd.Series) -> pd.Series:
        return pd.Series(scorer.score(w).to_numpy(), index=elig_codes)

    def score_many(w: pd.DataFrame) -> pd.DataFrame:
        s = scorer.score_many(w)
        s.columns = elig_codes
        return s

    sc = cfg.sensitivity
    robust = sensitivity.analyse(model, score_fn, weights, result.tier, draws=sc.draws,
                                 concentration=sc.concentration, seed=sc.seed, steps=sc.steps,
                                 progress=progress, score_many=score_many)
    pw = getattr(weighting, "panel", None)
    if pw is None:
        return robust
    w = cfg.weighting
    wd = panel_configured.weight_draws(pw, weighting, draws=sc.draws, seed=sc.seed,
                                       rule=w.rule, alpha=w.alpha)
    panel_mc = sensitivity.over_draws(model, score_fn, wd, progress=progress,
                                      score_many=score_many)
    return dataclasses.replace(robust, panel=panel_mc, panel_draws=len(wd))


