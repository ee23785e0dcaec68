"""What the alternatives were computed from: input hashes and configuration differences.

Two alternatives are meant to differ in their decision (weights, aggregation, tier rules),
not in the data. Two records say what data a run used:

- its input files: ``run.json`` lists every file the run read with its SHA-256 (the
  planner's layers and tables, the embedded data); the files of each role are compared by
  their hashes, whatever their paths (the config file itself is a decision, compared as
  configuration);
- the data as the town table saw it: each input column (the towns' identity and location,
  every criterion measured, the facts read) is hashed per run, and a column whose hashes
  differ is reported with the number of towns whose values differ. This also catches what no
  file hash shows (criteria settings such as travel speeds) and works on run folders written
  before ``run.json`` existed. Columns the decision stages write (eligibility, scores,
  contributions, development types, tiers, reasons, stability) are not inputs: which stage
  writes a column is said by its owner, :mod:`spatial_towns.columns`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import columns, errors
from .. import config as config_mod
from ..pipeline.runrecord import RUN_JSON
from .alternatives import Alternative

#: The stages (:data:`spatial_towns.columns.STAGES`) whose columns hold input data: the towns
#: layer, the criteria measured from it and the facts tables. Later stages are decisions.
INPUT_STAGES = ("ingest", "criteria", "facts")
#: Pseudo-column of the hash of the towns' coordinates.
LOCATION = "(location)"


def input_columns(alt: Alternative) -> list[str]:
    """The town table's input columns, in table order: those the column owner
    (:func:`spatial_towns.columns.describe`) says an input stage writes, the point aside
    (hashed as :data:`LOCATION`). A column no stage owns is kept: unknown data is compared
    rather than ignored."""
    table = [(c.column, c.units) for c in alt.cfg.criteria if c.source == "table"]
    out = []
    for name in alt.towns.columns:
        col = columns.describe(name, table)
        if name != columns.GEOMETRY and (col is None or col.stage in INPUT_STAGES):
            out.append(name)
    return out


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
    out = {c: _canonical(alt.towns[c]) for c in input_columns(alt)}
    out[LOCATION] = _location(alt)
    return out


#: Roles of run.json's inputs that are not data (the config file: compared as configuration).
NOT_DATA = ("config",)


def input_files(alt: Alternative) -> dict[str, dict[str, str]] | None:
    """The data files ``alt``'s run read, from its folder's ``run.json``: role → {file name →
    SHA-256}; None for a run without one (in memory, or written before run.json existed)."""
    if alt.source is None or not (Path(alt.source) / RUN_JSON).is_file():
        return None
    path = Path(alt.source) / RUN_JSON
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        out: dict[str, dict[str, str]] = {}
        for item in record["inputs"]:
            if item["role"] not in NOT_DATA:
                out.setdefault(item["role"], {})[Path(item["path"]).name] = item["sha256"] or ""
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise errors.InputDataError(f"{path}: not a run record ({type(exc).__name__}: {exc}); "
                                    "re-run the pipeline to write it again") from None
    return out


def _files_hash(files: dict[str, str]) -> str:
    return hashlib.sha256("\n".join(sorted(files.values())).encode()).hexdigest()[:12]


def _file_rows(first: Alternative, alt: Alternative) -> list[dict]:
    """Roles whose files' hashes differ between the two runs' run.json (none when either run
    has no run.json)."""
    a, b = input_files(first), input_files(alt)
    if a is None or b is None:
        return []
    rows = []
    for role in sorted(set(a) | set(b)):
        fa, fb = a.get(role, {}), b.get(role, {})
        if sorted(fa.values()) == sorted(fb.values()):
            continue  # the same files, wherever they were
        if not fa or not fb:
            note = f"only in {first.name if fb == {} else alt.name}"
        else:
            named = sorted(n for n in set(fa) | set(fb) if fa.get(n) != fb.get(n))
            note = "differ: " + ", ".join(named)
        rows.append({"alternative": alt.name, "column": f"file: {role}",
                     "towns_differing": pd.NA, "note": note,
                     "hash_first": _files_hash(fa) if fa else "",
                     "hash_here": _files_hash(fb) if fb else ""})
    return rows


def input_differences(alts: Sequence[Alternative]) -> pd.DataFrame:
    """Input files and columns that differ from the first alternative's.

    One row per (alternative, input): ``alternative``, ``column`` (a town-table column, or
    ``file: <role>`` for run.json's input files of a role), ``towns_differing`` (towns whose
    values differ, every town when the column is in one run only; NA for files), ``note``,
    ``hash_first`` and ``hash_here`` (the first 12 hex digits of the column's SHA-256, or of
    the role's files' hashes; ``""`` when the run has none). Empty when every alternative was
    computed from the same data.
    """
    first = input_values(alts[0])
    rows = []
    for alt in alts[1:]:
        rows += _file_rows(alts[0], alt)
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
        cols = "; ".join(f"{r.column} ({r.note}, "
                         + ("" if pd.isna(r.towns_differing) else f"{r.towns_differing} towns, ")
                         + f"sha256 {r.hash_first or '-'} vs {r.hash_here or '-'})"
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
