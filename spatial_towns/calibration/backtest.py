"""Backtest a configured score against towns that programmes really recognised.

Planners hold lists of towns their own or national programmes designated in the past (a
code, or a name with its county). :func:`validate` asks how the run's score ranks them among
the eligible towns:

- **ROC AUC**: the probability that a recognised eligible town scores above an eligible town
  that was not recognised (0.5 = no better than chance, 1 = every recognised town first);
- **tier lift** per tier (and for any tier): the share of the recognised eligible towns that
  the run puts in the tier, divided by the share of all eligible towns it puts there (1 = no
  better than chance);
- **top-k hit rate**: the share of the run's ``k`` best-scored eligible towns that were
  recognised (chance level: recognised eligible / eligible).

Each comes with a stratified bootstrap interval (recognised and other eligible towns resampled
separately, seeded). Rows that match no town, and recognised towns that are not eligible in
the run, are listed with the reason, never dropped.

>>> from spatial_towns import config, pipeline, validate                 # doctest: +SKIP
>>> res = pipeline.run(config.load(), output_dir=None)
>>> v = validate.validate(res.towns, validate.read_recognised("past.csv"), tiers=res.cfg.tiers)
>>> print(v.to_markdown())
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import columns, errors
from ..data import datasets, matching
from . import calibrate
from ._metrics import roc_auc, top_k_hit_rate

#: Columns of :attr:`Validation.metrics`.
METRIC_COLUMNS = ["metric", "value", "ci_low", "ci_high", "chance", "note"]


@dataclass
class Validation:
    """What :func:`validate` measured.

    ``metrics`` has one row per figure (``METRIC_COLUMNS``); ``matches`` every row of the
    recognised list with ``town_code`` (or NA), ``match_status``, ``match_reason`` and the
    town's ``status`` in the run;
    ``unmatched`` the rows that match no town; ``not_eligible`` the matched rows whose town is
    not eligible in the run (with its reason).
    """

    metrics: pd.DataFrame
    matches: pd.DataFrame
    unmatched: pd.DataFrame
    not_eligible: pd.DataFrame
    n_eligible: int
    n_recognised_eligible: int
    draws: int
    seed: int
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def value(self, metric: str) -> float:
        """The point value of ``metric`` (e.g. ``"roc_auc"``, ``"lift_provincial"``)."""
        return float(self.metrics.set_index("metric").loc[metric, "value"])

    def to_markdown(self) -> str:
        """A report section: figures with intervals, then unmatched and ineligible rows."""
        m = self.metrics
        out = [f"# Validation against recognised towns{f': {self.source}' if self.source else ''}",
               "",
               f"{len(self.matches)} rows; {len(self.unmatched)} unmatched; "
               f"{len(self.not_eligible)} matched but not eligible in the run; "
               f"{self.n_recognised_eligible} recognised among the {self.n_eligible} eligible "
               f"towns. Intervals: 2.5-97.5 % of {self.draws} stratified bootstrap resamples "
               f"(seed {self.seed}).", "",
               "| metric | value | 95 % interval | chance level | note |", "|---|---|---|---|---|"]
        for r in m.itertuples():
            ci = "" if np.isnan(r.ci_low) else f"{r.ci_low:.3f}-{r.ci_high:.3f}"
            out.append(f"| {r.metric} | {r.value:.3f} | {ci} | {r.chance:.3f} | {r.note} |")
        out += [""] + [f"Note: {n}" for n in self.notes] + ([""] if self.notes else [])
        for title, frame in (("Unmatched rows", self.unmatched),
                             ("Matched but not eligible", self.not_eligible)):
            out += [f"## {title}", ""]
            if frame.empty:
                out += ["None.", ""]
                continue
            cols = [c for c in ("row", "code", "name", "county", "town_code", "town_name",
                                "match_status", "match_reason", columns.STATUS, columns.REASON)
                    if c in frame.columns]
            out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            for _, r in frame[cols].iterrows():
                out.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in r) + " |")
            out.append("")
        return "\n".join(out) + "\n"


def read_recognised(path) -> pd.DataFrame:
    """Read a list of recognised towns: ``code`` and/or ``name`` with ``county`` (the schema
    of :func:`spatial_towns.calibrate.read_designated`; ``tier`` optional)."""
    return calibrate.read_designated(path)


def tier_lift(recognised: np.ndarray, in_tier: np.ndarray) -> float:
    """Share in the tier among recognised towns ÷ share in the tier among all towns."""
    y = np.asarray(recognised, dtype=bool)
    t = np.asarray(in_tier, dtype=bool)
    base = t.mean() if len(t) else float("nan")
    if not y.any() or not base > 0:
        return float("nan")
    return float(t[y].mean() / base)


def validate(towns: pd.DataFrame, recognised: pd.DataFrame, *, tiers=(), ks=None,
             draws: int = 1000, seed: int = 0, source: str = "") -> Validation:
    """How the run's score ranks the ``recognised`` towns among its eligible towns.

    Parameters
    ----------
    towns
        A run's towns (:attr:`spatial_towns.pipeline.RunResult.towns`): ``code``, ``name``,
        ``county_name``, ``status``, ``reason``, ``score``, ``tier``.
    recognised
        Rows of :func:`read_recognised` (code, or name + county); matched to ``towns`` by
        :func:`spatial_towns.matching.match_rows` with the embedded reference lists (2016↔2023
        crosswalk, county names).
    tiers
        The run's tiers (``cfg.tiers``), for the lift per tier; any tier is always reported.
    ks
        The k of the top-k hit rates; default the size of each tier and the number of
        recognised eligible towns.
    draws, seed
        Bootstrap resamples (0: no intervals) and their seed.
    """
    need = {"code", columns.STATUS, columns.SCORE, columns.TIER}
    if need - set(towns.columns):
        raise errors.InputDataError(
            f"validate needs a run's towns with {sorted(need)}; missing "
            f"{sorted(need - set(towns.columns))}")
    matches = matching.match_rows(recognised.reset_index(drop=True), towns,
                                  datasets.matching_reference())
    matches["matched"] = matches["match_status"] == matching.MATCHED
    info = towns.set_index(towns["code"].astype(str))[[columns.STATUS, columns.REASON]]
    matches[columns.STATUS] = matches["town_code"].map(info[columns.STATUS])
    matches[columns.REASON] = matches["town_code"].map(info[columns.REASON])
    unmatched = matches[~matches["matched"]].reset_index(drop=True)
    hit = matches[matches["matched"]]
    not_eligible = hit[hit[columns.STATUS] != columns.ELIGIBLE].reset_index(drop=True)

    elig = towns[towns[columns.STATUS] == columns.ELIGIBLE]
    codes = set(hit.loc[hit[columns.STATUS] == columns.ELIGIBLE, "town_code"].astype(str))
    y = elig["code"].astype(str).isin(codes).to_numpy()
    s = elig[columns.SCORE].to_numpy(dtype=float)
    tier = elig[columns.TIER].fillna("").astype(str).to_numpy()
    n_pos = int(y.sum())
    notes = []
    if hit["town_code"].duplicated().any():
        notes.append("several rows match the same town; it counts once")
    if n_pos == 0:
        notes.append("no recognised town is eligible in the run: nothing to measure")

    # (name, fn(recognised, score, tier) -> value, chance level, note)
    figures: list[tuple[str, Callable[..., float], float, str]] = []
    figures.append(("roc_auc", lambda y_, s_, t_: roc_auc(y_, s_), 0.5,
                    "recognised vs other eligible towns"))
    for name in ["any tier", *[t.name for t in tiers]]:
        label = "lift_any_tier" if name == "any tier" else f"lift_{name}"
        figures.append((label, (lambda n: lambda y_, s_, t_: tier_lift(
            y_, (t_ != "") if n == "any tier" else (t_ == n)))(name), 1.0,
            f"share in {name} among recognised / among all eligible"))
    if ks is None:
        ks = sorted({*[int((tier == t.name).sum()) for t in tiers], n_pos} - {0})
    chance = n_pos / len(y) if len(y) else float("nan")
    for k in ks:
        figures.append((f"top_{k}_hit_rate", (lambda k_: lambda y_, s_, t_: top_k_hit_rate(
            y_, s_, k_))(k), chance, f"share recognised among the {k} best-scored"))

    values = [fn(y, s, tier) for _, fn, _, _ in figures]
    lo = np.full(len(figures), np.nan)
    hi = np.full(len(figures), np.nan)
    if draws and 0 < n_pos < len(y):
        boot = _bootstrap(y, s, tier, [fn for _, fn, _, _ in figures], draws, seed)
        with np.errstate(all="ignore"):
            lo = np.nanpercentile(boot, 2.5, axis=0)
            hi = np.nanpercentile(boot, 97.5, axis=0)
    metrics = pd.DataFrame({"metric": [f[0] for f in figures], "value": values,
                            "ci_low": lo, "ci_high": hi, "chance": [f[2] for f in figures],
                            "note": [f[3] for f in figures]})[METRIC_COLUMNS]
    return Validation(metrics=metrics, matches=matches, unmatched=unmatched,
                      not_eligible=not_eligible, n_eligible=len(y), n_recognised_eligible=n_pos,
                      draws=int(draws), seed=int(seed), source=source, notes=notes)


def _bootstrap(y: np.ndarray, s: np.ndarray, tier: np.ndarray, fns: list, draws: int,
               seed: int) -> np.ndarray:
    """Metric values over ``draws`` stratified resamples (recognised and others separately,
    so each resample has as many recognised towns as the data)."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    out = np.empty((draws, len(fns)))
    for b in range(draws):
        idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        out[b] = [fn(y[idx], s[idx], tier[idx]) for fn in fns]
    return out
