"""Shared fixtures: the dataset (found as the package finds it, never downloaded here)."""
import os
import random
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in Chromium (slow)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


@pytest.fixture(scope="session")
def names_path():
    """Path of names.txt: $MICROGPT_DATA or data/names.txt (`make data` puts it there)."""
    env = os.environ.get("MICROGPT_DATA")
    path = Path(env) if env else ROOT / "data" / "names.txt"
    if not path.is_file():
        pytest.fail(f"names.txt not found at {path}: run `make data` (downloads it) "
                    "or set MICROGPT_DATA", pytrace=False)
    return path


@pytest.fixture(scope="session")
def docs(names_path):
    from microgpt.data import read_docs
    return read_docs(names_path)


@pytest.fixture
def rng():
    return random.Random(1234)


@pytest.fixture(scope="session")
def has_dot():
    return shutil.which("dot") is not None
