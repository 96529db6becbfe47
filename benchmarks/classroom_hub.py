"""A real JupyterHub on loopback, and learners who use it as a browser would: shared helpers.

Owns what benchmarks/bench_classroom.py and tests/test_classroom.py both need:

- `course_source(folder)`: the teacher's repository, a `git clone` of this repository's
  committed HEAD with the work tree's changes committed on top (what CI would see), that the
  nbgitpuller link points at (as file://...; in a folder the learners' Unix users can read);
- `shared_folder()`: a temporary folder under /tmp that every user can pass through;
- `pull_link(...)`: the nbgitpuller link of classroom/README.md;
- `Hub`: classroom/jupyterhub_config.py itself (JupyterHub as root, configurable-http-proxy,
  NativeAuthenticator accounts made with classroom/accounts.py, one Unix user per learner,
  the memory cap, the progress service) started on free 127.0.0.1 ports with temporary homes
  and state, its memory sampled with psutil (hub + proxy + progress service, and each
  learner's JupyterLab server with its kernels), and everything it started stopped again —
  the Unix users it made (PREFIX + name) removed;
- `Learner`: one person's requests session with their own password: logs in, follows the
  link (wait for the server, nbgitpuller's sync stream), saves a notebook through the
  contents API, and runs code in a kernel reached through the hub's proxy (the kernel
  websocket, as JupyterLab does): a notebook's code cells top to bottom, or cell by cell
  (`Learner.kernel`).

Everything goes through the proxy's public port, with cookies, as a browser would; nothing
leaves 127.0.0.1. Every wait has a deadline.

Imports: requests, websocket-client, psutil (the `dev` and `classroom` extras) and
classroom/accounts.py; nothing of microgpt's.
"""
import contextlib
import importlib.util
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
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
TEACHER = "teacher"                   # the temporary hub's admin
# the classroom's own environment (`make classroom-env`): outside any home folder, root's
CLASS_ENV = Path(os.environ.get("MICROGPT_CLASSROOM_ENV", "/opt/microgpt-classroom"))
CLASS_PYTHON = CLASS_ENV / "bin" / "python"
COURSE = "microgpt-course"            # the folder nbgitpuller creates in every home
MB = 1024 * 1024


class ClassroomError(RuntimeError):
    """A learner's step failed: the message says which and why."""


def _accounts():
    spec = importlib.util.spec_from_file_location("classroom_accounts",
                                                  ROOT / "classroom" / "accounts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


accounts = _accounts()


def password_for(name):
    """A fresh password for a learner of the temporary hub."""
    return f"{name}-{uuid.uuid4().hex[:12]}"


def shared_folder(prefix="microgpt-classroom-"):
    """A new folder under /tmp that every user may pass through and read (0755): learners'
    servers run as their own Unix users and must reach their homes and the teacher's repo."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


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
    """git as root, also in a learner's copy (theirs: git would call it dubious ownership)."""
    return subprocess.run(["git", "-c", "safe.directory=*", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


def course_source(folder):
    """(path, branch) of the teacher's repo: a fresh clone of this repository's committed HEAD,
    with the work tree's files (changed, new, removed; git-ignored ones left out) committed
    on top, so a learner pulls the code as it is now. In CI the two are the same.

    Its commits are made as "Teacher"; nbgitpuller clones it through file://. The folder
    must be readable by every user (see `shared_folder`).
    """
    path = Path(folder) / COURSE
    git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(path), cwd=folder)
    git("config", "user.name", "Teacher", cwd=path)
    git("config", "user.email", "teacher@example.invalid", cwd=path)
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src, dst = ROOT / rel, path / rel
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            shutil.copymode(src, dst)
        elif dst.exists() and not src.exists():
            dst.unlink()
    git("add", "-A", cwd=path)
    if git("status", "--porcelain", cwd=path):
        git("commit", "-q", "-m", "The work tree as it is", cwd=path)
    subprocess.run(["chmod", "-R", "a+rX", str(path)], check=True)
    return path, git("rev-parse", "--abbrev-ref", "HEAD", cwd=path)


class GitServer:
    """`git daemon` on 127.0.0.1 serving the repositories in `folder` read-only (git://), as a
    teacher's GitHub would: learners' servers run as other Unix users, and git refuses to
    read a repository on disk that another user owns. A context manager."""

    def __init__(self, folder):
        self.folder, self.port, self.proc = Path(folder), free_port(), None

    def url(self, path):
        return f"git://127.0.0.1:{self.port}/{Path(path).relative_to(self.folder)}"

    def __enter__(self):
        self.proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
             f"--port={self.port}", f"--base-path={self.folder}", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.__exit__()
        raise ClassroomError("git daemon did not start (is git's git-daemon installed?)")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def pull_link(hub_url, repo, branch, notebook="notebooks/00_start_here.ipynb"):
    """The nbgitpuller link: log in, start the server, sync `repo` into ~/COURSE, open notebook."""
    query = urllib.parse.urlencode({
        "repo": repo, "branch": branch,
        "urlpath": f"lab/tree/{repo.rstrip('/').split('/')[-1]}/{notebook}"})
    return f"{hub_url}/hub/user-redirect/git-pull?{query}"


# --- the hub -------------------------------------------------------------------------------

class Hub:
    """classroom/jupyterhub_config.py running as root on 127.0.0.1; a context manager.

    `accounts` are made before the start, `teacher` (an admin) among them; `passwords[name]`
    holds each one's password. Homes and state live in a fresh folder under /tmp
    (`homes / name` is each learner's home); the log in `workdir`. Learners' Unix users are
    `prefix` + name (default: mgpt-XXXX-, XXXX random); users a killed hub left behind are
    removed at the start. `memory` sets MICROGPT_HUB_MEMORY (default: the config's). `peak_mb()`
    gives the peak resident memory seen (sampled every `interval` s): {learner: MB} for each
    JupyterLab server with its kernels and git, and "hub" for the hub with its proxy and the
    progress service.
    """

    def __init__(self, workdir, *, accounts=(), teacher=TEACHER, prefix=None, memory=None,
                 data=None, interval=0.25, start_timeout=120):
        self.workdir = Path(workdir)
        self.log_path = self.workdir / "jupyterhub.log"
        self.root = self.homes = self.state = None
        # a prefix of its own: two hubs at once (two test runs) never share a Unix user
        self.prefix = prefix or f"mgpt-{uuid.uuid4().hex[:4]}-"
        self.teacher, self.memory = teacher, memory
        self.names = [teacher, *[n for n in accounts if n != teacher]]
        self.passwords = {}
        self.data = data or os.environ.get("MICROGPT_DATA") or str(ROOT / "data" / "names.txt")
        self.interval, self.start_timeout = interval, start_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.seen = {}                  # pid -> psutil.Process: everything to stop at the end
        self.peaks = {}                 # learner -> peak MB; "hub" -> hub + proxy + service
        self._users = {}                # pid -> learner name ("" for the proxy)
        self._stop = threading.Event()
        self._sampler = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        if os.geteuid() != 0:
            raise ClassroomError("the classroom hub runs as root (it makes a Unix user per "
                                 "learner): run as root, e.g. with sudo")
        proxy = find_proxy()
        if not proxy:
            raise ClassroomError("configurable-http-proxy not found: run `make proxy` (npm)")
        if not CLASS_PYTHON.exists():
            raise ClassroomError(f"the classroom's environment {CLASS_ENV} is missing: run "
                                 "`make classroom-env`")
        remove_stale_unix_users()
        self.root = shared_folder("microgpt-hub-")
        self.homes, self.state = self.root / "home", self.root / "state"
        db = accounts.session(accounts.db_url(self.state))
        try:
            for name in self.names:
                self.passwords[name] = password_for(name)
                accounts.set_password(db, name, self.passwords[name], new=True)
        finally:
            db.close()
        env = dict(os.environ, MICROGPT_HUB_HOMES=str(self.homes),
                   MICROGPT_HUB_STATE=str(self.state), MICROGPT_CHP=proxy,
                   MICROGPT_DATA=self.data, MICROGPT_HUB_TEACHERS=self.teacher,
                   MICROGPT_HUB_UNIX_PREFIX=self.prefix,
                   MICROGPT_HUB_PROGRESS_PORT=str(free_port()),
                   # learners' servers: 1000 ports of their own, below the kernels' range
                   MICROGPT_HUB_SERVER_PORTS=str(random.randrange(10000, 31000, 1000)))
        for name in ("MICROGPT_HUB_SIGNUP", "MICROGPT_HUB_MEMORY", "MICROGPT_HUB_COURSE"):
            env.pop(name, None)
        if self.memory:
            env["MICROGPT_HUB_MEMORY"] = str(self.memory)
        cmd = [str(CLASS_PYTHON), "-m", "jupyterhub", "-f", str(CONFIG),
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

    def unix_user(self, name):
        """The pwd entry of learner `name`'s Unix user (KeyError if none yet)."""
        return pwd.getpwnam(self.prefix + name)

    def server_pid(self, name):
        """The pid of learner `name`'s JupyterLab server (a child of the hub), or None."""
        for child in self.seen[self.proc.pid].children():
            if self._user_of(child) == name:
                return child.pid
        return None

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
        """SIGTERM to the hub (it stops every server, the service and its proxy), SIGKILL to
        leftovers, then remove the learners' Unix users it made and the homes and state."""
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
        for name in self.names:
            remove_unix_user(self.prefix + name)
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)
        return leftovers


def remove_stale_unix_users():
    """Remove learners' Unix users left by a temporary hub that was killed before it could
    (their home under /tmp/microgpt-hub-* is gone); a real class's users are never touched."""
    for entry in pwd.getpwall():
        if (entry.pw_gecos.startswith("microgpt classroom learner")
                and entry.pw_dir.startswith("/tmp/microgpt-hub-")
                and not Path(entry.pw_dir).parent.exists()):
            remove_unix_user(entry.pw_name)


def remove_unix_user(user):
    """Remove a learner's Unix user made by the classroom hub (and its group), if there."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return False
    if not entry.pw_gecos.startswith("microgpt classroom learner"):
        return False                    # not one of ours: leave it alone
    for p in psutil.process_iter():
        try:
            if p.uids().real == entry.pw_uid:
                p.kill()
        except psutil.Error:
            pass
    subprocess.run(["userdel", user], capture_output=True)
    return True


# --- a learner ------------------------------------------------------------------------------

class Learner:
    """One learner with a browser's cookies. Each step raises ClassroomError on failure."""

    def __init__(self, hub, name, password=None, timeout=600):
        self.hub, self.name, self.timeout = hub, name, timeout
        self.password = password or hub.passwords[name]
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

    def _log_in(self, r, password):
        """Fill in the login form `r` shows; the response after it."""
        xsrf = self.session.cookies.get("_xsrf", path="/hub/")
        return self.session.post(r.url, data={"username": self.name, "password": password,
                                              "_xsrf": xsrf}, timeout=120)

    def log_in(self, password=None):
        """Log in at /hub/login with `password` (default: own); True if the hub let us in."""
        r = self.session.get(f"{self.hub.url}/hub/login", timeout=120)
        r = self._log_in(r, self.password if password is None else password)
        return r.status_code < 400 and "/hub/login" not in r.url

    def follow(self, link):
        """Open the nbgitpuller link as a browser: log in if asked, wait for the server to
        start, then run the sync the status page's script runs. Returns nbgitpuller's output."""
        deadline = time.monotonic() + self.timeout
        r = self._get(link)
        if "/hub/login" in r.url:
            r = self._log_in(r, self.password)
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
                    raise ClassroomError(f"{self.name}: nbgitpuller: {event.get('message')} "
                                         f"{''.join(output)[-500:]}")
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

    @contextlib.contextmanager
    def kernel(self, path="scratch.ipynb"):
        """A new kernel (a notebook session at `path`) reached through the hub, as a `Kernel`
        to run code in cell by cell; shut down at the end."""
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
            yield Kernel(self, ws, session["kernel"]["id"])
        finally:
            ws.close()
            self.session.delete(f"{self.base}api/sessions/{session['id']}",
                                headers=self._xsrf(), timeout=120)

    def run_notebook(self, path, max_cells=None):
        """Run the code cells of the notebook at `path` in a new kernel reached through the
        hub, top to bottom, stopping at the first error as Run All does. Returns the number of
        cells run; raises ClassroomError naming the failing cell."""
        cells = [c for c in self.read_notebook(path)["cells"] if c["cell_type"] == "code"]
        cells = cells[:max_cells] if max_cells else cells
        with self.kernel(path) as k:
            for i, cell in enumerate(cells):
                out = k.run("".join(cell["source"]))
                if out["status"] != "ok":
                    raise ClassroomError(f"{self.name}: code cell {i} failed: {out['error']}")
        return len(cells)


class Kernel:
    """A learner's kernel: `run(code)` -> {"status", "stdout", "stderr", "error"}."""

    def __init__(self, learner, ws, kernel_id):
        self.learner, self.ws, self.id = learner, ws, kernel_id

    def run(self, code):
        msg_id = uuid.uuid4().hex
        deadline = time.monotonic() + self.learner.timeout
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.learner.name,
                       "session": uuid.uuid4().hex, "msg_type": "execute_request",
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        reply, idle, error = None, False, None
        streams = {"stdout": [], "stderr": []}
        while reply is None or not idle:
            if time.monotonic() > deadline:
                raise ClassroomError(f"{self.learner.name}: code still running after "
                                     f"{self.learner.timeout} s: {code[:60]!r}")
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "execute_reply":
                reply = msg["content"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            elif kind == "stream":
                streams[msg["content"]["name"]].append(msg["content"]["text"])
            elif kind == "error":
                error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
        return {"status": reply["status"], "error": error or reply.get("ename"),
                "stdout": "".join(streams["stdout"]), "stderr": "".join(streams["stderr"])}
