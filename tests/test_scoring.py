import numpy as np
import pandas as pd
import pytest

from spatial_towns import config, errors, scoring


def test_minmax_directions():
    s = pd.Series([0.0, 5.0, 10.0])
    assert list(scoring.minmax(s, "benefit")) == [0.0, 0.5, 1.0]
    assert list(scoring.minmax(s, "cost")) == [1.0, 0.5, 0.0]
    assert list(scoring.minmax(pd.Series([3.0, 3.0]), "benefit")) == [0.0, 0.0]


def _crit(col, direction, weight, fallback=None):
    return config.Criterion(column=col, direction=direction, weight=weight, fallback=fallback)


def test_contributions_add_up_to_score_and_weights_normalise():
    t = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [30.0, 20.0, 10.0]})
    elig = pd.Series(True, index=t.index)
    used = scoring.resolve(t, elig, (_crit("a", "benefit", 3), _crit("b", "cost", 1)))
    assert [u.weight for u in used] == [0.75, 0.25]
    s = scoring.score(t, elig, used)
    np.testing.assert_allclose(s["contrib_a"] + s["contrib_b"], s["score"])
    assert s["score"].tolist() == [0.0, 50.0, 100.0]
    assert s["rank"].tolist() == [3, 2, 1]


def test_fallback_is_used_and_stated_when_column_missing():
    t = pd.DataFrame({"a": [np.nan, np.nan], "f": [1.0, 2.0]})
    elig = pd.Series(True, index=t.index)
    (u,) = scoring.resolve(t, elig, (_crit("a", "benefit", 1, fallback="f"),))
    assert u.column == "f" and "fallback" in u.note


def test_ineligible_towns_do_not_set_bounds():
    t = pd.DataFrame({"a": [1.0, 2.0, 1000.0]})
    elig = pd.Series([True, True, False])
    used = scoring.resolve(t, elig, (_crit("a", "benefit", 1),))
    s = scoring.score(t, elig, used)
    assert s["score"].iloc[1] == 100.0 and np.isnan(s["score"].iloc[2])


def test_unknown_criterion_is_a_config_error():
    t = pd.DataFrame({"a": [1.0]})
    with pytest.raises(errors.ConfigError, match="not a column"):
        scoring.resolve(t, pd.Series([True]), (_crit("zzz", "benefit", 1),))
