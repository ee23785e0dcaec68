"""Every hostile input gives a specific message and exit code, never a traceback; inputs that
are merely awkward (GBK, towns outside the province or without coordinates) are accepted and
every town is accounted for."""

import dataclasses

import geopandas as gpd
import pytest
import tomli_w
from hostile_cases import (
    ACCEPTED,
    CASES,
    FACTS_WARNINGS,
    PANEL_CASES,
    config_fuzz_strategies,
    run_case,
    run_panel_case,
)
from hypothesis import event, given, settings

from spatial_towns import config, errors

USER_FILES, DOCUMENTS = config_fuzz_strategies()


@pytest.mark.parametrize("title, build, code, fragment", CASES, ids=[c[0] for c in CASES])
def test_hostile_input(tmp_path, title, build, code, fragment):
    got, msg = run_case(build(tmp_path), tmp_path / "out")
    assert got == code, msg
    assert fragment in msg
    assert msg.startswith("spatial-towns: error: ") and "Traceback" not in msg


@pytest.mark.parametrize("title, build, code, fragment", PANEL_CASES,
                         ids=[c[0] for c in PANEL_CASES])
def test_bad_panel_answers(tmp_path, title, build, code, fragment):
    """A bad answer names the expert's file, the sheet and the row (spatial-towns weights)."""
    got, msg = run_panel_case(build(tmp_path), tmp_path / "out")
    assert got == code, msg
    assert fragment in msg
    assert msg.startswith("spatial-towns: error: ") and "Traceback" not in msg


@pytest.mark.parametrize("title, build", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_awkward_input_is_accepted_and_accounted(tmp_path, title, build):
    args = build(tmp_path)
    got, msg = run_case(args, tmp_path / "out")
    assert got == 0, msg
    towns_csv = args[args.index("--towns") + 1]
    n_in = sum(1 for _ in open(towns_csv, "rb")) - 1
    (gpkg,) = (tmp_path / "out").glob("*/towns.gpkg")
    # Nothing half-written is left beside the run folder (a killed run's leftovers included).
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    out = gpd.read_file(gpkg)
    assert len(out) == n_in
    assert (out["name"].str.endswith("镇")).all()  # Chinese survives, whatever the encoding
    excluded = out[out["status"] == "excluded"]
    assert (excluded["reason"] != "").all()
    if "北京镇" in set(out["name"]):
        reasons = dict(zip(out["name"], out["reason"], strict=True))
        assert "outside every county" in reasons["北京镇"]
        assert "no seat coordinates" in reasons["无坐标镇"]


@pytest.mark.parametrize("title, build, fragment", FACTS_WARNINGS,
                         ids=[c[0] for c in FACTS_WARNINGS])
def test_facts_table_warning(tmp_path, title, build, fragment):
    """Awkward facts tables are read, and what was odd is said on stderr (and in report.md),
    naming file, sheet, row and column."""
    got, msg = run_case(build(tmp_path), tmp_path / "out")
    assert got == 0, msg
    assert fragment in msg
    (report,) = (tmp_path / "out").glob("*/report.md")
    text = report.read_text(encoding="utf-8")
    if "unmatched (" in fragment:  # the report's table of unmatched rows
        assert "| f.csv |  | 3 |  | 不存在镇 |  | unmatched | no town named 不存在镇 |" in text
    else:
        assert fragment in text


@settings(max_examples=300, deadline=None, derandomize=True)
@given(USER_FILES)
def test_config_fuzz_user_files(tmp_path_factory, case):
    """A hypothesis-generated user TOML: it loads (and then writes back and reads back to the
    same configuration), or it is a ConfigError naming the file, and the key or its table;
    the CLI then says the same with exit code 2, never a traceback."""
    doc, (key, table) = case
    d = tmp_path_factory.mktemp("fuzz")
    p = d / "user.toml"
    p.write_text(tomli_w.dumps(doc), encoding="utf-8")
    try:
        cfg = config.load(p)
    except errors.ConfigError as exc:
        event("rejected")
        msg = str(exc)
        assert str(p) in msg and (key in msg or table in msg), (doc, msg)
        got, cli_msg = run_case(["--config", str(p)], d / "out")
        assert got == 2 and cli_msg == f"spatial-towns: error: {msg}", cli_msg
        return
    event("accepted")
    again = config.from_dict(cfg.to_dict(), source=cfg.source)
    assert again == dataclasses.replace(cfg, criteria_origin=())


@settings(max_examples=150, deadline=None, derandomize=True)
@given(DOCUMENTS)
def test_config_fuzz_any_document(tmp_path_factory, doc):
    """Any TOML document at all is a Config or a ConfigError naming the file."""
    p = tmp_path_factory.mktemp("fuzz") / "doc.toml"
    p.write_text(tomli_w.dumps(doc), encoding="utf-8")
    try:
        config.load(p)
        event("accepted")
    except errors.ConfigError as exc:
        event("rejected")
        assert str(p) in str(exc)
