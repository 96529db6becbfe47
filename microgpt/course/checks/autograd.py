"""The exercise checkers of the autograd chapter (Value and backpropagation).

Owns: `check_numerical_grad` (implement: a finite-difference slope), `check_dead_relu_grad`
(predict: a gradient through a relu that is switched off), `check_tanh` (implement: tanh
built from the engine's own operations, so that backward() works through it),
`check_tanh_derivative` (derive: d tanh/dx by hand, compared with the engine),
`check_backward_fix` (find the bug: a backward that overwrites instead of adding) and
`check_zero_grad` (implement: reset every gradient below a root).

Imports: engine, course.checks.common.
"""
import math

from ...engine import Value
from .common import (
    check_number,
    close_enough,
    exercise,
    is_number,
    not_answered,
    run_answer,
    verdict,
)

# ---- 01.1 numerical gradient ---------------------------------------------------------------

@exercise("01.1", "numerical gradient", "implement")
def check_numerical_grad(fn):
    """fn(f, x) returns df/dx by nudging x (a finite difference)."""
    if not_answered(fn, "Write numerical_grad(f, x) returning (f(x + h) - f(x - h)) / (2 * h)."):
        return False
    cases = [(lambda x: x ** 2, 3.0, 6.0), (lambda x: x ** 3 - 2 * x, -1.5, 4.75),
             (math.exp, 0.5, math.exp(0.5)), (lambda x: 7.0, 2.0, 0.0)]
    for f, x, want in cases:
        got, err = run_answer(fn, f, x)
        if err:
            return verdict(False, "", err)
        if not is_number(got):
            return verdict(False, "", f"return the slope as a number (got {got!r} at x={x}).")
        if want and close_enough(got, 2 * want, 1e-4):
            return verdict(False, "", f"at x={x} you got twice the slope ({got:.4f}): "
                           "x + h and x - h are 2h apart, so divide by 2 * h.")
        if want and close_enough(got, -want, 1e-4):
            return verdict(False, "", f"at x={x} you got minus the slope ({got:.4f}): "
                           "compute f(x + h) - f(x - h), the higher point first.")
        if not close_enough(got, want, 1e-4):
            return verdict(False, "", f"at x={x} the slope should be about {want:.4f}, "
                           f"you got {got:.4f}. Nudge x a little (h = 1e-6) both ways and "
                           "divide the change of f by the change of x.")
    return verdict(True, "Your finite difference matches the true slopes to 4 decimals.", "")


# ---- 01.2 predict: a gradient through a switched-off relu ----------------------------------

@exercise("01.2", "a gradient through relu", "predict")
def check_dead_relu_grad(answer):
    """dout/dw for out = relu(x·w + bias)² at x = 2, w = -3, bias = 5 (n = -1): 0."""
    if not_answered(answer, "Write your prediction of w.grad as a number."):
        return False
    if is_number(answer) and abs(answer - (-4.0)) < 1e-6:
        return verdict(False, "", "-4 = 2·n·x is what you get if the relu let n = -1 through. "
                       "relu(-1) is 0, and so is its local gradient: nothing passes it.")
    if is_number(answer) and abs(answer - 2.0) < 1e-6:
        return verdict(False, "", "2 is dout/dw at bias = 6.5, the graph drawn above; with "
                       "bias = 5, n = x·w + bias comes out negative.")
    if is_number(answer) and abs(answer - 4.0) < 1e-6:
        return verdict(False, "", "n = 2·(-3) + 5 = -1 is negative, and the relu's local "
                       "gradient for a negative input is 0.")
    return check_number(answer, 0.0, 1e-6,
                        "n = 2·(-3) + 5 = -1, so relu(n) = 0 and its local gradient is 0: no "
                        "gradient reaches w, x or bias. A relu that is off blocks the chain.",
                        "Follow the chain from out: dout/d relu(n) = 2·relu(n), then the "
                        "relu's local gradient at n = -1.",
                        "Follow the chain from out: dout/d relu(n) = 2·relu(n), then the "
                        "relu's local gradient at n = -1.")


# ---- 01.3 tanh from the engine's operations ------------------------------------------------

ENGINE_OPS = "'+', '*', '**k', 'exp', 'log', 'relu', 'sum', 'dot' (and '' for leaves)"


def _all_nodes(root):
    """Every Value below root, leaves included."""
    seen, stack, order = set(), [root], []
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            order.append(node)
            stack.extend(node._children)
    return order


def _same(xs, ys, tol=1e-9):
    return len(xs) == len(ys) and all(close_enough(x, y, tol) for x, y in zip(xs, ys))


def _engine_made(node):
    """True if node is exactly what one of Value's own operations makes from its children:
    its op is one the class produces and its data and local gradients follow from the data
    of its children. A Value built by hand (its own op or its own local gradient) is not."""
    op, kids, local = node._op, node._children, tuple(node._local_grads)
    if not isinstance(kids, tuple) or not all(isinstance(k, Value) for k in kids):
        return False
    c = [k.data for k in kids]
    if op == "":
        return not kids and not local
    if op == "+" and len(c) == 2:
        return _same([node.data], [c[0] + c[1]]) and _same(local, (1.0, 1.0))
    if op == "*" and len(c) == 2:
        return _same([node.data], [c[0] * c[1]]) and _same(local, (c[1], c[0]))
    if op.startswith("**") and len(c) == 1:
        k = float(op[2:])        # printed with 6 digits: compare loosely
        return (close_enough(node.data, c[0] ** k, 1e-4)
                and close_enough(local[0] if local else None, k * c[0] ** (k - 1), 1e-4)
                and len(local) == 1)
    if op == "exp" and len(c) == 1:
        return _same([node.data], [math.exp(c[0])]) and _same(local, (node.data,))
    if op == "log" and len(c) == 1:
        return c[0] > 0 and _same([node.data], [math.log(c[0])]) and _same(local, (1 / c[0],))
    if op == "relu" and len(c) == 1:
        return (_same([node.data], [max(c[0], 0.0)])
                and _same(local, (1.0 if c[0] > 0 else 0.0,)))
    if op == "sum":
        return _same([node.data], [math.fsum(c)]) and _same(local, (1.0,) * len(c))
    if op == "dot" and len(c) % 2 == 0:
        n = len(c) // 2
        ws, xs = c[:n], c[n:]
        return (_same([node.data], [math.fsum(w * x for w, x in zip(ws, xs))])
                and _same(local, tuple(xs) + tuple(ws)))
    return False


@exercise("01.3", "tanh from what you have", "implement")
def check_tanh(fn):
    """fn(v) builds tanh of a Value from the engine's own operations, so backward works."""
    if not_answered(fn, "tanh(x) = (exp(2x) - 1) / (exp(2x) + 1), built from Value operations."):
        return False
    for x in (-1.3, 0.0, 0.7, 2.0):
        v = Value(x)
        out, err = run_answer(fn, v)
        if err:
            return verdict(False, "", err)
        if not isinstance(out, Value):
            return verdict(False, "", f"return a Value (got {type(out).__name__}) so that "
                           "backward() can reach the input.")
        if not close_enough(out.data, math.tanh(x), 1e-9):
            return verdict(False, "", f"tanh({x}) should be {math.tanh(x):.4f}, "
                           f"you got {out.data:.4f}.")
        nodes = _all_nodes(out)
        made_by_hand = [n for n in nodes if not _engine_made(n)]
        if made_by_hand:
            return verdict(False, "", f"your result contains a Value made by hand (op "
                           f"{made_by_hand[0]._op!r}): the checker accepts only graphs in "
                           f"which every node is made by one of Value's operations, {ENGINE_OPS}, "
                           "so that backward() uses their local gradients, not one written "
                           "by hand. Build tanh from x with +, -, *, / and .exp().")
        if not any(n is v for n in nodes):
            return verdict(False, "", "your result is not connected to x: a new Value made "
                           "from x.data starts a fresh graph, and backward() never reaches x. "
                           "Compute with x itself.")
        out.backward()
        if not close_enough(v.grad, 1 - math.tanh(x) ** 2, 1e-6):
            return verdict(False, "", f"the value is right but d tanh/dx at {x} came out "
                           f"{v.grad:.4f} instead of {1 - math.tanh(x) ** 2:.4f}.")
    return verdict(True, "Values and gradients match math.tanh and 1 - tanh², and every node "
                   "was made by the engine's own operations.", "")


# ---- 01.4 derive d tanh / dx ---------------------------------------------------------------

def _engine_tanh_slope(x):
    v = Value(x)
    e = (2 * v).exp()
    ((e - 1) / (e + 1)).backward()
    return v.grad


def _wrong_slopes(x):
    t, e = math.tanh(x), math.exp(2 * x)
    return [
        (1 - t, "you forgot a square: 1 - tanh(x) is not it."),
        (t ** 2, "almost: tanh² is where it starts, but the slope is 1 minus that."),
        (1 + t ** 2, "check the sign: the slope is largest at x = 0 and falls towards 0 "
                     "for large |x|, so it is 1 - tanh², not 1 + tanh²."),
        ((1 - t ** 2) / 2, "half the slope: the chain rule through e^(2x) gives a factor 2 "
                           "(d e^(2x)/dx = 2·e^(2x))."),
        (2 * e / (e + 1), "that is only the numerator's derivative over the denominator; use "
                          "the quotient rule (u/v)' = (u'v - uv')/v²."),
        (-(1 - t ** 2), "check the sign: tanh rises everywhere, so its slope is positive."),
    ]


@exercise("01.4", "derive the slope of tanh", "derive")
def check_tanh_derivative(fn):
    """fn(x) is d tanh/dx, worked out by hand as a formula in plain floats."""
    if not_answered(fn, "Write tanh_slope(x) returning your formula for d tanh/dx "
                        "(plain floats and the math module)."):
        return False
    points = (-2.0, -0.5, 0.0, 0.3, 1.7)
    got = []
    for x in points:
        y, err = run_answer(fn, x)
        if err:
            return verdict(False, "", err)
        if isinstance(y, Value):
            return verdict(False, "", "return a plain number from your formula, not a Value: "
                           "the point is to compare your hand-derived slope with the engine's.")
        if not is_number(y):
            return verdict(False, "", f"return the slope as a number (got {y!r} at x={x}).")
        got.append(y)
    want = [_engine_tanh_slope(x) for x in points]
    if all(close_enough(g, w, 1e-6) for g, w in zip(got, want)):
        return verdict(True, "Your formula agrees with the engine's backward() at x = "
                       + ", ".join(f"{x:g}" for x in points)
                       + ": d tanh/dx = 4e^(2x)/(e^(2x) + 1)² = 1 - tanh(x)².", "")
    i = next(j for j, (g, w) in enumerate(zip(got, want)) if not close_enough(g, w, 1e-6))
    where = f"at x={points[i]:g} the engine's backward() gives {want[i]:.4f}, you have {got[i]:.4f}"
    wrong = [_wrong_slopes(x) for x in points]
    for k, (_, hint) in enumerate(wrong[0]):
        if all(close_enough(g, w[k][0], 1e-6) for g, w in zip(got, wrong)):
            return verdict(False, "", f"{where}: {hint}")
    return verdict(False, "", f"{where}. Differentiate (e^(2x) - 1) / (e^(2x) + 1) with the "
                   "quotient rule, then write the result in terms of tanh(x).")


# ---- 01.5 find the bug: a backward that overwrites ----------------------------------------

def _graphs():
    """Small graphs with nodes used more than once: (leaves, root) built fresh each call."""
    a = Value(3.0)
    yield [a], a * a + a                               # a used three times: 2a + 1 = 7
    w, x = Value(0.5), Value(2.0)
    k = w * x
    yield [w, x], k * 2.0 + k * 3.0                    # the shared key of the chapter: 10
    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    yield [a, b, c], (a * b + c) ** 2 * (a + c)


def _grads_after(run):
    """The leaves' gradients, graph by graph, after run(root) on fresh graphs."""
    out = []
    for leaves, root in _graphs():
        err = run(root)
        if err:
            return err
        out.append([leaf.grad for leaf in leaves])
    return out


def _overwriting(root):
    root.grad = 1.0
    for node in reversed(root.topo_order()):
        for child, local in zip(node._children, node._local_grads):
            child.grad = local * node.grad


def _forward_order(root):
    root.grad = 1.0
    for node in root.topo_order():
        for child, local in zip(node._children, node._local_grads):
            child.grad += local * node.grad


def _no_seed(root):
    for node in reversed(root.topo_order()):
        for child, local in zip(node._children, node._local_grads):
            child.grad += local * node.grad


def _close(gs, hs):
    return not isinstance(gs, str) and all(
        _same(g, h, 1e-9) for g, h in zip(gs, hs)) and len(gs) == len(hs)


@exercise("01.5", "find the bug in backward", "find-the-bug")
def check_backward_fix(fn):
    """fn(root) fills .grad of every node below root, like Value.backward()."""
    if not_answered(fn, "Fix my_backward and pass the function itself."):
        return False
    got = _grads_after(lambda root: run_answer(fn, root)[1])
    if isinstance(got, str):
        return verdict(False, "", got)
    want = _grads_after(lambda root: root.backward())
    if _close(got, want):
        return verdict(True, "Every leaf gets the sum of the shares of all its uses: "
                       "d(a·a + a)/da = 3 + 3 + 1 = 7, not the 3 that overwriting leaves.", "")
    if _close(got, _grads_after(_overwriting)):
        return verdict(False, "", "not fixed yet: for b = a·a + a at a = 3, d b/da = 2·3 + 1 "
                       "= 7, but my_backward leaves a.grad = 3. a is used three times; which "
                       "of its shares survive, and why?")
    if _close(got, _grads_after(_no_seed)):
        return verdict(False, "", "every gradient is 0: the chain starts with "
                       "d root/d root = 1, so set root.grad = 1.0 before pushing.")
    if _close(got, _grads_after(_forward_order)):
        return verdict(False, "", "the order is reversed: a node may push only after every "
                       "node that uses it has pushed, so walk reversed(root.topo_order()).")
    first = got[0][0]
    return verdict(False, "", f"for a·a + a at a = 3, d/da should be 2·3 + 1 = 7; yours gives "
                   f"{first!r}. Change only the planted mistake.")


# ---- 01.6 zero the gradients ---------------------------------------------------------------

@exercise("01.6", "zero the gradients", "implement")
def check_zero_grad(fn):
    """fn(root) resets .grad of every node below root, so backward() can run again."""
    if not_answered(fn, "Walk the graph (root.topo_order() plus the leaves) and set .grad = 0.0."):
        return False
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    root = (c + a) * c          # a and c are used twice
    root.backward()
    first = (a.grad, b.grad, c.grad)
    _, err = run_answer(fn, root)
    if err:
        return verdict(False, "", err)
    if c.grad != 0.0 or root.grad != 0.0:
        return verdict(False, "", "the nodes made by operations (c, the root) still hold a "
                       "gradient: walk root.topo_order() and set each .grad = 0.0.")
    if a.grad != 0.0 or b.grad != 0.0:
        return verdict(False, "", "the leaves (the inputs a and b) still hold a gradient: "
                       "root.topo_order() leaves them out, so also visit each node's "
                       "_children.")
    root.backward()
    return verdict((a.grad, b.grad, c.grad) == first,
                   "After zeroing, a second backward() gives exactly the same gradients.",
                   "after zeroing, backward() gave different gradients than the first time.")
