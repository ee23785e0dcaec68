"""Road-file ingest: today's networkx path against the streaming readers (SYNTHETIC data).

Writes a SYNTHETIC province-size road network (seeded; not real roads) twice:

- as an OSM PBF with pyosmium's writer (road ways plus untagged "building" ways as filler, as
  a real extract is mostly not roads), and
- as an osmnx-style GraphML of its drivable edges (what ``fetch-roads`` writes: node
  ``x``/``y``, edge ``length``/``highway``/``speed_kph``/``travel_time``),

then times, each in a fresh process with its peak RSS (VmHWM):

- ``old_graphml``: ``io.read_roads`` (``ox.load_graphml``) + ``network.prepare``;
- ``new_graphml``: ``network.prepare_file`` (streaming GraphML);
- ``old_pbf``: ``io.read_roads`` (pyrosm + networkx + simplification) + ``network.prepare``;
- ``new_pbf``: ``network.prepare_file`` (pyosmium, streaming).

It checks that the old and new GraphML graphs are identical, and that old and new PBF graphs
give the same travel times between the nodes both keep. Prints::

    RESULT nodes=... old_s=... new_s=... speedup=... old_mb=... new_mb=... mem_ratio=...
    RESULT_PBF nodes=... old_s=... new_s=... speedup=... old_mb=... new_mb=... mem_ratio=...

Usage: ``python benchmarks/bench_ingest.py`` (full size: about 520k road nodes);
``--nodes 20000`` for a quick run; ``--skip-old-pbf`` to leave out the slow pyrosm path;
``--pbf-only`` (no GraphML) with ``--repeat 3`` to time the streaming PBF path alone.
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

#: Classes of grid lines, every k-th row/column from the top of the hierarchy.
_CLASS_EVERY = (("trunk", 60), ("primary", 24), ("secondary", 8), ("tertiary", 4))
_LON0, _LAT0 = 121.8, 40.9  # south-west corner of the SYNTHETIC grid (Jilin's box)
_DLON, _DLAT = 0.0125, 0.009  # ~1 km spacing at 43 deg N


def synthetic_network(n_nodes: int = 520_000, seed: int = 17, filler_nodes: int | None = None):
    """A SYNTHETIC road network: a perturbed grid of class-ranked roads with motorways.

    Returns ``(node_ids, lon, lat, junction_ids, ways)`` where ``ways`` is a list of
    ``(way_id, node_id_array, tags)``. Roads: grid rows and columns split into ways of ~25
    segments, classed trunk/primary/secondary/tertiary/residential/unclassified by line index;
    some one-way (``yes`` and ``-1``), some removed, some footway/service (not drivable), some
    with ``maxspeed``. Motorways: separate node lines beside every 150th row, joined to the
    grid by ``motorway_link`` ramps every 20 columns at ``motorway_junction`` nodes. Filler:
    closed ``building=yes`` ways of 5 nodes (``filler_nodes`` nodes; default 4 x the roads).
    """
    rng = np.random.default_rng(seed)
    rows = int(np.sqrt(n_nodes * 3 / 4))
    cols = int(np.ceil(n_nodes / rows))
    gid = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols) + 1
    lon = _LON0 + np.tile(np.arange(cols), rows) * _DLON + rng.normal(0, _DLON * 0.15, rows * cols)
    lat = _LAT0 + np.repeat(np.arange(rows), cols) * _DLAT + rng.normal(0, _DLAT * 0.15, rows * cols)
    node_ids, lons, lats = [gid.ravel()], [lon], [lat]
    next_id = int(gid.max()) + 1
    ways: list[tuple[int, np.ndarray, dict]] = []
    junctions: list[np.ndarray] = []

    def cls_of(line: int, other: int) -> str:
        for name, every in _CLASS_EVERY:
            if line % every == every // 2:
                return name
        return "residential" if (line + other) % 2 else "unclassified"

    def add_line(ids: np.ndarray, line: int) -> None:
        for k, start in enumerate(range(0, len(ids) - 1, 25)):
            seg = ids[start:start + 26]
            if len(seg) < 2:
                continue
            hw = cls_of(line, k)
            r = rng.random()
            if hw in ("residential", "unclassified") and r < 0.03:
                continue  # a missing link
            tags = {"highway": hw}
            if hw in ("residential", "unclassified"):
                if r < 0.05:
                    tags["highway"] = "footway"
                elif r < 0.07:
                    tags["highway"] = "service"
                elif r < 0.12:
                    tags["oneway"] = "yes"
                elif r < 0.13:
                    tags["oneway"] = "-1"
            elif hw == "trunk" and r < 0.5:
                tags["maxspeed"] = "80"
            elif hw == "primary" and r < 0.2:
                tags["maxspeed"] = "60"
            ways.append((len(ways) + 1, seg, tags))

    for r in range(rows):
        add_line(gid[r], r)
    for c in range(cols):
        add_line(gid[:, c], c)
    # Motorways: their own nodes half a row north of every 150th row, ramps every 20 columns.
    for r in range(min(75, rows // 2), rows - 1, 150):
        mids = np.arange(next_id, next_id + cols, dtype=np.int64)
        next_id += cols
        node_ids.append(mids)
        lons.append(_LON0 + np.arange(cols) * _DLON)
        lats.append(np.full(cols, _LAT0 + (r + 0.5) * _DLAT))
        for start in range(0, cols - 1, 40):
            ways.append((len(ways) + 1, mids[start:start + 41],
                         {"highway": "motorway", "maxspeed": "120"}))
        for c in range(10, cols, 20):
            ways.append((len(ways) + 1, np.array([mids[c], gid[r, c]]),
                         {"highway": "motorway_link"}))
            junctions.append(mids[c:c + 1])
    n_filler = 4 * sum(len(a) for a in node_ids) if filler_nodes is None else filler_nodes
    n_build = n_filler // 4
    if n_build:
        fids = np.arange(next_id, next_id + 4 * n_build, dtype=np.int64)
        cx = rng.uniform(_LON0, _LON0 + cols * _DLON, n_build)
        cy = rng.uniform(_LAT0, _LAT0 + rows * _DLAT, n_build)
        dx = np.array([0, 1, 1, 0]) * 1e-4
        dy = np.array([0, 0, 1, 1]) * 1e-4
        node_ids.append(fids)
        lons.append((cx[:, None] + dx).ravel())
        lats.append((cy[:, None] + dy).ravel())
        for b in range(n_build):
            ring = fids[4 * b:4 * b + 4]
            ways.append((len(ways) + 1, np.r_[ring, ring[:1]], {"building": "yes"}))
    return (np.concatenate(node_ids), np.concatenate(lons), np.concatenate(lats),
            np.concatenate(junctions) if junctions else np.empty(0, dtype=np.int64), ways)


def write_pbf(path: Path, net) -> None:
    """Write the SYNTHETIC network as OSM PBF with pyosmium's writer."""
    import osmium

    node_ids, lon, lat, junctions, ways = net
    jset = set(junctions.tolist())
    path.unlink(missing_ok=True)
    w = osmium.SimpleWriter(str(path))
    try:
        for nid, x, y in zip(node_ids.tolist(), lon.tolist(), lat.tolist(), strict=True):
            tags = {"highway": "motorway_junction"} if nid in jset else {}
            w.add_node(osmium.osm.mutable.Node(id=nid, location=(x, y), tags=tags, version=1))
        for wid, nds, tags in ways:
            w.add_way(osmium.osm.mutable.Way(id=wid, nodes=nds.tolist(), tags=tags, version=1))
    finally:
        w.close()


def write_graphml(path: Path, net) -> None:
    """Write the SYNTHETIC network's drivable segments as an osmnx-style GraphML (as
    ``ox.save_graphml`` lays it out), with ``travel_time`` from the class speed table."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from spatial_towns import network
    from spatial_towns.network import _roadfiles

    node_ids, lon, lat, junctions, ways = net
    pos = {int(n): i for i, n in enumerate(node_ids)}
    speeds = network.CHINA_HWY_SPEEDS_KMH
    flt = _roadfiles._driving_filter()
    used = set()
    edges = []
    for wid, nds, tags in ways:
        if "highway" not in tags or _roadfiles._excluded(tags, flt):
            continue
        idx = np.array([pos[int(n)] for n in nds])
        seg = _roadfiles.haversine_m(lon[idx[:-1]], lat[idx[:-1]], lon[idx[1:]], lat[idx[1:]])
        kph = float(tags["maxspeed"]) if "maxspeed" in tags else speeds[tags["highway"]]
        secs = _roadfiles.travel_time_s(seg, np.full(len(seg), kph))
        ow = tags.get("oneway")
        for k in range(len(nds) - 1):
            a, b = int(nds[k]), int(nds[k + 1])
            used.update((a, b))
            if ow != "-1":
                edges.append((a, b, wid, tags, ow == "yes", False, seg[k], kph, secs[k]))
            if ow is None or ow == "-1":
                edges.append((b, a, wid, tags, ow == "-1", ow is None, seg[k], kph, secs[k]))
    jset = set(junctions.tolist())
    with open(path, "w", encoding="utf-8") as f:
        f.write("<?xml version='1.0' encoding='utf-8'?>\n"
                '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        keys = [("d13", "edge", "maxspeed"), ("d12", "edge", "travel_time"),
                ("d11", "edge", "speed_kph"), ("d10", "edge", "length"),
                ("d9", "edge", "reversed"), ("d8", "edge", "oneway"), ("d7", "edge", "highway"),
                ("d6", "edge", "osmid"), ("d5", "node", "highway"), ("d4", "node", "x"),
                ("d3", "node", "y"), ("d2", "graph", "simplified"), ("d1", "graph", "crs"),
                ("d0", "graph", "created_with")]
        for k, fr, name in keys:
            f.write(f'  <key id="{k}" for="{fr}" attr.name="{name}" attr.type="string" />\n')
        f.write('  <graph edgedefault="directed">\n')
        for n in node_ids.tolist():
            if n not in used:
                continue
            i = pos[n]
            f.write(f'    <node id="{n}">\n      <data key="d3">{float(lat[i])!r}</data>\n'
                    f'      <data key="d4">{float(lon[i])!r}</data>\n')
            if n in jset:
                f.write('      <data key="d5">motorway_junction</data>\n')
            f.write("    </node>\n")
        for a, b, wid, tags, oneway, rev, length, kph, secs in edges:
            f.write(f'    <edge source="{a}" target="{b}" id="0">\n'
                    f'      <data key="d6">{wid}</data>\n'
                    f'      <data key="d7">{tags["highway"]}</data>\n'
                    f'      <data key="d8">{oneway}</data>\n      <data key="d9">{rev}</data>\n'
                    f'      <data key="d10">{float(length)!r}</data>\n'
                    f'      <data key="d11">{float(kph)!r}</data>\n'
                    f'      <data key="d12">{float(secs)!r}</data>\n')
            if "maxspeed" in tags:
                f.write(f'      <data key="d13">{tags["maxspeed"]}</data>\n')
            f.write("    </edge>\n")
        f.write('    <data key="d0">bench_ingest.py (SYNTHETIC)</data>\n'
                '    <data key="d1">epsg:4326</data>\n    <data key="d2">False</data>\n'
                "  </graph>\n</graphml>\n")


#: Metric CRS of the benchmark (Lambert azimuthal equal-area on Jilin).
CRS = "+proj=laea +lat_0=43.5 +lon_0=126.5 +datum=WGS84 +units=m +no_defs"


def _peak_rss_mb() -> float:
    """Peak RSS of this process (MB). Linux's VmHWM belongs to this process's own memory map;
    ``ru_maxrss`` would also carry the RSS of the (large) parent at fork time across exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _child(mode: str, path: str, out: str) -> None:
    """Run one ingest path in this (fresh) process; print its seconds and peak RSS."""
    import pyproj

    from spatial_towns import network
    from spatial_towns.data import io

    crs = pyproj.CRS.from_user_input(CRS)
    t0, c0 = time.perf_counter(), time.process_time()
    if mode.startswith("old"):
        g = network.prepare(io.read_roads(path), crs)
    else:
        g = network.prepare_file(path, crs)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_mb = _peak_rss_mb()
    np.savez(out, node_ids=g.node_ids, data=g.csr.data, indices=g.csr.indices,
             indptr=g.csr.indptr, access=g.expressway_access, major=g.major_edges)
    print(json.dumps({"secs": secs, "cpu": cpu, "mb": peak_mb, "nodes": g.n_nodes,
                      "edges": g.csr.nnz}))


def _run(mode: str, path: Path, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    res = subprocess.run([sys.executable, __file__, "--child", mode, str(path), str(out)],
                         capture_output=True, text=True, env=env)
    if res.returncode:
        raise RuntimeError(f"{mode} failed:\n{res.stderr[-3000:]}")
    r = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"  {mode:12s} {r['secs']:8.1f} s  (CPU {r['cpu']:7.1f} s)  peak {r['mb']:8.0f} MB  "
          f"{r['nodes']:,} nodes  {r['edges']:,} edges  load {os.getloadavg()[0]:.1f}",
          flush=True)
    return r


def _load(p: Path):
    import scipy.sparse as sp

    z = np.load(p)
    n = len(z["node_ids"])
    return z["node_ids"], sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(n, n)), z


def _same_graph(a: Path, b: Path) -> bool:
    ia, ca, za = _load(a)
    ib, cb, zb = _load(b)
    oa, ob = np.argsort(ia), np.argsort(ib)
    if not np.array_equal(ia[oa], ib[ob]):
        return False
    da = ca[oa][:, oa]
    db = cb[ob][:, ob]
    return (da != db).nnz == 0 and np.array_equal(np.sort(ia[za["access"]]),
                                                  np.sort(ib[zb["access"]]))


def _same_times(old: Path, new: Path, n_sources: int = 3, seed: int = 0) -> float:
    """Largest relative difference of travel times from a few sources, over the nodes the
    old (simplified) graph keeps."""
    from scipy.sparse import csgraph

    io_, co, _ = _load(old)
    in_, cn, _ = _load(new)
    pos = np.searchsorted(in_, io_, sorter=np.argsort(in_))
    on_new = np.argsort(in_)[pos]
    rng = np.random.default_rng(seed)
    worst = 0.0
    for s in rng.choice(len(io_), n_sources, replace=False):
        to = csgraph.dijkstra(co, indices=int(s))
        tn = csgraph.dijkstra(cn, indices=int(on_new[s]))[on_new]
        ok = np.isfinite(to)
        if not np.array_equal(ok, np.isfinite(tn)):
            return np.inf
        worst = max(worst, float(np.max(np.abs(to[ok] - tn[ok]) / np.maximum(to[ok], 1.0))))
    return worst


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=520_000, help="road grid nodes (SYNTHETIC)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--skip-old-pbf", action="store_true", help="leave out pyrosm's path")
    ap.add_argument("--pbf-only", action="store_true",
                    help="time the PBF paths only (no GraphML written or read)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of the new PBF path (each in a fresh process; on a shared machine "
                         "the quickest is the least disturbed)")
    ap.add_argument("--workdir", default=None, help="folder for the files (default: a temp dir)")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        d = Path(tmp)
        t0 = time.perf_counter()
        net = synthetic_network(args.nodes, args.seed)
        pbf, gml = d / "synthetic.osm.pbf", d / "synthetic.graphml"
        write_pbf(pbf, net)
        if not args.pbf_only:
            write_graphml(gml, net)
        del net
        print(f"SYNTHETIC files written in {time.perf_counter() - t0:.0f} s: PBF "
              f"{pbf.stat().st_size / 1e6:.0f} MB"
              + ("" if args.pbf_only else f", GraphML {gml.stat().st_size / 1e6:.0f} MB"),
              flush=True)
        print(f"load before: {os.getloadavg()}", flush=True)
        modes = () if args.pbf_only else ("new_graphml", "old_graphml")
        r = {m: _run(m, gml, d / f"{m}.npz") for m in modes}
        runs = [_run("new_pbf", pbf, d / "new_pbf.npz") for _ in range(max(1, args.repeat))]
        r["new_pbf"] = min(runs, key=lambda x: x["secs"])
        if not args.skip_old_pbf:
            r["old_pbf"] = _run("old_pbf", pbf, d / "old_pbf.npz")
        print(f"load after: {os.getloadavg()}", flush=True)
        if not args.pbf_only:
            same = _same_graph(d / "old_graphml.npz", d / "new_graphml.npz")
            print(f"GraphML: old and new prepared graphs identical: {same}")
            o, n = r["old_graphml"], r["new_graphml"]
            print(f"RESULT nodes={n['nodes']} old_s={o['secs']:.1f} new_s={n['secs']:.1f} "
                  f"speedup={o['secs'] / n['secs']:.1f} old_mb={o['mb']:.0f} "
                  f"new_mb={n['mb']:.0f} mem_ratio={n['mb'] / o['mb']:.3f}")
        n = r["new_pbf"]
        if "old_pbf" in r:
            o = r["old_pbf"]
            diff = _same_times(d / "old_pbf.npz", d / "new_pbf.npz")
            print(f"PBF: largest relative travel-time difference, old vs new, on the old graph's "
                  f"nodes from 3 sources: {diff:.2e}")
            print(f"RESULT_PBF nodes={n['nodes']} old_s={o['secs']:.1f} new_s={n['secs']:.1f} "
                  f"speedup={o['secs'] / n['secs']:.1f} old_mb={o['mb']:.0f} "
                  f"new_mb={n['mb']:.0f} mem_ratio={n['mb'] / o['mb']:.3f} "
                  f"new_cpu_s={n['cpu']:.1f}")
        else:
            print(f"RESULT_PBF nodes={n['nodes']} new_s={n['secs']:.1f} new_cpu_s={n['cpu']:.1f} "
                  f"new_mb={n['mb']:.0f}")

if __name__ == "__main__":
    main()
