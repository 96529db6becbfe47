"""The exercise checkers of the autograd chapter (Value and backpropagation).

Owns: `check_numerical_grad` (a finite-difference slope), `check_tanh` (tanh of a Value built
from exp and arithmetic, with the right gradient) and `check_zero_grad` (resetting every
gradient below a root, so backward() can run again).

Imports: checks.common, engine.
"""
import math

from ..engine import Value
from .common import close_enough, not_answered, run_answer, verdict


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
        if not close_enough(got, want, 1e-4):
            return verdict(False, "", f"at x={x} the slope should be about {want:.4f}, "
                            f"you got {got!r}. Nudge x a little both ways and divide by the step.")
    return verdict(True, "Your finite difference matches the true slopes to 4 decimals.", "")


def check_tanh(fn):
    """fn(v) builds tanh of a Value from exp and arithmetic, so backward works."""
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
        out.backward()
        if not close_enough(v.grad, 1 - math.tanh(x) ** 2, 1e-6):
            return verdict(False, "", f"the value is right but d tanh/dx at {x} came out "
                            f"{v.grad:.4f} instead of {1 - math.tanh(x) ** 2:.4f}.")
    return verdict(True, "Values and gradients match math.tanh and 1 - tanh².", "")


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
    if any(n.grad != 0.0 for n in (a, b, c)):
        return verdict(False, "", "some nodes still hold a gradient; remember the leaves "
                        "(inputs) too, not just the nodes made by operations.")
    root.backward()
    return verdict((a.grad, b.grad, c.grad) == first,
                    "After zeroing, a second backward() gives exactly the same gradients.",
                    "after zeroing, backward() gave different gradients than the first time.")

