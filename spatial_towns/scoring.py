"""Transparent multi-criteria score: weighted sum of min-max normalised criteria.

Each town's score (0-100) is the sum of its per-criterion contributions
``100 × weight × normalised value``, so a planner can read why a town scored what it did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import config as config_mod
from . import errors


@dataclass(frozen=True)
class UsedCriterion:
    """A criterion as actually scored: the column used, its normalised weight, and why."""

    name: str
    column: str
    direction: str
    weight: float
    label: str
    note: str = ""


def resolve(criteria_table: pd.DataFrame, eligible: pd.Series,
            criteria: tuple[config_mod.Criterion, ...]) -> list[UsedCriterion]:
    """Decide which columns are scored: a criterion not computed for any eligible town uses
    its fallback column, or is dropped; remaining weights are renormalised to sum 1."""
    used: list[tuple[config_mod.Criterion, str, str]] = []
    for c in criteria:
        if c.column not in criteria_table.columns and c.fallback is None:
            raise errors.ConfigError(
                f"criterion {c.column!r} is not a column spatial_towns computes; known: "
                f"{sorted(criteria_table.columns)}"
            )
        col, note = c.column, ""
        has = col in criteria_table and criteria_table.loc[eligible, col].notna().any()
        if not has and c.fallback:
            if c.fallback not in criteria_table.columns:
                raise errors.ConfigError(
                    f"criterion {c.column!r}: fallback {c.fallback!r} is not a known column"
                )
            col, note = c.fallback, f"scored with fallback {c.fallback} ({c.column} not computed)"
            has = criteria_table.loc[eligible, col].notna().any()
        if not has:
            note = "dropped: not computed for any eligible town"
            col = ""
        if c.weight == 0:
            continue
        used.append((c, col, note))
    total = sum(c.weight for c, col, _ in used if col)
    if total <= 0:
        raise errors.ConfigError("no weighted criterion could be computed for the eligible towns")
    return [
        UsedCriterion(c.column, col, c.direction, (c.weight / total) if col else 0.0,
                      c.label or c.column, note)
        for c, col, note in used
    ]


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


def score(criteria_table: pd.DataFrame, eligible: pd.Series,
          used: list[UsedCriterion]) -> pd.DataFrame:
    """Score eligible towns.

    Returns a frame indexed like ``criteria_table`` with ``norm_<name>``,
    ``contrib_<name>`` (points out of 100), ``score`` (0-100) and ``rank`` (1 = best; ties
    share the best rank). Ineligible towns get NaN. Normalisation bounds come from the
    eligible towns only.
    """
    out = pd.DataFrame(index=criteria_table.index)
    total = pd.Series(0.0, index=criteria_table.index)
    for u in used:
        if not u.column:
            continue
        n = pd.Series(np.nan, index=criteria_table.index)
        n[eligible] = minmax(criteria_table.loc[eligible, u.column], u.direction)
        out[f"norm_{u.name}"] = n
        out[f"contrib_{u.name}"] = 100.0 * u.weight * n
        total = total + out[f"contrib_{u.name}"]
    out["score"] = total.where(eligible)
    out["rank"] = out["score"].rank(ascending=False, method="min")
    return out
