"""The designation ledger: every designated town's tier by year, append-only, JSON Lines.

File layout (UTF-8, one JSON object per line, keys sorted)::

    {"kind": "header", "schema": "spatial_towns.designation_ledger", "schema_version": 1}
    {"kind": "town", "year": 2023, "code": ..., "tier_before": ..., "tier": ..., "events": [...], ...}
    ...                                   (one line per town designated in that year)
    {"kind": "year", "year": 2023, "n_towns": 120, "towns_sha256": ..., "inputs": {...}, ...}

A year's town lines are closed by its ``year`` line, which carries their count and SHA-256;
a year without a closing line, or whose lines do not hash to it, is a damaged ledger and is
refused with the line number. Writes go through :func:`spatial_towns.io.atomic_write` (temp
file + ``os.replace``), so an interrupted run leaves the previous ledger untouched, and a new
year is only ever appended after the bytes already there.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import errors
from ..data import io

SCHEMA = "spatial_towns.designation_ledger"
SCHEMA_VERSION = 1

TOWN_FIELDS = ["year", "code", "code_reported", "name", "county_code", "county_name",
               "prefecture_code", "prefecture_name", "tier_before", "tier", "events", "reason",
               "score", "rank", "spatial_score"]


def dumps(obj: dict) -> str:
    """One canonical JSON line (sorted keys, Chinese kept as UTF-8, no trailing spaces)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def header_line() -> str:
    return dumps({"kind": "header", "schema": SCHEMA, "schema_version": SCHEMA_VERSION})


def lines_sha256(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass
class Ledger:
    """A ledger as read from disk. ``towns`` has one row per (year, town); ``years`` maps a
    year to its closing record and ``town_lines`` to its raw lines (for idempotence checks)."""

    path: Path
    raw: bytes = b""
    towns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TOWN_FIELDS))
    years: dict[int, dict] = field(default_factory=dict)
    town_lines: dict[int, list[str]] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return bool(self.raw)

    def assessed_years(self) -> list[int]:
        return sorted(self.years)

    def before(self, year: int) -> Ledger:
        """The ledger as it stood before ``year`` was appended (for re-runs of that year)."""
        keep = [y for y in self.years if y < year]
        towns = self.towns[self.towns["year"] < year].reset_index(drop=True)
        return Ledger(self.path, self.raw, towns, {y: self.years[y] for y in keep},
                      {y: self.town_lines[y] for y in keep})

    def state(self) -> pd.DataFrame:
        """The designation after the last year: one row per town with a tier."""
        if not self.years:
            return self.towns.iloc[0:0]
        last = self.towns[self.towns["year"] == max(self.years)]
        return last[last["tier"] != ""].set_index("code", drop=False)


def read(path: str | Path) -> Ledger:
    """Read and verify a ledger; a missing file is an empty ledger.

    Raises
    ------
    spatial_towns.errors.InputDataError
        Unknown schema or version, a malformed line, a year without its closing record, or
        town lines that do not match the recorded count or SHA-256 (each names the line).
    """
    path = Path(path)
    if not path.exists():
        return Ledger(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise errors.InputDataError(f"ledger {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise errors.InputDataError(f"ledger {path}: not UTF-8 text; not a spatial_towns ledger") from None
    if not text.endswith("\n"):
        raise errors.InputDataError(f"ledger {path}: last line is incomplete (damaged file); "
                                    "restore it from a backup")
    lines = text[:-1].split("\n")
    try:
        head = json.loads(lines[0])
    except json.JSONDecodeError:
        head = {}
    if head.get("schema") != SCHEMA:
        raise errors.InputDataError(f"ledger {path}: line 1 is not a {SCHEMA} header")
    if head.get("schema_version") != SCHEMA_VERSION:
        raise errors.InputDataError(
            f"ledger {path}: schema_version {head.get('schema_version')!r} is not supported "
            f"(this spatial_towns reads version {SCHEMA_VERSION})")
    rows: list = []
    years: dict = {}
    town_lines: dict = {}
    pending: list = []
    for no, line in enumerate(lines[1:], start=2):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise errors.InputDataError(f"ledger {path}: line {no} is not JSON ({exc.msg})") from None
        kind = rec.get("kind")
        if kind == "town":
            if years and rec.get("year", 0) <= max(years):
                raise errors.InputDataError(
                    f"ledger {path}: line {no} is for year {rec.get('year')}, not after the "
                    f"closed year {max(years)}")
            pending.append(line)
            rows.append({k: rec.get(k) for k in TOWN_FIELDS})
        elif kind == "year":
            y = rec.get("year")
            mine = [ln for ln in pending if json.loads(ln)["year"] == y]
            if len(mine) != len(pending) or len(mine) != rec.get("n_towns"):
                raise errors.InputDataError(
                    f"ledger {path}: year record on line {no} ({y}) expects "
                    f"{rec.get('n_towns')} town lines, found {len(mine)} for that year and "
                    f"{len(pending) - len(mine)} for others")
            if lines_sha256(mine) != rec.get("towns_sha256"):
                raise errors.InputDataError(
                    f"ledger {path}: the {y} town lines do not match the SHA-256 recorded on "
                    f"line {no}; the ledger was edited or damaged")
            years[y] = rec
            town_lines[y] = mine
            pending = []
        else:
            raise errors.InputDataError(f"ledger {path}: line {no} has unknown kind {kind!r}")
    if pending:
        raise errors.InputDataError(
            f"ledger {path}: {len(pending)} town lines after the last closed year have no year "
            "record (damaged file); restore it from a backup")
    towns = pd.DataFrame(rows, columns=TOWN_FIELDS)
    return Ledger(path, raw, towns, years, town_lines)


def append(ledger: Ledger, town_lines: list[str], year_record: dict) -> Path:
    """Append one year (its town lines and closing record) atomically.

    The file must still hold exactly the bytes read into ``ledger`` (else another process
    changed it meanwhile and nothing is written).
    """
    path = ledger.path
    current = path.read_bytes() if path.exists() else b""
    if current != ledger.raw:
        raise errors.OutputError(f"ledger {path} changed on disk since it was read; re-run")
    prefix = ledger.raw.decode("utf-8") if ledger.raw else header_line() + "\n"
    body = "".join(ln + "\n" for ln in town_lines) + dumps(year_record) + "\n"
    return io.atomic_write(path, lambda p: _write_bytes(p, (prefix + body).encode("utf-8")))


def _write_bytes(path: Path, data: bytes) -> None:
    # A plain write; atomic_write renames it into place only after it returned.
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()


def to_frame(ledger: Ledger) -> pd.DataFrame:
    """The ledger's town rows as a flat table (``events`` joined with ``;``)."""
    t = ledger.towns.copy()
    t["events"] = t["events"].map(lambda e: ";".join(e or []))
    return t
