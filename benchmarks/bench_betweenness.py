"""Route betweenness of the commerce type (:func:`spatial_towns.network.route_betweenness`)
on the real OSM skeleton of Jilin and on a SYNTHETIC province-scale graph.

::

    python benchmarks/bench_betweenness.py                    # skeleton + 500k SYNTHETIC
    python benchmarks/bench_betweenness.py --nodes 0          # skeleton only

1. The OSM major-road skeleton (``../shared/data/osm-highways-scgraph-jilin``, ODbL; skipped
   when absent), as the run prepares it, with the embedded township seats as places: the
   development types' road rule (``types._road_rules``: snapping, expressway access, route
   betweenness with the config's parameters), and for comparison networkx's
   ``betweenness_centrality_subset`` over the same places and bound (pure Python; the same
   quantity, so the two must agree) — the ratio is printed.
2. A SYNTHETIC graph of ``--nodes`` nodes (``benchmarks/generate_graph.py``, seeded) with
   ``--towns`` SYNTHETIC towns and the seats as places: ``route_betweenness`` with the
   config's bound and source sample. Generating the graph is not timed.

Times are wall seconds on this machine; the 1-minute load average is printed with each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from spatial_towns import config, network  # noqa: E402
from spatial_towns.data import coords as _coords  # noqa: E402
from spatial_towns.data import datasets, io  # noqa: E402
from spatial_towns.typology import devtypes as types_mod  # noqa: E402

SKELETON = (HERE.parent.parent / "shared" / "data" / "osm-highways-scgraph-jilin"
            / "jilin_highways_scgraph_2024.geojson")


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus"


def skeleton_graph(path: Path):
    """The skeleton as an osmnx-style MultiDiGraph (straight edges, both directions,
    ``highway=primary`` so osmnx's China speed table gives 60 km/h)."""
    import geopandas as gpd
    import networkx as nx

    e = gpd.read_file(path)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for r in e.itertuples():
        (x0, y0), (x1, y1) = r.geometry.coords[0], r.geometry.coords[-1]
        G.add_node(int(r.u), x=x0, y=y0)
        G.add_node(int(r.v), x=x1, y=y1)
        for a, b in ((r.u, r.v), (r.v, r.u)):
            G.add_edge(int(a), int(b), length=float(r.length_km) * 1000, highway="primary")
    return G


def bench_skeleton(cfg: config.Config) -> None:
    import networkx as nx

    if not SKELETON.is_file():
        print(f"skeleton: {SKELETON} absent, skipped")
        return
    towns = io.read_towns(datasets.data_path(datasets.SEATS_2016), "GCJ-02")
    crs = _coords.metric_crs("auto", tuple(datasets.counties().total_bounds))
    g = network.prepare(skeleton_graph(SKELETON), crs)
    located = towns.geometry.notna() & ~towns.geometry.is_empty
    t = time.perf_counter()
    _, pct, how = types_mod._road_rules(towns, located, g, crs, cfg.types)
    rule_s = time.perf_counter() - t
    print(f"skeleton ({g.n_nodes} nodes, {int(located.sum())} located towns): road rule "
          f"{rule_s:.2f} s ({load()})\n  {how}")
    metric = towns.loc[located].geometry.to_crs(crs)
    node, _ = network.snap(g, np.column_stack([metric.x, metric.y]))
    limit = cfg.types.centrality_limit_min * 60.0 or None
    t = time.perf_counter()
    ours, _ = network.route_betweenness(g, node, limit_s=limit)
    ours_s = time.perf_counter() - t
    D = nx.DiGraph()
    D.add_nodes_from(range(g.n_nodes))
    coo = g.csr.tocoo()
    D.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(),
                                  strict=True))
    places = sorted(set(node.tolist()))
    t = time.perf_counter()
    if limit is None:
        ref = nx.betweenness_centrality_subset(D, places, places, weight="weight")
        ref_v = np.array([ref[i] for i in range(g.n_nodes)])
    else:
        # networkx has no bounded subset betweenness: its per-pair paths within the bound.
        ref_v = np.zeros(g.n_nodes)
        for s in places:
            dist, paths = nx.single_source_dijkstra(D, s, cutoff=limit, weight="weight")
            for tgt in places:
                if tgt != s and tgt in dist:
                    for v in paths[tgt][1:-1]:
                        ref_v[v] += 1
    ref_s = time.perf_counter() - t
    mult = np.bincount(node, minlength=g.n_nodes)
    # Our counts weigh each place node by the towns on it; networkx counts nodes once.
    ours_nodes, _ = network.route_betweenness(g, np.array(places), limit_s=limit)
    same = np.allclose(ours_nodes, ref_v)
    print(f"  route_betweenness {ours_s:.3f} s; networkx per-pair reference {ref_s:.2f} s "
          f"(ratio {ref_s / ours_s:.0f}x); equal counts (one place per node): {same}; "
          f"nodes with several towns: {int((mult > 1).sum())}")


def bench_synthetic(cfg: config.Config, n_nodes: int, n_towns: int, seed: int) -> None:
    import generate_graph
    import pyproj

    t = time.perf_counter()
    reg = generate_graph.generate(n_nodes, n_towns, seed)
    g = network.prepare(reg.G, pyproj.CRS(reg.crs))
    gen_s = time.perf_counter() - t
    reg.G = None
    xy = np.vstack([reg.town_xy, reg.county_seat_xy, reg.prefecture_seat_xy])
    tc = cfg.types
    t = time.perf_counter()
    node, _ = network.snap(g, xy)
    counts, info = network.route_betweenness(
        g, node, limit_s=tc.centrality_limit_min * 60.0 or None,
        max_sources=tc.centrality_max_sources or None, seed=tc.seed)
    bc_s = time.perf_counter() - t
    print(f"SYNTHETIC graph {g.n_nodes} nodes, {g.csr.nnz} edges, {len(xy)} places "
          f"(generated + prepared in {gen_s:.0f} s, not timed): snap + route betweenness "
          f"{bc_s:.2f} s ({load()})\n  {info}; nodes on a route: {int((counts > 0).sum())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=500_000, help="SYNTHETIC graph size (0: skip)")
    ap.add_argument("--towns", type=int, default=800)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    cfg = config.load()
    bench_skeleton(cfg)
    if a.nodes:
        bench_synthetic(cfg, a.nodes, a.towns, a.seed)


if __name__ == "__main__":
    main()
