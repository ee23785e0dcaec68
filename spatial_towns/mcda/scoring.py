"""Transparent multi-criteria score: which criteria, their weights, and the 0-100 score.

The steps, each configurable and each reported:

1. :func:`resolve` — which column scores each criterion (fallbacks), expert weights;
2. :func:`weigh` — the weights actually used: expert, AHP, entropy, CRITIC, an expert
   panel's or a combination (:mod:`spatial_towns.weights`);
3. :func:`score` — transform each criterion to 0-1 (:mod:`spatial_towns.transforms`) and
   aggregate (:mod:`spatial_towns.aggregation`): WLC, TOPSIS or OWA.

Each town's score is the sum of its per-criterion contributions ``contrib_<criterion>``, so
a planner can read why a town scored what it did. The default (expert weights, min-max,
WLC) is ``100 × Σ weight × min-max normalised value``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import columns, errors
from .. import config as config_mod
from . import aggregation, weights
from . import normalise as transforms


@dataclass(frozen=True)
class UsedCriterion:
    """A criterion as actually scored: the column used, its normalised weight, and why."""

    name: str
    column: str
    direction: str
    weight: float
    label: str
    note: str = ""
    transform: config_mod.Transform = dataclasses.field(default_factory=config_mod.Transform)


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
                      c.label or c.column, note, c.transform)
        for c, col, note in used
    ]


def normalise(criteria_table: pd.DataFrame, eligible: pd.Series,
              used: list[UsedCriterion]) -> pd.DataFrame:
    """Transformed criteria (0-1, 1 = best) of the eligible towns: one column per scored
    criterion, named by criterion; ineligible towns are NaN. ``minmax`` bounds come from the
    eligible towns only."""
    out = pd.DataFrame(index=criteria_table.index)
    for u in used:
        if not u.column:
            continue
        n = pd.Series(np.nan, index=criteria_table.index)
        n[eligible] = transforms.apply(criteria_table.loc[eligible, u.column], u.direction,
                                       u.transform)
        out[u.name] = n
    return out


def weigh(criteria_table: pd.DataFrame, eligible: pd.Series, used: list[UsedCriterion],
          weighting: config_mod.Weighting | None = None, *,
          given: Mapping[str, float] | None = None, given_note: str = ""
          ) -> tuple[list[UsedCriterion], weights.WeightsUsed]:
    """Set the weights of ``used`` by the configured method.

    ``expert`` keeps the (renormalised) config weights; ``ahp`` takes the principal
    eigenvector of the pairwise matrix; ``entropy`` and ``critic`` derive weights from the
    eligible towns' transformed criteria (so they depend on which towns are eligible);
    ``panel`` takes ``given`` (criterion name → weight: an expert panel's global weights,
    computed by the caller, described by ``given_note``); ``combined`` (组合赋权) mixes the
    ``subjective`` weights (expert, ahp or panel) with the ``objective`` ones (entropy or
    critic) by ``rule`` (:func:`spatial_towns.weights.combine`), both parts kept in the record.
    Criteria dropped by :func:`resolve` keep weight 0 and the rest are renormalised to sum 1.

    Raises
    ------
    spatial_towns.errors.ConfigError
        For an AHP matrix with consistency ratio > 0.1 (stating CR and the worst judgement),
        when objective weights are undefined (no criterion varies), or for ``panel`` without
        ``given``.
    """
    w = weighting or config_mod.Weighting()
    live = [u for u in used if u.column]
    ahp_res, parts = None, {}
    if w.method == "combined":
        subj, obj, rule, alpha = w.subjective, w.objective, w.rule, w.alpha
        s, s_note, ahp_res = _method_weights(subj, criteria_table, eligible, live, w, given,
                                             given_note)
        o, o_note, _ = _method_weights(obj, criteria_table, eligible, live, w, given, given_note)
        names = [u.name for u in live]
        mixed = weights.combine(np.array([s[n] for n in names]), np.array([o[n] for n in names]),
                                rule=rule, alpha=alpha)
        new = dict(zip(names, (float(v) for v in mixed), strict=True))
        parts = {"subjective": _unit(s), "objective": _unit(o)}
        how = (f"w = {alpha:g} × subjective + {1 - alpha:g} × objective" if rule == "linear"
               else "w ∝ subjective × objective (multiplicative normalisation)")
        note = (f"combined weights (组合赋权), {rule}: {how}; subjective = {subj} ({s_note}); "
                f"objective = {obj} ({o_note})")
    else:
        new, note, ahp_res = _method_weights(w.method, criteria_table, eligible, live, w, given,
                                             given_note)
    total = sum(new.values())
    if not total > 0:
        raise errors.ConfigError(f"{w.method} weighting gives zero weight to every scored criterion")
    out = [dataclasses.replace(u, weight=float(new[u.name] / total)) if u.column else u
           for u in used]
    record = weights.WeightsUsed(method=w.method,
                                 weights={u.name: u.weight for u in out if u.column},
                                 ahp=ahp_res, note=note, parts=parts)
    return out, record


def _unit(d: dict[str, float]) -> dict[str, float]:
    total = sum(d.values())
    return {k: float(v / total) for k, v in d.items()}


def _method_weights(method: str, criteria_table: pd.DataFrame, eligible: pd.Series,
                    live: list[UsedCriterion], w: config_mod.Weighting,
                    given: Mapping[str, float] | None, given_note: str
                    ) -> tuple[dict[str, float], str, weights.AHPResult | None]:
    """Raw (not yet renormalised) weights of the live criteria by one method, with a note."""
    if method == "expert":
        return {u.name: u.weight for u in live}, \
            "expert weights from the config, renormalised to sum 1", None
    if method == "ahp":
        a = np.asarray(w.pairwise, dtype=float)
        ahp_res = weights.ahp(a)
        weights.check_consistency(ahp_res, w.criteria, a)
        raw = dict(zip(w.criteria, ahp_res.weights, strict=True))
        note = (f"AHP principal eigenvector of a {len(w.criteria)} x {len(w.criteria)} pairwise "
                f"matrix; CR = {ahp_res.cr:.3f} (<= {weights.MAX_CR})")
        dropped = [n for n in w.criteria if n not in {u.name for u in live}]
        if dropped:
            note += f"; weights renormalised without {dropped} (not computed)"
        return {u.name: float(raw[u.name]) for u in live}, note, ahp_res
    if method == "panel":
        if given is None:
            raise errors.ConfigError("weighting 'panel' needs the panel's answers: give them "
                                     "with run --panel FILE... or [weighting] panel = [...]")
        missing = [u.name for u in live if u.name not in given]
        if missing:
            raise errors.ConfigError(f"the panel gave no weight to scored criteria {missing}")
        note = given_note or "weights from an expert panel"
        dropped = [n for n, v in given.items() if v > 0 and n not in {u.name for u in live}]
        if dropped:
            note += f"; renormalised without {dropped} (not computed)"
        return {u.name: float(given[u.name]) for u in live}, note, None
    if method in ("entropy", "critic"):
        norm = normalise(criteria_table, eligible, live).loc[eligible]
        fn = weights.entropy if method == "entropy" else weights.critic
        vals = fn(norm.to_numpy(dtype=float))
        note = (f"{'entropy' if method == 'entropy' else 'CRITIC'} weights of the "
                f"{int(eligible.sum())} eligible towns' transformed criteria")
        return dict(zip(norm.columns, (float(v) for v in vals), strict=True)), note, None
    raise errors.ConfigError(f"unknown weighting method {method!r}")


def score(criteria_table: pd.DataFrame, eligible: pd.Series, used: list[UsedCriterion],
          agg: config_mod.Aggregation | None = None) -> pd.DataFrame:
    """Score eligible towns with the weights in ``used``.

    Returns a frame indexed like ``criteria_table`` with ``norm_<name>`` (transformed, 0-1),
    ``contrib_<name>`` (points out of 100; they add up to the score under every method, see
    :mod:`spatial_towns.aggregation`), ``score`` (0-100) and ``rank`` (1 = best; ties share
    the best rank). Ineligible towns get NaN.
    """
    a = agg or config_mod.Aggregation()
    norm = normalise(criteria_table, eligible, used)
    w = pd.Series({u.name: u.weight for u in used if u.column}, dtype=float)
    total, contrib = _aggregate(norm.loc[eligible], w, a)
    out = pd.DataFrame(index=criteria_table.index)
    for name in norm.columns:
        out[f"norm_{name}"] = norm[name]
        out[f"contrib_{name}"] = contrib[name].reindex(criteria_table.index)
    out[columns.SCORE] = total.reindex(criteria_table.index).where(eligible)
    out[columns.RANK] = out[columns.SCORE].rank(ascending=False, method="min")
    return out


def _aggregate(sub: pd.DataFrame, w: pd.Series,
               a: config_mod.Aggregation) -> tuple[pd.Series, pd.DataFrame]:
    if a.method == "wlc":
        return aggregation.wlc(sub, w)
    if a.method == "topsis":
        return aggregation.topsis(sub, w)
    if a.method == "owa":
        return aggregation.owa(sub, w, a.order_weights)
    raise errors.ConfigError(
        f"unknown aggregation {a.method!r}; use one of {config_mod.AGGREGATION_METHODS}")


@dataclass
class Scorer:
    """Scores of the eligible towns under many weight vectors, the criteria transformed once.

    Only the weights move between calls (Monte Carlo draws, one-at-a-time steps), so the
    transformed criteria are computed once by :meth:`from_table`. :meth:`score` returns
    exactly (bit for bit) what :func:`score` gives those towns for the same weights, and
    :meth:`score_many` exactly what :meth:`score` gives each row of a weight matrix.

    Attributes
    ----------
    norm : pandas.DataFrame
        Transformed criteria (0-1) of the eligible towns (index as the criteria table),
        one column per scored criterion.
    agg : Aggregation
        How the criteria are combined.
    """

    norm: pd.DataFrame
    agg: config_mod.Aggregation

    @classmethod
    def from_table(cls, criteria_table: pd.DataFrame, eligible: pd.Series,
                   used: list[UsedCriterion],
                   agg: config_mod.Aggregation | None = None) -> Scorer:
        """Transform the eligible towns' criteria once (as :func:`score` does)."""
        norm = normalise(criteria_table, eligible, used).loc[eligible]
        return cls(norm=norm, agg=agg or config_mod.Aggregation())

    def score(self, weights: pd.Series) -> pd.Series:
        """Score (0-100) of every eligible town for ``weights`` (criterion name → weight;
        criteria not in ``weights`` weigh 0)."""
        w = weights.reindex(self.norm.columns, fill_value=0.0).astype(float)
        return _aggregate(self.norm, w, self.agg)[0]

    def score_many(self, weights: pd.DataFrame) -> pd.DataFrame:
        """Scores for each row of ``weights`` (draws × criteria): draws × eligible towns.

        WLC does all draws at once, adding the criteria's terms in the same order as
        :func:`aggregation.wlc` so the floating-point result is identical; TOPSIS and OWA,
        whose arithmetic is per town, go draw by draw on the cached criteria.
        """
        w = weights.reindex(columns=self.norm.columns, fill_value=0.0).astype(float)
        if self.agg.method != "wlc":
            rows = [self.score(w.iloc[d]).to_numpy() for d in range(len(w))]
            return pd.DataFrame(np.array(rows).reshape(len(w), len(self.norm)),
                                index=w.index, columns=self.norm.index)
        z = self.norm.to_numpy(dtype=float)
        wm = w.to_numpy(dtype=float)
        total = np.zeros((len(wm), len(z)))
        for j in range(z.shape[1]):
            # (100 × w_j) × v_ij, then summed left to right: aggregation.wlc's operation order.
            total = total + (100.0 * wm[:, j:j + 1]) * z[None, :, j]
        return pd.DataFrame(total, index=w.index, columns=self.norm.index)


def score_against(criteria_table: pd.DataFrame, reference: pd.Series, eligible: pd.Series,
                  used: list[UsedCriterion]) -> pd.DataFrame:
    """WLC scores of the ``eligible`` towns on the scale of the ``reference`` towns.

    ``minmax`` criteria take their bounds from the reference towns only and are not clipped,
    so a reference town scores exactly as :func:`score` over the reference towns would give
    it, whoever else is scored, and another town's score is comparable with theirs (above 100:
    better than every reference town on every criterion). Fixed-parameter transforms
    (``sigmoid``, ``linear``) do not depend on the towns and apply as they are.

    Returns ``norm_<name>``, ``contrib_<name>``, ``score`` (NaN outside ``eligible``).
    """
    out = pd.DataFrame(index=criteria_table.index)
    total = pd.Series(0.0, index=criteria_table.index)
    for u in used:
        if not u.column:
            continue
        v = criteria_table[u.column].astype(float).where(eligible)
        t = u.transform or config_mod.Transform()
        if t.kind == "minmax":
            lo, hi = v[reference].min(), v[reference].max()
            if not np.isfinite(lo) or hi == lo:
                n = pd.Series(0.0, index=v.index).where(v.notna())  # as transforms.minmax
            else:
                n = (v - lo) / (hi - lo)
                n = 1.0 - n if u.direction == "cost" else n
        else:
            n = transforms.apply(v, u.direction, t)
        out[f"norm_{u.name}"] = n
        out[f"contrib_{u.name}"] = 100.0 * u.weight * n
        total = total + out[f"contrib_{u.name}"]
    out[columns.SCORE] = total.where(eligible)
    return out
