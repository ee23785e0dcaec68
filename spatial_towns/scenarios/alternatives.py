"""The alternatives (方案) of a comparison: runs read from their folders or taken as results.

A what-if saved scenario is a run folder too (:meth:`spatial_towns.whatif.WhatIf.save_scenario`),
so anything :func:`spatial_towns.pipeline.read_run` reads can be compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj

from .. import columns, errors
from .. import config as config_mod
from ..pipeline import records, runfolder

#: How many town codes an error message names before "and N more".
NAMED = 8


@dataclass
class Alternative:
    """One compared run (方案).

    ``towns`` is the run's town table indexed by town code (WGS84, every input town),
    ``counties`` its county layer, ``cfg`` the configuration it used, ``crs`` its metric CRS,
    ``source`` the folder it was read from (``None`` for an in-memory result)."""

    name: str
    towns: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    cfg: config_mod.Config
    crs: pyproj.CRS
    source: Path | None = None

    @property
    def tier(self) -> pd.Series:
        """Tier name per town, ``""`` for none."""
        return self.towns[columns.TIER].fillna("").astype(str)

    @property
    def eligible(self) -> pd.Series:
        """Towns that were scored (eligible, with a score)."""
        return ((self.towns[columns.STATUS] == columns.ELIGIBLE)
                & self.towns[columns.SCORE].notna())


RunLike = str | Path | records.RunResult | runfolder.RunFolder


def load(runs: Sequence[RunLike], *, names: Sequence[str] | None = None) -> list[Alternative]:
    """Read each run (a run folder path, a :class:`~spatial_towns.pipeline.RunResult` or a
    :class:`~spatial_towns.pipeline.RunFolder`) as an :class:`Alternative`.

    ``names`` label the alternatives in tables and maps (default: each run's folder name,
    or its ``run_name``). Raises :class:`~spatial_towns.errors.ConfigError` when fewer than
    two runs are given or the names do not fit, and
    :class:`~spatial_towns.errors.InputDataError` when the runs are not on the same towns.
    """
    runs = list(runs)
    if len(runs) < 2:
        raise errors.ConfigError(f"compare needs at least two runs, got {len(runs)}")
    read = [_read(r) for r in runs]
    labels = _names(read, names)
    alts = [Alternative(name=n, towns=t, counties=c, cfg=cfg, crs=crs, source=src)
            for n, (t, c, cfg, crs, src) in zip(labels, read, strict=True)]
    check_same_towns(alts)
    return alts


def _read(run: RunLike) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, config_mod.Config,
                                 pyproj.CRS, Path | None]:
    if isinstance(run, str | Path):
        run = runfolder.read_run(run)
    if not isinstance(run, records.RunResult | runfolder.RunFolder):
        raise errors.ConfigError(
            f"compare takes run folders or run results, not {type(run).__name__}")
    towns = run.towns.copy()
    towns[columns.CODE] = towns[columns.CODE].astype(str)
    dup = towns[columns.CODE][towns[columns.CODE].duplicated()]
    where = run.output_dir or run.cfg.run_name
    if len(dup):
        raise errors.InputDataError(
            f"run {where}: town code(s) {', '.join(sorted(set(dup))[:NAMED])} appear more than "
            "once in its town table")
    return towns.set_index(columns.CODE, drop=False), run.counties, run.cfg, run.crs, run.output_dir


def _names(read: list, names: Sequence[str] | None) -> list[str]:
    if names is not None:
        names = [str(n).strip() for n in names]
        if len(names) != len(read):
            raise errors.ConfigError(
                f"{len(names)} name(s) given ({', '.join(names)}) for {len(read)} runs; give "
                "one name per run, in the same order")
    else:
        names = [src.name if src is not None else cfg.run_name for *_, cfg, _, src in read]
        if len(set(names)) < len(names):  # same folder names under different parents
            names = [f"{n} ({k + 1})" for k, n in enumerate(names)]
    empty = [k + 1 for k, n in enumerate(names) if not n]
    if empty:
        raise errors.ConfigError(f"the name of run {empty[0]} is empty")
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise errors.ConfigError(f"alternative name(s) {', '.join(dups)} given more than once; "
                                 "each run needs its own name")
    return names


def _listed(codes: list[str], towns: pd.DataFrame) -> str:
    shown = [f"{c} {towns.at[c, columns.NAME]}" for c in codes[:NAMED]]
    more = f" and {len(codes) - NAMED} more" if len(codes) > NAMED else ""
    return ", ".join(shown) + more


def check_same_towns(alts: Sequence[Alternative]) -> None:
    """Raise :class:`~spatial_towns.errors.InputDataError` naming the towns one run has and
    the first lacks (and the other way round): alternatives are compared town by town."""
    first = alts[0]
    base = set(first.towns.index)
    for alt in alts[1:]:
        here = set(alt.towns.index)
        if here == base:
            continue
        extra, missing = sorted(here - base), sorted(base - here)
        parts = []
        if extra:
            parts.append(f"has {len(extra)} town(s) {first.name} lacks: "
                         f"{_listed(extra, alt.towns)}")
        if missing:
            parts.append(f"lacks {len(missing)} town(s) of {first.name}: "
                         f"{_listed(missing, first.towns)}")
        raise errors.InputDataError(
            f"runs on different town sets cannot be compared: {alt.name} "
            f"({len(here)} towns) " + "; ".join(parts) + f" (against {first.name}, {len(base)} towns)")
