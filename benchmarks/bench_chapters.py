"""Time and memory of every chapter, each run top to bottom in a fresh kernel.

Prints a Markdown table (chapter, code cells, run time, kernel peak memory) for the README
and for planning a classroom: a learner's kernel needs about its chapter's peak memory, plus
the Jupyter server's share. Not a test: figures depend on the machine, so nothing asserts
on them.

    python benchmarks/bench_chapters.py                  # every notebooks/NN_*.ipynb
    python benchmarks/bench_chapters.py 01 05            # chapters whose name starts so

Each notebook is copied into a temporary folder (with notebooks/checkpoints/) and run
there with nbclient, so the repository is never written to. Run time is the wall time of
the cells (kernel start-up not included; it is printed once). Peak memory is the kernel's
peak resident set size (`resource.getrusage` read inside the kernel after the last cell).
Runs one notebook at a time: on a shared machine, close other work for stable figures.

Imports: nbformat, nbclient (the `dev` extra); nothing of microgpt's.
"""
import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

# run in the kernel after the chapter: its peak RSS in MB (ru_maxrss is kB on Linux, B on macOS)
PEAK_RSS_CODE = """\
import resource as _r, sys as _s
_kb = _r.getrusage(_r.RUSAGE_SELF).ru_maxrss / (1024 if _s.platform == "darwin" else 1)
print(f"{_kb / 1024:.1f}")
"""


def chapters(prefixes):
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if prefixes:
        found = [p for p in found if any(p.name.startswith(x) for x in prefixes)]
    if not found:
        raise SystemExit(f"no notebooks matching {prefixes or 'NN_*.ipynb'} in {NOTEBOOKS}")
    return found


def workdir():
    """A temporary copy of notebooks/ (checkpoints included) for the kernels to run in."""
    tmp = Path(tempfile.mkdtemp(prefix="microgpt-bench-"))
    shutil.copytree(NOTEBOOKS, tmp / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return tmp


def run_chapter(path, cwd, timeout):
    """(code cells, seconds, peak RSS in MB, kernel start seconds) of one fresh-kernel run."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_RSS_CODE))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    t0 = time.perf_counter()
    with client.setup_kernel(env=env):
        t_start = time.perf_counter() - t0
        t1 = time.perf_counter()
        for index, cell in enumerate(nb.cells[:-1]):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - t1
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    peak = float("".join(o.get("text", "") for o in nb.cells[-1].outputs).strip())
    n_code = sum(c.cell_type == "code" for c in nb.cells[:-1])
    return n_code, seconds, peak, t_start


def bare_kernel_peak(cwd, timeout):
    """Peak RSS (MB) of a kernel that ran nothing: the floor under every chapter."""
    import nbformat
    nb_path = cwd / "_bare.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), nb_path)
    return run_chapter(nb_path, cwd, timeout)[2]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("prefixes", nargs="*", help="chapter name prefixes, e.g. 01 05 (default: all)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    args = ap.parse_args(argv)

    paths = chapters(args.prefixes)
    tmp = workdir()
    rows, total = [], 0.0
    try:
        cwd = tmp / "notebooks"
        bare = bare_kernel_peak(cwd, args.timeout)
        for path in paths:
            print(f"running {path.name} …", file=sys.stderr, flush=True)
            n_code, seconds, peak, t_start = run_chapter(cwd / path.name, cwd, args.timeout)
            total += seconds
            rows.append((path.stem, n_code, seconds, peak))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; a kernel that runs nothing peaks at {bare:.0f} MB; "
          f"a kernel starts in about {t_start:.1f} s.\n")
    print("| chapter | code cells | run time (s) | kernel peak memory (MB) |")
    print("|---|---:|---:|---:|")
    for stem, n_code, seconds, peak in rows:
        print(f"| `{stem}` | {n_code} | {seconds:.1f} | {peak:.0f} |")
    print(f"| **all** | {sum(r[1] for r in rows)} | {total:.1f} | "
          f"{max(r[3] for r in rows):.0f} (max) |")


if __name__ == "__main__":
    main()
