"""The run: its records, ingest, the eligibility rules, the five steps (stages: ingest, criteria,
score, select, report) and the run folder (write, read back, writability check).

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "eligibility": ".eligibility",
    "ingest": ".ingest",
    "records": ".records",
    "runfolder": ".runfolder",
    "runrecord": ".runrecord",
    "stages": ".stages",
    "summary": ".summary",
    "base_eligible": ".eligibility:base_eligible",
    "exclude_unscorable": ".eligibility:exclude_unscorable",
    "lacking": ".eligibility:lacking",
    "town_status": ".eligibility:town_status",
    "Ingested": ".ingest:Ingested",
    "add_facts": ".ingest:add_facts",
    "assign_counties": ".ingest:assign_counties",
    "attach_facts": ".ingest:attach_facts",
    "prepare": ".ingest:prepare",
    "read_facts": ".ingest:read_facts",
    "read_layers": ".ingest:read_layers",
    "read_thematic_layers": ".ingest:read_thematic_layers",
    "Inputs": ".records:Inputs",
    "RunResult": ".records:RunResult",
    "RunState": ".records:RunState",
    "Scored": ".records:Scored",
    "INTEGER_COLUMNS": ".runfolder:INTEGER_COLUMNS",
    "OUTPUT_COLUMNS_FIRST": ".runfolder:OUTPUT_COLUMNS_FIRST",
    "RunFolder": ".runfolder:RunFolder",
    "check_writable": ".runfolder:check_writable",
    "read_run": ".runfolder:read_run",
    "write_outputs": ".runfolder:write_outputs",
    "write_run_folder": ".runfolder:write_run_folder",
    "RunRecord": ".runrecord:RunRecord",
    "STEPS": ".stages:STEPS",
    "assemble": ".stages:assemble",
    "run": ".stages:run",
    "score_towns": ".stages:score_towns",
    "county_summary": ".summary:county_summary",
})
