"""Shared fixtures and helpers: the dataset (found as the package finds it, never downloaded
here), the repository root, a finite-difference gradient and a small GPT with random non-zero
weights. Tests import the plain helpers with `from conftest import ROOT, numeric_grad, ...`."""
import os
import random
import shutil
from pathlib import Path

import pytest

from microgpt.course.checks.common import NEXT_TIME

ROOT = Path(__file__).resolve().parent.parent       # the repository: microgpt/, notebooks/, ...


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in Chromium (slow)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds (`make test-fast` "
                                       "leaves it out)")


def pytest_report_header(config):
    """One line when the learner's notebooks differ from the committed ones (tests/committed.py)."""
    import committed
    return committed.note()


def pytest_terminal_summary(terminalreporter):
    import committed
    if committed.note():
        terminalreporter.write_line(committed.note())


def numeric_grad(f, x, eps=1e-6):
    """Central differences of the float f() with respect to every entry of x.

    x is a list of floats or a NumPy array; each entry is nudged in place by ±eps, f() is
    called, and the entry is put back. Returns a list (for a list) or an array of x's shape.
    """
    if hasattr(x, "shape"):
        import numpy as np
        indices, grad = list(np.ndindex(x.shape)), np.zeros_like(x)
    else:
        indices, grad = range(len(x)), [0.0] * len(x)
    for i in indices:
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def random_weights(config, seed=0, std=0.3):
    """{name: rows of floats} for every matrix of `config`, all drawn from N(0, std²).

    A fresh GPT starts attn_wo and mlp_fc2 at zero, so some gradients (attn_wq's, ...) are zero
    and a gradient check on it would be vacuous there: these weights make every path count.
    """
    from microgpt.model import param_shapes
    rng = random.Random(seed)
    return {name: [[rng.gauss(0, std) for _ in range(cols)] for _ in range(rows)]
            for name, rows, cols, _ in param_shapes(config)}


SMALL = {"vocab_size": 6, "n_embd": 8, "n_layer": 2, "n_head": 2, "block_size": 5}


def small_model(seed=0, std=0.5, **config):
    """A small GPT (SMALL, overridden by `config`) with random non-zero weights."""
    from microgpt.model import GPT, GPTConfig
    cfg = GPTConfig(**{**SMALL, **config})
    return GPT.from_weights(cfg, random_weights(cfg, seed, std))


@pytest.fixture(scope="session")
def names_path():
    """Path of names.txt: $MICROGPT_DATA or data/names.txt (`make data` puts it there)."""
    env = os.environ.get("MICROGPT_DATA")
    path = Path(env) if env else ROOT / "data" / "names.txt"
    if not path.is_file():
        pytest.fail(f"names.txt not found at {path}: run `make data` (downloads it) "
                    "or set MICROGPT_DATA", pytrace=False)
    return path


@pytest.fixture(scope="session")
def docs(names_path):
    from microgpt.data import read_docs
    return read_docs(names_path)


@pytest.fixture
def rng():
    return random.Random(1234)


@pytest.fixture(scope="session")
def has_dot():
    return shutil.which("dot") is not None


# ---- exercise checkers: run one, read its one line ------------------------------------------

def checker_verdict(capsys, checker, *args):
    """(returned bool, the one printed line) of one checker call; the line needs no symbol font."""
    ok = checker(*args)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines
    assert all(ord(ch) < 0x2000 for ch in lines[0]), f"needs a symbol font: {lines[0]}"
    assert lines[0].startswith("Correct!" if ok else ("Not yet:", "Cannot tell:")), lines[0]
    return ok, lines[0]


def passes(capsys, checker, *args):
    ok, line = checker_verdict(capsys, checker, *args)
    assert ok, line
    return line


def fails(capsys, checker, *args):
    """The verdict of a second wrong try (symptom and hint), after checking the first: it
    names the symptom but not the fix (`NEXT_TIME` instead of the hint)."""
    from microgpt.course.checks import common
    common._WRONG.pop(getattr(checker, "exercise_id", None), None)     # a first try, again
    ok, first = checker_verdict(capsys, checker, *args)
    assert not ok, first
    ok, line = checker_verdict(capsys, checker, *args)
    assert not ok, line
    if "Hint:" in line:
        assert "Hint:" not in first and first.endswith(NEXT_TIME), (first, line)
    return line


@pytest.fixture(autouse=True)
def fresh_wrong_tries():
    """Each test starts as a learner who has not tried any exercise yet (hints come in steps,
    counted per exercise in the kernel)."""
    from microgpt.course.checks import common
    common._WRONG.clear()
    yield


def boom(*args):
    """A learner's function that crashes: a checker must turn it into a verdict."""
    raise KeyError("oops")


# ---- the command line in a real process, and its one error line -----------------------------

def cli(*argv, env=None, timeout=300, prefix=(), memory_mb=None, **kw):
    """`python -m microgpt ARGV` in a subprocess (text output). memory_mb: an address-space
    limit (RLIMIT_AS) for the child, so that a case about memory never takes the machine's."""
    import subprocess
    import sys

    def limit():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))
    kw = {"capture_output": True, **kw}
    return subprocess.run([*prefix, sys.executable, "-m", "microgpt", *map(str, argv)],
                          text=True, timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})},
                          preexec_fn=limit if memory_mb else None, **kw)


def one_error_line(proc, code=2):
    """The text of the one `error: ...` line of a failed run (and no traceback)."""
    assert proc.returncode == code, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr.strip()


def failed_before_training(proc):
    """The error line of a run refused before any output (and so before any training)."""
    line = one_error_line(proc)
    assert proc.stdout == "", "the check must come before any output (and any training)"
    return line


def as_another_user():
    """A command prefix that runs a process without root's right to write anywhere."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is missing: root may write anywhere")
    return ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


def tiny_gpt(seed=0):
    """(GPT, CharTokenizer): a small model on five names, for checkpoint and sampling cases."""
    from microgpt.model import GPT, GPTConfig
    from microgpt.tokenizer import CharTokenizer
    tok = CharTokenizer(["emma", "olivia", "ava", "isabella", "sophia"])
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=8)
    return GPT(cfg, random.Random(seed)), tok
