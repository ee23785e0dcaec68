"""Road-network engine on a hand-made OSM XML fixture (synthetic roads, labelled so)."""

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
from conftest import FIXTURES

from spatial_towns import errors, network
from spatial_towns.data import coords as _coords
from spatial_towns.data import io

CRS = _coords.metric_crs("auto", (125.2, 43.7, 126.0, 44.3))


@pytest.fixture(scope="module")
def graph():
    return io.read_roads(FIXTURES / "tiny_roads.osm")


def test_times_equal_networkx_dijkstra(graph):
    g = network.prepare(graph, CRS)
    G = ox.routing.add_edge_travel_times(ox.routing.add_edge_speeds(
        graph, hwy_speeds=network.CHINA_HWY_SPEEDS_KMH))
    assert g.n_nodes == G.number_of_nodes()
    for t_idx, target in enumerate(g.node_ids):
        ours = network.time_to_nearest(g, np.array([t_idx]))
        ref = nx.single_source_dijkstra_path_length(G.reverse(), target, weight="travel_time")
        for i, node in enumerate(g.node_ids):
            if node in ref:
                assert ours[i] == pytest.approx(ref[node], abs=1e-6)
            else:
                assert np.isinf(ours[i])


def test_time_to_each_target_is_one_row_per_target(graph):
    g = network.prepare(graph, CRS)
    targets = np.array([3, 0, 3, g.n_nodes - 1])  # order kept, repeats allowed
    each = network.time_to_each(g, targets)
    assert each.shape == (len(targets), g.n_nodes)
    for row, t in zip(each, targets, strict=True):
        np.testing.assert_array_equal(row, network.time_to_nearest(g, np.array([t])))
    assert network.time_to_each(g, np.array([], dtype=int)).shape == (0, g.n_nodes)


def test_isolated_road_is_its_own_component(graph):
    g = network.prepare(graph, CRS)
    labels = network.component_labels(g)
    i7 = int(np.flatnonzero(g.node_ids == 7)[0])
    i2 = int(np.flatnonzero(g.node_ids == 2)[0])
    assert labels[i2] == 0 and labels[i7] != 0


def test_bad_road_files_are_named(tmp_path):
    with pytest.raises(errors.InputDataError, match="not found"):
        io.read_roads(tmp_path / "none.graphml")
    p = tmp_path / "roads.shp"
    p.write_text("x")
    with pytest.raises(errors.InputDataError, match="unsupported"):
        io.read_roads(p)


def test_pbf_gives_the_same_travel_times_as_osm_xml(graph):
    """tiny_roads.osm.pbf is tiny_roads.osm written by pyosmium (see the fixture's header)."""
    from_xml = network.prepare(graph, CRS)
    from_pbf = network.prepare(io.read_roads(FIXTURES / "tiny_roads.osm.pbf"), CRS)
    assert sorted(from_pbf.node_ids) == sorted(from_xml.node_ids)
    order = np.argsort(from_pbf.node_ids)
    back = np.argsort(from_xml.node_ids)
    for i in range(from_xml.n_nodes):
        t_xml = network.time_to_nearest(from_xml, np.array([back[i]]))[back]
        t_pbf = network.time_to_nearest(from_pbf, np.array([order[i]]))[order]
        # pyrosm rounds edge lengths to the millimetre: agreement to 1e-6 relative.
        np.testing.assert_allclose(t_pbf, t_xml, rtol=1e-6)
    assert sorted(from_pbf.node_ids[from_pbf.expressway_access]) == [4, 5, 6]


def _same_prepared(a, b, rtol=1e-9):
    """Two prepared graphs with the same nodes, edge times, access points and main roads."""
    oa, ob = np.argsort(a.node_ids), np.argsort(b.node_ids)
    np.testing.assert_array_equal(a.node_ids[oa], b.node_ids[ob])
    np.testing.assert_allclose(a.xy[oa], b.xy[ob])
    ca, cb = a.csr[oa][:, oa].tocoo(), b.csr[ob][:, ob].tocoo()
    np.testing.assert_array_equal(np.c_[ca.row, ca.col], np.c_[cb.row, cb.col])
    np.testing.assert_allclose(ca.data, cb.data, rtol=rtol)
    assert sorted(a.node_ids[a.expressway_access]) == sorted(b.node_ids[b.expressway_access])
    ma = {tuple(sorted(p)) for p in a.node_ids[a.major_edges].tolist()}
    mb = {tuple(sorted(p)) for p in b.node_ids[b.major_edges].tolist()}
    assert ma == mb


@pytest.mark.parametrize("with_times", [True, False])
def test_streamed_graphml_equals_the_networkx_path(graph, tmp_path, with_times):
    """prepare_file streams GraphML (no networkx graph) to the same arrays as
    io.read_roads + prepare, with the file's travel times or osmnx's speed imputation."""
    G = graph.copy()
    if with_times:
        G = ox.routing.add_edge_travel_times(ox.routing.add_edge_speeds(
            G, hwy_speeds=network.CHINA_HWY_SPEEDS_KMH))
    path = tmp_path / "roads.graphml"
    ox.save_graphml(G, path)
    new = network.prepare_file(path, CRS)
    _same_prepared(new, network.prepare(io.read_roads(path), CRS))
    assert sorted(new.node_ids[new.expressway_access]) == [4, 5, 6]
    # A layout the fast scan does not take (a comment in the graph) goes through the full
    # expat parse, with the same result.
    odd = tmp_path / "odd.graphml"
    odd.write_text(path.read_text().replace("<graph ", "<!-- hand-edited -->\n<graph ", 1)
                   .replace("</node>", "</node><!-- n -->", 1))
    _same_prepared(network.prepare_file(odd, CRS), new)


def test_streamed_pbf_equals_the_networkx_path():
    new = network.prepare_file(FIXTURES / "tiny_roads.osm.pbf", CRS)
    old = network.prepare(io.read_roads(FIXTURES / "tiny_roads.osm.pbf"), CRS)
    _same_prepared(new, old, rtol=1e-6)  # pyrosm rounds edge lengths to the millimetre


def _load_bench_ingest():
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("bench_ingest",
                                                  ROOT / "benchmarks" / "bench_ingest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_streamed_readers_on_a_synthetic_network(tmp_path):
    """A small SYNTHETIC network of bench_ingest.py (one-way and -1 ways, maxspeed, footways,
    motorway ramps, filler buildings), written as GraphML and PBF: the streamed GraphML equals
    the networkx path; the streamed PBF (way segments, not simplified) gives the same times
    as pyrosm's simplified graph between every pair of the nodes that graph keeps."""
    from scipy.sparse import csgraph

    bench = _load_bench_ingest()
    net = bench.synthetic_network(3000, seed=3, filler_nodes=400)
    gml, pbf = tmp_path / "s.graphml", tmp_path / "s.osm.pbf"
    bench.write_graphml(gml, net)
    bench.write_pbf(pbf, net)
    _same_prepared(network.prepare_file(gml, CRS), network.prepare(io.read_roads(gml), CRS))
    new = network.prepare_file(pbf, CRS)
    old = network.prepare(io.read_roads(pbf), CRS)
    assert len(new.expressway_access) > 0
    assert set(old.node_ids) <= set(new.node_ids) and new.n_nodes > old.n_nodes
    on_new = np.searchsorted(new.node_ids, old.node_ids)  # new.node_ids is sorted
    src = np.arange(0, old.n_nodes, 97)
    t_old = csgraph.dijkstra(old.csr, indices=src)
    t_new = csgraph.dijkstra(new.csr, indices=on_new[src])[:, on_new]
    np.testing.assert_array_equal(np.isinf(t_old), np.isinf(t_new))
    ok = np.isfinite(t_old)
    np.testing.assert_allclose(t_new[ok], t_old[ok], rtol=1e-6)
    # The GraphML written from the same network holds the PBF's drivable segments (lengths
    # differ by the PBF's 1e-7 degree coordinate precision).
    _same_prepared(network.prepare_file(gml, CRS), new, rtol=1e-4)


def test_streamed_graphml_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><graph><node id='1'>")
    with pytest.raises(errors.InputDataError, match="bad.graphml.*not a valid GraphML"):
        network.prepare_file(bad, CRS)
    text = (
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="d0" for="node" attr.name="x"/><key id="d1" for="node" attr.name="y"/>'
        '<key id="d2" for="edge" attr.name="travel_time"/><key id="d3" for="graph" attr.name="crs"/>'
        '<graph edgedefault="directed"><node id="{a}"><data key="d0">125.3</data>'
        '<data key="d1">43.8</data></node><node id="2"><data key="d0">125.4</data>'
        '<data key="d1">43.8</data></node><edge source="{a}" target="{b}">'
        '<data key="d2">60</data></edge>{crs}</graph></graphml>')
    crs = '<data key="d3">epsg:4326</data>'
    ok = tmp_path / "ok.graphml"
    ok.write_text(text.format(a=1, b=2, crs=crs))
    g = network.prepare_file(ok, CRS)
    assert g.n_nodes == 2 and g.csr[0, 1] == 60.0
    cases = {"letters": (text.format(a="a", b=2, crs=crs), errors.InputDataError, "integers"),
             "dangling": (text.format(a=1, b=9, crs=crs), errors.InputDataError, "node 9"),
             "nocrs": (text.format(a=1, b=2, crs=""), errors.CRSError, "no 'crs'")}
    for name, (body, exc, msg) in cases.items():
        p = tmp_path / f"{name}.graphml"
        p.write_text(body)
        with pytest.raises(exc, match=f"{name}.graphml.*{msg}"):
            network.prepare_file(p, CRS)


def test_fetch_roads_offline(tmp_path, monkeypatch, graph):
    """fetch_roads with osmnx's downloader replaced by the fixture (no internet in tests)."""
    import shapely

    calls = {}

    raw = ox.graph_from_xml(FIXTURES / "tiny_roads.osm", simplify=False, retain_all=True)

    def fake_download(polygon, **kwargs):
        calls.update(kwargs, polygon=polygon)
        return raw.copy()

    monkeypatch.setattr(ox, "graph_from_polygon", fake_download)
    area = shapely.box(125.2, 43.7, 126.0, 44.3)
    out = network.fetch_roads(area, tmp_path / "roads.graphml")
    assert calls["custom_filter"] == network.MAJOR_ROADS_FILTER and calls["polygon"] is area
    g = network.prepare_cached(out, CRS)
    np.testing.assert_allclose(network.time_to_nearest(g, np.array([0])),
                               network.time_to_nearest(network.prepare(graph, CRS), np.array([0])))

    def offline(polygon, **kwargs):
        raise ConnectionError("Max retries exceeded")

    monkeypatch.setattr(ox, "graph_from_polygon", offline)
    with pytest.raises(errors.InputDataError, match="are you online"):
        network.fetch_roads(area, tmp_path / "again.graphml")
    assert not (tmp_path / "again.graphml").exists()
    with pytest.raises(errors.OutputError, match="GraphML"):
        network.fetch_roads(area, tmp_path / "roads.osm")


# --- bounded accessibility, population assignment and the prepared-graph cache -------------

def _load_generator():
    """Import benchmarks/generate_graph.py (a script folder, not a package)."""
    import importlib.util
    import sys

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location(
        "generate_graph", ROOT / "benchmarks" / "generate_graph.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_graph", mod)  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def synthetic():
    """A small SYNTHETIC generated region (seeded), prepared, with people on its nodes."""
    import pyproj

    reg = _load_generator().generate(n_nodes=1500, n_towns=25, seed=7)
    g = network.prepare(reg.G, pyproj.CRS(reg.crs))
    towns, _ = network.snap(g, reg.town_xy)
    pop = np.random.default_rng(3).integers(0, 500, g.n_nodes).astype(float)
    return reg, g, towns, pop


def _brute_force(G, node_ids, towns, pop, cutoff_s, beta_per_min=None):
    """Per town networkx Dijkstra: (sum of pop within cutoff_s, gravity within cutoff_s)."""
    pop_of = dict(zip(node_ids.tolist(), pop.tolist(), strict=True))
    within, grav = [], []
    for t in towns:
        reach = nx.single_source_dijkstra_path_length(G, node_ids[t], cutoff=cutoff_s,
                                                      weight="travel_time")
        within.append(sum(pop_of[n] for n in reach))
        if beta_per_min is not None:
            grav.append(sum(pop_of[n] * np.exp(-beta_per_min * s / 60.0)
                            for n, s in reach.items()))
    return np.array(within), np.array(grav)


def test_population_within_time_equals_networkx_on_fixture(graph):
    g = network.prepare(graph, CRS)
    G = ox.routing.add_edge_travel_times(ox.routing.add_edge_speeds(
        graph, hwy_speeds=network.CHINA_HWY_SPEEDS_KMH))
    pop = np.arange(1.0, g.n_nodes + 1.0) * 10.0
    towns = np.arange(g.n_nodes)
    # Thresholds around the fixture's edge times (tens of seconds to minutes).
    thresholds = (0.5, 3.0, 6.0, 12.0, 1000.0)
    ours = network.population_within_time(g, towns, pop, thresholds)
    assert ours.shape == (g.n_nodes, len(thresholds))
    for k, m in enumerate(thresholds):
        ref, _ = _brute_force(G, g.node_ids, towns, pop, m * 60.0)
        np.testing.assert_allclose(ours[:, k], ref, rtol=1e-12)
    # Not trivially all or nothing: the thresholds cut the graph differently.
    assert len({tuple(ours[:, k]) for k in range(len(thresholds))}) >= 3


def test_population_and_gravity_equal_networkx_on_generated_graph(synthetic):
    reg, g, towns, pop = synthetic
    for m in (5.0, 20.0):
        ours = network.population_within_time(g, towns, pop, (m,))[:, 0]
        ref, _ = _brute_force(reg.G, g.node_ids, towns, pop, m * 60.0)
        np.testing.assert_allclose(ours, ref, rtol=1e-12)
    assert 0 < ours.min() < ours.max() < pop.sum()
    grav = network.gravity_access(g, towns, pop, beta_per_min=0.1, limit_min=25.0)
    _, ref_g = _brute_force(reg.G, g.node_ids, towns, pop, 25.0 * 60.0, beta_per_min=0.1)
    np.testing.assert_allclose(grav, ref_g, rtol=1e-10)
    both_pop, both_grav = network.accessibility(g, towns, pop, (20.0,), 0.1, 25.0)
    np.testing.assert_allclose(both_pop[:, 0], ours, rtol=1e-12)
    np.testing.assert_allclose(both_grav, grav, rtol=1e-12)


def test_bounded_search_pruning_matches_unpruned_dijkstra(synthetic):
    # The spatial pruning must not lose any pair: compare with SciPy on the whole graph,
    # with several grouping cell sizes (the result must not depend on them).
    from scipy.sparse import csgraph

    _, g, towns, _ = synthetic
    limit = 90 * 60.0  # well below the 800 km x 600 km box: the pruning is exercised
    full = csgraph.dijkstra(g.csr, directed=True, indices=towns)
    for cell_frac in (0.2, 1.0, 3.0):
        got = np.full_like(full, np.inf)
        for src, node, t in network.bounded_times(g, towns, limit, cell_frac=cell_frac):
            got[src, node] = t
        expected = np.where(full <= limit, full, np.inf)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        assert np.isfinite(got).sum() > 5 * len(towns)


def test_duplicate_towns_and_bad_population(synthetic):
    _, g, towns, pop = synthetic
    twice = np.r_[towns, towns[::-1]]
    res = network.population_within_time(g, twice, pop, (10.0,))
    np.testing.assert_array_equal(res[: len(towns)], res[len(towns):][::-1])
    # Within 0 minutes a town reaches its own node only.
    np.testing.assert_array_equal(network.population_within_time(g, towns, pop, (0.0,))[:, 0],
                                  pop[towns])
    with pytest.raises(errors.InputDataError, match="shape"):
        network.population_within_time(g, towns, pop[:-1])
    with pytest.raises(errors.InputDataError, match="NaN"):
        network.gravity_access(g, towns, np.full(g.n_nodes, np.nan))


def test_assign_to_nodes_sums_onto_nearest_node(synthetic):
    _, g, _, _ = synthetic
    rng = np.random.default_rng(11)
    xy = g.xy[rng.integers(0, g.n_nodes, 200)] + rng.normal(0, 20.0, (200, 2))
    vals = rng.uniform(0, 100, 200)
    vals[0] = np.nan
    got = network.assign_to_nodes(g, xy, vals)
    nearest = np.argmin(((xy[:, None, :] - g.xy[None, :, :]) ** 2).sum(-1), axis=1)
    ok = np.isfinite(vals)
    np.testing.assert_allclose(got, np.bincount(nearest[ok], vals[ok], minlength=g.n_nodes))
    far = network.assign_to_nodes(g, xy + 1e7, np.ones(200), max_distance_m=1000.0)
    assert far.sum() == 0


def test_prepare_cached_round_trip_and_invalidation(tmp_path):
    src = tmp_path / "roads.osm"
    text = (FIXTURES / "tiny_roads.osm").read_text(encoding="utf-8")
    src.write_text(text, encoding="utf-8")
    first = network.prepare_cached(src, CRS)
    cache = network.cache_path(src)
    assert cache.exists()
    stamp = cache.stat().st_mtime_ns
    second = network.prepare_cached(src, CRS)
    assert cache.stat().st_mtime_ns == stamp  # reused, not rewritten
    np.testing.assert_array_equal(second.node_ids, first.node_ids)
    np.testing.assert_array_equal(second.xy, first.xy)
    np.testing.assert_array_equal(second.expressway_access, first.expressway_access)
    assert first.expressway_access.size == 3
    assert (second.csr != first.csr).nnz == 0
    assert second.crs == CRS
    t_first = network.time_to_nearest(first, np.array([0]))
    np.testing.assert_array_equal(network.time_to_nearest(second, np.array([0])), t_first)

    # A modified file (the motorway slowed from 120 to 30 km/h) invalidates the cache.
    src.write_text(text.replace('v="120"', 'v="30"'), encoding="utf-8")
    third = network.prepare_cached(src, CRS)
    assert cache.stat().st_mtime_ns != stamp
    assert third.csr.sum() > first.csr.sum()
    # Another CRS invalidates it too.
    other = _coords.metric_crs("EPSG:32651", (125.2, 43.7, 126.0, 44.3))
    fourth = network.prepare_cached(src, other)
    assert fourth.crs == other
    assert not np.allclose(fourth.xy, third.xy)
    # A corrupt cache is rebuilt, not trusted.
    cache.write_bytes(b"not an npz")
    fifth = network.prepare_cached(src, CRS)
    assert (fifth.csr != third.csr).nnz == 0


def test_prepare_cached_rebuilds_a_foreign_cache_and_works_without_a_writable_folder(tmp_path):
    src = tmp_path / "roads.osm"
    src.write_text((FIXTURES / "tiny_roads.osm").read_text(encoding="utf-8"), encoding="utf-8")
    cache = network.cache_path(src)
    # An npz of the right name without the key or the arrays (another program, an old
    # version): rebuilt and replaced, never trusted.
    np.savez(cache, node_ids=np.arange(3))
    first = network.prepare_cached(src, CRS)
    with np.load(cache) as z:
        assert "crs_wkt" in z.files and len(z["node_ids"]) == first.n_nodes
    # A folder the cache cannot be written to, or a disk that fills up while writing: the
    # graph is still made, and nothing is left behind (no cache, no temporary file).
    cache.unlink()
    import tempfile

    def read_only(*a, **k):
        raise PermissionError(13, "Permission denied")

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    for target, fail in ((tempfile, "mkstemp"), (np, "savez")):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(target, fail, read_only if fail == "mkstemp" else disk_full)
            again = network.prepare_cached(src, CRS)
        assert (again.csr != first.csr).nnz == 0
        assert sorted(p.name for p in tmp_path.iterdir()) == ["roads.osm"]


def test_major_roads_and_isochrone_polygons(graph):
    """Hand-made fixture: the primary 1-2-3 and the motorway 4-5-6 are the main roads."""
    import shapely

    g = network.prepare(graph, CRS)
    pairs = sorted(tuple(sorted(int(x) for x in g.node_ids[e])) for e in g.major_edges)
    assert pairs == [(1, 2), (2, 3), (4, 5), (5, 6)]
    roads = network.major_roads(g)
    assert len(roads) == 4 and roads.crs == CRS
    i1 = int(np.flatnonzero(g.node_ids == 1)[0])
    i7 = int(np.flatnonzero(g.node_ids == 7)[0])
    minutes = 8.0
    polys = network.isochrone_polygons(g, np.array([i1, i7]), minutes)
    t = network.time_to_nearest(network.PreparedGraph(g.node_ids, g.xy, g.crs, g.csr.T.tocsr()),
                                np.array([i1]))  # times *from* node 1
    reached = np.flatnonzero(t <= minutes * 60)
    assert len(reached) >= 3
    for k in reached:
        assert polys[0].buffer(1.0).contains(shapely.Point(g.xy[k]))
    assert polys[1] is None  # the isolated road has only 2 nodes


def _digraph(g):
    """networkx DiGraph of a prepared graph's travel times (fastest of parallel edges)."""
    coo = g.csr.tocoo()
    D = nx.DiGraph()
    D.add_nodes_from(range(g.n_nodes))
    D.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    return D


def test_route_betweenness_equals_networkx_subset_betweenness(synthetic):
    _, g, towns, _ = synthetic
    places = np.unique(towns)
    D = _digraph(g)
    ref = nx.betweenness_centrality_subset(D, places.tolist(), places.tolist(), weight="weight")
    ref = np.array([ref[i] for i in range(g.n_nodes)])
    got, info = network.route_betweenness(g, places)
    np.testing.assert_allclose(got, ref, atol=1e-9)
    assert ref.max() > 10 and not info["sampled"] and info["sources"] == places.size
    # Bounded: only pairs at most 3 h apart, on pruned subgraphs (a search disc of ~310 km
    # radius in the 800 km x 600 km box).
    limit = 180 * 60.0
    ref_b = np.zeros(g.n_nodes)
    for s in places:
        dist, paths = nx.single_source_dijkstra(D, int(s), cutoff=limit, weight="weight")
        for t in places:
            if t != s and t in dist:
                for v in paths[t][1:-1]:
                    ref_b[v] += 1
    got_b, info_b = network.route_betweenness(g, places, limit_s=limit)
    np.testing.assert_array_equal(got_b, ref_b)
    assert 0 < ref_b.sum() < ref.sum() and info_b["limit_s"] == limit


def test_route_betweenness_counts_each_place_and_samples_seeded(synthetic):
    _, g, towns, _ = synthetic
    places = np.unique(towns)
    one, _ = network.route_betweenness(g, places)
    # A second town on the first place's node: its routes count too.
    two, _ = network.route_betweenness(g, np.r_[places, places[:1]])
    assert (two >= one).all() and two.sum() > one.sum()
    a, info = network.route_betweenness(g, places, max_sources=10, seed=1)
    b, _ = network.route_betweenness(g, places, max_sources=10, seed=1)
    c, _ = network.route_betweenness(g, places, max_sources=10, seed=2)
    assert info["sampled"] and info["sources"] == 10
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # Scaled by places / sources, so the sample estimates the exact counts' total.
    assert 0.3 < a.sum() / one.sum() < 3.0
    exact, info = network.route_betweenness(g, places, max_sources=places.size)
    assert not info["sampled"]
    np.testing.assert_array_equal(exact, one)


# --- the embedded major-road skeleton ----------------------------------------------------------

def _skeleton_edges():
    """A hand-made 3-edge skeleton (not real): a-b-c in a line, d-e apart; b-c is given a
    length shorter than the great circle (it must be raised to it)."""
    import pandas as pd

    return pd.DataFrame({"u": [1, 2, 4], "v": [2, 3, 5], "length_km": [10.0, 1.0, 5.0],
                         "u_lon": [125.3, 125.4, 126.5], "u_lat": [43.8, 43.8, 44.5],
                         "v_lon": [125.4, 125.5, 126.55], "v_lat": [43.8, 43.8, 44.5]})


def test_skeleton_graph_uniform_speed_and_never_shorter_than_straight():
    from spatial_towns.network import _roadfiles

    e = _skeleton_edges()
    g = network.skeleton_graph(e, 60.0, CRS)
    assert g.skeleton and g.n_nodes == 5 and g.csr.nnz == 6  # both directions of 3 edges
    gc = _roadfiles.haversine_m(e["u_lon"], e["u_lat"], e["v_lon"], e["v_lat"]).to_numpy()
    assert gc[1] > 1000.0  # the second edge's stated 1 km is below its great circle
    want = np.maximum(e["length_km"].to_numpy() * 1000.0, gc) / (60.0 / 3.6)
    idx = {n: i for i, n in enumerate(g.node_ids)}
    for (u, v), w in zip(e[["u", "v"]].to_numpy(), want, strict=True):
        assert g.csr[idx[u], idx[v]] == pytest.approx(w) and g.csr[idx[v], idx[u]] == pytest.approx(w)
    assert len(g.major_edges) == 3 and g.expressway_access.size == 0
    labels = network.component_labels(g)
    assert labels[idx[1]] == labels[idx[3]] == 0 and labels[idx[4]] != 0
    with pytest.raises(errors.ConfigError, match="speed"):
        network.skeleton_graph(e, 0.0, CRS)


def test_time_to_nearest_from_adds_each_targets_offset(graph):
    g = network.prepare(graph, CRS)
    targets = np.array([0, 2, 2])
    offsets = np.array([500.0, 900.0, 100.0])  # the second target node counts its smallest
    got = network.time_to_nearest_from(g, targets, offsets)
    t0 = network.time_to_nearest(g, np.array([0]))
    t2 = network.time_to_nearest(g, np.array([2]))
    np.testing.assert_allclose(got, np.minimum(t0 + 500.0, t2 + 100.0))
    assert np.isinf(network.time_to_nearest_from(g, np.array([], dtype=int), np.array([]))).all()
