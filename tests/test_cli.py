import subprocess
import sys

import pytest

from spatial_towns import cli


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--config", "--towns", "--towns-frame", "--output", "--roads", "--population"):
        assert opt in out


def test_bad_config_gives_message_and_exit_code_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[criteria]]\ncolumn='dist_rail_km'\ndirection='cost'\nweight=-2\n")
    proc = subprocess.run([sys.executable, "-m", "spatial_towns.cli", "run", "--config", str(bad),
                           "--output", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "weight = -2 in [[criteria]] (column = 'dist_rail_km') of " in proc.stderr
    assert "must be >= 0" in proc.stderr and "Traceback" not in proc.stderr


def test_csv_without_frame_exit_code(tmp_path):
    towns = tmp_path / "t.csv"
    towns.write_text("code,name,lon,lat\n1,a镇,125,43\n", encoding="utf-8")
    code = cli.main(["run", "--towns", str(towns), "--output", str(tmp_path), "--quiet"])
    assert code == 3


def test_fetch_roads_offline_writes_a_graph_run_can_use(tmp_path, monkeypatch, capsys):
    """`fetch-roads` with osmnx's downloader replaced by the hand-made fixture (no internet)."""
    import geopandas as gpd
    import osmnx as ox
    import shapely
    from conftest import FIXTURES

    from spatial_towns import network
    from spatial_towns.data import io

    bounds = tmp_path / "county.geojson"
    gpd.GeoDataFrame({"county_code": ["220102"], "county_name": ["南关区"],
                      "prefecture_code": ["220100"], "prefecture_name": ["长春市"]},
                     geometry=[shapely.box(125.2, 43.7, 126.0, 44.3)], crs=4326).to_file(bounds)
    raw = ox.graph_from_xml(FIXTURES / "tiny_roads.osm", simplify=False, retain_all=True)
    seen = {}

    def fake(polygon, **kwargs):
        seen.clear()
        seen["area"] = polygon.area
        seen.update(kwargs)
        return raw.copy()

    monkeypatch.setattr(ox, "graph_from_polygon", fake)
    out = tmp_path / "roads.graphml"
    assert cli.main(["fetch-roads", "--boundaries", str(bounds), "--output", str(out)]) == 0
    assert seen["area"] == pytest.approx(0.8 * 0.6)
    assert seen["custom_filter"] == network.MAJOR_ROADS_FILTER
    assert f"--roads {out}" in capsys.readouterr().out
    assert io.read_roads(out).number_of_edges() == raw.number_of_edges()
    assert cli.main(["fetch-roads", "--boundaries", str(bounds), "--output", str(out),
                     "--all-roads"]) == 0
    assert "custom_filter" not in seen and seen["network_type"] == "drive"
    # Installed from a wheel (#25): the default file goes to the current folder, not into the
    # package's data.
    from spatial_towns.data import datasets

    monkeypatch.setattr(datasets, "IN_CHECKOUT", False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["fetch-roads", "--boundaries", str(bounds)]) == 0
    assert (tmp_path / "roads_220000.graphml").is_file()


def test_fetch_roads_offline_failure_is_a_clear_error(tmp_path, monkeypatch, capsys):
    import osmnx as ox

    def offline(polygon, **kwargs):
        raise ConnectionError("Failed to resolve 'overpass-api.de'")

    monkeypatch.setattr(ox, "graph_from_polygon", offline)
    code = cli.main(["fetch-roads", "--province", "220000", "--output", str(tmp_path / "r.graphml")])
    assert code == 3
    assert "are you online" in capsys.readouterr().err


def test_survey_then_weights_writes_panel_md_and_a_config_run_takes(tmp_path, capsys):
    from spatial_towns import config
    from spatial_towns.panel import Hierarchy, questionnaire, read, synthetic

    assert cli.main(["survey", "--experts", "3", "--output", str(tmp_path / "q")]) == 0
    paths = sorted((tmp_path / "q").glob("*.xlsx"))
    assert [p.name for p in paths] == ["专家01.xlsx", "专家02.xlsx", "专家03.xlsx"]
    h = Hierarchy.from_criteria(config.load().criteria)
    rows = synthetic.judgements(h, seed=4, names=["专家01", "专家02", "专家03"])  # SYNTHETIC
    for p in paths:
        questionnaire.fill(p, rows)
    out = tmp_path / "w"
    assert cli.main(["weights", "--panel", *map(str, paths), "--output", str(out),
                     "--quiet"]) == 0
    assert {p.name for p in out.iterdir()} == {"panel.md", "panel_weights.toml",
                                              "panel_judgements.csv"}
    cfg = config.load(out / "panel_weights.toml")
    assert sum(c.weight for c in cfg.criteria) == pytest.approx(1.0)
    # the judgements file is a long CSV the reader takes back
    again = read([out / "panel_judgements.csv"], h)
    assert len(again.judgements) == len(rows)


def test_survey_names_and_experts_are_exclusive(tmp_path):
    with pytest.raises(SystemExit):
        cli.main(["survey", "--experts", "2", "--names", "a,b", "--output", str(tmp_path)])
    assert cli.main(["survey", "--names", "张三,张三", "--output", str(tmp_path)]) == 2
