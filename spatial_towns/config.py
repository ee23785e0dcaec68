"""One validated configuration object for a run.

The defaults live in ``default_config.toml`` next to this module; a user file overrides any
top-level key or table (lists such as ``criteria`` and ``tiers`` are replaced whole).
"""

from __future__ import annotations

import copy
import math
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import errors

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.toml")

_DIRECTIONS = ("benefit", "cost")
TRANSFORMS = ("minmax", "sigmoid", "linear", "log", "rank")
#: Where a criterion's values come from: computed from the layers, or a town facts table.
SOURCES = ("geometry", "table")
#: What a table criterion does for a town the facts tables give no value: exclude it (with
#: that reason), impute its county's median, or count it as zero (imputed towns are flagged).
MISSING_POLICIES = ("exclude", "county_median", "zero")
WEIGHTING_METHODS = ("expert", "ahp", "entropy", "critic")
AGGREGATION_METHODS = ("wlc", "topsis", "owa")
# Saaty's scale runs from 1/9 to 9; 1 % slack lets a planner type 0.111 for 1/9.
_SAATY_MIN, _SAATY_MAX, _RECIPROCAL_TOL = 1.0 / 9.0 * 0.99, 9.0 * 1.01, 0.01


@dataclass(frozen=True)
class Transform:
    """How a criterion's raw values become a 0-1 value (1 = best).

    ``minmax`` rescales over the eligible towns; ``sigmoid`` (``midpoint``, ``spread``) and
    ``linear`` (``lower``, ``upper``) are fuzzy memberships in the column's own units,
    increasing for a benefit and decreasing for a cost criterion; ``log`` is min-max of
    ``log1p`` (for skewed magnitudes such as output in 万元); ``rank`` the quantile rank
    among the eligible towns (ties share their mean rank).
    """

    kind: str = "minmax"
    midpoint: float | None = None
    spread: float | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class Criterion:
    """A scored criterion: a column of the criteria table, its direction and weight.

    ``exclude_below`` / ``exclude_above`` (config keys ``min`` / ``max``) are hard
    constraints in the column's units: a town outside them is excluded, with the reason.
    A criterion with weight 0 only constrains.
    """

    column: str
    direction: str
    weight: float
    label: str = ""
    fallback: str | None = None
    transform: Transform = field(default_factory=Transform)
    exclude_below: float | None = None
    exclude_above: float | None = None
    #: ``geometry`` (computed by :mod:`.criteria`) or ``table`` (a column of the town facts
    #: tables, :mod:`.facts`); ``units`` of the column as the tables give it; ``missing``:
    #: the policy for towns without a value (table criteria must state it).
    source: str = "geometry"
    units: str = ""
    missing: str = "exclude"
    #: The plan criterion or focus area this criterion serves (e.g. "产业比较兴旺"); the
    #: report sums the weights per group.
    group: str = ""


@dataclass(frozen=True)
class Weighting:
    """How criterion weights are set: ``expert`` (the ``weight`` keys), ``ahp`` (principal
    eigenvector of ``pairwise``, rows in the order of ``criteria``), or the objective
    ``entropy`` / ``critic`` weights of the eligible towns' normalised criteria."""

    method: str = "expert"
    criteria: tuple[str, ...] = ()
    pairwise: tuple[tuple[float, ...], ...] = ()


@dataclass(frozen=True)
class Aggregation:
    """How normalised criteria and weights become the score: ``wlc`` (weighted linear
    combination), ``topsis`` or ``owa`` (with ``order_weights``, best value first)."""

    method: str = "wlc"
    order_weights: tuple[float, ...] = ()


@dataclass(frozen=True)
class Sensitivity:
    """Robustness analysis: ``draws`` Monte Carlo weight draws from a Dirichlet centred on the
    weights used (``concentration``: larger = tighter), seeded; one-at-a-time relative weight
    ``steps``. ``draws = 0`` turns it off."""

    draws: int = 100
    concentration: float = 50.0
    seed: int = 20221231
    steps: tuple[float, ...] = (-0.5, -0.2, 0.2, 0.5)


@dataclass(frozen=True)
class Tier:
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
    """

    name: str
    label: str
    tier_weight: float
    count: int | None = None
    min_count: int = 0
    per_prefecture_min: int = 0
    per_county_min: int = 0
    min_spacing_km: float = 0.0
    pinned: tuple[str, ...] = ()
    minimums: str = "this_tier"
    per_prefecture_max: int | None = None
    allocation: str = "none"

    @property
    def cumulative(self) -> bool:
        """Whether the per-unit minimums count towns of this tier or a higher one."""
        return self.minimums == MINIMUMS_CUMULATIVE


#: Values of ``Tier.minimums``: the literal reading, and "this tier or higher".
MINIMUMS_LITERAL, MINIMUMS_CUMULATIVE = "this_tier", "this_tier_or_higher"
ALLOCATIONS = ("none", "proportional")


@dataclass(frozen=True)
class Focus:
    metro_core: str
    metro_counties: tuple[str, ...]
    border_countries: tuple[str, ...]
    border_county_km: float
    key_assisted_counties: tuple[str, ...] = ()
    key_node_towns: tuple[str, ...] = ()
    periphery_min: float = 45.0
    #: Counties only partly in the metro area; their towns get ``metro_partial_value``.
    metro_partial_counties: tuple[str, ...] = ()
    metro_partial_value: float = 0.5
    #: Chinese name of the core city as maps and reasons print it; ``""``: ``metro_core``.
    #: A national run sets it where ``metro_core`` is a placeholder such as 市辖区.
    metro_name: str = ""

    @property
    def metro_area(self) -> str:
        """The metro area's Chinese name, from its core city (长春市 → 长春都市圈)."""
        return (self.metro_name or self.metro_core).removesuffix("市") + "都市圈"

    @property
    def metro_city(self) -> str:
        """The core city's Chinese name as printed (``metro_name``, else ``metro_core``)."""
        return self.metro_name or self.metro_core


@dataclass(frozen=True)
class Access:
    circuity_factor: float
    fallback_speed_kmh: float
    station_types: tuple[str, ...]
    population_radius_km: float
    max_snap_km: float
    isochrone_min: tuple[float, ...] = (30.0,)
    gravity_beta_per_min: float = 0.05
    gravity_limit_min: float = 60.0
    #: Without --roads, use the embedded OSM major-road skeleton (Jilin default run only).
    embedded_roads: bool = True
    #: Uniform speed on the skeleton's edges (km/h): it has no road class.
    network_speed_kmh: float = 60.0
    #: Speed of the leg between a place and its nearest skeleton node (straight line x
    #: circuity_factor), km/h.
    access_speed_kmh: float = 30.0
    #: Jilin default run: the embedded GPW population grid as a regional surface.
    embedded_population_grid: bool = True
    #: Travel-time thresholds (min) of the regional catchment on that grid.
    region_isochrone_min: tuple[float, ...] = (60.0,)


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


@dataclass(frozen=True)
class Types:
    """Thresholds of the rule-based development types and the type quotas per tier.

    Distances in km, times in minutes; ``metro_prefecture_min = 0`` turns the own-prefecture-
    seat clause of 都市卫星型 off. ``embedded_layers``: on the embedded Jilin towns, use the
    embedded industry and tourism layers when no ``--industry`` / ``--tourism`` is given.
    ``quotas[tier][type]`` is the minimum number of towns of that type in that tier
    (minimums summing to the tier's ``count`` make the mix exact).
    """

    metro_changchun_min: float = 45.0
    metro_prefecture_min: float = 0.0
    border_use_county: bool = True
    border_dist_km: float = 20.0
    rail_station_km: float = 3.0
    expressway_km: float = 5.0
    centrality_quantile: float = 0.9
    centrality_limit_min: float = 60.0
    centrality_max_sources: int = 200
    centrality_exact_max_nodes: int = 20_000
    industry_radius_km: float = 3.0
    tourism_radius_km: float = 5.0
    precedence: tuple[str, ...] = ("border_prosperity", "industry_led", "culture_tourism",
                                   "metro_satellite", "commerce_logistics")
    embedded_layers: bool = True
    cluster_method: str = "kmeans"
    cluster_k_min: int = 2
    cluster_k_max: int = 8
    seed: int = 0
    quotas: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Assessment:
    """The yearly assessment rules (plan 六(三) 严格考核考评); see :mod:`.assessment`.

    ``indicators`` are columns of the yearly indicator table, scored like criteria;
    ``spatial_weight`` weighs the year's spatial score from the pipeline against them (0 by
    default: the assessment is of construction performance). ``ranking_scale`` is
    ``"provincial"`` (min-max over the provincial towns only; municipal candidates are
    scored on that scale) or ``"assessed"`` (over provincial and municipal towns together).
    A municipal town may replace an eliminated one only when its score reaches the
    ``excellent_quantile`` of the provincial towns' scores (0 = no excellence test).
    ``backfill_municipal`` refills a promoted town's municipal place from ``backfill_pool``:
    ``"untiered_and_county"`` or ``"untiered"``.
    """

    commend_top: int = 5
    criticise_bottom: int = 3
    eliminate_after: int = 2
    streak: str = "calendar"
    replacement_prefecture: str = "always"
    no_same_prefecture: str = "warn"
    backfill_municipal: bool = False
    spatial_weight: float = 0.0
    indicators: tuple[Criterion, ...] = ()
    ranking_scale: str = "provincial"
    excellent_quantile: float = 0.5
    backfill_pool: str = "untiered_and_county"


_STREAKS = ("calendar", "assessments")
_REPLACEMENT_PREFECTURE = ("always", "when_needed")
_NO_SAME_PREFECTURE = ("warn", "error")
_RANKING_SCALES = ("provincial", "assessed")
_BACKFILL_POOLS = ("untiered_and_county", "untiered")


@dataclass(frozen=True)
class Config:
    """Validated run configuration. Build it with :func:`load` or :func:`from_dict`."""

    run_name: str
    metric_crs: str
    eligible_kinds: tuple[str, ...]
    focus: Focus
    access: Access
    criteria: tuple[Criterion, ...]
    tiers: tuple[Tier, ...]
    weighting: Weighting = field(default_factory=Weighting)
    aggregation: Aggregation = field(default_factory=Aggregation)
    sensitivity: Sensitivity = field(default_factory=Sensitivity)
    types: Types = field(default_factory=Types)
    source: str = "default"
    assessment: Assessment = field(default_factory=Assessment)
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict:
        """The merged configuration as a plain dict (what was actually used)."""
        return copy.deepcopy(self.raw)

    def criterion_columns(self) -> list[str]:
        return [c.column for c in self.criteria]

    def table_criteria(self) -> tuple[Criterion, ...]:
        """The criteria read from the town facts tables (``source = "table"``)."""
        return tuple(c for c in self.criteria if c.source == "table")


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise errors.ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise errors.ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def load(path: str | Path | None = None, overrides: dict | None = None) -> Config:
    """Load the default configuration, overlaid by ``path`` and then by ``overrides``.

    Parameters
    ----------
    path
        A TOML file; keys it omits keep their default.
    overrides
        Extra top-level keys (e.g. from the CLI), applied last.
    """
    raw = _read_toml(DEFAULT_CONFIG_PATH)
    source = "default"
    if path is not None:
        user = _read_toml(Path(path))
        raw = merge(raw, user)
        source = str(path)
    if overrides:
        raw = merge(raw, overrides)
    return from_dict(raw, source=source)


def merge(base: dict, over: dict) -> dict:
    """A deep copy of ``base`` with ``over`` laid on top: nested tables merge key by key,
    any other value (lists included) replaces the base's."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


_KNOWN_TOP = {"run_name", "metric_crs", "eligibility", "focus", "access", "criteria", "tiers",
              "weighting", "aggregation", "assessment", "sensitivity",
              "types", "national", "provinces"}
# "national" and "provinces" are read by spatial_towns.national (per-province settings).


def _bool(value, key: str, source: str) -> bool:
    if not isinstance(value, bool):
        raise errors.ConfigError(f"{key} = {value!r} in {source}: use true or false")
    return value


def _thresholds(value, source: str, key: str = "access.isochrone_min") -> tuple[float, ...]:
    """``access.isochrone_min`` (or ``key``): one number or a list of minutes, positive and
    distinct."""
    vals = value if isinstance(value, (list, tuple)) else [value]
    try:
        out = tuple(float(v) for v in vals)
    except (TypeError, ValueError):
        raise errors.ConfigError(
            f"{key} = {value!r} in {source}: give minutes, e.g. [15, 30, 60]"
        ) from None
    if not out or any(not (0 < v < 1e4) for v in out) or len(set(out)) != len(out):
        raise errors.ConfigError(
            f"{key} = {value!r} in {source}: need distinct positive minutes"
        )
    return out


def from_dict(raw: dict[str, Any], source: str = "dict") -> Config:
    """Validate a configuration dict and build a :class:`Config`.

    Raises
    ------
    spatial_towns.errors.ConfigError
        Naming the offending key and what is allowed.
    """
    unknown = set(raw) - _KNOWN_TOP
    if unknown:
        raise errors.ConfigError(
            f"unknown config key(s) {sorted(unknown)} in {source}; allowed: {sorted(_KNOWN_TOP)}"
        )
    try:
        focus = Focus(
            metro_core=str(raw["focus"]["metro_core"]),
            metro_counties=tuple(str(c) for c in raw["focus"]["metro_counties"]),
            border_countries=tuple(str(c) for c in raw["focus"]["border_countries"]),
            border_county_km=float(raw["focus"]["border_county_km"]),
            key_assisted_counties=tuple(
                str(c) for c in raw["focus"].get("key_assisted_counties", [])
            ),
            key_node_towns=tuple(str(c) for c in raw["focus"].get("key_node_towns", [])),
            periphery_min=float(raw["focus"].get("periphery_min", 45.0)),
            metro_partial_counties=tuple(
                str(c) for c in raw["focus"].get("metro_partial_counties", [])),
            metro_partial_value=float(raw["focus"].get("metro_partial_value", 0.5)),
            metro_name=str(raw["focus"].get("metro_name", "")),
        )
        acc = raw["access"]
        access = Access(
            circuity_factor=float(acc["circuity_factor"]),
            fallback_speed_kmh=float(acc["fallback_speed_kmh"]),
            station_types=tuple(acc["station_types"]),
            population_radius_km=float(acc["population_radius_km"]),
            max_snap_km=float(acc["max_snap_km"]),
            isochrone_min=_thresholds(acc.get("isochrone_min", [30.0]), source),
            gravity_beta_per_min=float(acc.get("gravity_beta_per_min", 0.05)),
            gravity_limit_min=float(acc.get("gravity_limit_min", 60.0)),
            embedded_roads=_bool(acc.get("embedded_roads", True), "access.embedded_roads",
                                 source),
            network_speed_kmh=float(acc.get("network_speed_kmh", 60.0)),
            access_speed_kmh=float(acc.get("access_speed_kmh", 30.0)),
            embedded_population_grid=_bool(acc.get("embedded_population_grid", True),
                                           "access.embedded_population_grid", source),
            region_isochrone_min=_thresholds(acc.get("region_isochrone_min", [60.0]), source,
                                             "access.region_isochrone_min"),
        )
    except KeyError as exc:
        raise errors.ConfigError(f"missing config key {exc} in {source}") from None
    except (TypeError, ValueError) as exc:
        raise errors.ConfigError(f"bad value in [focus]/[access] of {source}: {exc}") from None
    both = set(focus.metro_counties) & set(focus.metro_partial_counties)
    if both:
        raise errors.ConfigError(
            f"focus.metro_partial_counties in {source} repeats counties of focus.metro_counties: "
            f"{sorted(both)}; a county is either wholly or partly in the metro area")
    if not 0.0 <= focus.metro_partial_value <= 1.0:
        raise errors.ConfigError(
            f"focus.metro_partial_value = {focus.metro_partial_value} in {source} must be "
            "between 0 (not in the metro area) and 1 (wholly in it)")
    if access.circuity_factor < 1.0:
        raise errors.ConfigError(
            f"access.circuity_factor = {access.circuity_factor} in {source}: a road is never "
            "shorter than the straight line; use a value >= 1"
        )
    if not (access.network_speed_kmh > 0 and access.access_speed_kmh > 0):
        raise errors.ConfigError(
            f"access.network_speed_kmh and access.access_speed_kmh must be > 0 in {source}")
    if access.fallback_speed_kmh <= 0 or access.population_radius_km <= 0:
        raise errors.ConfigError(
            f"access.fallback_speed_kmh and access.population_radius_km must be > 0 in {source}"
        )

    method = _table(raw, "weighting", source).get("method", "expert")
    if method not in WEIGHTING_METHODS:
        raise errors.ConfigError(
            f"weighting.method {method!r} in {source} is not one of {WEIGHTING_METHODS}")
    criteria = tuple(_criterion(i, c, source, method)
                     for i, c in enumerate(raw.get("criteria", [])))
    if not criteria:
        raise errors.ConfigError(f"no [[criteria]] in {source}: at least one is needed")
    cols = [c.column for c in criteria]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise errors.ConfigError(f"criteria listed twice in {source}: {dupes}")
    if sum(c.weight for c in criteria) <= 0:
        raise errors.ConfigError(f"all criterion weights are zero in {source}")
    weighting = _weighting(_table(raw, "weighting", source), criteria, source)
    aggregation = _aggregation(_table(raw, "aggregation", source), source)

    tiers = tuple(_tier(i, t, source) for i, t in enumerate(raw.get("tiers", [])))
    if not tiers:
        raise errors.ConfigError(f"no [[tiers]] in {source}: at least one is needed")
    weights = [t.tier_weight for t in tiers]
    if any(a <= b for a, b in zip(weights, weights[1:], strict=False)) or weights[-1] <= 0:
        raise errors.ConfigError(
            f"tier_weight must be positive and strictly decreasing from the first tier to the "
            f"last in {source} (got {weights}); otherwise the selection could put a better town "
            "in a lower tier"
        )
    names = [t.name for t in tiers]
    if len(set(names)) != len(names):
        raise errors.ConfigError(f"tier names must be unique in {source}: {names}")
    return Config(
        run_name=str(raw.get("run_name", "run")),
        metric_crs=str(raw.get("metric_crs", "auto")),
        eligible_kinds=tuple(raw.get("eligibility", {}).get("kinds", ["镇"])),
        focus=focus,
        access=access,
        criteria=criteria,
        tiers=tiers,
        weighting=weighting,
        aggregation=aggregation,
        sensitivity=_sensitivity(_table(raw, "sensitivity", source), source),
        types=_types(raw.get("types", {}), tiers, source),
        source=source,
        assessment=_assessment(raw.get("assessment", {}), source),
        raw=copy.deepcopy(raw),
    )


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise errors.ConfigError(f"{what}: {value!r} is not a number")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise errors.ConfigError(f"{what}: {value!r} is not a number") from None
    if not math.isfinite(out):
        raise errors.ConfigError(f"{what}: {value!r} is not a finite number")
    return out


def _criterion(i: int, c: dict, source: str, method: str = "expert") -> Criterion:
    where = f"criteria[{i}] ({c.get('column', '?')}) in {source}"
    allowed = {"column", "direction", "weight", "label", "fallback", "transform", "midpoint",
               "spread", "lower", "upper", "min", "max", "source", "units", "missing",
               "group"}
    if set(c) - allowed:
        raise errors.ConfigError(
            f"unknown key(s) {sorted(set(c) - allowed)} in {where}; allowed: {sorted(allowed)}")
    # Only expert weighting reads the weight; other methods derive it, and weight = 0 then
    # still marks a constraint-only criterion.
    needed = ("column", "direction", "weight") if method == "expert" else ("column", "direction")
    if any(k not in c for k in needed):
        raise errors.ConfigError(f"{where} needs {', '.join(needed)}")
    if c["direction"] not in _DIRECTIONS:
        raise errors.ConfigError(
            f"{where}: direction {c['direction']!r} is not one of {_DIRECTIONS}"
        )
    weight = _number(c.get("weight", 1.0), f"{where}: weight")
    if weight < 0:
        raise errors.ConfigError(f"{where}: weight {weight} is negative; weights must be >= 0")
    kind = c.get("transform", "minmax")
    if kind not in TRANSFORMS:
        raise errors.ConfigError(f"{where}: transform {kind!r} is not one of {TRANSFORMS}")
    params: dict[str, tuple[str, ...]] = {"sigmoid": ("midpoint", "spread"),
                                          "linear": ("lower", "upper"), "minmax": (),
                                          "log": (), "rank": ()}
    for k in ("midpoint", "spread", "lower", "upper"):
        if k in c and k not in params[kind]:
            owner = next(t for t, ks in params.items() if k in ks)
            raise errors.ConfigError(
                f"{where}: {k} only applies to transform = {owner!r} (this one is {kind!r})")
    missing = [k for k in params[kind] if k not in c]
    if missing:
        raise errors.ConfigError(f"{where}: transform = {kind!r} needs {', '.join(missing)}")
    vals = {k: _number(c[k], f"{where}: {k}") for k in params[kind]}
    if kind == "sigmoid" and vals["spread"] <= 0:
        raise errors.ConfigError(
            f"{where}: spread {vals['spread']} must be > 0 (column units per logistic unit)")
    if kind == "linear" and not vals["lower"] < vals["upper"]:
        raise errors.ConfigError(
            f"{where}: lower {vals['lower']} must be below upper {vals['upper']}; the "
            "direction (benefit/cost) says which end is best")
    lo = None if "min" not in c else _number(c["min"], f"{where}: min")
    hi = None if "max" not in c else _number(c["max"], f"{where}: max")
    if lo is not None and hi is not None and lo > hi:
        raise errors.ConfigError(
            f"{where}: hard constraint min {lo} > max {hi} would exclude every town")
    src, units, policy = _source(c, where)
    return Criterion(
        column=str(c["column"]),
        direction=c["direction"],
        weight=weight,
        label=str(c.get("label", c["column"])),
        fallback=c.get("fallback"),
        transform=Transform(kind=kind, **vals),
        exclude_below=lo,
        exclude_above=hi,
        source=src,
        units=units,
        missing=policy,
        group=str(c.get("group", "")),
    )


def _source(c: dict, where: str) -> tuple[str, str, str]:
    """``source``, ``units`` and ``missing`` of a criterion; a table criterion states its
    missing-value policy (never a silent default)."""
    src = str(c.get("source", "geometry"))
    if src not in SOURCES:
        raise errors.ConfigError(f"{where}: source {src!r} is not one of {SOURCES}")
    if src == "geometry":
        for k in ("units", "missing"):
            if k in c:
                raise errors.ConfigError(
                    f"{where}: {k} applies to source = 'table' criteria only (the units of "
                    "computed columns are fixed, and their missing values exclude the town)")
        return src, "", "exclude"
    if "missing" not in c:
        raise errors.ConfigError(
            f"{where}: a source = 'table' criterion must say what to do for towns the facts "
            f"tables give no value: missing = one of {MISSING_POLICIES}")
    policy = str(c["missing"])
    if policy not in MISSING_POLICIES:
        raise errors.ConfigError(
            f"{where}: missing = {policy!r} is not one of {MISSING_POLICIES}")
    if c.get("fallback") is not None:
        raise errors.ConfigError(
            f"{where}: a table criterion has no fallback column; use missing = "
            f"{MISSING_POLICIES} for towns without a value")
    return src, str(c.get("units", "")), policy


def _table(raw: dict, key: str, source: str) -> dict:
    t = raw.get(key, {})
    if not isinstance(t, dict):
        raise errors.ConfigError(f"[{key}] in {source} must be a table, got {t!r}")
    return t


def _pairwise_entry(value: Any, what: str) -> float:
    # TOML has no fractions; accept "1/3" as a string so the matrix reads like Saaty's.
    if isinstance(value, str) and "/" in value:
        num, _, den = value.partition("/")
        a, b = _number(num.strip(), what), _number(den.strip(), what)
        if b == 0:
            raise errors.ConfigError(f"{what}: {value!r} divides by zero")
        return a / b
    return _number(value, what)


def _weighting(w: dict, criteria: tuple[Criterion, ...], source: str) -> Weighting:
    allowed = {"method", "criteria", "pairwise"}
    if set(w) - allowed:
        raise errors.ConfigError(
            f"unknown key(s) {sorted(set(w) - allowed)} in [weighting] of {source}; "
            f"allowed: {sorted(allowed)}")
    method = w.get("method", "expert")
    scored = [c.column for c in criteria if c.weight > 0]
    names = tuple(str(n) for n in w.get("criteria", scored))
    if "pairwise" not in w:
        if method == "ahp":
            raise errors.ConfigError(
                f"weighting.method = 'ahp' in {source} needs weighting.pairwise, a square "
                f"matrix over {scored}")
        return Weighting(method=method, criteria=names)
    if sorted(names) != sorted(scored) or len(set(names)) != len(names):
        raise errors.ConfigError(
            f"weighting.criteria in {source} must list each scored criterion once "
            f"(those with weight > 0): expected {scored}, got {list(names)}")
    rows = w["pairwise"]
    n = len(names)
    if not isinstance(rows, list) or len(rows) != n or any(
            not isinstance(r, list) or len(r) != n for r in rows):
        raise errors.ConfigError(
            f"weighting.pairwise in {source} must be a {n} x {n} matrix (one row per "
            f"criterion, in the order {list(names)})")
    a = [[_pairwise_entry(v, f"weighting.pairwise[{i}][{j}] ({names[i]} vs {names[j]}) "
                             f"in {source}") for j, v in enumerate(r)] for i, r in enumerate(rows)]
    for i in range(n):
        if abs(a[i][i] - 1.0) > 1e-9:
            raise errors.ConfigError(
                f"weighting.pairwise[{i}][{i}] ({names[i]}) in {source} is {a[i][i]}; the "
                "diagonal must be 1")
        for j in range(n):
            pair = f"weighting.pairwise[{i}][{j}] ({names[i]} vs {names[j]}) in {source}"
            if not _SAATY_MIN <= a[i][j] <= _SAATY_MAX:
                raise errors.ConfigError(
                    f"{pair} is {a[i][j]:g}; Saaty's scale runs from 1/9 to 9")
            if j > i and abs(a[i][j] * a[j][i] - 1.0) > _RECIPROCAL_TOL:
                raise errors.ConfigError(
                    f"{pair} is {a[i][j]:g} but [{j}][{i}] is {a[j][i]:g}; a pairwise matrix "
                    f"must be reciprocal (expected {1 / a[i][j]:g})")
    # The upper triangle is authoritative; the lower is its exact reciprocal, so rounding
    # in a typed 0.333 does not enter the eigenvector.
    exact = tuple(tuple(1.0 if i == j else (a[i][j] if j > i else 1.0 / a[j][i])
                        for j in range(n)) for i in range(n))
    return Weighting(method=method, criteria=names, pairwise=exact)


def _sensitivity(t: dict, source: str) -> Sensitivity:
    allowed = set(Sensitivity.__dataclass_fields__)
    if set(t) - allowed:
        raise errors.ConfigError(
            f"unknown key(s) {sorted(set(t) - allowed)} in [sensitivity] of {source}; "
            f"allowed: {sorted(allowed)}")
    d = Sensitivity()
    try:
        out = Sensitivity(draws=int(t.get("draws", d.draws)),
                          concentration=float(t.get("concentration", d.concentration)),
                          seed=int(t.get("seed", d.seed)),
                          steps=tuple(float(x) for x in t.get("steps", d.steps)))
    except (TypeError, ValueError) as exc:
        raise errors.ConfigError(f"bad value in [sensitivity] of {source}: {exc}") from None
    if out.draws < 0 or not out.concentration > 0 or any(x <= -1 for x in out.steps):
        raise errors.ConfigError(
            f"[sensitivity] of {source}: draws >= 0, concentration > 0 and steps > -1 "
            f"(a weight cannot shrink by 100 % or more); got {out}")
    return out


def _aggregation(a: dict, source: str) -> Aggregation:
    allowed = {"method", "order_weights"}
    if set(a) - allowed:
        raise errors.ConfigError(
            f"unknown key(s) {sorted(set(a) - allowed)} in [aggregation] of {source}; "
            f"allowed: {sorted(allowed)}")
    method = a.get("method", "wlc")
    if method not in AGGREGATION_METHODS:
        raise errors.ConfigError(
            f"aggregation.method {method!r} in {source} is not one of {AGGREGATION_METHODS}")
    ow = a.get("order_weights")
    if ow is None:
        if method == "owa":
            raise errors.ConfigError(
                f"aggregation.method = 'owa' in {source} needs aggregation.order_weights "
                "(one per scored criterion, for the best value first)")
        return Aggregation(method=method)
    if not isinstance(ow, list) or not ow:
        raise errors.ConfigError(f"aggregation.order_weights in {source} must be a non-empty list")
    vals = tuple(_number(v, f"aggregation.order_weights[{k}] in {source}")
                 for k, v in enumerate(ow))
    if any(v < 0 for v in vals) or sum(vals) <= 0:
        raise errors.ConfigError(
            f"aggregation.order_weights in {source} must be >= 0 with a positive sum, got "
            f"{list(vals)}")
    return Aggregation(method=method, order_weights=vals)


def _tier(i: int, t: dict, source: str) -> Tier:
    where = f"tiers[{i}] ({t.get('name', '?')}) in {source}"
    allowed = {f for f in Tier.__dataclass_fields__}
    if set(t) - allowed:
        raise errors.ConfigError(f"unknown key(s) {sorted(set(t) - allowed)} in {where}")
    try:
        tier = Tier(
            name=str(t["name"]),
            label=str(t.get("label", t["name"])),
            tier_weight=float(t["tier_weight"]),
            count=None if t.get("count") is None else int(t["count"]),
            min_count=int(t.get("min_count", 0)),
            per_prefecture_min=int(t.get("per_prefecture_min", 0)),
            per_county_min=int(t.get("per_county_min", 0)),
            min_spacing_km=float(t.get("min_spacing_km", 0.0)),
            pinned=tuple(str(c) for c in t.get("pinned", [])),
            minimums=str(t.get("minimums", MINIMUMS_LITERAL)),
            per_prefecture_max=(None if t.get("per_prefecture_max") is None
                                else int(t["per_prefecture_max"])),
            allocation=str(t.get("allocation", "none")),
        )
    except KeyError as exc:
        raise errors.ConfigError(f"{where} needs {exc}") from None
    except (TypeError, ValueError) as exc:
        raise errors.ConfigError(f"{where}: {exc}") from None
    if tier.minimums not in (MINIMUMS_LITERAL, MINIMUMS_CUMULATIVE):
        raise errors.ConfigError(
            f"{where}: minimums = {tier.minimums!r}; use {MINIMUMS_LITERAL!r} (towns of this "
            f"tier) or {MINIMUMS_CUMULATIVE!r} (towns of this tier or a higher one)")
    if tier.allocation not in ALLOCATIONS:
        raise errors.ConfigError(f"{where}: allocation = {tier.allocation!r}; use one of "
                                 f"{list(ALLOCATIONS)}")
    if tier.per_prefecture_max is not None and tier.per_prefecture_max < max(
            1, tier.per_prefecture_min):
        raise errors.ConfigError(
            f"{where}: per_prefecture_max = {tier.per_prefecture_max} is below "
            f"per_prefecture_min = {tier.per_prefecture_min} (or 1)")
    nums = [tier.min_count, tier.per_prefecture_min, tier.per_county_min, tier.count or 0]
    if any(n < 0 for n in nums) or not tier.min_spacing_km >= 0:
        raise errors.ConfigError(f"{where}: counts, minimums and min_spacing_km must be >= 0")
    if len(set(tier.pinned)) != len(tier.pinned):
        raise errors.ConfigError(f"{where}: a town is pinned twice")
    if tier.count is None and tier.min_count == 0:
        raise errors.ConfigError(f"{where}: give either count (exact) or min_count")
    return tier


def _assessment(a: dict, source: str) -> Assessment:
    where = f"[assessment] in {source}"
    allowed = set(Assessment.__dataclass_fields__)
    if set(a) - allowed:
        raise errors.ConfigError(f"unknown key(s) {sorted(set(a) - allowed)} in {where}; "
                                 f"allowed: {sorted(allowed)}")
    inds = tuple(_criterion(i, c, f"assessment.indicators of {source}")
                 for i, c in enumerate(a.get("indicators", [])))
    cols = [c.column for c in inds]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise errors.ConfigError(f"assessment indicators listed twice in {source}: {dupes}")
    try:
        out = Assessment(
            commend_top=int(a.get("commend_top", 5)),
            criticise_bottom=int(a.get("criticise_bottom", 3)),
            eliminate_after=int(a.get("eliminate_after", 2)),
            streak=str(a.get("streak", "calendar")),
            replacement_prefecture=str(a.get("replacement_prefecture", "always")),
            no_same_prefecture=str(a.get("no_same_prefecture", "warn")),
            backfill_municipal=bool(a.get("backfill_municipal", False)),
            spatial_weight=float(a.get("spatial_weight", 0.0)),
            indicators=inds,
            ranking_scale=str(a.get("ranking_scale", "provincial")),
            excellent_quantile=float(a.get("excellent_quantile", 0.5)),
            backfill_pool=str(a.get("backfill_pool", "untiered_and_county")),
        )
    except (TypeError, ValueError) as exc:
        raise errors.ConfigError(f"bad value in {where}: {exc}") from None
    if out.commend_top < 0 or out.criticise_bottom < 1 or out.eliminate_after < 1:
        raise errors.ConfigError(f"{where}: commend_top must be >= 0, criticise_bottom and "
                                 "eliminate_after >= 1")
    for key, value, choices in (("streak", out.streak, _STREAKS),
                                ("replacement_prefecture", out.replacement_prefecture,
                                 _REPLACEMENT_PREFECTURE),
                                ("no_same_prefecture", out.no_same_prefecture, _NO_SAME_PREFECTURE),
                                ("ranking_scale", out.ranking_scale, _RANKING_SCALES),
                                ("backfill_pool", out.backfill_pool, _BACKFILL_POOLS)):
        if value not in choices:
            raise errors.ConfigError(f"{where}: {key} = {value!r} is not one of {choices}")
    if not 0.0 <= out.excellent_quantile <= 1.0:
        raise errors.ConfigError(f"{where}: excellent_quantile {out.excellent_quantile} is "
                                 "outside [0, 1]")
    if out.spatial_weight < 0:
        raise errors.ConfigError(f"{where}: spatial_weight {out.spatial_weight} is negative")
    if out.spatial_weight + sum(c.weight for c in inds) <= 0:
        raise errors.ConfigError(f"{where}: all assessment weights are zero")
    return out


def _types(t: dict, tiers: tuple[Tier, ...], source: str) -> Types:
    where = f"[types] in {source}"
    if not isinstance(t, dict):
        raise errors.ConfigError(f"{where} must be a table")
    fields = Types.__dataclass_fields__
    unknown = set(t) - set(fields)
    if unknown:
        raise errors.ConfigError(f"unknown key(s) {sorted(unknown)} in {where}; allowed: "
                                 f"{sorted(fields)}")
    kw: dict[str, Any] = {}
    try:
        for k, v in t.items():
            if k in ("quotas", "precedence", "cluster_method"):
                continue
            default = fields[k].default
            if isinstance(default, bool):
                if not isinstance(v, bool):
                    raise ValueError(f"{k} must be true or false, got {v!r}")
                kw[k] = v
            elif isinstance(default, int):
                kw[k] = int(v)
            else:
                kw[k] = float(v)
    except (TypeError, ValueError) as exc:
        raise errors.ConfigError(f"{where}: {exc}") from None
    for k in ("metro_changchun_min", "metro_prefecture_min", "border_dist_km", "rail_station_km",
              "expressway_km", "industry_radius_km", "tourism_radius_km",
              "centrality_limit_min", "centrality_max_sources", "centrality_exact_max_nodes"):
        if kw.get(k, 0.0) < 0:
            raise errors.ConfigError(f"{where}: {k} = {kw[k]} must be >= 0")
    if not 0.0 < kw.get("centrality_quantile", 0.9) < 1.0:
        raise errors.ConfigError(f"{where}: centrality_quantile must be between 0 and 1")
    if not 2 <= kw.get("cluster_k_min", 2) <= kw.get("cluster_k_max", 8):
        raise errors.ConfigError(f"{where}: need 2 <= cluster_k_min <= cluster_k_max")
    method = str(t.get("cluster_method", "kmeans"))
    if method not in ("kmeans", "gmm"):
        raise errors.ConfigError(f"{where}: cluster_method {method!r} is not 'kmeans' or 'gmm'")
    kw["cluster_method"] = method
    rule_types = [k for k in DEV_TYPES if k != "comprehensive_service"]
    if "precedence" in t:
        prec = [str(p) for p in t["precedence"]]
        if sorted(prec) != sorted(rule_types):
            raise errors.ConfigError(
                f"{where}: precedence must list each of {rule_types} exactly once "
                f"(comprehensive_service is the default, not ranked); got {prec}")
        kw["precedence"] = tuple(prec)
    quotas = t.get("quotas", {})
    if not isinstance(quotas, dict):
        raise errors.ConfigError(f"{where}: quotas must be a table of [types.quotas.<tier>]")
    by_name = {tr.name: tr for tr in tiers}
    clean: dict[str, dict[str, int]] = {}
    for tier_name, mix in quotas.items():
        if tier_name not in by_name:
            raise errors.ConfigError(
                f"[types.quotas.{tier_name}] in {source}: no tier named {tier_name!r} "
                f"(tiers: {list(by_name)})")
        if not isinstance(mix, dict):
            raise errors.ConfigError(f"[types.quotas.{tier_name}] in {source} must be a table")
        bad = set(mix) - set(DEV_TYPES)
        if bad:
            raise errors.ConfigError(
                f"[types.quotas.{tier_name}] in {source}: unknown type(s) {sorted(bad)}; "
                f"types: {list(DEV_TYPES)}")
        row: dict[str, int] = {}
        for typ, n in mix.items():
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise errors.ConfigError(
                    f"[types.quotas.{tier_name}] {typ} = {n!r} in {source}: must be an integer "
                    ">= 0")
            row[typ] = n
        tier = by_name[tier_name]
        if tier.count is not None and sum(row.values()) > tier.count:
            raise errors.ConfigError(
                f"[types.quotas.{tier_name}] in {source}: type minimums sum to "
                f"{sum(row.values())} but the tier has exactly {tier.count} towns")
        clean[tier_name] = row
    kw["quotas"] = clean
    return Types(**kw)


def as_plain(obj: Any) -> Any:
    """Dataclass → dict helper for reports."""
    return asdict(obj)
