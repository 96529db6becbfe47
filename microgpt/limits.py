"""The guards: how big a model, a run or a file this machine can take, and where a file may
be saved. Used only at the edges that take sizes and paths from a person — the command line,
the training session and its panel, the checkpoint writer and loaders — never by the model,
the engine or the training loop, which compute whatever they are given.

Owns: `MAX_PARAMS` and `check_params` (a parameter cap for every engine), `MAX_VOCAB` and
`check_vocab` (a vocabulary the scalar engine can sample from in seconds), and one memory
estimate per use, each compared with `available_memory` (read from Linux's /proc and cgroup
files and the address-space limit) before any work: `check_memory` (scalar training:
`training_bytes`, the parameters as `Value`s with their Adam state plus one step's graph),
`check_batch` (a batch of names on either engine: `batch_bytes`), `check_samples` (the
samples a panel keeps, capped at `MAX_SAMPLES`) and `check_beam` (the beams of
`sample.beam_search`). `check_training` runs the ones a training run needs. Each message
says the estimate, the limit and the one setting to lower. Also `check_save_path`
(`SaveError` if a path cannot be saved to: run before a long training run, so that a bad
`--save` fails in a second, not after; it tries what the final write will do).

Imports: data, model.
"""
import errno
import os
import stat
from pathlib import Path

from .data import NAME_MAX, _kind, temp_path
from .model import count_params

MAX_PARAMS = 10_000_000     # the course's biggest model has 199,424; the tensor engine's too
# The scalar engine's cost grows with the vocabulary: measured here (2 busy cores) with
# n_embd 16, block_size 8, one sample of 8 characters takes 0.05 s at 28 tokens, 3.8 s at
# 10,000 and 7.8 s at 20,000 (a training step 0.1 s, 3.4 s, 17 s); at 500,000 building the
# model alone takes minutes and one sample far more than 5 minutes. names.txt has 28.
MAX_VOCAB = 10_000
MAX_SAMPLES = 10_000        # at the demo's size one sample takes ~0.05 s: 10,000 ~ 8 minutes
# Measured with tracemalloc (Python 3.11): a parameter as a `Value` with its Adam moments
# costs ~140 bytes, and one training step's graph ~50-80 bytes per parameter per position.
BYTES_PER_PARAM, BYTES_PER_PARAM_POSITION = 150, 70
# The tensor engine (float64), measured with tracemalloc over 7 shapes (within 5%): ~24 bytes
# per parameter for the weights, ~32 more for gradients and Adam moments; one step's arrays
# take 8 bytes × batch × positions × (n_layer·(72·n_embd + 9·n_head·positions) + 6·vocab
# + 6·n_embd).
TENSOR_BYTES_PER_PARAM = 56
# A batch's token lists (both engines): 8 bytes a token, ~100 a list.
BYTES_PER_BATCH_TOKEN, BYTES_PER_BATCH_DOC = 8, 100
# beam_search keeps per beam a cache and the graph of its forward passes: measured 18-90
# bytes per parameter per beam (tracemalloc, widths 8-128, two shapes).
BYTES_PER_BEAM_PARAM = 100
BYTES_PER_SAMPLE_CHAR, BYTES_PER_SAMPLE = 4, 100     # a sample kept as a str in a list
FALLBACK_MEMORY = 8 * 2**30  # if the system does not say how much memory there is


class SaveError(ValueError):
    """A path a file cannot be saved to, with a message that names it and says why."""


def _shrink(config):
    """The settings to make smaller for `config`'s size: the vocabulary when it is most of it."""
    if config.vocab_size * config.n_embd * 2 > count_params(config):
        return (f"the vocabulary ({config.vocab_size:,} tokens, one per character of the data) "
                "is most of it: train on text with fewer different characters, or make n_embd "
                "smaller")
    return "make n_embd, n_layer or block_size smaller"


def check_vocab(vocab_size):
    """ValueError naming the vocabulary if it has more than `MAX_VOCAB` tokens: the scalar
    engine would need minutes to draw one name from it (see `MAX_VOCAB`)."""
    if vocab_size > MAX_VOCAB:
        raise ValueError(f"the data has {vocab_size - 2:,} different characters (a vocabulary "
                         f"of {vocab_size:,} tokens); the limit is {MAX_VOCAB:,} (names.txt has "
                         f"26 letters; at {MAX_VOCAB:,} one sample already takes seconds): "
                         "train on text with fewer different characters")


def check_params(config):
    """ValueError, saying what to change, if `config` has more than `MAX_PARAMS` parameters."""
    n_embd, n_layer, block_size = config.n_embd, config.n_layer, config.block_size
    params = count_params(config)
    if params > MAX_PARAMS:
        raise ValueError(f"a GPT with n_embd={n_embd}, n_layer={n_layer}, block_size={block_size}"
                         f", vocab_size={config.vocab_size} has about {params:,} parameters; the "
                         f"limit is {MAX_PARAMS:,} (the course's models have a few thousand to "
                         f"200,000): {_shrink(config)}")


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


def _refuse_if_short(need, what, advice):
    have = available_memory()
    if need > have:
        raise ValueError(f"{what} needs about {_size(need)} of memory; this process has about "
                         f"{_size(have)}: {advice}")


def check_memory(config, positions=None):
    """ValueError, with the estimate and the limit, if training `config` on scalar Values
    would need more memory than this process has (see `training_bytes`)."""
    _refuse_if_short(training_bytes(config, positions),
                     f"training this GPT ({count_params(config):,} parameters, block_size "
                     f"{config.block_size}) on scalar Values", _shrink(config))


def batch_bytes(config, batch_size, engine="tensor", positions=None):
    """Estimated bytes of one training step on `batch_size` names of `positions` positions
    (default: a full block), the model and its Adam state included."""
    c, positions = config, config.block_size - 1 if positions is None else positions
    lists = batch_size * (BYTES_PER_BATCH_DOC + BYTES_PER_BATCH_TOKEN * (positions + 1))
    if engine == "scalar":          # one graph per step (the scalar engine trains one name)
        return training_bytes(config, positions) + lists
    per_position = (c.n_layer * (72 * c.n_embd + 9 * c.n_head * positions) + 6 * c.vocab_size
                    + 6 * c.n_embd)
    return (count_params(config) * TENSOR_BYTES_PER_PARAM + lists
            + 8 * batch_size * positions * per_position)


def check_batch(config, batch_size, engine="tensor", positions=None):
    """ValueError naming batch_size (with how many names fit) if a step on `batch_size`
    names of `config` would need more memory than this process has (`batch_bytes`)."""
    need = batch_bytes(config, batch_size, engine, positions)
    if need <= available_memory():
        return
    one = batch_bytes(config, 1, engine, positions)
    per_name = max(1, batch_bytes(config, 2, engine, positions) - one)
    fit = (available_memory() - one) // per_name + 1
    advice = (f"make batch_size smaller (about {fit:,} names fit)" if fit >= 1
              else _shrink(config))
    _refuse_if_short(need, f"a step on a batch of {batch_size:,} names (block_size "
                           f"{config.block_size}, {engine} engine)", advice)


def check_samples(config, num_samples):
    """ValueError naming num_samples if it is over `MAX_SAMPLES`, or if that many samples of
    up to block_size characters would not fit in this process's memory."""
    if num_samples > MAX_SAMPLES:
        raise ValueError(f"num_samples is {num_samples:,}; the limit is {MAX_SAMPLES:,} (one "
                         "sample takes a few hundredths of a second at the demo's size, more "
                         "for bigger models): make num_samples smaller")
    need = num_samples * (BYTES_PER_SAMPLE + BYTES_PER_SAMPLE_CHAR * config.block_size)
    _refuse_if_short(need, f"{num_samples:,} samples", "make num_samples smaller")


def check_beam(config, beam_width):
    """ValueError naming beam_width if `sample.beam_search` with that many beams over
    `config` would need more memory than this process has."""
    need = beam_width * count_params(config) * BYTES_PER_BEAM_PARAM
    have = available_memory()
    fit = have // max(1, count_params(config) * BYTES_PER_BEAM_PARAM)
    _refuse_if_short(need, f"a beam search {beam_width:,} beams wide over "
                           f"{count_params(config):,} parameters",
                     f"make beam_width smaller (about {fit:,} beams fit)" if fit >= 1
                     else _shrink(config))


def check_training(config, docs, engine="scalar", batch_size=1):
    """The caps for training `config` on `docs` with `batch_size` names a step, before any
    work: the vocabulary (scalar engine), the parameters, then the memory of a step on the
    longest document."""
    if engine == "scalar":
        check_vocab(config.vocab_size)
    check_params(config)
    positions = longest_positions(config, docs)
    if engine == "scalar":
        check_memory(config, positions)
    check_batch(config, batch_size, engine, positions)


def check_save_path(path):
    """The path `path` as a Path if a file can be saved there; else `SaveError` saying why.

    Checks the path as typed, before any work: not empty; not a folder, a symbolic link, a
    FIFO, a device or a socket (saving replaces a file, so it would silently turn any of
    those into a regular file: they are refused, never written through); not an existing
    read-only file (it is not replaced without asking: make it writable or delete it
    first); not another user's file in a shared folder such as /tmp (its sticky bit forbids
    replacing it); a path ending in a slash names a folder, and is refused; and a parent that
    is a folder (or can be made one) that this process may write in. Then it does what the
    final write will do, on nothing: it creates and removes `data.write_atomic`'s temporary
    file in that folder (or the first folder to be made), so that a name too long, a
    read-only file system, /proc or /sys fail here. Folders that do not exist yet are fine:
    `write_atomic` creates them.
    """
    if path is None or str(path).strip() == "":
        raise SaveError("the path to save to is empty; give a file name such as model.json")
    if isinstance(path, str) and path.endswith(("/", os.sep)):
        raise SaveError(f"cannot save to {path}: a path ending in {path[-1]} names a folder; "
                        f"give a file name, e.g. {Path(path) / 'model.json'}")
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:            # e.g. a parent that is a file (ENOTDIR), or no access
        st = None
        if e.errno == errno.ENAMETOOLONG:
            raise SaveError(f"cannot save to {path}: the name is too long for this file system "
                            f"(a file name may have {NAME_MAX} bytes): give a shorter name"
                            ) from None
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
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    if (st is not None and parent == path.parent and pst.st_mode & stat.S_ISVTX and euid
            and st.st_uid != euid and pst.st_uid != euid):
        raise SaveError(f"cannot save to {path}: the file belongs to another user in a shared "
                        f"folder ({parent} is sticky, like /tmp), so it cannot be replaced; "
                        "give another path")
    _try_write(path, parent)
    return path


def _try_write(path, parent):
    """Do, on nothing, what `write_atomic(path)` will do first: make the first missing folder
    or create its temporary file (each removed at once); SaveError naming `path` if it fails."""
    try:
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = NAME_MAX
    name = os.fsencode(path.name)
    if len(name) > limit:
        raise SaveError(f"cannot save to {path}: the file name is {len(name)} bytes long; this "
                        f"folder allows {limit}: give a shorter name")
    missing = path.parent
    while missing.parent != parent and missing != missing.parent:
        missing = missing.parent
    probe = missing if path.parent != parent else temp_path(path)
    try:
        if probe is missing:
            os.mkdir(probe)
            os.rmdir(probe)
        else:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            os.unlink(probe)
    except OSError as e:
        reason = {errno.ENAMETOOLONG: "the name is too long for this file system",
                  errno.EROFS: f"{parent} is on a read-only file system",
                  errno.EACCES: f"no permission to write in the folder {parent}",
                  errno.EPERM: f"no permission to write in the folder {parent}",
                  errno.ENOSPC: "the disk is full",
                  errno.ENOENT: f"{parent} does not take new files"}.get(e.errno)
        raise SaveError(f"cannot save to {path}: {reason or e.strerror or e}") from None
