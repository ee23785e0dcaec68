"""The greedy hand method the tier selection is compared with
(:meth:`.selection.TierSelection.greedy`): apart from the model, which it only reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import columns

if TYPE_CHECKING:
    from .selection import TierSelection


def greedy(model: TierSelection) -> pd.Series | None:
    """:meth:`.selection.TierSelection.greedy`: tier by tier from the top, each tier by
    :func:`_greedy_tier`; None when it gets stuck."""
    if not model.sizes:
        model._check_feasible()
    pinned = model._pinned()
    order = np.argsort(-model.towns[columns.SCORE].to_numpy(), kind="stable")
    taken = np.zeros(len(model.towns), dtype=bool)
    tier = pd.Series("", index=model.towns.index, dtype=object)
    county = pd.factorize(model.towns[columns.COUNTY_CODE], sort=True)[0]
    pref = pd.factorize(model.towns[columns.PREFECTURE_CODE], sort=True)[0]
    pref_counties = np.bincount(pref[np.unique(county, return_index=True)[1]])
    for k, t in enumerate(model.tiers):
        chosen = _greedy_tier(model, k, order, taken, county, pref, pref_counties,
                              pinned[t.name])
        if chosen is None:
            return None
        tier.iloc[chosen] = t.name
    return tier


def _greedy_tier(model: TierSelection, k: int, order: np.ndarray, taken: np.ndarray,
                 county: np.ndarray, pref: np.ndarray, pref_counties: np.ndarray,
                 pinned: np.ndarray) -> list[int] | None:
    """The greedy pick of tier ``k`` (positions; ``taken`` is updated), or None."""
    t = model.tiers[k]
    # Keep back what lower tiers' literal minimums need; a town taken here counts
    # for a lower tier's cumulative minimum anyway.
    lower = [o for o in model.tiers[k + 1:] if not o.cumulative]
    keep_c = sum(o.per_county_min for o in lower)
    keep_p = (sum(o.per_prefecture_min for o in lower) + keep_c * pref_counties)
    free_c = np.bincount(county[~taken], minlength=county.max() + 1)
    free_p = np.bincount(pref[~taken], minlength=pref.max() + 1)
    bounds = model.prefecture_bounds(t)
    cap = bounds[1] if bounds is not None else np.full(pref.max() + 1, np.inf)
    in_tier = np.zeros(pref.max() + 1, dtype=np.int64)
    near: list[set[int]] = [set() for _ in range(len(model.towns))]
    for a, b in model.pairs(t):
        near[a].add(b)
        near[b].add(a)
    chosen: list[int] = []

    def ok(i: int) -> bool:
        return (not taken[i] and free_c[county[i]] > keep_c
                and free_p[pref[i]] > keep_p[pref[i]] and in_tier[pref[i]] < cap[pref[i]]
                and not (near[i] & set(chosen)))

    def take(i: int) -> None:
        taken[i] = True
        free_c[county[i]] -= 1
        free_p[pref[i]] -= 1
        in_tier[pref[i]] += 1
        chosen.append(i)

    for i in pinned:
        take(int(i))
    groups: list[tuple[np.ndarray, int]] = []
    for key, m in ((columns.COUNTY_CODE, t.per_county_min),
                   (columns.PREFECTURE_CODE, t.per_prefecture_min)):
        if m:
            labels = model.towns[key].to_numpy()
            groups += [(labels == u, m) for u in np.unique(labels)]
    n_unit_groups = len(groups)
    if bounds is not None:
        groups += [(pref == p, int(m)) for p, m in enumerate(bounds[0]) if m > 0]
    types = model.towns[columns.DEV_TYPE].to_numpy() if columns.DEV_TYPE in model.towns else None
    for typ, q in sorted(model.type_quotas.get(t.name, {}).items()):
        groups.append((np.asarray(types == typ), q))
    for g, (member, m) in enumerate(groups):
        # A cumulative unit minimum counts the towns the higher tiers took there.
        unit_min = g < n_unit_groups and t.cumulative
        have = int(member[taken].sum()) if unit_min else (
            int(member[chosen].sum()) if chosen else 0)
        for i in order:
            if have >= m:
                break
            if member[i] and ok(i):
                take(int(i))
                have += 1
        if have < m:
            return None
    for i in order:
        if len(chosen) >= model.sizes[t.name]:
            break
        if ok(i):
            take(int(i))
    return chosen if len(chosen) == model.sizes[t.name] else None
