"""Public entry points take their options keyword-only (osmnx's habit): a call reads as what
it sets, and an option can be added or reordered without breaking callers."""

from __future__ import annotations

import inspect

import pytest

from spatial_towns.criteria import indicators
from spatial_towns.national import driver as national
from spatial_towns.pipeline import runfolder, stages
from spatial_towns.render import maps

# function -> the parameters that may be passed by position (the data it works on)
ENTRY_POINTS = [
    (stages.run, ["cfg", "inputs"]),
    (national.run, ["cfg"]),
    (national.write_outputs, ["res", "out_dir"]),
    (runfolder.write_outputs, ["res", "out_dir"]),
    (indicators.compute, ["towns", "layers", "cfg", "crs"]),
    (maps.make_map, ["towns", "counties", "tiers", "used"]),
    (maps.from_result, ["res"]),
]


@pytest.mark.parametrize("fn, positional", ENTRY_POINTS,
                         ids=[f"{f.__module__}.{f.__name__}" for f, _ in ENTRY_POINTS])
def test_options_are_keyword_only(fn, positional):
    params = inspect.signature(fn).parameters.values()
    assert [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD] == positional
    assert all(p.kind is p.KEYWORD_ONLY for p in params if p.name not in positional)


def test_national_run_refuses_positional_options():
    with pytest.raises(TypeError):
        national.run(None, ["220000"])  # type: ignore[misc]
