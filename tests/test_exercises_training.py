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
from microgpt.optim import lr_at

from conftest import boom, fails, passes


def test_the_chapter_registers_five_exercises_one_of_them_implement():
    listed = exercises("06")
    assert [e for e, _, _ in listed] == ["06.1", "06.2", "06.3", "06.4", "06.5"]
    assert [k for _, _, k in listed] == ["find-the-bug", "implement", "predict", "experiment",
                                         "ablate"]


# ------------------------------------------------------------------ 06.1 Adam, find the bug

def planted(p, g, m, v, t, lr, beta1=0.9, beta2=0.95, eps=1e-8):   # the notebook's bug
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return p - lr * m / (v ** 0.5 + eps), m, v


def fixed(p, g, m, v, t, lr, beta1=0.9, beta2=0.95, eps=1e-8):     # the notebook's solution
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return p - lr * m_hat / (v_hat ** 0.5 + eps), m, v


def folded(p, g, m, v, t, lr):          # the correction folded into the learning rate
    m = 0.9 * m + 0.1 * g
    v = 0.95 * v + 0.05 * g ** 2
    step_size = lr * math.sqrt(1 - 0.95 ** t) / (1 - 0.9 ** t)
    return p - step_size * m / (math.sqrt(v) + 1e-8), m, v


def eps_in_root(p, g, m, v, t, lr):     # another loop order, eps inside the square root
    b1, b2 = 0.9, 0.95
    v = b2 * v + (1 - b2) * g * g
    v_hat = v / (1 - b2 ** t)
    m = b1 * m + (1 - b1) * g
    return (p - lr * (m / (1 - b1 ** t)) / math.sqrt(v_hat + 1e-8), m, v)


def numpy_list(p, g, m, v, t, lr):      # NumPy numbers, returned as a list
    m = np.float64(0.9) * m + 0.1 * g
    v = np.float64(0.95) * v + 0.05 * np.square(g)
    return [p - lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.95 ** t)) + 1e-8), m, v]


def variant(kind):
    """A wrong Adam: one typical mistake."""
    def adam(p, g, m, v, t, lr):
        b1, b2 = (0.95, 0.9) if kind == "swapped" else (0.9, 0.95)
        m2, v2 = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m2 / (1 - b1 ** t), v2 / (1 - b2 ** t)
        if kind == "only m":
            v_hat = v2
        if kind == "only v":
            m_hat = m2
        root = v_hat if kind == "no sqrt" else v_hat ** 0.5
        step = lr * m_hat / (root + 1e-8)
        new_p = p + step if kind == "uphill" else p - step
        if kind == "stored":
            return new_p, m_hat, v_hat
        if kind == "t-1":
            1 / (1 - 0.9 ** (t - 1))
        return new_p, m2, v2
    return adam


def test_adam_accepts_the_fix_folded_and_numpy(capsys):
    for right in (fixed, folded, eps_in_root, numpy_list):
        assert "bias correction" in passes(capsys, training.check_adam_update, right)


def test_adam_rejects_the_planted_bug_by_its_symptom(capsys):
    line = fails(capsys, training.check_adam_update, planted)
    assert "0.45 lr" in line and "start at 0" in line


@pytest.mark.parametrize("kind, words", [
    ("only m", "(1 - beta2**t) too"), ("only v", "(1 - beta1**t) too"),
    ("no sqrt", "square root"), ("uphill", "wrong way"), ("swapped", "swapped"),
    ("stored", "not the corrected m_hat"), ("t-1", "t counts from 1")])
def test_adam_names_each_typical_mistake(kind, words, capsys):
    assert words in fails(capsys, training.check_adam_update, variant(kind))


def test_adam_unanswered_crashing_or_odd(capsys):
    assert "replace None" in fails(capsys, training.check_adam_update, None)
    assert "KeyError" in fails(capsys, training.check_adam_update, boom)
    assert "tuple (p, m, v)" in fails(capsys, training.check_adam_update,
                                      lambda p, g, m, v, t, lr: p)
    assert "three numbers" in fails(capsys, training.check_adam_update,
                                    lambda p, g, m, v, t, lr: (p, "m", v))
    assert "expected" in fails(capsys, training.check_adam_update,
                               lambda p, g, m, v, t, lr: (p - lr, m, v))


# ------------------------------------------------------------------ 06.2 the schedule

def test_schedule_accepts_several_ways(capsys):
    def subtracted(step, num_steps, learning_rate):
        return learning_rate - learning_rate * step / num_steps

    def numpy_one(step, num_steps, learning_rate):
        return np.linspace(learning_rate, 0, num_steps + 1)[step]

    for right in (lambda s, n, lr: lr * (1 - s / n), subtracted, numpy_one, lr_at):
        assert "full speed" in passes(capsys, training.check_lr_schedule, right)


@pytest.mark.parametrize("wrong, words", [
    (lambda s, n, lr: lr * (1 - s // n), "never decays"),
    (lambda s, n, lr: lr * s / n, "it grows"),
    (lambda s, n, lr: lr * (1 - (s + 1) / n), "step counts from 0"),
    (lambda s, n, lr: lr * (1 - s / (n - 1)), "not num_steps - 1"),
    (lambda s, n, lr: lr * 0.99 ** s, "lr · (1 - step / num_steps)")])
def test_schedule_names_the_typical_mistakes(wrong, words, capsys):
    assert words in fails(capsys, training.check_lr_schedule, wrong)


def test_schedule_unanswered_stub_crashing_or_odd(capsys):
    assert "replace None" in fails(capsys, training.check_lr_schedule, None)
    assert "returns None" in fails(capsys, training.check_lr_schedule, lambda s, n, lr: None)
    assert "ZeroDivisionError" in fails(capsys, training.check_lr_schedule,
                                        lambda s, n, lr: lr / s)
    assert "one number" in fails(capsys, training.check_lr_schedule, lambda s, n, lr: [lr])


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
    assert words in line and "Measured: Adam moved it 1.5050" in line


def test_travel_unanswered_or_not_a_number(capsys):
    assert "replace None" in fails(capsys, training.check_adam_travel, None)
    assert "should be a number" in fails(capsys, training.check_adam_travel, "1.5")
    assert "should be a number" in fails(capsys, training.check_adam_travel, float("nan"))


# ------------------------------------------------------------------ 06.4 experiment: a short run

@pytest.fixture(scope="module")
def data():
    docs = load_names()
    train_docs, val_docs = split_names(docs, random.Random(42))
    return train_docs, val_docs, CharTokenizer(docs)


def test_short_run_refuses_bad_settings_without_training(capsys, data):
    check = training.check_short_run
    assert "replace None" in fails(capsys, check, None, None, *data)
    assert "replace None" in fails(capsys, check, 0.02, None, *data)
    assert "more than the budget of 200" in fails(capsys, check, 0.01, 300, *data)
    assert "positive number" in fails(capsys, check, -0.01, 100, *data)
    assert "positive number" in fails(capsys, check, "0.02", 100, *data)
    assert "whole number" in fails(capsys, check, 0.02, 150.5, *data)
    assert "whole number" in fails(capsys, check, 0.02, 0, *data)


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
    assert "not one of the options" in fails(capsys, training.check_sgd_scaled, 2)
