"""run.json's record (spatial_towns.pipeline.runrecord); a whole run's run.json is checked in
test_runfolder.py."""

import json
import warnings

from spatial_towns import errors
from spatial_towns.pipeline import runrecord
from spatial_towns.pipeline import stages as pipeline


def test_own_warnings_are_kept_and_still_shown(recwarn):
    """A warning raised in spatial_towns's code goes to run.json's list and is still shown; a
    library's is only shown."""
    kept: list[str] = []
    with runrecord.own_warnings(kept):
        warnings.warn_explicit("no CJK font found", UserWarning, pipeline.__file__, 10)
        warnings.warn_explicit("deprecated thing", FutureWarning, "/elsewhere/lib.py", 10)
    assert kept == ["UserWarning: no CJK font found"]
    assert {str(w.message) for w in recwarn} == {"no CJK font found", "deprecated thing"}


def test_failed_record_and_stage_times(tmp_path):
    (tmp_path / "in.csv").write_text("code\n1\n", encoding="utf-8")
    rec = runrecord.RunRecord.from_files("r", [("towns", tmp_path / "in.csv"),
                                              ("facts", tmp_path / "missing.xlsx")])
    assert rec.inputs[0]["sha256"] == runrecord.sha256(tmp_path / "in.csv")
    assert rec.inputs[1]["sha256"] is None
    rec.stage("ingest")
    first = rec.stages["ingest"]
    rec.stage("ingest")  # closed once
    assert rec.stages == {"ingest": first}
    path = rec.write_failed(tmp_path / "out" / "r", errors.QuotaError("only 3 towns"))
    assert path == tmp_path / "out" / "r.failed.json"
    d = json.loads(path.read_text(encoding="utf-8"))
    assert (d["status"], d["exit_code"], d["error"], d["files"]) == ("failed", 4, "only 3 towns", {})
    d = json.loads(rec.write_failed(tmp_path / "out" / "r", KeyError("x")).read_text(encoding="utf-8"))
    assert d["exit_code"] == 1 and d["error"].startswith("internal error (KeyError")
