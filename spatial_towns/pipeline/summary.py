"""Per-county figures of a run (the county layer of ``towns.gpkg`` and the map's choropleth)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def county_summary(towns: pd.DataFrame, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add per-county indicators to ``counties``.

    ``best_score`` and ``mean_score`` (of the county's scored towns, points out of 100; NaN
    when none is scored), ``n_selected`` (towns in any tier) and, when the towns carry it,
    ``border_area`` (1 if the county's towns are flagged as border area; a county property
    copied to each town by :mod:`spatial_towns.criteria`).
    """
    g = towns.groupby("county_code")
    out = counties.copy()
    out["best_score"] = out["county_code"].map(g["score"].max()).astype(float)
    out["mean_score"] = out["county_code"].map(g["score"].mean()).astype(float)
    nsel = g["tier"].apply(lambda s: int((s != "").sum()))
    out["n_selected"] = out["county_code"].map(nsel).fillna(0).astype(int)
    if "border_area" in towns:
        flag = pd.to_numeric(towns["border_area"], errors="coerce").groupby(towns["county_code"]).max()
        out["border_area"] = out["county_code"].map(flag).fillna(0).astype(int)
    return out
