"""Joint tier selection as an integer program (SciPy ``milp`` / HiGHS).

Model, for eligible towns i and tiers t (highest first):

- x[i, t] ∈ {0, 1}; each town in at most one tier;
- tier size: Σ_i x[i, t] = size_t;
- per-unit minimums: Σ_{i ∈ unit} x[i, t] ≥ m_t for every prefecture (or county) that has
  eligible towns;
- optional: development-type minimums Σ_{i ∈ type} x[i, t] ≥ q_{t,type}; minimum spacing
  x[i, t] + x[j, t] ≤ 1 for towns i, j closer than the tier's ``min_spacing_km``; pinned towns
  x[i, t] = 1;
- objective: maximise Σ tier_weight_t · score_i · x[i, t].

With strictly decreasing tier weights, swapping a better town into a higher tier always raises
the objective, so a weaker town sits above a stronger one only when a quota forces it. The
plain sum of scores would be indifferent to which tier a town lands in.

Without spacing or type rules the constraints are those of a flow network (town → county →
prefecture → tier, with lower bounds on the arcs), so the matrix is totally unimodular and the
LP relaxation already has an integral optimum: :meth:`TierSelection.solve` solves the LP first
(about twice as fast, which matters for Monte Carlo and the what-if explorer), checks that
the answer is integral, and falls back to the branch-and-bound ``milp`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

from . import config as config_mod
from . import errors


@dataclass
class SelectionResult:
    """Outcome of :meth:`TierSelection.solve`.

    ``tier`` holds the tier name per town (``""`` when not selected); ``reason`` a sentence
    on why; ``sizes`` the realised size of each tier; ``objective`` the ILP objective
    (Σ tier_weight × score); ``greedy_objective`` that of :meth:`TierSelection.greedy` (None
    when the greedy pick gets stuck), ``greedy_diff`` the towns whose tier differs.
    """

    tier: pd.Series
    reason: pd.Series
    sizes: dict[str, int]
    objective: float
    notes: list[str]
    greedy_objective: float | None = None
    greedy_diff: list[str] = field(default_factory=list)
    method: str = ""


class TierSelection:
    """Joint three-tier selection. Build with :meth:`from_frame`, then call :meth:`solve`."""

    def __init__(self, towns: pd.DataFrame, tiers: tuple[config_mod.Tier, ...],
                 type_quotas: dict[str, dict[str, int]] | None = None):
        self.towns = towns
        self.tiers = tiers
        self.type_quotas = type_quotas or {}
        self.sizes: dict[str, int] = {}
        self.notes: list[str] = []
        self._pairs: dict[str, np.ndarray] = {}
        self._cache: tuple[LinearConstraint, Bounds, bool] | None = None

    @classmethod
    def from_frame(cls, towns: pd.DataFrame, tiers: tuple[config_mod.Tier, ...],
                   type_quotas: dict[str, dict[str, int]] | None = None) -> "TierSelection":
        """Build the model from eligible towns.

        Parameters
        ----------
        towns : pandas.DataFrame
            Index = town code; columns ``score``, ``name``, ``prefecture_code``,
            ``prefecture_name``, ``county_code``, ``county_name``; ``x_m``/``y_m`` (metres
            in the run's metric CRS) when a tier has ``min_spacing_km``; ``dev_type`` when
            ``type_quotas`` is given.
        tiers : tuple of Tier
            Highest tier first.
        type_quotas : dict, optional
            ``{tier name: {development type: minimum count}}``.
        """
        need = {"score", "prefecture_code", "county_code", "prefecture_name", "county_name", "name"}
        if any(t.min_spacing_km > 0 for t in tiers):
            need |= {"x_m", "y_m"}
        if type_quotas:
            need.add("dev_type")
        missing = need - set(towns.columns)
        if missing:
            raise errors.InputDataError(f"selection needs columns {sorted(missing)}")
        if towns["score"].isna().any():
            bad = list(towns.index[towns["score"].isna()][:5])
            raise errors.InputDataError(f"selection got towns without a score: {bad}")
        unknown = set(type_quotas or {}) - {t.name for t in tiers}
        if unknown:
            raise errors.ConfigError(f"type quotas for unknown tier(s) {sorted(unknown)}")
        return cls(towns.sort_index(), tiers, type_quotas)

    # -- model ---------------------------------------------------------------------------------

    def _units(self, key: str) -> dict[str, np.ndarray]:
        groups = self.towns.groupby(key, sort=True).indices
        return {k: np.asarray(v) for k, v in groups.items()}

    def _pinned(self) -> dict[str, np.ndarray]:
        seen: dict[str, str] = {}
        out = {}
        pos = pd.Series(np.arange(len(self.towns)), index=self.towns.index)
        for t in self.tiers:
            for code in t.pinned:
                if code in seen:
                    raise errors.ConfigError(
                        f"town {code} is pinned in both tier {seen[code]!r} and {t.name!r}")
                seen[code] = t.name
                if code not in pos.index:
                    raise errors.QuotaError(
                        f"tier {t.name!r}: pinned town {code} is not among the eligible towns "
                        "(unknown code, not a 建制镇, or excluded — see its reason in towns.gpkg)")
            out[t.name] = pos[list(t.pinned)].to_numpy(dtype=np.int64)
        return out

    def pairs(self, tier: config_mod.Tier) -> np.ndarray:
        """Index pairs (into the sorted towns) closer than the tier's ``min_spacing_km``."""
        if tier.min_spacing_km <= 0:
            return np.empty((0, 2), dtype=np.int64)
        if tier.name not in self._pairs:
            xy = self.towns[["x_m", "y_m"]].to_numpy(dtype=float)
            self._pairs[tier.name] = cKDTree(xy).query_pairs(
                tier.min_spacing_km * 1000.0, output_type="ndarray")
        return self._pairs[tier.name]

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
            if len(t.pinned) > self.sizes[t.name]:
                raise errors.QuotaError(
                    f"tier {t.name!r}: {len(t.pinned)} pinned towns exceed its size "
                    f"{self.sizes[t.name]}")
            quotas = self.type_quotas.get(t.name, {})
            if sum(quotas.values()) > self.sizes[t.name]:
                raise errors.QuotaError(
                    f"tier {t.name!r}: development-type minimums {quotas} add up to "
                    f"{sum(quotas.values())}, more than the tier size {self.sizes[t.name]}")
        for t in self.tiers:
            for typ, q in self.type_quotas.get(t.name, {}).items():
                have = int((self.towns["dev_type"] == typ).sum())
                taken = sum(self.type_quotas.get(o.name, {}).get(typ, 0)
                            for o in self.tiers if o.name != t.name)
                if q + taken > have:
                    by_pref = (self.towns[self.towns["dev_type"] == typ]
                               .groupby("prefecture_name").size().to_dict())
                    raise errors.QuotaError(
                        f"development type {typ!r}: tier minimums need {q + taken} towns but "
                        f"only {have} eligible towns have that type (by prefecture: {by_pref})")
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

    def _constraints(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, bool]:
        """Constraint matrix over x (tier-major: column k·n + i), bounds, and whether the
        matrix is the totally unimodular flow structure (no spacing or type rows)."""
        n, T = len(self.towns), len(self.tiers)
        blocks: list[tuple[np.ndarray, np.ndarray]] = []  # (row-local ids, columns)
        lo: list[np.ndarray] = []
        hi: list[np.ndarray] = []
        n_rows = 0

        def add(row_of_entry: np.ndarray, cols: np.ndarray, lb, ub, n_new: int) -> None:
            nonlocal n_rows
            blocks.append((row_of_entry + n_rows, cols))
            lo.append(np.broadcast_to(np.asarray(lb, dtype=float), n_new))
            hi.append(np.broadcast_to(np.asarray(ub, dtype=float), n_new))
            n_rows += n_new

        # Each town in at most one tier.
        add(np.tile(np.arange(n), T), np.arange(T * n), 0.0, 1.0, n)
        flow = True
        codes = {key: pd.factorize(self.towns[key], sort=True)[0]
                 for key in ("prefecture_code", "county_code")}
        for k, t in enumerate(self.tiers):
            add(np.zeros(n, dtype=np.int64), k * n + np.arange(n),
                self.sizes[t.name], self.sizes[t.name], 1)
            for key, m in (("prefecture_code", t.per_prefecture_min),
                           ("county_code", t.per_county_min)):
                if m:
                    add(codes[key], k * n + np.arange(n), m, np.inf, int(codes[key].max()) + 1)
            for typ, q in sorted(self.type_quotas.get(t.name, {}).items()):
                members = np.flatnonzero((self.towns["dev_type"] == typ).to_numpy())
                add(np.zeros(len(members), dtype=np.int64), k * n + members, q, np.inf, 1)
                flow = False
            pr = self.pairs(t)
            if len(pr):
                add(np.repeat(np.arange(len(pr)), 2), k * n + pr.ravel(), 0.0, 1.0, len(pr))
                flow = False
        rows = np.concatenate([b[0] for b in blocks])
        cols = np.concatenate([b[1] for b in blocks])
        A = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_rows, n * T))
        return A, np.concatenate(lo), np.concatenate(hi), flow

    def _prepared(self) -> tuple[LinearConstraint, Bounds, bool]:
        """Constraints and bounds, built once per model (pinned towns fixed at 1)."""
        if getattr(self, "_cache", None) is None:
            self._check_feasible()
            pinned = self._pinned()
            A, lo, hi, flow = self._constraints()
            n, T = len(self.towns), len(self.tiers)
            lb = np.zeros(n * T)
            for k, t in enumerate(self.tiers):
                lb[k * n + pinned[t.name]] = 1.0
            self._cache = (LinearConstraint(A, lo, hi), Bounds(lb, np.ones(n * T)), flow)
        return self._cache

    def _solve_x(self, score: np.ndarray, time_limit_s: float) -> tuple[np.ndarray, str]:
        """0/1 matrix (tiers x towns) maximising Σ tier_weight × score, and how it was found."""
        cons, bounds, flow = self._prepared()
        n, T = len(self.towns), len(self.tiers)
        c = -np.concatenate([t.tier_weight * np.asarray(score, dtype=float) for t in self.tiers])
        x, method, res = None, "", None
        if flow:
            res = milp(c, constraints=cons, integrality=np.zeros(n * T), bounds=bounds)
            if res.status == 0 and np.abs(res.x - np.round(res.x)).max() < 1e-6:
                x, method = res.x, "LP relaxation (integral: flow structure)"
        if x is None:
            res = milp(c, constraints=cons, integrality=np.ones(n * T), bounds=bounds,
                       options={"time_limit": time_limit_s})
            if res.x is not None and res.status in (0, 1):
                x, method = res.x, "integer program (HiGHS branch and bound)"
                if res.status == 1:
                    self.notes.append(
                        f"the solver hit its {time_limit_s:g} s limit: the pick is feasible "
                        f"but not proven optimal (MIP gap {getattr(res, 'mip_gap', float('nan')):.2%})")
        if x is None:
            raise errors.QuotaError(
                f"the tier quotas cannot be met together ({res.message if res else 'no model'}); "
                "relax a minimum, the spacing or a type quota")
        return np.round(x).reshape(T, n) > 0.5, method

    def solve(self, time_limit_s: float = 60.0, compare_greedy: bool = True) -> SelectionResult:
        """Solve the integer program.

        Raises :class:`~spatial_towns.errors.QuotaError` when the quotas cannot be met
        together. ``compare_greedy`` also runs :meth:`greedy` and records its objective.
        """
        xb, method = self._solve_x(self.towns["score"].to_numpy(dtype=float), time_limit_s)
        tier = pd.Series("", index=self.towns.index, dtype=object)
        for k, t in enumerate(self.tiers):
            tier[xb[k]] = t.name
        out = SelectionResult(tier=tier, reason=self._reasons(tier, self._pinned()),
                              sizes=dict(self.sizes), objective=self.objective(tier),
                              notes=self.notes, method=method)
        if compare_greedy:
            g = self.greedy()
            if g is not None:
                out.greedy_objective = self.objective(g)
                out.greedy_diff = sorted(tier.index[tier != g])
        return out

    def assign(self, score: np.ndarray, time_limit_s: float = 60.0) -> np.ndarray:
        """Tier index per town (-1 = none) for another score vector under the same rules.

        The constraints are built once per model and reused, so re-solving for many weight
        draws (:mod:`spatial_towns.sensitivity`) or slider moves costs one LP each.
        ``score`` is aligned to the model's towns (sorted by code).
        """
        xb, _ = self._solve_x(score, time_limit_s)
        out = np.full(len(self.towns), -1, dtype=np.int64)
        for k in range(len(self.tiers)):
            out[xb[k]] = k
        return out

    def objective(self, tier: pd.Series) -> float:
        """Σ tier_weight × score of an assignment (``tier`` aligned to the towns)."""
        w = tier.reindex(self.towns.index).map({t.name: t.tier_weight for t in self.tiers})
        return float((w.fillna(0.0) * self.towns["score"]).sum())

    # -- baselines -------------------------------------------------------------------------------

    def ranking(self) -> pd.Series:
        """Pure ranking: fill tiers top-down by score, ignoring every rule but tier sizes."""
        order = self.towns["score"].sort_values(ascending=False, kind="stable").index
        tier = pd.Series("", index=self.towns.index, dtype=object)
        start = 0
        for t in self.tiers:
            size = self.sizes.get(t.name) or (t.count or t.min_count)
            tier[order[start:start + size]] = t.name
            start += size
        return tier

    def greedy(self) -> pd.Series | None:
        """A feasible greedy pick, the obvious hand method, for comparison with :meth:`solve`.

        Tier by tier from the top: pinned towns, then the best free towns of each county and
        prefecture still below its minimum, then of each development type below its quota,
        then the best remaining towns — skipping towns too close to a town already in the
        tier, and keeping back in each county and prefecture as many towns as the lower tiers'
        minimums will need there. Returns None when it gets stuck (a minimum it can no longer
        meet).
        """
        if not self.sizes:
            self._check_feasible()
        pinned = self._pinned()
        pos = np.arange(len(self.towns))
        order = pos[np.argsort(-self.towns["score"].to_numpy(), kind="stable")]
        taken = np.zeros(len(self.towns), dtype=bool)
        tier = pd.Series("", index=self.towns.index, dtype=object)
        county = pd.factorize(self.towns["county_code"], sort=True)[0]
        pref = pd.factorize(self.towns["prefecture_code"], sort=True)[0]
        pref_counties = np.bincount(pref[np.unique(county, return_index=True)[1]])
        for k, t in enumerate(self.tiers):
            lower = self.tiers[k + 1:]
            keep_c = sum(o.per_county_min for o in lower)
            keep_p = (sum(o.per_prefecture_min for o in lower) + keep_c * pref_counties)
            free_c = np.bincount(county[~taken], minlength=county.max() + 1)
            free_p = np.bincount(pref[~taken], minlength=pref.max() + 1)
            pr = self.pairs(t)
            near = [set() for _ in pos]
            for a, b in pr:
                near[a].add(b)
                near[b].add(a)
            chosen: list[int] = []

            def ok(i: int) -> bool:
                return (not taken[i] and free_c[county[i]] > keep_c
                        and free_p[pref[i]] > keep_p[pref[i]] and not (near[i] & set(chosen)))

            def take(i: int) -> None:
                taken[i] = True
                free_c[county[i]] -= 1
                free_p[pref[i]] -= 1
                chosen.append(i)

            for i in pinned[t.name]:
                take(int(i))
            groups: list[tuple[np.ndarray, int]] = []
            for key, m in (("county_code", t.per_county_min),
                           ("prefecture_code", t.per_prefecture_min)):
                if m:
                    labels = self.towns[key].to_numpy()
                    groups += [(labels == u, m) for u in np.unique(labels)]
            types = self.towns["dev_type"].to_numpy() if "dev_type" in self.towns else None
            for typ, q in sorted(self.type_quotas.get(t.name, {}).items()):
                groups.append((types == typ, q))
            for member, m in groups:
                have = int(member[chosen].sum()) if chosen else 0
                for i in order:
                    if have >= m:
                        break
                    if member[i] and ok(i):
                        take(int(i))
                        have += 1
                if have < m:
                    return None
            for i in order:
                if len(chosen) >= self.sizes[t.name]:
                    break
                if ok(i):
                    take(int(i))
            if len(chosen) != self.sizes[t.name]:
                return None
            tier.iloc[chosen] = t.name
        return tier

    # -- explanations ----------------------------------------------------------------------------

    def _extra_rules(self, tier_name: str) -> str:
        t = self.tiers[[x.name for x in self.tiers].index(tier_name)]
        extra = (["type quota"] if self.type_quotas.get(tier_name) else []) + (
            ["spacing rule"] if t.min_spacing_km > 0 else [])
        return f" (or {' or '.join(extra)})" if extra else ""

    def _reasons(self, tier: pd.Series, pinned: dict[str, np.ndarray]) -> pd.Series:
        free = self.ranking()
        rank_of = {t.name: k for k, t in enumerate(self.tiers)}
        label = {t.name: t.label for t in self.tiers}
        pinned_at = {self.towns.index[i]: name for name, idx in pinned.items() for i in idx}
        close_to: dict[str, str] = {}
        for t in self.tiers:
            for a, b in self.pairs(t):
                for x, y in ((a, b), (b, a)):
                    cx, cy = self.towns.index[x], self.towns.index[y]
                    if tier[cy] == t.name and tier[cx] != t.name and free[cx] == t.name:
                        close_to.setdefault(cx, f"{self.towns['name'].iloc[y]} ({cy})")
        reasons = pd.Series("", index=tier.index, dtype=object)
        for code in tier.index:
            got, want = tier[code], free[code]
            row = self.towns.loc[code]
            if code in pinned_at:
                reasons[code] = f"{label[got]}: pinned (already designated)"
            elif got and got == want:
                reasons[code] = f"{label[got]}: by score"
            elif got and (not want or rank_of[got] < rank_of[want]):
                t = self.tiers[rank_of[got]]
                why = []
                if t.per_county_min:
                    why.append(f"the minimum of {t.per_county_min} in {row['county_name']}")
                if t.per_prefecture_min:
                    why.append(f"the minimum of {t.per_prefecture_min} in {row['prefecture_name']}")
                if self.type_quotas.get(t.name, {}).get(row.get("dev_type")):
                    why.append(f"the {row['dev_type']} quota")
                reasons[code] = f"{label[got]}: to meet " + (" or ".join(why) or "the quotas")
            elif got:
                reasons[code] = (f"{label[got]}: its place in {label[want]} went to a town "
                                 "needed for a minimum" + self._extra_rules(want))
            elif code in close_to:
                reasons[code] = (f"not selected: within {self.tiers[rank_of[want]].min_spacing_km:g} "
                                 f"km of {close_to[code]} ({label[want]} spacing)")
            elif want:
                reasons[code] = ("not selected: its place went to a town needed for a minimum"
                                 + self._extra_rules(want))
            else:
                reasons[code] = "not selected: score below the lowest tier's cut-off"
        return reasons
