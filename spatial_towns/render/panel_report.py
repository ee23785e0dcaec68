"""A panel's weights as Markdown (``panel.md``, and the run report's panel section) and as a
TOML snippet that ``spatial-towns run --config`` takes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..config import Criterion
from ..panel.group import CONSENSUS_NAME, PanelWeights, consensus_word, revisit_text
from ..panel.hierarchy import GROUPS

_CITATION = ("K. D. Goepel (2013), Implementing the Analytic Hierarchy Process as a Standard "
             "Method for Multi-Criteria Decision Making in Corporate Enterprises, Proc. ISAHP "
             "2013, Kuala Lumpur; scale correction as in Goepel (2018), IJAHP 10(3)")
_AGGREGATION = {
    "aij": "AIJ — element-wise geometric mean of the experts' judgements, then the principal "
           "eigenvector (Forman & Peniwati 1998)",
    "aip": "AIP — geometric mean of the experts' priority vectors, normalised "
           "(Forman & Peniwati 1998)",
}
_POLICY = {
    "include": "an expert with CR > {cr} at a level is kept at that level, with a warning",
    "exclude": "an expert with CR > {cr} at a level is left out of that level (their other "
               "levels count)",
}


def synthetic(pw: PanelWeights) -> bool:
    """Whether the panel says of itself that it is SYNTHETIC (expert names or files)."""
    return any("SYNTHETIC" in s.upper() for s in (*pw.panel.experts, *pw.panel.files))


def markdown(pw: PanelWeights, *, reference: dict[str, float] | None = None) -> str:
    """``panel.md``: files, experts, per-expert consistency and revisit suggestions, group and
    global weights (next to ``reference`` weights, e.g. the config's), consensus."""
    out = ["# Weights from an expert panel", ""]
    if synthetic(pw):
        out += ["> **SYNTHETIC panel**: these experts are made up (seeded), to show the "
                "method; no person gave these judgements.", ""]
    out += [f"- answers: {', '.join(f'`{Path(f).name}`' for f in pw.panel.files) or '(in memory)'}",
            f"- experts: {len(pw.panel.experts)} ({', '.join(pw.panel.experts)})"]
    out += section(pw, reference=reference, level=2)
    return "\n".join(out) + "\n"


def section(pw: PanelWeights, *, reference: dict[str, float] | None = None,
            level: int = 3) -> list[str]:
    """The panel's weights, consistency and consensus as Markdown lines (headings at
    ``level``), for ``panel.md`` and the run report."""
    h = "#" * level
    out = [f"- aggregation: {_AGGREGATION[pw.aggregation]}",
           f"- inconsistent experts: {_POLICY[pw.inconsistent].format(cr=pw.max_cr)}",
           f"- consensus: {CONSENSUS_NAME}, 0 = none, 1 = full ({_CITATION})",
           "- global weight = group weight × weight within the group", ""]
    out += [f"{h} Consistency of each expert", "",
            "| expert | level | n | λmax | CI | CR | counts | suggested revision (second round) |",
            "|---|---|---|---|---|---|---|---|"]
    for el in pw.experts:
        flag = " ✗" if el.ahp.cr > pw.max_cr else ""
        out.append(f"| {el.expert} | {_level(el.level)} | {len(el.items)} | "
                   f"{el.ahp.lambda_max:.3f} | {el.ahp.ci:.3f} | {el.ahp.cr:.3f}{flag} | "
                   f"{'yes' if el.included else 'no'} | {revisit_text(el)} |")
    out += ["", "CR is 0 for a pair of items (always consistent). A suggestion names the one "
            "judgement whose change, alone, lowers the expert's CR most, the scale value to "
            "change it to, and the CR after.", ""]
    out += [f"{h} Group weights and consensus", "",
            "| level | items | aggregated CR | consensus S* | |", "|---|---|---|---|---|"]
    for lv, w in pw.local.items():
        cr = pw.group_cr[lv]
        s = float(pw.consensus[lv])
        out.append(f"| {_level(lv)} | {', '.join(f'{k} {v:.3f}' for k, v in w.items())} | "
                   f"{'' if np.isnan(cr) else f'{cr:.3f}'} | "
                   f"{'' if np.isnan(s) else f'{s:.3f}'} | {consensus_word(s)} |")
    s = pw.consensus_overall
    out += ["", f"Consensus over the hierarchy (levels weighted by their parent's global "
            f"weight): **{'n/a' if np.isnan(s) else f'{s:.3f}'}** ({consensus_word(s)}).", ""]
    out += [f"{h} Global weights", ""]
    ref_col = " config weight |" if reference else ""
    out += ["| criterion | label | group | group weight | within group | global weight |"
            + ref_col, "|---|---|---|---|---|---|" + ("---|" if reference else "")]
    hier = pw.panel.hierarchy
    for c, w in pw.global_weights.items():
        g = hier.group_of(str(c))
        within = pw.local[g][c] if g in pw.local else 1.0
        row = (f"| {c} | {hier.label(str(c))} | {g} | {pw.group_weights[g]:.4f} | {within:.4f} | "
               f"**{w:.4f}** |")
        if reference:
            row += f" {reference.get(str(c), 0.0):.4f} |"
        out.append(row)
    out += ["", f"{h} Each expert's own global weights", "",
            "| expert | " + " | ".join(pw.expert_global.columns) + " |",
            "|---|" + "---|" * len(pw.expert_global.columns)]
    for e, r in pw.expert_global.iterrows():
        out.append(f"| {e} | " + " | ".join(f"{v:.3f}" for v in r) + " |")
    if pw.warnings:
        out += ["", f"{h} Warnings", "", *[f"- {w}" for w in pw.warnings]]
    return out + [""]


def _level(level: str) -> str:
    return "groups (level 1)" if level == GROUPS else level


def toml_snippet(pw: PanelWeights, criteria: Sequence[Criterion], *, source: str = "") -> str:
    """A config file with the panel's global weights: ``[weighting] method = "expert"`` and
    the full ``[[criteria]]`` list (every key as configured, only ``weight`` replaced;
    criteria the panel was not asked about keep weight 0). ``spatial-towns run --config``
    takes it."""
    lines = ["# Criterion weights from an expert panel (spatial-towns weights --panel).",
             f"# Answers: {source or ', '.join(Path(f).name for f in pw.panel.files)}",
             f"# Experts: {len(pw.panel.experts)}; aggregation {pw.aggregation}; "
             f"inconsistent experts: {pw.inconsistent} (max CR {pw.max_cr}).",
             "# Pass it with `spatial-towns run --config FILE`.", ""]
    if synthetic(pw):
        lines.insert(1, "# SYNTHETIC panel: made-up experts, for illustration only.")
    lines += ["# The full list of criteria: the file's list replaces the defaults' whole.",
              'criteria_mode = "replace"', "", "[weighting]", 'method = "expert"', ""]
    for c in criteria:
        w = float(pw.global_weights.get(c.column, 0.0))
        lines += ["[[criteria]]", *_criterion_lines(c, w), ""]
    return "\n".join(lines)


def _criterion_lines(c: Criterion, weight: float) -> list[str]:
    def q(v: object) -> str:
        return json.dumps(v, ensure_ascii=False)

    out = [f"column = {q(c.column)}", f"label = {q(c.label)}", f"direction = {q(c.direction)}",
           f"weight = {weight!r}"]
    if c.group:
        out.append(f"group = {q(c.group)}")
    if c.source != "geometry":
        out += [f"source = {q(c.source)}", f"units = {q(c.units)}", f"missing = {q(c.missing)}"]
    if c.fallback:
        out.append(f"fallback = {q(c.fallback)}")
    t = c.transform
    if t.kind != "minmax":
        out.append(f"transform = {q(t.kind)}")
        for k in ("midpoint", "spread", "lower", "upper"):
            v = getattr(t, k)
            if v is not None:
                out.append(f"{k} = {float(v)!r}")
    if c.exclude_below is not None:
        out.append(f"min = {float(c.exclude_below)!r}")
    if c.exclude_above is not None:
        out.append(f"max = {float(c.exclude_above)!r}")
    return out
