"""Chapter 05's exercise checkers (microgpt.course.checks.transformer_block): each accepts at
least two different correct answers, rejects the typical wrong ones (the symptom first, the
hint's words from the second try), says "Not yet" to an unanswered None, turns a crashing
answer (SystemExit included) into a verdict, and is not fooled by an object equal to
everything or slowed by a huge list."""
import math
import random

import numpy as np
import pytest

from microgpt.course.checks import transformer_block as tb
from microgpt.course.checks.common import exercises
from microgpt.engine import Value, vsum
from microgpt.model import GPT, GPTConfig, count_params
from microgpt.nn import cross_entropy, linear, rmsnorm

from conftest import boom, checker_verdict, fails, passes


class EqualsEverything:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def exits(*args):
    raise SystemExit(3)


HUGE = list(range(10**7))


def test_the_chapter_registers_six_exercises_of_mixed_kinds():
    assert [(e, k) for e, _, k in exercises("05")] == [
        ("05.1", "implement"), ("05.2", "ablate"), ("05.3", "predict"),
        ("05.4", "find-the-bug"), ("05.5", "predict"), ("05.6", "ablate")]


# ---- 05.1 the MLP with GELU ------------------------------------------------------------------

def sigmoid(z):
    return (1 + (-z).exp()) ** -1


def gelu_sigmoid(h):                            # the formula the task gives
    return h * sigmoid(1.702 * h)


def gelu_tanh(h):                               # GPT-2's, tanh built from exp
    z = math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3)
    e = (2 * z).exp()
    return 0.5 * h * (1 + (e - 1) / (e + 1))


def mlp_with(act):
    return lambda x, w1, w2: linear([act(h) for h in linear(x, w1)], w2)


def mlp_gelu_loops(x, w_fc1, w_fc2):            # explicit loops, a division, a tuple out
    hidden = []
    for row in w_fc1:
        h = sum((w * xi for w, xi in zip(row, x)), Value(0.0))
        hidden.append(h / (1 + (-1.702 * h).exp()))
    return tuple(vsum([w * g for w, g in zip(row, hidden)]) for row in w_fc2)


@pytest.mark.parametrize("fn", [mlp_with(gelu_sigmoid), mlp_with(gelu_tanh), mlp_gelu_loops])
def test_gelu_mlp_accepts(capsys, fn):
    assert "GELU on every hidden entry" in passes(capsys, tb.check_gelu_mlp, fn)


def mlp_on_floats(x, w_fc1, w_fc2):
    return [o.data for o in mlp_with(gelu_sigmoid)(x, w_fc1, w_fc2)]


def mlp_detached(x, w_fc1, w_fc2):              # Values, but the hidden layer cut off the graph
    return linear([Value(gelu_sigmoid(h).data) for h in linear(x, w_fc1)], w_fc2)


@pytest.mark.parametrize("fn, symptom, hint", [
    (mlp_with(lambda h: h.relu() ** 2), "squared ReLU of section 1", "replace relu(h) ** 2"),
    (mlp_with(lambda h: h.relu()), "plain ReLU", "small but not 0"),
    (mlp_with(lambda h: sigmoid(1.702 * h)), "sigmoid(1.702 h) alone", "multiplies h"),
    (mlp_with(lambda h: h * sigmoid(h)), "SiLU", "1.702 * h"),
    (mlp_with(lambda h: h * sigmoid(-1.702 * h)), "sign is flipped", "+1.702"),
    (mlp_with(lambda h: h), "no non-linearity", "every entry of h"),
    (lambda x, w1, w2: [gelu_sigmoid(h) for h in linear(x, w1)], "as many as the hidden layer",
     "linear(h, w_fc2)"),
    (mlp_on_floats, "plain floats", "no .data"),
    (mlp_detached, "gradient that reaches", "from .data"),
    (mlp_with(lambda h: 2 * gelu_sigmoid(h)), "differs from", "gelu(1) = 0.846"),
])
def test_gelu_mlp_rejects(capsys, fn, symptom, hint):
    line = fails(capsys, tb.check_gelu_mlp, fn)
    assert symptom in line and hint in line, line


@pytest.mark.parametrize("fn, words", [
    (boom, "KeyError"), (exits, "SystemExit"),
    (lambda x, w1, w2: HUGE, "yours has 10000000"),
    (lambda x, w1, w2: EqualsEverything(), "return a list of Values"),
    (lambda x, w1, w2: None, "got None"),
])
def test_gelu_mlp_odd_answers(capsys, fn, words):
    line = fails(capsys, tb.check_gelu_mlp, fn)
    assert words in line and len(line) < 300, line


# ---- 05.2 the MLP without its non-linearity --------------------------------------------------

def merge_with_values(w_fc1, w_fc2):
    return [[sum(w_fc2[i][k] * w_fc1[k][j] for k in range(len(w_fc1)))
             for j in range(len(w_fc1[0]))] for i in range(len(w_fc2))]


def merge_with_numpy(w_fc1, w_fc2):             # an array of floats, not a list of Values
    def arr(m):
        return np.array([[w.data for w in row] for row in m])
    return arr(w_fc2) @ arr(w_fc1)


def merge_columns_first(w_fc1, w_fc2):          # column j = the MLP's output for unit vector e_j
    n = len(w_fc1[0])
    cols = []
    for j in range(n):
        e = [Value(1.0 if i == j else 0.0) for i in range(n)]
        cols.append([o.data for o in linear(linear(e, w_fc1), w_fc2)])
    return [[cols[j][i] for j in range(n)] for i in range(len(w_fc2))]


def merge_wrong_order(w_fc1, w_fc2):            # w_fc1 · w_fc2: hidden × hidden
    return [[sum(w_fc1[i][k] * w_fc2[k][j] for k in range(len(w_fc2)))
             for j in range(len(w_fc2[0]))] for i in range(len(w_fc1))]


@pytest.mark.parametrize("fn", [merge_with_values, merge_with_numpy, merge_columns_first])
def test_merged_mlp_accepts(capsys, fn):
    assert "w_fc2 · w_fc1" in passes(capsys, tb.check_merged_mlp, fn)


@pytest.mark.parametrize("fn, symptom, hint", [
    (merge_wrong_order, "the wrong order", "w_fc2 · w_fc1"),
    (lambda w1, w2: merge_with_numpy(w1, w2).T, "transpose", "row i"),
    (lambda w1, w2: [[w.data for w in row[:len(w1[0])]] for row in w2], "differs from",
     "unit vector"),
    (lambda w1, w2: w1, "must be", "rows = outputs"),
])
def test_merged_mlp_rejects(capsys, fn, symptom, hint):
    line = fails(capsys, tb.check_merged_mlp, fn)
    assert symptom in line and hint in line, line


@pytest.mark.parametrize("fn, words", [
    (boom, "KeyError"), (exits, "SystemExit"), (lambda w1, w2: 7, "return a matrix"),
    (lambda w1, w2: HUGE, "return a matrix"), (lambda w1, w2: [HUGE] * 3, "rows of"),
    (lambda w1, w2: EqualsEverything(), "return a matrix"),
])
def test_merged_mlp_odd_answers(capsys, fn, words):
    line = fails(capsys, tb.check_merged_mlp, fn)
    assert words in line and len(line) < 300, line


# ---- 05.3 predict rmsnorm --------------------------------------------------------------------

@pytest.mark.parametrize("answer", [2, 2.0, 1.999, np.float64(2.0),
                                    rmsnorm([Value(a) for a in (0.0, 0.0, 0.0, 8.0)])[3].data])
def test_rmsnorm_prediction_accepts(capsys, answer):
    assert "sqrt(64 / 4) = 4" in passes(capsys, tb.check_rmsnorm_prediction, answer)


@pytest.mark.parametrize("answer, symptom, hint", [
    (1.0, "too low", "MEAN of the squares"), (4, "too high", "mean of the entries"),
    (0.5, "too low", "square root"), (8, "too high", "does change"),
    (1.732, "too low", "LayerNorm"), (3.0, "too high", "RMS = sqrt"),
])
def test_rmsnorm_prediction_rejects(capsys, answer, symptom, hint):
    line = fails(capsys, tb.check_rmsnorm_prediction, answer)
    assert symptom in line and hint in line, line


@pytest.mark.parametrize("answer", ["2", EqualsEverything(), HUGE, True])
def test_rmsnorm_prediction_odd_answers(capsys, answer):
    line = fails(capsys, tb.check_rmsnorm_prediction, answer)
    assert "should be a number" in line and len(line) < 200, line


# ---- 05.4 find the bug in the block ----------------------------------------------------------

def block_fixed(model, x, layer, keys, values):
    a = model.attention(rmsnorm(x), layer, keys, values)
    x = [ai + xi for ai, xi in zip(a, x)]
    m = model.mlp(rmsnorm(x), layer)
    return [mi + xi for mi, xi in zip(m, x)]


def chapter_rmsnorm(x):                         # the notebook's own, with sum() not vsum()
    ms = sum(xi * xi for xi in x) / len(x)
    return [xi * (ms + 1e-5) ** -0.5 for xi in x]


def block_other_names(model, stream, layer, keys, values):
    normed = chapter_rmsnorm(stream)
    stream = [s + a for s, a in zip(stream, model.attention(normed, layer, keys, values))]
    normed = chapter_rmsnorm(stream)
    return tuple(s + m for s, m in zip(stream, model.mlp(normed, layer)))


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


def block_mlp_first(model, x, layer, keys, values):
    m = model.mlp(rmsnorm(x), layer)
    x = [mi + xi for mi, xi in zip(m, x)]
    a = model.attention(rmsnorm(x), layer, keys, values)
    return [ai + xi for ai, xi in zip(a, x)]


def block_attention_twice(model, x, layer, keys, values):
    model.attention(rmsnorm(x), layer, keys, values)        # a stray "look at it" call
    return block_fixed(model, x, layer, keys, values)


def block_wrong_layer(model, x, layer, keys, values):
    return block_fixed(model, x, 0, keys, values)


def block_doubled_attention(model, x, layer, keys, values):
    a = model.attention(rmsnorm(x), layer, keys, values)
    x = [2 * ai + xi for ai, xi in zip(a, x)]
    m = model.mlp(rmsnorm(x), layer)
    return [mi + xi for mi, xi in zip(m, x)]


@pytest.mark.parametrize("fn", [block_fixed, block_other_names])
def test_block_accepts(capsys, fn):
    assert "fresh block is the identity" in passes(capsys, tb.check_block, fn)


@pytest.mark.parametrize("fn, symptom, hint", [
    (block_planted_bug, "rescaled to RMS 1", "which x does the first residual add to?"),
    (block_no_residual, "returns zeros", "x = a + x"),
    (block_no_norm, "raw size", "must read rmsnorm(x)"),
    (block_mlp_reads_old_x, "before attention added", "update x with the attention's output"),
    (block_mlp_first, "runs the MLP before attention", "attention first"),
    (block_attention_twice, "the cache holds", "exactly once per position"),
    (block_wrong_layer, "layer 0's block", "pass `layer` on"),
    (block_doubled_attention, "with random weights (layer 0)", "attention reads rmsnorm(x)"),
    (lambda model, x, layer, keys, values: [2 * o for o in block_fixed(model, x, layer, keys,
                                                                       values)],
     "must return its input unchanged", "each residual adds"),
])
def test_block_rejects_and_names_the_mistake(capsys, fn, symptom, hint):
    line = fails(capsys, tb.check_block, fn)
    assert symptom in line and hint in line, line
    assert "expected [" not in line             # a mistake is named, not a list of numbers


@pytest.mark.parametrize("fn, words", [
    (boom, "KeyError"), (exits, "SystemExit"),
    (lambda model, x, layer, keys, values: None, "got None"),
    (lambda model, x, layer, keys, values: HUGE, "got [0, 1, 2, 3, 4, 5, ...]"),
    (lambda model, x, layer, keys, values: EqualsEverything(), "a list of 8 Values"),
    (lambda model, x, layer, keys, values: rmsnorm(x), "exactly once per position"),
])
def test_block_odd_answers(capsys, fn, words):
    line = fails(capsys, tb.check_block, fn)
    assert words in line and len(line) < 300, line


# ---- 05.5 the parameters of a variant --------------------------------------------------------

def test_variant_params_is_the_untied_head_plus_two_gains_per_layer():
    cfg = GPTConfig(**tb.BIG)
    assert count_params(cfg) == GPT(cfg, random.Random(0)).num_params == 38272
    assert tb.variant_params(cfg) == 38272 + 28 * 32 + 3 * 2 * 32 == 39360
    small = GPTConfig(vocab_size=28, n_embd=16, n_layer=1, n_head=4, block_size=16)
    assert tb.variant_params(small) == 3776 + 448 + 32


@pytest.mark.parametrize("answer", [39360, 39360.0, np.int64(39360),
                                    28 * 32 + 16 * 32 + 3 * (12 * 32 * 32 + 64) + 28 * 32])
def test_param_prediction_accepts(capsys, answer):
    assert "untied head adds 896" in passes(capsys, tb.check_param_prediction, answer)


@pytest.mark.parametrize("answer, symptom, hint", [
    (38272, "too low", "the GPT as it is"),
    (39168, "too low", "gains are missing"),
    (38464, "too low", "untied head is missing"),
    (39392, "too high", "no final norm"),
    (39264, "too low", "two RMSNorms"),
    (38272 + 896 + 6 * 1024, "too high", "not an n_embd × n_embd matrix"),
    (38272 + 1024 + 192, "too high", "vocab_size × n_embd"),
    (39360 - 512, "too low", "wpe"),
    (39360 + 3 * 4 * 7 * 1024, "too high", "number of heads changes no matrix"),
    (4256, "too low", "chapter's own model"),
    (40000, "too high", "Count matrix by matrix"),
])
def test_param_prediction_rejects(capsys, answer, symptom, hint):
    line = fails(capsys, tb.check_param_prediction, answer)
    assert symptom in line and hint in line, line


@pytest.mark.parametrize("answer", ["39360", EqualsEverything(), HUGE, True])
def test_param_prediction_odd_answers(capsys, answer):
    line = fails(capsys, tb.check_param_prediction, answer)
    assert "should be a number" in line and len(line) < 200, line


# ---- 05.6 remove only the last residual ------------------------------------------------------

@pytest.mark.parametrize("answer", ["b", " B ", "b\n"])
def test_last_residual_accepts(capsys, answer):
    assert "Only layer3.mlp_fc2" in passes(capsys, tb.check_last_residual, answer)


@pytest.mark.parametrize("answer, words", [
    ("a", "is that zero?"), ("c", "zero times anything"), ("d", "tied head"),
    ("e", "not one of the options"),
])
def test_last_residual_rejects(capsys, answer, words):
    assert words in fails(capsys, tb.check_last_residual, answer)


@pytest.mark.parametrize("answer", [EqualsEverything(), HUGE, ["b"], 2])
def test_last_residual_odd_answers(capsys, answer):
    line = fails(capsys, tb.check_last_residual, answer)
    assert "one letter in quotes" in line and len(line) < 200, line


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


# ---- every checker: None -----------------------------------------------------------------------

CHECKERS = [tb.check_gelu_mlp, tb.check_merged_mlp, tb.check_rmsnorm_prediction, tb.check_block,
            tb.check_param_prediction, tb.check_last_residual]


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_none_is_not_yet(capsys, checker):
    ok, line = checker_verdict(capsys, checker, None)
    assert not ok and line.startswith("Not yet: replace None"), line
