"""Criterion indicators of each town (distances, travel times, population, ...).

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "indicators": ".indicators",
    "Layers": ".indicators:Layers",
    "UNITS": ".indicators:UNITS",
    "compute": ".indicators:compute",
    "isochrone_column": ".indicators:isochrone_column",
    "metro_core": ".indicators:metro_core",
    "nearest_km": ".indicators:nearest_km",
    "own_km": ".indicators:own_km",
    "own_seat": ".indicators:own_seat",
    "population_within": ".indicators:population_within",
    "raster_cells": ".indicators:raster_cells",
    "region_access": ".indicators:region_access",
    "region_column": ".indicators:region_column",
})
