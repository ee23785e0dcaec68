import geopandas as gpd
import pytest
import shapely

from spatial_towns import errors
from spatial_towns.data import io


def _csv(tmp_path, text, name="towns.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_csv_towns_with_gcj02_are_converted(tmp_path):
    p = _csv(tmp_path, "code,name,county_code,lon,lat\n1,范家屯镇,220184,125.0,43.6\n2,某乡,220184,,\n")
    t = io.read_towns(p, "GCJ-02")
    assert list(t["code"]) == ["1", "2"]
    assert t.crs.to_epsg() == 4326
    # GCJ-02 → WGS84 moves the point, by a few hundred metres at most
    assert 1e-4 < abs(t.geometry.iloc[0].x - 125.0) < 0.01
    assert t.geometry.iloc[1] is None  # kept, not dropped
    assert list(t["kind"]) == ["镇", "乡"]


def test_gbk_csv_is_read(tmp_path):
    p = _csv(tmp_path, "code,name,lon,lat\n1,双阳镇,125.6,43.5\n", encoding="gbk")
    t = io.read_towns(p, "EPSG:4326")
    assert t["name"].iloc[0] == "双阳镇"
    assert t.attrs["encoding"] == "gb18030"


def test_csv_without_frame_is_refused(tmp_path):
    p = _csv(tmp_path, "code,name,lon,lat\n1,a镇,125.6,43.5\n")
    with pytest.raises(errors.CRSError, match="carries no coordinate frame"):
        io.read_towns(p)


def test_swapped_lonlat_is_named(tmp_path):
    p = _csv(tmp_path, "code,name,lon,lat\n1,a镇,43.5,125.6\n")
    with pytest.raises(errors.CRSError, match="swapped"):
        io.read_towns(p, "EPSG:4326")


def test_duplicate_codes_are_listed(tmp_path):
    p = _csv(tmp_path, "code,name,lon,lat\n7,a镇,125,43\n7,b镇,126,44\n")
    with pytest.raises(errors.InputDataError, match=r"duplicate town codes.*'7'"):
        io.read_towns(p, "EPSG:4326")


def test_missing_name_column_lists_accepted_names(tmp_path):
    p = _csv(tmp_path, "code,title,lon,lat\n7,a镇,125,43\n")
    with pytest.raises(errors.InputDataError, match="no column for 'name'"):
        io.read_towns(p, "EPSG:4326")


def test_level_column_keeps_towns_and_counts_the_rest(tmp_path):
    p = _csv(tmp_path, "code,name,level,lon,lat\n1,a镇,town,125,43\n2,b村,village,,\n3,c县,county,125,43\n")
    t = io.read_towns(p, "EPSG:4326")
    assert list(t["code"]) == ["1"]
    assert t.attrs["ignored_levels"] == {"village": 1, "county": 1}


def test_geopackage_without_crs_needs_a_frame(tmp_path):
    g = gpd.GeoDataFrame({"code": ["1"], "name": ["a镇"]}, geometry=[shapely.Point(125, 43)])
    p = tmp_path / "t.gpkg"
    g.to_file(p)
    with pytest.raises(errors.CRSError, match="has no CRS"):
        io.read_towns(p)
    assert io.read_towns(p, "EPSG:4326").crs.to_epsg() == 4326


def test_projected_geopackage_is_brought_to_wgs84(tmp_path):
    g = gpd.GeoDataFrame({"code": ["1"], "name": ["a镇"]}, geometry=[shapely.Point(125.3, 43.9)],
                         crs=4326).to_crs(32651)
    p = tmp_path / "t.gpkg"
    g.to_file(p)
    t = io.read_towns(p)
    assert t.geometry.iloc[0].x == pytest.approx(125.3, abs=1e-9)


def test_polygon_towns_are_refused(tmp_path):
    g = gpd.GeoDataFrame({"code": ["1"], "name": ["a镇"]}, geometry=[shapely.box(125, 43, 126, 44)],
                         crs=4326)
    p = tmp_path / "t.geojson"
    g.to_file(p)
    with pytest.raises(errors.InputDataError, match="must be points"):
        io.read_towns(p)


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.txt"

    def boom(p):
        p.write_text("half")
        raise OSError("disk full")

    with pytest.raises(errors.OutputError):
        io.atomic_write(target, boom)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_boundaries_empty_geometry_is_named(tmp_path):
    g = gpd.GeoDataFrame(
        {"county_code": ["1", "2"], "county_name": ["a", "b"], "prefecture_code": ["9", "9"],
         "prefecture_name": ["p", "p"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.Polygon()], crs=4326)
    p = tmp_path / "b.gpkg"
    g.to_file(p)
    with pytest.raises(errors.InputDataError, match=r"\['2'\].*empty geometry"):
        io.read_boundaries(p)


def test_a_frame_that_disagrees_with_the_file_crs_is_an_error_naming_both(tmp_path):
    g = gpd.GeoDataFrame({"code": ["1"], "name": ["a镇"]}, geometry=[shapely.Point(125.3, 43.9)],
                         crs=4326).to_crs(32651)
    p = tmp_path / "t.gpkg"
    g.to_file(p)
    with pytest.raises(errors.CRSError, match=r"EPSG:32651.*frame EPSG:4326 was given"):
        io.read_towns(p, "EPSG:4326")
    # the same CRS given again is fine, and so is an offset frame on a lon/lat file
    assert io.read_towns(p, "EPSG:32651").geometry.iloc[0].x == pytest.approx(125.3, abs=1e-9)
    geo = tmp_path / "t.geojson"
    g.to_crs(4326).to_file(geo)
    assert io.read_towns(geo, "BD-09").attrs["frame"] == "BD-09"
    with pytest.raises(errors.CRSError, match="frame BD-09 given but the layer is projected"):
        io.read_towns(p, "BD-09")


def test_baidu_csv_is_read_as_bd09(tmp_path):
    import prcoords

    wgs = (43.8868, 125.3245)                      # lat, lon in Changchun
    bd = prcoords.wgs_bd(wgs)
    p = tmp_path / "baidu.csv"
    p.write_text(f"code,name,lon,lat\n1,a镇,{bd.lon},{bd.lat}\n", encoding="utf-8")
    t = io.read_towns(p, "BD-09")
    assert t.geometry.iloc[0].y == pytest.approx(wgs[0], abs=1e-6)
    assert t.geometry.iloc[0].x == pytest.approx(wgs[1], abs=1e-6)
    # read as GCJ-02 it would be off by hundreds of metres: the frames are not the same
    off = io.read_towns(p, "GCJ-02").geometry.iloc[0]
    assert abs(off.x - wgs[1]) + abs(off.y - wgs[0]) > 3e-3


def test_geopackage_bytes_do_not_depend_on_the_clock(tmp_path):
    import sqlite3
    import time

    import geopandas as gpd
    import shapely

    from spatial_towns.data import io as st_io

    gdf = gpd.GeoDataFrame({"name": ["甲镇", "乙镇"]},
                           geometry=[shapely.Point(125.3, 43.9), shapely.Point(126.5, 43.8)],
                           crs=4326)
    a = st_io.write_gpkg(tmp_path / "a.gpkg", [("towns", gdf), ("copy", gdf)])
    time.sleep(1.1)  # GDAL's own last_change has a resolution of a second
    b = st_io.write_gpkg(tmp_path / "b.gpkg", [("towns", gdf), ("copy", gdf)])
    assert a.read_bytes() == b.read_bytes()
    with sqlite3.connect(a) as con:
        dates = {r[0] for r in con.execute("select last_change from gpkg_contents")}
    assert dates == {st_io.GPKG_DATE}
    assert gpd.read_file(a, layer="towns")["name"].tolist() == ["甲镇", "乙镇"]
