"""Joint tier selection as an integer program (HiGHS: ``highspy``, SciPy ``milp``).

Model, for eligible towns i and tiers t (highest first):

- x[i, t] ∈ {0, 1}; each town in at most one tier;
- tier size: Σ_i x[i, t] = size_t;
- per-unit minimums: Σ_{i ∈ unit} x[i, t] ≥ m_t for every prefecture (or county) that has
  eligible towns; with ``minimums = "this_tier_or_higher"`` the sum also runs over the higher
  tiers, Σ_{i ∈ unit} Σ_{t' ≤ t} x[i, t'] ≥ m_t;
- optional regional balance: Σ_{i ∈ prefecture} x[i, t] ≤ max_t (``per_prefecture_max``), or
  between ⌊size_t·share⌋ and ⌈size_t·share⌉ (``allocation = "proportional"``, share = the
  prefecture's part of the eligible towns);
- optional: development-type minimums Σ_{i ∈ type} x[i, t] ≥ q_{t,type}; minimum spacing
  x[i, t] + x[j, t] ≤ 1 for towns i, j closer than the tier's ``min_spacing_km``; pinned towns
  x[i, t] = 1;
- objective: maximise Σ tier_weight_t · score_i · x[i, t].

With strictly decreasing tier weights, swapping a better town into a higher tier always raises
the objective, so a weaker town sits above a stronger one only when a quota forces it. The
plain sum of scores would be indifferent to which tier a town lands in.

Without spacing or type rules the constraints are those of a flow network (town → county →
prefecture → tier, with lower and upper bounds on the arcs), so the matrix is totally
unimodular and the LP relaxation already has an integral optimum: :meth:`TierSelection.solve`
solves the LP first (about twice as fast, which matters for Monte Carlo and the what-if
explorer; re-solves keep one HiGHS model and change only its costs), checks that the answer
is integral, and falls back to the branch-and-bound ``milp`` otherwise. Cumulative minimums keep the LP-first path but are not claimed to be a
flow: the integrality check decides.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

from .. import columns, errors
from .. import config as config_mod
from . import _greedy, _reasons


@dataclass
class SelectionResult:
    """Outcome of :meth:`TierSelection.solve`.

    ``tier`` holds the tier name per town (``""`` when not selected); ``reason`` a sentence
    on why; ``binding`` the town's own unit whose minimum holds it away from its place by
    score (``"county_code=<code>"``, ``"prefecture_code=<code>"`` or ``"dev_type=<type>"``;
    ``""`` for towns placed by score); ``sizes`` the realised size of each tier;
    ``objective`` the ILP objective (Σ tier_weight × score); ``greedy_objective`` that of
    :meth:`TierSelection.greedy` (None when the greedy pick gets stuck), ``greedy_diff`` the
    towns whose tier differs.
    """

    tier: pd.Series
    reason: pd.Series
    binding: pd.Series
    sizes: dict[str, int]
    objective: float
    notes: list[str]
    greedy_objective: float | None = None
    greedy_diff: list[str] = field(default_factory=list)
    method: str = ""


def _silent_highs(highspy):
    """A ``highspy.Highs`` with its log off. Its constructor prints a banner to the C-level
    standard output before any option can be set: that file descriptor points to
    ``/dev/null`` meanwhile, so the run's own output stays as it was."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


class _FlowLP:
    """The LP relaxation of a flow-structured model, kept in one HiGHS instance across
    re-solves that change only the objective.

    Each solve starts from the basis of the first one (the run's own scores), so its answer
    depends on the costs alone, not on the order of earlier solves; the few pivots from
    there replace a cold solve and SciPy's per-call model conversion (about a quarter of
    the time each, on the hundreds of re-solves of the robustness analysis and the
    what-if explorer). Presolve is off: on these LPs it cost more than it saved.
    """

    def __init__(self, cons: LinearConstraint, bounds: Bounds):
        import highspy  # only models that are solved need it (~0.1 s import)

        self._highspy = highspy
        A = sp.csc_matrix(cons.A)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
        lp.col_cost_ = np.zeros(A.shape[1])
        lp.col_lower_, lp.col_upper_ = np.asarray(bounds.lb), np.asarray(bounds.ub)
        lp.row_lower_ = np.broadcast_to(np.asarray(cons.lb, dtype=float), A.shape[0])
        lp.row_upper_ = np.broadcast_to(np.asarray(cons.ub, dtype=float), A.shape[0])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = (
            A.indptr, A.indices, A.data)
        self._h = _silent_highs(highspy)
        self._h.setOptionValue("presolve", "off")
        self._h.passModel(lp)
        self._cols = np.arange(A.shape[1], dtype=np.int32)
        self._basis: highspy.HighsBasis | None = None

    def solve(self, c: np.ndarray) -> np.ndarray | None:
        """Column values minimising ``c @ x``; None unless HiGHS reports an optimum."""
        h = self._h
        h.changeColsCost(len(self._cols), self._cols, np.asarray(c, dtype=float))
        if self._basis is not None:
            h.setBasis(self._basis)
        h.run()
        if h.getModelStatus() != self._highspy.HighsModelStatus.kOptimal:
            return None
        if self._basis is None:
            self._basis = h.getBasis()
        return np.array(h.getSolution().col_value)


def input_frame(towns: pd.DataFrame, rows: pd.Series, crs, dev_type: pd.Series | None = None
                ) -> pd.DataFrame:
    """The selection's input for the towns ``rows`` (a boolean mask) of a run's town table:
    the identity columns (:data:`spatial_towns.columns.IDENTITY`), ``x_m``/``y_m`` (metres in
    ``crs``, the run's metric CRS) and ``dev_type`` when given; index = town code. The run
    and the what-if explorer both build it here; add ``score`` before
    :meth:`TierSelection.from_frame`."""
    sel = towns.loc[rows, list(columns.IDENTITY)].copy()
    metric = towns.loc[rows].geometry.to_crs(crs)
    sel["x_m"], sel["y_m"] = metric.x, metric.y
    if dev_type is not None:
        sel[columns.DEV_TYPE] = dev_type.loc[rows]
    return sel.set_index(columns.CODE)


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
        self._lp: _FlowLP | None = None

    def __getstate__(self) -> dict:
        # The HiGHS instance does not pickle; a copy builds its own on its first solve.
        return {**self.__dict__, "_lp": None}

    @classmethod
    def from_frame(cls, towns: pd.DataFrame, tiers: tuple[config_mod.Tier, ...],
                   type_quotas: dict[str, dict[str, int]] | None = None) -> TierSelection:
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
        need = {*columns.IDENTITY[1:], columns.SCORE}
        if any(t.min_spacing_km > 0 for t in tiers):
            need |= {"x_m", "y_m"}
        if type_quotas:
            need.add(columns.DEV_TYPE)
        missing = need - set(towns.columns)
        if missing:
            raise errors.InputDataError(f"selection needs columns {sorted(missing)}")
        if towns[columns.SCORE].isna().any():
            bad = list(towns.index[towns[columns.SCORE].isna()][:5])
            raise errors.InputDataError(f"selection got towns without a score: {bad}")
        unknown = set(type_quotas or {}) - {t.name for t in tiers}
        if unknown:
            raise errors.ConfigError(f"type quotas for unknown tier(s) {sorted(unknown)}")
        model_towns = towns.sort_index()
        # The input's provenance attrs are not needed here, and pandas deep-copies attrs into
        # the result of every operation on the frame (half the time of the reasons).
        model_towns.attrs = {}
        return cls(model_towns, tiers, type_quotas)

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

    def _size_need(self, k: int, n_prefs: int, n_counties: int) -> int:
        """Towns tier ``k`` needs for its per-unit minimums (after the higher tiers' places
        when its minimums are cumulative)."""
        t = self.tiers[k]
        if not t.cumulative:
            return t.per_prefecture_min * n_prefs + t.per_county_min * n_counties
        higher = sum(self.sizes[o.name] for o in self.tiers[:k])
        return max(0, t.per_prefecture_min * n_prefs - higher,
                   t.per_county_min * n_counties - higher)

    @staticmethod
    def _unit_need(mins: list[tuple[int, bool]]) -> int:
        """Fewest towns a unit must hold for per-tier minimums ``(m, cumulative)``, highest
        tier first: a literal minimum adds its own towns, a cumulative one is met by the
        towns the higher tiers already hold there."""
        need = 0
        for m, cumulative in mins:
            need = max(need, m) if cumulative else need + m
        return need

    def _check_feasible(self) -> None:
        n = len(self.towns)
        prefs, counties = self._units(columns.PREFECTURE_CODE), self._units(columns.COUNTY_CODE)
        pname = self.towns.groupby(columns.PREFECTURE_CODE)[columns.PREFECTURE_NAME].first()
        cname = self.towns.groupby(columns.COUNTY_CODE)[columns.COUNTY_NAME].first()
        for k, t in enumerate(self.tiers):
            need = self._size_need(k, len(prefs), len(counties))
            self.sizes[t.name] = t.count if t.count is not None else max(t.min_count, need)
        if sum(self.sizes.values()) > n:
            raise errors.QuotaError(
                f"tier sizes {self.sizes} need {sum(self.sizes.values())} towns but only {n} "
                "are eligible; lower the counts or widen eligibility"
            )
        for k, t in enumerate(self.tiers):
            if t.count is not None:
                need = self._size_need(k, len(prefs), len(counties))
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
                have = int((self.towns[columns.DEV_TYPE] == typ).sum())
                taken = sum(self.type_quotas.get(o.name, {}).get(typ, 0)
                            for o in self.tiers if o.name != t.name)
                if q + taken > have:
                    by_pref = (self.towns[self.towns[columns.DEV_TYPE] == typ]
                               .groupby(columns.PREFECTURE_NAME).size().to_dict())
                    raise errors.QuotaError(
                        f"development type {typ!r}: tier minimums need {q + taken} towns but "
                        f"only {have} eligible towns have that type (by prefecture: {by_pref})")
        for code, idx in prefs.items():
            cs = set(self.towns[columns.COUNTY_CODE].iloc[idx])
            need = self._unit_need([(t.per_prefecture_min + t.per_county_min * len(cs),
                                     t.cumulative) for t in self.tiers])
            if need > len(idx):
                raise errors.QuotaError(
                    f"prefecture {pname[code]} ({code}) has {len(idx)} eligible towns but the "
                    f"per-prefecture and per-county minimums of all tiers need {need}"
                )
        for code, idx in counties.items():
            need = self._unit_need([(t.per_county_min, t.cumulative) for t in self.tiers])
            if need > len(idx):
                raise errors.QuotaError(
                    f"county {cname[code]} ({code}) has {len(idx)} eligible towns but the "
                    f"per-county minimums of all tiers need {need}"
                )

    def prefecture_bounds(self, tier: config_mod.Tier) -> tuple[np.ndarray, np.ndarray] | None:
        """Lower and upper bound of the tier's towns per prefecture (sorted prefecture
        codes) from ``per_prefecture_max`` and ``allocation``; None when neither is set.

        Proportional allocation: ``size × share`` rounded down and up, share = the
        prefecture's eligible towns over all eligible towns; the lower bound is raised to
        ``per_prefecture_min`` and both are capped by ``per_prefecture_max`` and by the
        prefecture's eligible towns.
        """
        if tier.per_prefecture_max is None and tier.allocation == "none":
            return None
        have = self.towns.groupby(columns.PREFECTURE_CODE).size().sort_index().to_numpy()
        lo = np.full(len(have), float(tier.per_prefecture_min))
        hi = have.astype(float)
        if tier.allocation == "proportional":
            quota = self.sizes[tier.name] * have / have.sum()
            lo = np.maximum(lo, np.floor(quota + 1e-9))
            hi = np.minimum(hi, np.maximum(lo, np.ceil(quota - 1e-9)))
        if tier.per_prefecture_max is not None:
            hi = np.minimum(hi, tier.per_prefecture_max)
            lo = np.minimum(lo, hi)
        return lo, hi

    def _check_balance(self) -> None:
        pnames = self.towns.groupby(columns.PREFECTURE_CODE)[columns.PREFECTURE_NAME].first().sort_index()
        for t in self.tiers:
            b = self.prefecture_bounds(t)
            if b is None:
                continue
            lo, hi = b
            size = self.sizes[t.name]
            if hi.sum() < size or lo.sum() > size:
                rule = (f"per_prefecture_max = {t.per_prefecture_max}"
                        if t.per_prefecture_max is not None else "")
                if t.allocation == "proportional":
                    rule = " and ".join(x for x in (rule, "proportional allocation") if x)
                raise errors.QuotaError(
                    f"tier {t.name!r}: {rule} allows {int(lo.sum())}-{int(hi.sum())} towns over "
                    f"the {len(lo)} prefectures but the tier has {size} "
                    f"(per prefecture: {dict(zip(pnames, hi.astype(int).tolist(), strict=True))})")
            short = pnames[lo < t.per_prefecture_min]
            if len(short):
                raise errors.QuotaError(
                    f"tier {t.name!r}: per_prefecture_max = {t.per_prefecture_max} leaves "
                    f"{list(short)} below per_prefecture_min = {t.per_prefecture_min}")

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
                 for key in (columns.PREFECTURE_CODE, columns.COUNTY_CODE)}
        for k, t in enumerate(self.tiers):
            add(np.zeros(n, dtype=np.int64), k * n + np.arange(n),
                self.sizes[t.name], self.sizes[t.name], 1)
            # A cumulative minimum counts the unit's towns in this tier and every higher one.
            span = np.arange(k + 1 if t.cumulative else 1) + (0 if t.cumulative else k)
            for key, m in ((columns.PREFECTURE_CODE, t.per_prefecture_min),
                           (columns.COUNTY_CODE, t.per_county_min)):
                if m:
                    add(np.tile(codes[key], len(span)), (span[:, None] * n + np.arange(n)).ravel(),
                        m, np.inf, int(codes[key].max()) + 1)
            bounds = self.prefecture_bounds(t)
            if bounds is not None:
                add(codes[columns.PREFECTURE_CODE], k * n + np.arange(n), bounds[0], bounds[1],
                    int(codes[columns.PREFECTURE_CODE].max()) + 1)
            for typ, q in sorted(self.type_quotas.get(t.name, {}).items()):
                members = np.flatnonzero((self.towns[columns.DEV_TYPE] == typ).to_numpy())
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
            self._check_balance()
            pinned = self._pinned()
            A, lo, hi, flow = self._constraints()
            n, T = len(self.towns), len(self.tiers)
            lb = np.zeros(n * T)
            for k, t in enumerate(self.tiers):
                lb[k * n + pinned[t.name]] = 1.0
            self._cache = (LinearConstraint(A, lo, hi), Bounds(lb, np.ones(n * T)), flow)
        assert self._cache is not None
        return self._cache

    def _cost(self, score: np.ndarray) -> np.ndarray:
        """Objective to minimise over x (tier-major): -tier_weight × score."""
        return -np.concatenate([t.tier_weight * np.asarray(score, dtype=float)
                                for t in self.tiers])

    def _solve_x(self, score: np.ndarray, time_limit_s: float) -> tuple[np.ndarray, str]:
        """0/1 matrix (tiers x towns) maximising Σ tier_weight × score, and how it was found."""
        cons, bounds, flow = self._prepared()
        n, T = len(self.towns), len(self.tiers)
        c = self._cost(score)
        x, method, res = None, "", None
        if flow:
            if getattr(self, "_lp", None) is None:
                # Its starting basis is that of the model's own scores, whichever comes first.
                self._lp = _FlowLP(cons, bounds)
                self._lp.solve(self._cost(self.towns[columns.SCORE].to_numpy(dtype=float)))
            assert self._lp is not None
            lp_x = self._lp.solve(c)
            if lp_x is not None and np.abs(lp_x - np.round(lp_x)).max() < 1e-6:
                x, method = lp_x, "LP relaxation (integral: flow structure)"
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
        xb, method = self._solve_x(self.towns[columns.SCORE].to_numpy(dtype=float), time_limit_s)
        tier = pd.Series("", index=self.towns.index, dtype=object)
        for k, t in enumerate(self.tiers):
            tier[xb[k]] = t.name
        reason, binding = _reasons.reasons(self, tier, self._pinned())
        out = SelectionResult(tier=tier, reason=reason, binding=binding,
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
        return float((w.fillna(0.0) * self.towns[columns.SCORE]).sum())

    # -- baselines -------------------------------------------------------------------------------

    def ranking(self) -> pd.Series:
        """Pure ranking: fill tiers top-down by score, ignoring every rule but tier sizes."""
        order = self.towns[columns.SCORE].sort_values(ascending=False, kind="stable").index
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
        return _greedy.greedy(self)


    def _tier_index(self, tier: pd.Series) -> pd.Series:
        """Tier position per town (0 = highest; ``len(tiers)`` = not selected)."""
        return tier.map({x.name: j for j, x in enumerate(self.tiers)}).fillna(
            len(self.tiers)).astype(int)


