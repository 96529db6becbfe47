"""JupyterHub for a class on one machine: own accounts, learners kept apart, a memory cap each.

Owns the one-machine classroom set-up (Linux, run as root). Run it from the course's virtual
environment (where `pip install -e ".[course,classroom]"` put JupyterHub, NativeAuthenticator,
nbgitpuller and the course's packages) with configurable-http-proxy from npm (`make proxy`):

    sudo .venv/bin/python classroom/accounts.py add teacher ada grace   # prints passwords
    sudo .venv/bin/jupyterhub -f classroom/jupyterhub_config.py

Learners open http://THIS-MACHINE:8000/ (or the nbgitpuller link of classroom/README.md), log
in with their own name and password, and get JupyterLab in their own home folder.

What it sets up:
- accounts: NativeAuthenticator. The teacher makes the accounts (classroom/accounts.py prints
  a password for each) and resets a forgotten one at /hub/change-password/NAME; learners
  change theirs at /hub/change-password. Nobody signs up, so nobody can claim a classmate's
  name (MICROGPT_HUB_SIGNUP=approve opens /hub/signup, each sign-up waiting for the teacher's
  approval at /hub/authorize). Ten wrong passwords in a row block a name for a minute.
  Teachers (MICROGPT_HUB_TEACHERS) are the hub's admins;
- learners kept apart: each learner's JupyterLab, kernels and terminals run as a Unix user of
  their own, `mgpt-NAME` (made by the hub when their server first starts, no login shell
  password), in a home folder only they can open (0700) under MICROGPT_HUB_HOMES. The hub's
  state (database, cookie secret) is root's alone (0700); the environment, the course's
  repository and the dataset are root's, which the hub checks at start (nothing in them
  writable by others). PYTHONPATH is the learner's own copy of the course, in their home;
- a memory cap: every learner process (JupyterLab, each kernel, each terminal) starts with an
  address-space limit (RLIMIT_AS) of MICROGPT_HUB_MEMORY (default 2G) and at most 512
  processes and threads per learner (RLIMIT_NPROC). A run that needs more fails in that
  kernel alone: the course's guard (microgpt.limits.available_memory reads this limit)
  refuses a model too big to train with a message saying so, and any other allocation past
  the cap raises MemoryError in that kernel; the other learners never notice. Why not a
  cgroup: see classroom/README.md;
- the teacher's progress page: /services/progress/ (classroom/progress_service.py, a hub
  service only admins can open): learners x exercises, from the small file the exercise
  checkers write in each learner's home (MICROGPT_PROGRESS=~/.microgpt/progress.json);
- the dataset: every learner gets MICROGPT_DATA (default: this repository's data/names.txt);
- idle resources: a kernel idle for 20 minutes is stopped, and a JupyterLab server with no
  activity for an hour shuts itself down (its memory comes back; the work stays on disk).

Environment variables (all optional):
  MICROGPT_HUB_TEACHERS   the teachers' (admins') names, comma-separated (default: teacher)
  MICROGPT_HUB_SIGNUP     "approve": learners may sign up, the teacher approves each
  MICROGPT_HUB_MEMORY     the memory cap of each learner process: 2G, 1500M, ... (default 2G)
  MICROGPT_HUB_HOMES      folder of the learners' homes (default: /srv/microgpt-hub/home)
  MICROGPT_HUB_STATE      folder for the hub's database and cookie secret
                          (default: /srv/microgpt-hub/state)
  MICROGPT_HUB_UNIX_PREFIX  the learners' Unix names are this + their name (default: mgpt-)
  MICROGPT_DATA           names.txt given to every learner
  MICROGPT_HUB_COURSE     the course's folder in each home, which nbgitpuller names after the
                          repository (default: microgpt-course); learners' kernels import
                          `microgpt` from it (PYTHONPATH), so package and chapters match
  MICROGPT_HUB_SERVER_PORTS  first of the 1000 loopback ports for learners' servers
                          (default: 20000)
  MICROGPT_HUB_PROGRESS_PORT the progress page's loopback port (default: 8002)
  MICROGPT_CHP            the configurable-http-proxy program (default: .cache/chp/ here,
                          then the PATH)

Ports: the public one is 8000 on every interface (`--ip 127.0.0.1 --port 9000` on the
command line overrides it); the hub's own API listens on 127.0.0.1:8081, the proxy's on
127.0.0.1:8001, the progress page on 127.0.0.1:8002, learners' servers on 127.0.0.1:20000 and
up. benchmarks/classroom_hub.py starts this very file on other loopback ports.
"""
import itertools
import os
import pwd
import re
import resource
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import ClassroomAuthenticator  # noqa: E402 (classroom/accounts.py, beside this)

c = get_config()  # noqa: F821 (JupyterHub defines get_config in the config file's namespace)

REPO = Path(__file__).resolve().parent.parent
SERVER_PORTS = int(os.environ.get("MICROGPT_HUB_SERVER_PORTS", 20000))   # learners' servers
BASE = Path("/srv/microgpt-hub")
PREFIX = os.environ.get("MICROGPT_HUB_UNIX_PREFIX", "mgpt-")
NAME = r"^[a-z][a-z0-9-]{0,23}$"        # classroom/accounts.py's rule: Unix names stop at 32
NPROC = 512                              # processes + threads of one learner, all together


def memory_cap(text):
    """Bytes from "2G", "1500M", "2147483648"; exits with a clear message otherwise."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)B?\s*", text.upper())
    if not found:
        sys.exit(f"MICROGPT_HUB_MEMORY={text!r}: write a size such as 2G or 1500M")
    size = float(found.group(1)) * 1024 ** " KMG".index(found.group(2) or " ")
    if size < 512 * 2**20:
        sys.exit(f"MICROGPT_HUB_MEMORY={text!r} is too small: JupyterLab alone needs about "
                 "500M of address space; 2G is the default")
    return int(size)


def folder(variable, default, mode):
    """An absolute folder from the environment (or the default), created if missing, root's
    with `mode`."""
    path = Path(os.environ.get(variable) or default).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, 0, 0)
    path.chmod(mode)
    return path


def check_root_owned(*paths):
    """Exit unless each path and every folder above it is root's and not writable by others:
    learners run code, and must not be able to change the environment, the course or data."""
    for path in {Path(q) for p in paths for q in (p, os.path.realpath(p))}:   # links too
        for p in [path, *path.parents]:
            st = p.stat()
            if st.st_uid != 0 or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not (
                    st.st_mode & stat.S_ISVTX and p != Path(path)):
                sys.exit(f"{p} can be changed by users other than root (owner uid {st.st_uid}, "
                         f"mode {stat.filemode(st.st_mode)}); learners run code on this "
                         "machine: install the course where only root can write (e.g. /opt)")
            if not st.st_mode & stat.S_IROTH or p.is_dir() and not st.st_mode & stat.S_IXOTH:
                sys.exit(f"{p} cannot be read by other users (mode {stat.filemode(st.st_mode)}): "
                         "learners' servers run as their own users and need to read the "
                         "course's environment and dataset: install them outside root's home "
                         "(`make classroom-env` makes /opt/microgpt-classroom)")


def find_proxy():
    """configurable-http-proxy: $MICROGPT_CHP, this repository's .cache/chp/, then the PATH."""
    local = REPO / ".cache" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
    found = os.environ.get("MICROGPT_CHP") or (str(local) if local.exists() else None) \
        or shutil.which("configurable-http-proxy")
    if not found:
        sys.exit("configurable-http-proxy not found: run `make proxy` (needs npm) "
                 "or set MICROGPT_CHP")
    return found


_ports = itertools.cycle(range(SERVER_PORTS, SERVER_PORTS + 1000))


def next_server_port():
    """A free port for a learner's JupyterLab, taken in turn from SERVER_PORTS on.

    JupyterHub's default asks the system for any free port, from the range it also gives every
    kernel's five ports: with a class starting at once, a kernel can take the port between
    the pick and the server's start, and that learner's server never comes up. Ports below
    the system's range, handed out in turn, avoid that.
    """
    for _ in range(1000):
        port = next(_ports)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {SERVER_PORTS}-{SERVER_PORTS + 999}")


def unix_account(name, home):
    """The learner's Unix user (PREFIX + name), made if missing; their home, theirs alone."""
    user = PREFIX + name
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "--user-group", "--no-create-home", "--no-log-init",
                        "--home-dir", str(home), "--shell", "/bin/bash",
                        "--comment", f"microgpt classroom learner {name}", user],
                       check=True, capture_output=True, text=True)
        entry = pwd.getpwnam(user)
    Path(home).mkdir(mode=0o700, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    os.chmod(home, 0o700)
    return entry


class ClassroomSpawner(LocalProcessSpawner):
    """LocalProcessSpawner for learner NAME as Unix user PREFIX+NAME, with the limits."""

    memory = memory_cap(os.environ.get("MICROGPT_HUB_MEMORY", "2G"))

    def unix_name(self):
        return PREFIX + self.user.name

    @property
    def home_dir(self):
        return str(homes / self.user.name)       # `homes`: set below, from the environment

    async def start(self):
        unix_account(self.user.name, self.home_dir)
        self.port = next_server_port()
        return await super().start()

    def make_preexec_fn(self, name):
        become = set_user_setuid(self.unix_name(), chdir=False)
        home, memory = self.home_dir, self.memory

        def preexec():                 # in the child, between fork and exec: root until become
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            resource.setrlimit(resource.RLIMIT_NPROC, (NPROC, NPROC))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            become()
            os.chdir(home)
        return preexec

    def user_env(self, env):
        env.update(USER=self.unix_name(), LOGNAME=self.unix_name(), HOME=self.home_dir,
                   SHELL="/bin/bash")
        return env


if os.geteuid() != 0:
    sys.exit("the classroom hub runs as root: it makes a Unix user for each learner and runs "
             "their JupyterLab as that user (sudo .venv/bin/jupyterhub -f "
             "classroom/jupyterhub_config.py)")
if not shutil.which("useradd"):
    sys.exit("useradd not found: the classroom hub needs Linux (shadow-utils/passwd)")

# --- the hub and its proxy --------------------------------------------------------------
state = folder("MICROGPT_HUB_STATE", BASE / "state", 0o700)
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.port = 8000
c.JupyterHub.hub_ip = "127.0.0.1"
c.ConfigurableHTTPProxy.command = [find_proxy()]
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"
c.JupyterHub.cleanup_servers = True          # stopping the hub stops every learner's server

# --- who may log in ---------------------------------------------------------------------
c.JupyterHub.authenticator_class = ClassroomAuthenticator   # NativeAuthenticator's accounts
c.Authenticator.allow_all = True             # = every account the teacher made or approved
teachers = os.environ.get("MICROGPT_HUB_TEACHERS", "teacher")
c.Authenticator.admin_users = {t.strip() for t in teachers.split(",") if t.strip()}
c.Authenticator.username_pattern = NAME
c.NativeAuthenticator.enable_signup = os.environ.get("MICROGPT_HUB_SIGNUP") == "approve"
c.NativeAuthenticator.open_signup = False    # a sign-up waits for the teacher's approval
c.NativeAuthenticator.minimum_password_length = 8
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.allowed_failed_logins = 10
c.NativeAuthenticator.seconds_before_next_try = 60

# --- every learner's JupyterLab ---------------------------------------------------------
homes = folder("MICROGPT_HUB_HOMES", BASE / "home", 0o711)   # others may pass, not list
data = os.environ.get("MICROGPT_DATA") or str(REPO / "data" / "names.txt")
check_root_owned(sys.executable, sys.prefix, data)
c.JupyterHub.spawner_class = ClassroomSpawner
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]   # this environment's
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 300                # a whole class logging in at once on 2 cores
c.Spawner.http_timeout = 300
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=1200",   # an idle kernel stops after 20 min
    "--MappingKernelManager.cull_interval=120",
    "--ServerApp.shutdown_no_activity_timeout=3600",   # an idle JupyterLab after an hour
    # the course's JupyterLab defaults (jupyter/overrides.json): closing a notebook shuts
    # its kernel down, no news pop-up
    f"--LabApp.app_settings_dir={REPO / 'jupyter'}",
]
course = os.environ.get("MICROGPT_HUB_COURSE", "microgpt-course")
c.Spawner.environment = {
    "MICROGPT_DATA": data,
    # the chapters import the `microgpt` package of the learner's own copy (the link brings
    # notebooks and package in step): in their home, which only they can write
    "PYTHONPATH": lambda spawner: str(Path(spawner.home_dir) / course),
    # the exercise checkers record each verdict here, for the teacher's progress page
    "MICROGPT_PROGRESS": lambda spawner: str(Path(spawner.home_dir) / ".microgpt"
                                             / "progress.json"),
    # glibc reserves 64 MB of address space per thread arena; the cap counts address space
    "MALLOC_ARENA_MAX": "2",
}

# --- the teacher's progress page: a hub service only admins can open ---------------------
progress_port = int(os.environ.get("MICROGPT_HUB_PROGRESS_PORT", 8002))
c.JupyterHub.services = [{
    "name": "progress",
    "url": f"http://127.0.0.1:{progress_port}",
    "command": [sys.executable, str(REPO / "classroom" / "progress_service.py")],
    "environment": {"MICROGPT_HUB_HOMES": str(homes), "MICROGPT_HUB_UNIX_PREFIX": PREFIX},
    "oauth_no_confirm": True,
    "display": True,
}]
c.JupyterHub.load_roles = [
    # the service lists the users and their last activity; admins (teachers) may open it,
    # learners (the default `user` role: `self` only) may not
    {"name": "progress-reader", "scopes": ["list:users", "read:users"],
     "services": ["progress"]},
]
