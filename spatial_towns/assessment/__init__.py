"""Annual re-evaluation of designated towns and the designation ledger.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "assessment": ".assessment",
    "ledger": ".ledger",
    "AssessmentResult": ".assessment:AssessmentResult",
    "EVENT_ORDER": ".assessment:EVENT_ORDER",
    "Indicators": ".assessment:Indicators",
    "META_COLUMNS": ".assessment:META_COLUMNS",
    "SPATIAL": ".assessment:SPATIAL",
    "YearlyAssessment": ".assessment:YearlyAssessment",
    "assess": ".assessment:assess",
    "code_crosswalk": ".assessment:code_crosswalk",
    "crosswalk_2016_2023": ".assessment:crosswalk_2016_2023",
    "read_indicators": ".assessment:read_indicators",
    "synthetic_indicators": ".assessment:synthetic_indicators",
    "write_outputs": ".assessment:write_outputs",
    "Ledger": ".ledger:Ledger",
    "SCHEMA": ".ledger:SCHEMA",
    "SCHEMA_VERSION": ".ledger:SCHEMA_VERSION",
    "TOWN_FIELDS": ".ledger:TOWN_FIELDS",
    "append": ".ledger:append",
    "dumps": ".ledger:dumps",
    "header_line": ".ledger:header_line",
    "lines_sha256": ".ledger:lines_sha256",
    "read": ".ledger:read",
    "to_frame": ".ledger:to_frame",
})
