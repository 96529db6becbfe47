"""JupyterHub for a class on one machine: the course for every learner, no Docker.

Owns the one-machine classroom set-up. Run it from the course's virtual environment (where
`pip install -e ".[course,classroom]"` put JupyterHub, nbgitpuller and the course's packages)
with configurable-http-proxy from npm (`make proxy` installs it in .cache/chp/):

    MICROGPT_HUB_PASSWORD='a class password' .venv/bin/jupyterhub -f classroom/jupyterhub_config.py

Learners open http://THIS-MACHINE:8000/ (or the nbgitpuller link of classroom/README.md),
log in with any name and the class password, and get JupyterLab in their own home folder.

What it sets up:
- authentication: one shared class password (JupyterHub's SharedPasswordAuthenticator);
  MICROGPT_HUB_LEARNERS, a file with one name per line, limits who may log in;
- servers: every learner's JupyterLab is a local process (SimpleLocalProcessSpawner) with its
  own home folder under MICROGPT_HUB_HOMES. All learners share the Unix account running the
  hub: fine for a workshop among trusted people, no isolation between learners (for that:
  Zero to JupyterHub, classroom/z2jh-values.yaml);
- the dataset: every learner gets MICROGPT_DATA (default: this repository's data/names.txt,
  put there by `make data`), so nobody downloads it;
- idle resources: a kernel idle for 20 minutes is stopped, and a JupyterLab server with no
  activity for an hour shuts itself down (its memory comes back; the work stays on disk).

Environment variables (all optional but the password):
  MICROGPT_HUB_PASSWORD   the class password, 8 characters or more (required)
  MICROGPT_HUB_LEARNERS   a file of allowed user names, one per line (default: any name)
  MICROGPT_HUB_HOMES      folder of the learners' homes (default: ~/microgpt-hub/home)
  MICROGPT_HUB_STATE      folder for the hub's database and cookie secret
                          (default: ~/microgpt-hub/state)
  MICROGPT_DATA           names.txt given to every learner
  MICROGPT_HUB_COURSE     the course's folder in each home, which nbgitpuller names after the
                          repository (default: microgpt-course); learners' kernels import
                          `microgpt` from it (PYTHONPATH), so package and chapters match
  MICROGPT_HUB_SERVER_PORTS  first of the 1000 loopback ports for learners' servers
                          (default: 20000)
  MICROGPT_CHP            the configurable-http-proxy program (default: .cache/chp/ here,
                          then the PATH)

Ports: the public one is 8000 on every interface (`--ip 127.0.0.1 --port 9000` on the
command line overrides it); the hub's own API listens on 127.0.0.1:8081, the proxy's on
127.0.0.1:8001, learners' servers on 127.0.0.1:20000 and up. benchmarks/classroom_hub.py
starts this very file on other loopback ports.
"""
import itertools
import os
import shutil
import socket
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub defines get_config in the config file's namespace)

REPO = Path(__file__).resolve().parent.parent
SERVER_PORTS = int(os.environ.get("MICROGPT_HUB_SERVER_PORTS", 20000))   # learners' servers
BASE = Path.home() / "microgpt-hub"


def folder(variable, default):
    """An absolute folder from the environment (or the default), created if missing."""
    path = Path(os.environ.get(variable) or default).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


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


# --- the hub and its proxy --------------------------------------------------------------
state = folder("MICROGPT_HUB_STATE", BASE / "state")
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
c.JupyterHub.authenticator_class = "shared-password"
password = os.environ.get("MICROGPT_HUB_PASSWORD")
if not password:
    sys.exit("set MICROGPT_HUB_PASSWORD to the class password (8 characters or more)")
c.SharedPasswordAuthenticator.user_password = password
learners = os.environ.get("MICROGPT_HUB_LEARNERS")
if learners:
    names = Path(learners).read_text(encoding="utf-8").split()
    c.Authenticator.allowed_users = {n.strip().lower() for n in names if n.strip()}
else:
    c.Authenticator.allow_all = True

# --- every learner's JupyterLab ---------------------------------------------------------
homes = folder("MICROGPT_HUB_HOMES", BASE / "home")
c.JupyterHub.spawner_class = "simple"        # jupyterhub.spawner.SimpleLocalProcessSpawner
c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]   # this environment's
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 300                # a whole class logging in at once on 2 cores
c.Spawner.pre_spawn_hook = lambda spawner: setattr(spawner, "port", next_server_port())
c.Spawner.http_timeout = 300
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=1200",   # an idle kernel stops after 20 min
    "--MappingKernelManager.cull_interval=120",
    "--ServerApp.shutdown_no_activity_timeout=3600",   # an idle JupyterLab after an hour
]
if os.geteuid() == 0:                        # a container or CI runs as root: let them start
    c.Spawner.args.append("--ServerApp.allow_root=True")
data = os.environ.get("MICROGPT_DATA") or str(REPO / "data" / "names.txt")
course = os.environ.get("MICROGPT_HUB_COURSE", "microgpt-course")
c.Spawner.environment = {
    "MICROGPT_DATA": data,
    # the chapters import the `microgpt` package of the learner's own copy (the link brings
    # notebooks and package in step); before the first click, the installed one
    "PYTHONPATH": lambda spawner: str(Path(spawner.home_dir) / course),
}
