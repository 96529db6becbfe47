"""The autograd chapter's exercise checkers: each accepts several correct answers, rejects the
typical wrong ones with a hint naming the mistake, answers None with "replace None", turns an
exception in the learner's code into a verdict, and prints one plain-text line."""
import math

import numpy as np
import pytest

from microgpt.course.checks import autograd
from microgpt.engine import Value, dot, vsum

from conftest import checker_verdict


def crash(*args):
    raise RuntimeError("boom")


# ---- 01.1 numerical gradient ---------------------------------------------------------------

h = 1e-6   # the notebook's global


def central_with_global_h(f, x):
    return (f(x + h) - f(x - h)) / (2 * h)


def forward_difference(f, x, step=1e-7):
    return (f(x + step) - f(x)) / step


@pytest.mark.parametrize("fn", [
    lambda f, x, h=1e-6: (f(x + h) - f(x - h)) / (2 * h),
    central_with_global_h,
    forward_difference,
    lambda f, x: float(np.gradient([f(x - 1e-5), f(x), f(x + 1e-5)], 1e-5)[1]),
])
def test_numerical_grad_accepts(capsys, fn):
    assert checker_verdict(capsys, autograd.check_numerical_grad, fn)[0]


@pytest.mark.parametrize("fn, hint", [
    (lambda f, x, h=1e-6: (f(x + h) - f(x - h)) / h, "divide by 2 * h"),
    (lambda f, x, h=1e-6: (f(x - h) - f(x + h)) / (2 * h), "minus the slope"),
    (lambda f, x, h=1e-6: f(x + h) - f(x - h), "divide the change of f"),
    (lambda f, x: f(x), "the slope should be about"),
    (lambda f, x: "6", "as a number"),
    (crash, "raised RuntimeError: boom"),
])
def test_numerical_grad_rejects(capsys, fn, hint):
    ok, line = checker_verdict(capsys, autograd.check_numerical_grad, fn)
    assert not ok and hint in line, line


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


# ---- 01.5 find the bug in backward ---------------------------------------------------------

def backward_fixed(root):
    root.grad = 1.0
    for node in reversed(root.topo_order()):
        for child, local in zip(node._children, node._local_grads):
            child.grad += local * node.grad


def backward_own_walk(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node._children:
                visit(child)
            order.append(node)

    visit(root)
    root.grad = 1.0
    for node in reversed(order):
        for i, child in enumerate(node._children):
            child.grad = child.grad + node._local_grads[i] * node.grad


def backward_planted(root):
    root.grad = 1.0
    for node in reversed(root.topo_order()):
        for child, local in zip(node._children, node._local_grads):
            child.grad = local * node.grad


def backward_forward_order(root):
    root.grad = 1.0
    for node in root.topo_order():
        for child, local in zip(node._children, node._local_grads):
            child.grad += local * node.grad


def backward_no_seed(root):
    for node in reversed(root.topo_order()):
        for child, local in zip(node._children, node._local_grads):
            child.grad += local * node.grad


def backward_adds_local_only(root):
    root.grad = 1.0
    for node in reversed(root.topo_order()):
        for child, local in zip(node._children, node._local_grads):
            child.grad += local


@pytest.mark.parametrize("fn", [backward_fixed, backward_own_walk, lambda root: root.backward()])
def test_backward_fix_accepts(capsys, fn):
    assert checker_verdict(capsys, autograd.check_backward_fix, fn)[0]


@pytest.mark.parametrize("fn, hint", [
    (backward_planted, "not fixed yet"),
    (backward_forward_order, "walk reversed(root.topo_order())"),
    (backward_no_seed, "set root.grad = 1.0"),
    (backward_adds_local_only, "should be 2·3 + 1 = 7"),
    (crash, "raised RuntimeError: boom"),
])
def test_backward_fix_rejects(capsys, fn, hint):
    ok, line = checker_verdict(capsys, autograd.check_backward_fix, fn)
    assert not ok and hint in line, line


def test_the_planted_bug_gets_a_clue_not_the_fix(capsys):
    _, line = checker_verdict(capsys, autograd.check_backward_fix, backward_planted)
    assert "+=" not in line and "a.grad = 3" in line


# ---- 01.6 zero the gradients ---------------------------------------------------------------

def zero_grad_stack(root):
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            node.grad = 0.0
            stack.extend(node._children)


def zero_grad_topo_plus_children(root):
    for node in root.topo_order():
        node.grad = 0
        for child in node._children:
            child.grad = 0


def zero_grad_recursive(root):
    root.grad = 0.0
    for child in root._children:
        zero_grad_recursive(child)


def zero_grad_topo_only(root):
    for node in root.topo_order():
        node.grad = 0.0


def zero_grad_leaves_only(root):
    for node in root.topo_order():
        for child in node._children:
            if not child._children:
                child.grad = 0.0


@pytest.mark.parametrize("fn", [zero_grad_stack, zero_grad_topo_plus_children,
                                zero_grad_recursive])
def test_zero_grad_accepts(capsys, fn):
    assert checker_verdict(capsys, autograd.check_zero_grad, fn)[0]


@pytest.mark.parametrize("fn, hint", [
    (zero_grad_topo_only, "the leaves (the inputs a and b)"),
    (zero_grad_leaves_only, "made by operations"),
    (lambda root: None, "made by operations"),
    (crash, "raised RuntimeError: boom"),
])
def test_zero_grad_rejects(capsys, fn, hint):
    ok, line = checker_verdict(capsys, autograd.check_zero_grad, fn)
    assert not ok and hint in line, line


# ---- every checker -------------------------------------------------------------------------

CHECKERS = [autograd.check_numerical_grad, autograd.check_dead_relu_grad, autograd.check_tanh,
            autograd.check_tanh_derivative, autograd.check_backward_fix,
            autograd.check_zero_grad]


@pytest.mark.parametrize("checker", CHECKERS)
def test_unanswered_says_replace_none(capsys, checker):
    ok, line = checker_verdict(capsys, checker, None)
    assert not ok and line.startswith("Not yet: replace None")


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("odd", ["text", 3, [1, 2]])
def test_odd_answers_get_a_verdict_not_an_exception(capsys, checker, odd):
    ok, _ = checker_verdict(capsys, checker, odd)
    assert not ok


def test_registered_in_notebook_order():
    from microgpt.course.checks.common import exercises
    assert [(e, kind) for e, _, kind in exercises("01")] == [
        ("01.1", "implement"), ("01.2", "predict"), ("01.3", "implement"),
        ("01.4", "derive"), ("01.5", "find-the-bug"), ("01.6", "implement")]
