"""Interactive panels for the notebooks: a training panel and a temperature/sampling panel.

Owns: the two ipywidgets panels, `TrainingPanel` / `training_panel` (sliders, a time
estimate, Train and Train more, a live loss plot, samples) and `SamplingPanel` /
`sampling_panel` (a temperature slider that re-samples). The training itself is a
`session.TrainingSession`; the panels' buttons can be pressed from code with
`panel.train_button.click()`. Whatever goes wrong in a run — an impossible or unknown
setting, a model too big for the panel or for this process, training that diverges —
ends as a message in the panel, never a traceback; bad arguments to the panels themselves
(no documents, a negative validation size) are a `ValueError` that says what to change.

Imports: session, viz, sample, data, model, tokenizer, train, validate; ipywidgets,
matplotlib and IPython are imported inside the panels' functions.
"""
import random

from .data import load_names, split_names
from .model import GPTConfig, check_memory, count_params, longest_positions
from .sample import generate, generate_steps
from .session import NUM_EVALS, StepCost, TrainingSession
from .tokenizer import CharTokenizer
from .train import TrainingDiverged
from .validate import whole_number

PANEL_MAX_PARAMS = 500_000      # the sliders reach 26k; more would take hours on scalars


def _head_options(n_embd):
    """The n_head values that divide n_embd: the dropdown only offers valid ones."""
    return [h for h in (1, 2, 3, 4, 6, 8) if n_embd % h == 0]


class TrainingPanel:
    """Sliders for the model's shape and the run, an estimate, Train / Train more, a live plot.

    In a notebook cell, `panel = training_panel(baseline=2.45)` shows the panel, and
    `panel.train_button.click()` does what pressing Train does.

    Train builds a new model from the sliders; Train more goes on with the same model and
    Adam state for `steps` more steps. Ranges are capped so that every setting ends in a
    few minutes and stays far below 1 GB; settings given in code (`panel.train(n_embd=...)`)
    are refused above `PANEL_MAX_PARAMS` parameters or this process's memory. The kernel's
    stop button ends a run after the current step, keeping the model and the plot
    consistent.
    """

    N_EMBD = (8, 16, 24, 32)

    def __init__(self, train_docs=None, val_docs=None, *, baseline=None, seed=42,
                 val_size=50, num_samples=8):
        import ipywidgets as W
        if train_docs is None:
            train_docs, val_docs = split_names(load_names(), random.Random(seed))
        if not any(train_docs):
            raise ValueError("the training panel needs at least one training document (a "
                             "name); the list is empty")
        val_size = whole_number("val_size", val_size, low=0)
        num_samples = whole_number("num_samples", num_samples, low=0)
        self.train_docs, self.val_docs = list(train_docs), list(val_docs or [])
        self.tokenizer = CharTokenizer(self.train_docs + self.val_docs)
        self.baseline, self.seed = baseline, seed
        self.val_size, self.num_samples = val_size, num_samples
        self.cost = StepCost(self.train_docs, self.tokenizer)
        self.session, self.samples, self.plot_updates = None, [], 0
        self.figure = None
        style = {"description_width": "90px"}
        opts = dict(continuous_update=False, style=style)
        self.n_embd = W.SelectionSlider(options=self.N_EMBD, value=16, description="n_embd", **opts)
        self.n_head = W.Dropdown(options=_head_options(16), value=4, description="n_head",
                                 style=style)
        self.n_layer = W.IntSlider(value=1, min=1, max=2, description="n_layer", **opts)
        self.block_size = W.IntSlider(value=8, min=4, max=16, description="block_size", **opts)
        self.learning_rate = W.FloatLogSlider(value=0.01, base=10, min=-3, max=-1, step=0.25,
                                              description="learning rate", readout_format=".4f",
                                              **opts)
        self.num_steps = W.IntSlider(value=300, min=50, max=1000, step=50, description="steps",
                                     **opts)
        self.train_button = W.Button(description="Train", button_style="primary",
                                     tooltip="a new model with these settings")
        self.more_button = W.Button(description="Train more", disabled=True,
                                    tooltip="the same model and optimizer, more steps")
        self.info = W.HTML()
        self.progress = W.IntProgress(value=0, min=0, max=1, description="progress",
                                      style=style)
        self.plot = W.Image(format="png", layout=W.Layout(max_width="640px"))
        self.samples_html = W.HTML()
        self.n_embd.observe(self._n_embd_changed, names="value")
        for w in (self.n_head, self.n_layer, self.block_size, self.num_steps):
            w.observe(lambda change: self.show_estimate(), names="value")
        self.train_button.on_click(lambda b: self.train(fresh=True))
        self.more_button.on_click(lambda b: self.train(fresh=False))
        self.widget = W.VBox([
            W.HBox([W.VBox([self.n_embd, self.n_head, self.n_layer]),
                    W.VBox([self.block_size, self.learning_rate, self.num_steps])]),
            W.HBox([self.train_button, self.more_button, self.progress]), self.info,
            self.plot, self.samples_html])
        self.show_estimate()

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)

    def _n_embd_changed(self, change):
        options = _head_options(change["new"])
        keep = self.n_head.value if self.n_head.value in options else max(
            h for h in options if h <= max(self.n_head.value, 1))
        self.n_head.options = options
        self.n_head.value = keep
        self.show_estimate()

    def settings(self):
        return dict(n_embd=self.n_embd.value, n_head=self.n_head.value,
                    n_layer=self.n_layer.value, block_size=self.block_size.value,
                    learning_rate=self.learning_rate.value)

    def _config(self, s):
        """The GPTConfig of settings `s`, or ValueError saying what to change."""
        unknown = sorted(set(s) - set(self.settings()))
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]!r}; the settings are "
                             f"{', '.join(self.settings())}")
        cfg = GPTConfig(vocab_size=self.tokenizer.vocab_size, n_embd=s["n_embd"],
                        n_head=s["n_head"], n_layer=s["n_layer"], block_size=s["block_size"])
        if count_params(cfg) > PANEL_MAX_PARAMS:
            raise ValueError(f"this model has {count_params(cfg):,} parameters; the training "
                             f"panel trains at most {PANEL_MAX_PARAMS:,} (a step would take "
                             "minutes): make n_embd, n_layer or block_size smaller")
        check_memory(cfg, longest_positions(cfg, self.train_docs))
        return cfg

    def show_estimate(self, **overrides):
        """Show (and return) the estimated seconds of a run with the current settings."""
        s = {**self.settings(), **overrides}
        try:
            cfg = self._config(s)
        except ValueError as e:
            self.info.value = f"<b>Cannot build this model:</b> {e}"
            return None
        evals = NUM_EVALS * min(self.val_size, len(self.val_docs))
        seconds = self.cost.estimate_seconds(cfg, self.num_steps.value, evals)
        self.info.value = (f"{count_params(cfg)} parameters; {self.num_steps.value} steps take "
                           f"about {seconds:.0f} s here (a rough estimate).")
        return seconds

    def train(self, fresh=True, **overrides):
        """What Train (fresh=True) and Train more (fresh=False) do. Never raises for bad input."""
        if fresh:
            s = {**self.settings(), **overrides}
            try:
                self._config(s)
                self.session = TrainingSession(self.train_docs, self.val_docs, self.tokenizer,
                                               seed=self.seed, val_size=self.val_size, **s)
            except ValueError as e:
                self.info.value = f"<b>Cannot build this model:</b> {e}"
                return
        elif self.session is None:
            self.info.value = "Press <b>Train</b> first: there is no model to train more yet."
            return
        elif self.session.broken:
            self.info.value = f"<b>Cannot train this model more:</b> {self.session.broken}."
            return
        self._run(self.num_steps.value)

    def _run(self, num_steps):
        s = self.session
        self.train_button.disabled = self.more_button.disabled = True
        cfg = s.config
        self.info.value = (f"Training n_embd={cfg.n_embd}, n_head={cfg.n_head}, "
                           f"n_layer={cfg.n_layer}, block_size={cfg.block_size} "
                           f"for {num_steps} steps (the stop button ends it after the current "
                           "step)")
        self.progress.max, self.progress.value = num_steps, 0
        self.samples_html.value = ""
        every = max(num_steps // 20, 1)

        def on_step(step, total, loss):
            self.progress.value = step
            if step % every == 0 or step == total:
                self._draw()

        try:
            done = s.train(num_steps, callback=on_step)
            self._draw()
            self.samples = s.samples(self.num_samples, seed=self.seed)
            self.samples_html.value = "<b>samples:</b> " + ", ".join(self.samples)
        except TrainingDiverged as e:
            self.info.value = (f"<b>Training stopped:</b> {e}. Press <b>Train</b> to start "
                               "again with a smaller learning rate.")
            return
        finally:
            self.train_button.disabled = False
            self.more_button.disabled = self.session is None or bool(self.session.broken)
        if not s.losses:
            self.info.value = "Stopped before the first step: press Train again."
            return
        last_val = f", validation loss {s.val[-1][1]:.4f}" if s.val else ""
        stopped = f"Stopped after {done} of {num_steps} steps; " if s.interrupted else ""
        self.info.value = (f"{stopped}{len(s.losses)} steps so far, last-step loss "
                           f"{s.losses[-1]:.4f}{last_val}. Train more goes on from here.")

    def _draw(self):
        """Redraw the loss plot into the Image widget (display updates do not work
        reliably inside widget callbacks, so the panel shows a PNG it renders itself)."""
        import io

        from . import viz
        if self.figure is None:
            from matplotlib.figure import Figure  # not pyplot: never shown twice
            self.figure = Figure(figsize=(7, 3.2))
            self.figure.subplots()
        ax = self.figure.axes[0]
        ax.clear()
        viz.plot_loss(self.session.losses, val=self.session.val or None,
                      baseline=self.baseline, ax=ax, title="training loss")
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
        self.plot.value = buffer.getvalue()
        self.plot_updates += 1


def training_panel(train_docs=None, val_docs=None, **kwargs):
    """A `TrainingPanel`; the last expression of a cell, it shows itself."""
    return TrainingPanel(train_docs, val_docs, **kwargs)


class SamplingPanel:
    """Names from a trained model at a temperature chosen with a slider.

    In a notebook cell, `panel = sampling_panel(model, tok, train_docs=train)` shows the
    panel for a trained `model` and its tokenizer, and `panel.temperature.value = 0.5`
    re-samples, as moving the slider does.

    Moving the slider re-samples with the same random draws, so the names change only
    because of the temperature; "New samples" draws new ones. Names that are copies of
    `train_docs` are marked.
    """

    def __init__(self, model, tokenizer, *, train_docs=None, num_samples=10, temperature=1.0,
                 seed=0):
        import ipywidgets as W
        self.model, self.tokenizer = model, tokenizer
        self.train_set = set(train_docs or ())
        self.num_samples, self.seed = num_samples, seed
        self.samples, self.first_probs, self.render_count = [], [], 0
        self.temperature = W.FloatSlider(value=temperature, min=0.1, max=2.0, step=0.1,
                                         description="temperature", continuous_update=False,
                                         style={"description_width": "90px"})
        self.resample_button = W.Button(description="New samples")
        self.html = W.HTML()
        self.temperature.observe(lambda change: self.resample(), names="value")
        self.resample_button.on_click(lambda b: self.resample(new_seed=True))
        self.widget = W.VBox([W.HBox([self.temperature, self.resample_button]), self.html])
        self.resample()

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)

    def resample(self, new_seed=False):
        """Draw `num_samples` names at the slider's temperature and show them."""
        if new_seed:
            self.seed += 1
        rng, t = random.Random(self.seed), self.temperature.value
        self.samples = [generate(self.model, self.tokenizer, rng, t)
                        for _ in range(self.num_samples)]
        _, dists = generate_steps(self.model, self.tokenizer, random.Random(0), t)
        self.first_probs = dists[0]
        copies = sum(name in self.train_set for name in self.samples)
        items = ", ".join(f"<b>{n}</b>" if n in self.train_set else (n or "(empty)")
                          for n in self.samples)
        top = sorted(range(len(dists[0])), key=lambda i: -dists[0][i])[:3]
        first = ", ".join(f"{self.tokenizer.itos[i]} {dists[0][i]:.2f}" for i in top)
        note = (f"; {copies} of {len(self.samples)} are training names (in bold)"
                if self.train_set else "")
        self.html.value = (f"<p>temperature {t:.1f}, seed {self.seed}{note}. "
                           f"Most likely first letters: {first}</p><p>{items}</p>")
        self.render_count += 1
        return self.samples


def sampling_panel(model, tokenizer, **kwargs):
    """A `SamplingPanel`; the last expression of a cell, it shows itself."""
    return SamplingPanel(model, tokenizer, **kwargs)
