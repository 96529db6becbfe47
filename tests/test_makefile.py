"""The Makefile keeps its promises: every phony target has a rule, `test` runs all three stages
(tests, doctests, nbval) even when one fails and sums them up, `test-fast` leaves out only the
browser and `slow` tests, CI lints first."""
import re
from pathlib import Path

import committed
import stages
from conftest import ROOT

MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def rules():
    """{target: its recipe lines} for every rule `target: prerequisites` of the Makefile."""
    found, current = {}, None
    for line in MAKEFILE.splitlines():
        if line.startswith("\t") and current:
            found[current].append(line.strip())
            continue
        match = re.match(r"^([\w$().-][\w$()./-]*)\s*:(?!=)", line)
        current = match.group(1) if match else None
        if current:
            found[current] = []
    return found


def test_every_phony_target_has_a_rule():
    phony = re.search(r"^\.PHONY:(.*)$", MAKEFILE, re.M).group(1).split()
    missing = [t for t in phony if t not in rules()]
    assert not missing, f"named in .PHONY but no rule: {missing}"


def test_test_runs_everything_and_test_fast_skips_only_browser_and_slow():
    recipes = rules()
    assert "$(PY) tests/stages.py tests doctests notebooks" in recipes["test"]
    assert any("$(MAKE)" in r and "proxy" in r for r in recipes["test"]), \
        "make test installs the classroom tests' proxy, as .ci/run does"
    assert stages.stage_args("tests") == ["tests"]
    assert stages.stage_args("doctests") == ["--doctest-modules", "microgpt"]
    assert '$(PY) -m pytest tests -m "not browser and not slow"' in recipes["test-fast"]
    assert any("$(DOCTEST)" in r for r in recipes["test-fast"])
    assert not any("stages.py" in r or "nbval" in r for r in recipes["test-fast"])


def test_the_notebook_stage_runs_nbval_on_the_chapters(monkeypatch):
    monkeypatch.setenv(committed.ENV, "working")
    args = stages.stage_args("notebooks")
    assert args[0] == "notebooks" and "--nbval" in args and "tests/nbval_sanitize.cfg" in args


def test_every_stage_runs_and_the_summary_names_each_failure(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(stages, "RESULTS", tmp_path)
    ran = []

    def fake_call(cmd, cwd):
        ran.append(cmd)
        report = next(a for a in cmd if a.startswith("--junitxml=")).split("=", 1)[1]
        Path(report).write_text(
            '<testsuites><testsuite><testcase name="a"><failure message="x"/></testcase>'
            '<testcase name="b"><skipped message="no Chromium: apt-get install chromium"/>'
            '</testcase></testsuite></testsuites>' if "tests" in cmd else
            '<testsuites><testsuite><testcase name="c"/></testsuite></testsuites>')
        return 1 if "tests" in cmd else 0
    monkeypatch.setattr(stages.subprocess, "call", fake_call)
    monkeypatch.setattr(stages, "stage_args", lambda name: [name])
    assert stages.main([]) == 1
    assert [c[3] for c in ran] == ["tests", "doctests", "notebooks"]    # none left out
    out = capsys.readouterr().out
    assert "FAILED: tests\n" in out and "skipped 1: no Chromium: apt-get install chromium" in out
    assert "doctests: passed; 1 tests" in out


def test_ci_lints_before_it_tests():
    steps = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert steps.index("make lint") < steps.index("make test")


def test_make_course_opens_chapter_00_and_ships_the_kernel_settings():
    import json
    recipe = " ".join(rules()["course"])
    assert "--LabApp.default_url=$(CHAPTER0)" in recipe, "the links would open the Launcher"
    assert 'JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter"' in recipe
    assert re.search(r"^CHAPTER0 := /lab/tree/notebooks/00_start_here\.ipynb$", MAKEFILE, re.M)
    assert (ROOT / "notebooks" / "00_start_here.ipynb").is_file()
    lab = json.loads((ROOT / "jupyter" / "overrides.json").read_text())
    assert lab["@jupyterlab/notebook-extension:tracker"]["kernelShutdown"] is True
    server = json.loads((ROOT / "jupyter" / "jupyter_server_config.json").read_text())
    assert server["MappingKernelManager"]["cull_idle_timeout"] > 0
    post_build = (ROOT / "postBuild").read_text()
    assert "jupyter/overrides.json" in post_build and "jupyter/jupyter_server_config.json" in \
        post_build
    hub = (ROOT / "classroom" / "jupyterhub_config.py").read_text()
    assert "--LabApp.app_settings_dir=" in hub and "cull_idle_timeout" in hub
