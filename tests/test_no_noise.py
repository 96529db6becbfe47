"""Quiet commands: `python -m microgpt.data` (make data, postBuild, CI) prints no warning,
the package still offers every public name (some loaded lazily, see microgpt/__init__.py),
and `make course` passes --allow-root exactly when run as root (Jupyter refuses root without)."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


def test_python_m_microgpt_data_prints_no_warning(names_path):
    env = dict(os.environ, MICROGPT_DATA=str(names_path), PYTHONWARNINGS="default")
    run = subprocess.run([sys.executable, "-m", "microgpt.data"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr and "Warning" not in run.stdout, run.stderr
    assert run.stderr == ""


def test_every_public_name_is_there_eagerly_or_lazily():
    code = ("import sys, microgpt\n"
            "assert 'microgpt.data' not in sys.modules, 'import microgpt loaded data'\n"
            "from microgpt import Value, load_names, Checkpoint, DataError, train, GPT\n"
            "import microgpt.training\n"
            "assert callable(microgpt.train) and microgpt.train is train\n"
            "assert microgpt.training.train is train  # the module's name is not the function's\n"
            "assert all(hasattr(microgpt, n) for n in microgpt.__all__)\n"
            "assert set(microgpt.__all__) <= set(dir(microgpt))\n"
            "assert microgpt.load_names.__module__ == 'microgpt.data'\n"
            "try:\n    microgpt.no_such_name\nexcept AttributeError as e:\n"
            "    assert 'no_such_name' in str(e)\nelse:\n    raise SystemExit('no error')\n")
    run = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_course_passes_allow_root_exactly_as_root():
    run = subprocess.run(["make", "-n", "course"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    lab = [line for line in run.stdout.replace("\\\n", " ").splitlines()
           if "jupyter lab" in line]
    assert len(lab) == 1, run.stdout
    assert ("--allow-root" in lab[0]) == (os.geteuid() == 0), lab[0]
    assert f'--LabApp.app_settings_dir="{ROOT}/jupyter"' in lab[0]
