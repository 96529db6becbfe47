"""The GPT: its configuration (`GPTConfig`) and its parameters and forward pass (`GPT`).

Owns: the parameter layout (`state_dict` names and shapes, initialisation order), the
forward pass of one position with a key/value cache, and the loss of one token list.
Architecture as in the seed: token + position embedding; per layer RMSNorm → causal
multi-head attention → residual, RMSNorm → MLP with squared ReLU → residual; the output
head is tied to `wte`; no biases, no final norm.

Imports: engine, nn.
"""
from dataclasses import asdict, dataclass

from .engine import Value, vsum
from .nn import attention_head, cross_entropy, linear, rmsnorm


@dataclass(frozen=True)
class GPTConfig:
    """The shape of a GPT. Impossible settings raise `ValueError` saying what to change."""

    vocab_size: int
    n_embd: int = 16
    n_layer: int = 1
    n_head: int = 4
    block_size: int = 8

    def __post_init__(self):
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
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
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
    return [d for d in range(1, n + 1) if n % d == 0]


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


def count_params(cfg):
    return sum(rows * cols for _, rows, cols, _ in param_shapes(cfg))


class GPT:
    """A GPT on scalar `Value`s.

    >>> import random
    >>> model = GPT(GPTConfig(vocab_size=28), random.Random(42))
    >>> model.num_params
    3648
    """

    def __init__(self, config, rng):
        if not isinstance(config, GPTConfig):
            raise ValueError("GPT needs a GPTConfig, e.g. GPT(GPTConfig(vocab_size=28), rng)")
        self.config = config
        # one gauss draw per entry, row by row, in state_dict order — also where std is 0,
        # so the random stream (and the seed's transcript) does not depend on the init
        self.state_dict = {
            name: [[Value(rng.gauss(0, std)) for _ in range(cols)] for _ in range(rows)]
            for name, rows, cols, std in param_shapes(config)
        }

    @classmethod
    def from_weights(cls, config, weights):
        """A GPT whose state_dict holds the given floats ({name: rows of floats})."""
        model = cls.__new__(cls)
        model.config = config
        model.state_dict = {}
        for name, rows, cols, _ in param_shapes(config):
            matrix = weights.get(name)
            if (not isinstance(matrix, list) or len(matrix) != rows
                    or any(not isinstance(r, list) or len(r) != cols for r in matrix)):
                raise ValueError(f"weights for {name!r} must be {rows} rows of {cols} numbers")
            model.state_dict[name] = [[Value(float(x)) for x in row] for row in matrix]
        return model

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

    def forward(self, token_id, pos_id, keys, values, fused=True, attn_record=None):
        """Logits [vocab_size] for the next token after `token_id` at position `pos_id`.

        keys, values: the cache from `empty_cache()`; this call appends this position's
        key and value to each layer's list. attn_record: if a list, gets one entry per
        layer, each a list of n_head attention-weight lists (floats).
        """
        cfg, sd = self.config, self.state_dict
        if not 0 <= token_id < cfg.vocab_size:
            raise ValueError(f"token {token_id} is outside the vocabulary (0..{cfg.vocab_size - 1})")
        if not 0 <= pos_id < cfg.block_size:
            raise ValueError(f"position {pos_id} is beyond block_size {cfg.block_size}")
        x = [t + p for t, p in zip(sd["wte"][token_id], sd["wpe"][pos_id])]   # [n_embd]
        hd = cfg.head_dim
        for li in range(cfg.n_layer):
            x_residual = x
            x = rmsnorm(x, fused)
            q = linear(x, sd[f"layer{li}.attn_wq"], fused)                      # [n_embd]
            keys[li].append(linear(x, sd[f"layer{li}.attn_wk"], fused))
            values[li].append(linear(x, sd[f"layer{li}.attn_wv"], fused))
            x_attn, layer_weights = [], []
            for h in range(cfg.n_head):
                s = slice(h * hd, (h + 1) * hd)
                out, w = attention_head(q[s], [k[s] for k in keys[li]],
                                        [v[s] for v in values[li]], fused)
                x_attn.extend(out)
                layer_weights.append([wi.data for wi in w])
            if attn_record is not None:
                attn_record.append(layer_weights)
            x = linear(x_attn, sd[f"layer{li}.attn_wo"], fused)
            x = [a + b for a, b in zip(x, x_residual)]
            x_residual = x
            x = rmsnorm(x, fused)
            x = linear(x, sd[f"layer{li}.mlp_fc1"], fused)                     # [4*n_embd]
            x = [xi.relu() ** 2 for xi in x]
            x = linear(x, sd[f"layer{li}.mlp_fc2"], fused)                     # [n_embd]
            x = [a + b for a, b in zip(x, x_residual)]
        return linear(x, sd["wte"], fused)          # tied output head: [vocab_size]

    def position_losses(self, tokens, fused=True):
        """The loss of each position of `tokens` (predicting tokens[i+1]): list of Value."""
        cfg = self.config
        if len(tokens) < 2:
            raise ValueError("a token list needs at least 2 tokens (an input and a target)")
        if len(tokens) > cfg.block_size:
            raise ValueError(f"{len(tokens)} tokens exceed block_size {cfg.block_size}; "
                             f"crop them to tokens[:{cfg.block_size}]")
        keys, values = self.empty_cache()
        return [cross_entropy(self.forward(tokens[i], i, keys, values, fused), tokens[i + 1], fused)
                for i in range(len(tokens) - 1)]

    def loss(self, tokens, fused=True):
        """Mean cross-entropy over the positions of one token list: a `Value`."""
        losses = self.position_losses(tokens, fused)
        total = vsum(losses) if fused else sum(losses)
        return total * (1.0 / len(losses))
