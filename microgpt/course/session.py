"""A model in training, a few steps at a time: what the training panel drives.

Owns: `TrainingSession` (a model, its Adam state and its history — steps, losses, learning
rates, validation points — trained in chunks that continue where the last one stopped, on
the scalar engine or, with `engine="tensor"`, on the NumPy engine of chapter 08 with
batches of names; safe to interrupt: the kernel's stop button ends a run between two whole
steps, or abandons a validation between two names, and a second press interrupts at once),
`StepCost` (the time estimate shown before a run: real steps of the very settings,
timed in this process) and `check_settings`, the one "unknown setting" error of the session
and the panel. Bad settings (no documents, an unknown setting or engine, a negative
validation size, a model too big for this process) are a `ValueError` saying what to change.
A run that diverges (the training loop's rule, `training.run_steps`) raises
`training.TrainingDiverged` and leaves the session unusable, as does an interrupt in the
middle of Adam's update; an interrupt before the update (in the forward or backward pass)
drops that step's gradients, so the model and optimizer are as they were after the last
whole step. Each step is the engine's own: `training.train_step` or
`tensor.training.train_step_tensor`. Needs no widgets and no browser; `widgets` puts
buttons on it.

Imports: limits, model, optim, sample, tokenizer, training, validate, tensor.model,
tensor.optim, tensor.sample, tensor.training, course.runtime.
"""
import random
import time

from ..limits import check_training
from ..model import GPT, GPTConfig
from ..optim import Adam, lr_at
from ..sample import generate
from ..tokenizer import CharTokenizer
from ..training import TrainingDiverged, evaluate, run_steps, train_step
from ..validate import positive_number, whole_number
from .runtime import DeferredInterrupt, OneBlasThread

NUM_EVALS = 4          # validation losses per `train` call (each costs a forward pass per name)
ENGINES = ("scalar", "tensor")


def check_settings(given, allowed):
    """ValueError naming the first of `given` (setting names) that is not in `allowed`."""
    unknown = [name for name in given if name not in allowed]
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}; the settings are "
                         f"{', '.join(allowed)}")


class StepCost:
    """Estimates how long a run takes, from real steps of the same settings timed here.

    Cost model: seconds = steps × (one step) + validation names × (one name's forward pass)
    + extra × (one unit of the caller's own work, e.g. redrawing a plot, given in seconds by
    `extra_seconds`). One step of a setting is timed once (after a warm-up step) on a
    throwaway session of the same engine, shape and batch size, fed the same names the run
    starts with (the scalar engine: a median-length name), and remembered. `clock` is the
    timer (a fake one makes the arithmetic testable).
    """

    TIMED_STEPS = 3

    def __init__(self, docs, tokenizer, clock=time.perf_counter):
        if not any(docs):
            raise ValueError("estimating a run needs at least one training document (a name)")
        lengths = sorted(len(d) for d in docs[:2000])
        self.typical_doc = next(d for d in docs if len(d) == lengths[len(lengths) // 2])
        self.docs, self.tokenizer, self.clock = list(docs[:2000]), tokenizer, clock
        self._step, self._eval, self._sample = {}, {}, {}

    def _session(self, config, engine, batch_size):
        docs = [self.typical_doc] if engine == "scalar" else self.docs
        return TrainingSession(docs, None, self.tokenizer, engine=engine, batch_size=batch_size,
                               **config_settings(config))

    def _timed(self, fn):
        start = self.clock()
        fn()
        return self.clock() - start

    def step_seconds(self, config, engine="scalar", batch_size=1):
        """Seconds of one training step with these settings (timed once, then remembered)."""
        key = (config, engine, batch_size)
        if key not in self._step:
            s = self._session(config, engine, batch_size)
            s.train(1)                                               # warm-up, not timed
            times = sorted(self._timed(lambda: s.train(1)) for _ in range(self.TIMED_STEPS))
            self._step[key] = times[len(times) // 2]
            s.val_docs = (self.docs if engine == "tensor" else [self.typical_doc] * 2)[:50]
            self._eval[(config, engine)] = self._timed(s.validate) / len(s.val_docs)
            self._sample[(config, engine)] = self._timed(lambda: s.samples(2)) / 2
        return self._step[key]

    def sample_seconds(self, config, engine="scalar"):
        """Seconds to sample one name from a (barely trained) model of these settings."""
        self.step_seconds(config, engine, 1 if engine == "scalar" else 8)
        return self._sample[(config, engine)]

    def estimate_seconds(self, config, num_steps, num_eval_docs=0, *, engine="scalar",
                         batch_size=1, extra_seconds=0.0):
        """Seconds for `num_steps` steps, `num_eval_docs` validation names and the extra."""
        step = self.step_seconds(config, engine, batch_size)
        return num_steps * step + num_eval_docs * self._eval[(config, engine)] + extra_seconds


def config_settings(config):
    """The shape settings of `config`, as `TrainingSession` (and the panel's sliders) name them."""
    return dict(n_embd=config.n_embd, n_head=config.n_head, n_layer=config.n_layer,
                block_size=config.block_size)


class TrainingSession:
    """A GPT, its Adam optimizer and its training history, trained in chunks.

    For example, `s = TrainingSession(train_docs, val_docs, n_embd=16, n_head=4)`, then
    `s.train(100)` twice: the second call goes on where the first stopped, and afterwards
    `s.losses` holds 200 losses, `s.lrs` their learning rates and `s.val[-1]` the last
    (step, validation loss). `engine="tensor"` trains the same GPT on NumPy arrays
    (chapter 08), `batch_size` names per step (the scalar engine trains one).

    Each `train(num_steps)` call decays the learning rate linearly to 0 over its own steps,
    as `microgpt.training.train` does: a second call starts again at `learning_rate`.
    Stopping the kernel mid-run ends it after the current step: `losses`, `steps` and the
    optimizer always agree.
    """

    SETTINGS = ("n_embd", "n_head", "n_layer", "block_size", "learning_rate", "seed",
                "val_size", "engine", "batch_size", "warmup_steps")

    def __init__(self, train_docs, val_docs=None, tokenizer=None, *, n_embd=16, n_head=4,
                 n_layer=1, block_size=8, learning_rate=0.01, seed=42, val_size=100,
                 engine="scalar", batch_size=1, warmup_steps=0, **unknown):
        check_settings(unknown, self.SETTINGS)
        if train_docs is None or not any(train_docs):
            raise ValueError("a training session needs at least one training document (a "
                             "name); the list is empty")
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; the engines are 'scalar' and 'tensor'")
        positive_number("learning_rate", learning_rate)
        val_size = whole_number("val_size", val_size, low=0)
        self.batch_size = whole_number("batch_size", batch_size)
        self.warmup_steps = whole_number("warmup_steps", warmup_steps, low=0)
        if engine == "scalar" and self.batch_size != 1:
            raise ValueError(f"the scalar engine trains one name per step, so batch_size must "
                             f"be 1 (got {batch_size}); batches need engine='tensor'")
        self.tokenizer = tokenizer or CharTokenizer(list(train_docs) + list(val_docs or []))
        self.config = GPTConfig(vocab_size=self.tokenizer.vocab_size, n_embd=n_embd,
                                n_head=n_head, n_layer=n_layer, block_size=block_size)
        self.train_docs = list(train_docs)
        self.val_docs = list(val_docs or [])[:val_size]
        self.engine, self.learning_rate = engine, learning_rate
        self.broken = None              # why this session cannot train any more, if it cannot
        check_training(self.config, self.train_docs, engine, self.batch_size)   # sizes, memory
        if engine == "scalar":
            self.model = GPT(self.config, random.Random(seed))
            self.optimizer = Adam(self.model.parameters(), learning_rate=learning_rate)
        else:
            from ..tensor.model import TensorGPT
            from ..tensor.optim import TensorAdam
            self.model = TensorGPT(self.config, random.Random(seed))
            self.optimizer = TensorAdam(self.model.parameters(), learning_rate=learning_rate)
        self.steps, self.losses, self.lrs = [], [], []      # per step: number, loss, lr
        self.val = []                                       # (step, validation loss)
        self.interrupted = False

    def validate(self, should_stop=None):
        """Record and return the mean loss on the validation names (None if there are none,
        or if `should_stop()` said True before the last name: then nothing is recorded).
        A step already validated is not validated twice."""
        if not self.val_docs:
            return None
        if self.val and self.val[-1][0] == self.optimizer.t:
            return self.val[-1][1]
        if self.engine == "tensor":
            from ..tensor.training import evaluate_tensor
            with OneBlasThread():
                loss = evaluate_tensor(self.model, self.val_docs, self.tokenizer)
        else:
            loss = evaluate(self.model, self.val_docs, self.tokenizer, should_stop)
        if loss is not None:
            self.val.append((self.optimizer.t, loss))
        return loss

    def _step_function(self):
        """step(batch, lr) -> loss for run_steps: the engine's own training step."""
        if self.engine == "scalar":
            return lambda batch, lr: train_step(self.model, self.optimizer, batch[0], lr)
        from ..tensor.training import train_step_tensor
        return lambda batch, lr: train_step_tensor(self.model, self.optimizer, batch, lr)

    def _drop_gradients(self):
        """Reset the gradients a step left behind when it was interrupted before its update."""
        empty = 0.0 if self.engine == "scalar" else None
        for p in self.model.parameters():
            p.grad = empty

    def train(self, num_steps, *, val_every=None, callback=None):
        """Up to `num_steps` more steps; returns how many ran. callback(step, num_steps, loss).

        Validation runs every `val_every` steps (default: NUM_EVALS times per call) and
        after the last step.
        """
        if self.broken:
            raise ValueError(self.broken)
        num_steps = whole_number("num_steps", num_steps)
        val_every = (max(num_steps // NUM_EVALS, 1) if val_every is None
                     else whole_number("val_every", val_every))
        stop = None

        def record(k, n, loss):
            self.steps.append(self.optimizer.t)
            self.losses.append(loss)
            self.lrs.append(lr_at(k - 1, n, self.learning_rate, self.warmup_steps))
            if k % val_every == 0 or k == n:
                self.validate(should_stop=lambda: stop.requested)
            if callback is not None:
                callback(k, n, loss)

        try:
            with DeferredInterrupt() as stop, OneBlasThread():
                losses = run_steps(self.model, self.optimizer, self.train_docs, self.tokenizer,
                                   num_steps, self.learning_rate, self._step_function(),
                                   batch_size=self.batch_size, warmup_steps=self.warmup_steps,
                                   callback=record, should_stop=lambda: stop.requested)
                self.interrupted = stop.requested
        except TrainingDiverged as e:
            self.broken = f"{e}. This model's weights are unusable: start a new one"
            raise
        except BaseException:
            self.interrupted = True
            if len(self.losses) != self.optimizer.t:     # stopped inside a step's update
                self.broken = ("training was interrupted in the middle of a step, so the "
                               "model is half updated: start a new one")
            else:               # stopped before the update began: only gradients to drop
                self._drop_gradients()
            raise
        assert len(self.losses) == len(self.steps) == len(self.lrs) == self.optimizer.t
        return len(losses)

    def samples(self, n=8, seed=0, temperature=1.0):
        rng = random.Random(seed)
        if self.engine == "tensor":
            from ..tensor.sample import generate_tensor
            with OneBlasThread():
                return [generate_tensor(self.model, self.tokenizer, rng, temperature)
                        for _ in range(n)]
        return [generate(self.model, self.tokenizer, rng, temperature) for _ in range(n)]
