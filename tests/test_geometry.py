"""The piecewise exact distance equals shapely's (GEOS's all-pairs) distance."""

import numpy as np
import pytest
import shapely

from spatial_towns.util import geometry as _geometry


def _blobs(rng, n, centre_spread=50_000.0, radius=8_000.0, vertices=300):
    """SYNTHETIC wiggly polygons (seeded), some with a hole, in metres."""
    out = []
    for _ in range(n):
        cx, cy = rng.uniform(-centre_spread, centre_spread, 2)
        a = np.sort(rng.uniform(0, 2 * np.pi, vertices))
        r = radius * (1 + 0.3 * rng.standard_normal(vertices).clip(-2, 2) / 2)
        shell = np.column_stack([cx + r * np.cos(a), cy + r * np.sin(a)])
        poly = shapely.Polygon(shell).buffer(0)
        if rng.uniform() < 0.3:
            poly = poly.difference(shapely.Point(cx, cy).buffer(radius * 0.2))
        out.append(poly)
    return np.array(out, dtype=object)


@pytest.mark.parametrize("n", [1, 3, 8, 50])
def test_distance_equals_shapely(n):
    rng = np.random.default_rng(7)
    geoms = _blobs(rng, 40)
    target = shapely.MultiPolygon(list(_blobs(rng, 3, centre_spread=80_000.0, vertices=2000)))
    geoms = np.concatenate([geoms, [shapely.LineString([(0, 0), (90_000, 10_000), (5, 7)]),
                                    shapely.MultiPolygon([geoms[0], geoms[1]]) if
                                    geoms[0].disjoint(geoms[1]) else geoms[0]]])
    got = _geometry.distance(geoms, target, n=n)
    want = shapely.distance(geoms, target)
    assert (want == 0).any() and (want > 0).any()  # both cases are exercised
    np.testing.assert_array_equal(got, want)


def test_max_distance_cuts_exactly():
    rng = np.random.default_rng(11)
    geoms = _blobs(rng, 60)
    target = _blobs(rng, 1, centre_spread=10_000.0, vertices=3000)[0]
    want = shapely.distance(geoms, target)
    cut = float(np.sort(want)[30])  # one geometry lies exactly at the cut
    got = _geometry.distance(geoms, target, max_distance=cut)
    near = want <= cut
    np.testing.assert_array_equal(got[near], want[near])
    assert np.isinf(got[~near]).all()


def test_pieces_hold_every_segment_once():
    rng = np.random.default_rng(3)
    geoms = _blobs(rng, 5)
    pieces, owner = _geometry.boundary_pieces(geoms, 7)
    assert np.allclose(np.bincount(owner, weights=shapely.length(pieces), minlength=5),
                       shapely.length(shapely.boundary(geoms)))
    assert shapely.get_num_coordinates(pieces).max() <= 8


def test_missing_geometry_is_nan():
    target = shapely.box(0, 0, 1, 1)
    got = _geometry.distance(np.array([None, shapely.box(3, 0, 4, 1)], dtype=object), target)
    assert np.isnan(got[0]) and got[1] == 2.0


def test_point_distance_equals_shapely():
    """Points (the towns' distance to the border) are their own pieces: the same floats as
    GEOS, 0 inside the target, NaN when empty."""
    rng = np.random.default_rng(5)
    target = shapely.MultiPolygon(list(_blobs(rng, 3, centre_spread=60_000.0, vertices=2000)))
    xy = rng.uniform(-90_000, 90_000, (300, 2))
    pts = np.concatenate([shapely.points(xy),
                          [shapely.MultiPoint(xy[:3]), shapely.Point(), None,
                           shapely.GeometryCollection([shapely.Point(xy[4]),
                                                       shapely.LineString(xy[5:8])])]])
    got = _geometry.distance(pts, target)
    want = shapely.distance(pts, target)
    assert (want == 0).any() and (want > 0).any()
    np.testing.assert_array_equal(got, want)  # NaN where shapely gives NaN too
    cut = float(np.sort(want[:300])[150])
    near = _geometry.distance(pts[:300], target, max_distance=cut)
    np.testing.assert_array_equal(near[want[:300] <= cut], want[:300][want[:300] <= cut])
    assert np.isinf(near[want[:300] > cut]).all()
