"""Browser smoke tests: every chapter runs clean in a real JupyterLab, and the widgets work.

One JupyterLab server (127.0.0.1, random port, token, all Jupyter dirs temporary) serves a
temporary copy of notebooks/; one headless Chromium page (Debian's /usr/bin/chromium,
driven by Playwright; never `playwright install`) opens each chapter, clears it, runs
Run → Run All Cells and checks that every code cell ran and no error output shows. The
training chapter's Train button must retrain (its output changes) and the sampling
chapter's temperature slider must change the samples. A screenshot of each chapter goes to
tests/output/ (git-ignored). Without Chromium or Playwright these tests skip, unless
MICROGPT_REQUIRE_BROWSER=1 (as in .ci/run), where they fail.

The steps run in a fixed order in one page, so a chapter's widget checks reuse its run.
"""
import os
import time
from pathlib import Path

import pytest

from conftest import ROOT
from lab_page import CHROMIUM, CHROMIUM_ARGS, LabPage
from lab_server import LabServer

pytestmark = pytest.mark.browser

NOTEBOOKS = ROOT / "notebooks"
OUTPUT = ROOT / "tests" / "output"
CHAPTER_TIMEOUT_MS = 240_000          # per chapter, generous for a shared 2-core machine
TRAINING_CHAPTER, SAMPLING_CHAPTER = "06", "07"


def chapter(prefix):
    found = sorted(NOTEBOOKS.glob(f"{prefix}_*.ipynb"))
    return found[0] if found else None


def steps():
    """('run', chapter) for every notebook, each chapter's widget checks right after it."""
    out = [pytest.param(("run", p), id=f"run-{p.stem}")
           for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]
    for kind, prefix in (("train-button", TRAINING_CHAPTER),
                         ("temperature-slider", SAMPLING_CHAPTER)):
        path = chapter(prefix)
        step = pytest.param((kind, path or prefix), id=f"{kind}-{path.stem if path else prefix}")
        after = [i for i, p in enumerate(out) if path and p.values[0] == ("run", path)]
        out.insert(after[0] + 1 if after else len(out), step)
    return out


def browser_missing():
    """Why the browser tests cannot run here, or None."""
    if not _has_module("playwright"):
        return "the Python package playwright is not installed (pip install playwright)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    if not (_has_module("jupyterlab") and _has_module("jupyter_core")):
        return "JupyterLab is not installed (pip install jupyterlab)"
    return None


def _has_module(name):
    import importlib.util
    return importlib.util.find_spec(name) is not None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    reason = browser_missing()
    if reason:
        if os.environ.get("MICROGPT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required (MICROGPT_REQUIRE_BROWSER=1) but {reason}",
                        pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    server = LabServer(NOTEBOOKS, tmp_path_factory.mktemp("jupyterlab"), ROOT).start()
    timings = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            driver = LabPage(page, server)
            driver.timings = timings
            try:
                yield driver
            finally:
                browser.close()
    finally:
        write_summary(timings, server.peak_rss_mb())
        server.stop()


def write_summary(timings, server_mb):
    """tests/output/browser_summary.txt: seconds per step and the server's peak memory."""
    if not timings:
        return
    OUTPUT.mkdir(exist_ok=True)
    lines = [f"{step}: {seconds:.1f} s" for step, seconds in timings.items()]
    lines.append(f"total: {sum(timings.values()):.1f} s")
    if server_mb is not None:
        lines.append(f"JupyterLab server peak memory: {server_mb:.0f} MB")
    (OUTPUT / "browser_summary.txt").write_text("\n".join(lines) + "\n")


def ensure_run(lab, path):
    """Open `path` and Run All, unless it is already the open, freshly run chapter."""
    if lab.current == path.name:
        return
    lab.open(path.name)
    lab.run_all(CHAPTER_TIMEOUT_MS)


@pytest.mark.parametrize("step", steps())
def test_in_browser(lab, step):
    kind, path = step
    if not isinstance(path, Path):
        pytest.skip(f"chapter {path} is not written yet (no notebooks/{path}_*.ipynb)")
    t0 = time.monotonic()
    if kind == "run":
        lab.current = None          # always a fresh open and run for this step
        ensure_run(lab, path)
        lab.screenshot(OUTPUT / f"{path.stem}.png")
        errors = lab.error_outputs()
        assert not errors, f"{path.name} shows error output:\n" + "\n---\n".join(errors)
        assert lab.code_cell_count() > 0
        assert lab.unexecuted_cells() == [], f"{path.name}: code cells that did not run"
    elif kind == "train-button":
        ensure_run(lab, path)
        assert lab.button("Train").count() >= 1, "no widget button labelled 'Train'"
        before, after = lab.press_button("Train", CHAPTER_TIMEOUT_MS)
        lab.screenshot(OUTPUT / f"{path.stem}_after_train.png")
        assert after != before, "pressing Train changed nothing in the panel's output"
        assert not lab.error_outputs(), "\n".join(lab.error_outputs())
    elif kind == "temperature-slider":
        ensure_run(lab, path)
        assert lab.slider("temperature").count() >= 1, "no slider described 'temperature'"
        value, before, after = lab.move_slider("temperature", CHAPTER_TIMEOUT_MS)
        lab.screenshot(OUTPUT / f"{path.stem}_after_slider.png")
        assert after != before, f"temperature {value:g} did not change the samples"
        assert not lab.error_outputs(), "\n".join(lab.error_outputs())
    lab.timings[f"{kind} {path.stem}"] = time.monotonic() - t0
