"""Every chapter's exercises: there, mostly not retyping, solutions shown only on request.

A chapter's exercise is a code cell (the learner's answer, with a checker call) followed by a
markdown cell whose `<details>` block holds the solution, revealed by a click. As committed,
every exercise is unanswered: its checker says "Not yet", no "Correct!" shows anywhere, and
the chapter's last cell says 0 exercises passed. Executed with each solution pasted into its
exercise cell, every checker says "Correct!" and the last cell counts them all.
"""
import copy
import importlib
import json
import pkgutil
import re

import pytest

import microgpt.course.checks
from microgpt.course.checks.common import exercises

import committed

NOTEBOOKS = committed.notebooks_dir()      # the chapters as committed, not a learner's runs
CHAPTERS = committed.chapters()
SOLUTION = re.compile(r"<details>\s*<summary>\s*Click to reveal the solution\s*</summary>(.*?)"
                      r"</details>", re.S)
CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.S)
PROGRESS = re.compile(r"Chapter (\d\d) exercises passed in this session: (\d+) of (\d+)")

for _m in pkgutil.iter_modules(microgpt.course.checks.__path__):      # registers every exercise
    importlib.import_module(f"microgpt.course.checks.{_m.name}")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def text(value):
    return "".join(value) if isinstance(value, list) else value


def outputs(cell):
    return "".join(text(o.get("text", "")) + text(o.get("data", {}).get("text/plain", ""))
                   for o in cell.get("outputs", []))


def exercise_cells(nb):
    """[(index of the exercise code cell, the solution's code)] in notebook order."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        m = SOLUTION.search(text(cell["source"])) if cell["cell_type"] == "markdown" else None
        if m:
            before = nb["cells"][i - 1]
            assert before["cell_type"] == "code", f"cell {i}: a solution must follow its exercise"
            code = CODE_BLOCK.findall(m.group(1))
            assert len(code) == 1, f"cell {i}: a solution holds one ```python block"
            found.append((i - 1, code[0]))
    return found


chapters = pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)


@chapters
def test_at_least_three_exercises_each_with_a_solution_behind_a_click(path):
    nb = load(path)
    assert len(exercise_cells(nb)) >= 3, f"{path.name}: fewer than 3 exercises with a solution"
    hidden = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
              and c.get("metadata", {}).get("jupyter", {}).get("source_hidden")]
    assert not hidden, f"{path.name}: cells {hidden} are hidden code; Run All would run them"


@chapters
def test_the_registered_exercises_match_the_notebook_and_most_are_not_retyping(path):
    chapter = path.name[:2]
    registered = exercises(chapter)
    assert len(registered) == len(exercise_cells(load(path))), \
        f"{path.name}: {len(registered)} checkers registered for chapter {chapter}"
    retype = [e for e, _, kind in registered if kind == "implement"]
    assert 2 * len(retype) <= len(registered), \
        f"{path.name}: {retype} of {len(registered)} exercises are 'implement what was shown'"


@chapters
def test_as_committed_every_exercise_is_unanswered(path):
    nb = load(path)
    for i, _ in exercise_cells(nb):
        out = outputs(nb["cells"][i])
        assert "Not yet:" in out, f"{path.name}: exercise cell {i} does not show 'Not yet'"
    shown = [i for i, c in enumerate(nb["cells"]) if "Correct!" in outputs(c)]
    assert not shown, f"{path.name}: cells {shown} show a solved exercise as committed"
    last = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
    m = PROGRESS.search(outputs(last))
    assert m, f"{path.name}: the last code cell should print progress('{path.name[:2]}')"
    assert (m.group(1), int(m.group(2)), int(m.group(3))) == \
        (path.name[:2], 0, len(exercise_cells(nb)))


@pytest.mark.slow
@chapters
def test_every_revealed_solution_passes_its_checker(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    solved = copy.deepcopy(nb)
    pairs = exercise_cells(load(path))
    for i, code in pairs:
        solved.cells[i].source = code
    nbclient.NotebookClient(solved, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for i, _ in pairs:
        out = outputs(solved.cells[i])
        assert "Correct!" in out and "Not yet" not in out, \
            f"{path.name}: the solution of exercise cell {i} printed {out!r}"
    m = PROGRESS.search(outputs([c for c in solved.cells if c.cell_type == "code"][-1]))
    assert m and int(m.group(2)) == int(m.group(3)) == len(pairs), m and m.group(0)
