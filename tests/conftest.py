import os
from pathlib import Path

import pytest

from spatial_towns import config
from spatial_towns.pipeline import stages as pipeline

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def load_prepare():
    """``data_raw/prepare.py`` as a module (it is a script, not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("prepare", ROOT / "data_raw" / "prepare.py")
    prepare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prepare)
    return prepare
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """One run of the pipeline on the embedded Jilin data, shared by the tests."""
    out = tmp_path_factory.mktemp("run")
    return pipeline.run(config.load(), output_dir=out, progress=False)


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory):
    """Converted layers go to a folder of this test session, never the user's cache."""
    os.environ["SPATIAL_TOWNS_CACHE"] = str(tmp_path_factory.mktemp("cache"))
