"""The report's section on development types (:mod:`spatial_towns.typology.devtypes`): how
each type was assessed, counts per tier and per prefecture, the quota check and the clusters
against the rule-based types."""

from __future__ import annotations

import pandas as pd

from .. import columns
from .. import config as config_mod
from ..typology import devtypes


def _md(df: pd.DataFrame, floatfmt: str = "{:.2f}") -> str:
    df = df.reset_index()
    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(
            floatfmt.format(v) if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines)


def section(towns: pd.DataFrame, cfg: config_mod.Config, assessed: dict[str, str],
            clustering: devtypes.Clustering | None) -> str:
    """Markdown section on development types: how each was assessed, counts per tier and
    per prefecture, quota check, and the clusters-versus-types contingency table."""
    out = ["## Development types (发展类型)", ""]
    missing = devtypes.not_assessed(assessed)
    if missing:
        out += ["> **Not assessed** (input missing, type not guessed): "
                + ", ".join(f"{devtypes.label(k)} {k}" for k in missing)
                + ". Towns that would be of these types are shown as 综合服务型 by default.", ""]
    out += ["| type | rule |", "|---|---|"]
    out += [f"| {devtypes.label(k)} {k} | {how} |" for k, how in assessed.items()]
    out += ["", f"Precedence when several rules are met: "
            f"{' > '.join(devtypes.label(k) for k in cfg.types.precedence)} > {devtypes.label(devtypes.DEFAULT_TYPE)}; "
            "`dev_type_candidates` lists every type a town meets.", ""]
    out += ["### Selected towns per tier and type", "", _md(devtypes.type_counts(towns, cfg)), ""]
    first = cfg.tiers[0]
    out += [f"### {first.label} ({first.name}) towns per prefecture and type", "",
            _md(devtypes.type_counts(towns, cfg, by=columns.PREFECTURE_NAME, tier=first.name)), ""]
    if cfg.types.quotas:
        q = devtypes.check_quotas(towns, cfg)
        out += ["### Type quotas", ""]
        short = q[~q["ok"]]
        if len(short):
            out += ["> **Type quotas NOT met** in the selection: " + ", ".join(
                f"{r.tier} {r.label} {r.selected}/{r.quota}" for r in short.itertuples()), ""]
        out += [_md(q.set_index(columns.TIER)), ""]
    if clustering is not None:
        score = "silhouette" if clustering.method == "kmeans" else "BIC"
        sc = ", ".join(f"k={k}: {v:.3f}" for k, v in clustering.scores.items())
        out += ["### Unsupervised view: clusters of normalised criteria", "",
                f"{clustering.method} (scikit-learn, seed {clustering.seed}) on "
                f"{len(clustering.columns)} columns of the eligible towns; k = {clustering.k} "
                f"chosen by {score} ({sc}).", "",
                "Clusters (rows) against rule-based types (columns), eligible towns:", "",
                _md(devtypes.contingency(clustering.labels, towns[columns.DEV_TYPE])), "",
                "Cluster profiles (mean normalised criterion, 1 = best):", "",
                _md(clustering.profile), ""]
    return "\n".join(out) + "\n"
