"""Adam, duck-typed on anything with `.data` and `.grad` (scalar `Value`s here).

Owns: the Adam update with bias correction, as in the seed (β1 0.9, β2 0.95, eps 1e-8),
its moment buffers, its step count, and zeroing the gradients after each step.

Imports: nothing of ours.
"""
import math


class Adam:
    """Adam over a list of parameters; `step(lr)` updates them and zeroes their grads."""

    def __init__(self, params, lr=0.01, betas=(0.9, 0.95), eps=1e-8):
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive finite number, got {lr!r}")
        self.params = list(params)
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0          # steps taken: the bias correction uses it

    def step(self, lr=None):
        lr = self.lr if lr is None else lr
        self.t += 1
        b1, b2, eps = self.beta1, self.beta2, self.eps
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g ** 2
            m_hat = m[i] / c1
            v_hat = v[i] / c2
            p.data -= lr * m_hat / (v_hat ** 0.5 + eps)
            p.grad = 0.0
