"""The temperature panel for the notebooks: `SamplingPanel` / `sampling_panel`.

Owns: a temperature slider that re-samples names from a trained model with the same random
draws (so only the temperature changes them), a "New samples" button, and the most likely
first letters. `widgets` re-exports it next to the training panel. Names and letters come
from the data, so they are HTML-escaped before they go into the widget. It samples a scalar
`model.GPT`; a tensor model is a `ValueError` that says how to convert it.

Imports: model, sample, tokenizer, course.panel_text; ipywidgets and IPython are imported
inside the panel's functions.
"""
import html
import random

from ..model import GPT
from ..sample import generate, generate_steps
from ..tokenizer import CharTokenizer
from .panel_text import panel_bundle


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
        if not isinstance(model, GPT):
            hint = (" (a TensorGPT: pass GPT.from_weights(model.config, model.weights()))"
                    if hasattr(model, "weights") and hasattr(model, "config") else "")
            raise ValueError(f"the sampling panel needs a trained microgpt GPT, got "
                             f"{type(model).__name__}{hint}")
        if not isinstance(tokenizer, CharTokenizer):
            raise ValueError(f"the sampling panel needs the model's CharTokenizer as its second "
                             f"argument, got {type(tokenizer).__name__}")
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
        display(panel_bundle(self.widget, "sampling"), raw=True)   # the widget, and what it is

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
        items = ", ".join(f"<b>{html.escape(n)}</b>" if n in self.train_set
                          else (html.escape(n) or "(empty)") for n in self.samples)
        top = sorted(range(len(dists[0])), key=lambda i: -dists[0][i])[:3]
        first = ", ".join(f"{html.escape(self.tokenizer.itos[i])} {dists[0][i]:.2f}"
                          for i in top)
        note = (f"; {copies} of {len(self.samples)} are training names (in bold)"
                if self.train_set else "")
        self.html.value = (f"<p>temperature {t:.1f}, seed {self.seed}{note}. "
                           f"Most likely first letters: {first}</p><p>{items}</p>")
        self.render_count += 1
        return self.samples


def sampling_panel(model, tokenizer, **kwargs):
    """A `SamplingPanel`; the last expression of a cell, it shows itself."""
    return SamplingPanel(model, tokenizer, **kwargs)
