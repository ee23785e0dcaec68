"""National run: every province serial vs on Dask, on this machine.

Full run (real data: the national Vonng/adcode table in ../shared/data; straight-line
criteria, no road graphs)::

    /work/venv/bin/python benchmarks/bench_national.py

Quick run on three small provinces::

    /work/venv/bin/python benchmarks/bench_national.py --provinces 110000,120000,640000

Only the serial leg (wall and CPU seconds, the per-province task seconds)::

    /work/venv/bin/python benchmarks/bench_national.py --serial-only

It runs :func:`spatial_towns.national.run` twice, writing all outputs each time: ``serial``
(the same tasks in this process) and on a fresh ``LocalCluster`` of ``--workers`` single-
threaded worker processes (default: one per CPU). It prints both wall times, the ratio, the
peak resident memory of the serial process and of every Dask worker (``ru_maxrss``), whether
the two gathered national frames are equal and the national files byte-identical, and the
per-province task seconds (the basis of the README's cluster estimate). Other jobs on the
machine slow both legs alike only if the load is steady; the load average is printed.

``--graph-nodes N`` additionally measures, in a child process, what one province's road graph
costs a worker before any criterion: a SYNTHETIC graph of about N nodes
(``benchmarks/generate_graph.py``) saved as osmnx GraphML, then read with
``spatial_towns.io.read_roads`` and prepared with ``spatial_towns.network.prepare``: seconds
and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from geopandas.testing import assert_geodataframe_equal  # noqa: E402

from spatial_towns import config  # noqa: E402
from spatial_towns.national import driver as national  # noqa: E402


def save_graph(n_nodes: int, path: Path) -> None:
    """Write a SYNTHETIC road graph of about ``n_nodes`` nodes as osmnx GraphML."""
    import osmnx as ox

    sys.path.insert(0, str(HERE))
    import generate_graph

    ox.save_graphml(generate_graph.generate(n_nodes, 10, 42).G, path)


def graph_cost(path: Path) -> dict:
    """Read (``io.read_roads``) + prepare (``network.prepare``) a GraphML file, in a process
    that did nothing else, so that its peak RSS is the worker's cost of one province graph."""
    from spatial_towns import network
    from spatial_towns.data import io

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    g = io.read_roads(path)
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    prep = network.prepare(g, g.graph["crs"])
    prep_s = time.perf_counter() - t
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
            "graphml_mb": round(path.stat().st_size / 1e6, 1), "read_s": round(read_s, 1),
            "prepare_s": round(prep_s, 1), "prepared_nodes": prep.n_nodes,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "peak_before_read_mb": round(base)}


def estimate(timings: pd.DataFrame, workers: int, total_nodes: float, read_s: float,
             prep_s: float, engine_s: float, peak_gb: float, ref_nodes: float = 300_000,
             ref_towns: int = 700) -> dict:
    """Cluster estimate for a national run with road graphs, from measured per-province task
    seconds (``timings``: serial run) and measured per-graph costs at ``ref_nodes``.

    Assumptions (stated in the README): province graph nodes proportional to township rows;
    GraphML read and preparation linear in nodes; engine time linear in nodes x towns / 700
    (conservative: the bounded searches grow with towns, not with the whole graph); every
    criteria chunk of a split province reads and prepares the whole province graph (as the
    code does now); memory per worker linear in the nodes of the province it holds.
    """
    t = timings.copy()
    t["nodes"] = total_nodes * t["towns"] / t["towns"].sum()
    k = t["nodes"] / ref_nodes
    per_chunk_fixed = k * (read_s + prep_s)
    engine = engine_s * k * t["towns"] / ref_towns
    tasks = []
    for (_, r), fixed, eng in zip(t.iterrows(), per_chunk_fixed, engine, strict=False):
        for _ in range(int(r["chunks"])):
            tasks.append(r["criteria_s_serial"] / r["chunks"] + fixed + eng / r["chunks"])
    # Longest-processing-time-first list scheduling of the criteria tasks on the workers,
    # then the (short, measured) province tasks.
    load = np.zeros(workers)
    for d in sorted(tasks, reverse=True):
        load[np.argmin(load)] += d
    crit = float(load.max())
    prov = float(t["province_s_serial"].max())
    total = float(sum(tasks) + t["province_s_serial"].sum())
    mem = peak_gb * t["nodes"] / ref_nodes
    big = t.loc[t["nodes"].idxmax()]
    return {"total_cpu_s": round(total), "makespan_s": round(crit + prov),
            "longest_task_s": round(max(tasks)), "largest_province": str(big["province_code"]),
            "largest_nodes_M": round(float(big["nodes"]) / 1e6, 2),
            "largest_worker_gb": round(float(mem.max()), 1),
            "median_worker_gb": round(float(mem.median()), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provinces", help="comma-separated codes (default: all)")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--serial-only", action="store_true",
                    help="run only the serial leg (no Dask run, no serial/Dask comparison)")
    ap.add_argument("--national", help="national seat table (default: ../shared/data/...)")
    ap.add_argument("--graph-nodes", type=int, default=0)
    ap.add_argument("--graph-only", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--graph-file", help=argparse.SUPPRESS)
    ap.add_argument("--graph-read", help=argparse.SUPPRESS)
    ap.add_argument("--save-timings", help="CSV of the per-province task seconds")
    ap.add_argument("--estimate-from", help="only print the cluster estimate from a saved CSV")
    ap.add_argument("--est-workers", type=int, default=32)
    ap.add_argument("--est-nodes", type=float, default=20e6,
                    help="assumed nodes of the national simplified drive graph")
    ap.add_argument("--est-read-s", type=float, help="GraphML read s per 300k nodes "
                    "(default: measured with --graph-nodes)")
    ap.add_argument("--est-prep-s", type=float, default=3.5,
                    help="prepare s per 300k nodes (bench_accessibility: 3.5)")
    ap.add_argument("--est-engine-s", type=float, default=1.08,
                    help="engine s for 300k nodes, 700 towns (bench_accessibility: 1.08)")
    ap.add_argument("--est-peak-gb", type=float, default=1.39,
                    help="worker peak GB per 300k-node graph (bench_accessibility: 1.39)")
    a = ap.parse_args()
    if a.estimate_from:
        tm = pd.read_csv(a.estimate_from, dtype={"province_code": str})
        print(estimate(tm, a.est_workers, a.est_nodes, a.est_read_s, a.est_prep_s,
                       a.est_engine_s, a.est_peak_gb))
        return
    if a.graph_only:
        save_graph(a.graph_only, Path(a.graph_file))
        return
    if a.graph_read:
        print(json.dumps(graph_cost(Path(a.graph_read))))
        return
    codes = a.provinces.split(",") if a.provinces else None
    cfg = config.load()
    print(f"cpus {os.cpu_count()}, load average at start {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        cpu0 = time.process_time()
        ser = national.run(cfg, provinces=codes, national=a.national, output_dir=Path(tmp) / "s",
                           serial=True, progress=False)
        print(f"serial: {ser.wall_s:.1f} s, CPU {time.process_time() - cpu0:.1f} s, "
              f"peak RSS {ser.worker_peak_mb['serial']:.0f} MB, load average {os.getloadavg()}")
        if a.serial_only:
            tm = ser.timings
            print(tm.round(2).to_string(index=False))
            print(f"provinces {len(ser.provinces)}, towns {len(ser.towns)}, failed "
                  f"{int((ser.provinces['error'] != '').sum())}; criteria tasks "
                  f"{tm['criteria_s'].sum():.1f} s, province tasks {tm['province_s'].sum():.1f} s")
            if a.save_timings:
                tm.to_csv(a.save_timings, index=False)
            return
        par = national.run(cfg, provinces=codes, national=a.national, output_dir=Path(tmp) / "d",
                           n_workers=a.workers, progress=False)
        peaks = ", ".join(f"{v:.0f}" for v in par.worker_peak_mb.values())
        print(f"dask ({a.workers} workers): {par.wall_s:.1f} s (incl. cluster start), "
              f"peak RSS per worker {peaks} MB")
        print(f"ratio serial/dask: {ser.wall_s / par.wall_s:.2f}")
        assert_geodataframe_equal(ser.towns, par.towns)
        same = {n: ser.files[n].read_bytes() == par.files[n].read_bytes() for n in ser.files}
        print(f"outputs equal: frames yes ({len(ser.towns)} towns, "
              f"{len(ser.provinces)} provinces); files byte-identical: {same}")
        failed = ser.provinces[ser.provinces["error"] != ""]
        print(f"provinces failed: {len(failed)}"
              + "".join(f"\n  {r.province_code} {r.province_name}: {r.error}"
                        for r in failed.itertuples()))
        tm = ser.timings.merge(par.timings, on=["province_code", "towns", "chunks"],
                               suffixes=("_serial", "_dask"))
        print(tm.round(2).to_string(index=False))
        if a.save_timings:
            tm.to_csv(a.save_timings, index=False)
        print(f"load average at end {os.getloadavg()}")
    if a.graph_nodes:
        with tempfile.TemporaryDirectory() as tmp:
            gpath = Path(tmp) / "synthetic.graphml"
            subprocess.run([sys.executable, __file__, "--graph-only", str(a.graph_nodes),
                            "--graph-file", str(gpath)], check=True)
            out = subprocess.run([sys.executable, __file__, "--graph-read", str(gpath)],
                                 capture_output=True, text=True, check=True)
        cost = json.loads(out.stdout.strip().splitlines()[-1])
        print("graph cost (SYNTHETIC GraphML):", cost)
        read = a.est_read_s or cost["read_s"] * 300_000 / cost["nodes"]
        peak = cost["peak_mb"] / 1024 * 300_000 / cost["nodes"]
        if codes is None:  # the node split assumes every province is in the timings
            print(f"estimate ({a.est_workers} workers, {a.est_nodes / 1e6:g} M nodes):",
                  estimate(tm, a.est_workers, a.est_nodes, read, a.est_prep_s,
                           a.est_engine_s, max(peak, a.est_peak_gb)))


if __name__ == "__main__":
    main()
