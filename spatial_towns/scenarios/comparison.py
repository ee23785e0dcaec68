"""A comparison of alternatives (方案比选): who is selected where, and why towns moved.

>>> from spatial_towns import compare
>>> cmp = compare(["outputs/jilin-default", "outputs/cumulative"],           # doctest: +SKIP
...               names=["方案一", "方案二"])
>>> cmp.summary()                                                             # doctest: +SKIP
>>> cmp.changes[["name", "tier_first", "tier_here", "why"]]                   # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .. import columns
from . import _drivers, agreement, alternatives, inputs
from .alternatives import Alternative, RunLike

#: Columns of :attr:`Comparison.drivers`.
DRIVER_COLUMNS = ["alternative", columns.CODE, "order", "column", "label", "points", "weight_first",
                  "weight_here", "weight_moved", "value_first", "value_here", "value_moved"]
#: Identity columns of a town kept in :attr:`Comparison.towns` (from the first alternative).
TOWN_COLUMNS = [c for c in columns.IDENTITY if c != columns.CODE]
#: The columns naming a town in the tables (after its code).
NAMING = [columns.NAME, columns.COUNTY_NAME, columns.PREFECTURE_NAME]


@dataclass
class Comparison:
    """Alternatives compared town by town; built by :meth:`from_runs` (or :func:`compare`).

    Frames indexed by town code with one column per alternative (first = reference):
    ``tiers`` (tier name, ``""`` = none), ``scores`` (0-100, NaN when not scored), ``ranks``,
    ``eligible`` (scored). ``towns``: every town's name, county, prefecture and point (WGS84).
    Tables: ``membership`` (per tier: towns in every / some / one only), ``moves`` (entering
    and leaving against the first), ``prefecture_counts``, ``rank_agreement`` (Kendall τ,
    Spearman ρ per pair), ``jaccard`` (per tier), ``changes`` (every town whose tier differs
    from the first alternative's, with the criteria that moved it and ``why``), ``drivers``
    (those criteria, one row each: points, weight and normalised value in both),
    ``input_differences`` and ``config_differences``; ``warnings`` in words.
    """

    alternatives: list[Alternative]
    tier_names: list[str]
    tier_labels: dict[str, str]
    towns: gpd.GeoDataFrame
    tiers: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    eligible: pd.DataFrame
    membership: pd.DataFrame
    moves: pd.DataFrame
    prefecture_counts: pd.DataFrame
    rank_agreement: pd.DataFrame
    jaccard: pd.DataFrame
    changes: pd.DataFrame
    drivers: pd.DataFrame
    input_differences: pd.DataFrame
    config_differences: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    files: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.alternatives]

    @property
    def tier_rules(self) -> list:
        """The tiers' configurations (:class:`~spatial_towns.config.Tier`), highest first,
        each from the first alternative that has it."""
        rules = {t.name: t for a in reversed(self.alternatives) for t in a.cfg.tiers}
        return [rules[t] for t in self.tier_names]

    @classmethod
    def from_runs(cls, runs: Sequence[RunLike], *, names: Sequence[str] | None = None) -> Comparison:
        """Compare runs (run folders, :class:`~spatial_towns.pipeline.RunResult` or
        :class:`~spatial_towns.pipeline.RunFolder`; the first is the reference).

        Raises :class:`~spatial_towns.errors.InputDataError` naming the towns when the runs
        are not on the same towns; warns (and lists in ``warnings``) when they were computed
        from different input data.
        """
        alts = alternatives.load(runs, names=names)
        tier_names, tier_labels = _tiers(alts)
        frames = _per_alternative(alts)
        diffs = inputs.input_differences(alts)
        notes = inputs.input_warnings(alts, diffs)
        for w in notes:
            warnings.warn(w, stacklevel=2)
        first = alts[0].towns
        towns = gpd.GeoDataFrame(first[TOWN_COLUMNS].copy(), geometry=first.geometry.values,
                                 crs=first.crs, index=first.index)
        order = (first[[columns.PREFECTURE_CODE, columns.PREFECTURE_NAME]].drop_duplicates()
                 .sort_values(columns.PREFECTURE_CODE)[columns.PREFECTURE_NAME].tolist())
        tiers = frames["tiers"]
        changes, drivers = _changes(alts, tiers, towns)
        return cls(
            alternatives=alts, tier_names=tier_names, tier_labels=tier_labels, towns=towns,
            **frames,
            membership=agreement.membership(tiers, tier_names),
            moves=_named(agreement.moves(tiers, tier_names), towns),
            prefecture_counts=agreement.prefecture_counts(tiers, first[columns.PREFECTURE_NAME],
                                                          tier_names, order=order),
            rank_agreement=agreement.rank_agreement(frames["scores"], frames["eligible"]),
            jaccard=agreement.jaccard(tiers, tier_names),
            changes=changes, drivers=drivers,
            input_differences=diffs,
            config_differences=inputs.config_differences(alts),
            warnings=notes,
        )

    def summary(self) -> pd.DataFrame:
        """Per tier (rows, highest first): its label, size in each alternative, towns in it
        in every / some / one only, towns entering and leaving against the first alternative
        (summed over the others), and the Jaccard overlap of all alternatives."""
        out = pd.DataFrame({"label": [self.tier_labels[t] for t in self.tier_names]},
                           index=pd.Index(self.tier_names, name=columns.TIER))
        for alt in self.names:
            out[alt] = [int((self.tiers[alt] == t).sum()) for t in self.tier_names]
        out = out.join(self.membership[["every", "some", "one_only"]])
        counts = self.moves.groupby([columns.TIER, "move"]).size()
        for move in ("entering", "leaving"):
            out[move] = [int(counts.get((t, move), 0)) for t in self.tier_names]
        out["jaccard_all"] = self.jaccard["all"]
        return out

    def members(self, tier: str, which: str = "every") -> pd.DataFrame:
        """The towns of ``tier`` in ``which`` alternatives: ``"every"``, ``"some"`` (at least
        one but not all), ``"one_only"`` or ``"any"`` (as counted in :attr:`membership`),
        with their tier in each alternative."""
        votes = (self.tiers == tier).sum(axis=1)
        n = len(self.names)
        masks = {"every": votes == n, "some": (votes > 0) & (votes < n), "one_only": votes == 1,
                 "any": votes > 0}
        if which not in masks:
            raise ValueError(f"which must be one of {sorted(masks)}, not {which!r}")
        out = self.towns.loc[masks[which], NAMING]
        return pd.DataFrame(out).join(self.tiers)

    def entering(self, tier: str, alternative: str | None = None) -> pd.DataFrame:
        """Towns in ``tier`` in ``alternative`` (default: every other) not in the first's."""
        return self._moved(tier, alternative, "entering")

    def leaving(self, tier: str, alternative: str | None = None) -> pd.DataFrame:
        """Towns in ``tier`` in the first alternative but not in ``alternative``'s."""
        return self._moved(tier, alternative, "leaving")

    def _moved(self, tier: str, alternative: str | None, move: str) -> pd.DataFrame:
        m = self.moves
        sel = (m[columns.TIER] == tier) & (m["move"] == move)
        if alternative is not None:
            sel &= m["alternative"] == alternative
        return m[sel]

    def town_table(self) -> pd.DataFrame:
        """Every town: identity, then per alternative its tier, score and rank, the number
        of alternatives putting it in each tier (``n_<tier>``) and ``changed`` (its tier is
        not the same in every alternative)."""
        out = pd.DataFrame(self.towns.drop(columns="geometry"))
        out["lon"] = self.towns.geometry.x.round(6)
        out["lat"] = self.towns.geometry.y.round(6)
        for alt in self.names:
            out[f"tier[{alt}]"] = self.tiers[alt]
            out[f"score[{alt}]"] = self.scores[alt].round(4)
            out[f"rank[{alt}]"] = self.ranks[alt].round().astype("Int64")
        votes = agreement.tier_votes(self.tiers, self.tier_names)
        for t in self.tier_names:
            out[f"n_{t}"] = votes[t]
        out["changed"] = self.changed
        return out

    def rule_changes(self, alternative: str) -> list[str]:
        """The tier rules of ``alternative`` that differ from the first alternative's."""
        here = self.alternatives[self.names.index(alternative)]
        return _drivers.rule_changes(self.alternatives[0], here)

    @property
    def changed(self) -> pd.Series:
        """Towns whose tier is not the same in every alternative."""
        return self.tiers.nunique(axis=1) > 1

    def write(self, output_dir: str | Path, *, documents: bool = True) -> dict:
        """Write the comparison's tables, ``compare.html`` and (``documents``)
        ``compare.docx`` to ``output_dir``; returns ``{file name: path}``."""
        from . import outputs

        self.files = outputs.write(self, Path(output_dir), documents=documents)
        return self.files


def _tiers(alts: list[Alternative]) -> tuple[list[str], dict[str, str]]:
    """Tier names highest first (the first alternative's, then any others'), and labels."""
    names: list[str] = []
    labels: dict[str, str] = {}
    for alt in alts:
        for t in alt.cfg.tiers:
            if t.name not in labels:
                names.append(t.name)
                labels[t.name] = t.label
    return names, labels


def _per_alternative(alts: list[Alternative]) -> dict[str, pd.DataFrame]:
    index = alts[0].towns.index
    cols = [a.name for a in alts]

    def frame(get) -> pd.DataFrame:
        return pd.DataFrame({a.name: get(a).reindex(index) for a in alts}, columns=cols)

    return {"tiers": frame(lambda a: a.tier),
            "scores": frame(lambda a: pd.to_numeric(a.towns[columns.SCORE], errors="coerce")),
            "ranks": frame(lambda a: pd.to_numeric(a.towns[columns.RANK], errors="coerce")),
            "eligible": frame(lambda a: a.eligible)}


def _named(table: pd.DataFrame, towns: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the towns' names, counties and prefectures after its ``code``."""
    ident = towns[NAMING]
    out = table.join(ident, on=columns.CODE)
    first = [c for c in table.columns if c != columns.CODE][:2] + [columns.CODE, *ident.columns]
    return out[first + [c for c in table.columns if c not in first]]


def _changes(alts: list[Alternative], tiers: pd.DataFrame, towns: pd.DataFrame
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every (alternative, town) whose tier differs from the first alternative's, and the
    criteria that moved each (one row per town and criterion, ``order`` 1 = moved most)."""
    first = alts[0]
    rows: list[dict] = []
    drivers: list[dict] = []
    order = {t: k for k, t in enumerate(_tiers(alts)[0])}
    for here in alts[1:]:
        weights = (_drivers.effective_weights(first), _drivers.effective_weights(here))
        rules = _drivers.rule_changes(first, here)
        moved = tiers.index[tiers[here.name] != tiers[first.name]]
        for code in moved:
            ds = _drivers.drivers(first, here, code, weights)
            drivers += [{"alternative": here.name, columns.CODE: code, "order": k + 1, "column": d.column,
                         "label": d.label, "points": d.points, "weight_first": d.weight_first,
                         "weight_here": d.weight_here, "weight_moved": d.weight_moved,
                         "value_first": d.value_first, "value_here": d.value_here,
                         "value_moved": d.value_moved} for k, d in enumerate(ds)]
            a, b = tiers.at[code, first.name], tiers.at[code, here.name]
            up = order.get(b, len(order)) < order.get(a, len(order))
            rows.append({
                "alternative": here.name, columns.CODE: code, "tier_first": a, "tier_here": b,
                "direction": "up" if up else "down",
                "score_first": first.towns.at[code, columns.SCORE],
                "score_here": here.towns.at[code, columns.SCORE],
                "rank_first": first.towns.at[code, columns.RANK],
                "rank_here": here.towns.at[code, columns.RANK],
                "drivers": "; ".join(d.words() for d in ds),
                "reason_first": first.towns.at[code, columns.REASON],
                "reason_here": here.towns.at[code, columns.REASON],
                "why": _drivers.why(first, here, code, ds, rules)})
    cols = ["alternative", columns.CODE, "tier_first", "tier_here", "direction", "score_first",
            "score_here", "rank_first", "rank_here", "drivers", "reason_first", "reason_here",
            "why"]
    table = pd.DataFrame(rows, columns=cols)
    # by alternative, then the tier moved into (highest first, none last), up before down
    table["_a"] = table["alternative"].map({a.name: k for k, a in enumerate(alts)})
    table["_t"] = table["tier_here"].map(order).fillna(len(order))
    table = table.sort_values(["_a", "_t", "direction", columns.CODE],
                              ascending=[True, True, False, True]).drop(columns=["_a", "_t"])
    return _named(table.reset_index(drop=True), towns), pd.DataFrame(drivers, columns=DRIVER_COLUMNS)


def compare(runs: Sequence[RunLike], *, names: Sequence[str] | None = None,
            output_dir: str | Path | None = None, documents: bool = True) -> Comparison:
    """Compare runs (方案比选): run folders (a what-if saved scenario is one) or run results,
    the first being the reference. With ``output_dir`` the tables, ``compare.html`` and
    ``compare.docx`` are written there. See :class:`Comparison`."""
    cmp = Comparison.from_runs(runs, names=names)
    if output_dir is not None:
        cmp.write(output_dir, documents=documents)
    return cmp

