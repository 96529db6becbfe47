"""The classroom route of classroom/README.md works on a real JupyterHub.

Starts classroom/jupyterhub_config.py (JupyterHub, configurable-http-proxy, a local
JupyterLab per learner, temporary homes) on 127.0.0.1 with two learners, and a teacher's
repository (a clone of this repository's committed HEAD). Proves that the nbgitpuller link's
first click copies the course into the learner's home, that a kernel started through the hub
runs the pulled course with the dataset, and that after the teacher commits a change and the
learner edits a chapter, a second click brings the change in and keeps the learner's edit.

Also, quickly: the config file loads and sets what classroom/README.md promises, and
classroom/z2jh-values.yaml names the image, the dataset, resources and culling.

The hub and the learners' browser-like sessions are benchmarks/classroom_hub.py's (shared
with benchmarks/bench_classroom.py). Needs configurable-http-proxy (`make proxy`, from npm):
without it the tests skip, except in CI (CI=true), where they fail.
"""
import copy
import importlib
import json
import os
import re
import sys
import threading

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
classroom_hub = importlib.import_module("classroom_hub")

CHAPTER = "notebooks/00_start_here.ipynb"
COURSE = classroom_hub.COURSE


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """(path, branch) of the teacher's repository."""
    return classroom_hub.course_source(tmp_path_factory.mktemp("teacher"))


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if not classroom_hub.find_proxy():
        message = "configurable-http-proxy not found: run `make proxy` (needs npm)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with classroom_hub.Hub(tmp_path_factory.mktemp("hub")) as running:   # stops it all
        yield running


@pytest.fixture(scope="module")
def link(hub, source):
    path, branch = source
    return classroom_hub.pull_link(hub.url, path.as_uri(), branch, CHAPTER)


@pytest.fixture(scope="module")
def learners(hub):
    return {name: classroom_hub.Learner(hub, name, timeout=300) for name in ("alice", "bob")}


@pytest.fixture(scope="module")
def first_click(learners, link):
    """Both learners click the link at the same time, for the first time."""
    errors = {}

    def click(learner):
        try:
            learner.follow(link)
        except Exception as e:      # noqa: BLE001 (reported by the test)
            errors[learner.name] = e

    threads = [threading.Thread(target=click, args=(lr,)) for lr in learners.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return errors


@pytest.mark.slow
def test_first_click_copies_the_course(first_click, learners, source):
    assert not first_click, first_click
    teacher, _ = source
    for learner in learners.values():
        copy_ = learner.home / COURSE
        assert (copy_ / CHAPTER).read_bytes() == (teacher / CHAPTER).read_bytes()
        assert (classroom_hub.git("rev-parse", "HEAD", cwd=copy_)
                == classroom_hub.git("rev-parse", "HEAD", cwd=teacher))


@pytest.mark.slow
def test_a_kernel_through_the_hub_runs_the_pulled_course(first_click, learners):
    bob = learners["bob"]
    probe = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{
        "cell_type": "code", "id": "probe", "metadata": {}, "outputs": [],
        "execution_count": None, "source":
            "import os\nimport microgpt\n"
            "assert microgpt.__file__.startswith(os.path.join(os.environ['HOME'], "
            f"'{COURSE}')), microgpt.__file__\n"
            "from microgpt import load_names\nassert len(load_names()) > 30000\n"}]}
    bob.save_notebook("probe.ipynb", probe)
    assert bob.run_notebook("probe.ipynb") == 1
    # chapter 00's first cells: the set-up check, versions, the dataset
    assert bob.run_notebook(f"{COURSE}/{CHAPTER}", max_cells=3) == 3


@pytest.mark.slow
def test_second_click_brings_the_change_and_keeps_the_edit(first_click, learners, link, source):
    alice, (teacher, _) = learners["alice"], source
    assert "alice" not in first_click, first_click

    # the learner adds a line to the last cell of chapter 00 and saves (as JupyterLab does)
    edited = copy.deepcopy(alice.read_notebook(f"{COURSE}/{CHAPTER}"))
    edited["cells"][-1]["source"] += "\n# alice was here"
    alice.save_notebook(f"{COURSE}/{CHAPTER}", edited)

    # the teacher adds a line at the top of chapter 00's first cell, adds notes, and commits
    chapter = teacher / CHAPTER
    text = chapter.read_text(encoding="utf-8")
    first = re.search(r'"source": \[\n( *)"', text)
    chapter.write_text(text[:first.end(1)] + '"**Updated for this class.**\\n",\n'
                       + first.group(1) + text[first.end(1):], encoding="utf-8")
    (teacher / "notebooks" / "CLASS_NOTES.md").write_text("Read chapter 00 before Monday.\n")
    classroom_hub.git("add", "-A", cwd=teacher)
    classroom_hub.git("commit", "-q", "-m", "Notes for this class", cwd=teacher)

    alice.follow(link)                       # the second click

    mine = (alice.home / COURSE / CHAPTER).read_text(encoding="utf-8")
    assert "**Updated for this class.**" in mine, "the teacher's change did not arrive"
    assert "# alice was here" in mine, "the learner's edit was lost"
    assert (alice.home / COURSE / "notebooks" / "CLASS_NOTES.md").is_file()
    log = classroom_hub.git("log", "--format=%s", cwd=alice.home / COURSE)
    assert "Notes for this class" in log
    # and the merged chapter is still a notebook JupyterLab opens, with both changes in place
    cells = alice.read_notebook(f"{COURSE}/{CHAPTER}")["cells"]
    assert cells[0]["source"].startswith("**Updated for this class.**")
    assert cells[-1]["source"].endswith("# alice was here")


# --- the files themselves, without a hub ----------------------------------------------------

def load_hub_config(tmp_path, monkeypatch, **env):
    from traitlets.config.loader import PyFileConfigLoader
    for name in ("MICROGPT_HUB_LEARNERS", "MICROGPT_HUB_PASSWORD", "MICROGPT_DATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROGPT_HUB_HOMES", str(tmp_path / "home"))
    monkeypatch.setenv("MICROGPT_HUB_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("MICROGPT_CHP", "/bin/true")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader(str(classroom_hub.CONFIG)).load_config()


def test_hub_config_sets_what_the_readme_promises(tmp_path, monkeypatch):
    (tmp_path / "class.txt").write_text("Ada\ngrace\n")
    c = load_hub_config(tmp_path, monkeypatch, MICROGPT_HUB_PASSWORD="a class password",
                        MICROGPT_HUB_LEARNERS=str(tmp_path / "class.txt"))
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert c.SharedPasswordAuthenticator.user_password == "a class password"
    assert c.Authenticator.allowed_users == {"ada", "grace"}
    assert c.JupyterHub.spawner_class == "simple"
    assert c.SimpleLocalProcessSpawner.home_dir_template == str(tmp_path / "home" / "{username}")
    assert c.JupyterHub.db_url.endswith(str(tmp_path / "state" / "jupyterhub.sqlite"))
    assert c.ConfigurableHTTPProxy.command == ["/bin/true"]
    assert c.Spawner.environment["MICROGPT_DATA"] == str(ROOT / "data" / "names.txt")
    assert any("cull_idle_timeout" in a for a in c.Spawner.args)
    # learners' servers get ports below the range the system hands out to kernels
    spawner = type("Spawner", (), {"port": 0})()
    c.Spawner.pre_spawn_hook(spawner)
    assert 20000 <= spawner.port < 21000


def test_hub_config_wants_a_password(tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match="MICROGPT_HUB_PASSWORD"):
        load_hub_config(tmp_path, monkeypatch)


def test_z2jh_values_name_image_data_resources_and_culling():
    yaml = pytest.importorskip("yaml")   # PyYAML comes with jupyter_server (jupyter-events)
    values = yaml.safe_load((ROOT / "classroom" / "z2jh-values.yaml").read_text(encoding="utf-8"))
    user = values["singleuser"]
    assert user["image"]["name"] and user["image"]["tag"]
    assert user["extraEnv"]["MICROGPT_DATA"].endswith("names.txt")
    assert user["memory"]["guarantee"] and user["memory"]["limit"]
    assert user["cpu"]["guarantee"] <= user["cpu"]["limit"]
    assert values["cull"]["enabled"] and values["cull"]["timeout"] > 0
    kernels = user["extraFiles"]["kernel-culling"]
    assert kernels["mountPath"].endswith(".json")
    json.dumps(kernels["data"])          # z2jh writes it as JSON
