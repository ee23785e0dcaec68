"""The one town-name and town-code matcher.

Everything that compares a township name or code with the run's towns goes through here:
reading towns (:func:`town_kind`), the yearly assessment (codes as reported, the 2016↔2023
crosswalk), calibration (designation lists) and town facts tables (:mod:`.facts`).

- :func:`normalise_name`: NFKC (full-width letters, digits and brackets become ASCII), no
  whitespace, no bracketed qualifiers (``孤家子镇（四平辽河农垦管理区）`` → ``孤家子镇``), no
  trailing ``办事处``.
- :func:`town_kind`: 镇, 乡, 街道 or 其他 from the normalised name.
- :func:`name_key`: the core of a name for tolerant matching (no 镇/乡/街道 or ethnic-township
  suffix, no leading prefecture/county prefix).
- :func:`canonical_code`: township codes as 9 digits (``220112100000`` → ``220112100``).
- :func:`code_crosswalk` and :class:`CodeResolver`: codes of two township lists (2016 and
  2023) matched by name within counties of the same name.
- :func:`match_rows`: every row of a table (code, or name + county) matched to the run's
  towns, with a status (``matched`` / ``unmatched`` / ``ambiguous``) and the reason.

The embedded reference lists (the 2016 county names, the 2023 township list, the real
crosswalk) are assembled by :func:`spatial_towns.datasets.matching_reference`; this module
holds only the rules, so that the readers below it (:mod:`.io`) can use them too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from .. import columns

KINDS = ("镇", "乡", "街道", "其他")
MATCHED, UNMATCHED, AMBIGUOUS = "matched", "unmatched", "ambiguous"
#: Columns :func:`match_rows` adds to the rows it is given.
MATCH_COLUMNS = ("town_code", "town_name", "town_county", "match_status", "match_reason",
                 "match_check")

# Bracketed qualifiers of official names: （特殊乡镇）, (省级), 【...】, 〔...〕, [...].
_BRACKETS = re.compile(r"[(\[【〔][^)\]】〕]*[)\]】〕]")
_WHITESPACE = re.compile(r"\s+")
# 街道办事处 → 街道; an ethnic township (朝鲜族乡, 回族乡, 满族镇, 民族乡) keeps its core name.
_ETHNIC = ("朝鲜族", "满族", "蒙古族", "回族", "锡伯族", "达斡尔族", "鄂温克族", "鄂伦春族",
           "土家族", "苗族", "彝族", "壮族", "瑶族", "侗族", "白族", "藏族", "畲族", "民族")
_TOWN_SUFFIX = re.compile(f"(?:{'|'.join(_ETHNIC)})?(?:镇|乡)$|街道$")
_PREFIX = re.compile(r"^[^市州]{1,6}[市州](?:[^区县市]{1,6}[区县市])?")
_COUNTY_SUFFIXES = ("朝鲜族自治县", "蒙古族自治县", "满族自治县", "自治县", "市", "县", "区")
_CODE = re.compile(r"\d{9}(?:\d{3})?")


def normalise_name(name: object) -> str:
    """A township name in comparable form.

    NFKC (full-width → ASCII, so ``（`` becomes ``(``), whitespace removed (also inside the
    name and the ideographic space), bracketed qualifiers removed wherever they are
    (``（工业园区）城南街道`` → ``城南街道``), a trailing ``办事处`` removed (``和平街道办事处`` →
    ``和平街道``). Missing values give ``""``.
    """
    if name is None or (isinstance(name, float) and name != name):
        return ""
    s = unicodedata.normalize("NFKC", str(name))
    s = _WHITESPACE.sub("", s)
    s = _BRACKETS.sub("", s)
    return s.removesuffix("办事处")


def town_kind(name: object) -> str:
    """Classify a township unit by its name: 镇, 乡, 街道 or 其他 (farms, zones...).

    The suffix is read after :func:`normalise_name`, so a qualifier in brackets does not hide
    it: ``孤家子镇（四平辽河农垦管理区）`` is a 镇, ``双营子回族乡（...）（省级）`` a 乡,
    ``和平街道办事处（...）`` a 街道, and ``县级直管村级单位（特殊镇）`` 其他 (the 镇 is in the
    qualifier, not the name), as is an unbracketed ``永吉经济开发区特殊乡镇`` (a zone's unit).
    """
    s = normalise_name(name)
    # The 2023 list writes development zones' units without brackets (永吉经济开发区特殊乡镇,
    # 磐石经济开发区特殊街道): a "special township" is not a 建制镇, 乡 or 街道.
    if s.endswith(("特殊乡镇", "特殊街道", "特殊镇", "特殊乡")):
        return "其他"
    if s.endswith("镇"):
        return "镇"
    if s.endswith("乡"):
        return "乡"
    if s.endswith("街道"):
        return "街道"
    return "其他"


def _strip_suffix(s: str) -> str:
    core = _TOWN_SUFFIX.sub("", s)
    return core if len(core) >= 1 and core != s else s


def name_key(name: object) -> str:
    """Core of a township name for tolerant matching.

    :func:`normalise_name`, then a leading prefecture/county prefix dropped when something of
    two characters or more remains (四平市铁东区山门镇 → 山门镇), then the 镇/乡/街道 suffix
    (with an ethnic qualifier: 双营子回族乡 → 双营子). 范家屯 and 范家屯镇 have the same key.
    """
    s = normalise_name(name)
    bare = _PREFIX.sub("", s)
    if bare != s and len(_strip_suffix(bare)) >= 2:
        s = bare
    return _strip_suffix(s)


def county_key(county: object) -> str:
    """Core of a county name: 伊通满族自治县 → 伊通, 公主岭市 → 公主岭, 双阳区 → 双阳."""
    s = normalise_name(county)
    for suf in _COUNTY_SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf) + 1:
            return s[: -len(suf)]
    return s


def clean_code(code: object) -> str:
    """A code cell as typed: NFKC digits, no whitespace, no ``.0`` (spreadsheets store codes
    as floats) and no thousands separators; missing gives ``""``."""
    if code is None or (isinstance(code, float) and code != code):
        return ""
    c = _WHITESPACE.sub("", unicodedata.normalize("NFKC", str(code)))
    if c.endswith(".0"):
        c = c[:-2]
    return c.replace(",", "").replace("'", "")


def canonical_code(code: object) -> str:
    """Township codes come as 9 digits (NBS lists) or 12 (with the ``000`` village part):
    the 9-digit form, or the cleaned text when it is neither."""
    c = clean_code(code)
    return c[:9] if len(c) == 12 and c.endswith("000") and c.isdigit() else c


def is_township_code(code: object) -> bool:
    """Whether ``code`` is a 9- or 12-digit township code (after :func:`clean_code`)."""
    c = clean_code(code)
    return bool(_CODE.fullmatch(c)) and (len(c) == 9 or c.endswith("000"))


# ------------------------------------------------------------------------- code lists


def code_crosswalk(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Match township codes of two lists by name and county name.

    Parameters
    ----------
    old, new
        Frames with ``code``, ``name`` and ``county_name``.

    Returns
    -------
    pandas.DataFrame
        ``old_code``, ``new_code`` (9-digit), ``name_old``, ``name_new``, ``county_name`` for
        every old code that is absent from ``new`` and matches exactly one absent new code
        with the same :func:`normalise_name` in a county of the same name. Names shared by
        several towns of one county are left unmatched rather than guessed.
    """
    o = old.assign(code=old["code"].map(canonical_code), key=old["name"].map(normalise_name))
    n = new.assign(code=new["code"].map(canonical_code), key=new["name"].map(normalise_name))
    old_codes = set(o["code"])
    o = o[~o["code"].isin(set(n["code"]))]
    n = n[~n["code"].isin(old_codes)]
    o = o[~o.duplicated(["key", columns.COUNTY_NAME], keep=False)]
    n = n[~n.duplicated(["key", columns.COUNTY_NAME], keep=False)]
    m = o.merge(n, on=["key", columns.COUNTY_NAME], suffixes=("_old", "_new"))
    out = pd.DataFrame({"old_code": m["code_old"], "new_code": m["code_new"],
                        "name_old": m["name_old"], "name_new": m["name_new"],
                        columns.COUNTY_NAME: m[columns.COUNTY_NAME]})
    return out.sort_values("old_code").reset_index(drop=True)


class CodeResolver:
    """Maps codes as reported (9 or 12 digits, old or new list) to the codes of the run.

    Parameters
    ----------
    run_codes
        The run's town codes.
    crosswalk
        ``old_code`` / ``new_code`` pairs (:func:`code_crosswalk`); either side may be the
        run's list.
    """

    def __init__(self, run_codes, crosswalk: pd.DataFrame | None = None):
        self.by_canon = {canonical_code(c): c for c in run_codes}
        self.alias: dict[str, str] = {}
        if crosswalk is not None and len(crosswalk):
            for o, n in zip(crosswalk["old_code"].map(canonical_code),
                            crosswalk["new_code"].map(canonical_code), strict=True):
                if o in self.by_canon and n not in self.by_canon:
                    self.alias[n] = self.by_canon[o]
                elif n in self.by_canon and o not in self.by_canon:
                    self.alias[o] = self.by_canon[n]

    def __call__(self, code: object) -> tuple[str | None, bool]:
        """(run code or None, whether the code was translated through the crosswalk)."""
        c = canonical_code(code)
        if c in self.by_canon:
            return self.by_canon[c], False
        if c in self.alias:
            return self.alias[c], True
        return None, False


@dataclass(frozen=True)
class Reference:
    """Reference lists the matcher consults besides the run's towns.

    ``county_names``: six-digit county code → name, for counties of any list (2016 and
    current codes), so that a town is found by its county's name under either code.
    ``townships_2023``: ``code`` (9 digits), ``name``, ``county_code`` of the newer list (a
    code absent from the run is looked up here and matched by its name). ``crosswalk``:
    ``old_code``/``new_code`` pairs (:func:`code_crosswalk`).
    """

    county_names: dict = field(default_factory=dict)
    townships_2023: pd.DataFrame | None = None
    crosswalk: pd.DataFrame | None = None


# ------------------------------------------------------------------------- the matcher


class _RunIndex:
    """The run's towns indexed by code, name, key and county for :func:`match_rows`."""

    def __init__(self, towns: pd.DataFrame, ref: Reference):
        n = len(towns)
        blank = pd.Series("", index=towns.index)
        self.code = towns["code"].astype(str).to_list()
        self.name = towns["name"].astype(str).to_list()
        self.county_name = towns.get(columns.COUNTY_NAME, blank).fillna("").astype(str).to_list()
        self.norm = [normalise_name(x) for x in self.name]
        self.key = [name_key(x) for x in self.name]
        c1 = towns.get(columns.COUNTY_CODE, blank).to_list()
        c2 = towns.get(columns.COUNTY_CODE_INPUT, blank).to_list()
        self.county_codes = [{str(a)[:6] for a in (x, y) if isinstance(a, str) and a}
                             for x, y in zip(c1, c2, strict=True)]
        self.county_keys = [
            {county_key(v) for v in [cn, *(ref.county_names.get(c, "") for c in cs)] if v}
            for cn, cs in zip(self.county_name, self.county_codes, strict=True)]
        self.by_code = {canonical_code(c): i for i, c in enumerate(self.code)}
        self.by_county_code: dict[str, set[int]] = {}
        self.by_county_key: dict[str, set[int]] = {}
        for i in range(n):
            for c in self.county_codes[i]:
                self.by_county_code.setdefault(c, set()).add(i)
            for k in self.county_keys[i]:
                self.by_county_key.setdefault(k, set()).add(i)
        self.all = set(range(n))
        self.resolver = CodeResolver(self.code, ref.crosswalk)
        t23 = ref.townships_2023
        self.t23: dict[str, tuple[str, str]] = {}
        self.t23_by_key: dict[str, list[str]] = {}
        if t23 is not None and len(t23):
            county_col = columns.COUNTY_CODE if columns.COUNTY_CODE in t23 else "areaCode"
            for c, nm, cc in zip(t23["code"].map(canonical_code), t23["name"].astype(str),
                                 t23[county_col].astype(str), strict=True):
                self.t23[c] = (nm, cc)
                self.t23_by_key.setdefault(name_key(nm), []).append(c)

    def county_pool(self, county: str) -> set[int] | None:
        """Towns of the county given by code or name; None when no county is given."""
        if not county:
            return None
        c = clean_code(county)
        if re.fullmatch(r"\d{6}(?:\d{6})?", c):
            return self.by_county_code.get(c[:6], set())
        return self.by_county_key.get(county_key(county), set())

    def label(self, i: int) -> str:
        return f"{self.name[i]}/{self.county_name[i] or '?'}"

    def by_name(self, name: str, county: str) -> tuple[list[int], str]:
        """Run towns that ``name`` (in ``county`` when given) designates, and how."""
        pool = self.county_pool(county)
        cand = self.all if pool is None else pool
        if not cand:
            return [], ""
        hit = [i for i in cand if self.name[i] == name]
        if len(hit) == 1:
            return hit, "name"
        norm = normalise_name(name)
        hit = [i for i in cand if self.norm[i] == norm]
        if len(hit) == 1:
            return hit, "name (normalised: brackets, width, spaces)"
        key = name_key(name)
        hit = sorted(i for i in cand if self.key[i] == key)
        if hit:
            return hit, "name (ignoring suffix/notes)"
        # Renamed since 2016: the 2023 list has the name, the run has its code.
        hit = sorted(self.by_code[c] for c in self.t23_by_key.get(key, [])
                     if c in self.by_code and self.by_code[c] in cand)
        if hit:
            return hit, "renamed (2023 name, same code)"
        if len(key) >= 2 and pool is not None:
            hit = sorted(i for i in cand if len(self.key[i]) >= 2
                         and (self.key[i].startswith(key) or key.startswith(self.key[i])))
            if hit:
                return hit, "similar name in county (one name extends the other)"
        return [], ""

    def by_code23(self, code: str) -> tuple[list[int], str]:
        n23, a23 = self.t23[code]
        hit, how = self.by_name(n23, a23)
        if not hit:  # the county code changed too: the name unique across the province
            hit, how = self.by_name(n23, "")
        return hit, (f"2023 code → {n23}: {how}" if hit else "")


def _match_one(ix: _RunIndex, code: str, name: str, county: str
               ) -> tuple[list[int], str, bool]:
    """(candidate towns, how or why not, name check failed) for one row."""
    code9 = canonical_code(code)
    note = ""
    if code and not is_township_code(code):
        note = f"code {code!r} is not a 9- or 12-digit township code"
        code9 = ""
    if code9 and code9 in ix.by_code:
        i = ix.by_code[code9]
        if not name or name_key(name) == ix.key[i]:
            return [i], "code", False
        if code9 in ix.t23 and name_key(ix.t23[code9][0]) == name_key(name):
            # The row gives the 2023 name of this code: the town renamed (same code), or a
            # 2023 code that the 2016 list gives to another town.
            hit, how = ix.by_code23(code9)
            if len(hit) == 1 and hit[0] != i:
                return hit, how + f" (the 2016 list gives {code9} to {ix.name[i]})", False
            return [i], "code (the row gives its 2023 name)", False
        return [i], (f"code (CHECK: the row names {name}, the code is {ix.name[i]})"), True
    if code9:
        rc, via = ix.resolver(code9)
        if rc is not None and via:
            i = ix.by_code[canonical_code(rc)]
            year = "2023 " if code9 in ix.t23 else ""
            return [i], f"{year}code {code9} → {rc} (2016↔2023 code crosswalk)", False
        if code9 in ix.t23:
            hit, how = ix.by_code23(code9)
            if hit:
                return hit, how, False
            n23, a23 = ix.t23[code9]
            note = (f"2023 code {code9} is {n23} (county {a23}), a name no town of the run "
                    "has")
        else:
            note = f"code {code} is in neither the 2016 nor the 2023 list"
    if name:
        hit, how = ix.by_name(name, county)
        if hit:
            return hit, (f"{how} ({note})" if note else how), False
        pool = ix.county_pool(county)
        if pool is not None and not pool:
            why = f"no county {county} among the run's towns"
        else:
            where = f" in county {county}" if county else ""
            why = f"no town named {name}{where}"
        return [], why + (f"; {note}" if note else ""), False
    return [], note or "neither a code nor a name", False


def match_rows(rows: pd.DataFrame, towns: pd.DataFrame, reference: Reference | None = None,
               *, code: str = "code", name: str = "name", county: str = "county"
               ) -> pd.DataFrame:
    """Match each row of a table to the run's towns, tolerantly; every row is kept.

    In order: the code (9 or 12 digits) in the run's towns (a row whose name disagrees is
    kept, flagged ``match_check``, unless the code is a 2023 code the 2016 list gives to
    another town and the name confirms the 2023 reading); the code through the crosswalk;
    a 2023 code resolved to its name and county and matched by name (codes that changed
    since 2016, e.g. 公主岭 220381→220184); the name within the county (code or name),
    exact, normalised (:func:`normalise_name`) or by :func:`name_key`; a renamed town (name
    in the 2023 list whose code is in the run); a unique town of the county whose core name
    extends the given one (马鞍镇 ↔ 马鞍山镇).

    Parameters
    ----------
    rows
        The table; ``code``, ``name``, ``county`` name its columns (absent columns count as
        empty). ``county`` may hold a 6-digit county code or a county name.
    towns
        The run's towns: ``code``, ``name``, and optionally ``county_code``,
        ``county_code_input`` and ``county_name``.
    reference
        County names, the 2023 list and the crosswalk
        (:func:`spatial_towns.datasets.matching_reference`); default none of them.

    Returns
    -------
    pandas.DataFrame
        ``rows`` (same index) plus ``town_code`` (the run's code or NA), ``town_name``,
        ``town_county``, ``match_status`` (``matched``, ``unmatched`` or ``ambiguous``),
        ``match_reason`` (how matched, or why not) and ``match_check`` (matched by code but
        the row's name names another town). Rows giving the same town are all marked
        ``DUPLICATE`` in their reason.
    """
    ix = _RunIndex(towns, reference or Reference())
    n = len(rows)

    def col(c: str) -> list[str]:
        if c not in rows.columns:
            return [""] * n
        return ["" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
                for v in rows[c]]

    out: dict[str, list] = {k: [] for k in MATCH_COLUMNS}
    for c, nm, cty in zip(col(code), col(name), col(county), strict=True):
        hit, how, check = _match_one(ix, c, nm, cty)
        if len(hit) == 1:
            i = hit[0]
            vals = (ix.code[i], ix.name[i], ix.county_name[i], MATCHED, how, check)
        elif hit:
            why = (f"{len(hit)} towns match ({', '.join(ix.label(i) for i in hit[:6])}); "
                   "give the code or the county")
            vals = (pd.NA, "", "", AMBIGUOUS, why, False)
        else:
            vals = (pd.NA, "", "", UNMATCHED, how, False)
        for k, v in zip(MATCH_COLUMNS, vals, strict=True):
            out[k].append(v)
    res = pd.DataFrame(out, index=rows.index)
    res["town_code"] = res["town_code"].astype("string")
    res["match_check"] = res["match_check"].astype(bool)
    dup = (res["match_status"] == MATCHED) & res["town_code"].duplicated(keep=False)
    res.loc[dup, "match_reason"] = (res.loc[dup, "match_reason"]
                                    + " (DUPLICATE: several rows give this town)")
    return pd.concat([rows.drop(columns=[c for c in MATCH_COLUMNS if c in rows.columns]), res],
                     axis=1)


def summary(matched: pd.DataFrame) -> dict[str, int]:
    """Row counts by ``match_status`` (every status present, zeros included)."""
    counts = matched["match_status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in (MATCHED, UNMATCHED, AMBIGUOUS)}
