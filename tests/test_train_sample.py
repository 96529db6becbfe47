"""optim, train and sample: the seed's Adam and schedule, continuing training, sampling."""
import math
import random

import pytest

from microgpt import GPT, Adam, CharTokenizer, GPTConfig, evaluate, generate, train
from microgpt.engine import Value
from microgpt.sample import generate_steps, next_token_probs

DOCS = ["anna", "bob", "carla", "dave", "eve", "frank"]


def tiny(seed=0):
    tok = CharTokenizer(DOCS)
    return GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=6),
               random.Random(seed)), tok


def test_adam_matches_the_formula_by_hand():
    p = Value(1.0)
    opt = Adam([p], lr=0.1)
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
    opt = Adam(model.parameters(), lr=0.01)
    real_step = opt.step
    monkeypatch.setattr(opt, "step", lambda lr=None: (lrs.append(lr), real_step(lr)))
    train(model, DOCS, tok, 4, 0.01, optimizer=opt)
    assert lrs == pytest.approx([0.01, 0.0075, 0.005, 0.0025])


def test_continuing_with_the_same_optimizer_moves_on_to_the_next_documents():
    m1, tok = tiny()
    m2, _ = tiny()
    train(m1, DOCS, tok, 6, optimizer=None)
    opt = Adam(m2.parameters(), lr=0.01)
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
