"""Markdown run report: inputs with provenance, config, what was and was not computed,
tier counts per prefecture and the selected towns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import columns
from ..mcda import aggregation
from ..mcda import normalise as transforms
from . import facts_report, panel_report, types_report

#: Pairs of scored criteria correlated more strongly than this (|Pearson r| over the eligible
#: towns' transformed values) are flagged: they likely measure one thing twice.
CORRELATION_WARN = 0.8


def md_table(df: pd.DataFrame) -> str:
    """A Markdown table of ``df`` (floats to one decimal, missing values blank)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append("" if pd.isna(v) else f"{v:.1f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def document(res) -> str:
    """The whole ``report.md`` of a run: :func:`render`, then the sections on the town facts
    tables (:mod:`.facts_report`) and on the development types (:mod:`.types_report`)."""
    return (render(res) + "\n" + facts_report.section(res.facts) + "\n"
            + types_report.section(res.towns, res.cfg, res.type_assessed, res.clustering))


def render(res) -> str:
    """The report of a :class:`~spatial_towns.pipeline.RunResult` as Markdown text."""
    out = [f"# spatial_towns run report: {res.cfg.run_name}", ""]
    out += _attention(res)
    out += _inputs_section(res)
    out += _accounting_section(res)
    out += _criteria_section(res)
    out += _origin_section(res.cfg)
    out += _weights_section(res)
    out += _groups_section(res)
    out += _correlation_section(res)
    out += _regional_section(res)
    out += _tiers_section(res)
    out += _robustness_section(res)
    out += _tier_tables(res)
    return "\n".join(out) + "\n"


def _attention(res) -> list[str]:
    """Notes above everything: the road skeleton used, criteria by fallback or not computed."""
    fallback = [c for c, m in res.methods.items() if "FALLBACK" in m]
    not_computed = [c for c, m in res.methods.items() if m.startswith("not computed")]
    out: list[str] = []
    skeleton = [c for c, m in res.methods.items() if "OSM major-road skeleton" in m]
    if skeleton:
        out += [f"> Travel times by road on the OSM major-road skeleton (simplified; "
                f"© OpenStreetMap contributors, ODbL): {', '.join(skeleton)}; the speed and "
                "access legs are in the criteria table. A full OSM road graph (`--roads`) "
                "replaces it.", ""]
    if fallback or not_computed:
        out += ["> **Attention — partial inputs.**"]
        if fallback:
            out += [f"> Computed by a stated FALLBACK, not from a road network: {', '.join(fallback)}."]
        if not_computed:
            out += [f"> NOT computed (input missing): {', '.join(not_computed)}."]
        out += [""]
    return out


def _inputs_section(res) -> list[str]:
    out: list[str] = []
    out += ["## Inputs", ""]
    out += [f"- **{k}**: {v}" for k, v in res.provenance.items()]
    out += [f"- **metric CRS** (all distances and areas): `{res.crs.srs}`", ""]
    return out


def _accounting_section(res) -> list[str]:
    """Every input town counted: eligible, excluded (by reason), selected, without a point."""
    towns, cfg = res.towns, res.cfg
    n = len(towns)
    status = towns[columns.STATUS].value_counts()
    out: list[str] = []
    out += ["## Town accounting", "",
            f"- input towns: {n}; eligible: {int(status.get('eligible', 0))}; "
            f"excluded: {int(status.get('excluded', 0))}; selected: {int((towns['tier'] != '').sum())}",
            ""]
    kind_ok = towns[columns.KIND].isin(cfg.eligible_kinds)
    no_point = kind_ok & (towns.geometry.isna() | towns.geometry.is_empty)
    out += [f"- of the {int(kind_ok.sum())} units of an eligible kind "
            f"({'/'.join(cfg.eligible_kinds)}"
            + (", as of the 2023 township list" if columns.LIST_2023 in towns else "")
            + f"), {int(no_point.sum())} have no seat point and cannot be scored", ""]
    excl = towns.loc[towns[columns.STATUS] == "excluded", columns.REASON].value_counts()
    out += [md_table(excl.rename_axis("exclusion reason").reset_index(name="towns")), ""]
    return out


def _criteria_section(res) -> list[str]:
    """How each criterion was computed, its weight, and the substitutions made."""
    out: list[str] = []
    out += ["## Criteria", "", "| column | how | weight used |", "|---|---|---|"]
    weights = {u.column: u for u in res.used if u.column}
    for col, how in res.methods.items():
        u = weights.get(col)
        out.append(f"| {col} | {how} | {'' if u is None else f'{u.weight:.3f} ({u.direction})'} |")
    out += [""]
    notes = [f"- {u.name}: {u.note}" for u in res.used if u.note]
    if notes:
        out += ["Criterion substitutions:", *notes, ""]
    return out


def _tiers_section(res) -> list[str]:
    """The integer program against a greedy pick, the tiers' rules and counts, the held towns."""
    towns, cfg = res.towns, res.cfg
    out: list[str] = []
    sel = res.selection
    out += ["## Tiers", "", f"Joint integer program (HiGHS; solved as {sel.method}), objective "
            f"{sel.objective:.2f} (Σ tier_weight × score).", ""]
    if sel.greedy_objective is None:
        out += ["A greedy pick (best towns first, minimums first) could not meet the rules; "
                "only the integer program does.", ""]
    elif sel.greedy_diff:
        name = towns.set_index(columns.CODE)[columns.NAME]  # once, not the whole frame per named town
        out += [f"A greedy pick (each tier from the top: pinned towns, then the best towns of "
                f"each unit below its minimum, then the best remaining) reaches "
                f"{sel.greedy_objective:.2f}; the integer program places "
                f"{len(sel.greedy_diff)} town(s) differently: "
                + ", ".join(f"{name.loc[c]} ({c})"
                            for c in sel.greedy_diff[:20])
                + (" …" if len(sel.greedy_diff) > 20 else "") + ".", ""]
    else:
        out += [f"A greedy pick (minimums first, then by score) gives the same tiers "
                f"(objective {sel.greedy_objective:.2f}).", ""]
    out += [f"Note: {n}" for n in sel.notes] + ([""] if sel.notes else [])
    for t in cfg.tiers:
        q = []
        scope = " of this tier or higher" if t.cumulative else ""
        if t.per_prefecture_min:
            q.append(f"≥{t.per_prefecture_min}{scope} per prefecture")
        if t.per_county_min:
            q.append(f"≥{t.per_county_min}{scope} per county-level unit with a candidate")
        if t.per_prefecture_max is not None:
            q.append(f"≤{t.per_prefecture_max} per prefecture")
        if t.allocation == "proportional":
            q.append("per prefecture in proportion to its eligible towns")
        size = res.selection.sizes[t.name]
        basis = f"exactly {t.count}" if t.count is not None else f"minimum {t.min_count}"
        if t.min_spacing_km:
            q.append(f"≥{t.min_spacing_km:g} km apart")
        if t.pinned:
            q.append(f"{len(t.pinned)} pinned")
        out.append(f"- {t.label} ({t.name}): {size} towns ({basis}; {', '.join(q) or 'no unit minimum'})")
    out += ["", "### Tier counts per prefecture", "", md_table(res.tier_counts().reset_index()), ""]
    held = sel.binding[sel.binding != ""]
    out += [f"{len(held)} town(s) are away from their place by score because a rule of their "
            "own county or prefecture (a minimum, a cap or a share) holds them there; the "
            "`reason` of each names the unit.", ""]
    return out


def _tier_tables(res) -> list[str]:
    """One table of towns per tier, by score."""
    towns, cfg = res.towns, res.cfg
    out: list[str] = []
    for t in cfg.tiers:
        sel = towns[towns[columns.TIER] == t.name].sort_values([columns.SCORE, columns.CODE],
                                                               ascending=[False, True])
        out += [f"### {t.label} ({t.name})", ""]
        cols = [columns.CODE, columns.NAME, columns.COUNTY_NAME, columns.PREFECTURE_NAME,
                columns.SCORE, columns.RANK]
        if f"p_{t.name}" in sel:
            sel = sel.assign(**{"rank 5-95 %": sel[columns.RANK_LO].astype(int).astype(str) + "-"
                                + sel[columns.RANK_HI].astype(int).astype(str)})
            cols += [f"p_{t.name}", "rank 5-95 %"]
        out += [md_table(sel[cols + [columns.REASON]].assign(rank=sel[columns.RANK].astype(int)))]
        out += [""]
    return out


def _robustness_section(res) -> list[str]:
    rb = res.robustness
    if rb is None:
        return ["## Robustness", "", "Not computed ([sensitivity] draws = 0).", ""]
    towns = res.towns
    first = res.cfg.tiers[0]
    p = towns.loc[towns[columns.TIER] == first.name, f"p_{first.name}"]
    out = ["## Robustness", "",
           f"Monte Carlo: {rb.draws} weight vectors drawn from a Dirichlet centred on the weights "
           f"used (concentration {rb.concentration:g}, seed {rb.seed}); each re-scored and "
           "re-selected under the same quotas. `p_<tier>` is the share of draws in which a town "
           "lands in that tier; `rank_lo`-`rank_hi` its 5-95 % rank interval.", "",
           f"Of the {len(p)} {first.label} towns, {int((p >= 0.9).sum())} stay in the tier in "
           f"≥ 90 % of the draws, {int(((p >= 0.5) & (p < 0.9)).sum())} in 50-90 %, and "
           f"{int((p < 0.5).sum())} in fewer than half (the least stable: "
           + ", ".join(f"{n} {v:.0%}" for n, v in zip(
               towns.loc[p.sort_values(kind='stable').index[:5], columns.NAME],
               p.sort_values(kind="stable")[:5], strict=True))
           + ").", ""]
    out_tier = towns.loc[(towns[columns.TIER] != first.name) & (towns[f"p_{first.name}"] >= 0.25)]
    if len(out_tier):
        out += [f"Towns outside the {first.label} tier that reach it in ≥ 25 % of the draws: "
                + ", ".join(f"{n} {v:.0%}" for n, v in zip(
                    out_tier[columns.NAME], out_tier[f"p_{first.name}"], strict=True)) + ".", ""]
    out += _panel_robustness(res)
    oat = rb.oat.copy()
    oat["step"] = (oat["step"] * 100).map(lambda v: f"{v:+.0f} %")
    oat["weight"] = oat["weight"].map(lambda v: f"{v:.3f}")
    out += ["One weight at a time (others rescaled to keep the sum 1): towns entering each "
            "tier (as many leave).", "", md_table(oat), ""]
    return out


def stable_count(p: pd.Series, level: float = 0.9) -> int:
    """Towns whose share of draws in their tier is at least ``level``."""
    return int((p >= level).sum())


def _panel_robustness(res) -> list[str]:
    """The panel-bootstrap view next to the Dirichlet one (weights from an expert panel)."""
    rb = res.robustness
    if rb is None or rb.panel is None:
        return []
    towns, first = res.towns, res.cfg.tiers[0]
    mine = towns[columns.TIER] == first.name
    p_col = columns.probability(first.name)
    p_d = towns.loc[mine, p_col]
    p_p = towns.loc[mine, columns.from_panel(p_col)]
    out = ["### Robustness from the panel", "",
           f"The weights come from an expert panel, so the Monte Carlo is also drawn from the "
           f"panel itself: {rb.panel_draws} panels of the same size resampled from its experts "
           f"with replacement (seed {rb.seed}), each aggregated as the run's panel, re-scored "
           f"and re-selected. `p_<tier>_panel` and `rank_lo_panel`-`rank_hi_panel` say how much "
           "the pick depends on who sat on the panel.", "",
           f"| view | {first.label} towns stable (≥ 90 %) | 50-90 % | < 50 % |", "|---|---|---|---|"]
    for name, p in (("Dirichlet around the weights used", p_d), ("panel bootstrap", p_p)):
        out.append(f"| {name} | {stable_count(p)} of {len(p)} | "
                   f"{int(((p >= 0.5) & (p < 0.9)).sum())} | {int((p < 0.5).sum())} |")
    differ = towns.loc[mine & ((p_d >= 0.9) != (p_p >= 0.9))]
    if len(differ):
        out += ["", "Stable under one view only: " + ", ".join(
            f"{n} ({a:.0%} Dirichlet, {b:.0%} panel)" for n, a, b in zip(
                differ[columns.NAME], differ[p_col], differ[columns.from_panel(p_col)],
                strict=True)) + "."]
    return out + [""]


def _origin_section(cfg) -> list[str]:
    """Which criteria the user's configuration file added, changed or replaced (nothing
    without a file: every criterion is then the default's)."""
    if not cfg.criteria_origin:
        return []
    user = cfg.user_criteria()
    kept = [c for c, o in cfg.criteria_origin if o == "default"]
    out = [f"Criteria and the configuration file `{cfg.source}`:"]
    if cfg.criteria_mode == "replace":
        out.append("- its [[criteria]] replace the default list (criteria_mode = \"replace\"): "
                   + ", ".join(c for c, _ in user))
    else:
        added = [c for c, o in user if o == "added"]
        changed = [f"{c} ({o.removeprefix('changed: ')})" for c, o in user
                   if o.startswith("changed")]
        out.append("- added by the file: " + (", ".join(added) or "none"))
        out.append("- changed by the file: " + (", ".join(changed) or "none"))
        out.append(f"- from the default configuration, unchanged: {len(kept)} ("
                   + ", ".join(kept) + ")")
    return out + [""]


def _weights_section(res) -> list[str]:
    """Weighting method, the weight and transform of each criterion, hard constraints and
    what the score means under the aggregation used."""
    cfg = res.cfg
    w = getattr(res, "weighting", None)
    method = w.method if w is not None else cfg.weighting.method
    out = ["## Weights and method", ""]
    out.append(f"- weighting: **{method}**" + (f" — {w.note}" if w is not None and w.note else ""))
    if w is not None and w.ahp is not None:
        a = w.ahp
        out.append(f"- AHP consistency: λmax = {a.lambda_max:.4f}, CI = {a.ci:.4f}, "
                   f"RI (Saaty) = {a.ri:.2f}, **CR = {a.cr:.3f}** (accepted when ≤ 0.1)")
        names = cfg.weighting.criteria
        out += ["", "AHP pairwise judgements (row over column):", "",
                "| | " + " | ".join(f"`{n}`" for n in names) + " |",
                "|---|" + "---|" * len(names)]
        for n, row in zip(names, cfg.weighting.pairwise, strict=False):
            cells = [f"{v:g}" if v >= 1 else f"1/{1 / v:g}" for v in row]
            out.append(f"| `{n}` | " + " | ".join(cells) + " |")
        out.append("")
    if w is not None and w.parts:
        out += ["", "Combined weights (组合赋权): both parts and the result.", "",
                "| criterion | subjective | objective | combined |", "|---|---|---|---|"]
        for n, v in w.weights.items():
            out.append(f"| `{n}` | {w.parts['subjective'].get(n, 0.0):.4f} | "
                       f"{w.parts['objective'].get(n, 0.0):.4f} | **{v:.4f}** |")
        out.append("")
    if w is not None and w.panel is not None:
        out += ["", "### Expert panel", "", *panel_report.section(w.panel, level=4)]
    out.append(f"- aggregation: **{cfg.aggregation.method}** — "
               f"{aggregation.describe(cfg.aggregation.method)}")
    if cfg.aggregation.method == "owa":
        out.append(f"- OWA order weights (best value first): {list(cfg.aggregation.order_weights)}")
    out += ["", "| criterion | column scored | direction | transform | hard constraint | weight |",
            "|---|---|---|---|---|---|"]
    used = {u.name: u for u in res.used}
    for c in cfg.criteria:
        u = used.get(c.column)
        bounds = []
        if c.exclude_below is not None:
            bounds.append(f"≥ {c.exclude_below:g}")
        if c.exclude_above is not None:
            bounds.append(f"≤ {c.exclude_above:g}")
        col = (u.column or "— (dropped)") if u is not None else "— (constraint only)"
        weight = f"{u.weight:.4f}" if u is not None and u.column else "0"
        out.append(f"| {c.label} (`{c.column}`) | {col} | {c.direction} | "
                   f"{transforms.describe(c.transform, c.direction)} | "
                   f"{' and '.join(bounds) or '—'} | {weight} |")
    n_hard = int(res.towns[columns.REASON].str.contains("hard constraint", regex=False).sum())
    if n_hard:
        out += ["", f"{n_hard} town(s) excluded by a hard constraint (see `reason`)."]
    return out + [""]


def _groups_section(res) -> list[str]:
    """Weight used per plan criterion or focus area (the ``group`` key of each criterion)."""
    groups = {c.column: c.group or "(no group)" for c in res.cfg.criteria}
    total: dict[str, float] = {}
    members: dict[str, list[str]] = {}
    for u in res.used:
        if u.column:
            g = groups.get(u.name, "(no group)")
            total[g] = total.get(g, 0.0) + u.weight
            members.setdefault(g, []).append(f"`{u.name}` {u.weight:.3f}")
    out = ["## Weight per plan criterion", "",
           "The plan's criteria (产业比较兴旺, 人口相对集聚, 地理位置优越, 道路交通便利, 具有发展潜力和区域带动作用) "
           "and focus areas (都市圈, 城市周边, 边境地区, 重点帮扶县), as the `group` of each criterion in the "
           "configuration.", "", "| group | weight used | criteria |", "|---|---|---|"]
    for g in sorted(total, key=lambda k: (-total[k], k)):
        out.append(f"| {g} | {total[g]:.3f} | {', '.join(members[g])} |")
    return out + [""] + _core_proximity(res)


def _core_proximity(res) -> list[str]:
    """Which scored criteria reward closeness to the metro core, and for whom: so that one
    proximity counted twice is visible."""
    scored = {u.column for u in res.used if u.column}
    core = res.cfg.focus.metro_core
    direct = sorted(scored & {"time_changchun_min", "dist_changchun_km"})
    own = sorted(scored & {"time_prefecture_min", "dist_prefecture_seat_km"})
    n_core = int(((res.towns[columns.PREFECTURE_NAME] == core)
                  & (res.towns[columns.STATUS] == "eligible")).sum())
    parts = []
    if direct:
        parts.append(f"directly for every town: {', '.join(f'`{c}`' for c in direct)}")
    if own:
        parts.append(f"through the own prefecture seat for the {n_core} eligible towns of "
                     f"{core}: {', '.join(f'`{c}`' for c in own)}")
    if "in_metro" in scored:
        parts.append("`in_metro` is membership of the metro area (focus.metro_counties), "
                     "not a distance")
    text = "; ".join(parts) if parts else "no scored criterion"
    warn = " **Counted more than once.**" if direct and own else ""
    return [f"Proximity to the metro core ({core}) is scored {text}.{warn}", ""]


def criteria_correlation(res) -> pd.DataFrame:
    """Pearson correlation of the scored criteria's transformed values over the eligible
    towns (NaN for a criterion that is constant there)."""
    names = [u.name for u in res.used if u.column and f"norm_{u.name}" in res.towns]
    sub = res.towns.loc[res.towns[columns.STATUS] == "eligible", [f"norm_{n}" for n in names]]
    sub.columns = names
    return sub.astype(float).corr()


def _correlation_section(res) -> list[str]:
    corr = criteria_correlation(res)
    names = list(corr.columns)
    n = int((res.towns[columns.STATUS] == "eligible").sum())
    out = ["## Correlation of the scored criteria", "",
           f"Pearson r of the transformed (0-1) criteria over the {n} eligible towns. Two criteria "
           f"with |r| > {CORRELATION_WARN:g} measure nearly the same thing, so together they weigh "
           "it twice.", "", "| | " + " | ".join(f"`{c}`" for c in names) + " |",
           "|---|" + "---|" * len(names)]
    for a in names:
        cells = ["—" if pd.isna(corr.loc[a, b]) else f"{corr.loc[a, b]:+.2f}" for b in names]
        out.append(f"| `{a}` | " + " | ".join(cells) + " |")
    out.append("")
    flat = [c for c in names if corr[c].isna().all() or pd.isna(corr.loc[c, c])]
    if flat:
        out += [f"Constant over the eligible towns (adds nothing to any ranking): "
                f"{', '.join(f'`{c}`' for c in flat)}.", ""]
    high = [(a, b, corr.loc[a, b]) for i, a in enumerate(names) for b in names[i + 1:]
            if pd.notna(corr.loc[a, b]) and abs(corr.loc[a, b]) > CORRELATION_WARN]
    if high:
        out += ["> **Warning — strongly correlated criteria:** "
                + "; ".join(f"`{a}` and `{b}` (r = {r:+.2f})" for a, b, r in high) + ".", ""]
    else:
        out += [f"No pair of scored criteria has |r| > {CORRELATION_WARN:g}.", ""]
    return out


def regional_fit(res, column: str) -> dict:
    """How much an unscored regional column says beyond the scored criteria, over the eligible
    towns: ``log1p`` then min-max of ``column`` against the scored criteria's transformed
    values. Returns the largest |r| and its criterion (``r_max``, ``r_max_with``), the R² of a
    least-squares fit on all of them (``r2``) and r with the straight-line km to the metro
    core (``r_core``)."""
    el = res.towns[columns.STATUS] == "eligible"
    y = np.log1p(res.towns.loc[el, column].astype(float))
    corr = criteria_correlation(res)
    names = [c for c in corr.columns if not corr[c].isna().all()]
    x = res.towns.loc[el, [f"norm_{n}" for n in names]].astype(float)
    ok = y.notna() & x.notna().all(axis=1)
    y, x = y[ok], x[ok]
    r = {n: float(np.corrcoef(y, x[f"norm_{n}"])[0, 1]) for n in names}
    top = max(r, key=lambda n: abs(r[n])) if r else ""
    design = np.column_stack([x.to_numpy(), np.ones(len(x))])
    resid = y - design @ np.linalg.lstsq(design, y.to_numpy(), rcond=None)[0]
    core = res.towns.loc[el, "dist_changchun_km"].astype(float)[ok]
    return {"r_max": r.get(top, float("nan")), "r_max_with": top, "r2": float(1 - resid.var() / y.var()),
            "r_core": float(np.corrcoef(y, core)[0, 1]), "n": int(ok.sum())}


def _regional_section(res) -> list[str]:
    """The regional catchments on the coarse population grid, when computed and not scored:
    what they would add, measured, and why they are left out."""
    scored = {u.column for u in res.used if u.column}
    cols = [c for c, m in res.methods.items() if c.startswith("region_pop_")
            and not m.startswith("not computed") and c not in scored]
    if not cols:
        return []
    out = ["### Regional catchment (computed, not scored)", ""]
    for c in cols:
        f = regional_fit(res, c)
        out.append(f"- `{c}` (log1p) over {f['n']} eligible towns: largest |r| with a scored "
                   f"criterion {f['r_max']:+.2f} (`{f['r_max_with']}`), R² of a linear fit on all "
                   f"scored criteria {f['r2']:.2f}; r with the straight-line km to "
                   f"{res.cfg.focus.metro_core} {f['r_core']:+.2f}.")
    out += ["", "Not scored by default: what it adds beyond the scored criteria is mostly the "
            f"pull of {res.cfg.focus.metro_core} and the other big cities within an hour, which "
            "the weights count once (the own prefecture seat, metro membership); and a 15′ cell "
            "(~20 × 28 km) holds two or three townships, so the grid cannot tell a town's own "
            "hinterland (\"服务乡村\") from its neighbours'. Score it with a `[[criteria]]` "
            "entry (see the comment at `access.region_isochrone_min`).", ""]
    return out
