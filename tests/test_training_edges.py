"""Training that diverges (issue 13), on both engines: `TrainingDiverged` at the first step
that goes wrong, before a bad loss is recorded."""
import gc
import math
import random

import pytest

from microgpt.model import GPT, GPTConfig
from microgpt.tokenizer import CharTokenizer
from microgpt.training import TrainingDiverged, train


def test_train_raises_training_diverged_before_a_nan_is_recorded(docs):
    tok = CharTokenizer(docs)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2), random.Random(0))
    seen = []
    with pytest.raises(TrainingDiverged, match=r"training diverged at step \d+ of 500"):
        train(model, docs, tok, 500, learning_rate=50.0,
              callback=lambda k, n, loss: seen.append(loss))
    assert all(math.isfinite(x) for x in seen)


def test_tensor_training_that_diverges_raises_training_diverged(docs):
    pytest.importorskip("numpy")
    from microgpt.tensor.model import TensorGPT
    from microgpt.tensor.training import train_tensor
    tok = CharTokenizer(docs)
    model = TensorGPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2),
                      random.Random(0))
    seen = []
    with pytest.raises(TrainingDiverged, match=r"training diverged at step \d+ of 100"):
        train_tensor(model, docs, tok, 100, learning_rate=1e200, batch_size=4,
                     callback=lambda k, n, loss: seen.append(loss))
    assert all(math.isfinite(x) for x in seen)


def test_steps_and_evaluation_run_with_the_collector_paused_and_give_it_back(docs):
    from microgpt.optim import Adam
    from microgpt.training import evaluate, run_steps, train_step
    tok = CharTokenizer(docs)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2), random.Random(0))
    opt = Adam(model.parameters())
    seen = []

    def step(batch, lr):
        seen.append(("step", gc.isenabled()))
        return train_step(model, opt, batch[0], lr)

    run_steps(model, opt, docs, tok, 2, 0.01, step,
              callback=lambda k, n, loss: seen.append(("callback", gc.isenabled())))
    loss = model.loss
    model.loss = lambda tokens: seen.append(("evaluate", gc.isenabled())) or loss(tokens)
    evaluate(model, docs[:2], tok)
    assert seen == [("step", False), ("callback", True)] * 2 + [("evaluate", False)] * 2
    assert gc.isenabled()
    with pytest.raises(TrainingDiverged):
        train(GPT(model.config, random.Random(0)), docs, tok, 500, learning_rate=50.0)
    assert gc.isenabled(), "a run that raised must give the collector back"
