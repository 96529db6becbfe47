"""microgpt.course.progress: the learner's progress file that the teacher's page reads.

Unit level: recording is off unless asked, verdicts accumulate (tried, passed, tries), the file
is replaced whole, an unwritable place never raises into a checker (reported once), a broken
file reads as empty, and the exercise checkers record through it.
"""
import json
import os

import pytest

from microgpt.course import progress
from microgpt.course.checks import common
from microgpt.course.checks.common import exercise, verdict


@pytest.fixture(autouse=True)
def own_register(monkeypatch):
    """The exercises these tests register live and die with each test (the register is the
    kernel's state: other tests count on it)."""
    for name in ("_EXERCISES", "_PASSED", "_WRONG"):
        if hasattr(common, name):
            monkeypatch.setattr(common, name, dict(getattr(common, name)))


@pytest.fixture
def where(tmp_path, monkeypatch):
    target = tmp_path / "home" / ".microgpt" / "progress.json"
    monkeypatch.setenv("MICROGPT_PROGRESS", str(target))
    monkeypatch.setattr(progress, "_reported", [])
    return target


def test_off_unless_asked(tmp_path, monkeypatch):
    monkeypatch.delenv("MICROGPT_PROGRESS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress.path() is None
    assert progress.record("04.1", True) is False
    assert list(tmp_path.iterdir()) == []


def test_verdicts_accumulate(where):
    assert progress.record("04.1", False)
    assert progress.record("04.1", True)
    assert progress.record("04.1", False)          # a later miss does not undo a pass
    assert progress.record("04.2", False)
    rec = progress.load()
    assert rec["exercises"]["04.1"]["passed"] is True
    assert rec["exercises"]["04.1"]["tries"] == 3
    assert rec["exercises"]["04.1"]["passed_at"]
    assert progress.summary(rec) == {"04.1": "passed", "04.2": "tried"}
    assert rec["updated"] == max(e["last"] for e in rec["exercises"].values())


def test_file_is_private_and_written_whole(where):
    progress.record("00.1", True)
    assert where.stat().st_mode & 0o777 == 0o600
    assert where.parent.stat().st_mode & 0o077 == 0
    json.loads(where.read_text())                  # a whole JSON document
    leftovers = [p.name for p in where.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_tilde_is_the_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MICROGPT_PROGRESS", "~/.microgpt/progress.json")
    assert progress.path() == tmp_path / ".microgpt" / "progress.json"


def test_unwritable_place_never_raises_and_is_reported_once(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MICROGPT_PROGRESS", str(blocker / "progress.json"))
    monkeypatch.setattr(progress, "_reported", [])
    assert progress.record("02.1", True) is False
    assert progress.record("02.1", True) is False
    err = capsys.readouterr().err
    assert err.count("could not be saved") == 1, err


def test_broken_or_odd_file_reads_as_empty_and_is_repaired(where):
    where.parent.mkdir(parents=True)
    where.write_text("{ not json")
    assert progress.load()["exercises"] == {}
    assert progress.record("03.2", True)
    assert progress.summary(progress.load()) == {"03.2": "passed"}
    where.write_text(json.dumps({"exercises": {"03.2": {"passed": "yes", "tries": -4},
                                               "../../etc": {"passed": True}, "05.1": 7}}))
    rec = progress.load()
    assert rec["exercises"] == {"03.2": {"passed": False, "tries": 0, "last": "",
                                         "passed_at": ""}}


def test_checkers_record_their_verdicts(where):
    @exercise("97.1", "a test exercise", "predict")
    def check(answer):
        return verdict(answer == 42, "right", "no")

    check(41)
    check(42)

    @exercise("97.2", "a checker that breaks", "predict")
    def broken(answer):
        raise RuntimeError("oops")

    broken(1)                                      # "Cannot tell": tried, not passed
    got = progress.summary(progress.load())
    assert got["97.1"] == "passed" and got["97.2"] == "tried"


def test_a_checker_still_answers_when_the_file_cannot_be_written(tmp_path, monkeypatch, capsys):
    os.chmod(tmp_path, 0o500)
    monkeypatch.setenv("MICROGPT_PROGRESS", str(tmp_path / "sub" / "progress.json"))
    monkeypatch.setattr(progress, "_reported", [])

    @exercise("97.3", "another test exercise", "predict")
    def check(answer):
        return verdict(answer == 1, "right", "no")

    try:
        if os.geteuid() == 0:                      # root writes anywhere: make it a file
            os.chmod(tmp_path, 0o700)
            (tmp_path / "sub").write_text("")
        assert check(1) is True
    finally:
        os.chmod(tmp_path, 0o700)
    assert "Correct! right" in capsys.readouterr().out


def test_an_unanswered_exercise_is_not_tried(where):
    @exercise("97.4", "an exercise left as None", "predict")
    def check(answer):
        return verdict(answer == 1, "right", "no")

    check(None)
    assert "97.4" not in progress.load()["exercises"]
