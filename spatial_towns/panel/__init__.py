"""Weights from an expert panel (#26): AHP questionnaires in Excel, reading a panel's answers,
group judgement (AIJ/AIP, consistency, revisit suggestions, consensus, bootstrap).

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).

>>> from spatial_towns import config, panel
>>> h = panel.Hierarchy.from_criteria(config.load().criteria)
>>> pw = panel.aggregate(panel.read(["answers.csv"], h))          # doctest: +SKIP
>>> pw.global_weights                                             # doctest: +SKIP
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "answers": ".answers",
    "configured": ".configured",
    "group": ".group",
    "hierarchy": ".hierarchy",
    "questionnaire": ".questionnaire",
    "scale": ".scale",
    "synthetic": ".synthetic",
    "CSV_COLUMNS": ".answers:CSV_COLUMNS",
    "Judgement": ".answers:Judgement",
    "Panel": ".answers:Panel",
    "read": ".answers:read",
    "read_csv": ".answers:read_csv",
    "read_xlsx": ".answers:read_xlsx",
    "AGGREGATIONS": ".group:AGGREGATIONS",
    "POLICIES": ".group:POLICIES",
    "ExpertLevel": ".group:ExpertLevel",
    "PanelWeights": ".group:PanelWeights",
    "aggregate": ".group:aggregate",
    "bootstrap": ".group:bootstrap",
    "consensus": ".group:consensus",
    "consensus_word": ".group:consensus_word",
    "GROUPS": ".hierarchy:GROUPS",
    "Hierarchy": ".hierarchy:Hierarchy",
})
