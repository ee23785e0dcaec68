"""Road networks: prepared graphs, travel times, accessibility and route betweenness.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "access": ".access",
    "betweenness": ".betweenness",
    "bounded": ".bounded",
    "fetch": ".fetch",
    "graph": ".graph",
    "routing": ".routing",
    "shapes": ".shapes",
    "store": ".store",
    "BLOCK_CELLS": ".bounded:BLOCK_CELLS",
    "CHINA_HWY_SPEEDS_KMH": ".graph:CHINA_HWY_SPEEDS_KMH",
    "MAJOR_CLASSES": ".graph:MAJOR_CLASSES",
    "MAJOR_ROADS_FILTER": ".fetch:MAJOR_ROADS_FILTER",
    "PreparedGraph": ".graph:PreparedGraph",
    "accessibility": ".access:accessibility",
    "as_prepared": ".store:as_prepared",
    "assign_to_nodes": ".access:assign_to_nodes",
    "bounded_times": ".bounded:bounded_times",
    "cache_path": ".store:cache_path",
    "component_labels": ".routing:component_labels",
    "expressway_access_nodes": ".graph:expressway_access_nodes",
    "fetch_roads": ".fetch:fetch_roads",
    "from_arrays": ".graph:from_arrays",
    "gravity_access": ".access:gravity_access",
    "isochrone_polygons": ".shapes:isochrone_polygons",
    "major_roads": ".shapes:major_roads",
    "max_speed_mps": ".bounded:max_speed_mps",
    "population_within_time": ".access:population_within_time",
    "prepare": ".graph:prepare",
    "prepare_cached": ".store:prepare_cached",
    "prepare_file": ".graph:prepare_file",
    "route_betweenness": ".betweenness:route_betweenness",
    "skeleton_graph": ".graph:skeleton_graph",
    "snap": ".routing:snap",
    "time_to_each": ".routing:time_to_each",
    "time_to_nearest": ".routing:time_to_nearest",
    "time_to_nearest_from": ".routing:time_to_nearest_from",
})
