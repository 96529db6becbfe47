"""The exercise checkers of the autograd chapter (Value and backpropagation).

Owns: `check_zero_gradients` (predict: which weights of a small graph get a gradient of 0),
`check_dead_relu_grad` (predict: a gradient through a relu that is switched off),
`check_tanh` (implement: tanh built from the engine's own operations, so that backward()
works through it; the graph is also run again at other inputs, so a line that fits tanh at
one point does not pass), `check_tanh_derivative` (derive: d tanh/dx by hand, compared with
the engine) and `check_divide_fix` (find the bug: division as one operation with a wrong
local gradient). The tanh checker accepts a node only if Value's own operation, applied
again to fresh leaves, gives its data and (by backward) its local gradients: the checker
keeps no copy of the engine's rules.

Imports: engine, course.checks.common.
"""
import math
import operator
import re

from ...engine import Value, dot, topo_order, vsum
from .common import (
    check_number,
    close_enough,
    exercise,
    is_number,
    not_answered,
    run_answer,
    short,
    verdict,
)

# ---- 01.1 predict which weights get no gradient -------------------------------------------

WEIGHTS = ("w1", "w2", "w3", "w4", "w5", "w6")


def zero_gradient_graph():
    """The exercise's graph, built fresh: ({label: weight}, out)."""
    x1, x2 = Value(0.0, label="x1"), Value(2.0, label="x2")
    w = {name: Value(v, label=name) for name, v in zip(WEIGHTS, (0.5, 0.0, -1.5, 3.0, 0.8, 1.2))}
    h = w["w1"] * x1 + w["w2"] * x2
    g = w["w3"] * x2 - x2 * w["w3"]
    _spare = w["w5"] * x2                   # computed, never used by out
    out = (h + g) * w["w4"] + w["w6"] * x2
    return w, out


WHY = {   # why each weight's gradient is (or is not) zero, in the graph's terms
    "w1": "w1 multiplies x1 = 0, so its gradient, x1 times what reaches the product, is 0",
    "w2": "w2 is 0, but a gradient does not depend on the weight's own value: w2's is "
          "x2·w4 = 2·3 = 6",
    "w3": "w3 is used twice, in w3·x2 and in -(x2·w3): its two shares, +x2·w4 and -x2·w4, "
          "cancel",
    "w4": "w4's gradient is what it multiplies, h + g, and h + g = 0 here (w1·x1 = 0, "
          "w2·x2 = 0, g = 0)",
    "w5": "w5 feeds only `spare`, which out never uses: backward() from out never reaches it",
    "w6": "w6 multiplies x2 = 2 and the product goes straight into out: its gradient is 2",
}


def _labels(answer):
    """The weight names in the learner's answer (a set, list or tuple of strings, or one
    string such as "w1, w3"), or a message saying what form to use."""
    if isinstance(answer, str):
        return set(re.findall(r"w\d+", answer.lower())) or "no weight names (w1 ... w6) found"
    if isinstance(answer, dict) or not isinstance(answer, (set, frozenset, list, tuple)):
        return f"give a set of names, like {{'w1', 'w2'}}; got {short(answer)}"
    if len(answer) > len(WEIGHTS):
        return f"there are {len(WEIGHTS)} weights; your answer has {len(answer)} entries"
    if not all(isinstance(a, str) for a in answer):
        return f"give the weights' names as strings, like {{'w1', 'w2'}}; got {short(answer)}"
    names = {a.strip().lower() for a in answer}
    unknown = sorted(names - set(WEIGHTS))
    return f"{', '.join(map(repr, unknown))} is not one of w1 ... w6" if unknown else names


@exercise("01.1", "which weights get no gradient", "predict")
def check_zero_gradients(answer):
    """The weights of zero_gradient_graph() whose gradient is 0 after out.backward()."""
    if not_answered(answer, "Write the set of weights whose gradient is 0, like {'w1', 'w2'}."):
        return False
    names = _labels(answer)
    if isinstance(names, str):
        return verdict(False, "", names + ".")
    w, out = zero_gradient_graph()
    out.backward()
    want = {name for name, v in w.items() if v.grad == 0.0}
    if names == want:
        return verdict(True, f"{', '.join(sorted(want))} get 0: an input of 0, a weight that "
                       "multiplies a 0, two uses that cancel, and a branch out never uses. w2 "
                       "is itself 0 and still gets a gradient.", "")
    wrong = sorted(names - want) + sorted(want - names)
    listed = [f"you listed {n}" for n in sorted(names - want)]
    missed = [f"you missed {n}" for n in sorted(want - names)]
    return verdict(False, "", f"{len(wrong)} of the six are wrong: {', '.join(listed + missed)}.",
                   "; ".join(WHY[n] for n in wrong) + ".")


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
    """Every Value below root, leaves included (None if some child is not a Value at all)."""
    try:
        return topo_order(root, leaves=True)
    except AttributeError:              # a child without _children: a number, a string...
        return None


def _same(xs, ys, tol=1e-9):
    return len(xs) == len(ys) and all(close_enough(x, y, tol) for x, y in zip(xs, ys))


# Value's own operations, by the name each writes into `_op` ('**k' is handled apart):
# the checker calls them, so it holds no second copy of their gradients.
OPERATIONS = {"+": operator.add, "*": operator.mul, "exp": Value.exp, "log": Value.log,
              "relu": Value.relu, "sum": lambda *xs: vsum(xs),
              "dot": lambda *xs: dot(xs[:len(xs) // 2], xs[len(xs) // 2:])}


def _remade(node):
    """(fresh leaves, the result) of Value's own operation `node._op` applied to fresh leaves
    holding the data of node's children, after backward(): the leaves' grads are then the
    operation's local gradients. None if no operation of Value's makes such a node."""
    op, leaves = node._op, [Value(k.data) for k in node._children]
    try:
        if op.startswith("**") and len(leaves) == 1:
            out = leaves[0] ** float(op[2:])        # k printed with 6 digits: compare loosely
        elif op in OPERATIONS and leaves and (op != "dot" or len(leaves) % 2 == 0):
            out = OPERATIONS[op](*leaves)
        else:
            return None
    except (ValueError, TypeError, ArithmeticError):  # not an op's input (log of 0, ...)
        return None
    out.backward()
    return leaves, out


def _engine_made(node):
    """True if node is exactly what one of Value's own operations makes from its children:
    the same operation applied to fresh leaves with its children's data gives its data and,
    by backward(), its local gradients. A Value built by hand (its own op or its own local
    gradient) is not."""
    op, kids, local = node._op, node._children, tuple(node._local_grads)
    if not isinstance(kids, tuple) or not all(isinstance(k, Value) for k in kids):
        return False
    if op == "":
        return not kids and not local
    remade = _remade(node)
    if remade is None:
        return False
    leaves, out = remade
    tol = 1e-4 if op.startswith("**") else 1e-9
    return (_same([node.data], [out.data], tol)
            and _same(local, tuple(leaf.grad for leaf in leaves), tol))


def _replay(nodes, x, new_x):
    """The data of nodes[-1] when the graph is run again with x.data = new_x: every
    operation applied again, in order, by Value's own operations (other leaves keep their
    data). None if an operation has no result there (log of a negative number, ...)."""
    data = {}
    for node in nodes:                      # children before parents
        if not node._children:
            data[id(node)] = new_x if node is x else node.data
            continue
        kids = [Value(data[id(k)]) for k in node._children]
        op = node._op
        try:
            out = kids[0] ** float(op[2:]) if op.startswith("**") else OPERATIONS[op](*kids)
        except (ValueError, TypeError, ArithmeticError, KeyError):
            return None
        data[id(node)] = out.data
    return data[id(nodes[-1])]


def _replayed_elsewhere(out, x, points=(-1.7, -0.4, 0.9, 2.3)):
    """(point, value) where the graph below `out`, run again at x = point, is not tanh; None
    if it is tanh at every point. Catches a graph that fits tanh's value and slope at one x
    only (a line through it, built with the number x.data)."""
    nodes = _all_nodes(out)
    for p in points:
        y = _replay(nodes, x, p)
        if y is None or not close_enough(y, math.tanh(p), 1e-6):
            return p, (math.nan if y is None else y)
    return None


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
        if nodes is None:
            return verdict(False, "", "your result's graph holds something that is not a "
                           "Value: build tanh from x with +, -, *, / and .exp().")
        made_by_hand = [n for n in nodes if not _engine_made(n)]
        if made_by_hand:
            return verdict(False, "", f"your result contains a Value made by hand (op "
                           f"{short(made_by_hand[0]._op)}): the checker accepts only graphs in "
                           f"which every node is made by one of Value's operations, {ENGINE_OPS}, "
                           "so that backward() uses their local gradients, not one written "
                           "by hand. Build tanh from x with +, -, *, / and .exp().")
        if not any(n is v for n in nodes):
            return verdict(False, "", "your result is not connected to x: a new Value made "
                           "from x.data starts a fresh graph, and backward() never reaches x. "
                           "Compute with x itself.")
        elsewhere = _replayed_elsewhere(out, v)
        if elsewhere is not None:
            x2, y2 = elsewhere
            return verdict(False, "", f"tanh({x}) and its slope come out right, but the graph "
                           f"you built is not tanh: run again with x = {x2}, the same "
                           f"operations give {y2:.4f} instead of {math.tanh(x2):.4f}.",
                           "some number in your graph was computed from x.data (a plain "
                           "float fixed for this one x) instead of from x through Value "
                           "operations: build every step from x itself.")
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
            return verdict(False, "", f"return the slope as a number (got {short(y)} at x={x}).")
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


# ---- 01.5 find the bug: division as one operation ------------------------------------------

DIVISIONS = ((3.0, 2.0), (-1.5, 0.5), (4.0, -8.0))


def _divide_grads(fn, a, b):
    """(data, d/da, d/db) of fn(a, b) by backward(), or a message saying what went wrong."""
    va, vb = Value(a), Value(b)
    out, err = run_answer(fn, va, vb)
    if err:
        return err
    if not (hasattr(out, "data") and hasattr(out, "_children") and hasattr(out, "backward")):
        return f"return a Value (got {short(out)}) so that backward() can reach a and b."
    if not is_number(out.data):
        return f"the result's data should be a number, got {short(out.data)}."
    _, err = run_answer(out.backward)
    if err:
        return err.replace("your function", "backward() through your result")
    return out.data, va.grad, vb.grad


DIVISION_MISTAKES = [   # (d/da, d/db) of a typical mistake, what it shows, and the hint
    (lambda a, b: (1 / b, a / b ** 2), "not fixed yet: at a = 3, b = 2 the value a/b is "
     "right, but backward() disagrees with nudging; grad_check tells you for which input",
     "nudge b up and a/b gets smaller (for a > 0, b > 0): so d(a/b)/db must be negative. "
     "a/b = a·b^-1, and d(b^-1)/db = -b^-2."),
    (lambda a, b: (1 / b, -a / b), "at a = 3, b = 2, d/db still disagrees with nudging",
     "d(b^-1)/db = -1·b^-2: the power drops by one, so the b is squared, -a/b**2."),
    (lambda a, b: (1 / b, -1 / b ** 2), "at a = 3, b = 2, d/db still disagrees with nudging",
     "the a stays: d(a·b^-1)/db = a·d(b^-1)/db = -a/b**2."),
    (lambda a, b: (-a / b ** 2, 1 / b), "at a = 3, b = 2, d/da and d/db both disagree "
     "with nudging",
     "the local gradients go in the order of the children, (a, b): d/da first."),
    (lambda a, b: (0.0, 0.0), "no gradient reaches a or b",
     "the result must name a and b as its children, with one local gradient each."),
]


@exercise("01.5", "find the bug in a division", "find-the-bug")
def check_divide_fix(fn):
    """fn(a, b) is a/b as a Value whose backward() gives 1/b to a and -a/b² to b."""
    if not_answered(fn, "Fix divide and pass the function itself."):
        return False
    got = []
    for a, b in DIVISIONS:
        r = _divide_grads(fn, a, b)
        if isinstance(r, str):
            return verdict(False, "", r)
        if not close_enough(r[0], a / b, 1e-9):
            return verdict(False, "", f"divide({a:g}, {b:g}) should be {a / b:g}, "
                           f"you got {short(r[0])}: change only the local gradient.")
        got.append(r[1:])
    want = [(1 / b, -a / b ** 2) for a, b in DIVISIONS]
    if all(_same(g, w) for g, w in zip(got, want)):
        return verdict(True, "d(a/b)/da = 1/b and d(a/b)/db = -a/b²: the minus sign is what "
                       "the planted version lost, and nudging b finds it.", "")
    for grads, symptom, hint in DIVISION_MISTAKES:
        if all(_same(g, grads(a, b)) for g, (a, b) in zip(got, DIVISIONS)):
            return verdict(False, "", f"{symptom}.", hint)
    (a, b), g, w = next((ab, g, w) for ab, g, w in zip(DIVISIONS, got, want) if not _same(g, w))
    return verdict(False, "", f"at a = {a:g}, b = {b:g} backward() gives d/da = {g[0]:.4f}, "
                   f"d/db = {g[1]:.4f}; nudging gives {w[0]:.4f} and {w[1]:.4f}.",
                   "differentiate a·b^-1 by each input, keeping the other fixed.")
