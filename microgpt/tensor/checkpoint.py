"""A compact checkpoint for the tensor GPT: one `.npz` file.

Owns: `save_npz` / `load_npz`: the weights as float32 arrays (about half the size of
float64, and far smaller than the JSON checkpoint of `checkpoint`) plus a JSON header
with the config, the vocabulary and free-form notes (settings, curve, samples). Written
through `data.write_atomic`, like every file the package writes: never a half file,
and the usual permissions; the path is checked first by `limits.check_save_path`.
`load_npz` checks what it reads as `checkpoint.load_checkpoint` does and raises the same
`checkpoint.CheckpointError`: a missing, empty, truncated or foreign file (a JSON checkpoint
given by mistake, say), a missing or misshapen array, non-finite weights, a vocabulary
that disagrees with the config. Nothing is ever unpickled.

Imports: checkpoint, data, limits, model, tokenizer, tensor.model.
"""
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from ..checkpoint import CheckpointError, check_checkpoint_file
from ..data import write_atomic
from ..limits import check_save_path
from ..model import GPTConfig, param_shapes
from ..tokenizer import CharTokenizer
from .model import TensorGPT


def save_npz(path, model, tokenizer, meta=None, dtype=np.float32):
    """Write weights (as `dtype`), config, vocabulary and JSON-able `meta`; atomically."""
    path = check_save_path(path)
    if tokenizer.vocab_size != model.config.vocab_size:
        raise CheckpointError(f"the tokenizer has {tokenizer.vocab_size} tokens but the model "
                              f"expects {model.config.vocab_size}")
    for name, p in model.params.items():
        if not np.isfinite(p.data).all():
            raise CheckpointError(f"the model has weights that are not finite numbers (NaN or "
                                  f"infinity) in {name!r}: it comes from a run that diverged; "
                                  "train again with a smaller learning rate")
    header = {"config": model.config.to_dict(), "vocab": tokenizer.itos, "meta": meta or {}}
    try:
        header_text = json.dumps(header, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"cannot save the notes (meta) as JSON: {e}") from None
    arrays = {n: p.data.astype(dtype) for n, p in model.params.items()}
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array(header_text), **arrays)
    return write_atomic(path, buffer.getvalue())


def _read(path):
    """(header dict, {name: array}) of an .npz file, or CheckpointError saying what is wrong."""
    check_checkpoint_file(path)
    try:
        with open(path, "rb") as f:
            start = f.read(4)
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint at {path}") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path} is a folder, not a checkpoint file") from None
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    if not start:
        raise CheckpointError(f"{path} is empty: it is not a checkpoint (save it again)")
    if start[:1] in (b"{", b"[") or start.lstrip()[:1] == b"{":
        raise CheckpointError(f"{path} is a JSON file, not an .npz checkpoint; a JSON "
                              "checkpoint loads with microgpt.checkpoint.load_checkpoint")
    if start != b"PK\x03\x04":
        raise CheckpointError(f"{path} is not an .npz checkpoint (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as f:
            if "header" not in f.files:
                raise CheckpointError(f"{path} is not a microgpt .npz checkpoint (it has no "
                                      "header)")
            header = json.loads(str(f["header"]))
            arrays = {n: f[n] for n in f.files if n != "header"}
    except CheckpointError:
        raise
    except (json.JSONDecodeError, RecursionError):
        raise CheckpointError(f"{path} is a damaged checkpoint: its header is not valid "
                              "JSON") from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile):
        # ValueError includes NumPy's refusal to unpickle: never passed on (its advice is
        # to load the file unsafely)
        raise CheckpointError(f"{path} is a damaged checkpoint (truncated, or not written by "
                              "save_npz); save it again") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path} is a damaged checkpoint: its header is not a dict")
    return header, arrays


def load_npz(path, dtype=np.float64):
    """(TensorGPT, CharTokenizer, meta) from a file written by `save_npz`.

    Raises `checkpoint.CheckpointError` (a ValueError) for anything it cannot use.
    """
    path = Path(path)
    header, arrays = _read(path)
    try:
        cfg = GPTConfig(**header["config"])
        tok = CharTokenizer.from_vocab(header["vocab"])
        if tok.vocab_size != cfg.vocab_size:
            raise ValueError(f"vocabulary of {tok.vocab_size} tokens for a model of "
                             f"{cfg.vocab_size}")
        expected = {name: (rows, cols) for name, rows, cols, _ in param_shapes(cfg)}
        missing = sorted(set(expected) - set(arrays))
        if missing:
            raise ValueError(f"the array {missing[0]!r} is missing")
        extra = sorted(set(arrays) - set(expected))
        if extra:
            raise ValueError(f"the array {extra[0]!r} is not part of this configuration")
        for name, shape in expected.items():
            a = arrays[name]
            if a.shape != shape:
                raise ValueError(f"the array {name!r} has shape {a.shape}, the configuration "
                                 f"says {shape}")
            if a.dtype.kind != "f":
                raise ValueError(f"the array {name!r} holds {a.dtype}, not floats")
            if not np.isfinite(a).all():
                raise ValueError(f"the array {name!r} holds weights that are not finite "
                                 "numbers (NaN or infinity): it comes from a run that diverged")
        model = TensorGPT.from_weights(cfg, arrays, dtype)
    except KeyError as e:
        raise CheckpointError(f"{path} is a damaged checkpoint: {e.args[0]!r} is missing "
                              "from its header") from None
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path} is a damaged checkpoint: {e}") from None
    meta = header.get("meta") or {}
    return model, tok, meta
