"""The exercise checkers of the attention chapter (04).

Owns, in notebook order: `check_softmax` (04.1, find the bug: a softmax that overflows on
logits like [1000, 1001]), `check_attention_head` (04.2, one head on plain numbers, against
`nn.attention_head`, with the notebook's `head_dim`), `check_no_scale` (04.3, ablate the
1/√d scale: what happens at d = 64), `check_causal_softmax` (04.4, find the bug: a mask
that lets a position see the future) and `check_attention_params` (04.5, predict the
parameters of one attention layer, then see them counted).

Every checker accepts any correct answer (floats or `Value`s, lists or NumPy arrays, a
boolean, float or additive mask, a head that uses the notebook's global `head_dim`) and
names the mistake of the typical wrong ones. NumPy is imported inside `check_causal_softmax`
only, so importing this module stays light.

Imports: engine, model, nn, course.checks.common.
"""
import math
import random

from ...engine import Value
from ...model import GPTConfig, param_shapes
from ...nn import attention_head
from .common import (
    as_floats,
    check_choice,
    exercise,
    is_number,
    not_answered,
    rounded,
    run_answer,
    same_floats,
    softmax_floats,
    verdict,
)

# ------------------------------------------------------------------ 04.1 softmax, find the bug

SOFTMAX_CASES = ([1.0, 2.0, 3.0], [1000.0, 1001.0], [-1000.0, -1001.0], [0.0],
                 [5.0, 5.0, 5.0], [-800.0, 0.0, 800.0])


@exercise("04.1", "softmax that survives big logits", "find-the-bug")
def check_softmax(fn):
    """fn(list of floats) -> probabilities, also for logits like [1000, 1001] or [-1000, -1001]."""
    if not_answered(fn, "Fix safe_softmax (do not replace it with None)."):
        return False
    for logits in SOFTMAX_CASES:
        want = softmax_floats(logits)
        got, err = run_answer(fn, list(logits))
        if err:
            big = max(abs(x) for x in logits) >= 700        # exp overflows above 709.8
            if big and ("overflow" in err.lower() or "range" in err.lower()):
                if logits == SOFTMAX_CASES[-1]:
                    return verdict(False, "", f"on {logits} {err}. Your shift saves [1000.0, "
                                   "1001.0] but not logits this far apart: shift by the "
                                   "largest logit (not the smallest, nor a fixed number), so "
                                   "every exponent is at most 0.")
                return verdict(False, "", f"not fixed yet: on {logits} {err}. exp(x) overflows "
                               "above x = 709.8; subtract the largest logit from every logit "
                               "first, so every exponent is at most 0.")
            if "ZeroDivisionError" in err:
                return verdict(False, "", f"on {logits} {err}: the sum of the exps was 0, "
                               "every exp underflowed (exp(x) is 0.0 below x = -745). "
                               "Subtracting the largest logit makes its exp exactly 1, so "
                               "the sum is at least 1.")
            return verdict(False, "", f"on {logits}: {err}")
        raw, got = got, as_floats(got)
        if got is None or len(got) != len(want):
            return verdict(False, "", f"softmax({logits}) should return a list of "
                           f"{len(want)} probabilities, got {raw!r}.")
        if not all(math.isfinite(g) for g in got):
            return verdict(False, "", f"on {logits} you got {got}: an exp overflowed to inf "
                           "(or 0/0 gave nan). Subtract the largest logit before exp.")
        if not same_floats(got, want):
            if abs(sum(got) - 1) > 1e-6:
                hint = "they should add up to 1: divide each exp by the sum of all of them."
            elif max(abs(x) for x in logits) >= 1000:      # the small cases passed
                hint = ("right for small logits, wrong for big ones: subtracting the same "
                        "number from every logit leaves softmax unchanged, but clipping or "
                        "rescaling the logits changes the answer. Subtract max(logits).")
            else:
                hint = "compare with exp(x - max) / sum of exp(x - max)."
            return verdict(False, "", f"softmax({logits}) should be {rounded(want)}, you got "
                           f"{rounded(got)}: {hint}")
    return verdict(True, "Fixed: after subtracting the largest logit every exponent is at most "
                   "0, so nothing overflows, and the largest exp is 1, so the sum is never 0. "
                   "The probabilities do not change.", "")


# ------------------------------------------------------------------ 04.2 one head, implement

def _head_data(rng, d, t):
    def vec():
        return [rng.uniform(-2.0, 2.0) for _ in range(d)]
    return vec(), [vec() for _ in range(t)], [vec() for _ in range(t)]


def _head(q, ks, vs, scale, normalise=True, mix="values"):
    """One head on floats with a given divisor; the variants name typical mistakes."""
    scores = [sum(a * b for a, b in zip(q, k)) / scale for k in ks]
    w = softmax_floats(scores) if normalise else scores
    rows = vs if mix == "values" else ks
    return [sum(wi * r[j] for wi, r in zip(w, rows)) for j in range(len(q))]


def _package_head(q, ks, vs):
    out, _ = attention_head([Value(x) for x in q], [[Value(x) for x in k] for k in ks],
                            [[Value(x) for x in v] for v in vs])
    return [o.data for o in out]


def _head_output(got, d):
    """The output list of a head that returns `out` or `(out, weights)` like the chapter's."""
    if isinstance(got, tuple) and len(got) == 2 and as_floats(got[0]) is not None \
            and len(as_floats(got[0])) == d:
        got = got[0]
    return as_floats(got)


def _head_mistake(got, q, ks, vs, head_dim):
    d = len(q)
    variants = [
        (_head(q, ks, vs, 1.0), "the scores were not divided by sqrt(head_dim): divide q.k by "
                                f"sqrt({d}) before the softmax."),
        (_head(q, ks, vs, float(d)), f"the scores were divided by head_dim = {d}"
         + (f" (= sqrt(n_embd), the scale of section 4's single head of {d * d} numbers)"
            if d * d == 4 * head_dim else "")
         + f", not by sqrt(head_dim) = sqrt({d}) = {d ** 0.5:g}."),
        (_head(q, ks, vs, 1 / d ** 0.5),
         f"the scores were multiplied by sqrt({d}): divide by it."),
        (_head(q, ks, vs, d ** 0.5, normalise=False),
         "the weights are the raw scores: turn them into probabilities with softmax first."),
        (_head(q, ks, vs, d ** 0.5, mix="keys"),
         "you mixed the keys: the output is the weighted sum of the values."),
    ]
    if 4 * head_dim != d:                           # sqrt(n_embd), n_embd = 4 * head_dim
        variants.append((_head(q, ks, vs, (4 * head_dim) ** 0.5),
                         f"the scores were divided by sqrt(n_embd) = sqrt({4 * head_dim}): "
                         f"a head's q has head_dim = {d} numbers, so divide by sqrt({d})."))
    for want, hint in variants:
        if same_floats(got, want):
            return hint
    for n in range(1, 257):                         # a fixed scale, e.g. another head's size
        if same_floats(got, _head(q, ks, vs, n ** 0.5)):
            return (f"the scores were divided by sqrt({n}), but this q has {d} numbers: divide by "
                    f"sqrt({d}) (len(q) ** 0.5).")
    return None


@exercise("04.2", "one head on plain numbers", "implement")
def check_attention_head(fn, head_dim=4):
    """fn(q, keys, values) on floats, q of `head_dim` numbers: nn.attention_head's output."""
    if not_answered(fn, "Scores q.k / sqrt(head_dim), then softmax, then the weighted sum "
                        "of the values."):
        return False
    rng = random.Random(4)
    for t in (1, 3, 5):
        q, ks, vs = _head_data(rng, head_dim, t)
        want = _package_head(q, ks, vs)
        got, err = run_answer(fn, q, [k[:] for k in ks], [v[:] for v in vs])
        if err:
            return verdict(False, "", f"with q of {head_dim} numbers and {t} position(s): {err}")
        raw, got = got, _head_output(got, head_dim)
        if got is None or len(got) != head_dim:
            return verdict(False, "", f"return the output: a list of head_dim = {head_dim} "
                           f"numbers (one per number of a value), got {raw!r}.")
        if not same_floats(got, want):
            hint = _head_mistake(got, q, ks, vs, head_dim)
            return verdict(False, "", f"with {t} position(s) expected {rounded(want)}, got "
                           f"{rounded(got)}: " + (hint or "compare each step with the "
                                                  "attention_head of section 4."))
    # the notebook's head_dim passed; a head of another size tells whether fn reads len(q)
    other = 2 if head_dim != 2 else 3
    q, ks, vs = _head_data(rng, other, 3)
    got, err = run_answer(fn, q, ks, vs)
    got = None if err else _head_output(got, other)
    good = "Your head matches microgpt.nn.attention_head"
    if same_floats(got, _package_head(q, ks, vs)):
        return verdict(True, f"{good}, and it works for any head size.", "")
    if same_floats(got, _head(q, ks, vs, head_dim ** 0.5)):
        note = (f"it divides by sqrt({head_dim}) whatever the size of q (the notebook's head_dim); "
                "len(q) ** 0.5 would make it work for any head size.")
    elif err:
        note = f"it assumes q has {head_dim} numbers (for a head of {other} {err})."
    else:
        note = f"it assumes q has {head_dim} numbers (a head of {other} gives other numbers)."
    return verdict(True, f"{good} for head_dim = {head_dim}. Note: {note}", "")


# ------------------------------------------------------------------ 04.3 ablate the scale

NO_SCALE_WRONG = {
    "a": "softmax does not depend on the order of the scores only, but on their differences: "
         "without the scale every difference is sqrt(64) = 8 times larger. Only the argmax would "
         "stay the same.",
    "b": "bigger scores do not mean bigger gradients here: the slope of a weight on its own "
         "score is p(1 - p), largest (0.25) at p = 0.5 and near 0 when p is near 1. Look at "
         "the printed slopes.",
    "d": "uniform weights come from scores that are close together, as when they are divided "
         "by a larger number (or at a fresh GPT's tiny weights). Removing the scale spreads "
         "the scores 8 times wider.",
}


@exercise("04.3", "ablate the 1/sqrt(d) scale", "ablate")
def check_no_scale(answer):
    """Multiple choice: what removing 1/sqrt(d) does to a d = 64 head (the answer is c)."""
    return check_choice(answer, "c", "Without the scale the scores spread like sqrt(64) = 8 "
                        "(not 1): softmax saturates, the largest weight goes towards 1 and its "
                        "slope p(1 - p) towards 0, so the gradient that should train the "
                        "queries and keys nearly vanishes.", NO_SCALE_WRONG)


# ------------------------------------------------------------------ 04.4 the mask, find the bug

@exercise("04.4", "the mask that sees the future", "find-the-bug")
def check_causal_softmax(fn):
    """fn(scores (T, T) array) -> (T, T) weights: row t a softmax over columns 0 ... t only."""
    if not_answered(fn, "Fix causal_softmax (do not replace it with None)."):
        return False
    # only this checker needs NumPy
    import numpy as np

    rng = np.random.default_rng(4)
    for T in (5, 1, 8):
        scores = rng.normal(0.0, 2.0, size=(T, T))
        mask = np.tri(T, dtype=bool)
        masked = np.where(mask, scores, -np.inf)
        want = np.exp(masked - masked.max(axis=1, keepdims=True))
        want /= want.sum(axis=1, keepdims=True)
        got, err = run_answer(fn, scores.copy())
        if err:
            return verdict(False, "", f"with T = {T}: {err}")
        try:
            got = np.array(got, dtype=float)
        except (TypeError, ValueError):
            return verdict(False, "", "return a (T, T) table of weights, got "
                           f"{type(got).__name__}.")
        if got.shape != (T, T):
            return verdict(False, "", f"for {T} positions the weights should have shape "
                           f"{(T, T)}, got {got.shape}.")
        if np.allclose(got, want, rtol=0.0, atol=1e-9):
            continue
        rows_nan = [t for t in range(T) if not np.isfinite(got[t]).all()]
        future = [(t, s) for t in range(T) for s in range(t + 1, T) if abs(got[t, s]) > 1e-9]
        plain = np.exp(scores - scores.max(axis=1, keepdims=True))
        plain /= plain.sum(axis=1, keepdims=True)
        zeros = np.exp(np.where(mask, scores, 0.0))
        zeros /= zeros.sum(axis=1, keepdims=True)
        if rows_nan:
            t = rows_nan[0]
            hint = (f"row {t} is nan: it had no position left to look at (all -inf, and "
                    "softmax of that is 0/0). A position may always see itself: keep the "
                    "diagonal.")
        elif np.allclose(got, zeros, atol=1e-9):
            hint = ("the future's scores were set to 0, but exp(0) = 1, so the future still "
                    "gets weight. Set them to -inf (or a very negative number) before the softmax.")
        elif np.allclose(got, plain * mask, atol=1e-9):
            hint = ("you zeroed the future's weights after the softmax, so the weights left "
                    "no longer add up to 1. Mask the scores before the softmax (-inf there).")
        elif future:
            t, s = future[0]
            hint = (f"position {t} gives {got[t, s]:.2f} of its weight to position {s}, a later "
                    f"one: it can read the letter it has to predict. Row t may only use "
                    f"columns 0 ... t (that is t + 1 columns).")
        elif any(abs(got[t, t]) < 1e-12 < want[t, t] for t in range(T)):
            hint = ("a position gives no weight to itself: row t may use columns 0 ... t, "
                    "t included.")
        elif not np.allclose(got.sum(axis=1), 1.0, atol=1e-9):
            hint = ("each row (one query position) should add up to 1: take the softmax "
                    "along axis=1.")
        else:
            hint = "compare with a softmax of each row over columns 0 ... t."
        return verdict(False, "", f"with {T} positions: {hint}")
    return verdict(True, "Fixed: row t keeps columns 0 ... t, so no position sees the letter it "
                   "must predict, and its weights still add up to 1.", "")


# ------------------------------------------------------------------ 04.5 predict the parameters

def _attention_count(n_embd, n_head):
    cfg = GPTConfig(vocab_size=28, n_embd=n_embd, n_layer=1, n_head=n_head)
    return sum(rows * cols for name, rows, cols, _ in param_shapes(cfg) if "attn_" in name)


@exercise("04.5", "predict the attention parameters", "predict")
def check_attention_params(answer, n_embd=32, n_head=8):
    """How many parameters attn_wq, attn_wk, attn_wv and attn_wo of one layer hold."""
    if not_answered(answer, "Write your prediction as a whole number before you run the cell."):
        return False
    if not is_number(answer):
        return verdict(False, "", f"the answer should be a number, got {answer!r}.")
    want = 4 * n_embd * n_embd
    if answer == want:
        counts = ", ".join(f"n_head {h}: {_attention_count(n_embd, h)}"
                           for h in (1, n_head, n_embd))
        return verdict(True, f"4 × {n_embd} × {n_embd} = {want}, whatever n_head is. Counted in "
                       f"GPTs with n_embd {n_embd}: {counts}.", "")
    head_dim = n_embd // n_head
    known = {
        3 * n_embd * n_embd: "you counted attn_wq, attn_wk and attn_wv; attn_wo, which mixes "
                             f"the heads' outputs, is {n_embd} × {n_embd} too.",
        4 * n_embd * n_embd * n_head: "the heads do not each get full matrices: head h uses "
                                      "its own slice of the rows, so cutting into heads adds "
                                      "no weights.",
        4 * n_embd * head_dim: f"that is one head's slice ({head_dim} rows of each matrix); the "
                               f"{n_head} heads together use all {n_embd} rows.",
        4 * n_embd: "each of the four is a matrix (n_embd rows of n_embd numbers), not a vector.",
        4 * n_embd * n_embd + 4 * n_embd: "microgpt's linear has no bias: only the matrices.",
        n_embd * n_embd: "that is one matrix; attention has four (attn_wq, attn_wk, attn_wv, "
                         "attn_wo).",
    }
    if 4 * 16 * 16 not in known:
        known[4 * 16 * 16] = (f"that is the count for n_embd = 16. Each matrix is n_embd × "
                              f"n_embd, so with n_embd = {n_embd} each holds {n_embd * n_embd}.")
    else:                                         # n_embd = 32: one matrix = all four at 16
        known[4 * 16 * 16] = (f"that is one {n_embd} × {n_embd} matrix, or all four at n_embd "
                              "= 16; attention has four matrices (attn_wq, attn_wk, attn_wv, "
                              f"attn_wo), each n_embd × n_embd = {n_embd} × {n_embd}.")
    known.pop(want, None)
    if answer in known:
        return verdict(False, "", f"{answer:g}: {known[answer]}")
    return verdict(False, "", f"{answer:g} is too {'high' if answer > want else 'low'}. Count "
                   "the four matrices attn_wq, attn_wk, attn_wv, attn_wo: how many rows and "
                   "columns does each have?")
