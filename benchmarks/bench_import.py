"""What importing the package costs, against its dependency floor, in the same session.

::

    python benchmarks/bench_import.py              # 9 fresh processes per statement
    python benchmarks/bench_import.py --repeats 15

Each statement is timed in a new Python process (``time.perf_counter`` around the import
alone: interpreter start-up is not counted), the statements taking turns so that the load of a
shared machine falls on all of them alike. Printed: the median and the spread (max - min) per
statement, and each statement's median minus the floor's.

- ``floor``: ``import geopandas, pyogrio, scipy, highspy``: the geospatial dependencies every
  run needs, imported alone (the issue's floor);
- ``floor+``: the floor plus the scipy families the pipeline's own code uses at import
  (``scipy.optimize``, ``scipy.sparse.csgraph``, ``scipy.spatial``): what no layout of
  this package can avoid once it runs;
- ``spatial_towns``: ``import spatial_towns`` (the lazy door: nothing heavy until used);
- ``run``: ``from spatial_towns import run`` (the pipeline and everything a run needs before
  its outputs are written; the presentation family is imported when a run folder is written);
- ``render``: ``import spatial_towns.render.maps, spatial_towns.render.printmap`` (what writing
  the outputs adds: folium, matplotlib).

The heavy libraries an import left in ``sys.modules`` are listed per statement.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

STATEMENTS = {
    "floor": "import geopandas, pyogrio, scipy, highspy",
    "floor+": "import geopandas, pyogrio, scipy, highspy, scipy.optimize, scipy.sparse.csgraph, "
              "scipy.spatial",
    "spatial_towns": "import spatial_towns",
    "run": "from spatial_towns import run",
    "render": "import spatial_towns.render.maps, spatial_towns.render.printmap",
}
HEAVY = ("folium", "matplotlib", "sklearn", "dask", "distributed", "ipywidgets", "docx",
         "openpyxl")
CHILD = """
import sys, time, json
t = time.perf_counter()
{stmt}
dt = time.perf_counter() - t
print(json.dumps([dt, [m for m in {heavy!r} if m in sys.modules]]))
"""


def time_one(stmt: str) -> tuple[float, list[str]]:
    code = CHILD.format(stmt=stmt, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    dt, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    return float(dt), heavy


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--only", default=",".join(STATEMENTS),
                    help="comma-separated statements to time (e.g. floor,run for an older "
                         "checkout, PYTHONPATH=/path/to/it, that has no render family)")
    args = ap.parse_args(argv)
    chosen = {k: STATEMENTS[k] for k in args.only.split(",")}
    times: dict[str, list[float]] = {k: [] for k in chosen}
    heavy: dict[str, list[str]] = {}
    for stmt in chosen.values():  # warm the file cache once
        time_one(stmt)
    for _ in range(args.repeats):
        for name, stmt in chosen.items():
            dt, h = time_one(stmt)
            times[name].append(dt)
            heavy[name] = h
    floor = statistics.median(times["floor"])
    rows = {}
    print(f"{'statement':<14} {'median s':>9} {'spread s':>9} {'- floor s':>10}  heavy modules loaded")
    for name, ts in times.items():
        med = statistics.median(ts)
        rows[name] = {"median_s": med, "spread_s": max(ts) - min(ts), "above_floor_s": med - floor,
                      "heavy": heavy[name], "statement": chosen[name]}
        print(f"{name:<14} {med:9.3f} {max(ts) - min(ts):9.3f} {med - floor:10.3f}  "
              f"{', '.join(heavy[name]) or '-'}")
    if args.json:
        args.json.write_text(json.dumps({"repeats": args.repeats, "rows": rows}, indent=2))
    return rows


if __name__ == "__main__":
    main()
