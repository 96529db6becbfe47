"""The exercise checkers of the transformer-block chapter.

Owns, in notebook order: `check_mlp` (05.1, implement: fc2 of the squared ReLU of fc1,
values and gradients), `check_merged_mlp` (05.2, ablate: without its non-linearity the MLP
is one matrix), `check_rmsnorm_prediction` (05.3, predict: rmsnorm of [0, 0, 0, 8]),
`check_block` (05.4, find-the-bug: a block whose residual adds the normalised x),
`check_param_prediction` (05.5, predict: the parameters of a wider, deeper GPT) and
`check_last_residual` (05.6, ablate: which weights learn without the last residual).

Imports: engine, model, nn, course.checks.common.
"""
import math
import random

from ...engine import Value
from ...model import GPT, GPTConfig, count_params
from ...nn import linear, rmsnorm
from .common import (
    check_choice,
    check_number,
    close_enough,
    exercise,
    is_number,
    not_answered,
    run_answer,
    verdict,
)


def _values(rows):
    return [[Value(a) for a in row] for row in rows]


def _floats(got):
    """A list (or tuple, or array) of Values or numbers as a list of floats, else None."""
    if hasattr(got, "tolist"):
        got = got.tolist()
    if not isinstance(got, (list, tuple)):
        return None
    out = [g.data if isinstance(g, Value) else g for g in got]
    return out if all(is_number(g) for g in out) else None


def _same(xs, ys, tol=1e-9):
    return xs is not None and len(xs) == len(ys) and all(close_enough(a, b, tol)
                                                         for a, b in zip(xs, ys))


# ---- 05.1 the MLP ------------------------------------------------------------------------

def _mlp_case(n_embd, seed):
    rng = random.Random(seed)
    x = [rng.uniform(-1.5, 1.5) for _ in range(n_embd)]
    fc1 = [[rng.gauss(0, 0.7) for _ in range(n_embd)] for _ in range(4 * n_embd)]
    fc2 = [[rng.gauss(0, 0.7) for _ in range(4 * n_embd)] for _ in range(n_embd)]
    return x, fc1, fc2


def _mlp_variants(x, fc1, fc2):
    """The outputs of the right MLP and of the usual slips, as floats."""
    hidden = [sum(w * xi for w, xi in zip(row, x)) for row in fc1]

    def project(h):
        return [sum(w * hi for w, hi in zip(row, h)) for row in fc2]
    return {"right": project([max(h, 0.0) ** 2 for h in hidden]),
            "plain relu": project([max(h, 0.0) for h in hidden]),
            "square only": project([h * h for h in hidden]),
            "linear": project(hidden)}


@exercise("05.1", "the MLP", "implement")
def check_mlp(fn):
    """fn(x, w_fc1, w_fc2) on lists of Value: fc2 of the squared ReLU of fc1 of x.

    Judged on two shapes with weights of both signs: the numbers, then the gradients
    (the output must be built from Value operations, so that backward() reaches x and
    both matrices).
    """
    if not_answered(fn, "h = linear(x, w_fc1); square the ReLU of each entry; "
                        "return linear(h, w_fc2)."):
        return False
    for n_embd, seed in ((3, 1), (4, 2)):
        x, fc1, fc2 = _mlp_case(n_embd, seed)
        xv, fc1v, fc2v = [Value(a) for a in x], _values(fc1), _values(fc2)
        got_raw, err = run_answer(fn, xv, fc1v, fc2v)
        if err:
            return verdict(False, "", err)
        got = _floats(got_raw)
        want = _mlp_variants(x, fc1, fc2)
        if got is None:
            return verdict(False, "", f"return a list of numbers (Values), got {got_raw!r}.")
        if len(got) == 4 * n_embd:
            return verdict(False, "", f"you returned {len(got)} numbers, the hidden layer "
                           "(4·n_embd wide): project back to n_embd with linear(h, w_fc2).")
        if len(got) != n_embd:
            return verdict(False, "", f"return one number per row of w_fc2 ({n_embd}), "
                           f"got {len(got)}.")
        slips = {"plain relu": "that is a plain ReLU; square it: relu(h) ** 2.",
                 "square only": "you squared h without the ReLU, so negative entries come out "
                                "positive: relu first (negatives become 0), then ** 2.",
                 "linear": "there is no non-linearity between the two matrices: apply "
                           "relu(h) ** 2 to each entry of h."}
        for slip, hint in slips.items():
            if _same(got, want[slip]):
                return verdict(False, "", hint)
        if not _same(got, want["right"]):
            return verdict(False, "", f"for n_embd={n_embd} expected "
                           f"{[round(w, 4) for w in want['right']]}, got "
                           f"{[round(g, 4) for g in got]}.")
        if not all(isinstance(g, Value) for g in got_raw):
            return verdict(False, "", "the numbers are right, but they are plain floats: build "
                           "the output from Value operations (no .data), so that backward() "
                           "can reach the weights.")
        # gradients: backward from a weighted sum of the outputs, against the reference
        ref_x, ref_fc1, ref_fc2 = [Value(a) for a in x], _values(fc1), _values(fc2)
        ref = linear([h.relu() ** 2 for h in linear(ref_x, ref_fc1)], ref_fc2)
        coef = [1.0 + 0.5 * i for i in range(n_embd)]
        sum((c * o for c, o in zip(coef, ref)), Value(0.0)).backward()
        sum((c * o for c, o in zip(coef, got_raw)), Value(0.0)).backward()
        for label, mine, theirs in (("x", xv, ref_x), ("w_fc1", sum(fc1v, []), sum(ref_fc1, [])),
                                    ("w_fc2", sum(fc2v, []), sum(ref_fc2, []))):
            if not _same([v.grad for v in mine], [v.grad for v in theirs], 1e-7):
                return verdict(False, "", f"the numbers are right, but the gradient that reaches "
                               f"{label} is not: somewhere the output was built from .data "
                               "(a plain float) instead of the Value itself.")
    return verdict(True, "Expand to 4·n_embd, squared ReLU, project back: that is the MLP, "
                   "and its gradients reach x and both matrices.", "")


# ---- 05.2 the MLP without its non-linearity ----------------------------------------------

def _matrix(got):
    if hasattr(got, "tolist"):
        got = got.tolist()
    if not isinstance(got, (list, tuple)) or not got:
        return None
    rows = [_floats(r) for r in got]
    return rows if all(r is not None for r in rows) else None


def _matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))]
            for i in range(len(a))]


@exercise("05.2", "the MLP without its non-linearity", "ablate")
def check_merged_mlp(fn):
    """fn(w_fc1, w_fc2) -> one matrix M with linear(x, M) == linear(linear(x, w_fc1), w_fc2).

    The answer is M = w_fc2 · w_fc1 (n_embd × n_embd); entries may be Values or numbers,
    the matrix a list of rows or a NumPy array. Judged on two shapes.
    """
    if not_answered(fn, "merge(w_fc1, w_fc2) returns one matrix (a list of rows) that does "
                        "what the two do one after the other."):
        return False
    for n_in, hidden, n_out, seed in ((3, 5, 3, 11), (4, 16, 4, 12)):
        rng = random.Random(seed)
        fc1 = [[rng.gauss(0, 1) for _ in range(n_in)] for _ in range(hidden)]
        fc2 = [[rng.gauss(0, 1) for _ in range(hidden)] for _ in range(n_out)]
        got_raw, err = run_answer(fn, _values(fc1), _values(fc2))
        if err:
            return verdict(False, "", err)
        got = _matrix(got_raw)
        if got is None:
            return verdict(False, "", f"return a matrix: a list of rows of numbers (or Values), "
                           f"got {type(got_raw).__name__}.")
        want = _matmul(fc2, fc1)                                 # n_out × n_in
        shape = (len(got), len(got[0]))
        if shape == (hidden, hidden) and hidden != n_out:
            return verdict(False, "", f"your matrix is {hidden} × {hidden}: that is w_fc1 · w_fc2, "
                           "the wrong order. x meets w_fc1 first, so the merged matrix is "
                           "w_fc2 · w_fc1, n_embd × n_embd.")
        if any(len(r) != n_in for r in got) or len(got) != n_out:
            return verdict(False, "", f"with w_fc1 {hidden} × {n_in} and w_fc2 {n_out} × "
                           f"{hidden} the merged matrix is {n_out} × {n_in} (rows = outputs, "
                           f"columns = inputs); got {len(got)} rows of {len(got[0])} numbers.")
        if all(_same(g, w) for g, w in zip(got, want)):
            continue
        if all(_same(g, [want[i][j] for i in range(n_out)]) for j, g in enumerate(got)):
            return verdict(False, "", "rows and columns are swapped: merged[i][j] is the sum over "
                           "k of w_fc2[i][k] * w_fc1[k][j] (row i = output i, column j = input j).")
        return verdict(False, "", "linear(x, merged) should equal linear(linear(x, w_fc1), "
                       "w_fc2) for every x. Column j of merged is the output for the unit "
                       "vector x = e_j: merged[i][j] = sum over k of w_fc2[i][k] * w_fc1[k][j].")
    return verdict(True, "Without a non-linearity the two matrices are one: w_fc2 · w_fc1, "
                   "n_embd × n_embd. The MLP's 2048 numbers would do the work of 256; the "
                   "squared ReLU is what makes the hidden layer worth having.", "")


# ---- 05.3 predict: rmsnorm of [0, 0, 0, 8] -------------------------------------------------

def _predict(answer, want, tol, good_msg, known, general):
    """check_number, with a specific hint for each known wrong answer (value, hint)."""
    hint = general
    if is_number(answer):
        for value, why in known:
            if abs(answer - value) <= tol:
                hint = why
    hint = hint[:1].upper() + hint[1:]
    return check_number(answer, want, tol, good_msg, hint, hint)


@exercise("05.3", "predict rmsnorm", "predict")
def check_rmsnorm_prediction(answer):
    """The last entry of rmsnorm([0, 0, 0, 8]): 8 / sqrt(64 / 4 + 1e-5) = 2.0000 (±0.01)."""
    want = rmsnorm([Value(a) for a in (0.0, 0.0, 0.0, 8.0)])[3].data
    known = [
        (1.0, "RMSNorm does not divide by the vector's length sqrt(0² + 0² + 0² + 8²) = 8 "
              "(nor cap an entry at 1): it divides by the root of the MEAN of the squares. "
              "Which is the mean of 0, 0, 0 and 64?"),
        (4.0, "you divided by the mean of the entries (8 / 4 = 2); RMSNorm divides by the root "
              "of the mean of their squares."),
        (0.5, "you divided by the mean of the squares (64 / 4 = 16) without taking its "
              "square root."),
        (0.125, "you divided by the sum of the squares (64); RMSNorm divides by the root of "
                "their mean."),
        (8.0, "RMSNorm does change this vector: its RMS is not 1."),
        (math.sqrt(3), "that is LayerNorm, which first subtracts the mean of the entries; "
                       "RMSNorm subtracts nothing, it only divides by the RMS."),
        (0.0, "RMSNorm only rescales: the zeros stay 0, and the 8 is divided by one "
              "positive number, the RMS."),
    ]
    return _predict(answer, want, 0.01,
                    f"rmsnorm gives {want:.4f}: the RMS of [0, 0, 0, 8] is sqrt(64 / 4) = 4, "
                    "so the 8 becomes 2 (a hair less, for the ε). One large entry is not capped "
                    "at 1: only the RMS of the whole vector becomes 1.",
                    known, "RMS = sqrt((0² + 0² + 0² + 8²) / 4 + ε); every entry is divided by it.")


# ---- 05.4 find the bug: the block ------------------------------------------------------------

def _block_model(fresh):
    cfg = GPTConfig(vocab_size=7, n_embd=8, n_layer=2, n_head=2, block_size=6)
    model = GPT(cfg, random.Random(5))
    if not fresh:                         # attn_wo / mlp_fc2 start at 0: make every part count
        noise = random.Random(6)
        for p in model.parameters():
            p.data += noise.gauss(0, 0.4)
    return model


def _block_variants(model, xs, layer):
    """The outputs, position after position, of the right block and of the usual slips."""
    def right(x, k, v):
        a = model.attention(rmsnorm(x), layer, k, v)
        x = [ai + xi for ai, xi in zip(a, x)]
        m = model.mlp(rmsnorm(x), layer)
        return [mi + xi for mi, xi in zip(m, x)]

    def normed_residual(x, k, v):                  # the planted bug
        x = rmsnorm(x)
        a = model.attention(x, layer, k, v)
        x = [ai + xi for ai, xi in zip(a, x)]
        m = model.mlp(rmsnorm(x), layer)
        return [mi + xi for mi, xi in zip(m, x)]

    def no_residual(x, k, v):
        return model.mlp(rmsnorm(model.attention(rmsnorm(x), layer, k, v)), layer)

    def no_norm(x, k, v):
        a = model.attention(x, layer, k, v)
        x = [ai + xi for ai, xi in zip(a, x)]
        return [mi + xi for mi, xi in zip(model.mlp(x, layer), x)]

    def mlp_reads_old_x(x, k, v):
        a = model.attention(rmsnorm(x), layer, k, v)
        m = model.mlp(rmsnorm(x), layer)
        return [ai + mi + xi for ai, mi, xi in zip(a, m, x)]

    out = {}
    for name, fn in (("right", right), ("normalised residual", normed_residual),
                     ("no residual", no_residual), ("no norm", no_norm),
                     ("mlp reads old x", mlp_reads_old_x)):
        keys, values = [], []
        out[name] = [[o.data for o in fn([Value(a) for a in x], keys, values)] for x in xs]
    return out


BLOCK_HINTS = {
    "normalised residual": "on a fresh model (attn_wo and mlp_fc2 all zeros) a block must give "
                           "back its input unchanged; yours gives back x rescaled to RMS 1. "
                           "Which x does the first residual add to?",
    "no residual": "the sub-layers' outputs replace the stream: add each one to x "
                   "(x = a + x, then x = m + x).",
    "no norm": "the sub-layers read x as it is: each must read rmsnorm(x).",
    "mlp reads old x": "the MLP reads the stream from before attention added to it: update x "
                       "with the attention's output first, then feed rmsnorm(x) to the MLP.",
}


@exercise("05.4", "find the bug in the block", "find-the-bug")
def check_block(fn):
    """fn(model, x, layer, keys, values) -> the stream after one block (attention, then MLP).

    Run position after position on a fresh model (it must be the identity) and on one with
    random non-zero weights (both layers), against the package's block and the usual slips;
    the cache must grow by one key and one value per call.
    """
    if not_answered(fn, "fix my_block and pass the function."):
        return False
    rng = random.Random(7)
    xs = [[rng.gauss(0, 1.0) for _ in range(8)] for _ in range(3)]
    for fresh in (True, False):
        model = _block_model(fresh)
        for layer in (0, 1):
            want = _block_variants(model, xs, layer)
            keys, values, got = [], [], []
            for x in xs:
                out, err = run_answer(fn, model, [Value(a) for a in x], layer, keys, values)
                if err:
                    return verdict(False, "", err)
                got.append(_floats(out))
                if got[-1] is None:
                    return verdict(False, "", f"return the new stream, a list of {len(x)} "
                                   f"Values, got {out!r}.")
                if len(keys) != len(got) or len(values) != len(got):
                    return verdict(False, "", f"after {len(got)} positions the cache holds "
                                   f"{len(keys)} keys and {len(values)} values: model.attention "
                                   "appends this position's key and value, so call it exactly "
                                   "once per position.")
            if all(_same(g, w, 1e-7) for g, w in zip(got, want["right"])):
                continue
            for slip, hint in BLOCK_HINTS.items():
                if all(_same(g, w, 1e-7) for g, w in zip(got, want[slip])):
                    return verdict(False, "", hint)
            if fresh:
                return verdict(False, "", "a fresh block (attn_wo and mlp_fc2 all zeros) must "
                               "return its input unchanged, and yours does not: look at what "
                               "gets added to what.")
            return verdict(False, "", f"on a model with random weights, layer {layer}, expected "
                           f"{[round(w, 4) for w in want['right'][0]]} for the first position, got "
                           f"{[round(g, 4) for g in got[0]]}.")
    return verdict(True, "The sub-layers read rmsnorm(x), the residuals add to x itself: a "
                   "fresh block is the identity, and a trained one matches the package.", "")


# ---- 05.5 predict: the parameters of a bigger GPT ------------------------------------------

BIG = dict(vocab_size=28, n_embd=32, n_layer=3, n_head=8, block_size=16)


@exercise("05.5", "predict the parameter count", "predict")
def check_param_prediction(answer):
    """count_params of GPTConfig(**BIG): 28·32 + 16·32 + 3·12·32² = 38272, exactly."""
    v, e, n_layer, n_head, b = (BIG[k] for k in ("vocab_size", "n_embd", "n_layer", "n_head",
                                                 "block_size"))
    want = count_params(GPTConfig(**BIG))
    emb = (v + b) * e
    known = [
        (want + v * e, f"you counted an output matrix ({v} × {e}), but the head is tied to wte: "
                       "it has no weights of its own."),
        (want - b * e, f"you forgot wpe, the position embedding: block_size × n_embd = {b * e}."),
        (emb + n_layer * 6 * e * e, "the MLP is 4 × n_embd wide: mlp_fc1 is (4·n_embd) × n_embd "
                                    "and mlp_fc2 n_embd × (4·n_embd), 4·32·32 numbers each."),
        (emb + n_layer * 8 * e * e, "the MLP has two matrices, mlp_fc1 and mlp_fc2, each "
                                    "4·n_embd × n_embd."),
        (emb + n_layer * 11 * e * e, "attention has four n_embd × n_embd matrices: attn_wq, "
                                     "attn_wk, attn_wv and attn_wo."),
        (emb + 12 * e * e, f"that is one layer; this model has n_layer = {n_layer}."),
        (emb + n_layer * (4 * n_head + 8) * e * e, "The number of heads changes no matrix: the "
                                                   "heads split the n_embd entries of q, k and "
                                                   "v into slices of head_dim."),
        (3776 * 2 * n_layer, "not everything grows 2× with n_embd: a layer's matrices have "
                             "n_embd on both sides, so doubling it makes them 4× larger."),
        (3776 * 4 * n_layer, "wte and wpe grow only 2× with n_embd (their other side is "
                             "vocab_size or block_size), and they do not repeat per layer."),
    ]
    return _predict(answer, want, 0.5,
                    f"{want}: wte {v * e} + wpe {b * e} + {n_layer} layers × (4·{e}² attention "
                    f"+ 8·{e}² MLP) = {emb} + {n_layer} × {12 * e * e}. n_head = {n_head} "
                    "changes nothing.",
                    known, "count matrix by matrix: wte and wpe, then per layer four n_embd × "
                           "n_embd attention matrices and two 4·n_embd × n_embd MLP matrices.")


# ---- 05.6 ablate: only the last residual removed --------------------------------------------

@exercise("05.6", "remove only the last residual", "ablate")
def check_last_residual(answer):
    """Multiple choice: in the fresh 4-layer model without only the last MLP's residual,
    which weights get a non-zero gradient? (b: only layer3.mlp_fc2)"""
    return check_choice(
        answer, "b",
        "Only layer3.mlp_fc2. Its input h is the squared ReLU of the normalised stream, which "
        "still carries the embedding (every earlier + is there), so its gradient, (gradient at "
        "its output) × h, is not zero. Everything upstream gets its gradient through "
        "mlp_fc2 = 0, and wte in the head multiplies x = 0. After one step mlp_fc2 is no "
        "longer zero, and from then on the gradient reaches the rest: unlike the model "
        "without any residual, this one is not stuck.",
        {"a": "follow the last MLP: its input is rmsnorm of a stream that still holds the "
              "embedding, so its hidden layer h is not zero. The gradient of mlp_fc2 is (the "
              "gradient at its output) × h: is that zero?",
         "c": "every weight before the last mlp_fc2 gets its gradient through it (the stream "
              "at the end is mlp_fc2 @ h, nothing else), and mlp_fc2 is all zeros: zero times "
              "anything is zero.",
         "d": "the tied head's gradient on wte is (the gradient of the logits) × x, and x, the "
              "output of the last MLP, is mlp_fc2 @ h = 0. And through the embedding, wte "
              "gets its gradient by way of mlp_fc2 = 0."})
