"""The default run, stage by stage, in fresh processes.

::

    python benchmarks/bench_run.py                      # embedded default run, 3 repeats
    python benchmarks/bench_run.py --roads roads.graphml  # the same with a road graph
    python benchmarks/bench_run.py --repeats 5 --json out.json

Each repeat is a new Python process (nothing cached from an earlier run) that imports the
package, runs :func:`spatial_towns.pipeline.run` on the embedded data with all outputs written
to a temporary folder, and reports the seconds spent in each stage:

- ``import``: ``import spatial_towns.pipeline`` (and the modules it pulls in);
- ``ingest``: :func:`ingest.read_layers`, county assignment and the road graph's preparation;
- ``criteria``: :func:`criteria.compute`;
- ``types``: :func:`types.classify` (development types, incl. road betweenness);
- ``score``: :func:`scoring.weigh` and :func:`scoring.score` of the run itself;
- ``select``: building and solving the tier selection model;
- ``robustness``: Monte Carlo and one-at-a-time weight sensitivity;
- ``outputs``: the map layers of a road run and :func:`runfolder.write_outputs`;
- ``other``: the rest of ``run`` (eligibility, clustering, county summary, bookkeeping);
- ``run``: :func:`pipeline.run` as a whole, and ``process``: the child's wall time as the
  parent saw it (interpreter start-up included).

Stages are timed by wrapping the module functions; a call made while another timed stage is
running counts to that outer stage (the Monte Carlo's re-scoring is robustness, not score).
The table gives the median and the spread (max - min) over the repeats of the wall time,
and the median CPU time (``time.process_time`` of the child: user + system, all its
threads, plus that of the processes it forks and waits for, e.g. the print maps drawn
concurrently with the other outputs), which other jobs on a shared machine inflate much less
than the wall time. The CPU of the run's own process without its children is printed
too: with a core free for the children, the run's wall time is about that plus the time
it waits for them. The 1-minute load average is read before and after each repeat and
printed.

The script only uses functions that exist since the first version of the pipeline, so the
same script can time an older checkout (``PYTHONPATH=/path/to/old/checkout``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

STAGES = ("import", "ingest", "criteria", "types", "score", "select", "robustness", "outputs",
          "other", "run", "process")


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended and were waited for."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def _child(roads: str | None, out_dir: str) -> dict:
    """One timed run in this (fresh) process."""
    t0, c0 = time.perf_counter(), _cpu()
    from spatial_towns import config, network
    from spatial_towns.criteria import indicators as criteria
    from spatial_towns.mcda import scoring, selection
    from spatial_towns.pipeline import records
    from spatial_towns.pipeline import stages as pipeline
    from spatial_towns.typology import devtypes as types_mod
    times = {"import": time.perf_counter() - t0}
    cpu = {"import": _cpu() - c0}
    active: list[str] = []

    def timed(stage: str, fn):
        def wrapper(*args, **kwargs):
            if active:  # nested in another stage: counts there
                return fn(*args, **kwargs)
            active.append(stage)
            t, c = time.perf_counter(), _cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                times[stage] = times.get(stage, 0.0) + time.perf_counter() - t
                cpu[stage] = cpu.get(stage, 0.0) + _cpu() - c
                active.pop()
        return wrapper

    patches = [
        (pipeline, "ingest", "ingest"), (pipeline, "assign_counties", "ingest"),
        (network, "as_prepared", "ingest"),
        (criteria, "compute", "criteria"),
        (types_mod, "classify", "types"),
        (scoring, "weigh", "score"), (scoring, "score", "score"),
        (pipeline, "_robustness", "robustness"),
        (pipeline, "_road_layers", "outputs"), (pipeline, "write_outputs", "outputs"),
    ]
    for mod, name, stage in patches:
        setattr(mod, name, timed(stage, getattr(mod, name)))
    ts = selection.TierSelection
    ts.from_frame = classmethod(timed("select", ts.from_frame.__func__))
    ts.solve = timed("select", ts.solve)

    cfg = config.load()
    inputs = records.Inputs(roads=roads)
    t, c, own = time.perf_counter(), _cpu(), time.process_time()
    res = pipeline.run(cfg, inputs, output_dir=out_dir, progress=False)
    times["run"] = time.perf_counter() - t
    cpu["run"] = _cpu() - c
    own = time.process_time() - own  # the run's own process, forked children excluded
    for d in (times, cpu):
        d["other"] = d["run"] - sum(v for k, v in d.items() if k not in ("import", "run"))
    cpu["process"] = _cpu()
    n_sel = int((res.towns["tier"] != "").sum())
    how = getattr(res, "type_assessed", {})
    assessed = {k: not str(v).lower().startswith("not assessed") for k, v in how.items()}
    return {"times": times, "cpu": cpu, "run_own_cpu": own, "towns": len(res.towns),
            "selected": n_sel,
            "assessed": assessed,
            "commerce": how.get("commerce_logistics", "")}


def _one(roads: str | None, pythonpath: str | None) -> dict:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, __file__, "--child", tmp]
        if roads:
            cmd += ["--roads", roads]
        load0 = os.getloadavg()[0]
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t
        load1 = os.getloadavg()[0]
    if out.returncode:
        sys.exit(f"child run failed:\n{out.stderr[-3000:]}")
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    rec["times"]["process"] = wall
    rec["load"] = (load0, load1)
    return rec


def table(runs: list[dict]) -> str:
    lines = ["| stage | wall median s | wall spread s (max - min) | CPU median s |",
             "|---|---:|---:|---:|"]
    for s in STAGES:
        vals = [r["times"].get(s, 0.0) for r in runs]
        cpu = [r["cpu"].get(s, 0.0) for r in runs]
        lines.append(f"| {s} | {statistics.median(vals):.2f} | {max(vals) - min(vals):.2f} | "
                     f"{statistics.median(cpu):.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--roads", help="road graph file (GraphML / OSM XML) for the run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="also write the raw timings to this JSON file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.roads, a.child)))
        return
    roads = os.path.abspath(a.roads) if a.roads else None
    pp = os.environ.get("PYTHONPATH")
    import importlib.util
    spec = importlib.util.find_spec("spatial_towns")
    where = os.path.dirname(os.path.dirname(spec.origin)) if spec and spec.origin else "?"
    print(f"spatial_towns from {where}; cpus {os.cpu_count()}; roads: {roads or 'none'}")
    runs = []
    for k in range(a.repeats):
        r = _one(roads, pp)
        runs.append(r)
        print(f"repeat {k + 1}: run {r['times']['run']:.2f} s, process {r['times']['process']:.2f}"
              f" s; load average (1 min) {r['load'][0]:.2f} -> {r['load'][1]:.2f}; "
              f"{r['towns']} towns, {r['selected']} selected")
    assessed = [k for k, v in runs[-1]["assessed"].items() if v]
    print(f"types assessed: {', '.join(assessed)}\ncommerce_logistics rule: {runs[-1]['commerce']}")
    print()
    print(table(runs))
    own = [r["run_own_cpu"] for r in runs if "run_own_cpu" in r]
    if own:
        print(f"\nrun, CPU of its own process only (forked children excluded): median "
              f"{statistics.median(own):.2f} s")
    loads = [x for r in runs for x in r["load"]]
    print(f"\nload average (1 min) over the repeats: {min(loads):.2f}-{max(loads):.2f} "
          f"on {os.cpu_count()} cpus")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(runs, f, indent=1)


if __name__ == "__main__":
    main()
