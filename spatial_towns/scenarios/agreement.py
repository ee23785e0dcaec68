"""How far alternatives agree: one measure, one function.

Every function takes frames indexed by town code with one column per alternative (the first
column is the reference alternative) and returns a table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .. import columns


def tier_votes(tiers: pd.DataFrame, tier_names: Sequence[str]) -> pd.DataFrame:
    """Per town (rows) and tier (columns): in how many alternatives the town is in that tier."""
    return pd.DataFrame({t: (tiers == t).sum(axis=1) for t in tier_names}, index=tiers.index)


def membership(tiers: pd.DataFrame, tier_names: Sequence[str]) -> pd.DataFrame:
    """Per tier: towns in it in every alternative (``every``), in at least one but not all
    (``some``), in exactly one (``one_only``, part of ``some``), in any (``any``)."""
    votes = tier_votes(tiers, tier_names)
    n = tiers.shape[1]
    rows = {t: {"every": int((votes[t] == n).sum()),
                "some": int(((votes[t] > 0) & (votes[t] < n)).sum()),
                "one_only": int((votes[t] == 1).sum()),
                "any": int((votes[t] > 0).sum())} for t in tier_names}
    return pd.DataFrame.from_dict(rows, orient="index")


def _jaccard(a: pd.Series, b: pd.Series) -> float:
    union = int((a | b).sum())
    return float((a & b).sum() / union) if union else np.nan


def jaccard(tiers: pd.DataFrame, tier_names: Sequence[str]) -> pd.DataFrame:
    """Per tier (rows): the Jaccard overlap |A ∩ B| / |A ∪ B| of each alternative's towns of
    the tier with the first alternative's (one column per other alternative), and of all
    alternatives at once (column ``all``: towns in the tier everywhere / anywhere). NaN where
    the tier is empty in both."""
    ref = tiers.columns[0]
    out = {}
    for t in tier_names:
        inside = tiers == t
        row = {alt: _jaccard(inside[ref], inside[alt]) for alt in tiers.columns[1:]}
        union = int(inside.any(axis=1).sum())
        row["all"] = float(inside.all(axis=1).sum() / union) if union else np.nan
        out[t] = row
    return pd.DataFrame.from_dict(out, orient="index")


def rank_agreement(scores: pd.DataFrame, eligible: pd.DataFrame) -> pd.DataFrame:
    """Kendall's τ-b and Spearman's ρ of the towns' scores for every pair of alternatives,
    over the towns eligible (scored) in both.

    One row per pair: ``first``, ``second``, ``towns`` (scored in both), ``kendall_tau``,
    ``spearman_rho`` (NaN with fewer than two towns or constant scores). Both compare the
    order of the towns, so they do not depend on the score's scale.
    """
    rows = []
    names = list(scores.columns)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = eligible[a] & eligible[b]
            x, y = scores.loc[both, a].to_numpy(float), scores.loc[both, b].to_numpy(float)
            tau = rho = np.nan
            if len(x) >= 2 and np.ptp(x) > 0 and np.ptp(y) > 0:
                tau = float(stats.kendalltau(x, y).statistic)
                rho = float(stats.spearmanr(x, y).statistic)
            rows.append({"first": a, "second": b, "towns": int(both.sum()),
                         "kendall_tau": tau, "spearman_rho": rho})
    return pd.DataFrame(rows, columns=["first", "second", "towns", "kendall_tau",
                                       "spearman_rho"])


def moves(tiers: pd.DataFrame, tier_names: Sequence[str]) -> pd.DataFrame:
    """Towns entering and leaving each tier against the first alternative.

    One row per (alternative, tier, town): ``alternative``, ``tier``, ``code``, ``move``
    (``entering``: in the tier here, not in the first; ``leaving``: the other way round),
    ``tier_first`` and ``tier_here`` (``""`` = none). Ordered by alternative, tier, move.
    """
    ref = tiers.columns[0]
    rows = []
    for alt in tiers.columns[1:]:
        for t in tier_names:
            here, there = tiers[alt] == t, tiers[ref] == t
            for move, mask in (("entering", here & ~there), ("leaving", there & ~here)):
                for code in tiers.index[mask]:
                    rows.append({"alternative": alt, columns.TIER: t, columns.CODE: code, "move": move,
                                 "tier_first": tiers.at[code, ref],
                                 "tier_here": tiers.at[code, alt]})
    return pd.DataFrame(rows, columns=["alternative", columns.TIER, columns.CODE, "move", "tier_first",
                                       "tier_here"])


def prefecture_counts(tiers: pd.DataFrame, prefecture: pd.Series, tier_names: Sequence[str], *,
                      order: Sequence[str] | None = None) -> pd.DataFrame:
    """Selected towns per prefecture (rows, in ``order``; a ``合计 total`` row last) by tier
    and alternative (columns: a (tier, alternative) MultiIndex, tiers highest first)."""
    cols = {}
    for t in tier_names:
        for alt in tiers.columns:
            cols[(t, alt)] = (tiers[alt] == t).groupby(prefecture).sum().astype(int)
    out = pd.DataFrame(cols)
    out.columns = pd.MultiIndex.from_tuples(out.columns, names=[columns.TIER, "alternative"])
    if order is not None:
        out = out.reindex([p for p in order if p in out.index], fill_value=0)
    out.loc["合计 total"] = out.sum()
    return out
