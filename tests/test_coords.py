import numpy as np
import prcoords
import pytest

from spatial_towns import errors
from spatial_towns.data import coords as _coords


def test_gcj02_inverse_recovers_wgs84_points():
    wgs = np.array([[125.3245, 43.8868], [129.5, 42.9], [122.8, 45.6]])
    gcj = np.array([[c.lon, c.lat] for c in (prcoords.wgs_gcj((lat, lon)) for lon, lat in wgs)])
    # the GCJ-02 offset in Jilin is hundreds of metres: make sure we test a real shift
    assert np.abs(gcj - wgs).max() > 1e-3
    back = _coords.gcj02_to_wgs84(gcj)
    np.testing.assert_allclose(back, wgs, atol=1e-6)


def test_auto_albers_is_projected_and_metric():
    crs = _coords.metric_crs("auto", (121.6, 40.8, 131.3, 46.3))
    assert crs.is_projected
    assert crs.axis_info[0].unit_name == "metre"


def test_geographic_metric_crs_is_rejected():
    with pytest.raises(errors.ConfigError, match="geographic"):
        _coords.metric_crs("EPSG:4326", (0, 0, 1, 1))


@pytest.mark.parametrize("frame", ["GCJ-02", "gcj02", "amap"])
def test_frame_aliases(frame):
    assert _coords.normalise_frame(frame) == _coords.GCJ02


def test_unknown_frame_is_clear():
    with pytest.raises(errors.CRSError, match="unknown coordinate frame"):
        _coords.normalise_frame("mars-ish")


def _china(n, seed):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(73.5, 135.0, n), rng.uniform(18.0, 53.5, n)])


def _point_by_point(fn, lonlat, *args):
    return np.array([[c.lon, c.lat] for c in (fn((lat, lon), *args) for lon, lat in lonlat)])


def test_vectorised_gcj02_inverse_equals_prcoords_point_by_point():
    gcj = _china(3000, 0)
    ours = _coords.gcj02_to_wgs84(gcj)
    ref = _point_by_point(prcoords.gcj_wgs_bored, gcj)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    assert _coords.gcj02_to_wgs84(np.empty((0, 2))).shape == (0, 2)


@pytest.mark.parametrize("frame", ["BD-09", "bd09", "BD09LL", "baidu"])
def test_bd09_aliases(frame):
    assert _coords.normalise_frame(frame) == _coords.BD09


def test_vectorised_bd09_inverse_agrees_with_prcoords_and_inverts_the_forward():
    bd = _china(2000, 1)
    ours = _coords.bd09_to_wgs84(bd)
    ref = _point_by_point(prcoords.bd_wgs_bored, bd)
    # prcoords' own inverse stops at its tolerance (~2e-7 degrees, ~2 cm) ...
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6)
    # ... ours is each stage's fixed point: its forward image is the input to < 1 cm
    fwd = _point_by_point(prcoords.wgs_bd, ours, False)
    np.testing.assert_allclose(fwd, bd, rtol=0, atol=1e-7)
    # the BD-09 → GCJ-02 stage is prcoords' bd_gcj_bored exactly
    gcj = _point_by_point(prcoords.bd_gcj_bored, bd)
    np.testing.assert_allclose(_coords._bd_to_gcj_array(bd), gcj, rtol=0, atol=1e-12)
    assert _coords.bd09_to_wgs84(np.empty((0, 2))).shape == (0, 2)
