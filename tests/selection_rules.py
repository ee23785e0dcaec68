"""An independent check of a tier assignment against the selection rules, for the tests of
:mod:`spatial_towns.selection` (plain pandas, not the model's own constraint matrix)."""

import numpy as np
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


# -- the reasons, the plain way -----------------------------------------------------------------
# A reference for TierSelection._reasons: every question asked of the whole columns, town by
# town, as the selection module did before it tabulated them (O(n²), fine on test sizes).
# The texts must match the module's word for word.

def _own_bounds(model, t, pref):
    b = model.prefecture_bounds(t)
    if b is None:
        return None
    pos = int(np.searchsorted(np.sort(model.towns["prefecture_code"].unique()), pref))
    return int(b[0][pos]), int(b[1][pos])


def _extra_rules(model, tier_name):
    t = next(x for x in model.tiers if x.name == tier_name)
    extra = (["type quota"] if model.type_quotas.get(tier_name) else []) + (
        ["spacing rule"] if t.min_spacing_km > 0 else [])
    return f" (or {' or '.join(extra)})" if extra else ""


def _holding_up(model, code, k_of):
    towns, tiers = model.towns, model.tiers
    k = int(k_of[code])
    row = towns.loc[code]
    for j in range(k, len(tiers)):
        t = tiers[j]
        if j > k and not t.cumulative:
            continue
        counted = (k_of <= j) if t.cumulative else (k_of == j)
        scope = f"{t.label}-or-higher" if t.cumulative and j > 0 else t.label
        for key, name_col, m, what in (
                ("county_code", "county_name", t.per_county_min, "county"),
                ("prefecture_code", "prefecture_name", t.per_prefecture_min, "prefecture")):
            if m and int((counted & (towns[key] == row[key])).sum()) == m:
                return (f"{key}={row[key]}",
                        f"{row[name_col]}'s minimum of {m} {scope} "
                        f"town{'s' if m > 1 else ''} (its {what})")
    t = tiers[k]
    lo_hi = _own_bounds(model, t, row["prefecture_code"])
    same_pref = (k_of == k) & (towns["prefecture_code"] == row["prefecture_code"])
    if lo_hi is not None and lo_hi[0] > 0 and int(same_pref.sum()) == lo_hi[0]:
        return (f"prefecture_code={row['prefecture_code']}",
                f"{row['prefecture_name']}'s proportional share of {lo_hi[0]} {t.label} "
                "towns (its prefecture)")
    q = model.type_quotas.get(t.name, {}).get(row.get("dev_type"))
    if q and int(((k_of == k) & (towns["dev_type"] == row["dev_type"])).sum()) == q:
        return (f"dev_type={row['dev_type']}",
                f"the {row['dev_type']} quota of {q} {t.label} towns (its type)")
    return None


def _holding_down(model, code, k_of):
    towns, tiers = model.towns, model.tiers
    k = int(k_of[code])
    row = towns.loc[code]
    if k < len(tiers):
        t = tiers[k]
        for key, name_col, m, what in (
                ("county_code", "county_name", t.per_county_min, "county"),
                ("prefecture_code", "prefecture_name", t.per_prefecture_min, "prefecture")):
            if (m and not t.cumulative
                    and int(((k_of == k) & (towns[key] == row[key])).sum()) == m):
                return (f"{key}={row[key]}",
                        f"fills {row[name_col]}'s minimum of {m} {t.label} "
                        f"town{'s' if m > 1 else ''} (its {what})")
    weaker = towns["score"] < row["score"]
    for j in range(k):
        if not (weaker & (k_of == j)).any():
            continue
        t = tiers[j]
        lo_hi = _own_bounds(model, t, row["prefecture_code"])
        same_pref = (k_of == j) & (towns["prefecture_code"] == row["prefecture_code"])
        if lo_hi is not None and int(same_pref.sum()) >= lo_hi[1]:
            rule = ("proportional share" if t.allocation == "proportional" else "cap")
            return (f"prefecture_code={row['prefecture_code']}",
                    f"{row['prefecture_name']} has reached its {rule} of {lo_hi[1]} "
                    f"{t.label} towns (its prefecture)")
    return None


def reference_reasons(model, tier: pd.Series, pinned: dict) -> tuple[pd.Series, pd.Series]:
    """Reason and binding unit per town, as :meth:`TierSelection._reasons` must give them."""
    towns, tiers = model.towns, model.tiers
    free = model.ranking()
    T = len(tiers)
    rank_of = {t.name: k for k, t in enumerate(tiers)}
    label = {t.name: t.label for t in tiers}
    score, names = towns["score"], towns["name"]
    k_of = tier.map(rank_of).fillna(T).astype(int)
    pinned_at = {towns.index[i]: name for name, idx in pinned.items() for i in idx}
    close_to: dict[str, str] = {}
    for t in tiers:
        for a, b in model.pairs(t):
            for x, y in ((a, b), (b, a)):
                cx, cy = towns.index[x], towns.index[y]
                if tier[cy] == t.name and tier[cx] != t.name and free[cx] == t.name:
                    close_to.setdefault(cx, f"{names.iloc[y]} ({cy})")
    by_k = [score[k_of == k] for k in range(T + 1)]
    best_below = {k: max((float(by_k[j].max()) for j in range(k + 1, T + 1) if len(by_k[j])),
                         default=-np.inf) for k in range(T + 1)}
    worst_above = {k: min((float(by_k[j].min()) for j in range(k) if len(by_k[j])),
                          default=np.inf) for k in range(T + 1)}
    binding = pd.Series("", index=tier.index, dtype=object)
    held: dict[str, str] = {}
    for code in tier.index:
        k = int(k_of[code])
        if k < T and code not in pinned_at and score[code] < best_below[k]:
            unit = _holding_up(model, code, k_of)
            if unit is not None:
                binding[code], held[code] = unit

    def weaker_in(j, limit):
        return sorted(tier.index[(k_of == j) & (score < limit)], key=lambda c: (score[c], c))

    def named(cs):
        parts = [f"{names[c]} ({'pinned' if c in pinned_at else held.get(c, 'by score')})"
                 for c in cs[:3]]
        return "; ".join(parts) + (f"; and {len(cs) - 3} more" if len(cs) > 3 else "")

    reasons = pd.Series("", index=tier.index, dtype=object)
    for code in tier.index:
        got, want = tier[code], free[code]
        k = int(k_of[code])
        w = rank_of[want] if want else T
        s = score[code]
        if code in pinned_at:
            reasons[code] = f"{label[got]}: pinned (already designated)"
            continue
        if got and s < best_below[k]:
            if code in held:
                reasons[code] = f"{label[got]}: to meet {held[code]}"
                continue
            if s <= worst_above[k] or _holding_down(model, code, k_of) is None:
                down = sorted(tier.index[(k_of > k) & (score > s)], key=lambda c: (-score[c], c))
                reasons[code] = (f"{label[got]}: by score among the towns free for it; "
                                 "better towns held in a lower tier by their own unit's rule: "
                                 + ", ".join(names[c] for c in down[:3])
                                 + _extra_rules(model, got))
                continue
            # Also below a weaker town and held down by its own unit's rule: as below.
        if s <= worst_above[k]:
            reasons[code] = (f"{label[got]}: by score" if got
                             else "not selected: score below the lowest tier's cut-off")
            continue
        unit = _holding_down(model, code, k_of)
        if unit is not None:
            binding[code] = unit[0]
            reasons[code] = (f"{label[got] if got else 'not selected'}: {unit[1]}"
                             + (f"; by score it would be {label[want]}" if w < k else ""))
        elif code in close_to:
            reasons[code] = (f"{label[got] if got else 'not selected'}: within "
                             f"{tiers[w].min_spacing_km:g} km of {close_to[code]} "
                             f"({label[want]} spacing)")
        elif w < k:
            took = weaker_in(w, s)
            reasons[code] = (f"{label[got] if got else 'not selected'}: its place in "
                             f"{label[want]} went to "
                             + (named(took) if took else "a town needed for a minimum")
                             + _extra_rules(model, want))
        else:
            weaker = [c for j in range(k) for c in weaker_in(j, s)]
            head = f"{label[got]}: by score" if got else "not selected: below the cut-off"
            reasons[code] = (f"{head}; it outscores {len(weaker)} town(s) of a higher "
                             f"tier placed there for their own unit's rule: {named(weaker)}")
    return reasons, binding
