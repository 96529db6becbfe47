"""Chapter 04's exercise checkers (microgpt.course.checks.attention): each accepts at least two
different correct answers, rejects the typical wrong ones with a hint that names the
mistake, says "Not yet" to an unanswered None and turns a crashing answer into a verdict."""
import math
import warnings

import numpy as np
import pytest

from microgpt.course.checks import attention
from microgpt.course.checks.common import exercises
from microgpt.engine import Value
from microgpt.nn import softmax as value_softmax

from conftest import boom, fails, passes


def test_the_chapter_registers_five_exercises_mostly_not_implement():
    listed = exercises("04")
    assert [e for e, _, _ in listed] == ["04.1", "04.2", "04.3", "04.4", "04.5"]
    kinds = [k for _, _, k in listed]
    assert kinds == ["find-the-bug", "implement", "ablate", "find-the-bug", "predict"]


# ------------------------------------------------------------------ 04.1 softmax

def math_softmax(logits):
    m = max(logits)
    exps = [math.exp(x - m) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def value_exp_softmax(logits):                     # Values out, shifted inside the engine
    m = max(logits)
    exps = [(Value(x) - m).exp() for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def numpy_softmax(logits):
    x = np.asarray(logits)
    e = np.exp(x - x.max())
    return e / e.sum()


def buggy_softmax(logits):                         # the notebook's planted bug
    exps = [math.exp(x) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def test_softmax_accepts_any_shifted_version(capsys):
    for fn in (math_softmax, value_exp_softmax, numpy_softmax, value_softmax_on_floats):
        assert "Fixed" in passes(capsys, attention.check_softmax, fn)


def value_softmax_on_floats(logits):               # the chapter's softmax, on Values
    return value_softmax([Value(x) for x in logits])


def test_softmax_rejects_the_overflowing_one_and_says_subtract_the_max(capsys):
    line = fails(capsys, attention.check_softmax, buggy_softmax)
    assert "not fixed yet" in line and "OverflowError" in line and "largest logit" in line


def test_softmax_rejects_other_shifts_and_clipping(capsys):
    def shift_by_min(logits):
        m = min(logits)
        return buggy_softmax([x - m for x in logits])

    def fixed_shift(logits):
        return buggy_softmax([x - 1000 for x in logits])

    def clipped(logits):
        return buggy_softmax([min(x, 700.0) for x in logits])

    def unnormalised(logits):
        m = max(logits)
        return [math.exp(x - m) for x in logits]

    assert "not the smallest" in fails(capsys, attention.check_softmax, shift_by_min)
    assert "underflowed" in fails(capsys, attention.check_softmax, fixed_shift)
    assert "clipping" in fails(capsys, attention.check_softmax, clipped)
    assert "add up to 1" in fails(capsys, attention.check_softmax, unnormalised)


def test_softmax_reports_numpy_overflow_to_inf(capsys):
    def numpy_naive(logits):
        e = np.exp(np.asarray(logits))
        return e / e.sum()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        line = fails(capsys, attention.check_softmax, numpy_naive)
    assert "overflowed to inf" in line


def test_softmax_none_crash_and_non_lists(capsys):
    assert "replace None" in fails(capsys, attention.check_softmax, None)
    line = fails(capsys, attention.check_softmax, boom)
    assert "KeyError" in line and "underflow" not in line and "overflow" not in line
    assert "list of 3 probabilities" in fails(capsys, attention.check_softmax, lambda xs: 1.0)


# ------------------------------------------------------------------ 04.2 one head

def head_len_q(q, keys, values):
    scores = [sum(a * b for a, b in zip(q, k)) / len(q) ** 0.5 for k in keys]
    weights = math_softmax(scores)
    return [sum(w * v[j] for w, v in zip(weights, values)) for j in range(len(q))]


head_dim = 4                                       # as in the notebook, read as a global


def head_global_head_dim(q, keys, values):         # the case: a correct head
    scores = [sum(a * b for a, b in zip(q, k)) / head_dim ** 0.5 for k in keys]
    weights = math_softmax(scores)
    return [sum(w * v[j] for w, v in zip(weights, values)) for j in range(len(q))]


def head_global_everywhere(q, keys, values):       # head_dim for the scale and the output
    scores = [sum(a * b for a, b in zip(q, k)) / head_dim ** 0.5 for k in keys]
    weights = math_softmax(scores)
    return [sum(w * v[j] for w, v in zip(weights, values)) for j in range(head_dim)]


def head_values_and_tuple(q, keys, values):        # the chapter's softmax; returns (out, w)
    scores = [Value(sum(a * b for a, b in zip(q, k)) / math.sqrt(len(q))) for k in keys]
    weights = value_softmax(scores)
    out = [sum((w * v[j] for w, v in zip(weights, values)), Value(0.0)) for j in range(len(q))]
    return out, weights


def head_numpy(q, keys, values):
    q, K, V = np.array(q), np.array(keys), np.array(values)
    s = K @ q / np.sqrt(q.size)
    w = np.exp(s - s.max())
    return (w / w.sum()) @ V


def scaled_by(scale, mix="values", normalise=True):
    def head(q, keys, values):
        scores = [sum(a * b for a, b in zip(q, k)) / scale(len(q)) for k in keys]
        weights = math_softmax(scores) if normalise else scores
        rows = values if mix == "values" else keys
        return [sum(w * r[j] for w, r in zip(weights, rows)) for j in range(len(q))]
    return head


def test_head_accepts_len_q_values_numpy_and_a_tuple(capsys):
    for fn in (head_len_q, head_values_and_tuple, head_numpy):
        assert "any head size" in passes(capsys, attention.check_attention_head, fn, 4)


def test_head_accepts_the_notebooks_global_head_dim_and_says_it_is_fixed(capsys):
    line = passes(capsys, attention.check_attention_head, head_global_head_dim, 4)
    assert "matches microgpt.nn.attention_head for head_dim = 4" in line
    assert "sqrt(4) whatever the size of q" in line
    assert "scal" not in line.split("Note")[0]
    passes(capsys, attention.check_attention_head, head_global_head_dim)          # default 4
    line = passes(capsys, attention.check_attention_head, head_global_everywhere, head_dim)
    assert "assumes q has 4 numbers" in line and "IndexError" in line


def test_head_that_only_works_for_four_numbers_passes_with_a_note(capsys):
    def indexed(q, keys, values):                  # crashes for a head of 2
        scores = [sum(q[i] * k[i] for i in range(4)) / 2 for k in keys]
        weights = math_softmax(scores)
        return [sum(w * v[j] for w, v in zip(weights, values)) for j in range(4)]

    line = passes(capsys, attention.check_attention_head, indexed, 4)
    assert "assumes q has 4 numbers" in line and "IndexError" in line


def test_head_of_another_size_is_checked_at_that_size(capsys):
    passes(capsys, attention.check_attention_head, head_len_q, 3)
    line = fails(capsys, attention.check_attention_head, head_global_head_dim, 3)
    assert "divided by sqrt(4), but this q has 3 numbers" in line


def test_head_names_the_scaling_mistakes(capsys):
    line = fails(capsys, attention.check_attention_head, scaled_by(lambda d: 1.0))
    assert "not divided by sqrt(head_dim)" in line
    line = fails(capsys, attention.check_attention_head, scaled_by(lambda d: d))
    assert "divided by head_dim = 4" in line and "sqrt(n_embd)" in line and "= 2" in line
    line = fails(capsys, attention.check_attention_head, scaled_by(lambda d: d ** -0.5))
    assert "multiplied by sqrt(4)" in line
    line = fails(capsys, attention.check_attention_head, scaled_by(lambda d: d), 9)
    assert "divided by head_dim = 9" in line and "sqrt(n_embd)" not in line
    line = fails(capsys, attention.check_attention_head, scaled_by(lambda d: 12 ** 0.5), 3)
    assert "sqrt(n_embd) = sqrt(12)" in line


def test_head_names_the_other_mistakes(capsys):
    line = fails(capsys, attention.check_attention_head, scaled_by(lambda d: d ** 0.5,
                                                                   normalise=False))
    assert "softmax" in line and "raw scores" in line
    line = fails(capsys, attention.check_attention_head, scaled_by(lambda d: d ** 0.5,
                                                                   mix="keys"))
    assert "weighted sum of the values" in line

    def returns_weights(q, keys, values):
        scores = [sum(a * b for a, b in zip(q, k)) / len(q) ** 0.5 for k in keys]
        return math_softmax(scores)

    assert "return the output" in fails(capsys, attention.check_attention_head, returns_weights)


def test_head_none_and_crash(capsys):
    assert "replace None" in fails(capsys, attention.check_attention_head, None)
    assert "KeyError" in fails(capsys, attention.check_attention_head, boom)


# ------------------------------------------------------------------ 04.3 ablate the scale

def test_no_scale_choice(capsys):
    assert "saturates" in passes(capsys, attention.check_no_scale, "c")
    passes(capsys, attention.check_no_scale, " C ")
    assert "differences" in fails(capsys, attention.check_no_scale, "a")
    assert "p(1 - p)" in fails(capsys, attention.check_no_scale, "b")
    assert "uniform" in fails(capsys, attention.check_no_scale, "D")
    assert "not one of the options" in fails(capsys, attention.check_no_scale, "e")
    assert "replace None" in fails(capsys, attention.check_no_scale, None)
    fails(capsys, attention.check_no_scale, 3)


# ------------------------------------------------------------------ 04.4 the causal mask

def masked_softmax(scores, mask, fill=-np.inf):
    masked = np.where(mask, scores, fill)
    W = np.exp(masked - masked.max(axis=1, keepdims=True))
    return W / W.sum(axis=1, keepdims=True)


def loop_mask(scores, end):                        # the notebook's code; end(t) ends row t
    T = scores.shape[0]
    mask = np.zeros((T, T), dtype=bool)
    for t in range(T):
        mask[t, :end(t)] = True
    return masked_softmax(scores, mask)


def test_mask_accepts_bool_float_additive_and_per_row_answers(capsys):
    def tril_bool(scores):
        return masked_softmax(scores, np.tril(np.ones(scores.shape, dtype=bool)))

    def float_mask(scores):                        # 1.0 / 0.0 used as the condition
        return masked_softmax(scores, np.tril(np.ones(scores.shape)))

    def additive(scores):                          # add 0 or -1e9, in place
        scores += np.triu(np.full(scores.shape, -1e9), k=1)
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def per_row(scores):                           # plain Python, a list of lists
        T = len(scores)
        return [math_softmax(list(scores[t][:t + 1])) + [0.0] * (T - 1 - t) for t in range(T)]

    for fn in (tril_bool, float_mask, additive, per_row, lambda s: loop_mask(s, lambda t: t + 1)):
        assert "Fixed" in passes(capsys, attention.check_causal_softmax, fn)


def test_mask_names_a_position_that_sees_the_future(capsys):
    line = fails(capsys, attention.check_causal_softmax, lambda s: loop_mask(s, lambda t: t + 2))
    assert "position 0 gives" in line and "to position 1, a later one" in line

    def triu(scores):
        return masked_softmax(scores, np.triu(np.ones(scores.shape, dtype=bool)))

    assert "a later one" in fails(capsys, attention.check_causal_softmax, triu)


def test_mask_names_the_other_mistakes(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        line = fails(capsys, attention.check_causal_softmax,
                     lambda s: loop_mask(s, lambda t: t))            # hides the diagonal
    assert "row 0 is nan" in line and "keep the diagonal" in line

    def zero_fill(scores):
        return masked_softmax(scores, np.tri(len(scores), dtype=bool), fill=0.0)

    assert "exp(0) = 1" in fails(capsys, attention.check_causal_softmax, zero_fill)

    def zeroed_after(scores):
        W = masked_softmax(scores, np.ones(scores.shape, dtype=bool))
        return W * np.tri(len(scores))

    assert "after the softmax" in fails(capsys, attention.check_causal_softmax, zeroed_after)

    def wrong_axis(scores):
        masked = np.where(np.tri(len(scores), dtype=bool), scores, -np.inf)
        W = np.exp(masked - masked.max(axis=0, keepdims=True))
        return W / W.sum(axis=0, keepdims=True)

    assert "axis=1" in fails(capsys, attention.check_causal_softmax, wrong_axis)


def test_mask_none_crash_and_shape(capsys):
    assert "replace None" in fails(capsys, attention.check_causal_softmax, None)
    assert "KeyError" in fails(capsys, attention.check_causal_softmax, boom)
    assert "shape (5, 5)" in fails(capsys, attention.check_causal_softmax, lambda s: s[0])
    assert "table of weights" in fails(capsys, attention.check_causal_softmax, lambda s: "W")


# ------------------------------------------------------------------ 04.5 predict the parameters

@pytest.mark.parametrize("answer", [4096, 4096.0, np.int64(4096)])
def test_params_right_answer_shows_the_counts(capsys, answer):
    line = passes(capsys, attention.check_attention_params, answer)
    assert "whatever n_head is" in line and "n_head 1: 4096, n_head 8: 4096" in line


def test_params_other_sizes(capsys):
    passes(capsys, attention.check_attention_params, 1024, 16, 4)
    assert "n_embd = 16" not in fails(capsys, attention.check_attention_params, 256, 16, 4)
    assert "count for n_embd = 16" in fails(capsys, attention.check_attention_params, 1024, 64, 8)


def test_params_names_each_typical_mistake(capsys):
    hints = {1024: "one 32 × 32 matrix", 3072: "attn_wo", 32768: "own slice of the rows",
             512: "one head's slice", 128: "not a vector", 4224: "no bias"}
    for answer, words in hints.items():
        assert words in fails(capsys, attention.check_attention_params, answer)
    assert "too high" in fails(capsys, attention.check_attention_params, 5000)
    assert "too low" in fails(capsys, attention.check_attention_params, 2000)


def test_params_none_and_non_numbers(capsys):
    assert "replace None" in fails(capsys, attention.check_attention_params, None)
    assert "should be a number" in fails(capsys, attention.check_attention_params, "4096")
    assert "should be a number" in fails(capsys, attention.check_attention_params, True)
    assert "should be a number" in fails(capsys, attention.check_attention_params, float("nan"))
