"""The teacher's progress page: learners x exercises, served by the hub to its admins only.

A JupyterHub service (classroom/jupyterhub_config.py starts it; classroom/z2jh-values.yaml
runs it in the hub's pod) at /services/progress/: one row per learner (the hub's users that
are not admins), one column per exercise, each cell passed / tried (not yet passed) / not
tried, and when the learner was last active (the hub's record of their last request or
kernel activity). /services/progress/progress.json gives the same as JSON. Log-in is the
hub's OAuth (`HubOAuthenticated`): only users with the scope `access:services!service=progress`
get in — the hub's admins; a learner's default role (`self`) does not have it and gets 403.

Where the progress comes from: the exercise checkers write ~/.microgpt/progress.json in each
learner's home (microgpt/course/progress.py). MICROGPT_PROGRESS_SOURCE chooses how to read it:
- "files" (one machine, the default): from MICROGPT_HUB_HOMES/NAME/.microgpt/progress.json.
  The service runs as root and the file is the learner's, so it is opened without following
  links, only if it is a regular file owned by that learner's Unix user (PREFIX + NAME), and
  at most 256 KB of it is read: a learner cannot make the page read anything else;
- "servers" (Zero to JupyterHub, where each home is a volume of its own): through each
  running learner server's contents API, at MICROGPT_PROGRESS_SERVERS_URL (the proxy inside
  the cluster, e.g. http://proxy-public) with the service's own token (it holds
  `access:servers`); a stopped server's last seen record is kept in memory. The learners'
  servers must allow the hidden file to be read (ContentsManager.allow_hidden, which
  z2jh-values.yaml sets); MICROGPT_PROGRESS_LISTEN=0.0.0.0 makes it listen in the pod.

Exercise columns: those of the course's checkers (read from MICROGPT_PROGRESS_CHECKS, default
this repository's microgpt/course/checks/, as text: nothing of the course is imported) and
any other id found in a learner's file.

Imports: jupyterhub and tornado (the hub's own environment); nothing of microgpt's.
"""
import html
import json
import os
import re
import stat
import urllib.parse
from pathlib import Path

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import httpclient, ioloop, web

MAX_BYTES = 256 * 1024
EXERCISE = re.compile(r"^\d\d\.\d{1,2}$")
REGISTERED = re.compile(r'@exercise\(\s*"(\d\d\.\d{1,2})",\s*"([^"]*)"')
HERE = Path(__file__).resolve().parent


def course_exercises(folder):
    """[(id, title)] of the checkers in `folder` (their @exercise lines), in id order."""
    found = {}
    for path in sorted(Path(folder).glob("*.py")):
        try:
            found.update(REGISTERED.findall(path.read_text(encoding="utf-8")))
        except OSError:
            continue
    return sorted(found.items(), key=lambda kv: tuple(map(int, kv[0].split("."))))


def states(text):
    """{exercise id: "passed" | "tried"} from a progress file's text; {} if it is not one."""
    try:
        data = json.loads(text)
        entries = data["exercises"]
        assert isinstance(entries, dict)
    except (ValueError, KeyError, TypeError, AssertionError):
        return {}
    return {str(e): "passed" if v.get("passed") is True else "tried"
            for e, v in entries.items() if EXERCISE.match(str(e)) and isinstance(v, dict)}


def read_own_file(home, uid):
    """The text of home/.microgpt/progress.json if it is a regular file owned by `uid` and
    reached without following links, else None. Never blocks (FIFOs) or reads past MAX_BYTES."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
    fds = []
    try:
        fds.append(os.open(home, flags | os.O_DIRECTORY))
        fds.append(os.open(".microgpt", flags | os.O_DIRECTORY, dir_fd=fds[-1]))
        fds.append(os.open("progress.json", flags, dir_fd=fds[-1]))
        st = os.fstat(fds[-1])
        if not stat.S_ISREG(st.st_mode) or st.st_uid != uid or st.st_size > MAX_BYTES:
            return None
        return os.read(fds[-1], MAX_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    finally:
        for fd in fds:
            os.close(fd)


class Progress:
    """Reads the class's progress: the hub's users, then each learner's file."""

    def __init__(self):
        self.api = os.environ["JUPYTERHUB_API_URL"]
        self.token = os.environ["JUPYTERHUB_API_TOKEN"]
        self.source = os.environ.get("MICROGPT_PROGRESS_SOURCE", "files")
        self.homes = Path(os.environ.get("MICROGPT_HUB_HOMES", "/srv/microgpt-hub/home"))
        self.prefix = os.environ.get("MICROGPT_HUB_UNIX_PREFIX", "mgpt-")
        self.servers_url = os.environ.get("MICROGPT_PROGRESS_SERVERS_URL", "http://proxy-public")
        checks = os.environ.get("MICROGPT_PROGRESS_CHECKS",
                                HERE.parent / "microgpt" / "course" / "checks")
        self.exercises = course_exercises(checks)
        self.seen = {}                          # name -> last record read ("servers")
        self.http = httpclient.AsyncHTTPClient()

    async def _get(self, url):
        r = await self.http.fetch(url, headers={"Authorization": f"token {self.token}",
                                                "Accept": "application/jupyterhub-pagination+json"},
                                  request_timeout=30, raise_error=False)
        return r

    async def users(self):
        """The hub's users (name, admin, last_activity, servers), all pages."""
        found, offset = [], 0
        while True:
            r = await self._get(url_path_join(self.api, f"users?offset={offset}&limit=200"))
            if r.code != 200:
                raise web.HTTPError(502, f"the hub's user list answered {r.code}")
            page = json.loads(r.body)
            items = page["items"] if isinstance(page, dict) else page
            found.extend(items)
            following = page.get("_pagination", {}).get("next") if isinstance(page, dict) else None
            if not following or not items:
                return found
            offset = following["offset"]

    async def record(self, user):
        name = user["name"]
        if self.source == "servers":
            if user.get("servers", {}).get("", {}).get("ready"):
                url = url_path_join(self.servers_url, "user", name,
                                    "api/contents/.microgpt/progress.json?content=1&type=file")
                r = await self._get(url)
                if r.code == 200:
                    self.seen[name] = states(json.loads(r.body).get("content") or "")
            return self.seen.get(name, {})
        try:
            import pwd
            uid = pwd.getpwnam(self.prefix + name).pw_uid
        except KeyError:                        # never started a server: no Unix user yet
            return {}
        return states(read_own_file(self.homes / name, uid) or "")

    async def table(self):
        """{"exercises": [[id, title]], "learners": [{name, last_activity, progress}]}."""
        learners = []
        for user in sorted(await self.users(), key=lambda u: u["name"]):
            if user.get("admin") or user.get("kind", "user") != "user":
                continue
            learners.append({"name": user["name"], "last_activity": user.get("last_activity"),
                             "progress": await self.record(user)})
        titles = dict(self.exercises)
        for learner in learners:
            for e in learner["progress"]:
                titles.setdefault(e, "")
        ids = sorted(titles, key=lambda e: tuple(map(int, e.split("."))))
        return {"exercises": [[e, titles[e]] for e in ids], "learners": learners}


MARKS = {"passed": ("passed", "&#10003;"), "tried": ("tried", "&#8230;"),
         None: ("none", "&middot;")}
STYLE = """body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2em .4em;text-align:center}
th.ex{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal}
td.passed{background:#b7e1b0}td.tried{background:#f7d58b}td.none{color:#999}
td.name{text-align:left}"""


def render(table):
    """The page: a legend, then learners x exercises with the counts and last activity."""
    ex = table["exercises"]
    head = "".join(f'<th class="ex" title="{html.escape(t)}">{html.escape(e)}</th>'
                   for e, t in ex)
    rows = []
    for learner in table["learners"]:
        done = learner["progress"]
        cells = "".join(
            '<td class="{0}" data-exercise="{2}">{1}</td>'.format(
                *MARKS[done.get(e)], html.escape(e)) for e, _ in ex)
        passed = sum(v == "passed" for v in done.values())
        tried = sum(v == "tried" for v in done.values())
        rows.append(f'<tr data-learner="{html.escape(learner["name"])}">'
                    f'<td class="name">{html.escape(learner["name"])}</td>'
                    f"<td>{passed}</td><td>{tried}</td>"
                    f'<td>{html.escape(str(learner["last_activity"] or "never"))}</td>{cells}</tr>')
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Class progress</title>"
            f"<meta http-equiv='refresh' content='60'><style>{STYLE}</style></head><body>"
            "<h1>Class progress</h1><p>&#10003; passed, &#8230; tried and not yet passed, "
            "&middot; not tried. Last active: the hub's last record of the learner's browser or "
            "kernel (UTC). The page reloads every minute; "
            "<a href='progress.json'>progress.json</a> has the same.</p>"
            f"<table><tr><th>learner</th><th>passed</th><th>tried</th><th>last active</th>"
            f"{head}</tr>{''.join(rows)}</table></body></html>")


class PageHandler(HubOAuthenticated, web.RequestHandler):
    def initialize(self, progress):
        self.progress = progress

    @web.authenticated
    async def get(self):
        self.set_header("Cache-Control", "no-store")
        self.write(render(await self.progress.table()))


class DataHandler(PageHandler):
    @web.authenticated
    async def get(self):
        self.set_header("Cache-Control", "no-store")
        self.write(await self.progress.table())


def main():
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    progress = Progress()
    app = web.Application([
        (prefix, PageHandler, {"progress": progress}),
        (url_path_join(prefix, "progress.json"), DataHandler, {"progress": progress}),
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
    ], cookie_secret=os.urandom(32))
    url = urllib.parse.urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    # in a pod, the URL names the hub's Kubernetes service: listen on every interface there
    app.listen(url.port, os.environ.get("MICROGPT_PROGRESS_LISTEN") or url.hostname)
    ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
