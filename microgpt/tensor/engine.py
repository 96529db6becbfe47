"""Tensor autograd on NumPy: the same idea as `engine.Value`, one node per *array* op.

Owns: the `Tensor` class (an ndarray `.data`, its `.grad`, the children it was made from
and a function that pushes its gradient back to them) and the ops a GPT needs: + - * /
and ** (with NumPy broadcasting), matmul, exp, log, relu, sum/mean, reshape/transpose,
indexing (gathering embedding rows), a softmax that can mask positions out (causal
attention, padding) and a fused cross-entropy. `backward()` walks the graph in
topological order, iteratively (no recursion), with the scalar engine's `topo_order`.

Why a closure per node, where `Value` stores numbers: a scalar op's local derivative is
one float per child, cheap to keep. An array op's local derivative is a Jacobian, one
entry per (output element, input element) pair: (B·T·C)² numbers for a matmul or a
softmax, mostly zeros for indexing, far too big to build or store. So each node keeps a
`backward(g)` function instead, which computes the vector–Jacobian product g·J (what
the chain rule actually needs) on demand, from the arrays the forward pass kept.

Broadcasting: when an op stretched an operand (a (C,) bias added to (B, T, C), say), the
gradient flowing back has the stretched shape; `unbroadcast` sums it back down to the
operand's own shape, because every stretched copy contributed to the output.

Imports: engine.
"""
import numpy as np

from ..engine import topo_order


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`: undo NumPy's broadcasting of an operand."""
    while grad.ndim > len(shape):           # leading axes that broadcasting added
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):     # axes of size 1 that were stretched
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> loss = (x * x).sum()
    >>> loss.backward()
    >>> x.grad.tolist()
    [[2.0, 4.0], [6.0, 8.0]]
    """

    __array_priority__ = 100       # so `ndarray * Tensor` calls Tensor.__rmul__

    def __init__(self, data, children=(), backward=None, op="", dtype=None):
        self.data = np.asarray(data, dtype=dtype if dtype is not None else
                               getattr(data, "dtype", np.float64))
        if not np.issubdtype(self.data.dtype, np.floating):
            self.data = self.data.astype(np.float64)
        self.grad = None            # filled by backward(), same shape as data
        self._children = children
        self._backward = backward   # (out_grad) -> None: adds into children's .grad
        self._op = op

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    T = property(lambda self: self.transpose())

    def __repr__(self):
        return f"Tensor(shape={self.shape}, op={self._op!r})"

    def _lift(self, other):
        return other if isinstance(other, Tensor) else Tensor(np.asarray(other, self.dtype))

    def _add_grad(self, g):
        g = unbroadcast(g, self.shape)
        self.grad = g if self.grad is None else self.grad + g   # never in place: g may be shared

    # ---- elementwise arithmetic (broadcasting) -------------------------------------------
    def __add__(self, other):
        other = self._lift(other)

        def backward(g):
            self._add_grad(g)
            other._add_grad(g)
        return Tensor(self.data + other.data, (self, other), backward, "+")

    def __mul__(self, other):
        other = self._lift(other)

        def backward(g):
            self._add_grad(g * other.data)
            other._add_grad(g * self.data)
        return Tensor(self.data * other.data, (self, other), backward, "*")

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only constant exponents"

        def backward(g):
            self._add_grad(g * k * self.data ** (k - 1))
        return Tensor(self.data ** k, (self,), backward, f"**{k}")

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def exp(self):
        out = np.exp(self.data)
        return Tensor(out, (self,), lambda g: self._add_grad(g * out), "exp")

    def log(self):
        return Tensor(np.log(self.data), (self,), lambda g: self._add_grad(g / self.data), "log")

    def relu(self):
        on = self.data > 0
        return Tensor(self.data * on, (self,), lambda g: self._add_grad(g * on), "relu")

    # ---- matrix product --------------------------------------------------------------------
    def __matmul__(self, other):
        """(..., n, k) @ (..., k, m) -> (..., n, m); leading axes broadcast."""
        other = self._lift(other)
        a, b = self.data, other.data
        assert a.ndim >= 2 and b.ndim >= 2, "matmul needs at least 2-D operands"
        if b.ndim == 2:     # a shared weight: one big product over all rows (one BLAS call)
            out = (a.reshape(-1, a.shape[-1]) @ b).reshape(*a.shape[:-1], b.shape[-1])
        else:
            out = a @ b

        def backward(g):
            if b.ndim == 2:
                g2 = g.reshape(-1, g.shape[-1])
                self._add_grad((g2 @ b.T).reshape(*g.shape[:-1], b.shape[0]))
                other._add_grad(a.reshape(-1, a.shape[-1]).T @ g2)
            else:
                self._add_grad(g @ np.swapaxes(b, -1, -2))
                other._add_grad(np.swapaxes(a, -1, -2) @ g)
        return Tensor(out, (self, other), backward, "@")

    # ---- reductions --------------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        def backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            self._add_grad(np.broadcast_to(g, self.shape))
        return Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), backward, "sum")

    def mean(self, axis=None, keepdims=False):
        axes = range(self.ndim) if axis is None else np.atleast_1d(axis)
        n = np.prod([self.shape[a] for a in axes])
        return self.sum(axis, keepdims) * (1.0 / n)

    # ---- shape ---------------------------------------------------------------------------------
    def reshape(self, *shape):
        return Tensor(self.data.reshape(*shape), (self,),
                      lambda g: self._add_grad(g.reshape(self.shape)), "reshape")

    def transpose(self, *axes):
        """Reverse the axes, or permute them as `axes` says (like ndarray.transpose)."""
        axes = axes or tuple(reversed(range(self.ndim)))
        inverse = np.argsort(axes)
        return Tensor(self.data.transpose(axes), (self,),
                      lambda g: self._add_grad(g.transpose(inverse)), "transpose")

    def __getitem__(self, index):
        """Indexing and gathering: `wte[token_ids]` picks rows; repeated rows add grads."""
        if isinstance(index, Tensor):
            index = index.data
        def backward(g):
            full = np.zeros_like(self.data)
            np.add.at(full, index, g)           # a row picked twice gets both gradients
            self._add_grad(full)
        return Tensor(self.data[index], (self,), backward, "getitem")

    # ---- fused ops: numerically stable and one node each -------------------------------------
    def softmax(self, axis=-1, mask=None):
        """exp(x) / sum(exp(x)) along `axis`; where `mask` is False the output is exactly 0.

        mask: a boolean array that broadcasts against x (True = keep), e.g. a causal
        (T, T) lower triangle. Every row must keep at least one entry.
        """
        x = self.data if mask is None else np.where(mask, self.data, -np.inf)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)

        def backward(g):        # d softmax: out * (g - <g, out>)
            self._add_grad(out * (g - (g * out).sum(axis=axis, keepdims=True)))
        return Tensor(out, (self,), backward, "softmax")

    def cross_entropy(self, targets, weights=None):
        """sum over positions of weight · −log softmax(logits)[target]: a 0-d Tensor.

        self: logits (..., vocab); targets: ints of shape (...); weights: floats of shape
        (...) (default: 1/number of positions, i.e. the mean). Weight 0 = padding.
        """
        logits = self.data
        targets = np.asarray(targets)
        assert targets.shape == logits.shape[:-1], f"targets {targets.shape} vs {logits.shape}"
        if weights is None:
            weights = np.full(targets.shape, 1.0 / max(targets.size, 1))
        weights = np.asarray(weights, dtype=logits.dtype)
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
        loss = -(weights * picked).sum()

        def backward(g):        # d/dlogits = weight · (softmax − one_hot(target))
            grad = np.exp(log_probs)
            np.put_along_axis(grad, targets[..., None],
                              np.take_along_axis(grad, targets[..., None], axis=-1) - 1, axis=-1)
            self._add_grad(grad * (g * weights)[..., None])
        return Tensor(loss, (self,), backward, "cross_entropy")

    # ---- backpropagation -----------------------------------------------------------------------
    def topo_order(self):
        """The nodes below `self` that have children, each after its children (iterative)."""
        return topo_order(self)

    def backward(self):
        """Fill `.grad` of every tensor below `self` with d(self)/d(tensor); self is a scalar."""
        assert self.data.size == 1, "backward() starts from a single number (the loss)"
        self.grad = np.ones_like(self.data)
        for node in reversed(self.topo_order()):
            if node.grad is not None:
                node._backward(node.grad)
