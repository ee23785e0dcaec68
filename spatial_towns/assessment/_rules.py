"""The plan's yearly rules on the designation frame (plan 六(三) 严格考核考评), the steps of
:meth:`~spatial_towns.assessment.assessment.YearlyAssessment.solve`: rank the provincial towns,
commend and criticise, count criticism streaks, eliminate and replace, backfill the municipal
tier. Each step writes events and reasons into ``des`` (the designation, indexed by code) and
appends to ``notes`` and ``warnings``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import columns, errors
from .. import config as config_mod
from . import ledger as _ledger


def add_event(des: pd.DataFrame, code: str, event: str, why: str) -> None:
    """Add ``event`` to town ``code``'s events and ``why`` to its reason."""
    des.at[code, "events"] = des.at[code, "events"] + [event]
    des.at[code, "reason"] = "; ".join(x for x in (des.at[code, "reason"], why) if x)


def best_first(df: pd.DataFrame) -> pd.DataFrame:
    """Best first: score (rounded to 1e-9), then spatial score, then the smaller code."""
    key = df.assign(_s=df["score"].round(9), _sp=df["spatial_score"].fillna(-np.inf),
                    _c=df.index)
    key = key.sort_values(["_s", "_sp", "_c"], ascending=[False, False, True], kind="stable")
    return key.drop(columns=["_s", "_sp", "_c"])


def tie_notes(ranking: pd.DataFrame, cut: int, what: str) -> list[str]:
    """A note when the ``cut``-th and the next town tie (the tie-break decides who is in)."""
    if cut <= 0 or cut >= len(ranking):
        return []
    s = ranking["score"].round(9)
    if s.iloc[cut - 1] != s.iloc[cut]:
        return []
    tied = ranking[s == s.iloc[cut]]
    names = ", ".join(f"{r['name']} {c} (spatial {r['spatial_score']:.2f})"
                      for c, r in tied.iterrows())
    return [f"Tie at the {what} cut-off: {names} share score {s.iloc[cut]:.4f}; broken by the "
            "higher spatial score, then the smaller code."]


def rank(des: pd.DataFrame, base: _ledger.Ledger, prov: str, notes: list[str],
         warnings: list[str], *, cfg: config_mod.Config, year: int) -> tuple[pd.DataFrame, list[str]]:
    """Rank the provincial towns (``rank`` in ``des``), commend the top and criticise the
    bottom; return the ranking and the criticised towns whose streak reaches
    ``eliminate_after`` (to be eliminated)."""
    a = cfg.assessment
    ranking = best_first(des[des["tier_before"] == prov])
    n = len(ranking)
    ranking["rank"] = np.arange(1, n + 1)
    des.loc[ranking.index, "rank"] = ranking["rank"]
    top = list(ranking.index[:min(a.commend_top, n)])
    bottom = [c for c in ranking.index[max(0, n - a.criticise_bottom):] if c not in top]
    if a.commend_top + a.criticise_bottom > n:
        warnings.append(f"only {n} provincial towns: the top {a.commend_top} and bottom "
                        f"{a.criticise_bottom} overlap; a town is never both (commended wins)")
    notes += tie_notes(ranking, a.commend_top, "commended")
    notes += tie_notes(ranking, n - a.criticise_bottom, "criticised")
    for k, code in enumerate(top):
        add_event(des, code, "commended",
                  f"rank {k + 1} of {n} (top {a.commend_top}): commended 通报表扬")

    eliminated = []
    for code in bottom:
        streak, note = criticism_streak(base, des.loc[code], cfg=cfg, year=year)
        r = int(des.at[code, "rank"])
        add_event(des, code, "criticised",
                  f"rank {r} of {n} (bottom {a.criticise_bottom}): criticised 通报批评; "
                  f"bottom {streak} {'year' if streak == 1 else 'years'} running")
        if note:
            notes.append(note)
        if streak >= a.eliminate_after:
            eliminated.append(code)
    for code in ranking.index:
        if not des.at[code, "reason"]:
            des.at[code, "reason"] = f"rank {int(des.at[code, 'rank'])} of {n}"
    return ranking, eliminated


def criticism_streak(base: _ledger.Ledger, row: pd.Series, *, cfg: config_mod.Config,
                     year: int) -> tuple[int, str]:
    """Years (``streak = "calendar"``) or assessments running, this one included, in which the
    town ``row`` (any of its prior codes) was criticised; and a note when a gap restarts it."""
    a = cfg.assessment
    hist = base.towns[base.towns["code"].isin(row["prior_codes"])]
    crit_years = {int(y) for y, ev in zip(hist["year"], hist["events"], strict=False) if "criticised" in ev}
    assessed = [y for y in base.assessed_years() if y < year]
    k, note = 0, ""
    if a.streak == "calendar":
        y = year - 1
        while y in crit_years:
            k, y = k + 1, y - 1
        if k == 0 and assessed and assessed[-1] in crit_years and assessed[-1] != year - 1:
            note = (f"{row['name']} {row.name}: criticised in {assessed[-1]} and {year}, "
                    f"but {year - 1} was not assessed; under the calendar-year rule the "
                    "two are not consecutive, so the streak restarts (not eliminated).")
    else:
        for y in reversed(assessed):
            if y not in crit_years:
                break
            k += 1
    return k + 1, note


def replace(des, eliminated, cands, prov, muni, notes, warnings, *, cfg: config_mod.Config) -> None:
    """Eliminate (淘汰) and replace (递补) each of ``eliminated``, worst first, by the best
    remaining of ``cands`` as ``replacement_prefecture`` and ``no_same_prefecture`` say."""
    a = cfg.assessment
    tmin = cfg.tiers[0].per_prefecture_min
    taken: set[str] = set()
    order = sorted(eliminated, key=lambda c: -des.at[c, "rank"])
    for code in order:
        des.at[code, "tier"] = ""
    for code in order:
        pref, pname = des.at[code, "prefecture_code"], des.at[code, "prefecture_name"]
        left = int(((des["tier"] == prov) & (des["prefecture_code"] == pref)).sum())
        free = cands[~cands.index.isin(taken)]
        same = free[free["prefecture_code"] == pref]
        needed = left < tmin
        if a.replacement_prefecture == "always" or needed:
            pick = same.index[0] if len(same) else None
            why = (f"best municipal town of {pname}" +
                   (f" (needed: {pname} would have {left} provincial towns, minimum {tmin})"
                    if needed else " (same-prefecture rule)"))
        else:
            pick = free.index[0] if len(free) else None
            why = f"best municipal town province-wide ({pname} keeps {left} ≥ {tmin})"
        if pick is None and len(free):
            if a.no_same_prefecture == "error":
                raise errors.QuotaError(
                    f"{des.at[code, 'name']} {code} of {pname} is eliminated but {pname} has "
                    "no municipal town with complete indicators to replace it "
                    "(assessment.no_same_prefecture = 'error')")
            pick = free.index[0]
            why = f"best municipal town province-wide ({pname} has no municipal town left)"
            warnings.append(
                f"QUOTA: {pname} has no municipal town to replace {des.at[code, 'name']} "
                f"{code}; {des.at[pick, 'name']} {pick} of {des.at[pick, 'prefecture_name']} "
                f"promoted instead, leaving {pname} with {left} provincial towns, below the "
                f"minimum of {tmin}: the planning office must decide")
        e_name = des.at[code, "name"]
        if pick is None:
            warnings.append(f"no excellent municipal town (complete indicators, score at "
                            f"the excellence bar) is left to replace {e_name} {code}; the "
                            "provincial tier shrinks by one")
            add_event(des, code, "eliminated", f"eliminated 淘汰 from the {prov} tier; "
                      "no replacement available")
            notes.append(f"{e_name} {code} ({pname}) eliminated; no replacement available.")
            continue
        taken.add(pick)
        des.at[pick, "tier"] = prov
        p_name, score = des.at[pick, "name"], des.at[pick, "score"]
        add_event(des, code, "eliminated",
                  f"eliminated 淘汰 after {a.eliminate_after} consecutive bottom "
                  f"{'years' if a.streak == 'calendar' else 'assessments'}; replaced by "
                  f"{p_name} {pick}")
        add_event(des, pick, "promoted",
                  f"promoted 递补 {muni} → {prov}: {why}, assessment score {score:.1f}; "
                  f"replaces {e_name} {code}")
        now = int(((des["tier"] == prov) & (des["prefecture_code"] == pref)).sum())
        notes.append(f"{e_name} {code} ({pname}) eliminated → {p_name} {pick} "
                     f"({des.at[pick, 'prefecture_name']}) promoted: {why}. {pname} now has "
                     f"{now} provincial towns (minimum {tmin}).")


def backfill(des, towns, base, prov, muni, notes, warnings, *, cfg: config_mod.Config,
             reported: dict) -> pd.DataFrame:
    """Refill each promoted town's municipal place by the best eligible town of its prefecture
    outside the two upper tiers (by the year's spatial score)."""
    promoted = [c for c in des.index if "promoted" in des.at[c, "events"]]
    gone = set(base.towns.loc[base.towns["events"].map(
        lambda e: "eliminated" in (e or [])), "code"])
    gone |= {c for c in des.index if "eliminated" in des.at[c, "events"]}
    added: list[str] = []
    # County-tier demonstration towns are in the pool unless backfill_pool = "untiered".
    county_tier = (cfg.tiers[2].name if len(cfg.tiers) > 2
                   and cfg.assessment.backfill_pool == "untiered_and_county" else None)
    for code in promoted:
        pref = des.at[code, "prefecture_code"]
        in_county_tier = (towns["code"].isin(des.index[des["tier"] == county_tier])
                          if county_tier else pd.Series(False, index=towns.index))
        pool = towns[(towns[columns.STATUS] == columns.ELIGIBLE)
                     & (towns[columns.PREFECTURE_CODE] == pref)
                     & (~towns["code"].isin(des.index) | in_county_tier)
                     & ~towns["code"].isin(gone) & ~towns["code"].isin(added)]
        pool = pool.sort_values([columns.SCORE, "code"], ascending=[False, True], kind="stable")
        pname = des.at[code, "prefecture_name"]
        if pool.empty:
            what = "untiered or county-tier" if county_tier else "untiered"
            warnings.append(f"municipal place of {des.at[code, 'name']} {code} not refilled: "
                            f"{pname} has no {what} eligible town left")
            continue
        b = pool.index[0]
        added.append(b)
        if b in des.index:  # a county-tier town moves up; its county-tier place stays empty
            add_event(des, b, "backfilled",
                      f"backfilled {county_tier} → {muni}: refills the place of "
                      f"{des.at[code, 'name']} {code} (promoted); best eligible town of "
                      f"{pname} outside the two upper tiers by the year's spatial score "
                      f"{towns.at[b, columns.SCORE]:.1f}")
            des.at[b, "tier"] = muni
            left = int(((des["tier"] == county_tier)
                        & (des["county_code"] == des.at[b, "county_code"])).sum())
            notes.append(f"Municipal tier backfilled: {des.at[b, 'name']} {b} ({pname}) moves "
                         f"up from the county tier to take the place of {des.at[code, 'name']} "
                         f"{code}; {des.at[b, 'county_name']} keeps {left} county-tier towns.")
            if left < cfg.tiers[2].per_county_min:
                warnings.append(f"QUOTA: {des.at[b, 'county_name']} has {left} county-tier "
                                f"towns after {des.at[b, 'name']} {b} moved up, below the "
                                f"minimum of {cfg.tiers[2].per_county_min}")
            continue
        row = {c: towns.at[b, c] for c in columns.IDENTITY}
        row.update(code_reported=reported.get(b, b), tier_before="",
                   tier=muni, events=["backfilled"], prior_codes=[b],
                   spatial_score=float(towns.at[b, columns.SCORE]), score=np.nan, rank=np.nan,
                   reason=(f"backfilled → {muni}: refills the place of {des.at[code, 'name']} "
                           f"{code} (promoted); best eligible town of {pname} outside the "
                           f"two upper tiers by the year's spatial score "
                           f"{towns.at[b, columns.SCORE]:.1f}"))
        des = pd.concat([des, pd.DataFrame([row]).set_index("code", drop=False)])
        notes.append(f"Municipal tier backfilled: {row['name']} {b} ({pname}) takes the "
                     f"place of {des.at[code, 'name']} {code}.")
    return des
