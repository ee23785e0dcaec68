"""Presentation: interactive maps, print maps, reports and documents made from a run's data.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "assessment_report": ".assessment_report",
    "docx_base": ".docx_base",
    "maps": ".maps",
    "printmap": ".printmap",
    "report": ".report",
    "CJKFontWarning": ".printmap:CJKFontWarning",
})
