"""Time the selection's reasons (``spatial_towns.mcda._reasons.reasons``) on a SYNTHETIC province against
the plain column-by-column reading (``tests/selection_rules.reference_reasons``, what the
module did before #19) in the same run, and check that both give the same texts.

    python benchmarks/bench_reasons.py [--towns 4000] [--counties 100] [--repeat 3] [--seed 0]

The towns are SYNTHETIC (seeded scores, 10 prefectures, counties of unequal size), the
tiers the default config's (30 provincial, >= 40 municipal, >= 50 county; literal
per-prefecture and per-county minimums). The selection is solved once, untimed; each timed
call explains it. Wall and CPU seconds (best of ``--repeat``) and the 1-minute load average
are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from spatial_towns import config
from spatial_towns.mcda import _reasons, selection

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from selection_rules import reference_reasons  # noqa: E402


def synthetic_towns(n: int, n_counties: int, seed: int) -> pd.DataFrame:
    """SYNTHETIC towns over ``n_counties`` counties of unequal size and 10 prefectures;
    seeded scores, part of them the county's (strong and weak counties, as in real
    provinces, so that the minimums hold many towns away from their place by score)."""
    rng = np.random.default_rng(seed)
    weights = np.linspace(3, 1, n_counties)
    county = rng.choice(n_counties, n, p=weights / weights.sum())
    county[:n_counties] = np.arange(n_counties)  # every county has a town
    score = rng.uniform(0, 60, n_counties)[county] + rng.uniform(0, 40, n)
    return pd.DataFrame({
        "name": [f"t{i}镇" for i in range(n)],
        "score": score.round(2),
        "county_code": [f"c{c:02d}" for c in county],
        "county_name": [f"县{c}" for c in county],
        "prefecture_code": [f"p{c % 10}" for c in county],
        "prefecture_name": [f"市{c % 10}" for c in county],
    }, index=[f"{i:06d}" for i in range(n)])


def best_of(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall and CPU seconds of ``repeat`` calls, and the last result."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--towns", type=int, default=4000)
    ap.add_argument("--counties", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    model = selection.TierSelection.from_frame(synthetic_towns(args.towns, args.counties, args.seed),
                                               config.load().tiers)
    res = model.solve(compare_greedy=False)
    pinned = model._pinned()
    print(f"{args.towns} SYNTHETIC towns, tiers {res.sizes}, "
          f"{int((res.binding != '').sum())} with a binding unit; load {os.getloadavg()[0]:.2f}")
    new_w, new_c, new = best_of(lambda: _reasons.reasons(model, res.tier, pinned), args.repeat)
    ref_w, ref_c, ref = best_of(lambda: reference_reasons(model, res.tier, pinned), args.repeat)
    for a, b in zip(new, ref, strict=True):
        pd.testing.assert_series_equal(a, b)
    print(f"reasons (tabulated):      {new_w:7.3f} s wall {new_c:7.3f} s CPU")
    print(f"reference (column-wise):  {ref_w:7.3f} s wall {ref_c:7.3f} s CPU")
    print(f"ratio {ref_w / new_w:.0f}x wall, {ref_c / new_c:.0f}x CPU; same reasons and "
          f"binding units; load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
