"""The exercise checkers of the chapters transformer_block, training and sampling: a right
answer passes, a wrong one and None fail."""
import math
import random

import pytest

from microgpt.checks import sampling, training, transformer_block
from microgpt.model import GPT, GPTConfig
from microgpt.nn import linear
from microgpt.tokenizer import CharTokenizer


def right_mlp(x, w_fc1, w_fc2):
    return linear([h.relu() ** 2 for h in linear(x, w_fc1)], w_fc2)


def plain_relu_mlp(x, w_fc1, w_fc2):
    return linear([h.relu() for h in linear(x, w_fc1)], w_fc2)


def right_count(vocab_size, n_embd, n_layer, block_size):
    return (vocab_size + block_size) * n_embd + 12 * n_layer * n_embd ** 2


def untied_count(vocab_size, n_embd, n_layer, block_size):
    return right_count(vocab_size, n_embd, n_layer, block_size) + vocab_size * n_embd


def right_adam(p, g, m, v, t, lr):
    m = 0.9 * m + 0.1 * g
    v = 0.95 * v + 0.05 * g * g
    return p - lr * (m / (1 - 0.9 ** t)) / ((v / (1 - 0.95 ** t)) ** 0.5 + 1e-8), m, v


def adam_without_bias_correction(p, g, m, v, t, lr):
    m = 0.9 * m + 0.1 * g
    v = 0.95 * v + 0.05 * g * g
    return p - lr * m / (v ** 0.5 + 1e-8), m, v


def right_temperature(logits, t):
    scaled = [x / t for x in logits]
    exps = [math.exp(x - max(scaled)) for x in scaled]
    return [e / sum(exps) for e in exps]


def naive_temperature(logits, t):      # forgets the temperature
    return right_temperature(logits, 1.0)


def greedy(model, tok):
    keys, values = model.empty_cache()
    token, ids = tok.bos, []
    for pos in range(model.config.block_size):
        logits = [x.data for x in model.forward(token, pos, keys, values)]
        token = logits.index(max(logits))
        if token == tok.eos:
            break
        ids.append(token)
    return tok.decode(ids)


@pytest.fixture(scope="module")
def small_model():
    tok = CharTokenizer(["ann", "bob", "cid", "dee"])
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=6),
                random.Random(3))
    noise = random.Random(4)
    for p in model.parameters():              # attn_wo / mlp_fc2 start at 0: make it varied
        p.data += noise.gauss(0, 0.3)
    return model, tok


CHECKERS = {name: getattr(module, name) for module in (transformer_block, training, sampling)
            for name in dir(module) if name.startswith("check_")}

CASES = [
    ("check_mlp", right_mlp, plain_relu_mlp),
    ("check_param_count", right_count, untied_count),
    ("check_lr_schedule", lambda s, n, lr: lr * (1 - s / n),
     lambda s, n, lr: lr * (1 - s / (n - 1))),
    ("check_adam_update", right_adam, adam_without_bias_correction),
    ("check_temperature_probs", right_temperature, naive_temperature),
]


@pytest.mark.parametrize("name, right, wrong", CASES, ids=[c[0] for c in CASES])
def test_checker_accepts_right_rejects_wrong_and_none(name, right, wrong, capsys):
    checker = CHECKERS[name]
    assert checker(right) is True
    assert capsys.readouterr().out.startswith("✅")
    assert checker(wrong) is False
    assert "Not yet" in capsys.readouterr().out
    assert checker(None) is False
    assert "replace None" in capsys.readouterr().out


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_checker_reports_a_crashing_answer(name, capsys):
    def broken(*args):
        raise ZeroDivisionError("oops")
    assert CHECKERS[name](broken) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_specific_hints(capsys):
    transformer_block.check_mlp(plain_relu_mlp)
    assert "square" in capsys.readouterr().out
    transformer_block.check_param_count(untied_count)
    assert "tied" in capsys.readouterr().out
    training.check_adam_update(adam_without_bias_correction)
    assert "1 - beta1**t" in capsys.readouterr().out


def test_greedy_name(small_model, capsys):
    model, tok = small_model
    assert sampling.check_greedy_name(greedy, model, tok) is True
    assert sampling.check_greedy_name(lambda m, t: "zzz", model, tok) is False
    assert sampling.check_greedy_name(None, model, tok) is False
    out = capsys.readouterr().out
    assert out.count("✅") == 1 and out.count("Not yet") == 2
