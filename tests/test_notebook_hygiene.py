"""Every chapter notebook is saved executed, in order, without errors, and keeps the
course's rules: kernel `python3`, no machine paths, few ignored outputs, prose first, and
an Exercises section (see test_exercises.py). New chapters are found by glob.

These rules are about the course as committed, so they read the committed chapters
(tests/committed.py): a learner's saved runs in notebooks/ never make them fail."""
import json
import re

import pytest

import committed

CHAPTERS = committed.chapters()
IGNORE_TAG = "nbval-ignore-output"          # nbval's cell tag; the comment form is equivalent
IGNORE_COMMENT = "# NBVAL_IGNORE_OUTPUT"
MACHINE_PATH = re.compile(r"(?<![\w.])/(work|home|root)/")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def ignores_output(cell):
    """Whether nbval ignores the cell's output: its tag, or the comment on its first line."""
    tags = cell.get("metadata", {}).get("tags", [])
    return IGNORE_TAG in tags or source(cell).lstrip().startswith(IGNORE_COMMENT)


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def output_texts(cell):
    """Every text an output holds: streams, tracebacks and the text-like data of displays."""
    for out in cell.get("outputs", []):
        for key in ("text", "traceback", "evalue"):
            if key in out:
                yield "".join(out[key]) if isinstance(out[key], list) else str(out[key])
        for mime, data in out.get("data", {}).items():
            if mime.startswith("text/") or mime.endswith("+xml") or mime.endswith("json"):
                yield data if isinstance(data, str) else json.dumps(data)


chapters = pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)


@chapters
def test_kernelspec_is_python3(path):
    spec = load(path)["metadata"].get("kernelspec", {})
    assert spec.get("name") == "python3", f"{path.name}: kernelspec name is {spec.get('name')!r}"


@chapters
def test_code_cells_were_executed_in_order_without_gaps(path):
    counts = [c.get("execution_count") for c in code_cells(load(path))]
    assert None not in counts, f"{path.name}: code cell {counts.index(None) + 1} was never run"
    assert counts == list(range(1, len(counts) + 1)), \
        f"{path.name}: execution counts {counts} are not 1, 2, 3, … (re-run top to bottom)"


@chapters
def test_no_saved_errors(path):
    for i, cell in enumerate(code_cells(load(path)), 1):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{path.name}: code cell {i} saved an error: {errors[0].get('ename')}"


@chapters
def test_no_machine_paths_in_sources_or_outputs(path):
    for i, cell in enumerate(load(path)["cells"], 1):
        for text in [source(cell), *output_texts(cell)]:
            match = MACHINE_PATH.search(text)
            assert not match, (f"{path.name}: cell {i} contains a machine path near "
                               f"{text[max(0, match.start() - 30):match.end() + 30]!r}")


@chapters
def test_at_most_a_quarter_of_code_cells_ignore_their_output(path):
    cells = code_cells(load(path))
    ignored = [c for c in cells if ignores_output(c)]
    assert 4 * len(ignored) <= len(cells), (
        f"{path.name}: {len(ignored)} of {len(cells)} code cells ignore their output "
        f"(tag {IGNORE_TAG} or {IGNORE_COMMENT})")


@chapters
def test_prose_comes_before_the_first_code_cell(path):
    kinds = [c["cell_type"] for c in load(path)["cells"]]
    assert "code" in kinds, f"{path.name} has no code"
    assert "markdown" in kinds[:kinds.index("code")], f"{path.name} opens with code, not prose"


@chapters
def test_an_exercises_section(path):
    """The exercises themselves (solutions behind a click, checkers) are tested in
    test_exercises.py; here, only that the chapter has its Exercises heading."""
    headings = [line for c in load(path)["cells"] if c["cell_type"] == "markdown"
                for line in source(c).splitlines() if line.startswith("#")]
    assert any("exercise" in h.lower() for h in headings), f"{path.name}: no Exercise(s) heading"


def test_both_forms_of_ignoring_an_output_count():
    def cell(src, tags=None):
        return {"cell_type": "code", "source": src, "metadata": {"tags": tags or []}}
    assert ignores_output(cell("x = 1", [IGNORE_TAG]))
    assert ignores_output(cell(["# NBVAL_IGNORE_OUTPUT\n", "print(x)"]))
    assert not ignores_output(cell("print(x)  # NBVAL_IGNORE_OUTPUT", ["nbval-skip-not"]))


def test_the_path_pattern_catches_machine_paths_only():
    assert MACHINE_PATH.search("open('/work/main/data')") and MACHINE_PATH.search(" /home/u/x")
    assert not MACHINE_PATH.search("notebooks/work/x") and not MACHINE_PATH.search("data/names.txt")
