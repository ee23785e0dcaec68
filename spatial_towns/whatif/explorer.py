"""What-if analysis of a run: new weights, aggregation or tier quotas without recomputing criteria.

The criteria of a run are fixed by its inputs; only the decision layer moves when a planner
asks "what if accessibility counted more?". :class:`WhatIf` keeps the run's criteria table
and selection model and, for a new :class:`Scenario`, re-transforms, re-scores and
re-selects the three tiers (one LP on the cached constraint matrix), with the same functions
and in the same order as :func:`spatial_towns.pipeline.run`, so a saved scenario re-run from
its config file gives identical scores and tiers (:meth:`WhatIf.save_scenario`).

>>> from spatial_towns import pipeline, whatif
>>> res = pipeline.run(output_dir=None, progress=False)                    # doctest: +SKIP
>>> wi = whatif.WhatIf.from_result(res)                                     # doctest: +SKIP
>>> up = wi.update(weights={"dist_rail_km": 0.3}, quotas={"provincial": {"count": 35}})
>>> up.changes.query("tier_to == 'provincial'")                             # doctest: +SKIP

:func:`explore` wraps it in a Jupyter widget (sliders, map, tier table, changes list).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import columns, errors
from .. import config as config_mod
from ..data import io
from ..mcda import normalise as transforms
from ..mcda import scoring, selection
from ..pipeline import eligibility, records
from ..pipeline import stages as pipeline

#: The plan's focus-area criteria (重点区域): offered as weights even when the config does
#: not score them, so a planner can add the bonus in a meeting. ``{metro_area}`` is the
#: run's metro area (:attr:`.config.Focus.metro_area`, e.g. 长春都市圈).
FOCUS_CRITERIA = {
    "in_metro": "{metro_area} (metro area)",
    columns.BORDER_AREA: "边境地区 (border area)",
    "key_assisted": "重点帮扶县 (key assisted county)",
    "city_periphery": "城市周边 (city periphery flag)",
}

#: Tier fields a scenario may change (the tier quotas).
QUOTA_FIELDS = ("count", "min_count", "per_prefecture_min", "per_county_min")


@dataclass(frozen=True)
class Scenario:
    """The decision-layer choices of one what-if state.

    ``weights`` maps criterion column → weight (any non-negative scale; normalised like the
    config's ``weight`` keys), in the order criteria are scored; ``aggregation`` and
    ``order_weights`` as in :class:`~spatial_towns.config.Aggregation`; ``tiers`` the tier
    rules with the scenario's quotas.
    """

    weights: tuple[tuple[str, float], ...]
    aggregation: str
    order_weights: tuple[float, ...]
    tiers: tuple[config_mod.Tier, ...]

    def weight_dict(self) -> dict[str, float]:
        return dict(self.weights)


@dataclass
class Update:
    """Result of :meth:`WhatIf.update`.

    ``towns`` (index = town code, every input town): ``name``, ``county_name``,
    ``prefecture_name``, ``eligible``, ``score`` (0-100, NaN if not eligible), ``rank``,
    ``tier`` (``""`` = none), ``tier_start``, ``score_start`` (the run's values) and
    ``change``: ``"up"`` (entered a higher tier or was newly selected), ``"down"`` (moved to
    a lower tier or dropped out) or ``""``. ``changes`` holds the changed towns only.
    ``weights`` are the normalised weights scored (criterion → share, summing to 1);
    ``seconds`` the wall time of the update.
    """

    scenario: Scenario
    towns: pd.DataFrame
    weights: dict[str, float]
    sizes: dict[str, int]
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> pd.DataFrame:
        """Towns whose tier differs from the starting run, best new tier first."""
        ch = self.towns[self.towns["change"] != ""]
        return ch[[columns.NAME, columns.COUNTY_NAME, columns.PREFECTURE_NAME, "tier_start", columns.TIER,
                   "score_start", columns.SCORE, "change"]].rename(columns={columns.TIER: "tier_to",
                                                                            "tier_start": "tier_from"})

    def entering(self, tier: str) -> pd.Index:
        """Codes of towns in ``tier`` now that were not in it in the starting run."""
        t = self.towns
        return t.index[(t[columns.TIER] == tier) & (t["tier_start"] != tier)]

    def leaving(self, tier: str) -> pd.Index:
        """Codes of towns that were in ``tier`` in the starting run and are not now."""
        t = self.towns
        return t.index[(t["tier_start"] == tier) & (t[columns.TIER] != tier)]

    def tier_table(self) -> pd.DataFrame:
        """Per tier: size, towns entering and leaving, lowest score in the tier."""
        rows = []
        for t in self.scenario.tiers:
            inside = self.towns[columns.TIER] == t.name
            rows.append({columns.TIER: t.name, "label": t.label, "size": int(inside.sum()),
                         "entering": len(self.entering(t.name)),
                         "leaving": len(self.leaving(t.name)),
                         "min_score": float(self.towns.loc[inside, columns.SCORE].min())
                         if inside.any() else np.nan})
        return pd.DataFrame(rows).set_index(columns.TIER)


class WhatIf:
    """Re-evaluate a run for other weights, aggregation and tier quotas.

    Build with :meth:`from_result`; call :meth:`update` (pure: same scenario, same answer; no
    widgets). Criteria are never recomputed; a weight change costs one re-normalisation, one
    scoring and one LP on the cached tier-selection constraints.
    """

    def __init__(self, result: records.RunResult):
        state = result._state
        if state is None:
            raise errors.ConfigError(
                "this RunResult carries no re-scoring state (made by an older version or "
                "built by hand); re-run spatial_towns.pipeline.run to explore it")
        self.result = result
        self.cfg = result.cfg
        self.table = state.table
        self.base_eligible = state.base_eligible
        self.inputs = state.inputs
        self.codes = result.towns[columns.CODE].to_numpy()
        # Hard constraints do not depend on the weights; a town's verdict depends only on
        # its own values, so checking all base-eligible towns once is exact.
        self.violated = transforms.constraint_reasons(self.table, self.base_eligible,
                                                      self.cfg.criteria) != ""
        towns = result.towns
        located = self.base_eligible & towns.geometry.notna()
        self._sel_in = selection.input_frame(
            towns, located, result.crs, towns[columns.DEV_TYPE] if columns.DEV_TYPE in towns else None)
        self._models: dict[tuple, selection.TierSelection] = {}
        start_elig = (towns[columns.STATUS] == "eligible").to_numpy()
        self._models[(self.cfg.tiers, start_elig.tobytes())] = state.model
        self.start = self._start_scenario()
        self.start_tier = towns[columns.TIER].to_numpy(dtype=object)
        self.start_score = towns[columns.SCORE].to_numpy(dtype=float)
        self.current: Update | None = None

    @classmethod
    def from_result(cls, result: records.RunResult) -> WhatIf:
        """The what-if model of a finished run (keeps a reference to its state)."""
        return cls(result)

    # -- scenarios -------------------------------------------------------------------------------

    def criteria(self) -> list[dict]:
        """The weightable criteria: ``column``, ``label``, ``direction``, ``weight`` (start)
        and ``focus`` (True for the plan's focus-area bonuses), in scoring order."""
        start = self.start.weight_dict()
        out = []
        for c in self.cfg.criteria:
            out.append({"column": c.column, "label": c.label or c.column,
                        "direction": c.direction, "weight": start[c.column],
                        "focus": c.column in FOCUS_CRITERIA})
        for col, label in self._focus_labels().items():
            if col not in start and col in self.table.columns:
                out.append({"column": col, "label": label, "direction": "benefit",
                            "weight": 0.0, "focus": True})
        return out

    def _focus_labels(self) -> dict[str, str]:
        """:data:`FOCUS_CRITERIA` with the run's metro area named."""
        return {col: label.format(metro_area=self.cfg.focus.metro_area)
                for col, label in FOCUS_CRITERIA.items()}

    def _start_scenario(self) -> Scenario:
        if self.cfg.weighting.method == "expert":
            w = {c.column: c.weight for c in self.cfg.criteria}
        else:
            # AHP / entropy / CRITIC: start from the weights the run derived, as expert
            # weights (a saved scenario is then an expert-weighted config).
            used = {u.name: u.weight for u in self.result.used if u.column}
            w = {c.column: float(used.get(c.column, 0.0)) for c in self.cfg.criteria}
        return Scenario(weights=tuple(w.items()), aggregation=self.cfg.aggregation.method,
                        order_weights=tuple(self.cfg.aggregation.order_weights),
                        tiers=self.cfg.tiers)

    def scenario(self, weights: dict[str, float] | None = None, aggregation: str | None = None,
                 order_weights: tuple[float, ...] | list[float] | None = None,
                 quotas: dict[str, dict[str, int | None]] | None = None,
                 base: Scenario | None = None) -> Scenario:
        """A scenario: ``base`` (default the starting one) with the given changes.

        ``weights`` may name only the criteria that change (column → weight);
        ``quotas`` maps tier name → {field: value} for fields in :data:`QUOTA_FIELDS`
        (``count = None`` makes the size ``max(min_count, per-unit minimums)``).

        Raises
        ------
        spatial_towns.errors.ConfigError
            For an unknown criterion, tier or quota field, or a negative weight.
        """
        base = base or self.start
        w = base.weight_dict()
        known = {c["column"] for c in self.criteria()}
        for col, val in (weights or {}).items():
            if col not in known:
                raise errors.ConfigError(
                    f"what-if: unknown criterion {col!r}; weightable: {sorted(known)}")
            val = float(val)
            if not val >= 0:
                raise errors.ConfigError(f"what-if: weight of {col!r} is {val}; must be >= 0")
            w[col] = val
        method = aggregation or base.aggregation
        if method not in config_mod.AGGREGATION_METHODS:
            raise errors.ConfigError(f"what-if: aggregation {method!r} is not one of "
                                     f"{config_mod.AGGREGATION_METHODS}")
        ow = tuple(float(x) for x in order_weights) if order_weights is not None \
            else base.order_weights
        tiers = list(base.tiers)
        names = [t.name for t in tiers]
        for name, changes in (quotas or {}).items():
            if name not in names:
                raise errors.ConfigError(f"what-if: unknown tier {name!r}; tiers: {names}")
            bad = set(changes) - set(QUOTA_FIELDS)
            if bad:
                raise errors.ConfigError(f"what-if: tier {name!r}: cannot change {sorted(bad)}; "
                                         f"quota fields: {list(QUOTA_FIELDS)}")
            k = names.index(name)
            vals: dict[str, Any] = {f: (None if v is None else int(v)) for f, v in changes.items()}
            if any(v is not None and v < 0 for v in vals.values()):
                raise errors.ConfigError(f"what-if: tier {name!r}: quotas must be >= 0, got {vals}")
            tiers[k] = config_mod.revise(tiers[k], f"what-if: tier {name!r}", **vals)
        return Scenario(weights=tuple(w.items()), aggregation=method, order_weights=ow,
                        tiers=tuple(tiers))

    def _criteria_for(self, sc: Scenario) -> tuple[config_mod.Criterion, ...]:
        """Config criteria with the scenario's weights, then focus criteria the config does
        not score but the scenario weights (exactly what :meth:`to_config` writes)."""
        w = sc.weight_dict()
        out = [dataclasses.replace(c, weight=w[c.column]) for c in self.cfg.criteria]
        have = {c.column for c in self.cfg.criteria}
        for col, label in self._focus_labels().items():
            if col not in have and w.get(col, 0.0) > 0:
                out.append(config_mod.Criterion(column=col, direction="benefit",
                                                weight=w[col], label=label))
        if sum(c.weight for c in out) <= 0:
            raise errors.ConfigError("what-if: all criterion weights are zero; give at least "
                                     "one criterion a positive weight")
        return tuple(out)

    def n_scored(self, scenario: Scenario | None = None) -> int:
        """Number of criteria the scenario scores (weight > 0 and computed): the length
        OWA order weights need."""
        crit = self._criteria_for(scenario or self.start)
        return sum(1 for u in scoring.resolve(self.table, self.base_eligible, crit) if u.column)

    # -- evaluation ------------------------------------------------------------------------------

    def update(self, weights: dict[str, float] | None = None, aggregation: str | None = None,
               order_weights: tuple[float, ...] | list[float] | None = None,
               quotas: dict[str, dict[str, int | None]] | None = None,
               scenario: Scenario | None = None) -> Update:
        """Scores and tiers of all towns under changed weights, aggregation or quotas.

        Arguments as in :meth:`scenario` (changes relative to the starting run), or a ready
        ``scenario``. The result is also kept as :attr:`current`.

        Raises
        ------
        spatial_towns.errors.ConfigError
            Bad weights, aggregation or OWA order weights.
        spatial_towns.errors.QuotaError
            Quotas that cannot be met together.
        """
        t0 = time.perf_counter()
        sc = scenario or self.scenario(weights, aggregation, order_weights, quotas)
        crit = self._criteria_for(sc)
        # The same steps as pipeline.run, so a re-run of the saved config matches exactly.
        used = scoring.resolve(self.table, self.base_eligible, crit)
        eligible = (self.base_eligible & (eligibility.lacking(self.table, self.base_eligible, used)
                                          == "") & ~self.violated)
        used, _ = scoring.weigh(self.table, eligible, used, config_mod.Weighting())
        agg = config_mod.Aggregation(method=sc.aggregation, order_weights=sc.order_weights)
        if sc.aggregation == "owa" and not sc.order_weights:
            raise errors.ConfigError("what-if: OWA needs order_weights (one per scored criterion)")
        scored = scoring.score(self.table, eligible, used, agg)
        score = scored[columns.SCORE].to_numpy(dtype=float)
        elig = eligible.to_numpy()
        model = self._model(sc.tiers, elig, score)
        pos = pd.Index(self.codes[elig]).get_indexer(model.towns.index)
        tier_idx = model.assign(score[elig][pos])
        names = np.array([t.name for t in sc.tiers] + [""], dtype=object)
        tier = np.full(len(self.codes), "", dtype=object)
        tier[np.flatnonzero(elig)[pos]] = names[tier_idx]
        towns = self._frame(tier, score, scored[columns.RANK].to_numpy(dtype=float), elig, sc.tiers)
        up = Update(scenario=sc, towns=towns,
                    weights={u.name: u.weight for u in used if u.column},
                    sizes=dict(model.sizes), seconds=time.perf_counter() - t0,
                    notes=list(model.notes))
        self.current = up
        return up

    def _model(self, tiers: tuple[config_mod.Tier, ...], elig: np.ndarray,
               score: np.ndarray) -> selection.TierSelection:
        """The selection model for these tiers and eligible towns; its constraint matrix is
        built once and reused (a handful kept)."""
        key = (tiers, elig.tobytes())
        if key not in self._models:
            sel = self._sel_in.loc[self.codes[elig]].copy()
            sel[columns.SCORE] = score[elig]
            if len(self._models) >= 8:
                # Drop the oldest but never the run's own model (first key).
                self._models.pop(list(self._models)[1])
            # Development-type minimums stay as configured (not a what-if control).
            quotas = {k: v for k, v in self.cfg.types.quotas.items()
                      if k in {t.name for t in tiers}}
            self._models[key] = selection.TierSelection.from_frame(
                sel, tiers, type_quotas=quotas or None)
        return self._models[key]

    def _frame(self, tier: np.ndarray, score: np.ndarray, rank: np.ndarray, elig: np.ndarray,
               tiers: tuple[config_mod.Tier, ...]) -> pd.DataFrame:
        order = {t.name: k for k, t in enumerate(tiers)}
        order[""] = len(tiers)
        now = np.array([order.get(x, len(tiers)) for x in tier])
        before = np.array([order.get(x, len(tiers)) for x in self.start_tier])
        change = np.where(now < before, "up", np.where(now > before, "down", ""))
        # A tier renamed away cannot happen (quotas only), so equal rank means same tier.
        t = self.result.towns
        return pd.DataFrame({
            columns.NAME: t[columns.NAME].to_numpy(), columns.COUNTY_NAME: t[columns.COUNTY_NAME].to_numpy(),
            columns.PREFECTURE_NAME: t[columns.PREFECTURE_NAME].to_numpy(), "eligible": elig,
            columns.SCORE: score, columns.RANK: rank, columns.TIER: tier, "tier_start": self.start_tier,
            "score_start": self.start_score, "change": change,
        }, index=pd.Index(self.codes, name=columns.CODE))

    # -- saving ----------------------------------------------------------------------------------

    def to_config(self, scenario: Scenario | None = None, run_name: str | None = None) -> dict:
        """The run's configuration with the scenario's weights, aggregation and quotas, as a
        plain dict ready for TOML (expert weighting; the criteria list whole, ``criteria_mode
        = "replace"``), written from the validated configuration by the config schema."""
        sc = scenario or (self.current.scenario if self.current else self.start)
        where = "what-if scenario"
        agg = config_mod.from_keys(config_mod.Aggregation, method=sc.aggregation,
                                   **({"order_weights": list(sc.order_weights)}
                                      if sc.order_weights else {}))
        cfg = config_mod.revise(
            self.cfg, where, run_name=run_name or f"{self.cfg.run_name}-whatif",
            criteria=self._criteria_for(sc), criteria_mode="replace",
            weighting=config_mod.from_keys(config_mod.Weighting, method="expert"),
            aggregation=agg,
            tiers=tuple(sc.tiers))
        return cfg.to_dict()

    def save_scenario(self, name: str, output_dir: str | Path = "outputs",
                      scenario: Scenario | None = None, progress: bool = False
                      ) -> tuple[Path, records.RunResult]:
        """Write the scenario as ``<output_dir>/<name>.toml`` and its run folder
        ``<output_dir>/<name>/`` exactly as ``spatial-towns run --config <output_dir>/<name>.toml
        --output <output_dir>`` would (same inputs as the explored run).

        Returns the TOML path and the re-run's result (whose scores and tiers equal
        :meth:`update`'s for the scenario).
        """
        import tomli_w

        if not name or any(ch in name for ch in '/\\:*?"<>|'):
            raise errors.ConfigError(f"scenario name {name!r}: use letters, digits, - or _")
        out = Path(output_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise errors.OutputError(f"cannot create {out}: {exc.strerror}") from None
        raw = self.to_config(scenario, run_name=name)
        path = out / f"{name}.toml"
        flags = _input_flags(self.inputs)
        header = ("# what-if scenario saved by spatial_towns.whatif from run "
                  f"'{self.cfg.run_name}'\n"
                  f"# re-run: spatial-towns run --config {path} --output {out}{flags}\n\n")
        text = header + tomli_w.dumps(raw)
        io.write_text(path, text)
        cfg = config_mod.load(path)
        res = pipeline.run(cfg, self.inputs, output_dir=out, progress=progress)
        return path, res


def _input_flags(inputs: records.Inputs | None) -> str:
    flags = ""
    if inputs is None:
        return flags
    for f in dataclasses.fields(inputs):
        v = getattr(inputs, f.name)
        if f.name in ("province_code", "census") or v is None:
            continue
        flags += f" --{f.name.replace('_', '-')} {v}"
    return flags
