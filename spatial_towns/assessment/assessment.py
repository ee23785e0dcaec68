"""The yearly assessment of demonstration towns (plan 六(三) 严格考核考评).

Each year the provincial towns are ranked by an assessment score; the top ``commend_top``
are commended (通报表扬), the bottom ``criticise_bottom`` criticised (通报批评); a town
criticised ``eliminate_after`` years running is eliminated (淘汰) and replaced by an excellent
municipal town (由考核优秀的市级示范镇递补). The outcome is appended to a designation ledger
(:mod:`._ledger`) that carries every designated town's tier from year to year.

The assessment score (0-100) is the transparent weighted sum of :mod:`.scoring` over the
indicator columns of the year's table (``[[assessment.indicators]]``), plus the town's
spatial score from that year's pipeline run when ``spatial_weight`` > 0 (0 by default: the
assessment is of construction performance, not location). With ``ranking_scale =
"provincial"`` (default) every indicator is min-max normalised over the provincial towns
alone, so their ranking does not depend on which municipal towns are assessed, and the
municipal towns are scored on that same scale; ``"assessed"`` normalises over both.

Rules as implemented (all stated again in every report):

- Ranking ties: equal scores (to 1e-9) are ordered by the higher spatial score, then by the
  smaller town code, so the outcome never depends on row order.
- "Two years running" means consecutive *calendar* years by default (``streak =
  "calendar"``): when a year is skipped, the streak restarts. ``streak = "assessments"``
  counts consecutive assessments instead, whatever the gap.
- Excellence: a municipal town may replace an eliminated one only when its score reaches
  the ``excellent_quantile`` (default 0.5) of the provincial towns' scores (由考核优秀的
  市级示范镇递补); 0 disables the test.
- Replacement: the best excellent municipal town (assessment score, same tie-break) of the eliminated
  town's prefecture (``replacement_prefecture = "always"``), or of the province unless the
  prefecture would fall below its per-prefecture minimum (``"when_needed"``). With no municipal
  town left in that prefecture, ``no_same_prefecture = "warn"`` promotes the best one
  province-wide and the report flags the broken minimum; ``"error"`` raises
  :class:`~spatial_towns.errors.QuotaError`.
- An eliminated town leaves the programme (no tier) and is never backfilled again. The plan
  does not refill the municipal tier, so by default nothing is; ``backfill_municipal = true``
  refills a promoted town's municipal place with the best eligible town of its prefecture
  outside the two upper tiers (untiered or county-tier; ``backfill_pool``) by the year's
  spatial score.

>>> from spatial_towns import assessment                                 # doctest: +SKIP
>>> a = assessment.YearlyAssessment.from_files(           # doctest: +SKIP
...     2024, "ind_2024.csv", "ledger.jsonl", run="outputs/jilin-default")
>>> result = a.solve(); assessment.write_outputs(result, "outputs")       # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import columns, errors
from .. import config as config_mod
from ..data import datasets, io, matching
from ..mcda import scoring
from ..pipeline import records, runfolder
from . import _rules
from . import ledger as _ledger

META_COLUMNS = ("name", "county", "county_name", "prefecture", "prefecture_name", "note",
                "source")
SPATIAL = "spatial_score"
EVENT_ORDER = ["selected", "recoded", "renamed", "commended", "criticised", "eliminated",
               "promoted", "backfilled"]


# --------------------------------------------------------------------------- codes


# The matcher owns codes and the crosswalk; these names stay for callers of this module.
code_crosswalk = matching.code_crosswalk
crosswalk_2016_2023 = datasets.crosswalk_2016_2023


# --------------------------------------------------------------------------- indicators


@dataclass
class Indicators:
    """A validated indicator table. ``values`` is indexed by the run's town code, one float
    column per configured indicator (NaN where the cell was blank)."""

    path: Path
    sha256: str
    values: pd.DataFrame
    reported: pd.Series
    warnings: list[str] = field(default_factory=list)
    synthetic: bool = False


def _read_any(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise errors.InputDataError(f"indicator table {path} not found")
    try:
        return io.read_table(path)  # CSV or the first sheet of an XLSX
    except errors.InputDataError as exc:
        raise errors.InputDataError(f"indicator table: {exc}") from None


def read_indicators(path: str | Path, year: int, indicators: tuple[config_mod.Criterion, ...],
                    towns: pd.DataFrame, crosswalk: pd.DataFrame | None = None) -> Indicators:
    """Read and validate a year's indicator table (CSV, UTF-8 or GBK, or XLSX).

    Parameters
    ----------
    path
        Table with ``code``, ``year`` and one column per configured indicator; ``name``,
        ``county``, ``prefecture``, ``note`` and ``source`` are accepted as information.
    year
        The assessment year; every row must carry it.
    indicators
        ``cfg.assessment.indicators``.
    towns
        The year's run towns (``code``, ``name``); codes are matched in 9- or 12-digit form and
        through ``crosswalk`` (``old_code``/``new_code``) when the table uses the other list.

    Raises
    ------
    spatial_towns.errors.InputDataError
        Missing ``code``/``year``/indicator columns, rows of another year, duplicate towns, or
        non-numeric indicator values (each named with town and column). Unknown codes and
        unconfigured columns are not fatal: they are listed in ``warnings``.
    """
    path = Path(path)
    df = _read_any(path)
    df.columns = [str(c).strip() for c in df.columns]
    need = ["code", "year"] + [c.column for c in indicators]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise errors.InputDataError(
            f"indicator table {path}: missing column(s) {missing}; found {list(df.columns)} "
            "(indicator columns are set in [[assessment.indicators]] of the config)")
    warnings = []
    extra = [c for c in df.columns if c not in need and c not in META_COLUMNS]
    if extra:
        warnings.append(f"{path.name}: column(s) {extra} are not configured indicators; ignored")
    df["code"] = df["code"].astype("string").str.strip()
    if df["code"].isna().any():
        rows = [int(i) + 2 for i in np.flatnonzero(df["code"].isna())]
        raise errors.InputDataError(f"indicator table {path}: rows {rows[:10]} have no code")
    years = pd.to_numeric(df["year"], errors="coerce")
    wrong = df.loc[years != year, "code"].tolist()
    if wrong:
        raise errors.InputDataError(
            f"indicator table {path}: {len(wrong)} row(s) are not for year {year} (towns "
            f"{wrong[:5]}); give one table per year")
    dup = sorted(set(df.loc[df["code"].duplicated(), "code"]))
    if dup:
        raise errors.InputDataError(f"indicator table {path}: towns listed twice: {dup[:10]}")
    resolve = matching.CodeResolver(towns["code"], crosswalk)
    names = towns.set_index("code")["name"]
    run_code, recoded = zip(*(resolve(c) for c in df["code"]), strict=False) if len(df) else ((), ())
    df["run_code"] = list(run_code)
    for rep, rc, via in zip(df["code"], df["run_code"], recoded, strict=False):
        if via:
            warnings.append(f"code {rep} (as reported) matched to {rc} {names[rc]} through the "
                            "code crosswalk (recoded between township lists)")
    unknown = df[df["run_code"].isna()]
    for _, row in unknown.iterrows():
        label = f" ({row['name']})" if "name" in df and pd.notna(row.get("name")) else ""
        warnings.append(f"unknown town code {row['code']}{label}: not in the year's town list "
                        "nor the code crosswalk; row ignored")
    dup = sorted(set(df.loc[df["run_code"].notna() & df["run_code"].duplicated(), "run_code"]))
    if dup:
        raise errors.InputDataError(
            f"indicator table {path}: several rows resolve to the same town {dup[:5]} (old and "
            "new code both given?)")
    known = df[df["run_code"].notna()]
    values = pd.DataFrame(index=pd.Index(known["run_code"], name="code"))
    bad = []
    for c in indicators:
        raw = known[c.column].astype("string").str.strip()
        num = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce")
        for rep, v in zip(known.loc[num.isna() & raw.notna() & (raw != ""), "code"],
                          raw[num.isna() & raw.notna() & (raw != "")], strict=False):
            bad.append(f"{rep}/{c.column}={v!r}")
        values[c.column] = num.to_numpy(dtype=float)
    if bad:
        raise errors.InputDataError(
            f"indicator table {path}: non-numeric indicator value(s) (town/column=value): "
            f"{', '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}")
    synthetic = "source" in df and df["source"].astype(str).str.contains("SYNTHETIC").any()
    return Indicators(path=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                      values=values, reported=pd.Series(known["code"].to_numpy(),
                                                        index=values.index),
                      warnings=warnings, synthetic=bool(synthetic))


def synthetic_indicators(towns: pd.DataFrame, year: int, seed: int = 0,
                         indicators: tuple[config_mod.Criterion, ...] | None = None) -> pd.DataFrame:
    """A SYNTHETIC indicator table for demonstrations and tests — not real data.

    Each town gets a persistent level (seeded by ``seed`` and its code) plus a yearly shock
    (seeded by ``seed``, code and ``year``), so towns that do badly tend to do badly again, as
    the elimination rule presumes. Every row's ``source`` says SYNTHETIC.

    Parameters
    ----------
    towns
        Frame with ``code`` and ``name``.
    indicators
        Columns to generate (default: the default config's indicators); values are positive,
        ``*_pct`` columns lie in 5-100.
    """
    indicators = indicators or config_mod.load().assessment.indicators
    rows = []
    for code, name in sorted(zip(towns["code"], towns["name"], strict=False)):
        key = int(matching.canonical_code(code))
        level = np.random.default_rng([seed, key]).normal(size=len(indicators) + 1)
        shock = np.random.default_rng([seed, key, year]).normal(size=len(indicators))
        row = {"code": code, "year": year, "name": name}
        for k, c in enumerate(indicators):
            z = 0.6 * level[0] + 0.5 * level[k + 1] + 0.45 * shock[k]
            if c.column.endswith("_pct"):
                row[c.column] = round(float(np.clip(75 + 12 * z, 5, 100)), 1)
            else:
                row[c.column] = int(round(10000 * np.exp(0.5 * z)))
        row["source"] = f"SYNTHETIC (seed {seed}), not real data"
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the model


@dataclass
class AssessmentResult:
    """Outcome of :meth:`YearlyAssessment.solve`.

    ``towns`` has one row per town in the ledger for ``year`` (every town designated before
    or after the assessment) with ``tier_before``, ``tier``, ``events``, ``reason``,
    ``score``, ``rank``; ``ranking`` the provincial ranking; ``notes`` the rule outcomes;
    ``warnings`` validation findings. ``already`` is True when the ledger already held this
    exact year (a re-run: nothing is appended).
    """

    year: int
    towns: pd.DataFrame
    ranking: pd.DataFrame
    candidates: pd.DataFrame
    notes: list[str]
    warnings: list[str]
    town_lines: list[str]
    year_record: dict
    already: bool
    ledger: _ledger.Ledger
    base: _ledger.Ledger
    run: object
    cfg: config_mod.Config
    indicators: Indicators
    used: list
    files: dict = field(default_factory=dict)

    def events(self, name: str) -> pd.DataFrame:
        """Towns with event ``name`` (e.g. ``"eliminated"``) this year."""
        return self.towns[self.towns["events"].map(lambda e: name in e)]


class YearlyAssessment:
    """One year's assessment. Build with :meth:`from_files`, then call :meth:`solve`."""

    def __init__(self, year: int, cfg: config_mod.Config, run, ledger: _ledger.Ledger,
                 indicators: Indicators, designation: pd.DataFrame | None = None,
                 designation_source: str = "", crosswalk: pd.DataFrame | None = None):
        if len(cfg.tiers) < 2:
            raise errors.ConfigError("the assessment needs at least two tiers (provincial and "
                                     "municipal) in [[tiers]]")
        self.year, self.cfg, self.run, self.ledger = int(year), cfg, run, ledger
        self.indicators = indicators
        self.designation = designation
        self.designation_source = designation_source
        self.crosswalk = crosswalk
        self.notes_extra: list[str] = []

    @classmethod
    def from_files(cls, year: int, indicators: str | Path, ledger: str | Path,
                   cfg: config_mod.Config | None = None,
                   run: records.RunResult | runfolder.RunFolder | str | Path | None = None,
                   designation: str | Path | None = None,
                   crosswalk: str | Path | pd.DataFrame | None = None) -> YearlyAssessment:
        """Read the ledger and the year's indicator table.

        Parameters
        ----------
        year
            Assessment year.
        indicators
            The year's indicator table (CSV or XLSX).
        ledger
            Ledger path (JSON Lines); absent means this is the first year.
        run
            The year's pipeline run: a :class:`~spatial_towns.pipeline.RunResult`, or the
            folder a run wrote (``<output>/<run_name>/``, read by
            :func:`spatial_towns.pipeline.read_run`). The assessment does not run the
            pipeline itself.
        designation
            First year only: CSV with ``code`` and ``tier`` (the designation as announced);
            default the run's own tiers.
        crosswalk
            Code crosswalk (``old_code``, ``new_code``); default :func:`crosswalk_2016_2023`.
        """
        cfg = cfg or config_mod.load()
        led = _ledger.read(ledger)
        if designation is not None and led.assessed_years() and min(led.assessed_years()) < year:
            raise errors.InputDataError(
                f"--designation is for the first year only; ledger {led.path} already holds "
                f"years {led.assessed_years()} and with them the designation")
        later = [y for y in led.assessed_years() if y > year]
        if later and year not in led.years:
            raise errors.InputDataError(
                f"ledger {led.path} already holds {later}; it is append-only, so {year} cannot "
                "be inserted before them")
        if run is None:
            raise errors.ConfigError(
                "the assessment needs the year's pipeline run: pass run= a RunResult or the "
                "run's output folder (spatial-towns assess --run <output>/<run_name>)")
        if isinstance(run, (str, Path)):
            run = runfolder.read_run(run)
        if crosswalk is None:
            xw = crosswalk_2016_2023(run.counties)
        elif isinstance(crosswalk, pd.DataFrame):
            xw = crosswalk
        else:
            xw = io.read_table(Path(crosswalk))
            if not {"old_code", "new_code"} <= set(xw.columns):
                raise errors.InputDataError(f"crosswalk {crosswalk}: needs columns old_code, new_code")
        ind = read_indicators(indicators, year, cfg.assessment.indicators, run.towns, xw)
        des, src = None, ""
        if designation is not None:
            des = _read_designation(Path(designation), run.towns, xw, cfg)
            src = f"designation file {Path(designation).name}"
        return cls(year, cfg, run, led, ind, des, src, xw)

    # ------------------------------------------------------------------ solve

    def solve(self) -> AssessmentResult:
        """Rank, commend, criticise, eliminate, replace and backfill; nothing is written."""
        base = self.ledger.before(self.year) if self.year in self.ledger.years else self.ledger
        a = self.cfg.assessment
        prov, muni = self.cfg.tiers[0].name, self.cfg.tiers[1].name
        towns = self.run.towns.set_index("code", drop=False)
        towns.index.name = None
        notes, warnings = [], list(self.indicators.warnings)
        des = self._designation(base, towns, warnings)
        notes += self.notes_extra
        pool = des.index[des["tier_before"].isin([prov, muni])]
        table, complete = self._table(des, pool, towns, prov, warnings)
        spatial = (config_mod.Criterion(SPATIAL, "benefit", a.spatial_weight,
                                        "空间区位得分 (spatial score)"),)
        crit = tuple(a.indicators) + (spatial if a.spatial_weight > 0 else ())
        used = scoring.resolve(table, complete, crit)
        scored = self._score(table, complete, used, des, prov)
        des["score"] = scored["score"].reindex(des.index)
        des["spatial_score"] = table[SPATIAL].reindex(des.index)
        for col in [c for c in scored.columns if c.startswith("contrib_")]:
            des[col] = scored[col].reindex(des.index)
        des["rank"] = np.nan

        ranking, eliminated = _rules.rank(des, base, prov, notes, warnings, cfg=self.cfg,
                                          year=self.year)

        cands = _rules.best_first(des[(des["tier_before"] == muni) & des["score"].notna()])
        cands = self._excellent(des, cands, ranking, notes)
        des["tier"] = des["tier_before"]
        _rules.replace(des, eliminated, cands, prov, muni, notes, warnings, cfg=self.cfg)
        for code in des.index[(des["tier_before"] == muni) & (des["tier"] == muni)]:
            if not des.at[code, "reason"]:
                des.at[code, "reason"] = ("not assessed: no complete indicators"
                                          if pd.isna(des.at[code, "score"]) else
                                          f"municipal candidate, assessment score "
                                          f"{des.at[code, 'score']:.1f}")
        if not eliminated:
            notes.append(f"No town was eliminated: none was in the bottom {a.criticise_bottom} "
                         f"for {a.eliminate_after} consecutive "
                         f"{'calendar years' if a.streak == 'calendar' else 'assessments'}.")
        if a.backfill_municipal:
            des = _rules.backfill(des, towns, base, prov, muni, notes, warnings, cfg=self.cfg,
                                  reported=self.indicators.reported)
        return self._result(des, ranking, cands, notes, warnings, used, base, prov)

    def _score(self, table: pd.DataFrame, complete: pd.Series, used: list,
               des: pd.DataFrame, prov: str) -> pd.DataFrame:
        """Assessment scores. ``ranking_scale = "provincial"``: the scale is set by the
        provincial towns alone, so their ranking does not depend on which municipal towns
        are assessed, and a municipal town is scored on the same scale (comparable, may pass
        100). ``"assessed"``: min-max over every assessed town."""
        if self.cfg.assessment.ranking_scale == "assessed":
            return scoring.score(table, complete, used)
        provincial = complete & (des["tier_before"].reindex(table.index) == prov)
        return scoring.score_against(table, provincial, complete, used)

    def _excellent(self, des: pd.DataFrame, cands: pd.DataFrame, ranking: pd.DataFrame,
                   notes: list[str]) -> pd.DataFrame:
        """The municipal towns rated excellent (考核优秀): score at least the
        ``excellent_quantile`` of the provincial towns' scores this year. Only they may
        replace an eliminated town (由考核优秀的市级示范镇递补)."""
        q = self.cfg.assessment.excellent_quantile
        if q <= 0 or ranking.empty:
            return cands
        bar = float(np.quantile(ranking["score"].to_numpy(dtype=float), q))
        ok = cands["score"] >= bar - 1e-9
        for code in cands.index[~ok]:
            why = (f"municipal, assessment score {des.at[code, 'score']:.1f}: below the "
                   f"excellence bar {bar:.1f} (the {q:.0%} quantile of the provincial towns' "
                   "scores), not a replacement candidate")
            des.at[code, "reason"] = "; ".join(x for x in (des.at[code, "reason"], why) if x)
        notes.append(f"Excellence (考核优秀) bar for replacing an eliminated town: assessment "
                     f"score ≥ {bar:.1f}, the {q:.0%} quantile of the {len(ranking)} provincial "
                     f"towns' scores; {int(ok.sum())} of {len(cands)} assessed municipal towns "
                     "reach it.")
        return cands[ok]

    def _designation(self, base: _ledger.Ledger, towns: pd.DataFrame,
                     warnings: list[str]) -> pd.DataFrame:
        cols = list(columns.IDENTITY)
        first = not base.assessed_years()
        if first:
            if self.designation is not None:
                src = self.designation
            else:
                sel = towns[towns[columns.TIER] != ""]
                src = pd.DataFrame({"tier": sel[columns.TIER], "why": sel[columns.REASON]},
                                   index=sel.index)
                self.designation_source = (f"pipeline run '{self.run.cfg.run_name}' (tiers of "
                                           "the joint selection)")
            des = towns.loc[src.index, cols].copy()
            des["tier_before"] = src["tier"]
            des["events"] = [["selected"] for _ in range(len(des))]
            des["reason"] = ("selected (" + self.designation_source + "): " + src["why"]).str.rstrip(": ")
            des["prior_codes"] = [[c] for c in des.index]
            des["tier_before"] = des["tier_before"].astype(object)
        else:
            state = base.state()
            resolve = matching.CodeResolver(towns["code"], self.crosswalk)
            rows = []
            for code, row in state.iterrows():
                rc, via = resolve(code)
                if rc is None:
                    raise errors.InputDataError(
                        f"designated town {code} {row['name']} ({row['tier']}) of ledger "
                        f"{base.path} is not in the year's town list nor the code crosswalk; "
                        "give a --crosswalk that maps it")
                ev, why = [], []
                if via:
                    ev.append("recoded")
                    why.append(f"recoded {code} → {rc}")
                if towns.at[rc, "name"] != row["name"]:
                    ev.append("renamed")
                    why.append(f"renamed {row['name']} → {towns.at[rc, 'name']}")
                rows.append({**towns.loc[rc, cols].to_dict(), "tier_before": row["tier"],
                             "events": ev, "reason": "; ".join(why),
                             "prior_codes": sorted({code, rc})})
            des = pd.DataFrame(rows, columns=cols + ["tier_before", "events", "reason",
                                                     "prior_codes"]).set_index("code", drop=False)
        des.index.name = None  # "code" stays a column; an index of that name is ambiguous
        rep = self.indicators.reported
        des["code_reported"] = [rep.get(c, c) for c in des.index]
        for code in des.index:
            reported = des.at[code, "code_reported"]
            if matching.canonical_code(reported) != matching.canonical_code(code):
                _rules.add_event(des, code, "recoded",
                                 f"reported as {des.at[code, 'code_reported']} in "
                                 f"{self.indicators.path.name}: the same town through the code "
                                 "crosswalk; the ledger keeps the code of the year's town list")
        outside = [c for c in self.indicators.values.index if c not in des.index]
        if outside:
            self.notes_extra = [f"{len(outside)} indicator row(s) are for towns outside the "
                                "designation (not assessed): " + ", ".join(
                                    f"{towns.at[c, 'name']} {c}" for c in outside[:8])
                                + (" ..." if len(outside) > 8 else "")]
        return des

    def _table(self, des, pool, towns, prov, warnings):
        a = self.cfg.assessment
        vals = self.indicators.values
        table = vals.reindex(pool)
        table[SPATIAL] = towns[columns.SCORE].reindex(pool).astype(float)
        label = des["name"] + " " + des.index
        no_row = [c for c in pool if c not in vals.index]
        fatal = []
        for code in no_row:
            if des.at[code, "tier_before"] == prov:
                fatal.append(f"{label[code]}: no row in {self.indicators.path.name}")
            else:
                warnings.append(f"municipal town {label[code]} has no row in "
                                f"{self.indicators.path.name}: not a replacement candidate")
        cols = [c.column for c in a.indicators if c.weight > 0]
        for code in pool:
            if code in no_row:
                continue
            gaps = [c for c in cols if pd.isna(table.at[code, c])]
            if a.spatial_weight > 0 and pd.isna(table.at[code, SPATIAL]):
                why = towns.at[code, columns.REASON] if columns.REASON in towns else ""
                gaps.append(f"{SPATIAL} (the year's run: {why})")
            if gaps and des.at[code, "tier_before"] == prov:
                fatal.append(f"{label[code]}: no value for {', '.join(gaps)}")
            elif gaps:
                warnings.append(f"municipal town {label[code]} lacks {', '.join(gaps)}: not a "
                                "replacement candidate")
        if fatal:
            raise errors.InputDataError(
                f"{len(fatal)} provincial town(s) cannot be ranked: " + "; ".join(fatal[:10]))
        complete = table[cols + ([SPATIAL] if a.spatial_weight > 0 else [])].notna().all(axis=1)
        return table, complete

    def _result(self, des, ranking, cands, notes, warnings, used, base, prov) -> AssessmentResult:
        des = des.copy()
        des["events"] = des["events"].map(lambda e: sorted(e, key=EVENT_ORDER.index))
        tier_rank = {t.name: k for k, t in enumerate(self.cfg.tiers)}
        des["_o"] = des["tier"].map(tier_rank).fillna(-1)
        des = des.sort_values(["_o", "rank", "code"], kind="stable").drop(columns="_o")
        lines = []
        for _code, r in des.iterrows():
            rec = {"kind": "town", "year": self.year}
            for f in _ledger.TOWN_FIELDS[1:]:
                v = r.get(f)
                if f in ("score", "spatial_score"):
                    v = None if pd.isna(v) else round(float(v), 4)
                elif f == "rank":
                    v = None if pd.isna(v) else int(v)
                elif f != "events":
                    v = "" if v is None or (not isinstance(v, list) and pd.isna(v)) else str(v)
                rec[f] = v
            lines.append(_ledger.dumps(rec))
        a = self.cfg.assessment
        cfg_hash = hashlib.sha256(json.dumps(self.cfg.to_dict(), sort_keys=True,
                                             ensure_ascii=False).encode()).hexdigest()
        summary = {ev: sorted(c for c in des.index if ev in des.at[c, "events"])
                   for ev in EVENT_ORDER if ev != "selected"}
        record = {
            "kind": "year", "year": self.year, "n_towns": len(lines),
            "towns_sha256": _ledger.lines_sha256(lines),
            "inputs": {"indicators": self.indicators.path.name,
                       "indicators_sha256": self.indicators.sha256,
                       "config_sha256": cfg_hash,
                       "designation": self.designation_source if not base.assessed_years()
                       else f"ledger up to {max(base.assessed_years())}"},
            "rules": {"commend_top": a.commend_top, "criticise_bottom": a.criticise_bottom,
                      "eliminate_after": a.eliminate_after, "streak": a.streak,
                      "replacement_prefecture": a.replacement_prefecture,
                      "no_same_prefecture": a.no_same_prefecture,
                      "backfill_municipal": a.backfill_municipal},
            "summary": summary,
            "tier_counts": {t.name: int((des["tier"] == t.name).sum()) for t in self.cfg.tiers},
        }
        already = False
        if self.year in self.ledger.years:
            stored = self.ledger.years[self.year]
            if stored == record and self.ledger.town_lines[self.year] == lines:
                already = True
                notes.insert(0, f"Year {self.year} is already in the ledger with identical inputs "
                                "and results: the ledger is unchanged (idempotent re-run).")
            else:
                changed = sum(x != y for x, y in zip(self.ledger.town_lines[self.year], lines, strict=False))
                raise errors.InputDataError(
                    f"year {self.year} is already in ledger {self.ledger.path} with different "
                    f"inputs or results ({changed} town line(s) differ; indicators sha256 "
                    f"{stored['inputs']['indicators_sha256'][:12]} then, "
                    f"{self.indicators.sha256[:12]} now); the ledger is append-only — use a "
                    "new ledger file to assess it differently")
        return AssessmentResult(year=self.year, towns=des, ranking=des.loc[ranking.index],
                                candidates=cands, notes=notes, warnings=warnings, town_lines=lines,
                                year_record=record, already=already, ledger=self.ledger,
                                base=base, run=self.run, cfg=self.cfg,
                                indicators=self.indicators, used=used)


def _read_designation(path: Path, towns: pd.DataFrame, xw: pd.DataFrame,
                      cfg: config_mod.Config) -> pd.DataFrame:
    df = _read_any(path)
    if not {"code", "tier"} <= set(df.columns):
        raise errors.InputDataError(f"designation {path}: needs columns code and tier")
    names = [t.name for t in cfg.tiers]
    bad = df.loc[~df["tier"].isin(names), "tier"].unique().tolist()
    if bad:
        raise errors.InputDataError(f"designation {path}: unknown tier(s) {bad}; known: {names}")
    resolve = matching.CodeResolver(towns["code"], xw)
    codes = [resolve(c)[0] for c in df["code"]]
    unknown = [c for c, r in zip(df["code"], codes, strict=False) if r is None]
    if unknown:
        raise errors.InputDataError(f"designation {path}: unknown town code(s) {unknown[:10]}")
    out = pd.DataFrame({"tier": df["tier"].to_numpy(),
                        "why": df.get("reason", pd.Series("", index=df.index)).fillna("").to_numpy()},
                       index=pd.Index(codes, name="code"))
    if out.index.duplicated().any():
        raise errors.InputDataError(f"designation {path}: towns listed twice "
                                    f"{sorted(set(out.index[out.index.duplicated()]))[:10]}")
    return out


# --------------------------------------------------------------------------- outputs


def write_outputs(result: AssessmentResult, output_dir: str | Path = "outputs") -> dict:
    """Append the year to the ledger (unless it is already there) and write, under
    ``output_dir/assessment-<year>/``: ``report.md``, ``report.docx`` (the same in Chinese, for
    Word/WPS), ``changes_map.html``, ``assessment.csv`` (every ledger town of the year with score
    and contributions) and ``ledger.csv`` (the whole ledger so far, flat)."""
    from ..render import assessment_docx
    from ..render import assessment_report as _assessment_report

    out = Path(output_dir) / f"assessment-{result.year}"
    files = {}
    if not result.already:
        files["ledger"] = _ledger.append(result.ledger, result.town_lines, result.year_record)
    else:
        files["ledger"] = result.ledger.path
    ledger = _ledger.read(result.ledger.path)
    files["ledger.csv"] = io.atomic_write(
        out / "ledger.csv", lambda p: _ledger.to_frame(ledger).to_csv(
            p, index=False, encoding="utf-8-sig"))
    table = result.towns.drop(columns=["prior_codes"]).copy()
    table["events"] = table["events"].map(";".join)
    files["assessment.csv"] = io.atomic_write(
        out / "assessment.csv", lambda p: table.to_csv(p, index=False, encoding="utf-8-sig",
                                                       float_format="%.4f"))
    files["report.md"] = io.write_text(out / "report.md", _assessment_report.render(result))
    files["report.docx"] = io.write_bytes(out / "report.docx", assessment_docx.to_bytes(result))
    files["changes_map.html"] = io.write_text(out / "changes_map.html",
                                              _assessment_report.change_map_html(result))
    result.files = files
    return files


def assess(year: int, indicators: str | Path, ledger: str | Path,
           cfg: config_mod.Config | None = None,
           run: records.RunResult | runfolder.RunFolder | str | Path | None = None,
           designation: str | Path | None = None,
           crosswalk: str | Path | pd.DataFrame | None = None,
           output_dir: str | Path | None = "outputs") -> AssessmentResult:
    """:meth:`YearlyAssessment.from_files` + :meth:`~YearlyAssessment.solve` +
    :func:`write_outputs` (skipped when ``output_dir`` is None)."""
    model = YearlyAssessment.from_files(year, indicators, ledger, cfg=cfg, run=run,
                                        designation=designation, crosswalk=crosswalk)
    result = model.solve()
    if output_dir is not None:
        write_outputs(result, output_dir)
    return result

