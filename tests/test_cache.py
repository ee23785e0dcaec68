import os
import time

import pytest

from spatial_towns import cli, errors
from spatial_towns.util import cache as _cache


def _file(folder, name, age_days=0.0, size=10):
    p = folder / name
    p.write_bytes(b"x" * size)
    t = time.time() - age_days * 86400
    os.utime(p, (t, t))
    return p


def test_a_read_back_file_counts_as_used(tmp_path):
    p = _file(tmp_path, f"pinyin_{'a' * 16}.json", age_days=40)
    got = _cache.cached(p, lambda: "fresh", lambda q: q.read_text(), lambda v, q: q.write_text(v))
    assert got == "x" * 10                        # read back, not recomputed
    assert time.time() - p.stat().st_mtime < 60   # and marked as used now


def test_prune_removes_only_unused_cache_files(tmp_path):
    old = _file(tmp_path, f"counties_220000_{'0' * 16}.parquet", age_days=40, size=100)
    new = _file(tmp_path, f"outlines_{'1' * 16}.parquet", age_days=1)
    mine = _file(tmp_path, "notes.txt", age_days=400)          # not the package's: kept
    half = _file(tmp_path, f"pinyin_{'2' * 16}.json.tmp", age_days=400)  # not a cache name
    assert _cache.entries(tmp_path) == [old, new]
    assert _cache.prune(tmp_path, 30) == (1, 100)
    assert not old.exists() and new.exists() and mine.exists() and half.exists()
    assert _cache.prune(tmp_path) == (1, 10)                   # clear: every cache file
    assert _cache.entries(tmp_path) == [] and mine.exists()
    assert _cache.prune(tmp_path / "absent") == (0, 0)
    with pytest.raises(errors.ConfigError, match="days must be >= 0"):
        _cache.prune(tmp_path, -1)


def test_cli_cache_shows_prunes_and_clears(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPATIAL_TOWNS_CACHE", str(tmp_path))
    _file(tmp_path, f"counties_220000_{'0' * 16}.parquet", age_days=40, size=2_000_000)
    _file(tmp_path, f"outlines_{'1' * 16}.parquet", age_days=1, size=1_000_000)
    assert cli.main(["cache"]) == 0
    assert f"{tmp_path}: 2 cache file(s), 3.0 MB" in capsys.readouterr().out
    assert cli.main(["cache", "--prune", "30"]) == 0
    out = capsys.readouterr().out
    assert "removed 1 cache file(s), 2.0 MB" in out and "1 cache file(s), 1.0 MB" in out
    assert cli.main(["cache", "--clear"]) == 0
    assert "0 cache file(s)" in capsys.readouterr().out
    assert cli.main(["cache", "--prune", "-2"]) == errors.ConfigError.exit_code
    assert "days must be >= 0" in capsys.readouterr().err


def test_an_unusable_file_is_recomputed_and_replaced_and_touch_can_be_off(tmp_path):
    p = _file(tmp_path, f"pinyin_{'b' * 16}.json", age_days=40)

    def read(q):
        text = q.read_text()
        if text != "fresh":
            raise ValueError(f"{q}: made from other inputs")
        return text

    assert _cache.cached(p, lambda: "fresh", read, lambda v, q: q.write_text(v)) == "fresh"
    assert p.read_text() == "fresh"                                # replaced atomically
    assert sorted(tmp_path.iterdir()) == [p]                       # no temporary file left
    t = time.time() - 40 * 86400
    os.utime(p, (t, t))
    got = _cache.cached(p, lambda: "recomputed", read, lambda v, q: q.write_text(v), touch=False)
    assert got == "fresh" and p.stat().st_mtime == t               # read back, left as it was
