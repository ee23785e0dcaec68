"""Per-town criteria, in stated units, computed in a metric CRS.

Every function returns values aligned to the towns' index (NaN where a town has no location)
and :func:`compute` records, for each column, how it was computed or why it was not, so the
report can say so plainly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from scipy.spatial import cKDTree

from .. import columns, errors
from .. import config as config_mod
from ..network import access, bounded, graph, routing, store
from ..util import geometry as _geometry

#: Columns :func:`compute` can produce, with their units (their owner is
#: :mod:`spatial_towns.columns`, which holds the same texts).
UNITS = {c.name: c.meaning for c in columns.TOWN.values()
         if c.stage == "criteria" and c.name != columns.NETWORK_FLAG}


@dataclass
class Layers:
    """All inputs the criteria need, already in WGS84 (EPSG:4326)."""

    counties: gpd.GeoDataFrame
    seats: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame | None = None
    borders: gpd.GeoDataFrame | None = None
    roads: object | None = None  # road file path, osmnx MultiDiGraph or graph.PreparedGraph
    population: object | None = None  # open rasterio dataset
    census: pd.DataFrame | None = None
    #: Coarse regional population surface, one row per cell: ``lon``, ``lat`` (WGS84) and
    #: ``pop`` (persons), e.g. :func:`spatial_towns.datasets.jilin_population_grid`. It feeds
    #: only the ``region_*`` catchments, never a town's own population (``pop_within_km``).
    population_grid: pd.DataFrame | None = None
    provenance: dict = field(default_factory=dict)


def _xy(gdf: gpd.GeoSeries | gpd.GeoDataFrame, crs: pyproj.CRS) -> np.ndarray:
    g = gdf.geometry.to_crs(crs)
    return np.column_stack([g.x.to_numpy(), g.y.to_numpy()])


def nearest_km(town_xy: np.ndarray, target_xy: np.ndarray) -> np.ndarray:
    """Straight-line distance (km) from each town to the nearest target (metric inputs)."""
    if len(target_xy) == 0:
        return np.full(len(town_xy), np.nan)
    dist, _ = cKDTree(target_xy).query(town_xy)
    return dist / 1000.0


def own_seat(seats: pd.DataFrame, keys: list[tuple[pd.Series, str]]) -> np.ndarray:
    """Row position in ``seats`` of each town's own seat, -1 where none matches.

    ``keys`` are (town values, seats column) pairs tried in order, e.g. the county code of the
    town's polygon against ``code``, then its county name against ``name``: the first match
    wins. A town's own seat is the seat of the unit it belongs to, not the nearest one (the
    nearest county seat of a suburban town is often an urban district's office).
    """
    n = len(keys[0][0]) if keys else 0
    out = np.full(n, -1, dtype=np.int64)
    for values, col in keys:
        pos = {v: k for k, v in enumerate(seats[col].astype(str)) if v}
        hit = np.array([pos.get(str(v), -1) if pd.notna(v) else -1 for v in values],
                       dtype=np.int64)
        todo = out < 0
        out[todo] = hit[todo]
    return out


def own_km(town_xy: np.ndarray, seat_xy: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Straight-line km to each town's own seat (``own`` from :func:`own_seat`); towns
    without one get the nearest seat."""
    d = nearest_km(town_xy, seat_xy)
    ok = own >= 0
    if ok.any():
        d[ok] = np.hypot(*(town_xy[ok] - seat_xy[own[ok]]).T) / 1000.0
    return d


def _own_note(own: np.ndarray, what: str) -> str:
    lost = int((own < 0).sum())
    return (f" ({lost} town(s) without a matching {what} seat use the nearest one)"
            if lost else "")


def metro_core(seats: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """The seat named ``name`` (the metro core), with a clear error if absent."""
    hit = seats[(seats["name"] == name) & (seats["level"] == "prefecture")]
    if hit.empty:
        raise errors.ConfigError(
            f"focus.metro_core = {name!r} is not a prefecture seat in the seats layer "
            f"(available: {sorted(seats.loc[seats['level'] == 'prefecture', 'name'])})"
        )
    return hit.iloc[[0]]


#: Population raster cells (metric x/y, persons), see :func:`raster_cells`; None without a raster.
_Cells = tuple[np.ndarray, np.ndarray] | None


class _Table:
    """The criteria table being filled: one column per criterion, indexed like the towns, and
    for each column the sentence on how it was computed (``"not computed: ..."`` when not)."""

    def __init__(self, towns: gpd.GeoDataFrame):
        self.index = towns.index
        self.located = towns.geometry.notna() & ~towns.geometry.is_empty
        self.out = pd.DataFrame(index=towns.index)
        self.methods: dict[str, str] = {}

    def put(self, col: str, values, method: str) -> None:
        """Values of the located towns (in their order); the others get NaN."""
        s = pd.Series(np.nan, index=self.index, dtype=float)
        s[self.located] = np.asarray(values, dtype=float)
        self.out[col] = s
        self.methods[col] = method

    def missing(self, col: str, why: str) -> None:
        """``col`` named in the table (all NaN) with the reason it is not computed."""
        self.out[col] = np.nan
        self.methods[col] = why

    def located_values(self, col: str) -> pd.Series:
        return self.out.loc[self.located, col]


@dataclass
class _Seats:
    """The seats the distances and times go to, in the metric CRS: the metro core, the
    prefecture and county seats, and each located town's own seat (row, or -1)."""

    core_xy: np.ndarray
    pref_xy: np.ndarray
    cnty_xy: np.ndarray
    pref_own: np.ndarray
    cnty_own: np.ndarray


def compute(
    towns: gpd.GeoDataFrame,
    layers: Layers,
    cfg: config_mod.Config,
    crs: pyproj.CRS,
    *,
    progress=None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Compute all criteria for ``towns``: one function per criterion family, in this order
    (the table's column order): :func:`seat_distances`, :func:`border`, :func:`focus_areas`,
    :func:`rail_distance`, :func:`travel_times` (with the accessibility measures of a road
    graph), :func:`city_periphery`, the access columns not computable (named all the same),
    :func:`population` and :func:`county_density`.

    Parameters
    ----------
    towns
        EPSG:4326 points (None allowed) with ``county_code`` (the county polygon holding the
        town).
    layers
        The other inputs.
    cfg
        Run configuration (focus areas, fallback speeds, radii).
    crs
        Metric CRS used for every distance.
    progress
        Called with the name of each finished group ("distances", "travel times",
        "population"), when given.

    Returns
    -------
    (pandas.DataFrame, dict)
        Criteria columns indexed like ``towns``, and for each column a sentence on how it was
        computed (or ``"not computed: ..."``).
    """
    tab = _Table(towns)
    loc = towns[tab.located]
    txy = _xy(loc, crs)
    seats = seat_distances(tab, loc, txy, layers, cfg, crs)
    if progress:
        progress("distances")
    border(tab, loc, layers, cfg, crs)
    focus_areas(tab, loc, cfg)
    stations = rail_distance(tab, txy, layers, cfg, crs)
    cells = raster_cells(layers.population, crs) if layers.population is not None else None
    travel_times(tab, towns.index, txy, layers, cfg, crs, seats, stations, cells)
    city_periphery(tab, cfg)
    _access_not_computed(tab, cfg.access)
    if progress:
        progress("travel times")
    population(tab, txy, layers, cfg, crs, cells)
    county_density(tab, loc, layers, crs)
    if progress:
        progress("population")
    return tab.out, tab.methods


def seat_distances(tab: _Table, loc: gpd.GeoDataFrame, txy: np.ndarray, layers: Layers,
                   cfg: config_mod.Config, crs: pyproj.CRS) -> _Seats:
    """Straight-line km to the metro core and to the town's own prefecture and county seats."""
    pref = layers.seats[layers.seats["level"] == "prefecture"]
    cnty = layers.seats[layers.seats["level"] == "county"]
    core = metro_core(layers.seats, cfg.focus.metro_core)
    seats = _Seats(core_xy=_xy(core, crs), pref_xy=_xy(pref, crs), cnty_xy=_xy(cnty, crs),
                   # Own seats: by the code of the town's polygon, then by its name (公主岭市
                   # is 220184 in the current boundaries but 220381 in the 2016 seats), then
                   # by the town code's county part.
                   pref_own=own_seat(pref, [(_col(loc, columns.PREFECTURE_CODE), "code"),
                                            (_col(loc, columns.PREFECTURE_NAME), "name")]),
                   cnty_own=own_seat(cnty, [(_col(loc, columns.COUNTY_CODE), "code"),
                                            (_col(loc, columns.COUNTY_NAME), "name"),
                                            (loc[columns.CODE].astype(str).str[:6], "code")]))
    tab.put("dist_changchun_km", nearest_km(txy, seats.core_xy), UNITS["dist_changchun_km"])
    tab.put("dist_prefecture_seat_km", own_km(txy, seats.pref_xy, seats.pref_own),
            UNITS["dist_prefecture_seat_km"] + _own_note(seats.pref_own, "prefecture"))
    tab.put("dist_county_seat_km", own_km(txy, seats.cnty_xy, seats.cnty_own),
            UNITS["dist_county_seat_km"] + _own_note(seats.cnty_own, "county"))
    return seats


def border(tab: _Table, loc: gpd.GeoDataFrame, layers: Layers, cfg: config_mod.Config,
           crs: pyproj.CRS) -> None:
    """Km to the nearest neighbouring country's land, and whether the town's county is a
    border county (within ``focus.border_county_km`` of it)."""
    if layers.borders is None or layers.borders.empty:
        why = "not computed: no neighbouring country in the map extent"
        tab.missing("dist_border_km", why)
        tab.missing(columns.BORDER_AREA, why)
        return
    line = layers.borders.to_crs(crs).geometry.union_all()
    tab.put("dist_border_km", _geometry.distance(loc.to_crs(crs).geometry.to_numpy(), line)
            / 1000.0,
            UNITS["dist_border_km"] + f" ({', '.join(layers.borders['iso3'])})")
    # Only whether a county is within border_county_km matters, and the exact all-pairs
    # distance of 60 long outlines took seconds.
    cdist = _geometry.distance(layers.counties.to_crs(crs).geometry.to_numpy(), line,
                               max_distance=cfg.focus.border_county_km * 1000.0) / 1000.0
    border_counties = set(layers.counties.loc[cdist <= cfg.focus.border_county_km,
                                              columns.COUNTY_CODE])
    tab.put(columns.BORDER_AREA, loc[columns.COUNTY_CODE].isin(border_counties).to_numpy(),
            UNITS[columns.BORDER_AREA] + f" (county within {cfg.focus.border_county_km} km of it)")


def focus_areas(tab: _Table, loc: gpd.GeoDataFrame, cfg: config_mod.Config) -> None:
    """The plan's focus areas by list: metro area counties, key assisted counties, key node
    towns."""
    fc = cfg.focus
    metro = np.where(loc[columns.COUNTY_CODE].isin(fc.metro_counties), 1.0,
                     np.where(loc[columns.COUNTY_CODE].isin(fc.metro_partial_counties),
                              fc.metro_partial_value, 0.0))
    tab.put("in_metro", metro,
            UNITS["in_metro"] + f" ({len(fc.metro_counties)} counties in focus.metro_counties"
            + (f"; {fc.metro_partial_value:g} for the {len(fc.metro_partial_counties)} partly "
               "included (focus.metro_partial_counties)" if fc.metro_partial_counties else "")
            + ")")
    tab.put("key_assisted", loc[columns.COUNTY_CODE].isin(fc.key_assisted_counties).to_numpy(),
            UNITS["key_assisted"] + (f" ({len(fc.key_assisted_counties)} listed)"
                                     if fc.key_assisted_counties else " (list empty)"))
    tab.put("key_node", loc[columns.CODE].isin(fc.key_node_towns).to_numpy(),
            UNITS["key_node"] + (f" ({len(fc.key_node_towns)} listed)"
                                 if fc.key_node_towns else " (list empty)"))


def rail_distance(tab: _Table, txy: np.ndarray, layers: Layers, cfg: config_mod.Config,
                  crs: pyproj.CRS) -> gpd.GeoDataFrame | None:
    """Km to the nearest railway station of ``access.station_types``; returns those stations
    (None without a station layer)."""
    acc = cfg.access
    if layers.stations is None or layers.stations.empty:
        tab.missing("dist_rail_km", "not computed: no railway station layer given")
        return None
    st = layers.stations[layers.stations["station"].isin(acc.station_types)]
    tab.put("dist_rail_km", nearest_km(txy, _xy(st, crs)),
            UNITS["dist_rail_km"] + f" ({len(st)} stations of type {list(acc.station_types)})")
    return st


def travel_times(tab: _Table, index: pd.Index, txy: np.ndarray, layers: Layers,
                 cfg: config_mod.Config, crs: pyproj.CRS, seats: _Seats,
                 stations: gpd.GeoDataFrame | None, cells: _Cells) -> None:
    """Minutes to the seats (and to rail and expressway with a road graph): by road when a
    road graph is given (:func:`_road_times`, then :func:`_road_access`), else straight
    line × circuity at the fallback speed (:func:`_fallback_times`)."""
    targets = {
        "time_changchun_min": (seats.core_xy, tab.located_values("dist_changchun_km")),
        "time_prefecture_min": (seats.pref_xy, tab.located_values("dist_prefecture_seat_km")),
        "time_county_seat_min": (seats.cnty_xy, tab.located_values("dist_county_seat_km")),
    }
    if layers.roads is not None:
        g = store.as_prepared(layers.roads, crs)
        layers.provenance.setdefault("roads", f"road graph ({g.n_nodes} nodes)")
        town_node, snap_m = routing.snap(g, txy)
        _road_times(tab, g, town_node, snap_m, targets, seats, stations, cfg, crs)
        tab.out[columns.NETWORK_FLAG] = _network_flags(index, tab.located, snap_m,
                                                       routing.component_labels(g)[town_node],
                                                       cfg.access.max_snap_km)
        tab.methods[columns.NETWORK_FLAG] = _network_flag_method(g, snap_m, cfg.access)
        _road_access(tab, g, town_node, snap_m, txy, layers, cfg, crs, cells)
    else:
        _fallback_times(tab, targets, cfg.access)


def _road_times(tab: _Table, g: graph.PreparedGraph, town_node: np.ndarray, snap_m: np.ndarray,
                targets: dict, seats: _Seats, stations: gpd.GeoDataFrame | None,
                cfg: config_mod.Config, crs: pyproj.CRS) -> None:
    """Minutes by road to each target: Dijkstra over a full graph; over a skeleton (no local
    roads) the seats and stations by :func:`_skeleton_times`."""
    acc = cfg.access
    # The leg from the town to its node is driven at the fallback speed (a skeleton without
    # local roads: see _skeleton_times).
    access_s = snap_m / 1000.0 / acc.fallback_speed_kmh * 3600.0
    tab.put(columns.SNAP_KM, snap_m / 1000.0, UNITS[columns.SNAP_KM])
    graph_note = f"road graph, {g.n_nodes} nodes, Dijkstra"
    own_of = {"time_prefecture_min": seats.pref_own, "time_county_seat_min": seats.cnty_own}
    target_nodes = {col: routing.snap(g, xy)[0] for col, (xy, _) in targets.items()}
    if stations is not None and len(stations):
        target_nodes["time_rail_min"] = routing.snap(g, _xy(stations, crs))[0]
    else:
        tab.missing("time_rail_min", "not computed: needs a road graph and a station layer")
    if g.expressway_access.size:
        target_nodes["time_expressway_min"] = g.expressway_access
        graph_note_exp = f"; {g.expressway_access.size} access nodes"
    else:
        tab.missing("time_expressway_min", "not computed: the road graph has no motorway")
        graph_note_exp = ""
    if g.skeleton:
        target_xy = {col: xy for col, (xy, _) in targets.items()}
        target_km = {col: d for col, (_, d) in targets.items()}
        if "time_rail_min" in target_nodes and stations is not None:
            target_xy["time_rail_min"] = _xy(stations, crs)
            target_km["time_rail_min"] = tab.located_values("dist_rail_km")
        for col in target_xy:
            t, note = _skeleton_times(g, town_node, snap_m, target_xy[col],
                                      target_km[col].to_numpy(), acc, own_of.get(col))
            tab.put(col, t / 60.0, UNITS[col] + f" ({note})")
        del target_nodes["time_changchun_min"], target_nodes["time_prefecture_min"]
        del target_nodes["time_county_seat_min"]
        target_nodes.pop("time_rail_min", None)
    for col, nodes in target_nodes.items():
        t = routing.time_to_nearest(g, nodes)[town_node]
        own = own_of.get(col)
        if own is not None and (own >= 0).any():
            ok = own >= 0
            t[ok] = routing.time_to_each(g, nodes)[own[ok], town_node[ok]]
        t = t + access_s
        # Unreachable (other component) stays missing, not infinite: the town is then
        # excluded with the network flag as its reason rather than scored as worst.
        n_unreach = int(np.isinf(t).sum())
        t[np.isinf(t)] = np.nan
        note = graph_note + (graph_note_exp if col == "time_expressway_min" else "")
        tab.put(col, t / 60.0, UNITS[col] + f" ({note}"
                + (f"; {n_unreach} towns cannot reach it)" if n_unreach else ")"))


def _network_flag_method(g: graph.PreparedGraph, snap_m: np.ndarray, acc) -> str:
    method = "towns far from the road graph or on a disconnected component"
    if g.skeleton:
        n_far = int((snap_m / 1000.0 > acc.max_snap_km).sum())
        method += (f" ({n_far} towns more than {acc.max_snap_km:g} km from the skeleton: kept "
                   f"and scored, their access leg is straight line × {acc.circuity_factor:g} "
                   f"at {acc.access_speed_kmh:g} km/h)")
    return method


def _road_access(tab: _Table, g: graph.PreparedGraph, town_node: np.ndarray,
                 snap_m: np.ndarray, txy: np.ndarray, layers: Layers, cfg: config_mod.Config,
                 crs: pyproj.CRS, cells: _Cells) -> None:
    """Persons reachable by road (isochrones, gravity) from the population raster's cells,
    and from the regional population grid (the ``region_*`` catchments)."""
    acc = cfg.access
    if cells is not None:
        node_pop = access.assign_to_nodes(g, *cells, max_distance_m=acc.max_snap_km * 1000.0)
        within, grav = access.accessibility(
            g, town_node, node_pop, thresholds_min=acc.isochrone_min,
            beta_per_min=acc.gravity_beta_per_min, limit_min=acc.gravity_limit_min)
        for k, minutes in enumerate(acc.isochrone_min):
            tab.put(isochrone_column(minutes), within[:, k],
                    f"persons reachable by road within {minutes:g} min (raster cells summed "
                    "onto their nearest road node; bounded Dijkstra)")
        tab.put("gravity_access", grav,
                f"Σ persons × exp(-{acc.gravity_beta_per_min:g} × minutes) over nodes within "
                f"{acc.gravity_limit_min:g} min by road")
    if layers.population_grid is not None:
        grid = layers.population_grid
        within, grav, note = region_access(g, town_node, snap_m, txy,
                                           _xy(_grid_points(grid), crs),
                                           grid["pop"].to_numpy(float), acc,
                                           grid.attrs.get("label", "a regional grid"))
        for k, minutes in enumerate(acc.region_isochrone_min):
            tab.put(region_column(minutes), within[:, k],
                    f"persons of the regional population grid reachable within {minutes:g} "
                    f"min ({note})")
        tab.put("region_gravity", grav,
                f"Σ persons × exp(-{acc.gravity_beta_per_min:g} × minutes) over grid cells "
                f"within {acc.gravity_limit_min:g} min ({note})")


def _fallback_times(tab: _Table, targets: dict, acc) -> None:
    """Without a road graph: straight line × circuity at the fallback speed to the seats."""
    for col in ("time_rail_min", "time_expressway_min"):
        tab.missing(col, "not computed: no road graph given")
    for col, (_, dist) in targets.items():
        minutes = dist.to_numpy() * acc.circuity_factor / acc.fallback_speed_kmh * 60.0
        tab.put(col, minutes,
                UNITS[col] + f" — FALLBACK (no road graph): straight line × "
                f"{acc.circuity_factor} circuity at {acc.fallback_speed_kmh:g} km/h")


def _access_not_computed(tab: _Table, acc) -> None:
    """The access columns a config may name, present even when not computable, so that a
    config using them degrades with a stated reason (scoring drops or substitutes them)
    instead of failing."""
    for col in [isochrone_column(m) for m in acc.isochrone_min] + ["gravity_access"]:
        if col not in tab.out:
            tab.missing(col, "not computed: needs a road graph and a population raster"
                             " (--roads and --population)")
    for col in [region_column(m) for m in acc.region_isochrone_min] + ["region_gravity"]:
        if col not in tab.out:
            tab.missing(col, "not computed: needs a road graph and the regional population grid"
                             " (embedded for the Jilin default run, access.embedded_population_grid)")


def city_periphery(tab: _Table, cfg: config_mod.Config) -> None:
    """Whether the town is within ``focus.periphery_min`` minutes of a prefecture seat."""
    t_pref = tab.located_values("time_prefecture_min")
    tab.put("city_periphery",
            np.where(t_pref.isna(), np.nan, t_pref <= cfg.focus.periphery_min),
            UNITS["city_periphery"] + f" ({cfg.focus.periphery_min:g} min, as time_prefecture_min)")


def population(tab: _Table, txy: np.ndarray, layers: Layers, cfg: config_mod.Config,
               crs: pyproj.CRS, cells: _Cells) -> None:
    """Persons of the population raster within ``access.population_radius_km``."""
    acc = cfg.access
    if layers.population is None:
        tab.missing("pop_within_km", "not computed: no population raster given")
        return
    pop, note = population_within(layers.population, txy, crs,
                                  acc.population_radius_km * 1000.0, cells=cells)
    tab.put("pop_within_km", pop, UNITS["pop_within_km"] + f" ({acc.population_radius_km:g} km"
            + (f"; {note})" if note else ")"))


def county_density(tab: _Table, loc: gpd.GeoDataFrame, layers: Layers, crs: pyproj.CRS) -> None:
    """Persons per km² of the town's county (2020 census over the county's area)."""
    if layers.census is None:
        tab.missing("county_pop_density", "not computed: no county census table given")
        return
    area_km2 = layers.counties.to_crs(crs).area / 1e6
    dens = pd.Series(
        layers.counties[columns.COUNTY_CODE].map(
            layers.census.set_index(columns.COUNTY_CODE)["pop_2020"]).to_numpy()
        / area_km2.to_numpy(),
        index=layers.counties[columns.COUNTY_CODE].to_numpy(),
    )
    tab.put("county_pop_density", loc[columns.COUNTY_CODE].map(dens).to_numpy(),
            UNITS["county_pop_density"])


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column of ``frame``, or missing values when it has none."""
    return frame[name] if name in frame else pd.Series(pd.NA, index=frame.index)


def isochrone_column(minutes: float) -> str:
    """Column name of the population within ``minutes`` by road, e.g. ``pop_within_30min``."""
    return f"pop_within_{minutes:g}min".replace(".", "_")


def region_column(minutes: float) -> str:
    """Column name of the regional-grid catchment within ``minutes``, e.g. ``region_pop_60min``."""
    return f"region_pop_{minutes:g}min".replace(".", "_")


def _grid_points(grid: pd.DataFrame) -> gpd.GeoSeries:
    return gpd.GeoSeries(gpd.points_from_xy(grid[columns.LON], grid[columns.LAT]), crs="EPSG:4326")


def _leg_s(dist_m: np.ndarray, acc) -> np.ndarray:
    """Seconds of the leg between a place and its skeleton node: straight line ×
    ``circuity_factor`` at ``access_speed_kmh``."""
    return np.asarray(dist_m, dtype=float) / 1000.0 * acc.circuity_factor \
        / acc.access_speed_kmh * 3600.0


def region_access(g: graph.PreparedGraph, town_node: np.ndarray, snap_m: np.ndarray,
                  town_xy: np.ndarray, cell_xy: np.ndarray, cell_pop: np.ndarray, acc,
                  label: str = "the regional population grid",
                  ) -> tuple[np.ndarray, np.ndarray, str]:
    """Regional catchment of each town on a coarse population grid: people within each of
    ``acc.region_isochrone_min`` minutes, and gravity access.

    A cell's people are placed at its centroid and reached like a seat in
    :func:`_skeleton_times`: the town's access leg to its node, the road from node to node,
    and the cell's leg from its node to its centroid (both legs straight line ×
    ``circuity_factor`` at ``access_speed_kmh``); where the straight-line estimate (×
    ``circuity_factor`` at ``fallback_speed_kmh``) is quicker, or the road does not connect
    the two, that estimate is the time. So a town far from the graph or on a disconnected
    piece still reaches the cells around it (its own cell among them), by the estimate.

    Parameters
    ----------
    g : graph.PreparedGraph
        Road graph (seconds; ``g.crs`` metric).
    town_node, snap_m : numpy.ndarray
        Each town's node (:func:`routing.snap`) and its distance to it (metres).
    town_xy, cell_xy : numpy.ndarray
        Towns and cell centroids, (n, 2) metres in ``g.crs``.
    cell_pop : numpy.ndarray
        Persons per cell.
    acc : config.Access
        Speeds, circuity, thresholds and the gravity decay (``gravity_beta_per_min``,
        cut-off ``gravity_limit_min``).
    label : str
        What the grid is, for the note.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, str)
        Persons within each threshold, shape (n_towns, n_thresholds); gravity access
        Σ pop × exp(-beta × minutes) over cells within the cut-off, shape (n_towns,); and a
        note for the report stating the method and counting the towns reached by the
        estimate alone.
    """
    thr_s = np.asarray(acc.region_isochrone_min, dtype=float) * 60.0
    limit_s = float(max(thr_s.max(initial=0.0), acc.gravity_limit_min * 60.0))
    cell_node, cell_snap = routing.snap(g, cell_xy)
    nodes, cell_col = np.unique(cell_node, return_inverse=True)
    col_of = np.full(g.n_nodes, -1, dtype=np.int64)
    col_of[nodes] = np.arange(nodes.size)
    towns, town_row = np.unique(town_node, return_inverse=True)
    road = np.full((towns.size, nodes.size), np.inf)
    for src, node, t in bounded.bounded_times(g, towns, limit_s):
        hit = col_of[node] >= 0
        road[src[hit], col_of[node[hit]]] = t[hit]
    by_road = _leg_s(snap_m, acc)[:, None] + road[town_row][:, cell_col] \
        + _leg_s(cell_snap, acc)[None, :]
    dist_m = np.hypot(town_xy[:, None, 0] - cell_xy[None, :, 0],
                      town_xy[:, None, 1] - cell_xy[None, :, 1])
    direct = dist_m / 1000.0 * acc.circuity_factor / acc.fallback_speed_kmh * 3600.0
    t = np.minimum(by_road, direct)
    pop = np.asarray(cell_pop, dtype=float)
    within = np.column_stack([(t <= tk) @ pop for tk in thr_s]) if thr_s.size \
        else np.zeros((len(t), 0))
    beta_per_s = acc.gravity_beta_per_min / 60.0
    gravity = np.where(t <= acc.gravity_limit_min * 60.0, np.exp(-beta_per_s * t), 0.0) @ pop
    estimate_only = int((~(by_road <= limit_s).any(axis=1)).sum())
    speed = f"{acc.network_speed_kmh:g} km/h on the skeleton, " if g.skeleton else ""
    note = (f"{len(pop)} points of {label}, each coarser than a town: a regional surface, not "
            f"the town's own population; a point's people at its centroid, reached by road ({speed}legs straight line × {acc.circuity_factor:g}"
            f" at {acc.access_speed_kmh:g} km/h at both ends) or by the straight-line estimate (× {acc.circuity_factor:g} at "
            f"{acc.fallback_speed_kmh:g} km/h) where quicker; {estimate_only} towns reach no "
            f"cell by road within {limit_s / 60.0:g} min (far from the graph or on a "
            "disconnected piece) and count the estimate alone")
    return within, gravity, note


def _skeleton_times(g: graph.PreparedGraph, town_node: np.ndarray, snap_m: np.ndarray,
                    target_xy: np.ndarray, straight_km: np.ndarray, acc,
                    own: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """Seconds from each town to its nearest target over a major-road skeleton, or to its
    own target (``own``: row of ``target_xy`` per town, -1 for the nearest; see
    :func:`own_seat`; ``straight_km`` is then the distance to that target).

    The skeleton has no local roads, so both ends get an access leg to their nearest node
    (straight line × ``circuity_factor`` at ``access_speed_kmh``), and where the straight-line
    estimate to the nearest target (× ``circuity_factor`` at ``fallback_speed_kmh``) is quicker
    - a seat close by but off the skeleton - or the skeleton does not connect the two, that
    estimate is the time. No town is left without a time; the note counts each case.
    """
    circ = acc.circuity_factor
    t_node, t_snap = routing.snap(g, target_xy)
    target_leg = _leg_s(t_snap, acc)
    town_leg = _leg_s(snap_m, acc)
    by_road = routing.time_to_nearest_from(g, t_node, target_leg)[town_node] + town_leg
    if own is not None and (own >= 0).any():
        ok = own >= 0
        each = routing.time_to_each(g, t_node)
        by_road[ok] = each[own[ok], town_node[ok]] + target_leg[own[ok]] + town_leg[ok]
    direct = straight_km * circ / acc.fallback_speed_kmh * 3600.0
    unconnected = ~np.isfinite(by_road)
    quicker = np.isfinite(by_road) & (direct < by_road)
    t = np.where(unconnected | quicker, direct, by_road)
    note = (f"by road on the OSM major-road skeleton (simplified), {g.n_nodes} nodes: "
            f"{acc.network_speed_kmh:g} km/h on its edges plus an access leg at each end "
            f"(straight line × {circ:g} at {acc.access_speed_kmh:g} km/h); the straight-line "
            f"estimate (× {circ:g} at {acc.fallback_speed_kmh:g} km/h) where quicker for "
            f"{int(quicker.sum())} towns and where the skeleton does not connect for "
            f"{int(unconnected.sum())} towns")
    return t, note


def _network_flags(index: pd.Index, located: pd.Series, snap_m: np.ndarray,
                   component: np.ndarray, max_snap_km: float) -> pd.Series:
    flags = []
    for snap_d, c in zip(snap_m, component, strict=True):
        reasons = []
        if snap_d / 1000.0 > max_snap_km:
            reasons.append(f"{snap_d / 1000.0:.1f} km from the road network")
        if c != 0:
            reasons.append("on a road component disconnected from the main network")
        flags.append("; ".join(reasons))
    s = pd.Series("", index=index, dtype=object)
    s[located] = flags
    return s


def population_within(ds, town_xy: np.ndarray, crs: pyproj.CRS, radius_m: float,
                      cells: tuple[np.ndarray, np.ndarray] | None = None,
                      ) -> tuple[np.ndarray, str]:
    """Sum of raster cells whose centres lie within ``radius_m`` of each town.

    Nodata cells and negative values are ignored. The raster may be in any CRS: cell centres
    are transformed to the metric ``crs`` before the radius test. Towns outside the raster's
    extent get NaN (not 0: an uncovered town is unknown, not empty).

    Returns
    -------
    (numpy.ndarray, str)
        Persons per town, and a note for the report (missing nodata, towns not covered).
        ``cells`` (from :func:`raster_cells`) saves reading the raster again.
    """
    notes = []
    if ds.nodata is None:
        notes.append("raster has no nodata value: every cell counted")
    footprint = pyproj.Transformer.from_crs(ds.crs, crs, always_xy=True).transform_bounds(
        *ds.bounds)
    inside = ((town_xy[:, 0] >= footprint[0]) & (town_xy[:, 0] <= footprint[2])
              & (town_xy[:, 1] >= footprint[1]) & (town_xy[:, 1] <= footprint[3]))
    if len(town_xy) and not inside.any():
        raise errors.InputDataError(
            f"population raster {ds.name} does not cover any town (raster bounds "
            f"{tuple(round(b, 3) for b in ds.bounds)} in {ds.crs}); is it the right area or CRS?"
        )
    if (~inside).any():
        notes.append(f"{int((~inside).sum())} towns outside the raster extent")
    cell_xy, w = cells if cells is not None else raster_cells(ds, crs)
    if w.size == 0:
        return np.where(inside, 0.0, np.nan), "; ".join(notes + ["raster is all zero/nodata"])
    tree = cKDTree(cell_xy)
    hits = tree.query_ball_point(town_xy, r=radius_m)
    out = np.array([w[h].sum() if h else 0.0 for h in hits])
    out[~inside] = np.nan
    return out, "; ".join(notes)


def raster_cells(ds, crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    """Centres (metric ``crs``, metres) and values of the raster's positive cells.

    Nodata and negative cells are left out.
    """
    band = ds.read(1, masked=True)
    values = np.ma.filled(band.astype(float), 0.0)
    values[values < 0] = 0.0
    rows, cols = np.nonzero(values)
    if rows.size == 0:
        return np.empty((0, 2)), np.empty(0)
    xs, ys = ds.xy(rows, cols)
    tr = pyproj.Transformer.from_crs(ds.crs, crs, always_xy=True)
    mx, my = tr.transform(np.asarray(xs), np.asarray(ys))
    return np.column_stack([mx, my]), values[rows, cols]
