"""Command-line interface: ``spatial-towns run``.

Exit codes: 0 success; 1 other spatial_towns error; 2 bad configuration; 3 bad input data
(incl. CRS); 4 quotas cannot be met; 5 outputs cannot be written.
"""

from __future__ import annotations

import argparse
import sys

from . import config, errors, national, pipeline


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spatial-towns",
                                description="Select rural-revitalisation demonstration towns.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the pipeline (embedded Jilin data by default)")
    r.add_argument("--config", help="TOML config overriding the defaults")
    r.add_argument("--towns", help="towns file (CSV with lon/lat, GeoJSON, GPKG, Parquet)")
    r.add_argument("--towns-frame", help="coordinate frame of --towns: EPSG:4326, GCJ-02, ...")
    r.add_argument("--boundaries", help="county boundaries (any OGR format)")
    r.add_argument("--boundaries-frame", help="coordinate frame of --boundaries if not in the file")
    r.add_argument("--seats", help="prefecture/county seats (code, name, level)")
    r.add_argument("--seats-frame", help="coordinate frame of --seats")
    r.add_argument("--stations", help="railway stations (points, optional 'station' type)")
    r.add_argument("--stations-frame", help="coordinate frame of --stations")
    r.add_argument("--roads", help="road network: osmnx GraphML or OSM XML")
    r.add_argument("--population", help="population raster (GeoTIFF)")
    r.add_argument("--output", default="outputs", help="parent output folder (default: outputs)")
    r.add_argument("--run-name", help="name of the run folder (default from config)")
    r.add_argument("--tiles", help="optional online tile layer for the map, e.g. OpenStreetMap")
    r.add_argument("--quiet", action="store_true", help="no progress bar or summary")
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
    p.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    return p


def _run_national(args) -> int:
    cfg = config.load(args.config)
    codes = [c.strip() for c in args.provinces.split(",") if c.strip()] if args.provinces else None
    res = national.run(cfg, provinces=codes, national=args.national, output_dir=args.output,
                       run_name=args.run_name or "national", scheduler=args.scheduler,
                       serial=args.serial, n_workers=args.workers, progress=not args.quiet,
                       tiles=args.tiles)
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
            overrides = {"run_name": args.run_name} if args.run_name else None
            cfg = config.load(args.config, overrides)
            inputs = pipeline.Inputs(
                towns=args.towns, towns_frame=args.towns_frame,
                boundaries=args.boundaries, boundaries_frame=args.boundaries_frame,
                seats=args.seats, seats_frame=args.seats_frame,
                stations=args.stations, stations_frame=args.stations_frame,
                roads=args.roads, population=args.population,
            )
            res = pipeline.run(cfg, inputs, output_dir=args.output, progress=not args.quiet,
                               tiles=args.tiles)
            if not args.quiet:
                print(res.tier_counts().to_string())
                print(f"\nwrote {len(res.files)} files to {res.output_dir}:")
                for name in res.files:
                    print(f"  {name}")
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
