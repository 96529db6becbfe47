"""Put the browser cell first among every chapter's code cells, or bring it up to date.

The browser cell makes a chapter run unchanged in JupyterLite (the site `make site` builds):
under Pyodide it installs the course's package from the wheel the site bundles and awaits
`microgpt.course.browser.setup`, which loads NumPy, matplotlib and ipywidgets and says in one line
what cannot work here. On ordinary Python it does nothing and prints nothing, so nbval's saved
output (none) stays right. The cell is found again by its tag `browser-setup`, so running this
script twice changes nothing. A new cell gets execution count 1 and the later code cells are
renumbered (+1), so the chapter still reads as run top to bottom with no re-execution needed.

    .venv/bin/python scripts/add_browser_cell.py            # notebooks/NN_*.ipynb
    .venv/bin/python scripts/add_browser_cell.py --check    # exit 1 if any would change
    .venv/bin/python scripts/add_browser_cell.py a.ipynb    # those notebooks

scripts/build_site.py applies the same function to the site's copies, so a site built before
the chapters carry the cell still has it.
"""
import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
TAG = "browser-setup"

CELL = '''\
# In the browser (JupyterLite: see the README), install the course's package; elsewhere: nothing.
import sys

if sys.platform == "emscripten":
    import piplite

    await piplite.install("microgpt")
    from microgpt.course.browser import setup

    await setup("{chapter}")'''


def cell_source(chapter):
    """The browser cell's code for the chapter named `chapter` (its file's stem)."""
    return CELL.format(chapter=chapter)


def _is_browser_cell(cell):
    return cell.cell_type == "code" and TAG in cell.get("metadata", {}).get("tags", [])


def add_cell(nb, chapter):
    """Insert or update the browser cell in the notebook node `nb`; True if it changed."""
    source = cell_source(chapter)
    found = [c for c in nb.cells if _is_browser_cell(c)]
    if found:
        cell = found[0]
        if cell.source == source:
            return False
        cell.source = source
        return True
    codes = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    at = codes[0] if codes else len(nb.cells)
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [TAG]})
    cell.execution_count = 1
    if nb.nbformat_minor < 5:
        cell.pop("id", None)
    for i in codes:
        if nb.cells[i].get("execution_count") is not None:
            nb.cells[i].execution_count += 1
            for out in nb.cells[i].get("outputs", []):
                if out.get("execution_count") is not None:
                    out["execution_count"] += 1
    nb.cells.insert(at, cell)
    return True


def add_to_text(text, chapter):
    """(new text, changed) for a notebook's JSON text, written as nbformat writes it."""
    nb = nbformat.reads(text, as_version=4)
    if not add_cell(nb, chapter):
        return text, False
    out = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    return (out if out.endswith("\n") else out + "\n"), True


def chapters(root=ROOT):
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        help="notebooks (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any notebook would change")
    args = parser.parse_args(argv)
    changed = []
    for path in args.paths or chapters():
        new, did = add_to_text(path.read_text(encoding="utf-8"), path.stem)
        if did:
            changed.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8", newline="\n")
    verb = "would change" if args.check else "changed"
    print(f"{verb} {len(changed)} notebook(s)" + "".join(f"\n  {p}" for p in changed))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
