"""The training session and panel under hostile settings (issues 13, 20): interrupts during
validation, divergence, sizes too big for this process (refused before any work, the
memory faked, never taken), empty documents and unknown settings."""
import html
import os
import signal
import threading

import pytest

from microgpt import limits
from microgpt.course.session import StepCost, TrainingSession
from microgpt.tokenizer import CharTokenizer
from microgpt.training import TrainingDiverged

main_thread_only = pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                                      reason="signal handlers live on the main thread")


def counting_losses(session):
    """Count the names the session's model scores (one loss call per validation name)."""
    calls, loss = [0], session.model.loss

    def counted(*a, **k):
        calls[0] += 1
        return loss(*a, **k)
    session.model.loss = counted
    return calls


def interrupting_validation(session, presses):
    """Make the session's next validation press the stop button `presses` times as it
    starts; returns a list that gets the number of names that validation then scored."""
    scored, validate = [], session.validate

    def validate_pressed(should_stop=None):
        for _ in range(presses):
            os.kill(os.getpid(), signal.SIGINT)
        calls = counting_losses(session)
        try:
            return validate(should_stop)
        finally:
            del session.model.loss
            scored.append(calls[0])
    session.validate = validate_pressed
    return scored


@main_thread_only
def test_interrupting_validation_stops_at_the_next_name(docs):
    s = TrainingSession(docs[:200], docs[200:500], n_embd=8, n_head=2, val_size=300)
    calls = counting_losses(s)
    s.validate()
    del s.model.loss
    assert calls[0] == 300 and len(s.val) == 1                  # a whole validation: 300
    s.val.pop()
    scored = interrupting_validation(s, presses=1)
    done = s.train(3, val_every=1)
    assert s.interrupted and done == 1 and s.val == []       # the validation was abandoned
    assert scored[0] <= 1, scored                             # at the next name, not the 300th
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    del s.validate
    assert s.train(1) == 1 and not s.interrupted and len(s.val) == 1   # goes on as usual


@main_thread_only
def test_a_second_interrupt_is_not_swallowed(docs):
    s = TrainingSession(docs[:200], docs[200:500], n_embd=8, n_head=2, val_size=300)
    interrupting_validation(s, presses=2)
    with pytest.raises(KeyboardInterrupt):
        s.train(3, val_every=1)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    del s.validate                  # interrupted between steps: the session is still whole
    assert s.broken is None and s.train(1) == 1 and s.optimizer.t == len(s.losses) == 2


def test_a_session_that_diverges_says_so_and_refuses_to_go_on(docs):
    s = TrainingSession(docs[:300], docs[300:310], n_embd=8, n_head=2, learning_rate=50.0)
    with pytest.raises(TrainingDiverged):
        s.train(500)
    with pytest.raises(ValueError, match="start a new one"):
        s.train(1)


# ---------------------------------------------------------------- sizes

@pytest.fixture
def memory(monkeypatch):
    def set_mb(mb):
        monkeypatch.setattr(limits, "available_memory", lambda: mb * 2**20)
    return set_mb


def test_a_session_too_big_for_memory_is_refused(docs, memory):
    memory(1)
    with pytest.raises(ValueError, match="this process has about 1 MB"):
        TrainingSession(docs[:100], n_embd=32, n_layer=2)


def test_a_huge_batch_is_refused_before_any_work(docs, memory):
    pytest.importorskip("numpy")
    memory(512)
    with pytest.raises(ValueError, match=r"a step on a batch of 1,000,000,000 names .* make "
                                         r"batch_size smaller \(about [\d,]+ names fit\)"):
        TrainingSession(docs[:100], engine="tensor", batch_size=10**9)
    assert TrainingSession(docs[:100], engine="tensor", batch_size=32).batch_size == 32


def test_a_huge_vocabulary_is_named(memory):
    chars = "".join(chr(0x4E00 + i) for i in range(limits.MAX_VOCAB))
    with pytest.raises(ValueError, match=f"the data has {limits.MAX_VOCAB:,} different "
                                         "characters"):
        TrainingSession([chars[i:i + 8] for i in range(0, len(chars), 8)])


# ---------------------------------------------------------------- bad settings

def test_sessions_refuse_empty_documents_unknown_settings_and_negative_sizes(docs):
    with pytest.raises(ValueError, match="at least one training document"):
        TrainingSession([])
    with pytest.raises(ValueError, match="at least one training document"):
        StepCost([], CharTokenizer(["ab"]))
    with pytest.raises(ValueError, match="unknown setting 'n_embed'; the settings are n_embd"):
        TrainingSession(docs[:10], n_embed=8)
    with pytest.raises(ValueError, match="val_size must be at least 0, got -1"):
        TrainingSession(docs[:10], docs[10:20], val_size=-1)
    s = TrainingSession(docs[:10], docs[10:20], n_embd=8, n_head=2)
    with pytest.raises(ValueError, match="val_every must be at least 1"):
        s.train(2, val_every=-3)


# ---------------------------------------------------------------- the training panel

@pytest.fixture(scope="module")
def panel_split(docs):
    pytest.importorskip("ipywidgets")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    return docs[:200], docs[200:220]


def test_the_training_panel_refuses_empty_documents_and_negative_sizes(panel_split):
    from microgpt.course.widgets import training_panel
    with pytest.raises(ValueError, match="the training panel needs at least one training "
                                         "document"):
        training_panel([], [])
    with pytest.raises(ValueError, match="val_size must be at least 0, got -5"):
        training_panel(*panel_split, val_size=-5)


def test_the_training_panel_explains_unknown_settings_and_sizes(panel_split):
    from microgpt.course.widgets import training_panel
    panel = training_panel(*panel_split, val_size=5, num_samples=2)
    panel.train(n_embed=8)
    assert panel.session is None and html.unescape(panel.info.value).startswith(
        "<b>Cannot build this model:</b> unknown setting 'n_embed'; the settings are n_embd")
    assert panel.show_estimate(num_step=3) is None and "unknown setting" in panel.info.value
    panel.train(n_layer=100_000)
    assert panel.session is None and "trains at most 500,000" in panel.info.value
    panel.train(n_embd=128, n_layer=4, n_head=4)                # 800k: fine for GPTConfig
    assert panel.session is None and "the training panel trains at most 500,000" in \
        panel.info.value
    assert panel.show_estimate(n_embd=128, n_layer=4) is None
    panel.train(learning_rate=-1)
    assert "learning_rate must be a positive finite number" in panel.info.value


def test_the_training_panel_reports_divergence(panel_split):
    from microgpt.course.widgets import training_panel
    panel = training_panel(*panel_split, val_size=5, num_samples=2)
    panel.n_embd.value, panel.n_head.value, panel.num_steps.value = 8, 2, 300
    panel.train(learning_rate=50.0)
    assert panel.info.value.startswith("<b>Training stopped:</b> training diverged at step ")
    assert panel.more_button.disabled and not panel.train_button.disabled
    panel.train(fresh=False)
    assert "start a new one" in panel.info.value


def test_the_training_panel_refuses_a_huge_batch_before_any_work(panel_split, memory):
    from microgpt.course.widgets import training_panel
    memory(512)
    panel = training_panel(*panel_split, val_size=5, num_samples=2)
    panel.train(engine="tensor", batch_size=10**9)
    text = html.unescape(panel.info.value)
    assert panel.session is None and "a step on a batch of 1,000,000,000 names" in text
    assert "make batch_size smaller" in text
