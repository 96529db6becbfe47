"""The exercise checkers of the neural-bigram chapter: each accepts several correct answers,
rejects the typical wrong ones with the hint that names the mistake, answers None with the
"replace None" line, reports an exception in the learner's code, and prints one line."""
import pytest

from microgpt import nn
from microgpt.course.checks import neural_bigram
from microgpt.engine import Value


def verdict(capsys, checker, *args):
    """(returned bool, printed line) of one checker call; exactly one line is printed."""
    ok = checker(*args)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines
    assert ("Correct!" if ok else "Not yet:") in lines[0]
    return ok, lines[0]


# ---- exercise 1: the gradient of one position at the zero matrix ---------------------------

def measured_zero_matrix_grad():
    """What the learner measures: backward() through nn.cross_entropy on a zero row."""
    row = [Value(0.0) for _ in range(28)]
    nn.cross_entropy(row, 14).backward()
    return row[14].grad


@pytest.mark.parametrize("answer", [1 / 28 - 1, -27 / 28, -0.9643, measured_zero_matrix_grad()])
def test_zero_matrix_grad_accepts(capsys, answer):
    assert verdict(capsys, neural_bigram.check_zero_matrix_grad, answer)[0]


@pytest.mark.parametrize("answer, hint", [
    (-1.0, "p(m) - 1"),
    (27 / 28, "wrong sign"),
    (1 / 28, "other weights of the row"),
    (0, "does depend on W[e][m]"),
    (-3.3322, "too low"),
    (-0.5, "too high"),
    ("-0.96", "one number"),
])
def test_zero_matrix_grad_rejects(capsys, answer, hint):
    ok, line = verdict(capsys, neural_bigram.check_zero_matrix_grad, answer)
    assert not ok and hint in line


def test_zero_matrix_grad_unanswered(capsys):
    ok, line = verdict(capsys, neural_bigram.check_zero_matrix_grad, None)
    assert not ok and "replace None" in line


# ---- exercise 2: the gradient-descent step -------------------------------------------------

def step_loop(params, learning_rate):
    for p in params:
        p.data -= learning_rate * p.grad
        p.grad = 0.0


def step_two_loops(params, learning_rate):
    for p in params:
        p.data = p.data - learning_rate * p.grad
    for p in params:
        p.grad = 0


def step_uphill(params, learning_rate):
    for p in params:
        p.data += learning_rate * p.grad
        p.grad = 0.0


def step_never_zeroes(params, learning_rate):
    for p in params:
        p.data -= learning_rate * p.grad


def step_zeroes_first(params, learning_rate):
    for p in params:
        p.grad = 0.0
        p.data -= learning_rate * p.grad


def step_ignores_lr(params, learning_rate):
    for p in params:
        p.data -= p.grad
        p.grad = 0.0


def step_global_lr(params, learning_rate):
    for p in params:
        p.data -= 20.0 * p.grad
        p.grad = 0.0


def step_raises(params, learning_rate):
    raise ZeroDivisionError("oops")


@pytest.mark.parametrize("fn", [step_loop, step_two_loops])
def test_gd_step_accepts(capsys, fn):
    assert verdict(capsys, neural_bigram.check_gd_step, fn)[0]


@pytest.mark.parametrize("fn, hint", [
    (step_uphill, "uphill"),
    (step_never_zeroes, "Set p.grad = 0.0"),
    (step_zeroes_first, "zeroed before they were used"),
    (step_ignores_lr, "ignores the learning rate"),
    (step_global_lr, "should become"),
    (step_raises, "ZeroDivisionError: oops"),
])
def test_gd_step_rejects(capsys, fn, hint):
    ok, line = verdict(capsys, neural_bigram.check_gd_step, fn)
    assert not ok and hint in line


def test_gd_step_unanswered(capsys):
    ok, line = verdict(capsys, neural_bigram.check_gd_step, None)
    assert not ok and "replace None" in line


def test_buggy_step_of_the_chapter_is_caught(capsys):
    """The chapter's buggy_step (both bugs): the first one found is named."""
    def buggy_step(params, learning_rate):
        for p in params:
            p.data += learning_rate * p.grad
    ok, line = verdict(capsys, neural_bigram.check_gd_step, buggy_step)
    assert not ok and "uphill" in line


# ---- exercise 3: a much larger learning rate -----------------------------------------------

@pytest.mark.parametrize("answer", ["C", "c", " c ", "C) the loss jumps"])
def test_large_lr_accepts(capsys, answer):
    assert verdict(capsys, neural_bigram.check_large_lr, answer)[0]


@pytest.mark.parametrize("answer, hint", [
    ("A", "anywhere near the baseline"),
    ("b", "size of the losses"),
    ("D", "without an error"),
    ("E", "one letter"),
    (3, "one letter"),
    ("", "one letter"),
])
def test_large_lr_rejects(capsys, answer, hint):
    ok, line = verdict(capsys, neural_bigram.check_large_lr, answer)
    assert not ok and hint in line


def test_large_lr_unanswered(capsys):
    ok, line = verdict(capsys, neural_bigram.check_large_lr, None)
    assert not ok and "replace None" in line
