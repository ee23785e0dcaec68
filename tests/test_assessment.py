"""Worked examples of the yearly assessment rules (plan 六(三) 严格考核考评).

The towns are real (the session's default run on the embedded Jilin data), but the
designations and indicator values below are HAND-MADE SYNTHETIC examples chosen to trigger
each rule; none is a real assessment.
"""

import json

import pandas as pd
import pytest

from spatial_towns import cli, config, errors
from spatial_towns.assessment import assessment
from spatial_towns.assessment import ledger as _ledger
from spatial_towns.pipeline import records
from spatial_towns.pipeline import stages as pipeline


def _cfg(**rules):
    """One indicator ``perf`` and no spatial weight, so the hand-made values decide."""
    a = {"commend_top": 1, "criticise_bottom": 1, "spatial_weight": 0.0,
         "indicators": [{"column": "perf", "direction": "benefit", "weight": 1.0}]}
    a.update(rules)
    return config.load(overrides={"assessment": a})


@pytest.fixture(scope="module")
def world(default_run):
    """Prefecture A (辽源市) and B (白城市): A has exactly 2 provincial towns."""
    el = default_run.towns[default_run.towns["status"] == "eligible"]
    A = sorted(el.loc[el["prefecture_name"] == "辽源市", "code"])
    B = sorted(el.loc[el["prefecture_name"] == "白城市", "code"])
    return {"run": default_run, "A": A, "B": B,
            "prov": [A[0], A[1], B[0], B[1], B[2]], "muni": [A[2], A[3], B[3]]}


def _designation(tmp_path, prov, muni, county=()):
    rows = [(c, "provincial") for c in prov] + [(c, "municipal") for c in muni]
    rows += [(c, "county") for c in county]
    p = tmp_path / "designation.csv"
    pd.DataFrame(rows, columns=["code", "tier"]).to_csv(p, index=False)
    return p


def _ind(tmp_path, year, perf, extra=None):
    df = pd.DataFrame({"code": list(perf), "year": year, "perf": list(perf.values()),
                       "source": "SYNTHETIC hand-made test values"})
    for k, v in (extra or {}).items():
        df[k] = v
    p = tmp_path / f"ind_{year}.csv"
    df.to_csv(p, index=False)
    return p


def _perf(w, low=(), value=None):
    """Everyone in the pool 50 + a spread; towns in ``low`` get 1 (the bottom)."""
    codes = w["prov"] + w["muni"]
    out = {c: 50.0 + k for k, c in enumerate(codes)}
    for c in low:
        out[c] = 1.0
    out.update(value or {})
    return out


def _assess(tmp_path, w, year, perf, cfg, designation=None, output=False, run=None, **kw):
    model = assessment.YearlyAssessment.from_files(
        year, _ind(tmp_path, year, perf), tmp_path / "ledger.jsonl", cfg=cfg,
        run=run or w["run"], designation=designation, **kw)
    res = model.solve()
    if output:
        assessment.write_outputs(res, tmp_path / "out")
    else:  # commit the ledger only (the report and map are tested separately)
        _ledger.append(res.ledger, res.town_lines, res.year_record) if not res.already else None
    return res


def test_first_year_records_selection_commendation_and_criticism(tmp_path, world):
    w, cfg = world, _cfg()
    des = _designation(tmp_path, w["prov"], w["muni"])
    res = _assess(tmp_path, w, 2023, _perf(w, low=[w["A"][0]]), cfg, designation=des)
    assert set(res.towns.index) == set(w["prov"] + w["muni"])
    assert all("selected" in e for e in res.towns["events"])
    assert list(res.events("criticised").index) == [w["A"][0]]
    best = max(w["prov"], key=lambda c: _perf(w, low=[w["A"][0]])[c])
    assert list(res.events("commended").index) == [best]
    assert res.events("eliminated").empty
    led = _ledger.read(tmp_path / "ledger.jsonl")
    assert led.assessed_years() == [2023]
    head = json.loads((tmp_path / "ledger.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert head == {"kind": "header", "schema": _ledger.SCHEMA, "schema_version": 1}


def test_tie_at_the_bottom_is_broken_by_spatial_score_then_code(tmp_path, world):
    w, cfg = world, _cfg()
    des = _designation(tmp_path, w["prov"], w["muni"])
    a, b = w["A"][0], w["B"][0]
    res = _assess(tmp_path, w, 2023, _perf(w, low=[a, b]), cfg, designation=des)
    sp = w["run"].towns.set_index("code")["score"]
    # the lower spatial score ranks last (equal spatial scores: the larger code ranks last)
    loser = min((a, b), key=lambda c: (sp[c], [-ord(ch) for ch in c]))
    assert list(res.events("criticised").index) == [loser]
    assert res.ranking.index[-1] == loser
    assert any("Tie at the criticised cut-off" in n for n in res.notes)
    # row order of the table does not matter
    res2 = assessment.YearlyAssessment.from_files(
        2023, _ind(tmp_path, 2023, dict(reversed(list(_perf(w, low=[a, b]).items())))),
        tmp_path / "other.jsonl", cfg=cfg, run=w["run"], designation=des).solve()
    assert list(res2.ranking.index) == list(res.ranking.index)


def test_two_bottom_years_eliminate_and_replace_from_the_same_prefecture(tmp_path, world):
    w = world
    cfg = _cfg(replacement_prefecture="when_needed", backfill_municipal=True)
    des = _designation(tmp_path, w["prov"], w["muni"])
    a0 = w["A"][0]
    # B's municipal town scores best, but A has exactly 2 provincial towns: A must refill
    perf = _perf(w, low=[a0], value={w["B"][3]: 99.0, w["A"][2]: 60.0, w["A"][3]: 70.0})
    _assess(tmp_path, w, 2023, perf, cfg, designation=des)
    res = _assess(tmp_path, w, 2024, perf, cfg, output=True)
    assert list(res.events("eliminated").index) == [a0]
    assert list(res.events("promoted").index) == [w["A"][3]]      # best municipal of A
    assert res.towns.at[a0, "tier"] == ""
    assert res.towns.at[w["A"][3], "tier"] == "provincial"
    after = res.towns[res.towns["tier"] == "provincial"]
    assert (after["prefecture_name"] == "辽源市").sum() == 2
    report = (tmp_path / "out" / "assessment-2024" / "report.md").read_text(encoding="utf-8")
    assert "would have 1 provincial towns, minimum 2" in report
    assert "eliminated → " in report
    # backfill on: the promoted town's municipal place is refilled in its prefecture by the
    # best eligible town outside the two upper tiers (spatial score); none is county tier here
    back = res.events("backfilled")
    assert len(back) == 1 and back["prefecture_name"].iloc[0] == "辽源市"
    t = w["run"].towns
    untiered = t[(t["status"] == "eligible") & (t["prefecture_name"] == "辽源市")
                 & ~t["code"].isin(w["prov"] + w["muni"])]
    assert back.index[0] == untiered.sort_values(["score", "code"],
                                                 ascending=[False, True])["code"].iloc[0]


def test_when_needed_takes_best_province_wide_if_the_prefecture_keeps_its_minimum(tmp_path, world):
    w = world
    cfg = _cfg(replacement_prefecture="when_needed")
    des = _designation(tmp_path, w["prov"], w["muni"])
    b0 = w["B"][0]                                   # B has 3 provincial towns
    perf = _perf(w, low=[b0], value={w["A"][2]: 99.0})
    _assess(tmp_path, w, 2023, perf, cfg, designation=des)
    res = _assess(tmp_path, w, 2024, perf, cfg)
    assert list(res.events("promoted").index) == [w["A"][2]]
    # ... and with the default "always", B's own municipal town is taken
    des2 = tmp_path / "d2"
    des2.mkdir()
    _assess(des2, w, 2023, perf, _cfg(), designation=des)
    res = _assess(des2, w, 2024, perf, _cfg())
    assert list(res.events("promoted").index) == [w["B"][3]]


@pytest.mark.parametrize("mode", ["warn", "error"])
def test_no_municipal_town_left_in_the_prefecture(tmp_path, world, mode):
    w = world
    cfg = _cfg(no_same_prefecture=mode)
    des = _designation(tmp_path, w["prov"], [w["B"][3]])          # none in A
    a0 = w["A"][0]
    perf = {c: v for c, v in _perf(w, low=[a0]).items() if c in w["prov"] + [w["B"][3]]}
    _assess(tmp_path, w, 2023, perf, cfg, designation=des)
    if mode == "error":
        with pytest.raises(errors.QuotaError, match="辽源市 has no municipal town"):
            _assess(tmp_path, w, 2024, perf, cfg)
        assert _ledger.read(tmp_path / "ledger.jsonl").assessed_years() == [2023]
        return
    res = _assess(tmp_path, w, 2024, perf, cfg)
    assert list(res.events("promoted").index) == [w["B"][3]]
    assert any(m.startswith("QUOTA: 辽源市 has no municipal town") and "below the minimum of 2" in m
               for m in res.warnings)


@pytest.mark.parametrize("streak, eliminated", [("calendar", False), ("assessments", True)])
def test_a_skipped_year(tmp_path, world, streak, eliminated):
    w = world
    cfg = _cfg(streak=streak)
    des = _designation(tmp_path, w["prov"], w["muni"])
    a0 = w["A"][0]
    _assess(tmp_path, w, 2023, _perf(w, low=[a0]), cfg, designation=des)
    res = _assess(tmp_path, w, 2025, _perf(w, low=[a0]), cfg)          # 2024 not assessed
    assert list(res.events("criticised").index) == [a0]
    assert (not res.events("eliminated").empty) is eliminated
    if not eliminated:
        assert any("2024 was not assessed" in n for n in res.notes)
    # and the ledger refuses to insert the skipped year afterwards
    with pytest.raises(errors.InputDataError, match="append-only"):
        _assess(tmp_path, w, 2024, _perf(w), cfg)


def test_real_recoded_town_is_followed_through_the_crosswalk(tmp_path, world):
    xw = assessment.crosswalk_2016_2023(world["run"].counties)
    pairs = set(zip(xw["old_code"], xw["new_code"], strict=True))
    # real code changes between the 2016 and 2023 lists (data_raw/): 齐家镇 renumbered in
    # 双阳区, 范家屯镇 moved with 公主岭市 from Siping (220381) to Changchun (220184)
    assert ("220112100", "220112104") in pairs and ("220381103", "220184103") in pairs
    w = world
    qi = "220112100000"
    prov = w["prov"] + [qi, "220381103000"]
    des = _designation(tmp_path, prov, w["muni"])
    cfg = _cfg()
    perf = {**_perf(w), qi: 45.0, "220381103000": 41.0}
    _assess(tmp_path, w, 2023, perf, cfg, designation=des)
    perf24 = {("220112104" if c == qi else c): v for c, v in perf.items()}
    res = _assess(tmp_path, w, 2024, perf24, cfg)
    assert res.towns.at[qi, "code_reported"] == "220112104"
    assert "recoded" in res.towns.at[qi, "events"]
    assert any("220112104" in m and "crosswalk" in m for m in res.warnings)
    vals = [perf[c] for c in prov]  # its value was used, not dropped (provincial scale)
    assert res.towns.at[qi, "score"] == pytest.approx(
        100 * (45 - min(vals)) / (max(vals) - min(vals)))


def test_hand_made_rename_is_recorded(tmp_path, world):
    w, cfg = world, _cfg()
    des = _designation(tmp_path, w["prov"], w["muni"])
    _assess(tmp_path, w, 2023, _perf(w), cfg, designation=des)
    towns = w["run"].towns.copy()
    code = w["B"][1]
    old = towns.loc[towns["code"] == code, "name"].iloc[0]
    towns.loc[towns["code"] == code, "name"] = "新名镇"                # HAND-MADE rename
    run2 = records.RunResult(**{**w["run"].__dict__, "towns": towns})
    res = _assess(tmp_path, w, 2024, _perf(w), cfg, run=run2)
    assert "renamed" in res.towns.at[code, "events"]
    assert f"renamed {old} → 新名镇" in res.towns.at[code, "reason"]
    assert res.towns.at[code, "name"] == "新名镇"


def test_rerun_is_idempotent_and_different_inputs_are_refused(tmp_path, world):
    w, cfg = world, _cfg()
    des = _designation(tmp_path, w["prov"], w["muni"])
    _assess(tmp_path, w, 2023, _perf(w), cfg, designation=des)
    _assess(tmp_path, w, 2024, _perf(w), cfg)
    before = (tmp_path / "ledger.jsonl").read_bytes()
    res = _assess(tmp_path, w, 2024, _perf(w), cfg, output=True)
    assert res.already and "idempotent" in res.notes[0]
    assert (tmp_path / "ledger.jsonl").read_bytes() == before
    report = (tmp_path / "out" / "assessment-2024" / "report.md").read_text(encoding="utf-8")
    assert "Re-run" in report
    with pytest.raises(errors.InputDataError, match="already in ledger .* append-only"):
        _assess(tmp_path, w, 2024, _perf(w, low=[w["A"][0]]), cfg)
    assert (tmp_path / "ledger.jsonl").read_bytes() == before


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()])
def test_interrupted_write_leaves_the_ledger_intact(tmp_path, world, monkeypatch, exc):
    w, cfg = world, _cfg()
    des = _designation(tmp_path, w["prov"], w["muni"])
    _assess(tmp_path, w, 2023, _perf(w), cfg, designation=des)
    before = (tmp_path / "ledger.jsonl").read_bytes()
    res = assessment.YearlyAssessment.from_files(
        2024, _ind(tmp_path, 2024, _perf(w)), tmp_path / "ledger.jsonl", cfg=cfg,
        run=w["run"]).solve()

    def half_then_fail(path, data):
        with open(path, "wb") as fh:
            fh.write(data[: len(data) // 2])
        raise exc

    monkeypatch.setattr(_ledger, "_write_bytes", half_then_fail)
    with pytest.raises((errors.OutputError, KeyboardInterrupt)):
        assessment.write_outputs(res, tmp_path / "out")
    assert (tmp_path / "ledger.jsonl").read_bytes() == before
    assert sorted(p.name for p in tmp_path.glob(".ledger*")) == []
    assert _ledger.read(tmp_path / "ledger.jsonl").assessed_years() == [2023]


def test_damaged_or_edited_ledger_is_refused(tmp_path, world):
    w, cfg = world, _cfg()
    des = _designation(tmp_path, w["prov"], w["muni"])
    _assess(tmp_path, w, 2023, _perf(w), cfg, designation=des)
    path = tmp_path / "ledger.jsonl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")              # truncated
    with pytest.raises(errors.InputDataError, match="incomplete|damaged"):
        _ledger.read(path)
    lines = text.splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")                  # no year record
    with pytest.raises(errors.InputDataError, match="no year record"):
        _ledger.read(path)
    path.write_text(text.replace('"tier":"provincial"', '"tier":"municipal"', 1), encoding="utf-8")
    with pytest.raises(errors.InputDataError, match="SHA-256"):
        _ledger.read(path)
    path.write_text(text.replace('"schema_version":1', '"schema_version":9'), encoding="utf-8")
    with pytest.raises(errors.InputDataError, match="schema_version 9"):
        _ledger.read(path)


def test_indicator_table_validation(tmp_path, world):
    w, cfg = world, _cfg()
    des = _designation(tmp_path, w["prov"], w["muni"])
    run = w["run"]

    def model(perf, **extra):
        p = _ind(tmp_path, 2023, perf, extra)
        return assessment.YearlyAssessment.from_files(2023, p, tmp_path / "l.jsonl", cfg=cfg,
                                                      run=run, designation=des)

    # unknown code and an unconfigured column: listed warnings, not fatal
    res = model({**_perf(w), "229999999000": 3.0}, remark=["x"] * 9).solve()
    assert any("unknown town code 229999999000" in m for m in res.warnings)
    assert any("['remark']" in m for m in res.warnings)
    # a municipal town without a row: warning, not a candidate
    perf = _perf(w)
    del perf[w["muni"][0]]
    res = model(perf).solve()
    assert any(w["muni"][0] in m and "no row" in m for m in res.warnings)
    assert w["muni"][0] not in res.candidates.index
    # a provincial town without a row, or a blank value: fatal, named
    perf = _perf(w)
    del perf[w["prov"][2]]
    with pytest.raises(errors.InputDataError, match=f"{w['prov'][2]}: no row"):
        model(perf).solve()
    with pytest.raises(errors.InputDataError, match=f"{w['prov'][1]}: no value for perf"):
        model({**_perf(w), w["prov"][1]: None}).solve()
    with pytest.raises(errors.InputDataError, match=f"{w['prov'][0]}/perf='n/a'"):
        model({**_perf(w), w["prov"][0]: "n/a"})
    p = tmp_path / "bad.csv"
    pd.DataFrame({"code": w["prov"], "year": 2023}).to_csv(p, index=False)
    with pytest.raises(errors.InputDataError, match=r"missing column\(s\) \['perf'\]"):
        assessment.YearlyAssessment.from_files(2023, p, tmp_path / "l.jsonl", cfg=cfg, run=run)
    with pytest.raises(errors.InputDataError, match="not for year 2024"):
        assessment.YearlyAssessment.from_files(2024, _ind(tmp_path, 2023, _perf(w)),
                                               tmp_path / "l.jsonl", cfg=cfg, run=run)


def test_xlsx_indicator_table(tmp_path, world):
    w, cfg = world, _cfg()
    des = _designation(tmp_path, w["prov"], w["muni"])
    p = tmp_path / "ind.xlsx"
    pd.DataFrame({"code": list(_perf(w)), "year": 2023, "perf": list(_perf(w).values())}
                 ).to_excel(p, index=False)
    res = assessment.YearlyAssessment.from_files(2023, p, tmp_path / "l.jsonl", cfg=cfg,
                                                 run=w["run"], designation=des).solve()
    assert res.ranking["score"].notna().all() and len(res.ranking) == 5


def test_assessment_config_is_validated():
    with pytest.raises(errors.ConfigError, match="streak"):
        _cfg(streak="weekly")
    with pytest.raises(errors.ConfigError, match="unknown key"):
        _cfg(bottom=3)
    a = config.load().assessment
    assert a.commend_top == 5 and a.eliminate_after == 2 and a.indicators


def test_outputs_are_deterministic_and_the_map_is_offline(tmp_path, world):
    w, cfg = world, _cfg()
    des = _designation(tmp_path, w["prov"], w["muni"])
    outs = []
    for k in range(2):
        d = tmp_path / f"r{k}"
        d.mkdir()
        _assess(d, w, 2023, _perf(w, low=[w["A"][0]]), cfg, designation=des, output=True)
        _assess(d, w, 2024, _perf(w, low=[w["A"][0]]), cfg, output=True)
        outs.append(d)
    for name in ("report.md", "report.docx", "changes_map.html", "assessment.csv", "ledger.csv"):
        a = (outs[0] / "out" / "assessment-2024" / name).read_bytes()
        assert a == (outs[1] / "out" / "assessment-2024" / name).read_bytes(), name
    assert (outs[0] / "ledger.jsonl").read_bytes() == (outs[1] / "ledger.jsonl").read_bytes()
    page = (outs[0] / "out" / "assessment-2024" / "changes_map.html").read_text(encoding="utf-8")
    assert '<script src="http' not in page and "L.Map.Sync" not in page.split("<script>")[0]
    for text in ("淘汰 eliminated", "递补 promoted", "考核前 before", "考核后 after"):
        assert text in page or json.dumps(text)[1:-1] in page, text


def test_cli_assess(tmp_path, world, monkeypatch, capsys):
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: world["run"])  # reuse the session run
    cfg = tmp_path / "a.toml"
    cfg.write_text('[assessment]\ncommend_top = 1\ncriticise_bottom = 1\nspatial_weight = 0.0\n'
                   '[[assessment.indicators]]\ncolumn = "perf"\ndirection = "benefit"\n'
                   'weight = 1.0\n', encoding="utf-8")
    w = world
    des = _designation(tmp_path, w["prov"], w["muni"])
    args = ["assess", "--ledger", str(tmp_path / "ledger.jsonl"), "--config", str(cfg),
            "--output", str(tmp_path / "out")]
    for year in (2023, 2024):
        extra = ["--designation", str(des)] if year == 2023 else []
        code = cli.main(args + ["--year", str(year), "--indicators",
                                str(_ind(tmp_path, year, _perf(w, low=[w["A"][0]])))] + extra)
        assert code == 0
    out = capsys.readouterr().out
    assert "eliminated: 1: " in out and w["A"][0] in out
    assert (tmp_path / "out" / "assessment-2024" / "changes_map.html").exists()
    code = cli.main(args + ["--year", "2024", "--indicators", str(tmp_path / "nope.csv")])
    assert code == 3


# -- the plan's rules by default (#18 item 2) -------------------------------------------------

def _two_indicator_cfg(**rules):
    a = {"commend_top": 1, "criticise_bottom": 1,
         "indicators": [{"column": "perf", "direction": "benefit", "weight": 0.5},
                        {"column": "inv", "direction": "benefit", "weight": 0.5}]}
    a.update(rules)
    return config.load(overrides={"assessment": a})


def _ind2(tmp_path, year, rows, name):
    df = pd.DataFrame([{"code": c, "year": year, "perf": p, "inv": v,
                        "source": "SYNTHETIC hand-made test values"} for c, (p, v) in rows.items()])
    p = tmp_path / name
    df.to_csv(p, index=False)
    return p


@pytest.mark.parametrize("scale, changes", [("provincial", False), ("assessed", True)])
def test_adding_a_municipal_town_does_not_change_the_provincial_ranking(tmp_path, world, scale,
                                                                        changes):
    """Toy case: two indicators; a municipal town with an extreme 'inv' stretches that
    indicator's range. On one scale over all assessed towns (the earlier behaviour) this
    reweighs the indicators for the provincial towns and changes who is criticised; on the
    provincial scale (default) it cannot."""
    w = world
    p1, p2, p3, p4, p5 = w["prov"]
    m = w["muni"][0]
    prov = {p1: (10, 0), p2: (0, 9), p3: (4, 4), p4: (6, 6), p5: (7, 7)}
    cfg = _two_indicator_cfg(ranking_scale=scale)
    out = []
    for k, muni in enumerate(([], [m])):
        rows = dict(prov) | ({m: (5, 100)} if muni else {})
        sub = tmp_path / f"case{k}"
        sub.mkdir()
        res = assessment.YearlyAssessment.from_files(
            2023, _ind2(sub, 2023, rows, "ind.csv"), sub / "ledger.jsonl", cfg=cfg,
            run=w["run"], designation=_designation(sub, w["prov"], muni)).solve()
        out.append(res)
    a, b = out
    assert (list(a.ranking.index) != list(b.ranking.index)) == changes
    assert (list(a.events("criticised").index) != list(b.events("criticised").index)) == changes
    if not changes:
        assert list(a.events("criticised").index) == [p3]
        pd.testing.assert_series_equal(a.ranking["score"], b.ranking["score"])
        # The municipal town is scored on the provincial scale: above 100 here.
        assert b.towns.at[m, "score"] > 100


def test_the_replacement_must_be_excellent(tmp_path, world):
    """由考核优秀的市级示范镇递补: a municipal town below the provincial median is not promoted."""
    w = world
    a0 = w["A"][0]
    des = _designation(tmp_path, w["prov"], w["muni"])
    weak = {c: 10.0 for c in w["muni"]}                    # every municipal town scores low
    perf = _perf(w, low=[a0], value=weak)
    cfg = _cfg()
    _assess(tmp_path, w, 2023, perf, cfg, designation=des)
    res = _assess(tmp_path, w, 2024, perf, cfg)
    assert list(res.events("eliminated").index) == [a0]
    assert res.events("promoted").empty
    assert any("no excellent municipal town" in m for m in res.warnings)
    assert "below the excellence bar" in res.towns.at[w["A"][2], "reason"]
    assert (res.towns["tier"] == "provincial").sum() == len(w["prov"]) - 1
    # The earlier rule (no excellence test) promotes the best of them anyway.
    old = tmp_path / "old"
    old.mkdir()
    cfg0 = _cfg(excellent_quantile=0.0)
    _assess(old, w, 2023, perf, cfg0, designation=des)
    res0 = _assess(old, w, 2024, perf, cfg0)
    assert len(res0.events("promoted")) == 1


def test_plan_defaults_spatial_score_out_and_no_backfill():
    a = config.load().assessment
    assert a.spatial_weight == 0.0 and a.backfill_municipal is False
    assert a.ranking_scale == "provincial" and a.excellent_quantile == 0.5


def test_backfill_pool_includes_county_tier_towns(tmp_path, world):
    w = world
    t = w["run"].towns
    el = t[(t["status"] == "eligible") & (t["prefecture_name"] == "辽源市")
           & ~t["code"].isin(w["prov"] + w["muni"])]
    best = el.sort_values(["score", "code"], ascending=[False, True])["code"].iloc[0]
    des = _designation(tmp_path, w["prov"], w["muni"], county=[best])
    a0 = w["A"][0]
    perf = _perf(w, low=[a0])
    for pool, moved in (("untiered_and_county", True), ("untiered", False)):
        sub = tmp_path / pool
        sub.mkdir()
        cfg = _cfg(backfill_municipal=True, backfill_pool=pool)
        _assess(sub, w, 2023, perf, cfg, designation=des)
        res = _assess(sub, w, 2024, perf, cfg)
        back = res.events("backfilled")
        assert len(back) == 1
        assert (back.index[0] == best) == moved
        assert res.towns.at[best, "tier"] == ("municipal" if moved else "county")


def test_from_files_takes_a_run_folder_and_never_runs_the_pipeline(tmp_path, world, monkeypatch):
    w = world
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: pytest.fail("ran the pipeline"))
    des = _designation(tmp_path, w["prov"], w["muni"])
    ind = _ind(tmp_path, 2023, _perf(w))
    folder = w["run"].output_dir
    by_folder = assessment.YearlyAssessment.from_files(
        2023, ind, tmp_path / "l1.jsonl", cfg=_cfg(), run=folder, designation=des).solve()
    by_result = assessment.YearlyAssessment.from_files(
        2023, ind, tmp_path / "l2.jsonl", cfg=_cfg(), run=w["run"], designation=des).solve()
    assert by_folder.town_lines == by_result.town_lines
    with pytest.raises(errors.ConfigError, match="needs the year's pipeline run"):
        assessment.YearlyAssessment.from_files(2023, ind, tmp_path / "l3.jsonl", cfg=_cfg())
    with pytest.raises(errors.InputDataError, match="towns.gpkg not found"):
        assessment.YearlyAssessment.from_files(2023, ind, tmp_path / "l3.jsonl", cfg=_cfg(),
                                               run=tmp_path)


def _assess_on_slow_disk(argv):
    """The `assess` command in a forked child, on a slow disk: the ledger bytes go out in 64
    pieces, so a kill can land in the middle of writing them."""
    import time

    def slow_write(path, data):
        with open(path, "wb") as fh:
            step = max(1, len(data) // 64)
            for i in range(0, len(data), step):
                fh.write(data[i:i + step])
                fh.flush()
                time.sleep(0.005)

    _ledger._write_bytes = slow_write
    raise SystemExit(cli.main(argv))


def test_sigkill_during_assess_leaves_the_old_or_the_new_ledger(tmp_path, world):
    """A real crash: the `assess` process is killed (SIGKILL) at seeded random moments of its
    life, on a slow disk so that kills can land while the ledger is being written. Each time
    the ledger is byte for byte the old one or the new one, and it reads back. The process is
    forked from this one (modules already imported) to keep the test fast."""
    import multiprocessing
    import random
    import shutil
    import time

    try:
        fork = multiprocessing.get_context("fork")
    except ValueError:
        pytest.skip("no fork on this platform")
    w = world
    cfg = tmp_path / "a.toml"
    cfg.write_text('[assessment]\ncommend_top = 1\ncriticise_bottom = 1\n'
                   '[[assessment.indicators]]\ncolumn = "perf"\ndirection = "benefit"\n'
                   'weight = 1.0\n', encoding="utf-8")
    des = _designation(tmp_path, w["prov"], w["muni"])
    _assess(tmp_path, w, 2023, _perf(w, low=[w["A"][0]]), config.load(cfg), designation=des)
    old = (tmp_path / "ledger.jsonl").read_bytes()
    ind = _ind(tmp_path, 2024, _perf(w, low=[w["A"][0]]))
    xw = tmp_path / "crosswalk.csv"
    assessment.crosswalk_2016_2023(w["run"].counties).to_csv(xw, index=False)

    def start(k):
        ledger = tmp_path / f"ledger_{k}.jsonl"
        shutil.copyfile(tmp_path / "ledger.jsonl", ledger)
        argv = ["assess", "--year", "2024", "--indicators", str(ind), "--ledger", str(ledger),
                "--config", str(cfg), "--run", str(w["run"].output_dir), "--crosswalk", str(xw),
                "--output", str(tmp_path / f"out_{k}"), "--quiet"]
        proc = fork.Process(target=_assess_on_slow_disk, args=(argv,))
        proc.start()
        return ledger, proc

    def until_written(ledger, proc):
        """Seconds until the ledger changed on disk (None if the process ended first)."""
        t0 = time.monotonic()
        while proc.is_alive():
            if ledger.read_bytes() != old:
                return time.monotonic() - t0
            time.sleep(0.005)
        return None if ledger.read_bytes() == old else time.monotonic() - t0

    # Reference: how long until the new ledger is in place; the maps and report written
    # after it are of no interest here, so the process is stopped then.
    ref, proc = start("ref")
    t_write = until_written(ref, proc)
    proc.kill()
    proc.join(timeout=60)
    assert t_write is not None
    new = ref.read_bytes()
    assert new != old and new.startswith(old)  # a year was appended
    assert _ledger.read(ref).assessed_years() == [2023, 2024]
    rng = random.Random(20241201)
    seen = []
    for k in range(5):
        ledger, proc = start(k)
        time.sleep(rng.uniform(0.0, 1.3) * t_write)
        proc.kill()  # SIGKILL
        proc.join(timeout=60)
        now = ledger.read_bytes()
        assert now in (old, new), f"kill {k}: torn ledger ({len(now)} bytes)"
        torn_tmp = any(p.name.startswith(f".ledger_{k}.") for p in tmp_path.iterdir())
        seen.append(("new" if now == new else "old") + (" (killed mid-write)" if torn_tmp else ""))
        _ledger.read(ledger)  # reads back without complaint
    # A killed run never blocks the next one (its leftover temp file included).
    ledger, proc = start(0)
    assert until_written(ledger, proc) is not None
    proc.kill()
    proc.join(timeout=60)
    assert ledger.read_bytes() == new
    print(f"SIGKILL outcomes: {seen} (ledger written after {t_write:.2f} s)")
