"""Presentation: interactive maps, print maps, reports and documents made from a run's data.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "assessment_docx": ".assessment_docx",
    "assessment_report": ".assessment_report",
    "candidates_xlsx": ".candidates_xlsx",
    "compare_docx": ".compare_docx",
    "compare_html": ".compare_html",
    "docx_base": ".docx_base",
    "facts_report": ".facts_report",
    "maps": ".maps",
    "national_map": ".national_map",
    "national_report": ".national_report",
    "panel_report": ".panel_report",
    "printmap": ".printmap",
    "report": ".report",
    "report_docx": ".report_docx",
    "south_china_sea": ".south_china_sea",
    "typemap": ".typemap",
    "types_report": ".types_report",
    "CJKFontWarning": ".printmap:CJKFontWarning",
})
