"""The town table's columns: one owner of their names, meaning, units and the stage that writes them.

A run's town table (:attr:`spatial_towns.pipeline.RunResult.towns`, ``towns.gpkg`` layer
``towns``, ``candidates.csv``) holds one row per input town. Modules name its columns through
the constants here (``columns.COUNTY_CODE``, not ``"county_code"``), and :func:`describe`
tells what any column of a run means, including the families named by pattern
(``norm_<criterion>``, ``p_<tier>``, ``pop_within_<T>min``, ...).

Stages, in the order a run writes them (see :data:`spatial_towns.pipeline.stages.STEPS`):
``ingest`` (the towns layer and the county each town lies in), ``criteria`` (computed from
geometry, :mod:`spatial_towns.criteria`), ``facts`` (read from the town facts tables,
:mod:`spatial_towns.data.facts`), ``eligibility``, ``score``, ``types`` (development types),
``select`` (the tier selection), ``robustness`` (weight sensitivity) and ``outputs`` (added
by the run folder's writer only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

STAGES = ("ingest", "criteria", "facts", "eligibility", "score", "types", "select", "robustness",
          "outputs")


@dataclass(frozen=True)
class Column:
    """One column of the town table: its ``name``, what it holds (``meaning``), its ``unit``
    ("" for codes, names and labels; "0/1" for flags) and the ``stage`` that writes it."""

    name: str
    meaning: str
    unit: str
    stage: str


# ---------------------------------------------------------------- identity (ingest)
CODE = "code"
NAME = "name"
KIND = "kind"
GEOMETRY = "geometry"
SEAT_SOURCE = "seat_source"
KIND_2016 = "kind_2016"
CODE_2023 = "code_2023"
NAME_2023 = "name_2023"
LIST_2023 = "list_2023"
COUNTY_CODE = "county_code"
COUNTY_NAME = "county_name"
PREFECTURE_CODE = "prefecture_code"
PREFECTURE_NAME = "prefecture_name"
COUNTY_CODE_INPUT = "county_code_input"
# ---------------------------------------------------------------- criteria and facts
SNAP_KM = "snap_km"
NETWORK_FLAG = "network_flag"
BORDER_AREA = "border_area"
NOMINATED = "nominated"
IMPUTED = "imputed"
# ---------------------------------------------------------------- verdicts
STATUS = "status"
REASON = "reason"
SCORE = "score"
RANK = "rank"
DEV_TYPE = "dev_type"
DEV_TYPE_LABEL = "dev_type_label"
DEV_TYPE_REASON = "dev_type_reason"
DEV_TYPE_CANDIDATES = "dev_type_candidates"
CLUSTER = "cluster"
TIER = "tier"
RANK_LO = "rank_lo"
RANK_HI = "rank_hi"
# ---------------------------------------------------------------- outputs only
TIER_LABEL = "tier_label"
LON = "lon"
LAT = "lat"

#: Values of :data:`STATUS`.
ELIGIBLE, EXCLUDED = "eligible", "excluded"

#: The columns identifying a town and the units it belongs to.
IDENTITY = (CODE, NAME, COUNTY_CODE, COUNTY_NAME, PREFECTURE_CODE, PREFECTURE_NAME)
#: The development type's columns, written together by :func:`spatial_towns.typology.devtypes.classify`.
TYPE_COLUMNS = (DEV_TYPE, DEV_TYPE_LABEL, DEV_TYPE_REASON, DEV_TYPE_CANDIDATES)
#: The order of the first columns of ``candidates.csv`` and ``towns.gpkg`` (the rest follow in
#: the table's order).
OUTPUT_FIRST = (CODE, NAME, KIND, COUNTY_CODE, COUNTY_NAME, PREFECTURE_CODE, PREFECTURE_NAME,
                STATUS, TIER, DEV_TYPE_LABEL, SCORE, RANK, REASON, DEV_TYPE, DEV_TYPE_REASON)
#: Suffix of a stability column over an expert panel's bootstrap draws (:func:`from_panel`).
PANEL_SUFFIX = "_panel"
#: Whole numbers held as floats (NaN-able) that ``candidates.csv`` writes as integers.
INTEGER = (RANK, RANK_LO, RANK_HI, RANK_LO + PANEL_SUFFIX, RANK_HI + PANEL_SUFFIX)
#: Text columns a run folder's reader restores from the GeoPackage (empty, not missing).
TEXT = (CODE, COUNTY_CODE, PREFECTURE_CODE, TIER, REASON, STATUS)

_TOWN = (
    Column(CODE, "12-digit township code (Vonng/adcode 2016, or the towns file's)", "", "ingest"),
    Column(NAME, "township name (Chinese)", "", "ingest"),
    Column(KIND, "kind of township unit as of the 2023 list (镇, 乡, 街道, ...)", "", "ingest"),
    Column(GEOMETRY, "seat point, WGS84 (EPSG:4326)", "degrees", "ingest"),
    Column(SEAT_SOURCE, "where a seat point missing in the source was found (supplement)", "",
           "ingest"),
    Column(KIND_2016, "kind of township unit in the 2016 source", "", "ingest"),
    Column(CODE_2023, "the unit's code in the 2023 township list", "", "ingest"),
    Column(NAME_2023, "the unit's name in the 2023 township list", "", "ingest"),
    Column(LIST_2023, "how the unit stands in the 2023 list (same, renamed, new, absent, ...)", "",
           "ingest"),
    Column(COUNTY_CODE, "code of the county-level unit whose polygon holds the seat", "", "ingest"),
    Column(COUNTY_NAME, "name of that county-level unit", "", "ingest"),
    Column(PREFECTURE_CODE, "code of the prefecture-level unit holding the seat", "", "ingest"),
    Column(PREFECTURE_NAME, "name of that prefecture-level unit", "", "ingest"),
    Column(COUNTY_CODE_INPUT, "the county code the towns file gave (kept beside the located one)", "",
           "ingest"),
    # Criteria computed from geometry: the meanings are the criteria's own descriptions
    # (spatial_towns.criteria.indicators.UNITS, written into the report's methods).
    Column("dist_changchun_km", "km, straight line to the metro core seat", "km", "criteria"),
    Column("dist_prefecture_seat_km",
           "km, straight line to the seat of the town's own prefecture", "km", "criteria"),
    Column("dist_county_seat_km",
           "km, straight line to the seat of the town's own county-level unit", "km", "criteria"),
    Column("dist_border_km", "km, straight line to the nearest neighbouring country's land", "km",
           "criteria"),
    Column("dist_rail_km", "km, straight line to the nearest railway station", "km", "criteria"),
    Column("time_changchun_min", "minutes by road to the metro core seat", "min", "criteria"),
    Column("time_prefecture_min", "minutes by road to the seat of the town's own prefecture",
           "min", "criteria"),
    Column("time_county_seat_min",
           "minutes by road to the seat of the town's own county-level unit", "min", "criteria"),
    Column("time_rail_min", "minutes by road to the nearest railway station", "min", "criteria"),
    Column("time_expressway_min", "minutes by road to the nearest expressway entrance/exit", "min",
           "criteria"),
    Column("pop_within_km", "persons in the population raster within the configured radius",
           "persons", "criteria"),
    Column("county_pop_density",
           "persons per km² of the town's county (2020 census / county area)", "persons/km²",
           "criteria"),
    Column("in_metro",
           "1 if the town's county is in the metro area list (partly included: a fraction)", "0-1",
           "criteria"),
    Column(BORDER_AREA, "1 if the town's county touches the international border", "0/1",
           "criteria"),
    Column("key_assisted", "1 if the town's county is a provincial key assisted county", "0/1",
           "criteria"),
    Column("key_node",
           "1 if the town is a key node town of the spatial plan (focus.key_node_towns)", "0/1",
           "criteria"),
    Column("city_periphery",
           "1 if the town is within focus.periphery_min minutes of a prefecture seat", "0/1",
           "criteria"),
    Column(SNAP_KM, "km from the town to its road-graph node", "km", "criteria"),
    Column("pop_within_<T>min", "persons reachable by road within T minutes (access.isochrone_min)",
           "persons", "criteria"),
    Column("gravity_access", "persons weighted by exp(-beta x minutes) by road", "persons",
           "criteria"),
    Column("region_pop_<T>min",
           "persons of the regional population grid reachable within T minutes "
           "(access.region_isochrone_min)", "persons", "criteria"),
    Column("region_gravity",
           "persons of the regional population grid weighted by exp(-beta x minutes)", "persons",
           "criteria"),
    Column(NETWORK_FLAG, "why a town has no road-network value (off the graph, unreachable)", "",
           "criteria"),
    Column(NOMINATED, "True if its county nominated the town (nominations in the facts tables)",
           "bool", "facts"),
    Column(IMPUTED, "criteria whose value was imputed for this town (facts tables' policy)", "",
           "facts"),
    Column(STATUS, f"'{ELIGIBLE}' or '{EXCLUDED}'", "", "eligibility"),
    Column(REASON, "why the town is excluded, selected or not (a sentence)", "", "eligibility"),
    Column(SCORE, "weighted score of an eligible town", "points of 100", "score"),
    Column(RANK, "rank by score among the eligible towns (1 = best)", "", "score"),
    Column("norm_<criterion>", "the criterion's value normalised (0 worst, 1 best)", "0-1", "score"),
    Column("contrib_<criterion>", "the criterion's share of the score", "points of 100", "score"),
    Column(DEV_TYPE, "development type (rule-based)", "", "types"),
    Column(DEV_TYPE_LABEL, "the development type's Chinese label", "", "types"),
    Column(DEV_TYPE_REASON, "the rule and the figures that gave the type", "", "types"),
    Column(DEV_TYPE_CANDIDATES, "every type whose rule the town meets", "", "types"),
    Column(CLUSTER, "cluster of the normalised criteria (unsupervised view)", "", "types"),
    Column(TIER, "tier the town is selected for; '' when not selected", "", "select"),
    Column("p_<tier>", "share of the weight draws in which the town is selected for the tier",
           "0-1", "robustness"),
    Column(RANK_LO, "5th percentile of the town's rank over the weight draws", "", "robustness"),
    Column(RANK_HI, "95th percentile of the town's rank over the weight draws", "", "robustness"),
    Column("p_<tier>_panel", "as p_<tier>, over the expert panel's bootstrap draws", "0-1",
           "robustness"),
    Column("rank_lo_panel", "as rank_lo, over the expert panel's bootstrap draws", "",
           "robustness"),
    Column("rank_hi_panel", "as rank_hi, over the expert panel's bootstrap draws", "",
           "robustness"),
    Column(TIER_LABEL, "the tier's label (candidates.csv only)", "", "outputs"),
    Column(LON, "seat longitude, WGS84 (candidates.csv only)", "degrees", "outputs"),
    Column(LAT, "seat latitude, WGS84 (candidates.csv only)", "degrees", "outputs"),
)

#: Every column of the town table by name (patterns such as ``p_<tier>`` by their pattern).
TOWN = {c.name: c for c in _TOWN}

#: The county layer of ``towns.gpkg`` (:func:`spatial_towns.pipeline.summary.county_summary`).
COUNTY = {c.name: c for c in (
    Column(COUNTY_CODE, "code of the county-level unit", "", "ingest"),
    Column(COUNTY_NAME, "name of the county-level unit", "", "ingest"),
    Column(PREFECTURE_CODE, "code of its prefecture-level unit", "", "ingest"),
    Column(PREFECTURE_NAME, "name of its prefecture-level unit", "", "ingest"),
    Column(GEOMETRY, "county polygon, WGS84 (EPSG:4326)", "degrees", "ingest"),
    Column("best_score", "best score of the county's scored towns", "points of 100", "select"),
    Column("mean_score", "mean score of the county's scored towns", "points of 100", "select"),
    Column("n_selected", "towns of the county selected in any tier", "towns", "select"),
    Column(BORDER_AREA, "1 if the county's towns are flagged as border area", "0/1", "select"),
)}


def norm(criterion: str) -> str:
    """The column of ``criterion``'s normalised value."""
    return f"norm_{criterion}"


def contrib(criterion: str) -> str:
    """The column of ``criterion``'s points in the score."""
    return f"contrib_{criterion}"


def probability(tier: str) -> str:
    """The column of the share of weight draws selecting a town for ``tier``."""
    return f"p_{tier}"


def from_panel(column: str) -> str:
    """A stability column (``p_<tier>``, ``rank_lo``, ``rank_hi``) over the expert panel's
    bootstrap draws instead of the Dirichlet's (runs whose weights come from a panel)."""
    return column + PANEL_SUFFIX


_PATTERNS = [(re.compile("^" + re.escape(c.name).replace(re.escape("<T>"), r"\d+(?:\.\d+)?")
                         .replace(re.escape("<criterion>"), ".+")
                         .replace(re.escape("<tier>"), "[^_]+") + "$"), c)
             for c in _TOWN if "<" in c.name]


def describe(name: str, table_criteria: Iterable[tuple[str, str]] = ()) -> Column | None:
    """What the town table's column ``name`` holds, or None when no stage writes it.

    ``table_criteria``: ``(column, units)`` of the criteria read from the town facts tables
    (config ``source = "table"``): their names come from the config, not from this module.
    """
    if name in TOWN:
        return TOWN[name]
    for column, units in table_criteria:
        if name == column:
            return Column(name, "criterion read from the town facts tables", units, "facts")
    for pattern, col in _PATTERNS:
        if pattern.match(name):
            return col
    return None
