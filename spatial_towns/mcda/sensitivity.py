"""How sure is each pick? Monte Carlo over the weights and one-at-a-time weight changes.

Monte Carlo: weights are drawn from a Dirichlet distribution centred on the weights used,
``w ~ Dirichlet(concentration × w0)`` (mean ``w0``; larger concentration = tighter), seeded.
For every draw the towns are re-scored (criteria and their transforms unchanged) and the
three tiers re-selected under the same quotas, so ``p_<tier>`` is the share of draws in which
a town lands in that tier and ``rank_lo``/``rank_hi`` its 5th-95th percentile rank.

One-at-a-time: each criterion's weight is scaled by ``1 + step`` (others rescaled to keep the
sum 1) and the number of towns entering or leaving each tier is counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .. import columns, errors
from . import selection

ScoreFn = Callable[[pd.Series], pd.Series]
#: ``score_many(weights) -> scores``: a draws × criteria weight frame to a draws × town-code
#: score frame, the same numbers as ``score_fn`` row by row (e.g. :meth:`.scoring.Scorer.score_many`).
ScoreManyFn = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass
class Robustness:
    """Per-town stability (index = town code) and the one-at-a-time table.

    ``towns`` columns: ``p_<tier>`` for each tier (0-1), ``rank_lo``, ``rank_hi``;
    ``oat`` rows: criterion, step, weight, and per tier the number of towns that changed.
    """

    towns: pd.DataFrame
    oat: pd.DataFrame
    draws: int
    concentration: float
    seed: int
    #: The same per-town stability over a panel's bootstrap draws (the experts resampled with
    #: replacement), when the weights come from a panel; ``None`` otherwise.
    panel: pd.DataFrame | None = None
    panel_draws: int = 0


def _ranks(score: np.ndarray) -> np.ndarray:
    """Rank per row (1 = best; ties share the best rank, as in scoring) of a draws × towns
    score matrix."""
    return pd.DataFrame(score).rank(axis=1, ascending=False, method="min").to_numpy()


def monte_carlo(model: selection.TierSelection, score_fn: ScoreFn, weights: pd.Series,
                draws: int = 100, concentration: float = 50.0, seed: int = 0,
                progress: bool = False, score_many: ScoreManyFn | None = None
                ) -> pd.DataFrame:
    """Selection probability per tier and rank interval under random weights.

    Parameters
    ----------
    model : TierSelection
        The run's selection model (its towns, sorted by code, are the ones re-scored).
    score_fn : callable
        ``score_fn(weights) -> score`` (0-100, indexed by town code) for a weight Series.
    weights : pandas.Series
        The weights used (criterion name → weight, sum 1).
    draws : int
        Number of Dirichlet draws.
    concentration : float
        Dirichlet concentration; 50 gives each weight a standard deviation of about
        ``sqrt(w(1-w)/51)``, e.g. 0.15 ± 0.05.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    score_many : callable, optional
        Scores all draws at once (see :data:`ScoreManyFn`); ``score_fn`` is then not called.
        The result is the same, only faster.

    Returns
    -------
    pandas.DataFrame
        Index = town code; ``p_<tier>`` per tier, ``rank_lo``, ``rank_hi`` (5th and 95th
        percentile of the rank, 1 = best).
    """
    if draws < 1 or not concentration > 0:
        raise errors.ConfigError("sensitivity: draws must be >= 1 and concentration > 0")
    w0 = weights[weights > 0]
    rng = np.random.default_rng(seed)
    sample = rng.dirichlet(concentration * w0.to_numpy(dtype=float), size=draws)
    wd = pd.DataFrame(sample, columns=w0.index).reindex(columns=weights.index, fill_value=0.0)
    return over_draws(model, score_fn, wd, progress=progress, score_many=score_many)


def over_draws(model: selection.TierSelection, score_fn: ScoreFn, weight_draws: pd.DataFrame,
               *, progress: bool = False, score_many: ScoreManyFn | None = None
               ) -> pd.DataFrame:
    """Selection probability per tier and rank interval over given weight vectors.

    Parameters
    ----------
    weight_draws : pandas.DataFrame
        One weight vector a row (criterion names as columns, each row summing to 1): the
        Dirichlet draws of :func:`monte_carlo`, or e.g. a panel's bootstrap draws
        (:func:`spatial_towns.panel.bootstrap`).

    Returns
    -------
    pandas.DataFrame
        As :func:`monte_carlo`.
    """
    wd = weight_draws
    draws = len(wd)
    if draws < 1:
        raise errors.ConfigError("sensitivity: no weight draws")
    codes = model.towns.index
    n, T = len(codes), len(model.tiers)
    if score_many is not None:
        scores = score_many(wd).reindex(columns=codes).to_numpy(dtype=float)
    else:
        scores = np.array([score_fn(wd.iloc[d]).reindex(codes).to_numpy(dtype=float)
                           for d in range(draws)]).reshape(draws, n)
    ranks = _ranks(scores)
    counts = np.zeros((T, n))
    for d in tqdm(range(draws), desc="Monte Carlo weights", disable=not progress, leave=False):
        t = model.assign(scores[d])
        for k in range(T):
            counts[k] += t == k
    out = pd.DataFrame(index=codes)
    for k, tier in enumerate(model.tiers):
        out[f"p_{tier.name}"] = counts[k] / draws
    out[columns.RANK_LO] = np.floor(np.percentile(ranks, 5, axis=0, method="lower"))
    out[columns.RANK_HI] = np.ceil(np.percentile(ranks, 95, axis=0, method="higher"))
    return out


def one_at_a_time(model: selection.TierSelection, score_fn: ScoreFn, weights: pd.Series,
                  base_tier: pd.Series, steps: tuple[float, ...] = (-0.5, -0.2, 0.2, 0.5),
                  score_many: ScoreManyFn | None = None) -> pd.DataFrame:
    """Towns changing tier when one weight moves by each relative ``step``.

    ``score_many`` (see :func:`monte_carlo`) scores all the changed weight vectors at once
    instead of calling ``score_fn`` for each; the result is the same.

    Returns
    -------
    pandas.DataFrame
        One row per (criterion, step): ``criterion``, ``step`` (relative change),
        ``weight`` (new weight after renormalising), and ``changed_<tier>``: towns that
        entered that tier compared with ``base_tier`` (as many left it: sizes are fixed).
    """
    codes = model.towns.index
    base = base_tier.reindex(codes).fillna("").to_numpy()
    changes = []
    for name in weights.index[weights > 0]:
        for step in steps:
            w = weights.copy()
            w[name] = w[name] * (1.0 + step)
            changes.append((name, step, w / w.sum()))
    if score_many is not None and changes:
        wd = pd.DataFrame([w for _, _, w in changes]).reset_index(drop=True)
        scores = score_many(wd).reindex(columns=codes).to_numpy(dtype=float)
    else:
        scores = np.array([score_fn(w).reindex(codes).to_numpy(dtype=float)
                           for _, _, w in changes])
    rows = []
    for (name, step, w), score in zip(changes, scores, strict=True):
        got = model.assign(score)
        row = {"criterion": name, "step": step, "weight": round(float(w[name]), 4)}
        for k, tier in enumerate(model.tiers):
            # Tier sizes do not depend on the weights, so as many enter as leave.
            row[f"changed_{tier.name}"] = int(((got == k) & (base != tier.name)).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def analyse(model: selection.TierSelection, score_fn: ScoreFn, weights: pd.Series,
            base_tier: pd.Series, draws: int = 100, concentration: float = 50.0,
            seed: int = 0, steps: tuple[float, ...] = (-0.5, -0.2, 0.2, 0.5),
            progress: bool = False, score_many: ScoreManyFn | None = None) -> Robustness:
    """:func:`monte_carlo` and :func:`one_at_a_time` together."""
    mc = monte_carlo(model, score_fn, weights, draws, concentration, seed, progress, score_many)
    oat = one_at_a_time(model, score_fn, weights, base_tier, steps, score_many)
    return Robustness(towns=mc, oat=oat, draws=draws, concentration=concentration, seed=seed)
