"""Training: one step on one document, the loop over steps, and evaluation.

Owns: `train_step` (exact gradients — one backward over the document's mean loss — or,
with `legacy_backward`, the seed's one backward per position), `train` (step k trains on
docs[k % len(docs)] with the learning rate decayed linearly to 0, as in the seed) and
`evaluate` (mean loss over documents, no update).

Why legacy differs: `Value.backward()` adds into every node's `.grad` and never resets it.
Calling it once per position makes the keys and values of earlier positions — shared by
every later position's graph — push their whole accumulated gradient down again at every
call, so `wte`, `wpe`, `attn_wk` and `attn_wv` get gradients several times too large.

Imports: model, optim, tokenizer, nn.
"""
import math

from .nn import cross_entropy
from .optim import Adam


def check_lr(learning_rate):
    if (isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float))
            or not math.isfinite(learning_rate) or learning_rate <= 0):
        raise ValueError(f"learning_rate must be a positive finite number, got {learning_rate!r}")


def legacy_backward_step(model, tokens):
    """The seed's gradient: backward() once per position. Returns the mean loss (float)."""
    n = len(tokens) - 1
    keys, values = model.empty_cache()
    loss = 0.0
    for pos in range(n):
        logits = model.forward(tokens[pos], pos, keys, values, fused=False)
        loss_t = cross_entropy(logits, tokens[pos + 1], fused=False) / n
        loss_t.backward()
        loss += loss_t.data
    return loss


def train_step(model, optimizer, tokens, lr, legacy_backward=False):
    """Forward, backward and one Adam update on one token list; returns the loss (float)."""
    if legacy_backward:
        loss = legacy_backward_step(model, tokens)
    else:
        loss_value = model.loss(tokens)
        loss_value.backward()
        loss = loss_value.data
    optimizer.step(lr)          # also zeroes the gradients
    return loss


def train(model, docs, tokenizer, num_steps, learning_rate=0.01, *, legacy_backward=False,
          optimizer=None, callback=None):
    """Train `model` for `num_steps` steps and return the list of their losses.

    Step k (0-based, counted from the optimizer's own step count, so a second call goes on
    with the next documents) trains on one document cropped to block_size tokens, with the
    learning rate lr·(1 − k/num_steps). `optimizer`: an `Adam` to continue with (default:
    a new one). `callback(step, num_steps, loss)` runs after every step (step is 1-based).
    """
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"num_steps must be a whole number of at least 1, got {num_steps!r}")
    check_lr(learning_rate)
    if not docs:
        raise ValueError("train needs at least one document")
    optimizer = optimizer or Adam(model.parameters(), lr=learning_rate)
    offset = optimizer.t
    block_size = model.config.block_size
    losses = []
    for k in range(num_steps):
        tokens = tokenizer.encode_doc(docs[(offset + k) % len(docs)], block_size)
        lr = learning_rate * (1 - k / num_steps)
        losses.append(train_step(model, optimizer, tokens, lr, legacy_backward))
        if callback is not None:
            callback(k + 1, num_steps, losses[-1])
    return losses


def evaluate(model, docs, tokenizer):
    """Mean over `docs` of each document's mean loss (no gradients are used)."""
    if not docs:
        raise ValueError("evaluate needs at least one document")
    block_size = model.config.block_size
    total = sum(model.loss(tokenizer.encode_doc(d, block_size)).data for d in docs)
    return total / len(docs)
