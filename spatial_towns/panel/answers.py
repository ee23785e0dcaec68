"""Reading a panel: filled questionnaires (XLSX from ``spatial-towns survey``) and the long
CSV ``expert, level, a, b, value`` (``value`` = how much more important ``a`` is than ``b``
on Saaty's scale, fractions such as ``1/3`` allowed; ``level`` is ``groups`` or a group's
name; ``a`` and ``b`` are group names at level ``groups``, criterion columns within a group).

Every bad answer is an :class:`~spatial_towns.errors.AnswersError` naming the file, sheet and
row: a blank pair, a value off the scale, a pair answered twice, a missing pair, a sheet
renamed or missing, a questionnaire made for another criteria list.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import errors
from . import _layout as L
from . import scale
from .hierarchy import GROUPS, Hierarchy

#: Columns of the long CSV, in order.
CSV_COLUMNS = ("expert", "level", "a", "b", "value")


@dataclass(frozen=True)
class Judgement:
    """One answered pair: ``value`` = importance of ``a`` over ``b``; ``where`` names the
    file, sheet and row it came from."""

    expert: str
    level: str
    a: str
    b: str
    value: float
    where: str


@dataclass(frozen=True)
class Panel:
    """The judgements of a panel on a hierarchy, checked complete and on the scale.

    ``experts`` in the order they were read; ``judgements`` one row per answered pair
    (``expert, level, a, b, value, where``); ``files`` the files read.
    """

    hierarchy: Hierarchy
    judgements: pd.DataFrame
    experts: tuple[str, ...]
    files: tuple[str, ...] = ()

    @classmethod
    def from_judgements(cls, hierarchy: Hierarchy, rows: Iterable[Judgement],
                        files: Sequence[str] = ()) -> Panel:
        """Check a list of judgements (complete, once each, on the scale) into a panel."""
        rows = list(rows)
        _check(rows, hierarchy)
        experts = tuple(dict.fromkeys(r.expert for r in rows))
        if not experts:
            raise errors.AnswersError(f"no judgements in {', '.join(files) or 'the panel'}")
        df = pd.DataFrame([r.__dict__ for r in rows],
                          columns=["expert", "level", "a", "b", "value", "where"])
        return cls(hierarchy=hierarchy, judgements=df, experts=experts, files=tuple(files))

    def matrix(self, expert: str, level: str) -> np.ndarray:
        """The expert's reciprocal pairwise matrix at ``level`` (rows in the hierarchy's
        order of the level's items)."""
        items = self.hierarchy.items(level)
        pos = {x: i for i, x in enumerate(items)}
        a = np.ones((len(items), len(items)))
        sub = self.judgements[(self.judgements["expert"] == expert)
                              & (self.judgements["level"] == level)]
        for r in sub.itertuples():
            i, j = pos[r.a], pos[r.b]
            a[i, j], a[j, i] = r.value, 1.0 / r.value
        return a

    def to_long(self) -> pd.DataFrame:
        """The judgements as the long CSV's columns (``value`` as text: ``3``, ``1/3``)."""
        out = self.judgements[list(CSV_COLUMNS)].copy()
        out["value"] = [scale.value_text(v) for v in out["value"]]
        return out


def read(paths: Sequence[str | Path], hierarchy: Hierarchy) -> Panel:
    """Read filled questionnaires (``.xlsx``) and long CSVs (``.csv``) into one panel.

    Raises
    ------
    spatial_towns.errors.AnswersError
        Naming the file, sheet and row of a bad answer, or a file that cannot be read.
    """
    if not paths:
        raise errors.AnswersError("no answer files given (questionnaires .xlsx or a long .csv)")
    rows: list[Judgement] = []
    seen: dict[str, str] = {}
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise errors.AnswersError(f"answers file not found: {path}")
        suffix = path.suffix.lower()
        if suffix == ".csv":
            got = read_csv(path, hierarchy)
        elif suffix in (".xlsx", ".xlsm"):
            got = read_xlsx(path, hierarchy)
        else:
            raise errors.AnswersError(f"{path.name}: answers must be a questionnaire .xlsx or "
                                      "a long .csv (expert, level, a, b, value)")
        for e in dict.fromkeys(r.expert for r in got):
            if e in seen:
                raise errors.AnswersError(f"expert {e!r} answers in both {seen[e]} and "
                                          f"{path.name}; give each expert once")
            seen[e] = path.name
        rows += got
    return Panel.from_judgements(hierarchy, rows, [str(p) for p in paths])


def read_csv(path: str | Path, hierarchy: Hierarchy) -> list[Judgement]:
    """Judgements of a long CSV (UTF-8, with or without BOM; GBK accepted)."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gbk")
        except UnicodeDecodeError:
            raise errors.AnswersError(f"{path.name}: neither UTF-8 nor GBK text") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise errors.AnswersError(f"{path.name}: no column(s) {missing}; the long CSV has the "
                                  f"columns {', '.join(CSV_COLUMNS)}")
    idx = {c: header.index(c) for c in CSV_COLUMNS}
    out = []
    for n, rec in enumerate(reader, start=2):
        if not any(x.strip() for x in rec):
            continue
        cell = {c: (rec[i].strip() if i < len(rec) else "") for c, i in idx.items()}
        where = f"{path.name}, row {n}"
        for c in CSV_COLUMNS:
            if not cell[c]:
                what = "blank pair" if c == "value" else f"no {c}"
                raise errors.AnswersError(f"{where}: {what} ({cell['a']} vs {cell['b']}); "
                                          f"every row needs {', '.join(CSV_COLUMNS)}")
        _known(cell["level"], cell["a"], cell["b"], hierarchy, where)
        out.append(Judgement(cell["expert"], cell["level"], cell["a"], cell["b"],
                             _value(cell["value"], where, cell["a"], cell["b"]), where))
    return out


def read_xlsx(path: str | Path, hierarchy: Hierarchy) -> list[Judgement]:
    """Judgements of one filled questionnaire written by :func:`.questionnaire.write`."""
    import openpyxl

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise errors.AnswersError(f"{path.name}: not a readable XLSX ({exc})") from None
    if L.META not in wb.sheetnames:
        raise errors.AnswersError(
            f"{path.name}: no sheet {L.META!r}, so not a questionnaire written by "
            f"'spatial-towns survey' (sheets: {wb.sheetnames}); was it renamed?")
    meta = _meta(wb[L.META])
    if meta.get("format") != L.FORMAT:
        raise errors.AnswersError(f"{path.name}: sheet {L.META!r} is not a spatial_towns "
                                  "questionnaire's")
    if meta.get("fingerprint") != hierarchy.fingerprint():
        theirs = str(meta.get("columns") or "").split(",")
        lacks = [c for c in hierarchy.columns if c not in theirs]
        extra = [c for c in theirs if c and c not in hierarchy.columns]
        diff = "; ".join(x for x in (f"it lacks {', '.join(lacks)}" if lacks else "",
                                     f"it asks about {', '.join(extra)} too" if extra else "")
                         if x) or "the criteria are grouped differently"
        raise errors.AnswersError(
            f"{path.name} was made for another criteria list than this configuration's "
            f"({diff}; the questionnaire's groups: {meta.get('criteria', '?')}); send the "
            "experts questionnaires written by 'spatial-towns survey' with this configuration")
    expert = str(meta.get("expert") or path.stem)
    out = []
    for level, title in meta["levels"]:
        if title not in wb.sheetnames:
            raise errors.AnswersError(
                f"{path.name}: sheet {title!r} (level {level}) is missing; the workbook has "
                f"sheets {[s for s in wb.sheetnames if s != L.META]}. Was it renamed? Give it "
                "its name back")
        out += _level_rows(wb[title], path.name, expert, level, hierarchy)
    return out


def _meta(ws) -> dict:
    meta: dict = {"levels": []}
    for row in ws.iter_rows(values_only=True):
        if not row or row[0] is None:
            continue
        if row[0] == "level":
            meta["levels"].append((str(row[1]), str(row[2])))
        else:
            meta[str(row[0])] = row[1]
    return meta


def _level_rows(ws, fname: str, expert: str, level: str,
                hierarchy: Hierarchy) -> list[Judgement]:
    out = []
    for r in range(L.FIRST_ROW, ws.max_row + 1):
        a, b, answer = (ws.cell(r, c).value for c in (L.COL_KEY_A, L.COL_KEY_B, L.COL_ANSWER))
        if a is None and b is None:
            if answer not in (None, ""):
                raise errors.AnswersError(f"{fname}, sheet {ws.title}, row {r}: an answer "
                                          f"({answer!r}) on a row without a pair")
            continue
        where = f"{fname}, sheet {ws.title}, row {r}"
        a, b = str(a), str(b)
        _known(level, a, b, hierarchy, where)
        names = f"{hierarchy.label(a)} vs {hierarchy.label(b)}"
        if answer is None or str(answer).strip() == "":
            raise errors.AnswersError(f"{where}: {names} is blank; choose an answer from the "
                                      "dropdown (同等重要 if neither is more important)")
        out.append(Judgement(expert, level, a, b, _value(answer, where, a, b), where))
    return out


def _known(level: str, a: str, b: str, hierarchy: Hierarchy, where: str) -> None:
    try:
        items = hierarchy.items(level)
    except KeyError:
        levels = [lv for lv, _ in hierarchy.levels()]
        raise errors.AnswersError(f"{where}: unknown level {level!r}; the levels are "
                                  f"{levels}") from None
    for x in (a, b):
        if x not in items:
            what = "group" if level == GROUPS else f"criterion of group {level}"
            raise errors.AnswersError(f"{where}: {x!r} is not a {what}; known: {list(items)}")
    if a == b:
        raise errors.AnswersError(f"{where}: {a!r} compared with itself")


def _value(text: object, where: str, a: str, b: str) -> float:
    v = scale.parse(text)
    if v is None or not np.isfinite(v) or v <= 0 or not scale.on_scale(v):
        raise errors.AnswersError(
            f"{where}: {a} vs {b} = {text!r} is off the scale; give 1/9 ... 1 ... 9 (or a "
            "dropdown answer from 'A 极端重要' to 'B 极端重要')")
    return v


def _check(rows: list[Judgement], hierarchy: Hierarchy) -> None:
    """Each pair of each level answered exactly once by each expert."""
    seen: dict[tuple[str, str, frozenset], Judgement] = {}
    for r in rows:
        key = (r.expert, r.level, frozenset((r.a, r.b)))
        if key in seen:
            raise errors.AnswersError(
                f"{r.where}: {r.a} vs {r.b} (expert {r.expert}, level {r.level}) is answered "
                f"twice, also at {seen[key].where}; keep one")
        seen[key] = r
    for e in dict.fromkeys(r.expert for r in rows):
        for level, items in hierarchy.levels():
            for i, a in enumerate(items):
                for b in items[i + 1:]:
                    if (e, level, frozenset((a, b))) not in seen:
                        src = sorted({r.where.split(",")[0] for r in rows if r.expert == e})
                        raise errors.AnswersError(
                            f"{', '.join(src)}: expert {e} has no answer for {a} vs {b} "
                            f"(level {level}); every pair of every level needs one")
