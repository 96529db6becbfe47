"""checks.common: plain-text verdicts, the predict/choice checkers, the exercise register."""
import numpy as np
import pytest

from microgpt.course.checks import common
from microgpt.course.checks.common import (
    NEXT_TIME,
    check_choice,
    check_number,
    close_enough,
    exercise,
    progress,
    run_answer,
    same_int,
    same_str,
    short,
    verdict,
)


def test_verdict_lines_are_plain_text(capsys):
    assert verdict(True, "well done", "") is True
    assert verdict(False, "", "try again") is False
    assert verdict(None, "", "cannot decide") is False
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["Correct! well done", "Not yet: try again", "Cannot tell: cannot decide"]
    assert all(ord(ch) < 0x2000 for line in lines for ch in line), "no emoji or symbol fonts"


def test_close_enough_takes_numpy_floats_and_refuses_bools_and_nan():
    assert close_enough(np.float64(1.0), 1.0) and close_enough(3, 3.0000001)
    assert not close_enough(True, 1.0) and not close_enough(float("nan"), 1.0)
    assert not close_enough("1.0", 1.0)


def test_run_answer_reports_exceptions_and_non_functions():
    _, err = run_answer(lambda: 1 / 0)
    assert err == "your function raised ZeroDivisionError: division by zero"
    assert run_answer(None)[1] == "expected a function, got NoneType"


def test_check_number_accepts_within_tolerance_and_says_which_side(capsys):
    args = (3.3322, 0.01, "log 28", "hint high", "hint low")
    assert check_number(3.33, *args) and check_number(np.float32(3.335), *args)
    assert not check_number(4.0, *args) and not check_number(1, *args)
    out = capsys.readouterr().out          # outside an exercise: symptom and hint at once
    assert "4 is too high. Hint: hint high" in out and "1 is too low. Hint: hint low" in out
    assert not check_number(None, *args) and not check_number("3.33", *args)
    assert not check_number(True, *args)


def test_check_choice_names_the_mistake_of_each_wrong_option(capsys):
    wrong = {"a": "a is wrong because A", "c": "c is wrong because C"}
    assert check_choice("b", "b", "b is right", wrong)
    assert check_choice(" B ", "b", "b is right", wrong)
    assert not check_choice("a", "b", "b is right", wrong)
    assert not check_choice("z", "b", "b is right", wrong)
    out = capsys.readouterr().out
    assert "a is wrong because A" in out and "'z' is not one of the options a, b, c" in out


def test_exercise_register_records_progress_and_turns_a_raise_into_cannot_tell(capsys):
    common._EXERCISES.pop("99", None)

    @exercise("99.1", "first", "predict")
    def check_one(x):
        return verdict(x == 1, "one", "not one")

    @exercise("99.2", "second", "implement")
    def check_two(x):
        raise RuntimeError("checker bug")

    assert (check_one.exercise_id, check_one.kind) == ("99.1", "predict")
    assert progress("99") == 0
    assert check_one(2) is False and check_one(1) is True and check_one(2) is False
    assert check_two(5) is False
    assert progress("99") == 1          # passing once counts, a later miss does not undo it
    out = capsys.readouterr().out
    assert "Cannot tell: the checker could not judge this answer (RuntimeError: checker bug)" in out
    assert out.splitlines()[-1] == ("Chapter 99 exercises passed in this session: 1 of 2 "
                                    "(99.1 first: passed, 99.2 second: not yet)")


def test_hints_come_in_steps_per_exercise(capsys):
    check = exercise("98.1", "steps", "predict")(
        lambda answer: check_number(answer, 2.0, 0.1, "right", "lower it", "raise it"))
    other = exercise("98.2", "other", "predict")(
        lambda answer: check_number(answer, 2.0, 0.1, "right", "lower it", "raise it"))
    assert not check(5.0)
    first = capsys.readouterr().out.strip()
    assert first == f"Not yet: 5 is too high. {NEXT_TIME}"
    assert not check(1.0)                  # the second wrong answer: symptom and hint
    assert capsys.readouterr().out.strip() == "Not yet: 1 is too low. Hint: raise it"
    assert not other(5.0)                  # counted per exercise
    assert "Hint" not in capsys.readouterr().out
    assert check(2.0) and capsys.readouterr().out.strip() == "Correct! right"


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def test_an_answer_that_claims_to_equal_everything_does_not_pass(capsys):
    assert not same_int(AlwaysEqual(), 3) and not same_str(AlwaysEqual(), "b")
    assert same_int(3, 3) and same_int(np.int64(3), 3) and not same_int(True, 1)
    assert same_str("b", "b") and not same_str("b ", "b")
    assert not check_choice(AlwaysEqual(), "b", "b is right", {"a": "A"})
    assert "answer with one letter in quotes" in capsys.readouterr().out


@pytest.mark.parametrize("answer", [["a"], {"a": 1}, {"a"}])
def test_a_list_or_dict_given_to_a_choice_is_answered_in_the_learners_terms(capsys, answer):
    assert not check_choice(answer, "b", "b is right", {"a": "A"})
    line = capsys.readouterr().out.strip()
    assert line.startswith("Not yet: answer with one letter in quotes") and "unhashable" not in line


def test_a_huge_answer_is_echoed_short():
    text = short(list(range(10**7)))
    assert len(text) <= 60 and text.startswith("[0, 1, 2")
    assert "..." in short("x" * 1000) and len(short("x" * 1000)) <= 60

    class BadRepr:
        def __repr__(self):
            raise RuntimeError("no")
    assert short(BadRepr()) == "<a BadRepr>"


def test_system_exit_in_a_learners_function_is_a_verdict(capsys):
    def leaves(*args):
        raise SystemExit(3)
    assert run_answer(leaves) == (None, "your function raised SystemExit: 3")
    check = exercise("98.3", "exits", "implement")(lambda fn: fn())
    assert check(leaves) is False
    assert capsys.readouterr().out.startswith("Cannot tell: the checker could not judge")
