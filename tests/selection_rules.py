"""An independent check of a tier assignment against the selection rules, for the tests of
:mod:`spatial_towns.selection` (plain pandas, not the model's own constraint matrix)."""

import pandas as pd


def meets_rules(towns: pd.DataFrame, tier: pd.Series, tiers, sizes: dict) -> bool:
    """Sizes, per-unit minimums (either semantics) and prefecture caps all hold."""
    k_of = tier.reindex(towns.index).map(
        {t.name: k for k, t in enumerate(tiers)}).fillna(len(tiers))
    for k, t in enumerate(tiers):
        if int((k_of == k).sum()) != sizes[t.name]:
            return False
        counted = (k_of <= k) if t.cumulative else (k_of == k)
        for key, m in (("prefecture_code", t.per_prefecture_min), ("county_code", t.per_county_min)):
            if m and counted.groupby(towns[key]).sum().min() < m:
                return False
        if t.per_prefecture_max is not None and (
                (k_of == k).groupby(towns["prefecture_code"]).sum().max() > t.per_prefecture_max):
            return False
    return True
