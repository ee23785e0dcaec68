"""Ranking metrics shared by :mod:`spatial_towns.calibrate` and :mod:`spatial_towns.validate`.

One owner for each figure, so a calibration's "current weights: AUC …" and a backtest's
``roc_auc`` are the same number for the same labels and scores.
"""

from __future__ import annotations

import numpy as np


def roc_auc(labels: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC of ``score`` for the 0/1 ``labels``.

    scikit-learn's :func:`~sklearn.metrics.roc_auc_score` (tied scores count one half). NaN,
    not an error, when one class is empty: a backtest with no recognised eligible town, or a
    cross-validation fold without one, has nothing to measure.
    """
    from sklearn.metrics import roc_auc_score

    y = np.asarray(labels, dtype=bool)
    if not 0 < int(y.sum()) < len(y):
        return float("nan")
    return float(roc_auc_score(y, np.asarray(score, dtype=float)))


def top_k_hit_rate(labels: np.ndarray, score: np.ndarray, k: int) -> float:
    """Share of the ``k`` best-scored items whose label is 1.

    Items tied at the k-th score share the remaining places in proportion, so the figure
    depends neither on row order nor on an arbitrary tie-break. NaN for ``k <= 0``.
    """
    y = np.asarray(labels, dtype=float)
    s = np.asarray(score, dtype=float)
    k = min(int(k), len(s))
    if k <= 0:
        return float("nan")
    cut = np.sort(s)[::-1][k - 1]
    above = s > cut
    tied = s == cut
    rest = k - int(above.sum())
    hits = y[above].sum() + (y[tied].mean() * rest if rest else 0.0)
    return float(hits / k)
