"""Chapter 04's exercise checkers (microgpt.course.checks.attention): each accepts at least two
different correct answers, rejects the typical wrong ones (the symptom first, the hint's
words from the second try), says "Not yet" to an unanswered None, turns a crashing answer
(SystemExit included) into a verdict, and is not fooled by an object equal to everything or
slowed by a huge list."""
import math
import warnings

import numpy as np
import pytest

from microgpt.course.checks import attention
from microgpt.course.checks.common import exercises
from microgpt.engine import Value
from microgpt.nn import attention_head

from conftest import boom, fails, passes


class EqualsEverything:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def exits(*args):
    raise SystemExit(3)


HUGE = list(range(10**7))


def test_the_chapter_registers_five_exercises_of_mixed_kinds():
    listed = exercises("04")
    assert [e for e, _, _ in listed] == ["04.1", "04.2", "04.3", "04.4", "04.5"]
    kinds = [k for _, _, k in listed]
    assert kinds == ["predict", "implement", "ablate", "find-the-bug", "find-the-bug"]


# ------------------------------------------------------------------ 04.1 predict a weight

def measured_tiny_weight():
    """What the learner measures: the package's head on the two keys position 1 may see."""
    q = [Value(x) for x in attention.TINY_Q]
    keys = [[Value(x) for x in k] for k in attention.TINY_KEYS[:2]]
    return attention_head(q, keys, keys)[1][0].data


def test_the_key_is_what_the_package_computes():
    assert abs(measured_tiny_weight() - attention.TINY_WANT) < 1e-12
    assert abs(attention.TINY_WANT - 1 / (1 + math.exp(-1.5))) < 1e-12


@pytest.mark.parametrize("answer", [math.exp(1.5) / (math.exp(1.5) + 1), 0.8176, 0.818,
                                    np.float64(0.81757), measured_tiny_weight()])
def test_tiny_weight_accepts(capsys, answer):
    assert "e^1.5 / (e^1.5 + 1)" in passes(capsys, attention.check_tiny_weight, answer)


@pytest.mark.parametrize("answer, symptom, hint", [
    (math.exp(1.5) / (math.exp(1.5) + 1 + math.exp(4)), "comes after it", "leave out the key"),
    (math.exp(3) / (math.exp(3) + 1), "not divided by anything", "sqrt(head_dim)"),
    (math.exp(0.75) / (math.exp(0.75) + 1), "divided by too much", "not by head_dim = 4"),
    (1 / (1 + math.exp(1.5)), "gives to itself", "weight on position 0"),
    (0.5, "equal weights", "divide by 2, then softmax"),
    (1.5, "the score of position 0", "with softmax"),
    (0.95, "too high", "which keys may position 1 see"),
    (0.3, "too low", "which keys may position 1 see"),
])
def test_tiny_weight_rejects(capsys, answer, symptom, hint):
    line = fails(capsys, attention.check_tiny_weight, answer)
    assert symptom in line and hint in line


@pytest.mark.parametrize("answer", ["0.8176", EqualsEverything(), HUGE, float("nan"), True])
def test_tiny_weight_non_numbers(capsys, answer):
    line = fails(capsys, attention.check_tiny_weight, answer)
    assert "should be a number" in line and len(line) < 200


def test_tiny_weight_unanswered(capsys):
    assert "replace None" in fails(capsys, attention.check_tiny_weight, None)


# ------------------------------------------------------------------ 04.2 a sliding window

def window_numpy(T, window):
    t, s = np.arange(T)[:, None], np.arange(T)[None, :]
    return (s <= t) & (t - s < window)


def window_lists(T, window):                       # plain Python, 1/0
    return [[1 if t - window < s <= t else 0 for s in range(T)] for t in range(T)]


def window_tril(T, window):
    ones = np.ones((T, T))
    return np.tril(ones) - np.tril(ones, -window)


@pytest.mark.parametrize("fn", [window_numpy, window_lists, window_tril])
def test_window_accepts(capsys, fn):
    assert "query 5 sees keys 3, 4, 5" in passes(capsys, attention.check_window_mask, fn)


def window_one_too_many(T, window):
    return [[0 <= t - s <= window for s in range(T)] for t in range(T)]


def window_symmetric(T, window):
    return [[abs(t - s) < window for s in range(T)] for t in range(T)]


def window_without_self(T, window):
    return [[0 < t - s < window for s in range(T)] for t in range(T)]


def window_one_too_few(T, window):
    return [[0 <= t - s < window - 1 or s == t for s in range(T)] for t in range(T)]


def window_causal_only(T, window):
    return np.tril(np.ones((T, T), dtype=bool))


@pytest.mark.parametrize("fn, symptom, hint", [
    (window_one_too_many, "a window of 3 holds at most 3", "not window + 1"),
    (window_symmetric, "which comes after it", "s <= t as well"),
    (window_without_self, "does not see itself", "key t is always allowed"),
    (window_one_too_few, "should see 3 keys", "the window - 1 keys before it"),
    (window_causal_only, "a window of 3 holds at most 3", "not window + 1"),
])
def test_window_rejects(capsys, fn, symptom, hint):
    line = fails(capsys, attention.check_window_mask, fn)
    assert symptom in line and hint in line


@pytest.mark.parametrize("fn, words", [
    (lambda T, w: np.ones((T,)), "should have shape (6, 6)"),
    (lambda T, w: "mask", "should have shape"),
    (lambda T, w: np.full((T, T), 0.5), "True/False"),
    (lambda T, w: [[1, 0], [1]], "(T, T) table"),
    (lambda T, w: HUGE, "should have shape"),
    (lambda T, w: EqualsEverything(), "should have shape"),
    (boom, "KeyError"),
    (exits, "SystemExit"),
])
def test_window_odd_answers(capsys, fn, words):
    line = fails(capsys, attention.check_window_mask, fn)
    assert words in line and len(line) < 300


def test_window_unanswered(capsys):
    assert "replace None" in fails(capsys, attention.check_window_mask, None)


# ------------------------------------------------------------------ 04.3 divide by d

def test_scale_by_d_choice(capsys):
    assert "near uniform" in passes(capsys, attention.check_scale_by_d, "c")
    passes(capsys, attention.check_scale_by_d, " C ")
    assert "differences" in fails(capsys, attention.check_scale_by_d, "a")
    assert "closer together" in fails(capsys, attention.check_scale_by_d, "b")
    assert "how much reaches q" in fails(capsys, attention.check_scale_by_d, "D")
    assert "not one of the options" in fails(capsys, attention.check_scale_by_d, "e")
    assert "replace None" in fails(capsys, attention.check_scale_by_d, None)


@pytest.mark.parametrize("answer", [3, ["c"], {"c": 1}, EqualsEverything(), HUGE])
def test_scale_by_d_odd_answers(capsys, answer):
    line = fails(capsys, attention.check_scale_by_d, answer)
    assert "one letter in quotes" in line and len(line) < 200


# ------------------------------------------------------------------ 04.4 the masked softmax

def masked_softmax(scores, mask, fill=-np.inf):
    masked = np.where(mask, scores, fill)
    W = np.exp(masked - masked.max(axis=1, keepdims=True))
    return W / W.sum(axis=1, keepdims=True)


def planted(scores):                               # the notebook's bug: mask after the softmax
    T = scores.shape[0]
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.where(np.tril(np.ones((T, T), dtype=bool)), e / e.sum(axis=1, keepdims=True), 0.0)


def fixed_zero_then_divide(scores):
    T = scores.shape[0]
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    e = np.where(np.tril(np.ones((T, T), dtype=bool)), e, 0.0)
    return e / e.sum(axis=1, keepdims=True)


def fixed_minus_inf(scores):
    return masked_softmax(scores, np.tri(len(scores), dtype=bool))


def fixed_additive(scores):                        # add -1e9 above the diagonal, in place
    scores += np.triu(np.full(scores.shape, -1e9), k=1)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def fixed_per_row(scores):                         # plain Python, a list of lists
    T = len(scores)
    rows = []
    for t in range(T):
        m = max(scores[t][:t + 1])
        e = [math.exp(x - m) for x in scores[t][:t + 1]]
        rows.append([x / sum(e) for x in e] + [0.0] * (T - 1 - t))
    return rows


@pytest.mark.parametrize("fn", [fixed_zero_then_divide, fixed_minus_inf, fixed_additive,
                                fixed_per_row])
def test_mask_accepts(capsys, fn):
    assert "Fixed" in passes(capsys, attention.check_causal_softmax, fn)


def test_mask_names_the_planted_leak(capsys):
    line = fails(capsys, attention.check_causal_softmax, planted)
    assert "no weight on the future, but row" in line and "later position's score" in line
    assert "the future still counts in the total" in line


def test_mask_first_verdict_keeps_the_fix_back(capsys):
    attention.check_causal_softmax(planted)
    first = capsys.readouterr().out
    assert "still counts in the total" not in first and "Hint:" not in first


def test_mask_names_the_other_mistakes(capsys):
    line = fails(capsys, attention.check_causal_softmax,
                 lambda s: masked_softmax(s, np.ones(s.shape, dtype=bool)))
    assert "a later one" in line and "must be 0" in line

    line = fails(capsys, attention.check_causal_softmax,
                 lambda s: masked_softmax(s, np.tri(len(s), dtype=bool), fill=0.0))
    assert "a later one" in line

    def wrong_axis(scores):
        masked = np.where(np.tri(len(scores), dtype=bool), scores, -np.inf)
        W = np.exp(masked - masked.max(axis=0, keepdims=True))
        return W / W.sum(axis=0, keepdims=True)

    line = fails(capsys, attention.check_causal_softmax, wrong_axis)
    assert "adds up to" in line and "axis=1" in line

    def no_diagonal(scores):
        return masked_softmax(scores, np.tri(len(scores), k=-1, dtype=bool))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        line = fails(capsys, attention.check_causal_softmax, no_diagonal)
    assert "nan" in line and "may see itself" in line


@pytest.mark.parametrize("fn, words", [
    (boom, "KeyError"),
    (exits, "SystemExit"),
    (lambda s: s[0], "shape (5, 5)"),
    (lambda s: "W", "table of numbers"),
    (lambda s: HUGE, "shape (5, 5)"),
    (lambda s: EqualsEverything(), "table of numbers"),
])
def test_mask_odd_answers(capsys, fn, words):
    line = fails(capsys, attention.check_causal_softmax, fn)
    assert words in line and len(line) < 300


def test_mask_unanswered(capsys):
    assert "replace None" in fails(capsys, attention.check_causal_softmax, None)


# ------------------------------------------------------------------ 04.5 a transposed matrix

def attend(X, Wq, Wk, Wv, flips=(True, True, True), scale=None):
    T, d = X.shape
    Q, K, V = (X @ (w.T if f else w) for w, f in zip((Wq, Wk, Wv), flips))
    scores = Q @ K.T / (scale or d ** 0.5)
    scores = np.where(np.tri(T, dtype=bool), scores, -np.inf)
    W = np.exp(scores - scores.max(axis=1, keepdims=True))
    return (W / W.sum(axis=1, keepdims=True)) @ V


def attend_loops(X, Wq, Wk, Wv):                   # the cache loop of section 5, on floats
    rows = X.tolist()
    keys, values, outs = [], [], []
    for x in rows:
        q = [sum(w * xi for w, xi in zip(row, x)) for row in Wq.tolist()]
        keys.append([sum(w * xi for w, xi in zip(row, x)) for row in Wk.tolist()])
        values.append([sum(w * xi for w, xi in zip(row, x)) for row in Wv.tolist()])
        scores = [sum(a * b for a, b in zip(q, k)) / len(q) ** 0.5 for k in keys]
        m = max(scores)
        e = [math.exp(s - m) for s in scores]
        outs.append([sum(w / sum(e) * v[j] for w, v in zip(e, values)) for j in range(len(q))])
    return outs


def attend_einsum(X, Wq, Wk, Wv):
    Q, K, V = (np.einsum("ij,tj->ti", w, X) for w in (Wq, Wk, Wv))
    T = len(X)
    s = np.where(np.tri(T, dtype=bool), Q @ K.T / np.sqrt(Q.shape[1]), -np.inf)
    W = np.exp(s - s.max(axis=1, keepdims=True))
    return (W / W.sum(axis=1, keepdims=True)) @ V


@pytest.mark.parametrize("fn", [attend, attend_loops, attend_einsum])
def test_attend_accepts(capsys, fn):
    assert "X @ w.T" in passes(capsys, attention.check_attend_all, fn)


@pytest.mark.parametrize("flips, names", [
    ((False, False, False), "Wq, Wk, Wv"),
    ((False, True, True), "check Wq."),
    ((True, True, False), "check Wv."),
])
def test_attend_names_the_transposed_matrices(capsys, flips, names):
    line = fails(capsys, attention.check_attend_all,
                 lambda X, q, k, v: attend(X, q, k, v, flips))
    assert "differs from the cache loop's" in line and names in line and "w @ x" in line


def test_attend_other_mistakes(capsys):
    line = fails(capsys, attention.check_attend_all,
                 lambda X, q, k, v: attend(X, q, k, v, scale=1.0))
    assert "differs from the cache loop's" in line and "q . k / sqrt(d)" in line


@pytest.mark.parametrize("fn, words", [
    (boom, "KeyError"),
    (exits, "SystemExit"),
    (lambda X, q, k, v: X[0], "shape (5, 6)"),
    (lambda X, q, k, v: None, "shape (5, 6), got None"),
    (lambda X, q, k, v: HUGE, "shape (5, 6)"),
    (lambda X, q, k, v: EqualsEverything(), "table of numbers"),
])
def test_attend_odd_answers(capsys, fn, words):
    line = fails(capsys, attention.check_attend_all, fn)
    assert words in line and len(line) < 300


def test_attend_unanswered(capsys):
    assert "replace None" in fails(capsys, attention.check_attend_all, None)
