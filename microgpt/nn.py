"""Neural-network building blocks on lists of `Value`: linear, softmax, rmsnorm, attention.

Owns: the functions a transformer is made of, each on plain Python lists of `Value`.
Every function takes `fused`: True (the default) builds the graph from the engine's fused
`dot`/`vsum` nodes, which is several times faster; False builds it from binary `+` and `*`
nodes exactly as the seed's `sum(...)` did. Both give the same numbers; the seed's
per-position backward (see `train`) gives different gradients on the two graphs, so the
legacy mode uses `fused=False` to reproduce the seed's transcript.

Imports: engine.
"""
from .engine import dot, vsum

RMSNORM_EPS = 1e-5


def _sum(values, fused):
    return vsum(values) if fused else sum(values)


def linear(x, w, fused=True):
    """w @ x for a matrix `w` (list of rows) and a vector `x`: len(w) outputs."""
    if fused:
        return [dot(row, x) for row in w]
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits, fused=True):
    """Probabilities from logits; the max is subtracted (as a constant) for stability."""
    max_val = max(v.data for v in logits)
    exps = [(v - max_val).exp() for v in logits]
    total = _sum(exps, fused)
    return [e / total for e in exps]


def rmsnorm(x, fused=True):
    """x / sqrt(mean(x²) + eps): no learned gain, as in the seed."""
    ms = (vsum([xi * xi for xi in x]) if fused else sum(xi * xi for xi in x)) / len(x)
    scale = (ms + RMSNORM_EPS) ** -0.5
    return [xi * scale for xi in x]


def attention_head(q_h, k_h, v_h, fused=True):
    """One head of attention for the newest position over the cached keys and values.

    q_h: [head_dim]; k_h, v_h: [t][head_dim] for the t positions so far (causal by
    construction: the cache holds only the past and the present).
    Returns (out [head_dim], weights [t]).
    """
    head_dim = len(q_h)
    scale = head_dim ** 0.5
    if fused:
        logits = [dot(q_h, k) / scale for k in k_h]
    else:
        logits = [sum(q_h[j] * k[j] for j in range(head_dim)) / scale for k in k_h]
    weights = softmax(logits, fused)
    if fused:
        out = [dot(weights, [v[j] for v in v_h]) for j in range(head_dim)]
    else:
        out = [sum(weights[t] * v_h[t][j] for t in range(len(v_h))) for j in range(head_dim)]
    return out, weights


def cross_entropy(logits, target, fused=True):
    """-log softmax(logits)[target]: the loss of one position, a `Value`."""
    if not 0 <= target < len(logits):
        raise ValueError(f"target token {target} is outside the vocabulary of {len(logits)}")
    return -softmax(logits, fused)[target].log()
