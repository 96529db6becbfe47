"""The names dataset: find it, download it if need be, load it, split it.

Owns: `load_names` (an explicit path, then $MICROGPT_DATA, then data/names.txt, else a
download of makemore's names.txt, checked against its SHA-256 and written atomically),
`split_names` (a train/validation split drawn with an explicit `random.Random`) and
`DataError`, whose message says what to do. A names file must be a regular file of UTF-8
text under `MAX_DATA_BYTES` with no NUL byte (a device, a FIFO or a huge file is refused
before it is read); a leading byte-order mark is dropped.

Also the package's one way to write a file: `write_atomic` (a temporary file, named by
`temp_path`, and a rename, so never a half file; a save also removes the temporary files
that killed saves left in its folder, `remove_stale_temps`). Whether a path may be saved
to is a guard: `limits`.

Imports: nothing of ours.
"""
import hashlib
import os
import re
import stat
import urllib.request
import uuid
from pathlib import Path

NAMES_URL = "https://raw.githubusercontent.com/karpathy/makemore/refs/heads/master/names.txt"
NAMES_SHA256 = "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"
ENV_VAR = "MICROGPT_DATA"
MAX_DATA_BYTES = 64 * 2**20     # names.txt is 0.2 MB; a file this big is not a list of names


class DataError(ValueError):
    """A dataset that is missing, empty, unreadable or not the file it should be."""


def default_data_dir():
    """The project's data/ folder in a checkout; else ./data of the working directory."""
    project_data = Path(__file__).resolve().parent.parent / "data"
    if (project_data / "README.md").is_file():
        return project_data
    return Path.cwd() / "data"


def _kind(mode):
    """'a folder', 'a FIFO (named pipe)', ... for a stat mode that is not a regular file."""
    for test, name in [(stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")]:
        if test(mode):
            return name
    return "not a regular file"


def _megabytes(n):
    return f"{n / 2**20:.1f} MB" if n < 2**30 else f"{n / 2**30:.1f} GB"


def read_docs(path):
    """The non-empty, stripped lines of a UTF-8 text file, in file order.

    Refused with a `DataError` before anything is read: a folder, a device such as
    /dev/zero, a FIFO, a file over `MAX_DATA_BYTES`. Refused after reading: text that is
    not UTF-8 or holds a NUL byte (binary data), and a file with no names. A UTF-8
    byte-order mark at the start is not part of the first name.
    """
    path = Path(path)
    try:
        st = os.stat(path)
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise DataError(f"{path} is a folder; give the path of a text file with one name "
                            "per line")
        if not stat.S_ISREG(mode):
            raise DataError(f"{path} is {_kind(mode)}, not a text file; give the path of a "
                            "text file with one name per line")
        if st.st_size > MAX_DATA_BYTES:
            raise DataError(f"{path} is {_megabytes(st.st_size)}, too big for a file of names "
                            f"(the limit is {_megabytes(MAX_DATA_BYTES)}; names.txt is 0.2 MB)")
        data = path.read_bytes()
        text = data.decode("utf-8-sig")         # -sig: a byte-order mark is not a character
    except FileNotFoundError:
        raise DataError(f"no data file at {path}; check the path") from None
    except PermissionError:
        raise DataError(f"cannot read {path}: permission denied") from None
    except UnicodeDecodeError as e:
        raise DataError(f"{path} is not UTF-8 text (bad byte at offset {e.start}); "
                        "save it as UTF-8") from None
    except OSError as e:
        raise DataError(f"cannot read {path}: {e.strerror or e}") from None
    if "\0" in text:
        where = data.index(b"\0")
        raise DataError(f"{path} is not a text file of names: it holds a NUL byte (at offset "
                        f"{where}); give a text file with one name per line")
    docs = [line.strip() for line in text.splitlines() if line.strip()]
    if not docs:
        raise DataError(f"{path} is empty; it needs one document (name) per line")
    return docs


def download_names(dest, url=NAMES_URL, timeout=30):
    """Download names.txt to `dest`, check its SHA-256, write it atomically; return dest."""
    dest = Path(dest)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            payload = r.read()
    except OSError as e:
        raise DataError(f"could not download names.txt ({getattr(e, 'reason', e)}); download "
                        f"it from {url} and put it at {dest}, or set {ENV_VAR} to its path"
                        ) from None
    digest = hashlib.sha256(payload).hexdigest()
    if digest != NAMES_SHA256:
        raise DataError(f"the downloaded names.txt has SHA-256 {digest[:12]}…, expected "
                        f"{NAMES_SHA256[:12]}…; nothing was written to {dest}")
    write_atomic(dest, payload)
    return dest


TEMP_NAME = re.compile(r"\.(.+)\.([0-9]+)\.[0-9a-f]{8}\.tmp")     # .NAME.PID.HEX.tmp
NAME_MAX = 255                  # bytes in a file name on Linux, macOS and Windows file systems


def temp_path(dest):
    """The temporary file `write_atomic` writes before renaming it to `dest`:
    .NAME.PID.HEX.tmp beside it, NAME cut so that the whole stays within 255 bytes."""
    dest = Path(dest)
    tail = f".{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    name = os.fsencode(dest.name)[:NAME_MAX - 1 - len(tail)].decode("utf-8", "ignore")
    return dest.with_name("." + name + tail)      # (a character cut in half is left out)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:                 # another user's process (EPERM): alive
        return True
    return True


def remove_stale_temps(folder):
    """Remove the temporary files (`temp_path`'s pattern) that saves killed before their
    rename left in `folder`: those whose process is gone. Returns how many were removed."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        m = TEMP_NAME.fullmatch(entry.name)
        if m and int(m.group(2)) != os.getpid() and not _alive(int(m.group(2))):
            try:
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                pass
    return removed


def write_atomic(dest, payload):
    """Write bytes to `dest` through a temporary file and a rename: never a half file.

    The temporary file is opened normally (not with mkstemp, whose files are private 0600),
    so the result gets the usual permissions and others on a shared JupyterHub can read it.
    An error names `dest`, never the temporary file. Stale temporary files of killed saves
    in the same folder are removed afterwards (`remove_stale_temps`).
    """
    dest = Path(dest)
    tmp = temp_path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if e.errno is None:
            raise
        raise OSError(e.errno, f"cannot save to {dest}: {e.strerror}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    remove_stale_temps(dest.parent)
    return dest


def find_names(path=None):
    """The path `load_names` would read, downloading names.txt only as the last resort."""
    if path is not None:
        return Path(path)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    local = default_data_dir() / "names.txt"
    if local.is_file():
        return local
    return download_names(local)


def load_names(path=None):
    """The documents (names) as a list of str, in file order. See the module docstring."""
    where = find_names(path)
    try:
        return read_docs(where)
    except DataError as e:
        if path is None and os.environ.get(ENV_VAR):
            raise DataError(f"{e} (this path comes from the environment variable {ENV_VAR}: "
                            f"fix it, or unset {ENV_VAR} to use data/names.txt)") from None
        raise


def split_names(docs, rng, val_fraction=0.1):
    """(train, val): a shuffled copy of `docs` cut in two; `rng` is a random.Random."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    if len(docs) < 2:
        raise ValueError("need at least 2 documents to split")
    docs = list(docs)
    rng.shuffle(docs)
    n_val = max(1, round(len(docs) * val_fraction))
    return docs[n_val:], docs[:n_val]


if __name__ == "__main__":          # `python -m microgpt.data`: fetch the dataset
    import sys
    try:
        docs = load_names()                 # an error blames $MICROGPT_DATA if it is the cause
        print(f"names: {len(docs)} documents in {find_names()}")
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
