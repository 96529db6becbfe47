"""Chapter 07's exercise checkers (microgpt.course.checks.sampling): each accepts at least two
different correct answers, rejects the typical wrong ones with a hint that names the
mistake, says "Not yet" to an unanswered None and turns a crashing answer into a verdict.
The greedy-name and experiment checkers run on the chapter's own trained checkpoint."""
import math
import random

import numpy as np
import pytest

from microgpt import generate, load_checkpoint
from microgpt.course.checks import sampling
from microgpt.course.checks.common import exercises
from microgpt.engine import Value
from microgpt.sample import next_token_probs

from conftest import ROOT, boom, fails, passes

CHECKPOINT = ROOT / "notebooks" / "checkpoints" / "names_small.json"


@pytest.fixture(scope="module")
def trained():
    ck = load_checkpoint(CHECKPOINT)
    return ck.model, ck.tokenizer


def test_the_chapter_registers_five_exercises_mostly_not_implement():
    listed = exercises("07")
    assert [e for e, _, _ in listed] == ["07.1", "07.2", "07.3", "07.4", "07.5"]
    assert [k for _, _, k in listed] == ["find-the-bug", "predict", "experiment", "implement",
                                         "ablate"]


# ------------------------------------------------------------------ 07.1 temperature, find the bug

def planted(logits, temperature):                 # the notebook's buggy probs_at
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    probs = [e / sum(exps) for e in exps]
    return [p ** (1 / temperature) for p in probs]


def renormalised(logits, temperature):            # the notebook's solution
    sharpened = planted(logits, temperature)
    return [s / sum(sharpened) for s in sharpened]


def divide_logits(logits, temperature):           # the other fix
    scaled = [x / temperature for x in logits]
    top = max(scaled)
    exps = [math.exp(x - top) for x in scaled]
    return [e / sum(exps) for e in exps]


def shift_then_divide(logits, temperature):       # max subtracted before dividing: fine too
    top = max(logits)
    exps = [math.exp((x - top) / temperature) for x in logits]
    total = sum(exps)
    return tuple(e / total for e in exps)


def numpy_probs(logits, temperature):
    x = np.asarray(logits) / temperature
    e = np.exp(x - x.max())
    return e / e.sum()


def package_probs(logits, temperature):           # the chapter's own function, on Values
    return next_token_probs([Value(x) for x in logits], temperature)


def value_probs(logits, temperature):             # Values out
    return [Value(p) for p in divide_logits(logits, temperature)]


def divide_probs(logits, temperature):
    return [p / temperature for p in planted(logits, 1.0)]


def multiply_logits(logits, temperature):
    return divide_logits(logits, 1 / temperature)


def no_temperature(logits, temperature):          # the old checker's wrong answer
    return divide_logits(logits, 1.0)


def no_shift(logits, temperature):
    exps = [math.exp(x / temperature) for x in logits]
    return [e / sum(exps) for e in exps]


def test_temperature_accepts_every_fix(capsys):
    for fn in (renormalised, divide_logits, shift_then_divide, numpy_probs, package_probs,
               value_probs):
        assert "Fixed" in passes(capsys, sampling.check_temperature_probs, fn)


def test_temperature_names_each_mistake(capsys):
    line = fails(capsys, sampling.check_temperature_probs, planted)
    assert "add up to 0.5105, not 1" in line and "renormalises" in line
    line = fails(capsys, sampling.check_temperature_probs, divide_probs)
    assert "divided the probabilities by T" in line
    line = fails(capsys, sampling.check_temperature_probs, multiply_logits)
    assert "multiplied the logits by T" in line
    line = fails(capsys, sampling.check_temperature_probs, no_temperature)
    assert "no effect" in line
    line = fails(capsys, sampling.check_temperature_probs, no_shift)
    assert "overflow" in line and "subtract the largest" in line
    line = fails(capsys, sampling.check_temperature_probs, lambda logits, t: 0.5)
    assert "return a list" in line


def test_temperature_unanswered_and_crashing(capsys):
    assert "replace None" in fails(capsys, sampling.check_temperature_probs, None)
    assert "KeyError" in fails(capsys, sampling.check_temperature_probs, boom)


# ------------------------------------------------------------------ 07.2 predict the limits

@pytest.fixture(scope="module")
def first_logits(trained):
    model, tok = trained
    keys, values = model.empty_cache()
    return model.forward(tok.bos, 0, keys, values)


def test_limits_accept_predictions_within_the_tolerance(capsys, first_logits):
    for cold, hot in ((1.0, 1 / 28), (1, 0.036), (0.995, 0.0375)):
        line = passes(capsys, sampling.check_temperature_limits, cold, hot, first_logits)
        assert "1.0000 at T = 0.01, 0.0363 at T = 100" in line


def test_limits_name_each_mistake(capsys, first_logits):
    check = sampling.check_temperature_limits
    line = fails(capsys, check, 1 / 28, 1.0, first_logits)         # swapped
    assert line.count("the other limit") == 2
    line = fails(capsys, check, 0.1327, 0.1327, first_logits)      # T changes nothing
    assert line.count("the top probability at T = 1") == 2
    line = fails(capsys, check, 1.0, 0.0, first_logits)            # hot kills everything
    assert "p_hot is 0, too low" in line and "1/28" in line and "p_cold" not in line
    line = fails(capsys, check, 0.6, 0.04, first_logits)
    assert "p_cold is 0.6, too low" in line and "takes almost everything" in line
    assert "p_hot is 0.04, too high" in line
    assert "1.0000 at T = 0.01" in line                            # the real values shown


def test_limits_unanswered_and_not_numbers(capsys, first_logits):
    check = sampling.check_temperature_limits
    assert "replace None" in fails(capsys, check, None, None, first_logits)
    assert "replace None" in fails(capsys, check, 1.0, None, first_logits)
    assert "should be a number" in fails(capsys, check, "one", 0.03, first_logits)
    assert "should be a number" in fails(capsys, check, 1.0, [0.03], first_logits)


# ------------------------------------------------------------------ 07.3 experiment

def fake_measure(table):
    return lambda t, *args: table[t]


def test_new_and_likely_hints(capsys, monkeypatch):
    table = {0.7: (0.855, -13.54), 0.66: (0.80, -13.1), 0.5: (0.72, -12.15),
             1.0: (0.905, -15.89), 0.1: (0.1, -20.0)}
    monkeypatch.setattr(sampling, "_new_and_likely", fake_measure(table))
    check = sampling.check_new_and_likely
    for t in (0.7, 0.66):
        assert "a little below 1" in passes(capsys, check, t, None, None, [], [])
    line = fails(capsys, check, 0.5, None, None, [], [])
    assert "72% of the 200 samples are new" in line and "raise T" in line
    line = fails(capsys, check, 1.0, None, None, [], [])
    assert "-15.89" in line and "lower T" in line
    assert fails(capsys, check, 0.1, None, None, [], []).startswith("Cannot tell:")
    assert "replace None" in fails(capsys, check, None, None, None, [], [])
    assert "positive number" in fails(capsys, check, -1.0, None, None, [], [])
    assert "positive number" in fails(capsys, check, "0.7", None, None, [], [])
    assert "random letters" in fails(capsys, check, 50, None, None, [], [])


@pytest.mark.slow
def test_new_and_likely_on_the_chapter_model(capsys, trained, docs):
    from microgpt import split_names
    model, tok = trained
    train_docs, val_docs = split_names(docs, random.Random(42))      # the checkpoint's split
    check = sampling.check_new_and_likely
    line = passes(capsys, check, 0.7, model, tok, train_docs, val_docs)
    assert "86% of the 200 samples are new names, mean log P -13.54" in line
    passes(capsys, check, 0.65, model, tok, train_docs, val_docs)
    assert "raise T" in fails(capsys, check, 0.5, model, tok, train_docs, val_docs)
    assert "lower T" in fails(capsys, check, 1.0, model, tok, train_docs, val_docs)


# ------------------------------------------------------------------ 07.4 the greedy name

def index_of_max(model, tok):                      # the notebook's solution
    keys, values = model.empty_cache()
    token, ids = tok.bos, []
    for pos in range(model.config.block_size):
        logits = [v.data for v in model.forward(token, pos, keys, values)]
        token = logits.index(max(logits))
        if token == tok.eos:
            break
        ids.append(token)
    return tok.decode(ids)


def loop_over_vocabulary(model, tok):              # a hand loop, a while, letters joined
    keys, values = model.empty_cache()
    token, pos, name = tok.bos, 0, ""
    while pos < model.config.block_size:
        logits = model.forward(token, pos, keys, values)
        best = 0
        for i in range(len(logits)):
            if logits[i].data > logits[best].data:
                best = i
        if best == tok.eos:
            break
        name += tok.itos[best]
        token, pos = best, pos + 1
    return name


def numpy_argmax(model, tok):
    keys, values = model.empty_cache()
    token, ids = tok.bos, []
    for pos in range(model.config.block_size):
        token = int(np.argmax([v.data for v in model.forward(token, pos, keys, values)]))
        if token == tok.eos:
            break
        ids.append(token)
    return tok.decode(ids)


def max_of_probs(model, tok):                      # max() with a key, over probabilities
    keys, values = model.empty_cache()
    token, ids = tok.bos, []
    for pos in range(model.config.block_size):
        probs = next_token_probs(model.forward(token, pos, keys, values))
        token = max(range(len(probs)), key=lambda i: probs[i])
        if token == tok.eos:
            break
        ids.append(token)
    return tok.decode(ids)


def package_top_1(model, tok):                     # the package's sampler with k = 1
    return generate(model, tok, random.Random(), top_k=1)


SHARED_RNG = random.Random(5)                      # like the notebook's rng, used by every call


def sampler(model, tok):                           # draws: a new name at every call
    return generate(model, tok, SHARED_RNG)


def seeded_sampler(model, tok):                    # draws, always the same draws
    return generate(model, tok, random.Random(0))


def argmin(model, tok):
    return sampling._greedy(model, tok, min)


def no_eos_stop(model, tok):
    return sampling._no_eos_greedy(model, tok)


def ids_not_name(model, tok):
    return tok.encode(index_of_max(model, tok))


def values_compared(model, tok):                   # max of Values: they do not compare
    keys, values = model.empty_cache()
    logits = model.forward(tok.bos, 0, keys, values)
    return tok.decode([logits.index(max(logits))])


def numpy_without_int(model, tok):
    keys, values = model.empty_cache()
    return tok.decode([np.argmax([v.data for v in model.forward(tok.bos, 0, keys, values)])])


def test_greedy_accepts_every_greedy_decoder(capsys, trained):
    model, tok = trained
    for fn in (index_of_max, loop_over_vocabulary, numpy_argmax, max_of_probs, package_top_1):
        assert "'arina'" in passes(capsys, sampling.check_greedy_name, fn, model, tok)


def test_greedy_relying_on_the_notebooks_globals_passes(capsys, trained):
    model, tok = trained
    block_size = model.config.block_size           # a global of the notebook: cfg.block_size

    def greedy_name(m, t):
        keys, values = m.empty_cache()
        token, ids = tok.bos, []                   # the global tok
        for pos in range(block_size):
            logits = [v.data for v in m.forward(token, pos, keys, values)]
            token = logits.index(max(logits))
            if token == tok.eos:
                break
            ids.append(token)
        return tok.decode(ids)
    passes(capsys, sampling.check_greedy_name, greedy_name, model, tok)


def test_greedy_rejects_samplers_and_names_each_mistake(capsys, trained):
    model, tok = trained
    check = sampling.check_greedy_name
    assert "two calls gave two names" in fails(capsys, check, sampler, model, tok)
    line = fails(capsys, check, seeded_sampler, model, tok)
    assert "expected 'arina', got 'somalen'" in line and "no random draw" in line
    assert "not the min" in fails(capsys, check, argmin, model, tok)
    assert "never stop at <EOS>" in fails(capsys, check, no_eos_stop, model, tok)
    assert "as a string" in fails(capsys, check, ids_not_name, model, tok)
    assert "other weights" in fails(capsys, check, lambda m, t: "arina", model, tok)
    assert "compare their .data" in fails(capsys, check, values_compared, model, tok)
    assert "int(np.argmax" in fails(capsys, check, numpy_without_int, model, tok)

    keys, values = model.empty_cache()             # a cache made once, outside the function

    def shared_cache(m, t):
        token, ids = t.bos, []
        for _ in range(m.config.block_size):
            logits = [v.data for v in m.forward(token, len(keys[0]), keys, values)]
            token = logits.index(max(logits))
            if token == t.eos:
                break
            ids.append(token)
        return t.decode(ids)
    assert "reuse a key/value cache" in fails(capsys, check, shared_cache, model, tok)


def test_greedy_unanswered_and_crashing(capsys, trained):
    model, tok = trained
    assert "replace None" in fails(capsys, sampling.check_greedy_name, None, model, tok)
    assert "KeyError" in fails(capsys, sampling.check_greedy_name, boom, model, tok)


def test_greedy_on_a_small_model(capsys):                # kept from the old checker tests
    from microgpt.model import GPT, GPTConfig
    from microgpt.tokenizer import CharTokenizer
    tok = CharTokenizer(["ann", "bob", "cid", "dee"])
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=6),
                random.Random(3))
    noise = random.Random(4)
    for p in model.parameters():
        p.data += noise.gauss(0, 0.3)
    passes(capsys, sampling.check_greedy_name, index_of_max, model, tok)
    passes(capsys, sampling.check_greedy_name, numpy_argmax, model, tok)
    fails(capsys, sampling.check_greedy_name, lambda m, t: "zzz", model, tok)


# ------------------------------------------------------------------ 07.5 the widest beam

def test_wide_beam_choice(capsys):
    for right in ("b", " B "):
        assert "we sample" in passes(capsys, sampling.check_wide_beam, right)
    words = {"a": "no bug", "c": "nothing at random", "d": "shortest has 2 letters",
             "e": "other way round"}
    for option, word in words.items():
        assert word in fails(capsys, sampling.check_wide_beam, option)
    assert "not one of the options" in fails(capsys, sampling.check_wide_beam, "f")
    assert "replace None" in fails(capsys, sampling.check_wide_beam, None)
    assert fails(capsys, sampling.check_wide_beam, 2)
