"""Chapter 06's exercise checkers (microgpt.course.checks.training): each accepts at least two
different correct answers, rejects the typical wrong ones with a hint that names the
mistake, says "Not yet" to an unanswered None and turns a crashing answer into a verdict.
The short-run experiment trains the chapter's GPT, so its runs are marked slow."""
import math
import random

import numpy as np
import pytest

from microgpt import CharTokenizer, load_names, split_names
from microgpt.course.checks import training
from microgpt.course.checks.common import exercises

from conftest import fails, passes


def test_the_chapter_registers_five_exercises_none_of_them_implement():
    listed = exercises("06")
    assert [e for e, _, _ in listed] == ["06.1", "06.2", "06.3", "06.4", "06.5"]
    assert [k for _, _, k in listed] == ["predict", "find-the-bug", "predict", "experiment",
                                         "ablate"]


class AlwaysEqual:
    """A hostile answer: equal to everything."""
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class EqualStr(str):
    """A hostile str: equal to everything."""
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


# ------------------------------------------------------------------ 06.1 one Adam step

def test_one_step_loss_is_measured_with_the_package():
    assert abs(training.one_step_loss() - math.log(1 + 3 * math.exp(-2))) < 1e-6


def test_one_step_accepts_the_value_and_near_misses(capsys):
    for right in (0.3408, 0.34, np.float64(0.3425), math.log(1 + 3 * math.exp(-2))):
        assert "log(1 + 3e^-2)" in passes(capsys, training.check_one_step_loss, right)


@pytest.mark.parametrize("wrong, words", [
    (1.3863, "loss before the step"), (0.7437, "SGD's step"), (0.7112, "probability"),
    (-0.5, "never below 0"), (0.1, "softmax minus one-hot")])
def test_one_step_names_the_typical_mistakes_without_the_answer(wrong, words, capsys):
    line = fails(capsys, training.check_one_step_loss, wrong)
    assert words in line and "0.3408" not in line and "0.34" not in line.replace(str(wrong), "")


def test_one_step_unanswered_odd_or_hostile(capsys):
    check = training.check_one_step_loss
    assert "replace None" in fails(capsys, check, None)
    assert "should be a number" in fails(capsys, check, "0.34")
    assert "should be a number" in fails(capsys, check, AlwaysEqual())
    assert "should be a number" in fails(capsys, check, [0.34] * 10**7)
    assert "should be a number" in fails(capsys, check, float("nan"))


# ------------------------------------------------------------------ 06.2 read the curves

@pytest.fixture(scope="module")
def data():
    docs = load_names()
    train_docs, val_docs = split_names(docs, random.Random(42))
    return train_docs, val_docs, CharTokenizer(docs)


def test_the_four_runs_show_what_the_key_says(data):
    """The key "cbda" is true of the curves the notebook draws."""
    (over, over_val), (low, low_val), (ok, ok_val), (high, high_val) = \
        training.diagnosis_runs(*data)
    assert over[-1] < 1.0 and over_val[-1][1] > 3 * over_val[0][1]          # c: memorises
    assert min(low) > 3.2 and low_val[-1][1] > 3.25                          # b: crawls
    assert max(high[:30]) > 3 * math.log(28) and high_val[-1][1] < 3.0      # a: spike
    assert ok_val[-1][1] < min(high_val[-1][1], low_val[-1][1], over_val[-1][1])   # d
    assert max(ok) < 3.5


def test_diagnosis_accepts_the_key_in_any_spelling(capsys):
    for right in ("cbda", " C B D A ", "c, b, d, a"):
        assert "overfitting" in passes(capsys, training.check_curve_diagnosis, right)


@pytest.mark.parametrize("wrong, words", [
    ("abcd", "training loss falls while the validation loss climbs"),
    ("cbad", "shoots far above"), ("bcda", "hardly left 3.33")])
def test_diagnosis_names_the_panels_that_are_wrong(wrong, words, capsys):
    line = fails(capsys, training.check_curve_diagnosis, wrong)
    assert "is not" in line and words in line and "cbda" not in line


def test_diagnosis_unanswered_odd_or_hostile(capsys):
    check = training.check_curve_diagnosis
    assert "replace None" in fails(capsys, check, None)
    assert "not four letters" in fails(capsys, check, "cbd")
    assert "not four letters" in fails(capsys, check, "cbdx")
    assert "four letters in quotes" in fails(capsys, check, ["c", "b", "d", "a"])
    assert "four letters in quotes" in fails(capsys, check, AlwaysEqual())
    assert "four letters in quotes" in fails(capsys, check, list(range(10**7)))
    assert "is not" in fails(capsys, check, EqualStr("abcd"))


# ------------------------------------------------------------------ 06.3 predict Adam's travel

def test_travel_is_the_sum_of_the_schedule_whatever_the_gradient():
    assert abs(training.adam_travel() - 1.505) < 1e-4
    assert abs(training.adam_travel(gradient=-3.0) - 1.505) < 1e-6


def test_travel_accepts_the_sum_and_a_near_miss(capsys):
    for right in (1.505, 1.5, np.float64(1.51), 1.495):
        assert "1.5050" in passes(capsys, training.check_adam_travel, right)


@pytest.mark.parametrize("wrong, words", [
    (3.0, "schedule shrinks"), (0.0015, "what SGD would do"), (0.01, "that is one step"),
    (0.75, "too low"), (2.2, "too high"), (-1.5, "a distance is positive")])
def test_travel_names_the_typical_mistakes(wrong, words, capsys):
    line = fails(capsys, training.check_adam_travel, wrong)
    assert words in line and "1.505" not in line and "Measured" not in line


def test_travel_unanswered_or_not_a_number(capsys):
    assert "replace None" in fails(capsys, training.check_adam_travel, None)
    assert "should be a number" in fails(capsys, training.check_adam_travel, "1.5")
    assert "should be a number" in fails(capsys, training.check_adam_travel, float("nan"))
    assert "should be a number" in fails(capsys, training.check_adam_travel, AlwaysEqual())
    assert "should be a number" in fails(capsys, training.check_adam_travel, [1.5] * 10**7)


# ------------------------------------------------------------------ 06.4 experiment: a short run

def test_short_run_refuses_bad_settings_without_training(capsys, data):
    check = training.check_short_run
    assert "replace None" in fails(capsys, check, None, None, *data)
    assert "replace None" in fails(capsys, check, 0.02, None, *data)
    assert "more than the budget of 200" in fails(capsys, check, 0.01, 300, *data)
    assert "positive number" in fails(capsys, check, -0.01, 100, *data)
    assert "positive number" in fails(capsys, check, "0.02", 100, *data)
    assert "whole number" in fails(capsys, check, 0.02, 150.5, *data)
    assert "whole number" in fails(capsys, check, 0.02, 0, *data)
    assert "positive number" in fails(capsys, check, AlwaysEqual(), 100, *data)
    assert "whole number" in fails(capsys, check, 0.02, AlwaysEqual(), *data)


@pytest.mark.slow
def test_short_run_accepts_two_settings(capsys, data):
    assert "2.6336" in passes(capsys, training.check_short_run, 0.02, 200, *data)
    assert "2.6566" in passes(capsys, training.check_short_run, np.float64(0.04), 200.0, *data)


@pytest.mark.slow
@pytest.mark.parametrize("lr, steps, words", [
    (0.01, 200, "so small a learning rate"), (0.1, 200, "too large"),
    (0.02, 100, "use more of the 200 steps")])
def test_short_run_rejects_with_a_hint(lr, steps, words, capsys, data):
    line = fails(capsys, training.check_short_run, lr, steps, *data)
    assert words in line and "not below 2.68" in line


@pytest.mark.slow
def test_short_run_reports_a_diverged_run(capsys, data):
    assert "diverged" in fails(capsys, training.check_short_run, 50.0, 20, *data)


# ------------------------------------------------------------------ 06.5 ablate: SGD and size

def test_sgd_scaled_accepts_b_in_any_case(capsys):
    for right in ("b", " B "):
        assert "diverges at step 3" in passes(capsys, training.check_sgd_scaled, right)


@pytest.mark.parametrize("wrong, words", [
    ("a", "follows the size as well"), ("c", "overshoots"), ("d", "No luck")])
def test_sgd_scaled_explains_each_wrong_option(wrong, words, capsys):
    assert words in fails(capsys, training.check_sgd_scaled, wrong)


def test_sgd_scaled_unanswered_or_not_an_option(capsys):
    assert "replace None" in fails(capsys, training.check_sgd_scaled, None)
    assert "not one of the options" in fails(capsys, training.check_sgd_scaled, "e")
    assert "one letter in quotes" in fails(capsys, training.check_sgd_scaled, 2)
    assert "one letter in quotes" in fails(capsys, training.check_sgd_scaled, AlwaysEqual())
    assert "one letter in quotes" in fails(capsys, training.check_sgd_scaled, ["b"] * 10**7)
    assert "follows the size" in fails(capsys, training.check_sgd_scaled, EqualStr("a"))

