"""spatial_towns: choose and re-evaluate rural-revitalisation demonstration towns.

Families (subpackages, each with a door exporting its public names): :mod:`util` (plumbing),
:mod:`data` (inputs), :mod:`network`, :mod:`criteria`, :mod:`typology` (development types),
:mod:`mcda` (normalisation, weights, scoring, selection), :mod:`pipeline` (the run),
:mod:`assessment`, :mod:`calibration`, :mod:`whatif` (what-if explorer: :func:`explore`),
:mod:`national`, :mod:`render` (maps and reports); top level: :mod:`config`, :mod:`errors`,
:mod:`cli`.

This door is lazy: ``import spatial_towns`` imports nothing heavy until a name is used.
"""

from .util.lazy import attach

# The modules' names before the families (README, notebooks and scripts written against them
# keep working): old name -> new module.
_OLD_NAMES = {
    "io": ".data.io", "datasets": ".data.datasets", "facts": ".data.facts",
    "matching": ".data.matching", "template": ".data.template", "_coords": ".data.coords",
    "_cache": ".util.cache", "_forked": ".util.forked", "_geometry": ".util.geometry",
    "_roadfiles": ".network._roadfiles", "types": ".typology.devtypes",
    "transforms": ".mcda.normalise", "weights": ".mcda.weights", "aggregation": ".mcda.aggregation",
    "scoring": ".mcda.scoring", "selection": ".mcda.selection", "sensitivity": ".mcda.sensitivity",
    "_ledger": ".assessment.ledger", "calibrate": ".calibration.calibrate",
    "validate": ".calibration.backtest", "_metrics": ".calibration._metrics",
    "_whatif_widget": ".whatif.widget", "maps": ".render.maps", "plot": ".render.printmap",
    "report": ".render.report", "_assessment_report": ".render.assessment_report",
}

__getattr__, __dir__, _public = attach(__name__, {
    "config": ".config", "errors": ".errors", "cli": ".cli",
    "util": ".util", "data": ".data", "network": ".network", "criteria": ".criteria",
    "typology": ".typology", "mcda": ".mcda", "pipeline": ".pipeline", "assessment": ".assessment",
    "calibration": ".calibration", "whatif": ".whatif", "national": ".national", "render": ".render",
    "run": ".pipeline.stages:run", "Inputs": ".pipeline.records:Inputs",
    "RunResult": ".pipeline.records:RunResult", "explore": ".whatif.widget:explore",
    "compare": ".scenarios.comparison:compare",
    **_OLD_NAMES,
})
__all__ = ["config", "errors", "run", "explore", "compare", "Inputs", "RunResult"]
__version__ = "0.1.0"
