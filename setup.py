"""Build hook: the wheel carries the embedded data.

``data_raw/`` stays the source at the top of the repository (``data_raw/prepare.py`` makes it,
``data_raw/SOURCES.md`` documents it); the editable install reads it there. A built wheel has no
repository beside it, so ``build_py`` copies the data files (not ``prepare.py``, which needs
``../shared/data``) into ``spatial_towns/data_raw/``, where :data:`spatial_towns.datasets.DATA_RAW`
looks first. The sdist carries ``data_raw/`` itself (``MANIFEST.in``), so a wheel built from it is
the same. Everything else is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "data_raw"
#: What a run reads, with the licences and sources that must travel with the data.
PATTERNS = ("*.csv", "*.parquet", "*.geojson", "*.md", "*.txt")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the editable install reads data_raw/ in the checkout
        target = Path(self.build_lib) / "spatial_towns" / "data_raw"
        target.mkdir(parents=True, exist_ok=True)
        files = sorted({p for pattern in PATTERNS for p in SOURCE.glob(pattern)})
        if not files:
            raise SystemExit(f"no embedded data in {SOURCE}: build from a full checkout or sdist")
        for path in files:
            shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithData})
