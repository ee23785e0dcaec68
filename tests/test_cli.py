import subprocess
import sys

import pytest

from spatial_towns import cli


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--config", "--towns", "--towns-frame", "--output", "--roads", "--population"):
        assert opt in out


def test_bad_config_gives_message_and_exit_code_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[criteria]]\ncolumn='dist_rail_km'\ndirection='cost'\nweight=-2\n")
    proc = subprocess.run([sys.executable, "-m", "spatial_towns.cli", "run", "--config", str(bad),
                           "--output", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "negative" in proc.stderr and "Traceback" not in proc.stderr


def test_csv_without_frame_exit_code(tmp_path):
    towns = tmp_path / "t.csv"
    towns.write_text("code,name,lon,lat\n1,a镇,125,43\n", encoding="utf-8")
    code = cli.main(["run", "--towns", str(towns), "--output", str(tmp_path), "--quiet"])
    assert code == 3
