"""Where things are in a questionnaire workbook (shared by the writer and the reader)."""

from __future__ import annotations

import re

#: Hidden sheet naming the expert, the criteria list and which sheet holds which level.
META = "_meta"
FORMAT = "spatial_towns AHP questionnaire 1"
INSTRUCTIONS = "说明"
#: Header row of a level sheet; the pairs follow, one a row.
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
COL_NO, COL_A, COL_B, COL_ANSWER, COL_VALUE, COL_KEY_A, COL_KEY_B = 1, 2, 3, 4, 5, 6, 7
#: First column of the live calculation block (matrix, weights, consistency).
COL_CALC = 9
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def level_sheet(level: str, index: int) -> str:
    """Sheet title of a level: ``1 准则组`` for the groups, ``2.<k> <group>`` within a group
    (Excel: at most 31 characters, none of []:*?/\\)."""
    if index == 0:
        return "1 准则组"
    safe = _FORBIDDEN.sub("_", level)
    return f"2.{index} {safe}"[:31]
