"""The JupyterLite site (`make site`, scripts/build_site.py) and the course in a browser tab.

test_site_has_everything (slow): the build puts every chapter (with its browser cell), the
checkpoints, data/names.txt, the microgpt wheel in piplite's index, the Pyodide core and the
kernel's start-up wheels into one folder, and the root page opens chapter 00.

The browser test (browser): the built site is served on 127.0.0.1 and opened in headless
Chromium, with every request to any other host refused, as on a machine with no network:

  covered   the Pyodide kernel starts from the site alone (core from the npm `pyodide` package,
            micropip, IPython, jedi, ... from PyPI, all in the site); chapter 01 (autograd:
            pure Python plus graphs) runs every cell with Run All Cells: its browser cell
            installs microgpt from the bundled wheel, the graphs come out as the pure-Python
            SVG, and no cell shows an error; the demo's training (`python -m microgpt`)
            runs in the REPL, reading the site's names.txt; both are timed against CPython on
            this machine, and the figures are printed.
  not here  NumPy and matplotlib exist only in the Pyodide distribution online: offline the
            browser cell says in one line that they cannot be loaded (checked), so the chapters
            that plot or use arrays (02-08) cannot be run here; they, the widgets' rendering
            and the Pyodide CDN can only be checked online, by opening the built site.

Without Chromium or Playwright, or without the site's build tools, the browser test skips,
unless MICROGPT_REQUIRE_BROWSER=1 (as in .ci/run), where it fails.
"""
import functools
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from lab_page import CHROMIUM, CHROMIUM_ARGS

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BUILD_TIMEOUT_S = 900
CHAPTER_TIMEOUT_S = 240
TRAIN_STEPS = 200               # the demo's steps timed in both Pythons (20 is too short to time)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def site_missing():
    for module in ("jupyterlite_core", "jupyterlite_pyodide_kernel"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[site]')"
    if shutil.which("npm") is None:
        return "npm is not installed (the Pyodide core comes from the npm registry)"
    if not (ROOT / "data" / "names.txt").is_file():
        return "data/names.txt is missing (make data)"
    return None


def browser_missing():
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed"
    return site_missing()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once for this module into a temporary folder."""
    reason = site_missing()
    if reason:
        if os.environ.get("MICROGPT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the site is required (MICROGPT_REQUIRE_BROWSER=1) but {reason}",
                        pytrace=False)
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("site") / "site"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_site.py"), "--output",
                    str(out)], check=True, cwd=ROOT, timeout=BUILD_TIMEOUT_S,
                   stdout=subprocess.DEVNULL)
    return out


@pytest.mark.slow
def test_site_has_everything(site):
    files = site / "files"
    for chapter in CHAPTERS:
        nb = json.loads((files / chapter.name).read_text(encoding="utf-8"))
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "browser-setup" in first["metadata"].get("tags", []), chapter.name
        assert f'await setup("{chapter.stem}")' in "".join(first["source"])
        assert nb["metadata"]["kernelspec"]["name"] == "python"      # the Pyodide kernel
    for checkpoint in (ROOT / "notebooks" / "checkpoints").iterdir():
        assert (files / "checkpoints" / checkpoint.name).read_bytes() == checkpoint.read_bytes()
    assert (files / "data" / "names.txt").read_bytes() == \
        (ROOT / "data" / "names.txt").read_bytes()
    wheel = next((site / "pypi").glob("microgpt-*-py3-none-any.whl"))
    with zipfile.ZipFile(wheel) as z:
        assert {"microgpt/course/browser.py", "microgpt/engine.py"} <= set(z.namelist())
    index = json.loads((site / "pypi" / "all.json").read_text(encoding="utf-8"))
    assert {"microgpt", "ipywidgets", "comm"} <= set(index)
    pyodide = site / "static" / "pyodide"
    assert (pyodide / "pyodide.mjs").is_file() and (pyodide / "python_stdlib.zip").is_file()
    lock = json.loads((pyodide / "pyodide-lock.json").read_text(encoding="utf-8"))["packages"]
    for name in ("micropip", "ipython", "jedi", "traitlets"):   # what the kernel loads to start
        assert (pyodide / lock[name]["file_name"]).is_file(), name
    assert lock["numpy"]["file_name"].startswith("https://")     # online only
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
    assert config["jupyter-config-data"]["defaultKernelName"] == "python"
    assert "lab/index.html?path=00_start_here.ipynb" in (site / "index.html").read_text()


# ---------------------------------------------------------------- the browser test

class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(site):
    """(base URL) of the site on a static server on 127.0.0.1, a random port."""
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def page(served):
    reason = browser_missing()
    if reason:
        if os.environ.get("MICROGPT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required (MICROGPT_REQUIRE_BROWSER=1) but {reason}",
                        pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        refused = []

        def offline(route):                      # this machine's network: none but itself
            if route.request.url.startswith(served):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        context.route("**/*", offline)
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.refused = refused
        try:
            yield pg
        finally:
            browser.close()


JS_STATE = """(p) => {
  const ind = document.querySelector(p + ' .jp-Notebook-ExecutionIndicator');
  const name = document.querySelector(p + ' .jp-Toolbar-kernelName');
  return {status: ind ? ind.dataset.status : null, kernel: name ? name.textContent : null,
          prompts: [...document.querySelectorAll(p + ' .jp-CodeCell .jp-InputArea-prompt')]
                   .map(e => e.textContent.trim())};
}"""

JS_CELLS = """(p) => [...document.querySelectorAll(p + ' .jp-CodeCell')].map(c => ({
  prompt: c.querySelector('.jp-InputArea-prompt').textContent.trim(),
  outputs: [...c.querySelectorAll('.jp-OutputArea-output')].map(o => ({
    mime: o.dataset.mimeType || '', text: o.textContent,
    pictures: [...o.querySelectorAll('img[src^="data:image/svg+xml"]')]
              .filter(i => i.complete && i.naturalWidth > 0).length}))}))"""


def wait_for(page, predicate, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate(JS_STATE, PANEL)
        if predicate(state):
            return state
        time.sleep(0.5)
    raise AssertionError(f"{what}: not done in {timeout_s} s; the page shows {state}")


def cpython_chapter_seconds(path):
    """Seconds CPython (ipykernel) takes to run every cell of the chapter, kernel start aside."""
    import nbclient
    import nbformat
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        return time.perf_counter() - start


TRAIN_CODE = f"""import time
from microgpt.__main__ import main
start = time.perf_counter()
main(["--num_steps", "{TRAIN_STEPS}"])
print("TRAIN_" f"SECONDS {{time.perf_counter() - start:.3f}}")"""


def cpython_train_seconds():
    out = subprocess.run([sys.executable, "-c", TRAIN_CODE], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=600).stdout
    return float(out.split("TRAIN_SECONDS")[1])


@pytest.mark.browser
def test_chapter_01_runs_offline_in_the_browser(page, served):
    chapter = "01_autograd.ipynb"
    page.goto(served + f"lab/index.html?path={chapter}")
    page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator")
    wait_for(page, lambda s: s["status"] == "idle" and "Pyodide" in (s["kernel"] or ""),
             CHAPTER_TIMEOUT_S, "the Pyodide kernel starting")
    start = time.monotonic()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    state = wait_for(page, lambda s: s["status"] == "idle" and s["prompts"]
                     and all(p[1:-2].isdigit() for p in s["prompts"]),
                     CHAPTER_TIMEOUT_S, "Run All Cells")
    browser_s = time.monotonic() - start
    cells = page.evaluate(JS_CELLS, PANEL)
    (ROOT / "tests" / "output").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "tests" / "output" / "site_01_autograd.png"))
    assert [c["prompt"] for c in cells] == [f"[{i}]:" for i in range(1, len(cells) + 1)], state
    errors = [o["text"][:300] for c in cells for o in c["outputs"]
              if "Traceback" in o["text"] or "Error" in o["mime"]]
    assert not errors, errors
    setup = " ".join(o["text"] for o in cells[0]["outputs"])
    assert "Running in the browser: Pyodide" in setup, setup
    # offline: the libraries of the Pyodide distribution cannot come, and the cell says so
    assert "numpy cannot be loaded here" in setup and "matplotlib cannot be loaded" in setup
    assert "ipywidgets cannot" not in setup              # it comes from the site's own index
    assert any("pure-Python drawing" in o["text"] for c in cells for o in c["outputs"])
    assert sum(o["pictures"] for c in cells for o in c["outputs"]) >= 3   # graphs, as SVG
    assert "f(3) = 20.0000, slope at 3 = 14.0000" in cells[1]["outputs"][0]["text"]
    assert all(u.startswith("https://cdn.jsdelivr.net/pyodide/") for u in page.refused)

    cpython_s = cpython_chapter_seconds(ROOT / "notebooks" / chapter)
    print(f"\nchapter 01, every cell: browser {browser_s:.1f} s, CPython {cpython_s:.1f} s, "
          f"{browser_s / cpython_s:.1f}x")


@pytest.mark.browser
def test_demo_training_runs_offline_in_the_browser(page, served):
    code = ('import piplite\nawait piplite.install("microgpt")\n'
            'from microgpt.course.browser import setup\nawait setup(libraries=())\n' + TRAIN_CODE)
    page.goto(served + "repl/index.html?kernel=python&code=" + urllib.parse.quote(code))
    deadline = time.monotonic() + CHAPTER_TIMEOUT_S
    text = ""
    while time.monotonic() < deadline and "TRAIN_SECONDS" not in text:
        time.sleep(1)
        text = "\n".join(page.locator(".jp-CodeConsole .jp-OutputArea-output").all_inner_texts())
        assert "Traceback" not in text, text[-1500:]
    assert "TRAIN_SECONDS" in text, f"no result in {CHAPTER_TIMEOUT_S} s: {text[-1500:]}"
    assert f"step {TRAIN_STEPS} / {TRAIN_STEPS}" in text and "sample 0:" in text
    browser_s = float(text.split("TRAIN_SECONDS")[1].split()[0])
    cpython_s = cpython_train_seconds()
    print(f"\ndemo training, {TRAIN_STEPS} steps: browser {browser_s:.2f} s, CPython "
          f"{cpython_s:.2f} s, {browser_s / cpython_s:.1f}x")
