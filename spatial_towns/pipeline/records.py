"""The run's records: its inputs (:class:`Inputs`), what it produced (:class:`RunResult`), the
state the what-if explorer re-scores from (:class:`RunState`) and the tier-independent part of
the scoring (:class:`Scored`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj

from .. import columns
from .. import config as config_mod
from ..data import facts as facts_mod
from ..mcda import selection, sensitivity
from ..typology import devtypes as types_mod
from ..util import forked as _forked


@dataclass
class Inputs:
    """Paths of the input layers; ``None`` means the embedded default (or absent for roads
    and population). ``*_frame`` is the coordinate frame of that file (see :mod:`spatial_towns.data.io`)."""

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
        sel = self.towns[self.towns[columns.TIER] != ""]
        tab = pd.crosstab(sel[columns.PREFECTURE_NAME], sel[columns.TIER])
        order = [t.name for t in self.cfg.tiers if t.name in tab.columns]
        tab = tab.reindex(columns=order, fill_value=0)
        tab.loc["合计 total"] = tab.sum()
        return tab

    def _repr_html_(self) -> str:  # notebook-friendly summary
        return (f"<b>spatial_towns run '{self.cfg.run_name}'</b>: {len(self.towns)} towns, "
                f"{int((self.towns['tier'] != '').sum())} selected"
                + self.tier_counts()._repr_html_())


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
