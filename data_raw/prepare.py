"""Trim the openly licensed Jilin reference layers in ``../shared/data`` into ``data_raw/``.

Run once from the repository root (``python data_raw/prepare.py``); the outputs are committed
as the package's embedded default. Only rows and columns the package reads are kept; values are
copied unchanged (coordinates stay in their source frame, GCJ-02 for the adcode file).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
OUT = Path(__file__).resolve().parent


def main() -> None:
    adcode = pd.read_csv(SHARED / "vonng-adcode-jilin" / "jilin_adcode_2016.csv", dtype=str)
    keep = adcode[adcode["level"].isin(["province", "city", "county", "town"])]
    cols = ["code", "parent", "name", "level", "adcode", "longitude", "latitude", "city", "county"]
    keep[cols].to_csv(OUT / "jilin_admin_seats_2016_gcj02.csv", index=False, encoding="utf-8")

    streets = pd.read_csv(SHARED / "china-division-jilin" / "jilin_streets_2023.csv", dtype=str)
    streets[["code", "name", "areaCode"]].to_csv(
        OUT / "jilin_townships_2023.csv", index=False, encoding="utf-8"
    )

    pop = pd.read_csv(
        SHARED / "tudigong-census2020-jilin" / "jilin_county_population.csv", dtype=str
    )
    pop[["CODE", "NAME", "POPU", "POPU_URB"]].to_csv(
        OUT / "jilin_county_census_2020.csv", index=False, encoding="utf-8"
    )

    src = SHARED / "osm-railway-stations-jilin" / "jilin_railway_stations_osm_2025.geojson"
    gj = json.loads(src.read_text(encoding="utf-8"))
    for feat in gj["features"]:
        feat["properties"] = {k: feat["properties"].get(k) for k in ("name", "station")}
    (OUT / "jilin_railway_stations_osm_2025.geojson").write_text(
        json.dumps(gj, ensure_ascii=False), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
