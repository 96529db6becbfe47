"""A class of N learners on one real JupyterHub: does chapter 00 finish, how fast, in what memory?

    python benchmarks/bench_classroom.py --learners 30

Starts classroom/jupyterhub_config.py as root (JupyterHub + configurable-http-proxy, an
account and a password per learner, each learner's JupyterLab as their own Unix user
`mgpt-XXXX-NAME` under the memory cap, the progress service; `make proxy classroom-env` installs
what it needs) on 127.0.0.1, makes the teacher's repository (this repository's HEAD with the
work tree on top, served by git daemon on 127.0.0.1), then all N learners at once, each in a
thread with its own cookies: follow the nbgitpuller link (log in with their own password, wait
for the server, sync: the course lands in the home), start a kernel through the hub's proxy
and run chapter 00's code cells top to bottom (benchmarks/classroom_hub.py says how). Memory
is sampled with psutil: per learner, the JupyterLab server with its kernel (resident set,
summed over the process tree); for the hub, the hub, its proxy and the progress service.
The Unix users it made are removed at the end.

Prints one line per learner, then exactly one last line:

    classroom: N/N learners finished chapter 00, median T s, max T s, peak M MB per learner,
    hub M MB                                                          (on one line)

T is the time from clicking the link to the last cell's end (median and max over those who
finished); "peak per learner" is the largest peak of any learner; "hub" is the hub's peak.
Everything it started is stopped at the end, also on Ctrl-C, failure or --timeout; when a
learner failed, the hub's log is kept in the temporary folder (microgpt-classroom-hub.log).
Not a test: the figures depend on the machine and on what else runs on it.

Imports: benchmarks/classroom_hub.py; nothing of microgpt's.
"""
import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from classroom_hub import (  # noqa: E402
    GitServer,
    Hub,
    Learner,
    course_source,
    pull_link,
    shared_folder,
)

CHAPTER = "notebooks/00_start_here.ipynb"


def learner_run(hub, name, link, timeout, results, start):
    """One learner's whole visit; fills results[name] = (seconds or None, phases, error)."""
    start.wait()
    t0 = time.monotonic()
    phases = {}
    try:
        learner = Learner(hub, name, timeout=timeout)
        learner.follow(link)
        phases["pulled"] = time.monotonic() - t0
        learner.run_notebook(f"microgpt-course/{CHAPTER}")
        results[name] = (time.monotonic() - t0, phases, None)
    except Exception as e:                          # noqa: BLE001 (a failure is a result)
        results[name] = (None, phases, f"{type(e).__name__}: {e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds for the whole class (default 1800)")
    args = parser.parse_args(argv)
    n = args.learners

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)

    results = {}
    names = [f"learner{i:02d}" for i in range(1, n + 1)]
    teacher_folder = shared_folder("microgpt-teacher-")
    with tempfile.TemporaryDirectory(prefix="microgpt-classroom-") as tmp, \
            GitServer(teacher_folder) as git_server:
        source, branch = course_source(teacher_folder)
        hub = Hub(Path(tmp) / "hub", accounts=names)
        try:
            t_hub = time.monotonic()
            hub.start()
            print(f"hub up in {time.monotonic() - t_hub:.1f} s at {hub.url}", flush=True)
            link = pull_link(hub.url, git_server.url(source), branch, CHAPTER)
            start = threading.Event()
            threads = [threading.Thread(target=learner_run, daemon=True,
                                        args=(hub, name, link, args.timeout, results, start))
                       for name in names]
            for t in threads:
                t.start()
            start.set()
            deadline = time.monotonic() + args.timeout
            for t in threads:
                t.join(timeout=max(0.0, deadline - time.monotonic()))
            peaks = hub.peak_mb()
        finally:
            if len(results) < n or any(r[2] for r in results.values()):
                kept = Path(tempfile.gettempdir()) / "microgpt-classroom-hub.log"
                shutil.copyfile(hub.log_path, kept)
                print(f"the hub's log (servers and kernels included) is kept in {kept}")
            leftovers = hub.stop()
            if leftovers:
                print(f"{len(leftovers)} processes had to be killed", flush=True)
            shutil.rmtree(teacher_folder, ignore_errors=True)

    times, failures = [], []
    for name in names:
        seconds, phases, error = results.get(name, (None, {}, "did not finish in time"))
        pulled = f"{phases['pulled']:6.1f} s" if "pulled" in phases else "     -  "
        mem = f"{peaks.get(name, 0):5.0f} MB"
        if seconds is None:
            failures.append(name)
            print(f"{name}: FAILED after pull {pulled}, peak {mem}: {error}")
        else:
            times.append(seconds)
            print(f"{name}: course pulled at {pulled}, chapter 00 done at {seconds:6.1f} s, "
                  f"peak {mem}")
    per_learner = max((v for k, v in peaks.items() if k != "hub"), default=0.0)
    median = statistics.median(times) if times else float("nan")
    slowest = max(times) if times else float("nan")
    print(f"classroom: {len(times)}/{n} learners finished chapter 00, median {median:.0f} s, "
          f"max {slowest:.0f} s, peak {per_learner:.0f} MB per learner, "
          f"hub {peaks.get('hub', 0):.0f} MB", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
