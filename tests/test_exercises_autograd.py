"""The autograd chapter's exercise checkers: each accepts several correct answers, rejects the
typical wrong ones (the symptom first, the hint's words from the second try), answers None
with "replace None", turns an exception in the learner's code into a verdict, is not fooled
by hostile answers (an object equal to everything, a huge list, SystemExit), and prints one
plain-text line."""
import math

import numpy as np
import pytest

from microgpt.course.checks import autograd
from microgpt.course.checks.common import exercises
from microgpt.engine import Value, dot, vsum

from conftest import checker_verdict, fails, passes


def crash(*args):
    raise RuntimeError("boom")


class EqualsEverything:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def test_the_chapter_registers_five_exercises_of_mixed_kinds():
    assert [(e, kind) for e, _, kind in exercises("01")] == [
        ("01.1", "predict"), ("01.2", "predict"), ("01.3", "implement"),
        ("01.4", "derive"), ("01.5", "find-the-bug")]


# ---- 01.1 which weights get no gradient ----------------------------------------------------

def test_the_graph_gives_what_the_checker_says():
    w, out = autograd.zero_gradient_graph()
    out.backward()
    assert {n: v.grad for n, v in w.items()} == {
        "w1": 0.0, "w2": 6.0, "w3": 0.0, "w4": 0.0, "w5": 0.0, "w6": 2.0}


@pytest.mark.parametrize("answer", [
    {"w1", "w3", "w4", "w5"}, ["w5", "w4", "w3", "w1"], ("W1", " w3", "w4", "w5"),
    "w1, w3, w4 and w5", frozenset({"w1", "w3", "w4", "w5"}),
])
def test_zero_gradients_accepts(capsys, answer):
    assert "w2 is itself 0" in passes(capsys, autograd.check_zero_gradients, answer)


@pytest.mark.parametrize("answer, symptom, hint", [
    ({"w1", "w2", "w3", "w4", "w5"}, "you listed w2", "does not depend on the weight's own"),
    ({"w1", "w3", "w5"}, "you missed w4", "h + g = 0"),
    ({"w1", "w4", "w5"}, "you missed w3", "cancel"),
    ({"w1", "w3", "w4"}, "you missed w5", "never reaches it"),
    ({"w3", "w4", "w5"}, "you missed w1", "x1 = 0"),
    ({"w1", "w3", "w4", "w5", "w6"}, "you listed w6", "its gradient is 2"),
    (set(), "4 of the six are wrong", "h + g = 0"),
])
def test_zero_gradients_rejects(capsys, answer, symptom, hint):
    line = fails(capsys, autograd.check_zero_gradients, answer)
    assert symptom in line and hint in line, line


@pytest.mark.parametrize("answer, words", [
    ({"w1", "w7"}, "'w7' is not one of"),
    ("none of them", "no weight names"),
    ({"w1": 0}, "give a set of names"),
    ([1, 3], "as strings"),
    ({EqualsEverything()}, "as strings"),
    (EqualsEverything(), "give a set of names"),
    (list(range(10**7)), "there are 6 weights"),
])
def test_zero_gradients_odd_answers(capsys, answer, words):
    line = fails(capsys, autograd.check_zero_gradients, answer)
    assert words in line and len(line) < 400, line


# ---- 01.2 a gradient through a switched-off relu -------------------------------------------

def measured_dead_relu_grad():
    x, w, bias = Value(2.0), Value(-3.0), Value(5.0)
    out = (x * w + bias).relu() ** 2
    out.backward()
    return w.grad


@pytest.mark.parametrize("answer", [0, 0.0, -0.0, measured_dead_relu_grad(), np.float64(0)])
def test_dead_relu_accepts(capsys, answer):
    assert checker_verdict(capsys, autograd.check_dead_relu_grad, answer)[0]


@pytest.mark.parametrize("answer, hint", [
    (-4.0, "if the relu let n = -1 through"),
    (2.0, "bias = 6.5"),
    (4, "local gradient for a negative input is 0"),
    (-12.0, "too low"),
    (1.0, "too high"),
    ("0", "should be a number"),
])
def test_dead_relu_rejects(capsys, answer, hint):
    ok, line = checker_verdict(capsys, autograd.check_dead_relu_grad, answer)
    assert not ok and hint in line, line


# ---- 01.3 tanh from the engine's operations ------------------------------------------------

def tanh_exp_quotient(x):
    e = (2 * x).exp()
    return (e - 1) / (e + 1)


def tanh_one_minus(x):
    return 1 - 2 / ((2 * x).exp() + 1)


def tanh_sinh_cosh(x):
    a, b = x.exp(), (-x).exp()
    return (a - b) / (a + b)


def tanh_with_fused_nodes(x):
    e = vsum([x, x]).exp()
    return dot([e + -1], [(e + 1) ** -1])


def tanh_by_hand(x):
    t = math.tanh(x.data)
    return Value(t, (x,), (1 - t ** 2,), "tanh")


def tanh_by_hand_as_exp(x):
    t = math.tanh(x.data)
    return Value(t, (x,), (1 - t ** 2,), "exp")


def tanh_hand_node_inside(x):
    t = math.tanh(x.data)
    return Value(t, (x,), (1 - t ** 2,)) * 1.0


def tanh_linearised(x):
    """Value and slope of tanh at x.data, from engine operations only: a line, not tanh."""
    t = math.tanh(x.data)
    return x * (1 - t ** 2) + (t - (1 - t ** 2) * x.data)


def tanh_second_order(x):
    """A parabola through tanh's value, slope and curvature at x.data: still not tanh."""
    t, d = math.tanh(x.data), x - x.data
    return t + (1 - t ** 2) * d + (-t * (1 - t ** 2)) * d * d


def tanh_cut_off(x):
    return Value(math.tanh(x.data))


def tanh_wrong_grad(x):
    e = (2 * x).exp()
    out = (e - 1) / (e + 1)
    return Value(out.data, (x,), (2.0,), "*")


@pytest.mark.parametrize("fn", [tanh_exp_quotient, tanh_one_minus, tanh_sinh_cosh,
                                tanh_with_fused_nodes])
def test_tanh_accepts(capsys, fn):
    assert checker_verdict(capsys, autograd.check_tanh, fn)[0]


@pytest.mark.parametrize("fn, hint", [
    (tanh_by_hand, "made by hand (op 'tanh')"),
    (tanh_by_hand_as_exp, "made by hand (op 'exp')"),
    (tanh_hand_node_inside, "made by hand (op '')"),
    (tanh_wrong_grad, "made by hand (op '*')"),
    (tanh_cut_off, "not connected to x"),
    (tanh_linearised, "is not tanh"),
    (tanh_second_order, "is not tanh"),
    (lambda x: x.exp(), "should be"),
    (lambda x: math.tanh(x.data), "return a Value"),
    (crash, "raised RuntimeError: boom"),
])
def test_tanh_rejects(capsys, fn, hint):
    ok, line = checker_verdict(capsys, autograd.check_tanh, fn)
    assert not ok and hint in line, line


def test_tanh_hint_names_the_accepted_operations(capsys):
    _, line = checker_verdict(capsys, autograd.check_tanh, tanh_by_hand)
    assert "'+', '*', '**k', 'exp', 'log', 'relu'" in line


# ---- 01.4 derive the slope of tanh ---------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda x: 1 - math.tanh(x) ** 2,
    lambda x: 4 * math.exp(2 * x) / (math.exp(2 * x) + 1) ** 2,
    lambda x: 1 / math.cosh(x) ** 2,
    lambda x: float(1 - np.tanh(x) ** 2),
])
def test_tanh_derivative_accepts(capsys, fn):
    assert checker_verdict(capsys, autograd.check_tanh_derivative, fn)[0]


@pytest.mark.parametrize("fn, hint", [
    (lambda x: 1 - math.tanh(x), "forgot a square"),
    (lambda x: math.tanh(x) ** 2, "1 minus that"),
    (lambda x: 1 + math.tanh(x) ** 2, "not 1 + tanh²"),
    (lambda x: 2 * math.exp(2 * x) / (math.exp(2 * x) + 1) ** 2, "factor 2"),
    (lambda x: 2 * math.exp(2 * x) / (math.exp(2 * x) + 1), "quotient rule"),
    (lambda x: math.tanh(x) ** 2 - 1, "slope is positive"),
    (lambda x: 2 * x, "Differentiate"),
    (lambda x: Value(1 - math.tanh(x) ** 2), "not a Value"),
    (lambda x: None, "as a number"),
    (crash, "raised RuntimeError: boom"),
])
def test_tanh_derivative_rejects(capsys, fn, hint):
    ok, line = checker_verdict(capsys, autograd.check_tanh_derivative, fn)
    assert not ok and hint in line, line


def test_a_graph_fitted_at_one_point_gets_a_symptom_then_the_hint(capsys):
    line = fails(capsys, autograd.check_tanh, tanh_linearised)
    assert "run again with x = " in line and "Hint: some number in your graph" in line


# ---- 01.5 find the bug in a division ------------------------------------------------------

def divide_planted(a, b):
    return Value(a.data / b.data, (a, b), (1 / b.data, a.data / b.data ** 2), "/")


def divide_fixed(a, b):
    return Value(a.data / b.data, (a, b), (1 / b.data, -a.data / b.data ** 2), "/")


def divide_rewritten(a, b):
    inv = 1 / b.data
    return Value(a.data * inv, (a, b), (inv, -a.data * inv * inv), "/")


@pytest.mark.parametrize("fn", [divide_fixed, divide_rewritten, lambda a, b: a * b ** -1,
                                lambda a, b: a / b])
def test_divide_fix_accepts(capsys, fn):
    assert "-a/b²" in passes(capsys, autograd.check_divide_fix, fn)


@pytest.mark.parametrize("fn, symptom, hint", [
    (divide_planted, "not fixed yet", "must be negative"),
    (lambda a, b: Value(a.data / b.data, (a, b), (1 / b.data, -a.data / b.data), "/"),
     "d/db still disagrees", "b is squared"),
    (lambda a, b: Value(a.data / b.data, (a, b), (1 / b.data, -1 / b.data ** 2), "/"),
     "d/db still disagrees", "the a stays"),
    (lambda a, b: Value(a.data / b.data, (a, b), (-a.data / b.data ** 2, 1 / b.data), "/"),
     "both disagree", "order of the children"),
    (lambda a, b: Value(a.data / b.data), "no gradient reaches", "as its children"),
    (lambda a, b: Value(a.data / b.data, (a, b), (1.0, 1.0), "/"), "nudging gives",
     "keeping the other fixed"),
])
def test_divide_fix_rejects(capsys, fn, symptom, hint):
    line = fails(capsys, autograd.check_divide_fix, fn)
    assert symptom in line and hint in line, line


def test_the_planted_division_gets_a_clue_not_the_fix(capsys):
    _, first = checker_verdict(capsys, autograd.check_divide_fix, divide_planted)
    assert "grad_check" in first and "negative" not in first and "b^-2" not in first


@pytest.mark.parametrize("fn, words", [
    (lambda a, b: Value(a.data * b.data, (a, b), (b.data, a.data), "*"), "change only"),
    (lambda a, b: a.data / b.data, "return a Value"),
    (lambda a, b: [a] * 10**7, "return a Value"),
    (crash, "raised RuntimeError: boom"),
])
def test_divide_fix_odd_answers(capsys, fn, words):
    line = fails(capsys, autograd.check_divide_fix, fn)
    assert words in line and len(line) < 400, line


# ---- every checker -------------------------------------------------------------------------

CHECKERS = [autograd.check_zero_gradients, autograd.check_dead_relu_grad, autograd.check_tanh,
            autograd.check_tanh_derivative, autograd.check_divide_fix]


def exits(*args):
    raise SystemExit(1)


@pytest.mark.parametrize("checker", CHECKERS)
def test_unanswered_says_replace_none(capsys, checker):
    ok, line = checker_verdict(capsys, checker, None)
    assert not ok and line.startswith("Not yet: replace None")


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("odd", ["text", 3, [1, 2], EqualsEverything(), exits, [0] * 10**7])
def test_odd_answers_get_a_short_verdict_not_an_exception(capsys, checker, odd):
    ok, line = checker_verdict(capsys, checker, odd)
    assert not ok and len(line) < 400, line
