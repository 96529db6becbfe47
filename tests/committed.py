"""The chapters as committed, for the tests that check the course rather than a learner's work.

Owns: `notebooks_dir()` — the folder the course-checking tests read (hygiene, exercises as
committed, JupyterLab's saved form, nbval, the browser tests) — and `note()`, the one line
saying which copy that is. Working through the course writes into notebooks/ (JupyterLab
autosaves every run), so in a git checkout whose notebooks/ differs from HEAD the committed
folder is exported from git (`git archive HEAD notebooks`, checkpoints and all) into a
temporary folder and read from there; in a clean checkout, in CI (a fresh clone) and outside
git (a tarball) it is notebooks/ itself. MICROGPT_TEST_NOTEBOOKS=working tests the working
copies whatever git says (for course authors before they commit); =committed forces the export.
`nbval_dir()` is the same choice for nbval, which `make test` (tests/stages.py) runs on
the exported folder, .cache/committed/notebooks, when the working copies differ.

Imports: nothing of microgpt's (the standard library and git).
"""
import atexit
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ENV = "MICROGPT_TEST_NOTEBOOKS"
WORKING = f"notebooks: testing the working copies in notebooks/ ({ENV}=working)"
RESTORE = "`git stash push notebooks` (keeps them; `git stash pop` brings them back) or " \
          "`git checkout -- notebooks` (discards them)"


def _git(*args):
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, timeout=120)


def changed_files():
    """Paths under notebooks/ that differ from HEAD (modified, deleted or new), or None when
    this is not a git checkout (a tarball) or git is missing."""
    try:
        top = _git("rev-parse", "--show-toplevel")
        if top.returncode or Path(top.stdout.decode().strip()).resolve() != ROOT \
                or _git("rev-parse", "--verify", "-q", "HEAD").returncode:
            return None
        status = _git("status", "--porcelain", "--untracked-files=all", "--", "notebooks")
    except (OSError, subprocess.TimeoutExpired):
        return None
    if status.returncode:
        return None
    return [line[3:] for line in status.stdout.decode(errors="replace").splitlines() if line]


def export(dest):
    """Write HEAD's notebooks/ (every tracked file) into dest/notebooks; return that folder."""
    archive = _git("archive", "--format=tar", "HEAD", "notebooks")
    if archive.returncode:
        raise RuntimeError("git archive HEAD notebooks failed: "
                           + archive.stderr.decode(errors="replace").strip())
    target = Path(dest) / "notebooks"
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):         # Python >= 3.12 (and patched 3.8-3.11)
            tar.extractall(dest, filter="data")
        else:
            tar.extractall(dest)
    return target


@lru_cache(maxsize=None)
def _choice():
    """(folder, note) for this process; the export, if any, is removed at exit."""
    mode = os.environ.get(ENV, "auto")
    if mode == "working":
        return NOTEBOOKS, WORKING
    changed = changed_files()
    if changed is None:
        return NOTEBOOKS, None            # not a git checkout: the files are the course
    if not changed and mode != "committed":
        return NOTEBOOKS, None
    tmp = tempfile.mkdtemp(prefix="microgpt-committed-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    return export(tmp), describe(changed)


def describe(changed):
    if not changed:
        return f"notebooks: testing the committed chapters ({ENV}=committed)"
    shown = ", ".join(Path(p).name for p in changed[:3]) + (" ..." if len(changed) > 3 else "")
    return (f"notebooks: your copies differ from the committed ones ({len(changed)} files: "
            f"{shown}); the course checks read the committed chapters. To get the pristine "
            f"ones back: {RESTORE}")


def notebooks_dir():
    """The folder of the chapters as committed (see the module's docstring)."""
    return _choice()[0]


def note():
    """One line saying the learner's copies differ and how to restore them, or None."""
    return _choice()[1]


def chapters():
    """The chapter notebooks (NN_name.ipynb) of `notebooks_dir()`, sorted."""
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


def nbval_dir(cache=ROOT / ".cache" / "committed"):
    """The folder nbval should run, and the note: like `notebooks_dir()`, but an export goes
    to `cache` (inside the repository, so pytest keeps its configuration there)."""
    mode = os.environ.get(ENV, "auto")
    if mode == "working":
        return NOTEBOOKS, WORKING
    changed = changed_files()
    if changed is None or (not changed and mode != "committed"):
        return NOTEBOOKS, None
    return export(cache), describe(changed)
