"""Accessibility of towns: people within road-time thresholds and gravity access, from one set
of bounded searches (:mod:`.bounded`), and point values (raster cells) summed onto nodes."""

from __future__ import annotations

import numpy as np

from .. import errors
from .bounded import bounded_times
from .graph import PreparedGraph


def _check_pop(graph: PreparedGraph, node_pop: np.ndarray) -> np.ndarray:
    pop = np.asarray(node_pop, dtype=float)
    if pop.shape != (graph.n_nodes,):
        raise errors.InputDataError(
            f"node_pop has shape {pop.shape}; expected ({graph.n_nodes},), one value per node"
        )
    if not np.isfinite(pop).all():
        raise errors.InputDataError("node_pop has NaN or infinite values")
    return pop


def accessibility(graph: PreparedGraph, town_nodes: np.ndarray, node_pop: np.ndarray,
                  thresholds_min: tuple[float, ...] = (30.0,), beta_per_min: float = 0.05,
                  limit_min: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """Population within road-time thresholds and gravity access, from one set of searches.

    Same results as :func:`population_within_time` and :func:`gravity_access` called
    separately, but the bounded searches run once, to the largest of the bounds.

    Parameters
    ----------
    graph : PreparedGraph
        Road graph; times in seconds.
    town_nodes : numpy.ndarray
        Node index (into ``graph.node_ids``) of each town, e.g. from :func:`snap`.
    node_pop : numpy.ndarray
        People assigned to each node (length ``graph.n_nodes``), e.g. from
        :func:`assign_to_nodes`.
    thresholds_min : tuple of float
        Travel-time thresholds in minutes; a node counts if reached in at most that time.
    beta_per_min : float
        Decay rate of the gravity weight ``exp(-beta * t)``, per minute.
    limit_min : float
        Gravity cut-off in minutes: nodes farther than this add nothing.

    Returns
    -------
    tuple of numpy.ndarray
        ``(population, gravity)``: people within each threshold, shape
        ``(n_towns, n_thresholds)``, and gravity access (people), shape ``(n_towns,)``.
        Travel starts at the town's node; the leg from the town to its node is not included.
    """
    pop = _check_pop(graph, node_pop)
    towns = np.asarray(town_nodes, dtype=np.int64)
    thr_s = np.asarray(thresholds_min, dtype=float).ravel() * 60.0
    if (thr_s < 0).any() or not np.isfinite(thr_s).all():
        raise ValueError(f"thresholds_min must be finite and >= 0, got {thresholds_min}")
    if limit_min < 0 or not np.isfinite(limit_min):
        raise ValueError(f"limit_min must be finite and >= 0, got {limit_min}")
    # Duplicate town nodes (towns snapped to the same node) are searched once.
    uniq, inverse = np.unique(towns, return_inverse=True)
    population = np.zeros((uniq.size, thr_s.size))
    gravity = np.zeros(uniq.size)
    limit_s = float(max(thr_s.max(initial=0.0), limit_min * 60.0))
    beta_per_s = beta_per_min / 60.0
    for src, node, t in bounded_times(graph, uniq, limit_s):
        p = pop[node]
        for k, tk in enumerate(thr_s):
            population[:, k] += np.bincount(src, weights=p * (t <= tk), minlength=uniq.size)
        w = np.where(t <= limit_min * 60.0, np.exp(-beta_per_s * t), 0.0)
        gravity += np.bincount(src, weights=p * w, minlength=uniq.size)
    return population[inverse], gravity[inverse]


def population_within_time(graph: PreparedGraph, town_nodes: np.ndarray, node_pop: np.ndarray,
                           thresholds_min: tuple[float, ...] = (30.0,)) -> np.ndarray:
    """People reachable by road from each town within each travel-time threshold.

    Parameters
    ----------
    graph : PreparedGraph
        Road graph; edge times in seconds.
    town_nodes : numpy.ndarray
        Node index (into ``graph.node_ids``) of each town.
    node_pop : numpy.ndarray
        People per node (length ``graph.n_nodes``), e.g. raster cells summed onto their
        nearest node with :func:`assign_to_nodes`.
    thresholds_min : tuple of float
        Thresholds in minutes; a node counts if reached in at most that time.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_towns, n_thresholds)``, people (the town's own node included).
    """
    population, _ = accessibility(graph, town_nodes, node_pop, thresholds_min=thresholds_min,
                                  limit_min=0.0)
    return population


def gravity_access(graph: PreparedGraph, town_nodes: np.ndarray, node_pop: np.ndarray,
                   beta_per_min: float = 0.05, limit_min: float = 60.0) -> np.ndarray:
    """Gravity access ``sum_j pop_j * exp(-beta * t_ij)`` over nodes within ``limit_min``.

    Parameters
    ----------
    graph : PreparedGraph
        Road graph; edge times in seconds.
    town_nodes : numpy.ndarray
        Node index (into ``graph.node_ids``) of each town.
    node_pop : numpy.ndarray
        People per node (length ``graph.n_nodes``).
    beta_per_min : float
        Decay per minute (0.05: a node 30 min away counts 22 %, 60 min away 5 %).
    limit_min : float
        Cut-off in minutes; nodes beyond it add nothing.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_towns,)``, people (distance-weighted).
    """
    _, gravity = accessibility(graph, town_nodes, node_pop, thresholds_min=(),
                               beta_per_min=beta_per_min, limit_min=limit_min)
    return gravity


def assign_to_nodes(graph: PreparedGraph, xy: np.ndarray, values: np.ndarray,
                    max_distance_m: float = np.inf) -> np.ndarray:
    """Sum point values (e.g. raster cell populations) onto their nearest graph node.

    Parameters
    ----------
    graph : PreparedGraph
        Target graph.
    xy : numpy.ndarray
        (m, 2) point coordinates in ``graph.crs`` (metres), e.g. raster cell centres.
    values : numpy.ndarray
        (m,) value of each point; NaN (raster nodata) counts as 0.
    max_distance_m : float
        Points farther than this from every node are left out (e.g. cells across a border
        the road graph does not cover).

    Returns
    -------
    numpy.ndarray
        (n_nodes,) sums per node.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    vals = np.asarray(values, dtype=float).ravel()
    if len(vals) != len(xy):
        raise errors.InputDataError(f"{len(xy)} points but {len(vals)} values")
    dist, idx = graph.tree.query(xy, distance_upper_bound=max_distance_m)
    ok = np.isfinite(dist) & np.isfinite(vals)
    return np.bincount(idx[ok], weights=vals[ok], minlength=graph.n_nodes)
