"""One map of the imports: each module's docstring ends with an `Imports:` line naming the
modules of ours it imports. This test reads those lines, checks them against the code (both
ways: nothing missing, nothing extra), derives the one-way layer order from them, and checks
the README's package table against the same lines. The core needs nothing beyond the
standard library at import time."""
import ast
import re
import subprocess
import sys

import pytest

from conftest import ROOT

PKG = ROOT / "microgpt"
README = ROOT / "README.md"
HEAVY = {"numpy", "matplotlib", "graphviz", "ipywidgets", "IPython", "tqdm"}


def is_numpy_side(name):
    """The modules that may import NumPy at the top: the array engine and its checkers."""
    return name.startswith("tensor.") or name == "course.checks.efficiency"


# the model the chapters build: the top level and the tensor engine (not the front doors)
EDGES = {"__main__", "checkpoint", "tensor.checkpoint"}     # take paths and sizes from people


def is_core(name):
    return not name.startswith("course") and name not in EDGES | {"limits", "__init__"}


# ---------------------------------------------------------------- the modules of the package

def module_name(path, pkg=PKG):
    """microgpt/engine.py -> 'engine', microgpt/tensor/engine.py -> 'tensor.engine',
    microgpt/tensor/__init__.py -> 'tensor', microgpt/__init__.py -> '__init__'."""
    parts = list(path.relative_to(pkg).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def modules(pkg=PKG):
    """{dotted name below the package: path} for every .py file of the package."""
    return {module_name(p, pkg): p for p in sorted(pkg.rglob("*.py"))
            if "__pycache__" not in p.parts}


# ---------------------------------------------------------------- what the code imports

def our_imports(path, pkg=PKG):
    """(modules of ours the file imports anywhere, heavy libraries it imports at import time).

    Modules of ours are named as in `Imports:` lines: the dotted path below the package
    (`engine`, `tensor.engine`; the package itself is `__init__`). `from . import x` names
    the module x when x is a module, and the package otherwise (a re-exported name).
    Imports inside functions count as imports of ours but load nothing at import time.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    known = modules(pkg)
    top = pkg.name
    # the package the file sits in, as a list of parts below the package root
    here = list(path.relative_to(pkg).parent.parts)

    def ours_of(parts):
        return ".".join(parts) if parts else "__init__"

    def resolve(base, names):
        """Modules of ours named by `from <base> import names` (base: parts below the root)."""
        found = set()
        for name in names:
            full = ".".join(base + [name])
            found.add(full if full in known else ours_of(base))
        return found

    ours = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - (node.level - 1)] if node.level > 1 else list(here)
                if node.level - 1 > len(here):
                    raise ValueError(f"{path}: relative import beyond the package")
            elif node.module and node.module.split(".")[0] == top:
                base = []
            else:
                continue
            mod = node.module.split(".") if node.module else []
            if not node.level:
                mod = mod[1:]                       # drop "microgpt"
            ours |= resolve(base + mod, [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == top:
                    ours.add(ours_of(parts[1:]))
    return ours, import_time_libraries(tree) & HEAVY


def import_time_libraries(tree):
    """Top-level names of the absolute imports that run when the module is imported: every
    import except those inside a function body (class bodies and `try` blocks do run)."""
    found = set()
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        todo.extend(ast.iter_child_nodes(node))
    return found


# ---------------------------------------------------------------- what the docstrings declare

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def parse_import_list(text):
    """The set of module names in an `Imports:` value (a docstring's or a README row's).

    'engine, nn.' -> {'engine', 'nn'}; 'nothing of ours (standard library only).' -> set().
    Parenthesised remarks are dropped; the list ends at the first ';' or at a '.' followed by
    a space or the end (so a sentence may follow it); dots inside names (`tensor.engine`) stay.
    """
    text = re.sub(r"\([^()]*\)", " ", " ".join(text.split()))
    text = re.split(r";|\.(?=\s|$)", text, maxsplit=1)[0].strip()
    if text.lower().startswith("imports:"):
        text = text[len("imports:"):].strip()
    if text == "nothing of ours":
        return set()
    names = [n.strip() for n in text.split(",")]
    bad = [n for n in names if not NAME.match(n)]
    if bad or not text:
        raise ValueError(f"cannot read the module list {text!r} (bad: {bad})")
    return set(names)


def declared_imports(doc):
    """The modules a docstring's `Imports:` paragraph names, or None without one.

    The paragraph is the last line that starts with `Imports:` and the lines after it up to a
    blank line or the end of the docstring."""
    lines = (doc or "").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Imports:")]
    if not starts:
        return None
    paragraph = []
    for line in lines[starts[-1]:]:
        if paragraph and not line.strip():
            break
        paragraph.append(line)
    return parse_import_list(" ".join(paragraph))


def docstring(path):
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))


def declared_map(pkg=PKG):
    """{module: the set its docstring declares} for every module of the package."""
    return {name: declared_imports(docstring(path)) for name, path in modules(pkg).items()}


# ---------------------------------------------------------------- the layer order

def layers(graph):
    """The modules in layers: layer 0 imports nothing of ours, layer k only from layers < k.
    Raises ValueError naming the modules caught in a cycle (an import that flows back)."""
    remaining = {m: set(deps) & set(graph) for m, deps in graph.items()}
    done, order = set(), []
    while remaining:
        ready = sorted(m for m, deps in remaining.items() if deps <= done)
        if not ready:
            raise ValueError(f"imports in a cycle among {sorted(remaining)}")
        order.append(ready)
        done.update(ready)
        for m in ready:
            del remaining[m]
    return order


# ---------------------------------------------------------------- the README's package table

def readme_table(text):
    """{module: set of imports} from the fenced block under '## The package' whose header is
    `module  what it holds  imports`. Columns are separated by two or more spaces (within
    a column, single spaces only); an indented line continues the imports of the row above."""
    section = text.split("\n## The package", 1)[1].split("\n## ", 1)[0]
    for block in re.findall(r"```[^\n]*\n(.*?)```", section, re.S):
        rows = [line for line in block.splitlines() if line.strip()]
        if rows and re.split(r"\s{2,}", rows[0].strip()) == ["module", "what it holds", "imports"]:
            break
    else:
        raise ValueError("no fenced block headed `module  what it holds  imports` "
                         "under '## The package'")
    imports = {}
    for row in rows[1:]:
        if row[0].isspace() and imports:           # the imports of the row above, continued
            imports[list(imports)[-1]] += " " + row.strip()
            continue
        cols = re.split(r"\s{2,}", row.strip())
        if len(cols) != 3:
            raise ValueError(f"README package row does not have 3 columns (separate them by "
                             f"two or more spaces, and use single spaces within one): {row!r}")
        imports[cols[0]] = cols[2]
    return {name: parse_import_list(text) for name, text in imports.items()}


# ================================================================ the tests

MODULES = modules()
DECLARED = {name: declared_imports(docstring(path)) for name, path in MODULES.items()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_opens_with_a_docstring_saying_what_it_owns(name):
    doc = docstring(MODULES[name])
    assert doc and len(doc) > 40, f"{MODULES[name].relative_to(ROOT)} needs a docstring"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_docstring_imports_line_equals_the_real_imports(name):
    path = MODULES[name].relative_to(ROOT)
    declared = DECLARED[name]
    assert declared is not None, (
        f"{path}: its docstring needs a last paragraph `Imports: a, b.` "
        "(or `Imports: nothing of ours.`)")
    real, _ = our_imports(MODULES[name])
    missing, extra = sorted(real - declared), sorted(declared - real)
    assert not missing and not extra, (
        f"{path}: the `Imports:` line does not match the code: imported but not declared "
        f"{missing}, declared but not imported {extra}")


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not is_numpy_side(n)))
def test_the_core_imports_no_heavy_library_at_import_time(name):
    _, heavy = our_imports(MODULES[name])
    assert not heavy, f"{name} imports {sorted(heavy)} at import time; do it inside functions"


def test_imports_flow_one_way():
    graph = {name: deps or set() for name, deps in DECLARED.items()}
    order = layers(graph)           # raises on a cycle
    assert order[0], "no module at the bottom layer"
    unknown = {f"{m} -> {d}" for m, deps in graph.items() for d in deps if d not in MODULES}
    assert not unknown, f"`Imports:` lines name modules that do not exist: {sorted(unknown)}"


def test_readme_package_table_agrees_with_the_docstrings():
    table = readme_table(README.read_text(encoding="utf-8"))
    # every module is listed (package front doors, `__init__` files, may be left out)
    fronts = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    missing = sorted(set(MODULES) - fronts - set(table))
    unknown = sorted(set(table) - set(MODULES))
    assert not missing and not unknown, (
        f"README package table: modules missing {missing}, rows for no module {unknown}")
    wrong = {name: (sorted(table[name]), sorted(DECLARED[name] or ()))
             for name in table if table[name] != (DECLARED[name] or set())}
    assert not wrong, f"README imports differ from the docstrings (README, docstring): {wrong}"


def test_import_microgpt_loads_no_heavy_library():
    code = ("import sys, microgpt, microgpt.course.checks, microgpt.tensor; "
            "print(sorted(m for m in %r if m in sys.modules))" % (HEAVY,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- the checker, checked

def write_package(root, files):
    pkg = root / "microgpt"
    for name, text in files.items():
        path = pkg / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return pkg


def test_the_layering_checker_catches_a_wrong_import(tmp_path):
    pkg = write_package(tmp_path, {
        "__init__.py": '"""front door"""\n',
        "engine.py": '"""doc\n\nImports: nothing of ours.\n"""\nfrom .model import GPT\n'
                     'from . import viz\nimport numpy\n',
        "model.py": '"""doc"""\n', "viz.py": '"""doc"""\n',
        "tensor/__init__.py": '"""doc"""\n',
        "tensor/engine.py": '"""doc"""\nfrom ..engine import Value\nfrom . import model\n'
                            'from .model import TensorGPT\nfrom microgpt.tensor import optim\n'
                            'from microgpt import GPT\nimport microgpt.viz\n'
                            'def f():\n    import matplotlib\n    from .. import nn\n'
                            'try:\n    import graphviz\nexcept ImportError:\n    pass\n',
        "tensor/model.py": '"""doc"""\n', "tensor/optim.py": '"""doc"""\n',
    })
    assert set(modules(pkg)) == {"__init__", "engine", "model", "viz", "tensor",
                                 "tensor.engine", "tensor.model", "tensor.optim"}
    ours, heavy = our_imports(pkg / "engine.py", pkg)
    declared = declared_imports(docstring(pkg / "engine.py"))
    assert ours - declared == {"model", "viz"} and heavy == {"numpy"}
    ours, heavy = our_imports(pkg / "tensor" / "engine.py", pkg)
    # `from .. import nn` names no module here, so it is the package front door
    assert ours == {"engine", "tensor.model", "tensor.optim", "__init__", "viz"}
    assert heavy == {"graphviz"}                       # matplotlib is imported lazily


@pytest.mark.parametrize("text,expected", [
    ("Imports: engine, nn.", {"engine", "nn"}),
    ("Imports: nothing of ours.", set()),
    ("Imports: nothing of ours (standard library only).", set()),
    ("Imports: nothing of ours (it reads any object with `data`, `grad`, `_op`).\n"
     "graphviz is imported inside the function that uses it.", set()),
    ("Imports: checks.common, tensor.engine, tensor.model.", {"checks.common", "tensor.engine",
                                                              "tensor.model"}),
    ("Imports: model, tokenizer, data (for its atomic write).", {"model", "tokenizer", "data"}),
    ("Imports: engine, graph. matplotlib is imported inside the\nfunctions that draw.",
     {"engine", "graph"}),
    ("Imports: session, viz, sample; ipywidgets is imported inside.", {"session", "viz",
                                                                      "sample"}),
    ("Imports: engine (+ numpy)", {"engine"}),
    ("nothing of ours (+ graphviz)", set()),
])
def test_parse_import_list(text, expected):
    assert parse_import_list(text) == expected


@pytest.mark.parametrize("text", ["Imports: engine and nn.", "Imports: .", "Imports: a,, b"])
def test_parse_import_list_rejects_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        parse_import_list(text)


def test_declared_imports_takes_the_last_imports_paragraph():
    doc = ("Title.\n\nImports: something said in passing, not the map.\n\nMore prose.\n\n"
           "Imports: engine,\n    nn (for softmax).\n")
    assert declared_imports(doc) == {"engine", "nn"}
    assert declared_imports("A docstring without the line.") is None


def test_layers_orders_modules_and_finds_cycles():
    assert layers({"engine": set(), "nn": {"engine"}, "model": {"engine", "nn"}}) == [
        ["engine"], ["nn"], ["model"]]
    with pytest.raises(ValueError, match=r"\['a', 'b'\]"):
        layers({"a": {"b"}, "b": {"a"}, "c": set()})


def test_readme_table_parser():
    text = ("# x\n\n## The package\n\nprose\n\n```\n"
            "module         what it holds                   imports\n"
            "engine         Value: scalar autograd          nothing of ours\n"
            "tensor.engine  Tensor, unbroadcast             engine (+ numpy)\n"
            "checks.common  verdict, run_answer             nothing of ours\n"
            "viz            plots; re-exports draw_graph    engine, graph (+ matplotlib)\n"
            "session        a model in training             model, optim, sample,\n"
            "                                               tokenizer (+ nothing)\n"
            "```\n\n## Tests\n\n```\nmodule  what it holds  imports\nx  y  z\n```\n")
    assert readme_table(text) == {"engine": set(), "tensor.engine": {"engine"},
                                  "checks.common": set(), "viz": {"engine", "graph"},
                                  "session": {"model", "optim", "sample", "tokenizer"}}
    with pytest.raises(ValueError, match="3 columns"):
        readme_table(text.replace("plots; re-exports draw_graph    engine",
                                  "plots; re-exports draw_graph engine"))
