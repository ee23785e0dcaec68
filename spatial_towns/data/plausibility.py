"""Implausible values inside one sheet of a facts table.

A prefecture that merges its counties' returns into one sheet may leave one county in 元 under
a header in 万元, a percentage column may mix 0-1 fractions with 0-100 percents, and a count
may carry a negative missing-value code. Between sheets or files such a mix shows as medians
~10^3 apart (:func:`spatial_towns.data.facts` checks that); inside one sheet it shows only
county by county, or as a block of consecutive rows. Each check here takes one column of one
sheet (the values as the run will score them, after any header unit conversion) and returns
:class:`Finding` s; the facts reader turns them into warnings (``--strict`` makes them errors).
Nothing is corrected: which rows are wrong is the planner's call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Groups (a county, a block of rows) whose median is this many times the rest of the sheet's
#: (or as many times smaller) are flagged: 元 against 万元 is 10^4, 千元 against 万元 10^1 is
#: not flagged (real town data within one sheet spans ~10^2 between county medians).
RATIO_WARN = 1e3
#: A row is a candidate member of a block when its value is this far (log10) from the sheet's
#: median; the block is then confirmed by :data:`RATIO_WARN` on its median.
_BLOCK_LOG_CUT = 2.5
#: Fewest rows with a positive value a column needs before groups are compared, and fewest
#: rows the rest of the sheet needs beside a group.
_MIN_ROWS = 4
_MIN_REST = 3

#: Units (substrings) of quantities that are never negative: counts, lengths, areas, densities.
NONNEGATIVE_UNITS = ("个", "人", "户", "家", "所", "处", "项", "座", "名", "村", "间", "床", "辆",
                     "km", "公里", "米", "m²", "平方", "公顷", "亩", "persons", "households")
PERCENT_UNITS = ("%", "％", "百分")


@dataclass(frozen=True)
class Finding:
    """One implausible group of values: where (file, sheet, county, column, rows), what
    (``kind``: ``scale``, ``percent`` or ``negative``) and the suspected units."""

    file: str
    sheet: str
    county: str
    column: str
    rows: tuple[int, ...]
    kind: str
    suspected_unit: str
    detail: str

    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.county:
            parts.append(f"county {self.county}")
        parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return (f"WARNING {self.where()}: {_rows_text(self.rows)} {self.detail}; suspected "
                f"unit: {self.suspected_unit}")


def is_percent(units: str) -> bool:
    """Whether a column's units say percent (``%``, ``％``, ``百分比``)."""
    return any(u in units for u in PERCENT_UNITS)


def is_nonnegative(units: str) -> bool:
    """Whether a column's units are of a quantity that cannot be negative (a count of 个, 人,
    户..., a length, an area, a density)."""
    return any(u in units for u in NONNEGATIVE_UNITS)


def check_column(values: pd.Series, county: pd.Series, *, file: str, sheet: str, column: str,
                 units: str = "", unit_ladder: Mapping[str, float] | None = None
                 ) -> list[Finding]:
    """Every check that applies to one column of one sheet.

    Parameters
    ----------
    values
        The column's numbers as scored (index: the sheet's 1-based row numbers; NaN = missing).
    county
        Each row's county (same index; empty string when unknown).
    file, sheet, column
        Where the values come from, for the messages.
    units
        The column's units (``万元``, ``%``, ``人``; empty when none is known).
    unit_ladder
        Other units of the same dimension as factors of ``units`` (for ``万元``:
        ``{"元": 1e-4, "亿元": 1e4, ...}``): a group ~10^4 times too large is then named as
        probably in ``元``.
    """
    values = values.astype(float)
    county = county.reindex(values.index).fillna("").astype(str)
    out = scale_groups(values, county, file=file, sheet=sheet, column=column, units=units,
                       unit_ladder=unit_ladder or {})
    if is_percent(units):
        out += percent_mix(values, county, file=file, sheet=sheet, column=column)
    if is_nonnegative(units):
        out += negatives(values, county, file=file, sheet=sheet, column=column, units=units)
    return out


def scale_groups(values: pd.Series, county: pd.Series, *, file: str, sheet: str, column: str,
                 units: str, unit_ladder: Mapping[str, float]) -> list[Finding]:
    """Counties, then blocks of consecutive rows, whose median is >= 10^3 times the rest of
    the sheet's (or <= 10^-3): a group in other units (元 under a 万元 header)."""
    pos = values[(values > 0) & np.isfinite(values)]
    if len(pos) < _MIN_ROWS:
        return []
    out: list[Finding] = []
    flagged: set[int] = set()
    for name, grp in pos.groupby(county.reindex(pos.index), sort=True):
        rest = pos.drop(grp.index)
        if not name or len(rest) < _MIN_REST or len(grp) * 2 >= len(pos):
            continue
        ratio = float(grp.median() / rest.median())
        if abs(math.log10(ratio)) >= math.log10(RATIO_WARN):
            out.append(_scale_finding(grp, rest, ratio, str(name), file, sheet, column, units,
                                      unit_ladder))
            flagged |= set(grp.index)
    logs = np.log10(pos.sort_index())
    dev = logs - float(logs.median())
    for sign in (1, -1):
        for block in _runs(list(dev.index), set(dev.index[sign * dev >= _BLOCK_LOG_CUT])):
            if len(block) < 2 or set(block) <= flagged:
                continue
            grp, rest = pos.loc[block], pos.drop(block)
            if len(rest) < _MIN_REST or len(grp) * 2 >= len(pos):
                continue
            ratio = float(grp.median() / rest.median())
            if sign * math.log10(ratio) >= math.log10(RATIO_WARN):
                names = sorted(set(county.reindex(block)) - {""})
                out.append(_scale_finding(grp, rest, ratio, ", ".join(names), file, sheet,
                                          column, units, unit_ladder))
    return out


def _runs(order: list[int], marked: set[int]) -> list[list[int]]:
    """Maximal runs of consecutive marked items of ``order``."""
    runs: list[list[int]] = []
    cur: list[int] = []
    for k in order:
        if k in marked:
            cur.append(k)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def _scale_finding(grp: pd.Series, rest: pd.Series, ratio: float, county: str, file: str,
                   sheet: str, column: str, units: str, unit_ladder: Mapping[str, float]
                   ) -> Finding:
    exponent = math.log10(ratio)
    # Values k times too large are in a unit k times smaller than the header's.
    guess = [u for u, f in unit_ladder.items() if abs(math.log10(f) + exponent) <= 0.5]
    if guess and units:
        suspected = f"{guess[0]} (not {units})"
    elif units:
        suspected = f"a unit ~10^{exponent:+.0f} times smaller than {units}"
    else:
        suspected = "other units than the rest of the sheet (元 vs 万元?)"
    unit = f" {units}" if units else ""
    detail = (f"median {grp.median():,.4g}{unit}, ~10^{exponent:.1f} times the median of the "
              f"sheet's other {len(rest)} rows ({rest.median():,.4g}{unit})")
    return Finding(file, sheet, county, column, tuple(int(i) for i in grp.index), "scale",
                   suspected, detail)


def percent_mix(values: pd.Series, county: pd.Series, *, file: str, sheet: str,
                column: str) -> list[Finding]:
    """Counties of a percentage column given as 0-1 fractions while most rows are 0-100
    percents (or the other way round)."""
    v = values.dropna()
    kinds: dict[str, str] = {}
    for name, grp in v.groupby(county.reindex(v.index), sort=True):
        if not name or (grp < 0).any():
            continue
        if grp.max() <= 1 and (grp > 0).any():
            kinds[str(name)] = "fraction"
        elif grp.median() > 1:
            kinds[str(name)] = "percent"
    rows = {k: int(county.reindex(v.index).eq(k).sum()) for k in kinds}
    n_frac = sum(n for k, n in rows.items() if kinds[k] == "fraction")
    n_pct = sum(n for k, n in rows.items() if kinds[k] == "percent")
    if not n_frac or not n_pct or n_frac == n_pct:
        return []
    minority = "fraction" if n_frac < n_pct else "percent"
    suspected = ("0-1 fractions (the others are 0-100 %: × 100)" if minority == "fraction"
                 else "0-100 % (the others are 0-1 fractions: ÷ 100)")
    out = []
    for name, kind in kinds.items():
        if kind != minority:
            continue
        grp = v[county.reindex(v.index) == name]
        detail = (f"values {grp.min():g}-{grp.max():g} in a percentage column whose other "
                  f"counties' values are mostly {'above 1' if minority == 'fraction' else '0-1'}")
        out.append(Finding(file, sheet, name, column, tuple(int(i) for i in grp.index),
                           "percent", suspected, detail))
    return out


def negatives(values: pd.Series, county: pd.Series, *, file: str, sheet: str, column: str,
              units: str) -> list[Finding]:
    """Negative values of a quantity that cannot be negative, one finding per county."""
    neg = values[values < 0]
    out = []
    for name, grp in neg.groupby(county.reindex(neg.index), sort=True):
        shown = ", ".join(f"{x:g}" for x in grp.head(5))
        detail = (f"negative ({shown}{', ...' if len(grp) > 5 else ''}) but {units} cannot be "
                  "negative (a missing-value code such as -1, or a sign typo?)")
        out.append(Finding(file, sheet, str(name), column, tuple(int(i) for i in grp.index),
                           "negative", f"{units} (a count or size: never below 0)", detail))
    return out


def _rows_text(rows: tuple[int, ...]) -> str:
    """``row 7`` / ``rows 5-9, 12`` (spans of consecutive rows joined)."""
    spans: list[list[int]] = []
    for r in sorted(rows):
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)
    return f"{'row' if len(rows) == 1 else f'{len(rows)} rows'} {text}:"
