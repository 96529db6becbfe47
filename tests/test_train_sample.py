"""optim, train and sample: the seed's Adam and schedule, continuing training, sampling."""
import math
import random

import pytest

from microgpt import GPT, Adam, CharTokenizer, GPTConfig, evaluate, generate, train
from microgpt.engine import Value
from microgpt.sample import generate_steps, low_temperature_limit, next_token_probs
from microgpt.training import MAX_WEIGHT, TrainingDiverged, run_steps, train_step

DOCS = ["anna", "bob", "carla", "dave", "eve", "frank"]


def tiny(seed=0):
    tok = CharTokenizer(DOCS)
    return GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=6),
               random.Random(seed)), tok


def test_adam_matches_the_formula_by_hand():
    p = Value(1.0)
    opt = Adam([p], learning_rate=0.1)
    p.grad = 2.0
    opt.step()
    m, v = 0.1 * 2.0, 0.05 * 4.0
    expected = 1.0 - 0.1 * (m / 0.1) / ((v / 0.05) ** 0.5 + 1e-8)
    assert p.data == pytest.approx(expected, rel=1e-15) and p.grad == 0.0
    p.grad = -1.0
    opt.step(lr=0.05)
    m, v = 0.9 * m + 0.1 * -1.0, 0.95 * v + 0.05 * 1.0
    expected -= 0.05 * (m / (1 - 0.9 ** 2)) / ((v / (1 - 0.95 ** 2)) ** 0.5 + 1e-8)
    assert p.data == pytest.approx(expected, rel=1e-15) and opt.t == 2


@pytest.mark.parametrize("lr", [0, -1, float("nan"), float("inf"), "0.1", True])
def test_bad_learning_rates(lr):
    model, tok = tiny()
    with pytest.raises(ValueError, match="learning"):
        train(model, DOCS, tok, 1, lr)


def test_bad_num_steps():
    model, tok = tiny()
    with pytest.raises(ValueError, match="num_steps"):
        train(model, DOCS, tok, 0)


def test_training_lowers_the_loss_and_reports_every_step():
    model, tok = tiny()
    before = evaluate(model, DOCS, tok)
    seen = []
    losses = train(model, DOCS, tok, 60, 0.02, callback=lambda s, n, loss: seen.append((s, n)))
    assert len(losses) == 60 and seen[0] == (1, 60) and seen[-1] == (60, 60)
    assert evaluate(model, DOCS, tok) < before - 0.5


def test_learning_rate_decays_linearly_to_zero(monkeypatch):
    model, tok = tiny()
    lrs = []
    opt = Adam(model.parameters(), learning_rate=0.01)
    real_step = opt.step
    monkeypatch.setattr(opt, "step", lambda lr=None: (lrs.append(lr), real_step(lr)))
    train(model, DOCS, tok, 4, 0.01, optimizer=opt)
    assert lrs == pytest.approx([0.01, 0.0075, 0.005, 0.0025])


def test_continuing_with_the_same_optimizer_moves_on_to_the_next_documents():
    m1, tok = tiny()
    m2, _ = tiny()
    train(m1, DOCS, tok, 6, optimizer=None)
    opt = Adam(m2.parameters(), learning_rate=0.01)
    train(m2, DOCS, tok, 3, optimizer=opt)
    assert opt.t == 3
    more = train(m2, DOCS, tok, 3, optimizer=opt)
    assert opt.t == 6 and len(more) == 3 and all(math.isfinite(x) for x in more)


def test_generate_stops_at_eos_or_block_size_and_is_seeded():
    model, tok = tiny()
    train(model, DOCS, tok, 30, 0.02)
    a = [generate(model, tok, random.Random(1)) for _ in range(5)]
    b = [generate(model, tok, random.Random(1)) for _ in range(5)]
    assert a == b
    tokens, dists = generate_steps(model, tok, random.Random(2))
    assert len(tokens) <= model.config.block_size and len(dists) >= len(tokens)
    assert all(abs(sum(d) - 1) < 1e-9 for d in dists)
    assert set(tok.decode(tokens)) <= set(tok.chars)


def test_temperature_sharpens_and_flattens():
    logits = [Value(1.0), Value(2.0), Value(3.0)]
    cold, base, hot = (next_token_probs(logits, t) for t in (0.5, 1.0, 2.0))
    assert cold[2] > base[2] > hot[2]
    for bad in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="temperature"):
            next_token_probs(logits, bad)


def test_adam_takes_learning_rate_and_its_old_spelling_lr():
    p = Value(0.0)
    assert Adam([p], learning_rate=0.2).learning_rate == 0.2 == Adam([p], lr=0.2).learning_rate
    assert Adam([p]).learning_rate == 0.01 and Adam([p], 0.3).learning_rate == 0.3
    with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
        Adam([p], lr=0)
    with pytest.raises(ValueError, match="give the learning rate once"):
        Adam([p], learning_rate=0.1, lr=0.1)


def diverged_by(step_fn, num_steps=3):
    """The message run_steps raises when `step_fn(model, opt, batch, lr)` is its step."""
    model, tok = tiny()
    opt = Adam(model.parameters())
    seen = []
    with pytest.raises(TrainingDiverged) as e:
        run_steps(model, opt, DOCS, tok, num_steps, 0.01,
                  lambda batch, lr: step_fn(model, opt, batch, lr),
                  callback=lambda k, n, loss: seen.append(loss))
    return str(e.value), seen


def test_one_divergence_rule_for_every_way_a_run_blows_up():
    def blow_up_weights(model, opt, batch, lr):
        loss = train_step(model, opt, batch[0], lr)
        model.parameters()[0].data = 2 * MAX_WEIGHT                 # finite but huge
        return loss

    def nan_weights(model, opt, batch, lr):
        loss = train_step(model, opt, batch[0], lr)
        model.parameters()[-1].data = math.nan
        return loss

    def log_of_zero(model, opt, batch, lr):
        return Value(0.0).log().data

    def overflow(model, opt, batch, lr):
        return Value(1000.0).exp().data

    def huge_loss(model, opt, batch, lr):
        return 100 * math.log(len(model.state_dict["wte"])) + 1

    def nan_loss(model, opt, batch, lr):
        return math.nan

    cases = [(blow_up_weights, "a weight reached 2e+06 (more than 1e+06)"),
             (nan_weights, "a weight became nan"),
             (log_of_zero, "a probability reached 0"),
             (overflow, "its numbers overflowed"),
             (huge_loss, "the loss reached 265, over 100 times that of a model that knows "
                         "nothing (2.64)"),
             (nan_loss, "the loss became nan")]
    for step_fn, what in cases:
        message, seen = diverged_by(step_fn)
        assert message.startswith(f"training diverged at step 1 of 3: {what}"), message
        assert message.endswith("; lower the learning rate (it was 0.01; try 0.001)")
        assert seen == []                                  # nothing recorded of that step


def test_other_value_errors_of_a_step_are_not_divergence():
    def a_bug(model, opt, batch, lr):
        raise ValueError("a bug in my step")
    model, tok = tiny()
    with pytest.raises(ValueError, match="a bug in my step") as e:
        run_steps(model, Adam(model.parameters()), DOCS, tok, 1, 0.01, lambda b, lr: a_bug(
            model, None, b, lr))
    assert not isinstance(e.value, TrainingDiverged)


def test_a_learning_rate_of_1e300_diverges_after_one_step_not_later():
    model, tok = tiny()
    with pytest.raises(TrainingDiverged, match=r"at step 1 of 1: a weight reached 1e\+300"):
        train(model, DOCS, tok, 1, learning_rate=1e300)


def test_generate_needs_a_random_generator():
    model, tok = tiny()
    for rng in (None, 42):
        with pytest.raises(ValueError, match=r"rng must be a random.Random, e.g. "):
            generate(model, tok, rng)


def test_the_low_temperature_limit_is_greedy_only_where_the_softmax_would_overflow():
    assert low_temperature_limit([1.0, 3.0, 2.0], 0.5) is None
    assert low_temperature_limit([1.0, 3.0, 2.0], 1e-310) == [0.0, 1.0, 0.0]
    assert low_temperature_limit([3.0, -1e300, 3.0], 1e-10) == [0.5, 0.0, 0.5]
    logits = [Value(1.0), Value(3.0), Value(2.0)]
    assert next_token_probs(logits, 1e-310) == [0.0, 1.0, 0.0]
