"""National run: every province serial vs on Dask, on this machine.

Full run (real data: the national Vonng/adcode table in ../shared/data; straight-line
criteria, no road graphs)::

    /work/venv/bin/python benchmarks/bench_national.py

Quick run on three small provinces::

    /work/venv/bin/python benchmarks/bench_national.py --provinces 110000,120000,640000

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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from geopandas.testing import assert_geodataframe_equal  # noqa: E402

from spatial_towns import config, national  # noqa: E402


def graph_cost(n_nodes: int) -> dict:
    """Read + prepare cost of a SYNTHETIC GraphML road graph of about ``n_nodes`` nodes."""
    import osmnx as ox

    sys.path.insert(0, str(HERE))
    import generate_graph

    from spatial_towns import io, network

    reg = generate_graph.generate(n_nodes, 10, 42)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.graphml"
        ox.save_graphml(reg.G, path)
        size_mb = path.stat().st_size / 1e6
        del reg
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t = time.perf_counter()
        g = io.read_roads(path)
        read_s = time.perf_counter() - t
        t = time.perf_counter()
        prep = network.prepare(g, g.graph["crs"])
        prep_s = time.perf_counter() - t
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(), "graphml_mb": size_mb,
            "read_s": read_s, "prepare_s": prep_s, "prepared_nodes": prep.n_nodes,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "peak_before_read_mb": base}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provinces", help="comma-separated codes (default: all)")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--national", help="national seat table (default: ../shared/data/...)")
    ap.add_argument("--graph-nodes", type=int, default=0)
    ap.add_argument("--graph-only", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.graph_only:
        print(json.dumps(graph_cost(a.graph_only)))
        return
    codes = a.provinces.split(",") if a.provinces else None
    cfg = config.load()
    print(f"cpus {os.cpu_count()}, load average at start {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        ser = national.run(cfg, provinces=codes, national=a.national, output_dir=Path(tmp) / "s",
                           serial=True, progress=False)
        print(f"serial: {ser.wall_s:.1f} s, peak RSS {ser.worker_peak_mb['serial']:.0f} MB")
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
        print(f"load average at end {os.getloadavg()}")
    if a.graph_nodes:
        out = subprocess.run([sys.executable, __file__, "--graph-only", str(a.graph_nodes)],
                             capture_output=True, text=True, check=True)
        print("graph cost:", out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
