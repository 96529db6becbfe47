"""Save and load a trained model as one JSON file: config, vocabulary, weights, notes.

Owns: the checkpoint format (`FORMAT`, version 1), `save_checkpoint` (written atomically:
a crash never leaves half a file, and never destroys the previous one; the path is checked
by `limits.check_save_path` first), `load_checkpoint` (a round trip is bit-exact: JSON keeps
every float's shortest repr) and `CheckpointError` for files that are missing, corrupt,
absurdly nested, hold weights that are not finite numbers, or are made for another
vocabulary. `tensor.checkpoint` raises the same `CheckpointError` for its `.npz` files.

Imports: data, limits, model, tokenizer.
"""
import json
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .data import write_atomic
from .limits import check_save_path
from .model import GPT, GPTConfig
from .tokenizer import CharTokenizer

FORMAT, VERSION = "microgpt-checkpoint", 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, with a message that says why."""


@dataclass
class Checkpoint:
    model: GPT
    tokenizer: CharTokenizer
    meta: dict = field(default_factory=dict)


def save_checkpoint(path, model, tokenizer, meta=None):
    """Write model + tokenizer (+ a dict of JSON-able notes) to `path`; returns the path.

    `limits.SaveError` if `path` cannot be saved to (see `limits.check_save_path`);
    `CheckpointError` if the model's weights are not finite (a run that diverged).
    """
    path = check_save_path(path)
    if tokenizer.vocab_size != model.config.vocab_size:
        raise CheckpointError(f"the tokenizer has {tokenizer.vocab_size} tokens but the model "
                              f"expects {model.config.vocab_size}")
    weights = model.weights()
    check_finite(weights, "the model")
    doc = {"format": FORMAT, "version": VERSION, "config": model.config.to_dict(),
           "vocab": tokenizer.itos, "meta": meta or {}, "weights": weights}
    try:
        payload = json.dumps(doc, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"cannot save the notes (meta) as JSON: {e}") from None
    return write_atomic(path, payload)


def check_finite(weights, what):
    """CheckpointError naming the first matrix of {name: rows} with a NaN or an infinity."""
    for name, rows in weights.items():
        if not all(math.isfinite(x) for row in rows for x in row):
            raise CheckpointError(f"{what} has weights that are not finite numbers (NaN or "
                                  f"infinity) in {name!r}: it comes from a run that diverged; "
                                  "train again with a smaller learning rate")


def check_checkpoint_file(path):
    """CheckpointError unless `path` is an existing regular file (checked without opening
    it: opening a FIFO would wait forever, reading /dev/zero would never end)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint at {path}") from None
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    if stat.S_ISDIR(mode):
        raise CheckpointError(f"{path} is a folder, not a checkpoint file")
    if not stat.S_ISREG(mode):
        raise CheckpointError(f"{path} is not a regular file (a device, a FIFO or a socket), "
                              "not a checkpoint file")


def load_checkpoint(path, tokenizer=None):
    """A `Checkpoint(model, tokenizer, meta)` from `path`.

    tokenizer: if given, the checkpoint's vocabulary must equal its vocabulary.
    """
    path = Path(path)
    check_checkpoint_file(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint at {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"{path} is not a microgpt checkpoint (not valid JSON); "
                              "it may be truncated — save it again") from None
    except RecursionError:
        raise CheckpointError(f"{path} is not a microgpt checkpoint (its JSON is nested "
                              "too deeply)") from None
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a microgpt checkpoint")
    if doc.get("version") != VERSION:
        raise CheckpointError(f"{path} has checkpoint version {doc.get('version')!r}; "
                              f"this microgpt reads version {VERSION}")
    try:
        cfg = GPTConfig(**doc["config"])
        tok = CharTokenizer.from_vocab(doc["vocab"])
        if tok.vocab_size != cfg.vocab_size:
            raise ValueError(f"vocabulary of {tok.vocab_size} tokens for a model of "
                             f"{cfg.vocab_size}")
        weights = doc["weights"]
        if not isinstance(weights, dict):
            raise ValueError(f"weights must be {{name: rows of numbers}}, got "
                             f"{type(weights).__name__}")
        model = GPT.from_weights(cfg, weights)
    except KeyError as e:
        raise CheckpointError(f"{path} is a damaged checkpoint: {e.args[0]!r} is missing"
                              ) from None
    except (TypeError, ValueError, OverflowError) as e:
        raise CheckpointError(f"{path} is a damaged checkpoint: {e}") from None
    check_finite(model.weights(), str(path))
    if tokenizer is not None and tokenizer != tok:
        raise CheckpointError(f"{path} was made for another vocabulary "
                              f"({''.join(tok.chars)!r}, not {''.join(tokenizer.chars)!r})")
    return Checkpoint(model, tok, doc.get("meta") or {})
