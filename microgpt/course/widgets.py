"""Interactive panels for the notebooks: a training panel and a temperature/sampling panel.

Owns: `TrainingPanel` / `training_panel` (an engine, sliders, a time estimate, Train and
Train more, a status line — step k / n and the time left, then the validation loss against
the bigram baseline of the block size — a plot from `panel_plot`, texts from `panel_text`,
samples); `SamplingPanel` / `sampling_panel` live in `panel_sampling`, re-exported here.
The training is a `session.TrainingSession`; `panel.train_button.click()` presses Train.
Whatever goes wrong in a run (an impossible or unknown setting, a model too big, training
that diverges) ends as a message in the panel, never a traceback; bad arguments to the
panels themselves (no documents, one string instead of a list of names, a negative
validation size) are a `ValueError`. Every text that comes from the data or from a learner
(names, messages that quote a setting) is HTML-escaped before it goes into a widget.

Imports: data, limits, model, tokenizer, training, validate, course.panel_plot,
course.panel_sampling, course.panel_text, course.session; ipywidgets and IPython are imported
inside the panels' functions.
"""
import html
import random
import time

from ..data import load_names, split_names
from ..limits import check_training
from ..model import GPTConfig, count_params
from ..tokenizer import CharTokenizer, bigram_baseline
from ..training import TrainingDiverged
from ..validate import whole_number
from .panel_plot import LossPlot
from .panel_sampling import SamplingPanel, sampling_panel  # noqa: F401  (re-exported)
from .panel_text import (
    ENGINE_NAMES,
    baseline_text,
    estimate_text,
    panel_bundle,
    running_text,
    summary_text,
)
from .session import NUM_EVALS, StepCost, TrainingSession, check_settings, config_settings

PANEL_MAX_PARAMS = 500_000      # the sliders reach 26k; more would take hours on scalars
NUM_DRAWS = 20                  # plot redraws per run, plus one at the end


def _head_options(n_embd):
    """The n_head values that divide n_embd: the dropdown only offers valid ones."""
    return [h for h in (1, 2, 3, 4, 6, 8) if n_embd % h == 0]


class TrainingPanel:
    """An engine, sliders for the model's shape and the run, an estimate, Train / Train more.

    In a notebook cell, `panel = training_panel()` shows the panel, and
    `panel.train_button.click()` does what pressing Train does. Its defaults (the tensor
    engine, n_embd 32, block_size 16, 1000 steps of 32 names) take seconds and end below
    the bigram baseline.

    Train builds a new model from the sliders; Train more goes on with the same model and
    Adam state for `steps` more steps, its learning rate starting again at the slider's
    value and decaying to 0 (the plot draws it). Ranges are capped so that every setting
    ends in a few minutes and stays far below 1 GB; settings given in code
    (`panel.train(n_embd=...)`) are refused above `PANEL_MAX_PARAMS` parameters or this
    process's memory. The kernel's stop button ends a run after the current step.
    """

    N_EMBD = (8, 16, 24, 32)
    BATCH = (1, 2, 4, 8, 16, 32, 64)

    def __init__(self, train_docs=None, val_docs=None, *, seed=42, val_size=50, num_samples=8,
                 clock=time.perf_counter):
        import ipywidgets as W
        if train_docs is None:
            train_docs, val_docs = split_names(load_names(), random.Random(seed))
        for what, docs in (("train_docs", train_docs), ("val_docs", val_docs)):
            if isinstance(docs, str):
                raise ValueError(f"{what} must be a list of names, e.g. ['emma', 'olivia'], "
                                 f"not one string ({docs[:20]!r})")
        if not any(train_docs):
            raise ValueError("the training panel needs at least one training document (a "
                             "name); the list is empty")
        val_size = whole_number("val_size", val_size, low=0)
        num_samples = whole_number("num_samples", num_samples, low=0)
        self.train_docs, self.val_docs = list(train_docs), list(val_docs or [])
        self.tokenizer = CharTokenizer(self.train_docs + self.val_docs)
        self.seed, self.val_size, self.num_samples = seed, val_size, num_samples
        self.cost, self.clock = StepCost(self.train_docs, self.tokenizer, clock), clock
        self.session, self.samples, self.loss_plot = None, [], LossPlot()
        self._baselines, self._draw_seconds = {}, None
        self.last_estimate = self.last_seconds = None
        style = {"description_width": "90px"}
        opts = dict(continuous_update=False, style=style)
        self.engine = W.Dropdown(options=[(v, k) for k, v in ENGINE_NAMES.items()],
                                 value="tensor", description="engine", style=style,
                                 layout=W.Layout(width="480px"))
        self.n_embd = W.SelectionSlider(options=self.N_EMBD, value=32, description="n_embd", **opts)
        self.n_head = W.Dropdown(options=_head_options(32), value=4, description="n_head",
                                 style=style)
        self.n_layer = W.IntSlider(value=1, min=1, max=2, description="n_layer", **opts)
        self.block_size = W.IntSlider(value=16, min=4, max=16, description="block_size", **opts)
        self.learning_rate = W.FloatLogSlider(value=0.01, base=10, min=-3, max=-1, step=0.25,
                                              description="learning rate", readout_format=".4f",
                                              **opts)
        self.num_steps = W.IntSlider(value=1000, min=50, max=3000, step=50,
                                     description="steps", **opts)
        self.batch_size = W.SelectionSlider(options=self.BATCH, value=32,
                                            description="names/step", **opts)
        self._tensor_batch = 32
        self.train_button = W.Button(description="Train", button_style="primary",
                                     tooltip="a new model with these settings")
        self.more_button = W.Button(description="Train more", disabled=True, tooltip=(
            "the same model and optimizer, `steps` more steps; the learning rate starts "
            "again at the slider's value and decays to 0"))
        self.info = W.HTML()
        self.info.add_class("microgpt-status")
        self.progress = W.IntProgress(value=0, min=0, max=1, description="progress",
                                      style=style)
        self.plot = W.Image(format="png", layout=W.Layout(max_width="640px", display="none"))
        self.samples_html = W.HTML()
        self.engine.observe(self._engine_changed, names="value")
        self.n_embd.observe(self._n_embd_changed, names="value")
        for w in (self.n_head, self.n_layer, self.block_size, self.num_steps, self.batch_size,
                  self.learning_rate):
            w.observe(lambda change: self.show_estimate(), names="value")
        self.train_button.on_click(lambda b: self.train(fresh=True))
        self.more_button.on_click(lambda b: self.train(fresh=False))
        self.widget = W.VBox([
            self.engine,
            W.HBox([W.VBox([self.n_embd, self.n_head, self.n_layer, self.batch_size]),
                    W.VBox([self.block_size, self.learning_rate, self.num_steps])]),
            W.HBox([self.train_button, self.more_button, self.progress]), self.info,
            self.plot, self.samples_html])
        self.show_estimate()

    def _ipython_display_(self):
        from IPython.display import display
        display(panel_bundle(self.widget, "training"), raw=True)   # the widget, and what it is

    def _n_embd_changed(self, change):
        options = _head_options(change["new"])
        keep = self.n_head.value if self.n_head.value in options else max(
            h for h in options if h <= max(self.n_head.value, 1))
        self.n_head.options = options
        self.n_head.value = keep
        self.show_estimate()

    def _engine_changed(self, change):
        """The scalar engine trains one name per step: the batch slider shows 1, greyed."""
        if change["new"] == "scalar":
            self._tensor_batch = self.batch_size.value
            self.batch_size.value, self.batch_size.disabled = 1, True
        else:
            self.batch_size.value, self.batch_size.disabled = self._tensor_batch, False
        self.show_estimate()

    def settings(self):
        return dict(n_embd=self.n_embd.value, n_head=self.n_head.value,
                    n_layer=self.n_layer.value, block_size=self.block_size.value,
                    learning_rate=self.learning_rate.value, engine=self.engine.value,
                    batch_size=self.batch_size.value)

    def _config(self, s):
        """The GPTConfig of settings `s`, or ValueError saying what to change."""
        check_settings(sorted(s), tuple(self.settings()))
        cfg = GPTConfig(vocab_size=self.tokenizer.vocab_size, n_embd=s["n_embd"],
                        n_head=s["n_head"], n_layer=s["n_layer"], block_size=s["block_size"])
        if count_params(cfg) > PANEL_MAX_PARAMS:
            raise ValueError(f"this model has {count_params(cfg):,} parameters; the training "
                             f"panel trains at most {PANEL_MAX_PARAMS:,} (a step would take "
                             "minutes): make n_embd, n_layer or block_size smaller")
        batch_size = whole_number("batch_size", s["batch_size"])
        check_training(cfg, self.train_docs, s["engine"], batch_size)      # sizes, memory
        return cfg

    def baseline(self, block_size=None):
        """The bigram baseline on the panel's validation names for `block_size` (default:
        the slider's), or None without validation names."""
        block_size = self.block_size.value if block_size is None else block_size
        val = self.val_docs[:self.val_size]
        if not val:
            return None
        if block_size not in self._baselines:
            self._baselines[block_size] = bigram_baseline(self.train_docs, val, self.tokenizer,
                                                          block_size)
        return self._baselines[block_size]

    def _baseline_text(self, block_size):
        return baseline_text(self.baseline(block_size), block_size,
                             len(self.val_docs[:self.val_size]))

    def estimate(self, s, num_steps):
        """Estimated seconds of a run of `num_steps` with settings `s` (a ValueError if they
        cannot be built): steps, validations, plot redraws and samples, as timed here."""
        cfg = self._config(s)
        evals = (NUM_EVALS + 1) * min(self.val_size, len(self.val_docs))
        if self._draw_seconds is None:
            self._draw_seconds = self.loss_plot.time_a_draw(self.num_steps.value, self.clock)
        sample_seconds = self.num_samples * self.cost.sample_seconds(cfg, s["engine"])
        return self.cost.estimate_seconds(
            cfg, num_steps, evals, engine=s["engine"], batch_size=s["batch_size"],
            extra_seconds=(NUM_DRAWS + 1) * self._draw_seconds + sample_seconds)

    def show_estimate(self, **overrides):
        """Show (and return) the estimated seconds of a run with the current settings."""
        s = {**self.settings(), **overrides}
        try:
            seconds = self.estimate(s, self.num_steps.value)
        except ValueError as e:
            self.info.value = f"<b>Cannot build this model:</b> {html.escape(str(e))}"
            return None
        cfg = self._config(s)
        self.info.value = estimate_text(s["engine"], count_params(cfg), self.num_steps.value,
                                        s["batch_size"], seconds,
                                        self._baseline_text(cfg.block_size))
        return seconds

    def train(self, fresh=True, **overrides):
        """What Train (fresh=True) and Train more (fresh=False) do. Never raises for bad input."""
        s = {**self.settings(), **overrides}
        try:
            estimate = self.estimate(s if fresh or self.session is None else
                                     {**s, **self._session_settings()}, self.num_steps.value)
        except ValueError as e:
            self.info.value = f"<b>Cannot build this model:</b> {html.escape(str(e))}"
            return
        if fresh:
            try:
                self.session = TrainingSession(self.train_docs, self.val_docs, self.tokenizer,
                                               seed=self.seed, val_size=self.val_size, **s)
            except ValueError as e:
                self.info.value = f"<b>Cannot build this model:</b> {html.escape(str(e))}"
                return
        elif self.session is None:
            self.info.value = "Press <b>Train</b> first: there is no model to train more yet."
            return
        elif self.session.broken:
            self.info.value = (f"<b>Cannot train this model more:</b> "
                               f"{html.escape(self.session.broken)}.")
            return
        self.last_estimate = estimate
        self._run(self.num_steps.value)

    def _session_settings(self):
        s = self.session
        return dict(config_settings(s.config), engine=s.engine, batch_size=s.batch_size)

    def _run(self, num_steps):
        s, start = self.session, self.clock()
        self.train_button.disabled = self.more_button.disabled = True
        self.progress.max, self.progress.value = num_steps, 0
        self.samples_html.value = ""
        every, shown = max(num_steps // NUM_DRAWS, 1), [start]

        def on_step(step, total, loss):
            now = self.clock()
            if step % every == 0 or step == total:
                self._draw()
            if now - shown[0] >= 0.25 or step == total:
                shown[0], self.progress.value = now, step
                left = (now - start) / step * (total - step)
                self.info.value = running_text(s.engine, s.learning_rate, step, total, left)

        self.info.value = running_text(s.engine, s.learning_rate, 0, num_steps,
                                       self.last_estimate)
        try:
            done = s.train(num_steps, callback=on_step)
            self._draw()
            self.samples = s.samples(self.num_samples, seed=self.seed)
            self.samples_html.value = "<b>samples:</b> " + html.escape(", ".join(self.samples))
        except TrainingDiverged as e:
            self.info.value = (f"<b>Training stopped:</b> {html.escape(str(e))}. Press "
                               "<b>Train</b> to start again with a smaller learning rate.")
            return
        finally:
            self.train_button.disabled = False
            self.more_button.disabled = self.session is None or bool(self.session.broken)
        self.last_seconds = self.clock() - start
        self.progress.value = done
        if not s.losses:
            self.info.value = "Stopped before the first step: press Train again."
            return
        self.info.value = self._summary(s, done, num_steps)

    def _summary(self, s, done, num_steps):
        block = s.config.block_size
        return summary_text(s, done, num_steps, self.baseline(block), self._baseline_text(block),
                            self.last_seconds, self.last_estimate)

    def _draw(self):
        """Redraw the plot into the Image widget (display updates do not work reliably
        inside widget callbacks, so the panel shows a PNG it renders itself)."""
        s = self.session
        self.plot.value = self.loss_plot.draw(s.losses, s.lrs, s.val,
                                              self.baseline(s.config.block_size))
        self.plot.layout.display = None                 # hidden until there is a picture


def training_panel(train_docs=None, val_docs=None, **kwargs):
    """A `TrainingPanel`; the last expression of a cell, it shows itself."""
    return TrainingPanel(train_docs, val_docs, **kwargs)
