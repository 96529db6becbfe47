"""Execute chapter notebooks top to bottom in a fresh kernel and save them with their outputs.

    python scripts/execute_notebooks.py notebooks/01_autograd.ipynb [more.ipynb ...]
    python scripts/execute_notebooks.py --all

Each notebook runs in its own folder (as JupyterLab runs it) with the `python3` kernel; the
file is rewritten only if every cell ran without an error, so a failing chapter is never
saved half-executed, and it is saved in the form JupyterLab writes
(`normalize_notebooks.py`), so that opening it is not editing it. Prints the run time of
each (not saved anywhere).
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from normalize_notebooks import normalize_text  # noqa: E402  (the script beside this one)


def execute(path, timeout=900):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as e:
        print(f"{path.name}: FAILED, not saved\n{str(e)[:3000]}", file=sys.stderr)
        return False
    path.write_text(normalize_text(nbformat.writes(nb)), encoding="utf-8", newline="\n")
    print(f"{path.name}: executed in {time.perf_counter() - start:.1f} s, saved")
    return True


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--all", action="store_true", help="every notebooks/NN_*.ipynb, in order")
    args = p.parse_args(argv)
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if args.all else args.paths
    if not paths:
        p.error("name the notebooks to execute, or --all")
    ok = [execute(path.resolve()) for path in paths]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
