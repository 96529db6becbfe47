"""microgpt: a GPT built from nothing but Python, one small module per concept.

The public API (see README.md):

    from microgpt import Value, CharTokenizer, load_names, GPTConfig, GPT, Adam, train, generate

Only the standard library is needed here; `viz` and `widgets` import matplotlib, graphviz
and ipywidgets inside their functions.

Imports: checkpoint, data, engine, model, optim, sample, tokenizer, train.
"""
from .checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from .data import DataError, load_names, split_names
from .engine import Value
from .model import GPT, GPTConfig
from .optim import Adam
from .sample import generate
from .tokenizer import CharTokenizer
from .train import evaluate, train

__version__ = "0.1.0"

__all__ = ["Value", "CharTokenizer", "load_names", "split_names", "DataError", "GPTConfig",
           "GPT", "Adam", "train", "evaluate", "generate", "save_checkpoint",
           "load_checkpoint", "Checkpoint", "CheckpointError"]
