"""Why each town is where the tier selection put it (:func:`reasons`): a sentence per town
and the unit whose rule binds it. Apart from the model (:class:`.selection.TierSelection`,
which builds and solves the integer program) because it only reads a solved selection."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import columns

if TYPE_CHECKING:
    from .selection import TierSelection


def reasons(model: TierSelection, tier: pd.Series, pinned: dict[str, np.ndarray]
             ) -> tuple[pd.Series, pd.Series]:
    """A sentence per town on why it is where it is, and its binding unit (see
    :class:`SelectionResult`).

    A town above a better one names the rule of its own unit that needs it there; a town
    below a weaker one names the rule of its own unit that holds it down, or else the
    towns that took the places and the rules of their units; a town that is both, needed
    there by no rule but held down by one, names the rule that holds it down. "By score"
    is said only of a town with no weaker town above it and no better town below it.

    ``tier`` is aligned to the model's (sorted) towns, as :meth:`solve` builds it.
    """
    if not tier.index.equals(model.towns.index):
        raise ValueError("tier must be aligned to the model's towns")
    T = len(model.tiers)
    rank_of = {t.name: k for k, t in enumerate(model.tiers)}
    label = {t.name: t.label for t in model.tiers}
    st = _Standing(model, tier)
    codes, names, sc, kk = st.codes, st.value[columns.NAME], st.score, st.k
    tr, fr = tier.tolist(), model.ranking().tolist()
    pinned_at = {codes[i]: name for name, idx in pinned.items() for i in idx}
    close_to = _close_to(model, tr, fr, codes, names)
    name_of = dict(zip(codes, names, strict=True))
    binding: dict[str, str] = {}
    held: dict[str, str] = {}  # towns above a better town -> the rule that needs them there
    for i, code in enumerate(codes):
        k = kk[i]
        if k < T and code not in pinned_at and sc[i] < st.best_below[k]:
            unit = _holding_up(model, i, st)
            if unit is not None:
                binding[code], held[code] = unit

    def named(cs: list[str]) -> str:
        parts = [f"{name_of[c]} ({'pinned' if c in pinned_at else held.get(c, 'by score')})"
                 for c in cs[:3]]
        return "; ".join(parts) + (f"; and {len(cs) - 3} more" if len(cs) > 3 else "")

    reasons: list[str] = []
    for i, code in enumerate(codes):
        got, want = tr[i], fr[i]
        k = kk[i]
        w = rank_of[want] if want else T
        if code in pinned_at:
            reasons.append(f"{label[got]}: pinned (already designated)")
            continue
        if got and sc[i] < st.best_below[k]:
            if code in held:
                reasons.append(f"{label[got]}: to meet {held[code]}")
                continue
            # Also below a weaker town and held down by its own unit's rule (a swap with
            # that town would break it): named below, like any town held down.
            if sc[i] <= st.worst_above[k] or _holding_down(model, i, st) is None:
                down = st.better_below(k, sc[i], 3)
                reasons.append(f"{label[got]}: by score among the towns free for it; "
                               "better towns held in a lower tier by their own unit's rule: "
                               + ", ".join(name_of[c] for c in down)
                               + _extra_rules(model, got))
                continue
        if sc[i] <= st.worst_above[k]:
            reasons.append(f"{label[got]}: by score" if got
                           else "not selected: score below the lowest tier's cut-off")
            continue
        # Below at least one weaker town.
        unit = _holding_down(model, i, st)
        if unit is not None:
            binding[code] = unit[0]
            reasons.append(f"{label[got] if got else 'not selected'}: {unit[1]}"
                           + (f"; by score it would be {label[want]}" if w < k else ""))
        elif code in close_to:
            reasons.append(f"{label[got] if got else 'not selected'}: within "
                           f"{model.tiers[w].min_spacing_km:g} km of {close_to[code]} "
                           f"({label[want]} spacing)")
        elif w < k:
            took = st.weaker_at(w, sc[i])
            reasons.append(f"{label[got] if got else 'not selected'}: its place in "
                           f"{label[want]} went to "
                           + (named(took) if took else "a town needed for a minimum")
                           + _extra_rules(model, want))
        else:
            weaker = [c for j in range(k) for c in st.weaker_at(j, sc[i])]
            head = f"{label[got]}: by score" if got else "not selected: below the cut-off"
            reasons.append(f"{head}; it outscores {len(weaker)} town(s) of a higher "
                           f"tier placed there for their own unit's rule: {named(weaker)}")
    return (pd.Series(reasons, index=tier.index, dtype=object),
            pd.Series([binding.get(c, "") for c in codes], index=tier.index, dtype=object))


def _holding_up(model: TierSelection, i: int, st: _Standing) -> tuple[str, str] | None:
    """The minimum of the town's own unit that it is needed for where it is: its tier's
    minimum (towns of the tier, or of the tier or higher), a lower tier's cumulative
    minimum, the proportional share or a type quota, exactly met so that moving the town
    down would break it. ``(key, text)`` with key ``"county_code=<code>"`` etc.; None
    when no such rule binds at the town (``i``: its position in the sorted towns)."""
    k = st.k[i]
    for j in range(k, len(model.tiers)):
        t = model.tiers[j]
        if j > k and not t.cumulative:
            continue
        # The top tier has nothing higher: its cumulative minimum reads as the literal one.
        scope = f"{t.label}-or-higher" if t.cumulative and j > 0 else t.label
        for key, name_col, m, what in (
                (columns.COUNTY_CODE, columns.COUNTY_NAME, t.per_county_min, "county"),
                (columns.PREFECTURE_CODE, columns.PREFECTURE_NAME, t.per_prefecture_min, "prefecture")):
            if m and st.in_unit(key, i, j, or_higher=t.cumulative) == m:
                return (f"{key}={st.value[key][i]}",
                        f"{st.value[name_col][i]}'s minimum of {m} {scope} "
                        f"town{'s' if m > 1 else ''} (its {what})")
    t = model.tiers[k]
    lo_hi = st.own_bounds(k, i)
    if (lo_hi is not None and lo_hi[0] > 0
            and st.in_unit(columns.PREFECTURE_CODE, i, k) == lo_hi[0]):
        return (f"prefecture_code={st.value['prefecture_code'][i]}",
                f"{st.value['prefecture_name'][i]}'s proportional share of {lo_hi[0]} "
                f"{t.label} towns (its prefecture)")
    typ = st.value[columns.DEV_TYPE][i] if columns.DEV_TYPE in st.value else None
    q = model.type_quotas.get(t.name, {}).get(typ) if typ is not None else None
    if q and st.in_unit(columns.DEV_TYPE, i, k) == q:
        return (f"dev_type={typ}", f"the {typ} quota of {q} {t.label} towns (its type)")
    return None


def _holding_down(model: TierSelection, i: int, st: _Standing) -> tuple[str, str] | None:
    """The rule of the town's own unit that keeps it below weaker towns: the literal
    minimum of its own tier in its county or prefecture, exactly met (only a literal
    minimum can hold a town down: a cumulative one counts it in a higher tier too), or
    its prefecture's cap (or share) in a higher tier that holds a weaker town, reached
    (``i``: the town's position in the sorted towns)."""
    k = st.k[i]
    if k < len(model.tiers):
        t = model.tiers[k]
        for key, name_col, m, what in (
                (columns.COUNTY_CODE, columns.COUNTY_NAME, t.per_county_min, "county"),
                (columns.PREFECTURE_CODE, columns.PREFECTURE_NAME, t.per_prefecture_min, "prefecture")):
            if m and not t.cumulative and st.in_unit(key, i, k) == m:
                return (f"{key}={st.value[key][i]}",
                        f"fills {st.value[name_col][i]}'s minimum of {m} {t.label} "
                        f"town{'s' if m > 1 else ''} (its {what})")
    for j in range(k):  # a higher tier holding a weaker town, capped in this prefecture
        if not st.holds_weaker(j, st.score[i]):
            continue
        t = model.tiers[j]
        lo_hi = st.own_bounds(j, i)
        if lo_hi is not None and st.in_unit(columns.PREFECTURE_CODE, i, j) >= lo_hi[1]:
            rule = ("proportional share" if t.allocation == "proportional" else "cap")
            return (f"prefecture_code={st.value['prefecture_code'][i]}",
                    f"{st.value['prefecture_name'][i]} has reached its {rule} of "
                    f"{lo_hi[1]} {t.label} towns (its prefecture)")
    return None


def _close_to(model: TierSelection, tier: list[str], free: list[str], codes: list[str],
              names: list[str]) -> dict[str, str]:
    """Per town kept out of the tier its score gives it by the spacing rule: the first
    town of that tier (pair order) within the spacing, as ``"name (code)"``."""
    close_to: dict[str, str] = {}
    tier_a, free_a = np.asarray(tier, dtype=object), np.asarray(free, dtype=object)
    for t in model.tiers:
        pairs = model.pairs(t)
        if not len(pairs):
            continue
        # Each pair both ways, (a, b) then (b, a), in the pairs' order: the first hit wins.
        xy = np.stack([pairs, pairs[:, ::-1]], axis=1).reshape(-1, 2)
        x, y = xy[:, 0], xy[:, 1]
        hit = (tier_a[y] == t.name) & (tier_a[x] != t.name) & (free_a[x] == t.name)
        for a, b in xy[hit].tolist():
            close_to.setdefault(codes[a], f"{names[b]} ({codes[b]})")
    return close_to


def _extra_rules(model: TierSelection, tier_name: str) -> str:
    t = model.tiers[[x.name for x in model.tiers].index(tier_name)]
    extra = (["type quota"] if model.type_quotas.get(tier_name) else []) + (
        ["spacing rule"] if t.min_spacing_km > 0 else [])
    return f" (or {' or '.join(extra)})" if extra else ""


class _Standing:
    """Where the towns stand after a selection, tabulated once for :meth:`TierSelection._reasons`.

    The reasons ask, town by town, how many towns of its county, prefecture or development
    type hold a tier (or that tier or higher), whether a tier holds a weaker town, and which
    weaker or better towns sit in other tiers. Asked of the whole columns that is O(n²) over
    a province's thousands of towns; here each is a look-up in counts per (tier position,
    unit) or a bisection in each tier position's towns sorted once by (score, code).

    Tier positions: 0 = highest tier, ``len(tiers)`` = not selected. Town ``i`` is the
    ``i``-th of the model's towns (sorted by code).
    """

    #: Columns whose values the reasons quote or count by.
    _COLUMNS = (*columns.IDENTITY[1:], columns.DEV_TYPE)

    def __init__(self, model: TierSelection, tier: pd.Series):
        towns, T = model.towns, len(model.tiers)
        self.codes: list[str] = list(towns.index)
        k = model._tier_index(tier).to_numpy()
        score = towns[columns.SCORE].to_numpy(dtype=float)
        self.k: list[int] = k.tolist()
        self.score: list[float] = score.tolist()
        self.value = {c: towns[c].tolist() for c in self._COLUMNS if c in towns}
        self._unit: dict[str, list[int]] = {}
        self._at: dict[str, np.ndarray] = {}
        self._up_to: dict[str, np.ndarray] = {}
        for key in (columns.COUNTY_CODE, columns.PREFECTURE_CODE, columns.DEV_TYPE):
            if key in towns:
                self._count(key, towns[key], k, T + 1)
        # prefecture_bounds lists a tier's bounds by sorted prefecture code: the numbering
        # pd.factorize(sort=True) gives the prefectures in _count.
        self._bounds: list[tuple[list[int], list[int]] | None] = []
        for t in model.tiers:
            b = model.prefecture_bounds(t)
            self._bounds.append(None if b is None else
                                ([int(v) for v in b[0]], [int(v) for v in b[1]]))
        by_k = [score[k == j] for j in range(T + 1)]
        self.best_below = [max((float(by_k[j].max()) for j in range(p + 1, T + 1) if len(by_k[j])),
                               default=-np.inf) for p in range(T + 1)]
        self.worst_above = [min((float(by_k[j].min()) for j in range(p) if len(by_k[j])),
                                default=np.inf) for p in range(T + 1)]
        # Each position's towns by (score, code) ascending, with their scores for bisection;
        # and the towns below each position by (-score, code) for "better towns below".
        ascending = sorted(range(len(score)), key=lambda i: (self.score[i], self.codes[i]))
        self._weakest_first = [[i for i in ascending if self.k[i] == j] for j in range(T + 1)]
        self._scores_up = [[self.score[i] for i in at] for at in self._weakest_first]
        best_first = sorted(range(len(score)), key=lambda i: (-self.score[i], self.codes[i]))
        self._best_first_below = [[i for i in best_first if self.k[i] > j]
                                  for j in range(T + 1)]

    def _count(self, key: str, labels: pd.Series, k: np.ndarray, n_pos: int) -> None:
        """Number the units of ``key`` (sorted) and count their towns per tier position."""
        unit, uniques = pd.factorize(labels, sort=True)
        # One spare column, always 0, where a town without a value (code -1) looks: a
        # comparison with a missing value matches no town.
        at = np.zeros((n_pos, len(uniques) + 1), dtype=np.int64)
        has = unit >= 0
        np.add.at(at, (k[has], unit[has]), 1)
        self._unit[key] = unit.tolist()
        self._at[key] = at
        self._up_to[key] = at.cumsum(axis=0)

    def in_unit(self, key: str, i: int, j: int, or_higher: bool = False) -> int:
        """Towns with town ``i``'s value of ``key`` at tier position ``j`` (or at ``j`` or
        higher)."""
        return int((self._up_to if or_higher else self._at)[key][j, self._unit[key][i]])

    def own_bounds(self, j: int, i: int) -> tuple[int, int] | None:
        """Tier ``j``'s lower and upper bound in town ``i``'s prefecture; None when the
        tier has none (see :meth:`TierSelection.prefecture_bounds`)."""
        b = self._bounds[j]
        if b is None:
            return None
        p = self._unit[columns.PREFECTURE_CODE][i]
        return b[0][p], b[1][p]

    def holds_weaker(self, j: int, limit: float) -> bool:
        """Whether tier position ``j`` holds a town scoring below ``limit``."""
        return bool(self._scores_up[j]) and self._scores_up[j][0] < limit

    def weaker_at(self, j: int, limit: float) -> list[str]:
        """Codes at tier position ``j`` scoring below ``limit``, by (score, code)."""
        n = bisect.bisect_left(self._scores_up[j], limit)
        return [self.codes[i] for i in self._weakest_first[j][:n]]

    def better_below(self, j: int, limit: float, n: int) -> list[str]:
        """The first ``n`` codes below tier position ``j`` scoring above ``limit``, by
        (-score, code)."""
        return [self.codes[i] for i in self._best_first_below[j][:n] if self.score[i] > limit]
