"""Chapter 07's exercise checkers (microgpt.course.checks.sampling): each accepts at least two
different correct answers, rejects the typical wrong ones with a hint that names the
mistake, says "Not yet" to an unanswered None and turns a crashing answer into a verdict.
The greedy-name and experiment checkers run on the chapter's own trained checkpoint."""
import math
import random

import numpy as np
import pytest

from microgpt import evaluate, load_checkpoint
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
    assert [title for _, title, _ in listed][3:] == ["top-p (nucleus) sampling",
                                                     "switch one head off"]


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
    assert "dividing the probabilities by T" in line
    line = fails(capsys, sampling.check_temperature_probs, multiply_logits)
    assert "the wrong way round" in line and "you multiplied them" in line
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
    assert "p_hot is 0: too low" in line and "same share" in line and "p_cold" not in line
    line = fails(capsys, check, 0.6, 0.04, first_logits)
    assert "p_cold is 0.6: too low" in line and "takes almost everything" in line
    assert "p_hot is 0.04: too high" in line


def test_limits_never_show_the_answer_before_it_is_right(capsys, first_logits):
    check = sampling.check_temperature_limits
    for cold, hot in ((0.6, 0.04), (1 / 28, 1.0), (1.0, 0.0)):
        for _ in range(3):                                         # first, second, third try
            assert not check(cold, hot, first_logits)
            out = capsys.readouterr().out
            assert "1.0000" not in out and "0.0363" not in out and "0.036" not in out, out


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
    assert "72% of the 200 samples are new" in line and "often names of the data set" in line
    line = fails(capsys, check, 1.0, None, None, [], [])
    assert "-15.89" in line and "their log P falls" in line
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
    assert "fewer than 80% new" in fails(capsys, check, 0.5, model, tok, train_docs, val_docs)
    assert "log P falls" in fails(capsys, check, 1.0, model, tok, train_docs, val_docs)


# ------------------------------------------------------------------ 07.4 top-p

def top_p_loop(probs, p):                          # the notebook's solution
    order = sorted(range(len(probs)), key=lambda i: -probs[i])
    keep, total = set(), 0.0
    for i in order:
        keep.add(i)
        total += probs[i]
        if total >= p:
            break
    return [q / total if i in keep else 0.0 for i, q in enumerate(probs)]


def top_p_numpy(probs, p):                         # another correct answer: NumPy, cumsum
    a = np.asarray(probs, dtype=float)
    order = np.argsort(-a, kind="stable")
    n = int(np.searchsorted(np.cumsum(a[order]), p - 1e-12)) + 1
    out = np.zeros_like(a)
    out[order[:n]] = a[order[:n]]
    return out / out.sum()


def top_p_values(probs, p):                        # a third: Values in, Values out
    vals = [Value(q) for q in probs]
    kept = top_p_loop([v.data for v in vals], p)
    return [Value(k) for k in kept]


@pytest.fixture(scope="module")
def first_probs(first_logits):
    return next_token_probs(first_logits)


@pytest.mark.parametrize("fn", [top_p_loop, top_p_numpy, top_p_values])
def test_top_p_accepts_every_correct_answer(capsys, first_probs, fn):
    assert "adapts to the distribution" in passes(capsys, sampling.check_top_p, fn, first_probs)


def top_p_stops_early(probs, p):                   # drops the token that reaches p
    order = sorted(range(len(probs)), key=lambda i: -probs[i])
    keep, total = [], 0.0
    for i in order:
        if total + probs[i] >= p:
            break
        keep.append(i)
        total += probs[i]
    keep = keep or order[:1]
    total = sum(probs[i] for i in keep)
    return [q / total if i in keep else 0.0 for i, q in enumerate(probs)]


def top_p_unnormalised(probs, p):
    kept = top_p_loop(probs, p)
    return [probs[i] if k > 0 else 0.0 for i, k in enumerate(kept)]


def top_p_threshold(probs, p):                     # min-p confusion: each token must reach p
    keep = [q if q >= p else 0.0 for q in probs]
    total = sum(keep) or 1.0
    return [q / total for q in keep]


def top_p_ascending(probs, p):
    order = sorted(range(len(probs)), key=lambda i: probs[i])
    keep, total = set(), 0.0
    for i in order:
        keep.add(i)
        total += probs[i]
        if total >= p:
            break
    return [q / total if i in keep else 0.0 for i, q in enumerate(probs)]


def top_p_short(probs, p):                         # returns only the kept probabilities
    return [q for q in top_p_loop(probs, p) if q > 0]


def top_p_mutates(probs, p):
    kept = top_p_loop(probs, p)
    probs[:] = kept
    return kept


@pytest.mark.parametrize("fn,symptom,hint", [
    (top_p_stops_early, "less than p", "the token that makes the sum reach p"),
    (top_p_unnormalised, "add up to", "divide the kept probabilities by their sum"),
    (top_p_threshold, "whose own probability is at least p", "no single token has to reach"),
    (top_p_ascending, "least likely tokens first", "from the largest down"),
    (top_p_short, "return a list as long as probs", "return a list as long as probs"),
    (top_p_mutates, "changed the list it was given", "build a new list"),
])
def test_top_p_names_each_mistake(capsys, first_probs, fn, symptom, hint):
    assert not sampling.check_top_p(fn, first_probs)
    first = capsys.readouterr().out
    assert symptom in first
    line = fails(capsys, sampling.check_top_p, fn, first_probs)
    assert hint in line


def test_top_p_unanswered_crashing_and_hostile(capsys, first_probs):
    check = sampling.check_top_p
    assert "replace None" in fails(capsys, check, None, first_probs)
    assert "raised KeyError" in fails(capsys, check, boom, first_probs)
    assert "returned None" in fails(capsys, check, lambda probs, p: None, first_probs)

    class Claims:
        def __eq__(self, other):
            return True

        def __len__(self):
            return 4
    assert "return a list" in fails(capsys, check, lambda probs, p: Claims(), first_probs)
    line = fails(capsys, check, lambda probs, p: list(range(10**7)), first_probs)
    assert len(line) < 400

    def leaves(probs, p):
        raise SystemExit(1)
    assert "raised SystemExit" in fails(capsys, check, leaves, first_probs)


def test_top_p_reference_on_hand_cases():
    assert sampling.top_p_reference([0.5, 0.3, 0.15, 0.05], 0.6) == pytest.approx(
        [0.625, 0.375, 0.0, 0.0])
    assert sampling.top_p_reference([0.1, 0.6, 0.2, 0.1], 0.05) == [0.0, 1.0, 0.0, 0.0]
    assert sum(q > 0 for q in sampling.top_p_reference([0.25] * 4, 1.0)) == 4


# ------------------------------------------------------------------ 07.5 switch a head off

def without_head(model, tok, docs, h):             # the notebook's solution
    wo = model.state_dict["layer0.attn_wo"]
    cols = range(h * model.config.head_dim, (h + 1) * model.config.head_dim)
    saved = [[row[c].data for c in cols] for row in wo]
    try:
        for row in wo:
            for c in cols:
                row[c].data = 0.0
        return evaluate(model, docs, tok)
    finally:
        for row, old in zip(wo, saved):
            for c, x in zip(cols, old):
                row[c].data = x


def without_head_copying(model, tok, docs, h):     # another correct answer: save every weight
    before = [v.data for v in model.parameters()]
    hd = model.config.head_dim
    for row in model.state_dict["layer0.attn_wo"]:
        for v in row[h * hd:(h + 1) * hd]:
            v.data = 0.0
    loss = evaluate(model, docs, tok)
    for v, x in zip(model.parameters(), before):
        v.data = x
    return loss


@pytest.fixture(scope="module")
def val_names(docs):
    from microgpt import split_names
    return split_names(docs, random.Random(42))[1]


@pytest.mark.parametrize("fn", [without_head, without_head_copying])
def test_head_ablation_accepts_correct_answers(capsys, trained, val_names, fn):
    model, tok = trained
    line = passes(capsys, sampling.check_head_ablation, fn, 2, model, tok, val_names)
    assert "head 2 +1." in line and "where a head looks" in line


def test_head_ablation_accepts_a_numpy_integer_and_rejects_a_wrong_head(capsys, trained,
                                                                         val_names):
    model, tok = trained
    passes(capsys, sampling.check_head_ablation, without_head, np.int64(2), model, tok,
           val_names)
    line = fails(capsys, sampling.check_head_ablation, without_head, 1, model, tok, val_names)
    assert "not the head that costs most" in line and "take the largest" in line
    assert "+1." not in line                                   # the costs stay hidden
    line = fails(capsys, sampling.check_head_ablation, without_head, None, model, tok,
                 val_names)
    assert "now set my_head" in line


def forgets_to_restore(model, tok, docs, h):
    hd = model.config.head_dim
    for row in model.state_dict["layer0.attn_wo"]:
        for v in row[h * hd:(h + 1) * hd]:
            v.data = 0.0
    return evaluate(model, docs, tok)


def zeroes_rows(model, tok, docs, h):
    wo = model.state_dict["layer0.attn_wo"]
    hd = model.config.head_dim
    saved = [[v.data for v in wo[r]] for r in range(h * hd, (h + 1) * hd)]
    for r in range(h * hd, (h + 1) * hd):
        for v in wo[r]:
            v.data = 0.0
    loss = evaluate(model, docs, tok)
    for r, old in zip(range(h * hd, (h + 1) * hd), saved):
        for v, x in zip(wo[r], old):
            v.data = x
    return loss


def zeroes_a_copy(model, tok, docs, h):
    wo = [[v.data for v in row] for row in model.state_dict["layer0.attn_wo"]]
    for row in wo:
        for c in range(h * 4, h * 4 + 4):
            row[c] = 0.0
    return evaluate(model, docs, tok)


@pytest.mark.parametrize("fn,symptom,hint", [
    (zeroes_rows, "you zeroed rows of attn_wo", "read by its columns"),
    (zeroes_a_copy, "nothing was switched off", "not a copy of them"),
])
def test_head_ablation_names_each_mistake(capsys, trained, val_names, fn, symptom, hint):
    model, tok = trained
    line = fails(capsys, sampling.check_head_ablation, fn, 2, model, tok, val_names)
    assert symptom in line and hint in line


def test_head_ablation_restores_a_model_the_answer_broke(capsys, trained, val_names):
    model, tok = trained
    before = [v.data for v in model.parameters()]
    line = fails(capsys, sampling.check_head_ablation, forgets_to_restore, 2, model, tok,
                 val_names)
    assert "weights are not what they were" in line and "try/finally" in line
    assert [v.data for v in model.parameters()] == before


def test_head_ablation_unanswered_crashing_and_hostile(capsys, trained, val_names):
    model, tok = trained
    check = sampling.check_head_ablation
    assert "replace None" in fails(capsys, check, None, 2, model, tok, val_names)
    assert "raised KeyError" in fails(capsys, check, boom, 2, model, tok, val_names)
    assert "return the mean loss as a number" in fails(
        capsys, check, lambda *a: [2.0] * 10**7, 2, model, tok, val_names)

    class Claims:
        def __eq__(self, other):
            return True
    assert "not the head that costs most" in fails(capsys, check, without_head, Claims(), model,
                                                   tok, val_names)
