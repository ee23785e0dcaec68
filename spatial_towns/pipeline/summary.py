"""Per-county figures of a run (the county layer of ``towns.gpkg`` and the map's choropleth)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .. import columns


def county_summary(towns: pd.DataFrame, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add per-county indicators to ``counties``.

    ``best_score`` and ``mean_score`` (of the county's scored towns, points out of 100; NaN
    when none is scored), ``n_selected`` (towns in any tier) and, when the towns carry it,
    ``border_area`` (1 if the county's towns are flagged as border area; a county property
    copied to each town by :mod:`spatial_towns.criteria`).
    """
    g = towns.groupby(columns.COUNTY_CODE)
    out = counties.copy()
    out["best_score"] = out[columns.COUNTY_CODE].map(g[columns.SCORE].max()).astype(float)
    out["mean_score"] = out[columns.COUNTY_CODE].map(g[columns.SCORE].mean()).astype(float)
    nsel = g[columns.TIER].apply(lambda s: int((s != "").sum()))
    out["n_selected"] = out[columns.COUNTY_CODE].map(nsel).fillna(0).astype(int)
    if columns.BORDER_AREA in towns:
        flag = pd.to_numeric(towns[columns.BORDER_AREA], errors="coerce").groupby(
            towns[columns.COUNTY_CODE]).max()
        out[columns.BORDER_AREA] = out[columns.COUNTY_CODE].map(flag).fillna(0).astype(int)
    return out
