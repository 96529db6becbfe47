"""microgpt: a GPT built from nothing but Python, one small module per concept.

The public API (see README.md):

    from microgpt import Value, CharTokenizer, load_names, GPTConfig, GPT, Adam, train, generate

The top level is the model the chapters build; the course's machinery (checkers, panels,
plots, graph pictures) lives in `microgpt.course` and the guards in `microgpt.limits`. Only
the standard library is needed here.

A notebook saved before the course's machinery moved may still say `from microgpt.checks...`
or `microgpt.widgets`: `_OldPaths` maps those names to `microgpt.course...` with a one-line
note, so the old cell still runs.

`python -m microgpt.data` (`make data`) runs `microgpt.data` as a script, and runpy warns if
the package had already imported that module. So the names of `data` and of `checkpoint`
(which imports `data`) load lazily, through a module `__getattr__` (PEP 562): the first
`microgpt.load_names` or `from microgpt import Checkpoint` imports their module. The rest
is imported here as usual.

Imports: checkpoint, data, engine, model, optim, sample, tokenizer, training.
"""
import importlib
import importlib.abc
import importlib.util
import sys
from typing import TYPE_CHECKING

from .engine import Value
from .model import GPT, GPTConfig
from .optim import Adam
from .sample import generate
from .tokenizer import CharTokenizer
from .training import evaluate, train

if TYPE_CHECKING:      # for readers, linters and editors; loaded by __getattr__ below
    from .checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
    from .data import DataError, load_names, split_names

__version__ = "0.1.0"

# lazily loaded public name -> the module of ours that defines it
_LAZY = {"load_names": "data", "split_names": "data", "DataError": "data",
         "save_checkpoint": "checkpoint", "load_checkpoint": "checkpoint",
         "Checkpoint": "checkpoint", "CheckpointError": "checkpoint"}

__all__ = ["Value", "CharTokenizer", "load_names", "split_names", "DataError", "GPTConfig",
           "GPT", "Adam", "train", "evaluate", "generate", "save_checkpoint",
           "load_checkpoint", "Checkpoint", "CheckpointError"]


# modules that moved into `microgpt.course`: old name -> new name
_MOVED = {f"microgpt.{m}": f"microgpt.course.{m}" for m in (
    "checks", "session", "widgets", "panel_text", "panel_plot", "panel_sampling", "viz",
    "graph", "runtime", "browser")}


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import microgpt.widgets` (and its submodules) -> the module in `microgpt.course`."""

    def find_spec(self, fullname, path=None, target=None):
        old = next((o for o in _MOVED if fullname == o or fullname.startswith(o + ".")), None)
        if old is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        old = next(o for o in _MOVED if spec.name == o or spec.name.startswith(o + "."))
        new = _MOVED[old] + spec.name[len(old):]
        if spec.name == old:        # one note per old name, not per submodule
            print(f"note: {old} is now {new}; the old name still works", file=sys.stderr)
        return importlib.import_module(new)

    def exec_module(self, module):
        pass                        # the module is the real one, already executed


if not any(isinstance(f, _OldPaths) for f in sys.meta_path):
    sys.meta_path.insert(0, _OldPaths())


def __getattr__(name):
    """`microgpt.load_names` and the like: import the module on first use, keep the name."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
