"""Serial national run without roads, one fresh process: wall and CPU seconds, machine load.

::

    python benchmarks/bench_national_serial.py                     # all 31 provinces
    PYTHONPATH=/path/to/old/checkout python benchmarks/bench_national_serial.py   # an older tree
    python benchmarks/bench_national_serial.py --provinces 110000,220000 --profile run.prof

Runs ``national.run(config.load(), serial=True)`` with every output written to a temporary
folder (or ``--keep DIR``), as ``bench_national.py --serial-only`` does, but only with
arguments that ``national.run`` has had since its first version, so that the same script
times an older checkout for a same-session comparison. CPU is ``time.process_time`` of the
process plus that of the children it forked and waited for (the clustering runs in one per
province). Point ``SPATIAL_TOWNS_CACHE`` at a filled folder for a warm run; the first run
after a change to the cached modules converts the county layers again.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provinces", help="comma-separated province codes (default: all)")
    ap.add_argument("--keep", help="write the outputs here instead of a temporary folder")
    ap.add_argument("--profile", help="write a cProfile of the run to this file")
    a = ap.parse_args()
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    from spatial_towns import config
    from spatial_towns.national import driver as national

    provinces = a.provinces.split(",") if a.provinces else None
    out = a.keep or tempfile.mkdtemp(prefix="national_serial_")

    def go():
        return national.run(config.load(), provinces=provinces, serial=True, output_dir=out,
                            progress=False)

    if a.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.runcall(go)
        prof.dump_stats(a.profile)
    else:
        go()
    wall = time.perf_counter() - t0
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = ch.ru_utime + ch.ru_stime
    cpu = time.process_time() - c0 + children
    print(f"RESULT_NAT wall={wall:.1f}s cpu={cpu:.1f}s (children {children:.1f}s) "
          f"load {load0:.2f}->{os.getloadavg()[0]:.2f} out={out}", flush=True)


if __name__ == "__main__":
    main()
