"""The exercise checkers of the efficiency chapter (08, the NumPy tensor engine).

Owns, in notebook order: `check_tensor_nodes` (08.1, predict how many operation nodes the
tensor graph of a batch of 32 names has), `check_unbroadcast` (08.2, find the bug: a
gradient summed back over the wrong axis), `check_padded_grad` (08.3, derive dL/dlogits of
a padded batch, against the engine; `padded_example` gives its arrays),
`check_rmsnorm_backward` (08.4, derive the fused backward of RMSNorm, against the engine's
six nodes) and `check_beat_bigram` (08.5, experiment: settings that beat the bigram baseline
within 200 steps).

Every checker accepts any correct answer (NumPy arrays or nested lists; any loop order) and
names the mistake of the typical wrong ones: first what is wrong, from a second wrong try
also how to fix it (common.verdict's symptom and hint).
The only checkers that need NumPy. The chapter's configuration, tokenizer and names come
from the notebook, as the sampling checkers get their model: `check_tensor_nodes(answer,
cfg, tok, names)`, `check_beat_bigram(..., cfg=cfg, tok=tok, train_docs=train_docs,
val_docs=val_docs)`. Called without them (a notebook saved before they were passed), they
fall back to the chapter's demo set-up, read from the dataset (`_demo_setup`).

Imports: data, model, tokenizer, training, tensor.engine, tensor.model, tensor.training,
course.checks.common.
"""
import random

import numpy as np

from ...data import load_names, split_names
from ...model import GPTConfig
from ...tensor.engine import Tensor, unbroadcast
from ...tensor.model import RMSNORM_EPS, TensorGPT, make_batch, rmsnorm
from ...tensor.training import evaluate_tensor, train_tensor
from ...tokenizer import CharTokenizer, bigram_baseline
from ...training import TrainingDiverged
from .common import check_number, exercise, is_number, not_answered, run_answer, short, verdict


def _array(got, dtype=float, shape=None):
    """got (an array, nested lists or a Tensor) as a NumPy array, or None if it is not one.

    With the `shape` expected, a list or tuple of the wrong length is not converted (ten
    million numbers would take seconds): it comes back as a stand-in of shape (its length,),
    which is all a verdict about its shape needs."""
    if isinstance(got, Tensor):
        got = got.data
    if shape is not None and isinstance(got, (list, tuple)) and (
            not shape or len(got) != shape[0]):
        return np.broadcast_to(np.nan, (len(got),))
    try:
        arr = np.asarray(got, dtype=dtype)
    except (TypeError, ValueError):
        return None
    return arr


def _demo_setup():
    """(cfg, tok, train_docs, val_docs) of the chapter, for calls that do not pass them:
    vocabulary of the names, n_embd 16, 1 layer, 4 heads, block_size 16, the seed-42 split."""
    docs = load_names()
    tok = CharTokenizer(docs)
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=16, n_layer=1, n_head=4, block_size=16)
    train_docs, val_docs = split_names(docs, random.Random(42))
    return cfg, tok, train_docs, val_docs


# ------------------------------------------------------------------ 08.1 nodes, predict

NODES_TOL = 15


def tensor_node_count(cfg, tok, names):
    """len(loss.topo_order()) of a fresh TensorGPT(cfg)'s loss on `names`."""
    model = TensorGPT(cfg, random.Random(42))
    return len(model.loss([tok.encode_doc(n, cfg.block_size) for n in names]).topo_order())


@exercise("08.1", "nodes of the tensor graph", "predict")
def check_tensor_nodes(answer, cfg=None, tok=None, names=None):
    """answer: the predicted operation-node count of the tensor loss of `names` (32 in the
    chapter) for a TensorGPT of `cfg` (± NODES_TOL)."""
    if cfg is None or tok is None or names is None:
        cfg, tok, train_docs, _ = _demo_setup()
        names = train_docs[:32]
    want = tensor_node_count(cfg, tok, names)
    if is_number(answer):
        answer = float(answer)         # a plain float: a subclass's own arithmetic could lie
    return check_number(
        answer, want, NODES_TOL,
        f"within {NODES_TOL} of the count, {want} nodes (the solution lists them): one node "
        "per array operation of the forward pass, however many names or positions the batch "
        "holds.",
        "Each node is one whole array operation, so the count does not grow with the names "
        "or the letters: count the operations in my_forward (and rmsnorm and attention) once.",
        "Count every operation that makes a new Tensor: each transpose `.T` and reshape, the "
        "six of rmsnorm (x*x, the mean = a sum times 1/C, + 1e-5, ** -0.5, x*), the scaling "
        "of the scores, the softmax, the cross-entropy.")


# ------------------------------------------------------------------ 08.2 unbroadcast, find the bug

UNBROADCAST_CASES = (              # (shape of the op's output = of grad, shape of the operand)
    ((2, 3, 4), (3, 4)),           # wpe (T, C) added to a batch (B, T, C)
    ((2, 3, 4), (4,)),             # a bias (C,)
    ((4, 4), (4,)),                # square: the wrong axis gives the right shape
    ((2, 3, 4), (3, 1)),           # a stretched axis of size 1
    ((2, 3, 4), (1, 3, 1)),
    ((2, 3, 4), (2, 3, 4)),        # nothing was broadcast
    ((5,), ()),                    # a scalar
)


def _buggy_unbroadcast(grad, shape):       # the notebook's planted bug: the last axis
    while grad.ndim > len(shape):
        grad = grad.sum(axis=-1)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


@exercise("08.2", "unbroadcast sums the right axes", "find-the-bug")
def check_unbroadcast(fn):
    """fn(grad, shape) -> grad summed down to `shape`, as `tensor.engine.unbroadcast`."""
    if not_answered(fn, "Fix my_unbroadcast (do not replace it with None)."):
        return False
    rng = np.random.default_rng(11)
    front = ("Broadcasting lines shapes up from the right, so the axes it adds are the "
             "leading ones: those are the ones to sum away.")
    for out_shape, shape in UNBROADCAST_CASES:
        grad = rng.normal(size=out_shape)
        want = unbroadcast(grad.copy(), shape)
        raw, err = run_answer(fn, grad.copy(), shape)
        if err:
            return verdict(False, "", f"for grad {out_shape} -> shape {shape}: {err}")
        got = _array(raw, shape=shape)
        case = f"for a grad of shape {out_shape} and an operand of shape {shape}"
        if got is None:
            return verdict(False, "", f"{case} you returned {short(raw)}, not an array of "
                           "numbers.", "return the summed NumPy array.")
        if got.shape != tuple(shape):
            symptom = (f"{case} you returned shape {got.shape}, not the operand's own shape "
                       f"{tuple(shape)}.")
            hint = ("sum over every axis broadcasting added and every stretched axis of "
                    "size 1, and nothing else.")
            if got.size == int(np.prod(shape)):
                hint = ("the numbers may be right but an axis of size 1 was dropped: sum "
                        "stretched axes with keepdims=True.")
            elif len(out_shape) > len(shape) and got.shape == out_shape[:len(shape)]:
                hint = f"you summed away the last axes. {front}"
            return verdict(False, "", symptom, hint)
        if np.allclose(got, want, rtol=1e-10, atol=1e-12):
            continue
        where = tuple(int(i) for i in np.argwhere(~np.isclose(got, want, rtol=1e-10,
                                                                 atol=1e-12))[0])
        symptom = (f"{case} the shape is right but the numbers are not: at index {where} "
                   f"you have {float(got[where]):.4f}, the engine {float(want[where]):.4f}.")
        counts = int(np.prod(out_shape)) // max(int(np.prod(shape)), 1)
        if np.allclose(got * counts, want, rtol=1e-10, atol=1e-12):
            hint = ("you averaged the copies. Every stretched copy was used in the output, so "
                    "their gradients add up: sum, do not take the mean.")
        elif np.allclose(got, _buggy_unbroadcast(grad.copy(), shape), rtol=1e-10, atol=1e-12):
            hint = (f"you summed the last axis, the channels of one position. {front}")
        else:
            hint = ("sum over exactly the axes that broadcasting added (in front) or "
                    "stretched (size 1).")
        return verdict(False, "", symptom, hint)
    return verdict(True, "Fixed: broadcasting lines shapes up from the right, so the copies "
                   "sit along the leading axes (and along stretched axes of size 1); their "
                   "gradients add up there.", "")


# ------------------------------------------------------------------ 08.3 padded batch, derive

PADDED_TOKENS = ([0, 3, 1, 2], [0, 2, 1])       # two documents over a vocabulary of 4


def padded_example():
    """(Z, targets, weights): logits (2, 3, 4) of a padded batch of two documents, fixed."""
    _, targets, weights = make_batch([list(t) for t in PADDED_TOKENS], block_size=4)
    Z = np.random.default_rng(3).normal(size=(2, 3, 4)).round(2)
    return Z, targets, weights


def _softmax(Z, axis):
    e = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@exercise("08.3", "the gradient of a padded batch's loss", "derive")
def check_padded_grad(dZ):
    """dZ: dL/dZ for L = Tensor(Z).cross_entropy(targets, weights) of `padded_example()`."""
    if not_answered(dZ, "Write dZ, a NumPy array of shape (2, 3, 4): the gradient you derived."):
        return False
    Z, targets, weights = padded_example()
    logits = Tensor(Z.copy())
    logits.cross_entropy(targets, weights).backward()
    want = logits.grad
    got = _array(dZ, shape=want.shape)
    if got is None:
        return verdict(False, "", f"dZ should be an array of numbers, got {short(dZ)}.")
    if got.shape != want.shape:
        return verdict(False, "", f"dZ should have the shape of Z, {want.shape}, got "
                       f"{got.shape}: one gradient per logit.")
    if not np.all(np.isfinite(got)):
        return verdict(False, "", "dZ holds inf or nan.", "compute p with the max-shifted "
                       "softmax (subtract each row's max before exp).")
    if np.allclose(got, want, rtol=1e-6, atol=1e-9):
        return verdict(True, "Same as the engine: each position's row is its weight times "
                       "(p - one_hot); the padded position weighs 0, so it gets no gradient "
                       "at all.", "")
    p, one_hot = _softmax(Z, -1), np.eye(Z.shape[-1])[targets]
    w = weights[..., None]
    real = weights > 0
    mistakes = [                       # (what they computed, the symptom, the hint)
        (-want, "every entry has the wrong sign.",
         "the gradient is p - one_hot: the target's logit must go up, so its gradient is "
         "negative."),
        (p - one_hot, "your rows are far too large, and the padded position's row is not 0.",
         "you left out the weights: L is the weighted sum over positions, so each row is "
         "multiplied by its weight (1/6 for the first name's 3 positions, 1/4 for the "
         "second's 2, 0 for the padding)."),
        ((p - one_hot) / targets.size, "the padded position's row is not 0, and the two "
         "names' rows are scaled alike.",
         "dividing by all 6 positions treats the padding as a real position and the two "
         "names alike; multiply each row by its weight."),
        ((p - one_hot) * real[..., None] / real.sum(), "the padded row is 0, but the real "
         "rows are scaled alike (1/5 each) although the two names have different lengths.",
         "dividing by the 5 real positions is the mean over positions, but L is the mean "
         "over names of each name's mean: multiply each row by its weight."),
        (w * p, "no entry is negative: nothing pushes the target's logit up.",
         "you left out the one-hot target: subtract 1 at each position's target."),
        (-w * one_hot, "only the target entries are non-zero.",
         "you left out p: the log of the sum of exps contributes softmax(z)."),
        (w * (_softmax(Z, 1) - one_hot), "the probabilities you used do not sum to 1 over "
         "each position's vocabulary.",
         "softmax over the wrong axis: the probabilities run over the vocabulary, the last "
         "axis (axis=-1). The softmax of section 2.2 uses axis=1, which for a (B, T, V) "
         "array is the positions."),
        (w * (p - np.eye(Z.shape[-1])[np.zeros_like(targets)]),
         "the -1 sits at token 0 in every row, not at each position's target.",
         "the one-hot should mark each position's target, np.eye(V)[targets]."),
    ]
    for variant, symptom, hint in mistakes:
        if np.allclose(got, variant, rtol=1e-6, atol=1e-9):
            return verdict(False, "", symptom, hint)
    if not np.allclose(got[~real], 0):
        return verdict(False, "", "the padded position (name 1, position 2) has a non-zero "
                       "row.", "it weighs 0, so its row of dZ must be 0.")
    bad = np.argwhere(~np.isclose(got, want, rtol=1e-6, atol=1e-9))[0]
    b, t = int(bad[0]), int(bad[1])
    return verdict(False, "", f"at name {b}, position {t} (target {int(targets[b, t])}, weight "
                   f"{weights[b, t]:.4f}) your row {np.round(got[b, t], 4).tolist()} is not "
                   "the engine's.", f"the engine's is {np.round(want[b, t], 4).tolist()}: each "
                   "row is its weight times (p - one_hot).")


# ------------------------------------------------------------------ 08.4 rmsnorm's backward, derive

RMS_CASES = (                      # (shape of x, scale of x): the last axis is C
    ((4, 16), 1.0),                # 4 positions: a mean over the wrong axis shows here
    ((2, 5, 8), 1.0),              # a batch (B, T, C), another C
    ((3, 6), 0.003),               # mean(x^2) near eps: leaving eps out shows here
    ((5,), 2.0),                   # one position
)


def rmsnorm_grad(x, g):
    """dL/dx of L = sum(rmsnorm(x) * g), computed by the engine through rmsnorm's nodes."""
    X = Tensor(np.array(x, dtype=float))
    (rmsnorm(X) * Tensor(np.array(g, dtype=float))).sum().backward()
    return X.grad


def _rms_mistakes(x, g):
    """[(what a typical wrong derivation returns, the symptom, the hint)] for one case."""
    def parts(axis=-1, eps=RMSNORM_EPS):
        r = ((x * x).mean(axis=axis, keepdims=True) + eps) ** -0.5
        return r, x * r

    def mean(a, axis=-1):
        return a.mean(axis=axis, keepdims=True)

    r, y = parts()
    second = y * mean(g * y)                 # the term r's dependence on x brings, over r
    r0, y0 = parts(axis=0)
    return [
        (r * g, "your dx is r*g alone, as if r were a constant.",
         "r = (mean(x^2) + eps)^-1/2 depends on every x_j of the row: differentiate it too "
         "(dr/dx_i = -r^3 x_i / C) and add the term it brings, summed over the outputs j."),
        (r * (g - x.shape[-1] * second), "the second term is C times too large.",
         "the 1/C of the mean stays in the derivative: mean(g*y), not sum(g*y)."),
        (r * (g + second), "the second term has the wrong sign.",
         "r shrinks as |x_i| grows: dr/dx_i = -r^3 x_i / C is negative for x_i > 0."),
        (r * (g - y * mean(g * y, axis=0)), "your dx mixes different positions (rows).",
         "each position is normalised on its own: every mean runs over the last axis "
         "(axis=-1, keepdims=True), never over axis 0."),
        (r0 * (g - y0 * mean(g * y0, axis=0)), "your dx mixes different positions (rows).",
         "each position is normalised on its own: every mean runs over the last axis "
         "(axis=-1, keepdims=True), never over axis 0."),
        (g - second, "your dx lacks a factor r overall.",
         "both terms carry r: dy_j/dx_i = r [i=j] + x_j dr/dx_i."),
        (r * (g - x * mean(g * x)), "the second term is off by a factor r^2: it uses x where "
         "y belongs.", "r^3 x_i mean(g*x) = r y_i mean(g*y), with y = x*r."),
        (r * (g - 2 * second), "the second term is twice too large.",
         "the -1/2 of the power and the 2x_i of x_i^2 cancel."),
        (r * (g - 0.5 * second), "the second term is half what it should be.",
         "the -1/2 of the power and the 2x_i of x_i^2 cancel."),
        (parts(eps=0.0)[0] * (g - parts(eps=0.0)[1] * mean(g * parts(eps=0.0)[1])),
         "your dx is close but a little off, the more so where mean(x^2) is small.",
         "keep the eps: r = (mean(x^2) + 1e-5)^-1/2, as in rmsnorm."),
    ]


def _run_without_backward(fn, *args):
    """run_answer(fn, *args) and whether fn called the engine's backward() on the way."""
    calls, backward = [], Tensor.backward

    def spy(self):
        calls.append(1)
        return backward(self)
    Tensor.backward = spy
    try:
        return (*run_answer(fn, *args), bool(calls))
    finally:
        Tensor.backward = backward


@exercise("08.4", "the backward of RMSNorm in one formula", "derive")
def check_rmsnorm_backward(fn):
    """fn(x, g) -> dL/dx for y = rmsnorm(x) over the last axis and g = dL/dy, in NumPy;
    compared with the engine's gradient through rmsnorm's nodes on several shapes."""
    if not_answered(fn, "Write rmsnorm_backward(x, g) (a function)."):
        return False
    rng = np.random.default_rng(8)
    for shape, scale in RMS_CASES:
        x = rng.normal(size=shape) * scale * rng.uniform(0.5, 2.0, size=shape[:-1] + (1,))
        g = rng.normal(size=shape)
        want = rmsnorm_grad(x, g)
        case = f"for x of shape {shape}"
        raw, err, spied = _run_without_backward(fn, x.copy(), g.copy())
        if spied:
            return verdict(False, "", "your function calls the engine's backward(): that is "
                           "the gradient you are asked to derive, not your own.",
                           "write dx with NumPy alone, from x, g and the formula you derived.")
        if err:
            hint = ("keep the axis you average over (keepdims=True), so that it lines up "
                    "with x's last axis." if "broadcast" in err else None)
            return verdict(False, "", f"{case}: {err}.", hint)
        if raw is None:
            return verdict(False, "", f"{case} your function returned None.",
                           "end it with `return dx`.")
        got = _array(raw, shape=shape)
        if got is None:
            return verdict(False, "", f"{case} your function returned {short(raw)}, not an "
                           "array of numbers.")
        if got.shape != shape:
            hint = ("dx holds one number per entry of x: the shape of x, (..., C)."
                    if got.shape in (shape[:-1], shape[:-1] + (1,)) else None)
            return verdict(False, "", f"{case} you returned shape {got.shape}, not x's shape.",
                           hint)
        if not np.all(np.isfinite(got)):
            return verdict(False, "", f"{case} your dx holds inf or nan.")
        if np.allclose(got, want, rtol=1e-6, atol=1e-9):
            continue
        for variant, symptom, hint in _rms_mistakes(x, g):
            if np.allclose(got, variant, rtol=1e-6, atol=1e-9):
                return verdict(False, "", f"{case} {symptom}", hint)
        i = tuple(int(k) for k in np.argwhere(~np.isclose(got, want, rtol=1e-6, atol=1e-9))[0])
        return verdict(False, "", f"{case} your dx differs from the engine's: at index {i} "
                       f"you have {float(got[i]):.4f}, the engine {float(want[i]):.4f}.",
                       "dx_i = sum over j of g_j dy_j/dx_i, with y_j = x_j r and "
                       "dr/dx_i = -r^3 x_i / C; then write it with y.")
    return verdict(True, "Same as the engine's six nodes, on every shape: dx = r * (g - y * "
                   "mean(g * y)) over the last axis, one formula and no stored intermediates.",
                   "")


# ------------------------------------------------------------------ 08.5 beat the bigram

BUDGET_STEPS, MAX_BATCH, MAX_WARMUP = 200, 32, 200


def beat_bigram_run(batch_size, learning_rate, warmup_steps, setup=None):
    """(validation loss, bigram baseline, training losses): a TensorGPT(cfg, Random(42)) after
    BUDGET_STEPS steps on train_docs; `setup` is (cfg, tok, train_docs, val_docs), by default
    the demo's. A run that diverges has a validation loss of nan and the losses before it."""
    cfg, tok, train_docs, val_docs = setup or _demo_setup()
    model = TensorGPT(cfg, random.Random(42))
    bigram = bigram_baseline(train_docs, val_docs, tok, block_size=cfg.block_size)
    losses = []                        # kept by the callback: a diverged run raises
    try:
        train_tensor(model, train_docs, tok, BUDGET_STEPS, learning_rate, batch_size,
                     warmup_steps=warmup_steps, callback=lambda k, n, loss: losses.append(loss))
    except TrainingDiverged:
        return float("nan"), bigram, losses
    return evaluate_tensor(model, val_docs, tok), bigram, losses


def _whole(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _what_held_it_back(batch_size, learning_rate, warmup_steps, jumped):
    """The hint for a run that learned but did not get below the baseline."""
    if learning_rate <= 0.015 and not jumped:
        return (f"lr {learning_rate:g} is too timid for {BUDGET_STEPS} steps (and the schedule "
                "decays it to 0 on the way): try a few times larger.")
    if batch_size < 16:
        return (f"{batch_size} names a step is {BUDGET_STEPS * batch_size:,} names in all. "
                "Section 5 showed that a batch of 32 costs little more time than one name "
                "and gives a better-aimed gradient: use bigger batches.")
    if warmup_steps >= 20:
        return (f"a warm-up of {warmup_steps} steps spends a good share of a {BUDGET_STEPS}-step "
                "budget at a small learning rate. Try a shorter one, or none, at a moderate "
                "learning rate.")
    if jumped or learning_rate >= 0.1:
        return (f"lr {learning_rate:g} is on the large side: the first Adam steps jump by "
                "that much (section 6), and the rest of the run undoes the damage. Try a "
                "smaller one, or a short warm-up.")
    return "close: try a batch of 32 with a learning rate between 0.02 and 0.05."


@exercise("08.5", "beat the bigram in 200 steps", "experiment")
def check_beat_bigram(batch_size, learning_rate, warmup_steps, *, cfg=None, tok=None,
                      train_docs=None, val_docs=None):
    """Train TensorGPT(cfg) 200 steps on train_docs with these settings; pass if its loss on
    val_docs is below the bigram baseline's (cfg, tok and the docs: the notebook's).

    A run that fails is told apart by its losses: diverged or ended worse than the untrained
    model (too large a learning rate), barely moved from the untrained model (too small),
    or learned but not enough (then: which setting held it back)."""
    if any(x is None for x in (batch_size, learning_rate, warmup_steps)):
        not_answered(None, "Set my_batch_size, my_learning_rate and my_warmup_steps.")
        return False
    # compared as plain int and float: a subclass's own comparisons could say anything
    if not _whole(batch_size) or not 1 <= int(batch_size) <= MAX_BATCH:
        return verdict(False, "", f"my_batch_size should be a whole number from 1 to "
                       f"{MAX_BATCH} (larger batches would make this run slow), got "
                       f"{short(batch_size)}.")
    if not is_number(learning_rate) or not 0 < float(learning_rate) <= 1:
        return verdict(False, "", f"my_learning_rate should be a number above 0 and at most 1, "
                       f"got {short(learning_rate)}.")
    if not _whole(warmup_steps) or not 0 <= int(warmup_steps) <= MAX_WARMUP:
        return verdict(False, "", f"my_warmup_steps should be a whole number from 0 to "
                       f"{MAX_WARMUP}, got {short(warmup_steps)}.")
    batch_size, learning_rate = int(batch_size), float(learning_rate)
    warmup_steps = int(warmup_steps)
    given = (cfg, tok, train_docs, val_docs)
    setup = None if any(x is None for x in given) else given
    val, bigram, losses = beat_bigram_run(batch_size, learning_rate, warmup_steps, setup)
    settings = f"{batch_size} names a step, lr {learning_rate:g}, warm-up {warmup_steps}"
    if val < bigram:
        return verdict(True, f"with {settings}, the validation loss after {BUDGET_STEPS} steps "
                       f"is {val:.4f}, below the bigram baseline's {bigram:.4f}.", "")
    too_large = (f"at lr {learning_rate:g} Adam moves every weight by about that much per "
                 "step, far more than the weights themselves (about 0.02): try a smaller "
                 "learning rate.")
    if np.isnan(val) or not losses:
        return verdict(False, "", f"with {settings}, training diverged at step {len(losses)}: "
                       "the loss ran off to over 100 times the untrained model's.", too_large)
    start = losses[0]                  # the untrained model's loss (step 0, before any update)
    peak = int(np.argmax(losses))
    jumped = losses[peak] > start + 0.5
    ran = (f"with {settings}, the validation loss after {BUDGET_STEPS} steps is {val:.4f}, "
           f"not below the bigram baseline's {bigram:.4f}")
    if val > start:
        return verdict(False, "", f"{ran}: worse than the untrained model's {start:.4f} (the "
                       f"training loss jumped to {losses[peak]:.4g} at step {peak}).", too_large)
    if start - val < 0.1 * (start - bigram):
        return verdict(False, "", f"{ran}: it barely moved from the untrained model's "
                       f"{start:.4f}.", f"lr {learning_rate:g} is far too small: each Adam step "
                       "moves a weight by about the learning rate, and the schedule decays it "
                       "to 0, so 200 such steps add up to little. Try ten times larger, or more.")
    jump = f"; on the way the training loss jumped to {losses[peak]:.4g} at step {peak}" * jumped
    return verdict(False, "", f"{ran} (it started at {start:.4f}{jump}).",
                   _what_held_it_back(batch_size, learning_rate, warmup_steps, jumped))
