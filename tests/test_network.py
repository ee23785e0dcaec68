"""Road-network engine on a hand-made OSM XML fixture (synthetic roads, labelled so)."""

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

from spatial_towns import _coords, errors, io, network

from conftest import FIXTURES

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
