"""Config fuzzing: hypothesis-generated user TOML files. Whatever the file says, loading it
gives a Config or a ConfigError naming the file and the key path (the key or its table),
never another exception."""

from __future__ import annotations

import dataclasses
import datetime as dt
import string

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spatial_towns import config, errors

# Tables of the schema and the keys they declare.
TABLES = {
    "access": config.Access, "focus": config.Focus, "eligibility": config.Eligibility,
    "weighting": config.Weighting, "aggregation": config.Aggregation,
    "sensitivity": config.Sensitivity, "types": config.Types, "assessment": config.Assessment,
    "national": config.National,
}

scalars = st.one_of(
    st.integers(min_value=-10**6, max_value=10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.text(max_size=8), st.just("镇"), st.just("1/3"),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.text(string.ascii_lowercase + "_", min_size=1, max_size=8), inner,
                    max_size=3)), max_leaves=8)


def _typo(key: str) -> st.SearchStrategy[str]:
    """The key itself, a one-character slip of it, or another word."""
    edits = [key + "s", key[:-1], key.replace("_", "", 1), key.upper()]
    return st.one_of(st.just(key), st.sampled_from([e for e in edits if e]),
                     st.text(string.ascii_lowercase + "_", min_size=1, max_size=12))


@st.composite
def user_files(draw) -> tuple[dict, str]:
    """A small user file (what a planner writes) and the key it puts to the test."""
    where = draw(st.sampled_from(["table", "criteria", "tiers", "quotas", "province",
                                  "top"]))
    if where == "table":
        name = draw(st.sampled_from(sorted(TABLES)))
        key = draw(st.sampled_from(TABLES[name].toml_keys()).flatmap(_typo))
        return {name: {key: draw(values)}}, key
    if where == "criteria":
        key = draw(st.sampled_from(config.Criterion.toml_keys()).flatmap(_typo))
        col = draw(st.sampled_from(["devzone_km", "dist_rail_km", "new_col"]))
        entry = {"column": col, key: draw(values)}
        doc = {"criteria": [entry]}
        if draw(st.booleans()):
            doc["criteria_mode"] = draw(st.sampled_from(["merge", "replace", "append"]))
        return doc, key
    if where == "tiers":
        key = draw(st.sampled_from(config.Tier.toml_keys()).flatmap(_typo))
        entry = {"name": "provincial", "tier_weight": 1.0, "count": 3, key: draw(values)}
        return {"tiers": [entry]}, key
    if where == "quotas":
        key = draw(st.sampled_from(list(config.DEV_TYPES)).flatmap(_typo))
        tier = draw(st.sampled_from(["provincial", "county", "nope"]))
        return {"types": {"quotas": {tier: {key: draw(values)}}}}, key
    if where == "province":
        code = draw(st.sampled_from(["640000", "220000", "64", "abc"]))
        key = draw(st.sampled_from(config.ProvinceOverride.toml_keys()).flatmap(_typo))
        return {"provinces": {code: {key: draw(values)}}}, key
    key = draw(st.sampled_from(config.Config.toml_keys()).flatmap(_typo))
    return {key: draw(values)}, key


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(user_files())
def test_any_user_file_loads_or_fails_naming_the_key(tmp_path_factory, case):
    doc, key = case
    p = tmp_path_factory.mktemp("fuzz") / "user.toml"
    p.write_text(tomli_w.dumps(doc), encoding="utf-8")
    try:
        cfg = config.load(p)
    except errors.ConfigError as exc:
        msg = str(exc)
        assert str(p) in msg, msg
        tables = [k for k in _keys(doc)]
        assert key in msg or any(t in msg for t in tables), (doc, msg)
        return
    # Accepted: a valid configuration that writes back and reads back the same.
    again = config.from_dict(cfg.to_dict(), source=cfg.source)
    assert again == dataclasses.replace(cfg, criteria_origin=())


def _keys(doc) -> list[str]:
    out = []
    for k, v in doc.items():
        out.append(str(k))
        if isinstance(v, dict):
            out += _keys(v)
        elif isinstance(v, list):
            for e in v:
                if isinstance(e, dict):
                    out += _keys(e)
    return out


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.dictionaries(st.text(max_size=10), values, max_size=4))
def test_any_document_is_a_config_or_a_config_error(tmp_path_factory, doc):
    p = tmp_path_factory.mktemp("fuzz") / "doc.toml"
    p.write_text(tomli_w.dumps(doc), encoding="utf-8")
    try:
        config.load(p)
    except errors.ConfigError as exc:
        assert str(p) in str(exc)
