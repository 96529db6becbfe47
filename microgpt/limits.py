"""The guards: how big a model, a run or a file this machine can take, and where a file may
be saved. Used only at the edges that take sizes and paths from a person — the command line,
the training session and its panel, the checkpoint writer and loaders — never by the model,
the engine or the training loop, which compute whatever they are given.

Owns: `MAX_PARAMS` and `check_params` (a parameter cap for every engine), `check_memory`
(refuses a scalar model whose training — `training_bytes`: the parameters as `Value`s with
their Adam state, plus the graph of one step — would need more memory than this process has,
`available_memory`, read from Linux's /proc and cgroup files and the address-space limit),
and `check_save_path` (`SaveError` if a path cannot be saved to: run before a long training
run, so that a bad `--save` fails in a second, not after). Each message says the estimate,
the limit and the setting to change.

Imports: data, model.
"""
import os
import stat
from pathlib import Path

from .data import _kind
from .model import count_params

MAX_PARAMS = 10_000_000     # the course's biggest model has 199,424; the tensor engine's too
# Measured with tracemalloc (Python 3.11): a parameter as a `Value` with its Adam moments
# costs ~140 bytes, and one training step's graph ~50-80 bytes per parameter per position.
BYTES_PER_PARAM, BYTES_PER_PARAM_POSITION = 150, 70
FALLBACK_MEMORY = 8 * 2**30  # if the system does not say how much memory there is


class SaveError(ValueError):
    """A path a file cannot be saved to, with a message that names it and says why."""


def check_params(config):
    """ValueError, saying what to change, if `config` has more than `MAX_PARAMS` parameters."""
    n_embd, n_layer, block_size = config.n_embd, config.n_layer, config.block_size
    params = count_params(config)
    if params > MAX_PARAMS:
        raise ValueError(f"a GPT with n_embd={n_embd}, n_layer={n_layer}, block_size={block_size} "
                         f"has about {params:,} parameters; the limit is {MAX_PARAMS:,} (the "
                         "course's models have a few thousand to 200,000): make n_embd, "
                         "n_layer or block_size smaller")


def _number(path, key, scale=1):
    """The number after `key` in a small text file (a /proc or cgroup file), or None."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    value = line[len(key):].split()[0]
                    return None if value == "max" else int(value) * scale
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_memory():
    """Bytes this process can still allocate, as far as the system tells (Linux: the
    available memory, a cgroup's limit, the address-space limit); else `FALLBACK_MEMORY`."""
    found = [_number("/proc/meminfo", "MemAvailable:", 1024)]
    limit = _number("/sys/fs/cgroup/memory.max", "")
    if limit is not None:
        found.append(limit - (_number("/sys/fs/cgroup/memory.current", "") or 0))
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            used = _number("/proc/self/statm", "", os.sysconf("SC_PAGE_SIZE")) or 0
            found.append(soft - used)
    except (ImportError, OSError, ValueError, AttributeError):
        pass
    found = [n for n in found if n is not None]
    return max(0, min(found)) if found else FALLBACK_MEMORY


def longest_positions(config, docs):
    """Positions of the longest step on `docs`: its tokens (<BOS>, the name, <EOS>) − 1."""
    return min(config.block_size, max(map(len, docs), default=0) + 2) - 1


def training_bytes(config, positions=None):
    """Estimated bytes to train `config` on scalar `Value`s: the parameters with their Adam
    state, plus one step's graph over `positions` positions (default: a full block)."""
    positions = config.block_size - 1 if positions is None else positions
    return count_params(config) * (BYTES_PER_PARAM + BYTES_PER_PARAM_POSITION * positions)


def _size(n):
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def check_memory(config, positions=None):
    """ValueError, with the estimate and the limit, if training `config` on scalar Values
    would need more memory than this process has (see `training_bytes`)."""
    need, have = training_bytes(config, positions), available_memory()
    if need > have:
        raise ValueError(f"training this GPT ({count_params(config):,} parameters, block_size "
                         f"{config.block_size}) on scalar Values needs about {_size(need)} of "
                         f"memory; this process has about {_size(have)}: make n_embd, "
                         "n_layer or block_size smaller")


def check_save_path(path):
    """The path `path` as a Path if a file can be saved there; else `SaveError` saying why.

    Checks the path as typed, before any work: not empty; not a folder, a symbolic link, a
    FIFO, a device or a socket (saving replaces a file, so it would silently turn any of
    those into a regular file: they are refused, never written through); not an existing
    read-only file (it is not replaced without asking: make it writable or delete it
    first); and a parent that is a folder (or can be made one) that this process may write
    in. Folders that do not exist yet are fine: `write_atomic` creates them.
    """
    if path is None or str(path).strip() == "":
        raise SaveError("the path to save to is empty; give a file name such as model.json")
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:            # e.g. a parent that is a file (ENOTDIR), or no access
        st = None
        if not isinstance(e, (NotADirectoryError, PermissionError)):
            raise SaveError(f"cannot save to {path}: {e.strerror or e}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise SaveError(f"cannot save to {path}: it is a folder; give a file name, "
                            f"e.g. {path / 'model.json'}")
        if not stat.S_ISREG(st.st_mode):
            raise SaveError(f"cannot save to {path}: it is {_kind(st.st_mode)}, not a regular "
                            "file, and saving would replace it; give another path")
        if not (st.st_mode & 0o222) or not os.access(path, os.W_OK):
            raise SaveError(f"cannot save to {path}: the file is read-only; make it writable "
                            f"(chmod u+w {path}) or delete it to replace it, or give another "
                            "path")
    parent = path.parent
    while True:                     # the nearest folder that exists must be writable
        try:
            pst = os.stat(parent)
        except FileNotFoundError:
            if parent == parent.parent:
                raise SaveError(f"cannot save to {path}: no such folder") from None
            parent = parent.parent
            continue
        except NotADirectoryError:
            pst = None
        except OSError as e:
            raise SaveError(f"cannot save to {path}: cannot reach {parent} "
                            f"({e.strerror or e})") from None
        break
    if pst is None or not stat.S_ISDIR(pst.st_mode):
        blocker = parent
        while pst is None:          # ENOTDIR: find the component that is a file
            blocker = blocker.parent
            try:
                pst = os.stat(blocker)
            except OSError:
                pst = None
        raise SaveError(f"cannot save to {path}: {blocker} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SaveError(f"cannot save to {path}: no permission to write in the folder "
                        f"{parent}")
    return path


def check_training(config, docs):
    """Both caps for training `config` on `docs` (scalar engine), before any work: the
    parameter cap, then the memory of a step on the longest document."""
    check_params(config)
    check_memory(config, longest_positions(config, docs))
