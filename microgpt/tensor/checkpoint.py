"""A compact checkpoint for the tensor GPT: one `.npz` file.

Owns: `save_npz` / `load_npz`: the weights as float32 arrays (about half the size of
float64, and far smaller than the JSON checkpoint of `checkpoint`) plus a JSON header
with the config, the vocabulary and free-form notes (settings, curve, samples). Written
through `data.write_atomic`, like every file the package writes: never a half file,
and the usual permissions.

Imports: tensor.model, model, tokenizer, data.
"""
import io
import json

import numpy as np

from ..data import write_atomic
from ..model import GPTConfig
from ..tokenizer import CharTokenizer
from .model import TensorGPT


def save_npz(path, model, tokenizer, meta=None, dtype=np.float32):
    """Write weights (as `dtype`), config, vocabulary and JSON-able `meta`; atomically."""
    header = {"config": model.config.to_dict(), "vocab": tokenizer.itos, "meta": meta or {}}
    arrays = {n: p.data.astype(dtype) for n, p in model.params.items()}
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array(json.dumps(header)), **arrays)
    return write_atomic(path, buffer.getvalue())


def load_npz(path, dtype=np.float64):
    """(TensorGPT, CharTokenizer, meta) from a file written by `save_npz`."""
    try:
        with np.load(path, allow_pickle=False) as f:
            header = json.loads(str(f["header"]))
            arrays = {n: f[n] for n in f.files if n != "header"}
    except FileNotFoundError:
        raise ValueError(f"no checkpoint at {path}") from None
    cfg = GPTConfig(**header["config"])
    model = TensorGPT.from_weights(cfg, arrays, dtype)
    return model, CharTokenizer.from_vocab(header["vocab"]), header["meta"]
