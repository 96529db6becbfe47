"""Architecture pictures drawn from a model's own `GPTConfig`: what the code computes, as boxes.

Owns: `gpt_diagram` (the whole GPT, with the size of what flows on each arrow),
`head_diagram` (one attention head's data flow, in the code's names) and `residual_diagram`
(the residual stream: what each sub-block reads and adds back). Each returns a
`course.boxes.DiagramSVG`, drawn by Graphviz's `dot` when it works, else in pure Python;
like the computation graphs of `course.graph` it shows in an untrusted notebook on first
open and is never wider than `max_width` pixels (default 800).

Imports: model, course.boxes.
"""
from ..model import GPTConfig
from .boxes import MAX_WIDTH, Diagram


def _config(config):
    if not isinstance(config, GPTConfig):
        raise ValueError(f"a diagram needs a GPTConfig, e.g. GPTConfig(vocab_size=28), "
                         f"got {type(config).__name__}")
    return config


def _shown(n, most):
    """Which of n repeated parts to draw: all of them, or the first and last with '…' between."""
    return list(range(n)) if n <= most else [0, None, n - 1]


def gpt_diagram(config, *, engine="auto", max_width=MAX_WIDTH, max_layers=3, max_heads=4):
    """The whole GPT for `config`: embeddings, each layer's two sub-blocks, the tied head."""
    c = _config(config)
    V, E, H, hd = c.vocab_size, c.n_embd, c.n_head, c.head_dim
    d = Diagram("GPT", [f"GPT: vocab_size {V}, n_embd {E}, n_head {H} (head_dim {hd}), "
                        f"n_layer {c.n_layer}, block_size {c.block_size}",
                        "arrows: [size] of the vector that flows, for one position"])
    d.node("tok", "token id", kind="data")
    d.node("pos", f"position 0…{c.block_size - 1}", kind="data")
    d.node("wte", "wte", f"{V}×{E}", kind="weight")
    d.node("wpe", "wpe", f"{c.block_size}×{E}", kind="weight")
    d.edge("tok", "wte", "row")
    d.edge("pos", "wpe", "row")
    x = d.node("x", "+", kind="add")
    d.edge("wte", x, f"[{E}]")
    d.edge("wpe", x, f"[{E}]")
    for i in _shown(c.n_layer, max_layers):
        if i is None:
            d.edge(x, d.node("more", f"layers 1…{c.n_layer - 2}: the same block", kind="data"),
                   f"[{E}]")
            x = "more"
            continue
        p = f"layer{i}."
        d.node(p + "n1", "rmsnorm")
        d.edge(x, p + "n1", f"[{E}]")
        d.node(p + "qkv", "attn_wq, attn_wk, attn_wv", f"3 × {E}×{E}", kind="weight")
        d.edge(p + "n1", p + "qkv", f"[{E}]")
        d.node(p + "wo", "concat heads, attn_wo", f"{E}×{E}", kind="weight")
        for h in _shown(H, max_heads):
            head = d.node(p + f"h{h}", *(["…"] if h is None else
                                         [f"head {h}", f"softmax(q·kᵀ/√{hd})·v"]))
            d.edge(p + "qkv", head, f"q,k,v [{hd}]" if h == 0 else "")
            d.edge(head, p + "wo", f"[{hd}]")
        d.node(p + "a1", "+", kind="add")
        d.edge(p + "wo", p + "a1", f"[{E}]")
        d.edge(x, p + "a1", f"[{E}] residual")
        d.node(p + "n2", "rmsnorm")
        d.edge(p + "a1", p + "n2", f"[{E}]")
        d.node(p + "fc1", "mlp_fc1", f"{4 * E}×{E}", kind="weight")
        d.edge(p + "n2", p + "fc1", f"[{E}]")
        d.node(p + "act", "relu²")
        d.edge(p + "fc1", p + "act", f"[{4 * E}]")
        d.node(p + "fc2", "mlp_fc2", f"{E}×{4 * E}", kind="weight")
        d.edge(p + "act", p + "fc2", f"[{4 * E}]")
        d.node(p + "a2", "+", kind="add")
        d.edge(p + "fc2", p + "a2", f"[{E}]")
        d.edge(p + "a1", p + "a2", f"[{E}] residual")
        d.groups.append((f"layer{i}", [k for k in d.nodes if k.startswith(p)]))
        x = p + "a2"
    d.node("logits", "logits = wte · x", "(tied head, no final norm)", kind="weight")
    d.edge(x, "logits", f"[{E}]")
    d.edge("wte", "logits", "the same wte", side="left", tied=True)
    d.node("probs", "softmax: p(next token)", kind="data")
    d.edge("logits", "probs", f"[{V}]")
    return d.draw(engine, max_width)


def head_diagram(config, head=0, *, engine="auto", max_width=MAX_WIDTH):
    """One attention head (`nn.attention_head`) at position t, with its slices of the weights."""
    c = _config(config)
    E, H, hd = c.n_embd, c.n_head, c.head_dim
    if not (isinstance(head, int) and 0 <= head < H):
        raise ValueError(f"head must be one of 0…{H - 1} (n_head is {H}), got {head!r}")
    s = f"[{head * hd}:{(head + 1) * hd}]"
    d = Diagram("attention head", [f"head {head} of {H} at position t: n_embd {E}, "
                                   f"head_dim {hd}", "arrows: [size] of what flows"])
    d.node("x", "x = rmsnorm(x)", kind="data", col=1)
    for col, w in enumerate("qkv"):
        d.node("w" + w, f"attn_w{w} rows {s}", f"{hd}×{E}", kind="weight", col=col)
        d.edge("x", "w" + w, f"[{E}]")
    d.node("keys", "keys: k_h of positions 0…t", "(the cache)", kind="data", col=1)
    d.node("values", "values: v_h of positions 0…t", "(the cache)", kind="data", col=2)
    d.edge("wk", "keys", f"k_h [{hd}]")
    d.edge("wv", "values", f"v_h [{hd}]")
    d.node("scores", "logits_j = q_h · k_j", "for j = 0…t")
    d.edge("wq", "scores", f"q_h [{hd}]")
    d.edge("keys", "scores", f"[t+1 × {hd}]")
    d.node("scale", f"÷ √head_dim = ÷ {hd ** 0.5:.2f}")
    d.edge("scores", "scale", "[t+1]")
    d.node("mask", "causal: only j ≤ t", "(no future key is in the cache)")
    d.edge("scale", "mask", "[t+1]")
    d.node("softmax", "weights = softmax(logits)")
    d.edge("mask", "softmax", "[t+1]")
    d.node("sum", "out = Σ_j weights_j · v_j", col=2)
    d.edge("softmax", "sum", "weights [t+1]")
    d.edge("values", "sum", f"[t+1 × {hd}]")
    d.node("concat", f"concat with the other {H - 1} heads", col=1)
    d.edge("sum", "concat", f"[{hd}]")
    d.node("wo", "attn_wo", f"{E}×{E}", kind="weight", col=1)
    d.edge("concat", "wo", f"[{E}]")
    d.node("out", "to the residual +", kind="data", col=1)
    d.edge("wo", "out", f"[{E}]")
    return d.draw(engine, max_width)


def residual_diagram(config, *, engine="auto", max_width=MAX_WIDTH, max_layers=3):
    """The residual stream: each sub-block reads x through rmsnorm and adds its output to x."""
    c = _config(config)
    E = c.n_embd
    d = Diagram("residual stream", [f"the residual stream: n_layer {c.n_layer}, n_embd {E}",
                                    "each sub-block reads x (through rmsnorm) and adds back"])
    x = d.node("x0", "x = wte[token] + wpe[pos]", kind="stream")
    for i in _shown(c.n_layer, max_layers):
        if i is None:
            d.edge(x, d.node("more", f"layers 1…{c.n_layer - 2}: the same", kind="data"),
                   f"x [{E}]")
            x = "more"
            continue
        for part, name in (("attn", "attention"), ("mlp", "mlp")):
            key = f"layer{i}.{part}"
            d.node(key + ".read", "rmsnorm", col=1)
            d.node(key, f"{name} (layer{i})", kind="weight", col=1)
            d.node(key + ".add", f"x = x + {part}(rmsnorm(x))", kind="stream")
            d.edge(x, key + ".read", "reads x")
            d.edge(key + ".read", key, f"[{E}]")
            d.edge(key, key + ".add", f"adds [{E}]")
            d.edge(x, key + ".add", f"x [{E}]")
            x = key + ".add"
    d.node("logits", "logits = wte · x", "(no final norm)", kind="weight")
    d.edge(x, "logits", f"x [{E}]")
    return d.draw(engine, max_width)
