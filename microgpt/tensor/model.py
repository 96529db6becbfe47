"""The same GPT on tensors: whole sequences and batches of documents in a few array ops.

Owns: `TensorGPT` (the parameters of `model.GPT` — same names, shapes, initialisation
and architecture — as `Tensor`s in its `state_dict`, and a forward pass over a batch of
padded sequences),
`make_batch` (padding and loss weights) and `rmsnorm` on arrays (eps: `nn.RMSNORM_EPS`).
Built the way `GPT` is: `TensorGPT(config, rng)` draws fresh weights with
`model.new_weights` (the very numbers `GPT(config, rng)` draws, and the same checks),
`from_weights` takes {name: rows} as `GPT.from_weights` does, and `from_gpt` copies a scalar model.

The loss of a batch is the mean over its documents of each document's mean loss over
positions, so a batch of one document equals `GPT.loss(tokens)` of the scalar engine.
Padded positions get loss weight 0; causal attention means no real position ever looks at
a padded one (padding only comes after the real tokens). Token ids are checked as the
scalar `GPT.forward` checks them: whole numbers inside the vocabulary (NumPy would read
-1 as the last row, and 2.7 as 2).

Imports: tensor.engine, model, nn.
"""
import numpy as np

from ..model import new_weights, param_shapes
from ..nn import RMSNORM_EPS
from .engine import Tensor


def rmsnorm(x):
    """x / sqrt(mean(x²) + eps) over the last axis; no learned gain."""
    return x * ((x * x).mean(axis=-1, keepdims=True) + RMSNORM_EPS) ** -0.5


def make_batch(token_lists, block_size):
    """(inputs, targets, weights) arrays of shape (B, T) for a list of token lists.

    T is the longest list's length − 1; shorter lists are padded with token 0 and their
    padded positions weigh 0. weights[b, t] = 1 / (positions of doc b) / B, so that the
    weighted sum of position losses is the mean over docs of each doc's mean loss.
    """
    if not token_lists:
        raise ValueError("a batch needs at least one token list")
    for tokens in token_lists:
        if len(tokens) < 2:
            raise ValueError("a token list needs at least 2 tokens (an input and a target)")
        if len(tokens) > block_size:
            raise ValueError(f"{len(tokens)} tokens exceed block_size {block_size}; "
                             f"crop them to tokens[:{block_size}]")
    for tokens in token_lists:
        for t in tokens:
            if isinstance(t, bool) or not isinstance(t, (int, np.integer)):
                raise ValueError(f"token ids must be whole numbers, got {t!r}")
    B, T = len(token_lists), max(len(t) for t in token_lists) - 1
    inputs = np.zeros((B, T), dtype=np.int64)
    targets = np.zeros((B, T), dtype=np.int64)
    weights = np.zeros((B, T))
    for b, tokens in enumerate(token_lists):
        n = len(tokens) - 1
        inputs[b, :n] = tokens[:-1]
        targets[b, :n] = tokens[1:]
        weights[b, :n] = 1.0 / (n * B)
    return inputs, targets, weights


class TensorGPT:
    """`model.GPT`, one array per parameter matrix; `dtype` float64 (exact) or float32 (fast).

    TensorGPT(config, rng) draws fresh weights exactly as GPT(config, rng) does;
    TensorGPT(config, weights=w) (or `from_weights`) uses {name: rows or arrays}.
    """

    def __init__(self, config, rng=None, weights=None, dtype=np.float64):
        weights = new_weights(config, rng, weights)        # checked as GPT checks them
        self.config, self.dtype = config, np.dtype(dtype)
        self.state_dict = {}
        for name, rows, cols, _ in param_shapes(config):
            data = np.asarray(weights[name], dtype=self.dtype)
            if data.shape != (rows, cols):
                raise ValueError(f"weights for {name!r} must have shape {(rows, cols)}, "
                                 f"got {data.shape}")
            self.state_dict[name] = Tensor(data)

    @classmethod
    def from_weights(cls, config, weights, dtype=np.float64):
        """A TensorGPT holding `weights` ({name: rows of floats, or arrays})."""
        return cls(config, weights=weights, dtype=dtype)

    @classmethod
    def from_gpt(cls, model, dtype=np.float64):
        """A TensorGPT holding the weights of a scalar `GPT`."""
        return cls.from_weights(model.config, model.weights(), dtype)

    def weights(self):
        """{name: rows of Python floats}, the format of `GPT.weights()`/`GPT.from_weights`."""
        return {n: p.data.astype(np.float64).tolist() for n, p in self.state_dict.items()}

    @property
    def params(self):
        """The old name of `state_dict` (chapter 08 reads it), kept read-only."""
        return self.state_dict

    def parameters(self):
        return list(self.state_dict.values())

    @property
    def num_params(self):
        return sum(p.data.size for p in self.state_dict.values())

    def check_tokens(self, ids):
        """ValueError, as the scalar GPT says it, unless `ids` are ints in the vocabulary."""
        ids = np.asarray(ids)
        if ids.size and ids.dtype.kind not in "iu":
            raise ValueError(f"token ids must be whole numbers, got an array of {ids.dtype}")
        if ids.size and not (0 <= ids.min() and ids.max() < self.config.vocab_size):
            bad = ids.min() if ids.min() < 0 else ids.max()
            raise ValueError(f"token {bad} is outside the vocabulary "
                             f"(0..{self.config.vocab_size - 1})")
        return ids

    def attention_mask(self, T):
        """(T, T) booleans, True where query t may look at key s: the causal s <= t.
        A subclass may narrow it (chapter 06 keeps only the last few keys)."""
        return np.tri(T, dtype=bool)

    def forward(self, inputs):
        """Logits (B, T, vocab_size) for token ids `inputs` (B, T), every position at once."""
        cfg, p = self.config, self.state_dict
        inputs = self.check_tokens(inputs)
        if inputs.ndim != 2:
            raise ValueError(f"inputs must be token ids of shape (B, T), got shape "
                             f"{inputs.shape}")
        B, T = inputs.shape
        C, H, D = cfg.n_embd, cfg.n_head, cfg.head_dim
        if T > cfg.block_size:
            raise ValueError(f"{T} positions exceed block_size {cfg.block_size}")
        causal = self.attention_mask(T)                    # (T, T): query t sees keys <= t
        x = p["wte"][inputs] + p["wpe"][:T]                 # (B, T, C)
        for li in range(cfg.n_layer):
            w = {k: p[f"layer{li}.{k}"] for k in ("attn_wq", "attn_wk", "attn_wv", "attn_wo",
                                                  "mlp_fc1", "mlp_fc2")}
            x_residual = x
            x = rmsnorm(x)
            # (B, T, C) -> (B, T, H, D) -> (B, H, T, D): one slice of channels per head
            q = (x @ w["attn_wq"].T).reshape(B, T, H, D).transpose(0, 2, 1, 3)
            k = (x @ w["attn_wk"].T).reshape(B, T, H, D).transpose(0, 2, 1, 3)
            v = (x @ w["attn_wv"].T).reshape(B, T, H, D).transpose(0, 2, 1, 3)
            att = (q @ k.transpose(0, 1, 3, 2)) * (1.0 / D ** 0.5)    # (B, H, T, T)
            att = att.softmax(axis=-1, mask=causal)
            y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)      # heads side by side
            x = y @ w["attn_wo"].T + x_residual
            x_residual = x
            x = rmsnorm(x)
            x = (x @ w["mlp_fc1"].T).relu() ** 2                       # (B, T, 4C)
            x = x @ w["mlp_fc2"].T + x_residual                       # (B, T, C)
        return x @ p["wte"].T                                         # tied head: (B, T, V)

    def loss(self, token_lists):
        """Mean over the token lists of each one's mean cross-entropy: a 0-d Tensor."""
        inputs, targets, weights = make_batch(token_lists, self.config.block_size)
        self.check_tokens(targets)
        return self.forward(inputs).cross_entropy(targets, weights.astype(self.dtype))
