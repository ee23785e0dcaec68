"""Joint tier selection as an integer program (SciPy ``milp`` / HiGHS).

Model, for eligible towns i and tiers t (highest first):

- x[i, t] ∈ {0, 1}; each town in at most one tier;
- tier size: Σ_i x[i, t] = size_t;
- per-unit minimums: Σ_{i ∈ unit} x[i, t] ≥ m_t for every prefecture (or county) that has
  eligible towns;
- objective: maximise Σ tier_weight_t · score_i · x[i, t].

With strictly decreasing tier weights, swapping a better town into a higher tier always raises
the objective, so a weaker town sits above a stronger one only when a quota forces it. The
plain sum of scores would be indifferent to which tier a town lands in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from . import config as config_mod
from . import errors


@dataclass
class SelectionResult:
    """Outcome of :meth:`TierSelection.solve`.

    ``tier`` holds the tier name per town (``""`` when not selected); ``reason`` a sentence
    on why; ``sizes`` the realised size of each tier; ``objective`` the ILP objective.
    """

    tier: pd.Series
    reason: pd.Series
    sizes: dict[str, int]
    objective: float
    notes: list[str]


class TierSelection:
    """Joint three-tier selection. Build with :meth:`from_frame`, then call :meth:`solve`."""

    def __init__(self, towns: pd.DataFrame, tiers: tuple[config_mod.Tier, ...]):
        self.towns = towns
        self.tiers = tiers
        self.sizes: dict[str, int] = {}
        self.notes: list[str] = []

    @classmethod
    def from_frame(cls, towns: pd.DataFrame, tiers: tuple[config_mod.Tier, ...]) -> "TierSelection":
        """``towns``: eligible towns with ``score``, ``prefecture_code``, ``prefecture_name``,
        ``county_code``, ``county_name`` and ``name``; index = town code."""
        need = {"score", "prefecture_code", "county_code", "prefecture_name", "county_name", "name"}
        missing = need - set(towns.columns)
        if missing:
            raise errors.InputDataError(f"selection needs columns {sorted(missing)}")
        if towns["score"].isna().any():
            raise errors.InputDataError("selection got towns without a score")
        return cls(towns.sort_index(), tiers)

    def _units(self, key: str) -> dict[str, np.ndarray]:
        groups = self.towns.groupby(key, sort=True).indices
        return {k: np.asarray(v) for k, v in groups.items()}

    def _check_feasible(self) -> None:
        n = len(self.towns)
        prefs, counties = self._units("prefecture_code"), self._units("county_code")
        pname = self.towns.groupby("prefecture_code")["prefecture_name"].first()
        cname = self.towns.groupby("county_code")["county_name"].first()
        for t in self.tiers:
            need = t.per_prefecture_min * len(prefs) + t.per_county_min * len(counties)
            self.sizes[t.name] = t.count if t.count is not None else max(t.min_count, need)
        if sum(self.sizes.values()) > n:
            raise errors.QuotaError(
                f"tier sizes {self.sizes} need {sum(self.sizes.values())} towns but only {n} "
                "are eligible; lower the counts or widen eligibility"
            )
        for t in self.tiers:
            if t.count is not None:
                need = t.per_prefecture_min * len(prefs) + t.per_county_min * len(counties)
                if need > t.count:
                    raise errors.QuotaError(
                        f"tier {t.name!r}: count {t.count} is smaller than its per-unit "
                        f"minimums need ({need})"
                    )
        for code, idx in prefs.items():
            cs = set(self.towns["county_code"].iloc[idx])
            need = sum(t.per_prefecture_min + t.per_county_min * len(cs) for t in self.tiers)
            if need > len(idx):
                raise errors.QuotaError(
                    f"prefecture {pname[code]} ({code}) has {len(idx)} eligible towns but the "
                    f"per-prefecture and per-county minimums of all tiers need {need}"
                )
        for code, idx in counties.items():
            need = sum(t.per_county_min for t in self.tiers)
            if need > len(idx):
                raise errors.QuotaError(
                    f"county {cname[code]} ({code}) has {len(idx)} eligible towns but the "
                    f"per-county minimums of all tiers need {need}"
                )

    def solve(self, time_limit_s: float = 60.0) -> SelectionResult:
        """Solve the integer program; raise :class:`~spatial_towns.errors.QuotaError` when the
        quotas cannot be met."""
        self._check_feasible()
        n, T = len(self.towns), len(self.tiers)
        score = self.towns["score"].to_numpy(dtype=float)
        c = -np.concatenate([t.tier_weight * score for t in self.tiers])
        rows, lo, hi = [], [], []

        def add(cols: np.ndarray, lb: float, ub: float) -> None:
            rows.append(cols)
            lo.append(lb)
            hi.append(ub)

        for i in range(n):
            add(np.arange(T) * n + i, 0, 1)
        for k, t in enumerate(self.tiers):
            add(k * n + np.arange(n), self.sizes[t.name], self.sizes[t.name])
            for key, m in (("prefecture_code", t.per_prefecture_min),
                           ("county_code", t.per_county_min)):
                if m:
                    for idx in self._units(key).values():
                        add(k * n + idx, m, np.inf)
        indptr = np.cumsum([0] + [len(r) for r in rows])
        A = sp.csr_matrix((np.ones(indptr[-1]), np.concatenate(rows), indptr),
                          shape=(len(rows), n * T))
        res = milp(c, constraints=LinearConstraint(A, lo, hi), integrality=np.ones(n * T),
                   bounds=Bounds(0, 1), options={"time_limit": time_limit_s})
        if res.status != 0 or res.x is None:
            raise errors.QuotaError(f"the tier quotas cannot be met together ({res.message})")
        x = np.round(res.x).reshape(T, n).astype(bool)
        tier = pd.Series("", index=self.towns.index, dtype=object)
        for k, t in enumerate(self.tiers):
            tier[x[k]] = t.name
        return SelectionResult(tier=tier, reason=self._reasons(tier), sizes=dict(self.sizes),
                               objective=float(-res.fun), notes=self.notes)

    def greedy(self) -> pd.Series:
        """Pure ranking: fill tiers top-down by score, ignoring per-unit minimums."""
        order = self.towns["score"].sort_values(ascending=False, kind="stable").index
        tier = pd.Series("", index=self.towns.index, dtype=object)
        start = 0
        for t in self.tiers:
            size = self.sizes.get(t.name) or (t.count or t.min_count)
            tier[order[start:start + size]] = t.name
            start += size
        return tier

    def _reasons(self, tier: pd.Series) -> pd.Series:
        greedy = self.greedy()
        rank_of = {t.name: k for k, t in enumerate(self.tiers)}
        label = {t.name: t.label for t in self.tiers}
        reasons = pd.Series("", index=tier.index, dtype=object)
        for code in tier.index:
            got, free = tier[code], greedy[code]
            row = self.towns.loc[code]
            if got and got == free:
                reasons[code] = f"{label[got]}: by score"
            elif got and (not free or rank_of[got] < rank_of[free]):
                t = self.tiers[rank_of[got]]
                unit = (f"{row['prefecture_name']}" if t.per_prefecture_min
                        else f"{row['county_name']}")
                m = t.per_prefecture_min or t.per_county_min
                reasons[code] = f"{label[got]}: to meet the minimum of {m} in {unit}"
            elif got:
                reasons[code] = (f"{label[got]}: its higher-tier place went to a town needed "
                                 "for a per-unit minimum")
            elif free:
                reasons[code] = ("not selected: its place went to a town needed for a "
                                 "per-unit minimum")
            else:
                reasons[code] = "not selected: score below the lowest tier's cut-off"
        return reasons
