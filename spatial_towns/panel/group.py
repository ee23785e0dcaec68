"""Group judgement of a panel: each expert's weights and consistency per level, the panel's
aggregated weights (AIJ or AIP), a consensus indicator, and bootstrap draws over the experts.

* Per expert and level: principal-eigenvector weights, λmax, CI and CR
  (:func:`spatial_towns.weights.ahp`); for CR above ``max_cr`` the one judgement whose
  revision lowers CR most (:func:`spatial_towns.weights.revisit`), a second-round suggestion.
* Aggregation (Forman & Peniwati 1998): **AIJ** (default) takes the element-wise geometric mean
  of the experts' matrices, then its principal eigenvector; **AIP** the geometric mean of the
  experts' priority vectors, normalised.
* Inconsistent experts (CR > ``max_cr`` at a level): ``include`` keeps their judgements at
  that level and warns; ``exclude`` leaves them out of that level only (their consistent
  levels still count).
* Global weight of a criterion = its group's weight × its weight within the group.
* Consensus: Goepel's AHP consensus indicator S* (Goepel 2013; the correction for the 1-9
  scale as in Goepel 2018), from the Shannon alpha and beta entropy of the experts' priorities
  at a level, 0 (none) to 1 (full); the hierarchy's overall value weights each level by the
  global weight of its parent (1 for the groups), as AHP-OS does.

References: K. D. Goepel (2013), "Implementing the Analytic Hierarchy Process as a Standard
Method for Multi-Criteria Decision Making in Corporate Enterprises - a New AHP Excel Template
with Multiple Inputs", Proc. ISAHP 2013, Kuala Lumpur; K. D. Goepel (2018), "Implementation
of an Online Software Tool for the Analytic Hierarchy Process (AHP-OS)", IJAHP 10(3);
E. Forman, K. Peniwati (1998), "Aggregating individual judgments and priorities with the
Analytic Hierarchy Process", EJOR 108(1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import errors
from ..mcda import weights
from .answers import Panel
from .hierarchy import GROUPS
from .scale import value_text

AGGREGATIONS = ("aij", "aip")
POLICIES = ("include", "exclude")
CONSENSUS_NAME = "AHP consensus S* (Goepel 2013, Shannon alpha/beta entropy)"
#: Goepel's word scale for S* (upper bounds).
CONSENSUS_WORDS = ((0.5, "very low"), (0.625, "low"), (0.75, "moderate"), (0.875, "high"),
                   (float("inf"), "very high"))


@dataclass(frozen=True)
class ExpertLevel:
    """One expert's matrix at one level: weights, λmax, CI, CR (``ahp``), whether it counts
    in the aggregation, and the revisit suggestion when CR > ``max_cr``."""

    expert: str
    level: str
    items: tuple[str, ...]
    matrix: np.ndarray
    ahp: weights.AHPResult
    included: bool
    revisit: weights.Revisit | None = None


@dataclass(frozen=True)
class PanelWeights:
    """A panel's aggregated weights and everything the report states about them.

    ``local`` maps each level to its aggregated weights (index: the level's items);
    ``group_cr`` the CR of the aggregated (AIJ) matrix per level (NaN under AIP);
    ``group_weights`` the groups' weights; ``global_weights`` criterion column → global
    weight (sum 1); ``expert_global`` each expert's own global weights (experts × columns);
    ``consensus`` S* per level and ``consensus_overall`` for the hierarchy (NaN with one
    expert).
    """

    panel: Panel
    aggregation: str
    inconsistent: str
    max_cr: float
    experts: tuple[ExpertLevel, ...]
    local: dict[str, pd.Series]
    group_cr: dict[str, float]
    group_weights: pd.Series
    global_weights: pd.Series
    expert_global: pd.DataFrame
    consensus: pd.Series
    consensus_overall: float
    warnings: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """One row per expert and level: ``expert, level, n, lambda_max, ci, cr, included,
        revisit`` (the suggested change as text, or '')."""
        rows = []
        for el in self.experts:
            rows.append({"expert": el.expert, "level": el.level, "n": len(el.items),
                         "lambda_max": el.ahp.lambda_max, "ci": el.ahp.ci, "cr": el.ahp.cr,
                         "included": el.included, "revisit": revisit_text(el)})
        return pd.DataFrame(rows)

    def inconsistent_experts(self) -> list[ExpertLevel]:
        return [el for el in self.experts if el.ahp.cr > self.max_cr]


def revisit_text(el: ExpertLevel) -> str:
    """The second-round suggestion in words, e.g. ``人口相对集聚 vs 都市圈: 1/5 → 3 (CR 0.21 →
    0.07)``."""
    r = el.revisit
    if r is None:
        return ""
    i, j = r.pair
    return (f"{el.items[i]} vs {el.items[j]}: {value_text(r.current)} → "
            f"{value_text(r.suggested)} (consistent value {r.consistent:.2f}; CR "
            f"{r.cr_before:.3f} → {r.cr_after:.3f})")


def consensus(priorities: np.ndarray, scale_max: float = 9.0) -> float:
    """Goepel's AHP consensus S* of K experts' priority vectors (K × n), 0 to 1.

    ``Hα`` = mean Shannon entropy of the experts' priorities, ``Hγ`` = entropy of their
    arithmetic mean, ``Hβ = Hγ - Hα``; with ``Hα,min`` the entropy of a vector that puts one
    item ``scale_max`` times above all others (``M/(n+M-1)`` and ``1/(n+M-1)``) and
    ``Hγ,max = ln n``: ``S* = (e^{-Hβ} - e^{Hα,min}/n) / (1 - e^{Hα,min}/n)``. NaN for
    fewer than 2 experts.
    """
    p = np.asarray(priorities, dtype=float)
    k, n = p.shape
    if k < 2 or n < 2:
        return float("nan")

    def h(x: np.ndarray) -> np.ndarray:
        return -(x * np.log(x)).sum(axis=-1)

    h_beta = float(h(p.mean(axis=0)) - h(p).mean())
    m = scale_max
    a, b = m / (n + m - 1.0), 1.0 / (n + m - 1.0)
    h_alpha_min = -a * np.log(a) - (n - 1) * b * np.log(b)
    floor = float(np.exp(h_alpha_min) / n)
    return (float(np.exp(-h_beta)) - floor) / (1.0 - floor)


def consensus_word(s: float) -> str:
    """Goepel's word for a consensus value (very low ... very high)."""
    if not np.isfinite(s):
        return "n/a (one expert)"
    return next(w for bound, w in CONSENSUS_WORDS if s < bound)


def aggregate(panel: Panel, *, method: str = "aij", inconsistent: str = "include",
              max_cr: float = weights.MAX_CR) -> PanelWeights:
    """The panel's weights: per-expert consistency, aggregation, global weights, consensus.

    Parameters
    ----------
    panel : Panel
        Checked judgements (:func:`.answers.read`).
    method : {"aij", "aip"}
        Aggregation of individual judgements (geometric-mean matrix, then eigenvector) or
        of individual priorities (geometric mean of the eigenvectors).
    inconsistent : {"include", "exclude"}
        Policy for an expert whose CR at a level exceeds ``max_cr``.
    max_cr : float
        Consistency ratio above which an expert's level is inconsistent (Saaty: 0.1).

    Raises
    ------
    spatial_towns.errors.ConfigError
        Unknown method or policy, or no consistent expert left at a level under ``exclude``.
    """
    _check_options(method, inconsistent, max_cr)
    h = panel.hierarchy
    els = _expert_levels(panel, inconsistent, max_cr)
    warns = _policy_warnings(els, inconsistent, max_cr)
    local: dict[str, pd.Series] = {}
    group_cr: dict[str, float] = {}
    cons: dict[str, float] = {}
    for level, items in h.levels():
        mine = [el for el in els if el.level == level and el.included]
        if not mine:
            raise errors.ConfigError(
                f"level {level}: every expert has CR > {max_cr} and the policy is 'exclude'; "
                "nobody is left to weigh it (send the suggested revisions, or use "
                "inconsistent = 'include')")
        w, cr = _aggregate_level(mine, method)
        local[level] = pd.Series(w, index=list(items))
        group_cr[level] = cr
        cons[level] = consensus(np.array([el.ahp.weights for el in mine]))
    group_w, glob = _global(h, local)
    return PanelWeights(
        panel=panel, aggregation=method, inconsistent=inconsistent, max_cr=max_cr,
        experts=tuple(els), local=local, group_cr=group_cr, group_weights=group_w,
        global_weights=glob, expert_global=_expert_global(panel, els),
        consensus=pd.Series(cons, dtype=float),
        consensus_overall=_overall_consensus(cons, group_w), warnings=tuple(warns))


def bootstrap(pw: PanelWeights, *, draws: int, seed: int) -> pd.DataFrame:
    """Global weights of ``draws`` panels resampled from ``pw``'s experts with replacement
    (same size, same aggregation and policy), seeded: draws × criterion columns.

    Each draw picks K experts out of the K (a person may sit twice); each level aggregates
    the picked experts that count there. A draw in which some level has nobody who counts
    (possible under ``exclude``) is drawn again.
    """
    if draws < 1:
        raise errors.ConfigError("panel bootstrap: draws must be >= 1")
    experts = list(pw.panel.experts)
    k = len(experts)
    h = pw.panel.hierarchy
    by = {(el.expert, el.level): el for el in pw.experts}
    stacks = {}
    for level, _ in h.levels():
        els = [by[(e, level)] for e in experts]
        stacks[level] = (np.array([np.log(el.matrix) for el in els]),
                         np.array([el.ahp.weights for el in els]),
                         np.array([el.included for el in els]))
    rng = np.random.default_rng(seed)
    out = np.zeros((draws, len(h.columns)))
    for d in range(draws):
        for _attempt in range(1000):
            idx = rng.integers(0, k, size=k)
            if all(inc[idx].any() for _, _, inc in stacks.values()):
                break
        else:  # pragma: no cover - needs a level where almost nobody counts
            raise errors.ConfigError("panel bootstrap: too few consistent experts to resample")
        local = {}
        for level, (logs, prio, inc) in stacks.items():
            sel = idx[inc[idx]]
            if pw.aggregation == "aij":
                w = weights.ahp(np.exp(logs[sel].mean(axis=0))).weights
            else:
                w = _geo_priorities(prio[sel])
            local[level] = pd.Series(w, index=list(h.items(level)))
        out[d] = _global(h, local)[1].to_numpy()
    return pd.DataFrame(out, columns=list(h.columns))


def _check_options(method: str, inconsistent: str, max_cr: float) -> None:
    if method not in AGGREGATIONS:
        raise errors.ConfigError(f"panel aggregation {method!r} is not one of {AGGREGATIONS}")
    if inconsistent not in POLICIES:
        raise errors.ConfigError(f"inconsistent-expert policy {inconsistent!r} is not one of "
                                 f"{POLICIES}")
    if not max_cr > 0:
        raise errors.ConfigError(f"max_cr = {max_cr} must be > 0")


def _expert_levels(panel: Panel, inconsistent: str, max_cr: float) -> list[ExpertLevel]:
    els = []
    for e in panel.experts:
        for level, items in panel.hierarchy.levels():
            a = panel.matrix(e, level)
            res = weights.ahp(a)
            bad = res.cr > max_cr
            els.append(ExpertLevel(expert=e, level=level, items=items, matrix=a, ahp=res,
                                   included=not (bad and inconsistent == "exclude"),
                                   revisit=weights.revisit(a) if bad else None))
    return els


def _policy_warnings(els: Sequence[ExpertLevel], inconsistent: str, max_cr: float) -> list[str]:
    out = []
    for el in els:
        if el.ahp.cr <= max_cr:
            continue
        fate = ("included (policy 'include')" if el.included
                else "left out of this level (policy 'exclude')")
        out.append(f"expert {el.expert}, level {el.level}: CR = {el.ahp.cr:.3f} > {max_cr}, "
                   f"{fate}; suggested revision: {revisit_text(el)}")
    return out


def _aggregate_level(els: Sequence[ExpertLevel], method: str) -> tuple[np.ndarray, float]:
    if method == "aij":
        res = weights.ahp(np.exp(np.mean([np.log(el.matrix) for el in els], axis=0)))
        return res.weights, res.cr
    return _geo_priorities(np.array([el.ahp.weights for el in els])), float("nan")


def _geo_priorities(prio: np.ndarray) -> np.ndarray:
    g = np.exp(np.log(prio).mean(axis=0))
    return g / g.sum()


def _global(h, local: dict[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
    """Group weights and global weights (group weight × weight within the group)."""
    names = list(h.group_names)
    group_w = local[GROUPS] if GROUPS in local else pd.Series(1.0, index=names)
    glob = {}
    for g, cols in h.groups:
        within = local[g] if g in local else pd.Series(1.0, index=list(cols))
        for c in cols:
            glob[c] = float(group_w[g] * within[c])
    return group_w.astype(float), pd.Series(glob, dtype=float)


def _expert_global(panel: Panel, els: Sequence[ExpertLevel]) -> pd.DataFrame:
    rows = {}
    for e in panel.experts:
        local = {el.level: pd.Series(el.ahp.weights, index=list(el.items))
                 for el in els if el.expert == e}
        rows[e] = _global(panel.hierarchy, local)[1]
    return pd.DataFrame(rows).T.reindex(columns=list(panel.hierarchy.columns))


def _overall_consensus(cons: dict[str, float], group_w: pd.Series) -> float:
    num = den = 0.0
    for level, s in cons.items():
        if not np.isfinite(s):
            return float("nan")
        p = 1.0 if level == GROUPS else float(group_w[level])
        num, den = num + p * s, den + p
    return num / den if den > 0 else float("nan")
