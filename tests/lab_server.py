"""JupyterLab on loopback for the browser smoke tests (tests/test_browser.py).

Owns: `LabServer` — JupyterLab on 127.0.0.1, a random free port, a random token, every
Jupyter/IPython/matplotlib directory in a temporary folder, serving a temporary copy of
notebooks/ so the repository's notebooks are never written — and its peak memory. Its user
settings are `LAB_SETTINGS` unless given; `app_settings_dir` can point it at the course's
shipped defaults (jupyter/overrides.json), as `make course` does.

Imports: nothing of microgpt's; the page that drives it is `lab_page`.
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

    def __init__(self, notebooks_dir, tmp, repo_root, user_settings=None, app_settings_dir=None):
        self.tmp = Path(tmp)
        self.root_dir = self.tmp / "notebooks"
        shutil.copytree(notebooks_dir, self.root_dir,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.repo_root = Path(repo_root)
        self.user_settings = LAB_SETTINGS if user_settings is None else user_settings
        self.app_settings_dir = app_settings_dir
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
        settings.mkdir(parents=True, exist_ok=True)
        for rel, values in self.user_settings.items():
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
        if self.app_settings_dir:
            cmd.append(f"--LabApp.app_settings_dir={self.app_settings_dir}")
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
