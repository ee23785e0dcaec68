"""SYNTHETIC province-scale road graph and towns for benchmarking (not real roads).

Everything made here is SYNTHETIC: a seeded, perturbed grid with random diagonals (a
Delaunay-like planar mesh) over an 800 km x 600 km box in a Lambert azimuthal equal-area CRS
centred on Jilin (metres). It only imitates the *shape* of a provincial road network so that
the accessibility engine can be timed at realistic size:

- a hierarchy of OSM ``highway`` classes laid on grid lines: a few motorways (dual
  carriageways, every edge one-way in each direction), trunk, primary, secondary and tertiary
  roads, and many residential/unclassified links;
- some one-way residential links, some removed links (so that the mesh is irregular and a few
  nodes end up on small disconnected islands, as in real OSM extracts);
- per-edge ``length`` (m, straight line x a winding factor), ``speed_kph`` (class speed from
  :data:`spatial_towns.network.CHINA_HWY_SPEEDS_KMH` x a random factor) and ``travel_time``
  (s).

The graph is an osmnx-compatible ``networkx.MultiDiGraph``: graph attribute ``crs``, node
attributes ``x``/``y`` (metres in that CRS), edge attributes as above. Towns and seats are
points (metric x/y in the same CRS) placed near, not on, the nodes.

Run ``python benchmarks/generate_graph.py --nodes 300000`` to see what it makes.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import networkx as nx
import numpy as np

from spatial_towns.network.graph import CHINA_HWY_SPEEDS_KMH

#: The SYNTHETIC graph's CRS: Lambert azimuthal equal-area centred on Jilin (metres).
SYNTHETIC_CRS = "+proj=laea +lat_0=43.5 +lon_0=126.5 +datum=WGS84 +units=m +no_defs"
BOX_M = (800_000.0, 600_000.0)

# Grid-line spacing of each class (a line every k rows/columns), from the top of the hierarchy.
_CLASS_EVERY = (("motorway", 150), ("trunk", 60), ("primary", 24), ("secondary", 8),
                ("tertiary", 4))


@dataclass
class SyntheticRegion:
    """A SYNTHETIC road graph with SYNTHETIC towns and seats (all xy in metres, ``crs``)."""

    G: nx.MultiDiGraph
    crs: str
    town_xy: np.ndarray
    county_seat_xy: np.ndarray
    prefecture_seat_xy: np.ndarray
    core_xy: np.ndarray  # shape (1, 2)
    cell_xy: np.ndarray  # population raster cell centres
    cell_pop: np.ndarray  # people per cell


def _edge_class(n_rows: int, n_cols: int, rows: np.ndarray, cols: np.ndarray,
                horizontal: bool) -> np.ndarray:
    """Highway class of grid edges lying on row ``rows`` (horizontal) or column ``cols``."""
    line = rows if horizontal else cols
    out = np.full(line.shape, "residential", dtype=object)
    # Every other residential link is "unclassified" (village roads between settlements).
    out[(line + (cols if horizontal else rows)) % 2 == 1] = "unclassified"
    # Lower classes first so that a line on a higher class's grid is overwritten by it.
    for name, every in reversed(_CLASS_EVERY):
        out[(line % every) == every // 2] = name
    return out


def generate(n_nodes: int = 20_000, n_towns: int = 100, seed: int = 42,
             n_county_seats: int = 60, n_prefecture_seats: int = 9) -> SyntheticRegion:
    """Build a SYNTHETIC region with about ``n_nodes`` road nodes and ``n_towns`` towns.

    Parameters
    ----------
    n_nodes : int
        Approximate node count (the grid is ``rows x cols`` with a 4:3 aspect ratio).
    n_towns : int
        Number of SYNTHETIC town points.
    seed : int
        Seed of :func:`numpy.random.default_rng`; equal seeds give equal regions.
    n_county_seats, n_prefecture_seats : int
        Numbers of SYNTHETIC seats (Jilin has about 60 counties and 9 prefectures).

    Returns
    -------
    SyntheticRegion
        Graph and points in :data:`SYNTHETIC_CRS` (metres).
    """
    rng = np.random.default_rng(seed)
    w, h = BOX_M
    n_cols = max(2, int(round(np.sqrt(n_nodes * w / h))))
    n_rows = max(2, int(round(n_nodes / n_cols)))
    dx, dy = w / (n_cols - 1), h / (n_rows - 1)
    r, c = np.divmod(np.arange(n_rows * n_cols), n_cols)
    x = c * dx - w / 2 + rng.uniform(-0.3, 0.3, r.size) * dx
    y = r * dy - h / 2 + rng.uniform(-0.3, 0.3, r.size) * dy
    nid = lambda rr, cc: rr * n_cols + cc  # noqa: E731

    # Undirected links of the mesh: right, up, and one diagonal in ~35 % of the cells.
    rr, cc = np.meshgrid(np.arange(n_rows), np.arange(n_cols - 1), indexing="ij")
    h_u, h_v = nid(rr, cc).ravel(), nid(rr, cc + 1).ravel()
    h_cls = _edge_class(n_rows, n_cols, rr.ravel(), cc.ravel(), horizontal=True)
    rr, cc = np.meshgrid(np.arange(n_rows - 1), np.arange(n_cols), indexing="ij")
    v_u, v_v = nid(rr, cc).ravel(), nid(rr + 1, cc).ravel()
    v_cls = _edge_class(n_rows, n_cols, rr.ravel(), cc.ravel(), horizontal=False)
    rr, cc = np.meshgrid(np.arange(n_rows - 1), np.arange(n_cols - 1), indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    pick = rng.random(rr.size) < 0.35
    flip = rng.random(rr.size) < 0.5
    d_u = np.where(flip, nid(rr, cc), nid(rr, cc + 1))[pick]
    d_v = np.where(flip, nid(rr + 1, cc + 1), nid(rr + 1, cc))[pick]
    d_cls = np.full(d_u.size, "residential", dtype=object)

    u = np.concatenate([h_u, v_u, d_u])
    v = np.concatenate([h_v, v_v, d_v])
    cls = np.concatenate([h_cls, v_cls, d_cls])
    # Remove 8 % of the minor links: an irregular mesh with dead ends and a few islands.
    minor = np.isin(cls, ("residential", "unclassified"))
    keep = ~(minor & (rng.random(u.size) < 0.08))
    u, v, cls = u[keep], v[keep], cls[keep]

    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.05, 1.3, u.size)
    speed = np.array([CHINA_HWY_SPEEDS_KMH[k] for k in cls]) * rng.uniform(0.85, 1.1, u.size)
    ttime = length / (speed / 3.6)
    # 6 % of residential links are one-way (u -> v only); motorways are dual carriageways
    # (both directions, each tagged one-way); everything else is two-way.
    one_way_only = (cls == "residential") & (rng.random(u.size) < 0.06)
    is_mw = cls == "motorway"

    G = nx.MultiDiGraph(crs=SYNTHETIC_CRS, name="SYNTHETIC benchmark region (not real roads)")
    G.add_nodes_from((int(i), {"x": float(x[i]), "y": float(y[i])}) for i in range(r.size))
    lists = (u.tolist(), v.tolist(), cls.tolist(), length.tolist(), speed.tolist(),
             ttime.tolist(), one_way_only.tolist(), is_mw.tolist())

    def edges():
        for a, b, k, ln, sp, tt, ow, mw in zip(*lists, strict=False):
            d = {"highway": k, "oneway": bool(ow or mw), "length": ln, "speed_kph": sp,
                 "travel_time": tt}
            yield a, b, 0, d
            if not ow:
                yield b, a, 0, dict(d, reversed=True)

    G.add_edges_from(edges())

    # Towns, seats and the core sit near (not on) nodes, within a tenth of the grid spacing.
    def near_nodes(k: int) -> np.ndarray:
        idx = rng.choice(r.size, size=k, replace=False)
        jitter = rng.uniform(-0.1, 0.1, (k, 2)) * (dx, dy)
        return np.column_stack([x[idx], y[idx]]) + jitter

    pts = near_nodes(n_towns + n_county_seats + n_prefecture_seats + 1)
    town_xy = pts[:n_towns]
    county = pts[n_towns:n_towns + n_county_seats]
    pref = pts[n_towns + n_county_seats:-1]
    core = pts[-1:]
    # A 2 km SYNTHETIC population raster: a rural background plus people around the seats.
    gx, gy = np.meshgrid(np.arange(-w / 2, w / 2, 2000.0) + 1000.0,
                         np.arange(-h / 2, h / 2, 2000.0) + 1000.0)
    cell_xy = np.column_stack([gx.ravel(), gy.ravel()])
    cell_pop = rng.gamma(2.0, 40.0, len(cell_xy))
    for centres, people, scale in ((county, 4e4, 5e3), (pref, 3e5, 12e3), (core, 2e6, 25e3)):
        d2 = ((cell_xy[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        cell_pop += (people / (2 * np.pi * scale**2 / 4e6) * np.exp(-d2 / (2 * scale**2))).sum(1)
    return SyntheticRegion(G=G, crs=SYNTHETIC_CRS, town_xy=town_xy, county_seat_xy=county,
                           prefecture_seat_xy=pref, core_xy=core, cell_xy=cell_xy,
                           cell_pop=cell_pop)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=20_000)
    ap.add_argument("--towns", type=int, default=100)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    t0 = time.perf_counter()
    reg = generate(a.nodes, a.towns, a.seed)
    G = reg.G
    counts: dict[str, int] = {}
    for _, _, k in G.edges(data="highway"):
        counts[k] = counts.get(k, 0) + 1
    print(f"SYNTHETIC graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} directed edges, "
          f"{len(reg.town_xy)} towns, generated in {time.perf_counter() - t0:.1f} s")
    print("SYNTHETIC edges by class:", dict(sorted(counts.items(), key=lambda kv: -kv[1])))
    print(f"SYNTHETIC population: {reg.cell_pop.sum():,.0f} people in {len(reg.cell_pop)} cells")


if __name__ == "__main__":
    main()
