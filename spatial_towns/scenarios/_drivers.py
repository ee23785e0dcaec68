"""Why a town's tier changed between two alternatives, in words.

A town's score is the sum of its criteria's weighted contributions (``contrib_<criterion>``,
points out of 100, under every aggregation method), so the change of its score splits
exactly into the changes of its contributions; the criteria whose contributions changed most
are named, each with what moved it (the criterion's weight, the town's normalised value, or
both). A tier can also change with the score unchanged: then the tier rules differ, or other
towns moved; the tier rules that differ and the selection's own reason in the alternative
(which rule placed the town) say which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import columns
from .alternatives import Alternative
from .inputs import flat_config

#: Criteria named per changed town, and the smallest change (points) worth naming.
TOP_DRIVERS, MIN_POINTS = 3, 0.01
#: Score changes below this (points) count as "the same score" (written to 2 decimals).
SAME_SCORE = 0.005


@dataclass(frozen=True)
class Driver:
    """One criterion's share of a town's score change: ``points`` (contribution here minus
    in the first alternative), its weight and the town's normalised value in both (NaN
    where unknown)."""

    column: str
    label: str
    points: float
    weight_first: float
    weight_here: float
    value_first: float
    value_here: float

    @property
    def weight_moved(self) -> bool:
        """Whether the criterion's weight differs (by 0.05 percentage points or more)."""
        return abs(self.weight_here - self.weight_first) >= 0.0005

    @property
    def value_moved(self) -> bool:
        """Whether the town's normalised value differs (by 0.005 or more)."""
        return abs(self.value_here - self.value_first) >= 0.005

    def words(self) -> str:
        what = []
        if self.weight_moved:
            what.append(f"weight {self.weight_first:.1%} → {self.weight_here:.1%}")
        if self.value_moved:
            what.append(f"normalised value {self.value_first:.2f} → {self.value_here:.2f}")
        return f"{self.label} {self.points:+.2f}" + (f" ({', '.join(what)})" if what else "")


def _contributions(alt: Alternative) -> dict[str, str]:
    """Criterion column → label, for the criteria ``alt`` scored."""
    labels = {c.column: c.label for c in alt.cfg.criteria}
    cols = [c.removeprefix("contrib_") for c in alt.towns.columns if c.startswith("contrib_")]
    return {c: labels.get(c, c) for c in cols}


def effective_weights(alt: Alternative) -> dict[str, float]:
    """Weight share per scored criterion under a weighted linear combination (contribution =
    100 × weight × normalised value, the same weight for every town); NaN under other
    aggregation methods, whose contributions are not a fixed weight times the value."""
    crits = _contributions(alt)
    if alt.cfg.aggregation.method != "wlc":
        return dict.fromkeys(crits, np.nan)
    t = alt.towns[alt.eligible]
    out = {}
    for c in crits:
        norm = pd.to_numeric(t.get(f"norm_{c}"), errors="coerce")
        contrib = pd.to_numeric(t[f"contrib_{c}"], errors="coerce")
        den = 100.0 * norm.sum()
        out[c] = float(contrib.sum() / den) if den > 0 else 0.0
    return out


def _value(alt: Alternative, code: str, col: str) -> float:
    v = alt.towns.at[code, col] if col in alt.towns else np.nan
    return float(v) if pd.notna(v) else np.nan


def drivers(first: Alternative, here: Alternative, code: str,
            weights: tuple[dict, dict]) -> list[Driver]:
    """The criteria whose contributions to ``code``'s score changed most (at most
    :data:`TOP_DRIVERS`, each by at least :data:`MIN_POINTS`), largest change first."""
    labels = {**_contributions(first), **_contributions(here)}
    out = []
    for c, label in labels.items():
        a, b = _value(first, code, f"contrib_{c}"), _value(here, code, f"contrib_{c}")
        # a criterion one alternative does not score contributes nothing there
        points = (0.0 if np.isnan(b) else b) - (0.0 if np.isnan(a) else a)
        if abs(points) < MIN_POINTS:
            continue
        out.append(Driver(column=c, label=label, points=points,
                          weight_first=weights[0].get(c, 0.0), weight_here=weights[1].get(c, 0.0),
                          value_first=_value(first, code, f"norm_{c}"),
                          value_here=_value(here, code, f"norm_{c}")))
    out.sort(key=lambda d: (-abs(d.points), d.column))
    return out[:TOP_DRIVERS]


def rule_changes(first: Alternative, here: Alternative) -> list[str]:
    """The tier rules that differ, one entry per change with the tiers it applies to
    (highest first), e.g. ``minimums this_tier → this_tier_or_higher (省级, 市级, 县级)``."""
    a, b = flat_config(first.cfg), flat_config(here.cfg)
    tiers = [*first.cfg.tiers, *(t for t in here.cfg.tiers if t.name not in
                                 {u.name for u in first.cfg.tiers})]
    labels = {t.name: t.label for t in tiers}
    changes: dict[tuple[str, str, str], list[str]] = {}
    for t in tiers:
        prefix = f"tiers[{t.name}]"
        for key in sorted(k for k in set(a) | set(b) if k.startswith(prefix)):
            if a.get(key) != b.get(key):
                field = key.removeprefix(prefix).removeprefix(".")
                change = (field, a.get(key) or "(none)", b.get(key) or "(none)")
                changes.setdefault(change, []).append(labels[t.name])
    return [f"{f} {x} → {y} ({', '.join(names)})" for (f, x, y), names in changes.items()]


def _rank(v) -> str:
    return "-" if pd.isna(v) else str(int(round(float(v))))


def why(first: Alternative, here: Alternative, code: str, ds: list[Driver],
        rules: list[str]) -> str:
    """The sentence explaining ``code``'s tier change from ``first`` to ``here``: the score
    and rank, the criteria that moved the score, the tier rules that differ, and the
    selection's reasons in both alternatives."""
    a, b = first.towns.loc[code], here.towns.loc[code]
    scored_a, scored_b = bool(first.eligible[code]), bool(here.eligible[code])
    parts = []
    r0, r1 = _rank(a[columns.RANK]), _rank(b[columns.RANK])
    if scored_a and scored_b:
        s0, s1 = float(a[columns.SCORE]), float(b[columns.SCORE])
        if abs(s1 - s0) < SAME_SCORE:
            rank = f"rank {r0}" if r0 == r1 else f"rank {r0} → {r1}"
            parts.append(f"same score {s0:.2f}, {rank}")
        else:
            parts.append(f"score {s0:.2f} → {s1:.2f} ({s1 - s0:+.2f}), rank {r0} → {r1}")
            if ds:
                parts.append("most changed: " + ", ".join(d.words() for d in ds))
    elif scored_a:
        parts.append(f"not scored in {here.name}")
    elif scored_b:
        parts.append(f"not scored in {first.name}")
    if rules:
        parts.append("tier rules differ: " + "; ".join(rules))
    parts.append(f"in {first.name}: {a[columns.REASON] or '-'}")
    parts.append(f"in {here.name}: {b[columns.REASON] or '-'}")
    return "; ".join(parts)
