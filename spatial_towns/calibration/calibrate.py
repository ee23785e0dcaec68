"""Learn the criterion weights that past designations reveal.

Given the towns designated in a past year, a regularised logistic regression on the run's
normalised criteria (``norm_*``, 0-1, cost criteria reversed so 1 is best) estimates how much
each criterion mattered. Its positive coefficients, rescaled to sum 1, are *implied weights*
on the same scale as the config's ``[[criteria]] weight``. The fit is cross-validated with
folds grouped by prefecture (a model must predict designations in prefectures it has not
seen), bootstrapped for intervals, and written as a config the planner *may* adopt; the run's
own weights are never changed.

>>> from spatial_towns import calibrate, pipeline
>>> res = pipeline.run(output_dir=None)                                     # doctest: +SKIP
>>> d = calibrate.read_designated("designated_2022.csv")                   # doctest: +SKIP
>>> m = calibrate.match(d, res.towns)                                       # doctest: +SKIP
>>> fit = calibrate.WeightCalibration.from_run(res, m).solve()              # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import threadpoolctl

from .. import columns, errors
from .. import config as config_mod
from ..data import datasets, io, matching
from ._metrics import roc_auc, top_k_hit_rate

_CODE = ("code", "town_code", "编码", "代码", "区划代码")
_NAME = ("name", "town", "town_name", "名称", "镇", "乡镇")
_COUNTY = ("county", "county_name", "county_code", "县", "县(市、区)", "区县")
_TIER = ("tier", "level", "级别", "层级")


# ---------------------------------------------------------------- reading and matching


def read_designated(path: str | Path) -> pd.DataFrame:
    """Read a list of designated towns.

    Schema (CSV, UTF-8 or GBK): a ``code`` column (9- or 12-digit township code, 2016 or
    2023 list) and/or ``name`` with ``county`` (county name or 6-digit code) — one of the two
    identifies each row — and an optional ``tier`` (e.g. ``provincial``; default
    ``designated``). Other columns are kept.

    Returns
    -------
    pandas.DataFrame
        ``row`` (1-based line in the file's data), ``code``, ``name``, ``county``, ``tier``,
        then the file's other columns as text.
    """
    path = Path(path)
    if not path.exists():
        raise errors.InputDataError(f"designation file not found: {path}")
    df = io.read_table(path)
    cols = {c.strip().lower(): c for c in df.columns}

    def pick(aliases):
        return next((cols[a.lower()] for a in aliases if a.lower() in cols), None)

    code, name, county, tier = pick(_CODE), pick(_NAME), pick(_COUNTY), pick(_TIER)
    if code is None and name is None:
        raise errors.InputDataError(
            f"{path}: needs a town code column ({', '.join(_CODE)}) or a name column "
            f"({', '.join(_NAME)}) with a county column; found {list(df.columns)}")
    out = pd.DataFrame({
        "row": np.arange(1, len(df) + 1),
        "code": df[code].fillna("").astype(str).str.strip() if code else "",
        "name": df[name].fillna("").astype(str).str.strip() if name else "",
        "county": df[county].fillna("").astype(str).str.strip() if county else "",
        "tier": df[tier].fillna("designated").astype(str).str.strip() if tier else "designated",
    })
    used = {c for c in (code, name, county, tier) if c}
    for c in df.columns:
        if c not in used and c not in out.columns:
            out[c] = df[c].fillna("").astype(str).to_numpy()
    if out.empty:
        raise errors.InputDataError(f"{path}: no designated towns in the file")
    blank = (out["code"] == "") & (out["name"] == "")
    if blank.any():
        raise errors.InputDataError(
            f"{path}: row(s) {list(out.loc[blank, 'row'][:10])} have neither a code nor a name")
    bad = (out["code"] != "") & ~out["code"].str.fullmatch(r"\d{9}(\d{3})?")
    if bad.any():
        raise errors.InputDataError(
            f"{path}: code(s) {list(out.loc[bad, 'code'][:5])} are not 9- or 12-digit township "
            "codes")
    out.attrs["path"] = str(path)
    return out


#: The matcher's name key (kept here for callers of this module).
name_key = matching.name_key


def match(designated: pd.DataFrame, towns: pd.DataFrame,
          reference: matching.Reference | None = None) -> pd.DataFrame:
    """Match designated rows to the run's towns with :func:`.matching.match_rows`.

    Codes (9 or 12 digits, 2016 or 2023 list, through the crosswalk), names within the
    county (ignoring 镇/乡/街道 suffixes, bracketed notes and prefixes), renamed towns and
    similar names, as that function documents. Nothing is dropped: rows that match no town,
    or several, get ``town_code`` NA and the reason in ``how``.

    Parameters
    ----------
    reference
        Reference lists of the matcher; default the embedded Jilin lists
        (:func:`.datasets.matching_reference`).

    Returns
    -------
    pandas.DataFrame
        The designated rows plus ``town_code`` (the run's ``code`` or NA), ``town_name``,
        ``town_county``, ``how`` (how matched, or ``unmatched: ...`` / ``ambiguous: ...``)
        and ``matched``.
    """
    ref = reference if reference is not None else datasets.matching_reference()
    m = matching.match_rows(designated.reset_index(drop=True), towns, ref)
    ok = m["match_status"] == matching.MATCHED
    how = m["match_reason"].where(ok, m["match_status"] + ": " + m["match_reason"])
    return m.drop(columns=["match_status", "match_reason", "match_check"]).assign(
        how=how, matched=ok)


# ---------------------------------------------------------------- the model


@dataclass
class CalibrationResult:
    """What :meth:`WeightCalibration.solve` found.

    ``weights`` has one row per criterion: ``coef`` (logit per unit of normalised criterion),
    ``weight`` (implied, positive coefficients rescaled to sum 1), ``ci_low``/``ci_high``
    (bootstrap percentile interval of ``weight``), ``current`` (the run's weight).
    """

    weights: pd.DataFrame
    C: float
    cv_auc: float
    cv_auc_folds: list[float]
    cv_topk_hit: float
    k: int
    baseline_auc: float
    baseline_topk_hit: float
    implied_topk_hit: float
    n_towns: int
    n_designated: int
    n_groups: int
    n_boot: int
    seed: int
    notes: list[str] = field(default_factory=list)


@dataclass
class WeightCalibration:
    """Regularised logistic regression of designation on normalised criteria.

    Build with :meth:`from_run` or :meth:`from_frame`, then call :meth:`solve`.
    """

    X: pd.DataFrame
    y: np.ndarray
    groups: np.ndarray
    criteria: list[config_mod.Criterion]
    baseline: np.ndarray
    seed: int = 0
    n_boot: int = 200
    Cs: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_frame(cls, towns: pd.DataFrame, designated_codes, criteria, *,
                   group_col: str = columns.PREFECTURE_NAME, seed: int = 0, n_boot: int = 200,
                   Cs: tuple[float, ...] | None = None) -> WeightCalibration:
        """Set up from a towns frame with ``norm_<column>`` columns.

        Parameters
        ----------
        towns
            Eligible towns (rows with any missing ``norm_*`` are rejected) with ``code``,
            ``group_col`` and optionally ``score`` (the current score, for the baseline).
        designated_codes
            Codes (``towns["code"]``) of designated towns.
        criteria
            The config's criteria (:class:`spatial_towns.config.Criterion`); those with a
            ``norm_`` column in ``towns`` are fitted.
        """
        crit = [c for c in criteria if columns.norm(c.column) in towns.columns]
        if not crit:
            raise errors.InputDataError("no norm_* criterion columns to calibrate on")
        X = towns[[columns.norm(c.column) for c in crit]].astype(float)
        X.columns = [c.column for c in crit]
        if X.isna().any().any():
            bad = X.index[X.isna().any(axis=1)][:5]
            raise errors.InputDataError(
                f"towns {list(towns.loc[bad, 'code'])} lack normalised criteria; calibrate on "
                "eligible towns only")
        codes = set(designated_codes)
        y = towns["code"].isin(codes).to_numpy().astype(int)
        if y.sum() < 2 or y.sum() == len(y):
            raise errors.InputDataError(
                f"calibration needs at least 2 designated and 1 other eligible town; got "
                f"{int(y.sum())} designated of {len(y)}")
        groups = towns[group_col].astype(str).to_numpy()
        notes = []
        const = [c for c in X.columns if X[c].nunique() <= 1]
        if const:
            notes.append(f"constant over the eligible towns, weight fixed at 0: {const}")
        baseline = (towns[columns.SCORE].to_numpy(dtype=float) if columns.SCORE in towns
                    else np.zeros(len(towns)))
        return cls(X=X, y=y, groups=groups, criteria=crit, baseline=baseline, seed=seed,
                   n_boot=n_boot, Cs=tuple(Cs or cls.Cs), notes=notes)

    @classmethod
    def from_run(cls, res, matches: pd.DataFrame, tier: str | None = None, *, seed: int = 0,
                 n_boot: int = 200) -> WeightCalibration:
        """Set up from a :class:`~spatial_towns.pipeline.RunResult` and :func:`match` output.

        Matched towns that are not eligible in the run (e.g. a 乡, or no seat point) cannot
        be fitted; they are noted, not silently ignored.
        """
        elig = res.towns[res.towns[columns.STATUS] == columns.ELIGIBLE]
        m = matches[matches["matched"]]
        if tier:
            m = m[m["tier"] == tier]
            if m.empty:
                raise errors.InputDataError(f"no matched designated town has tier {tier!r}")
        inelig = m[~m["town_code"].isin(elig["code"])]
        model = cls.from_frame(elig, m["town_code"], res.cfg.criteria, seed=seed,
                               n_boot=n_boot)
        if len(inelig):
            model.notes.append(
                "matched but not eligible in this run, left out of the fit: "
                + ", ".join(f"{n} ({c})" for n, c in zip(inelig["town_name"],
                                                          inelig["town_county"], strict=False)))
        return model

    def _fit(self, X: np.ndarray, y: np.ndarray, C: float):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=C, max_iter=2000).fit(X, y)

    def _folds(self, groups: np.ndarray):
        from sklearn.model_selection import GroupKFold

        n = min(5, len(np.unique(groups)))
        if n < 2:
            raise errors.InputDataError("cross-validation by prefecture needs >= 2 prefectures")
        return list(GroupKFold(n_splits=n).split(np.zeros(len(groups)), groups=groups))

    def _choose_C(self, X, y, groups) -> float:
        best, best_auc = self.Cs[0], -1.0
        folds = self._folds(groups)
        for C in self.Cs:
            p = np.zeros(len(y))
            for tr, te in folds:
                if y[tr].sum() in (0, len(tr)):
                    p[te] = y[tr].mean()
                    continue
                p[te] = self._fit(X[tr], y[tr], C).decision_function(X[te])
            auc = roc_auc(y, p)
            if auc > best_auc + 1e-9:
                best, best_auc = C, auc
        return best

    def solve(self) -> CalibrationResult:
        """Fit, cross-validate (nested: C chosen inside each outer fold), bootstrap."""
        import sklearn.linear_model  # noqa: F401  (load its thread pools before limiting them)

        with threadpoolctl.threadpool_limits(1):
            return self._solve()

    def _solve(self) -> CalibrationResult:
        live = [c for c in self.X.columns if self.X[c].nunique() > 1]
        X = self.X[live].to_numpy()
        y, g = self.y, self.groups
        # Outer CV by prefecture; the regularisation strength is chosen on the training
        # prefectures only, so the AUC is not tuned on its own test fold.
        oof = np.zeros(len(y))
        fold_auc = []
        for tr, te in self._folds(g):
            if y[tr].sum() in (0, len(tr)):
                oof[te] = y[tr].mean()
                continue
            C = self._choose_C(X[tr], y[tr], g[tr]) if len(np.unique(g[tr])) >= 2 else 1.0
            oof[te] = self._fit(X[tr], y[tr], C).decision_function(X[te])
            if 0 < y[te].sum() < len(te):
                fold_auc.append(roc_auc(y[te], oof[te]))
        C = self._choose_C(X, y, g)
        coef = self._fit(X, y, C).coef_[0]
        rng = np.random.default_rng(self.seed)
        pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        boots = np.zeros((self.n_boot, len(live)))
        for b in range(self.n_boot):
            # Stratified by class so every resample has designated towns.
            idx = np.r_[rng.choice(pos, len(pos)), rng.choice(neg, len(neg))]
            boots[b] = _implied(self._fit(X[idx], y[idx], C).coef_[0])
        w = _implied(coef)
        k = int(y.sum())
        current = {c.column: c.weight for c in self.criteria}
        tot = sum(current.values()) or 1.0
        rows = []
        for c in self.criteria:
            if c.column in live:
                j = live.index(c.column)
                rows.append({"criterion": c.column, "label": c.label, "direction": c.direction,
                             "coef": coef[j], "weight": w[j],
                             "ci_low": np.percentile(boots[:, j], 2.5),
                             "ci_high": np.percentile(boots[:, j], 97.5),
                             "current": current[c.column] / tot})
            else:
                rows.append({"criterion": c.column, "label": c.label, "direction": c.direction,
                             "coef": np.nan, "weight": 0.0, "ci_low": np.nan, "ci_high": np.nan,
                             "current": current[c.column] / tot})
        weights = pd.DataFrame(rows).set_index("criterion")
        neg_c = weights.index[weights["coef"] < 0].tolist()
        notes = list(self.notes)
        if neg_c:
            notes.append("negative coefficient (designations favoured the opposite direction "
                         f"of the config), implied weight 0: {neg_c}")
        implied_score = self.X.to_numpy() @ weights["weight"].to_numpy()
        return CalibrationResult(
            weights=weights, C=C, cv_auc=roc_auc(y, oof), cv_auc_folds=fold_auc,
            cv_topk_hit=top_k_hit_rate(y, oof, k), k=k, baseline_auc=roc_auc(y, self.baseline),
            baseline_topk_hit=top_k_hit_rate(y, self.baseline, k),
            implied_topk_hit=top_k_hit_rate(y, implied_score, k), n_towns=len(y), n_designated=k,
            n_groups=len(np.unique(g)), n_boot=self.n_boot, seed=self.seed, notes=notes)


def _implied(coef: np.ndarray) -> np.ndarray:
    pos = np.clip(coef, 0.0, None)
    s = pos.sum()
    return pos / s if s > 0 else np.zeros_like(pos)


# ---------------------------------------------------------------- outputs


def config_toml(result: CalibrationResult, cfg: config_mod.Config, source: str) -> str:
    """A config file with the implied weights (``[[criteria]]`` only, so every other setting
    keeps the planner's value). Loadable with ``spatial-towns run --config``."""
    lines = [
        "# SUGGESTED criterion weights implied by past designations (spatial-towns calibrate).",
        f"# Designations: {source}",
        f"# Cross-validated ROC AUC {result.cv_auc:.3f} (folds grouped by prefecture), "
        f"top-{result.k} hit rate {result.cv_topk_hit:.3f}.",
        "# Review before adopting: pass this file with `spatial-towns run --config FILE`.",
        "# The planner's own config is not changed.",
        "",
        f"run_name = {json.dumps(cfg.run_name + '-calibrated', ensure_ascii=False)}",
        "",
    ]
    for c in cfg.criteria:
        w = float(result.weights.loc[c.column, "weight"]) if c.column in result.weights.index \
            else 0.0
        lines += ["[[criteria]]", f"column = {json.dumps(c.column)}",
                  f"label = {json.dumps(c.label, ensure_ascii=False)}",
                  f"direction = {json.dumps(c.direction)}", f"weight = {w:.4f}"]
        if c.fallback:
            lines.append(f"fallback = {json.dumps(c.fallback)}")
        lines.append("")
    if sum(float(result.weights["weight"].get(c.column, 0.0)) for c in cfg.criteria) <= 0:
        raise errors.ConfigError("calibration gave no positive weight; no config written")
    return "\n".join(lines)


def report(result: CalibrationResult, matches: pd.DataFrame, source: str) -> str:
    """Markdown report of a calibration."""
    w = result.weights
    synthetic = matches.drop(columns=["how"], errors="ignore").astype(str).apply(
        lambda col: col.str.contains("SYNTHETIC")).any().any()
    out = ["# spatial_towns calibration report", ""]
    if synthetic:
        out += ["> **SYNTHETIC designations**: the file marks its rows as synthetic (made by a "
                "rule, not by the province); the weights below recover that rule, not real "
                "planning practice.", ""]
    out += [
           f"Designations: `{source}` — {len(matches)} rows, "
           f"{int(matches['matched'].sum())} matched, {int((~matches['matched']).sum())} unmatched.",
           "",
           f"Model: L2-regularised logistic regression (scikit-learn) of designation on the "
           f"normalised criteria of {result.n_towns} eligible towns ({result.n_designated} "
           f"designated); C = {result.C:g} chosen by prefecture-grouped CV.", "",
           "## Implied weights", "",
           f"Positive coefficients rescaled to sum 1; 95% bootstrap percentile intervals "
           f"({result.n_boot} resamples, seed {result.seed}).", "",
           "| criterion | label | direction | coef | implied weight | 95% interval | current weight |",
           "|---|---|---|---|---|---|---|"]
    for c, r in w.iterrows():
        ci = "" if pd.isna(r["ci_low"]) else f"{r['ci_low']:.3f} – {r['ci_high']:.3f}"
        coef = "" if pd.isna(r["coef"]) else f"{r['coef']:.2f}"
        out.append(f"| {c} | {r['label']} | {r['direction']} | {coef} | {r['weight']:.3f} | "
                   f"{ci} | {r['current']:.3f} |")
    folds = ", ".join(f"{a:.3f}" for a in result.cv_auc_folds)
    out += ["", "## Fit", "",
            f"- cross-validated ROC AUC (out-of-fold, folds grouped by prefecture, "
            f"{result.n_groups} prefectures): **{result.cv_auc:.3f}** (per fold: {folds})",
            f"- cross-validated top-{result.k} hit rate: **{result.cv_topk_hit:.3f}** (share of "
            f"the {result.k} highest out-of-fold predictions that were designated)",
            f"- current config score: ROC AUC {result.baseline_auc:.3f}, top-{result.k} hit rate "
            f"{result.baseline_topk_hit:.3f}",
            f"- score with the implied weights (in-sample): top-{result.k} hit rate "
            f"{result.implied_topk_hit:.3f}", ""]
    if result.notes:
        out += ["Notes:", *[f"- {n}" for n in result.notes], ""]
    out += ["## Matching", ""]
    um = matches[~matches["matched"]]
    if len(um):
        out += [f"**Unmatched ({len(um)})** — not used in the fit:", "",
                "| row | code | name | county | reason |", "|---|---|---|---|---|"]
        out += [f"| {r.row} | {r.code} | {r.name} | {r.county} | {r.how} |"
                for r in um.itertuples()]
        out += [""]
    how = matches.loc[matches["matched"], "how"].value_counts()
    out += ["| how matched | rows |", "|---|---|"] + [f"| {h} | {n} |" for h, n in how.items()]
    return "\n".join(out) + "\n"


def synthetic_designations(towns: pd.DataFrame, weights: dict[str, float], k: int,
                           tier: str = "provincial") -> pd.DataFrame:
    """SYNTHETIC designation list: the top ``k`` eligible towns by ``Σ weight × norm_<col>``.

    For testing and demonstrating :func:`match` and :class:`WeightCalibration` with a known
    answer; never a real designation. Ties are broken by code.
    """
    elig = towns[towns[columns.STATUS] == columns.ELIGIBLE] if columns.STATUS in towns else towns
    s = sum(w * elig[columns.norm(c)].astype(float) for c, w in weights.items())
    top = elig.assign(_s=s).sort_values(["_s", "code"], ascending=[False, True]).head(k)
    return pd.DataFrame({"code": top["code"].astype(str).str[:9], "name": top["name"],
                         "county": top[columns.COUNTY_NAME], "tier": tier,
                         "note": "SYNTHETIC: top-k by known weights"})
