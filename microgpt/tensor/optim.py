"""Adam on arrays: `TensorAdam`, the formula of `optim.Adam` applied to whole matrices.

Owns: `TensorAdam` only. The learning-rate schedule is shared with the scalar side:
`optim.lr_at`. Its learning rate is taken and checked as `optim.Adam` takes it
(`learning_rate=`, or `lr=`, the old spelling).

Imports: optim.
"""
import numpy as np

from ..optim import learning_rate_arg


class TensorAdam:
    """`optim.Adam` on arrays: same formula (β1 0.9, β2 0.95, eps 1e-8, bias correction)."""

    def __init__(self, params, learning_rate=None, betas=(0.9, 0.95), eps=1e-8, *, lr=None):
        self.params = list(params)
        self.learning_rate = learning_rate_arg(learning_rate, lr)
        (self.beta1, self.beta2), self.eps = betas, eps
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.t = 0

    def step(self, lr=None):
        """One update from the parameters' `.grad`, then clear the grads."""
        lr = self.learning_rate if lr is None else lr
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad if p.grad is not None else np.zeros_like(p.data)
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p.data -= lr * (m / c1) / ((v / c2) ** 0.5 + self.eps)
            p.grad = None
