"""The notebook panels without a browser: sessions, estimates, buttons pressed from code."""
import os
import random
import signal
import threading

import matplotlib
import pytest

matplotlib.use("Agg")

pytest.importorskip("ipywidgets")

from microgpt import split_names  # noqa: E402
from microgpt.model import GPT, GPTConfig  # noqa: E402
from microgpt.session import StepCost, TrainingSession  # noqa: E402
from microgpt.tokenizer import CharTokenizer  # noqa: E402
from microgpt.widgets import _head_options, sampling_panel, training_panel  # noqa: E402


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


def test_estimate_scales_with_model_size(split):
    tok = CharTokenizer(split[0])
    cost = StepCost(split[0], tok)
    small = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=8)
    big = GPTConfig(vocab_size=tok.vocab_size, n_embd=32, n_head=4, n_layer=3, block_size=16)
    assert cost.units(big) > 10 * cost.units(small)
    a, b = cost.estimate_seconds(small, 100), cost.estimate_seconds(big, 100)
    assert 0 < a < b
    assert cost.estimate_seconds(small, 200) == pytest.approx(2 * a)


def test_head_options_divide_n_embd():
    for n_embd in (8, 16, 24, 32):
        assert _head_options(n_embd) and all(n_embd % h == 0 for h in _head_options(n_embd))
    assert 3 in _head_options(24) and 3 not in _head_options(16)


def small_panel(split):
    panel = training_panel(*split, baseline=2.5, val_size=5, num_samples=3)
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
    assert panel.plot_updates >= 20
    lines = panel.figure.axes[0].lines
    assert len(lines[0].get_xdata()) == 50          # the plot shows the whole history
    assert panel.plot.value[:8] == b"\x89PNG\r\n\x1a\n" and panel.progress.value == 50
    first_png = panel.plot.value
    assert not panel.more_button.disabled and len(panel.samples) == 3
    updates = panel.plot_updates
    panel.more_button.click()
    assert panel.session is s and s.steps[-1] == 100 and s.optimizer.t == 100
    assert len(panel.figure.axes[0].lines[0].get_xdata()) == 100
    assert panel.plot_updates > updates and panel.plot.value != first_png
    assert "100 steps so far" in panel.info.value
    panel.train_button.click()                       # Train starts over
    assert panel.session is not s and len(panel.session.losses) == 50


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
