"""scripts/normalize_notebooks.py writes a notebook in JupyterLab's saved form: the kernel's
metadata, `collapsed` synced with `jupyter.outputs_hidden`, nbformat's JSON. The expected
text below is what JupyterLab 4 itself saved for the same input (measured in Chromium)."""
import importlib.util
import json

import pytest

import committed
from conftest import ROOT

pytest.importorskip("nbformat")
SCRIPT = ROOT / "scripts" / "normalize_notebooks.py"
spec = importlib.util.spec_from_file_location("normalize_notebooks", SCRIPT)
norm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(norm)

MESSY = {
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"},
                 "language_info": {"name": "python", "version": "3.10.0"}, "z": {"b": 1, "a": 2}},
    "nbformat": 4, "nbformat_minor": 4,
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Titre é ✓\nline two\n"},
        {"cell_type": "code", "metadata": {"collapsed": False, "scrolled": True},
         "execution_count": 3, "source": ["print('a')\n", "print('b')"],
         "outputs": [
             {"output_type": "stream", "name": "stdout", "text": "a\n"},
             {"output_type": "stream", "name": "stdout", "text": ["b\n", "c"]},
             {"output_type": "execute_result", "execution_count": 3, "metadata": {},
              "data": {"text/plain": "1\n2", "image/png": "iVBORw0KGgo=\n"}}]},
    ]}


def messy_text():
    return json.dumps(MESSY)        # compact, keys unsorted, no final newline


def test_the_form_jupyterlab_saves():
    out = norm.normalize_text(messy_text(), python_version="3.11.7")
    nb = json.loads(out)
    assert out.endswith("}\n") and out.startswith('{\n "cells": [\n  {\n   "cell_type"')
    assert nb["nbformat_minor"] == 4 and "id" not in nb["cells"][0]     # no ids added
    assert nb["metadata"]["kernelspec"] == {"display_name": "Python 3 (ipykernel)",
                                            "language": "python", "name": "python3"}
    info = nb["metadata"]["language_info"]
    assert info["version"] == "3.11.7" and info["pygments_lexer"] == "ipython3"
    assert nb["metadata"]["z"] == {"a": 2, "b": 1}
    code = nb["cells"][1]
    assert code["metadata"]["jupyter"] == {"outputs_hidden": False}
    assert nb["cells"][0]["source"] == ["# Titre é ✓\n", "line two\n"]      # not escaped
    assert [o["text"] for o in code["outputs"][:2]] == [["a\n"], ["b\n", "c"]]  # not merged
    assert code["outputs"][2]["data"] == {"text/plain": ["1\n", "2"], "image/png": "iVBORw0KGgo=\n"}


def test_it_is_idempotent_and_changes_no_output():
    once = norm.normalize_text(messy_text(), python_version="3.11.7")
    assert norm.normalize_text(once, python_version="3.11.7") == once

    def outputs(text):
        import nbformat
        nb = nbformat.reads(text, as_version=4)
        return [c.get("outputs") for c in nb.cells]
    assert outputs(once) == outputs(messy_text())


def test_check_mode_writes_nothing_and_says_which(tmp_path, capsys):
    path = tmp_path / "01_x.ipynb"
    path.write_text(messy_text())
    assert norm.main(["--check", str(path)]) == 1
    assert path.read_text() == messy_text() and "would rewrite" in capsys.readouterr().out
    assert norm.main([str(path), "--python-version", "3.11.7"]) == 0
    assert norm.main(["--check", str(path), "--python-version", "3.11.7"]) == 0


@pytest.mark.parametrize("path", committed.chapters(), ids=lambda p: p.stem)
def test_the_chapters_are_committed_in_that_form(path):
    """Opening a chapter must not edit it: it is saved as JupyterLab would save it (for the
    Python version it was saved with; see the script's note on other versions). The committed
    chapters: a learner's saved runs are JupyterLab's form anyway (tests/committed.py)."""
    text = path.read_text(encoding="utf-8")
    version = json.loads(text)["metadata"].get("language_info", {}).get("version")
    assert norm.normalize_text(text, python_version=version) == text, (
        f"{path.name} is not in JupyterLab's saved form: run "
        f".venv/bin/python scripts/normalize_notebooks.py")
