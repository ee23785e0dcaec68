"""Input loaders (validated, in WGS84) and atomic output writers.

The input contract every module relies on:

- counties: polygons with ``county_code``, ``county_name``, ``prefecture_code``,
  ``prefecture_name`` (:func:`read_boundaries`);
- towns: points with ``code``, ``name``, ``county_code`` (:func:`read_towns`); a town without
  coordinates is kept with an empty geometry so that it can be reported, never dropped;
- seats: prefecture and county seats, points with ``code``, ``name``, ``level``;
- stations: railway station points with an optional ``station`` type;
- roads: an osmnx ``MultiDiGraph`` (:func:`read_roads`);
- population: an open rasterio dataset (:func:`read_population`);
- thematic layers for development types (:func:`read_thematic`): industrial parks or OSM
  ``landuse=industrial`` areas, and scenic / heritage sites or OSM ``tourism=*`` features.

Every vector loader takes ``frame``: the coordinate frame of the file's coordinates, an EPSG
string, ``"GCJ-02"`` for Amap (Gaode) or Tencent data, or ``"BD-09"`` for Baidu data (Baidu's
own offset on top of GCJ-02). A CSV carries no CRS, so ``frame`` is required for it. A file
that carries its own CRS is read in it; a ``frame`` that disagrees with it is an error naming
both (GCJ-02 and BD-09 are offsets of lon/lat degrees, so they may be given for a file whose
CRS is geographic, as GeoJSON always declares WGS84, but not for a projected one).
All loaders return EPSG:4326 (WGS84 lon/lat) geometries.
"""

from __future__ import annotations

import csv
import io as _io
import zipfile
from pathlib import Path
from typing import Any, overload

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .. import columns, errors
from ..util.atomic import atomic_write as atomic_write  # re-exported: io.atomic_write stays
from . import coords as _coords
from . import matching

_LON = ("lon", "lng", "longitude", "x", "经度")
_LAT = ("lat", "latitude", "y", "纬度")
#: The input headers each column is read from (a file's own header, not the town table's
#: column, although a file already in the table's schema uses the same names).
#: Input headers each column is read from: a file's own headers (a file already in the town
#: table's schema uses the same names, hence the literals).
_ALIASES = {
    "code": ("code", "town_code", "adcode_town", "编码", "代码"),
    "name": ("name", "town_name", "名称"),
    columns.COUNTY_CODE: ("county_code", "adcode", "areaCode", "county", "区县代码"),
    columns.COUNTY_NAME: ("county_name", "name", "区县"),
    columns.PREFECTURE_CODE: ("prefecture_code", "city_code", "cityCode"),
    columns.PREFECTURE_NAME: ("prefecture_name", "city_name", "city"),
    "level": ("level",),
    "station": ("station", "type"),
}


#: Largest table file read (bytes) and, for a workbook, its largest uncompressed content and
#: cell count: files from outside are read only within these bounds (a county spreadsheet is
#: far below them).
MAX_TABLE_BYTES = 50_000_000
MAX_XLSX_UNCOMPRESSED = 300_000_000
MAX_TABLE_CELLS = 5_000_000
_CSV = (".csv", ".txt")
_XLSX = (".xlsx", ".xlsm")
_VECTOR = (".gpkg", ".geojson", ".json", ".shp", ".fgb")


@overload
def read_table(path: str | Path, sheet: str | int = ..., *, header: bool = ...,
               max_bytes: int = ...) -> pd.DataFrame: ...


@overload
def read_table(path: str | Path, sheet: None, *, header: bool = ...,
               max_bytes: int = ...) -> dict[str, pd.DataFrame]: ...


def read_table(path: str | Path, sheet: str | int | None = 0, *, header: bool = True,
               max_bytes: int = MAX_TABLE_BYTES) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Read a table as text cells: the package's one table reader.

    Formats: CSV (UTF-8, else GB18030, a superset of GBK), XLSX (openpyxl with defusedxml,
    values not formulas), GeoPackage / GeoJSON / Shapefile attributes (geometry dropped) and
    (Geo)Parquet. Blank cells are missing (NA); every other cell is text as shown (codes keep
    their leading zeros; a code stored as a number loses its ``.0``).

    Parameters
    ----------
    path
        The file.
    sheet
        Sheet (XLSX) or layer (GeoPackage) name or position; ``None`` reads all of them into a
        dict by name (a CSV or Parquet file is one table named ``""``).
    header
        ``True``: the first row names the columns. ``False``: the raw grid, columns 0..n-1 and
        rows as in the file (row ``i`` of the frame is line ``i + 1``), for tables whose header
        is not on the first row.
    max_bytes
        Larger files are refused (``MAX_TABLE_BYTES``); a workbook's uncompressed content and
        cell count are bounded too.

    Returns
    -------
    pandas.DataFrame or dict of them
        ``attrs``: ``path``, ``sheet``, ``encoding`` (CSV) and ``header_row`` (1-based line
        of the header, 0 for a raw grid).

    Raises
    ------
    spatial_towns.errors.InputDataError
        Naming the file (and sheet) when it is absent, too large, unreadable or in another
        encoding.
    """
    path = Path(path)
    if not path.is_file():
        raise errors.InputDataError(f"table not found: {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise errors.InputDataError(
            f"{path}: {size / 1e6:.1f} MB is more than the {max_bytes / 1e6:.0f} MB a table may "
            "have; split it or pass a larger max_bytes")
    suffix = path.suffix.lower()
    if suffix in _CSV:
        tables = {"": _read_csv(path, header)}
    elif suffix in _XLSX:
        tables = _read_xlsx(path, sheet, header)
    elif suffix == ".xls":
        raise errors.InputDataError(
            f"{path}: the old Excel .xls format is not read; save it as .xlsx (Excel: 另存为 "
            "Excel 工作簿)")
    elif suffix in _VECTOR or suffix == ".parquet":
        tables = _read_attributes(path, sheet, header)
    else:
        raise errors.InputDataError(
            f"{path}: unsupported table format {suffix!r}; use CSV, XLSX, GeoPackage or Parquet")
    for name, df in tables.items():
        df.attrs.setdefault("path", str(path))
        df.attrs.setdefault("sheet", name)
        df.attrs.setdefault("header_row", 1 if header else 0)
    if sheet is None:
        return tables
    if suffix in _XLSX or len(tables) != 1:
        return next(iter(tables.values()))
    return tables[""] if "" in tables else next(iter(tables.values()))


def _read_csv(path: Path, header: bool) -> pd.DataFrame:
    if b"\x00" in path.read_bytes()[:4096]:
        raise errors.InputDataError(
            f"{path}: text is neither UTF-8 nor GBK/GB18030 (it looks like UTF-16); re-save it "
            "as UTF-8 (Excel: CSV UTF-8)")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = path.read_text(encoding=enc)
        except UnicodeDecodeError:
            continue
        if header:
            try:
                df = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False,
                                 na_values=[""])
            except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
                raise errors.InputDataError(f"{path}: not a readable CSV ({exc})") from None
        else:
            # A raw grid: rows may be ragged (a title line of one cell above the header).
            rows = list(csv.reader(_io.StringIO(text)))
            df = _grid(rows)
        df.attrs["encoding"] = enc
        return df
    raise errors.InputDataError(
        f"{path}: text is neither UTF-8 nor GBK/GB18030; re-save it as UTF-8"
    )


def _grid(rows: list[list]) -> pd.DataFrame:
    """A ragged list of rows as a frame of text cells (blank → NA)."""
    width = max((len(r) for r in rows), default=0)
    cells = [[_cell_text(v) for v in r] + [None] * (width - len(r)) for r in rows]
    return pd.DataFrame(cells, columns=range(width), dtype=object).astype("string")


def _cell_text(v) -> str | None:
    """A spreadsheet value as the text a person sees (a whole float without ``.0``)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v != v:
            return None
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    s = str(v)
    return None if s.strip() == "" else s


def _read_xlsx(path: Path, sheet: str | int | None, header: bool) -> dict[str, pd.DataFrame]:
    import openpyxl
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise errors.InputDataError(
            f"{path}: reading a workbook from outside needs defusedxml (pip install defusedxml)")
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        raise errors.InputDataError(f"{path}: not a readable XLSX (not a zip archive)") from None
    if unpacked > MAX_XLSX_UNCOMPRESSED:
        raise errors.InputDataError(
            f"{path}: the workbook unpacks to {unpacked / 1e6:.0f} MB (more than "
            f"{MAX_XLSX_UNCOMPRESSED / 1e6:.0f} MB); refused")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad workbook
        raise errors.InputDataError(f"{path}: not a readable XLSX ({exc})") from None
    try:
        names = wb.sheetnames
        if sheet is None:
            chosen = names
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise errors.InputDataError(f"{path}: no sheet {sheet} (sheets: {names})")
            chosen = [names[sheet]]
        else:
            if sheet not in names:
                raise errors.InputDataError(f"{path}: no sheet {sheet!r} (sheets: {names})")
            chosen = [sheet]
        out = {}
        cells = 0
        for name in chosen:
            rows = []
            for r in wb[name].iter_rows(values_only=True):
                cells += len(r)
                if cells > MAX_TABLE_CELLS:
                    raise errors.InputDataError(
                        f"{path}: more than {MAX_TABLE_CELLS:,} cells; refused")
                rows.append(list(r))
            while rows and all(_cell_text(v) is None for v in rows[-1]):
                rows.pop()  # formatted but empty rows at the end of a sheet
            grid = _grid(rows)
            if header:
                grid = _header_first_row(grid)
            out[name] = grid
    finally:
        wb.close()
    return out


def _header_first_row(grid: pd.DataFrame) -> pd.DataFrame:
    if grid.empty:
        return pd.DataFrame()
    cols = [str(c).strip() if c is not pd.NA and c is not None else f"column_{k + 1}"
            for k, c in enumerate(grid.iloc[0].tolist())]
    body = grid.iloc[1:].reset_index(drop=True)
    body.columns = cols
    return body


def _read_attributes(path: Path, sheet: str | int | None, header: bool
                     ) -> dict[str, pd.DataFrame]:
    try:
        if path.suffix.lower() == ".parquet":
            frames = {"": pd.read_parquet(path)}
        else:
            import pyogrio

            layers = [str(x[0]) for x in pyogrio.list_layers(path)]
            if sheet is None:
                chosen = layers
            elif isinstance(sheet, int):
                chosen = [layers[sheet]]
            else:
                chosen = [sheet]
            frames = {n: pd.DataFrame(gpd.read_file(path, layer=n, ignore_geometry=True))
                      for n in chosen}
    except errors.SpatialTownsError:
        raise
    except Exception as exc:  # pyogrio/arrow raise many types; name the file
        raise errors.InputDataError(f"{path}: cannot read the table's attributes ({exc})") from None
    out = {}
    for name, df in frames.items():
        df = df.drop(columns=[c for c in df.columns if c in ("geometry", "geom")])
        text = pd.DataFrame({c: [_cell_text(v) for v in df[c]] for c in df.columns},
                            dtype="string")
        text.columns = [str(c) for c in df.columns]
        if not header:
            text = pd.concat([pd.DataFrame([text.columns.tolist()], dtype="string"),
                              pd.DataFrame(text.to_numpy())], ignore_index=True)
            text.columns = range(text.shape[1])
        out[name] = text
    return out


def _pick(df: pd.DataFrame, key: str, path: Path, required: bool = True) -> str | None:
    cols = {c.lower(): c for c in df.columns}
    for alias in _ALIASES[key]:
        if alias.lower() in cols:
            return cols[alias.lower()]
    if required:
        raise errors.InputDataError(
            f"{path}: no column for {key!r} (accepted names: {', '.join(_ALIASES[key])}; "
            f"found: {', '.join(map(str, df.columns))})"
        )
    return None


def _read_vector(path: Path, layer: str | None, frame: str | None, what: str) -> gpd.GeoDataFrame:
    """Read any OGR/Parquet/CSV layer and bring it to WGS84, checking its CRS."""
    path = Path(path)
    if not path.exists():
        raise errors.InputDataError(f"{what} file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        df = read_table(path)
        enc = df.attrs["encoding"]
        lon = next((c for c in df.columns if c.lower() in _LON), None)
        lat = next((c for c in df.columns if c.lower() in _LAT), None)
        if lon is None or lat is None:
            raise errors.InputDataError(
                f"{path}: a {what} CSV needs longitude and latitude columns "
                f"(accepted: {', '.join(_LON)} / {', '.join(_LAT)})"
            )
        if frame is None:
            raise errors.CRSError(
                f"{path}: a CSV carries no coordinate frame; state it (CLI --towns-frame / "
                "frame=) as EPSG:4326 for GPS/OSM/GeoNames data, GCJ-02 for Amap data or "
                "BD-09 for Baidu data"
            )
        xs = _numeric(df[lon], path, lon)
        ys = _numeric(df[lat], path, lat)
        _check_lonlat(xs, ys, path, lon, lat)
        ok = np.isfinite(xs) & np.isfinite(ys)
        geoms = np.full(len(xs), None, dtype=object)
        geoms[ok] = shapely.points(xs[ok], ys[ok])
        gdf = gpd.GeoDataFrame(df.drop(columns=[lon, lat]), geometry=geoms, crs=None)
        gdf.attrs["encoding"] = enc
    else:
        try:
            if suffix == ".parquet":
                gdf = gpd.read_parquet(path)
            else:
                gdf = gpd.read_file(path, layer=layer)
        except Exception as exc:  # pyogrio/arrow raise many types; name the file
            raise errors.InputDataError(f"{path}: cannot read {what} layer ({exc})") from None
        if gdf.crs is None and frame is None:
            raise errors.CRSError(
                f"{path}: the {what} layer has no CRS; set one in the file or pass its frame "
                "(EPSG:4326, GCJ-02, BD-09, or the EPSG code of its projection)"
            )
        given = _coords.normalise_frame(frame) if frame is not None else None
        if given in _coords.OFFSET_FRAMES:
            if gdf.crs is not None and not gdf.crs.is_geographic:
                raise errors.CRSError(
                    f"{path}: frame {given} given but the layer is projected ({gdf.crs.name}); "
                    f"{given} coordinates are lon/lat degrees"
                )
        elif given is not None and gdf.crs is None:
            gdf = gdf.set_crs(given)
        elif given is not None and not pyproj.CRS.from_user_input(given).equals(
                gdf.crs, ignore_axis_order=True):
            raise errors.CRSError(
                f"{path}: the {what} layer's own CRS is {gdf.crs.to_string()} ({gdf.crs.name}) "
                f"but frame {frame} was given; they disagree. Drop the frame to read the file in "
                "its own CRS, or fix the CRS recorded in the file"
            )
        frame = frame or gdf.crs.to_string()
    src_frame = _coords.normalise_frame(frame)
    gdf = _coords.to_wgs84(gdf, src_frame, what)
    gdf.attrs["frame"] = src_frame
    gdf.attrs["path"] = str(path)
    return gdf


def _numeric(col: pd.Series, path: Path, name: str) -> np.ndarray:
    vals = pd.to_numeric(col, errors="coerce")
    bad = col.notna() & vals.isna()
    if bad.any():
        rows = list(bad[bad].index[:5] + 2)
        raise errors.InputDataError(
            f"{path}: column {name!r} has non-numeric values on lines {rows} "
            f"(e.g. {col[bad].iloc[0]!r})"
        )
    return vals.to_numpy(dtype=float)


def _check_lonlat(xs: np.ndarray, ys: np.ndarray, path: Path, lon: str, lat: str) -> None:
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        return
    if (np.abs(ys[ok]) > 90).any():
        hint = " — the columns look swapped" if (np.abs(xs[ok]) <= 90).all() else ""
        raise errors.CRSError(
            f"{path}: latitude column {lat!r} has values beyond ±90{hint}; "
            f"check which column is longitude ({lon!r}) and which latitude"
        )
    if (np.abs(xs[ok]) > 180).any():
        raise errors.CRSError(
            f"{path}: longitude column {lon!r} has values beyond ±180: projected metres in a "
            "lon/lat CSV? Convert to lon/lat or give a GeoPackage with its CRS"
        )


def read_towns(path: str | Path, frame: str | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read candidate towns.

    Parameters
    ----------
    path
        CSV (with lon/lat columns), GeoJSON, GeoPackage, Shapefile or GeoParquet.
    frame
        Coordinate frame of the file (``"EPSG:4326"``, ``"GCJ-02"``, ``"BD-09"``, ...). Required for CSV.
    layer
        Layer name for multi-layer files.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name``, ``county_code`` (may be empty), ``kind`` (镇/乡/街道/other from the
        name), point geometry in EPSG:4326 or None when the row has no location. A ``level``
        column, when present, keeps only ``town`` rows (NBS code lists mix levels); the count
        of other rows is recorded in ``attrs["ignored_levels"]``.
    """
    path = Path(path)
    gdf = _read_vector(path, layer, frame, "towns")
    ignored: dict[str, int] = {}
    level = _pick(gdf, "level", path, required=False)
    if level is not None:
        counts = gdf[level].value_counts()
        ignored = {str(k): int(v) for k, v in counts.items() if k != "town"}
        gdf = gdf[gdf[level] == "town"]
    code = _pick(gdf, "code", path)
    name = _pick(gdf, "name", path)
    county = _pick(gdf, columns.COUNTY_CODE, path, required=False)
    out = gpd.GeoDataFrame(
        {
            "code": gdf[code].astype("string").str.strip(),
            "name": gdf[name].astype("string").str.strip(),
            columns.COUNTY_CODE: (gdf[county].astype("string").str.strip() if county
                                  else pd.Series(pd.NA, index=gdf.index, dtype="string")),
        },
        geometry=gdf.geometry.values,
        crs=_coords.WGS84,
    ).reset_index(drop=True)
    if out.empty:
        raise errors.InputDataError(f"{path}: no towns in the file")
    missing = out["code"].isna() | (out["code"] == "")
    if missing.any():
        raise errors.InputDataError(
            f"{path}: {int(missing.sum())} town(s) without a code in column {code!r} "
            f"(rows {list(out.index[missing][:5] + 1)}); every town needs a unique code"
        )
    dup = out["code"][out["code"].duplicated(keep=False)]
    if not dup.empty:
        raise errors.InputDataError(
            f"{path}: duplicate town codes in column {code!r}: {sorted(set(dup))[:10]}; "
            "codes must be unique"
        )
    nameless = out["name"].isna() | (out["name"] == "")
    if nameless.any():
        raise errors.InputDataError(
            f"{path}: town(s) {list(out.loc[nameless, 'code'][:5])} have no name"
        )
    geom_types = set(out.geometry.dropna().geom_type)
    if geom_types - {"Point"}:
        raise errors.InputDataError(
            f"{path}: towns must be points; found {sorted(geom_types)} "
            "(use the town seat, e.g. representative_point(), for polygons)"
        )
    out["kind"] = out["name"].map(matching.town_kind)
    out.attrs.update(gdf.attrs)
    out.attrs["ignored_levels"] = ignored
    return out


def read_boundaries(path: str | Path, frame: str | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read county-level boundaries.

    Returns polygons in EPSG:4326 with ``county_code``, ``county_name``, ``prefecture_code``,
    ``prefecture_name``. Invalid polygons are repaired with ``make_valid``; empty or
    non-polygon features raise an error naming them.
    """
    path = Path(path)
    gdf = _read_vector(path, layer, frame, "boundaries")
    cols = {k: _pick(gdf, k, path) for k in
            (columns.COUNTY_CODE, columns.COUNTY_NAME, columns.PREFECTURE_CODE,
             columns.PREFECTURE_NAME)}
    out = gpd.GeoDataFrame(
        {k: gdf[c].astype(str).str.strip() for k, c in cols.items()},
        geometry=gdf.geometry.values, crs=_coords.WGS84,
    )
    empty = out.geometry.isna() | out.geometry.is_empty
    if empty.any():
        raise errors.InputDataError(
            f"{path}: county feature(s) {list(out.loc[empty, columns.COUNTY_CODE][:5])} have an "
            "empty geometry"
        )
    kinds = set(out.geom_type) - {"Polygon", "MultiPolygon"}
    if kinds:
        raise errors.InputDataError(f"{path}: boundaries must be polygons; found {sorted(kinds)}")
    invalid = ~out.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = shapely.make_valid(out.geometry[invalid].values)
        out.attrs["repaired"] = list(out.loc[invalid, columns.COUNTY_CODE])
    dup = out[columns.COUNTY_CODE][out[columns.COUNTY_CODE].duplicated()]
    if not dup.empty:
        raise errors.InputDataError(f"{path}: duplicate county codes {sorted(set(dup))}")
    out.attrs["path"] = str(path)
    out.attrs["frame"] = gdf.attrs.get("frame")
    return out


def read_seats(path: str | Path, frame: str | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read administrative seats: points with ``code``, ``name`` and ``level``
    (``prefecture`` or ``county``), EPSG:4326."""
    path = Path(path)
    gdf = _read_vector(path, layer, frame, "seats")
    cols = {k: _pick(gdf, k, path) for k in ("code", "name", "level")}
    out = gpd.GeoDataFrame({k: gdf[c].astype(str) for k, c in cols.items()},
                           geometry=gdf.geometry.values, crs=_coords.WGS84)
    bad = ~out["level"].isin(["prefecture", "county"])
    if bad.any():
        raise errors.InputDataError(
            f"{path}: column 'level' must be 'prefecture' or 'county'; found "
            f"{sorted(set(out.loc[bad, 'level']))}"
        )
    return out[out.geometry.notna()].reset_index(drop=True)


def read_stations(path: str | Path, frame: str | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read railway stations: points, with a ``station`` type column when the file has one."""
    path = Path(path)
    gdf = _read_vector(path, layer, frame, "stations")
    st = _pick(gdf, "station", path, required=False)
    out = gpd.GeoDataFrame({"station": gdf[st].astype(str) if st else "train"},
                           geometry=gdf.geometry.values, crs=_coords.WGS84)
    if "name" in gdf.columns:
        out["name"] = gdf["name"].values
    return out[out.geometry.notna()].reset_index(drop=True)


THEMATIC_KINDS = {
    "industry": "industrial parks / landuse=industrial",
    "tourism": "scenic or heritage sites / tourism=*",
}
_THEMATIC_NAME = ("name", "名称", "name:zh")
_THEMATIC_CATEGORY = ("category", "kind", "type", "grade", "landuse", "tourism", "historic",
                      "类别", "等级")


def read_thematic(path: str | Path, kind: str, frame: str | None = None,
                  layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a thematic layer used by the development types.

    Schema (any OGR format, GeoParquet, an OSM ``.pbf`` extract, or a CSV):

    - geometry: points, lines or polygons (an industrial park may be a point or its outline);
      a CSV has ``lon``/``lat`` columns (or ``lng``/``longitude``/``x``, ``latitude``/``y``,
      经度/纬度) and needs ``frame`` (``EPSG:4326``, ``GCJ-02`` or ``BD-09``);
    - ``name`` (optional; also 名称, ``name:zh``): shown in the type reason;
    - ``category`` (optional; also ``kind``, ``type``, ``grade``, ``landuse``, ``tourism``,
      ``historic``, 类别, 等级): e.g. 省级开发区, 4A景区, ``industrial``, ``attraction``.

    For a ``.pbf`` file the features are taken from OSM: ``landuse=industrial`` (kind
    ``industry``) or any ``tourism=*`` / ``historic=*`` (kind ``tourism``), see
    :func:`read_osm_pbf_thematic`.

    Parameters
    ----------
    path
        The file.
    kind
        ``"industry"`` or ``"tourism"``.
    frame
        Coordinate frame when the file has none (required for CSV).

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``category`` and geometry in EPSG:4326; features with no geometry raise an
        error naming them.
    """
    if kind not in THEMATIC_KINDS:
        raise errors.InputDataError(f"thematic layer kind {kind!r} is not one of "
                                    f"{list(THEMATIC_KINDS)}")
    path = Path(path)
    what = f"{kind} ({THEMATIC_KINDS[kind]})"
    if path.suffix.lower() == ".pbf":
        return read_osm_pbf_thematic(path, kind)
    gdf = _read_vector(path, layer, frame, what)
    cols = {c.lower(): c for c in gdf.columns}
    name = next((cols[a.lower()] for a in _THEMATIC_NAME if a.lower() in cols), None)
    cat = next((cols[a.lower()] for a in _THEMATIC_CATEGORY if a.lower() in cols), None)
    out = gpd.GeoDataFrame(
        {"name": (gdf[name].astype("string").fillna("") if name else ""),
         "category": (gdf[cat].astype("string").fillna("") if cat else "")},
        geometry=gdf.geometry.values, crs=_coords.WGS84).reset_index(drop=True)
    if out.empty:
        raise errors.InputDataError(f"{path}: the {what} layer has no features")
    empty = out.geometry.isna() | out.geometry.is_empty
    if empty.any():
        rows = list(out.index[empty][:5] + 1)
        raise errors.InputDataError(
            f"{path}: {int(empty.sum())} {kind} feature(s) without geometry (rows {rows}, "
            f"e.g. {out.loc[empty, 'name'].iloc[0]!r}); give each a location or remove it")
    invalid = ~out.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = shapely.make_valid(out.geometry[invalid].values)
    out.attrs["path"] = str(path)
    out.attrs["frame"] = gdf.attrs.get("frame")
    out.attrs["kind"] = kind
    return out


def read_osm_pbf_thematic(path: str | Path, kind: str) -> gpd.GeoDataFrame:
    """Read OSM features for a thematic layer from a ``.pbf`` extract with pyosmium.

    ``industry``: ways and multipolygons tagged ``landuse=industrial``; ``tourism``: nodes and
    areas tagged ``tourism=*`` or ``historic=*`` (category = the tag value). OSM is WGS84.
    """
    try:
        import osmium
    except ImportError:  # pragma: no cover - optional
        raise errors.InputDataError(
            f"{path}: reading OSM .pbf needs the 'osmium' package (pip install osmium)") from None
    path = Path(path)
    if not path.exists():
        raise errors.InputDataError(f"{kind} file not found: {path}")
    keys = ("landuse",) if kind == "industry" else ("tourism", "historic")
    wkb = osmium.geom.WKBFactory()
    rows: list[tuple[str, str, object]] = []
    broken = 0
    try:
        fp = osmium.FileProcessor(str(path)).with_areas().with_filter(
            osmium.filter.KeyFilter(*keys))
        for item in fp:
            obj: Any = item  # a node or an area (the filter and with_areas() give no others)
            tags = obj.tags
            cat: str | None
            if kind == "industry":
                if tags.get("landuse") != "industrial" or not obj.is_area():
                    continue
                cat = "industrial"
            else:
                cat = tags.get("tourism") or tags.get("historic")
                if not cat:
                    continue
            try:
                if obj.is_node():
                    geom = shapely.from_wkb(wkb.create_point(obj.location))
                elif obj.is_area():
                    geom = shapely.from_wkb(wkb.create_multipolygon(obj))
                else:
                    continue  # open ways: tourism areas are mapped as closed ways (areas)
            except RuntimeError:  # broken OSM geometry (e.g. unclosed ring): counted, reported
                broken += 1
                continue
            name = tags.get("name:zh") or tags.get("name") or ""
            rows.append((name, cat, geom))
    except errors.SpatialTownsError:
        raise
    except Exception as exc:
        raise errors.InputDataError(f"{path}: cannot read the OSM extract ({exc})") from None
    if not rows:
        raise errors.InputDataError(
            f"{path}: no {'landuse=industrial areas' if kind == 'industry' else 'tourism=* or historic=* features'} "
            "in the OSM extract")
    names, cats, geoms = zip(*rows, strict=False)
    out = gpd.GeoDataFrame({"name": list(names), "category": list(cats)}, geometry=list(geoms),
                           crs=_coords.WGS84)
    out.attrs.update(path=str(path), frame=_coords.WGS84, kind=kind, broken_geometries=broken)
    return out


def read_roads(path: str | Path):
    """Read a road graph: osmnx GraphML (``.graphml``), OSM XML (``.osm``/``.xml``) or OSM
    PBF (``.osm.pbf``/``.pbf``, the format of Geofabrik extracts, read with pyrosm's
    ``driving`` network).

    Returns a ``networkx.MultiDiGraph`` in the osmnx convention (node ``x``/``y``, graph
    ``crs``). Raises :class:`~spatial_towns.errors.InputDataError` for an empty graph.
    """
    import osmnx as ox

    path = Path(path)
    if not path.exists():
        raise errors.InputDataError(f"road network file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".graphml":
            G = ox.load_graphml(path)
        elif suffix in (".osm", ".xml"):
            G = simplify_roads(ox.graph_from_xml(path, simplify=False, retain_all=True))
        elif suffix == ".pbf":
            G = _graph_from_pbf(path)
        else:
            raise errors.InputDataError(
                f"{path}: unsupported road network format {suffix!r}; use .graphml, .osm or "
                ".osm.pbf"
            )
    except errors.SpatialTownsError:
        raise
    except Exception as exc:
        raise errors.InputDataError(f"{path}: cannot read the road network ({exc})") from None
    if G.number_of_nodes() == 0 or G.number_of_edges() == 0:
        raise errors.InputDataError(f"{path}: the road network has no nodes or no edges")
    if "crs" not in G.graph:
        raise errors.CRSError(f"{path}: the road graph has no 'crs' graph attribute")
    G.graph["source_path"] = str(path)
    return G


def simplify_roads(G):
    """osmnx's topological simplification, keeping every node where the road class changes.

    Plain simplification would merge e.g. a motorway ending on a county road into one edge of
    mixed class, losing the expressway access point and the class of each stretch.
    """
    import osmnx as ox

    return ox.simplify_graph(G, edge_attrs_differ=["highway"])


def _graph_from_pbf(path: Path):
    import pyrosm

    osm = pyrosm.OSM(str(path))
    nodes, edges = osm.get_network(network_type="driving", nodes=True)
    if edges is None or len(edges) == 0:
        raise errors.InputDataError(f"{path}: no drivable roads in this PBF file")
    G = osm.to_graph(nodes, edges, graph_type="networkx", osmnx_compatible=True,
                     retain_all=True, simplify=False)
    # pyrosm keeps node tags as a JSON string; expressway exits need highway=motorway_junction.
    for n, tags in zip(nodes["id"], nodes["tags"], strict=False):
        if tags and "motorway_junction" in str(tags) and n in G.nodes:
            G.nodes[n]["highway"] = "motorway_junction"
    return simplify_roads(G)


def read_population(path: str | Path):
    """Open a population raster (GeoTIFF, any CRS) and check its CRS and nodata.

    Returns an open ``rasterio`` dataset; the caller closes it.
    """
    import rasterio

    path = Path(path)
    if not path.exists():
        raise errors.InputDataError(f"population raster not found: {path}")
    try:
        ds = rasterio.open(path)
    except Exception as exc:
        raise errors.InputDataError(f"{path}: cannot open the population raster ({exc})") from None
    if ds.crs is None:
        ds.close()
        raise errors.CRSError(
            f"{path}: the population raster has no CRS; assign one "
            "(e.g. gdal_edit.py -a_srs EPSG:4326) before using it"
        )
    return ds


#: The ``last_change`` date written into a GeoPackage's ``gpkg_contents`` (GDAL's
#: ``OGR_CURRENT_DATE``): fixed, so that the same input and config give a byte-identical file
#: (GDAL would write the wall-clock time). The run's date is in the report, not here.
GPKG_DATE = "2000-01-01T00:00:00.000Z"


def write_gpkg(path: str | Path, layers: list[tuple[str, gpd.GeoDataFrame]]) -> Path:
    """Write ``layers`` (name, frame) to the GeoPackage ``path`` atomically
    (:func:`atomic_write`), with the fixed :data:`GPKG_DATE` as every layer's ``last_change``."""
    import pyogrio

    def write(p: Path) -> None:
        before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
        try:
            for name, gdf in layers:
                gdf.to_file(p, layer=name, driver="GPKG")
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})

    return atomic_write(path, write)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Atomically write a text file."""
    def write(p: Path) -> None:
        p.write_text(text, encoding=encoding)

    return atomic_write(path, write)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Atomically write a binary file (a document made in memory)."""
    def write(p: Path) -> None:
        p.write_bytes(data)

    return atomic_write(path, write)
