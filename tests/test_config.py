import dataclasses
import json
import tomllib

import pytest

from spatial_towns import config, errors


def test_default_config_loads_and_is_normalisable():
    cfg = config.load()
    assert [t.name for t in cfg.tiers] == ["provincial", "municipal", "county"]
    assert cfg.tiers[0].count == 30 and cfg.tiers[0].per_prefecture_min == 2
    assert sum(c.weight for c in cfg.criteria) > 0
    assert cfg.criteria_origin == ()  # no user file, nothing to report


def test_user_file_overrides_only_what_it_says(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('run_name = "x"\n[access]\nfallback_speed_kmh = 40.0\n', encoding="utf-8")
    cfg = config.load(p)
    assert cfg.run_name == "x"
    assert cfg.access.fallback_speed_kmh == 40.0
    assert cfg.access.circuity_factor == config.load().access.circuity_factor


def test_to_dict_writes_back_the_files_keys_from_the_validated_values():
    """config_used.json of the default run is the default TOML, key for key, and reads back
    to the same configuration."""
    cfg = config.load()
    with open(config.DEFAULT_CONFIG_PATH, "rb") as fh:
        assert cfg.to_dict() == tomllib.load(fh)
    again = config.from_dict(json.loads(json.dumps(cfg.to_dict())), source=cfg.source)
    assert again == cfg


def test_values_are_written_as_the_schema_reads_them(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('criteria_mode = "replace"\n[focus]\nperiphery_min = 30\n[access]\n'
                 'isochrone_min = 20\n[weighting]\nmethod = "ahp"\n' + _AHP, encoding="utf-8")
    d = config.load(p).to_dict()
    assert d["focus"]["periphery_min"] == 30.0 and isinstance(d["focus"]["periphery_min"], float)
    assert d["access"]["isochrone_min"] == [20.0]
    # the exact reciprocal the run used, not the typed "1/3"
    assert d["weighting"]["pairwise"][1][0] == pytest.approx(1 / 3, abs=0)
    assert config.from_dict(d) == dataclasses.replace(config.load(p), source="dict")


_AHP = ('criteria = ["a", "b"]\npairwise = [[1, 3], ["1/3", 1]]\n'
        '[[criteria]]\ncolumn = "a"\ndirection = "cost"\n[[criteria]]\ncolumn = "b"\n'
        'direction = "cost"\n')


# The three silent typos and more, one per table: each is now an error naming the
# file, the table and the key, with a suggestion where one is close.
TYPOS = [
    ("[access]\nisochrone_mins = [15, 30]\n",
     "unknown key 'isochrone_mins' in [access] of {f}; did you mean 'isochrone_min'?"),
    ("[focus]\nperiphery_minutes = 30\n",
     "unknown key 'periphery_minutes' in [focus] of {f}; did you mean 'periphery_min'?"),
    ('[eligibility]\nkind = ["镇", "乡"]\n',
     "unknown key 'kind' in [eligibility] of {f}; did you mean 'kinds'?"),
    ('[[criteria]]\ncolumn = "devzone_km"\nweigth = 0.1\n',
     "unknown key 'weigth' in [[criteria]] (column = 'devzone_km') of {f}; did you mean 'weight'?"),
    ("[types]\nrail_station_kms = 3\n",
     "unknown key 'rail_station_kms' in [types] of {f}; did you mean 'rail_station_km'?"),
    ("[types.quotas.provincial]\nmetro_satelite = 3\n",
     "unknown key 'metro_satelite' in [types.quotas.provincial] of {f}; did you mean "
     "'metro_satellite'?"),
    ("[assessment]\ncommend_top = -1\n",
     "commend_top = -1 in [assessment] of {f}: must be >= 0"),
    ("[assessment]\nstreak = \"yearly\"\n",
     "streak = 'yearly' in [assessment] of {f}: must be one of 'calendar' or 'assessments'"),
    ("[sensitivity]\ndraws = \"100\"\n",
     "draws = '100' in [sensitivity] of {f}: must be a whole number"),
    ("[national]\nsplit_town = 500\n",
     "unknown key 'split_town' in [national] of {f}; did you mean 'split_towns'?"),
    ('[provinces."640000"]\nroad = "x.graphml"\n',
     "unknown key 'road' in [provinces.\"640000\"] of {f}; did you mean 'roads'?"),
    ('[provinces."640000".focus]\nperiphery_mins = 30\n',
     "unknown key 'periphery_mins' in [provinces.\"640000\".focus] of {f}; did you mean "
     "'periphery_min'?"),
    ("[weighting]\nalpha = 1.5\n",
     "alpha = 1.5 in [weighting] of {f}: must be <= 1"),
    ("[access]\nembedded_roads = \"yes\"\n",
     "embedded_roads = 'yes' in [access] of {f}: must be true or false"),
    ("[access]\ncircuity_factor = 0.8\n",
     "circuity_factor = 0.8 in [access] of {f}: must be >= 1"),
    ("[access]\nisochrone_min = [15, nan]\n",
     "isochrone_min[1] = nan in [access] of {f}: must be a finite number"),
    ('[[tiers]]\nname = "provincial"\ncount = 2.5\ntier_weight = 1.0\n',
     "count = 2.5 in [[tiers]] (name = 'provincial') of {f}: must be a whole number"),
    ("bogus = 1\n", "unknown key 'bogus' in {f}; allowed: run_name, metric_crs"),
    ("criteria_mode = \"append\"\n", "criteria_mode = 'append' in {f}: must be one of 'merge'"),
]


@pytest.mark.parametrize("text, expected", TYPOS, ids=[t[1].split(" in ")[0] for t in TYPOS])
def test_typos_and_bad_values_name_file_table_and_key(tmp_path, text, expected):
    p = tmp_path / "user.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(errors.ConfigError) as exc:
        config.load(p)
    assert expected.format(f=p) in str(exc.value)


@pytest.mark.parametrize(
    "override, fragment",
    [
        ({"criteria": [{"column": "dist_rail_km", "direction": "cost", "weight": -1}]},
         r"weight = -1 in \[\[criteria\]\] \(column = 'dist_rail_km'\) of overrides: must be >= 0"),
        ({"criteria": [{"column": "dist_rail_km", "direction": "up", "weight": 1}]},
         "direction = 'up'"),
        ({"criteria_mode": "replace",
          "criteria": [{"column": "dist_rail_km", "direction": "cost", "weight": 0}]},
         "all criterion weights are zero"),
        ({"tiers": [{"name": "a", "count": 3, "tier_weight": 1.0},
                    {"name": "b", "count": 3, "tier_weight": 2.0}]}, "strictly decreasing"),
        ({"tiers": [{"name": "a", "tier_weight": 1.0}]},
         r"\[\[tiers\]\] \(name = 'a'\) of overrides: give either count"),
        ({"criteria_mode": "replace"}, "criteria_mode = 'replace' but no"),
        ({"criteria": [{"column": "x", "direction": "cost", "weight": 1, "source": "table"}]},
         "must say what to do for towns"),
        ({"types": {"quotas": {"regional": {"industry_led": 1}}}}, "no tier named 'regional'"),
        ({"weighting": {"method": "panel", "max_cr": 0}}, r"max_cr = 0 in \[weighting\] .*> 0"),
        ({"provinces": {"640000": {"tiers": [{"name": "a", "count": -2, "tier_weight": 1.0}]}}},
         r"count = -2 in \[\[provinces.\"640000\".tiers\]\] \(name = 'a'\)"),
    ],
)
def test_bad_config_names_the_key(override, fragment):
    with pytest.raises(errors.ConfigError, match=fragment):
        config.load(overrides=override)


def test_panel_keys_are_read_and_their_files_are_relative_to_the_config(tmp_path):
    (tmp_path / "sub").mkdir()
    p = tmp_path / "sub" / "c.toml"
    p.write_text('[weighting]\nmethod = "combined"\nsubjective = "panel"\nobjective = "critic"\n'
                 'rule = "multiplicative"\nalpha = 0.3\npanel = ["answers/a.xlsx", "/abs/b.csv"]\n'
                 'panel_aggregation = "aip"\ninconsistent = "exclude"\nmax_cr = 0.15\n',
                 encoding="utf-8")
    w = config.load(p).weighting
    assert (w.method, w.subjective, w.objective, w.rule, w.alpha) == (
        "combined", "panel", "critic", "multiplicative", 0.3)
    assert w.panel == (str(tmp_path / "sub" / "answers" / "a.xlsx"), "/abs/b.csv")
    assert (w.panel_aggregation, w.inconsistent, w.max_cr) == ("aip", "exclude", 0.15)
    d = config.Weighting()
    assert (d.panel_aggregation, d.inconsistent, d.max_cr, d.alpha) == ("aij", "include", 0.1, 0.5)


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(errors.ConfigError, match="not found"):
        config.load(tmp_path / "nope.toml")


def test_several_errors_are_all_reported(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[access]\nisochrone_mins = 3\n[focus]\nperiphery_min = -1\n", encoding="utf-8")
    with pytest.raises(errors.ConfigError) as exc:
        config.load(p)
    text = str(exc.value)
    assert "'isochrone_mins'" in text and "periphery_min = -1 in [focus]" in text


# --- criteria: added and changed by column, or replaced explicitly -----------------------


def _user(tmp_path, text):
    p = tmp_path / "user.toml"
    p.write_text(text, encoding="utf-8")
    return config.load(p)


def test_a_new_criterion_is_added_to_the_defaults(tmp_path):
    default = config.load()
    cfg = _user(tmp_path, '[[criteria]]\ncolumn = "region_pop_60min"\ndirection = "benefit"\n'
                          'weight = 0.04\ntransform = "log"\n')
    assert cfg.criteria[:-1] == default.criteria
    assert cfg.criteria[-1].column == "region_pop_60min" and cfg.criteria[-1].weight == 0.04
    assert cfg.user_criteria() == [("region_pop_60min", "added")]
    assert dict(cfg.criteria_origin)["devzone_km"] == "default"


def test_a_default_criterion_is_changed_key_by_key(tmp_path):
    default = {c.column: c for c in config.load().criteria}
    cfg = _user(tmp_path, '[[criteria]]\ncolumn = "devzone_km"\nweight = 0.25\n')
    got = {c.column: c for c in cfg.criteria}
    assert list(got) == list(default)
    assert got["devzone_km"] == dataclasses.replace(default["devzone_km"], weight=0.25)
    assert cfg.user_criteria() == [("devzone_km", "changed: weight")]


def test_a_new_transform_drops_the_old_ones_parameters(tmp_path):
    cfg = _user(tmp_path, '[[criteria]]\ncolumn = "devzone_km"\ntransform = "sigmoid"\n'
                          'midpoint = 10\nspread = 4\n')
    c = {c.column: c for c in cfg.criteria}["devzone_km"]
    assert c.transform == config.Transform("sigmoid", midpoint=10.0, spread=4.0)
    assert c.source == "table" and c.units == "km"  # the rest of the entry is kept


def test_replace_mode_uses_the_files_list_only(tmp_path):
    cfg = _user(tmp_path, 'criteria_mode = "replace"\n[[criteria]]\ncolumn = "dist_rail_km"\n'
                          'direction = "cost"\nweight = 1\n')
    assert [c.column for c in cfg.criteria] == ["dist_rail_km"]
    assert cfg.user_criteria() == [("dist_rail_km", "replaced (criteria_mode = 'replace')")]
    assert cfg.to_dict()["criteria_mode"] == "replace"


def test_a_new_criterion_needs_a_weight_with_expert_weighting(tmp_path):
    with pytest.raises(errors.ConfigError, match=r"criteria \['x'\] need a weight"):
        _user(tmp_path, '[[criteria]]\ncolumn = "x"\ndirection = "cost"\n')


# --- one place per default ----------------------------------------------------------------


# Defaults of objects the code also builds itself (scoring's Weighting(), a what-if tier), which
# the default TOML also writes to argue them; they must agree.
_ALSO_IN_TOML = {("Weighting", "method"), ("Aggregation", "method"), ("Tier", "minimums")}


def _tables():
    with open(config.DEFAULT_CONFIG_PATH, "rb") as fh:
        raw = tomllib.load(fh)
    yield config.Config, raw
    for key, cls in (("eligibility", config.Eligibility), ("focus", config.Focus),
                     ("access", config.Access), ("weighting", config.Weighting),
                     ("aggregation", config.Aggregation), ("sensitivity", config.Sensitivity),
                     ("types", config.Types), ("assessment", config.Assessment),
                     ("national", config.National)):
        yield cls, raw[key]
    for t in raw["tiers"]:
        yield config.Tier, t
    for c in raw["criteria"] + raw["assessment"]["indicators"]:
        yield config.Criterion, c


def test_every_default_is_written_once():
    """A key the default TOML sets has no second default in the schema (except the three
    listed, which must agree); every key the TOML sets is declared."""
    for cls, table in _tables():
        fields = {f.name: f for f in dataclasses.fields(cls)}
        renames = cls._RENAMES
        for key, value in table.items():
            assert key in cls.toml_keys(), (cls.__name__, key)
            f = fields.get(renames.get(key, key))
            if f is None or f.default is dataclasses.MISSING:
                continue
            if (cls.__name__, key) in _ALSO_IN_TOML:
                assert value == f.default, (cls.__name__, key)
            elif cls is not config.Criterion and cls is not config.Tier:
                pytest.fail(f"{cls.__name__}.{key} has a default in the schema and the TOML")


def test_no_module_reads_config_keys_with_literal_defaults():
    """Config keys are read through the schema, not dict.get(key, literal) elsewhere."""
    import re
    from pathlib import Path

    pkg = Path(config.__file__).parent
    keys = {k for cls, _ in _tables() for k in cls.toml_keys()} - {"label", "name", "source"}
    pat = re.compile(r"""\.get\(\s*["'](\w+)["']\s*,\s*(?:-?\d|["'\[{(]|True|False|None)""")
    for py in pkg.rglob("*.py"):
        if py.name == "config.py":
            continue
        for m in pat.finditer(py.read_text(encoding="utf-8")):
            line = py.read_text(encoding="utf-8")[:m.start()].count("\n") + 1
            assert m.group(1) not in keys or m.group(1) in _NOT_CONFIG.get(py.name, ()), \
                f"{py.name}:{line} reads config key {m.group(1)!r} with a default"


# national driver: a province's override tables (absent = no override); panel answers: a column of an
# expert's answer file.
_NOT_CONFIG = {"driver.py": ("focus",), "answers.py": ("criteria",)}
