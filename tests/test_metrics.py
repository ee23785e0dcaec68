"""The shared ranking metrics (spatial_towns._metrics) against their definitions."""

import numpy as np
import pytest

from spatial_towns.calibration import _metrics, calibrate
from spatial_towns.calibration import backtest as validate


def test_auc_matches_pairwise_definition():
    rng = np.random.default_rng(5)
    y = rng.random(60) < 0.3
    s = np.round(rng.random(60), 1)  # ties
    pos, neg = s[y], s[~y]
    pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert _metrics.roc_auc(y, s) == pytest.approx(pairs)


def test_auc_is_nan_when_a_class_is_empty():
    assert np.isnan(_metrics.roc_auc(np.zeros(5, bool), np.arange(5.0)))
    assert np.isnan(_metrics.roc_auc(np.ones(5, bool), np.arange(5.0)))


def test_top_k_ties_share_the_last_places_whatever_the_row_order():
    # Scores 3, 2, 2, 2, 1: the 2nd and 3rd places go to the three tied at 2, one of them
    # recognised, so 2/3 of a hit among them, plus the top one.
    y = np.array([1, 1, 0, 0, 0])
    s = np.array([3.0, 2.0, 2.0, 2.0, 1.0])
    want = (1 + 2 * (1 / 3)) / 3
    assert _metrics.top_k_hit_rate(y, s, 3) == pytest.approx(want)
    perm = np.array([4, 3, 1, 2, 0])
    assert _metrics.top_k_hit_rate(y[perm], s[perm], 3) == pytest.approx(want)
    assert _metrics.top_k_hit_rate(y, s, 1) == 1.0
    assert np.isnan(_metrics.top_k_hit_rate(y, s, 0))


def test_calibrate_and_validate_report_the_same_figures():
    # One owner: the backtest's public names are the shared functions calibrate uses.
    assert validate.roc_auc is _metrics.roc_auc is calibrate.roc_auc
    assert validate.top_k_hit_rate is _metrics.top_k_hit_rate is calibrate.top_k_hit_rate
