"""Development types of the towns (rule-based classification and clustering).

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "devtypes": ".devtypes",
    "Clustering": ".devtypes:Clustering",
})
