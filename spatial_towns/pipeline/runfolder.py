"""The run folder: the files a run writes into ``<output>/<run_name>/`` (:func:`write_outputs`),
put in place in one step with its run.json (:func:`write_run_folder`), reading a run back from
it (:func:`read_run`) and the writability check made before a run starts
(:func:`check_writable`)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj

from .. import columns, errors
from .. import config as config_mod
from ..data import coords as _coords
from ..data import io
from ..util import atomicdir
from ..util import forked as _forked
from .records import RunResult
from .runrecord import RUN_JSON, RunRecord, failed_path, write_json


def check_writable(out_dir: Path) -> None:
    """Make sure ``out_dir`` can be written, before a run starts (``cli`` and ``national`` check
    their output folders the same way).

    Raises :class:`~spatial_towns.errors.OutputError` naming the folder.
    """
    # Folders made for the probe are removed again: a run that fails later (e.g. a quota
    # check) leaves nothing behind.
    created = [p for p in [out_dir, *out_dir.parents] if not p.exists()]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".write_test"
        probe.write_text("ok")
        probe.unlink()
        for p in created:
            p.rmdir()
    except OSError as exc:
        raise errors.OutputError(
            f"output folder {out_dir} is not writable ({exc.strerror}); choose another with "
            "--output"
        ) from None


OUTPUT_COLUMNS_FIRST = list(columns.OUTPUT_FIRST)


#: Columns of whole numbers that candidates.csv writes as integers.
INTEGER_COLUMNS = columns.INTEGER


def write_outputs(res: RunResult, out_dir: Path, *, tiles: str | None = None,
                  concurrent: bool | None = None, figures: bool = True,
                  documents: bool = True) -> dict:
    """Write candidates.csv, towns.gpkg, map.html, map_tiers.png/.pdf, criteria.png,
    report.md and config_used.json (the three print figures only when ``figures``), and the
    documents report.docx and candidates.xlsx (only when ``documents``; report.docx embeds
    the print map when it is drawn).

    With ``concurrent`` (default: on Linux with more than one CPU, see :mod:`._forked`) the
    two print figures are drawn in forked child processes while this one writes the rest;
    they run the same code on the same data, so the files are the same bytes either way.
    """
    # Presentation is loaded when a run folder is written, not with the pipeline: a run
    # without outputs (the what-if explorer, national relaxed-quota steps) never imports
    # folium or matplotlib.
    from ..render import candidates_xlsx, maps, report, report_docx
    from ..render import printmap as plot

    # The two print figures take about as long as all the other outputs each: each in a
    # child of its own, with the outlines they share prepared once.
    prints = []
    if figures:
        outlines = plot.prepare_outlines(res)
        prints = [_forked.Forked(plot.write, res, out_dir, (figure,), outlines, fork=concurrent)
                  for figure in plot.FIGURES]
    # The Excel list takes about as long as the HTML map: in a child too.
    xlsx = _forked.Forked(candidates_xlsx.write, res, out_dir, fork=concurrent) if documents else None
    towns = res.towns
    cols = OUTPUT_COLUMNS_FIRST + [c for c in towns.columns
                                   if c not in OUTPUT_COLUMNS_FIRST and c != columns.GEOMETRY]
    towns = towns[cols + [columns.GEOMETRY]]
    tier_order = {t.name: k for k, t in enumerate(res.cfg.tiers)}
    sel = towns[towns[columns.TIER] != ""].copy()
    sel["_o"] = sel[columns.TIER].map(tier_order)
    sel = sel.sort_values(["_o", columns.SCORE, columns.CODE],
                          ascending=[True, False, True]).drop(columns="_o")
    sel.insert(0, columns.TIER_LABEL, sel[columns.TIER].map({t.name: t.label for t in res.cfg.tiers}))
    sel[columns.LON] = sel.geometry.x.round(6)
    sel[columns.LAT] = sel.geometry.y.round(6)
    for col in INTEGER_COLUMNS:
        if col in sel:  # whole numbers held as floats (NaN-able); written without decimals
            sel[col] = sel[col].round().astype("Int64")
    files = {}
    files["candidates.csv"] = io.atomic_write(
        out_dir / "candidates.csv",
        lambda p: pd.DataFrame(sel.drop(columns=columns.GEOMETRY)).to_csv(
            p, index=False, encoding="utf-8-sig", float_format="%.4f"))
    gpkg = towns.copy()
    for c in gpkg.columns:
        if gpkg[c].dtype == bool:
            gpkg[c] = gpkg[c].astype(int)
    # The county layer too, so that a later step (the yearly assessment) can read the run
    # back from its folder (read_run).
    files["towns.gpkg"] = io.write_gpkg(out_dir / "towns.gpkg",
                                        [("towns", gpkg), ("counties", res.counties)])
    m = maps.from_result(res, tiles=tiles, roads=res.map_layers.get("roads"),
                         isochrones=res.map_layers.get("isochrones"))
    files["map.html"] = io.write_text(out_dir / "map.html", maps.save(m, out_dir / "map.html"))
    for job in prints:
        files.update(job.result())
    files["report.md"] = io.write_text(
        out_dir / "report.md",
        report.document(res))
    if res.facts is not None and res.facts.table is not None:
        rows = res.facts.table.rows
        files["facts_rows.csv"] = io.atomic_write(
            out_dir / "facts_rows.csv",
            lambda p: rows.to_csv(p, index=False, encoding="utf-8-sig"))
    files["config_used.json"] = io.write_text(
        out_dir / "config_used.json",
        json.dumps(res.cfg.to_dict(), ensure_ascii=False, indent=2, sort_keys=True))
    if xlsx is not None:
        files.update(report_docx.write(res, out_dir, map_png=files.get("map_tiers.png")))
        files.update(xlsx.result())
    res.output_dir = out_dir
    res.files = files
    return files


#: The files runs write into their folder (of runs before run.json listed them): any other
#: entry of an existing folder (calibrate/, validate/, a planner's notes) is carried over.
RUN_FILES = frozenset({"candidates.csv", "towns.gpkg", "map.html", "map_tiers.png",
                       "map_tiers.pdf", "criteria.png", "report.md", "facts_rows.csv",
                       "config_used.json", "report.docx", "candidates.xlsx", RUN_JSON})


def write_run_folder(res: RunResult, out_dir: Path, record: RunRecord, *, tiles: str | None = None,
                     check: Callable[[], None] | None = None) -> dict:
    """Write the run into a temporary folder beside ``out_dir`` (:func:`begin`,
    :func:`write_outputs`) and put it in place with its run.json (:func:`finish`): ``out_dir``
    is at every moment the old complete folder or the new one. ``check`` runs before the swap
    (``strict``: the run's warnings); when it raises, the old folder stays.

    Returns the files written (name → path in ``out_dir``), run.json included.
    """
    tmp = begin(out_dir)
    try:
        files = write_outputs(res, tmp, tiles=tiles)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    record.stage("report")
    res.files = finish(tmp, out_dir, record, files, check=check)
    res.output_dir = out_dir
    return res.files


def begin(out_dir: Path) -> Path:
    """The temporary folder a run writes into (beside ``out_dir``, after tidying what killed
    runs left there; see :mod:`spatial_towns.util.atomicdir`)."""
    atomicdir.recover(out_dir)
    try:
        return atomicdir.partial_folder(out_dir)
    except OSError as exc:
        raise errors.OutputError(f"cannot write to {out_dir.parent}: {exc.strerror}") from None


def finish(tmp: Path, out_dir: Path, record: RunRecord, files: dict[str, Path], *,
           check: Callable[[], None] | None = None, exit_code: int = 0) -> dict[str, Path]:
    """Complete the folder ``tmp`` (``files``: name → path in it) with what others keep in
    ``out_dir`` (:func:`carry_over`) and run.json (status ``ok``, or ``partial`` with a non-zero
    ``exit_code``: some parts failed but the outputs are written), swap it into place and
    remove a stale failure record. ``check`` runs first; if it raises, ``tmp`` is removed and
    ``out_dir`` stays as it was. Returns ``files`` with their paths in ``out_dir``."""
    try:
        if check is not None:
            check()
        carry_over(out_dir, tmp)
        files = dict(files)
        files[RUN_JSON] = write_json(tmp / RUN_JSON, record.as_dict(
            "ok" if exit_code == 0 else "partial", exit_code, files=files))
        atomicdir.swap_into_place(tmp, out_dir)
    except OSError as exc:
        raise errors.OutputError(f"cannot replace the run folder {out_dir}: {exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    failed_path(out_dir).unlink(missing_ok=True)
    return {name: out_dir / name for name in files}


def carry_over(old: Path, new: Path) -> list[str]:
    """Hard-link (else copy) into ``new`` the entries of the existing run folder ``old`` that
    are not a run's own files (those its run.json lists, or :data:`RUN_FILES`), nor hidden;
    ``old`` stays complete until the swap. Returns the names carried over."""
    if not old.is_dir():
        return []
    own = set(RUN_FILES)
    try:
        own |= set(json.loads((old / RUN_JSON).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # a folder of a run before run.json: RUN_FILES
    kept = []
    for p in sorted(old.iterdir()):
        if p.name in own or p.name.startswith(".") or (new / p.name).exists():
            continue
        if p.is_dir():
            shutil.copytree(p, new / p.name, copy_function=_link_or_copy, symlinks=True)
        else:
            _link_or_copy(p, new / p.name)
        kept.append(p.name)
    return kept


def _link_or_copy(src, dst) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@dataclass
class RunFolder:
    """A run read back from its output folder by :func:`read_run`: what later steps (the
    yearly assessment) need of it. ``towns`` and ``counties`` as in :class:`RunResult`
    (WGS84), ``cfg`` the configuration the run used, ``crs`` its metric CRS."""

    towns: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    cfg: config_mod.Config
    crs: pyproj.CRS
    output_dir: Path


def read_run(folder: str | Path) -> RunFolder:
    """Read a run's ``towns.gpkg`` (layers ``towns`` and ``counties``) and
    ``config_used.json`` from its output folder (``<output>/<run_name>/``).

    Raises :class:`~spatial_towns.errors.InputDataError` naming the missing file or layer.
    """
    folder = Path(folder)
    gpkg, used = folder / "towns.gpkg", folder / "config_used.json"
    for f in (gpkg, used):
        if not f.is_file():
            raise errors.InputDataError(
                f"run folder {folder}: {f.name} not found (give the folder a run wrote, "
                "<output>/<run_name>/)")
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    if not {"towns", "counties"} <= layers:
        raise errors.InputDataError(
            f"run folder {folder}: {gpkg.name} has layers {sorted(layers)}, needs 'towns' and "
            "'counties' (written by this version of spatial_towns; re-run the pipeline)")
    towns = gpd.read_file(gpkg, layer="towns")
    for col in columns.TEXT:
        if col in towns:
            towns[col] = towns[col].fillna("").astype(str)
    counties = gpd.read_file(gpkg, layer="counties")
    try:
        raw = json.loads(used.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise errors.InputDataError(f"run folder {folder}: {used.name} is not JSON ({exc})") from None
    cfg = config_mod.from_dict(raw, source=str(used))
    crs = _coords.metric_crs(cfg.metric_crs, tuple(counties.total_bounds))
    return RunFolder(towns=towns.to_crs(_coords.WGS84), counties=counties.to_crs(_coords.WGS84),
                     cfg=cfg, crs=crs, output_dir=folder)
