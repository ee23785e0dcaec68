import pytest

from spatial_towns import config, errors
from spatial_towns.panel import GROUPS, Hierarchy


def test_default_hierarchy_follows_the_config_groups_without_weight_0_criteria():
    cfg = config.load()
    h = Hierarchy.from_criteria(cfg.criteria)
    scored = [c for c in cfg.criteria if c.weight > 0]
    assert h.columns == tuple(c.column for c in scored)
    assert "key_assisted" not in h.columns and "重点帮扶县" not in h.group_names
    assert h.items("人口相对集聚") == ("urban_units", "county_density_km2")
    levels = dict(h.levels())
    assert levels[GROUPS] == h.group_names and len(h.group_names) == 8
    assert set(levels) == {GROUPS, "人口相对集聚", "具有发展潜力和区域带动作用"}


def test_fingerprint_changes_with_the_criteria_list():
    c = config.load().criteria
    assert Hierarchy.from_criteria(c).fingerprint() != Hierarchy.from_criteria(c[1:]).fingerprint()


def test_ungrouped_criterion_is_its_own_group_and_clashes_are_refused():
    a = config.Criterion("a", "benefit", 1.0)
    b = config.Criterion("b", "benefit", 1.0, group="G")
    assert Hierarchy.from_criteria([a, b]).groups == (("a", ("a",)), ("G", ("b",)))
    with pytest.raises(errors.ConfigError, match="clash"):
        Hierarchy.from_criteria([a, config.Criterion("c", "benefit", 1.0, group="a")])
