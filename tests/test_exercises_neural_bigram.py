"""The exercise checkers of the neural-bigram chapter: each accepts several correct answers,
rejects the typical wrong ones (the symptom first, the hint's words from the second try),
answers None with the "replace None" line, is not fooled by hostile answers (an object equal
to everything, a huge list, SystemExit), and prints one line."""
import math

import numpy as np
import pytest

from microgpt import nn
from microgpt.course.checks import neural_bigram
from microgpt.course.checks.common import exercises
from microgpt.engine import Value

from conftest import fails, passes


class EqualsEverything:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def test_the_chapter_registers_three_exercises_of_mixed_kinds():
    listed = exercises("03")
    assert [e for e, _, _ in listed] == ["03.1", "03.2", "03.3"]
    assert [k for _, _, k in listed] == ["predict", "derive", "experiment"]


# ---- 03.1 the gradient of one position at the zero matrix ----------------------------------

def measured_zero_matrix_grad():
    """What the learner measures: backward() through nn.cross_entropy on a zero row."""
    row = [Value(0.0) for _ in range(28)]
    nn.cross_entropy(row, 14).backward()
    return row[14].grad


@pytest.mark.parametrize("answer", [1 / 28 - 1, -27 / 28, -0.9643, np.float64(-0.96429),
                                    measured_zero_matrix_grad()])
def test_zero_matrix_grad_accepts(capsys, answer):
    assert "1/28 - 1" in passes(capsys, neural_bigram.check_zero_matrix_grad, answer)


@pytest.mark.parametrize("answer, symptom, hint", [
    (-1.0, "a little too low", "p(m) - 1"),
    (27 / 28, "wrong sign", "the gradient is negative"),
    (1 / 28, "other weights of the row", "probability minus 1"),
    (0, "does depend on W[e][m]", "-log softmax"),
    (-3.3322, "too low", "every probability is 1/28"),
    (-0.5, "too high", "every probability is 1/28"),
])
def test_zero_matrix_grad_rejects(capsys, answer, symptom, hint):
    line = fails(capsys, neural_bigram.check_zero_matrix_grad, answer)
    assert symptom in line and hint in line


@pytest.mark.parametrize("answer", ["-0.96", EqualsEverything(), [1 / 28 - 1] * 10**7,
                                    float("nan"), True])
def test_zero_matrix_grad_rejects_non_numbers_briefly(capsys, answer):
    line = fails(capsys, neural_bigram.check_zero_matrix_grad, answer)
    assert "one number" in line and len(line) < 200


def test_zero_matrix_grad_unanswered(capsys):
    assert "replace None" in fails(capsys, neural_bigram.check_zero_matrix_grad, None)


# ---- 03.2 the loss after one step ---------------------------------------------------------

def measured_step_loss():
    """What the learner measures: the tiny case built with Values, one step, the new loss."""
    W3 = [[Value(0.0) for _ in range(3)] for _ in range(3)]
    loss = (nn.cross_entropy(W3[0], 1) + nn.cross_entropy(W3[0], 2)) / 2
    loss.backward()
    for p in (w for row in W3 for w in row):
        p.data -= 3.0 * p.grad
        p.grad = 0.0
    return ((nn.cross_entropy(W3[0], 1) + nn.cross_entropy(W3[0], 2)) / 2).data


def test_the_key_is_what_autograd_measures():
    assert abs(measured_step_loss() - neural_bigram.STEP_LOSS) < 1e-12
    assert abs(neural_bigram.step_loss(0.0) - math.log(3)) < 1e-12


@pytest.mark.parametrize("answer", [math.log(2 + math.exp(-1.5)), 0.7989, 0.799,
                                    np.float64(0.79892), measured_step_loss()])
def test_step_loss_accepts(capsys, answer):
    assert "ln(2 + e^-1.5)" in passes(capsys, neural_bigram.check_step_loss, answer)


@pytest.mark.parametrize("answer, symptom, hint", [
    (math.log(3), "before the step", "mean over the two positions"),
    (math.log(2 + math.exp(-3)), "twice too large", "not the sum"),
    (math.log(2 + math.exp(1.5)), "uphill", "subtracts learning_rate"),
    (math.log(2 + math.exp(-0.5)), "learning rate 1", "multiply the gradient"),
    (math.log(2), "the best this batch allows", "[-1, 0.5, 0.5]"),
    (math.log(1 + 2 * math.exp(-3)), "one position", "both positions use row 0"),
    (0.5, "too low", "average it over the two positions"),
    (1.3, "too high", "average it over the two positions"),
])
def test_step_loss_rejects(capsys, answer, symptom, hint):
    line = fails(capsys, neural_bigram.check_step_loss, answer)
    assert symptom in line and hint in line


@pytest.mark.parametrize("answer", ["0.7989", EqualsEverything(), [0.7989] * 10**7,
                                    float("inf")])
def test_step_loss_rejects_non_numbers_briefly(capsys, answer):
    line = fails(capsys, neural_bigram.check_step_loss, answer)
    assert "one number" in line and len(line) < 200


def test_step_loss_unanswered(capsys):
    assert "replace None" in fails(capsys, neural_bigram.check_step_loss, None)


# ---- 03.3 a much larger learning rate -----------------------------------------------------

@pytest.mark.parametrize("answer", ["c", "C", " c "])
def test_large_lr_accepts(capsys, answer):
    assert "overshoots" in passes(capsys, neural_bigram.check_large_lr, answer)


@pytest.mark.parametrize("answer, words", [
    ("a", "never get near the baseline"),
    ("B", "compare their size"),
    ("d", "without an error"),
    ("e", "not one of the options"),
    (3, "one letter in quotes"),
    (["c"], "one letter in quotes"),
    (EqualsEverything(), "one letter in quotes"),
])
def test_large_lr_rejects(capsys, answer, words):
    assert words in fails(capsys, neural_bigram.check_large_lr, answer)


def test_large_lr_unanswered(capsys):
    assert "replace None" in fails(capsys, neural_bigram.check_large_lr, None)


def test_every_checker_survives_a_huge_list_and_system_exit(capsys):
    class Exits:
        def __float__(self):
            raise SystemExit(1)

        def strip(self):
            raise SystemExit(1)

    for check in (neural_bigram.check_zero_matrix_grad, neural_bigram.check_step_loss,
                  neural_bigram.check_large_lr):
        assert len(fails(capsys, check, list(range(10**7)))) < 300
        fails(capsys, check, Exits())
