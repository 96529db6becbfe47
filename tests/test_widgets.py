"""The notebook panels without a browser: sessions, estimates, buttons pressed from code,
interrupts, and the escaping of every text that comes from the data or a learner."""
import html
import os
import random
import signal
import threading

import pytest

matplotlib = pytest.importorskip("matplotlib", reason="the training panel draws its plot "
                                 "with matplotlib (pip install matplotlib)")
pytest.importorskip("ipywidgets", reason="the panels are ipywidgets (pip install ipywidgets)")
matplotlib.use("Agg")

from microgpt import split_names  # noqa: E402
from microgpt.course.session import (  # noqa: E402
    NUM_EVALS,
    StepCost,
    TrainingSession,
    check_settings,
)
from microgpt.course.widgets import (  # noqa: E402
    NUM_DRAWS,
    _head_options,
    sampling_panel,
    training_panel,
)
from microgpt.model import GPT, GPTConfig  # noqa: E402
from microgpt.tokenizer import CharTokenizer, bigram_baseline  # noqa: E402
from microgpt.training import TrainingDiverged  # noqa: E402


@pytest.fixture(scope="module")
def split(docs):
    train, val = split_names(docs, random.Random(42))
    return train[:300], val[:20]


def test_session_trains_and_continues(split):
    train, val = split
    s = TrainingSession(train, val, n_embd=8, n_head=2, block_size=6, val_size=5)
    assert s.train(6, val_every=3) == 6
    assert s.steps == [1, 2, 3, 4, 5, 6] and len(s.losses) == 6
    assert [step for step, _ in s.val] == [3, 6]
    s.train(4)
    assert s.steps[-4:] == [7, 8, 9, 10] and s.optimizer.t == 10
    assert all(isinstance(name, str) for name in s.samples(3))


def test_session_rejects_bad_settings(split):
    with pytest.raises(ValueError, match="divisible"):
        TrainingSession(split[0], n_embd=10, n_head=4)
    s = TrainingSession(split[0], n_embd=8, n_head=2, block_size=4)
    with pytest.raises(ValueError, match="num_steps"):
        s.train(0)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signal handlers live on the main thread")
def test_interrupt_ends_after_a_whole_step(split):
    s = TrainingSession(split[0], n_embd=8, n_head=2, block_size=6, val_size=0)

    def interrupt_at_3(step, total, loss):
        if step == 3:
            os.kill(os.getpid(), signal.SIGINT)     # the kernel's stop button

    done = s.train(10, callback=interrupt_at_3)
    assert s.interrupted and 3 <= done < 10
    assert len(s.losses) == len(s.steps) == s.optimizer.t == done
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # restored
    s.train(2)
    assert not s.interrupted and s.optimizer.t == done + 2


class InterruptedBackward:
    """A loss whose backward() fills the gradients, then meets a second press of the stop
    button (KeyboardInterrupt) before the optimizer's update."""

    def __init__(self, loss):
        self.loss, self.data = loss, loss.data

    def backward(self):
        self.loss.backward()
        raise KeyboardInterrupt


def weights_of(session):
    return [p.data.tolist() if hasattr(p.data, "tolist") else p.data
            for p in session.model.parameters()]


@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_an_interrupt_during_backward_drops_the_steps_gradients(split, engine):
    kw = dict(n_embd=8, n_head=2, block_size=6, val_size=0, engine=engine)
    s, ref = TrainingSession(split[0], **kw), TrainingSession(split[0], **kw)
    s.train(2)
    ref.train(2)
    real_loss = s.model.loss
    s.model.loss = lambda batch: InterruptedBackward(real_loss(batch))
    with pytest.raises(KeyboardInterrupt):
        s.train(1)
    del s.model.loss
    assert s.interrupted and s.broken is None and s.optimizer.t == len(s.losses) == 2
    empty = 0.0 if engine == "scalar" else None
    assert all(p.grad == empty if engine == "scalar" else p.grad is None
               for p in s.model.parameters())
    assert weights_of(s) == weights_of(ref)             # the update never started
    s.train(1)                                         # goes on as if nothing happened
    ref.train(1)
    assert s.losses == ref.losses and weights_of(s) == weights_of(ref)


def test_an_interrupt_during_the_update_marks_the_session_broken(split):
    s = TrainingSession(split[0], n_embd=8, n_head=2, block_size=6, val_size=0)
    s.train(1)
    step = s.optimizer.step

    def interrupted_update(lr):
        s.optimizer.t += 1                             # the update has begun...
        raise KeyboardInterrupt                        # ...and is cut short
    s.optimizer.step = interrupted_update
    with pytest.raises(KeyboardInterrupt):
        s.train(1)
    s.optimizer.step = step
    assert "half updated" in s.broken
    with pytest.raises(ValueError, match="start a new one"):
        s.train(1)


def test_settings_have_one_unknown_setting_error(split):
    with pytest.raises(ValueError, match="unknown setting 'n_embed'; the settings are n_embd, "):
        TrainingSession(split[0], n_embed=8)
    with pytest.raises(ValueError, match="unknown setting 'lr'; the settings are a, b$"):
        check_settings(["a", "lr"], ("a", "b"))
    check_settings(["a"], ("a", "b"))                   # known: nothing to say


def test_a_session_diverges_by_the_training_loops_rule(split):
    s = TrainingSession(split[0], n_embd=8, n_head=2, block_size=6, val_size=0,
                        engine="tensor", batch_size=4, learning_rate=1e300)
    with pytest.raises(TrainingDiverged, match=r"training diverged at step 1 of 1: a weight "
                                               r"reached 1e\+300 .*lower the learning rate"):
        s.train(1)
    assert "start a new one" in s.broken


class FakeClock:
    """Each call is `tick` seconds after the last: every timed interval lasts `tick`."""

    def __init__(self, tick=0.5):
        self.now, self.tick = 0.0, tick

    def __call__(self):
        self.now += self.tick
        return self.now


def test_estimate_is_steps_times_a_timed_step_plus_validation_and_extras(split):
    tok = CharTokenizer(split[0])
    cost = StepCost(split[0], tok, clock=FakeClock(0.5))
    small = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=8)
    assert cost.step_seconds(small) == 0.5                      # one timed step = one tick
    per_name = cost._eval[(small, "scalar")]
    assert cost.estimate_seconds(small, 100) == pytest.approx(50)
    assert cost.estimate_seconds(small, 200) == pytest.approx(100)
    assert cost.estimate_seconds(small, 100, 20, extra_seconds=3) == pytest.approx(
        50 + 20 * per_name + 3)
    assert cost.step_seconds(small, "tensor", 8) == 0.5 and cost.sample_seconds(small) > 0


def test_estimate_times_the_real_settings(split):
    tok = CharTokenizer(split[0])
    cost = StepCost(split[0], tok)
    small = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=8)
    big = GPTConfig(vocab_size=tok.vocab_size, n_embd=32, n_head=4, n_layer=2, block_size=16)
    a, b = cost.estimate_seconds(small, 100), cost.estimate_seconds(big, 100)
    assert 0 < a < b
    assert cost.estimate_seconds(small, 200) == pytest.approx(2 * a)


def test_panel_estimate_adds_draws_samples_and_validations(split):
    panel = training_panel(*split, val_size=5, num_samples=3, clock=FakeClock(0.5))
    s = panel.settings()
    cfg = panel._config(s)
    expected = (1000 * 0.5 + 5 * (NUM_EVALS + 1) * panel.cost._eval[(cfg, "tensor")]
                + (NUM_DRAWS + 1) * 0.5 + 3 * panel.cost.sample_seconds(cfg, "tensor"))
    assert panel.show_estimate() == pytest.approx(expected)
    assert "tensor engine" in panel.info.value and f"about {expected:.0f} s" in panel.info.value


def test_scalar_sessions_train_one_name_per_step(split):
    with pytest.raises(ValueError, match="batch_size must be 1"):
        TrainingSession(split[0], engine="scalar", batch_size=4)
    with pytest.raises(ValueError, match="unknown engine"):
        TrainingSession(split[0], engine="gpu")


def test_tensor_session_matches_the_scalar_one_with_batches_of_one(split):
    kw = dict(n_embd=8, n_head=2, block_size=6, val_size=5)
    a = TrainingSession(*split, **kw)
    b = TrainingSession(*split, engine="tensor", **kw)
    a.train(5), b.train(5)
    assert b.losses == pytest.approx(a.losses) and b.lrs == a.lrs
    assert b.val[-1][1] == pytest.approx(a.val[-1][1])
    assert all(isinstance(n, str) for n in b.samples(2))


def test_head_options_divide_n_embd():
    for n_embd in (8, 16, 24, 32):
        assert _head_options(n_embd) and all(n_embd % h == 0 for h in _head_options(n_embd))
    assert 3 in _head_options(24) and 3 not in _head_options(16)


def small_panel(split, engine="scalar"):
    panel = training_panel(*split, val_size=5, num_samples=3)
    panel.engine.value = engine
    panel.n_embd.value = 8
    panel.n_head.value = 2
    panel.block_size.value = 6
    panel.num_steps.value = 50
    return panel


@pytest.mark.slow
def test_training_panel_train_and_train_more(split):
    panel = small_panel(split)
    assert panel.more_button.disabled and "parameters" in panel.info.value
    panel.train_button.click()
    s = panel.session
    assert len(s.losses) == 50 and s.config.n_embd == 8
    assert panel.loss_plot.updates >= 20
    lines = panel.loss_plot.figure.axes[0].lines
    assert len(lines[0].get_xdata()) == 50          # the plot shows the whole history
    assert panel.plot.value[:8] == b"\x89PNG\r\n\x1a\n" and panel.progress.value == 50
    first_png = panel.plot.value
    assert not panel.more_button.disabled and len(panel.samples) == 3
    updates = panel.loss_plot.updates
    panel.more_button.click()
    assert panel.session is s and s.steps[-1] == 100 and s.optimizer.t == 100
    assert len(panel.loss_plot.figure.axes[0].lines[0].get_xdata()) == 100
    assert panel.loss_plot.updates > updates and panel.plot.value != first_png
    assert "100 steps so far" in panel.info.value
    panel.train_button.click()                       # Train starts over
    assert panel.session is not s and len(panel.session.losses) == 50


@pytest.mark.slow
def test_training_panel_status_plot_and_learning_rate(split):
    panel = small_panel(split, engine="tensor")
    assert panel.batch_size.value == 32 and not panel.batch_size.disabled
    assert panel.plot.layout.display == "none" and not panel.plot.value   # no broken image
    b8 = bigram_baseline(split[0], split[1][:5], panel.tokenizer, 8)
    panel.block_size.value = 8                       # the baseline follows the slider
    assert panel.baseline() == pytest.approx(b8) and f"{b8:.4f}" in panel.info.value
    panel.block_size.value = 6
    seen = []
    panel.info.observe(lambda change: seen.append(change["new"]), names="value")
    panel.train_button.click()
    assert any("step 0 / 50" in t for t in seen) and any("step 50 / 50" in t for t in seen)
    assert all("s left" in t for t in seen[:-1])
    assert panel.plot.layout.display is None and panel.plot.value[:4] == b"\x89PNG"
    s, text = panel.session, panel.info.value
    assert s.engine == "tensor" and s.batch_size == 32
    assert f"validation loss {s.val[-1][1]:.4f}" in text
    assert f"bigram baseline {panel.baseline(6):.4f} (block_size 6" in text
    assert "learning rate starts again at 0.0100" in text
    panel.more_button.click()
    val_line = next(ln for ln in panel.loss_plot.figure.axes[0].lines
                    if ln.get_label() == "validation")
    steps = list(val_line.get_xdata())
    assert steps == [step for step, _ in s.val] and len(set(steps)) == len(steps)   # once each
    lrs = list(panel.loss_plot.figure.axes[1].lines[0].get_ydata())
    assert len(lrs) == 100 and lrs[0] == lrs[50] == pytest.approx(0.01)   # restarts at 0.01
    assert lrs[49] < 0.001 and lrs[99] < 0.001
    panel.engine.value = "scalar"                    # one name per step, batch slider greyed
    assert panel.batch_size.value == 1 and panel.batch_size.disabled
    panel.engine.value = "tensor"
    assert panel.batch_size.value == 32


def test_session_validates_a_step_once(split):
    s = TrainingSession(*split, n_embd=8, n_head=2, block_size=6, val_size=3)
    s.train(4, val_every=2)
    s.validate()
    assert [step for step, _ in s.val] == [2, 4]


def test_training_panel_explains_invalid_settings(split):
    panel = small_panel(split)
    panel.train(n_embd=24, n_head=5)                 # what no slider allows: a message
    assert "divisible" in panel.info.value and panel.session is None
    panel.more_button.disabled = False
    panel.more_button.click()
    assert "Train" in panel.info.value and panel.session is None
    panel.n_embd.value = 24
    panel.n_head.value = 6
    panel.n_embd.value = 16                          # 6 does not divide 16: n_head follows
    assert panel.n_head.value in _head_options(16)
    assert panel.show_estimate() > 0


def test_sampling_panel_resamples(split):
    tok = CharTokenizer(split[0] + split[1])
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=8),
                random.Random(0))
    panel = sampling_panel(model, tok, train_docs=split[0], num_samples=6)
    assert panel.render_count == 1 and len(panel.samples) == 6
    first, html = list(panel.samples), panel.html.value
    probs_t1 = panel.first_probs
    panel.temperature.value = 0.3
    assert panel.render_count == 2 and panel.html.value != html
    assert max(panel.first_probs) > max(probs_t1)    # colder: sharper
    panel.temperature.value = 1.0
    assert panel.samples == first                    # same draws at the same temperature
    panel.resample_button.click()
    assert panel.render_count == 4 and panel.seed == 1 and len(panel.samples) == 6


HOSTILE = "<img src=x onerror=alert(1)>"


def test_the_sampling_panel_escapes_names_and_letters_from_the_data():
    docs = [HOSTILE, "<b>bold</b>", "a&b"] * 3
    tok = CharTokenizer(docs)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=8),
                random.Random(0))
    panel = sampling_panel(model, tok, train_docs=docs, num_samples=12)
    text = panel.html.value
    assert any(ch in "".join(panel.samples) for ch in "<>&")       # the test means something
    for tag in ("<p>", "</p>", "<b>", "</b>"):                       # the panel's own markup
        text = text.replace(tag, "")
    assert "<" not in text and ">" not in text
    assert all(html.escape(name) in panel.html.value for name in panel.samples if name)


def test_the_sampling_panel_says_what_to_pass(split):
    np = pytest.importorskip("numpy", reason="the tensor model needs NumPy")
    assert np
    from microgpt.tensor.model import TensorGPT
    tok = CharTokenizer(split[0])
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2)
    with pytest.raises(ValueError, match=r"GPT.from_weights\(model.config, model.weights\(\)\)"):
        sampling_panel(TensorGPT(cfg, random.Random(0)), tok)
    with pytest.raises(ValueError, match="CharTokenizer as its second argument"):
        sampling_panel(GPT(cfg, random.Random(0)), split[0])


def test_the_training_panel_refuses_one_string_for_a_list_of_names():
    with pytest.raises(ValueError, match=r"train_docs must be a list of names.*not one string"):
        training_panel("emma")
    with pytest.raises(ValueError, match="val_docs must be a list of names"):
        training_panel(["emma", "olivia"], "ava")


def test_the_training_panel_escapes_samples_and_messages():
    docs = [HOSTILE, "<b>bold</b>", "a&b"] * 20
    panel = training_panel(docs, docs[:5], val_size=5, num_samples=8)
    panel.train(n_embd="<script>")                                  # a learner's typo
    assert "&lt;script&gt;" in panel.info.value and "<script>" not in panel.info.value
    panel.num_steps.value = 50
    panel.train(engine="scalar", n_embd=8, n_head=2, block_size=4, batch_size=1)
    assert panel.session is not None and len(panel.samples) == 8
    shown = panel.samples_html.value.replace("<b>samples:</b> ", "", 1)
    assert any(ch in "".join(panel.samples) for ch in "<>&")
    assert shown == html.escape(", ".join(panel.samples)) and "<" not in shown
