"""Static print maps (matplotlib/geopandas) of a run, in the run's metric CRS.

- :func:`tiers_map`: the selected towns by tier on the county map, with prefecture names,
  the Changchun metro-area and border-area outlines, a legend, a north arrow and a metric
  scale bar (``matplotlib-scalebar``; exact because the map is drawn in metres).
- :func:`criteria_map`: small multiples, one panel per scored criterion, towns coloured by the
  normalised criterion (0 worst … 1 best, as scored).
- :func:`write`: both as ``map_tiers.png``, ``map_tiers.pdf`` and ``criteria.png``.

Chinese labels need a CJK font; :func:`cjk_font` finds one (Noto Sans/Serif CJK, Source Han,
WenQuanYi, …) through :mod:`matplotlib.font_manager`, and warns when none is installed
(Debian: ``apt-get install fonts-noto-cjk``).

>>> from spatial_towns import config, pipeline, plot
>>> res = pipeline.run(config.load(), output_dir=None)     # doctest: +SKIP
>>> plot.tiers_map(res)                                     # a matplotlib Figure  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
from adjustText import adjust_text
from matplotlib import font_manager
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib_scalebar.scalebar import ScaleBar

from .. import columns
from ..data import io
from . import maps

# Preferred CJK families, simplified Chinese first.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
                "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
                "Microsoft YaHei", "PingFang SC", "Noto Sans CJK JP", "Noto Sans CJK TC")

_MARKERS = {"star": "*", "triangle": "^", "square": "s", "diamond": "D", "pentagon": "p",
            "circle": "o", "cross": "x"}
# Marker area (pt^2) by tier position; the HTML map's pixel sizes do not carry over to print.
_SIZES = (150, 55, 26, 26, 26)

# Deterministic files: no creation date in the PDF, fixed software tag in the PNG.
_PDF_META = {"CreationDate": None, "Producer": "spatial_towns", "Creator": "spatial_towns"}
_PNG_META = {"Software": "spatial_towns"}


class CJKFontWarning(UserWarning):
    """No CJK font found: Chinese labels will show as empty boxes."""


def cjk_font() -> str | None:
    """Name of an installed CJK font family for Chinese labels, or ``None`` (with a warning).

    Looks in matplotlib's font list and, because that list is cached, also registers CJK font
    files found on the system since the cache was built.
    """
    names = {f.name for f in font_manager.fontManager.ttflist}
    if not any(f in names for f in CJK_FAMILIES):
        for path in font_manager.findSystemFonts():
            stem = Path(path).name.lower()
            if any(k in stem for k in ("cjk", "sourcehan", "wqy", "simhei", "msyh", "pingfang")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError):
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    warnings.warn("no CJK font found (looked for " + ", ".join(CJK_FAMILIES[:4]) + ", ...): "
                  "Chinese labels on the print maps will not render; install one, e.g. "
                  "Debian's fonts-noto-cjk", CJKFontWarning, stacklevel=2)
    return None


def _rc() -> dict:
    family = cjk_font()
    return {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
            "axes.unicode_minus": False, "pdf.fonttype": 3, "svg.hashsalt": "spatial_towns",
            # geopandas makes a patch per polygon, and each resolved the default face colour
            # ('C0') through the property cycle, uncached: the same colour, given as hex.
            "patch.facecolor": to_hex(matplotlib.rcParams["patch.facecolor"], keep_alpha=True)}


# Label placement: adjustText's iterations are bounded by count, never by time (a time limit
# would make the placement, hence the files, depend on the machine's speed). The margins
# around names and the push forces are larger than adjustText's defaults: the defaults left
# names of the dense Changchun cluster touching each other and the stars.
LABEL_ITERATIONS = 200
LABEL_EXPAND = (1.3, 1.6)
LABEL_FORCE = (0.3, 0.5)


def _place_labels(ax, labelled: gpd.GeoDataFrame, markers, towns: gpd.GeoDataFrame) -> None:
    """Name each town of ``labelled`` beside its marker, the names pushed apart from each
    other, off the labelled towns' ``markers`` (their scatter collection) and off the points
    of ``towns`` (the other selected towns; the unselected dots may be covered) by
    adjustText, with a leader line where a name moved away from its town. Both frames are in
    the axes' metric CRS. adjustText seeds its own random nudges, so the same towns give the
    same placement."""
    texts = [ax.text(x, y, name, fontsize=6.5, color="#222", zorder=20)
             for x, y, name in zip(labelled.geometry.x, labelled.geometry.y,
                                   labelled[columns.NAME], strict=True)]
    adjust_text(texts, x=towns.geometry.x.to_numpy(), y=towns.geometry.y.to_numpy(),
                objects=markers, ax=ax,
                iter_lim=LABEL_ITERATIONS, expand=LABEL_EXPAND, force_text=LABEL_FORCE,
                force_static=LABEL_FORCE, ensure_inside_axes=True,
                arrowprops=dict(arrowstyle="-", color="#555", lw=0.4, shrinkA=0, shrinkB=2))


def _north_arrow(ax, x: float = 0.95, y: float = 0.90) -> None:
    """North arrow in axes coordinates. In the run's Albers CRS grid north is true north on
    the central meridian and within a few degrees of it across a province."""
    ax.annotate("", xy=(x, y + 0.06), xytext=(x, y - 0.02), xycoords="axes fraction",
                arrowprops=dict(facecolor="black", edgecolor="black", width=4, headwidth=12,
                                headlength=12))
    ax.text(x, y + 0.075, "N 北", transform=ax.transAxes, ha="center", va="bottom",
            fontsize=11, fontweight="bold")


# Outline simplification for print (m): a printed point is ~3 km at province scale.
SIMPLIFY_M = 100.0


def _counties(res) -> gpd.GeoDataFrame:
    return maps.simplify_coverage(res.counties, res.crs, SIMPLIFY_M)


def _outlines(res, counties: gpd.GeoDataFrame | None = None
              ) -> tuple[gpd.GeoSeries, gpd.GeoSeries, gpd.GeoDataFrame]:
    counties = _counties(res) if counties is None else counties
    metro = counties[counties[columns.COUNTY_CODE].isin(list(res.cfg.focus.metro_counties))]
    border = counties[counties[columns.BORDER_AREA] == 1] if columns.BORDER_AREA in counties else \
        counties.iloc[0:0]
    prefs = counties.dissolve(by=columns.PREFECTURE_CODE, as_index=False)[
        [columns.PREFECTURE_CODE, columns.PREFECTURE_NAME, columns.GEOMETRY]]
    return (gpd.GeoSeries([metro.union_all()], crs=res.crs) if len(metro) else
            gpd.GeoSeries([], crs=res.crs),
            gpd.GeoSeries([border.union_all()], crs=res.crs) if len(border) else
            gpd.GeoSeries([], crs=res.crs),
            prefs)


def _base(ax, res, prefs: gpd.GeoDataFrame, label_prefectures: bool = True,
          counties: gpd.GeoDataFrame | None = None) -> None:
    counties = _counties(res) if counties is None else counties
    counties.plot(ax=ax, facecolor="#f4f1ea", edgecolor="#b5b0a5", linewidth=0.4, zorder=1)
    prefs.boundary.plot(ax=ax, color="#6e6a60", linewidth=1.0, zorder=2)
    if label_prefectures:
        for _, p in prefs.sort_values(columns.PREFECTURE_CODE).iterrows():
            pt = p.geometry.representative_point()
            ax.text(pt.x, pt.y, p[columns.PREFECTURE_NAME], ha="center", va="center", fontsize=9,
                    color="#4d4a44", alpha=0.8, zorder=3)
    ax.set_axis_off()
    # No ticks: they are not drawn, but the layout and the title placement would still
    # measure every tick label.
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")


def tiers_map(res, title: str | None = None, label: str = "provincial",
              counties: gpd.GeoDataFrame | None = None, outlines: tuple | None = None
              ) -> Figure:
    """Print map of the selected towns by tier.

    Parameters
    ----------
    res
        A :class:`~spatial_towns.pipeline.RunResult`; drawn in ``res.crs`` (metres).
    title
        Figure title (default: the run name and tier counts).
    label
        Tier whose towns are labelled with their names (``""`` for none).
    counties
        The county outlines as :func:`_counties` simplifies them (computed when omitted).
    outlines
        :func:`_outlines` of those counties (computed when omitted).

    Returns
    -------
    matplotlib.figure.Figure
    """
    # Figures are made without pyplot: nothing accumulates in pyplot's registry, and in
    # Jupyter a returned figure is shown once.
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(10, 9), layout="constrained")
        ax = fig.subplots()
        counties = _counties(res) if counties is None else counties
        metro, border, prefs = _outlines(res, counties) if outlines is None else outlines
        _base(ax, res, prefs, counties=counties)
        handles = []
        if len(metro):
            metro_colour = str(maps.METRO_STYLE["color"])
            metro.boundary.plot(ax=ax, color=metro_colour, linewidth=2.2,
                                linestyle=(0, (6, 3)), zorder=4)
            handles.append(Line2D([], [], color=metro_colour, lw=2.2,
                                  ls=(0, (6, 3)),
                                  label=f"{res.cfg.focus.metro_area} (metro area)"))
        if len(border):
            border_colour = str(maps.BORDER_STYLE["color"])
            border.boundary.plot(ax=ax, color=border_colour, linewidth=2.0,
                                 linestyle=(0, (1, 2)), zorder=4)
            handles.append(Line2D([], [], color=border_colour, lw=2.0,
                                  ls=(0, (1, 2)), label="边境地区县 (border-area counties)"))
        towns = res.towns[res.towns.geometry.notna()].to_crs(res.crs)
        unsel = towns[(towns[columns.STATUS] == "eligible") & (towns[columns.TIER] == "")]
        shape, colour, _ = maps.OTHER_SYMBOLS["unselected"]
        ax.scatter(unsel.geometry.x, unsel.geometry.y, s=6, c=colour, marker="o", lw=0,
                   alpha=0.7, zorder=5)
        tier_handles = []
        labelled, labelled_markers = towns.iloc[:0], None
        for k, t in reversed(list(enumerate(res.cfg.tiers))):
            shape, colour, _ = maps.tier_symbol(k)
            sub = towns[towns[columns.TIER] == t.name]
            size = _SIZES[min(k, len(_SIZES) - 1)]
            markers = ax.scatter(sub.geometry.x, sub.geometry.y, s=size, c=colour,
                                 marker=_MARKERS[shape], edgecolors="#222", linewidths=0.5,
                                 zorder=6 + (len(res.cfg.tiers) - k))
            tier_handles.append(Line2D([], [], ls="", marker=_MARKERS[shape], color=colour,
                                       mec="#222", mew=0.5, ms=np.sqrt(size),
                                       label=f"{t.label}示范镇 ({t.name}) · {len(sub)}"))
            if t.name == label:
                labelled, labelled_markers = sub.sort_values(columns.CODE), markers
        if label and len(labelled):
            _place_labels(ax, labelled, labelled_markers, towns[towns[columns.TIER] != ""])
        handles = tier_handles[::-1] + [
            Line2D([], [], ls="", marker="o", color=maps.OTHER_SYMBOLS["unselected"][1], ms=3,
                   label=f"未入选建制镇 (unselected) · {len(unsel)}")] + handles
        ax.legend(handles=handles, loc="lower left", fontsize=8.5, frameon=True,
                  title="示范镇等级 (tiers)", title_fontsize=9.5)
        _north_arrow(ax)
        ax.add_artist(ScaleBar(1.0, "m", location="lower right", length_fraction=0.2,
                               box_alpha=0.8, font_properties={"size": 9}))
        ax.set_title(title or f"示范镇遴选 {res.cfg.run_name}", fontsize=14)
        fig.text(0.01, 0.005, f"坐标系 (CRS): {res.crs.srs}", fontsize=6,
                 color="#666")
    return fig


def criteria_map(res, ncols: int = 4, counties: gpd.GeoDataFrame | None = None,
                 outlines: tuple | None = None) -> Figure:
    """Small multiples: one panel per scored criterion, each scored town coloured by its
    normalised value (``norm_<criterion>``: 0 worst, 1 best), panel title with the weight.

    Returns
    -------
    matplotlib.figure.Figure
    """
    used = [u for u in res.used if u.column and f"norm_{u.name}" in res.towns]
    if not used:
        raise ValueError("the run has no scored criterion to map")
    nrows = int(np.ceil(len(used) / ncols))
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(3.6 * ncols, 3.5 * nrows + 0.6), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False)
        counties = _counties(res) if counties is None else counties
        _, _, prefs = _outlines(res, counties) if outlines is None else outlines
        towns = res.towns[res.towns[columns.SCORE].notna()].to_crs(res.crs)
        sc = None
        for ax, u in zip(axes.flat, used, strict=False):  # more panels than criteria
            _base(ax, res, prefs, label_prefectures=False, counties=counties)
            v = towns[f"norm_{u.name}"]
            order = np.argsort(v.to_numpy(), kind="stable")
            sc = ax.scatter(towns.geometry.x.to_numpy()[order], towns.geometry.y.to_numpy()[order],
                            c=v.to_numpy()[order], cmap="viridis", vmin=0, vmax=1, s=7, lw=0,
                            zorder=5)
            fallback = "" if u.column == u.name else f"\n(fallback: {u.column})"
            ax.set_title(f"{u.label}  w={u.weight:.2f}{fallback}", fontsize=9)
        for ax in list(axes.flat)[len(used):]:
            ax.set_axis_off()
        assert sc is not None  # used is not empty
        fig.colorbar(sc, ax=axes, orientation="horizontal", fraction=0.04, shrink=0.5,
                     label="归一化得分 normalised (0 最差 worst … 1 最好 best)")
        fig.suptitle(f"评价指标 criteria · {res.cfg.run_name}", fontsize=13)
    return fig


def save(fig: Figure, path: str | Path, dpi: int = 200) -> Path:
    """Write ``fig`` (format from the suffix: .png or .pdf) atomically and reproducibly."""
    path = Path(path)
    meta = _PDF_META if path.suffix.lower() == ".pdf" else _PNG_META
    with matplotlib.rc_context(_rc()):
        return io.atomic_write(path, lambda p: fig.savefig(p, dpi=dpi, metadata=meta,
                                                           format=path.suffix[1:]))


#: The figures :func:`write` draws, and their files.
FIGURES = {"tiers": ("map_tiers.png", "map_tiers.pdf"), "criteria": ("criteria.png",)}


def prepare_outlines(res) -> tuple[gpd.GeoDataFrame, tuple]:
    """The simplified county outlines and their dissolved outlines (metro area, border
    area, prefectures) that both figures draw, for :func:`write`."""
    counties = _counties(res)
    return counties, _outlines(res, counties)


def write(res, out_dir: str | Path, figures: tuple[str, ...] = tuple(FIGURES),
          prepared: tuple[gpd.GeoDataFrame, tuple] | None = None) -> dict[str, Path]:
    """Write ``map_tiers.png``, ``map_tiers.pdf`` and ``criteria.png`` into ``out_dir`` (or
    the files of the ``figures`` named, keys of :data:`FIGURES`).

    Each figure is laid out once: after the first file the constrained layout is frozen, so
    the PDF is one more rendering of the same figure, not a new layout pass and rendering.
    The county outlines are simplified and dissolved once for both figures (or given as
    ``prepared``, from :func:`prepare_outlines`).
    """
    out_dir = Path(out_dir)
    files = {}
    counties, shared = prepare_outlines(res) if prepared is None else prepared
    if "tiers" in figures:
        fig = tiers_map(res, counties=counties, outlines=shared)
        files["map_tiers.png"] = save(fig, out_dir / "map_tiers.png")
        fig.set_layout_engine("none")
        files["map_tiers.pdf"] = save(fig, out_dir / "map_tiers.pdf")
    if "criteria" in figures:
        files["criteria.png"] = save(criteria_map(res, counties=counties, outlines=shared),
                                     out_dir / "criteria.png", dpi=150)
    return files
