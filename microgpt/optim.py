"""Adam and the learning-rate schedule, duck-typed on anything with `.data` and `.grad`.

Owns: the Adam update with bias correction, as in the seed (β1 0.9, β2 0.95, eps 1e-8),
its moment buffers, its step count and zeroing the gradients after each step;
`learning_rate_arg`, the check of an optimizer's learning rate that `TensorAdam` shares; and
`lr_at`, the one learning-rate schedule every training loop uses (the seed's linear decay
to 0, with an optional linear warm-up that the efficiency chapter introduces).

>>> [lr_at(k, 4, 0.01) for k in range(4)]
[0.01, 0.0075, 0.005, 0.0025]

Imports: validate.
"""
from .validate import positive_number


def lr_at(k, num_steps, learning_rate, warmup_steps=0):
    """The learning rate of step k (0-based) of a run of `num_steps`: lr·(1 − k/num_steps),
    times min(1, (k+1)/warmup_steps) during a warm-up if one is asked for."""
    warm = min(1.0, (k + 1) / warmup_steps) if warmup_steps else 1.0
    return learning_rate * warm * (1 - k / num_steps)


def learning_rate_arg(learning_rate, lr):
    """The learning rate given as `learning_rate=` (or `lr=`, the old spelling), checked."""
    if lr is not None:
        if learning_rate is not None:
            raise ValueError("give the learning rate once, as learning_rate= (lr= is its old "
                             "spelling)")
        learning_rate = lr
    return positive_number("learning_rate", 0.01 if learning_rate is None else learning_rate)


class Adam:
    """Adam over a list of parameters; `step(lr)` updates them and zeroes their grads.

    `learning_rate` (default 0.01; `lr=` is accepted as its old spelling) is the rate `step()`
    uses when it is not given one; the training loop gives each step its scheduled rate.
    """

    def __init__(self, params, learning_rate=None, betas=(0.9, 0.95), eps=1e-8, *, lr=None):
        self.params = list(params)
        self.learning_rate = learning_rate_arg(learning_rate, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0          # steps taken: the bias correction uses it

    def step(self, lr=None):
        lr = self.learning_rate if lr is None else lr
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

