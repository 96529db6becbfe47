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
No step has a fixed time limit: each waits while the page makes progress (cells completing,
outputs changing) and fails only after lab_page.STALL_S seconds with none, saying where it
stuck, so a busy machine makes them slower, never red.

The chapters are the committed ones (tests/committed.py): a learner's runs saved in
notebooks/ neither break nor change these tests.

Opening a chapter (a second JupyterLab, with the course's own settings, jupyter/, and a
2-second autosave): each chapter, copied and put in JupyterLab's saved form by
scripts/normalize_notebooks.py, is opened without running anything, as an untrusted
notebook (every fresh clone is). Every saved picture must show, none may be wider than
the output area at a 1400-pixel-wide window, no news pop-up may show, and opening,
scrolling through, waiting past autosave and closing must leave the file byte-identical
and no kernel running.
"""
import importlib.util
import json
import os
import re
import time
from pathlib import Path

import pytest

import committed
from conftest import ROOT
from lab_page import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, PANEL, LabPage
from lab_server import LabServer

pytestmark = pytest.mark.browser

NOTEBOOKS = committed.notebooks_dir()
OUTPUT = ROOT / "tests" / "output"
TRAINING_CHAPTER, SAMPLING_CHAPTER = "06", "07"
KINDS = ("run", "train-button", "temperature-slider")


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


def saved_pictures(path):
    """How many outputs of the notebook at `path` hold a picture (an image, or HTML with one)."""
    count = 0
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            html = data.get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            if any(m in data for m in ("image/png", "image/jpeg", "image/gif", "image/svg+xml")) \
                    or "<img" in html or "<svg" in html:
                count += 1
    return count


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
    return importlib.util.find_spec(name) is not None


def need_browser():
    """Skip (or, with MICROGPT_REQUIRE_BROWSER=1, fail) where the browser tests cannot run."""
    reason = browser_missing()
    if reason:
        if os.environ.get("MICROGPT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required (MICROGPT_REQUIRE_BROWSER=1) but {reason}",
                        pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright():
    """One Playwright for the module: a second sync Playwright cannot start beside it."""
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def lab(tmp_path_factory, playwright):
    server = LabServer(committed.notebooks_dir(), tmp_path_factory.mktemp("jupyterlab"),
                       ROOT).start()
    timings = {}
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(ACTION_TIMEOUT_MS)
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
    steps = [v for k, v in timings.items() if k.split()[0] in KINDS]     # not the parts
    lines.append(f"total of the steps: {sum(steps):.1f} s")
    if server_mb is not None:
        lines.append(f"JupyterLab server peak memory: {server_mb:.0f} MB")
    (OUTPUT / "browser_summary.txt").write_text("\n".join(lines) + "\n")


def ensure_run(lab, path):
    """Open `path` and Run All, unless it is already the open, freshly run chapter."""
    if lab.current == path.name:
        return
    lab.open(path.name)
    lab.timings[f"Run All {path.stem} (cells only)"] = lab.run_all()


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
        pressed = time.monotonic()
        before, after = lab.press_button("Train")
        lab.timings["Train pressed with the defaults (until idle)"] = time.monotonic() - pressed
        lab.screenshot(OUTPUT / f"{path.stem}_after_train.png")
        assert after != before, "pressing Train changed nothing in the panel's output"
        assert not lab.error_outputs(), "\n".join(lab.error_outputs())
        status = lab.page.locator(f"{PANEL} .microgpt-status").last.inner_text()
        found = re.search(r"validation loss (\d+\.\d+).*?bigram baseline (\d+\.\d+)", status)
        assert found, f"the status line shows no validation loss and baseline: {status!r}"
        assert float(found[1]) < float(found[2]), f"the default run ends above the baseline: " \
            f"{status!r}"
    elif kind == "temperature-slider":
        ensure_run(lab, path)
        assert lab.slider("temperature").count() >= 1, "no slider described 'temperature'"
        value, before, after = lab.move_slider("temperature")
        lab.screenshot(OUTPUT / f"{path.stem}_after_slider.png")
        assert after != before, f"temperature {value:g} did not change the samples"
        assert not lab.error_outputs(), "\n".join(lab.error_outputs())
    lab.timings[f"{kind} {path.stem}"] = time.monotonic() - t0


# ---- opening a chapter: nothing run, untrusted, the course's settings --------------------

OPEN_WIDTH = 1400                     # px: the window of the "graphs fit the page" check
AUTOSAVE_S = 2                        # the test's autosave interval (JupyterLab's default: 120)
OPEN_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none", "autoStartDefaultKernel": True},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings":
        {"autosaveInterval": AUTOSAVE_S},
}


def chapters():
    return [pytest.param(p, id=p.stem) for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]


def _normalizer():
    spec = importlib.util.spec_from_file_location(
        "normalize_notebooks", ROOT / "scripts" / "normalize_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def opened(tmp_path_factory, playwright):
    """visit(chapter) -> what opening it showed and did; each chapter is visited once."""
    normalize = _normalizer().normalize_text
    server = LabServer(committed.notebooks_dir(), tmp_path_factory.mktemp("jupyterlab-open"), ROOT,
                       user_settings=OPEN_SETTINGS, app_settings_dir=ROOT / "jupyter")
    for path in server.root_dir.glob("*.ipynb"):      # the committed form, whatever Python
        path.write_text(normalize(path.read_text(encoding="utf-8")), encoding="utf-8")
    server.start()
    seen = {}
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": OPEN_WIDTH, "height": 900})
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        lab = LabPage(page, server)

        def visit(path):
            if path.name not in seen:
                seen[path.name] = _visit(lab, server.root_dir / path.name)
            return seen[path.name]
        try:
            yield visit
        finally:
            browser.close()
    finally:
        server.stop()


def _visit(lab, path):
    """Open `path` (nothing run), measure its pictures, read it, wait past autosave, close."""
    t0 = time.monotonic()
    before = path.read_bytes()
    lab.open(path.name)
    pictures = lab.pictures()
    toast = lab.news_toast()
    lab.screenshot(OUTPUT / f"open_{path.stem}.png")
    lab.scroll_through()
    time.sleep(2.5 * AUTOSAVE_S)        # past at least two autosaves
    dirty = lab.is_dirty()
    dialog = lab.close_tab()
    return {"pictures": pictures, "toast": toast, "dirty": dirty, "dialog": dialog,
            "unchanged": path.read_bytes() == before, "seconds": time.monotonic() - t0,
            "kernels_after_close": kernels_left(lab.server)}


def kernels_left(server, patience_s=300):
    """The kernels still running once closing has had time to shut its kernel down (the
    course's settings, jupyter/overrides.json): [] as soon as there are none."""
    deadline = time.monotonic() + patience_s
    while True:
        kernels = server.api("GET", "/api/kernels")
        if not kernels or time.monotonic() > deadline:
            return [k.get("execution_state") for k in kernels]
        time.sleep(1)


@pytest.mark.parametrize("path", chapters())
def test_saved_pictures_show_before_anything_runs(opened, path):
    seen = opened(path)
    shown = [o for o in seen["pictures"] if all(p["loaded"] for p in o["pictures"])]
    assert len(shown) == saved_pictures(path), (
        f"{path.name}: {saved_pictures(path)} saved picture outputs, {len(shown)} shown "
        f"(untrusted, nothing run): {seen['pictures']}")
    assert not seen["toast"], f"a notification covers the notebook: {seen['toast']!r}"


@pytest.mark.parametrize("path", chapters())
def test_no_picture_is_wider_than_the_output_area(opened, path):
    seen = opened(path)
    for out in seen["pictures"]:
        for pic in out["pictures"]:
            assert pic["width"] <= out["area"] + 1, (
                f"{path.name}: a {pic['tag']} of {pic['width']:.0f} px in an output area of "
                f"{out['area']} px ({OPEN_WIDTH}-px window)")
        assert out["scroll"] <= out["area"] + 1, f"{path.name}: an output scrolls sideways"


@pytest.mark.parametrize("path", chapters())
def test_opening_reading_and_closing_leaves_the_file_unchanged(opened, path):
    seen = opened(path)
    assert seen["dialog"] is None, f"closing {path.name} asked: {seen['dialog']!r}"
    assert not seen["dirty"], f"{path.name} was marked modified by opening and scrolling it"
    assert seen["unchanged"], f"{path.name} was rewritten by opening it (autosave)"


@pytest.mark.parametrize("path", chapters()[:1])
def test_closing_a_notebook_shuts_its_kernel_down(opened, path):
    """With the course's settings (jupyter/overrides.json, as `make course`, Binder and the
    hub use them) a closed tab leaves no kernel holding memory."""
    seen = opened(path)
    assert seen["dialog"] is None
    assert seen["kernels_after_close"] == [], (
        f"closing {path.name} left kernels running: {seen['kernels_after_close']}")
