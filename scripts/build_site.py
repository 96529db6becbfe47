"""Build the course as a static JupyterLite site (`make site`): the whole course in a browser tab.

The site (default: site/, git-ignored) holds every chapter, the checkpoints, data/names.txt
(copied from the checkout's data/, so nothing is downloaded in the browser), and the Pyodide
kernel with everything it needs to start without any network:

  static/pyodide/   the Pyodide core from the npm registry's `pyodide` package (the interpreter
                    and the standard library), plus the pure-Python wheels from PyPI that the
                    kernel loads at start (micropip, IPython and its dependencies, jedi, ...).
                    pyodide-lock.json is rewritten: those entries name the local wheels (with
                    their sha256); every other package (NumPy, matplotlib, ...) names its
                    absolute URL in the Pyodide distribution online, so it loads when there is
                    a network and fails in one line when there is not.
  pypi/             piplite's index: the `microgpt` wheel built from this checkout, ipywidgets,
                    comm and jupyterlab_widgets (plus the kernel's own wheels), so the chapters'
                    first cell, `await piplite.install("microgpt")`, needs no package index.
  files/            what the file browser shows: the chapters (each with its browser cell, see
                    scripts/add_browser_cell.py), checkpoints/ and data/names.txt.
  index.html        opens chapter 00.

Needs: jupyterlite-core and jupyterlite-pyodide-kernel (the `site` extra), npm (for `npm pack
pyodide`), pip (for the wheels); network to the package registries only. Downloads are cached
in .cache/site/, so a rebuild is offline.

    .venv/bin/python scripts/build_site.py                 # -> site/
    .venv/bin/python scripts/build_site.py --output /tmp/s
"""
import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from add_browser_cell import add_to_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "site"
# the packages of the Pyodide lock file the kernel loads as it starts, with their dependencies
KERNEL_LOCK_PACKAGES = ("micropip", "packaging", "ipython", "jedi")
# pure-Python wheels from PyPI for piplite's index (not in the lock file; the kernel or
# ipywidgets need them); widgetsnbextension is a stub the kernel's extension already ships
PIPLITE_FROM_PYPI = ("comm", "ipywidgets", "jupyterlab_widgets")
START_CHAPTER = "00_start_here.ipynb"
PYODIDE_KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}


def run(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def pyodide_version():
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
    return PYODIDE_VERSION


def pyodide_core(version, cache=CACHE):
    """The folder of the npm package `pyodide@version`, packed and unpacked into the cache."""
    folder = cache / f"pyodide-{version}"
    if (folder / "pyodide.mjs").is_file():
        return folder
    npm_dir = cache / "npm"
    npm_dir.mkdir(parents=True, exist_ok=True)
    tgz = npm_dir / f"pyodide-{version}.tgz"
    if not tgz.is_file():
        run(["npm", "pack", f"pyodide@{version}", "--pack-destination", npm_dir,
             "--no-audit", "--no-fund", "--loglevel=error"])
    tmp = cache / f"pyodide-{version}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(tgz) as tar:
        tar.extractall(tmp, filter="data") if hasattr(tarfile, "data_filter") \
            else tar.extractall(tmp)
    shutil.rmtree(folder, ignore_errors=True)
    (tmp / "package").rename(folder)
    shutil.rmtree(tmp, ignore_errors=True)
    return folder


def pip_download(spec, dest, python="3.14"):
    """One pure-Python wheel (py3-none-any) from PyPI into dest, cached; its path."""
    dest.mkdir(parents=True, exist_ok=True)
    name, _, version = spec.partition("==")
    stem = re.sub(r"[-_.]+", "_", name).lower()

    def found():
        for whl in sorted(dest.glob("*.whl")):
            parts = whl.name.split("-")
            if parts[0].lower().replace(".", "_") == stem and (not version or parts[1] == version):
                return whl
        return None

    if found() is None:
        run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--platform", "any", "--python-version", python,
             "--implementation", "py", "--dest", dest, spec])
    whl = found()
    if whl is None:
        raise SystemExit(f"pip download {spec}: no pure-Python wheel came")
    return whl


def lock_closure(packages, names):
    """The names, with every dependency the lock file lists for them, normalized."""
    def norm(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    todo, seen = [norm(n) for n in names], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(norm(d) for d in packages[name]["depends"])
    return sorted(seen)


def local_pyodide(dest, version, cache=CACHE):
    """dest/: the Pyodide core plus the kernel's start-up wheels, and a lock file naming them
    locally and every other package at the Pyodide distribution's absolute URL."""
    core = pyodide_core(version, cache)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(core, dest, ignore=shutil.ignore_patterns("*.map", "*.d.ts", "console*.html",
                                                              "README.md"))
    lock = json.loads((core / "pyodide-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    cdn = f"https://cdn.jsdelivr.net/pyodide/v{version}/full/"
    local = lock_closure(packages, KERNEL_LOCK_PACKAGES)
    for name in local:
        entry = packages[name]
        if not entry["file_name"].endswith("-none-any.whl"):
            raise SystemExit(f"{name}: {entry['file_name']} is not pure Python")
        whl = pip_download(f"{entry['name']}=={entry['version']}", cache / "lock-wheels",
                           python=".".join(lock["info"]["python"].split(".")[:2]))
        shutil.copy2(whl, dest / whl.name)
        entry.update(file_name=whl.name, sha256=sha256(whl), unvendored_tests=False)
    for name, entry in packages.items():
        if name not in local and "://" not in entry["file_name"]:
            entry["file_name"] = cdn + entry["file_name"]
    (dest / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n",
                                             encoding="utf-8")
    return local


def build_wheel(dest):
    """The microgpt wheel from this checkout (pip's isolated build: setuptools from PyPI)."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("microgpt-*.whl"):
        old.unlink()
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", dest, ROOT])
    return next(dest.glob("microgpt-*.whl"))


def contents(dest, root=ROOT):
    """dest/: the chapters (each with its browser cell), checkpoints/ and data/names.txt."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for nb in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text, _ = add_to_text(nb.read_text(encoding="utf-8"), nb.stem)
        data = json.loads(text)
        data["metadata"]["kernelspec"] = PYODIDE_KERNELSPEC   # no prompt to pick a kernel
        (dest / nb.name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    shutil.copytree(root / "notebooks" / "checkpoints", dest / "checkpoints")
    names = root / "data" / "names.txt"
    if not names.is_file():
        raise SystemExit(f"{names} is missing: run `make data` first")
    (dest / "data").mkdir()
    shutil.copy2(names, dest / "data" / "names.txt")


LITE_CONFIG = {
    "jupyter-lite-schema-version": 0,
    "jupyter-config-data": {
        "appName": "MicroGPT",
        "defaultKernelName": "python",
        "exposeAppInBrowser": True,
    },
}

# the root index.html: the pages below read its config block, so only its redirect changes
ROOT_REDIRECT = "await import('./config-utils.js');"


def open_on(index_html, start):
    """The site's root index.html, sent to the chapter `start` instead of the bare lab."""
    text = index_html.read_text(encoding="utf-8")
    if ROOT_REDIRECT not in text:
        raise SystemExit(f"{index_html}: its redirect changed in this JupyterLite; update "
                         "scripts/build_site.py")
    url = f"./lab/index.html?path={start}"
    index_html.write_text(text.replace(ROOT_REDIRECT, f"window.location.replace({url!r});"),
                          encoding="utf-8")


def build(output, cache=CACHE):
    output = Path(output).resolve()
    lite = cache / "lite"
    shutil.rmtree(lite, ignore_errors=True)
    lite.mkdir(parents=True)
    version = pyodide_version()
    local = local_pyodide(lite / "static" / "pyodide", version, cache)
    wheels = cache / "piplite"
    shutil.rmtree(wheels, ignore_errors=True)
    build_wheel(wheels)
    for name in PIPLITE_FROM_PYPI:
        shutil.copy2(pip_download(name, cache / "piplite-downloads"), wheels)
    contents(lite / "files")
    (lite / "jupyter-lite.json").write_text(json.dumps(LITE_CONFIG, indent=2) + "\n",
                                            encoding="utf-8")
    shutil.rmtree(output, ignore_errors=True)
    run([sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", lite,
         "--contents", lite / "files", "--output-dir", output,
         *[a for w in sorted(wheels.glob("*.whl")) for a in ("--piplite-wheels", w)]],
        cwd=lite)
    open_on(output / "index.html", START_CHAPTER)
    (output / ".nojekyll").write_text("", encoding="utf-8")   # GitHub Pages: serve _ files
    print(f"site: {output} (Pyodide {version}; local lock packages: {', '.join(local)})")
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=ROOT / "site", type=Path,
                        help="the folder to build into (emptied first; default: site/)")
    args = parser.parse_args(argv)
    build(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
