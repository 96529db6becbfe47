"""Shared fixtures and helpers: the dataset (found as the package finds it, never downloaded
here), the repository root, a finite-difference gradient and a small GPT with random non-zero
weights. Tests import the plain helpers with `from conftest import ROOT, numeric_grad, ...`."""
import os
import random
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent       # the repository: microgpt/, notebooks/, ...


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in Chromium (slow)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds (`make test-fast` "
                                       "leaves it out)")


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
    ok, line = checker_verdict(capsys, checker, *args)
    assert not ok, line
    return line


def boom(*args):
    """A learner's function that crashes: a checker must turn it into a verdict."""
    raise KeyError("oops")
