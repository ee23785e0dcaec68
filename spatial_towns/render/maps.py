"""Interactive HTML map (folium) of a run, for planners' meetings.

Layers: a county choropleth with a choice of indicator (best town score, mean town score,
number of selected towns; radio buttons), towns by tier with distinct symbols, the Changchun
metro-area and border-area outlines, optional road-network and isochrone layers, a layer
control, search by town name (Chinese or pinyin), fullscreen, a metric scale bar and a legend.
Popups give name, county, tier, score, rank, each criterion's contribution as a small bar
chart and, when the run computed them, the tier probabilities and rank interval (stability).

The map works without internet by default: no tile layer is shown, the county boundaries are
the basemap, and every Leaflet / plugin script and stylesheet folium links to is inlined from
the ``folium-offline`` package (:func:`inline_assets`), so one HTML file opens in a meeting room
with no network. A tile layer may be added (``tiles=``) but is off by default.

>>> from spatial_towns import config, maps, pipeline
>>> res = pipeline.run(config.load(), output_dir=None)     # doctest: +SKIP
>>> m = maps.from_result(res)                               # doctest: +SKIP
>>> m                                                       # shows inline in Jupyter  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import branca
import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from branca.element import MacroElement
from folium import plugins
from folium.utilities import JsCode
from jinja2 import Template

from .. import columns
from ..data import coords as _coords
from ..data import datasets
from ..util import cache as _cache
from . import typemap

# Symbols by tier position (highest first): shape, fill colour, icon size in px.
TIER_SYMBOLS = [("star", "#d7191c", 22), ("triangle", "#f28e2b", 16), ("square", "#2c7bb6", 12),
                ("diamond", "#7b3294", 12), ("pentagon", "#1a9850", 12)]


def tier_symbol(k: int) -> tuple[str, str, int]:
    """(shape, fill colour, size px) of the ``k``-th tier (0 = highest)."""
    return TIER_SYMBOLS[min(k, len(TIER_SYMBOLS) - 1)]


def tier_colours(tiers) -> dict[str, str]:
    """Fill colour by tier name (tiers highest first), as drawn on the maps."""
    return {t.name: tier_symbol(k)[1] for k, t in enumerate(tiers)}


#: Attribution of the road layer (all road inputs are OpenStreetMap-derived).
ROADS_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
OTHER_SYMBOLS = {"unselected": ("circle", "#8c8c8c", 8), "excluded": ("cross", "#b0b0b0", 7)}
OTHER_COLOURS = {k: v[1] for k, v in OTHER_SYMBOLS.items()}
METRO_STYLE = {"color": "#6a3d9a", "weight": 3.5, "dashArray": "10 5", "fill": False}
BORDER_STYLE = {"color": "#8c510a", "weight": 3.0, "dashArray": "3 5", "fill": False}

# Choropleth indicators: column in ``counties`` -> (label, colour ramp name of branca.linear).
INDICATORS = {
    "best_score": ("县域最高得分 (best town score)", "YlGn_09"),
    "mean_score": ("县域平均得分 (mean town score)", "YlGnBu_09"),
    "n_selected": ("入选示范镇数 (towns selected)", "Purples_09"),
}

# Simplification tolerance for county outlines in the metric CRS (m): invisible at the
# province-wide zooms the map is used at, and it cuts the file several-fold.
SIMPLIFY_M = 300.0

_SHAPES = {
    "star": "<polygon points='10,0.8 12.7,7 19.5,7.4 14.3,11.8 16,18.9 10,15.1 4,18.9 5.7,11.8 "
            "0.5,7.4 7.3,7'/>",
    "triangle": "<polygon points='10,1.5 19,18 1,18'/>",
    "square": "<rect x='2.5' y='2.5' width='15' height='15'/>",
    "diamond": "<polygon points='10,1 19,10 10,19 1,10'/>",
    "pentagon": "<polygon points='10,1 19,7.6 15.6,18.5 4.4,18.5 1,7.6'/>",
    "circle": "<circle cx='10' cy='10' r='8.5'/>",
    "cross": "<path d='M3,3 L17,17 M17,3 L3,17' stroke-width='4'/>",
}


def symbol_svg(shape: str, colour: str, size: int) -> str:
    """Inline SVG of a marker symbol (``shape`` from :data:`TIER_SYMBOLS`), ``size`` px."""
    if shape == "cross":
        style = f"stroke='{colour}' fill='none'"
    else:
        style = f"fill='{colour}' stroke='#222' stroke-width='1.2'"
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}' "
            f"viewBox='0 0 20 20'><g {style}>{_SHAPES[shape]}</g></svg>")


def _tier_groups(tiers) -> list[dict]:
    """Marker groups, highest tier first: key, title, shape, colour, size, shown, z-offset."""
    groups = []
    for k, t in enumerate(tiers):
        shape, colour, size = tier_symbol(k)
        groups.append(dict(key=t.name, title=f"{t.label}示范镇 ({t.name})", shape=shape,
                           colour=colour, size=size, show=True, z=1000 - 100 * k))
    for key, title, show in (("unselected", "未入选建制镇 (unselected)", True),
                             ("excluded", "不参评 (excluded)", False)):
        shape, colour, size = OTHER_SYMBOLS[key]
        groups.append(dict(key=key, title=title, shape=shape, colour=colour, size=size,
                           show=show, z=0))
    return groups


def _txt(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def pinyin(names: Sequence[str]) -> list[str]:
    """Toneless pinyin of Chinese names, syllables joined (``兴隆镇`` -> ``xinglongzhen``).

    Non-Chinese characters are kept as they are; used to search the map by pinyin. The
    embedded names' pinyin is stored (:func:`.datasets.name_pinyin`, the same strings);
    other names are converted by pypinyin.
    """
    known = datasets.name_pinyin()
    names = [str(n) for n in names]
    todo = sorted({n for n in names if n not in known})
    fresh = dict(zip(todo, _pinyin_cached(todo), strict=True)) if todo else {}
    return [known[n] if n in known else fresh[n] for n in names]


def _pinyin_cached(names: list[str]) -> list[str]:
    """:func:`pinyin_fresh` of ``names``, kept in the cache folder by the name list (a
    national run converts ~32,000 names of 30 provinces the same way on every run, and
    loading pypinyin's dictionaries alone takes ~0.6 s). Romanising each character once would
    be faster still but is not the same: pypinyin reads some words as phrases (万佛山
    wanfoshan, not wanfushan; 379 of the national table's names differ)."""
    from importlib.metadata import version

    path = datasets.cache_dir() / (
        "pinyin_" + _cache.key(["pinyin", version("pypinyin"), _source(), json.dumps(names)])
        + ".json")

    def read(p: Path) -> list[str]:
        got = json.loads(p.read_text(encoding="utf-8"))
        if not (isinstance(got, list) and len(got) == len(names)
                and all(isinstance(s, str) for s in got)):
            raise ValueError(f"{p}: not the pinyin of {len(names)} names")
        return got

    def write(value: list[str], p: Path) -> None:
        p.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")

    return _cache.cached(path, lambda: pinyin_fresh(names), read, write)


def pinyin_fresh(names: Sequence[str]) -> list[str]:
    """:func:`pinyin` computed by pypinyin, without the stored table."""
    from pypinyin import lazy_pinyin

    return ["".join(lazy_pinyin(str(n))).lower() for n in names]


def search_labels(towns: pd.DataFrame) -> pd.Series:
    """One unique search label per town: ``name（county）pinyin``, code appended on clashes.

    Leaflet-search keys its records by label, so two towns with one label would hide one.
    """
    county = towns[columns.COUNTY_NAME].map(_txt) if columns.COUNTY_NAME in towns else ""
    lab = (towns[columns.NAME].astype(str) + "（" + county + "）" + pd.Series(
        pinyin(towns[columns.NAME]), index=towns.index))
    dup = lab.duplicated(keep=False)
    lab[dup] = lab[dup] + " " + towns.loc[dup, columns.CODE].astype(str)
    return lab


def _tier_label(row: Mapping, tier_labels: dict) -> str:
    if row[columns.TIER]:
        return tier_labels.get(row[columns.TIER], str(row[columns.TIER]))
    return "不参评" if row[columns.STATUS] == "excluded" else "未入选"


def _stability(row: Mapping, tiers) -> str:
    """Tier probabilities and rank interval, when the run computed them (columns
    ``p_<tier>``, ``rank_lo``, ``rank_hi``); empty otherwise."""
    parts = [f"{html.escape(t.label)} {row[f'p_{t.name}']:.0%}" for t in tiers
             if f"p_{t.name}" in row and pd.notna(row[f"p_{t.name}"])]
    out = ""
    if parts:
        out += "入选概率：" + "，".join(parts) + "<br>"
    if columns.RANK_LO in row and columns.RANK_HI in row and pd.notna(row[columns.RANK_LO]) \
            and pd.notna(row[columns.RANK_HI]):
        out += f"排名区间：{int(row['rank_lo'])}–{int(row['rank_hi'])}<br>"
    return f"<div class='stability'>{out}</div>" if out else ""


def popup_html(row: Mapping, contrib_cols: Sequence[tuple[str, ...]], tiers) -> str:
    """Popup HTML of one town (a row as a Series or a dict): name, county, tier, score, rank,
    a bar per criterion's contribution (points out of 100) and stability when present.

    ``contrib_cols`` holds ``(contrib column, label)`` or ``(contrib column, label, raw
    column)``; with the raw column the town's own value (minutes, km, persons) is shown too.
    """
    labels = {t.name: t.label for t in tiers}
    lines = [
        f"<b style='font-size:14px'>{html.escape(str(row['name']))}</b> "
        f"<small>{html.escape(str(row['code']))}</small><br>",
        f"{html.escape(_txt(row.get('county_name')))}，"
        f"{html.escape(_txt(row.get('prefecture_name')))}<br>",
        f"等级：<b>{html.escape(_tier_label(row, labels))}</b><br>",
    ]
    if pd.notna(row.get(columns.SCORE)):
        lines.append(f"得分：<b>{row['score']:.1f}</b> / 100，排名 {int(row['rank'])}<br>")
        lines.append(_stability(row, tiers))
        lines.append("<table class='contrib' style='font-size:11px'>")
        for entry in contrib_cols:
            col, label, raw = entry[0], entry[1], list(entry[2:])
            v = row.get(col)
            if v is None or pd.isna(v):
                continue
            width = max(1, int(round(v * 3)))
            own = row.get(raw[0]) if raw else None
            own_txt = "" if own is None or pd.isna(own) else (
                f"{own:,.0f}" if abs(own) >= 1000 else f"{own:.1f}")
            lines.append(
                f"<tr><td>{html.escape(label)}</td><td style='text-align:right;color:#555'>"
                f"{own_txt}</td><td style='text-align:right'>{v:.1f}</td>"
                f"<td><div style='background:#4575b4;height:8px;width:{width}px'></div></td></tr>"
            )
        lines.append("</table>")
    if _txt(row.get(columns.REASON)):
        lines.append(f"<i>{html.escape(str(row['reason']))}</i>")
    return "".join(lines)


def simplify_coverage(gdf: gpd.GeoDataFrame, crs: pyproj.CRS,
                      tolerance_m: float = SIMPLIFY_M) -> gpd.GeoDataFrame:
    """Polygons simplified as a coverage (shared edges stay shared, no gaps or slivers) with
    ``tolerance_m`` metres in the metric ``crs``; returned in ``crs``."""
    m = gdf.to_crs(crs)
    m.geometry = gpd.GeoSeries(
        shapely.coverage_simplify(m.geometry.make_valid().to_numpy(), tolerance_m),
        index=m.index, crs=crs)
    return m


#: Grid of the web map's outline coordinates, degrees (about 10 m).
_PRECISION_DEG = 1e-4


def _simplified(gdf: gpd.GeoDataFrame, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """:func:`simplify_coverage` back in EPSG:4326, coordinates rounded to
    :data:`_PRECISION_DEG`, for a compact web map.

    Kept in the cache folder by the outlines, ``crs`` and library versions: repairing and
    simplifying a province's counties and projecting them there and back is ~0.1 s a map,
    the same on every run. The file holds WKB, which has no precision grid: it is set again pointwise
    (the coordinates are on it already), as later overlays (the metro union) use it.
    """
    out = gdf.to_crs(4326)
    geoms = out.geometry.to_numpy()
    path = datasets.cache_dir() / ("outlines_" + _cache.key([
        "outlines", _source(), shapely.__version__, shapely.geos_version_string,
        pyproj.__version__, pyproj.proj_version_str, repr((SIMPLIFY_M, _PRECISION_DEG)),
        crs.to_wkt(), shapely.get_precision(geoms).tobytes(),
        *(w or b"" for w in shapely.to_wkb(geoms))])  # b"": no geometry (WKB is never empty)
        + ".parquet")

    def compute() -> np.ndarray:
        m = simplify_coverage(out, crs).to_crs(4326)
        return m.geometry.set_precision(_PRECISION_DEG).to_numpy()

    def read(p: Path) -> np.ndarray:
        import pyarrow.parquet as pq

        wkb = pq.read_table(p).column("wkb").to_pylist()
        if len(wkb) != len(geoms):
            raise ValueError(f"{p}: {len(wkb)} outlines, not {len(geoms)}")
        return shapely.set_precision(shapely.from_wkb(wkb), _PRECISION_DEG, mode="pointwise")

    def write(value: np.ndarray, p: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"wkb": pa.array(shapely.to_wkb(value), pa.binary())}), p)

    out.geometry = gpd.GeoSeries(_cache.cached(path, compute, read, write), index=out.index,
                                 crs=4326)
    return out


@functools.cache
def _source() -> bytes:
    """This module's code, part of its cache keys: a change to it never reuses a stale file."""
    return Path(__file__).read_bytes()


def metric_scale() -> MacroElement:
    """A Leaflet scale bar in metres/kilometres only (for any folium map)."""
    return _MetricScale()


class _MetricScale(MacroElement):
    """Leaflet scale bar in metres/kilometres only."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, position: 'bottomright'})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


class _Attribution(MacroElement):
    """Adds ``text`` to the map's attribution line (rendered after the map exists)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text }});
        {% endmacro %}
    """)

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = json.dumps(text, ensure_ascii=False)


class _LegendWithLayer(MacroElement):
    """Shows the legend element ``element_id`` only while the overlay ``layer`` is on."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var el = document.getElementById({{ this.element_id_json }});
            if (!el) { return; }
            el.style.display = {{ this._parent.get_name() }}.hasLayer(
                {{ this.layer.get_name() }}) ? 'block' : 'none';
            {{ this._parent.get_name() }}.on('overlayadd overlayremove', function (e) {
                if (e.layer === {{ this.layer.get_name() }}) {
                    el.style.display = e.type === 'overlayadd' ? 'block' : 'none';
                }
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, layer, element_id: str):
        super().__init__()
        self.layer = layer
        self.element_id_json = json.dumps(element_id)


class _IndicatorSwitch(MacroElement):
    """On a choice of indicator (base layer), restyles the county layer with that
    indicator's fill colour (feature property ``_fill_<column>``) and shows its legend."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.on('baselayerchange', function (e) {
            var keys = {{ this.keys_json }};
            var col = keys[e.name];
            if (col === undefined) { return; }
            {{ this.layer.get_name() }}.setStyle(function (f) {
                return {fillColor: f.properties['_fill_' + col]};
            });
            document.querySelectorAll('.choro-legend').forEach(function (d) {
                d.style.display = (d.getAttribute('data-layer') === e.name) ? 'block' : 'none';
            });
        });
        {% endmacro %}
    """)

    def __init__(self, layer, keys: dict[str, str]):
        super().__init__()
        self.layer = layer
        self.keys_json = json.dumps(keys, ensure_ascii=False)


def _ramp(values: pd.Series, name: str):
    v = values.dropna()
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    return getattr(branca.colormap.linear, name).scale(lo, hi)


def _choropleth_legend(col: str, title: str, cmap, shown: bool) -> str:
    if col == "n_selected":
        steps = range(int(cmap.vmin), int(cmap.vmax) + 1) if cmap.vmax - cmap.vmin < 12 else \
            np.linspace(cmap.vmin, cmap.vmax, 6).round().astype(int)
        body = "".join(
            f"<span style='display:inline-block;text-align:center;width:20px'>"
            f"<span style='display:block;height:10px;background:{cmap(s)};border:1px solid #999'>"
            f"</span>{s}</span>" for s in steps)
    else:
        stops = ",".join(cmap(x) for x in np.linspace(cmap.vmin, cmap.vmax, 9))
        body = (f"<div style='height:10px;width:160px;border:1px solid #999;"
                f"background:linear-gradient(to right,{stops})'></div>"
                f"<div style='width:162px;display:flex;justify-content:space-between'>"
                f"<span>{cmap.vmin:.1f}</span><span>{cmap.vmax:.1f}</span></div>")
    display = "block" if shown else "none"
    return (f"<div class='choro-legend' data-layer='{html.escape(title, quote=True)}' "
            f"style='display:{display};margin-top:6px'><b>{html.escape(title)}</b>{body}"
            "<div><span style='display:inline-block;width:12px;height:10px;background:#f0f0f0;"
            "border:1px solid #999'></span> 无参评镇 (no scored town)</div></div>")


def _legend(groups: list[dict], choro: list[str], has_metro: bool, has_border: bool,
            metro_area: str) -> str:
    items = "".join(
        f"<div class='legend-tier' data-tier='{g['key']}'><span style='display:inline-block;"
        f"width:24px;text-align:center;vertical-align:middle'>"
        f"{symbol_svg(g['shape'], g['colour'], g['size'])}</span>{html.escape(g['title'])}</div>"
        for g in groups)

    def line(style: dict, title: str) -> str:
        return (f"<div><svg width='24' height='10'><line x1='0' y1='5' x2='24' y2='5' "
                f"stroke='{style['color']}' stroke-width='{style['weight']}' "
                f"stroke-dasharray='{style['dashArray']}'/></svg> {html.escape(title)}</div>")

    outlines = (line(METRO_STYLE, f"{metro_area} (metro area)") if has_metro else "") + \
        (line(BORDER_STYLE, "边境地区县 (border-area counties)") if has_border else "")
    return ("<style>.leaflet-control-search .search-input{width:170px}"
            ".leaflet-control-search .search-tooltip{max-height:260px}</style>"
            "<div id='map-legend' style='position:fixed;bottom:24px;left:12px;z-index:9999;"
            "background:rgba(255,255,255,0.93);padding:8px 10px;border:1px solid #999;"
            "border-radius:4px;font-size:12px;line-height:1.5;font-family:\"Noto Sans CJK SC\","
            "\"Microsoft YaHei\",\"PingFang SC\",sans-serif'>"
            f"<b>示范镇等级 (tiers)</b>{items}{outlines}{''.join(choro)}</div>")


#: Per town feature: the popup and tooltip a folium Marker with Popup(max_width=340) and
#: Tooltip(sticky) would bind (the same wrapping elements and options).
_TOWN_FEATURE_JS = """function (feature, layer) {
    var p = feature.properties;
    layer.bindPopup(L.popup({"maxWidth": 340}).setContent(
        '<div style="width: 100.0%; height: 100.0%;">' + p.popup + '</div>'));
    layer.bindTooltip('<div>' + p.tooltip + '</div>', {"sticky": true});
}"""


def _geojson(gdf: gpd.GeoDataFrame) -> dict:
    """GeoJSON of an EPSG:4326 layer as a dict, the data folium would parse from
    ``gdf.to_json()`` (it renders the same JSON): the text written and parsed again cost
    more than the rest of the county layer."""
    return gdf.to_geo_dict(na="null")


def _town_features(sub: gpd.GeoDataFrame, labels: pd.Series, contrib, tiers) -> dict:
    """GeoJSON points of ``sub`` with the popup HTML, tooltip and search label of each town."""
    # Rows as dicts built from column lists: a pandas row per town cost more than the rest of
    # its feature, and DataFrame.to_dict boxes value by value.
    cols = [c for c in sub.columns if c != sub.geometry.name]
    rows = [dict(zip(cols, values, strict=True))
            for values in zip(*(sub[c].tolist() for c in cols), strict=True)]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
         "properties": {"popup": popup_html(row, contrib, tiers).replace("\n", " "),
                        "tooltip": html.escape(str(row[columns.NAME])), "search": label}}
        for label, row, x, y in zip(labels[sub.index].tolist(), rows, sub.geometry.x.tolist(),
                                    sub.geometry.y.tolist(), strict=True)]}


def _popup_columns(contrib, tiers) -> set[str]:
    """The columns :func:`popup_html` and :func:`search_labels` read."""
    return {columns.NAME, columns.CODE, columns.COUNTY_NAME, columns.PREFECTURE_NAME, columns.TIER,
            columns.STATUS, columns.SCORE, columns.RANK, columns.REASON, columns.RANK_LO,
            columns.RANK_HI, *(f"p_{t.name}" for t in tiers),
            *(c for entry in contrib for c in (entry[0], *entry[2:]))}


@contextlib.contextmanager
def _names_memoised():
    """While building and rendering, branca camel-cases each element class name once.

    ``Element.get_name`` camel-cases the element's ``_name`` (``CircleMarker`` ->
    ``circle_marker``) character by character on every call: ~3,000 calls for a province's
    map, the same dozen names. The result depends on the name only, so the names are the same
    (tested). The swap is process-wide while it lasts; nested uses restore in order.
    """
    camelify = branca.element._camelify
    branca.element._camelify = _memoise(camelify)
    try:
        yield
    finally:
        branca.element._camelify = camelify


def _memoise(f):
    """``f`` cached by its argument (the tests swap it for ``f`` itself: plain folium)."""
    return functools.lru_cache(maxsize=None)(f)


@_names_memoised()
def make_map(towns: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, tiers, used, *,
             tiles: str | None = None, metro_counties: Sequence[str] = (),
             metro_area: str = "都市圈", crs: pyproj.CRS | None = None, indicator: str = "best_score",
             roads: gpd.GeoDataFrame | None = None,
             isochrones: gpd.GeoDataFrame | None = None,
             extra_layers: Sequence = (), extra_html: Sequence[str] = (),
             legend_toggles: Sequence[tuple] = ()) -> folium.Map:
    """Build the folium map: :func:`_base_map`, :func:`_county_layers`,
    :func:`_network_layers`, :func:`_town_layers`, then the controls and the legend
    (:func:`_controls`), in this order (the order of the page's elements).

    Parameters
    ----------
    towns
        Output towns (EPSG:4326) with ``code``, ``name``, ``county_name``, ``tier``,
        ``status``, ``score``, ``rank``, ``reason`` and ``contrib_*`` columns; optional
        stability columns ``p_<tier>``, ``rank_lo``, ``rank_hi``.
    counties
        County polygons (EPSG:4326) from :func:`spatial_towns.pipeline.summary.county_summary`.
    tiers
        Tier configs (labels and order, highest first).
    used
        The scored criteria (:func:`spatial_towns.scoring.resolve`).
    tiles
        A folium tile name (e.g. ``"OpenStreetMap"``) added as an overlay, off by default;
        ``None`` (default) keeps the map fully offline.
    metro_counties
        County codes of the metro area (outlined), e.g. the Changchun metro area's.
    metro_area
        The metro area's Chinese name for the legend and layer control
        (:attr:`.config.Focus.metro_area`, e.g. ``"长春都市圈"``).
    crs
        The run's metric CRS, used to simplify outlines (tolerance :data:`SIMPLIFY_M` m);
        default: an Albers equal-area fitted to ``counties``.
    indicator
        Choropleth shown first: ``"best_score"``, ``"mean_score"`` or ``"n_selected"``;
        the others are one click away in the layer control.
    roads
        Optional road lines (any CRS), drawn as a layer off by default.
    isochrones
        Optional polygons (any CRS), e.g. the area reachable within the isochrone time of
        each selected town, with an optional ``name`` column for the tooltip.
    extra_layers, extra_html
        More folium layers (listed in the layer control) and HTML snippets (e.g. their
        legends), e.g. :func:`spatial_towns.render.typemap.type_layer`.
    legend_toggles
        ``(layer, element id)`` pairs: the HTML element is shown only while the layer is on.

    Returns
    -------
    folium.Map
    """
    if indicator not in INDICATORS:
        raise ValueError(f"indicator must be one of {list(INDICATORS)}, not {indicator!r}")
    crs = crs or _coords.auto_albers(tuple(counties.to_crs(4326).total_bounds))
    counties = _simplified(counties, crs)
    m = _base_map(counties, tiles)
    cl = _county_layers(m, counties, metro_counties, metro_area, indicator)
    _network_layers(m, roads, isochrones)
    groups = _town_layers(m, towns, tiers, used)
    _controls(m, extra_layers, extra_html, legend_toggles, cl)
    m.get_root().html.add_child(folium.Element(  # type: ignore[attr-defined]
        _legend(groups, cl.legends, has_metro=cl.has_metro, has_border=cl.has_border,
                metro_area=metro_area)))
    minx, miny, maxx, maxy = counties.total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _base_map(counties: gpd.GeoDataFrame, tiles: str | None) -> folium.Map:
    """The empty map over the counties, offline unless ``tiles`` is given."""
    minx, miny, maxx, maxy = counties.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=7, tiles=None,
                   control_scale=False, zoomSnap=0.25)
    # Leaflet and jQuery (folium's popups build their HTML with it) are needed; folium's
    # default Bootstrap / Font Awesome / awesome-markers would add ~1.2 MB to every offline
    # file and make it load web fonts it cannot reach offline.
    m.default_js = [js for js in m.default_js if js[0] in ("leaflet", "jquery")]
    m.default_css = [css for css in m.default_css if css[0] == "leaflet_css"]
    if tiles:
        folium.TileLayer(tiles, name=f"底图 {tiles} (online)", show=False, overlay=True,
                         control=True).add_to(m)
    return m


@dataclass
class _CountyLayers:
    """What :func:`_county_layers` drew that the controls and the legend need."""

    layer: folium.GeoJson
    legends: list
    keys: dict
    has_metro: bool
    has_border: bool


def _county_layers(m: folium.Map, counties: gpd.GeoDataFrame, metro_counties: Sequence[str],
                   metro_area: str, indicator: str) -> _CountyLayers:
    """The county choropleth (one layer restyled per indicator), the metro area's outline
    and the border-area counties."""
    cols = [columns.COUNTY_CODE, columns.COUNTY_NAME, columns.PREFECTURE_NAME, "n_selected",
            columns.GEOMETRY]
    base = counties[cols].copy()
    for c in ("best_score", "mean_score"):
        base[c + "_txt"] = counties[c].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}")
    base["flags"] = [" ".join(f for f, on in (("都市圈", m_), ("边境", b_)) if on)
                     for m_, b_ in zip(counties[columns.COUNTY_CODE].isin(list(metro_counties)),
                                       counties.get(columns.BORDER_AREA,
                                                    pd.Series(0, index=counties.index)) == 1,
                                       strict=True)]
    # One county layer restyled by the indicator radio buttons (empty base layers), so the
    # polygons are embedded once rather than once per indicator.
    legends, keys = [], {}
    for col, (title, ramp) in INDICATORS.items():
        cmap = _ramp(counties[col], ramp)
        base[f"_fill_{col}"] = ["#f0f0f0" if pd.isna(v) else cmap(v) for v in counties[col]]
        folium.FeatureGroup(name=title, overlay=False, show=(col == indicator)).add_to(m)
        legends.append(_choropleth_legend(col, title, cmap, col == indicator))
        keys[title] = col
    first = f"_fill_{indicator}"
    county_layer = folium.GeoJson(
        _geojson(base), name="县域 (counties)", control=False,
        style_function=lambda f: {"fillColor": f["properties"][first], "color": "#555",
                                  "weight": 0.8, "fillOpacity": 0.7,
                                  "className": "county-polygon"},
        tooltip=folium.GeoJsonTooltip(
            fields=[columns.COUNTY_NAME, columns.PREFECTURE_NAME, "best_score_txt",
                    "mean_score_txt", "n_selected", "flags"],
            aliases=["县(市、区)", "市(州)", "最高得分", "平均得分", "入选镇数", "重点区域"]),
    )
    county_layer.add_to(m)
    metro = counties[counties[columns.COUNTY_CODE].isin(list(metro_counties))]
    if len(metro):
        folium.GeoJson(
            _geojson(gpd.GeoDataFrame(geometry=[metro.geometry.union_all()], crs=4326)),
            name=f"{metro_area} (metro area)",
            style_function=lambda f: {**METRO_STYLE, "className": "outline-metro"},
            interactive=False).add_to(m)
    border = counties[counties.get(columns.BORDER_AREA, pd.Series(0, index=counties.index)) == 1]
    if len(border):
        folium.GeoJson(
            _geojson(border[[columns.COUNTY_NAME, columns.GEOMETRY]]),
            name="边境地区县 (border-area counties)",
            style_function=lambda f: {**BORDER_STYLE, "className": "outline-border"},
            tooltip=folium.GeoJsonTooltip(fields=[columns.COUNTY_NAME], aliases=["边境地区县"]),
        ).add_to(m)
    return _CountyLayers(layer=county_layer, legends=legends, keys=keys,
                         has_metro=len(metro) > 0, has_border=len(border) > 0)


def _network_layers(m: folium.Map, roads: gpd.GeoDataFrame | None,
                    isochrones: gpd.GeoDataFrame | None) -> None:
    """The road lines (off by default) and the isochrones, when given."""
    if roads is not None and len(roads):
        # Every road layer the package reads is OpenStreetMap data (ODbL): attribute it in the
        # layer name and in the map's attribution line.
        folium.GeoJson(
            _geojson(roads.to_crs(4326)[[columns.GEOMETRY]]),
            name=f"道路网 (road network) {ROADS_ATTRIBUTION}", show=False,
            style_function=lambda f: {"color": "#636363", "weight": 1.0, "opacity": 0.8,
                                      "className": "road-line"},
            interactive=False).add_to(m)
        m.add_child(_Attribution(ROADS_ATTRIBUTION))
    if isochrones is not None and len(isochrones):
        iso = isochrones.to_crs(4326)
        named = columns.NAME in iso
        iso = iso[[columns.NAME, columns.GEOMETRY]] if named else iso[[columns.GEOMETRY]]
        folium.GeoJson(
            _geojson(iso), name="等时圈 (isochrones)", show=True,
            style_function=lambda f: {"color": "#0868ac", "weight": 1.2, "fillColor": "#43a2ca",
                                      "fillOpacity": 0.15, "className": "isochrone"},
            tooltip=folium.GeoJsonTooltip(fields=[columns.NAME], aliases=["等时圈"]) if named
            else None).add_to(m)


def _town_layers(m: folium.Map, towns: gpd.GeoDataFrame, tiers, used) -> list[dict]:
    """One layer of town markers per tier, the eligible towns left out and the excluded,
    under one parent group the search box indexes; returns the groups (for the legend)."""
    contrib = [(f"contrib_{u.name}", u.label, u.column) for u in used if u.column]
    groups = _tier_groups(tiers)
    # Of the ~100 columns of a town only those its popup and search label read: each group
    # below copies them.
    reads = _popup_columns(contrib, tiers)
    located = towns.loc[towns.geometry.notna() & ~towns.geometry.is_empty,
                        [c for c in towns.columns if c in reads or c == towns.geometry.name]]
    labels = search_labels(located)
    # Sub-groups of one parent group, so that the search box indexes every shown town.
    everyone = folium.FeatureGroup(name="towns", control=False).add_to(m)
    tier_names = {t.name for t in tiers}
    for g in groups:
        if g["key"] in tier_names:
            sub = located[located[columns.TIER] == g["key"]]
        elif g["key"] == "unselected":
            sub = located[(located[columns.STATUS] == "eligible") & (located[columns.TIER] == "")]
        else:
            sub = located[located[columns.STATUS] == "excluded"]
        fg = plugins.FeatureGroupSubGroup(everyone, name=f"{g['title']} · {len(sub)}",
                                          show=g["show"])
        fg.add_to(m)
        icon = folium.DivIcon(html=symbol_svg(g["shape"], g["colour"], g["size"]),
                              icon_size=(g["size"], g["size"]),
                              icon_anchor=(g["size"] / 2, g["size"] / 2),
                              class_name=f"town-marker town-{g['key']}")
        # One GeoJSON layer per group whose points become the same markers, popups and
        # tooltips in the browser (_TOWN_FEATURE_JS) as a folium Marker per town did: ~1,000
        # folium elements fewer to build and render.
        folium.GeoJson(
            _town_features(sub, labels, contrib, tiers), control=False,
            marker=folium.Marker(icon=icon, z_index_offset=g["z"]),
            on_each_feature=JsCode(_TOWN_FEATURE_JS)).add_to(fg)
    plugins.Search(layer=everyone, search_label="search", search_zoom=11,
                   placeholder="搜索镇名/拼音", position="topright").add_to(m)
    return groups


def _controls(m: folium.Map, extra_layers: Sequence, extra_html: Sequence[str],
              legend_toggles: Sequence[tuple], cl: _CountyLayers) -> None:
    """Full screen, the metric scale, the extra layers and snippets, the layer control and
    the indicator switch."""
    plugins.Fullscreen(position="topleft", title="全屏", title_cancel="退出全屏").add_to(m)
    m.add_child(_MetricScale())
    # Layers must exist before the LayerControl is rendered, or they never show.
    for layer in extra_layers:
        layer.add_to(m)
    for snippet in extra_html:
        m.get_root().html.add_child(folium.Element(snippet))  # type: ignore[attr-defined]
    for layer, element_id in legend_toggles:
        m.add_child(_LegendWithLayer(layer, element_id))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(_IndicatorSwitch(cl.layer, cl.keys))


@_names_memoised()
def from_result(res, *, tiles: str | None = None, indicator: str = "best_score",
                roads: gpd.GeoDataFrame | None = None,
                isochrones: gpd.GeoDataFrame | None = None) -> folium.Map:
    """:func:`make_map` of a :class:`~spatial_towns.pipeline.RunResult` (its towns,
    counties, tiers, criteria, metro counties and metric CRS), with the development-type
    layer (off by default) when the run has ``dev_type``."""
    layers, snippets, toggles = [], [], []
    if columns.DEV_TYPE in res.towns:
        layers.append(typemap.type_layer(res.towns))
        snippets.append(typemap.type_legend_html())
        toggles.append((layers[-1], "type-legend"))
    return make_map(res.towns, res.counties, res.cfg.tiers, res.used, tiles=tiles,
                    metro_counties=res.cfg.focus.metro_counties,
                    metro_area=res.cfg.focus.metro_area, crs=res.crs,
                    indicator=indicator, roads=roads, isochrones=isochrones,
                    extra_layers=layers, extra_html=snippets, legend_toggles=toggles)


_SCRIPT = re.compile(r'<script src="(https?://[^"]+)"></script>')
_CSS = re.compile(r'<link rel="stylesheet" href="(https?://[^"]+)"/>')


def inline_assets(page: str) -> str:
    """Replace CDN ``<script src>`` and stylesheet links with inline copies.

    Assets come from ``offlinefolium`` (the folium-offline package, which ships Leaflet and
    the folium plugins' scripts, including leaflet-search, leaflet.fullscreen and
    leaflet.featuregroup.subgroup); a URL it does not carry is left as a link, so nothing is
    silently lost (and the offline test fails).
    """
    from offlinefolium.elements import _res

    def js(m: re.Match) -> str:
        body = _res.get(m.group(1))
        return m.group(0) if body is None else "<script>" + body.replace("</script>", "<\\/script>") + "</script>"

    def css(m: re.Match) -> str:
        body = _res.get(m.group(1))
        return m.group(0) if body is None else "<style>" + body + "</style>"

    return _CSS.sub(css, _SCRIPT.sub(js, page))


class _RenderedText:
    """A rendered string standing in for a jinja2 Template of itself (see :func:`save`)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def render(self, *args, **kwargs) -> str:
        return self.text


@contextlib.contextmanager
def _rendered_text_not_recompiled():
    """While rendering, branca Elements made from already-rendered text keep that text.

    folium's ``MacroElement.render`` wraps each piece of output it renders in a new branca
    ``Element(text)``, whose constructor compiles the text as a jinja2 template, later
    rendered once more. For a map of ~1,000 towns that is ~4,000 template compilations, most
    of the map's rendering time. Text without jinja2 syntax (``{{``, ``{%``, ``{#``) and
    without ``\r`` renders to itself minus one trailing newline (jinja2's default), so it is
    kept as such; anything else still goes through jinja2. The output is byte-identical
    (tested). The swap is process-wide for the duration of the render.
    """
    jinja = branca.element.Template

    def template(source, *args, **kwargs):
        if (not args and not kwargs and isinstance(source, str)
                and not any(tok in source for tok in ("{{", "{%", "{#", "\r"))):
            return _RenderedText(source[:-1] if source.endswith("\n") else source)
        return jinja(source, *args, **kwargs)

    branca.element.Template = template
    try:
        yield
    finally:
        branca.element.Template = jinja


def save(m: folium.Map, path=None, offline: bool = True) -> str:
    """Render ``m`` to HTML text (assets inlined when ``offline``) and return it.

    ``path`` is accepted for symmetry with writers and ignored: the caller writes the text
    (atomically, via :func:`spatial_towns.io.write_text`).
    """
    with _rendered_text_not_recompiled(), _names_memoised():
        page = m.get_root().render()
    if _META_CHARSET.search(page) is None:
        page = page.replace("<head>", '<head><meta charset="utf-8">', 1)
    page = _stable_ids(page)
    return inline_assets(page) if offline else page


# ASCII-only case folding: what str.lower() folds in this pattern, without a lowered copy of
# the page.
_META_CHARSET = re.compile("<meta charset", re.IGNORECASE | re.ASCII)
# A 32-hex-digit id after "_". The "_" is matched, not looked behind for: a literal first
# character lets the scan skip ahead (15x faster on a map; the same matches, as "_" is no hex
# digit).
_ID = re.compile(r"_([0-9a-f]{32})(?![0-9a-f])")


def _stable_ids(page: str) -> str:
    """folium names elements with random hex ids; renumber them in order of appearance so
    that the same run writes a byte-identical map."""
    ids: dict[str, str] = {}

    def sub(m: re.Match) -> str:
        return "_" + ids.setdefault(m.group(1), f"{len(ids):032x}")

    return _ID.sub(sub, page)
