"""Weights from an expert panel (#26): AHP questionnaires in Excel, reading a panel's answers,
group judgement (AIJ/AIP, consistency, revisit suggestions, consensus, bootstrap).

>>> from spatial_towns import config, panel
>>> h = panel.Hierarchy.from_criteria(config.load().criteria)
>>> pw = panel.aggregate(panel.read(["answers.csv"], h))          # doctest: +SKIP
>>> pw.global_weights                                             # doctest: +SKIP
"""

from .answers import CSV_COLUMNS, Judgement, Panel, read, read_csv, read_xlsx
from .group import (
    AGGREGATIONS,
    POLICIES,
    ExpertLevel,
    PanelWeights,
    aggregate,
    bootstrap,
    consensus,
    consensus_word,
)
from .hierarchy import GROUPS, Hierarchy

__all__ = ["AGGREGATIONS", "CSV_COLUMNS", "GROUPS", "POLICIES", "ExpertLevel", "Hierarchy",
           "Judgement", "Panel", "PanelWeights", "aggregate", "bootstrap", "consensus",
           "consensus_word", "read", "read_csv", "read_xlsx"]
