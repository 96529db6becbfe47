"""microgpt: a GPT built from nothing but Python, one small module per concept.

The public API (see README.md):

    from microgpt import Value, CharTokenizer, load_names, GPTConfig, GPT, Adam, train, generate

Only the standard library is needed here; `viz` and `widgets` import matplotlib, graphviz
and ipywidgets inside their functions.

`python -m microgpt.data` (`make data`) runs `microgpt.data` as a script, and runpy warns if
the package had already imported that module. So the names of `data` and of `checkpoint`
(which imports `data`) load lazily, through a module `__getattr__` (PEP 562): the first
`microgpt.load_names` or `from microgpt import Checkpoint` imports their module. The rest
is imported here as usual (`train`, a function here, shadows the module of that name).

Imports: checkpoint, data, engine, model, optim, sample, tokenizer, train.
"""
import importlib
from typing import TYPE_CHECKING

from .engine import Value
from .model import GPT, GPTConfig
from .optim import Adam
from .sample import generate
from .tokenizer import CharTokenizer
from .train import evaluate, train

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


def __getattr__(name):
    """`microgpt.load_names` and the like: import the module on first use, keep the name."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
