"""SYNTHETIC expert panels (seeded) for tests, the example notebook and the README: no real
expert answered these.

Each synthetic expert holds priorities scattered around a centre (log-normal, ``spread``),
and judges each pair as the ratio of those priorities with some noise (``noise``), snapped
to the nearest value of Saaty's scale, as a person picking from the dropdown would.
"""

from __future__ import annotations

import numpy as np

from ..mcda import weights
from .answers import Judgement
from .hierarchy import GROUPS, Hierarchy


def centre(hierarchy: Hierarchy) -> dict[str, np.ndarray]:
    """Per level, the configured expert weights as priorities: each group's share of the
    weight (level ``groups``) and each criterion's share within its group."""
    w = {c.column: c.weight for c in hierarchy.criteria}
    out = {}
    for level, items in hierarchy.levels():
        if level == GROUPS:
            v = np.array([sum(w[c] for c in hierarchy.items(g)) for g in items])
        else:
            v = np.array([w[c] for c in items])
        out[level] = v / v.sum()
    return out


def judgements(hierarchy: Hierarchy, *, experts: int = 5, seed: int = 0, spread: float = 0.5,
               noise: float = 0.3, names: list[str] | None = None) -> list[Judgement]:
    """Judgements of a SYNTHETIC panel (``SYNTHETIC-01`` ... unless ``names``), seeded."""
    rng = np.random.default_rng(seed)
    names = names or [f"SYNTHETIC-{k:02d}" for k in range(1, experts + 1)]
    grid = np.log(np.array(weights.SAATY_VALUES))
    out = []
    for e in names:
        for level, mid in centre(hierarchy).items():
            items = hierarchy.items(level)
            own = mid * np.exp(rng.normal(0.0, spread, size=len(mid)))
            for i in range(len(items)):
                for j in range(i + 1, len(items)):
                    r = np.log(own[i] / own[j]) + rng.normal(0.0, noise)
                    v = float(weights.SAATY_VALUES[int(np.argmin(np.abs(grid - r)))])
                    out.append(Judgement(e, level, items[i], items[j], v, "SYNTHETIC"))
    return out


def contradict(rows: list[Judgement], expert: str, level: str = GROUPS) -> list[Judgement]:
    """The same judgements with ``expert``'s strongest judgement at ``level`` turned to the
    opposite extreme (``a_ij`` ≥ 1 → 1/9, else 9): a SYNTHETIC inconsistent expert."""
    mine = [r for r in rows if r.expert == expert and r.level == level]
    worst = max(mine, key=lambda r: abs(np.log(r.value)))
    return [Judgement(r.expert, r.level, r.a, r.b, 1 / 9 if r.value >= 1 else 9.0, r.where)
            if r is worst else r
            for r in rows]
