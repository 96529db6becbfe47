"""Training and evaluating the tensor GPT: `train_step_tensor`, `train_tensor`, `evaluate_tensor`.

Owns: the tensor side's step (forward a batch, backward, one `TensorAdam` update: the one the
training panel's session reuses) and evaluation in chunks. The loop itself is the package's
one loop, `training.run_steps` (which docs each step uses, the `optim.lr_at` schedule,
callbacks, the divergence rule), so with batch_size 1 and no warm-up a tensor run is the
scalar run of `training.train`, step for step. A run that diverges stops with
`training.TrainingDiverged` (NumPy's overflow warnings on the way there are silenced: the
error says it once).

Imports: training, validate, tensor.optim.
"""
import numpy as np

from ..training import run_steps
from ..validate import whole_number
from .optim import TensorAdam


def train_step_tensor(model, optimizer, batch, lr):
    """Forward a batch (a list of token lists), backward and one `TensorAdam` update.

    Returns the loss (float). NumPy's overflow warnings are silenced: a step that overflows
    gives a non-finite loss or weights, which `run_steps` reports as divergence.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss = model.loss(batch)
        loss.backward()
        optimizer.step(lr)
    return float(loss.data)


def train_tensor(model, docs, tokenizer, num_steps, learning_rate=0.01, batch_size=1, *,
                 warmup_steps=0, optimizer=None, callback=None, should_stop=None):
    """Train for `num_steps` steps; step k uses the next `batch_size` docs (cyclically).

    With batch_size 1 and no warm-up, step k trains on docs[k % len(docs)] with the same
    learning rate as `training.train`: the same run as the scalar engine. Returns the losses.
    `callback` and `should_stop` are those of `training.run_steps`.
    """
    optimizer = optimizer or TensorAdam(model.parameters(), learning_rate=learning_rate)
    return run_steps(model, optimizer, docs, tokenizer, num_steps, learning_rate,
                     lambda batch, lr: train_step_tensor(model, optimizer, batch, lr),
                     batch_size=batch_size, warmup_steps=warmup_steps, callback=callback,
                     should_stop=should_stop)


def evaluate_tensor(model, docs, tokenizer, chunk=128):
    """Mean over `docs` of each doc's mean loss (as `training.evaluate`), `chunk` docs at a time.

    Each chunk's graph keeps its activations alive until the next: 128 names of the
    4-layer model peak at ~160 MB, 1024 at ~1 GB, for the same speed.
    """
    chunk = whole_number("chunk", chunk)
    if not docs:
        raise ValueError("evaluate_tensor needs at least one document")
    total = 0.0
    for i in range(0, len(docs), chunk):
        part = docs[i:i + chunk]
        batch = [tokenizer.encode_doc(d, model.config.block_size) for d in part]
        total += float(model.loss(batch).data) * len(part)
    return total / len(docs)
