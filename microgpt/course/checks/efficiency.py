"""The exercise checkers of the efficiency chapter (08, the NumPy tensor engine).

Owns, in notebook order: `check_tensor_nodes` (08.1, predict how many operation nodes the
tensor graph of a batch of 32 names has), `check_unbroadcast` (08.2, find the bug: a
gradient summed back over the wrong axis), `check_padded_grad` (08.3, derive dL/dlogits of
a padded batch, against the engine; `padded_example` gives its arrays), `check_causal_mask`
(08.4, find the bug: a mask that lets a position see the future) and `check_beat_bigram`
(08.5, experiment: settings that beat the bigram baseline within 200 steps).

Every checker accepts any correct answer (a boolean, 0/1 integer or 0/1 float mask; NumPy
arrays or nested lists; any loop order) and names the mistake of the typical wrong ones.
The only checkers that need NumPy.

Imports: data, model, tokenizer, tensor.engine, tensor.model, tensor.training,
course.checks.common.
"""
import random

import numpy as np

from ...data import load_names, split_names
from ...model import GPTConfig
from ...tensor.engine import Tensor, unbroadcast
from ...tensor.model import TensorGPT, make_batch
from ...tensor.training import evaluate_tensor, train_tensor
from ...tokenizer import CharTokenizer, bigram_baseline
from .common import check_number, exercise, is_number, not_answered, run_answer, verdict


def _array(got, dtype=float):
    """got (an array, nested lists or a Tensor) as a NumPy array, or None if it is not one."""
    if isinstance(got, Tensor):
        got = got.data
    try:
        arr = np.asarray(got, dtype=dtype)
    except (TypeError, ValueError):
        return None
    return arr


def _demo_config():
    """The chapter's demo model: vocabulary of the names, n_embd 16, 1 layer, 4 heads."""
    docs = load_names()
    tok = CharTokenizer(docs)
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=16, n_layer=1, n_head=4, block_size=16)
    return docs, tok, cfg


# ------------------------------------------------------------------ 08.1 nodes, predict

NODES_TOL = 15


def tensor_node_count(names, docs_tok_cfg=None):
    """len(loss.topo_order()) of a fresh demo TensorGPT's loss on `names`."""
    _, tok, cfg = docs_tok_cfg or _demo_config()
    model = TensorGPT(cfg, random.Random(42))
    return len(model.loss([tok.encode_doc(n, cfg.block_size) for n in names]).topo_order())


@exercise("08.1", "nodes of the tensor graph", "predict")
def check_tensor_nodes(answer):
    """answer: the predicted operation-node count of the tensor loss of 32 names (± NODES_TOL)."""
    docs, tok, cfg = _demo_config()
    want = tensor_node_count(docs[:32], (docs, tok, cfg))
    return check_number(
        answer, want, NODES_TOL,
        f"within {NODES_TOL} of the count (run the next cell to see it): one node per array "
        "operation of the forward pass, however many names or positions the batch holds.",
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
    for out_shape, shape in UNBROADCAST_CASES:
        grad = rng.normal(size=out_shape)
        want = unbroadcast(grad.copy(), shape)
        got, err = run_answer(fn, grad.copy(), shape)
        if err:
            return verdict(False, "", f"for grad {out_shape} -> shape {shape}: {err}")
        got = _array(got)
        case = f"for a grad of shape {out_shape} and an operand of shape {shape}"
        if got is None or got.shape != tuple(shape):
            got_shape = None if got is None else got.shape
            hint = "the gradient must come back in the operand's own shape."
            if got_shape is not None and got.size == int(np.prod(shape)):
                hint = ("the numbers may be right but an axis of size 1 was dropped: sum "
                        "stretched axes with keepdims=True.")
            elif len(out_shape) > len(shape) and got_shape == out_shape[:len(shape)]:
                hint = ("you summed away the last axes. Broadcasting lines shapes up from the "
                        "right and adds the missing axes in front, so sum the leading ones "
                        "(axis=0).")
            return verdict(False, "", f"{case} you returned shape {got_shape}: {hint}")
        if np.allclose(got, want, rtol=1e-10, atol=1e-12):
            continue
        counts = int(np.prod(out_shape)) // max(int(np.prod(shape)), 1)
        if np.allclose(got * counts, want, rtol=1e-10, atol=1e-12):
            hint = ("you averaged the copies. Every stretched copy was used in the output, so "
                    "their gradients add up: sum, do not take the mean.")
        elif np.allclose(got, _buggy_unbroadcast(grad.copy(), shape), rtol=1e-10, atol=1e-12):
            hint = ("the shape is right but the numbers are not: you summed the last axis. "
                    "Broadcasting adds the missing axes in front, so sum the leading ones "
                    "(axis=0).")
        else:
            hint = ("the shape is right but the numbers are not: sum over exactly the axes "
                    "that broadcasting added or stretched.")
        return verdict(False, "", f"{case}: {hint}")
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
    got = _array(dZ)
    if got is None:
        return verdict(False, "", f"dZ should be an array of numbers, got {type(dZ).__name__}.")
    if got.shape != want.shape:
        return verdict(False, "", f"dZ should have the shape of Z, {want.shape}, got "
                       f"{got.shape}: one gradient per logit.")
    if not np.all(np.isfinite(got)):
        return verdict(False, "", "dZ holds inf or nan: compute p with the max-shifted softmax.")
    if np.allclose(got, want, rtol=1e-6, atol=1e-9):
        return verdict(True, "Same as the engine: each position's row is its weight times "
                       "(p - one_hot); the padded position weighs 0, so it gets no gradient "
                       "at all.", "")
    p, one_hot = _softmax(Z, -1), np.eye(Z.shape[-1])[targets]
    w = weights[..., None]
    real = weights > 0
    mistakes = [
        (-want, "the sign is flipped: the gradient is p - one_hot (the target's logit must go "
                "up, so its gradient is negative)."),
        (p - one_hot, "you left out the weights: L is the weighted sum over positions, so "
                      "each row is multiplied by its weight (1/6 for the first name's 3 "
                      "positions, 1/4 for the second's 2, 0 for the padding)."),
        ((p - one_hot) / targets.size, "dividing by all 6 positions treats the padding as a "
                                       "real position (its row should be 0) and the two "
                                       "names alike; multiply each row by its weight."),
        ((p - one_hot) * real[..., None] / real.sum(), "dividing by the 5 real positions is the "
                                                       "mean over positions, but L is the mean "
                                                       "over names of each name's mean: "
                                                       "multiply each row by its weight."),
        (w * p, "you left out the one-hot target: subtract 1 at each position's target."),
        (-w * one_hot, "you left out p: the log of the sum of exps contributes softmax(z)."),
        (w * (_softmax(Z, 1) - one_hot), "softmax over the wrong axis: the probabilities run "
                                         "over the vocabulary, the last axis (axis=-1). The "
                                         "softmax of section 2.2 uses axis=1, which for a "
                                         "(B, T, V) array is the positions."),
        (w * (p - np.eye(Z.shape[-1])[np.zeros_like(targets)]),
         "the one-hot should mark each position's target, np.eye(V)[targets]."),
    ]
    for variant, hint in mistakes:
        if np.allclose(got, variant, rtol=1e-6, atol=1e-9):
            return verdict(False, "", hint)
    if not np.allclose(got[~real], 0):
        return verdict(False, "", "the padded position (name 1, position 2) weighs 0, so its "
                       "row of dZ must be 0.")
    bad = np.argwhere(~np.isclose(got, want, rtol=1e-6, atol=1e-9))[0]
    b, t = int(bad[0]), int(bad[1])
    return verdict(False, "", f"at name {b}, position {t} (target {int(targets[b, t])}, weight "
                   f"{weights[b, t]:.4f}) the row should be {np.round(want[b, t], 4).tolist()}, "
                   f"you have {np.round(got[b, t], 4).tolist()}: weight times (p - one_hot).")


# ------------------------------------------------------------------ 08.4 causal mask, find the bug

def _keep(got, T):
    """(a boolean (T, T) 'keep' array, None) or (None, why the mask cannot be read as one)."""
    arr = _array(got)
    if arr is None:
        return None, ("the mask should be an array of booleans or 0/1 numbers, got "
                      f"{type(got).__name__}.")
    if arr.shape != (T, T):
        return None, f"for T={T} the mask should have shape {(T, T)}, got {arr.shape}" + (
            " (did you use the notebook's global T instead of the argument?)." if arr.ndim == 2
            and arr.shape[0] == arr.shape[1] else ".")
    if np.isneginf(arr).any() or not np.isin(arr, (0.0, 1.0)).all():
        return None, ("the mask holds values other than 0 and 1, like an additive mask "
                      "(0 = keep, -inf = block). "
                      "softmax(mask=...) wants the opposite kind: True (or 1) where a key is "
                      "kept, False (or 0) where it is blocked.")
    return arr != 0, None


@exercise("08.4", "a causal mask that sees the future", "find-the-bug")
def check_causal_mask(fn):
    """fn(T) -> (T, T) mask, True/1 where query t (row) may look at key s (column): s <= t.

    A boolean, 0/1 integer or 0/1 float array (or nested lists) all pass: softmax(mask=)
    reads any of them the same way.
    """
    if not_answered(fn, "Fix causal_mask (do not replace it with None)."):
        return False
    for T in (3, 8, 12, 1):
        got, err = run_answer(fn, T)
        if err:
            return verdict(False, "", f"causal_mask({T}): {err}")
        keep, why = _keep(got, T)
        if why:
            return verdict(False, "", why)
        want = np.tri(T, dtype=bool)
        future = np.argwhere(keep & ~want)
        if len(future):
            t, s = (int(i) for i in future[0])
            return verdict(False, "", f"for T={T}, query position {t} (row {t}) may look at "
                           f"key position {s} (column {s}), a later letter: it can read the "
                           f"answer it should predict. Row t must keep columns 0..t only.")
        missed = np.argwhere(want & ~keep)
        if len(missed):
            t, s = (int(i) for i in missed[0])
            what = "itself" if s == t else f"key position {s}, an earlier letter"
            extra = (" Row 0 then keeps nothing, and a softmax over no keys is 0/0."
                     if not keep[0].any() else "")
            return verdict(False, "", f"for T={T}, query position {t} cannot look at {what}. "
                           f"Row t must keep all of columns 0..t, the diagonal included.{extra}")
    return verdict(True, "Row t keeps keys 0..t: no position can peek at the letter it has to "
                   "predict.", "")


# ------------------------------------------------------------------ 08.5 beat the bigram

BUDGET_STEPS, MAX_BATCH, MAX_WARMUP = 200, 32, 200


def beat_bigram_run(batch_size, learning_rate, warmup_steps):
    """(validation loss, bigram baseline): the demo model after BUDGET_STEPS steps."""
    docs, tok, cfg = _demo_config()
    train_docs, val_docs = split_names(docs, random.Random(42))
    model = TensorGPT(cfg, random.Random(42))
    train_tensor(model, train_docs, tok, BUDGET_STEPS, learning_rate, batch_size,
                 warmup_steps=warmup_steps)
    bigram = bigram_baseline(train_docs, val_docs, tok, block_size=cfg.block_size)
    return evaluate_tensor(model, val_docs, tok), bigram


def _whole(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


@exercise("08.5", "beat the bigram in 200 steps", "experiment")
def check_beat_bigram(batch_size, learning_rate, warmup_steps):
    """Train the demo model 200 steps with these settings; pass if val loss < the bigram's."""
    if any(x is None for x in (batch_size, learning_rate, warmup_steps)):
        not_answered(None, "Set my_batch_size, my_learning_rate and my_warmup_steps.")
        return False
    if not _whole(batch_size) or not 1 <= batch_size <= MAX_BATCH:
        return verdict(False, "", f"my_batch_size should be a whole number from 1 to "
                       f"{MAX_BATCH} (larger batches would make this run slow), got "
                       f"{batch_size!r}.")
    if not is_number(learning_rate) or not 0 < learning_rate <= 1:
        return verdict(False, "", f"my_learning_rate should be a number above 0 and at most 1, "
                       f"got {learning_rate!r}.")
    if not _whole(warmup_steps) or not 0 <= warmup_steps <= MAX_WARMUP:
        return verdict(False, "", f"my_warmup_steps should be a whole number from 0 to "
                       f"{MAX_WARMUP}, got {warmup_steps!r}.")
    val, bigram = beat_bigram_run(int(batch_size), float(learning_rate), int(warmup_steps))
    ran = (f"after {BUDGET_STEPS} steps of {batch_size} names (lr {learning_rate:g}, warm-up "
           f"{warmup_steps}) the validation loss is {val:.4f}")
    if val < bigram:
        return verdict(True, f"{ran}, below the bigram baseline's {bigram:.4f}.", "")
    if not np.isfinite(val) or val > 3.0:
        hint = (f"the run blew up: at lr {learning_rate:g} Adam moves every weight by about "
                "that much per step, far more than the weights themselves (about 0.02). "
                "Try a smaller learning rate.")
    elif learning_rate <= 0.015:
        hint = (f"lr {learning_rate:g} is too timid for {BUDGET_STEPS} steps (and the schedule "
                "decays it to 0 on the way): try a few times larger.")
    elif batch_size < 16:
        hint = (f"{batch_size} names a step is {BUDGET_STEPS * batch_size:,} names in all. "
                "Section 5 showed that a batch of 32 costs little more time than one name and "
                "gives a better-aimed gradient: use bigger batches.")
    elif warmup_steps >= 20:
        hint = (f"a warm-up of {warmup_steps} steps spends a good share of a {BUDGET_STEPS}-step "
                "budget at a small learning rate. Try a shorter one, or none, at a moderate "
                "learning rate.")
    elif learning_rate >= 0.1:
        hint = (f"lr {learning_rate:g} is on the large side: the first Adam steps jump by "
                "that much (section 6). Try a smaller one, or a short warm-up.")
    else:
        hint = "close: try a batch of 32 with a learning rate between 0.02 and 0.05."
    return verdict(False, "", f"{ran}, not below the bigram baseline's {bigram:.4f}: {hint}")
