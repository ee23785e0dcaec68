"""Inputs: readers of the input layers and tables, the embedded datasets, town facts, the town
matcher, the county template and coordinate conversion (GCJ-02/BD-09 to WGS84).

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "coords": ".coords",
    "datasets": ".datasets",
    "facts": ".facts",
    "io": ".io",
    "matching": ".matching",
    "plausibility": ".plausibility",
    "template": ".template",
    "FactsTable": ".facts:FactsTable",
    "FactsUsed": ".facts:FactsUsed",
    "Sheet": ".facts:Sheet",
    "CodeResolver": ".matching:CodeResolver",
    "Reference": ".matching:Reference",
    "Finding": ".plausibility:Finding",
})
