"""Aggregation: transformed criteria (0-1, 1 = best) and weights → a 0-100 score.

Every method returns the score and per-criterion contributions (points) that add up to the
score, so ``contrib_<criterion>`` always answers "where did this town's points come from":

- ``wlc``: ``contrib_j = 100 × w_j × v_ij``; the score is their sum.
- ``topsis``: score = 100 × closeness ``D⁻ / (D⁺ + D⁻)``, with Euclidean distances of the
  weighted values ``w_j v_ij`` to the ideal (column maxima) and anti-ideal (column minima)
  of the eligible towns. ``contrib_j`` splits the score in proportion to criterion j's share
  of the squared distance from the anti-ideal, ``(w_j (v_ij - min_j))² / D⁻²``: a criterion
  on which the town is as bad as the worst town contributes 0.
- ``owa``: ordered weighted averaging with criterion weights (Yager 1988; the GIS form of
  Jiang & Eastman 2000): for each town, its criteria are sorted from best to worst value and
  the k-th gets order weight ``u_k``; score = 100 × Σ u_k w_(k) v_(k) / Σ u_k w_(k).
  ``contrib_j`` is criterion j's term. Equal order weights give WLC; all weight on the first
  position gives the best (weighted) criterion, an "OR"; on the last, an "AND".

Inputs are frames of eligible towns only (no missing values), columns = criteria.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import errors


def wlc(norm: pd.DataFrame, weights: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """Weighted linear combination. Returns (score 0-100, contributions in points)."""
    contrib = pd.DataFrame(index=norm.index)
    total = pd.Series(0.0, index=norm.index)
    for col in norm.columns:
        contrib[col] = 100.0 * weights[col] * norm[col]
        total = total + contrib[col]
    return total, contrib


def topsis(norm: pd.DataFrame, weights: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """TOPSIS closeness ×100 on the already-normalised matrix (no second normalisation).

    When every town is at once the ideal and the anti-ideal (no criterion varies), the
    closeness is undefined; it is set to 0, as WLC gives 0 to a criterion without spread.
    """
    v = norm.to_numpy(dtype=float) * weights[norm.columns].to_numpy(dtype=float)
    if len(v) == 0:
        return pd.Series(dtype=float), pd.DataFrame(index=norm.index, columns=norm.columns)
    pis, nis = v.max(axis=0), v.min(axis=0)
    dplus = np.sqrt(((v - pis) ** 2).sum(axis=1))
    sq_minus = (v - nis) ** 2
    dminus2 = sq_minus.sum(axis=1)
    dminus = np.sqrt(dminus2)
    den = dplus + dminus
    close = np.divide(dminus, den, out=np.zeros_like(den), where=den > 0)
    score = 100.0 * close
    share = np.divide(sq_minus, dminus2[:, None], out=np.zeros_like(sq_minus),
                      where=dminus2[:, None] > 0)
    contrib = pd.DataFrame(share * score[:, None], index=norm.index, columns=norm.columns)
    return pd.Series(score, index=norm.index), contrib


def owa(norm: pd.DataFrame, weights: pd.Series,
        order_weights: tuple[float, ...] | list[float]) -> tuple[pd.Series, pd.DataFrame]:
    """Ordered weighted averaging with criterion weights; ``order_weights[0]`` applies to
    each town's best transformed value. Order weights are rescaled to sum 1."""
    u = np.asarray(order_weights, dtype=float)
    n = norm.shape[1]
    if len(u) != n:
        raise errors.ConfigError(
            f"aggregation.order_weights has {len(u)} entries but {n} criteria are scored "
            f"({list(norm.columns)}); give one order weight per scored criterion")
    u = u / u.sum()
    z = norm.to_numpy(dtype=float)
    w = weights[norm.columns].to_numpy(dtype=float)
    # Stable sort on -z: ties keep config order, so the result is deterministic.
    order = np.argsort(-z, axis=1, kind="stable")
    pos = np.empty_like(order)
    rows = np.arange(z.shape[0])[:, None]
    pos[rows, order] = np.arange(n)[None, :]
    uw = u[pos] * w[None, :]
    den = uw.sum(axis=1)
    terms = np.divide(100.0 * uw * z, den[:, None], out=np.zeros_like(z),
                      where=den[:, None] > 0)
    contrib = pd.DataFrame(terms, index=norm.index, columns=norm.columns)
    return pd.Series(terms.sum(axis=1), index=norm.index), contrib


def describe(method: str) -> str:
    """What the score and ``contrib_*`` columns mean under ``method`` (for the report)."""
    return {
        "wlc": ("Score = Σ 100 × weight × transformed criterion (weighted linear combination), "
                "0-100; `contrib_<criterion>` are its terms."),
        "topsis": ("Score = 100 × TOPSIS closeness D⁻/(D⁺+D⁻) of the weighted transformed "
                   "criteria to the best (ideal) and worst (anti-ideal) eligible values, 0-100. "
                   "`contrib_<criterion>` splits the score in proportion to each criterion's "
                   "share of the squared distance from the anti-ideal (they sum to the score)."),
        "owa": ("Score = 100 × ordered weighted average: each town's criteria sorted best "
                "first, weighted by criterion weight × order weight (renormalised), 0-100; "
                "`contrib_<criterion>` are its terms."),
    }[method]


def order_weights(n: int, tilt: float) -> tuple[float, ...]:
    """Linear OWA order weights for ``n`` criteria, best value first.

    ``tilt`` in [-1, 1]: 0 gives equal order weights (OWA = WLC); +1 puts weight
    ``2(n-1-k)/(n-1)`` (before rescaling) on the k-th best value, an "OR"-leaning average;
    -1 the mirror image, "AND"-leaning.
    """
    if not -1.0 <= tilt <= 1.0:
        raise errors.ConfigError(f"OWA tilt {tilt} is outside [-1, 1]")
    if n < 1:
        raise errors.ConfigError("OWA needs at least one scored criterion")
    if n == 1:
        return (1.0,)
    k = np.arange(n)
    u = 1.0 + tilt * (n - 1 - 2 * k) / (n - 1)
    return tuple(float(x) for x in u / u.sum())
