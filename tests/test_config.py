import pytest

from spatial_towns import config, errors


def test_default_config_loads_and_is_normalisable():
    cfg = config.load()
    assert [t.name for t in cfg.tiers] == ["provincial", "municipal", "county"]
    assert cfg.tiers[0].count == 30 and cfg.tiers[0].per_prefecture_min == 2
    assert sum(c.weight for c in cfg.criteria) > 0


def test_user_file_overrides_only_what_it_says(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('run_name = "x"\n[access]\nfallback_speed_kmh = 40.0\n', encoding="utf-8")
    cfg = config.load(p)
    assert cfg.run_name == "x"
    assert cfg.access.fallback_speed_kmh == 40.0
    assert cfg.access.circuity_factor == config.load().access.circuity_factor


@pytest.mark.parametrize(
    "override, fragment",
    [
        ({"bogus": 1}, "unknown config key"),
        ({"criteria": [{"column": "dist_rail_km", "direction": "cost", "weight": -1}]}, "negative"),
        ({"criteria": [{"column": "dist_rail_km", "direction": "up", "weight": 1}]}, "direction"),
        ({"criteria": [{"column": "dist_rail_km", "direction": "cost", "weight": 0}]}, "all criterion weights are zero"),
        ({"tiers": [{"name": "a", "count": 3, "tier_weight": 1.0},
                    {"name": "b", "count": 3, "tier_weight": 2.0}]}, "strictly decreasing"),
        ({"access": {"circuity_factor": 0.8}}, "circuity_factor"),
    ],
)
def test_bad_config_names_the_key(override, fragment):
    with pytest.raises(errors.ConfigError, match=fragment):
        config.load(overrides=override)


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(errors.ConfigError, match="not found"):
        config.load(tmp_path / "nope.toml")
