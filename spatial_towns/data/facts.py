"""Town facts tables: the towns' own data (population, output, enterprises...) as criteria.

A facts table is what the counties submit (由市(州)组织各县(市、区)上报候选示范镇基本情况): one
row per town, keyed by town code (9 or 12 digits, 2016 or 2023 list) or by name and county,
with one column per fact. It may be a CSV (UTF-8 or GBK), an XLSX workbook with several
sheets (one per prefecture or county; a sheet named after a county stands for the county of
its name-only rows), or GeoPackage / Parquet attributes, all read by :func:`.io.read_table`.
Spreadsheets as offices make them are expected: a title above the header (merged cells), a
units row under it or units in the header (``产值(万元)``), thousands separators, full-width
digits, ``—`` / ``无`` / blank for missing.

A criterion reads a column with ``source = "table"`` in the config::

    [[criteria]]
    column = "industry_output"      # the header (or the label, units stripped)
    label = "镇域产业产值"
    source = "table"
    units = "万元"                  # a header in 元 or 亿元 is converted, and said so
    direction = "benefit"
    transform = "log"
    missing = "county_median"        # or "exclude" / "zero": always explicit
    weight = 0.1

Every row of every table is accounted for (:attr:`FactsTable.rows`: matched, unmatched or
ambiguous with the reason, see :mod:`.matching`); a town imputed by the missing-value policy
says so in its reason. The embedded Jilin facts table (``data_raw/jilin_town_facts.csv``,
when present) is read the same way for runs on the embedded data; a planner's file wins for
any column it also has.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import columns, errors
from .. import config as config_mod
from . import datasets, io, matching, plausibility

EMBEDDED = "jilin_town_facts.csv"
OTHER_PROVINCE = "other province"
#: Header names of the key columns (compared after :func:`header_key`).
CODE_HEADERS = ("code", "town_code", "编码", "代码", "区划代码", "统计用区划代码", "乡镇代码",
                "镇代码", "行政区划代码")
NAME_HEADERS = ("name", "town", "town_name", "名称", "镇", "乡镇", "乡镇名称", "镇名称",
                "镇名", "乡镇(街道)", "镇(乡)", "乡镇街道")
COUNTY_HEADERS = ("county", "county_name", "county_code", "县", "县(市、区)", "区县", "县市区",
                  "所属县(市、区)", "县(市,区)", "县市区名称", "所属县")
NOMINATED_HEADERS = ("nominated", "是否推荐", "推荐", "是否提名", "提名", "是否申报", "申报")
#: Cells that mean "no value" (compared after NFKC and stripping).
MISSING_MARKERS = frozenset({"", "-", "—", "——", "–", "－", "/", "\\", "无", "空", "暂无",
                             "不详", "na", "n/a", "nan", "null", "none", "#n/a", "x", "×"})
#: Scales of units a header may state, by dimension (a header in 元 for a criterion in 万元
#: is divided by 10,000).
UNIT_SCALES = {"元": ("money", 1.0), "千元": ("money", 1e3), "万元": ("money", 1e4),
               "亿元": ("money", 1e8), "人": ("persons", 1.0), "万人": ("persons", 1e4),
               "户": ("households", 1.0), "万户": ("households", 1e4),
               "平方米": ("area", 1e-6), "m²": ("area", 1e-6), "公顷": ("area", 1e-2),
               "平方公里": ("area", 1.0), "km²": ("area", 1.0), "亩": ("area", 1 / 1500.0)}
#: Sheets or files whose medians of one column differ by this factor or more are flagged
#: (元 against 万元 is 10^4).
MEDIAN_RATIO_WARN = 1000.0
_HEADER_SCAN_ROWS = 20
_UNIT = re.compile(r"^(.*?)[(\[【]\s*(?:单位[:：]?)?\s*([^)\]】]*)[)\]】]\s*$")
_YES = frozenset({"是", "yes", "y", "true", "1", "√", "✓", "推荐", "提名"})
_NO = frozenset({"否", "no", "n", "false", "0", "不推荐", "未推荐"})


def header_key(text: object) -> str:
    """A header cell in comparable form: NFKC, no whitespace, lower case, units removed
    (``产值(万元)`` → ``产值``)."""
    return split_header(text)[0]


def split_header(text: object) -> tuple[str, str]:
    """(key, units) of a header cell: ``"产值（万元）"`` → ``("产值", "万元")``."""
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return "", ""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    m = _UNIT.match(s)
    if m and m.group(1):
        return m.group(1).lower(), m.group(2)
    return s.lower(), ""


def parse_number(text: object) -> tuple[float, bool]:
    """(value, ok) of a cell: NFKC (full-width digits), thousands separators and spaces
    removed, a trailing % kept as the number; missing markers give (nan, True) and text that
    is no number (nan, False)."""
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return math.nan, True
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if s.lower() in MISSING_MARKERS:
        return math.nan, True
    s = re.sub(r"[\s,，']", "", s).removesuffix("%")
    try:
        v = float(s)
    except ValueError:
        return math.nan, False
    return (v, True) if math.isfinite(v) else (math.nan, False)


def parse_yes_no(text: object) -> bool | None:
    """是/否 (yes/no, 1/0, √) as True/False; blank as None; anything else raises ValueError."""
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return None
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if s in ("", "-", "—"):
        return None
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise ValueError(s)


def _column_letter(k: int) -> str:
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class Sheet:
    """One sheet of a facts file as read: where its header was, and its rows."""

    path: Path
    sheet: str
    header_row: int  # 1-based line of the header
    columns: dict[int, str]  # grid column → header text
    units: dict[int, str]  # grid column → units (header brackets or a units row)
    rows: pd.DataFrame  # grid rows below the header (index = 1-based line)

    def where(self, line: int | None = None, col: int | None = None) -> str:
        """``file, sheet S, row R, column C`` for messages."""
        parts = [self.path.name]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if line is not None:
            parts.append(f"row {line}")
        if col is not None:
            parts.append(f"column {self.columns.get(col, '?')} ({_column_letter(col)})")
        return ", ".join(parts)


def read_sheets(path: str | Path) -> tuple[list[Sheet], list[str]]:
    """Read every sheet of a facts file and find its header row.

    The header is the first row (within the first 20) with a code or a name column
    (:data:`CODE_HEADERS`, :data:`NAME_HEADERS`); rows above it (titles, merged cells) are
    skipped. A row right under it with neither a code nor a name, whose cells are not numbers,
    is a units row. A sheet without such a header (instructions, notes) is skipped and said so.

    Returns
    -------
    (list of Sheet, list of str)
        The sheets with a header, and notes on skipped sheets.

    Raises
    ------
    spatial_towns.errors.InputDataError
        When no sheet of the file has a header; or two columns of one sheet have the same
        header.
    """
    path = Path(path)
    grids = io.read_table(path, None, header=False)
    sheets, notes = [], []
    keys = set(map(header_key, CODE_HEADERS + NAME_HEADERS))
    for name, grid in grids.items():
        label = f"{path.name}" + (f", sheet {name}" if name else "")
        if grid.empty or grid.isna().all().all():
            notes.append(f"{label}: empty; skipped")
            continue
        head = None
        for r in range(min(_HEADER_SCAN_ROWS, len(grid))):
            if any(header_key(v) in keys for v in grid.iloc[r].tolist()):
                head = r
                break
        if head is None:
            notes.append(f"{label}: no header row with a code or name column in its first "
                         f"{_HEADER_SCAN_ROWS} rows; skipped (accepted: "
                         f"{', '.join(CODE_HEADERS[:4])} / {', '.join(NAME_HEADERS[:4])})")
            continue
        if head:
            notes.append(f"{label}: header on row {head + 1}; the {head} row(s) above it "
                         "(titles) are not data")
        columns, units = {}, {}
        for k, v in enumerate(grid.iloc[head].tolist()):
            if v is None or v is pd.NA or not str(v).strip():
                continue
            columns[k] = str(v).strip()
            key, unit = split_header(v)
            if unit:
                units[k] = unit
        seen: dict[str, int] = {}
        for k, v in columns.items():
            key = header_key(v)
            if key in seen:
                raise errors.InputDataError(
                    f"{label}: columns {_column_letter(seen[key])} and {_column_letter(k)} "
                    f"both have the header {v!r}; rename one")
            seen[key] = k
        body = grid.iloc[head + 1:].copy()
        body.index = pd.RangeIndex(head + 2, head + 2 + len(body))
        sheet = Sheet(path=path, sheet=name, header_row=head + 1, columns=columns,
                      units=units, rows=body)
        if len(body) and _is_units_row(sheet, body.iloc[0]):
            for k, v in body.iloc[0].items():
                if k in columns and v is not pd.NA and v is not None and str(v).strip():
                    units.setdefault(int(k), _unit_text(str(v)))
            sheet.rows = body.iloc[1:]
            notes.append(f"{label}: row {head + 2} holds units, not data")
        sheets.append(sheet)
    if not sheets:
        raise errors.InputDataError(
            f"{path}: no sheet has a header row with a town code or name column; "
            + "; ".join(notes))
    return sheets, notes


def _unit_text(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).strip()
    s = re.sub(r"^(?:单位|units?)\s*[:：/]?\s*", "", s, flags=re.I)
    return s.strip("()[]【】 ")


def _is_units_row(sheet: Sheet, row: pd.Series) -> bool:
    key_cols = [k for k, v in sheet.columns.items()
                if header_key(v) in set(map(header_key, CODE_HEADERS + NAME_HEADERS))]
    for k in key_cols:
        v = row.get(k)
        if v is not pd.NA and v is not None and str(v).strip():
            if not re.match(r"^(?:单位|units?)", unicodedata.normalize("NFKC", str(v)).strip(),
                            re.I):
                return False
    others = [row.get(k) for k in sheet.columns if k not in key_cols]
    filled = [v for v in others if v is not pd.NA and v is not None and str(v).strip()]
    if not filled:
        return False
    return all(not parse_number(v)[1] or math.isnan(parse_number(v)[0]) for v in filled) and \
        any(not parse_number(v)[1] for v in filled)


@dataclass
class FactsTable:
    """The facts tables of a run, matched to its towns.

    ``values``: one float column per fact column used (index: the run's town codes; towns no
    table gives stay out). ``rows``: every data row of every table (``file``, ``sheet``,
    ``row``, the key cells, ``match_status``, ``match_reason``, ``town_code``, ``town_name``).
    ``sources``: for each column, the file(s) its values come from; ``units`` its units;
    ``notes`` what the report should say (conversions, overrides, skipped sheets, duplicate
    rows); ``nominated``: the run codes marked nominated (是), when a table has that column.
    """

    values: pd.DataFrame
    rows: pd.DataFrame
    sources: dict[str, list[str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    nominated: pd.Series | None = None
    unused_columns: dict[str, list[str]] = field(default_factory=dict)


def _criterion_keys(crit: config_mod.Criterion) -> set[str]:
    keys = {header_key(crit.column)}
    if crit.label:
        keys.add(header_key(crit.label))
    return keys - {""}


def _key_columns(sheet: Sheet) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for role, names in (("code", CODE_HEADERS), ("name", NAME_HEADERS),
                        ("county", COUNTY_HEADERS), ("nominated", NOMINATED_HEADERS)):
        wanted = [header_key(n) for n in names]
        hit = None
        for want in wanted:  # the first alias in the list wins (code before 编码...)
            hit = next((k for k, v in sheet.columns.items() if header_key(v) == want), None)
            if hit is not None:
                break
        out[role] = hit
    return out


def _rows_of(sheet: Sheet, crits: list[config_mod.Criterion], county_names: set[str],
             embedded: bool) -> tuple[pd.DataFrame, dict[str, int], list[str]]:
    """The sheet's data rows as records (file, sheet, row, code, name, county, nominated and
    the raw text of each criterion column found), the grid column of each criterion found,
    and the sheet's other headers."""
    keys = _key_columns(sheet)
    used = {k for k in keys.values() if k is not None}
    found: dict[str, int] = {}
    for c in crits:
        want = _criterion_keys(c)
        hit = next((k for k, v in sheet.columns.items() if header_key(v) in want
                    and k not in used), None)
        if hit is not None:
            found[c.column] = hit
            used.add(hit)
    other = [v for k, v in sheet.columns.items() if k not in used]
    body = sheet.rows
    blank = body.isna().all(axis=1) | body.apply(
        lambda r: all(v is pd.NA or not str(v).strip() for v in r), axis=1)
    body = body[~blank]
    # A name-only row of a sheet named after a county is in that county.
    sheet_county = sheet.sheet if matching.county_key(sheet.sheet) in county_names else ""

    def cells(k: int | None) -> list:
        if k is None:
            return [None] * len(body)
        return [None if v is pd.NA or v is None else v for v in body[k].tolist()]

    county = cells(keys["county"])
    rec = pd.DataFrame({
        "file": sheet.path.name if not embedded else f"{sheet.path.name} (embedded)",
        "path": str(sheet.path),
        "sheet": sheet.sheet,
        "row": body.index.to_numpy(),
        "code": cells(keys["code"]),
        "name": cells(keys["name"]),
        "county": [c if c not in (None, "") else (sheet_county or None) for c in county],
        "nominated_raw": cells(keys["nominated"]),
    })
    for col, k in found.items():
        rec[f"raw:{col}"] = cells(k)
    rec.attrs["nominated_col"] = keys["nominated"]
    return rec, found, other


def _county_names(towns: pd.DataFrame, reference: matching.Reference | None) -> set[str]:
    names = set(towns.get(columns.COUNTY_NAME, pd.Series(dtype=str)).dropna().astype(str))
    if reference is not None:
        codes = set()
        for col in (columns.COUNTY_CODE, columns.COUNTY_CODE_INPUT):
            if col in towns:
                codes |= {str(c)[:6] for c in towns[col].dropna()}
        names |= {n for c, n in reference.county_names.items() if c in codes}
    return {matching.county_key(n) for n in names if n}


def read(paths: list[str | Path], towns: pd.DataFrame, cfg: config_mod.Config,
         reference: matching.Reference | None = None, embedded: str | Path | None = None,
         province_code: str | None = None, nominations: list[str | Path] | None = None
         ) -> FactsTable:
    """Read facts tables and match their rows to the run's towns: :func:`_read_files` (every
    sheet's rows), :func:`_match_rows` (rows to towns), then per criterion
    :func:`_column_parts` (numbers in its units, plausibility) and the duplicates' check.

    Parameters
    ----------
    paths
        The planner's facts files (``run --facts``), in order.
    towns
        The run's towns (``code``, ``name``, county columns; see :func:`.matching.match_rows`).
    cfg
        The run's configuration: its ``source = "table"`` criteria name the columns read.
    reference
        Reference lists of the matcher (default: none).
    embedded
        The embedded facts table, read like the others; a column a planner's file also has is
        taken from the planner's file only (and the notes say so).
    province_code
        A row whose township code belongs to another province is not matched here but
        counted with status ``other province`` (a national table read by each province's run).
    nominations
        Nominations files: tables of towns (code, or name and county) the counties nominate;
        a ``nominated`` (是/否) column says which, else every listed town is nominated.

    Raises
    ------
    spatial_towns.errors.InputDataError
        Non-numeric values, conflicting duplicate rows (same town twice with different values,
        in one sheet or across sheets or files), bad 是/否 cells — each naming file, sheet,
        row and column.
    """
    crits = list(cfg.table_criteria())
    files = [(Path(p), False) for p in paths]
    if embedded is not None:
        files.append((Path(embedded), True))
    listing = {str(Path(p)) for p in nominations or []}
    files += [(Path(p), False) for p in nominations or []]
    names = dict(zip(towns["code"].astype(str), towns["name"].astype(str), strict=True))
    county_of = dict(zip(towns["code"].astype(str), towns[columns.COUNTY_NAME].astype(str),
                         strict=True)) if columns.COUNTY_NAME in towns else {}
    got = _read_files(files, crits, _county_names(towns, reference), listing)
    matched = _match_rows(got.per_file, towns, reference, province_code)
    # Which file supplies each column: the planner's files; the embedded table only for
    # columns none of them has.
    planner_cols = {col for path, emb, _, _, fs in got.per_file if not emb
                    for v in fs.values() for col in v["found"]}
    values = pd.DataFrame(index=pd.Index(towns["code"].astype(str), name="code"))
    for c in crits:
        parts = _column_parts(c, got, matched, planner_cols, county_of)
        if got.problems or not parts:
            continue
        part = pd.concat(parts, ignore_index=True)
        got.notes += _median_check(c.column, part)
        series, dup_notes, dup_errors = _combine(c.column, part, names)
        got.notes += dup_notes
        got.problems += dup_errors
        values[c.column] = series.reindex(values.index)
    if got.problems:
        raise errors.InputDataError(
            f"facts table(s): {len(got.problems)} problem(s): " + "; ".join(got.problems[:12])
            + (" ..." if len(got.problems) > 12 else ""))
    nominated = _nominations(got.per_file, matched)
    values = values.dropna(how="all")
    return FactsTable(values=values, rows=_rows_report(matched), sources=got.sources,
                      units=got.units, notes=got.notes, files=got.file_info,
                      nominated=nominated, unused_columns=got.unused)


@dataclass
class _Read:
    """What :func:`read` gathers on its way: per file its rows, sheets and the criteria
    columns found in each sheet (``per_file``); and the notes, problems, sources and units
    of the columns, filled in file and criterion order."""

    per_file: list[tuple[Path, bool, pd.DataFrame, dict[str, Sheet], dict[str, dict]]]
    file_info: list[dict]
    unused: dict[str, list[str]]
    notes: list[str]
    problems: list[str] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)


def _read_files(files: list[tuple[Path, bool]], crits: list[config_mod.Criterion],
                county_names: set[str], listing: set[str]) -> _Read:
    """Every sheet of every file: its rows (code, name, county and the raw criteria cells)
    and which criteria columns each sheet has."""
    notes: list[str] = []
    per_file: list[tuple[Path, bool, pd.DataFrame, dict[str, Sheet], dict[str, dict]]] = []
    file_info = []
    unused: dict[str, list[str]] = {}
    for path, is_embedded in files:
        sheets, skipped = read_sheets(path)
        notes += skipped
        recs: list[pd.DataFrame] = []
        found_by_sheet: dict[str, dict] = {}
        for sh in sheets:
            rec, found, other = _rows_of(sh, crits, county_names, is_embedded)
            recs.append(rec)
            found_by_sheet[sh.sheet] = {"sheet": sh, "found": found}
            if other:
                unused.setdefault(path.name, []).extend(
                    o for o in other if o not in unused.get(path.name, []))
        rows = pd.concat(recs, ignore_index=True) if recs else pd.DataFrame()
        if str(path) in listing and len(rows):
            # A nominations list without a 是/否 column: every row listed is nominated.
            rows["nominated_raw"] = rows["nominated_raw"].where(rows["nominated_raw"].notna(),
                                                                 "是")
        per_file.append((path, is_embedded, rows, {s.sheet: s for s in sheets},
                         found_by_sheet))
        file_info.append({"file": path.name, "path": str(path), "embedded": is_embedded,
                          "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                          "sheets": [s.sheet for s in sheets], "rows": len(rows)})
    return _Read(per_file=per_file, file_info=file_info, unused=unused, notes=notes)


def _match_rows(per_file: list, towns: pd.DataFrame, reference: matching.Reference | None,
                province_code: str | None) -> pd.DataFrame:
    """Every row of every file matched to a town (the one town matcher); a row of another
    province's town is counted as such, not as unmatched."""
    all_rows = pd.concat([f[2] for f in per_file], ignore_index=True) if per_file else \
        pd.DataFrame(columns=["file", "sheet", "row", "code", "name", "county"])
    matched = matching.match_rows(all_rows, towns, reference) if len(all_rows) else \
        all_rows.assign(**{c: pd.Series(dtype=object) for c in matching.MATCH_COLUMNS})
    if province_code and len(matched):
        canon = matched["code"].map(matching.canonical_code)
        other = ((matched["match_status"] != matching.MATCHED)
                 & matched["code"].map(matching.is_township_code)
                 & (canon.str[:2] != str(province_code)[:2]))
        matched.loc[other, "match_status"] = OTHER_PROVINCE
        matched.loc[other, "match_reason"] = ("a town of province " + canon[other].str[:2]
                                              + "0000, read by that province's run")
    return matched


def _column_parts(c: config_mod.Criterion, got: _Read, matched: pd.DataFrame,
                  planner_cols: set[str], county_of: dict[str, str]) -> list[pd.DataFrame]:
    """Criterion ``c``'s values from every sheet that has its column (numbers in the
    criterion's units, with where each came from); the notes, problems, sources and units
    go to ``got``."""
    parts = []
    for path, emb, _rows, _sheets, fs in got.per_file:
        if emb and c.column in planner_cols:
            if any(c.column in v["found"] for v in fs.values()):
                got.notes.append(f"column {c.column}: the planner's file wins over the embedded "
                                 f"{path.name}, whose {c.column} is not used")
            continue
        for sheet_name, v in fs.items():
            if c.column not in v["found"]:
                continue
            sh = v["sheet"]
            k = v["found"][c.column]
            sel = matched[(matched["path"] == str(path)) & (matched["sheet"] == sheet_name)]
            scale, note = _unit_factor(c, sh.units.get(k, ""), sh.where(col=k))
            if note:
                got.notes.append(note)
            nums = []
            for line, raw in zip(sel["row"], sel[f"raw:{c.column}"], strict=True):
                v_, ok = parse_number(raw)
                if not ok:
                    got.problems.append(f"{sh.where(int(line), k)}: {raw!r} is not a number")
                nums.append(v_ * scale)
            got.notes += _plausibility(c, sh, k, sel, nums, county_of)
            part = pd.DataFrame({"town": sel["town_code"].to_numpy(), "value": nums,
                                 "where": [sh.where(int(x)) for x in sel["row"]],
                                 "file": path.name, "sheet": sheet_name,
                                 "status": sel["match_status"].to_numpy()})
            parts.append(part)
            if path.name not in got.sources.setdefault(c.column, []):
                got.sources[c.column].append(path.name)
            if c.units:
                got.units[c.column] = c.units
            elif sh.units.get(k):
                got.units.setdefault(c.column, sh.units[k])
    return parts


def _unit_factor(c: config_mod.Criterion, header_unit: str, where: str) -> tuple[float, str]:
    """Factor from the header's units to the criterion's, and a note when it is not 1."""
    hu, cu = header_unit.strip(), c.units.strip()
    if not hu or not cu or hu == cu:
        return 1.0, ""
    a, b = UNIT_SCALES.get(hu), UNIT_SCALES.get(cu)
    if a and b and a[0] == b[0]:
        f = a[1] / b[1]
        return f, (f"{where}: in {hu}, converted to {cu} (× {f:g}) for criterion {c.column}")
    return 1.0, (f"WARNING {where}: the header says {hu} but criterion {c.column} is in {cu}; "
                 "values used as given — check the units")


def _plausibility(c: config_mod.Criterion, sh: Sheet, k: int, sel: pd.DataFrame,
                  nums: list[float], county_of: dict[str, str]) -> list[str]:
    """Warnings on implausible values inside this sheet's column (see :mod:`.plausibility`):
    a county or block of rows in other units, a 0-1/0-100 mix, negative counts. Only rows
    matched to a town count (their values are the ones scored); the county is the town's."""
    matched = (sel["match_status"] == matching.MATCHED).to_numpy()
    if not matched.any():
        return []
    rows = sel["row"].to_numpy()[matched].astype(int)
    values = pd.Series(np.asarray(nums, dtype=float)[matched], index=rows)
    county = pd.Series([county_of.get(str(t), "") or "" for t in sel["town_code"][matched]],
                       index=rows)
    units = c.units.strip() or sh.units.get(k, "").strip()
    ladder = {}
    if units in UNIT_SCALES:
        dim, base = UNIT_SCALES[units]
        ladder = {u: f / base for u, (d, f) in UNIT_SCALES.items() if d == dim and u != units}
    found = plausibility.check_column(values, county, file=sh.path.name, sheet=sh.sheet,
                                      column=c.column, units=units, unit_ladder=ladder)
    return [str(f) for f in found]


def _median_check(col: str, part: pd.DataFrame) -> list[str]:
    """Warn when sheets/files of one column have medians ~10^3 or more apart (元 vs 万元)."""
    med = part[part["status"] == matching.MATCHED].groupby(
        ["file", "sheet"])["value"].median().dropna()
    med = med[med > 0]
    if len(med) < 2 or med.max() / med.min() < MEDIAN_RATIO_WARN:
        return []
    hi, lo = med.idxmax(), med.idxmin()

    def name(k):
        return k[0] + (f", sheet {k[1]}" if k[1] else "")

    return [f"WARNING column {col}: median {med.max():,.4g} in {name(hi)} but {med.min():,.4g} "
            f"in {name(lo)} (~10^{math.log10(med.max() / med.min()):.0f} apart): one of them "
            "is probably in other units (元 vs 万元?); check and fix the header or the values"]


def _combine(col: str, part: pd.DataFrame, names: dict[str, str]
             ) -> tuple[pd.Series, list[str], list[str]]:
    """One value per town; rows giving the same town must agree (else an error naming
    them); agreeing repeats are noted and counted once."""
    ok = part[part["status"] == matching.MATCHED]
    notes, errs = [], []
    by_town = ok.groupby("town", sort=True)["value"]
    # The first non-missing value per town; only repeated towns need a look row by row.
    first, rows = by_town.first(), by_town.size()
    repeated = ok[ok["town"].isin(rows.index[rows > 1])]
    for town, g in repeated.groupby("town", sort=True):
        vals = g["value"].dropna()
        label = f"{town} {names.get(str(town), '')}".strip()
        if vals.nunique() > 1:
            errs.append(f"town {label} is given different {col} values: "
                        + ", ".join(f"{v:g} ({w})" for v, w in zip(
                            g["value"], g["where"], strict=True) if v == v)
                        + "; keep one row")
        else:
            notes.append(f"town {label}: {len(g)} rows give the same {col} "
                         f"({'; '.join(g['where'])}); counted once")
    return pd.Series(first.to_numpy(dtype=float), index=first.index.rename(None)), notes, errs


def _nominations(per_file, matched: pd.DataFrame) -> pd.Series | None:
    """Run codes by nomination (True/False) when any table has a nominated column."""
    if matched.empty or matched["nominated_raw"].isna().all():
        return None
    bad: list[str] = []
    out: dict[str, bool] = {}
    for _, r in matched[matched["match_status"] == matching.MATCHED].iterrows():
        try:
            v = parse_yes_no(r["nominated_raw"])
        except ValueError:
            bad.append(f"{r['file']}" + (f", sheet {r['sheet']}" if r["sheet"] else "")
                       + f", row {r['row']}, column nominated: {r['nominated_raw']!r} is not "
                       "是/否")
            continue
        if v is not None:
            prev = out.get(r["town_code"])
            if prev is not None and prev != v:
                bad.append(f"town {r['town_code']} is both nominated and not ({r['file']}, row "
                           f"{r['row']})")
            out[r["town_code"]] = v
    if bad:
        raise errors.InputDataError("nominations: " + "; ".join(bad[:10]))
    return pd.Series(out, dtype=bool)


def _rows_report(matched: pd.DataFrame) -> pd.DataFrame:
    cols = ["file", "sheet", "row", "code", "name", "county", "match_status", "match_reason",
            "town_code", "town_name"]
    out = matched.reindex(columns=cols).copy()
    out["row"] = out["row"].astype("Int64")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- in the run


@dataclass
class FactsUsed:
    """What a run did with its facts tables: the table read, coverage and imputation per
    criterion, and the per-town notes (``imputed``: town index → text)."""

    table: FactsTable | None
    coverage: dict[str, dict] = field(default_factory=dict)
    imputed: pd.Series | None = None
    methods: dict[str, str] = field(default_factory=dict)


def _embedded_columns() -> set[str]:
    """Header of the embedded Jilin facts table (empty when it is not installed)."""
    path = datasets.DATA_RAW / EMBEDDED
    if not path.is_file():
        return set()
    with open(path, encoding="utf-8") as fh:
        return set(fh.readline().strip().split(","))


def attach(table: pd.DataFrame, towns: pd.DataFrame, facts: FactsTable | None,
           cfg: config_mod.Config, base_eligible: pd.Series) -> tuple[pd.DataFrame, FactsUsed]:
    """Add the table criteria's columns to the criteria table and apply their missing-value
    policies.

    Parameters
    ----------
    table
        The criteria table (index like ``towns``).
    towns
        The run's towns (``code``, ``county_code``).
    facts
        What :func:`read` returned (None: no facts table at all).
    base_eligible
        Towns eligible by kind and location: the towns whose values are imputed, and over
        which the county median is taken.

    Returns
    -------
    (pandas.DataFrame, FactsUsed)
        The table with one column per table criterion (NaN where it stays missing: such a
        town is excluded with the reason), and the record for the report.

    Raises
    ------
    spatial_towns.errors.ConfigError
        A table criterion whose column no planner's facts table has (a misspelt header?),
        when the planner gave facts tables.
    """
    table = table.copy()
    used = FactsUsed(table=facts)
    notes = pd.Series("", index=table.index, dtype=object)
    codes = towns["code"].astype(str)
    planner_files = [f for f in (facts.files if facts else []) if not f["embedded"]]
    for c in cfg.table_criteria():
        if facts is None or c.column not in facts.values.columns:
            # A column of the embedded table (a default criterion) is not a misspelt header
            # of the planner's: on other data it is simply not computed.
            if planner_files and c.column not in _embedded_columns():
                found = sorted({h for cols in facts.unused_columns.values() for h in cols}) \
                    if facts else []
                raise errors.ConfigError(
                    f"criterion {c.column!r} (source = 'table') is in none of the facts tables "
                    f"({', '.join(f['file'] for f in planner_files)}); their other columns: "
                    f"{found[:20]} — match the header to `column` or `label`")
            table[c.column] = np.nan
            used.methods[c.column] = "not computed: no facts table has this column"
            continue
        v = codes.map(facts.values[c.column]).astype(float)
        v.index = table.index
        pool = base_eligible & v.notna()
        n_elig = int(base_eligible.sum())
        info: dict = {"covered": int(pool.sum()), "eligible": n_elig, "imputed": 0,
                "excluded": 0, "policy": c.missing, "units": facts.units.get(c.column, c.units),
                "sources": facts.sources.get(c.column, [])}
        gap = base_eligible & v.isna()
        if c.missing == "county_median" and gap.any():
            med = v[pool].groupby(towns.loc[pool, columns.COUNTY_CODE]).median()
            fill = towns.loc[gap, columns.COUNTY_CODE].map(med)
            ok = fill.notna()
            v[fill.index[ok]] = fill[ok]
            notes[fill.index[ok]] += [f"{c.column} imputed = county median {x:g}; "
                                      for x in fill[ok]]
            info["imputed"] = int(ok.sum())
            info["excluded"] = int((~ok).sum())
        elif c.missing == "zero" and gap.any():
            v[gap] = 0.0
            notes[gap] += f"{c.column} imputed = 0 (missing = zero); "
            info["imputed"] = int(gap.sum())
        else:
            info["excluded"] = int(gap.sum())
        table[c.column] = v
        used.coverage[c.column] = info
        used.methods[c.column] = (
            f"{c.units or info['units'] or 'table units'}, from {', '.join(info['sources'])}; "
            f"{info['covered']} of {n_elig} eligible towns have a value, {info['imputed']} "
            f"imputed ({c.missing})")
    used.imputed = notes.str.rstrip("; ")
    return table, used


def annotate(towns: pd.DataFrame, used: FactsUsed) -> pd.DataFrame:
    """Add ``imputed`` (which table values were imputed, and how) to the run's towns and to
    the reason of each imputed town; say why a town without a table value was excluded."""
    out = towns.copy()
    notes = used.imputed if used.imputed is not None else pd.Series("", index=out.index)
    out[columns.IMPUTED] = notes.reindex(out.index).fillna("")
    has = out[columns.IMPUTED] != ""
    out.loc[has, columns.REASON] = out.loc[has, columns.REASON].astype(str) + " [imputed: " + \
        out.loc[has, columns.IMPUTED] + "]"
    for col, info in used.coverage.items():
        hit = out[columns.REASON].astype(str).str.startswith("excluded: no value for") & \
            out[columns.REASON].astype(str).str.contains(col, regex=False)
        out.loc[hit, columns.REASON] = out.loc[hit, columns.REASON] + (
            f" (no row of the facts tables gives {col}; missing = {info['policy']}"
            + (", and no town of its county has a value" if info["policy"] == "county_median"
               else "") + ")")
    return out


def cell(v: object) -> str:
    """A cell for the report: blank for missing."""
    return "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)


def messages(used: FactsUsed | None) -> list[str]:
    """What a run should tell the planner about its facts tables at once: warnings and notes,
    and each row that matched no town (file, sheet, row, why)."""
    if used is None or used.table is None:
        return []
    ft = used.table
    out = list(ft.notes)
    bad = ft.rows[~ft.rows["match_status"].isin([matching.MATCHED, OTHER_PROVINCE])]
    for r in bad.itertuples():
        where = r.file + (f", sheet {r.sheet}" if cell(r.sheet) else "")
        out.append(f"{where}, row {r.row}: {r.match_status} ({r.match_reason})")
    return out


def warning_messages(used: FactsUsed | None) -> list[str]:
    """The facts tables' warnings (units mixed between or inside sheets, implausible values):
    the notes that ``--strict`` turns into an error."""
    if used is None or used.table is None:
        return []
    return [n for n in used.table.notes if n.startswith("WARNING")]


# --------------------------------------------------------------------------- nominations


def with_nominations(towns: pd.DataFrame, used: FactsUsed, cfg: config_mod.Config,
                     base_eligible: pd.Series) -> pd.DataFrame:
    """Mark each town ``nominated`` (True/False) when the facts tables carry nominations, and
    check them against the quotas before anything is solved.

    Only nominated towns are then candidates (the pipeline lists the others as "not
    nominated by its county"). A county with eligible 镇 that nominated fewer than the
    largest per-county minimum, or a prefecture below its largest per-prefecture minimum, or
    fewer nominations in all than the tiers' sizes need, is a
    :class:`~spatial_towns.errors.QuotaError` naming each such unit.
    """
    ft = used.table
    if ft is None or ft.nominated is None or ft.nominated.empty:
        return towns  # no table says 是/否 for any town: no nominations to apply
    out = towns.copy()
    out[columns.NOMINATED] = out["code"].astype(str).map(ft.nominated).fillna(False).astype(bool)
    check_nominations(out, base_eligible, cfg)
    return out


def check_nominations(towns: pd.DataFrame, base_eligible: pd.Series,
                      cfg: config_mod.Config) -> None:
    """Raise :class:`~spatial_towns.errors.QuotaError` when the nominations cannot meet the
    tiers' per-county, per-prefecture or total needs (see :func:`with_nominations`)."""
    nom = base_eligible & towns[columns.NOMINATED]
    kinds = "/".join(cfg.eligible_kinds)
    problems = []
    need_c = max((t.per_county_min for t in cfg.tiers), default=0)
    need_p = max((t.per_prefecture_min for t in cfg.tiers), default=0)
    for unit, need, code_col, name_col, what in (
            ("county", need_c, columns.COUNTY_CODE, columns.COUNTY_NAME, "per_county_min"),
            ("prefecture", need_p, columns.PREFECTURE_CODE, columns.PREFECTURE_NAME, "per_prefecture_min")):
        if not need:
            continue
        have = base_eligible.groupby(towns[code_col]).sum()
        got = nom.groupby(towns[code_col]).sum()
        for code, n_elig in have.items():
            n = int(got.get(code, 0))
            if n_elig and n < need:
                name = towns.loc[towns[code_col] == code, name_col].iloc[0]
                pref = ""
                if unit == "county":
                    pref = f" of {towns.loc[towns[code_col] == code, 'prefecture_name'].iloc[0]}"
                problems.append(
                    f"{unit} {name} ({code}){pref} nominated {n if n else 'no'} {kinds} "
                    f"(of its {int(n_elig)} eligible) but {what} = {need} needs {need}")
    total = sum(t.count if t.count is not None else t.min_count for t in cfg.tiers)
    if int(nom.sum()) < total:
        problems.append(f"{int(nom.sum())} towns nominated in all, but the tiers need {total}")
    if problems:
        raise errors.QuotaError(
            f"the nominations cannot meet the quotas ({len(problems)} problem(s)): "
            + "; ".join(problems[:12]) + (" ..." if len(problems) > 12 else "")
            + ". Ask these counties for nominations, or lower the minimums in the config")
