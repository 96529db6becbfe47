"""A real JupyterHub on loopback, and learners who use it as a browser would: shared helpers.

Owns what benchmarks/bench_classroom.py and tests/test_classroom.py both need:

- `course_source(folder)`: the teacher's repository, a `git clone` of this repository's
  committed HEAD, that the nbgitpuller link points at (as file://...);
- `pull_link(...)`: the nbgitpuller link of classroom/README.md;
- `Hub`: classroom/jupyterhub_config.py itself (JupyterHub, configurable-http-proxy,
  SimpleLocalProcessSpawner, the shared class password) started on free 127.0.0.1 ports
  with temporary homes and state, its memory sampled with psutil (hub + proxy, and each
  learner's JupyterLab server with its kernels), and everything it started stopped again;
- `Learner`: one person's requests session: follows the link (log in, wait for the server,
  nbgitpuller's sync stream), saves a notebook through the contents API, and runs a notebook's
  code cells top to bottom in a kernel reached through the hub's proxy (the kernel websocket,
  as JupyterLab does).

Everything goes through the proxy's public port, with cookies, as a browser would; nothing
leaves 127.0.0.1. Every wait has a deadline.

Imports: requests, websocket-client, psutil (the `dev` and `classroom` extras); nothing of
microgpt's.
"""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "classroom" / "jupyterhub_config.py"
PROXY = ROOT / ".cache" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "microgpt-class"           # the shared class password of the temporary hub
COURSE = "microgpt-course"            # the folder nbgitpuller creates in every home
MB = 1024 * 1024


class ClassroomError(RuntimeError):
    """A learner's step failed: the message says which and why."""


def find_proxy():
    """configurable-http-proxy as the hub's config finds it, or None (`make proxy` installs it)."""
    if os.environ.get("MICROGPT_CHP"):
        return os.environ["MICROGPT_CHP"]
    return str(PROXY) if PROXY.exists() else shutil.which("configurable-http-proxy")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def course_source(folder):
    """(path, branch) of a fresh clone of this repository's committed HEAD: the teacher's repo.

    Its commits are made as "Teacher"; nbgitpuller clones it through file://.
    """
    path = Path(folder) / COURSE
    git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(path), cwd=folder)
    git("config", "user.name", "Teacher", cwd=path)
    git("config", "user.email", "teacher@example.invalid", cwd=path)
    return path, git("rev-parse", "--abbrev-ref", "HEAD", cwd=path)


def pull_link(hub_url, repo, branch, notebook="notebooks/00_start_here.ipynb"):
    """The nbgitpuller link: log in, start the server, sync `repo` into ~/COURSE, open notebook."""
    query = urllib.parse.urlencode({
        "repo": repo, "branch": branch,
        "urlpath": f"lab/tree/{repo.rstrip('/').split('/')[-1]}/{notebook}"})
    return f"{hub_url}/hub/user-redirect/git-pull?{query}"


# --- the hub -------------------------------------------------------------------------------

class Hub:
    """classroom/jupyterhub_config.py running on 127.0.0.1, in `workdir`; a context manager.

    `homes / name` is each learner's home. `peak_mb()` gives the peak resident memory seen
    (sampled every `interval` s): {learner: MB} for each JupyterLab server with its kernels
    and git, and the hub with its proxy.
    """

    def __init__(self, workdir, *, data=None, interval=0.25, start_timeout=120):
        self.workdir = Path(workdir)
        self.homes = self.workdir / "home"
        self.state = self.workdir / "state"
        self.log_path = self.workdir / "jupyterhub.log"
        self.data = data or os.environ.get("MICROGPT_DATA") or str(ROOT / "data" / "names.txt")
        self.interval, self.start_timeout = interval, start_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.seen = {}                  # pid -> psutil.Process: everything to stop at the end
        self.peaks = {}                 # learner -> peak MB; "hub" -> hub + proxy
        self._users = {}                # pid -> learner name ("" for the proxy)
        self._stop = threading.Event()
        self._sampler = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        proxy = find_proxy()
        if not proxy:
            raise ClassroomError("configurable-http-proxy not found: run `make proxy` (npm)")
        env = dict(os.environ, MICROGPT_HUB_PASSWORD=PASSWORD, MICROGPT_HUB_HOMES=str(self.homes),
                   MICROGPT_HUB_STATE=str(self.state), MICROGPT_CHP=proxy,
                   MICROGPT_DATA=self.data,
                   # learners' servers: 1000 ports of their own, below the kernels' range
                   MICROGPT_HUB_SERVER_PORTS=str(random.randrange(10000, 31000, 1000)))
        env.pop("MICROGPT_HUB_LEARNERS", None)
        cmd = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG),
               "--ip=127.0.0.1", f"--port={self.port}", f"--JupyterHub.hub_port={free_port()}",
               f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}"]
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:      # the hub keeps its own copy of the fd
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.seen[self.proc.pid] = psutil.Process(self.proc.pid)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ClassroomError(f"the hub exited ({self.proc.returncode}): "
                                     f"{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/hub/health", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise ClassroomError(f"the hub did not answer in {self.start_timeout} s: {self.log_tail()}")

    def log_tail(self, lines=15):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _user_of(self, proc):
        """The learner a child of the hub serves ('' for the proxy), cached per pid."""
        if proc.pid not in self._users:
            try:
                self._users[proc.pid] = proc.environ().get("JUPYTERHUB_USER", "")
            except (psutil.Error, OSError):
                return ""
        return self._users[proc.pid]

    def _sample(self):
        while not self._stop.is_set():
            try:
                hub = self.seen[self.proc.pid]
                totals = {"hub": hub.memory_info().rss}
                for child in hub.children():
                    tree = [child, *child.children(recursive=True)]
                    rss = 0
                    for p in tree:
                        self.seen.setdefault(p.pid, p)
                        try:
                            rss += p.memory_info().rss
                        except psutil.Error:
                            pass
                    key = self._user_of(child) or "hub"
                    totals[key] = totals.get(key, 0) + rss
                for key, rss in totals.items():
                    self.peaks[key] = max(self.peaks.get(key, 0), rss / MB)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def peak_mb(self):
        return dict(self.peaks)

    def stop(self, timeout=60):
        """SIGTERM to the hub (it stops every server and its proxy), then SIGKILL to leftovers."""
        self._stop.set()
        if self._sampler:
            self._sampler.join(timeout=5)
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        leftovers = [p for p in self.seen.values() if p.is_running()]   # also checks pid reuse
        for p in leftovers:
            try:
                p.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(leftovers, timeout=10)
        return leftovers


# --- a learner ------------------------------------------------------------------------------

class Learner:
    """One learner with a browser's cookies. Each step raises ClassroomError on failure."""

    def __init__(self, hub, name, timeout=600):
        self.hub, self.name, self.timeout = hub, name, timeout
        self.session = requests.Session()
        self.base = f"{hub.url}/user/{name}/"
        self.home = hub.homes / name

    def _get(self, url, **kw):
        r = self.session.get(url, timeout=120, **kw)
        if r.status_code >= 400:
            raise ClassroomError(f"{self.name}: GET {url} -> {r.status_code}")
        return r

    def _xsrf(self):
        return {"X-XSRFToken": self.session.cookies.get("_xsrf", path=f"/user/{self.name}/")}

    def follow(self, link):
        """Open the nbgitpuller link as a browser: log in if asked, wait for the server to
        start, then run the sync the status page's script runs. Returns nbgitpuller's output."""
        deadline = time.monotonic() + self.timeout
        r = self._get(link)
        if "/hub/login" in r.url:
            xsrf = self.session.cookies.get("_xsrf", path="/hub/")
            r = self.session.post(r.url, data={"username": self.name, "password": PASSWORD,
                                               "_xsrf": xsrf}, timeout=120)
            if r.status_code >= 400 or "/hub/login" in r.url:
                raise ClassroomError(f"{self.name}: login refused ({r.status_code})")
        while "/spawn-pending/" in r.url or "/hub/spawn" in r.url:
            if time.monotonic() > deadline:
                raise ClassroomError(f"{self.name}: server not ready in {self.timeout} s")
            time.sleep(0.5)
            r = self._get(r.url)
        page = {k: urllib.parse.unquote(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"',
                                                                   r.text)}
        if "repo" not in page:
            raise ClassroomError(f"{self.name}: not nbgitpuller's page: {r.url}")
        query = {"_xsrf": page["xsrf"], "repo": page["repo"], "targetpath": page["targetpath"]}
        if page.get("branch"):
            query["branch"] = page["branch"]
        api = f"{self.base}git-pull/api?{urllib.parse.urlencode(query)}"
        output = []
        with self.session.get(api, stream=True, timeout=120) as events:
            for line in events.iter_lines(decode_unicode=True):
                if not line or not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                output.append(event.get("output", ""))
                if event.get("phase") == "finished":
                    return "".join(output)
                if event.get("phase") == "error":
                    raise ClassroomError(f"{self.name}: nbgitpuller: {event.get('message')}")
                if time.monotonic() > deadline:
                    raise ClassroomError(f"{self.name}: sync not finished in {self.timeout} s")
        raise ClassroomError(f"{self.name}: nbgitpuller's stream ended without `finished`")

    def read_notebook(self, path):
        """The notebook at `path` (relative to the home) as JupyterLab loads it."""
        r = self._get(f"{self.base}api/contents/{urllib.parse.quote(path)}",
                      params={"content": 1, "type": "notebook"})
        return r.json()["content"]

    def save_notebook(self, path, nb):
        """Save `nb` at `path` as JupyterLab's save does (a PUT to the contents API)."""
        r = self.session.put(f"{self.base}api/contents/{urllib.parse.quote(path)}",
                             json={"type": "notebook", "format": "json", "content": nb},
                             headers=self._xsrf(), timeout=120)
        if r.status_code >= 400:
            raise ClassroomError(f"{self.name}: saving {path} -> {r.status_code}")

    def run_notebook(self, path, max_cells=None):
        """Run the code cells of the notebook at `path` in a new kernel reached through the
        hub, top to bottom, stopping at the first error as Run All does. Returns the number of
        cells run; raises ClassroomError naming the failing cell."""
        cells = [c for c in self.read_notebook(path)["cells"] if c["cell_type"] == "code"]
        cells = cells[:max_cells] if max_cells else cells
        r = self.session.post(f"{self.base}api/sessions", headers=self._xsrf(), timeout=120,
                              json={"path": path, "type": "notebook", "name": "",
                                    "kernel": {"name": "python3"}})
        if r.status_code >= 400:
            raise ClassroomError(f"{self.name}: starting a kernel -> {r.status_code}")
        session = r.json()
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
        ws_url = (self.base.replace("http://", "ws://", 1)
                  + f"api/kernels/{session['kernel']['id']}/channels")
        ws = websocket.create_connection(ws_url, header=[f"Cookie: {cookie}"],
                                         timeout=self.timeout)
        try:
            for i, cell in enumerate(cells):
                self._execute(ws, "".join(cell["source"]), i)
        finally:
            ws.close()
            self.session.delete(f"{self.base}api/sessions/{session['id']}",
                                headers=self._xsrf(), timeout=120)
        return len(cells)

    def _execute(self, ws, code, index):
        msg_id, deadline = uuid.uuid4().hex, time.monotonic() + self.timeout
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        reply, idle, error = None, False, None
        while reply is None or not idle:
            if time.monotonic() > deadline:
                raise ClassroomError(f"{self.name}: code cell {index} still running after "
                                     f"{self.timeout} s")
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "execute_reply":
                reply = msg["content"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            elif kind == "error":
                error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
        if reply["status"] != "ok":
            raise ClassroomError(f"{self.name}: code cell {index} failed: "
                                 f"{error or reply.get('ename')}")
