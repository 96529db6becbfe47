"""Training: one step, the one loop over steps, and evaluation.

Owns: `train_step` (forward, one backward over the document's mean loss, an Adam update),
`run_steps` (the loop every trainer shares — the scalar `train`, the training panel's session
and the tensor engine: step k trains on the next documents in order, cycling, with the learning
rate of `optim.lr_at`), `train` and `evaluate` (mean loss over documents, no update). The
baseline they are measured against, `bigram_baseline`, is chapter 02's and lives in `tokenizer`.
`train(..., legacy_backward=True)` swaps in the seed's step from `legacy`.
`TrainingDiverged`: what `run_steps` raises at the first loss that is not a finite number
(or a step whose numbers overflow), saying at which step and what to change.

Imports: legacy, optim, validate.
"""
import math

from .legacy import legacy_backward_step
from .optim import Adam, lr_at
from .validate import positive_number, whole_number


class TrainingDiverged(ValueError):
    """Training blew up (a NaN or infinite loss): the message says at which step and what to
    change. The step that raised it has already changed the weights, so they are unusable."""


def _diverged(k, num_steps, learning_rate, what):
    return TrainingDiverged(f"training diverged at step {k + 1} of {num_steps}: {what}; lower "
                            f"the learning rate (it was {learning_rate:g}; try "
                            f"{learning_rate / 10:g})")


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
    A loss that is not finite, or a step whose numbers overflow, raises `TrainingDiverged`.
    """
    num_steps = whole_number("num_steps", num_steps)
    learning_rate = positive_number("learning_rate", learning_rate)
    batch_size = whole_number("batch_size", batch_size)
    warmup_steps = whole_number("warmup_steps", warmup_steps, low=0)
    if not docs:
        raise ValueError("training needs at least one document")
    block_size = model.config.block_size
    first = optimizer.t * batch_size
    losses = []
    for k in range(num_steps):
        if should_stop is not None and should_stop():
            break
        batch = [tokenizer.encode_doc(docs[(first + k * batch_size + i) % len(docs)], block_size)
                 for i in range(batch_size)]
        try:
            loss = step(batch, lr_at(k, num_steps, learning_rate, warmup_steps))
        except ArithmeticError:         # OverflowError (1e200 ** 2), ZeroDivisionError
            raise _diverged(k, num_steps, learning_rate, "its numbers overflowed") from None
        except ValueError as e:         # the engine's log of a probability that reached 0
            if "log of a non-positive number" not in str(e):
                raise
            raise _diverged(k, num_steps, learning_rate, "a probability reached 0") from None
        if not math.isfinite(loss):
            raise _diverged(k, num_steps, learning_rate, f"the loss became {loss}")
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
    optimizer = optimizer or Adam(model.parameters(), lr=learning_rate)

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
    if should_stop is None:
        total = sum(model.loss(tokenizer.encode_doc(d, block_size)).data for d in docs)
        return total / len(docs)
    losses = []
    for d in docs:
        if should_stop():
            return None
        losses.append(model.loss(tokenizer.encode_doc(d, block_size)).data)
    return sum(losses) / len(docs)          # summed as above: the same number
