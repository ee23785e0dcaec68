import warnings

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib_scalebar.scalebar import ScaleBar

from spatial_towns.render import printmap as plot


@pytest.fixture(scope="module")
def tiers_fig(default_run):
    return plot.tiers_map(default_run)


def test_pipeline_writes_print_maps(default_run):
    files = default_run.files
    for name, magic in (("map_tiers.png", b"\x89PNG"), ("map_tiers.pdf", b"%PDF"),
                        ("criteria.png", b"\x89PNG")):
        data = files[name].read_bytes()
        assert data.startswith(magic) and len(data) > 50_000, name


def test_same_run_same_print_map_bytes(default_run, tiers_fig, tmp_path):
    png = plot.save(tiers_fig, tmp_path / "map_tiers.png")
    pdf = plot.save(tiers_fig, tmp_path / "map_tiers.pdf")
    assert png.read_bytes() == default_run.files["map_tiers.png"].read_bytes()
    assert pdf.read_bytes() == default_run.files["map_tiers.pdf"].read_bytes()
    assert b"CreationDate" not in pdf.read_bytes()


def test_tiers_map_is_metric_with_scale_bar_north_arrow_and_legend(default_run, tiers_fig):
    ax = tiers_fig.axes[0]
    bars = [a for a in ax.artists if isinstance(a, ScaleBar)]
    assert len(bars) == 1 and bars[0].dx == 1.0 and bars[0].units == "m"
    # drawn in the run's metric CRS: Jilin is roughly 750 km east-west
    x0, x1 = ax.get_xlim()
    assert 600_000 < x1 - x0 < 1_100_000
    texts = [t.get_text() for t in ax.texts]
    assert "N 北" in texts
    assert "长春市" in texts                       # prefecture labels in Chinese
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("省级示范镇") and t.endswith("· 30") for t in legend)
    assert any("长春都市圈" in t for t in legend) and any("边境地区县" in t for t in legend)
    n_prov = int((default_run.towns["tier"] == "provincial").sum())
    labelled = [t for t in ax.texts if t.get_text() in set(default_run.towns["name"])]
    assert len(labelled) == n_prov


def test_chinese_glyphs_render(tiers_fig, tmp_path):
    if plot.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot.save(tiers_fig, tmp_path / "check.png", dpi=50)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []


def test_no_cjk_font_is_a_clear_warning(monkeypatch):
    monkeypatch.setattr(plot, "CJK_FAMILIES", ("No Such CJK Font",))
    monkeypatch.setattr(plot.font_manager, "findSystemFonts", lambda *a, **k: [])
    with pytest.warns(plot.CJKFontWarning, match="fonts-noto-cjk"):
        assert plot.cjk_font() is None


def test_criteria_small_multiples_one_panel_per_used_criterion(default_run):
    fig = plot.criteria_map(default_run)
    used = [u for u in default_run.used if u.column]
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == len(used)
    for ax, u in zip(titled, used, strict=False):
        assert ax.get_title().startswith(u.label)
        values = ax.collections[-1].get_array()
        assert values.min() >= 0 and values.max() <= 1


def test_provincial_names_do_not_overlap_each_other_or_the_stars(default_run):
    # The 长春 cluster put eight provincial towns within ~40 km; their names used to be drawn
    # at a fixed offset and overlapped. adjustText now separates them (leader lines where moved).
    fig = plot.tiers_map(default_run)
    r = FigureCanvasAgg(fig).get_renderer()  # a canvas of its own: measured as drawn to PNG
    ax = fig.axes[0]
    provincial = default_run.towns[default_run.towns["tier"] == "provincial"]
    names = set(provincial["name"])
    labels = [t for t in ax.texts if t.get_text() in names]
    assert len(labels) == len(provincial)
    boxes = [t.get_window_extent(r) for t in labels]
    overlapping = [(labels[i].get_text(), labels[j].get_text())
                   for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                   if boxes[i].overlaps(boxes[j])]
    assert overlapping == []
    # off the stars too: no name covers the centre of a provincial town's marker
    stars = ax.transData.transform(
        provincial.to_crs(default_run.crs).geometry.get_coordinates().to_numpy())
    covered = [t.get_text() for t, b in zip(labels, boxes, strict=True)
               if any(b.contains(x, y) for x, y in stars)]
    assert covered == []
