"""The run folder: run.json, the failed-run record, and the atomic replacement of the folder
(a SIGKILLed run leaves the old complete folder or the new complete one, never a mix)."""

import json
import multiprocessing
import random
import shutil
import time

import pytest

from spatial_towns import cli, errors
from spatial_towns.data import datasets
from spatial_towns.pipeline import runfolder, runrecord
from spatial_towns.util import atomicdir

CRITERIA = ('[[criteria]]\ncolumn = "time_prefecture_min"\ndirection = "cost"\nweight = 0.5\n\n'
            '[[criteria]]\ncolumn = "dist_rail_km"\ndirection = "cost"\nweight = 0.5\n\n'
            '[sensitivity]\ndraws = 0\n\n')


def _tiers(count: int) -> str:
    return (f'[[tiers]]\nname = "provincial"\nlabel = "省级"\ncount = {count}\n'
            'tier_weight = 2.0\n')


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The 镇 of 长春市 and two configs (5 or 8 provincial towns) of one run name."""
    d = tmp_path_factory.mktemp("small")
    t = datasets.towns_table()
    t = t[t["code"].str.startswith("2201") & t["name"].str.endswith("镇") & t["lon"].notna()]
    t.to_csv(d / "towns.csv", index=False, encoding="utf-8")
    for name, count in (("a", 5), ("b", 8), ("quota", 5000)):
        (d / f"{name}.toml").write_text(CRITERIA + _tiers(count), encoding="utf-8")
    return d


def _argv(small, cfg: str, out) -> list[str]:
    return ["run", "--towns", str(small / "towns.csv"), "--towns-frame", "GCJ-02",
            "--config", str(small / f"{cfg}.toml"), "--output", str(out), "--run-name", "r",
            "--quiet"]


def _snapshot(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_run_json_records_status_files_inputs_and_stages(small, tmp_path):
    assert cli.main(_argv(small, "a", tmp_path)) == 0
    folder = tmp_path / "r"
    rec = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert (rec["status"], rec["exit_code"], rec["error"], rec["warnings"]) == ("ok", 0, None, [])
    written = {p.name for p in folder.iterdir()} - {"run.json"}
    assert set(rec["files"]) == written and "candidates.csv" in written
    for name, f in rec["files"].items():
        assert f["sha256"] == runrecord.sha256(folder / name)
        assert f["bytes"] == (folder / name).stat().st_size
    roles = {i["role"]: i for i in rec["inputs"]}
    assert roles["towns"]["sha256"] == runrecord.sha256(small / "towns.csv")
    assert roles["config"]["sha256"] == runrecord.sha256(small / "a.toml")
    assert list(rec["stages_s"]) == ["ingest", "criteria", "score", "select", "report"]
    assert all(v >= 0 for v in rec["stages_s"].values())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_a_failed_run_records_itself_beside_the_untouched_folder(small, tmp_path, capsys):
    assert cli.main(_argv(small, "a", tmp_path)) == 0
    before = _snapshot(tmp_path / "r")
    assert cli.main(_argv(small, "quota", tmp_path)) == errors.QuotaError.exit_code
    assert _snapshot(tmp_path / "r") == before
    rec = json.loads((tmp_path / "r.failed.json").read_text(encoding="utf-8"))
    assert (rec["status"], rec["exit_code"]) == ("failed", 4)
    assert "quota" in rec["error"].lower() or "only" in rec["error"]
    assert rec["files"] == {} and rec["inputs"]
    # The next successful run removes the stale failure record.
    assert cli.main(_argv(small, "a", tmp_path)) == 0
    assert not (tmp_path / "r.failed.json").exists()
    capsys.readouterr()


def test_other_entries_of_the_folder_are_carried_over(tmp_path):
    """A re-run replaces the run's own files but keeps what others put in the folder
    (calibrate/, validate/, notes); an old run file the new run does not write goes."""
    old, new = tmp_path / "r", tmp_path / ".r.partial-1"
    (old / "calibrate").mkdir(parents=True)
    (old / "calibrate" / "calibration.md").write_text("fit", encoding="utf-8")
    (old / "notes.txt").write_text("mine", encoding="utf-8")
    (old / "facts_rows.csv").write_text("old run", encoding="utf-8")
    (old / "extra_output.csv").write_text("old run", encoding="utf-8")
    (old / "run.json").write_text(json.dumps({"files": {"extra_output.csv": {}}}), encoding="utf-8")
    new.mkdir()
    (new / "candidates.csv").write_text("new", encoding="utf-8")
    assert runfolder.carry_over(old, new) == ["calibrate", "notes.txt"]
    atomicdir.swap_into_place(new, old)
    assert sorted(p.name for p in old.iterdir()) == ["calibrate", "candidates.csv", "notes.txt"]
    assert (old / "calibrate" / "calibration.md").read_text(encoding="utf-8") == "fit"
    assert not new.exists()


def _child(argv):
    raise SystemExit(cli.main(argv))


def test_sigkill_during_run_leaves_the_old_or_the_new_folder(small, tmp_path):
    """A real crash: `spatial-towns run` (forked from this process, modules already imported)
    is SIGKILLed at seeded random moments of its life, over an existing run folder made with
    another config. Each time the folder is byte for byte the old one or the new one
    (run.json aside, whose times differ: its file hashes must then be the new files'), and
    the next run is not blocked by what the killed one left."""
    try:
        fork = multiprocessing.get_context("fork")
    except ValueError:
        pytest.skip("no fork on this platform")
    assert cli.main(_argv(small, "a", tmp_path / "old")) == 0
    old = _snapshot(tmp_path / "old" / "r")

    def start(out):
        proc = fork.Process(target=_child, args=(_argv(small, "b", out),))
        proc.start()
        return proc

    t0 = time.monotonic()
    proc = start(tmp_path / "ref")
    proc.join(timeout=600)
    t_run = time.monotonic() - t0
    assert proc.exitcode == 0
    new = _snapshot(tmp_path / "ref" / "r")
    assert set(new) == set(old) and new["candidates.csv"] != old["candidates.csv"]

    def state(folder) -> str:
        now = _snapshot(folder)
        if now == old:
            return "old"
        rec = json.loads(now.get("run.json", b"{}") or b"{}")
        same = {k: v for k, v in now.items() if k != "run.json"} == \
            {k: v for k, v in new.items() if k != "run.json"}
        hashes = {k: v["sha256"] for k, v in rec.get("files", {}).items()} == {
            k: runrecord.sha256(folder / k) for k in new if k != "run.json"}
        return "new" if same and hashes and rec.get("status") == "ok" else "torn"

    rng = random.Random(20261207)
    seen = []
    for k in range(8):
        out = tmp_path / f"kill{k}"
        shutil.copytree(tmp_path / "old", out)
        proc = start(out)
        time.sleep(rng.uniform(0.25, 1.25) * t_run)
        proc.kill()  # SIGKILL
        proc.join(timeout=60)
        partial = any(p.name.startswith(".r.") for p in out.iterdir())
        seen.append(state(out / "r") + (" (partial folder left)" if partial else ""))
    torn = [s for s in seen if s.startswith("torn")]
    print(f"SIGKILL outcomes after t={t_run:.1f} s runs: {seen}; "
          f"old {sum(s.startswith('old') for s in seen)}, "
          f"new {sum(s.startswith('new') for s in seen)}, torn {len(torn)}")
    assert not torn, seen
    # A killed run never blocks the next: the run completes and tidies the leftovers.
    out = tmp_path / "kill0"
    proc = start(out)
    proc.join(timeout=600)
    assert proc.exitcode == 0 and state(out / "r") == "new"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]

