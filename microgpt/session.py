"""A model in training, a few steps at a time: what the training panel drives.

Owns: `TrainingSession` (a model, its Adam state and its history — steps, losses,
validation points — trained in chunks that continue where the last one stopped, safe to
interrupt: the kernel's stop button ends a run between two whole steps, or abandons a
validation between two names, and a second press interrupts at once) and `StepCost` (the
time estimate shown before a run, calibrated on this machine). Bad settings (no documents,
an unknown setting, a negative validation size, a model too big for this process) are a
`ValueError` saying what to change; a run that diverges raises `train.TrainingDiverged`
and leaves the session unusable (its weights are NaN), as does an interrupt in the middle
of a step. Needs no widgets and no browser; `widgets` puts buttons on it.

Imports: model, optim, sample, tokenizer, train, validate.
"""
import random
import signal
import threading
import time

from .model import GPT, GPTConfig, check_memory, longest_positions
from .optim import Adam
from .sample import generate
from .tokenizer import CharTokenizer
from .train import TrainingDiverged, evaluate, run_steps, train_step
from .validate import positive_number, whole_number

NUM_EVALS = 4          # validation losses per `train` call (each costs a forward pass per name)


class _DeferredInterrupt:
    """While active, a first Ctrl-C / press of the kernel's stop button only sets `.requested`.

    The training loop looks at the flag between steps (and validation between names), so a
    step's forward, backward and Adam update always complete together. A second interrupt
    is not swallowed: it raises KeyboardInterrupt at once, wherever the code is. Off the main
    thread (where signal handlers cannot be installed) it does nothing and an interrupt
    behaves as usual.
    """

    def __enter__(self):
        self.requested, self._previous = False, None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def _handler(self, signum, frame):
        if self.requested:                  # pressed again: the user means it
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


class StepCost:
    """Estimates how long training takes, from the size of one step's graph.

    Cost model: the time of a step is proportional to the work it does, counted as the
    edges of its computation graph (one multiply-add each in backward) plus 4 per parameter
    (the Adam update). Evaluating a validation name costs a forward pass only, a fraction
    of a step. The seconds per unit and that fraction are measured once, in this process,
    by timing three steps and three forward passes of a tiny model; estimates are rough
    (±50% on a busy machine) but scale correctly with the model's size.
    """

    def __init__(self, docs, tokenizer):
        if not any(docs):
            raise ValueError("estimating a run needs at least one training document (a name)")
        lengths = sorted(len(d) for d in docs[:2000])
        self.typical_doc = next(d for d in docs if len(d) == lengths[len(lengths) // 2])
        self.tokenizer = tokenizer
        self.seconds_per_unit = self.forward_fraction = None
        self._units = {}

    def units(self, config):
        """Work units of one training step on a typical (median-length) document."""
        if config not in self._units:
            model = GPT(config, random.Random(0))
            tokens = self.tokenizer.encode_doc(self.typical_doc, config.block_size)
            edges = sum(len(n._children) for n in model.loss(tokens).topo_order())
            self._units[config] = edges + 4 * model.num_params
        return self._units[config]

    def calibrate(self):
        cfg = GPTConfig(vocab_size=self.tokenizer.vocab_size, n_embd=8, n_head=2, block_size=8)
        model = GPT(cfg, random.Random(0))
        opt = Adam(model.parameters())
        tokens = self.tokenizer.encode_doc(self.typical_doc, cfg.block_size)
        steps, forwards = [], []
        for _ in range(3):
            start = time.perf_counter()
            train_step(model, opt, tokens, 0.01)
            steps.append(time.perf_counter() - start)
            start = time.perf_counter()
            model.loss(tokens)
            forwards.append(time.perf_counter() - start)
        self.seconds_per_unit = min(steps) / self.units(cfg)
        self.forward_fraction = min(1.0, min(forwards) / min(steps))

    def estimate_seconds(self, config, num_steps, num_eval_docs=0):
        """Seconds for `num_steps` training steps plus `num_eval_docs` validation names."""
        if self.seconds_per_unit is None:
            self.calibrate()
        step_equivalents = num_steps + num_eval_docs * self.forward_fraction
        return step_equivalents * self.units(config) * self.seconds_per_unit


class TrainingSession:
    """A GPT, its Adam optimizer and its training history, trained in chunks.

    For example, `s = TrainingSession(train_docs, val_docs, n_embd=16, n_head=4)`, then
    `s.train(100)` twice: the second call goes on where the first stopped, and afterwards
    `s.losses` holds 200 losses and `s.val[-1]` the last (step, validation loss).

    Each `train(num_steps)` call decays the learning rate linearly to 0 over its own steps,
    as `microgpt.train.train` does. Stopping the kernel mid-run ends it after the current
    step: `losses`, `steps` and the optimizer always agree.
    """

    SETTINGS = ("n_embd", "n_head", "n_layer", "block_size", "learning_rate", "seed", "val_size")

    def __init__(self, train_docs, val_docs=None, tokenizer=None, *, n_embd=16, n_head=4,
                 n_layer=1, block_size=8, learning_rate=0.01, seed=42, val_size=100,
                 **unknown):
        if unknown:
            name = next(iter(unknown))
            raise ValueError(f"unknown setting {name!r}; the settings are "
                             f"{', '.join(self.SETTINGS)}")
        if train_docs is None or not any(train_docs):
            raise ValueError("a training session needs at least one training document (a "
                             "name); the list is empty")
        positive_number("learning_rate", learning_rate)
        val_size = whole_number("val_size", val_size, low=0)
        self.tokenizer = tokenizer or CharTokenizer(list(train_docs) + list(val_docs or []))
        self.config = GPTConfig(vocab_size=self.tokenizer.vocab_size, n_embd=n_embd,
                                n_head=n_head, n_layer=n_layer, block_size=block_size)
        self.train_docs = list(train_docs)
        self.val_docs = list(val_docs or [])[:val_size]
        check_memory(self.config, longest_positions(self.config, self.train_docs))
        self.learning_rate = learning_rate
        self.broken = None              # why this session cannot train any more, if it cannot
        self.model = GPT(self.config, random.Random(seed))
        self.optimizer = Adam(self.model.parameters(), lr=learning_rate)
        self.steps, self.losses, self.val = [], [], []   # step numbers, losses, (step, val loss)
        self.interrupted = False

    def validate(self, should_stop=None):
        """Record and return the mean loss on the validation names (None if there are none,
        or if `should_stop()` said True before the last name: then nothing is recorded)."""
        if not self.val_docs:
            return None
        loss = evaluate(self.model, self.val_docs, self.tokenizer, should_stop)
        if loss is not None:
            self.val.append((self.optimizer.t, loss))
        return loss

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
            if k % val_every == 0 or k == n:
                self.validate(should_stop=lambda: stop.requested)
            if callback is not None:
                callback(k, n, loss)

        def step(batch, lr):
            return train_step(self.model, self.optimizer, batch[0], lr)

        try:
            with _DeferredInterrupt() as stop:
                losses = run_steps(self.model, self.optimizer, self.train_docs, self.tokenizer,
                                   num_steps, self.learning_rate, step, callback=record,
                                   should_stop=lambda: stop.requested)
                self.interrupted = stop.requested
        except TrainingDiverged as e:
            self.broken = f"{e}. This model's weights are no longer numbers: start a new one"
            raise
        except BaseException:
            self.interrupted = True
            if len(self.losses) != self.optimizer.t:     # stopped inside a step's update
                self.broken = ("training was interrupted in the middle of a step, so the "
                               "model is half updated: start a new one")
            raise
        assert len(self.losses) == len(self.steps) == self.optimizer.t
        return len(losses)

    def samples(self, n=8, seed=0, temperature=1.0):
        rng = random.Random(seed)
        return [generate(self.model, self.tokenizer, rng, temperature) for _ in range(n)]
