"""One declared configuration schema, validated by pydantic, and the run's Config object.

Every table and key of the TOML configuration is declared once, below, as a field of a frozen
dataclass: its type, its range and - where a key may be left out - its default. The planning
values themselves (weights, quotas, thresholds, each argued from the plan) live in
``default_config.toml`` next to this module; a key that file sets has no second default here,
so the two cannot drift apart (the three exceptions, ``[weighting] method``, ``[aggregation]
method`` and a tier's ``minimums``, are defaults of objects the code also builds itself; a test
checks that the file and the schema agree on them).

Layers: the defaults, then a user file (``--config``), then ``overrides`` (from the CLI); tables
merge key by key, other lists are replaced whole, and ``[[criteria]]`` entries are matched by
``column`` (see :func:`overlay`). The merged dict is validated once: an unknown key anywhere is
an error with a suggestion (``unknown key 'isochrone_mins' in [access]; did you mean
'isochrone_min'?``), as is a wrong type or an out-of-range value, always naming the file and the
table. ``config_used.json`` and a what-if scenario are written from the validated objects by
:meth:`Config.to_dict`, never by editing the input dict.

Why pydantic (v2) rather than msgspec or cattrs: the rest of the package reads the config as
attributes of frozen dataclasses (``cfg.focus.periphery_min``, ``dataclasses.replace(tier,
count=...)``, positional ``Tier("provincial", "省级", 3.0, count=30)`` in tests).
``pydantic.dataclasses`` keeps exactly that API while validating nested tables, lists and
dicts in one pass, reports *every* error with its location (``('criteria', 3, 'weight')``),
which is what a message naming the key path needs, and takes range constraints and
cross-field checks (a tier needs ``count`` or ``min_count``; an AHP matrix is reciprocal)
beside the field they concern. msgspec is faster but validates only plain ``msgspec.Struct``
types (no stdlib dataclass API, no positional construction of validated objects, weaker
cross-field hooks); cattrs structures attrs/dataclasses but has no range constraints, and its
errors (ExceptionGroups of ClassValidationError) need more work to turn into key paths.
Speed does not matter here (a config is validated a few times a run); pydantic is widely used
and maintained, already a dependency of the environment, and its strict mode stops TOML's
``"3"`` or ``true`` from passing as a number.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError

from . import errors

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.toml")

# ---------------------------------------------------------------------------------------------
# value types: TOML is typed, so a number must be a number (strict: no "3", no true)

Str = Annotated[str, Strict()]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Float = Annotated[float, Strict(), AllowInfNan(False)]
NonNeg = Annotated[float, Strict(), AllowInfNan(False), Field(ge=0)]
Positive = Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)]
Share = Annotated[float, Strict(), AllowInfNan(False), Field(ge=0, le=1)]
Count = Annotated[int, Strict(), Field(ge=0)]
Strs = tuple[Str, ...]
Direction = Literal["benefit", "cost"]
ProvinceCode = Annotated[str, Field(pattern=r"^\d{6}$")]


def _one_or_list(value: Any) -> Any:
    # `isochrone_min = 30` reads as `[30]`.
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else value


Minutes = Annotated[float, Strict(), AllowInfNan(False), Field(gt=0, lt=1e4)]
MinuteList = Annotated[tuple[Minutes, ...], BeforeValidator(_one_or_list), Field(min_length=1)]


def _fraction(value: Any) -> Any:
    # TOML has no fractions; "1/3" reads like Saaty's scale.
    if isinstance(value, str):
        num, slash, den = value.partition("/")
        try:
            a, b = float(num), float(den) if slash else 1.0
        except ValueError:
            raise ValueError(f"{value!r} is not a number or a fraction such as \"1/3\"") from None
        if b == 0:
            raise ValueError(f"{value!r} divides by zero")
        return a / b
    return value


Judgement = Annotated[float, BeforeValidator(_fraction), Strict(), AllowInfNan(False)]

TRANSFORMS = ("minmax", "sigmoid", "linear", "log", "rank")
#: Where a criterion's values come from: computed from the layers, or a town facts table.
SOURCES = ("geometry", "table")
#: What a table criterion does for a town the facts tables give no value: exclude it (with
#: that reason), impute its county's median, or count it as zero (imputed towns are flagged).
MISSING_POLICIES = ("exclude", "county_median", "zero")
WEIGHTING_METHODS = ("expert", "ahp", "entropy", "critic", "panel", "combined")
#: Methods the weights code implements (a method declared ahead of its code is left out here,
#: and a config asking for it is an error saying it is not available yet).
AVAILABLE_WEIGHTING_METHODS = WEIGHTING_METHODS
AGGREGATION_METHODS = ("wlc", "topsis", "owa")
#: Values of ``Tier.minimums``: the literal reading, and "this tier or higher".
MINIMUMS_LITERAL, MINIMUMS_CUMULATIVE = "this_tier", "this_tier_or_higher"
ALLOCATIONS = ("none", "proportional")
#: ``criteria_mode``: how a layer's ``[[criteria]]`` meet the criteria below it.
CRITERIA_MODES = ("merge", "replace")
# Saaty's scale runs from 1/9 to 9; 1 % slack lets a planner type 0.111 for 1/9.
_SAATY_MIN, _SAATY_MAX, _RECIPROCAL_TOL = 1.0 / 9.0 * 0.99, 9.0 * 1.01, 0.01
_TRANSFORM_PARAMS = {"sigmoid": ("midpoint", "spread"), "linear": ("lower", "upper"),
                     "minmax": (), "log": (), "rank": ()}

# Development types (发展类型) of the provincial plan, in rule precedence order: a town that
# meets several rules gets the first; comprehensive service is the default.
DEV_TYPES: dict[str, str] = {
    "border_prosperity": "兴边富民型",
    "metro_satellite": "都市卫星型",
    "industry_led": "工业主导型",
    "culture_tourism": "文化旅游型",
    "commerce_logistics": "商贸流通型",
    "comprehensive_service": "综合服务型",
}
_RULE_TYPES = tuple(k for k in DEV_TYPES if k != "comprehensive_service")


def _one_of(values: tuple[str, ...]) -> Any:
    """A check that a string is one of ``values`` (for names the code passes around as plain
    strings; elsewhere the schema uses ``Literal``)."""
    def check(v: str) -> str:
        if v not in values:
            raise PydanticCustomError(
                "literal_error", "Input should be {expected}",
                {"expected": ", ".join(map(repr, values[:-1])) + f" or {values[-1]!r}"})
        return v
    return AfterValidator(check)


DevType = Annotated[str, Strict(), _one_of(tuple(DEV_TYPES))]
RuleType = Annotated[str, Strict(), _one_of(_RULE_TYPES)]
AggregationMethod = Annotated[str, Strict(), _one_of(AGGREGATION_METHODS)]

_SCHEMA = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------
# tables


@dataclass(frozen=True, config=_SCHEMA)
class _Table:
    """A TOML table. A table read from TOML checks its keys (unknown ones with a suggestion)
    and remembers which it was given, so that :meth:`Config.to_dict` writes back what the
    files said; one built in code writes its required and non-default values."""

    #: TOML key -> attribute, where they differ.
    _RENAMES: ClassVar[dict[str, str]] = {}
    #: Attributes that are not TOML keys.
    _INTERNAL: ClassVar[frozenset[str]] = frozenset()
    #: TOML keys folded into another attribute by ``_prepare`` (a criterion's transform).
    _FOLDED: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def toml_keys(cls) -> list[str]:
        """The keys this table accepts in a TOML file."""
        back = {v: k for k, v in cls._RENAMES.items()}
        return [back.get(f.name, f.name) for f in dataclasses.fields(cls)
                if f.name not in cls._INTERNAL] + list(cls._FOLDED)

    @classmethod
    def _prepare(cls, data: dict) -> dict:
        """TOML shape -> attribute shape (renames, folded keys, derived defaults)."""
        return {cls._RENAMES.get(k, k): v for k, v in data.items()}

    @model_validator(mode="wrap")
    @classmethod
    def _from_toml(cls, data: Any, handler: Any) -> Any:
        if not isinstance(data, dict):
            return handler(data)
        allowed = cls.toml_keys()
        unknown = [k for k in data if k not in allowed]
        if unknown:
            near = [(k, next(iter(difflib.get_close_matches(str(k), allowed, n=1, cutoff=0.7)),
                             None)) for k in unknown]
            raise PydanticCustomError("unknown_key", "unknown key {unknown}",
                                      {"unknown": near, "allowed": ", ".join(allowed)})
        out = handler(cls._prepare(data))
        object.__setattr__(out, "_written", frozenset(data))
        return out


def _written(obj: Any) -> frozenset[str] | None:
    return getattr(obj, "_written", None)


def _derived(obj: Any, **changes: Any) -> Any:
    """``dataclasses.replace`` for values the schema derives (not given): they are not
    written back, only the keys the file gave (or, built in code, the non-default ones)."""
    given = _written(obj)
    if given is None:
        given = frozenset(_table_dump(obj))
    new = dataclasses.replace(obj, **changes)
    object.__setattr__(new, "_written", given)
    return new


@dataclass(frozen=True, config=_SCHEMA)
class Transform:
    """How a criterion's raw values become a 0-1 value (1 = best).

    ``minmax`` rescales over the eligible towns; ``sigmoid`` (``midpoint``, ``spread``) and
    ``linear`` (``lower``, ``upper``) are fuzzy memberships in the column's own units,
    increasing for a benefit and decreasing for a cost criterion; ``log`` is min-max of
    ``log1p`` (for skewed magnitudes such as output in 万元); ``rank`` the quantile rank
    among the eligible towns (ties share their mean rank).
    """

    kind: Literal["minmax", "sigmoid", "linear", "log", "rank"] = "minmax"
    midpoint: Float | None = None
    spread: Float | None = None
    lower: Float | None = None
    upper: Float | None = None

    @model_validator(mode="after")
    def _check(self) -> Transform:
        needs = _TRANSFORM_PARAMS[self.kind]
        for k in ("midpoint", "spread", "lower", "upper"):
            if getattr(self, k) is not None and k not in needs:
                owner = next(t for t, ks in _TRANSFORM_PARAMS.items() if k in ks)
                raise ValueError(f"{k} only applies to transform = {owner!r} (this one is "
                                 f"{self.kind!r})")
        missing = [k for k in needs if getattr(self, k) is None]
        if missing:
            raise ValueError(f"transform = {self.kind!r} needs {', '.join(missing)}")
        if self.kind == "sigmoid" and not self.spread > 0:  # type: ignore[operator]
            raise ValueError(f"spread {self.spread} must be > 0 (column units per logistic unit)")
        if self.kind == "linear" and not self.lower < self.upper:  # type: ignore[operator]
            raise ValueError(f"lower {self.lower} must be below upper {self.upper}; the "
                             "direction (benefit/cost) says which end is best")
        return self


@dataclass(frozen=True, config=_SCHEMA)
class Criterion(_Table):
    """A scored criterion: a column of the criteria table, its direction and weight.

    ``exclude_below`` / ``exclude_above`` (config keys ``min`` / ``max``) are hard
    constraints in the column's units: a town outside them is excluded, with the reason.
    A criterion with weight 0 only constrains. ``weight`` must be given with expert
    weighting; with derived weights (AHP, entropy, ...) it only says scored (> 0) or
    constraint-only (0).
    """

    column: Str
    direction: Direction
    weight: NonNeg = 1.0
    #: What reports print; a file that gives none gets the column name.
    label: Str = ""
    fallback: Str | None = None
    transform: Transform = dataclasses.field(default_factory=Transform)
    exclude_below: Float | None = None
    exclude_above: Float | None = None
    #: ``geometry`` (computed by :mod:`.criteria`) or ``table`` (a column of the town facts
    #: tables, :mod:`.facts`); ``units`` of the column as the tables give it; ``missing``:
    #: the policy for towns without a value (table criteria must state it).
    source: Literal["geometry", "table"] = "geometry"
    units: Str = ""
    missing: Literal["exclude", "county_median", "zero"] = "exclude"
    #: The plan criterion or focus area this criterion serves (e.g. "产业比较兴旺"); the
    #: report sums the weights per group.
    group: Str = ""

    _RENAMES: ClassVar[dict[str, str]] = {"min": "exclude_below", "max": "exclude_above"}
    _FOLDED: ClassVar[tuple[str, ...]] = ("midpoint", "spread", "lower", "upper")

    @classmethod
    def _prepare(cls, data: dict) -> dict:
        d = super()._prepare(data)
        params = {k: d.pop(k) for k in cls._FOLDED if k in d}
        if "transform" in d or params:
            d["transform"] = {"kind": d.pop("transform", "minmax"), **params}
        if "label" not in d and isinstance(d.get("column"), str):
            d["label"] = d["column"]
        if d.get("source") == "table" and "missing" not in d:
            raise PydanticCustomError(
                "table_missing", "a source = 'table' criterion must say what to do for towns "
                "the facts tables give no value: missing = one of {policies}",
                {"policies": list(MISSING_POLICIES)})
        if d.get("source", "geometry") == "geometry" and ({"units", "missing"} & set(d)):
            raise PydanticCustomError(
                "geometry_units", "units and missing apply to source = 'table' criteria only "
                "(the units of computed columns are fixed, and their missing values exclude "
                "the town)")
        return d

    @model_validator(mode="after")
    def _check(self) -> Criterion:
        lo, hi = self.exclude_below, self.exclude_above
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"hard constraint min {lo} > max {hi} would exclude every town")
        if self.source == "table" and self.fallback is not None:
            raise ValueError("a table criterion has no fallback column; use missing = "
                             f"{MISSING_POLICIES} for towns without a value")
        return self


@dataclass(frozen=True, config=_SCHEMA)
class Weighting(_Table):
    """How criterion weights are set: ``expert`` (the ``weight`` keys), ``ahp`` (principal
    eigenvector of ``pairwise``, rows in the order of ``criteria``), the objective
    ``entropy`` / ``critic`` weights of the eligible towns' normalised criteria, ``panel``
    (an expert panel's pairwise answers, files ``panel``, aggregated by
    ``panel_aggregation``; experts with a consistency ratio above ``max_cr`` included or
    excluded by ``inconsistent``) or ``combined`` (a ``subjective`` and an ``objective`` set,
    combined by ``rule``: linear ``alpha * subjective + (1 - alpha) * objective`` or
    multiplicative; see :mod:`.panel` and :func:`.weights.combine`)."""

    method: Literal["expert", "ahp", "entropy", "critic", "panel", "combined"] = "expert"
    criteria: Strs = ()
    pairwise: tuple[tuple[Judgement, ...], ...] = ()
    #: Answer files (XLSX/CSV) of the panel's experts, relative to the config file.
    panel: Strs = ()
    panel_aggregation: Literal["aij", "aip"] = "aij"
    inconsistent: Literal["include", "exclude"] = "include"
    max_cr: Annotated[float, Strict(), AllowInfNan(False), Field(gt=0, le=1)] = 0.1
    subjective: Literal["expert", "ahp", "panel"] = "expert"
    objective: Literal["entropy", "critic"] = "entropy"
    rule: Literal["linear", "multiplicative"] = "linear"
    alpha: Share = 0.5


@dataclass(frozen=True, config=_SCHEMA)
class Aggregation(_Table):
    """How normalised criteria and weights become the score: ``wlc`` (weighted linear
    combination), ``topsis`` or ``owa`` (with ``order_weights``, best value first)."""

    method: AggregationMethod = "wlc"
    order_weights: tuple[NonNeg, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Aggregation:
        if self.method == "owa" and not self.order_weights:
            raise ValueError("method = 'owa' needs order_weights (one per scored criterion, "
                             "for the best value first)")
        if self.order_weights and sum(self.order_weights) <= 0:
            raise ValueError("order_weights must have a positive sum")
        return self


@dataclass(frozen=True, config=_SCHEMA)
class Sensitivity(_Table):
    """Robustness analysis: ``draws`` Monte Carlo weight draws from a Dirichlet centred on the
    weights used (``concentration``: larger = tighter), seeded; one-at-a-time relative weight
    ``steps`` (> -1: a weight cannot shrink by 100 % or more). ``draws = 0`` turns it off."""

    draws: Count
    concentration: Positive
    seed: Int
    steps: tuple[Annotated[float, Strict(), AllowInfNan(False), Field(gt=-1)], ...]


@dataclass(frozen=True, config=_SCHEMA)
class Tier(_Table):
    """A designation tier and its quotas.

    ``count`` is an exact size; otherwise the size is ``max(min_count, sum of per-unit
    minimums)``. Per-unit minimums apply to prefectures (``per_prefecture_min``) and
    county-level units (``per_county_min``) that have eligible towns. ``minimums`` says what
    they count: ``"this_tier"`` (the literal reading: towns of this tier) or
    ``"this_tier_or_higher"`` (cumulative: towns of this tier or a higher one; the size is then
    ``max(min_count, what the minimums still need after the higher tiers' places)``).

    Regional balance (off by default): ``per_prefecture_max`` caps this tier's towns in any
    prefecture; ``allocation = "proportional"`` gives each prefecture between the floor and
    the ceiling of ``size × its share of the eligible towns`` (raised to
    ``per_prefecture_min``, capped by ``per_prefecture_max``).

    Two selected towns of this tier are at least ``min_spacing_km`` apart (straight line,
    metric CRS; 0 = no rule). ``pinned`` town codes (already designated) are kept in this tier.
    ``label`` (what reports print) defaults to ``name`` in a file.
    """

    name: Str
    label: Str
    tier_weight: Positive
    count: Count | None = None
    min_count: Count = 0
    per_prefecture_min: Count = 0
    per_county_min: Count = 0
    min_spacing_km: NonNeg = 0.0
    pinned: Strs = ()
    minimums: Literal["this_tier", "this_tier_or_higher"] = "this_tier"
    per_prefecture_max: Count | None = None
    allocation: Literal["none", "proportional"] = "none"

    @classmethod
    def _prepare(cls, data: dict) -> dict:
        d = super()._prepare(data)
        if "label" not in d and isinstance(d.get("name"), str):
            d["label"] = d["name"]
        return d

    @model_validator(mode="after")
    def _check(self) -> Tier:
        if self.per_prefecture_max is not None and self.per_prefecture_max < max(
                1, self.per_prefecture_min):
            raise ValueError(f"per_prefecture_max = {self.per_prefecture_max} is below "
                             f"per_prefecture_min = {self.per_prefecture_min} (or 1)")
        if len(set(self.pinned)) != len(self.pinned):
            raise ValueError("a town is pinned twice")
        if self.count is None and self.min_count == 0:
            raise ValueError("give either count (exact) or min_count")
        return self

    @property
    def cumulative(self) -> bool:
        """Whether the per-unit minimums count towns of this tier or a higher one."""
        return self.minimums == MINIMUMS_CUMULATIVE


@dataclass(frozen=True, config=_SCHEMA)
class Eligibility(_Table):
    """Which kinds of township-level unit may be designated (the others are listed with the
    reason)."""

    kinds: Annotated[Strs, Field(min_length=1)]


@dataclass(frozen=True, config=_SCHEMA)
class Focus(_Table):
    """The plan's focus areas (metro area, city periphery, border, key counties and towns).
    Codes are 6-digit county or town codes; distances km, times minutes."""

    metro_core: Str
    metro_counties: Strs
    border_countries: Strs
    border_county_km: NonNeg
    key_assisted_counties: Strs
    key_node_towns: Strs
    periphery_min: Positive
    #: Counties only partly in the metro area; their towns get ``metro_partial_value``.
    metro_partial_counties: Strs
    metro_partial_value: Share
    #: Chinese name of the core city as maps and reasons print it; ``""``: ``metro_core``.
    #: A national run sets it where ``metro_core`` is a placeholder such as 市辖区.
    metro_name: Str = ""

    @model_validator(mode="after")
    def _check(self) -> Focus:
        both = set(self.metro_counties) & set(self.metro_partial_counties)
        if both:
            raise ValueError(f"metro_partial_counties repeats counties of metro_counties: "
                             f"{sorted(both)}; a county is either wholly or partly in the "
                             "metro area")
        return self

    @property
    def metro_area(self) -> str:
        """The metro area's Chinese name, from its core city (长春市 → 长春都市圈)."""
        return (self.metro_name or self.metro_core).removesuffix("市") + "都市圈"

    @property
    def metro_city(self) -> str:
        """The core city's Chinese name as printed (``metro_name``, else ``metro_core``)."""
        return self.metro_name or self.metro_core


@dataclass(frozen=True, config=_SCHEMA)
class Access(_Table):
    """Travel-time and catchment parameters (speeds km/h, distances km, times minutes)."""

    #: Road length / straight line; a road is never shorter than the straight line.
    circuity_factor: Annotated[float, Strict(), AllowInfNan(False), Field(ge=1)]
    fallback_speed_kmh: Positive
    station_types: Strs
    population_radius_km: Positive
    max_snap_km: Positive
    isochrone_min: MinuteList
    gravity_beta_per_min: NonNeg
    gravity_limit_min: Positive
    #: Without --roads, use the embedded OSM major-road skeleton (Jilin default run only).
    embedded_roads: Bool
    #: Uniform speed on the skeleton's edges (km/h): it has no road class.
    network_speed_kmh: Positive
    #: Speed of the leg between a place and its nearest skeleton node (straight line x
    #: circuity_factor), km/h.
    access_speed_kmh: Positive
    #: Jilin default run: the embedded GPW population grid as a regional surface.
    embedded_population_grid: Bool
    #: Travel-time thresholds (min) of the regional catchment on that grid.
    region_isochrone_min: MinuteList

    @model_validator(mode="after")
    def _check(self) -> Access:
        for key in ("isochrone_min", "region_isochrone_min"):
            vals = getattr(self, key)
            if len(set(vals)) != len(vals):
                raise ValueError(f"{key} = {list(vals)}: need distinct minutes")
        return self


@dataclass(frozen=True, config=_SCHEMA)
class Types(_Table):
    """Thresholds of the rule-based development types and the type quotas per tier.

    Distances in km, times in minutes; ``metro_prefecture_min = 0`` turns the own-prefecture-
    seat clause of 都市卫星型 off. ``embedded_layers``: on the embedded Jilin towns, use the
    embedded industry and tourism layers when no ``--industry`` / ``--tourism`` is given.
    ``quotas[tier][type]`` is the minimum number of towns of that type in that tier
    (minimums summing to the tier's ``count`` make the mix exact).
    """

    metro_changchun_min: NonNeg
    metro_prefecture_min: NonNeg
    border_use_county: Bool
    border_dist_km: NonNeg
    rail_station_km: NonNeg
    expressway_km: NonNeg
    centrality_quantile: Annotated[float, Strict(), AllowInfNan(False), Field(gt=0, lt=1)]
    centrality_limit_min: NonNeg
    centrality_max_sources: Count
    centrality_exact_max_nodes: Count
    industry_radius_km: NonNeg
    tourism_radius_km: NonNeg
    precedence: tuple[RuleType, ...]
    embedded_layers: Bool
    cluster_method: Literal["kmeans", "gmm"]
    cluster_k_min: Annotated[int, Strict(), Field(ge=2)]
    cluster_k_max: Annotated[int, Strict(), Field(ge=2)]
    seed: Int
    quotas: dict[Str, dict[DevType, Count]] = dataclasses.field(default_factory=dict,
                                                                hash=False)

    @model_validator(mode="after")
    def _check(self) -> Types:
        if sorted(self.precedence) != sorted(_RULE_TYPES):
            raise ValueError(f"precedence must list each of {list(_RULE_TYPES)} exactly once "
                             "(comprehensive_service is the default, not ranked); got "
                             f"{list(self.precedence)}")
        if self.cluster_k_min > self.cluster_k_max:
            raise ValueError(f"need cluster_k_min <= cluster_k_max (got {self.cluster_k_min} "
                             f"> {self.cluster_k_max})")
        return self


@dataclass(frozen=True, config=_SCHEMA)
class Assessment(_Table):
    """The yearly assessment rules (plan 六(三) 严格考核考评); see :mod:`.assessment`.

    ``indicators`` are columns of the yearly indicator table, scored like criteria;
    ``spatial_weight`` weighs the year's spatial score from the pipeline against them (0 by
    default: the assessment is of construction performance). ``ranking_scale`` is
    ``"provincial"`` (min-max over the provincial towns only; municipal candidates are
    scored on that scale) or ``"assessed"`` (over provincial and municipal towns together).
    A municipal town may replace an eliminated one only when its score reaches the
    ``excellent_quantile`` of the provincial towns' scores (0 = no excellence test).
    ``backfill_municipal`` refills a promoted town's municipal place from ``backfill_pool``:
    ``"untiered_and_county"`` or ``"untiered"``. A file's ``[[assessment.indicators]]``
    replace the list below them whole.
    """

    commend_top: Count
    criticise_bottom: Annotated[int, Strict(), Field(ge=1)]
    eliminate_after: Annotated[int, Strict(), Field(ge=1)]
    streak: Literal["calendar", "assessments"]
    replacement_prefecture: Literal["always", "when_needed"]
    no_same_prefecture: Literal["warn", "error"]
    backfill_municipal: Bool
    spatial_weight: NonNeg
    indicators: tuple[Criterion, ...]
    ranking_scale: Literal["provincial", "assessed"]
    excellent_quantile: Share
    backfill_pool: Literal["untiered_and_county", "untiered"]

    @model_validator(mode="after")
    def _check(self) -> Assessment:
        cols = [c.column for c in self.indicators]
        dupes = sorted({c for c in cols if cols.count(c) > 1})
        if dupes:
            raise ValueError(f"indicators listed twice: {dupes}")
        if self.spatial_weight + sum(c.weight for c in self.indicators) <= 0:
            raise ValueError("all assessment weights are zero")
        return self


@dataclass(frozen=True, config=_SCHEMA)
class National(_Table):
    """National runs (:mod:`.national`): criteria split by prefecture above ``split_towns``
    township rows; ``template_province`` uses the top-level config as written; ``facts``
    tables for every province (e.g. from --facts); print figures per province or not."""

    province_figures: Bool
    split_towns: Annotated[int, Strict(), Field(ge=1)] = 2000
    template_province: ProvinceCode = "220000"
    facts: Strs = ()


@dataclass(frozen=True, config=_SCHEMA)
class ProvinceOverride(_Table):
    """``[provinces."<code>"]``: one province's settings in a national run. Its tables are
    laid over the top-level ones as a user file is over the defaults (see :func:`overlay`)
    and validated like them; ``roads`` / ``population`` / ``facts`` are its input files."""

    focus: dict[Str, Any] | None = None
    tiers: list[dict[Str, Any]] | None = None
    criteria: list[dict[Str, Any]] | None = None
    criteria_mode: Literal["merge", "replace"] | None = None
    access: dict[Str, Any] | None = None
    eligibility: dict[Str, Any] | None = None
    metric_crs: Str | None = None
    roads: Str | None = None
    population: Str | None = None
    facts: Strs = ()

    #: Keys that are the province's input files, not configuration.
    INPUT_KEYS: ClassVar[tuple[str, ...]] = ("roads", "population", "facts")

    def settings(self) -> dict:
        """The configuration tables this override gives (not its input files)."""
        return {k: v for k, v in _table_dump(self).items() if k not in self.INPUT_KEYS}


@dataclass(frozen=True, config=_SCHEMA)
class Config(_Table):
    """Validated run configuration. Build it with :func:`load` or :func:`from_dict`."""

    run_name: Annotated[str, Strict(), Field(min_length=1)]
    #: "auto" (an Albers equal-area conic fitted to the boundary) or any projected CRS.
    metric_crs: Str
    eligibility: Eligibility
    focus: Focus
    access: Access
    criteria: Annotated[tuple[Criterion, ...], Field(min_length=1)]
    tiers: Annotated[tuple[Tier, ...], Field(min_length=1)]
    weighting: Weighting
    aggregation: Aggregation
    sensitivity: Sensitivity
    types: Types
    assessment: Assessment
    national: National
    provinces: dict[ProvinceCode, ProvinceOverride] = dataclasses.field(
        default_factory=dict, hash=False)
    #: How this file's ``[[criteria]]`` meet the defaults: "merge" (by column) or "replace".
    criteria_mode: Literal["merge", "replace"] = "merge"
    #: Where the configuration came from (a file path, or "default").
    source: str = "default"
    #: Per criterion column: "default", or what the user's layer did to it (see
    #: :func:`overlay`); empty without a user file.
    criteria_origin: tuple[tuple[str, str], ...] = dataclasses.field(default=(), compare=False)

    _INTERNAL: ClassVar[frozenset[str]] = frozenset({"source", "criteria_origin"})

    @model_validator(mode="after")
    def _check(self) -> Config:
        cols = [c.column for c in self.criteria]
        dupes = sorted({c for c in cols if cols.count(c) > 1})
        if dupes:
            raise ValueError(f"criteria listed twice: {dupes}")
        if self.weighting.method == "expert":
            unweighted = [c.column for c in self.criteria
                          if _written(c) is not None and "weight" not in _written(c)]  # type: ignore[operator]
            if unweighted:
                raise ValueError(f"criteria {unweighted} need a weight with weighting.method = "
                                 "'expert'")
        if sum(c.weight for c in self.criteria) <= 0:
            raise ValueError("all criterion weights are zero")
        weights = [t.tier_weight for t in self.tiers]
        if any(a <= b for a, b in zip(weights, weights[1:], strict=False)):
            raise ValueError(
                f"tier_weight must be strictly decreasing from the first tier to the last "
                f"(got {weights}); otherwise the selection could put a better town in a lower "
                "tier")
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError(f"tier names must be unique: {names}")
        object.__setattr__(self, "weighting", _exact_weighting(self.weighting, self.criteria))
        _check_quotas(self.types.quotas, self.tiers)
        return self

    @property
    def eligible_kinds(self) -> tuple[str, ...]:
        """``[eligibility] kinds``."""
        return self.eligibility.kinds

    @property
    def raw(self) -> dict:
        """The configuration as a plain dict (see :meth:`to_dict`)."""
        return self.to_dict()

    def to_dict(self) -> dict:
        """The configuration as a plain TOML-shaped dict, written from the validated values:
        the keys the files gave (or, for tables built in code, their required and non-default
        keys). ``from_dict(cfg.to_dict())`` gives ``cfg`` back."""
        return _table_dump(self)

    def criterion_columns(self) -> list[str]:
        return [c.column for c in self.criteria]

    def table_criteria(self) -> tuple[Criterion, ...]:
        """The criteria read from the town facts tables (``source = "table"``)."""
        return tuple(c for c in self.criteria if c.source == "table")

    def user_criteria(self) -> list[tuple[str, str]]:
        """(column, what the user's file did) for the criteria it added, changed or replaced."""
        return [(c, o) for c, o in self.criteria_origin if o != "default"]


def _exact_weighting(w: Weighting, criteria: tuple[Criterion, ...]) -> Weighting:
    """The weighting with its criteria list filled in (the scored criteria when not given)
    and an AHP matrix checked and made exactly reciprocal."""
    if w.method not in AVAILABLE_WEIGHTING_METHODS:
        raise ValueError(f"weighting.method = {w.method!r} is declared but not available yet; "
                         f"use one of {list(AVAILABLE_WEIGHTING_METHODS)}")
    scored = [c.column for c in criteria if c.weight > 0]
    names = w.criteria or tuple(scored)
    if not w.pairwise:
        if w.method == "ahp" or (w.method == "combined" and w.subjective == "ahp"):
            raise ValueError(f"weighting.method = {w.method!r} with AHP needs "
                             f"weighting.pairwise, a square matrix over {scored}")
        return _derived(w, criteria=names)
    if sorted(names) != sorted(scored) or len(set(names)) != len(names):
        raise ValueError(f"weighting.criteria must list each scored criterion once (those "
                         f"with weight > 0): expected {scored}, got {list(names)}")
    a, n = w.pairwise, len(names)
    if len(a) != n or any(len(r) != n for r in a):
        raise ValueError(f"weighting.pairwise must be a {n} x {n} matrix (one row per "
                         f"criterion, in the order {list(names)})")
    for i in range(n):
        if abs(a[i][i] - 1.0) > 1e-9:
            raise ValueError(f"weighting.pairwise[{i}][{i}] ({names[i]}) is {a[i][i]}; the "
                             "diagonal must be 1")
        for j in range(n):
            pair = f"weighting.pairwise[{i}][{j}] ({names[i]} vs {names[j]})"
            if not _SAATY_MIN <= a[i][j] <= _SAATY_MAX:
                raise ValueError(f"{pair} is {a[i][j]:g}; Saaty's scale runs from 1/9 to 9")
            if j > i and abs(a[i][j] * a[j][i] - 1.0) > _RECIPROCAL_TOL:
                raise ValueError(f"{pair} is {a[i][j]:g} but [{j}][{i}] is {a[j][i]:g}; a "
                                 f"pairwise matrix must be reciprocal (expected "
                                 f"{1 / a[i][j]:g})")
    # The upper triangle is authoritative; the lower is its exact reciprocal, so rounding
    # in a typed 0.333 does not enter the eigenvector.
    exact = tuple(tuple(1.0 if i == j else (a[i][j] if j > i else 1.0 / a[j][i])
                        for j in range(n)) for i in range(n))
    return _derived(w, criteria=names, pairwise=exact)


def _check_quotas(quotas: dict, tiers: tuple[Tier, ...]) -> None:
    by_name = {t.name: t for t in tiers}
    for tier_name, mix in quotas.items():
        if tier_name not in by_name:
            raise ValueError(f"[types.quotas.{tier_name}]: no tier named {tier_name!r} "
                             f"(tiers: {list(by_name)})")
        tier = by_name[tier_name]
        if tier.count is not None and sum(mix.values()) > tier.count:
            raise ValueError(f"[types.quotas.{tier_name}]: type minimums sum to "
                             f"{sum(mix.values())} but the tier has exactly {tier.count} towns")


_CONFIG = TypeAdapter(Config)


# ---------------------------------------------------------------------------------------------
# writing back: the validated objects as TOML-shaped dicts


def _plain(value: Any) -> Any:
    if isinstance(value, _Table):
        return _table_dump(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _table_dump(obj: _Table) -> dict:
    given = _written(obj)
    back = {v: k for k, v in obj._RENAMES.items()}
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        if f.name in obj._INTERNAL:
            continue
        value = getattr(obj, f.name)
        if f.name == "transform" and isinstance(obj, Criterion):
            t = value
            if given is not None:
                keys = [k for k in ("transform", *obj._FOLDED) if k in given]
            else:
                keys = ([] if t.kind == "minmax" else ["transform"]) + [
                    k for k in obj._FOLDED if getattr(t, k) is not None]
            for k in keys:
                out[k] = t.kind if k == "transform" else getattr(t, k)
            continue
        key = back.get(f.name, f.name)
        if given is not None:
            if key not in given:
                continue
        else:
            has_default = not (f.default is dataclasses.MISSING
                               and f.default_factory is dataclasses.MISSING)
            default = (f.default_factory() if f.default_factory is not dataclasses.MISSING
                       else f.default)
            if has_default and value == default:
                continue
        if value is None:
            continue  # TOML has no null; None is every such key's default
        out[key] = _plain(value)
    if isinstance(obj, Criterion) and obj.source == "table":
        out.update(source="table", missing=obj.missing)  # a file must state them
    return out


# ---------------------------------------------------------------------------------------------
# reading and layering


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise errors.ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise errors.ConfigError(f"config file {path} is a folder, not a TOML file") from None
    except UnicodeDecodeError as exc:
        raise errors.ConfigError(f"config file {path} is not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise errors.ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def load(path: str | Path | None = None, overrides: dict | None = None) -> Config:
    """Load the default configuration, overlaid by ``path`` and then by ``overrides``.

    Parameters
    ----------
    path
        A TOML file; keys it omits keep their default. Its ``[[criteria]]`` add to or change
        the default criteria by ``column`` unless it says ``criteria_mode = "replace"``.
    overrides
        Extra top-level keys (e.g. from the CLI), applied last, by the same rules.

    Raises
    ------
    spatial_towns.errors.ConfigError
        Naming the file, the table and the key.
    """
    raw = _read_toml(DEFAULT_CONFIG_PATH)
    source, origin = "default", None
    layers = [] if path is None else [(_anchored(_read_toml(Path(path)), Path(path).parent),
                                       str(path))]
    if overrides:
        layers.append((overrides, "overrides"))
    for layer, name in layers:
        raw, origin = overlay(raw, layer, origin=origin, source=name)
    if path is not None:
        source = str(path)
    elif overrides:
        source = "overrides"
    return from_dict(raw, source=source, criteria_origin=origin)


def _anchored(layer: dict, folder: Path) -> dict:
    """``[weighting] panel`` files are relative to the config file that names them."""
    w = layer.get("weighting")
    if isinstance(w, dict) and isinstance(w.get("panel"), list):
        w["panel"] = [str(folder / p) if isinstance(p, str) and not Path(p).is_absolute()
                      else p for p in w["panel"]]
    return layer


def merge(base: dict, over: dict) -> dict:
    """``base`` with the layer ``over`` laid on top (see :func:`overlay`)."""
    return overlay(base, over)[0]


def overlay(base: dict, over: dict, origin: dict | None = None,
            source: str = "config") -> tuple[dict, dict]:
    """A deep copy of ``base`` with the layer ``over`` laid on top, and each criterion's origin.

    Tables merge key by key; any other value (lists included) replaces the base's, except
    ``[[criteria]]``: with ``criteria_mode = "merge"`` (the default) each entry of ``over``
    whose ``column`` is already a criterion changes only the keys it gives (a new
    ``transform`` drops the old one's parameters), and an entry with a new column is added
    at the end; ``weight = 0`` leaves a criterion out of the score. With ``criteria_mode =
    "replace"`` the layer's list is the whole list. ``origin`` maps each column to "default",
    "added", "changed: <keys>" or "replaced" (the keys of the layer's entry).
    """
    out = copy.deepcopy(base)
    origin = dict(origin) if origin is not None else {
        c.get("column"): "default" for c in base.get("criteria", []) if isinstance(c, dict)}
    for key, value in over.items():
        if key == "criteria":
            continue
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    if "criteria" not in over:
        if over.get("criteria_mode") == "replace":
            raise errors.ConfigError(f"{source}: criteria_mode = 'replace' but no "
                                     "[[criteria]] to replace the list with")
        return out, origin
    mode = over.get("criteria_mode", "merge")
    entries = over["criteria"]
    if (mode not in CRITERIA_MODES or not isinstance(entries, list)
            or not all(isinstance(e, dict) for e in entries)):
        out["criteria"] = copy.deepcopy(entries)  # malformed: the schema names what is wrong
        return out, origin
    if mode == "replace":
        out["criteria"] = copy.deepcopy(entries)
        return out, {e.get("column"): "replaced (criteria_mode = 'replace')" for e in entries}
    merged = [dict(c) for c in out.get("criteria", [])]
    at = {c.get("column"): k for k, c in enumerate(merged)}
    for e in entries:
        col = e.get("column")
        if col in at and isinstance(col, str):
            entry = merged[at[col]]
            if "transform" in e:
                for k in Criterion._FOLDED:
                    entry.pop(k, None)
            entry.update(copy.deepcopy(e))
            changed = sorted(k for k in e if k != "column")
            origin[col] = "changed: " + (", ".join(changed) or "nothing")
        else:
            merged.append(copy.deepcopy(e))
            if isinstance(col, str):
                at[col] = len(merged) - 1
                origin[col] = "added"
    out["criteria"] = merged
    return out, origin


def from_dict(raw: dict[str, Any], source: str = "dict",
              criteria_origin: dict | None = None) -> Config:
    """Validate a complete configuration dict and build a :class:`Config`.

    Raises
    ------
    spatial_towns.errors.ConfigError
        Naming the source, the table and the key, with what is allowed.
    """
    if not isinstance(raw, dict):
        raise errors.ConfigError(f"{source}: a configuration is a table of keys, got "
                                 f"{type(raw).__name__}")
    cfg = _validate(raw, source)
    origin = tuple((c.column, (criteria_origin or {}).get(c.column, "default"))
                   for c in cfg.criteria) if criteria_origin is not None else ()
    cfg = dataclasses.replace(cfg, source=source, criteria_origin=origin)
    object.__setattr__(cfg, "_written", frozenset(raw))
    _check_provinces(raw, source)
    return cfg


def _validate(raw: dict, source: str, prefix: tuple = ()) -> Config:
    try:
        return _CONFIG.validate_python(raw)
    except ValidationError as exc:
        raise errors.ConfigError(_message(exc, raw, source, prefix)) from None


def _check_provinces(raw: dict, source: str) -> None:
    """Each ``[provinces."<code>"]`` laid over the top-level tables must be a valid config."""
    base = {k: v for k, v in raw.items() if k != "provinces"}
    for code, over in (raw.get("provinces") or {}).items():
        settings = {k: v for k, v in over.items() if k not in ProvinceOverride.INPUT_KEYS}
        _validate(merge(base, settings), source, prefix=("provinces", code))


def revise(obj: Any, where: str, **changes: Any) -> Any:
    """``dataclasses.replace`` for code that changes a validated table (the what-if
    explorer): the schema's checks apply, and a violation is a ConfigError naming ``where``."""
    try:
        return dataclasses.replace(obj, **changes)
    except ValidationError as exc:
        msgs = [f"{'.'.join(map(str, e['loc'])) or 'value'}: "
                f"{_KINDS.get(e['type'], e['msg'].removeprefix('Value error, '))}"
                for e in exc.errors()]
        raise errors.ConfigError(f"{where}: " + "; ".join(msgs)) from None


def from_keys(cls: type, **keys: Any) -> Any:
    """A table built as a file giving ``keys`` would be (those keys are written back by
    :meth:`Config.to_dict`, defaults or not)."""
    try:
        return TypeAdapter(cls).validate_python(keys)
    except ValidationError as exc:
        raise errors.ConfigError(_message(exc, keys, "code", (cls.__name__.lower(),))) \
            from None


def as_plain(obj: _Table) -> dict:
    """One table (a Tier, a Criterion, ...) as the TOML-shaped dict :meth:`Config.to_dict`
    writes for it."""
    return _table_dump(obj)


def tiers_of(entries: list[dict]) -> tuple[Tier, ...]:
    """``[[tiers]]`` entries of a configuration dict as validated tiers."""
    try:
        return TypeAdapter(tuple[Tier, ...]).validate_python(entries)
    except ValidationError as exc:
        raise errors.ConfigError(_message(exc, {"tiers": entries}, "config", ("tiers",))) \
            from None


def national_settings(raw: dict) -> National:
    """The ``[national]`` table of a configuration dict (from :meth:`Config.to_dict`)."""
    try:
        return TypeAdapter(National).validate_python(raw.get("national", {}))
    except ValidationError as exc:
        raise errors.ConfigError(_message(exc, raw.get("national", {}), "config",
                                          ("national",))) from None


def province_override(raw: dict, code: str) -> ProvinceOverride:
    """``[provinces."<code>"]`` of a configuration dict (empty when not given)."""
    table = raw.get("provinces", {})
    try:
        return TypeAdapter(ProvinceOverride).validate_python(
            table.get(code, {}) if isinstance(table, dict) else table)
    except ValidationError as exc:
        raise errors.ConfigError(_message(exc, table, "config", ("provinces", code))) from None


# ---------------------------------------------------------------------------------------------
# messages: a pydantic error location -> the file's table and key


_KINDS = {
    "float_type": "must be a number", "float_parsing": "must be a number",
    "int_type": "must be a whole number", "int_from_float": "must be a whole number",
    "int_parsing": "must be a whole number", "bool_type": "must be true or false",
    "bool_parsing": "must be true or false", "string_type": "must be a string (in quotes)",
    "tuple_type": "must be a list", "list_type": "must be a list",
    "dict_type": "must be a table", "dataclass_type": "must be a table",
    "model_type": "must be a table", "missing": "is required",
    "finite_number": "must be a finite number",
}
_LOC_NAMES = {"exclude_below": "min", "exclude_above": "max"}


def _describe(loc: tuple, raw: Any, as_table: bool = False) -> tuple[str, str]:
    """(table as the file writes it, key) for a location such as ('criteria', 2, 'weight');
    ``as_table``: the location is a table (an unknown key in it, a check across its keys)."""
    loc = tuple(_LOC_NAMES.get(p, p) if isinstance(p, str) else p for p in loc)
    # A criterion's transform parameters are keys of the criterion itself.
    if "transform" in loc:
        k = loc.index("transform")
        if k > 0 and isinstance(loc[k - 1], int) and k + 1 < len(loc):
            loc = loc[:k] + (("transform",) if loc[k + 1] == "kind" else loc[k + 1:k + 2])
    if as_table:
        loc = loc + (None,)
    parts: list[str] = []
    header, key, node, i = "", "", raw, 0
    while i < len(loc):
        p = loc[i]
        if i == len(loc) - 1:
            key = "" if p is None else str(p)
            break
        child = node.get(p) if isinstance(node, dict) else None
        nxt = loc[i + 1]
        if isinstance(nxt, int):
            entry = child[nxt] if isinstance(child, list) and 0 <= nxt < len(child) else None
            if not isinstance(entry, dict):  # an item of a list of values (or a bad entry)
                key = str(p) + "".join(f"[{x}]" for x in loc[i + 1:] if x is not None)
                break
            # Named by its column or name: after merging by column, the position in the
            # merged list is not the one in the user's file.
            ident = next((f" ({k} = {entry[k]!r})" for k in ("column", "name")
                          if isinstance(entry.get(k), str)), f" #{nxt + 1}")
            header = f"[[{'.'.join(parts + [str(p)])}]]{ident}"
            parts, node, i = [], entry, i + 2
            continue
        parts.append(f'"{p}"' if parts and parts[-1] == "provinces" else str(p))
        node, i = child, i + 1
    if header:
        table = header + "".join(f".{x}" for x in parts)
    else:
        table = f"[{'.'.join(parts)}]" if parts else "top level"
    return table, key


def _message(exc: ValidationError, raw: Any, source: str, prefix: tuple = ()) -> str:
    """One line per error (the first six), each naming the source, the table and the key."""
    full: Any = raw
    for p in reversed(prefix):
        full = {p: full}
    lines = []
    errs = exc.errors()
    for err in errs:
        kind, ctx = err["type"], err.get("ctx") or {}
        if kind == "too_short" and any(e is not err and e["loc"][:len(err["loc"])] == err["loc"]
                                       for e in errs):
            continue  # the list is empty only because its entries are wrong
        loc = prefix + tuple(err["loc"])
        as_table = kind in ("unknown_key", "value_error", "table_missing", "geometry_units")
        if loc and loc[-1] == "[key]":  # a key of a free-form table ([types.quotas.<tier>])
            loc, as_table = loc[:-2], True
            choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            near = difflib.get_close_matches(str(err["input"]), choices, n=1, cutoff=0.7)
            ctx = {"unknown": [(err["input"], near[0] if near else None)],
                   "allowed": ", ".join(choices) or "a 6-digit province code"}
            kind = "unknown_key"
        table, key = _describe(loc, full, as_table=as_table)
        where = f"in {table} of {source}" if table != "top level" else f"in {source}"
        if kind == "unknown_key":
            for k, near in ctx["unknown"]:
                lines.append(f"unknown key {k!r} {where}; " + (
                    f"did you mean {near!r}?" if near else f"allowed: {ctx['allowed']}"))
            continue
        msg = err["msg"].removeprefix("Value error, ")
        if kind in _KINDS:
            msg = _KINDS[kind]
        elif kind == "literal_error":
            msg = f"must be one of {ctx.get('expected', '')}"
        elif kind in _BOUNDS:
            msg = f"must be {_BOUNDS[kind]} {next(iter(ctx.values()), '')}"
        elif kind == "too_short":
            msg = "must not be empty"
        if kind == "missing":
            lines.append(f"{key} {msg} {where}")
        elif as_table:
            lines.append(f"{where}: {msg}".removeprefix("in "))
        else:
            lines.append(f"{key} = {_show(err.get('input'))} {where}: {msg}")
    more = lines[1:6] + ([f"... and {len(lines) - 6} more"] if len(lines) > 6 else [])
    return "\n  ".join(lines[:1] + more)


_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
           "less_than_equal": "<="}


def _show(value: Any) -> str:
    text = repr(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and math.isnan(value):
        text = "nan"
    return text if len(text) <= 60 else text[:57] + "..."
