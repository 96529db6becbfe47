"""The exercise checkers of the attention chapter (04).

Owns, in notebook order: `check_tiny_weight` (04.1, predict a head's weight on a hand-made
query and keys), `check_window_mask` (04.2, write a sliding-window mask: what a position may
see), `check_scale_by_d` (04.3, divide the scores by d instead of sqrt(d): what happens),
`check_causal_softmax` (04.4, find the bug: a masked softmax whose rows do not add up to 1)
and `check_attend_all` (04.5, find the bug: a transposed weight matrix that only shows in
the numbers).

Every checker accepts any correct answer (lists or NumPy arrays, booleans or 0/1, a mask
made with loops or with `np.tril`/`np.triu`) and names the symptom of a typical wrong one
first, the fix as a hint from the second wrong try on. NumPy is imported inside the checkers
that need it, so importing this module stays light.

Imports: course.checks.common.
"""
import math

from .common import (
    check_choice,
    exercise,
    is_number,
    not_answered,
    run_answer,
    short,
    verdict,
)

# ------------------------------------------------------------------ 04.1 predict a weight

TINY_Q = [1.0, 2.0, 0.0, 1.0]                     # the query of position 1
TINY_KEYS = [[1.0, 1.0, 0.0, 0.0],                # position 0: q.k = 3
             [0.0, 0.0, 1.0, 0.0],                # position 1: q.k = 0
             [2.0, 2.0, 0.0, 2.0]]                # position 2, the future: q.k = 8


def _weight_on_0(seen, scale):
    scores = [sum(a * b for a, b in zip(TINY_Q, k)) / scale for k in TINY_KEYS[:seen]]
    exps = [math.exp(s - max(scores)) for s in scores]
    return exps[0] / sum(exps)


TINY_WANT = _weight_on_0(2, 2.0)                  # sigmoid(1.5) = 0.8176
TINY_WRONG = [
    (_weight_on_0(3, 2.0), "position 1 gave weight to position 2, which comes after it.",
     "position 1 may look at positions 0 and 1 only: leave out the key of position 2."),
    (_weight_on_0(2, 1.0), "that weight is too sure of position 0: the scores were not "
                           "divided by anything.",
     "divide every q . k by sqrt(head_dim) = sqrt(4) = 2 before the softmax."),
    (_weight_on_0(2, 4.0), "that weight is too even: the scores were divided by too much.",
     "divide by sqrt(head_dim) = 2, not by head_dim = 4."),
    (1 - TINY_WANT, "that is the weight position 1 gives to itself.",
     "the question asks for the weight on position 0."),
    (0.5, "equal weights would need equal scores; q . k differs for the two keys.",
     "compute q . k for keys 0 and 1, divide by 2, then softmax."),
    (_weight_on_0(3, 1.0), "position 1 saw the future, and the scores were not scaled.",
     "position 1 may look at positions 0 and 1 only; divide the scores by sqrt(4) = 2."),
    (1.5, "1.5 is the score of position 0, not its weight.",
     "turn the two scores into weights with softmax."),
]


@exercise("04.1", "predict a weight by hand", "predict")
def check_tiny_weight(answer):
    """The weight position 1 gives to position 0 in the chapter's hand-made case."""
    if not_answered(answer, "Write your prediction as a number between 0 and 1."):
        return False
    if not is_number(answer):
        return verdict(False, "", f"the answer should be a number, got {short(answer)}.")
    if abs(answer - TINY_WANT) < 2e-3:
        return verdict(True, f"{TINY_WANT:.4f}: scores 3/2 = 1.5 and 0/2 = 0 (position 2 is in "
                       "the future and not seen), softmax gives e^1.5 / (e^1.5 + 1).", "")
    for value, symptom, hint in TINY_WRONG:
        if abs(answer - value) < 2e-3:
            return verdict(False, "", f"{answer:.4f}: {symptom}", hint)
    side = "too high" if answer > TINY_WANT else "too low"
    return verdict(False, "", f"{answer:.4f} is {side}.", "which keys may position 1 see? "
                   "Score each with q . k / sqrt(4), then softmax over those scores.")


# ------------------------------------------------------------------ 04.2 a sliding window

def _bool_table(got, T):
    """A (T, T) list of lists of bools from the learner's mask, or (None, what is wrong)."""
    import numpy as np
    try:
        arr = np.asarray(got)
    except Exception:                               # a ragged list, an odd object
        return None, f"return a (T, T) table of True/False, got {short(got)}."
    if arr.shape != (T, T):
        return None, f"for T = {T} the mask should have shape {(T, T)}, got " \
                     f"{arr.shape if arr.ndim else short(got)}."
    if arr.dtype == bool:
        return arr, None
    if arr.dtype.kind in "iuf" and np.isin(arr, (0, 1)).all():
        return arr.astype(bool), None
    return None, "the mask should hold True/False (or 1/0): True where query t may look at key s."


def window_mask_reference(T, window):
    """True where query t may look at key s: s <= t and t - s < window."""
    return [[0 <= t - s < window for s in range(T)] for t in range(T)]


def _seen(mask, t):
    return [s for s in range(len(mask)) if mask[t][s]]


WINDOW_CASES = ((6, 3), (5, 1), (4, 4), (3, 10), (8, 2))


@exercise("04.2", "a sliding-window mask", "implement")
def check_window_mask(fn):
    """fn(T, window) -> (T, T) mask: query t sees keys t - window + 1 ... t (never before 0)."""
    if not_answered(fn, "Write window_mask(T, window)."):
        return False
    for T, window in WINDOW_CASES:
        got, err = run_answer(fn, T, window)
        if err:
            return verdict(False, "", f"window_mask({T}, {window}): {err}")
        table, problem = _bool_table(got, T)
        if problem:
            return verdict(False, "", f"window_mask({T}, {window}): {problem}")
        want = window_mask_reference(T, window)
        bad = [t for t in range(T) if [bool(x) for x in table[t]] != want[t]]
        if not bad:
            continue
        t = bad[0]
        seen, should = _seen(table, t), _seen(want, t)
        future = [s for s in seen if s > t]
        if future:
            symptom = f"with window {window}, query {t} sees key {future[0]}, which comes after it."
            hint = "a window is the causal mask with the older keys removed: s <= t as well."
        elif t not in seen:
            symptom = f"with window {window}, query {t} does not see itself."
            hint = "the window ends at the query's own position: key t is always allowed."
        elif len(seen) > len(should):
            symptom = (f"with window {window}, query {t} sees {len(seen)} keys {seen}; a window "
                       f"of {window} holds at most {window}.")
            hint = "count the keys t - window + 1 ... t: that is window keys, not window + 1."
        elif len(seen) < len(should):
            symptom = (f"with window {window}, query {t} sees only {seen}; it should see "
                       f"{len(should)} keys.")
            hint = ("the window holds the query itself and the window - 1 keys before it "
                    "(fewer near the start, never below 0).")
        else:
            symptom = f"with window {window}, query {t} sees {seen}."
            hint = "query t may see keys s with s <= t and t - s < window."
        return verdict(False, "", f"window_mask({T}, {window}): {symptom}", hint)
    return verdict(True, "With window 3, query 5 sees keys 3, 4, 5 and never <BOS>; window 1 is "
                   "no attention at all (each position sees only itself); a window as long as "
                   "the name is the causal mask.", "")


# ------------------------------------------------------------------ 04.3 divide by d

SCALE_BY_D_WRONG = {
    "a": "the scores are divided by 64 instead of 8, so every difference between them is 8 "
         "times smaller, and softmax depends on those differences, not only on their order.",
    "b": "near one-hot weights come from scores far apart; dividing by 64 brings them closer "
         "together than dividing by 8 does.",
    "d": "with weights near uniform the slope of softmax is fine, but each score now moves "
         "only 1/64 of q . k: look at how much reaches q.",
}


@exercise("04.3", "divide the scores by d", "ablate")
def check_scale_by_d(answer):
    """Multiple choice: what 1/d instead of 1/sqrt(d) does to a d = 64 head (the answer is c)."""
    return check_choice(answer, "c", "Divided by d the scores spread like 1/sqrt(d) (1/8 at "
                        "d = 64): the weights start near uniform, and a score moves only 1/d "
                        "of q . k, so little gradient reaches q, less for every larger head.",
                        SCALE_BY_D_WRONG)


# ------------------------------------------------------------------ 04.4 the masked softmax

def _reference_causal(scores):
    import numpy as np
    T = scores.shape[0]
    masked = np.where(np.tri(T, dtype=bool), scores, -np.inf)
    w = np.exp(masked - masked.max(axis=1, keepdims=True))
    return w / w.sum(axis=1, keepdims=True)


@exercise("04.4", "a masked softmax that leaks", "find-the-bug")
def check_causal_softmax(fn):
    """fn(scores (T, T) array) -> (T, T) weights: row t a softmax over columns 0 ... t only."""
    if not_answered(fn, "Fix causal_softmax (do not replace it with None)."):
        return False
    import numpy as np

    rng = np.random.default_rng(4)
    for T in (5, 1, 8):
        scores = rng.normal(0.0, 2.0, size=(T, T))
        want = _reference_causal(scores)
        got, err = run_answer(fn, scores.copy())
        if err:
            return verdict(False, "", f"with T = {T}: {err}")
        got, problem = _as_table_shape(got, (T, T))
        if problem:
            return verdict(False, "", problem)
        if np.allclose(got, want, rtol=0.0, atol=1e-9):
            continue
        mask = np.tri(T, dtype=bool)
        future = [(t, s) for t in range(T) for s in range(t + 1, T)
                  if not abs(got[t, s]) <= 1e-9]
        sums = got.sum(axis=1)
        if not np.isfinite(got).all():
            t = int(np.argwhere(~np.isfinite(got))[0][0])
            symptom = f"row {t} holds nan or inf."
            hint = ("a row of only -inf gives 0/0; every position may see itself, and "
                    "subtracting each row's largest score keeps exp finite.")
        elif future:
            t, s = future[0]
            symptom = (f"position {t} gives {got[t, s]:.2f} of its weight to position {s}, a "
                       "later one.")
            hint = "row t may use columns 0 ... t only: the future's weights must be 0."
        elif not np.allclose(sums, 1.0, atol=1e-9):
            t = int(np.argmax(np.abs(sums - 1.0)))
            plain = np.exp(scores - scores.max(axis=1, keepdims=True))
            plain /= plain.sum(axis=1, keepdims=True)
            if np.allclose(got, plain * mask, atol=1e-9):
                symptom = (f"no weight on the future, but row {t} adds up to {sums[t]:.2f}, not "
                           "1, and a row changes when a later position's score changes.")
                hint = ("the future still counts in the total: divide by the sum of the "
                        "weights left after zeroing the future (or set the future's scores "
                        "to -inf before exp).")
            else:
                symptom = f"row {t} adds up to {sums[t]:.2f}, not 1."
                hint = "take the softmax of each row (axis=1) over columns 0 ... t."
        else:
            symptom = "the weights differ from a softmax of each row over its columns 0 ... t."
            hint = ("the future's scores must count nowhere: not in the weights, not in "
                    "the total.")
        return verdict(False, "", f"with {T} positions: {symptom}", hint)
    return verdict(True, "Fixed: row t is a softmax over columns 0 ... t alone; the future "
                   "counts neither in the weights nor in their total, and each row adds up "
                   "to 1.", "")


# ------------------------------------------------------------------ 04.5 a transposed matrix

def _attend(X, Wq, Wk, Wv):
    import numpy as np
    T, d = X.shape[0], Wq.shape[0]
    Q, K, V = X @ Wq.T, X @ Wk.T, X @ Wv.T           # linear(x, w) = w @ x, one row per position
    scores = np.where(np.tri(T, dtype=bool), Q @ K.T / d ** 0.5, -np.inf)
    W = np.exp(scores - scores.max(axis=1, keepdims=True))
    return (W / W.sum(axis=1, keepdims=True)) @ V


@exercise("04.5", "a transposed matrix", "find-the-bug")
def check_attend_all(fn):
    """fn(X, Wq, Wk, Wv) -> (T, d) outputs of one causal head, Q = X @ Wq.T (w @ x per row)."""
    if not_answered(fn, "Fix attend_all (do not replace it with None)."):
        return False
    import numpy as np

    rng = np.random.default_rng(5)
    for T, d in ((5, 6), (1, 6), (7, 4)):
        X = rng.normal(size=(T, d))
        Wq, Wk, Wv = (rng.normal(size=(d, d)) for _ in range(3))
        want = _attend(X, Wq, Wk, Wv)
        got, err = run_answer(fn, X.copy(), Wq.copy(), Wk.copy(), Wv.copy())
        if err:
            return verdict(False, "", f"with {T} positions: {err}")
        got, problem = _as_table_shape(got, (T, d))
        if problem:
            return verdict(False, "", problem)
        if np.allclose(got, want, rtol=0.0, atol=1e-9):
            continue
        if T == 1:
            return verdict(False, "", "with 1 position the output should be that position's "
                           "value.", "V = X @ Wv.T: row t of V is attn_wv @ x_t.")
        names = ("Wq", "Wk", "Wv")
        for flips in ((1, 1, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1),
                      (0, 1, 1)):
            ws = [w.T if f else w for w, f in zip((Wq, Wk, Wv), flips)]
            if np.allclose(got, _attend(X, *ws), atol=1e-9):
                which = [n for n, f in zip(names, flips) if f]
                symptom = (f"no error and no future seen, but position {T - 1}'s output differs "
                           f"from the cache loop's: {short(np.round(got[-1], 3).tolist())} "
                           f"instead of {short(np.round(want[-1], 3).tolist())}.")
                hint = (f"linear(x, w) computes w @ x, so for rows x_t of X the product is "
                        f"X @ w.T; check {', '.join(which)}.")
                return verdict(False, "", symptom, hint)
        worst = int(np.argmax(np.abs(got - want).max(axis=1)))
        return verdict(False, "", f"position {worst}'s output differs from the cache loop's: "
                       f"{short(np.round(got[worst], 3).tolist())} instead of "
                       f"{short(np.round(want[worst], 3).tolist())}.",
                       "compare each line with section 4: q = attn_wq @ x, the scores "
                       "q . k / sqrt(d), the causal softmax, the weighted sum of the values.")
    return verdict(True, "Fixed: linear(x, w) is w @ x, so a table X with one position per "
                   "row needs X @ w.T. With X @ w the code runs, the mask holds, the rows add "
                   "up to 1, and every number is wrong.", "")


def _as_table_shape(got, shape):
    import numpy as np
    try:
        arr = np.array(got, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return None, f"return a {shape} table of numbers, got {short(got)}."
    if arr.shape != shape:
        return None, f"the outputs should have shape {shape}, got " \
                     f"{arr.shape if arr.ndim else short(got)}."
    return arr, None
