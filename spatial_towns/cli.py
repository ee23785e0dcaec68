"""Command-line interface: ``spatial-towns run``, ``assess``, ``calibrate``, ``template``,
``validate``, ``fetch-roads``, ``cache``, ``survey`` and ``weights`` (expert panels),
``compare`` (方案比选 of run folders).

Exit codes: 0 success; 1 other spatial_towns error; 2 bad configuration; 3 bad input data
(incl. CRS); 4 quotas cannot be met; 5 outputs cannot be written; 6 warnings under --strict.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from . import columns, config, errors
from .assessment import assessment
from .calibration import backtest as validate
from .calibration import calibrate
from .data import datasets, facts, io, template
from .national import driver as national
from .panel import questionnaire
from .panel.answers import read
from .panel.group import aggregate
from .panel.hierarchy import Hierarchy
from .pipeline import records, runfolder
from .pipeline import stages as pipeline
from .render import panel_report
from .scenarios import comparison
from .util import cache as _cache

_Sub = argparse._SubParsersAction  # the subcommands' action (`sub` below); argparse names it privately


def _add_run(sub: _Sub) -> None:
    """``run``: the pipeline's inputs, outputs and the national-run options."""
    r = sub.add_parser("run", help="run the pipeline (embedded Jilin data by default)")
    r.add_argument("--config", help="TOML config overriding the defaults")
    r.add_argument("--towns", help="towns file (CSV with lon/lat, GeoJSON, GPKG, Parquet)")
    r.add_argument("--towns-frame", help="coordinate frame of --towns: EPSG:4326, GCJ-02 (Amap), BD-09 (Baidu), ...")
    r.add_argument("--boundaries", help="county boundaries (any OGR format)")
    r.add_argument("--boundaries-frame", help="coordinate frame of --boundaries if not in the file")
    r.add_argument("--seats", help="prefecture/county seats (code, name, level)")
    r.add_argument("--seats-frame", help="coordinate frame of --seats")
    r.add_argument("--stations", help="railway stations (points, optional 'station' type)")
    r.add_argument("--stations-frame", help="coordinate frame of --stations")
    r.add_argument("--roads", help="road network: osmnx GraphML, OSM XML or OSM PBF")
    r.add_argument("--population", help="population raster (GeoTIFF)")
    r.add_argument("--industry", help="industrial parks / landuse=industrial (vector, CSV or .pbf)")
    r.add_argument("--industry-frame", help="coordinate frame of --industry")
    r.add_argument("--tourism", help="scenic/heritage sites / tourism=* (vector, CSV or .pbf)")
    r.add_argument("--tourism-frame", help="coordinate frame of --tourism")
    r.add_argument("--facts", action="append", default=[], metavar="FILE",
                   help="town facts table (CSV, XLSX, GPKG, Parquet) for source = 'table' "
                   "criteria; repeatable")
    r.add_argument("--nominations", action="append", default=[], metavar="FILE",
                   help="towns nominated by their counties (code, or name + county; optional "
                   "nominated 是/否): only these are candidates; repeatable")
    r.add_argument("--panel", nargs="+", metavar="FILE",
                   help="an expert panel's filled questionnaires (.xlsx) and/or long CSVs: score "
                   "with the panel's weights ([weighting] method = 'panel'; with method = "
                   "'combined' they are its subjective part)")
    r.add_argument("--output", default="outputs", help="parent output folder (default: outputs)")
    r.add_argument("--run-name", help="name of the run folder (default from config)")
    r.add_argument("--tiles", help="optional online tile layer for the map, e.g. OpenStreetMap")
    r.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    r.add_argument("--strict", action="store_true",
                   help="every warning of the run is an error (exit code 6; for schedulers)")
    _add_national(r)


def _add_fetch_roads(sub: _Sub) -> None:
    """``fetch-roads``: download the drive network."""
    f = sub.add_parser("fetch-roads", help="download the drive network from OpenStreetMap "
                       "(online) as GraphML for --roads")
    f.add_argument("--province", default="220000",
                   help="province code whose county boundaries bound the download (default Jilin)")
    f.add_argument("--boundaries", help="county boundaries file to use instead of --province")
    f.add_argument("--boundaries-frame", help="coordinate frame of --boundaries if not in the file")
    f.add_argument("--output", help="GraphML file (default data_raw/roads_<province>.graphml in a "
                   "checkout, ./roads_<province>.graphml for an installed wheel)")
    f.add_argument("--all-roads", action="store_true",
                   help="every drivable road, not only tertiary and above (much larger)")


def _add_assess(sub: _Sub) -> None:
    """``assess``: the yearly assessment."""
    a = sub.add_parser("assess", help="yearly assessment: rank the provincial towns, commend, "
                       "criticise, eliminate and replace; append the year to the ledger")
    a.add_argument("--year", type=int, required=True, help="assessment year, e.g. 2024")
    a.add_argument("--indicators", required=True,
                   help="the year's indicator table (CSV or XLSX: code, year, indicator columns)")
    a.add_argument("--ledger", required=True, help="designation ledger (JSON Lines; created in "
                   "the first year, appended to after)")
    a.add_argument("--config", help="TOML config overriding the defaults ([assessment] rules)")
    a.add_argument("--run", help="the year's run folder (<output>/<run_name>/ written by "
                   "'spatial-towns run'); default: run the pipeline on the embedded data first")
    a.add_argument("--designation", help="first year only: CSV (code, tier) of the announced "
                   "designation; default the tiers of the pipeline run")
    a.add_argument("--crosswalk", help="town code crosswalk CSV (old_code, new_code); default "
                   "the embedded 2016↔2023 Jilin township crosswalk")
    a.add_argument("--output", default="outputs",
                   help="parent output folder; files go to <output>/assessment-<year>/")
    a.add_argument("--quiet", action="store_true", help="no summary")


def _add_calibrate(sub: _Sub) -> None:
    """``calibrate``: fit the weights past designations reveal."""
    c = sub.add_parser("calibrate", help="fit the criterion weights past designations reveal")
    c.add_argument("--designated", required=True,
                   help="CSV of designated towns: code, or name with county; optional tier")
    c.add_argument("--tier", help="use only rows of this tier (default: all rows)")
    c.add_argument("--config", help="TOML config of the run whose criteria are calibrated")
    c.add_argument("--facts", action="append", default=[], metavar="FILE",
                   help="town facts table of the run (as for run --facts); repeatable")
    c.add_argument("--output", default="outputs", help="parent output folder (default: outputs)")
    c.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    c.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples (default 200)")
    c.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def _add_template(sub: _Sub) -> None:
    """``template``: the counties' submission templates."""
    t = sub.add_parser("template", help="write XLSX templates for the counties' submissions "
                       "(one per prefecture: eligible towns, reference criteria, blank fact "
                       "columns, 是/否 nominations)")
    t.add_argument("--prefecture", help="only this prefecture (name, e.g. 长春市, or code)")
    t.add_argument("--config", help="TOML config whose source = 'table' criteria get columns")
    t.add_argument("--output", default="templates", help="folder (default: templates)")
    t.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def _add_validate(sub: _Sub) -> None:
    """``validate``: backtest the score."""
    v = sub.add_parser("validate", help="backtest the configured score on towns programmes "
                       "really recognised: ROC AUC, tier lift, top-k hit rate")
    v.add_argument("--recognised", required=True,
                   help="CSV of recognised towns: code, or name with county")
    v.add_argument("--config", help="TOML config of the run whose score is tested")
    v.add_argument("--k", type=int, action="append",
                   help="k of a top-k hit rate (repeatable; default each tier's size and the "
                   "number of recognised eligible towns)")
    v.add_argument("--draws", type=int, default=1000, help="bootstrap resamples (default 1000)")
    v.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    v.add_argument("--output", help="parent output folder for validation.md and matches.csv "
                   "(<output>/<run_name>/validate/); default: print only")
    v.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_survey(sub: _Sub) -> None:
    """``survey``: the expert panel's questionnaires."""
    s = sub.add_parser("survey", help="write AHP questionnaires (XLSX), one per expert, for the "
                       "configured criterion groups")
    s.add_argument("--config", help="TOML config whose criteria and groups are asked about")
    who = s.add_mutually_exclusive_group()
    who.add_argument("--experts", type=int, help="number of experts (files 专家01.xlsx ...; "
                     "default 5)")
    who.add_argument("--names", help="comma-separated expert names, e.g. 张三,李四")
    s.add_argument("--output", required=True, help="folder for the questionnaires")
    s.add_argument("--quiet", action="store_true", help="no summary")


def _add_weights(sub: _Sub) -> None:
    """``weights``: aggregate a panel's answers."""
    w = sub.add_parser("weights", help="read a panel's filled questionnaires (or long CSV) and "
                       "write panel.md and a TOML snippet with the aggregated weights")
    w.add_argument("--panel", nargs="+", required=True, metavar="FILE",
                   help="filled questionnaires (.xlsx) and/or long CSVs (expert, level, a, b, value)")
    w.add_argument("--config", help="TOML config the questionnaires were written for")
    w.add_argument("--aggregation", choices=["aij", "aip"],
                   help="aggregation of the experts (default: config weighting.panel_aggregation, aij)")
    w.add_argument("--inconsistent", choices=["include", "exclude"],
                   help="policy for experts with CR > max_cr (default: config, include)")
    w.add_argument("--output", default="panel", help="folder for panel.md and panel_weights.toml "
                   "(default: panel)")
    w.add_argument("--quiet", action="store_true", help="no summary")


def _add_compare(sub: _Sub) -> None:
    """``compare``: compare run folders."""
    m = sub.add_parser("compare", help="compare run folders (方案比选): per tier the towns in every "
                       "/ some / one run, entering and leaving, counts per 市(州), rank agreement, why "
                       "each town moved; writes compare.html, compare.docx and the tables")
    m.add_argument("runs", nargs="+", metavar="RUN_DIR",
                   help="run folders (<output>/<run_name>/; a what-if saved scenario is one), the "
                   "first being the reference")
    m.add_argument("--names", help="comma-separated names of the runs in the same order, e.g. "
                   "方案一,方案二 (default: the folder names)")
    m.add_argument("--output", required=True, help="folder for the comparison's files")
    m.add_argument("--quiet", action="store_true", help="no summary")


def _add_cache(sub: _Sub) -> None:
    """``cache``: show or clean the cache folder."""
    k = sub.add_parser("cache", help="show or clean the cache folder (converted boundaries, "
                       "map outlines, pinyin; $SPATIAL_TOWNS_CACHE)")
    k.add_argument("--prune", type=float, metavar="DAYS",
                   help="remove cache files not used for DAYS days (e.g. files of an older "
                   "version, never read again)")
    k.add_argument("--clear", action="store_true", help="remove every cache file")


def _add_national(r: argparse.ArgumentParser) -> None:
    """``run``'s options of a national run (an argument group, listed after the others)."""
    n = r.add_argument_group("national runs (spatial_towns.national, on Dask)")
    n.add_argument("--scope", choices=["province", "national"], default="province",
                   help="'national': every province of the national seat table")
    n.add_argument("--provinces", help="comma-separated province codes, e.g. 220000,210000")
    n.add_argument("--national", help="national Vonng/adcode seat table (default: "
                   "../shared/data/vonng-adcode-china-towns/china_towns_2016.csv)")
    n.add_argument("--scheduler", help="address of an existing Dask scheduler "
                   "(default: a LocalCluster sized to this machine)")
    n.add_argument("--workers", type=int, help="LocalCluster worker processes (default: CPUs)")
    n.add_argument("--serial", action="store_true", help="run the partitions in this process")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spatial-towns",
                                description="Select rural-revitalisation demonstration towns.")
    sub = p.add_subparsers(dest="command", required=True)
    for add in (_add_run, _add_fetch_roads, _add_assess, _add_calibrate, _add_template,
                _add_validate, _add_survey, _add_weights, _add_compare, _add_cache):
        add(sub)
    p.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    return p


def _fetch_roads(args: argparse.Namespace) -> None:
    from .data import datasets, io
    from .network import fetch

    if args.boundaries:
        counties = io.read_boundaries(args.boundaries, args.boundaries_frame)
    else:
        counties = datasets.counties(args.province)
    # Beside the embedded data in a checkout; in the current folder for an installed wheel.
    out = args.output or str((datasets.DATA_RAW if datasets.IN_CHECKOUT else Path.cwd())
                             / f"roads_{args.province}.graphml")
    print(f"downloading roads for {len(counties)} county units from OpenStreetMap "
          "(Overpass API; a province takes several minutes)...", file=sys.stderr)
    path = fetch.fetch_roads(counties.union_all(), out,
                               None if args.all_roads else fetch.MAJOR_ROADS_FILTER)
    print(f"wrote {path}; use it with: spatial-towns run --roads {path}")
def _run_national(args) -> int:
    cfg = config.load(args.config, {"national": {"facts": list(args.facts)}} if args.facts
                      else None)
    codes = [c.strip() for c in args.provinces.split(",") if c.strip()] if args.provinces else None
    res = national.run(cfg, provinces=codes, national=args.national, output_dir=args.output,
                       run_name=args.run_name or "national", scheduler=args.scheduler,
                       serial=args.serial, n_workers=args.workers, progress=not args.quiet,
                       tiles=args.tiles, strict=args.strict)
    failed = res.provinces[res.provinces["error"] != ""]
    if not args.quiet:
        cols = [c for c in ("province_code", "province_name", "towns", "eligible", "provincial",
                            "municipal", "county") if c in res.provinces.columns]
        print(res.provinces[cols].to_string(index=False))
        print(f"\n{len(res.provinces) - len(failed)} of {len(res.provinces)} provinces done in "
              f"{res.wall_s:.1f} s; wrote {len(res.files)} files to {res.output_dir} "
              "(per-province outputs in provinces/)")
    for r in failed.itertuples():
        print(f"spatial-towns: province {r.province_code} {r.province_name} failed: {r.error}",
              file=sys.stderr)
    # Other provinces' outputs are written, but a failed province is an error of the run.
    return max(res.exit_codes.values(), default=0)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run" and (args.scope == "national" or args.provinces):
            return _run_national(args)
        if args.command == "run":
            overrides: dict = {"run_name": args.run_name} if args.run_name else {}
            if args.panel:
                combined = config.load(args.config).weighting.method == "combined"
                overrides["weighting"] = {"method": "combined" if combined else "panel",
                                          "panel": [str(Path(p).resolve()) for p in args.panel]}
                if combined:
                    overrides["weighting"]["subjective"] = "panel"
            cfg = config.load(args.config, overrides or None)
            inputs = records.Inputs(
                towns=args.towns, towns_frame=args.towns_frame,
                boundaries=args.boundaries, boundaries_frame=args.boundaries_frame,
                seats=args.seats, seats_frame=args.seats_frame,
                stations=args.stations, stations_frame=args.stations_frame,
                roads=args.roads, population=args.population,
                industry=args.industry, industry_frame=args.industry_frame,
                tourism=args.tourism, tourism_frame=args.tourism_frame,
                facts=list(args.facts), nominations=list(args.nominations),
            )
            res = pipeline.run(cfg, inputs, output_dir=args.output, progress=not args.quiet,
                               tiles=args.tiles, strict=args.strict)
            _facts_messages(res)
            if not args.quiet:
                print(res.tier_counts().to_string())
                print(f"\nwrote {len(res.files)} files to {res.output_dir}:")
                for name in res.files:
                    print(f"  {name}")
        elif args.command == "fetch-roads":
            _fetch_roads(args)
        elif args.command == "assess":
            cfg = config.load(args.config)
            run = args.run or pipeline.run(cfg, output_dir=None, progress=False)
            ares = assessment.assess(args.year, args.indicators, args.ledger, cfg=cfg, run=run,
                                     designation=args.designation, crosswalk=args.crosswalk,
                                     output_dir=args.output)
            if not args.quiet:
                if ares.already:
                    print(ares.notes[0])
                for ev in ("commended", "criticised", "eliminated", "promoted", "backfilled"):
                    towns = ares.events(ev)
                    print(f"{ev}: {len(towns)}" + (": " + ", ".join(
                        f"{n} {c}" for c, n in zip(towns.index, towns["name"], strict=True)) if len(towns) else ""))
                for w in ares.warnings:
                    print(f"warning: {w}")
                print(f"\nwrote {len(ares.files)} files:")
                for name, path in ares.files.items():
                    print(f"  {name}: {path}")
        elif args.command == "calibrate":
            _calibrate(args)
        elif args.command == "template":
            cfg = config.load(args.config)
            res = pipeline.run(cfg, output_dir=None, progress=not args.quiet)
            paths = template.write(res, args.output, prefecture=args.prefecture)
            if not args.quiet:
                print(f"wrote {len(paths)} template(s) to {args.output}:")
                for p in paths:
                    print(f"  {p.name}")
        elif args.command == "validate":
            _validate(args)
        elif args.command == "cache":
            _cache_command(args)
        elif args.command == "compare":
            _compare(args)
        elif args.command == "survey":
            _survey(args)
        elif args.command == "weights":
            _weights(args)
    except errors.SpatialTownsError as exc:
        print(f"spatial-towns: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug of ours: say so in one line; --debug shows the traceback
        if args.debug:
            raise
        print(f"spatial-towns: internal error ({type(exc).__name__}: {exc}); please report it "
              "with the command and re-run with --debug for the traceback", file=sys.stderr)
        return 1
    return 0


def _compare(args) -> None:
    names = [n.strip() for n in args.names.split(",")] if args.names else None
    with warnings.catch_warnings(record=True):  # printed below, as one line each
        warnings.simplefilter("always")
        cmp = comparison.compare(args.runs, names=names, output_dir=args.output)
    for w in cmp.warnings:
        print(f"spatial-towns: warning: {w}", file=sys.stderr)
    if args.quiet:
        return
    print(cmp.summary().to_string(float_format=lambda v: f"{v:.3f}"))
    labels = {"": "-", **cmp.tier_labels}
    for alt in cmp.names[1:]:
        print(f"\n{alt} against {cmp.names[0]}:")
        for t in cmp.tier_names:
            for move in ("entering", "leaving"):
                m = cmp.moves[(cmp.moves["alternative"] == alt) & (cmp.moves[columns.TIER] == t)
                              & (cmp.moves["move"] == move)]
                print(f"  {labels[t]} {move} ({len(m)}): "
                      + ", ".join(f"{r.name} {r.code}" for r in m.itertuples()))
    ra = cmp.rank_agreement
    for r in ra.itertuples():
        print(f"rank agreement {r.first} / {r.second} over {r.towns} towns: Kendall tau "
              f"{r.kendall_tau:.3f}, Spearman rho {r.spearman_rho:.3f}")
    print(f"{len(cmp.changes)} tier change(s), each with its reason in compare_changes.csv")
    print(f"\nwrote {len(cmp.files)} files to {args.output}:")
    for name in cmp.files:
        print(f"  {name}")


def _cache_command(args) -> None:
    folder = datasets.cache_dir()
    if args.clear or args.prune is not None:
        n, size = _cache.prune(folder, None if args.clear else args.prune)
        print(f"removed {n} cache file(s), {size / 1e6:.1f} MB, from {folder}")
    files = _cache.entries(folder)
    print(f"{folder}: {len(files)} cache file(s), "
          f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB "
          f"(set {datasets.CACHE_ENV} to use another folder)")


def _survey(args) -> None:

    cfg = config.load(args.config)
    names = args.names.split(",") if args.names else None
    experts = questionnaire.expert_names(experts=args.experts, names=names)
    paths = questionnaire.write(Hierarchy.from_criteria(cfg.criteria), args.output, experts)
    if not args.quiet:
        print(f"wrote {len(paths)} questionnaire(s) to {args.output}:")
        for p in paths:
            print(f"  {p.name}")
        print(f"send them to the experts; read the answers back with: spatial-towns weights "
              f"--panel {Path(args.output) / '*.xlsx'}" + (f" --config {args.config}"
                                                           if args.config else ""))


def _weights(args) -> None:

    cfg = config.load(args.config)
    w = cfg.weighting
    panel = read(args.panel, Hierarchy.from_criteria(cfg.criteria))
    pw = aggregate(panel, method=args.aggregation or w.panel_aggregation,
                   inconsistent=args.inconsistent or w.inconsistent, max_cr=w.max_cr)
    total = sum(c.weight for c in cfg.criteria)
    ref = {c.column: c.weight / total for c in cfg.criteria} if total > 0 else None
    out = Path(args.output)
    runfolder.check_writable(out)
    files = {
        "panel.md": io.write_text(out / "panel.md", panel_report.markdown(pw, reference=ref)),
        "panel_weights.toml": io.write_text(out / "panel_weights.toml",
                                            panel_report.toml_snippet(pw, cfg.criteria)),
        "panel_judgements.csv": io.atomic_write(out / "panel_judgements.csv", lambda p: (
            panel.to_long().to_csv(p, index=False, encoding="utf-8-sig"))),
    }
    for msg in pw.warnings:
        print(f"spatial-towns: panel: warning: {msg}", file=sys.stderr)
    if not args.quiet:
        print(pw.table().drop(columns=["revisit"]).to_string(
            index=False, float_format=lambda v: f"{v:.3f}"))
        print("\nglobal weights:")
        print(pw.global_weights.to_string(float_format=lambda v: f"{v:.4f}"))
        print(f"\nconsensus S* {pw.consensus_overall:.3f}; wrote {len(files)} files to {out}:")
        for name in files:
            print(f"  {name}")
        print(f"use the weights with: spatial-towns run --config {out / 'panel_weights.toml'}")


def _facts_messages(res, limit: int = 30) -> None:
    """Facts-table warnings and unmatched rows on stderr (also in report.md)."""
    msgs = facts.messages(res.facts)
    for m in msgs[:limit]:
        print(f"spatial-towns: facts: {m}", file=sys.stderr)
    if len(msgs) > limit:
        print(f"spatial-towns: facts: ... {len(msgs) - limit} more in report.md and "
              "facts_rows.csv", file=sys.stderr)


def _calibrate(args) -> None:
    designated = calibrate.read_designated(args.designated)
    cfg = config.load(args.config)
    res = pipeline.run(cfg, records.Inputs(facts=list(args.facts)), output_dir=None,
                       progress=not args.quiet)
    matches = calibrate.match(designated, res.towns)
    fit = calibrate.WeightCalibration.from_run(res, matches, tier=args.tier, seed=args.seed,
                                               n_boot=args.bootstrap).solve()
    out = Path(args.output) / cfg.run_name / "calibrate"
    runfolder.check_writable(out)
    src = str(args.designated)
    files = {
        "calibration.md": io.write_text(out / "calibration.md",
                                        calibrate.report(fit, matches, src)),
        "calibrated_config.toml": io.write_text(out / "calibrated_config.toml",
                                                calibrate.config_toml(fit, cfg, src)),
        "matches.csv": io.atomic_write(out / "matches.csv", lambda p: matches.to_csv(
            p, index=False, encoding="utf-8-sig")),
    }
    if not args.quiet:
        w = fit.weights[["weight", "ci_low", "ci_high", "current"]]
        print(w.to_string(float_format=lambda v: f"{v:.3f}"))
        print(f"\ncross-validated ROC AUC {fit.cv_auc:.3f}, top-{fit.k} hit rate "
              f"{fit.cv_topk_hit:.3f}; current weights: AUC {fit.baseline_auc:.3f}")
        um = matches[~matches["matched"]]
        for r in um.itertuples():
            print(f"unmatched row {r.row}: {r.name or r.code} {r.county} — {r.how}")
        print(f"\nwrote {len(files)} files to {out} (the run's own config is unchanged):")
        for name in files:
            print(f"  {name}")


def _validate(args) -> None:
    recognised = validate.read_recognised(args.recognised)
    cfg = config.load(args.config)
    res = pipeline.run(cfg, output_dir=None, progress=not args.quiet)
    v = validate.validate(res.towns, recognised, tiers=cfg.tiers, ks=args.k, draws=args.draws,
                          seed=args.seed, source=str(args.recognised))
    text = v.to_markdown()
    print(text)
    if args.output:
        out = Path(args.output) / cfg.run_name / "validate"
        runfolder.check_writable(out)
        io.write_text(out / "validation.md", text)
        io.atomic_write(out / "matches.csv", lambda p: v.matches.to_csv(
            p, index=False, encoding="utf-8-sig"))
        print(f"wrote validation.md and matches.csv to {out}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
