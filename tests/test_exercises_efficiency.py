"""Chapter 08's exercise checkers (microgpt.course.checks.efficiency): each accepts at least two
different correct answers, rejects the typical wrong ones with a hint that names the
mistake, says "Not yet" to an unanswered None and turns a crashing answer into a verdict."""
import numpy as np
import pytest

from microgpt.course.checks import efficiency
from microgpt.course.checks.common import exercises
from microgpt.tensor.engine import Tensor, unbroadcast

from conftest import boom, checker_verdict, fails, passes


def test_the_chapter_registers_five_exercises_none_of_them_retyping():
    listed = exercises("08")
    assert [e for e, _, _ in listed] == ["08.1", "08.2", "08.3", "08.4", "08.5"]
    assert [k for _, _, k in listed] == ["predict", "find-the-bug", "derive", "find-the-bug",
                                         "experiment"]


# ------------------------------------------------------------------ 08.1 nodes of the tensor graph

def test_the_node_count_does_not_depend_on_the_batch():
    docs, tok, cfg = efficiency._demo_config()
    counts = {efficiency.tensor_node_count(names) for names in (["emma"], ["al", "christopher"],
                                                                 docs[:32])}
    assert counts == {47}


def test_node_prediction_accepts_the_count_and_a_near_miss(capsys):
    assert "one node per array operation" in passes(capsys, efficiency.check_tensor_nodes, 47)
    passes(capsys, efficiency.check_tensor_nodes, 40)          # mean counted as one node, …
    passes(capsys, efficiency.check_tensor_nodes, 55.0)        # a float is a number too


def test_node_prediction_rejects_scalar_thinking_and_undercounting(capsys):
    line = fails(capsys, efficiency.check_tensor_nodes, 32 * 2867)     # one node per number
    assert "too high" in line and "does not grow with the names" in line
    line = fails(capsys, efficiency.check_tensor_nodes, 300)
    assert "too high" in line
    line = fails(capsys, efficiency.check_tensor_nodes, 12)            # only the matmuls …
    assert "too low" in line and "transpose" in line and "rmsnorm" in line


def test_node_prediction_unanswered_or_not_a_number(capsys):
    assert "replace None" in fails(capsys, efficiency.check_tensor_nodes, None)
    assert "should be a number" in fails(capsys, efficiency.check_tensor_nodes, "47")


# ------------------------------------------------------------------ 08.2 unbroadcast

def notebook_buggy(grad, shape):                   # the notebook's planted bug
    while grad.ndim > len(shape):
        grad = grad.sum(axis=-1)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def notebook_fixed(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def one_sum(grad, shape):                          # all axes in one call, as a tuple
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def nested_lists(grad, shape):                     # returns lists: also fine
    return notebook_fixed(grad, shape).tolist()


def averaged(grad, shape):
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and grad.shape[lead + i] != 1)
    return grad.mean(axis=axes, keepdims=True).reshape(shape)


def no_keepdims(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in reversed(list(enumerate(shape))):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis)
    return grad


def test_unbroadcast_accepts_the_fix_and_other_ways(capsys):
    for fn in (notebook_fixed, unbroadcast, one_sum, nested_lists):
        assert "Fixed" in passes(capsys, efficiency.check_unbroadcast, fn)


def test_unbroadcast_rejects_the_planted_bug_naming_the_axis(capsys):
    line = fails(capsys, efficiency.check_unbroadcast, notebook_buggy)
    assert "(2, 3)" in line and "in front" in line and "axis=0" in line


def test_unbroadcast_names_the_last_axis_when_only_the_numbers_are_wrong(capsys):
    def square_only(grad, shape):                  # right for (2,3,4)->(3,4), not for square
        if grad.shape == (4, 4):
            return grad.sum(axis=-1)
        return unbroadcast(grad, shape)
    line = fails(capsys, efficiency.check_unbroadcast, square_only)
    assert "(4, 4)" in line and "summed the last axis" in line


def test_unbroadcast_rejects_averaging_and_dropped_axes(capsys):
    line = fails(capsys, efficiency.check_unbroadcast, averaged)
    assert "averaged" in line and "sum" in line
    line = fails(capsys, efficiency.check_unbroadcast, no_keepdims)
    assert "keepdims=True" in line and "(3, 1)" in line
    line = fails(capsys, efficiency.check_unbroadcast, lambda grad, shape: grad)
    assert "operand's own shape" in line


def test_unbroadcast_unanswered_or_crashing(capsys):
    assert "replace None" in fails(capsys, efficiency.check_unbroadcast, None)
    assert "KeyError" in fails(capsys, efficiency.check_unbroadcast, boom)


# ------------------------------------------------------------------ 08.3 padded gradient

def parts():
    Z, targets, weights = efficiency.padded_example()
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return Z, targets, weights, p, np.eye(4)[targets]


def test_the_example_has_one_padded_position():
    Z, targets, weights = efficiency.padded_example()
    assert Z.shape == (2, 3, 4)
    assert np.allclose(weights, [[1 / 6] * 3, [1 / 4, 1 / 4, 0]])
    assert targets.tolist() == [[3, 1, 2], [2, 1, 0]]


def test_padded_grad_accepts_numpy_loops_and_lists(capsys):
    Z, targets, weights, p, one_hot = parts()
    assert "padded position weighs 0" in passes(capsys, efficiency.check_padded_grad,
                                                 weights[..., None] * (p - one_hot))
    loops = np.zeros_like(Z)                       # position by position, plain Python math
    for b in range(2):
        for t in range(3):
            row = np.exp(Z[b, t]) / np.exp(Z[b, t]).sum()
            row[targets[b, t]] -= 1
            loops[b, t] = weights[b, t] * row
    passes(capsys, efficiency.check_padded_grad, loops)
    passes(capsys, efficiency.check_padded_grad, loops.tolist())
    logits = Tensor(Z)                             # the engine itself, as a Tensor
    logits.cross_entropy(targets, weights).backward()
    passes(capsys, efficiency.check_padded_grad, logits.grad.astype(np.float32))


def test_padded_grad_names_the_typical_mistakes(capsys):
    Z, targets, weights, p, one_hot = parts()
    w = weights[..., None]
    line = fails(capsys, efficiency.check_padded_grad, p - one_hot)
    assert "left out the weights" in line
    line = fails(capsys, efficiency.check_padded_grad, (p - one_hot) / 6)
    assert "padding" in line and "6 positions" in line
    line = fails(capsys, efficiency.check_padded_grad,
                 (p - one_hot) * (weights > 0)[..., None] / 5)
    assert "5 real positions" in line and "mean over names" in line
    line = fails(capsys, efficiency.check_padded_grad, w * (one_hot - p))
    assert "sign" in line
    line = fails(capsys, efficiency.check_padded_grad, w * p)
    assert "one-hot" in line
    e = np.exp(Z - Z.max(axis=1, keepdims=True))   # the section-2.2 softmax, axis=1
    line = fails(capsys, efficiency.check_padded_grad, w * (e / e.sum(axis=1, keepdims=True)
                                                            - one_hot))
    assert "wrong axis" in line and "axis=-1" in line


def test_padded_grad_locates_other_mistakes(capsys):
    Z, targets, weights, p, one_hot = parts()
    good = weights[..., None] * (p - one_hot)
    padded_wrong = good.copy()
    padded_wrong[1, 2] = (p - one_hot)[1, 2] / 4   # the padding given a weight
    assert "must be 0" in fails(capsys, efficiency.check_padded_grad, padded_wrong)
    one_row_wrong = good.copy()
    one_row_wrong[0, 1] *= 2
    line = fails(capsys, efficiency.check_padded_grad, one_row_wrong)
    assert "name 0, position 1" in line


def test_padded_grad_wrong_shape_unanswered_and_odd(capsys):
    Z, targets, weights, p, one_hot = parts()
    assert "(2, 3, 4)" in fails(capsys, efficiency.check_padded_grad,
                                (weights[..., None] * (p - one_hot)).reshape(6, 4))
    assert "replace None" in fails(capsys, efficiency.check_padded_grad, None)
    assert "array of numbers" in fails(capsys, efficiency.check_padded_grad, "p - one_hot")
    assert "inf or nan" in fails(capsys, efficiency.check_padded_grad,
                                 np.full((2, 3, 4), np.nan))


# ------------------------------------------------------------------ 08.4 causal mask

def loop_mask(T):                                  # pure Python, 0/1 ints in nested lists
    return [[1 if s <= t else 0 for s in range(T)] for t in range(T)]


def test_causal_mask_accepts_bool_int_float_and_lists(capsys):
    correct = [
        lambda T: np.tri(T, dtype=bool),
        lambda T: np.arange(T)[None, :] <= np.arange(T)[:, None],
        lambda T: np.tril(np.ones((T, T))),                        # float 0/1: the known bug
        lambda T: np.tri(T, dtype=int),
        loop_mask,
        lambda T: np.tril(np.ones((T, T), dtype=np.float32)),
    ]
    for fn in correct:
        assert "peek" in passes(capsys, efficiency.check_causal_mask, fn)


def test_a_correct_float_mask_works_in_the_engine_softmax():
    x = Tensor(np.random.default_rng(0).normal(size=(4, 4)))
    a = x.softmax(mask=np.tril(np.ones((4, 4)))).data
    b = x.softmax(mask=np.tri(4, dtype=bool)).data
    assert np.allclose(a, b)


def test_causal_mask_rejects_the_future_naming_who_sees_what(capsys):
    def buggy(T):                                  # the planted bug
        return np.arange(T)[:, None] <= np.arange(T)[None, :]

    line = fails(capsys, efficiency.check_causal_mask, buggy)
    assert "query position 0" in line and "key position 1" in line and "later" in line
    line = fails(capsys, efficiency.check_causal_mask, lambda T: np.ones((T, T)))
    assert "query position 0" in line and "later" in line
    line = fails(capsys, efficiency.check_causal_mask, lambda T: np.tri(T, k=1))    # one too far
    assert "key position 1" in line


def test_causal_mask_rejects_missing_keys(capsys):
    line = fails(capsys, efficiency.check_causal_mask, lambda T: np.tri(T, k=-1, dtype=bool))
    assert "cannot look at itself" in line and "0/0" in line
    line = fails(capsys, efficiency.check_causal_mask, lambda T: np.eye(T, dtype=bool))
    assert "query position 1 cannot look at key position 0" in line


def test_causal_mask_rejects_additive_and_misshapen_masks(capsys):
    def additive(T):
        return np.where(np.tri(T, dtype=bool), 0.0, -np.inf)
    line = fails(capsys, efficiency.check_causal_mask, additive)
    assert "additive" in line and "True (or 1)" in line
    line = fails(capsys, efficiency.check_causal_mask, lambda T: np.tri(12, dtype=bool))
    assert "shape (3, 3)" in line and "global T" in line
    line = fails(capsys, efficiency.check_causal_mask, lambda T: np.tri(T, dtype=bool)[0])
    assert "shape (3, 3)" in line


def test_causal_mask_unanswered_crashing_or_odd(capsys):
    assert "replace None" in fails(capsys, efficiency.check_causal_mask, None)
    assert "KeyError" in fails(capsys, efficiency.check_causal_mask, boom)
    assert "expected a function" in fails(capsys, efficiency.check_causal_mask,
                                          np.tri(3, dtype=bool))
    assert "booleans or 0/1" in fails(capsys, efficiency.check_causal_mask,
                                      lambda T: "lower triangle")


# ------------------------------------------------------------------ 08.5 beat the bigram

REAL_RUN = efficiency.beat_bigram_run


@pytest.fixture(scope="module")
def runs():
    """{settings: (val loss, bigram)}, each run once for the whole module (a few s each)."""
    cache = {}

    def run(*settings):
        if settings not in cache:
            cache[settings] = REAL_RUN(*settings)
        return cache[settings]
    return run


@pytest.fixture
def cached(monkeypatch, runs):
    monkeypatch.setattr(efficiency, "beat_bigram_run", runs)


@pytest.mark.slow
@pytest.mark.parametrize("settings", [(32, 0.03, 0), (32, 0.1, 0), (16, 0.03, 0)])
def test_beat_bigram_accepts_several_good_settings(capsys, cached, settings):
    line = passes(capsys, efficiency.check_beat_bigram, *settings)
    assert "below the bigram baseline's 2.4667" in line


@pytest.mark.slow
def test_beat_bigram_accepts_numpy_numbers(capsys, cached):
    passes(capsys, efficiency.check_beat_bigram, np.int64(32), np.float64(0.03), np.int64(0))


@pytest.mark.slow
def test_beat_bigram_names_what_held_the_run_back(capsys, cached):
    line = fails(capsys, efficiency.check_beat_bigram, 32, 0.01, 0)       # section 6's lr
    assert "too timid" in line and "2.5596" in line
    line = fails(capsys, efficiency.check_beat_bigram, 32, 0.5, 0)
    assert "blew up" in line and "smaller learning rate" in line
    line = fails(capsys, efficiency.check_beat_bigram, 8, 0.03, 20)
    assert "bigger batches" in line
    line = fails(capsys, efficiency.check_beat_bigram, 32, 0.03, 20)
    assert "warm-up of 20 steps" in line and "2.4784" in line


def test_beat_bigram_rejects_settings_outside_the_budget_without_running(capsys, monkeypatch):
    monkeypatch.setattr(efficiency, "beat_bigram_run", boom)
    assert "1 to 32" in fails(capsys, efficiency.check_beat_bigram, 512, 0.03, 0)
    assert "1 to 32" in fails(capsys, efficiency.check_beat_bigram, 8.5, 0.03, 0)
    assert "above 0" in fails(capsys, efficiency.check_beat_bigram, 32, -0.1, 0)
    assert "above 0" in fails(capsys, efficiency.check_beat_bigram, 32, "0.03", 0)
    assert "0 to 200" in fails(capsys, efficiency.check_beat_bigram, 32, 0.03, 500)
    assert "replace None" in fails(capsys, efficiency.check_beat_bigram, None, None, None)
    assert "replace None" in fails(capsys, efficiency.check_beat_bigram, 32, None, 0)


def test_a_crashing_run_is_a_verdict_not_a_raise(capsys, monkeypatch):
    monkeypatch.setattr(efficiency, "beat_bigram_run", boom)
    ok, line = checker_verdict(capsys, efficiency.check_beat_bigram, 32, 0.03, 0)
    assert not ok and line.startswith("Cannot tell:") and "KeyError" in line
