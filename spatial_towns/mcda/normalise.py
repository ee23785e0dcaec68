"""Criterion transforms: raw criterion values → 0-1 values (1 = best), and hard constraints.

Five transforms, chosen per criterion in the config (``transform = ...``):

- ``minmax`` (default): rescale over the eligible towns, so the best eligible town gets 1 and
  the worst 0. Relative: adding or excluding a town can move everyone's value.
- ``sigmoid``: fuzzy membership ``1 / (1 + exp(-(x - midpoint) / spread))`` for a benefit
  criterion, ``1 - that`` for a cost criterion. Absolute: ``midpoint`` and ``spread`` are in
  the column's own units (minutes, km, persons), so a town's value does not depend on others.
- ``linear``: fuzzy membership 0 at ``lower`` rising to 1 at ``upper`` (benefit) or 1 at
  ``lower`` falling to 0 at ``upper`` (cost), clipped outside.
- ``log``: min-max of ``log1p(x)``, for skewed magnitudes (output in 万元, enterprises): a
  town with ten times the output is not ten times better. Values must be >= 0.
- ``rank``: the quantile rank among the eligible towns, 0 (lowest) to 1 (highest), ties
  sharing their mean rank: only the order counts, so one huge value changes nothing else.

Hard constraints (``min`` / ``max`` keys) exclude a town whatever its other values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import config as config_mod
from .. import errors


def minmax(values: pd.Series, direction: str) -> pd.Series:
    """Min-max normalise to [0, 1]; for a cost criterion 1 is the smallest value.

    A constant column (no spread) normalises to 0 for every town: it cannot tell towns apart,
    so it must not add to anyone's score.
    """
    v = values.astype(float)
    lo, hi = v.min(), v.max()
    if not np.isfinite(lo) or hi == lo:
        return pd.Series(0.0, index=v.index).where(v.notna())
    n = (v - lo) / (hi - lo)
    return 1.0 - n if direction == "cost" else n


def sigmoid(values: pd.Series, direction: str, midpoint: float, spread: float) -> pd.Series:
    """Logistic fuzzy membership in (0, 1): 0.5 at ``midpoint``; ``spread`` (column units) is
    the distance from the midpoint at which membership reaches 1/(1+e^-1) ≈ 0.73 (benefit)."""
    z = (values.astype(float) - midpoint) / spread
    if direction == "cost":
        z = -z
    # exp of a large positive number overflows to inf, which still gives the right limit 0.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def linear(values: pd.Series, direction: str, lower: float, upper: float) -> pd.Series:
    """Piecewise-linear fuzzy membership in [0, 1] between the thresholds ``lower`` < ``upper``
    (column units), clipped outside them."""
    m = ((values.astype(float) - lower) / (upper - lower)).clip(0.0, 1.0)
    return 1.0 - m if direction == "cost" else m


def log(values: pd.Series, direction: str) -> pd.Series:
    """Min-max of ``log1p(values)``; values must be >= 0 (counts, 万元, persons)."""
    v = values.astype(float)
    if (v < 0).any():
        raise errors.InputDataError(
            f"transform 'log' needs values >= 0; {values.name or 'the column'} has "
            f"{int((v < 0).sum())} negative value(s) (e.g. {v[v < 0].iloc[0]:g})")
    return minmax(np.log1p(v), direction)


def rank(values: pd.Series, direction: str) -> pd.Series:
    """Quantile rank in [0, 1] (mean rank for ties); for a cost criterion 1 is the smallest."""
    v = values.astype(float)
    n = int(v.notna().sum())
    if n < 2:
        return pd.Series(0.0, index=v.index).where(v.notna())
    r = (v.rank(method="average") - 1.0) / (n - 1)
    return 1.0 - r if direction == "cost" else r


def apply(values: pd.Series, direction: str,
          transform: config_mod.Transform | None = None) -> pd.Series:
    """Transform one criterion's values (pass the eligible towns only: ``minmax`` takes its
    bounds from what it is given). Missing values stay missing."""
    t = transform or config_mod.Transform()
    if t.kind == "minmax":
        return minmax(values, direction)
    if t.kind == "sigmoid":
        assert t.midpoint is not None and t.spread is not None  # config checks them
        return sigmoid(values, direction, t.midpoint, t.spread)
    if t.kind == "linear":
        assert t.lower is not None and t.upper is not None
        return linear(values, direction, t.lower, t.upper)
    if t.kind == "log":
        return log(values, direction)
    if t.kind == "rank":
        return rank(values, direction)
    raise errors.ConfigError(f"unknown transform {t.kind!r}; use one of {config_mod.TRANSFORMS}")


def describe(transform: config_mod.Transform | None, direction: str) -> str:
    """One-line description of a transform for the report."""
    t = transform or config_mod.Transform()
    rev = " (reversed)" if direction == "cost" else ""
    if t.kind == "minmax":
        return "min-max over eligible towns" + rev
    if t.kind == "log":
        return "min-max of log1p over eligible towns" + rev
    if t.kind == "rank":
        return "quantile rank among eligible towns" + rev
    shape = "decreasing" if direction == "cost" else "increasing"
    if t.kind == "sigmoid":
        return f"{shape} sigmoid, midpoint {t.midpoint:g}, spread {t.spread:g}"
    return f"{shape} linear from {t.lower:g} to {t.upper:g}"


def constraint_reasons(table: pd.DataFrame, eligible: pd.Series,
                       criteria: tuple[config_mod.Criterion, ...]) -> pd.Series:
    """Apply the hard constraints (``min`` / ``max`` of each criterion) to eligible towns.

    Returns a string Series indexed like ``table``: ``""`` where the town passes (or was not
    eligible), otherwise the first violated constraint naming the criterion and the value,
    e.g. ``"time_changchun_min = 123.4 > max 90 (hard constraint)"``. A town without a value
    for a constrained column fails too, since it cannot be shown to pass.

    Raises
    ------
    spatial_towns.errors.ConfigError
        When a constrained column is not computed for any eligible town (the constraint
        could not be checked; thresholds of a column do not carry over to its fallback).
    """
    out = pd.Series("", index=table.index, dtype=object)
    for c in criteria:
        if c.exclude_below is None and c.exclude_above is None:
            continue
        if c.column not in table.columns or not table.loc[eligible, c.column].notna().any():
            raise errors.ConfigError(
                f"criterion {c.column!r} has a hard constraint (min/max) but the column is not "
                "computed for any eligible town, so it cannot be checked; remove the "
                "constraint or provide the input the column needs")
        v = table[c.column].astype(float)
        todo = eligible & (out == "")
        fails = todo & v.isna()
        out[fails] = f"no value for {c.column} (hard constraint cannot be checked)"
        if c.exclude_below is not None:
            low = todo & (v < c.exclude_below)
            out[low] = [f"{c.column} = {x:g} < min {c.exclude_below:g} (hard constraint)"
                        for x in v[low]]
        if c.exclude_above is not None:
            high = todo & (v > c.exclude_above) & (out == "")
            out[high] = [f"{c.column} = {x:g} > max {c.exclude_above:g} (hard constraint)"
                         for x in v[high]]
    return out
