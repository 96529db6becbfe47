"""The classroom of classroom/README.md works on a real JupyterHub, and keeps learners apart.

Starts classroom/jupyterhub_config.py as root on 127.0.0.1 (JupyterHub, configurable-http-
proxy, NativeAuthenticator accounts made with classroom/accounts.py, one Unix user per learner,
the memory cap, the teacher's progress service), with two learners and a teacher, and a
teacher's repository (this repository's HEAD with the work tree on top) served by git daemon.
Proves, as those three people:

- each logs in with their own password and not with another's; only the teacher's page;
- the nbgitpuller link's first click copies the course into the learner's home, a kernel
  started through the hub runs the pulled course as the learner's own Unix user with the
  dataset, and a second click brings the teacher's change and keeps the learner's edit;
- learner A (from A's own kernel) cannot read or write B's home, write the dataset or the
  environment, read the hub's state or B's server token (/proc/PID/environ), and PYTHONPATH
  holds only A's own folders;
- a run over the memory cap fails in A's kernel with a clear message while B's keeps running;
- A passes two exercises (and tries a third) and B one: the teacher's progress page shows
  exactly that, and a learner asking for it is refused.

Also, quickly: the config file refuses to start when not root and sets what the README
promises; classroom/z2jh-values.yaml names the image, the dataset, the authenticator, the
progress service, resources and culling.

The hub and the learners' browser-like sessions are benchmarks/classroom_hub.py's (shared
with benchmarks/bench_classroom.py). Needs root, configurable-http-proxy (`make proxy`) and
the classroom's environment (`make classroom-env`): without them the hub tests skip, saying
which, except in CI (CI=true), where they fail. Every wait waits for an event, with a deadline.
"""
import copy
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
classroom_hub = importlib.import_module("classroom_hub")

CHAPTER = "notebooks/00_start_here.ipynb"
COURSE = classroom_hub.COURSE
CAP = 2 * 2**30                 # the config's default MICROGPT_HUB_MEMORY


def missing():
    """Why the real hub cannot run here, or None."""
    if os.geteuid() != 0:
        return ("needs root: the classroom hub makes a Unix user per learner (run the tests "
                "as root, as CI does, e.g. `sudo .venv/bin/python -m pytest "
                "tests/test_classroom.py`)")
    if not classroom_hub.find_proxy():
        return "configurable-http-proxy not found: run `make proxy` (needs npm)"
    if not classroom_hub.CLASS_PYTHON.exists():
        return f"{classroom_hub.CLASS_ENV} not found: run `make classroom-env`"
    return None


@pytest.fixture(scope="module")
def git_server():
    folder = classroom_hub.shared_folder("microgpt-teacher-")
    try:
        with classroom_hub.GitServer(folder) as server:
            yield server
    finally:
        import shutil
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def source(git_server):
    """(path, branch) of the teacher's repository."""
    return classroom_hub.course_source(git_server.folder)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    why = missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    with classroom_hub.Hub(tmp_path_factory.mktemp("hub"), accounts=("alice", "bob")) as running:
        yield running                    # stops it all and removes the Unix users it made


@pytest.fixture(scope="module")
def link(hub, source, git_server):
    path, branch = source
    return classroom_hub.pull_link(hub.url, git_server.url(path), branch, CHAPTER)


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


def run(kernel, code):
    """Run `code`; its stdout. Fails the test (with the error) if the cell failed."""
    out = kernel.run(code)
    assert out["status"] == "ok", (out["error"], out["stderr"])
    return out["stdout"]


# --- own accounts -----------------------------------------------------------------------------

@pytest.mark.slow
def test_each_logs_in_with_their_own_password_only(hub):
    pw = hub.passwords
    for name, other in (("alice", "bob"), ("bob", "alice"), ("teacher", "alice")):
        assert not classroom_hub.Learner(hub, name).log_in(pw[other]), \
            f"{name} got in with {other}'s password"
        assert not classroom_hub.Learner(hub, name).log_in("microgpt-class"), name
        assert classroom_hub.Learner(hub, name).log_in(), f"{name} refused with own password"
    # nobody can sign up (the teacher makes the accounts), so no name can be claimed
    mallory = classroom_hub.Learner(hub, "mallory", password="a long password")
    assert mallory.session.get(f"{hub.url}/hub/signup", timeout=60).status_code == 404
    mallory.session.get(f"{hub.url}/hub/login", timeout=60)          # the _xsrf cookie
    r = mallory.session.post(f"{hub.url}/hub/signup", timeout=60, data={
        "username": "mallory", "signup_password": "a long password",
        "signup_password_confirmation": "a long password",
        "_xsrf": mallory.session.cookies.get("_xsrf", path="/hub/")})
    assert r.status_code == 404, r.status_code
    assert not mallory.log_in()


# --- the course through the link --------------------------------------------------------------

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
def test_a_kernel_runs_the_pulled_course_as_the_learner(first_click, learners, hub):
    bob = learners["bob"]
    probe = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{
        "cell_type": "code", "id": "probe", "metadata": {}, "outputs": [],
        "execution_count": None, "source":
            "import os\nimport microgpt\n"
            "assert microgpt.__file__.startswith(os.path.join(os.environ['HOME'], "
            f"'{COURSE}')), microgpt.__file__\n"
            f"assert os.getuid() == {hub.unix_user('bob').pw_uid}, os.getuid()\n"
            "from microgpt import load_names\nassert len(load_names()) > 30000\n"}]}
    bob.save_notebook("probe.ipynb", probe)
    assert bob.run_notebook("probe.ipynb") == 1
    # chapter 00's first cells: the set-up check, versions, the dataset
    assert bob.run_notebook(f"{COURSE}/{CHAPTER}", max_cells=3) == 3
    home = bob.home.stat()
    assert (home.st_uid, home.st_mode & 0o777) == (hub.unix_user("bob").pw_uid, 0o700)


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


# --- kept apart --------------------------------------------------------------------------------

PROBE = r"""
import json, os, site, sys
def attempt(what, action):
    try:
        action()
        return "allowed"
    except PermissionError:
        return "denied"
    except OSError as e:
        return f"{type(e).__name__}: {e}"
def write(path):
    with open(path, "a"):
        pass
def create(folder):
    with open(os.path.join(folder, "mgpt-probe.txt"), "w"):
        pass
    os.remove(os.path.join(folder, "mgpt-probe.txt"))
T = json.loads(TARGETS)
got = {
    "own home (control)": attempt("", lambda: create(os.environ["HOME"])),
    "list B's home": attempt("", lambda: os.listdir(T["b_home"])),
    "read B's notebook": attempt("", lambda: open(T["b_notebook"]).read()),
    "read B's progress": attempt("", lambda: open(T["b_progress"]).read()),
    "write into B's home": attempt("", lambda: create(T["b_home"])),
    "write into B's course (their PYTHONPATH)": attempt("", lambda: create(T["b_course"])),
    "write the dataset": attempt("", lambda: write(os.environ["MICROGPT_DATA"])),
    "write into the environment": attempt("", lambda: create(site.getsitepackages()[0])),
    "write the environment's python": attempt("", lambda: write(os.path.realpath(sys.executable))),
    "list the hub's state": attempt("", lambda: os.listdir(T["state"])),
    "read the cookie secret": attempt("", lambda: open(T["cookie"]).read()),
    "read the hub's database": attempt("", lambda: open(T["db"], "rb").read()),
    "read B's server token": attempt("", lambda: open(f"/proc/{T['b_pid']}/environ").read()),
}
paths = [p for p in os.environ["PYTHONPATH"].split(os.pathsep) if p]
got["PYTHONPATH"] = [(p, os.stat(p).st_uid == os.getuid() and not os.stat(p).st_mode & 0o022)
                     for p in paths]
print(json.dumps(got))
"""


@pytest.mark.slow
def test_learner_a_cannot_reach_b_the_dataset_the_environment_or_the_hub(
        first_click, learners, hub):
    assert not first_click, first_click
    alice, bob = learners["alice"], learners["bob"]
    b_pid = hub.server_pid("bob")
    assert b_pid, "bob's server is not running"
    targets = {"b_home": str(bob.home), "b_notebook": str(bob.home / COURSE / CHAPTER),
               "b_progress": str(bob.home / ".microgpt" / "progress.json"),
               "b_course": str(bob.home / COURSE), "state": str(hub.state),
               "cookie": str(hub.state / "jupyterhub_cookie_secret"),
               "db": str(hub.state / "jupyterhub.sqlite"), "b_pid": b_pid}
    with alice.kernel() as k:
        got = json.loads(run(k, PROBE.replace("TARGETS", repr(json.dumps(targets)), 1)))
    paths = got.pop("PYTHONPATH")
    assert got.pop("own home (control)") == "allowed"
    assert got == dict.fromkeys(got, "denied"), got
    assert paths and all(ok for _, ok in paths), paths
    assert all(p.startswith(str(alice.home)) for p, _ in paths), paths


# --- the memory cap ----------------------------------------------------------------------------

@pytest.mark.slow
def test_a_run_over_the_cap_fails_in_a_alone(first_click, learners):
    assert not first_click, first_click
    alice, bob = learners["alice"], learners["bob"]
    with bob.kernel("bob-running.ipynb") as kb, alice.kernel("alice-big.ipynb") as ka:
        run(kb, "x = 41")
        assert run(ka, "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])"
                   ).strip() == str(CAP)
        # the course's guard: a model whose training cannot fit is refused, saying why
        out = run(ka, "from microgpt import GPTConfig\nfrom microgpt.limits import check_memory\n"
                      "try:\n    check_memory(GPTConfig(vocab_size=28, n_embd=256, n_layer=4, "
                      "block_size=16))\nexcept ValueError as e:\n    print('refused:', e)\n")
        assert out.startswith("refused: training this GPT"), out
        have = re.search(r"this process has about ([\d.]+) (GB|MB)", out)
        assert have, out
        assert float(have[1]) * 2 ** (30 if have[2] == "GB" else 20) <= CAP, out
        # anything else past the cap: MemoryError in A's kernel, which carries on
        big = ka.run("numbers = [0.0] * (400 * 2**20)     # 3.2 GB of pointers")
        assert big["status"] == "error" and big["error"].startswith("MemoryError"), big
        assert run(ka, "print('still here')").strip() == "still here"
        # B's kernel kept running: the same kernel, its state intact
        assert run(kb, "print(x + 1)").strip() == "42"


# --- the teacher's progress page ----------------------------------------------------------------

# chapter 00's exercise ids through the checkers' own register (common.exercise), with a
# question whose answer is 42: the chapters' questions change, the recording path does not
ANSWERS = ("from microgpt.course.checks.common import check_number, exercise\n"
           "def checker(eid):\n"
           "    return exercise(eid, 'a class test', 'predict')(lambda answer: check_number(\n"
           "        answer, 42, 0, 'right', 'too high', 'too low'))\n"
           "ex1, ex2, ex3 = checker('00.1'), checker('00.2'), checker('00.3')\n")


def wait_for(predicate, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.2)


@pytest.mark.slow
def test_the_teacher_sees_the_class_progress_and_a_learner_does_not(first_click, learners, hub):
    assert not first_click, first_click
    alice, bob = learners["alice"], learners["bob"]
    with alice.kernel("alice-exercises.ipynb") as k:
        out = run(k, ANSWERS + "ex1(42)\nex2(7)\nex3(42)\nex2(None)\n")
        assert out.count("Correct!") == 2 and out.count("Not yet:") == 2, out
    with bob.kernel("bob-exercises.ipynb") as k:
        assert "Correct!" in run(k, ANSWERS + "ex1(42)\n")

    def progress_of(learner):
        path = learner.home / ".microgpt" / "progress.json"
        return json.loads(path.read_text()) if path.exists() else {}
    wait_for(lambda: len(progress_of(alice).get("exercises", {})) == 3, "alice's progress")
    wait_for(lambda: len(progress_of(bob).get("exercises", {})) == 1, "bob's progress")
    assert (alice.home / ".microgpt" / "progress.json").stat().st_uid == \
        hub.unix_user("alice").pw_uid

    teacher = classroom_hub.Learner(hub, "teacher")
    assert teacher.log_in()
    r = teacher.session.get(f"{hub.url}/services/progress/progress.json", timeout=120)
    assert r.status_code == 200, (r.status_code, r.url)
    table = r.json()
    rows = {lr["name"]: lr for lr in table["learners"]}
    assert set(rows) == {"alice", "bob"}                     # the teacher is not a learner
    assert rows["alice"]["progress"] == {"00.1": "passed", "00.2": "tried", "00.3": "passed"}
    assert rows["bob"]["progress"] == {"00.1": "passed"}
    assert rows["alice"]["last_activity"] and rows["bob"]["last_activity"]
    ids = [e for e, _ in table["exercises"]]
    assert ids[:3] == ["00.1", "00.2", "00.3"] and len(ids) > 20    # every checker's column
    page = teacher.session.get(f"{hub.url}/services/progress/", timeout=120)
    assert page.status_code == 200
    alice_row = re.search(r'<tr data-learner="alice">(.*?)</tr>', page.text).group(1)
    assert re.findall(r'<td class="(\w+)" data-exercise="00\.\d">', alice_row) == \
        ["passed", "tried", "passed"]
    assert alice_row.count('class="passed"') == 2 and alice_row.count('class="tried"') == 1

    for name in ("alice", "bob"):                            # learners are refused the page
        learner = classroom_hub.Learner(hub, name)
        assert learner.log_in()
        for path in ("", "progress.json"):
            r = learner.session.get(f"{hub.url}/services/progress/{path}", timeout=120)
            assert r.status_code == 403, (name, path, r.status_code, r.url)
            assert "00.1" not in r.text


# --- the files themselves, without a hub ----------------------------------------------------

def load_hub_config(tmp_path, monkeypatch, **env):
    from traitlets.config.loader import PyFileConfigLoader
    for name in ("MICROGPT_HUB_TEACHERS", "MICROGPT_HUB_SIGNUP", "MICROGPT_HUB_MEMORY",
                 "MICROGPT_DATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROGPT_HUB_HOMES", str(tmp_path / "home"))
    monkeypatch.setenv("MICROGPT_HUB_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("MICROGPT_CHP", "/bin/true")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader(str(classroom_hub.CONFIG)).load_config()


def test_hub_config_refuses_to_run_without_root(tmp_path, monkeypatch):
    pytest.importorskip("nativeauthenticator")
    if os.geteuid() != 0:
        with pytest.raises(SystemExit, match="runs as root"):
            load_hub_config(tmp_path, monkeypatch)
        return
    if not classroom_hub.CLASS_PYTHON.exists():             # as root: load it as `nobody`
        pytest.skip(missing())
    code = ("from traitlets.config.loader import PyFileConfigLoader\n"
            f"PyFileConfigLoader({str(classroom_hub.CONFIG)!r}).load_config()\n")
    done = subprocess.run([str(classroom_hub.CLASS_PYTHON), "-c", code], user=65534,
                          group=65534, extra_groups=[], cwd="/", capture_output=True,
                          text=True, timeout=120, env={"PATH": os.environ["PATH"]})
    assert done.returncode != 0 and "runs as root" in done.stderr, done.stderr[-500:]


@pytest.mark.skipif(os.geteuid() != 0, reason="the config runs as root only (CI is root)")
def test_hub_config_sets_what_the_readme_promises(tmp_path, monkeypatch):
    pytest.importorskip("nativeauthenticator")
    monkeypatch.setattr(sys, "executable", str(classroom_hub.CLASS_PYTHON))
    monkeypatch.setattr(sys, "prefix", str(classroom_hub.CLASS_ENV))
    if not classroom_hub.CLASS_PYTHON.exists():
        pytest.skip(missing())
    tmp_path.chmod(0o755)
    c = load_hub_config(tmp_path, monkeypatch, MICROGPT_HUB_TEACHERS="ms-lee, mr-po",
                        MICROGPT_HUB_MEMORY="1500M")
    assert c.JupyterHub.authenticator_class.__name__ == "ClassroomAuthenticator"
    assert c.Authenticator.admin_users == {"ms-lee", "mr-po"}
    assert c.NativeAuthenticator.enable_signup is False
    assert c.NativeAuthenticator.open_signup is False
    spawner = c.JupyterHub.spawner_class
    assert spawner.__name__ == "ClassroomSpawner" and spawner.memory == 1500 * 2**20
    assert c.JupyterHub.db_url.endswith(str(tmp_path / "state" / "jupyterhub.sqlite"))
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "home").stat().st_mode & 0o777 == 0o711
    assert c.ConfigurableHTTPProxy.command == ["/bin/true"]
    assert c.Spawner.environment["MICROGPT_DATA"] == str(ROOT / "data" / "names.txt")
    assert any("cull_idle_timeout" in a for a in c.Spawner.args)
    [service] = c.JupyterHub.services
    assert service["name"] == "progress" and service["command"][-1].endswith(
        "progress_service.py")
    [role] = c.JupyterHub.load_roles
    assert role["services"] == ["progress"] and "access:services" not in role["scopes"]
    # the dataset where learners cannot read it: refused, saying why
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    (hidden / "names.txt").write_text("ada\n")
    with pytest.raises(SystemExit, match="cannot be read by other users"):
        load_hub_config(tmp_path, monkeypatch, MICROGPT_DATA=str(hidden / "names.txt"))


@pytest.mark.skipif(os.geteuid() != 0, reason="the config runs as root only (CI is root)")
def test_hub_config_refuses_a_bad_memory_cap(tmp_path, monkeypatch):
    pytest.importorskip("nativeauthenticator")
    with pytest.raises(SystemExit, match="MICROGPT_HUB_MEMORY"):
        load_hub_config(tmp_path, monkeypatch, MICROGPT_HUB_MEMORY="lots")
    with pytest.raises(SystemExit, match="too small"):
        load_hub_config(tmp_path, monkeypatch, MICROGPT_HUB_MEMORY="100M")


def test_z2jh_values_name_image_data_accounts_progress_resources_and_culling():
    yaml = pytest.importorskip("yaml")   # PyYAML comes with jupyter_server (jupyter-events)
    values = yaml.safe_load((ROOT / "classroom" / "z2jh-values.yaml").read_text(encoding="utf-8"))
    user = values["singleuser"]
    assert user["image"]["name"] and user["image"]["tag"]
    assert user["extraEnv"]["MICROGPT_DATA"].endswith("names.txt")
    assert user["extraEnv"]["MICROGPT_PROGRESS"].endswith(".microgpt/progress.json")
    assert user["memory"]["guarantee"] and user["memory"]["limit"]
    assert user["cpu"]["guarantee"] <= user["cpu"]["limit"]
    assert values["cull"]["enabled"] and values["cull"]["timeout"] > 0
    server_config = user["extraFiles"]["jupyter-server-config"]
    assert server_config["mountPath"].endswith(".json")
    json.dumps(server_config["data"])          # z2jh writes it as JSON
    hub = values["hub"]
    assert hub["config"]["JupyterHub"]["authenticator_class"] == "native"
    assert hub["config"]["NativeAuthenticator"]["open_signup"] is False
    assert hub["services"]["progress"]["command"][-1].endswith("progress_service.py")
    assert hub["extraFiles"]["progress-service"]["mountPath"].endswith("progress_service.py")
    role = hub["loadRoles"]["progress-reader"]
    assert role["services"] == ["progress"] and "access:servers" in role["scopes"]


# --- the progress page's reading, without a hub ------------------------------------------------

def progress_service():
    pytest.importorskip("jupyterhub")
    spec = importlib.util.spec_from_file_location(
        "progress_service", ROOT / "classroom" / "progress_service.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_progress_page_reads_only_the_learners_own_regular_file(tmp_path):
    service = progress_service()
    uid = os.getuid()
    home = tmp_path / "ada"
    (home / ".microgpt").mkdir(parents=True)
    record = home / ".microgpt" / "progress.json"
    record.write_text(json.dumps({"exercises": {"04.1": {"passed": True},
                                                "04.2": {"passed": False}, "x": {}}}))
    assert service.states(service.read_own_file(home, uid)) == {"04.1": "passed",
                                                                 "04.2": "tried"}
    assert service.read_own_file(home, uid + 1) is None              # not the learner's file
    secret = tmp_path / "secret.txt"
    secret.write_text('{"exercises": {"09.9": {"passed": true}}}')
    record.unlink()
    record.symlink_to(secret)                                         # a link: not followed
    assert service.read_own_file(home, uid) is None
    record.unlink()
    os.mkfifo(record)                                                 # a FIFO: never blocks
    assert service.read_own_file(home, uid) is None
    record.unlink()
    record.write_text(" " * (service.MAX_BYTES + 1))                  # too big: not read
    assert service.read_own_file(home, uid) is None
    other = tmp_path / "bob"
    other.mkdir()
    (other / ".microgpt").symlink_to(home / ".microgpt")              # a linked folder
    assert service.read_own_file(other, uid) is None
    assert service.states("{ not json") == {} and service.states("[1]") == {}


def test_progress_page_lists_every_exercise_and_escapes_what_it_shows():
    service = progress_service()
    listed = service.course_exercises(ROOT / "microgpt" / "course" / "checks")
    ids = [e for e, _ in listed]
    assert len(ids) > 20 and ids == sorted(ids, key=lambda e: tuple(map(int, e.split("."))))
    table = {"exercises": [["00.1", "a <b>title</b>"], ["00.2", ""]],
             "learners": [{"name": "<script>x</script>", "last_activity": None,
                           "progress": {"00.1": "passed"}}]}
    page = service.render(table)
    assert "<script>x" not in page and "&lt;script&gt;" in page
    assert "<b>title" not in page
    assert re.findall(r'<td class="(\w+)" data-exercise', page) == ["passed", "none"]
