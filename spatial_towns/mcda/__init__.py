"""Multi-criteria decision analysis: criterion normalisation, weights, aggregation, scoring,
the tier selection model and its sensitivity.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "aggregation": ".aggregation",
    "normalise": ".normalise",
    "scoring": ".scoring",
    "selection": ".selection",
    "sensitivity": ".sensitivity",
    "weights": ".weights",
    "Scorer": ".scoring:Scorer",
    "UsedCriterion": ".scoring:UsedCriterion",
    "SelectionResult": ".selection:SelectionResult",
    "TierSelection": ".selection:TierSelection",
    "Robustness": ".sensitivity:Robustness",
    "ScoreFn": ".sensitivity:ScoreFn",
    "ScoreManyFn": ".sensitivity:ScoreManyFn",
    "AHPResult": ".weights:AHPResult",
    "Revisit": ".weights:Revisit",
    "WeightsUsed": ".weights:WeightsUsed",
})
