"""The panel a run's configuration asks for: ``[weighting] method = "panel"`` (or
``"combined"`` with ``subjective = "panel"``), its answer files and options, and the weight
draws of its bootstrap for the robustness analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import errors
from ..mcda import weights
from .answers import read
from .group import PanelWeights, aggregate, bootstrap, consensus_word
from .hierarchy import Hierarchy


def uses_panel(weighting) -> bool:
    """Whether the weights (or their subjective part) come from an expert panel."""
    return weighting.method == "panel" or (
        weighting.method == "combined" and weighting.subjective == "panel")


def load(cfg) -> PanelWeights | None:
    """Read and aggregate the configured panel; ``None`` when the weights use no panel.

    Raises
    ------
    spatial_towns.errors.ConfigError
        When the method needs a panel and no answer files are given.
    spatial_towns.errors.AnswersError
        For a bad answer (file, sheet, row).
    """
    w = cfg.weighting
    if not uses_panel(w):
        return None
    files = w.panel
    if not files:
        raise errors.ConfigError(
            "[weighting] uses an expert panel but names no answer files: set panel = "
            "[\"answers/张三.xlsx\", ...] (relative to the config file) or run --panel FILE...")
    panel = read(list(files), Hierarchy.from_criteria(cfg.criteria))
    return aggregate(panel, method=w.panel_aggregation, inconsistent=w.inconsistent,
                     max_cr=w.max_cr)


def note(pw: PanelWeights) -> str:
    """How the panel's weights were obtained, in one line for the run's weighting note."""
    s = pw.consensus_overall
    bad = len({el.expert for el in pw.inconsistent_experts()})
    return (f"expert panel of {len(pw.panel.experts)} ({pw.aggregation.upper()}; "
            f"{bad} with CR > {pw.max_cr}, policy '{pw.inconsistent}'; consensus S* "
            f"{'n/a' if np.isnan(s) else f'{s:.3f}'} {consensus_word(s)}), global weight = "
            "group weight × weight within the group")


def weight_draws(pw: PanelWeights, used: weights.WeightsUsed, *, draws: int, seed: int,
                 rule: str = "linear", alpha: float = 0.5) -> pd.DataFrame:
    """The run's weights under ``draws`` panels resampled from its experts (seeded).

    Each bootstrap draw (:func:`.group.bootstrap`) is restricted to the scored criteria of
    ``used`` and renormalised; for combined weights it is combined with the run's objective
    part by the same ``rule`` and ``alpha``, so only the panel's part moves.
    """
    boot = bootstrap(pw, draws=draws, seed=seed)
    names = list(used.weights)
    sub = boot.reindex(columns=names, fill_value=0.0).to_numpy(dtype=float)
    sub = sub / sub.sum(axis=1, keepdims=True)
    if used.method == "combined":
        obj = np.array([used.parts["objective"][n] for n in names])
        sub = np.array([weights.combine(row, obj, rule=rule, alpha=alpha) for row in sub])
        sub = sub / sub.sum(axis=1, keepdims=True)
    return pd.DataFrame(sub, columns=names)
