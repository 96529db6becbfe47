"""Neural-network building blocks on lists of `Value`: linear, softmax, rmsnorm, attention.

Owns: the functions a transformer is made of, each on plain Python lists of `Value`, and
`RMSNORM_EPS`. Sums are the engine's fused `dot`/`vsum` nodes: one node per dot product
instead of a chain of `+` and `*`, with the same numbers and gradients (and several times
faster). The seed built the chain; `legacy` keeps that version for its transcript.

>>> from microgpt.engine import Value
>>> [round(p.data, 4) for p in softmax([Value(1.0), Value(2.0), Value(3.0)])]
[0.09, 0.2447, 0.6652]

Imports: engine.
"""
from .engine import dot, vsum

RMSNORM_EPS = 1e-5


def linear(x, w):
    """w @ x for a matrix `w` (list of rows) and a vector `x`: len(w) outputs."""
    return [dot(row, x) for row in w]


def softmax(logits):
    """Probabilities from logits; the max is subtracted (as a constant) for stability."""
    max_val = max(v.data for v in logits)
    exps = [(v - max_val).exp() for v in logits]
    total = vsum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    """x / sqrt(mean(x²) + eps): no learned gain, as in the seed."""
    ms = vsum([xi * xi for xi in x]) / len(x)
    scale = (ms + RMSNORM_EPS) ** -0.5
    return [xi * scale for xi in x]


def attention_head(q_h, k_h, v_h):
    """One head of attention for the newest position over the cached keys and values.

    q_h: [head_dim]; k_h, v_h: [t][head_dim] for the t positions so far (causal by
    construction: the cache holds only the past and the present).
    Returns (out [head_dim], weights [t]).
    """
    head_dim = len(q_h)
    scale = head_dim ** 0.5
    logits = [dot(q_h, k) / scale for k in k_h]                 # [t]
    weights = softmax(logits)                                   # [t]
    out = [dot(weights, [v[j] for v in v_h]) for j in range(head_dim)]
    return out, weights


def cross_entropy(logits, target):
    """-log softmax(logits)[target]: the loss of one position, a `Value`."""
    if not 0 <= target < len(logits):
        raise ValueError(f"target token {target} is outside the vocabulary of {len(logits)}")
    return -softmax(logits)[target].log()
