"""One validated configuration object for a run.

The defaults live in ``default_config.toml`` next to this module; a user file overrides any
top-level key or table (lists such as ``criteria`` and ``tiers`` are replaced whole).
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import errors

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.toml")

_DIRECTIONS = ("benefit", "cost")


@dataclass(frozen=True)
class Criterion:
    """A scored criterion: a column of the criteria table, its direction and weight."""

    column: str
    direction: str
    weight: float
    label: str = ""
    fallback: str | None = None


@dataclass(frozen=True)
class Tier:
    """A designation tier and its quotas.

    ``count`` is an exact size; otherwise the size is ``max(min_count, sum of per-unit
    minimums)``. Per-unit minimums apply to prefectures (``per_prefecture_min``) and
    county-level units (``per_county_min``) that have eligible towns.
    """

    name: str
    label: str
    tier_weight: float
    count: int | None = None
    min_count: int = 0
    per_prefecture_min: int = 0
    per_county_min: int = 0


@dataclass(frozen=True)
class Focus:
    metro_core: str
    metro_counties: tuple[str, ...]
    border_countries: tuple[str, ...]
    border_county_km: float
    key_assisted_counties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Access:
    circuity_factor: float
    fallback_speed_kmh: float
    station_types: tuple[str, ...]
    population_radius_km: float
    max_snap_km: float
    isochrone_min: float = 30.0
    gravity_beta_per_min: float = 0.05
    gravity_limit_min: float = 60.0


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
    source: str = "default"
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict:
        """The merged configuration as a plain dict (what was actually used)."""
        return copy.deepcopy(self.raw)

    def criterion_columns(self) -> list[str]:
        return [c.column for c in self.criteria]


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
        raw = _merge(raw, user)
        source = str(path)
    if overrides:
        raw = _merge(raw, overrides)
    return from_dict(raw, source=source)


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# "national" and "provinces" are read by spatial_towns.national (per-province settings).
_KNOWN_TOP = {"run_name", "metric_crs", "eligibility", "focus", "access", "criteria", "tiers",
              "national", "provinces"}


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
        )
        acc = raw["access"]
        access = Access(
            circuity_factor=float(acc["circuity_factor"]),
            fallback_speed_kmh=float(acc["fallback_speed_kmh"]),
            station_types=tuple(acc["station_types"]),
            population_radius_km=float(acc["population_radius_km"]),
            max_snap_km=float(acc["max_snap_km"]),
            isochrone_min=float(acc.get("isochrone_min", 30.0)),
            gravity_beta_per_min=float(acc.get("gravity_beta_per_min", 0.05)),
            gravity_limit_min=float(acc.get("gravity_limit_min", 60.0)),
        )
    except KeyError as exc:
        raise errors.ConfigError(f"missing config key {exc} in {source}") from None
    except (TypeError, ValueError) as exc:
        raise errors.ConfigError(f"bad value in [focus]/[access] of {source}: {exc}") from None
    if access.circuity_factor < 1.0:
        raise errors.ConfigError(
            f"access.circuity_factor = {access.circuity_factor} in {source}: a road is never "
            "shorter than the straight line; use a value >= 1"
        )
    if access.fallback_speed_kmh <= 0 or access.population_radius_km <= 0:
        raise errors.ConfigError(
            f"access.fallback_speed_kmh and access.population_radius_km must be > 0 in {source}"
        )

    criteria = tuple(_criterion(i, c, source) for i, c in enumerate(raw.get("criteria", [])))
    if not criteria:
        raise errors.ConfigError(f"no [[criteria]] in {source}: at least one is needed")
    cols = [c.column for c in criteria]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise errors.ConfigError(f"criteria listed twice in {source}: {dupes}")
    if sum(c.weight for c in criteria) <= 0:
        raise errors.ConfigError(f"all criterion weights are zero in {source}")

    tiers = tuple(_tier(i, t, source) for i, t in enumerate(raw.get("tiers", [])))
    if not tiers:
        raise errors.ConfigError(f"no [[tiers]] in {source}: at least one is needed")
    weights = [t.tier_weight for t in tiers]
    if any(a <= b for a, b in zip(weights, weights[1:])) or weights[-1] <= 0:
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
        source=source,
        raw=copy.deepcopy(raw),
    )


def _criterion(i: int, c: dict, source: str) -> Criterion:
    where = f"criteria[{i}] ({c.get('column', '?')}) in {source}"
    allowed = {"column", "direction", "weight", "label", "fallback"}
    if set(c) - allowed:
        raise errors.ConfigError(f"unknown key(s) {sorted(set(c) - allowed)} in {where}")
    if "column" not in c or "weight" not in c or "direction" not in c:
        raise errors.ConfigError(f"{where} needs column, direction and weight")
    if c["direction"] not in _DIRECTIONS:
        raise errors.ConfigError(
            f"{where}: direction {c['direction']!r} is not one of {_DIRECTIONS}"
        )
    try:
        weight = float(c["weight"])
    except (TypeError, ValueError):
        raise errors.ConfigError(f"{where}: weight {c['weight']!r} is not a number") from None
    if weight < 0:
        raise errors.ConfigError(f"{where}: weight {weight} is negative; weights must be >= 0")
    return Criterion(
        column=str(c["column"]),
        direction=c["direction"],
        weight=weight,
        label=str(c.get("label", c["column"])),
        fallback=c.get("fallback"),
    )


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
        )
    except KeyError as exc:
        raise errors.ConfigError(f"{where} needs {exc}") from None
    except (TypeError, ValueError) as exc:
        raise errors.ConfigError(f"{where}: {exc}") from None
    nums = [tier.min_count, tier.per_prefecture_min, tier.per_county_min, tier.count or 0]
    if any(n < 0 for n in nums):
        raise errors.ConfigError(f"{where}: counts and minimums must be >= 0")
    if tier.count is None and tier.min_count == 0:
        raise errors.ConfigError(f"{where}: give either count (exact) or min_count")
    return tier


def as_plain(obj: Any) -> Any:
    """Dataclass → dict helper for reports."""
    return asdict(obj)
