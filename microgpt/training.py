"""Training: one step, the one loop over steps with its divergence rule, and evaluation.

Owns: `train_step` (forward, one backward over the document's mean loss, an Adam update),
`run_steps` (the loop every trainer shares — the scalar `train`, the command line, the
training panel's session and the tensor engine: step k trains on the next documents in
order, cycling, with the learning rate of `optim.lr_at`), `train` and `evaluate` (mean loss
over documents, no update). The baseline they are measured against, `bigram_baseline`, is
chapter 02's and lives in `tokenizer`. `train(..., legacy_backward=True)` swaps in the seed's
step from `legacy`.

The divergence rule, one for every trainer: `run_steps` raises `TrainingDiverged`, saying at
which step and what to change, at the first step whose loss is not a finite number below
`DIVERGED_FACTOR` times that of a model that knows nothing (log of the vocabulary size), whose
numbers leave the floats (the engine's `DomainError`, an overflow), or after which a weight
is not a finite number of size at most `MAX_WEIGHT`.

Imports: engine, legacy, optim, validate.
"""
import math

from .engine import DomainError, NonPositiveLog, collector_paused
from .legacy import legacy_backward_step
from .optim import Adam, lr_at
from .validate import positive_number, whole_number

DIVERGED_FACTOR = 100   # a loss 100 times a know-nothing model's (log vocab_size) has diverged
# Weights start at 0.02 and Adam moves each by about the learning rate per step: one of
# 10⁶ comes only from steps far too large, long before the forward pass overflows (the
# logits grow like about the fourth power of the weights), so the model can still be sampled
# and saved, and the message names the step that did it.
MAX_WEIGHT = 1e6


class TrainingDiverged(ValueError):
    """Training blew up (a loss or a weight that is not a sane finite number): the message
    says at which step and what to change. The step that raised it has already changed the
    weights, so they are unusable."""


def _diverged(k, num_steps, learning_rate, what):
    return TrainingDiverged(f"training diverged at step {k + 1} of {num_steps}: {what}; lower "
                            f"the learning rate (it was {learning_rate:g}; try "
                            f"{learning_rate / 10:g})")


def _weights_bounded(params):
    """True if every weight is a finite number of size ≤ MAX_WEIGHT (Values or Tensors)."""
    if params and hasattr(params[0].data, "shape"):         # the tensor engine: arrays
        return all(bool((abs(p.data) <= MAX_WEIGHT).all()) for p in params)
    return all(-MAX_WEIGHT <= p.data <= MAX_WEIGHT for p in params)     # False for nan


def _weight_trouble(params):
    """What is wrong with the weights, for the message (only asked once they are wrong)."""
    sizes = [float(abs(p.data).max()) if hasattr(p.data, "shape") else abs(p.data)
             for p in params]
    if any(math.isnan(x) for x in sizes):
        return "a weight became nan"
    return f"a weight reached {max(sizes):.3g} (more than {MAX_WEIGHT:g})"


def train_step(model, optimizer, tokens, lr):
    """Forward, backward and one Adam update on one token list; returns the loss (float)."""
    loss = model.loss(tokens)
    loss.backward()
    optimizer.step(lr)          # also zeroes the gradients
    return loss.data


def run_steps(model, optimizer, docs, tokenizer, num_steps, learning_rate, step, *,
              batch_size=1, warmup_steps=0, callback=None, should_stop=None):
    """The training loop: `num_steps` calls of `step(batch, lr) -> loss`; returns the losses.

    Step k (0-based) gets the next `batch_size` documents after the `optimizer.t * batch_size`
    already seen (so a second call goes on where the first stopped), each as token ids
    cropped to block_size, and the learning rate `lr_at(k, num_steps, learning_rate,
    warmup_steps)`. `callback(k + 1, num_steps, loss)` runs after each step;
    `should_stop()`, if given, is asked before each step and ends the run early.
    A step that diverges (the module's rule) raises `TrainingDiverged` before its loss is
    recorded or passed to `callback`.
    """
    num_steps = whole_number("num_steps", num_steps)
    learning_rate = positive_number("learning_rate", learning_rate)
    batch_size = whole_number("batch_size", batch_size)
    warmup_steps = whole_number("warmup_steps", warmup_steps, low=0)
    if not docs:
        raise ValueError("training needs at least one document")
    block_size = model.config.block_size
    loss_limit = DIVERGED_FACTOR * math.log(model.config.vocab_size)
    params = model.parameters()
    first = optimizer.t * batch_size
    losses = []
    for k in range(num_steps):
        if should_stop is not None and should_stop():
            break
        batch = [tokenizer.encode_doc(docs[(first + k * batch_size + i) % len(docs)], block_size)
                 for i in range(batch_size)]
        try:
            with collector_paused():        # a step's graph has no cycles (engine)
                loss = step(batch, lr_at(k, num_steps, learning_rate, warmup_steps))
        except NonPositiveLog:          # the log of a probability that reached 0
            raise _diverged(k, num_steps, learning_rate, "a probability reached 0") from None
        except (DomainError, ArithmeticError):      # exp(1000), 1e200 ** 2, 0 ** -1
            raise _diverged(k, num_steps, learning_rate, "its numbers overflowed") from None
        if not math.isfinite(loss):
            raise _diverged(k, num_steps, learning_rate, f"the loss became {loss}")
        if loss > loss_limit:
            raise _diverged(k, num_steps, learning_rate,
                            f"the loss reached {loss:.3g}, over {DIVERGED_FACTOR} times that "
                            f"of a model that knows nothing ({loss_limit / DIVERGED_FACTOR:.2f})")
        if not _weights_bounded(params):
            raise _diverged(k, num_steps, learning_rate, _weight_trouble(params))
        losses.append(loss)
        if callback is not None:
            callback(k + 1, num_steps, losses[-1])
    return losses


def train(model, docs, tokenizer, num_steps, learning_rate=0.01, *, legacy_backward=False,
          optimizer=None, callback=None):
    """Train `model` for `num_steps` steps, one document each; returns their losses.

    Step k trains on the next document (docs[k % len(docs)] in a fresh run) with the
    learning rate lr·(1 − k/num_steps). `optimizer`: an `Adam` to continue with (default: a
    new one). `callback(step, num_steps, loss)` runs after every step (step is 1-based).
    `legacy_backward`: the seed's gradients (see `microgpt.legacy`), for its transcript.
    """
    optimizer = optimizer or Adam(model.parameters(), learning_rate=learning_rate)

    def step(batch, lr):
        if legacy_backward:
            loss = legacy_backward_step(model, batch[0])
            optimizer.step(lr)
            return loss
        return train_step(model, optimizer, batch[0], lr)

    return run_steps(model, optimizer, docs, tokenizer, num_steps, learning_rate, step,
                     callback=callback)


def evaluate(model, docs, tokenizer, should_stop=None):
    """Mean over `docs` of each document's mean loss (no gradients are used).

    `should_stop()`, if given, is asked before each document; if it says True, the
    evaluation is abandoned and `evaluate` returns None.
    """
    if not docs:
        raise ValueError("evaluate needs at least one document")
    block_size = model.config.block_size
    losses = []
    for d in docs:
        if should_stop is not None and should_stop():
            return None
        with collector_paused():            # a document's graph has no cycles (engine)
            losses.append(model.loss(tokenizer.encode_doc(d, block_size)).data)
    return sum(losses) / len(docs)
