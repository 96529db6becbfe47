"""Save and load a trained model as one JSON file: config, vocabulary, weights, notes.

Owns: the checkpoint format (`FORMAT`, version 1), `save_checkpoint` (written atomically:
a crash never leaves half a file, and never destroys the previous one; the path is checked
by `limits.check_save_path` first, and a file that is not a checkpoint is not replaced
unless `force=True`), `load_checkpoint` (a round trip is bit-exact: JSON keeps every
float's shortest repr) and `CheckpointError` for files that are missing, too big, corrupt,
absurdly nested, hold weights that are not numbers, not finite or huge (a run that
diverged), or are made for another vocabulary.

Also what both checkpoint formats share (`tensor.checkpoint`'s `.npz` files use it too, so
the two agree on what they accept and say it in the same words): `check_checkpoint_file`
(a regular file under `MAX_CHECKPOINT_BYTES`, checked before it is opened),
`read_header` (config, vocabulary and their agreement, the parameter cap, before any
weight is read), `check_weights` (every matrix of the configuration, no other, its shape,
numbers only, finite and at most `training.MAX_WEIGHT`: the same rule as a diverging run),
`is_checkpoint` and `check_overwrite`.

Imports: data, limits, model, tokenizer, training.
"""
import json
import math
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .data import write_atomic
from .limits import SaveError, check_params, check_save_path
from .model import GPT, GPTConfig, param_shapes
from .tokenizer import CharTokenizer
from .training import MAX_WEIGHT

FORMAT, VERSION = "microgpt-checkpoint", 1
# The course's biggest model (199,424 parameters) is 4 MB as JSON and 0.8 MB as .npz; 64 MB
# (the data loader's cap too) holds ~3 million parameters as JSON, more than MAX_PARAMS as
# float32 .npz. Parsing 64 MB of JSON takes ~1 GB; a 2 GB file would take 4 GB.
MAX_CHECKPOINT_BYTES = 64 * 2**20
DIVERGED = "it comes from a run that diverged; train again with a smaller learning rate"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, with a message that says why."""


@dataclass
class Checkpoint:
    model: GPT
    tokenizer: CharTokenizer
    meta: dict = field(default_factory=dict)


def _megabytes(n):
    return f"{n / 2**20:.1f} MB" if n < 2**30 else f"{n / 2**30:.1f} GB"


def check_checkpoint_file(path):
    """Its size in bytes, or CheckpointError unless `path` is an existing regular file of at
    most `MAX_CHECKPOINT_BYTES` (checked without opening it: opening a FIFO would wait
    forever, reading /dev/zero would never end, parsing a 2 GB file would take 4 GB)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint at {path}") from None
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise CheckpointError(f"{path} is a folder, not a checkpoint file")
    if not stat.S_ISREG(st.st_mode):
        raise CheckpointError(f"{path} is not a regular file (a device, a FIFO or a socket), "
                              "not a checkpoint file")
    if st.st_size > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"{path} is {_megabytes(st.st_size)}, too big for a microgpt "
                              f"checkpoint (the limit is {_megabytes(MAX_CHECKPOINT_BYTES)}; the "
                              "course's biggest model is 4 MB)")
    return st.st_size


def damaged(path, why):
    return CheckpointError(f"{path} is a damaged checkpoint: {why}")


def read_header(header, path):
    """(GPTConfig, CharTokenizer) from a checkpoint's header {config, vocab, ...}, checked:
    a valid config within the parameter cap, a valid vocabulary of config.vocab_size."""
    if not isinstance(header, dict):
        raise damaged(path, f"its header is a {type(header).__name__}, not a dict")
    try:
        if not isinstance(header["config"], dict):
            raise ValueError(f"config must be a dict, got {type(header['config']).__name__}")
        cfg = GPTConfig(**header["config"])
        check_params(cfg)
        tok = CharTokenizer.from_vocab(header["vocab"])
    except KeyError as e:
        raise damaged(path, f"{e.args[0]!r} is missing") from None
    except (TypeError, ValueError, OverflowError) as e:
        raise damaged(path, e) from None
    if tok.vocab_size != cfg.vocab_size:
        raise damaged(path, f"vocabulary of {tok.vocab_size} tokens for a model of "
                            f"{cfg.vocab_size}")
    return cfg, tok


def expected_shapes(cfg):
    """{name: (rows, cols)} of every matrix of `cfg`."""
    return {name: (rows, cols) for name, rows, cols, _ in param_shapes(cfg)}


def check_names(names, cfg, path):
    """CheckpointError unless `names` are exactly the matrices of `cfg` (one missing, or one
    that is not part of it: named)."""
    expected = expected_shapes(cfg)
    missing = sorted(set(expected) - set(names))
    if missing:
        raise damaged(path, f"the matrix {missing[0]!r} is missing")
    extra = sorted(set(names) - set(expected))
    if extra:
        raise damaged(path, f"the matrix {extra[0]!r} is not part of this configuration")


def check_shape(name, shape, cfg, path):
    want = expected_shapes(cfg)[name]
    if tuple(shape) != want:
        raise damaged(path, f"the matrix {name!r} has shape {tuple(shape)}, the configuration "
                            f"says {want}")


def _rows_shape(name, rows, path):
    """The (rows, cols) of a JSON matrix (a list of equally long lists)."""
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise damaged(path, f"the matrix {name!r} is not rows of numbers")
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise damaged(path, f"the matrix {name!r} has rows of different lengths")
    return (len(rows), widths.pop() if widths else 0)


def _not_numbers(name, rows):
    """The first entry of a JSON matrix that is not a number (bool and str are not)."""
    for row in rows:
        for x in row:
            if type(x) not in (int, float):
                return x
    return None


def _too_big(x):
    return not -MAX_WEIGHT <= x <= MAX_WEIGHT          # True for NaN too


def check_weights(weights, cfg, what):
    """CheckpointError unless `weights` ({name: rows of numbers, or NumPy arrays}) holds every
    matrix of `cfg` and no other, each of its shape, holding numbers (not str, not bool),
    finite and at most `MAX_WEIGHT` in size. `what` names the file (or "the model")."""
    if not isinstance(weights, dict):
        raise damaged(what, f"weights must be {{name: rows of numbers}}, got "
                            f"{type(weights).__name__}")
    check_names(weights, cfg, what)
    for name, w in weights.items():
        if hasattr(w, "dtype"):                         # a NumPy array (.npz)
            check_shape(name, w.shape, cfg, what)
            if w.dtype.kind not in "fiu":
                raise damaged(what, f"the matrix {name!r} holds {w.dtype}, not numbers")
            bad = ~(abs(w) <= MAX_WEIGHT)
            first = float(w.flat[bad.argmax()]) if bad.any() else None
        else:
            check_shape(name, _rows_shape(name, w, what), cfg, what)
            odd = _not_numbers(name, w)
            if odd is not None:
                raise damaged(what, f"the matrix {name!r} holds {odd!r} "
                                    f"({type(odd).__name__}), not a number")
            first = next((x for row in w for x in row if _too_big(x)), None)
        _refuse_diverged(what, name, first)


def _refuse_diverged(what, name, first):
    """CheckpointError for a matrix whose first weight out of bounds is `first` (if any)."""
    if first is not None:
        size = ("not finite numbers (NaN or infinity)" if not math.isfinite(first)
                else f"as big as {first:.3g} (more than {MAX_WEIGHT:g})")
        raise CheckpointError(f"{what} has weights that are {size} in {name!r}: {DIVERGED}")


def check_finite(weights, what):
    """CheckpointError naming the first matrix of {name: rows} with a NaN, an infinity or a
    weight over `MAX_WEIGHT` (what a save checks; a load checks more: `check_weights`)."""
    for name, rows in weights.items():
        _refuse_diverged(what, name, next((x for row in rows for x in row if _too_big(x)), None))


_JSON_START = re.compile(rb'\s*\{\s*"format"\s*:\s*"microgpt-checkpoint"')


def is_checkpoint(path):
    """True if `path` starts as a microgpt checkpoint does (JSON or .npz); reads 64 bytes
    (and an .npz's list of members). For a file about to be replaced: see `check_overwrite`."""
    try:
        with open(path, "rb") as f:
            start = f.read(64)
        if _JSON_START.match(start):
            return True
        if start.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(path) as z:
                return "header.npy" in z.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        pass
    return False


def check_overwrite(path, force=False, how="pass force=True"):
    """SaveError if `path` is a non-empty regular file that is not a microgpt checkpoint (a
    names file, a notebook, ...), unless `force`: saving would replace it. `how` says how to
    ask for it anyway."""
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError:
        return
    if force or not stat.S_ISREG(st.st_mode) or st.st_size == 0 or is_checkpoint(path):
        return
    raise SaveError(f"cannot save to {path}: it is a file that is not a microgpt checkpoint, "
                    f"and saving would replace it; give another path, or {how} to replace it")


def save_checkpoint(path, model, tokenizer, meta=None, *, force=False):
    """Write model + tokenizer (+ a dict of JSON-able notes) to `path`; returns the path.

    `limits.SaveError` if `path` cannot be saved to (see `limits.check_save_path`) or is a
    file that is not a checkpoint (unless `force`); `CheckpointError` if the model's
    weights are not finite or huge (a run that diverged).
    """
    path = check_save_path(path)
    check_overwrite(path, force)
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
    cfg, tok = read_header(doc, path)
    if "weights" not in doc:
        raise damaged(path, "'weights' is missing")
    check_weights(doc["weights"], cfg, path)
    try:
        model = GPT.from_weights(cfg, doc["weights"])
    except (TypeError, ValueError, OverflowError) as e:
        raise damaged(path, e) from None
    if tokenizer is not None and tokenizer != tok:
        raise CheckpointError(f"{path} was made for another vocabulary "
                              f"({''.join(tok.chars)!r}, not {''.join(tokenizer.chars)!r})")
    return Checkpoint(model, tok, doc.get("meta") or {})
