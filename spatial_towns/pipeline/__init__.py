"""The run: inputs, ingest, eligibility, scoring, selection and the run folder.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "stages": ".stages",
    "INTEGER_COLUMNS": ".stages:INTEGER_COLUMNS",
    "Inputs": ".stages:Inputs",
    "OUTPUT_COLUMNS_FIRST": ".stages:OUTPUT_COLUMNS_FIRST",
    "RunFolder": ".stages:RunFolder",
    "RunResult": ".stages:RunResult",
    "RunState": ".stages:RunState",
    "Scored": ".stages:Scored",
    "add_facts": ".stages:add_facts",
    "assemble": ".stages:assemble",
    "assign_counties": ".stages:assign_counties",
    "attach_facts": ".stages:attach_facts",
    "base_eligible": ".stages:base_eligible",
    "ingest": ".stages:ingest",
    "lacking": ".stages:lacking",
    "read_facts": ".stages:read_facts",
    "read_run": ".stages:read_run",
    "read_thematic_layers": ".stages:read_thematic_layers",
    "run": ".stages:run",
    "score_towns": ".stages:score_towns",
    "write_outputs": ".stages:write_outputs",
})
