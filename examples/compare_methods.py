"""Compare the provincial tier under different weighting and aggregation methods.

Runs the whole pipeline on the embedded Jilin data once per method (no files written) and
prints, for each, the weights used and how many of the 30 provincial towns differ from the
default run (expert weights + min-max + weighted linear combination)::

    python examples/compare_methods.py            # from the repository root

The AHP variant uses the example judgements in ``examples/ahp.toml``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spatial_towns import config
from spatial_towns.pipeline import stages as pipeline

HERE = Path(__file__).resolve().parent

VARIANTS = {
    "WLC, expert weights (default)": (None, {}),
    "TOPSIS, expert weights": (None, {"aggregation": {"method": "topsis"}}),
    "WLC, AHP weights": (HERE / "ahp.toml", {}),
    "TOPSIS, AHP weights": (HERE / "ahp.toml", {"aggregation": {"method": "topsis"}}),
    "WLC, entropy weights": (None, {"weighting": {"method": "entropy"}}),
    "WLC, CRITIC weights": (None, {"weighting": {"method": "critic"}}),
}


def main() -> pd.DataFrame:
    runs = {name: pipeline.run(config.load(path, over or None), output_dir=None, progress=False)
            for name, (path, over) in VARIANTS.items()}
    base_name = next(iter(runs))
    base = runs[base_name].towns
    base_tier = set(base.loc[base["tier"] == "provincial", "code"])
    rows, weights = [], {}
    for name, res in runs.items():
        t = res.towns
        tier = set(t.loc[t["tier"] == "provincial", "code"])
        top30 = set(t.loc[t["status"] == "eligible"].nsmallest(30, "rank")["code"])
        rank_corr = t["score"].corr(base["score"], method="spearman")
        rows.append({"method": name, "provincial": len(tier),
                     "changed vs default": len(tier - base_tier),
                     "in (examples)": "、".join(t.loc[t["code"].isin(tier - base_tier), "name"].head(4)),
                     "Spearman ρ of scores": round(rank_corr, 3),
                     "top-30 by score changed": len(top30 - set(
                         base.loc[base["status"] == "eligible"].nsmallest(30, "rank")["code"]))})
        weights[name] = pd.Series(res.weighting.weights).round(3)
        if res.weighting.ahp is not None:
            rows[-1]["method"] += f" (CR {res.weighting.ahp.cr:.3f})"
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(weights).T.to_string(), end="\n\n")
        print(table.to_string(index=False))
    return table


if __name__ == "__main__":
    main()
