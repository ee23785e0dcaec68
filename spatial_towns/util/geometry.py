"""Exact geometry distances that stay fast on long outlines (private helpers)."""

from __future__ import annotations

import numpy as np
import shapely

#: Segments per boundary piece in :func:`distance`: short pieces keep the tree's envelopes tight.
PIECE_SEGMENTS = 8


def boundary_pieces(geoms: np.ndarray, n: int = PIECE_SEGMENTS) -> tuple[np.ndarray, np.ndarray]:
    """The rings (or lines) of ``geoms`` cut into linestrings of at most ``n`` segments, and
    the position in ``geoms`` of the geometry each piece comes from. Consecutive pieces share
    their end point, so together they hold every segment exactly once."""
    parts, part_of = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    polygonal = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    rings, ring_of = shapely.get_rings(parts[polygonal], return_index=True)
    lines = np.concatenate([rings, parts[~polygonal]])
    owner = np.concatenate([part_of[polygonal][ring_of], part_of[~polygonal]])
    cnt = shapely.get_num_coordinates(lines)
    keep = cnt >= 2
    lines, owner, cnt = lines[keep], owner[keep], cnt[keep]
    xy = shapely.get_coordinates(lines)
    start = np.cumsum(cnt) - cnt
    pos = np.arange(len(xy)) - np.repeat(start, cnt)
    last = np.repeat(cnt - 1, cnt)  # position of each line's end point
    n_pieces = (cnt - 2) // n + 1  # ceil(segments / n)
    first_piece = np.repeat(np.cumsum(n_pieces) - n_pieces, cnt)
    piece = first_piece + np.minimum(pos // n, (last - 1) // n)
    # A point that starts a piece (not a line's first or last) also ends the piece before.
    joint = (pos % n == 0) & (pos > 0) & (pos < last)
    all_xy = np.concatenate([xy, xy[joint]])
    all_piece = np.concatenate([piece, piece[joint] - 1])
    all_pos = np.concatenate([pos, pos[joint]])
    order = np.lexsort((all_pos, all_piece))
    pieces = shapely.linestrings(all_xy[order], indices=all_piece[order])
    return pieces, np.repeat(owner, n_pieces)


def distance(geoms: np.ndarray, target: shapely.Geometry, max_distance: float | None = None,
             n: int = PIECE_SEGMENTS) -> np.ndarray:
    """``shapely.distance(geoms, target)`` for points, lines or polygons against a large
    polygon or line, in the units of their (metric) CRS, without GEOS's loop over every
    segment of ``target`` for each geometry; with ``max_distance``, geometries farther than
    that get ``inf`` (and are found much faster).

    Apart, two geometries are as far as their nearest pair of boundary segments (a point:
    its nearest segment); the boundaries are cut into pieces of ``n`` segments and the
    nearest pieces found through an STRtree. GEOS measures each pair of pieces segment by
    segment, as it does the whole geometries, so the distances are the same floats;
    geometries that intersect ``target`` get 0.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), np.inf)
    target_pieces, _ = boundary_pieces(np.array([target], dtype=object), n)
    own_pieces, owner = boundary_pieces(geoms, n)
    # A point has no boundary: it is its own piece.
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    point = (shapely.get_type_id(parts) == shapely.GeometryType.POINT) & ~shapely.is_empty(parts)
    own_pieces = np.concatenate([own_pieces, parts[point]])
    owner = np.concatenate([owner, part_of[point]])
    if len(target_pieces) and len(own_pieces):
        tree = shapely.STRtree(target_pieces)
        # The search radius is a little wider than asked, so that a distance equal to
        # max_distance is not lost to rounding in the tree; the cut is made on the distances.
        radius = None if max_distance is None else max_distance * (1 + 1e-9) + 1e-6
        (src, _), d = tree.query_nearest(own_pieces, max_distance=radius, return_distance=True,
                                         all_matches=False)
        if max_distance is not None:
            src, d = src[d <= max_distance], d[d <= max_distance]
        np.minimum.at(out, owner[src], d)
    shapely.prepare(target)
    out[shapely.intersects(geoms, target)] = 0.0
    out[shapely.is_missing(geoms) | shapely.is_empty(geoms)] = np.nan
    return out
