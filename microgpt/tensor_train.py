"""Training the tensor GPT: Adam on arrays, the training loop, evaluation, sampling, `.npz`.

Owns: `TensorAdam` (the formula of `optim.Adam`, on arrays), `lr_at` and `train_tensor` /
`evaluate_tensor` (the loops of `train`, a batch of documents per step), `generate_tensor`
(the seed's sampler on the tensor model) and a compact checkpoint (`save_npz`/`load_npz`:
weights as float32 arrays plus a JSON header with config, vocabulary and notes).

Imports: tensor_gpt, model, tokenizer.
"""
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .model import GPTConfig
from .tensor_gpt import TensorGPT
from .tokenizer import CharTokenizer


class TensorAdam:
    """`optim.Adam` on arrays: same formula (β1 0.9, β2 0.95, eps 1e-8, bias correction)."""

    def __init__(self, params, lr=0.01, betas=(0.9, 0.95), eps=1e-8):
        self.params = list(params)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.t = 0

    def step(self, lr=None):
        """One update from the parameters' `.grad`, then clear the grads."""
        lr = self.lr if lr is None else lr
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


def lr_at(k, num_steps, learning_rate, warmup_steps=0):
    """lr·(1 − k/num_steps) as in `train.train`, times a linear warm-up if asked."""
    warm = min(1.0, (k + 1) / warmup_steps) if warmup_steps else 1.0
    return learning_rate * warm * (1 - k / num_steps)


def train_tensor(model, docs, tokenizer, num_steps, learning_rate=0.01, batch_size=1, *,
                 warmup_steps=0, optimizer=None, callback=None):
    """Train for `num_steps` steps; step k uses the next `batch_size` docs (cyclically).

    With batch_size 1 and no warm-up, step k trains on docs[k % len(docs)] with the same
    learning rate as `train.train`: the same run as the scalar engine. Returns the losses.
    """
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"num_steps must be a whole number of at least 1, got {num_steps!r}")
    if not docs:
        raise ValueError("train_tensor needs at least one document")
    optimizer = optimizer or TensorAdam(model.parameters(), lr=learning_rate)
    start = optimizer.t * batch_size
    block_size = model.config.block_size
    losses = []
    for k in range(num_steps):
        first = start + k * batch_size
        batch = [tokenizer.encode_doc(docs[(first + i) % len(docs)], block_size)
                 for i in range(batch_size)]
        loss = model.loss(batch)
        loss.backward()
        optimizer.step(lr_at(k, num_steps, learning_rate, warmup_steps))
        losses.append(float(loss.data))
        if callback is not None:
            callback(k + 1, num_steps, losses[-1])
    return losses


def evaluate_tensor(model, docs, tokenizer, chunk=128):
    """Mean over `docs` of each doc's mean loss (as `train.evaluate`), in chunks.

    Each chunk's graph keeps its activations alive until the next: 128 names of the
    4-layer model peak at ~160 MB, 1024 at ~1 GB, for the same speed.
    """
    if not docs:
        raise ValueError("evaluate_tensor needs at least one document")
    total = 0.0
    for i in range(0, len(docs), chunk):
        part = docs[i:i + chunk]
        batch = [tokenizer.encode_doc(d, model.config.block_size) for d in part]
        total += float(model.loss(batch).data) * len(part)
    return total / len(docs)


def generate_tensor(model, tokenizer, rng, temperature=1.0):
    """One sample, drawn as `sample.generate` draws it (rng.choices over the softmax)."""
    if not temperature > 0:
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    tokens = [tokenizer.bos]
    vocab = range(model.config.vocab_size)
    for _ in range(model.config.block_size):
        logits = model.forward(np.array([tokens])).data[0, -1].astype(np.float64) / temperature
        probs = np.exp(logits - logits.max())
        token = rng.choices(vocab, weights=(probs / probs.sum()).tolist())[0]
        if token == tokenizer.eos:
            break
        tokens.append(token)
    return tokenizer.decode(tokens[1:])


def save_npz(path, model, tokenizer, meta=None, dtype=np.float32):
    """Write weights (as `dtype`), config, vocabulary and JSON-able `meta`; atomically."""
    header = {"config": model.config.to_dict(), "vocab": tokenizer.itos, "meta": meta or {}}
    arrays = {n: p.data.astype(dtype) for n, p in model.params.items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, header=np.array(json.dumps(header)), **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_npz(path, dtype=np.float64):
    """(TensorGPT, CharTokenizer, meta) from a file written by `save_npz`."""
    try:
        with np.load(path, allow_pickle=False) as f:
            header = json.loads(str(f["header"]))
            arrays = {n: f[n] for n in f.files if n != "header"}
    except FileNotFoundError:
        raise ValueError(f"no checkpoint at {path}") from None
    cfg = GPTConfig(**header["config"])
    return TensorGPT(cfg, arrays, dtype), CharTokenizer.from_vocab(header["vocab"]), header["meta"]
