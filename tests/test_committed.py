"""tests/committed.py: the course checks read the chapters as committed. In a git checkout its
export is HEAD's notebooks/ byte for byte (checkpoints too); its note names the files that
differ and both ways back; MICROGPT_TEST_NOTEBOOKS=working keeps the working copies."""
import subprocess

import pytest

import committed


def test_the_export_is_heads_notebooks_byte_for_byte(tmp_path):
    if committed.changed_files() is None:
        pytest.skip("not a git checkout (a tarball): the files themselves are the course")
    folder = committed.export(tmp_path)
    chapters = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    assert chapters and (folder / "checkpoints").is_dir()
    for path in chapters:
        head = subprocess.run(["git", "-C", str(committed.ROOT), "show",
                               f"HEAD:notebooks/{path.name}"], capture_output=True, check=True)
        assert path.read_bytes() == head.stdout, path.name


def test_the_note_names_the_files_and_both_ways_back():
    line = committed.describe(["notebooks/06_training.ipynb", "notebooks/Untitled.ipynb"])
    assert "2 files: 06_training.ipynb, Untitled.ipynb" in line
    assert "git stash push notebooks" in line and "git checkout -- notebooks" in line
    assert "\n" not in line


def test_working_mode_keeps_the_working_copies(monkeypatch):
    monkeypatch.setenv(committed.ENV, "working")
    assert committed.nbval_dir() == (committed.NOTEBOOKS, committed.WORKING)
