"""Chapter 05's exercise checkers: different right answers pass, typical wrong ones fail
with a hint that names the mistake, None says "Not yet", a crashing answer gets a verdict."""
import math
import random

import numpy as np
import pytest

from microgpt.course.checks import transformer_block as tb
from microgpt.engine import Value, vsum
from microgpt.model import GPT, GPTConfig
from microgpt.nn import cross_entropy, linear, rmsnorm


def said(capsys):
    return capsys.readouterr().out


def passes(checker, answer, capsys):
    ok = checker(answer)
    out = said(capsys)
    assert ok is True and out.startswith("Correct!"), out
    return out


def fails(checker, answer, capsys, *words):
    ok = checker(answer)
    out = said(capsys)
    assert ok is False and out.startswith("Not yet:"), out
    for word in words:
        assert word in out, (word, out)
    return out


# ---- 05.1 the MLP ------------------------------------------------------------------------

def mlp_as_in_the_chapter(x, w_fc1, w_fc2):
    return linear([h.relu() ** 2 for h in linear(x, w_fc1)], w_fc2)


def mlp_with_loops(x, w_fc1, w_fc2):           # explicit loops, relu times itself
    hidden = []
    for row in w_fc1:
        h = sum(w * xi for w, xi in zip(row, x))
        hidden.append(h.relu() * h.relu())
    return [sum(w * h for w, h in zip(row, hidden)) for row in w_fc2]


def mlp_with_a_branch(x, w_fc1, w_fc2):        # negative -> a zero Value, tuple out
    h = [hi * hi if hi.data > 0 else hi * 0 for hi in linear(x, w_fc1)]
    return tuple(vsum([w * hj for w, hj in zip(row, h)]) for row in w_fc2)


def mlp_plain_relu(x, w_fc1, w_fc2):
    return linear([h.relu() for h in linear(x, w_fc1)], w_fc2)


def mlp_square_without_relu(x, w_fc1, w_fc2):
    return linear([h ** 2 for h in linear(x, w_fc1)], w_fc2)


def mlp_without_fc2(x, w_fc1, w_fc2):
    return [h.relu() ** 2 for h in linear(x, w_fc1)]


def mlp_on_floats(x, w_fc1, w_fc2):
    hidden = [max(sum(w.data * xi.data for w, xi in zip(row, x)), 0.0) ** 2 for row in w_fc1]
    return [sum(w.data * h for w, h in zip(row, hidden)) for row in w_fc2]


def mlp_detached(x, w_fc1, w_fc2):             # Values, but the hidden layer cut from the graph
    h = [Value(hi.data).relu() ** 2 for hi in linear(x, w_fc1)]
    return linear(h, w_fc2)


def test_mlp_right_answers(capsys):
    for fn in (mlp_as_in_the_chapter, mlp_with_loops, mlp_with_a_branch):
        passes(tb.check_mlp, fn, capsys)


@pytest.mark.parametrize("fn, words", [
    (mlp_plain_relu, ["plain ReLU", "square"]),
    (mlp_square_without_relu, ["without the ReLU", "negative"]),
    (lambda x, w1, w2: linear(linear(x, w1), w2), ["no non-linearity"]),
    (mlp_without_fc2, ["hidden layer", "linear(h, w_fc2)"]),
    (mlp_on_floats, ["plain floats", "no .data"]),
    (mlp_detached, ["gradient that reaches", ".data"]),
    (lambda x, w1, w2: [o * 2 for o in mlp_as_in_the_chapter(x, w1, w2)], ["expected"]),
])
def test_mlp_wrong_answers(fn, words, capsys):
    fails(tb.check_mlp, fn, capsys, *words)


# ---- 05.2 the MLP without its non-linearity ----------------------------------------------

def merge_with_values(w_fc1, w_fc2):
    return [[sum(w_fc2[i][k] * w_fc1[k][j] for k in range(len(w_fc1)))
             for j in range(len(w_fc1[0]))] for i in range(len(w_fc2))]


def merge_with_numpy(w_fc1, w_fc2):            # an array of floats, not a list of Values
    def arr(m):
        return np.array([[w.data for w in row] for row in m])
    return arr(w_fc2) @ arr(w_fc1)


def merge_columns_first(w_fc1, w_fc2):         # column j = the MLP's output for unit vector e_j
    n = len(w_fc1[0])
    cols = []
    for j in range(n):
        e = [Value(1.0 if i == j else 0.0) for i in range(n)]
        cols.append([o.data for o in linear(linear(e, w_fc1), w_fc2)])
    return [[cols[j][i] for j in range(n)] for i in range(len(w_fc2))]


def merge_wrong_order(w_fc1, w_fc2):           # w_fc1 · w_fc2: hidden × hidden
    return [[sum(w_fc1[i][k] * w_fc2[k][j] for k in range(len(w_fc2)))
             for j in range(len(w_fc2[0]))] for i in range(len(w_fc1))]


def test_merged_mlp_right_answers(capsys):
    for fn in (merge_with_values, merge_with_numpy, merge_columns_first):
        out = passes(tb.check_merged_mlp, fn, capsys)
    assert "w_fc2 · w_fc1" in out


@pytest.mark.parametrize("fn, words", [
    (merge_wrong_order, ["wrong order", "w_fc2 · w_fc1"]),
    (lambda w1, w2: merge_with_numpy(w1, w2).T, ["swapped"]),
    (lambda w1, w2: [[w.data for w in row[:len(w1[0])]] for row in w2], ["unit vector"]),
    (lambda w1, w2: w1, ["rows = outputs"]),
    (lambda w1, w2: 7, ["return a matrix"]),
])
def test_merged_mlp_wrong_answers(fn, words, capsys):
    fails(tb.check_merged_mlp, fn, capsys, *words)


# ---- 05.3 predict rmsnorm ------------------------------------------------------------------

def test_rmsnorm_prediction(capsys):
    real = rmsnorm([Value(a) for a in (0.0, 0.0, 0.0, 8.0)])[3].data
    for answer in (2, 2.0, 1.999, real):
        passes(tb.check_rmsnorm_prediction, answer, capsys)
    fails(tb.check_rmsnorm_prediction, 1.0, capsys, "too low", "MEAN of the squares")
    fails(tb.check_rmsnorm_prediction, 4, capsys, "too high", "mean of the entries")
    fails(tb.check_rmsnorm_prediction, 0.5, capsys, "square root")
    fails(tb.check_rmsnorm_prediction, 8, capsys, "does change")
    fails(tb.check_rmsnorm_prediction, 1.732, capsys, "LayerNorm")
    fails(tb.check_rmsnorm_prediction, 3.0, capsys, "too high", "RMS = sqrt")
    fails(tb.check_rmsnorm_prediction, "2", capsys, "should be a number")


# ---- 05.4 find the bug in the block --------------------------------------------------------

def block_fixed(model, x, layer, keys, values):
    a = model.attention(rmsnorm(x), layer, keys, values)
    x = [ai + xi for ai, xi in zip(a, x)]
    m = model.mlp(rmsnorm(x), layer)
    return [mi + xi for mi, xi in zip(m, x)]


def chapter_rmsnorm(x):                        # the notebook's own, with sum() not vsum()
    ms = sum(xi * xi for xi in x) / len(x)
    return [xi * (ms + 1e-5) ** -0.5 for xi in x]


def block_other_names(model, stream, layer, keys, values):
    normed = chapter_rmsnorm(stream)
    stream = [s + a for s, a in zip(stream, model.attention(normed, layer, keys, values))]
    normed = chapter_rmsnorm(stream)
    return [s + m for s, m in zip(stream, model.mlp(normed, layer))]


def block_planted_bug(model, x, layer, keys, values):     # the notebook's buggy cell
    x = rmsnorm(x)
    a = model.attention(x, layer, keys, values)
    x = [ai + xi for ai, xi in zip(a, x)]
    m = model.mlp(rmsnorm(x), layer)
    return [mi + xi for mi, xi in zip(m, x)]


def block_no_residual(model, x, layer, keys, values):
    a = model.attention(rmsnorm(x), layer, keys, values)
    return model.mlp(rmsnorm(a), layer)


def block_no_norm(model, x, layer, keys, values):
    a = model.attention(x, layer, keys, values)
    x = [ai + xi for ai, xi in zip(a, x)]
    return [mi + xi for mi, xi in zip(model.mlp(x, layer), x)]


def block_mlp_reads_old_x(model, x, layer, keys, values):
    a = model.attention(rmsnorm(x), layer, keys, values)
    m = model.mlp(rmsnorm(x), layer)
    return [ai + mi + xi for ai, mi, xi in zip(a, m, x)]


def block_attention_twice(model, x, layer, keys, values):
    model.attention(rmsnorm(x), layer, keys, values)        # a stray "look at it" call
    return block_fixed(model, x, layer, keys, values)


def block_wrong_layer(model, x, layer, keys, values):
    return block_fixed(model, x, 0, keys, values)


def test_block_right_answers(capsys):
    for fn in (block_fixed, block_other_names):
        passes(tb.check_block, fn, capsys)


@pytest.mark.parametrize("fn, words", [
    (block_planted_bug, ["fresh model", "rescaled to RMS 1", "first residual"]),
    (block_no_residual, ["replace the stream"]),
    (block_no_norm, ["must read rmsnorm(x)"]),
    (block_mlp_reads_old_x, ["before attention added"]),
    (block_attention_twice, ["once per position"]),
    (block_wrong_layer, ["layer 1", "expected"]),
    (lambda model, x, layer, keys, values: rmsnorm(x), ["once per position"]),
    (lambda model, x, layer, keys, values: None, ["return the new stream"]),
])
def test_block_wrong_answers(fn, words, capsys):
    fails(tb.check_block, fn, capsys, *words)


def test_block_identity_hint_for_an_unknown_slip(capsys):
    def doubled(model, x, layer, keys, values):
        return [2 * o for o in block_fixed(model, x, layer, keys, values)]
    fails(tb.check_block, doubled, capsys, "fresh block", "unchanged")


# ---- 05.5 predict the parameter count ------------------------------------------------------

def test_param_prediction(capsys):
    want = GPT(GPTConfig(**tb.BIG), random.Random(0)).num_params
    assert want == 38272
    for answer in (38272, 38272.0, np.int64(38272)):
        passes(tb.check_param_prediction, answer, capsys)
    fails(tb.check_param_prediction, 38272 + 28 * 32, capsys, "too high", "tied")
    fails(tb.check_param_prediction, 38272 - 16 * 32, capsys, "too low", "wpe")
    fails(tb.check_param_prediction, 1408 + 3 * 6 * 32 * 32, capsys, "4 × n_embd wide")
    fails(tb.check_param_prediction, 1408 + 12 * 32 * 32, capsys, "one layer")
    fails(tb.check_param_prediction, 1408 + 3 * 40 * 32 * 32, capsys,
          "number of heads changes no matrix")
    fails(tb.check_param_prediction, 3776 * 6, capsys, "4× larger")
    fails(tb.check_param_prediction, 3776, capsys, "too low", "matrix by matrix")


# ---- 05.6 remove only the last residual ----------------------------------------------------

def test_last_residual_choice(capsys):
    for answer in ("b", " B "):
        passes(tb.check_last_residual, answer, capsys)
    fails(tb.check_last_residual, "a", capsys, "is that zero?")
    fails(tb.check_last_residual, "c", capsys, "zero times anything")
    fails(tb.check_last_residual, "d", capsys, "tied head")
    fails(tb.check_last_residual, "e", capsys, "not one of the options")


def test_last_residual_claim_is_true():
    """The fresh 4-layer model without the last MLP's residual: only layer3.mlp_fc2 learns."""
    cfg = GPTConfig(vocab_size=28, n_embd=16, n_layer=4, n_head=4, block_size=16)
    model = GPT(cfg, random.Random(42))
    sd, keys, values = model.state_dict, *model.empty_cache()
    tokens = [0, 5, 13, 13, 1, 27]
    losses = []
    for pos in range(len(tokens) - 1):
        x = [t + p for t, p in zip(sd["wte"][tokens[pos]], sd["wpe"][pos])]
        for layer in range(cfg.n_layer):
            a = model.attention(rmsnorm(x), layer, keys[layer], values[layer])
            x = [ai + xi for ai, xi in zip(a, x)]
            m = model.mlp(rmsnorm(x), layer)
            x = m if layer == cfg.n_layer - 1 else [mi + xi for mi, xi in zip(m, x)]
        losses.append(cross_entropy(linear(x, sd["wte"]), tokens[pos + 1]))
    loss = vsum(losses) * (1 / len(losses))
    loss.backward()
    assert abs(loss.data - math.log(28)) < 1e-12
    learning = [n for n, m in sd.items() if any(p.grad for row in m for p in row)]
    assert learning == ["layer3.mlp_fc2"]


# ---- every checker: None, a crash ------------------------------------------------------------

CHECKERS = [tb.check_mlp, tb.check_merged_mlp, tb.check_rmsnorm_prediction, tb.check_block,
            tb.check_param_prediction, tb.check_last_residual]


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_none_is_not_yet(checker, capsys):
    assert checker(None) is False
    assert said(capsys).startswith("Not yet: replace None")


@pytest.mark.parametrize("checker", [tb.check_mlp, tb.check_merged_mlp, tb.check_block],
                         ids=lambda c: c.__name__)
def test_a_crashing_answer_gets_a_verdict(checker, capsys):
    def broken(*args):
        raise ZeroDivisionError("oops")
    assert checker(broken) is False
    out = said(capsys)
    assert out.startswith("Not yet:") and "ZeroDivisionError" in out


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_an_odd_answer_gets_a_verdict(checker, capsys):
    assert checker(object()) is False
    assert said(capsys).startswith(("Not yet:", "Cannot tell:"))


def test_registered_in_notebook_order():
    from microgpt.course.checks.common import exercises
    assert [(e, k) for e, _, k in exercises("05")] == [
        ("05.1", "implement"), ("05.2", "ablate"), ("05.3", "predict"),
        ("05.4", "find-the-bug"), ("05.5", "predict"), ("05.6", "ablate")]
