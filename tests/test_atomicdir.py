"""Folders replaced in one step (spatial_towns.util.atomicdir); the SIGKILL test of a whole run
is in test_runfolder.py."""

import os
import subprocess

import pytest

from spatial_towns.util import atomicdir


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_swap_without_an_exchange_and_recovery(tmp_path, monkeypatch):
    """Where the system has no atomic exchange, the old folder goes aside for a moment: a
    crash then leaves it there, and recover() puts it back; dead runs' partial folders go."""
    monkeypatch.setattr(atomicdir, "exchange", lambda a, b: False)
    dst, new = tmp_path / "r", tmp_path / ".r.partial-7"
    dst.mkdir()
    (dst / "a.csv").write_text("old", encoding="utf-8")
    new.mkdir()
    (new / "a.csv").write_text("new", encoding="utf-8")
    atomicdir.swap_into_place(new, dst)
    assert (dst / "a.csv").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    # A crash between the two renames: r missing, the old folder aside.
    dead = _dead_pid()
    os.rename(dst, tmp_path / f".r.old-{dead}")
    (tmp_path / f".r.partial-{dead}").mkdir()
    (tmp_path / f".r.partial-{os.getpid()}").mkdir()  # a live run's: left alone
    atomicdir.recover(dst)
    assert (dst / "a.csv").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".r.partial-{os.getpid()}", "r"]


def test_the_exchange_is_atomic_on_linux(tmp_path):
    if not atomicdir.exchange(tmp_path, tmp_path):
        pytest.skip("no renameat2 RENAME_EXCHANGE here")
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a", encoding="utf-8")
    (b / "x").write_text("b", encoding="utf-8")
    assert atomicdir.exchange(a, b)
    assert (a / "x").read_text(encoding="utf-8") == "b"
    assert (b / "x").read_text(encoding="utf-8") == "a"
