"""Time town accessibility criteria on a SYNTHETIC province-scale road graph.

Full-size run (about 2-3 minutes, most of it building the graph and the networkx baseline)::

    /work/venv/bin/python benchmarks/bench_accessibility.py --nodes 300000 --towns 700

Quick smoke run (the defaults)::

    /work/venv/bin/python benchmarks/bench_accessibility.py

The graph, towns, seats and population are SYNTHETIC (``benchmarks/generate_graph.py``), not
real Jilin data. On the same graph and towns, one run times:

(a) baseline: osmnx/networkx town by town. Per town, ``nx.single_source_dijkstra_path_length``
    with ``cutoff`` = 30 min (population within 30 min) and ``nx.shortest_path_length`` to
    three targets: the straight-line nearest county seat, prefecture seat and the core city.
    It is timed on a seeded sample of ``--sample`` towns and scaled linearly to all towns.
    It computes less than (b): no gravity access.
(b) engine (``spatial_towns.network``): time to the nearest county seat, prefecture seat and
    the core (:func:`time_to_nearest`, network-nearest), population within 30 min and gravity
    access (beta = 1/60 per min, 60 min cut-off) for all towns, including snapping and
    summing the population raster onto nodes. Graph preparation (``prepare`` plus the k-d tree)
    is excluded and reported separately.
(c) pandana: population within 30 min (``aggregate``, flat), gravity (``aggregate``,
    exponential decay exp(-t/60 min) within 60 min: the same as (b) with beta = 1/60) and
    ``shortest_path_lengths`` for the three town-target pairs of (a). Its aggregations run for
    every node, as pandana does. Network construction (contraction hierarchies) is excluded
    and reported; ``precompute`` is included.

The results of (a) and (c) are checked against (b) where they compute the same quantity.
Memory: ``peak_mb`` is the process's maximum resident set size (``ru_maxrss``) at the end of
(b): generator, networkx graph, preparation and engine, before the baseline and pandana run.
Also printed: the engine's own peak of traced allocations (tracemalloc, during (b) only) and
the maximum RSS of the whole run, which includes pandana's ``precompute``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import networkx as nx
import numpy as np
import pyproj

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_graph  # noqa: E402

from spatial_towns import network  # noqa: E402

POP_MIN = 30.0
GRAV_LIMIT_MIN = 60.0
BETA_PER_MIN = 1.0 / GRAV_LIMIT_MIN  # = pandana's exponential decay exp(-t / radius)


@contextlib.contextmanager
def _quiet_fd1():
    """Silence file descriptor 1: pandana's C++ progress output bypasses sys.stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_engine(g: network.PreparedGraph, reg: generate_graph.SyntheticRegion) -> dict:
    town, _ = network.snap(g, reg.town_xy)
    node_pop = network.assign_to_nodes(g, reg.cell_xy, reg.cell_pop)
    times = {}
    for name, xy in (("county", reg.county_seat_xy), ("prefecture", reg.prefecture_seat_xy),
                     ("core", reg.core_xy)):
        seat, _ = network.snap(g, xy)
        times[name] = network.time_to_nearest(g, seat)[town]
    # Also the expressway-access time and three isochrones, as the pipeline computes them
    # (the baseline below does not: the engine's side of the ratio is the larger job).
    times["expressway"] = network.time_to_nearest(g, g.expressway_access)[town]
    thresholds = tuple(sorted({15.0, POP_MIN, 60.0}))
    pop, grav = network.accessibility(g, town, node_pop, thresholds_min=thresholds,
                                      beta_per_min=BETA_PER_MIN, limit_min=GRAV_LIMIT_MIN)
    return {"town": town, "node_pop": node_pop, "times": times,
            "pop": pop[:, thresholds.index(POP_MIN)], "grav": grav}


def euclid_nearest(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    d2 = ((points[:, None, :] - targets[None, :, :]) ** 2).sum(-1)
    return d2.argmin(axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=20_000, help="SYNTHETIC graph size")
    ap.add_argument("--towns", type=int, default=100)
    ap.add_argument("--sample", type=int, default=10, help="towns timed for the baseline")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-pandana", action="store_true")
    a = ap.parse_args()

    t0 = time.perf_counter()
    reg = generate_graph.generate(a.nodes, a.towns, a.seed)
    G = reg.G
    gen_s = time.perf_counter() - t0
    print(f"SYNTHETIC graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges, "
          f"{len(reg.town_xy)} towns, {len(reg.county_seat_xy)} county seats, "
          f"{len(reg.prefecture_seat_xy)} prefecture seats; generated in {gen_s:.1f} s")
    print(f"CPU cores available: {len(os.sched_getaffinity(0))}")

    # (b) engine ---------------------------------------------------------------------------
    t0 = time.perf_counter()
    g = network.prepare(G, pyproj.CRS(reg.crs))
    g.tree  # noqa: B018 - build the snapping tree as part of preparation
    prep_s = time.perf_counter() - t0
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    eng = run_engine(g, reg)
    engine_s = time.perf_counter() - t0
    engine_traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss_after_engine_mb = rss_mb()
    n_towns = len(eng["town"])

    # (a) baseline on a sample, scaled ------------------------------------------------------
    rng = np.random.default_rng(a.seed)
    sample = np.sort(rng.choice(n_towns, size=min(a.sample, n_towns), replace=False))
    pop_by_id = dict(zip(g.node_ids.tolist(), eng["node_pop"].tolist(), strict=False))
    town_id = g.node_ids[eng["town"]]
    targets = {name: g.node_ids[network.snap(g, xy[euclid_nearest(reg.town_xy, xy)])[0]]
               for name, xy in (("county", reg.county_seat_xy),
                                ("prefecture", reg.prefecture_seat_xy),
                                ("core", reg.core_xy))}
    base_pop, base_core = [], []
    t0 = time.perf_counter()
    for i in sample:
        src = int(town_id[i])
        reach = nx.single_source_dijkstra_path_length(G, src, cutoff=POP_MIN * 60,
                                                      weight="travel_time")
        base_pop.append(sum(pop_by_id[n] for n in reach))
        for name in ("county", "prefecture", "core"):
            try:
                t = nx.shortest_path_length(G, src, int(targets[name][i]), weight="travel_time")
            except nx.NetworkXNoPath:
                t = np.inf
            if name == "core":
                base_core.append(t)
    base_sample_s = time.perf_counter() - t0
    baseline_s = base_sample_s * n_towns / len(sample)
    pop_err = np.max(np.abs(np.array(base_pop) - eng["pop"][sample]) /
                     np.maximum(1.0, eng["pop"][sample]))
    core_err = np.nanmax(np.abs(np.array(base_core) - eng["times"]["core"][sample]))

    # (c) pandana ---------------------------------------------------------------------------
    pandana_s = pandana_prep_s = precompute_s = None
    pandana_note = ""
    if a.no_pandana:
        pandana_note = "skipped (--no-pandana)"
    else:
        try:
            import pandana
            import pandas as pd
        except Exception as exc:  # noqa: BLE001 - report any install problem as "na"
            pandana_note = f"not importable: {exc!r}"
        else:
            try:
                csr = g.csr.tocoo()
                t0 = time.perf_counter()
                with _quiet_fd1():
                    net = pandana.Network(pd.Series(g.xy[:, 0]), pd.Series(g.xy[:, 1]),
                                          pd.Series(csr.row), pd.Series(csr.col),
                                          pd.DataFrame({"travel_time": csr.data}),
                                          twoway=False)
                pandana_prep_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                net.precompute(GRAV_LIMIT_MIN * 60)
                precompute_s = time.perf_counter() - t0
                net.set(pd.Series(np.arange(g.n_nodes)), pd.Series(eng["node_pop"]), name="pop")
                p_pop = net.aggregate(POP_MIN * 60, type="sum", decay="flat", name="pop")
                p_grav = net.aggregate(GRAV_LIMIT_MIN * 60, type="sum", decay="exp", name="pop")
                tn = eng["town"]
                p_times = {name: np.asarray(net.shortest_path_lengths(tn, targets_idx))
                           for name, targets_idx in
                           ((k, network.snap(g, xy[euclid_nearest(reg.town_xy, xy)])[0])
                            for k, xy in (("county", reg.county_seat_xy),
                                          ("prefecture", reg.prefecture_seat_xy),
                                          ("core", reg.core_xy)))}
                pandana_s = time.perf_counter() - t0
                pp = p_pop.to_numpy()[tn]
                pg = p_grav.to_numpy()[tn]
                pandana_note = (
                    "float32 times, so nodes at a threshold may flip; "
                    f"max rel. diff vs engine: pop30 {np.max(np.abs(pp - eng['pop']) / np.maximum(1, eng['pop'])):.1e}, "
                    f"gravity {np.max(np.abs(pg - eng['grav']) / np.maximum(1, eng['grav'])):.1e}, "
                    f"time to core {np.max(np.abs(p_times['core'] - eng['times']['core']) / np.maximum(1, eng['times']['core'])):.1e}")
            except Exception as exc:  # noqa: BLE001
                pandana_s = None
                pandana_note = f"failed to run: {exc!r}"

    peak_mb = rss_after_engine_mb
    run_peak_mb = rss_mb()
    speedup = baseline_s / engine_s
    print()
    print(f"{'method':<44}{'time s':>10}{'vs engine':>11}")
    print(f"{'(a) networkx town-by-town (scaled from ' + str(len(sample)) + ')':<44}"
          f"{baseline_s:>10.2f}{speedup:>10.0f}x")
    print(f"{'    measured on the sample':<44}{base_sample_s:>10.2f}")
    print(f"{'(b) engine, all criteria, all towns':<44}{engine_s:>10.3f}{1:>10.0f}x")
    print(f"{'    preparation (excluded)':<44}{prep_s:>10.2f}")
    if pandana_s is not None:
        print(f"{'(c) pandana':<44}{pandana_s:>10.2f}{pandana_s / engine_s:>10.1f}x")
        print(f"{'    of which precompute(60 min)':<44}{precompute_s:>10.2f}")
        print(f"{'    network + CH build (excluded)':<44}{pandana_prep_s:>10.2f}")
    else:
        print(f"{'(c) pandana':<44}{'na':>10}")
    print(f"pandana: {pandana_note}")
    print(f"check (a) vs (b) on the sample: max rel. diff pop30 {pop_err:.1e}, "
          f"max abs. diff time to core {core_err:.1e} s")
    print(f"memory: engine peak traced allocations {engine_traced_mb:.0f} MB; process max "
          f"RSS up to the end of (b) {peak_mb:.0f} MB (incl. the networkx graph); "
          f"whole run {run_peak_mb:.0f} MB (incl. baseline and pandana)")
    print(f"engine results: median pop within 30 min {np.median(eng['pop']):,.0f}, "
          f"median gravity {np.median(eng['grav']):,.0f}, median time to county seat "
          f"{np.median(eng['times']['county']) / 60:.1f} min, to core "
          f"{np.median(eng['times']['core']) / 60:.1f} min")
    pandana_txt = "na" if pandana_s is None else f"{pandana_s:.3f}"
    print(f"RESULT nodes={g.n_nodes} towns={n_towns} engine_s={engine_s:.3f} "
          f"baseline_s={baseline_s:.3f} pandana_s={pandana_txt} "
          f"speedup_vs_baseline={speedup:.1f} peak_mb={peak_mb:.1f}")


if __name__ == "__main__":
    main()
