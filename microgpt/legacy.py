"""The seed's gradients, kept only to reproduce its demo: `python -m microgpt --legacy-backward`.

Owns: the seed's story, told once. The first revision of `microgpt.py` trains each document
by calling `backward()` once per position, on a graph built from chains of binary `+` and
`*` (Python's `sum`). `Value.backward()` adds into every node's `.grad` and never resets it.
The keys and values of earlier positions belong to every later position's graph, so each
call pushes their whole accumulated gradient down again. At the first step only `wte` and
`wpe` are hit (2.8× and 4.3× too large: `attn_wo` and `mlp_fc2` start at zero, so the
attention and MLP weights below them have no gradient yet); by step 20 `wte`, `wpe`,
`attn_wk` and `attn_wv` are hundreds to hundreds of thousands of times too large and point
the wrong way (cosines with the exact gradient of 0.1 to 0.6), while the query, `attn_wo`
and MLP weights stay exact. Adam moves every weight by about the learning rate whatever its
gradient's size, so it is the direction, not the size, that does the damage: the demo's
loss falls, but much less than it should (3.05 against 2.87 over steps 41–60).
The training chapter shows it with a gradient check.

The over-counting depends on which intermediate nodes exist, so reproducing the seed's
transcript bit for bit needs the seed's own graph: this module rebuilds the forward pass
with plain `sum` (the package's `nn` uses fused `dot`/`vsum` nodes, same numbers, fewer
nodes) and the per-position backward. Only `training.train(..., legacy_backward=True)` uses
it (the command line's `--legacy-backward`).

Imports: nn.
"""
from .nn import RMSNORM_EPS


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits):
    max_val = max(v.data for v in logits)
    exps = [(v - max_val).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + RMSNORM_EPS) ** -0.5
    return [xi * scale for xi in x]


def forward(model, token_id, pos_id, keys, values):
    """`GPT.forward` as the seed wrote it: the same logits, on the seed's graph."""
    cfg, sd = model.config, model.state_dict
    hd = cfg.head_dim
    x = [t + p for t, p in zip(sd["wte"][token_id], sd["wpe"][pos_id])]
    for li in range(cfg.n_layer):
        x_residual = x
        x = rmsnorm(x)
        q = linear(x, sd[f"layer{li}.attn_wq"])
        keys[li].append(linear(x, sd[f"layer{li}.attn_wk"]))
        values[li].append(linear(x, sd[f"layer{li}.attn_wv"]))
        x_attn = []
        for h in range(cfg.n_head):
            s = h * hd
            q_h = q[s:s + hd]
            k_h = [k[s:s + hd] for k in keys[li]]
            v_h = [v[s:s + hd] for v in values[li]]
            logits = [sum(q_h[j] * k_h[t][j] for j in range(hd)) / hd ** 0.5
                      for t in range(len(k_h))]
            w = softmax(logits)
            x_attn.extend(sum(w[t] * v_h[t][j] for t in range(len(v_h))) for j in range(hd))
        x = linear(x_attn, sd[f"layer{li}.attn_wo"])
        x = [a + b for a, b in zip(x, x_residual)]
        x_residual = x
        x = rmsnorm(x)
        x = linear(x, sd[f"layer{li}.mlp_fc1"])
        x = [xi.relu() ** 2 for xi in x]
        x = linear(x, sd[f"layer{li}.mlp_fc2"])
        x = [a + b for a, b in zip(x, x_residual)]
    return linear(x, sd["wte"])


def position_loss(model, tokens, pos, keys, values):
    """-log p(tokens[pos + 1]) on the seed's graph."""
    probs = softmax(forward(model, tokens[pos], pos, keys, values))
    return -probs[tokens[pos + 1]].log()


def loss(model, tokens):
    """The mean loss of one token list on the seed's graph (equal to `model.loss`)."""
    keys, values = model.empty_cache()
    losses = [position_loss(model, tokens, pos, keys, values) for pos in range(len(tokens) - 1)]
    return sum(losses) * (1.0 / len(losses))


def legacy_backward_step(model, tokens):
    """The seed's gradient: backward() once per position. Returns the mean loss (float)."""
    n = len(tokens) - 1
    keys, values = model.empty_cache()
    total = 0.0
    for pos in range(n):
        loss_t = position_loss(model, tokens, pos, keys, values) / n
        loss_t.backward()
        total += loss_t.data
    return total
