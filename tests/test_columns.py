"""The town table's one owner of column names (spatial_towns.columns)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

import spatial_towns
from spatial_towns import columns
from spatial_towns.criteria import indicators

PKG = Path(spatial_towns.__file__).parent

#: Every module (a new one included) names the town table's columns only through
#: spatial_towns.columns; the literals that name another table's column are in NOT_COLUMNS.
MIGRATED = tuple(sorted(p.relative_to(PKG).as_posix() for p in PKG.rglob("*.py")
                        if p.name != "columns.py"))


def test_the_exceptions_name_existing_modules():
    # a module moved or renamed leaves NOT_COLUMNS, so that its literals are checked again
    assert [m for m in NOT_COLUMNS if not (PKG / m).is_file()] == []


def _table_criteria(cfg):
    return [(c.column, c.units) for c in cfg.criteria if c.source == "table"]


def test_every_column_a_run_writes_is_described(default_run):
    # towns.gpkg (both layers) and candidates.csv as written, and the table in memory: no
    # column without an owner, each written by a known stage.
    folder = default_run.output_dir
    towns = pyogrio.read_dataframe(folder / "towns.gpkg", layer="towns")
    counties = pyogrio.read_dataframe(folder / "towns.gpkg", layer="counties")
    header = pd.read_csv(folder / "candidates.csv", nrows=0, encoding="utf-8-sig").columns
    extra = _table_criteria(default_run.cfg)
    names = set(towns.columns) | set(header) | set(default_run.towns.columns)
    unknown = sorted(n for n in names if columns.describe(n, extra) is None)
    assert unknown == []
    assert {columns.describe(n, extra).stage for n in names} <= set(columns.STAGES)
    assert set(counties.columns) <= set(columns.COUNTY)
    # the facts criteria are described from the config (their names are the config's)
    assert columns.describe("devzone_km", extra).stage == "facts"
    assert columns.describe("devzone_km") is None


def test_patterns_name_the_families():
    assert columns.describe(columns.norm("dist_rail_km")).name == "norm_<criterion>"
    assert columns.describe(columns.contrib("villages")).unit == "points of 100"
    assert columns.describe(columns.probability("provincial")).stage == "robustness"
    assert columns.describe("p_county_panel").name == "p_<tier>_panel"
    assert columns.describe("pop_within_30min").stage == "criteria"
    assert columns.describe("region_pop_60min").unit == "persons"
    assert columns.describe("no_such_column") is None


def test_the_criteria_describe_their_columns_with_the_owners_texts():
    assert indicators.UNITS  # what the report's methods quote
    for name, text in indicators.UNITS.items():
        assert columns.TOWN[name].meaning == text and columns.TOWN[name].stage == "criteria"


#: Column names other tables use too (the seats, the provinces, GeoJSON features, outcome
#: records): a literal of these may name another table's column, so the check leaves them out.
GENERIC = {columns.CODE, columns.NAME, columns.KIND, columns.GEOMETRY, columns.LON, columns.LAT}


def _owned_literals(path: Path) -> list[str]:
    """String literals (not docstrings, not inside f-strings) equal to a column name that
    spatial_towns.columns owns and only the town table uses."""
    owned = {v for k, v in vars(columns).items() if k.isupper() and isinstance(v, str)}
    owned -= {columns.ELIGIBLE, columns.EXCLUDED} | GENERIC
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in ast.walk(node))
    return sorted(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                  and isinstance(n.value, str) and n.value in owned and id(n) not in skip)


#: Literals that are no column of the town table: the run's step "score" (pipeline.stages.STEPS);
#: the input headers a towns or boundaries file is read from (data.io._ALIASES); the census
#: table's and the population grid CSV's county code and the seat supplement CSV's source
#: (data.datasets); the facts sheets' accepted headers and key role "nominated", the coverage
#: record's count "imputed" and the matched rows' "status" (data.facts); the designation
#: list's accepted headers and its "tier" column (calibration.calibrate); the transform kind
#: "rank" (config, mcda.normalise, render._labels_zh); run.json's "status" (pipeline.runrecord); the
#: map features' properties and a table header of the what-if widget (whatif.widget); the facts
#: coverage record's count "imputed" (render.report_docx).
NOT_COLUMNS = {
    "pipeline/stages.py": ["score", "score"],
    "data/io.py": ["county_code", "county_name", "prefecture_code", "prefecture_name"],
    "data/datasets.py": ["county_code", "county_code", "seat_source"],
    "data/facts.py": ["county_code", "county_name"] + ["imputed"] * 3 + ["nominated"] * 4
    + ["status"] * 3,
    "calibration/calibrate.py": ["county_code", "county_name"] + ["tier"] * 4,
    "config.py": ["rank"] * 3, "mcda/normalise.py": ["rank"] * 2, "render/_labels_zh.py": ["rank"],
    "pipeline/runrecord.py": ["status"],
    "whatif/_widget_map.py": ["score", "tier_label"], "whatif/_widget_tables.py": ["tier"],
    "render/report_docx.py": ["imputed"],
    # The designation ledger's own columns (assessment.ledger.TOWN_FIELDS: the designated towns
    # by year). They copy the identity columns of the run's town table, but their tier, reason,
    # score and rank are the assessment's, not the run's.
    "assessment/ledger.py": {"county_code": 1, "county_name": 1, "prefecture_code": 1,
                             "prefecture_name": 1, "rank": 1, "reason": 1, "score": 1, "tier": 2},
    "assessment/assessment.py": {"county_name": 1, "prefecture_name": 1, "rank": 3, "reason": 8,
                                 "score": 7, "tier": 12},
    "assessment/_rules.py": {"county_code": 2, "prefecture_code": 5, "prefecture_name": 2,
                             "rank": 5, "reason": 4, "score": 3, "tier": 7},
    "render/assessment_report.py": {"prefecture_name": 5, "rank": 2, "reason": 2, "score": 4,
                                    "tier": 4},
    "render/assessment_docx.py": {"prefecture_name": 5, "rank": 1, "reason": 1, "score": 2,
                                  "tier": 3},
}


@pytest.mark.parametrize("module", MIGRATED)
def test_migrated_modules_spell_no_column_name(module):
    assert Counter(_owned_literals(PKG / module)) == Counter(NOT_COLUMNS.get(module, []))


def test_the_literal_finder_can_fail(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('"""county_code in a docstring is fine."""\n'
                   'x = t["county_code"]\ny = f"{t[\'tier\']}"\n', encoding="utf-8")
    assert _owned_literals(src) == ["county_code"]
