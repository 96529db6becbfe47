"""A compact checkpoint for the tensor GPT: one `.npz` file.

Owns: `save_npz` / `load_npz`: the weights as float32 arrays (about half the size of
float64, and far smaller than the JSON checkpoint of `checkpoint`) plus a JSON header
with the config, the vocabulary and free-form notes (settings, curve, samples). Written
through `data.write_atomic`, like every file the package writes: never a half file,
and the usual permissions; the path is checked first by `limits.check_save_path`, and a
file that is not a checkpoint is not replaced unless `force=True`.

`load_npz` checks before it reads, with the JSON checkpoint's own checks and messages
(`checkpoint.read_header`, `check_weights`, the same `CheckpointError`): the file's size;
the zip's list of members; the header's declared size before it is unpacked; then, for
each array, its declared size and its .npy header (shape, type) against the configuration
before a byte of it is unpacked or allocated — so a 400-byte member declaring 10¹² numbers,
or a zip bomb, is refused in a moment. Nothing is ever unpickled.

Imports: checkpoint, data, limits, model, tensor.model.
"""
import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np

from ..checkpoint import (
    CheckpointError,
    check_checkpoint_file,
    check_names,
    check_overwrite,
    check_shape,
    check_weights,
    damaged,
    read_header,
)
from ..data import write_atomic
from ..limits import check_save_path
from ..model import param_shapes
from .model import TensorGPT

MAX_HEADER_BYTES = 16 * 2**20   # config, vocabulary (≤ 10,000 characters) and notes
NPY_HEADER_BYTES = 2**16        # an .npy header is at most this long (format 1.0)
MAX_MEMBERS = 10_000            # a checkpoint has 3 + 6 × n_layer


def save_npz(path, model, tokenizer, meta=None, dtype=np.float32, *, force=False):
    """Write weights (as `dtype`), config, vocabulary and JSON-able `meta`; atomically.
    A file at `path` that is not a checkpoint is not replaced unless `force`."""
    if not isinstance(model, TensorGPT):
        raise CheckpointError(f"save_npz saves a TensorGPT, got {type(model).__name__}; for a "
                              "GPT use TensorGPT.from_gpt(model), or microgpt.save_checkpoint")
    path = check_save_path(path)
    check_overwrite(path, force)
    if tokenizer.vocab_size != model.config.vocab_size:
        raise CheckpointError(f"the tokenizer has {tokenizer.vocab_size} tokens but the model "
                              f"expects {model.config.vocab_size}")
    check_weights({n: p.data for n, p in model.state_dict.items()}, model.config, "the model")
    header = {"config": model.config.to_dict(), "vocab": tokenizer.itos, "meta": meta or {}}
    try:
        header_text = json.dumps(header, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"cannot save the notes (meta) as JSON: {e}") from None
    arrays = {n: p.data.astype(dtype) for n, p in model.state_dict.items()}
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array(header_text), **arrays)
    return write_atomic(path, buffer.getvalue())


def _member_count(path, size):
    """The number of members the zip's end record declares (read from its last bytes)."""
    with open(path, "rb") as f:
        f.seek(max(0, size - 65_557))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    return struct.unpack("<H", tail[at + 10:at + 12])[0] if 0 <= at <= len(tail) - 22 else None


def _npy(z, info, path, max_bytes):
    """(shape, dtype, fortran, stream) of one .npy member: its header read and checked, and
    nothing else read; the member's declared size must be at most `max_bytes`."""
    name = info.filename[:-4]
    if info.file_size > max_bytes:
        raise damaged(path, f"the member {name!r} declares {info.file_size:,} bytes, more than "
                            "the configuration needs")
    f = z.open(info)
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    if dtype.hasobject:
        raise damaged(path, f"the member {name!r} holds Python objects, not numbers")
    return shape, dtype, fortran, f


def _read(path):
    """(header, config, tokenizer, {name: array}) of an .npz file, or CheckpointError.

    Every size is checked before what it describes is read (see the module docstring)."""
    size = check_checkpoint_file(path)
    try:
        with open(path, "rb") as f:
            start = f.read(4)
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
        count = _member_count(path, size)
        if count is not None and count > MAX_MEMBERS:
            raise damaged(path, f"it has {count:,} members; a checkpoint has 3 + 6 per layer")
        with zipfile.ZipFile(path) as z:
            infos = {i.filename[:-4]: i for i in z.infolist() if i.filename.endswith(".npy")}
            if "header" not in infos:
                raise CheckpointError(f"{path} is not a microgpt .npz checkpoint (it has no "
                                      "header)")
            info = infos.pop("header")
            shape, dtype, fortran, f = _npy(z, info, path, MAX_HEADER_BYTES)
            if shape != () or dtype.kind != "U":
                raise damaged(path, "its header is not a text")
            header = json.loads(_read_exactly(f, dtype, shape, fortran, info.file_size).item())
            cfg, tok = read_header(header, path)
            check_names(infos, cfg, path)
            arrays = {}
            for name, rows, cols, _ in param_shapes(cfg):
                shape, dtype, fortran, f = _npy(z, infos[name], path,
                                                rows * cols * 8 + NPY_HEADER_BYTES)
                check_shape(name, shape, cfg, path)
                if dtype.kind not in "fiu" or dtype.itemsize > 8:
                    raise damaged(path, f"the matrix {name!r} holds {dtype}, not numbers")
                arrays[name] = _read_exactly(f, dtype, shape, fortran, infos[name].file_size)
    except CheckpointError:
        raise
    except (json.JSONDecodeError, RecursionError, UnicodeDecodeError):
        raise damaged(path, "its header is not valid JSON") from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile,
            struct.error, NotImplementedError):
        # ValueError includes NumPy's refusal to unpickle: never passed on (its advice is
        # to load the file unsafely)
        raise CheckpointError(f"{path} is a damaged checkpoint (truncated, or not written by "
                              "save_npz); save it again") from None
    return header, cfg, tok, arrays


def _read_exactly(f, dtype, shape, fortran, declared):
    """The array an .npy member's header announced, read from `f` (its header already read,
    the shape already checked): refused unless the member declares that many bytes."""
    n = dtype.itemsize * int(np.prod(shape, dtype=object))
    if n > declared:
        raise EOFError
    with f:
        data = f.read(n)
    if len(data) != n:
        raise EOFError
    return np.frombuffer(bytearray(data), dtype).reshape(shape, order="F" if fortran else "C")


def load_npz(path, dtype=np.float64):
    """(TensorGPT, CharTokenizer, meta) from a file written by `save_npz`.

    Raises `checkpoint.CheckpointError` (a ValueError) for anything it cannot use.
    """
    path = Path(path)
    header, cfg, tok, arrays = _read(path)
    check_weights(arrays, cfg, path)
    try:
        model = TensorGPT.from_weights(cfg, arrays, dtype)
    except (TypeError, ValueError) as e:
        raise damaged(path, e) from None
    meta = header.get("meta") or {}
    return model, tok, meta
