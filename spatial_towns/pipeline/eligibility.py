"""Eligibility rules: which towns may be scored (kind, location, nomination), and which
eligible towns cannot be (a missing value of a scored criterion, a hard constraint). Each
excluded town keeps the reason."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .. import columns
from .. import config as config_mod
from ..mcda import normalise as transforms
from ..mcda import scoring


def base_eligible(towns: gpd.GeoDataFrame, cfg: config_mod.Config) -> pd.Series:
    """Towns eligible by location and kind (and nomination, when given), before criteria."""
    return town_status(towns, cfg)[0] == "eligible"


def town_status(towns: gpd.GeoDataFrame, cfg: config_mod.Config) -> tuple[pd.Series, pd.Series]:
    """Each town's status (``"eligible"`` or ``"excluded"``) and the reason of an exclusion:
    by kind, then location, then nomination."""
    status = pd.Series("eligible", index=towns.index, dtype=object)
    reason = pd.Series("", index=towns.index, dtype=object)

    def exclude(mask: pd.Series, why: str) -> None:
        m = mask & (status == "eligible")
        status[m] = "excluded"
        reason[m] = "excluded: " + why

    # Kind first, then location: the report can then say how many designated towns lack a
    # seat point.
    kinds = "/".join(cfg.eligible_kinds)
    if columns.LIST_2023 in towns:
        exclude(towns[columns.LIST_2023] == "absent",
                "not in the 2023 township list (merged or abolished since 2016)")
        was = (towns[columns.KIND_2016].isin(cfg.eligible_kinds)
               & ~towns[columns.KIND].isin(cfg.eligible_kinds))
        for k in sorted(set(towns.loc[was, columns.KIND])):
            exclude(was & (towns[columns.KIND] == k),
                    f"a {k} in the 2023 township list, no longer a designated town "
                    f"(eligible kinds: {kinds})")
    exclude(~towns[columns.KIND].isin(cfg.eligible_kinds),
            f"not a designated town (eligible kinds: {kinds})")
    no_point = towns.geometry.isna() | towns.geometry.is_empty
    if columns.LIST_2023 in towns:
        exclude(no_point & (towns[columns.LIST_2023] == "new"),
                "no seat coordinates (new in the 2023 township list; no 2016 seat point)")
    exclude(no_point, "no seat coordinates in the source, and none in the seat supplement "
                      "(no GeoNames place of its name, no built-up village unit with a point)"
            if columns.SEAT_SOURCE in towns else "no seat coordinates in the source")
    exclude(towns[columns.COUNTY_CODE].isna(), "outside every county of the boundary layer")
    if columns.NOMINATED in towns:  # set from the nominations of the facts tables (facts module)
        exclude(~towns[columns.NOMINATED].astype(bool), "not nominated by its county")
    return status, reason


def lacking(table: pd.DataFrame, eligible: pd.Series, used: list) -> pd.Series:
    """Scored columns (space-separated) each eligible town has no value for; ``""`` when it
    has them all. Such a town cannot be scored and is excluded with that reason."""
    missing = pd.Series("", index=table.index, dtype=object)
    for u in used:
        if u.column:
            gap = eligible & table[u.column].isna()
            missing[gap] = missing[gap] + f"{u.column} "
    return missing.str.strip()


def exclude_unscorable(table: pd.DataFrame, status: pd.Series, reason: pd.Series,
                        cfg: config_mod.Config) -> list:
    """Exclude (in place, with the reason) eligible towns lacking a value of a scored
    criterion or violating a hard constraint; return the criteria that will be scored."""
    eligible = status == "eligible"
    used = scoring.resolve(table, eligible, cfg.criteria)
    missing = lacking(table, eligible, used)
    lacks = missing != ""
    reason[lacks] = "excluded: no value for " + missing[lacks]
    if columns.NETWORK_FLAG in table:
        flagged = lacks & (table[columns.NETWORK_FLAG].fillna("") != "")
        reason[flagged] = reason[flagged] + " (" + table.loc[flagged, columns.NETWORK_FLAG] + ")"
    status[lacks] = "excluded"
    eligible = status == "eligible"
    violated = transforms.constraint_reasons(table, eligible, cfg.criteria)
    hit = violated != ""
    reason[hit] = "excluded: " + violated[hit]
    status[hit] = "excluded"
    return used
