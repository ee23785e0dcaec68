import json
import re
from html.parser import HTMLParser

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import SHARED
from shapely.geometry import LineString, Point

from spatial_towns.data import datasets
from spatial_towns.render import maps, typemap
from spatial_towns.typology import devtypes as types

NATIONAL = SHARED / "vonng-adcode-china-towns" / "china_towns_2016.csv"


class _Links(HTMLParser):
    """Every URL a page would fetch by itself: script src, link href, img/iframe src."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        if tag in ("img", "iframe") and a.get("src"):
            self.urls.append(a["src"])


def remote_urls(page: str) -> list[str]:
    p = _Links()
    p.feed(page)
    return [u for u in p.urls if re.match(r"(https?:)?//", u)]


def js(text: str) -> str:
    """``text`` as it appears inside a JSON string in folium's script."""
    return json.dumps(text)[1:-1]


@pytest.fixture(scope="module")
def page(default_run):
    return default_run.files["map.html"].read_text(encoding="utf-8")


def test_map_html_loads_nothing_from_the_internet(page):
    assert remote_urls(page) == []
    # the assets really are inline: Leaflet and the plugins' code is in the page
    for marker in ("Leaflet 1.9", "L.Control.Search", "fullscreen", "L.FeatureGroup.SubGroup"):
        assert marker.lower() in page.lower(), marker
    assert page.count("<script") > 3 and '<meta charset="utf-8">' in page.lower()


def test_remote_urls_detects_links():
    bad = ('<html><head><script src="https://cdn.x/leaflet.js"></script>'
           '<link href="http://cdn.x/a.css" rel="stylesheet"></head>'
           '<body><script>var s = "<script src=\\"http://in-a-string\\">";</script></body></html>')
    assert remote_urls(bad) == ["https://cdn.x/leaflet.js", "http://cdn.x/a.css"]


def test_map_has_chinese_labels_layers_and_controls(page, default_run):
    for text in ("省级示范镇", "市级示范镇", "县级示范镇", "长春都市圈", "边境地区县",
                 "县域最高得分", "县域平均得分", "入选示范镇数", "搜索镇名/拼音"):
        assert text in page, text                      # legend, placeholder
    for text in ("省级示范镇 (provincial) · 30", "长春都市圈 (metro area)",
                 "县域平均得分 (mean town score)"):
        assert js(text) in page, text                  # layer control
    assert "imperial: false" in page          # metric scale bar only
    assert "L.control.fullscreen" in page and "L.Control.Search(" in page
    # the search index carries pinyin: the top town's pinyin label is in the page
    top = default_run.towns.sort_values("rank").iloc[0]
    assert maps.pinyin([top["name"]])[0] in page


def test_county_summary_indicators(default_run):
    c = default_run.counties
    t = default_run.towns
    assert {"best_score", "mean_score", "n_selected", "border_area"} <= set(c.columns)
    assert int(c["n_selected"].sum()) == int((t["tier"] != "").sum())
    row = c.dropna(subset=["best_score"]).iloc[0]
    scores = t.loc[t["county_code"] == row["county_code"], "score"].dropna()
    assert row["best_score"] == pytest.approx(scores.max())
    assert row["mean_score"] == pytest.approx(scores.mean())
    assert row["mean_score"] <= row["best_score"]
    # border counties are those whose towns carry the (county-level) border flag
    flagged = set(t.loc[t["border_area"] == 1, "county_code"])
    assert set(c.loc[c["border_area"] == 1, "county_code"]) == flagged and flagged


def test_pinyin_of_embedded_names_is_read_and_others_computed(default_run, monkeypatch):
    """Every town name of the default run is in the stored table (no pypinyin load); a
    name outside it, or any name with the table gone, is converted by pypinyin alike."""
    names = default_run.towns["name"].astype(str).tolist()
    assert set(names) <= set(datasets.name_pinyin())
    stored = maps.pinyin(names + ["Town 7", "长白山天池镇"])
    monkeypatch.setattr(datasets, "name_pinyin", lambda: {})
    assert stored == maps.pinyin(names + ["Town 7", "长白山天池镇"])
    assert stored[-2:] == ["town 7", "changbaishantianchizhen"]


def test_pinyin_and_unique_search_labels():
    assert maps.pinyin(["兴隆镇", "二道白河镇", "Town 7"]) == ["xinglongzhen",
                                                             "erdaobaihezhen", "town 7"]
    towns = pd.DataFrame({"code": ["1", "2", "3"], "name": ["兴隆镇", "兴隆镇", "兴隆镇"],
                          "county_name": ["榆树市", "榆树市", "农安县"]})
    labels = maps.search_labels(towns)
    assert labels.is_unique
    assert labels.tolist() == ["兴隆镇（榆树市）xinglongzhen 1", "兴隆镇（榆树市）xinglongzhen 2",
                               "兴隆镇（农安县）xinglongzhen"]


def test_popup_shows_breakdown_and_stability_only_when_present(default_run):
    res = default_run
    contrib = [(f"contrib_{u.name}", u.label) for u in res.used if u.column]
    row = res.towns.sort_values("rank").iloc[0].copy()
    assert "入选概率" in maps.popup_html(row, contrib, res.cfg.tiers)  # the run has them
    row = row.drop(["p_provincial", "p_municipal", "p_county", "rank_lo", "rank_hi"])
    plain = maps.popup_html(row, contrib, res.cfg.tiers)
    assert "省级" in plain and "排名 1" in plain and "入选概率" not in plain
    assert plain.count("background:#4575b4") == sum(
        pd.notna(row[c]) for c, _ in contrib)
    row["p_provincial"], row["p_municipal"], row["p_county"] = 0.82, 0.15, 0.03
    row["rank_lo"], row["rank_hi"] = 1, 4
    stable = maps.popup_html(row, contrib, res.cfg.tiers)
    assert "入选概率：省级 82%，市级 15%，县级 3%" in stable and "排名区间：1–4" in stable


def _small(res):
    """One prefecture's towns and counties, to keep map-building tests quick."""
    pref = res.towns.loc[res.towns["tier"] == "provincial", "prefecture_code"].iloc[0]
    return (res.towns[res.towns["prefecture_code"] == pref],
            res.counties[res.counties["prefecture_code"] == pref])


def test_optional_road_and_isochrone_layers_and_tiles_off_by_default(default_run):
    """Hand-made (synthetic) road lines and isochrone discs around two selected towns."""
    res = default_run
    towns, counties = _small(res)
    sel = towns[towns["tier"] != ""].head(2)
    xy = sel.to_crs(res.crs).geometry
    iso = gpd.GeoDataFrame({"name": sel["name"].to_numpy()},
                           geometry=[Point(p.x, p.y).buffer(15_000) for p in xy], crs=res.crs)
    roads = gpd.GeoDataFrame(geometry=[LineString([(p.x - 20_000, p.y), (p.x + 20_000, p.y)])
                                       for p in xy], crs=res.crs)
    m = maps.make_map(towns, counties, res.cfg.tiers, res.used, tiles="OpenStreetMap",
                      metro_counties=res.cfg.focus.metro_counties, crs=res.crs,
                      indicator="n_selected", roads=roads, isochrones=iso)
    page = maps.save(m)
    # layer-control names are JSON in the script (non-ASCII escaped)
    assert js("道路网 (road network)") in page and js("等时圈 (isochrones)") in page
    assert js(sel["name"].iloc[0]) in page    # the towns' and isochrones' GeoJSON data
    assert remote_urls(page) == []            # a tile layer is not a script or stylesheet
    tile = re.search(r"var (tile_layer_\w+) = L\.tileLayer", page).group(1)
    assert f"{tile}.addTo(" not in page       # present, but off until switched on
    roads_var = re.search(r"(geo_json_\w+)_add\(\{.{0,200}LineString", page, re.S)
    assert roads_var and f"{roads_var.group(1)}.addTo(" not in page   # roads off by default
    # indicator chosen: its legend is the one displayed
    assert re.search(r"class='choro-legend' data-layer='入选示范镇数[^']*' style='display:block",
                     page)


def test_bad_indicator_is_a_clear_error(default_run):
    towns, counties = _small(default_run)
    with pytest.raises(ValueError, match="indicator must be one of"):
        maps.make_map(towns, counties, default_run.cfg.tiers, default_run.used,
                      indicator="median")


def test_saved_html_is_identical_with_rendered_text_kept(default_run, monkeypatch):
    # maps.save keeps folium's already-rendered pieces as text instead of compiling each as
    # a jinja2 template again, and from_result / make_map / save camel-case each element
    # name once: the page must be byte for byte what plain folium builds and renders.
    fast_map = maps.from_result(default_run)
    with maps._rendered_text_not_recompiled(), maps._names_memoised():
        fast = fast_map.get_root().render()
    monkeypatch.setattr(maps, "_memoise", lambda f: f)
    plain = maps.from_result(default_run).get_root().render()
    assert maps._stable_ids(fast) == maps._stable_ids(plain)
    assert len(plain) > 1_000_000


def test_stable_ids_renumber_as_a_look_behind_for_the_underscore_would(default_run):
    """The ids pattern matches its "_" instead of looking behind for it (faster); the
    matches are those of the look-behind pattern, on a page and on edge cases."""
    def by_look_behind(page):
        ids = {}
        return re.sub(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])",
                      lambda m: ids.setdefault(m.group(0), f"{len(ids):032x}"), page)

    page = maps.from_result(default_run).get_root().render()
    h, g = "ab" * 16, "cd" * 16
    edge = (f"x_{h} _{h}_{g} __{g} _{h}0 {h} _{h[:31]} a_{g}f _{h}z _{h}_{h}")
    for text in (page, edge):
        assert maps._stable_ids(text) == by_look_behind(text)
    assert maps._stable_ids(edge) == (f"x_{0:032x} _{0:032x}_{1:032x} __{1:032x} _{h}0 {h} "
                                      f"_{h[:31]} a_{g}f _{0:032x}z _{0:032x}_{0:032x}")


def test_geojson_dict_is_what_folium_parses_from_to_json(default_run):
    c = default_run.counties.copy()
    c.loc[c.index[0], "best_score"] = float("nan")           # NaN -> null as in to_json
    got = maps._geojson(c)
    assert json.loads(json.dumps(got)) == json.loads(c.to_json())


def _folium_tree(element):
    yield element
    for child in element._children.values():
        yield from _folium_tree(child)


def test_town_features_carry_each_towns_point_popup_and_label(default_run):
    """The town layers' features (built from the columns a popup reads) against each town's
    full row: every located town once, at its point, with popup_html of its full row."""
    res = default_run
    towns = res.towns
    located = towns[towns.geometry.notna() & ~towns.geometry.is_empty]
    by_label = dict(zip(maps.search_labels(located), located.index, strict=True))
    contrib = [(f"contrib_{u.name}", u.label, u.column) for u in res.used if u.column]
    feats = [f for el in _folium_tree(maps.from_result(res))
             if isinstance(el, folium.GeoJson) and isinstance(el.data, dict)
             for f in el.data.get("features", []) if "search" in f["properties"]]
    assert sorted(by_label[f["properties"]["search"]] for f in feats) == sorted(located.index)
    for f in feats:
        town = towns.loc[by_label[f["properties"]["search"]]]
        assert f["geometry"]["coordinates"] == [town.geometry.x, town.geometry.y]
        assert f["properties"]["popup"] == maps.popup_html(town, contrib,
                                                           res.cfg.tiers).replace("\n", " ")
        assert f["properties"]["tooltip"] == town["name"]
    assert sum("入选概率" in f["properties"]["popup"] for f in feats) >= 30   # stability shown


def test_type_layer_marks_each_typed_selected_town(default_run):
    towns = default_run.towns
    sub = towns[towns.geometry.notna() & (towns["dev_type"] != "") & (towns["tier"] != "")]
    markers = list(typemap.type_layer(towns)._children.values())
    assert len(markers) == len(sub) > 30
    for marker, (_, town) in zip(markers, sub.iterrows(), strict=True):
        assert isinstance(marker, folium.CircleMarker)
        assert marker.location == [town.geometry.y, town.geometry.x]
        assert marker.options["fillColor"] == typemap.TYPE_COLOURS[town["dev_type"]]
        kids = {type(k).__name__: k for k in marker._children.values()}
        assert kids["Tooltip"].text == f"{town['name']} · {types.label(town['dev_type'])}"
        html_el = next(iter(kids["Popup"].html._children.values()))
        assert html_el.data.startswith(f"<b>{town['name']}</b> {types.label(town['dev_type'])}")


def test_simplified_outlines_are_cached_and_equal_fresh_ones(default_run, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path))
    counties, crs = default_run.counties, default_run.crs
    fresh = maps.simplify_coverage(counties.to_crs(4326), crs).to_crs(4326)
    fresh_geoms = fresh.geometry.set_precision(1e-4).to_numpy()
    first = maps._simplified(counties, crs)                     # computed and written
    files = list(tmp_path.glob("outlines_*.parquet"))
    assert len(files) == 1

    def fail(*args, **kwargs):
        raise AssertionError("recomputed instead of read")

    monkeypatch.setattr(maps, "simplify_coverage", fail)
    again = maps._simplified(counties, crs)                     # read back
    for got in (first, again):
        pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                      pd.DataFrame(counties.drop(columns="geometry")))
        geoms = got.geometry.to_numpy()
        assert got.crs.to_epsg() == 4326
        assert list(shapely.to_wkb(geoms)) == list(shapely.to_wkb(fresh_geoms))
        # the precision grid is back too: overlays (the metro outline) snap to it
        assert (shapely.get_precision(geoms) == shapely.get_precision(fresh_geoms)).all()
        assert shapely.union_all(geoms[:12]).equals_exact(shapely.union_all(fresh_geoms[:12]), 0)
    files[0].write_bytes(b"not parquet")                        # unusable: computed again
    monkeypatch.undo()
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path))
    assert list(shapely.to_wkb(maps._simplified(counties, crs).geometry)) == list(
        shapely.to_wkb(fresh_geoms))
    moved = counties.copy()
    moved.geometry = moved.geometry.translate(0.01, 0)
    maps._simplified(moved, crs)                                # other outlines, other file
    assert len(list(tmp_path.glob("outlines_*.parquet"))) == 2


def test_cached_pinyin_file_is_used_and_rebuilt_when_unusable(tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path))
    names = ["长白山天池镇", "万佛山镇", "Town 7"]
    want = maps.pinyin_fresh(names)
    assert want[:2] == ["changbaishantianchizhen", "wanfoshanzhen"]   # a phrase reading
    assert maps.pinyin(names) == want
    (path,) = tmp_path.glob("pinyin_*.json")
    monkeypatch.setattr(maps, "pinyin_fresh", lambda n: pytest.fail("not read from the cache"))
    assert maps.pinyin(names) == want
    monkeypatch.undo()
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path))
    path.write_text('["only one"]', encoding="utf-8")          # unusable: computed again
    assert maps.pinyin(names) == want
    assert json.loads(path.read_text(encoding="utf-8")) == maps.pinyin_fresh(sorted(names))
    maps.pinyin(names[:2])                                      # other names, other file
    assert len(list(tmp_path.glob("pinyin_*.json"))) == 2


@pytest.mark.skipif(not NATIONAL.is_file(), reason=f"national table absent: {NATIONAL}")
def test_cached_pinyin_is_lazy_pinyin_name_by_name_on_the_national_table(tmp_path, monkeypatch):
    """Every name of the national table (computed, then read back from the cache) against
    pypinyin's lazy_pinyin of the whole name."""
    from pypinyin import lazy_pinyin

    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(datasets, "name_pinyin", lambda: {})    # every name through the cache
    names = pd.read_csv(NATIONAL, dtype=str, usecols=["name"])["name"].dropna().tolist()
    assert len(names) > 42_000
    want = ["".join(lazy_pinyin(n)).lower() for n in names]
    assert maps.pinyin(names) == want
    assert len(list(tmp_path.glob("pinyin_*.json"))) == 1
    monkeypatch.setattr(maps, "pinyin_fresh", lambda n: pytest.fail("not read from the cache"))
    assert maps.pinyin(names) == want
