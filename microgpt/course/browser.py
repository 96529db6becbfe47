"""The course in a browser tab (JupyterLite on Pyodide): what a chapter's first cell calls.

Owns: `setup`, awaited by the first code cell of every chapter when it runs under Pyodide
(`scripts/add_browser_cell.py` writes that cell; it does nothing on ordinary Python, and the
package is installed by the cell itself, from the wheel `make site` bundles). `setup` loads the
libraries a chapter may use (NumPy, matplotlib, ipywidgets), saying in one line each one that
cannot be had here (NumPy and matplotlib come from the Pyodide distribution online; offline they
are missing), points `load_names` at the `names.txt` the site ships, says where files are saved
(this browser's storage) and how much slower the chapter's long cells are than ordinary Python
(measured: `SLOWDOWN`). `in_browser` tells whether this is Pyodide. Graphs need nothing here:
`graph.draw_graph` falls back to its pure-Python renderer when there is no `dot`.

Imports: nothing of ours (standard library only; micropip/piplite exist only in Pyodide).
"""
import os
import sys
from pathlib import Path

LIBRARIES = ("numpy", "matplotlib", "ipywidgets")

# Pyodide in Chromium against CPython on the same machine (2-core Linux box), measured by
# tests/test_site.py's browser test and scripts/build_site.py --measure: how many times longer.
SLOWDOWN = {
    "autograd": 8.6,        # chapter 01, Run All: 1.9 s against 0.2 s (mostly the first cell)
    "training": 2.6,        # the demo's training, 200 steps: 9.4 s against 3.6 s
}

# which kind of long cell each chapter has (by number); chapters not listed have none
LONG_CELLS = {
    "00": ("training", "the demo's training"),
    "01": ("autograd", "this chapter"),
    "03": ("training", "training"),
    "05": ("training", "training"),
    "06": ("training", "training"),
    "07": ("training", "evaluating and sampling"),
    "08": ("training", "the scalar engine's training"),
}


def in_browser():
    """True under Pyodide (JupyterLite's Python kernel), False on ordinary Python.

    >>> in_browser()
    False
    """
    return sys.platform == "emscripten"


def find_site_names(start=None):
    """The names.txt a site ships: data/names.txt in the folder or one of its parents, or None.

    >>> find_site_names("/nonexistent/folder") is None
    True
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "data" / "names.txt"
        if candidate.is_file():
            return candidate
    return None


def slowdown_line(chapter):
    """The one line saying how much slower the chapter's long cells are here, or None.

    >>> slowdown_line("01_autograd")
    'In the browser this chapter runs about 8.6× slower than ordinary Python (measured).'
    >>> slowdown_line("02_names_and_tokens") is None
    True
    """
    kind = LONG_CELLS.get(str(chapter or "")[:2])
    if kind is None:
        return None
    key, what = kind
    return (f"In the browser {what} runs about {SLOWDOWN[key]:.1f}× slower than ordinary "
            f"Python (measured).")


async def _install(name):
    """Install one library into this Pyodide (piplite knows the site's own wheels, micropip
    the Pyodide distribution); the error's text if it cannot be had."""
    import importlib
    try:
        try:
            import piplite
            await piplite.install(name)
        except ImportError:                      # plain Pyodide, outside JupyterLite
            import micropip
            await micropip.install(name)
        importlib.import_module(name)            # Pyodide logs a failed download, no raise
    except Exception as e:                       # noqa: BLE001 - any failure is reported
        if isinstance(e, ImportError):
            return "not in this site, and the Pyodide distribution online is out of reach"
        return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return None


async def setup(chapter=None, libraries=LIBRARIES, quiet=False):
    """Ready this Pyodide for a chapter; return the lines it printed (nothing off the browser).

    Loads each of `libraries`, saying in one line each one that cannot be loaded; sets
    $MICROGPT_DATA to the site's names.txt; names where files go and how much slower the
    chapter's long cells are.
    """
    if not in_browser():
        return []
    lines = []
    import platform
    lines.append(f"Running in the browser: Pyodide, Python {platform.python_version()}; "
                 f"files you save stay in this browser's storage (download them to keep them).")
    for name in libraries:
        error = await _install(name)
        if error:
            lines.append(f"{name} cannot be loaded here ({error}): the cells that use it "
                         f"will fail; everything else runs.")
    names = find_site_names()
    if names is not None:
        os.environ.setdefault("MICROGPT_DATA", str(names))
    else:
        lines.append("names.txt is not in this site's data/ folder: upload it there "
                     "(load_names would try to download it).")
    note = slowdown_line(chapter)
    if note:
        lines.append(note)
    if not quiet:
        for line in lines:
            print(line)
    return lines
