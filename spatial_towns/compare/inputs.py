"""What the alternatives were computed from: input hashes and configuration differences.

Two alternatives are meant to differ in their decision (weights, aggregation, tier rules),
not in the data. A run folder keeps the data as the town table saw it, so each input column
(the towns' identity and location, every criterion measured, the facts read) is hashed per
run; columns whose hashes differ are input differences, reported with the number of towns
whose values differ. Columns the decision layer writes (eligibility, scores, contributions,
tiers, reasons, development types, stability) are not inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import config as config_mod
from .alternatives import Alternative

#: Town-table columns written by the decision layer (scoring, selection, types, robustness).
DECISION_COLUMNS = frozenset({
    "status", "tier", "score", "rank", "reason", "dev_type", "dev_type_label",
    "dev_type_reason", "dev_type_candidates", "cluster", "rank_lo", "rank_hi"})
DECISION_PREFIXES = ("norm_", "contrib_", "p_")
#: Pseudo-column of the hash of the towns' coordinates.
LOCATION = "(location)"


def input_columns(towns: pd.DataFrame) -> list[str]:
    """The town table's input columns (see the module docstring), in table order."""
    return [c for c in towns.columns if c != "geometry" and c not in DECISION_COLUMNS
            and not c.startswith(DECISION_PREFIXES)]


def _canonical(values: pd.Series) -> pd.Series:
    """Values as comparable text, the same for a run read back and a run in memory: numbers
    (and booleans, which the run folder writes as 0/1) by the repr of their float64, which
    round-trips; anything else as text; missing values (None, NaN, NA, and the empty text
    the folder reader writes for them) as empty."""
    if values.dtype == bool or pd.api.types.is_numeric_dtype(values):
        num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        # numpy writes a float64 as its shortest round-trip repr, as Python does
        text = np.where(np.isnan(num), "", num.astype(str))
        return pd.Series(text, index=values.index, dtype=object)
    return values.astype(object).where(values.notna(), "").astype(str)


def _location(alt: Alternative) -> pd.Series:
    geom = alt.towns.geometry
    xy = [("" if g is None or g.is_empty else f"{g.x!r} {g.y!r}") for g in geom]
    return pd.Series(xy, index=alt.towns.index)


def column_hash(text: pd.Series) -> str:
    """SHA-256 of a column's canonical text, in town-code order."""
    text = text.sort_index()
    payload = (text.index.astype(str) + "\t" + text.astype(str)).str.cat(sep="\n")
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def input_values(alt: Alternative) -> dict[str, pd.Series]:
    """Canonical text of every input column of ``alt`` (and its towns' locations)."""
    out = {c: _canonical(alt.towns[c]) for c in input_columns(alt.towns)}
    out[LOCATION] = _location(alt)
    return out


def input_differences(alts: Sequence[Alternative]) -> pd.DataFrame:
    """Input columns that differ from the first alternative's.

    One row per (alternative, column): ``alternative``, ``column``, ``towns_differing``
    (towns whose values differ; every town when the column is in one run only), ``note``,
    ``hash_first`` and ``hash_here`` (the first 12 hex digits of each column's SHA-256,
    ``""`` when the run has no such column). Empty when every alternative was computed from
    the same data.
    """
    first = input_values(alts[0])
    rows = []
    for alt in alts[1:]:
        here = input_values(alt)
        for col in sorted(set(first) | set(here)):
            a, b = first.get(col), here.get(col)
            ha = column_hash(a)[:12] if a is not None else ""
            hb = column_hash(b)[:12] if b is not None else ""
            if ha == hb:
                continue
            if a is None or b is None:
                n = len(alt.towns)
                note = f"only in {alts[0].name if b is None else alt.name}"
            else:
                n = int((a.reindex(b.index) != b).sum())
                note = "values differ"
            rows.append({"alternative": alt.name, "column": col, "towns_differing": n,
                         "note": note, "hash_first": ha, "hash_here": hb})
    return pd.DataFrame(rows, columns=["alternative", "column", "towns_differing", "note",
                                       "hash_first", "hash_here"])


def input_warnings(alts: Sequence[Alternative], diffs: pd.DataFrame) -> list[str]:
    """One warning per alternative computed from other input data than the first."""
    out = []
    for name, d in diffs.groupby("alternative", sort=False):
        cols = "; ".join(f"{r.column} ({r.note}, {r.towns_differing} towns, sha256 "
                         f"{r.hash_first or '-'} vs {r.hash_here or '-'})"
                         for r in d.itertuples())
        out.append(f"{name} was computed from other input data than {alts[0].name} (or other "
                   f"criteria settings): {cols}. Tier changes may come from the data, not the "
                   "decision rules.")
    return out


def _flatten(value, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for k in sorted(value):
            _flatten(value[k], f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for k, v in enumerate(value):
            key = v.get("name") or v.get("column") or str(k)  # tiers by name, criteria by column
            _flatten(v, f"{prefix}[{key}]", out)
    else:
        out[prefix] = "" if value is None else str(value)


def flat_config(cfg: config_mod.Config) -> dict[str, str]:
    """The configuration as ``key path → value`` (tiers keyed by name, criteria by column),
    e.g. ``tiers[provincial].minimums``, ``criteria[dist_rail_km].weight``."""
    out: dict[str, str] = {}
    _flatten(cfg.to_dict(), "", out)
    return out


def config_differences(alts: Sequence[Alternative]) -> pd.DataFrame:
    """Configuration keys whose values differ between the alternatives (the run's name
    aside): index = key path, one column per alternative (``""`` = key absent)."""
    flats = [flat_config(a.cfg) for a in alts]
    keys = sorted(set().union(*flats) - {"run_name"})
    rows = {k: [f.get(k, "") for f in flats] for k in keys}
    diff = {k: v for k, v in rows.items() if len(set(v)) > 1}
    return pd.DataFrame.from_dict(diff, orient="index", columns=[a.name for a in alts])
