"""Development types (发展类型) of towns: rule-based types, an unsupervised view, type counts.

The provincial plan designates each demonstration town as one of six types. Three are
spatial and follow from the criteria table: 都市卫星型 (metro satellite), 兴边富民型 (border
prosperity) and 商贸流通型 (commerce and logistics). Two need thematic layers
(:func:`spatial_towns.io.read_thematic`; on the embedded Jilin data the embedded ones,
:func:`spatial_towns.datasets.thematic`): 工业主导型 (industry-led) and 文化旅游型 (culture and
tourism); without a layer the type is *not assessed* and never guessed. 综合服务型
(comprehensive service) is the default.

>>> from spatial_towns import types
>>> typed = types.classify(result.towns, result.cfg, result.crs)          # doctest: +SKIP
>>> typed[["dev_type", "dev_type_label", "dev_type_reason"]]              # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
import threadpoolctl

from .. import columns, errors
from .. import config as config_mod
from ..network import betweenness, routing, store

DEV_TYPES = config_mod.DEV_TYPES
DEFAULT_TYPE = "comprehensive_service"
TYPE_COLUMNS = list(columns.TYPE_COLUMNS)


def label(dev_type: str) -> str:
    """Chinese label of a type key (``""`` for an untyped town)."""
    return DEV_TYPES.get(dev_type, "")


def _num(towns: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(towns[col], errors="coerce") if col in towns else pd.Series(
        np.nan, index=towns.index)


def _fmt(values: pd.Series, spec: str) -> pd.Series:
    """Format numbers as text; an object Series even when empty (safe to concatenate)."""
    return pd.Series([format(v, spec) for v in values], index=values.index, dtype=object)


def _nearest_feature(points: gpd.GeoSeries, layer: gpd.GeoDataFrame,
                     crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    """Distance (km) from each point to the nearest feature of ``layer`` and that feature's
    position, both in metric ``crs``; points must be located."""
    geoms = layer.to_crs(crs).geometry.values
    tree = shapely.STRtree(geoms)
    pts = points.to_crs(crs).geometry.values
    (ipt, ifeat), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    d = np.full(len(pts), np.nan)
    f = np.full(len(pts), -1, dtype=np.int64)
    d[ipt] = dist / 1000.0
    f[ipt] = ifeat
    return d, f


def _road_rules(towns: gpd.GeoDataFrame, located: pd.Series, roads, crs: pyproj.CRS,
                tcfg: config_mod.Types) -> tuple[pd.Series, pd.Series, str]:
    """Distance (km) to the nearest expressway access node, and the percentile among towns of
    the route betweenness of each town's nearest road node (:func:`.network.route_betweenness`:
    fastest routes between every pair of located township-level places — 镇, 乡 and the
    街道 of the county and prefecture seats — at most ``centrality_limit_min`` apart)."""
    g = store.as_prepared(roads, crs)
    metric = towns.loc[located].geometry.to_crs(crs)
    txy = np.column_stack([metric.x, metric.y])
    node, _ = routing.snap(g, txy)
    # Same access points as the time_expressway_min criterion (graph.expressway_access_nodes).
    acc_nodes = g.expressway_access
    d_exp = pd.Series(np.nan, index=towns.index)
    if acc_nodes.size:
        from scipy.spatial import cKDTree

        dist, _ = cKDTree(g.xy[acc_nodes]).query(txy)
        d_exp[located] = dist / 1000.0
    pct = pd.Series(np.nan, index=towns.index)
    limit = tcfg.centrality_limit_min * 60.0 if tcfg.centrality_limit_min > 0 else None
    big = g.n_nodes > tcfg.centrality_exact_max_nodes
    counts, info = betweenness.route_betweenness(
        g, node, limit_s=limit, max_sources=(tcfg.centrality_max_sources or None) if big else None,
        seed=tcfg.seed)
    pct[located] = pd.Series(counts[node]).rank(pct=True, method="max").to_numpy()
    bound = (f"pairs at most {tcfg.centrality_limit_min:g} min apart" if limit is not None
             else "all connected pairs")
    src = (f"a seeded sample of {info['sources']} of {info['places']} place nodes as sources "
           f"(seed {tcfg.seed}), counts scaled" if info["sampled"]
           else f"all {info['places']} place nodes as sources")
    how = (f"road graph {g.n_nodes} nodes; {acc_nodes.size} expressway access nodes; route "
           f"betweenness (SciPy Dijkstra trees, fastest routes between the towns' nodes, "
           f"{bound}; {src})")
    return d_exp, pct, how


class _Rules:
    """The type rules met so far: per type the towns meeting it (``meets``), the sentence
    per town (``why``) and how the rule was assessed, or why it was not (``assessed``)."""

    def __init__(self, towns: gpd.GeoDataFrame):
        self.idx = towns.index
        self.located = towns.geometry.notna() & ~towns.geometry.is_empty
        self.meets: dict[str, pd.Series] = {}
        self.why: dict[str, pd.Series] = {}
        self.assessed: dict[str, str] = {}

    def rule(self, key: str, mask: pd.Series, text: pd.Series, how: str) -> None:
        self.meets[key] = mask.fillna(False).astype(bool) & self.located
        self.why[key] = text
        self.assessed[key] = how

    def text(self) -> pd.Series:
        return pd.Series("", index=self.idx, dtype=object)


def classify(towns: gpd.GeoDataFrame, cfg: config_mod.Config, crs: pyproj.CRS,
             industry: gpd.GeoDataFrame | None = None,
             tourism: gpd.GeoDataFrame | None = None, roads=None) -> pd.DataFrame:
    """Rule-based development type of every town: each type's rule (:func:`_metro_rule`,
    :func:`_border_rule`, :func:`_commerce_rule`, :func:`_thematic_rules`), then the type by
    precedence (:func:`_by_precedence`).

    Parameters
    ----------
    towns
        Towns in EPSG:4326 with the criteria columns (``in_metro``, ``time_changchun_min``,
        ``time_prefecture_min`` in minutes, ``border_area``, ``dist_border_km``,
        ``dist_rail_km`` in km); a missing column makes its rule not assessed.
    cfg
        Run configuration; thresholds from ``cfg.types``.
    crs
        Metric CRS for the thematic-layer and road distances.
    industry, tourism
        Thematic layers from :func:`spatial_towns.io.read_thematic` (EPSG:4326) or None.
    roads
        Optional osmnx road graph (expressway access and network centrality).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``towns``: ``dev_type`` (key, ``""`` for a town without location),
        ``dev_type_label`` (Chinese), ``dev_type_reason`` and ``dev_type_candidates`` (every
        type whose rule the town meets, ``;``-separated, precedence order).
        ``attrs["assessed"]`` maps each type to how it was assessed or why it was not.
    """
    r = _Rules(towns)
    _metro_rule(r, towns, cfg)
    _border_rule(r, towns, cfg.types)
    _commerce_rule(r, towns, roads, crs, cfg.types)
    _thematic_rules(r, towns, industry, tourism, crs, cfg.types)
    return _by_precedence(r, cfg.types)


def _metro_rule(r: _Rules, towns: gpd.GeoDataFrame, cfg: config_mod.Config) -> None:
    """Metro satellite: in the metro area and near its core city (or, when configured, near
    the own prefecture seat)."""
    t, idx = cfg.types, r.idx
    tcc, tpref = _num(towns, "time_changchun_min"), _num(towns, "time_prefecture_min")
    in_metro = _num(towns, "in_metro") == 1
    if towns.columns.isin(["in_metro", "time_changchun_min", "time_prefecture_min"]).sum() != 3:
        r.assessed["metro_satellite"] = "not assessed: criteria in_metro/time_* missing"
        return
    m1 = in_metro & (tcc <= t.metro_changchun_min)
    # 0 turns the own-prefecture-seat clause off (the default: see the config).
    m2 = ((tpref <= t.metro_prefecture_min) if t.metro_prefecture_min > 0
          else pd.Series(False, index=idx))
    text = r.text()
    text[m2] = "prefecture seat " + _fmt(tpref[m2], ".0f") + " min away"
    text[m1] = (f"{cfg.focus.metro_area}, {cfg.focus.metro_city} " + _fmt(tcc[m1], ".0f")
                + " min away")
    how = f"in_metro and time_changchun_min <= {t.metro_changchun_min:g} min"
    if t.metro_prefecture_min > 0:
        how += f", or time_prefecture_min <= {t.metro_prefecture_min:g} min"
    r.rule("metro_satellite", m1 | m2, text, how)


def _border_rule(r: _Rules, towns: gpd.GeoDataFrame, t) -> None:
    """Border prosperity: near the international border (or in a border-area county)."""
    dborder = _num(towns, "dist_border_km")
    if not dborder.notna().any():
        r.assessed["border_prosperity"] = "not assessed: no border distance (no neighbouring country)"
        return
    near = dborder <= t.border_dist_km
    county = ((_num(towns, columns.BORDER_AREA) == 1) if t.border_use_county
              else pd.Series(False, index=r.idx))
    text = r.text()
    text[county] = "border-area county, border " + _fmt(dborder[county], ".0f") + " km"
    text[near] = "international border " + _fmt(dborder[near], ".1f") + " km away"
    r.rule("border_prosperity", county | near, text,
           ("border_area county or " if t.border_use_county else "")
           + f"dist_border_km <= {t.border_dist_km:g} km")


def _commerce_rule(r: _Rules, towns: gpd.GeoDataFrame, roads, crs: pyproj.CRS, t) -> None:
    """Commerce and logistics: near a railway station, or (with a road graph) near an
    expressway access or central in the road network."""
    idx = r.idx
    drail = _num(towns, "dist_rail_km")
    com = pd.Series(False, index=idx)
    text = r.text()
    hows = []
    if drail.notna().any():
        st = drail <= t.rail_station_km
        com |= st.fillna(False)
        text[st] = "railway station " + _fmt(drail[st], ".1f") + " km away"
        hows.append(f"dist_rail_km <= {t.rail_station_km:g} km")
    if roads is not None and r.located.any():
        dexp, pct, how = _road_rules(towns, r.located, roads, crs, t)
        ex = dexp <= t.expressway_km
        ce = pct > t.centrality_quantile
        top = ("road-network betweenness in the top "
               f"{100 * (1 - t.centrality_quantile):.0f}% of towns")
        for m, txt in ((ex, "expressway access " + _fmt(dexp, ".1f") + " km away"),
                       (ce, pd.Series(top, index=idx, dtype=object))):
            m = m.fillna(False)
            text[m] = np.where(text[m] != "", text[m] + "; " + txt[m], txt[m])
            com |= m
        hows.append(f"expressway access node <= {t.expressway_km:g} km or betweenness "
                    f"percentile > {t.centrality_quantile:g} ({how})")
    if hows:
        r.rule("commerce_logistics", com, text, " or ".join(hows))
    else:
        r.assessed["commerce_logistics"] = "not assessed: no railway stations and no road graph"


def _thematic_rules(r: _Rules, towns: gpd.GeoDataFrame, industry: gpd.GeoDataFrame | None,
                    tourism: gpd.GeoDataFrame | None, crs: pyproj.CRS, t) -> None:
    """Industry-led and culture-tourism: a site of the thematic layer within the radius; not
    assessed (never guessed) without the layer."""
    idx, located = r.idx, r.located
    for key, layer, radius, what in (
            ("industry_led", industry, t.industry_radius_km, "industrial site"),
            ("culture_tourism", tourism, t.tourism_radius_km, "scenic/heritage site")):
        if layer is None or layer.empty:
            opt = "industry" if key == "industry_led" else "tourism"
            r.assessed[key] = (f"NOT ASSESSED: no {opt} layer given (run --{opt}); the type is "
                               "not guessed")
            continue
        dist, feat = _nearest_feature(towns.loc[located].geometry, layer, crs)
        d = pd.Series(np.nan, index=idx)
        d[located] = dist
        names = pd.Series("", index=idx, dtype=object)
        names[located] = [str(layer["name"].iloc[f]) if f >= 0 else "" for f in feat]
        near = d <= radius
        text = r.text()
        text[near] = (what + " " + pd.Series([f"'{s}' " if s else "" for s in names[near]],
                                             index=names[near].index, dtype=object)
                      + _fmt(d[near], ".1f") + " km away")
        r.rule(key, near, text, f"{what} within {radius:g} km ({len(layer)} features in "
                                f"{layer.attrs.get('path', 'the layer')})")


def _by_precedence(r: _Rules, t) -> pd.DataFrame:
    """Each town's type: the first rule met in ``types.precedence``, else the default; the
    reason names the other types it meets too."""
    idx, located = r.idx, r.located
    order = [k for k in t.precedence if k in r.meets]
    not_assessed = [label(k) for k in t.precedence if k not in r.meets]
    out = pd.DataFrame(index=idx)
    out[columns.DEV_TYPE] = np.where(located, DEFAULT_TYPE, "")
    reason = pd.Series("", index=idx, dtype=object)
    default_note = "no type rule met"
    if not_assessed:
        default_note += f"; {'/'.join(not_assessed)} not assessed for want of a layer"
    reason[located] = f"{label(DEFAULT_TYPE)}: default ({default_note})"
    reason[~located] = "not typed: no seat coordinates"
    cands = pd.Series("", index=idx, dtype=object)
    for k in reversed(order):
        m = r.meets[k]
        out.loc[m, columns.DEV_TYPE] = k
        reason[m] = label(k) + ": " + r.why[k][m]
    for k in order:
        m = r.meets[k]
        cands[m] = np.where(cands[m] != "", cands[m] + ";" + k, k)
    multi = cands.str.contains(";")
    also = cands[multi].map(lambda s: "、".join(label(k) for k in s.split(";")[1:]))
    reason[multi] = reason[multi] + " (also meets " + also + ")"
    out[columns.DEV_TYPE_LABEL] = out[columns.DEV_TYPE].map(label)
    out[columns.DEV_TYPE_REASON] = reason
    out[columns.DEV_TYPE_CANDIDATES] = cands
    r.assessed[DEFAULT_TYPE] = "default: towns meeting no other rule"
    out.attrs["assessed"] = {k: r.assessed[k] for k in DEV_TYPES if k in r.assessed}
    return out


def not_assessed(assessed: dict[str, str]) -> list[str]:
    """Type keys whose rule could not be applied (missing input)."""
    return [k for k, how in assessed.items() if how.lower().startswith("not assessed")]


# ---------------------------------------------------------------- unsupervised view


@dataclass
class Clustering:
    """Clusters of the eligible towns on their normalised criteria.

    ``labels`` is indexed like the towns (``<NA>`` for towns not clustered); clusters are
    numbered 1..k by decreasing size (ties: the cluster holding the earlier town first), so
    the numbering does not depend on the algorithm's internal order.
    """

    labels: pd.Series
    k: int
    method: str
    scores: dict[int, float]
    columns: list[str]
    seed: int
    profile: pd.DataFrame = field(default_factory=pd.DataFrame)


def cluster(towns: pd.DataFrame, cfg: config_mod.Config, features: list[str] | None = None,
            mask: pd.Series | None = None) -> Clustering:
    """Cluster towns on their ``norm_*`` criteria (scikit-learn, seeded).

    KMeans chooses k in ``[cluster_k_min, cluster_k_max]`` by the largest silhouette;
    GaussianMixture (diagonal covariances) by the smallest BIC. Ties pick the smaller k.

    Parameters
    ----------
    towns
        Towns with ``norm_*`` columns (0-1, cost criteria reversed).
    cfg
        Run configuration (``cfg.types`` method, k range and seed).
    features
        Columns to cluster on (default: every ``norm_*`` column).
    mask
        Towns to cluster (default: ``status == "eligible"``).
    """
    t = cfg.types
    features = features or [c for c in towns.columns if c.startswith("norm_")]
    if mask is None:
        mask = (towns[columns.STATUS] == columns.ELIGIBLE if columns.STATUS in towns
                else pd.Series(True, towns.index))
    X_df = towns.loc[mask, features].astype(float)
    X_df = X_df.dropna()
    if not features or len(X_df) < t.cluster_k_min + 1:
        raise errors.InputDataError(
            f"clustering needs at least {t.cluster_k_min + 1} towns with all of {features}; "
            f"found {len(X_df)}")
    X = X_df.to_numpy()
    # One BLAS/OpenMP thread: on a few hundred towns threads only add overhead, and on a busy
    # 2-core CI runner OpenMP oversubscription made KMeans ~50x slower. sklearn is imported
    # first so that its OpenMP runtime is loaded and the limit applies to it.
    import sklearn.cluster  # noqa: F401
    import sklearn.mixture  # noqa: F401

    with threadpoolctl.threadpool_limits(1):
        return _cluster_fit(towns, X_df, X, features, t)


def _cluster_fit(towns, X_df, X, features, t) -> Clustering:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture

    k_max = min(t.cluster_k_max, len(X) - 1)
    scores: dict[int, float] = {}
    fits: dict[int, np.ndarray] = {}
    for k in range(t.cluster_k_min, k_max + 1):
        if t.cluster_method == "kmeans":
            lab = KMeans(n_clusters=k, n_init=10, random_state=t.seed).fit_predict(X)
            uniq = len(np.unique(lab))
            scores[k] = float(silhouette_score(X, lab)) if 1 < uniq < len(X) else -1.0
        else:
            gm = GaussianMixture(n_components=k, covariance_type="diag", n_init=3,
                                 random_state=t.seed, reg_covar=1e-4).fit(X)
            lab = gm.predict(X)
            scores[k] = float(gm.bic(X))
        fits[k] = lab
    # Best silhouette (largest) or BIC (smallest); ties go to the smaller k.
    sign = 1.0 if t.cluster_method == "kmeans" else -1.0
    best = max(sorted(scores), key=lambda k: (sign * scores[k], -k))
    raw = fits[best]
    # Canonical numbering: by size, then by first appearance.
    ids, first, counts = np.unique(raw, return_index=True, return_counts=True)
    order = sorted(ids, key=lambda c: (-counts[c == ids][0], first[c == ids][0]))
    remap = {c: i + 1 for i, c in enumerate(order)}
    labels = pd.Series(pd.NA, index=towns.index, dtype="Int64")
    labels[X_df.index] = [remap[c] for c in raw]
    profile = X_df.groupby(labels[X_df.index].rename(columns.CLUSTER)).mean()
    profile.insert(0, "towns", labels[X_df.index].value_counts().sort_index())
    return Clustering(labels=labels, k=best, method=t.cluster_method, scores=scores,
                      columns=list(features), seed=t.seed, profile=profile)


def contingency(clusters: pd.Series, dev_type: pd.Series) -> pd.DataFrame:
    """Cross-table of clusters (rows) against rule-based types (columns, Chinese labels)."""
    ok = clusters.notna()
    tab = pd.crosstab(clusters[ok].astype(int).rename(columns.CLUSTER),
                      dev_type[ok].map(label).rename(columns.DEV_TYPE))
    cols = [label(k) for k in DEV_TYPES if label(k) in tab.columns]
    return tab.reindex(columns=cols, fill_value=0)


# ---------------------------------------------------------------- counts and quotas


def type_counts(towns: pd.DataFrame, cfg: config_mod.Config, by: str | None = None,
                tier: str | None = None) -> pd.DataFrame:
    """Selected towns per type.

    Without ``by``: tiers (rows) × types (columns). With ``by`` (e.g. ``"prefecture_name"``)
    and ``tier``: that tier's towns per ``by`` value (rows) × type, with a total row.
    """
    sel = towns[towns[columns.TIER] != ""]
    cols = list(DEV_TYPES)
    if by is None:
        tab = pd.crosstab(sel[columns.TIER], sel[columns.DEV_TYPE])
        tab = tab.reindex(index=[t.name for t in cfg.tiers], columns=cols, fill_value=0)
    else:
        sub = sel[sel[columns.TIER] == tier] if tier else sel
        tab = pd.crosstab(sub[by], sub[columns.DEV_TYPE]).reindex(columns=cols, fill_value=0)
        tab.loc["合计 total"] = tab.sum()
    tab.columns = [f"{label(c)} {c}" for c in cols]
    tab["total"] = tab.sum(axis=1)
    return tab


def check_quotas(towns: pd.DataFrame, cfg: config_mod.Config) -> pd.DataFrame:
    """Compare each tier's selected type counts with ``[types.quotas.<tier>]`` minimums.

    Returns one row per (tier, type) with a quota: ``quota``, ``selected``, ``ok``.
    """
    rows = []
    for tier, mix in cfg.types.quotas.items():
        got = towns.loc[towns[columns.TIER] == tier, columns.DEV_TYPE].value_counts()
        for typ, q in mix.items():
            n = int(got.get(typ, 0))
            rows.append({columns.TIER: tier, columns.DEV_TYPE: typ, "label": label(typ), "quota": q,
                         "selected": n, "ok": n >= q})
    return pd.DataFrame(rows, columns=[columns.TIER, columns.DEV_TYPE, "label", "quota", "selected", "ok"])


def check_quota_inputs(towns: pd.DataFrame, cfg: config_mod.Config,
                       assessed: dict[str, str]) -> None:
    """Fail early when a type quota cannot be met before any selection is tried.

    Raises
    ------
    spatial_towns.errors.QuotaError
        A quota names a type that was not assessed (missing layer), or asks for more towns of
        a type (summed over tiers) than there are eligible towns of it; the message lists the
        prefectures where that type occurs.
    """
    need: dict[str, int] = {}
    for mix in cfg.types.quotas.values():
        for typ, q in mix.items():
            need[typ] = need.get(typ, 0) + q
    elig = towns[towns[columns.STATUS] == "eligible"] if columns.STATUS in towns else towns
    for typ, q in need.items():
        if q == 0:
            continue
        if typ in not_assessed(assessed):
            raise errors.QuotaError(
                f"type quota for {label(typ)} ({typ}) = {q}, but the type could not be "
                f"assessed: {assessed[typ]}")
        have = elig[elig[columns.DEV_TYPE] == typ]
        if len(have) < q:
            where = have[columns.PREFECTURE_NAME].value_counts() if columns.PREFECTURE_NAME in have else {}
            spread = ", ".join(f"{p} {n}" for p, n in where.items()) or "none"
            raise errors.QuotaError(
                f"type quotas ask for {q} {label(typ)} ({typ}) towns over all tiers but only "
                f"{len(have)} eligible towns are of that type (by prefecture: {spread}); lower "
                f"the quota or the [types] thresholds")

