"""The course runs anywhere: Binder files agree with pyproject.toml, and no `dot` is no crash.

Checks that environment.yml (conda, used by Binder) and pyproject.toml (pip, used by
`make course`/`make test`) name the same dependencies with the same minimum versions, that
postBuild installs the package and fetches the data, and that the chapters which draw
computation graphs still run, with a picture, on a machine without Graphviz's `dot`.
"""
import os
import re
import sys
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import committed
from conftest import ROOT

NOTEBOOKS = committed.notebooks_dir()      # the chapters as committed, not a learner's runs

# conda-forge name -> pip name, where they differ
CONDA_TO_PIP = {"python-graphviz": "graphviz", "matplotlib-base": "matplotlib"}
# conda packages with no pip counterpart: the interpreter, pip, and Graphviz's `dot` binary
CONDA_ONLY = {"python", "pip", "graphviz"}


def parse_environment_yml(text):
    """{'name', 'channels', 'conda', 'pip'} from the small subset of YAML environment.yml uses."""
    out = {"name": None, "channels": [], "conda": [], "pip": []}
    section, in_pip, pip_indent = None, False, 0
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = line.strip()
        if indent == 0:
            key, _, value = item.partition(":")
            section, in_pip = key, False
            if key == "name":
                out["name"] = value.strip()
            continue
        if not item.startswith("- "):
            raise ValueError(f"environment.yml: cannot read line {raw!r}")
        entry = item[2:].strip()
        if in_pip and indent > pip_indent:
            out["pip"].append(entry)
        elif section == "channels":
            out["channels"].append(entry)
        elif section == "dependencies" and entry == "pip:":
            in_pip, pip_indent = True, indent
        elif section == "dependencies":
            in_pip = False
            out["conda"].append(entry)
    return out


def conda_spec(entry):
    """('name', 'specifier') of a conda match spec such as 'numpy>=1.24' or 'python=3.11'."""
    m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", entry)
    assert m, entry
    return m.group(1).lower(), m.group(2).replace(" ", "")


@pytest.fixture(scope="module")
def env():
    return parse_environment_yml((ROOT / "environment.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pip_requirements(pyproject):
    """{pip name: Requirement} over the core dependencies and every extra."""
    project = pyproject["project"]
    reqs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    parsed = [Requirement(r) for r in reqs]
    return {r.name.lower(): r for r in parsed}


def conda_as_pip(env):
    """{pip name: specifier} for what environment.yml installs (conda and its pip: list)."""
    out = {}
    for entry in env["conda"]:
        name, spec = conda_spec(entry)
        if name not in CONDA_ONLY:
            out[CONDA_TO_PIP.get(name, name)] = spec
    for entry in env["pip"]:
        r = Requirement(entry)
        out[r.name.lower()] = str(r.specifier)
    return out


def test_parser_reads_the_file_as_yaml_does(env):
    yaml = pytest.importorskip("yaml")   # PyYAML comes with jupyter_server (jupyter-events)
    data = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    flat = [d for d in data["dependencies"] if isinstance(d, str)]
    pips = [d["pip"] for d in data["dependencies"] if isinstance(d, dict)]
    assert env["name"] == data["name"]
    assert env["channels"] == data["channels"]
    assert env["conda"] == flat
    assert env["pip"] == (pips[0] if pips else [])


def test_only_conda_forge(env):
    assert env["channels"] == ["conda-forge"]


def test_python_pinned_and_allowed_by_pyproject(env, pyproject):
    specs = dict(conda_spec(e) for e in env["conda"])
    assert re.fullmatch(r"=3\.\d+", specs.get("python", "")), "pin python=3.X in environment.yml"
    version = Version(specs["python"].lstrip("="))
    assert version in SpecifierSet(pyproject["project"]["requires-python"])


def test_graphviz_binary_and_bindings_both_present(env):
    names = {conda_spec(e)[0] for e in env["conda"]}
    assert {"graphviz", "python-graphviz", "pip"} <= names


def test_drift_would_be_seen():
    text = "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n" \
           "  - python-graphviz>=0.20  # bindings\n  - graphviz\n  - pip:\n      - extra>=1\n"
    parsed = parse_environment_yml(text)
    assert parsed["conda"] == ["python=3.11", "python-graphviz>=0.20", "graphviz"]
    assert conda_as_pip(parsed) == {"graphviz": ">=0.20", "extra": ">=1"}


def test_same_dependencies_in_both_files(env, pyproject):
    pip_side = set(pip_requirements(pyproject))
    conda_side = set(conda_as_pip(env))
    assert conda_side - pip_side == set(), "in environment.yml but not in pyproject.toml"
    assert pip_side - conda_side == set(), "in pyproject.toml but not in environment.yml"


def test_same_minimum_versions_in_both_files(env, pyproject):
    reqs = pip_requirements(pyproject)
    for name, spec in conda_as_pip(env).items():
        assert spec == str(reqs[name].specifier), (
            f"{name}: environment.yml says {spec!r}, pyproject.toml says {reqs[name].specifier}")


def test_postbuild_installs_package_and_data():
    post = ROOT / "postBuild"
    text = post.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash")
    assert os.access(post, os.X_OK), "postBuild must be executable (chmod +x postBuild)"
    assert "set -euo pipefail" in text
    assert re.search(r"pip install --no-deps -e \.$", text, re.M)
    assert re.search(r"^python -m microgpt\.data$", text, re.M)


def test_binder_finds_the_top_level_files():
    # repo2docker reads binder/ exclusively when it exists: the top-level files would be ignored
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    assert (ROOT / "environment.yml").is_file()


def test_screenshots_are_git_ignored():
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "tests/output/" in lines


# --- a laptop without Graphviz: graph renders fall back to pure Python -------------------

def graph_chapters():
    """Chapters whose code draws computation graphs (they would need `dot`)."""
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")
                  if p.name.startswith("01_") or "draw_graph" in p.read_text(encoding="utf-8"))


def path_without_dot(tmp_path):
    """A PATH holding only this Python (as python, python3): no `dot`, no other programs."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("python", "python3"):
        (bindir / name).symlink_to(sys.executable)
    return str(bindir)


@pytest.mark.slow
@pytest.mark.parametrize("nb_path", graph_chapters(), ids=lambda p: p.stem)
def test_graph_chapter_runs_without_dot(nb_path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    env = dict(os.environ, PATH=path_without_dot(tmp_path),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               MPLCONFIGDIR=str(tmp_path / "mpl"))
    nb = nbformat.read(nb_path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env=env)     # raises CellExecutionError if any cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    svgs = [o.data["image/svg+xml"] for o in outputs
            if o.output_type in ("display_data", "execute_result") and "image/svg+xml" in o.data]
    assert svgs, "no graph was drawn without dot: the pure-Python fallback did not show up"
    assert all("<svg" in "".join(s) for s in svgs)
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Graphviz's `dot` was not found" in printed, "the graphs were not drawn by the fallback"


def test_draw_graph_falls_back_without_dot(tmp_path, monkeypatch, capsys):
    from microgpt import Value
    from microgpt.course.graph import draw_graph
    monkeypatch.setenv("PATH", path_without_dot(tmp_path))
    a, b = Value(2.0), Value(-3.0)
    picture = draw_graph(a * b + a)
    assert picture.engine == "fallback"
    assert picture._repr_svg_().lstrip().startswith(("<svg", "<?xml"))
    assert "Graphviz" in capsys.readouterr().out      # it says how to get the nicer drawing


def test_dot_really_hidden(tmp_path):
    """The PATH used above hides `dot` even where Graphviz is installed, but finds Python."""
    import shutil
    path = path_without_dot(tmp_path)
    assert shutil.which("dot", path=path) is None
    assert shutil.which("python3", path=path) is not None
