"""Time WhatIf.update() for random weight changes on the embedded Jilin run.

Each update re-normalises, re-scores all township units and re-solves the joint three-tier
selection (LP on the cached constraint matrix). Prints the median and 95th percentile.

    python benchmarks/bench_whatif.py [--n 200] [--seed 1] [--aggregation wlc]

The machine may be shared: the load average and CPU affinity are printed with the figures;
for a quieter measurement pin it, e.g. ``taskset -c 1 nice -n -5 python benchmarks/...``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from spatial_towns import config
from spatial_towns.mcda import aggregation
from spatial_towns.pipeline import stages as pipeline
from spatial_towns.whatif import explorer as whatif
from spatial_towns.whatif import widget


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="number of timed updates")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--aggregation", default="wlc", choices=["wlc", "topsis", "owa"])
    ap.add_argument("--widget", action="store_true",
                    help="also time the explorer widget's full cycle (update + new map layer "
                         "data + tables; without the browser's drawing)")
    args = ap.parse_args()

    cfg = config.load(overrides={"sensitivity": {"draws": 0}})
    t0 = time.perf_counter()
    res = pipeline.run(cfg, output_dir=None, progress=False)
    t_run = time.perf_counter() - t0
    wi = whatif.WhatIf.from_result(res)
    cols = [c["column"] for c in wi.criteria()]
    start = wi.start.weight_dict()
    rng = np.random.default_rng(args.seed)
    ow = None
    if args.aggregation == "owa":
        ow = aggregation.order_weights(wi.n_scored(), -0.5)

    if ow is not None:
        # OWA order weights have one entry per scored criterion: keep that set fixed.
        cols = [c for c in cols if start.get(c, 0.0) > 0]
    low = 0.01 if ow is not None else 0.0

    def draw() -> dict[str, float]:
        # Move one to three sliders, as a planner would between two looks at the map.
        w = dict(start)
        for col in rng.choice(cols, size=int(rng.integers(1, 4)), replace=False):
            w[str(col)] = round(float(rng.uniform(low, 0.5)), 2)
        return w

    for _ in range(5):  # warm-up: imports, caches
        wi.update(weights=draw(), aggregation=args.aggregation, order_weights=ow)
    times, changed = [], []
    for _ in range(args.n):
        wts = draw()
        t0 = time.perf_counter()
        up = wi.update(weights=wts, aggregation=args.aggregation, order_weights=ow)
        times.append(time.perf_counter() - t0)
        changed.append(int((up.towns["change"] != "").sum()))
    ms = 1000 * np.asarray(times)
    n_towns = len(res.towns)
    n_elig = int((res.towns["status"] == "eligible").sum())
    print(f"what-if update on the embedded Jilin run: {n_towns} township units, {n_elig} "
          f"eligible, {len(res.cfg.tiers)} tiers re-selected jointly in every update")
    print(f"aggregation {args.aggregation}; {args.n} random weight changes (seed {args.seed}); "
          f"towns changing tier per update: median {int(np.median(changed))}, "
          f"max {max(changed)}")
    print(f"update time: median {np.median(ms):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, "
          f"min {ms.min():.1f} ms, max {ms.max():.1f} ms (target < 200 ms)")
    print(f"(full pipeline run for comparison: {t_run:.1f} s)")
    if args.widget:
        ex = widget.explore(res, schedule=lambda fn: fn())
        ex.aggregation.value = args.aggregation
        cycle = []
        for _ in range(min(args.n, 50)):
            wts = draw()
            t0 = time.perf_counter()
            with ex.batch():  # one update when the block ends; schedule runs it at once
                for col, v in wts.items():
                    ex.sliders[col].value = v
            cycle.append(1000 * (time.perf_counter() - t0))
        cyc = np.asarray(cycle)
        print(f"explorer widget cycle ({len(cyc)} changes): median {np.median(cyc):.1f} ms, "
              f"p95 {np.percentile(cyc, 95):.1f} ms")
    aff = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    load = os.getloadavg() if hasattr(os, "getloadavg") else "?"
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"affinity {aff}, nice {os.nice(0)}, load average {tuple(round(x, 2) for x in load)}")


if __name__ == "__main__":
    main()
