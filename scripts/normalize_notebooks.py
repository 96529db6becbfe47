"""Rewrite the chapters in exactly the form JupyterLab saves them, so opening is not editing.

When JupyterLab opens a notebook and its kernel starts, it writes the kernel's own
`kernelspec` and `language_info` into the notebook's metadata; if they differ from the
saved ones the notebook is modified, autosave rewrites the file and closing asks to save.
(Measured with JupyterLab 4 in Chromium, tests/test_browser.py: opening a chapter saved with
`"display_name": "Python 3"` rewrote it to `"Python 3 (ipykernel)"`, and one saved with another
Python version rewrote `language_info.version`.) On save it also syncs a cell's `collapsed`
with `jupyter.outputs_hidden`, and the server writes nbformat's JSON: keys sorted, one-space
indent, text split into lines, non-ASCII as is, a final newline. Outputs and the nbformat
minor version are kept as they are (no cell ids are added to a 4.4 notebook).

This script writes that form: metadata from ipykernel (the kernel the course runs), the
Python version of the interpreter that runs the script (run it with the course's
environment, `.venv/bin/python`, or pass --python-version), and nbformat's writer. It is
idempotent and changes no output. `--check` writes nothing and exits 1 if any file would change.

    .venv/bin/python scripts/normalize_notebooks.py            # notebooks/NN_*.ipynb
    .venv/bin/python scripts/normalize_notebooks.py --check
    .venv/bin/python scripts/normalize_notebooks.py path/to/a.ipynb ...

Limitation: a learner whose kernel runs another Python version (say 3.11.9 against a saved
3.11.7) still sees `language_info.version` rewritten on first open: JupyterLab always writes
the running kernel's version, and no setting turns that off.
"""
import argparse
import copy
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# what ipykernel reports, for when ipykernel is not importable here
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3"}


def kernel_metadata(python_version=None):
    """(kernelspec, language_info) as JupyterLab writes them for the ipykernel `python3` kernel."""
    kernelspec, language_info = dict(KERNELSPEC), copy.deepcopy(LANGUAGE_INFO)
    try:
        from ipykernel.ipkernel import IPythonKernel
        from ipykernel.kernelspec import get_kernel_dict
    except ImportError:
        pass
    else:
        spec = get_kernel_dict()
        kernelspec.update(display_name=spec["display_name"], language=spec["language"])
        language_info = copy.deepcopy(IPythonKernel.language_info)
    language_info["version"] = python_version or platform.python_version()
    return kernelspec, language_info


def _sync_collapsed(metadata):
    """JupyterLab's cell model: `collapsed` and `jupyter.outputs_hidden` always agree."""
    if metadata.get("collapsed") is not None:
        metadata.setdefault("jupyter", {})["outputs_hidden"] = metadata["collapsed"]
    elif metadata.get("jupyter", {}).get("outputs_hidden") is not None:
        metadata["collapsed"] = metadata["jupyter"]["outputs_hidden"]


def normalize_text(text, python_version=None):
    """The notebook `text` as JupyterLab would save it after opening it."""
    import nbformat
    nb = nbformat.reads(text, as_version=4)         # as the server reads it for the page
    kernelspec, language_info = kernel_metadata(python_version)
    nb.metadata["kernelspec"] = kernelspec
    nb.metadata["language_info"] = language_info
    for cell in nb.cells:
        _sync_collapsed(cell.metadata)
    out = nbformat.writes(nb, version=nbformat.NO_CONVERT)   # as the server writes it
    return out if out.endswith("\n") else out + "\n"


def chapters(root=ROOT):
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        help="notebooks to rewrite (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any notebook is not in that form")
    parser.add_argument("--python-version",
                        help=f"language_info.version to write (default: this Python, "
                             f"{platform.python_version()})")
    args = parser.parse_args(argv)
    changed = []
    for path in args.paths or chapters():
        old = path.read_text(encoding="utf-8")
        new = normalize_text(old, args.python_version)
        if new != old:
            changed.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8", newline="\n")
    verb = "would rewrite" if args.check else "rewrote"
    for path in changed:
        print(f"{verb} {path}")
    if not changed:
        print("all notebooks are in JupyterLab's form")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
