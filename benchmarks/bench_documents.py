"""What writing the documents (report.docx, candidates.xlsx) costs a default run.

::

    python benchmarks/bench_documents.py              # 5 pairs
    python benchmarks/bench_documents.py --pairs 9

One pipeline run on the embedded data (not timed), then its run folder written
``--pairs`` times each way, in turn: :func:`runfolder.write_outputs` with the documents
(the default) and with ``documents=False`` (the obvious baseline: the run folder as it was
before #27), each into a fresh temporary folder. Printed: the median wall and CPU seconds of
each (CPU = ``time.process_time`` of this process plus the children it forked and waited
for: the print figures and the Excel list are drawn in forked children), their ratios, and
the two documents' build times on their own (in this process). The 1-minute load average is
printed before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    own = time.process_time()
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + ch.ru_utime + ch.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=5)
    args = ap.parse_args()
    from spatial_towns import config
    from spatial_towns.pipeline import runfolder, stages
    from spatial_towns.render import candidates_xlsx, report_docx

    res = stages.run(config.load(), output_dir=None, progress=False)
    print(f"load before: {os.getloadavg()[0]:.2f}")
    times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.pairs):
            for documents in (True, False):
                out = Path(tmp) / f"{k}-{documents}"
                w0, c0 = time.perf_counter(), _cpu()
                runfolder.write_outputs(res, out, documents=documents)
                times[documents].append((time.perf_counter() - w0, _cpu() - c0))
        png = Path(tmp) / "0-True" / "map_tiers.png"
        docx_s, xlsx_s = [], []
        for _ in range(args.pairs):
            t = time.perf_counter()
            report_docx.to_bytes(res, map_png=png)
            docx_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            candidates_xlsx.to_bytes(res)
            xlsx_s.append(time.perf_counter() - t)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    med = {d: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for d, v in times.items()}
    for d, label in ((True, "with documents"), (False, "without (baseline)")):
        print(f"write_outputs {label:20s} wall {med[d][0]:6.2f} s  cpu {med[d][1]:6.2f} s "
              f"(median of {args.pairs})")
    ratios_w = [a[0] / b[0] for a, b in zip(times[True], times[False], strict=True)]
    ratios_c = [a[1] / b[1] for a, b in zip(times[True], times[False], strict=True)]
    print(f"ratio with/without: wall {statistics.median(ratios_w):.2f} "
          f"(pairs {min(ratios_w):.2f}-{max(ratios_w):.2f}), cpu {statistics.median(ratios_c):.2f}")
    print(f"report.docx alone {statistics.median(docx_s):.2f} s, candidates.xlsx alone "
          f"{statistics.median(xlsx_s):.2f} s (median wall, this process)")


if __name__ == "__main__":
    main()
