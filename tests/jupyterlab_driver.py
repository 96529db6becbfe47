"""Drive a real JupyterLab in Chromium for the browser smoke tests (tests/test_browser.py).

Owns: `LabServer` (JupyterLab on 127.0.0.1, a random free port, a random token, every
Jupyter/IPython directory in a temporary folder, serving a temporary copy of notebooks/) and
`LabPage` (one Playwright page: open a notebook, Run All through the menu, wait for the
kernel, read error outputs, press widget buttons, move sliders, take screenshots).

Imports: playwright (its sync API: the caller makes the page; TimeoutError is imported
where it is caught); nothing of microgpt's. Linux paths: Chromium at /usr/bin/chromium.
"""
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# JupyterLab user settings for a quiet, fully rendered notebook
LAB_SETTINGS = {
    # render every cell, not only those in view, so the DOM shows the whole notebook
    # and start the notebook's own kernel without a "Select Kernel" dialog
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none", "autoStartDefaultKernel": True},
    # no news or update toasts over the page (and no requests to the internet)
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid):
    """Peak resident memory (VmHWM) of a live process in MB, or None off Linux."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"^VmHWM:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) / 1024 if m else None


class LabServer:
    """`jupyter lab` serving a copy of `notebooks_dir` from `tmp`; nothing is written elsewhere."""

    def __init__(self, notebooks_dir, tmp, repo_root):
        self.tmp = Path(tmp)
        self.root_dir = self.tmp / "notebooks"
        shutil.copytree(notebooks_dir, self.root_dir,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.repo_root = Path(repo_root)
        self.proc = None

    def _env(self):
        dirs = {k: self.tmp / v for k, v in [("JUPYTER_CONFIG_DIR", "jupyter-config"),
                                             ("JUPYTER_DATA_DIR", "jupyter-data"),
                                             ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
                                             ("IPYTHONDIR", "ipython"),
                                             ("MPLCONFIGDIR", "matplotlib")]}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, **{k: str(v) for k, v in dirs.items()})
        # kernels import the package of this checkout, installed or not
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.repo_root),
                                                          os.environ.get("PYTHONPATH")]))
        env.pop("JUPYTER_PATH", None)
        return env

    def _write_settings(self):
        settings = self.tmp / "lab-user-settings"
        for rel, values in LAB_SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        return settings

    def start(self, timeout=90):
        settings = self._write_settings()
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root_dir}",
               f"--LabApp.user_settings_dir={settings}",
               f"--LabApp.workspaces_dir={self.tmp / 'lab-workspaces'}",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class="
               "jupyterlab.handlers.announcements.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")      # CI containers run as root
        self.log = open(self.tmp / "jupyterlab.log", "w")
        self.proc = subprocess.Popen(cmd, env=self._env(), cwd=self.root_dir,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n"
                                   + self.log_tail())
            try:
                self.api("GET", "/api/status")
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n" + self.log_tail())

    def log_tail(self, n=30):
        if not self.log.closed:
            self.log.flush()
        lines = (self.tmp / "jupyterlab.log").read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def api(self, method, path):
        req = urllib.request.Request(self.base + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def url(self, path):
        return f"{self.base}/lab/tree/{path}?reset&token={self.token}"

    def peak_rss_mb(self):
        return peak_rss_mb(self.proc.pid) if self.proc else None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()


# --- the page ---------------------------------------------------------------------------

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'

# true once the kernel is idle, no cell is queued or running, and every code cell has a count
# (or an error stopped Run All)
JS_DONE = """([panel, stderr]) => {
  const p = document.querySelector(panel);
  if (!p) return false;
  const ind = p.querySelector('.jp-Notebook-ExecutionIndicator');
  if (!ind || ind.dataset.status !== 'idle') return false;
  const prompts = [...p.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
      .map(e => e.textContent.trim());
  if (prompts.some(t => t.includes('*'))) return false;
  const errored = [...p.querySelectorAll(stderr)].some(e => /Traceback|Error/.test(e.textContent));
  return errored || (prompts.length > 0 && prompts.every(t => /\\[\\d+\\]/.test(t)));
}"""

JS_IDLE = """(panel) => {
  const ind = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
  return !!ind && ind.dataset.status === 'idle';
}"""

JS_KERNEL_OR_DIALOG = """(panel) => {
  if (document.querySelector('.jp-Dialog')) return true;
  const name = document.querySelector(panel + ' .jp-Toolbar-kernelName');
  return !!name && /python/i.test(name.textContent);
}"""

JS_BUSY_OR_CHANGED = """([panel, before, sel]) => {
  const ind = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
  return (ind && ind.dataset.status === 'busy') || window.__snap(sel) !== before;
}"""

# what a cell's output shows: images (by their data) and text, widget readouts excluded
JS_SNAPSHOT_DEF = """() => { window.__snap = (sel) => {
  const root = document.querySelector(sel);
  if (!root) return '';
  const imgs = [...root.querySelectorAll('.jp-OutputArea img')].map(i => i.src).join('|');
  const text = [...root.querySelectorAll('.jp-OutputArea-output')].map(o => {
    const c = o.cloneNode(true);
    c.querySelectorAll('.widget-readout, .widget-slider, button').forEach(w => w.remove());
    return c.textContent;
  }).join('\\n');
  return imgs + '#' + text;
}; }"""


class LabPage:
    """One browser page on a LabServer."""

    def __init__(self, page, server):
        self.page, self.server = page, server
        self.current = None

    def open(self, name, timeout_ms=120_000):
        """Open notebook `name` (a file in the server's root) in a fresh workspace."""
        self.server.shutdown_kernels()
        self.page.goto(self.server.url(name))
        self.page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator",
                                    timeout=timeout_ms)
        # a kernel is attached (its name shows in the toolbar), or a dialog asks for one
        self.page.wait_for_function(JS_KERNEL_OR_DIALOG, arg=PANEL, timeout=timeout_ms)
        dialog = self.page.locator(".jp-Dialog")
        if dialog.count():          # "Select Kernel": accept the notebook's preferred kernel
            dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
            self.page.wait_for_function(JS_KERNEL_OR_DIALOG, arg=PANEL, timeout=timeout_ms)
        self.page.wait_for_function(JS_IDLE, arg=PANEL, timeout=timeout_ms)
        self.page.evaluate(JS_SNAPSHOT_DEF)
        self.current = name

    def menu(self, top, item):
        self.page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(
            rf"^{re.escape(top)}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(
            rf"^{re.escape(item)}$")).first.click()

    def run_all(self, timeout_ms):
        """Clear the saved outputs, then Run → Run All Cells, and wait for the end."""
        self.menu("Edit", "Clear Outputs of All Cells")
        self.page.wait_for_function(
            """(p) => ![...document.querySelectorAll(p + ' .jp-CodeCell .jp-InputArea-prompt')]
                .some(e => /\\d/.test(e.textContent))""", arg=PANEL, timeout=30_000)
        self.menu("Run", "Run All Cells")
        try:
            self.page.wait_for_function(JS_DONE, arg=[PANEL, STDERR], timeout=timeout_ms,
                                        polling=500)
        except Exception as e:      # playwright's TimeoutError: say what the page shows
            raise AssertionError(f"Run All did not finish in {timeout_ms / 1000:.0f} s: "
                                 f"{self.state()}") from e

    def state(self):
        """The kernel status, the cell prompts and any dialog, for failure messages."""
        return self.page.evaluate("""(p) => {
          const ind = document.querySelector(p + ' .jp-Notebook-ExecutionIndicator');
          const dlg = document.querySelector('.jp-Dialog');
          return {kernel: ind ? ind.dataset.status : 'no indicator',
                  prompts: [...document.querySelectorAll(p + ' .jp-CodeCell .jp-InputArea-prompt')]
                           .map(e => e.textContent.trim()).join(' '),
                  dialog: dlg ? dlg.innerText : null};
        }""", PANEL)

    def code_cell_count(self):
        return self.page.locator(f"{PANEL} .jp-CodeCell").count()

    def unexecuted_cells(self):
        prompts = self.page.locator(f"{PANEL} .jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        return [i for i, t in enumerate(prompts) if not re.search(r"\[\d+\]", t)]

    def error_outputs(self):
        """Texts of the error (traceback) outputs and broken widget views on the page."""
        errors = [t for t in self.page.locator(f"{PANEL} {STDERR}").all_inner_texts()
                  if re.search(r"Traceback|Error", t)]
        errors += [t for t in self.page.locator(f"{PANEL} .jp-OutputArea-output")
                   .all_inner_texts() if "Error displaying widget" in t]
        return errors

    def screenshot(self, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))

    # --- widgets -----------------------------------------------------------------------

    def _cell_of(self, locator):
        """A CSS selector for the notebook cell holding `locator` (marks it with an id)."""
        mark = "cell-" + secrets.token_hex(4)
        locator.evaluate("(e, m) => e.closest('.jp-Cell').setAttribute('data-smoke', m)", mark)
        return f'{PANEL} .jp-Cell[data-smoke="{mark}"]'

    def snapshot(self, cell_sel):
        return self.page.evaluate("(s) => window.__snap(s)", cell_sel)

    def _wait_for_change(self, cell_sel, before, timeout_ms):
        """The cell's output once the kernel has worked and it differs from `before`, or as
        it is when `timeout_ms` runs out (the caller's assert then says what did not change)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            self.page.wait_for_function(JS_BUSY_OR_CHANGED, arg=[PANEL, before, cell_sel],
                                        timeout=30_000, polling=100)
            self._wait_idle_and_changed(cell_sel, before, timeout_ms)
        except PlaywrightTimeout:
            pass
        return self.snapshot(cell_sel)

    def _wait_idle_and_changed(self, cell_sel, before, timeout_ms):
        self.page.wait_for_function(
            """([panel, before, sel]) => {
                const ind = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
                return ind && ind.dataset.status === 'idle' && window.__snap(sel) !== before;
            }""", arg=[PANEL, before, cell_sel], timeout=timeout_ms, polling=500)

    def button(self, text):
        return self.page.locator(f"{PANEL} button.jupyter-button", has_text=re.compile(
            rf"^\s*{re.escape(text)}\s*$"))

    def press_button(self, text, timeout_ms):
        """Click the widget button labelled `text`; return (output before, output after)."""
        button = self.button(text).first
        button.scroll_into_view_if_needed()
        cell = self._cell_of(button)
        before = self.snapshot(cell)
        button.click()
        return before, self._wait_for_change(cell, before, timeout_ms)

    def slider(self, description):
        label = re.compile(rf"^\s*{re.escape(description)}\s*$", re.I)
        return self.page.locator(f"{PANEL} .widget-slider").filter(
            has=self.page.locator(".widget-label", has_text=label))

    def move_slider(self, description, timeout_ms):
        """Type a far-away value into the slider's readout; return (value, before, after)."""
        slider = self.slider(description).first
        slider.scroll_into_view_if_needed()
        handle = slider.locator(".noUi-handle").first
        lo, hi, now = (float(handle.get_attribute(a))
                       for a in ("aria-valuemin", "aria-valuemax", "aria-valuenow"))
        target = hi if now - lo < (hi - lo) / 2 else lo
        cell = self._cell_of(slider)
        before = self.snapshot(cell)
        readout = slider.locator(".widget-readout")
        readout.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(f"{target:g}")
        self.page.keyboard.press("Enter")
        return target, before, self._wait_for_change(cell, before, timeout_ms)
