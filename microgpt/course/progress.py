"""The learner's progress record: which exercises they tried and passed, kept in their home.

Owns: the progress file (`path`: $MICROGPT_PROGRESS, which the classroom hub sets to
~/.microgpt/progress.json; unset — a laptop, Binder, the test suite — nothing is written), `record`
(an exercise checker's verdict: tried, passed, when; it never raises into a checker — a write
that fails is reported once per kernel and otherwise ignored), `load` (a learner's record,
read back and checked) and `summary` (exercise id -> "passed" / "tried"). The teacher's
progress page (classroom/progress_service.py) reads these files; nothing here uses the
network. The file is written whole to a temporary file beside it and renamed over it, so a
reader never sees half a record, and a lock (where the system has one) keeps two kernels of
the same learner from losing each other's verdicts.

    {"version": 1, "updated": "2026-12-02T06:10:00Z",
     "exercises": {"04.1": {"passed": true, "tries": 3, "last": "2026-12-02T06:09:58Z",
                            "passed_at": "2026-12-02T06:09:58Z"}}}

Imports: nothing of ours.
"""
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

VERSION = 1
MAX_BYTES = 256 * 1024          # a course has a few dozen exercises: a few KB
EXERCISE_ID = re.compile(r"^\d\d\.\d{1,2}$")
_reported = []                  # the one failed write reported in this kernel, if any


def path():
    """Where this learner's record lives ($MICROGPT_PROGRESS, "~" expanded), or None: off."""
    where = os.environ.get("MICROGPT_PROGRESS")
    return Path(where).expanduser() if where else None


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def parse(text):
    """A record from the file's text, keeping only well-formed entries; ValueError if none."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
        raise ValueError("not a progress record")
    exercises = {}
    for key, entry in data["exercises"].items():
        if EXERCISE_ID.match(str(key)) and isinstance(entry, dict):
            tries = entry.get("tries")
            exercises[key] = {
                "passed": entry.get("passed") is True,
                "tries": tries if isinstance(tries, int) and tries >= 0 else 0,
                "last": str(entry.get("last", ""))[:20],
                "passed_at": str(entry.get("passed_at", ""))[:20]}
    return {"version": VERSION, "updated": str(data.get("updated", ""))[:20],
            "exercises": exercises}


def load(where=None):
    """The record at `where` (default: `path()`); an empty one if missing or unreadable."""
    try:
        with open(where or path() or "", encoding="utf-8") as f:
            return parse(f.read(MAX_BYTES + 1)[:MAX_BYTES])
    except (OSError, ValueError):
        return {"version": VERSION, "updated": "", "exercises": {}}


def summary(record):
    """{exercise id: "passed" or "tried"}; exercises never tried are absent."""
    return {e: "passed" if v["passed"] else "tried" for e, v in record["exercises"].items()}


def _write(where, record):
    """Write `record` to `where` atomically: a temporary file in the same folder, renamed."""
    fd, tmp = tempfile.mkstemp(dir=where.parent, prefix=".progress-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, where)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _locked(folder):
    """An exclusive lock on folder/.lock for the read-modify-write (None where there is none)."""
    try:
        import fcntl
    except ImportError:         # not POSIX: two kernels writing at once may lose one verdict
        return None
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def record(exercise_id, ok, where=None):
    """Note that exercise `exercise_id` was tried, and passed if `ok`. Returns True if written
    (False when recording is off: no `where` and no $MICROGPT_PROGRESS).

    Never raises: a checker must print its verdict whatever happens to the file. The first
    failure in a kernel prints one line to stderr saying so; later ones are silent.
    """
    try:
        where = where or path()
        if where is None:
            return False
        where = Path(where)
        where.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = _locked(where.parent)
        try:
            current = load(where)
            entry = current["exercises"].setdefault(
                str(exercise_id), {"passed": False, "tries": 0, "last": "", "passed_at": ""})
            stamp = now()
            entry["tries"] += 1
            entry["last"] = stamp
            if ok and not entry["passed"]:
                entry["passed"], entry["passed_at"] = True, stamp
            current["updated"] = stamp
            _write(where, current)
        finally:
            if lock is not None:
                os.close(lock)           # closing the descriptor releases the lock
        return True
    except Exception as exc:     # a full disk, a read-only home, an odd path: never the checker's
        if not _reported:
            _reported.append(exc)
            print(f"(your progress could not be saved for the teacher: {type(exc).__name__}: "
                  f"{exc}; the verdict above still holds)", file=sys.stderr)
        return False
