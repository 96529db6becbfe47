"""Imports flow one way (DESIGN.md); the core needs nothing beyond the standard library."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "microgpt"

# module: the modules of ours it may import (DESIGN.md's table; a module not listed fails)
ALLOWED = {
    "engine": set(),
    "tokenizer": set(),
    "data": set(),
    "nn": {"engine"},
    "model": {"engine", "nn"},
    "optim": set(),
    "train": {"model", "optim", "tokenizer", "nn"},
    "sample": {"model", "tokenizer", "nn"},
    "checkpoint": {"model", "tokenizer", "data"},
    "graph": set(),
    "viz": {"engine", "graph"},
    "session": {"model", "optim", "sample", "tokenizer", "train"},
    "widgets": {"session", "viz", "sample", "data", "model", "tokenizer"},
    "checks": {"engine", "nn", "model"},
    "checks_gpt": {"checks", "engine", "model"},
    "tensor": {"engine"},
    "tensor_gpt": {"tensor", "model"},
    "tensor_train": {"tensor_gpt", "model", "tokenizer"},
    "checks_efficiency": {"tensor", "tensor_gpt", "checks"},
    "__main__": {"train", "sample", "data", "tokenizer", "model", "checkpoint"},
    "__init__": None,           # the package front door may re-export anything
}
HEAVY = {"numpy", "matplotlib", "graphviz", "ipywidgets", "IPython", "tqdm"}


def our_imports(path):
    """(module names of ours imported, third-party names imported at module top level)."""
    tree = ast.parse(path.read_text())
    ours, top_heavy = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:          # from .model import GPT
                ours.add(node.module.split(".")[0])
            elif node.level == 1:                         # from . import viz
                ours.update(a.name for a in node.names)
            elif node.module and node.module.split(".")[0] == "microgpt":
                ours.add(node.module.split(".")[1] if "." in node.module else "__init__")
    for node in tree.body:          # top level only: imports inside functions are lazy
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        top_heavy.update(n.split(".")[0] for n in names if n.split(".")[0] in HEAVY)
    return ours, top_heavy


MODULES = sorted(p.stem for p in PKG.glob("*.py"))


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_only_what_the_layering_allows(name):
    assert name in ALLOWED, f"microgpt/{name}.py is not in the layering table of this test"
    ours, top_heavy = our_imports(PKG / f"{name}.py")
    if ALLOWED[name] is not None:
        extra = ours - ALLOWED[name]
        assert not extra, f"{name} imports {sorted(extra)} against the one-way order"
    if name not in ("tensor", "tensor_gpt", "tensor_train", "checks_efficiency"):
        assert not top_heavy, f"{name} imports {sorted(top_heavy)} at the top; do it inside functions"


@pytest.mark.parametrize("name", MODULES)
def test_module_opens_with_a_docstring_saying_what_it_owns(name):
    doc = ast.get_docstring(ast.parse((PKG / f"{name}.py").read_text()))
    assert doc and len(doc) > 40, f"microgpt/{name}.py needs a docstring"


def test_the_layering_checker_catches_a_wrong_import(tmp_path):
    bad = tmp_path / "engine.py"
    bad.write_text('"""doc"""\nfrom .model import GPT\nfrom . import viz\nimport numpy\n')
    ours, heavy = our_imports(bad)
    assert ours - ALLOWED["engine"] == {"model", "viz"} and heavy == {"numpy"}


def test_import_microgpt_loads_no_heavy_library():
    code = ("import sys, microgpt; print(sorted(m for m in %r if m in sys.modules))" % (HEAVY,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
