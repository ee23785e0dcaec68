"""Road networks: prepared graphs, travel times, accessibility and route betweenness.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "graph": ".graph",
    "BLOCK_CELLS": ".graph:BLOCK_CELLS",
    "CHINA_HWY_SPEEDS_KMH": ".graph:CHINA_HWY_SPEEDS_KMH",
    "MAJOR_CLASSES": ".graph:MAJOR_CLASSES",
    "MAJOR_ROADS_FILTER": ".graph:MAJOR_ROADS_FILTER",
    "PreparedGraph": ".graph:PreparedGraph",
    "accessibility": ".graph:accessibility",
    "as_prepared": ".graph:as_prepared",
    "assign_to_nodes": ".graph:assign_to_nodes",
    "bounded_times": ".graph:bounded_times",
    "cache_path": ".graph:cache_path",
    "component_labels": ".graph:component_labels",
    "expressway_access_nodes": ".graph:expressway_access_nodes",
    "fetch_roads": ".graph:fetch_roads",
    "from_arrays": ".graph:from_arrays",
    "gravity_access": ".graph:gravity_access",
    "isochrone_polygons": ".graph:isochrone_polygons",
    "major_roads": ".graph:major_roads",
    "max_speed_mps": ".graph:max_speed_mps",
    "population_within_time": ".graph:population_within_time",
    "prepare": ".graph:prepare",
    "prepare_cached": ".graph:prepare_cached",
    "prepare_file": ".graph:prepare_file",
    "route_betweenness": ".graph:route_betweenness",
    "skeleton_graph": ".graph:skeleton_graph",
    "snap": ".graph:snap",
    "time_to_each": ".graph:time_to_each",
    "time_to_nearest": ".graph:time_to_nearest",
    "time_to_nearest_from": ".graph:time_to_nearest_from",
})
