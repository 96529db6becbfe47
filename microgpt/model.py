"""The GPT: its configuration (`GPTConfig`) and its parameters and forward pass (`GPT`).

Owns: the parameter layout (`state_dict` names and shapes, initialisation order), the
forward pass of one position with a key/value cache, and the loss of one token list.
Architecture as in the seed: token + position embedding; per layer RMSNorm → causal
multi-head attention → residual, RMSNorm → MLP with squared ReLU → residual; the output
head is tied to `wte`; no biases, no final norm.

`GPTConfig` refuses shapes that cannot make a GPT, saying what to change. How big a model
this machine can train is not the model's business: the guards in `limits` ask that at the
edges (the command line, the training panel, the checkpoint loaders).

Imports: engine, nn, validate.
"""
from dataclasses import asdict, dataclass

from .engine import Value, vsum
from .nn import attention_head, cross_entropy, linear, rmsnorm
from .validate import whole_number


@dataclass(frozen=True)
class GPTConfig:
    """The shape of a GPT. Impossible settings raise `ValueError` saying what to change."""

    vocab_size: int
    n_embd: int = 16
    n_layer: int = 1
    n_head: int = 4
    block_size: int = 8

    def __post_init__(self):
        for name in ("vocab_size", "n_embd", "n_layer", "n_head", "block_size"):
            # stored as a plain int (a NumPy integer would not survive a JSON checkpoint)
            object.__setattr__(self, name, whole_number(name, getattr(self, name)))
        check_shape(self.n_embd, self.n_layer, self.n_head, self.block_size, self.vocab_size)

    @property
    def head_dim(self):
        return self.n_embd // self.n_head

    def to_dict(self):
        return asdict(self)


def check_shape(n_embd, n_layer, n_head, block_size, vocab_size=None):
    """Raise ValueError, saying what to change, if these sizes cannot make a GPT."""
    sizes = dict(vocab_size=vocab_size, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                 block_size=block_size)
    for name, value in sizes.items():
        if value is not None:
            whole_number(name, value)
    if vocab_size is not None and vocab_size < 3:
        raise ValueError(f"vocab_size must be at least 3 (<BOS>, <EOS> and one character), "
                         f"got {vocab_size}")
    if block_size < 2:
        raise ValueError(f"block_size must be at least 2 (one token in, one to predict), "
                         f"got {block_size}")
    if n_embd % n_head:
        raise ValueError(f"n_embd ({n_embd}) must be divisible by n_head ({n_head}); "
                         f"try n_head in {_divisors(n_embd)}")


def _divisors(n):
    small = [d for d in range(1, min(n, 1000) + 1) if n % d == 0]
    return small if n <= 1000 else small + ["..."]


def param_shapes(cfg):
    """(name, rows, cols, std) for every matrix, in state_dict (= initialisation) order."""
    e = cfg.n_embd
    shapes = [("wte", cfg.vocab_size, e, 0.02), ("wpe", cfg.block_size, e, 0.02)]
    for i in range(cfg.n_layer):
        shapes += [
            (f"layer{i}.attn_wq", e, e, 0.02),
            (f"layer{i}.attn_wk", e, e, 0.02),
            (f"layer{i}.attn_wv", e, e, 0.02),
            (f"layer{i}.attn_wo", e, e, 0.0),      # zero: each block starts as the identity
            (f"layer{i}.mlp_fc1", 4 * e, e, 0.02),
            (f"layer{i}.mlp_fc2", e, 4 * e, 0.0),
        ]
    return shapes


def _param_count(vocab_size, n_embd, n_layer, block_size):
    return (vocab_size + block_size) * n_embd + n_layer * 12 * n_embd * n_embd


def count_params(cfg):
    """The number of parameters: the sum of rows·cols over `param_shapes(cfg)`."""
    return _param_count(cfg.vocab_size, cfg.n_embd, cfg.n_layer, cfg.block_size)


def init_weights(config, rng):
    """Fresh weights {name: rows of floats}: one rng.gauss(0, std) per entry, row by row,
    in state_dict order — also where std is 0, so the random stream (and the seed's
    transcript) does not depend on the init. The tensor GPT draws through this too."""
    return {name: [[rng.gauss(0, std) for _ in range(cols)] for _ in range(rows)]
            for name, rows, cols, std in param_shapes(config)}


def new_weights(config, rng, weights):
    """The weights a model is built from: drawn from `rng`, or `weights` as given."""
    if not isinstance(config, GPTConfig):
        raise ValueError("a GPT needs a GPTConfig, e.g. GPT(GPTConfig(vocab_size=28), rng)")
    if (rng is None) == (weights is None):
        raise ValueError("give a GPT exactly one of rng (a random.Random, for fresh weights) "
                         "or weights ({name: rows of floats})")
    if weights is None and not callable(getattr(rng, "gauss", None)):
        raise ValueError(f"rng must be a random.Random, e.g. GPT(config, random.Random(42)), "
                         f"got {rng!r}")
    return init_weights(config, rng) if weights is None else weights


class GPT:
    """A GPT on scalar `Value`s: fresh from `GPT(config, rng)`, or `GPT.from_weights`.

    >>> import random
    >>> model = GPT(GPTConfig(vocab_size=28), random.Random(42))
    >>> model.num_params
    3648
    """

    def __init__(self, config, rng=None, weights=None):
        weights = new_weights(config, rng, weights)
        self.config = config
        self.state_dict = {}
        for name, rows, cols, _ in param_shapes(config):
            matrix = weights.get(name)
            if (not isinstance(matrix, list) or len(matrix) != rows
                    or any(not isinstance(r, list) or len(r) != cols for r in matrix)):
                raise ValueError(f"weights for {name!r} must be {rows} rows of {cols} numbers")
            self.state_dict[name] = [[Value(float(x)) for x in row] for row in matrix]

    @classmethod
    def from_weights(cls, config, weights):
        """A GPT whose state_dict holds the given floats ({name: rows of floats})."""
        return cls(config, weights=weights)

    def parameters(self):
        return [p for matrix in self.state_dict.values() for row in matrix for p in row]

    @property
    def num_params(self):
        return count_params(self.config)

    def weights(self):
        """The parameters as plain floats: {name: rows of floats}."""
        return {n: [[p.data for p in row] for row in m] for n, m in self.state_dict.items()}

    def empty_cache(self):
        """A fresh key/value cache: per layer, a list of keys and a list of values."""
        return [[] for _ in range(self.config.n_layer)], [[] for _ in range(self.config.n_layer)]

    def forward(self, token_id, pos_id, keys, values, attn_record=None):
        """Logits [vocab_size] for the next token after `token_id` at position `pos_id`.

        keys, values: the cache from `empty_cache()`; this call appends this position's
        key and value to each layer's list. attn_record: if a list, gets one entry per
        layer, each a list of n_head attention-weight lists (floats).
        """
        cfg, sd = self.config, self.state_dict
        if not 0 <= token_id < cfg.vocab_size:
            raise ValueError(f"token {token_id} is outside the vocabulary "
                             f"(0..{cfg.vocab_size - 1})")
        if not 0 <= pos_id < cfg.block_size:
            raise ValueError(f"position {pos_id} is beyond block_size {cfg.block_size}")
        x = [t + p for t, p in zip(sd["wte"][token_id], sd["wpe"][pos_id])]   # [n_embd]
        for layer in range(cfg.n_layer):
            a = self.attention(rmsnorm(x), layer, keys[layer], values[layer], attn_record)
            x = [ai + xi for ai, xi in zip(a, x)]                              # residual
            m = self.mlp(rmsnorm(x), layer)
            x = [mi + xi for mi, xi in zip(m, x)]                              # residual
        return linear(x, sd["wte"])                    # tied head: [vocab_size] logits

    def attention(self, x, layer, keys, values, attn_record=None):
        """Causal multi-head self-attention of one (normalised) position: [n_embd] out.

        keys, values: this layer's cache, appended to here. Head h uses channels
        h*head_dim … (h+1)*head_dim − 1 of q, k and v: its own slice, no shared weights.
        """
        sd, hd = self.state_dict, self.config.head_dim
        q = linear(x, sd[f"layer{layer}.attn_wq"])                             # [n_embd]
        keys.append(linear(x, sd[f"layer{layer}.attn_wk"]))
        values.append(linear(x, sd[f"layer{layer}.attn_wv"]))
        out, head_weights = [], []
        for h in range(self.config.n_head):
            s = slice(h * hd, (h + 1) * hd)
            head_out, w = attention_head(q[s], [k[s] for k in keys], [v[s] for v in values])
            out.extend(head_out)
            head_weights.append([wi.data for wi in w])
        if attn_record is not None:
            attn_record.append(head_weights)
        return linear(out, sd[f"layer{layer}.attn_wo"])                       # [n_embd]

    def mlp(self, x, layer):
        """The feed-forward part of a block: [n_embd] → [4·n_embd], squared ReLU → [n_embd]."""
        h = linear(x, self.state_dict[f"layer{layer}.mlp_fc1"])               # [4*n_embd]
        h = [hi.relu() ** 2 for hi in h]
        return linear(h, self.state_dict[f"layer{layer}.mlp_fc2"])            # [n_embd]

    def position_losses(self, tokens):
        """The loss of each position of `tokens` (predicting tokens[i+1]): list of Value."""
        cfg = self.config
        if len(tokens) < 2:
            raise ValueError("a token list needs at least 2 tokens (an input and a target)")
        if len(tokens) > cfg.block_size:
            raise ValueError(f"{len(tokens)} tokens exceed block_size {cfg.block_size}; "
                             f"crop them to tokens[:{cfg.block_size}]")
        keys, values = self.empty_cache()
        return [cross_entropy(self.forward(tokens[i], i, keys, values), tokens[i + 1])
                for i in range(len(tokens) - 1)]

    def loss(self, tokens):
        """Mean cross-entropy over the positions of one token list: a `Value`."""
        losses = self.position_losses(tokens)
        return vsum(losses) * (1.0 / len(losses))
