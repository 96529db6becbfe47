"""Scalar autograd: the `Value` class and the two fused nodes the hot paths use.

Owns: `Value` (+ - * / **, negation, exp, log, relu, backward), `topo_order` (the walk that
backward follows, shared with the tensor engine), `vsum` (an n-ary sum as one node) and
`dot` (a dot product as one node). Each node keeps its children in a tuple (a set
would make the order of gradient accumulation, and so the last bits, vary from run to run)
and the local derivative of itself with respect to each child; `backward()` multiplies
them along the graph in reverse topological order.

`backward()` adds into `.grad` and never resets it, as micrograd does: call it twice over a
graph and shared nodes push their gradient twice. That is the seed's bug; the training loop,
not the engine, decides how often to call it.

Imports: nothing of ours (standard library only).
"""
import math
from functools import reduce
from operator import add, mul


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
        return Value(self.data ** k, (self,), (k * self.data ** (k - 1),), f"**{k:g}")

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
        e = math.exp(self.data)
        return Value(e, (self,), (e,), "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number ({self.data!r}); "
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


def topo_order(root):
    """The nodes below `root` that have children, each after all of its children.

    Works for any node with a `_children` tuple (the tensor engine uses it too). Leaves
    (parameters, inputs, constants) are left out: they have nothing to pass a gradient on
    to. Iterative, so graphs of any depth work without RecursionError.
    """
    topo, visited = [], {root}
    stack = [(root, iter(root._children))]
    while stack:
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
