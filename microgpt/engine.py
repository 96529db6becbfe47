"""Scalar autograd: the `Value` class and the two fused nodes the hot paths use.

Owns: `Value` (+ - * / **, negation, exp, log, relu, backward), `topo_order` (the
package's one graph walk: the order backward follows, also used by the tensor engine, the
graph drawings and the checkers), `vsum` (an n-ary sum as one node), `dot` (a dot product
as one node) and the engine's errors: `DomainError` (a `ValueError`: an operation whose
result is not a finite real number) and its kinds `NonPositiveLog` (log of a number ≤ 0)
and `FloatOverflow` (a result beyond the largest float; also an `OverflowError`), and
`collector_paused` (the loops that build big graphs run without Python's cycle collector:
see its docstring). Each node
keeps its children in a tuple (a set would make the order of gradient accumulation, and so
the last bits, vary from run to run) and the local derivative of itself with respect to
each child; `backward()` multiplies them along the graph in reverse topological order.

`backward()` adds into `.grad` and never resets it, as micrograd does: call it twice over a
graph and shared nodes push their gradient twice. That is the seed's bug; the training loop,
not the engine, decides how often to call it.

Edges: `Value(0.0) ** k` for 0 < k < 1 is 0 with a local gradient of +inf (the slope of
x**k at 0⁺, as in √x); a gradient that reaches it becomes inf (or nan if it is 0), which the
training loop reports as divergence. 0 to a negative power and a negative number to a
fractional power are a `DomainError` (no real result), not a ZeroDivisionError or a
complex number.

Imports: nothing of ours (standard library only).
"""
import gc
import math
from contextlib import contextmanager
from functools import reduce
from operator import add, mul


class DomainError(ValueError):
    """An operation whose result is not a finite real number (log of 0, (-8) ** 0.5, ...)."""


class NonPositiveLog(DomainError):
    """log of a number ≤ 0: in a loss, a probability that underflowed to 0."""


class FloatOverflow(DomainError, OverflowError):
    """A result beyond the largest float (about 1.8e308), e.g. exp(1000)."""


class Value:
    """One scalar in a computation graph: its value `data` and d(root)/d(self) in `grad`."""

    __slots__ = ("data", "grad", "_children", "_local_grads", "_op", "label")

    def __init__(self, data, children=(), local_grads=(), op="", label=""):
        self.data = data
        self.grad = 0.0
        self._children = children          # tuple of Value
        self._local_grads = local_grads    # d(self)/d(child), one float per child
        self._op = op                      # for graph renders: '+', '*', 'exp', ...
        self.label = label                 # optional name for graph renders

    def __repr__(self):
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f})"

    # ---- binary operations ------------------------------------------------------------
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, k):
        if not isinstance(k, (int, float)):
            raise TypeError("Value ** k supports a plain int or float exponent k only")
        x = self.data
        try:
            out = x ** k
            local = k * x ** (k - 1)
        except ZeroDivisionError:       # 0 ** k with k < 0, or the slope of 0 ** k, 0 <= k < 1
            if k < 0:
                raise DomainError(f"0 ** {k:g} divides by zero: no real result") from None
            out, local = x ** k, (0.0 if k == 0 else math.inf)
        except OverflowError:
            raise FloatOverflow(f"{x:g} ** {k:g} is beyond the largest float") from None
        if type(out) is complex:        # a negative base, a fractional exponent
            raise DomainError(f"{x:g} ** {k:g} is not a real number: a negative number has "
                              "no real fractional power")
        return Value(out, (self,), (local,), f"**{k:g}")

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return (-self) + other

    def __rtruediv__(self, other):
        return Value(other) * self ** -1

    # ---- unary functions ----------------------------------------------------------------
    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise FloatOverflow(f"exp({self.data:g}) is beyond the largest float (exp "
                                "overflows above 709.78)") from None
        return Value(e, (self,), (e,), "exp")

    def log(self):
        if self.data <= 0:
            raise NonPositiveLog(f"log of a non-positive number ({self.data!r}); "
                                 "a probability underflowed to 0 — lower the learning rate")
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def relu(self):
        return Value(self.data if self.data > 0 else 0.0, (self,),
                     (1.0 if self.data > 0 else 0.0,), "relu")

    # ---- backpropagation ----------------------------------------------------------------
    def topo_order(self):
        """The nodes below `self` that have children, each after all of its children."""
        return topo_order(self)

    def backward(self):
        """Add d(self)/d(node) into `node.grad` for every node below `self`."""
        self.grad = 1.0
        for node in reversed(self.topo_order()):
            g = node.grad
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * g


def topo_order(root, leaves=False):
    """The nodes below `root` (itself included), each after all of its children.

    Depth-first, children in the order they were given, so the order is the same on every
    run. Leaves (parameters, inputs, constants) are left out unless `leaves=True`: backward
    needs only the nodes that pass a gradient on; a drawing or a checker wants them all.
    Works for any node with a `_children` tuple (the tensor engine, a notebook's own Value
    class). Iterative, so graphs of any depth work without RecursionError.
    """
    topo, visited = [], {root}
    stack = [(root, iter(root._children))]
    if leaves:
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child._children)))
                    break
            else:
                stack.pop()
                topo.append(node)
        return topo
    while stack:            # backward's walk, the hot path: leaves are never pushed
        node, children = stack[-1]
        for child in children:
            if child._children and child not in visited:
                visited.add(child)
                stack.append((child, iter(child._children)))
                break
        else:
            stack.pop()
            topo.append(node)
    return topo


def vsum(values):
    """sum(values) as one node: the same data, bit for bit, as the seed's chain of `+`."""
    values = tuple(values)
    return Value(reduce(add, [v.data for v in values], 0.0), values, (1.0,) * len(values), "sum")


def dot(ws, xs):
    """sum(w * x for w, x in zip(ws, xs)) as one node; same data, same gradients."""
    assert len(ws) == len(xs), f"dot of lengths {len(ws)} and {len(xs)}"
    wd = [w.data for w in ws]
    xd = [x.data for x in xs]
    # reduce(add, ...) adds left to right like the seed's sum() (builtin sum of floats
    # is compensated from Python 3.12 on, which would change the last bits)
    return Value(reduce(add, map(mul, wd, xd), 0.0), (*ws, *xs), xd + wd, "dot")


@contextmanager
def collector_paused():
    """Run the block with Python's cycle collector off, then restore it as it was.

    A graph of Values has no cycles (a node points only to its children), so reference
    counting frees it the moment its root goes. But the collector runs every few hundred
    allocations and each full pass walks every live object, and one training step keeps
    tens of thousands of Values alive. Measured on Python 3.11 (2 cores, idle), pausing it
    in `training`'s loops took chapter 06 from 97.9 s to 68.7 s, every printed number the
    same. Only cyclic garbage made inside the block waits, until the next collection after
    it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
