"""What-if explorer: re-run the scoring and selection with other weights (and its widget).

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "explorer": ".explorer",
    "widget": ".widget",
    "FOCUS_CRITERIA": ".explorer:FOCUS_CRITERIA",
    "QUOTA_FIELDS": ".explorer:QUOTA_FIELDS",
    "Scenario": ".explorer:Scenario",
    "Update": ".explorer:Update",
    "WhatIf": ".explorer:WhatIf",
    "DOWN_COLOUR": ".widget:DOWN_COLOUR",
    "Explorer": ".widget:Explorer",
    "UP_COLOUR": ".widget:UP_COLOUR",
    "explore": ".widget:explore",
})
