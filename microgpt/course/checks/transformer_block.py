"""The exercise checkers of the transformer-block chapter.

Owns, in notebook order: `check_gelu_mlp` (05.1, implement: the MLP with GELU in place of
the squared ReLU, values and gradients), `check_merged_mlp` (05.2, ablate: without its
non-linearity the MLP is one matrix), `check_rmsnorm_prediction` (05.3, predict: rmsnorm
of [0, 0, 0, 8]),
`check_block` (05.4, find-the-bug: a block whose residual adds the normalised x),
`check_param_prediction` (05.5, predict: the parameters of a wider, deeper GPT with an
untied head and learned RMSNorm gains, `variant_params`) and
`check_last_residual` (05.6, ablate: which weights learn without the last residual).

Imports: engine, model, nn, course.checks.common.
"""
import math
import random

from ...engine import Value
from ...model import GPT, GPTConfig, count_params
from ...nn import rmsnorm
from .common import (
    check_choice,
    check_number,
    close_enough,
    exercise,
    is_number,
    not_answered,
    run_answer,
    short,
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


# ---- 05.1 the MLP with GELU ----------------------------------------------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# every accepted form of GELU, and the usual slips: (value, slope) of one hidden entry
GELUS = {
    "sigmoid": (lambda h: h * _sigmoid(1.702 * h),
                lambda h: _sigmoid(1.702 * h) * (1 + 1.702 * h * (1 - _sigmoid(1.702 * h)))),
    "tanh": (lambda h: 0.5 * h * (1 + math.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3))),
             lambda h: 0.5 * (1 + math.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3)))
             + 0.5 * h * (1 - math.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3)) ** 2)
             * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * h * h)),
    "erf": (lambda h: 0.5 * h * (1 + math.erf(h / math.sqrt(2))),
            lambda h: 0.5 * (1 + math.erf(h / math.sqrt(2)))
            + h * math.exp(-h * h / 2) / math.sqrt(2 * math.pi)),
}
GELU_SLIPS = {
    "relu²": (lambda h: max(h, 0.0) ** 2,
              "that is the squared ReLU of section 1, the chapter's MLP as it is.",
              "replace relu(h) ** 2 by gelu(h) = h * sigmoid(1.702 * h)."),
    "relu": (lambda h: max(h, 0.0),
             "that is a plain ReLU: negative entries come out as exactly 0.",
             "GELU multiplies h by sigmoid(1.702 * h), which is small but not 0 for h < 0."),
    "gate only": (lambda h: _sigmoid(1.702 * h),
                  "your activation is never negative and is 0.5 at h = 0: that is "
                  "sigmoid(1.702 h) alone.",
                  "GELU multiplies h by that sigmoid: h * sigmoid(1.702 * h)."),
    "silu": (lambda h: h * _sigmoid(h),
             "close, but the sigmoid's input is h itself: that is SiLU, another activation.",
             "GELU's sigmoid reads 1.702 * h."),
    "sign": (lambda h: h * _sigmoid(-1.702 * h),
             "your activation lets large negative inputs through and cuts large positive "
             "ones: a sign is flipped.",
             "sigmoid(z) = 1 / (1 + exp(-z)); GELU is h * sigmoid(+1.702 * h)."),
    "none": (lambda h: h, "there is no non-linearity between the two matrices.",
             "apply gelu(h) = h * sigmoid(1.702 * h) to every entry of h."),
}


def _mlp_case(n_embd, seed):
    rng = random.Random(seed)
    x = [rng.uniform(-1.5, 1.5) for _ in range(n_embd)]
    fc1 = [[rng.gauss(0, 0.7) for _ in range(n_embd)] for _ in range(4 * n_embd)]
    fc2 = [[rng.gauss(0, 0.7) for _ in range(4 * n_embd)] for _ in range(n_embd)]
    return x, fc1, fc2


def _mlp_floats(x, fc1, fc2, act):
    """The MLP with activation `act` on floats: (output, hidden pre-activations)."""
    hidden = [sum(w * xi for w, xi in zip(row, x)) for row in fc1]
    return [sum(w * act(h) for w, h in zip(row, hidden)) for row in fc2], hidden


def _mlp_grads(x, fc1, fc2, hidden, act, slope, coef):
    """Gradients of sum(coef_i * out_i) with respect to x, fc1 and fc2 (floats, flat)."""
    d_act = [sum(c * fc2[i][k] for i, c in enumerate(coef)) for k in range(len(hidden))]
    d_h = [d * slope(h) for d, h in zip(d_act, hidden)]
    return {"x": [sum(d_h[k] * fc1[k][j] for k in range(len(hidden))) for j in range(len(x))],
            "w_fc1": [d_h[k] * xj for k in range(len(hidden)) for xj in x],
            "w_fc2": [c * act(h) for c in coef for h in hidden]}


@exercise("05.1", "the MLP with GELU", "implement")
def check_gelu_mlp(fn):
    """fn(x, w_fc1, w_fc2) on lists of Value: fc2 of gelu(fc1 of x), gelu(h) = h·σ(1.702h)
    (GPT-2's tanh form and the exact erf form pass too).

    Judged on two shapes with weights and inputs of both signs: the numbers, then the
    gradients (the output must be built from Value operations, so that backward() reaches
    x and both matrices).
    """
    if not_answered(fn, "def mlp_gelu(x, w_fc1, w_fc2): linear, gelu on every entry, linear."):
        return False
    for n_embd, seed in ((3, 1), (4, 2)):
        x, fc1, fc2 = _mlp_case(n_embd, seed)
        xv, fc1v, fc2v = [Value(a) for a in x], _values(fc1), _values(fc2)
        got_raw, err = run_answer(fn, xv, fc1v, fc2v)
        if err:
            return verdict(False, "", err)
        size = len(got_raw) if isinstance(got_raw, (list, tuple)) else None
        if size == 4 * n_embd:
            return verdict(False, "", f"you returned {size} numbers, as many as the hidden "
                           "layer (4·n_embd).", "project back to n_embd with linear(h, w_fc2).")
        if size is not None and size != n_embd:
            return verdict(False, "", f"the output should have one number per row of w_fc2 "
                           f"({n_embd}); yours has {size}.")
        got = _floats(got_raw)
        if got is None:
            return verdict(False, "", f"return a list of Values (one per row of w_fc2), got "
                           f"{short(got_raw)}.")
        form = next((name for name, (act, _) in GELUS.items()
                     if _same(got, _mlp_floats(x, fc1, fc2, act)[0], 1e-6)), None)
        if form is None:
            for act, symptom, hint in GELU_SLIPS.values():
                if _same(got, _mlp_floats(x, fc1, fc2, act)[0], 1e-6):
                    return verdict(False, "", symptom, hint)
            return verdict(False, "", f"for n_embd={n_embd} the output differs from "
                           "linear(gelu(linear(x, w_fc1)), w_fc2).",
                           "check the formula entry by entry: gelu(-1) = -0.154, gelu(0) = 0, "
                           "gelu(1) = 0.846 (sigmoid form).")
        if not all(isinstance(g, Value) for g in got_raw):
            return verdict(False, "", "the numbers are right, but they are plain floats, so "
                           "backward() cannot reach the weights.",
                           "build the output from Value operations (exp, +, *, /, **), no .data.")
        coef = [1.0 + 0.5 * i for i in range(n_embd)]
        sum((c * o for c, o in zip(coef, got_raw)), Value(0.0)).backward()
        _, hidden = _mlp_floats(x, fc1, fc2, GELUS[form][0])
        want = _mlp_grads(x, fc1, fc2, hidden, *GELUS[form], coef)
        for label, mine in (("x", xv), ("w_fc1", sum(fc1v, [])), ("w_fc2", sum(fc2v, []))):
            if not _same([v.grad for v in mine], want[label], 1e-6):
                return verdict(False, "", f"the numbers are right, but the gradient that "
                               f"reaches {label} is not.",
                               "somewhere the output was built from .data (a plain float) "
                               "instead of the Value itself.")
    return verdict(True, "linear, GELU on every hidden entry, linear: and its gradients reach "
                   "x and both matrices. Unlike relu², a negative entry still passes a little "
                   "(and a gradient).", "")


# ---- 05.2 the MLP without its non-linearity ----------------------------------------------

def _matrix(got, max_rows):
    """A list of rows of floats, or None (also for more than max_rows rows: never slow)."""
    if hasattr(got, "tolist"):
        got = got.tolist()
    if not isinstance(got, (list, tuple)) or not got or len(got) > max_rows:
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
        got = _matrix(got_raw, 4 * hidden)
        if got is None:
            return verdict(False, "", f"return a matrix: a list of rows of numbers (or Values), "
                           f"got {short(got_raw)}.")
        want = _matmul(fc2, fc1)                                 # n_out × n_in
        shape = (len(got), len(got[0]))
        if shape == (hidden, hidden) and hidden != n_out:
            return verdict(False, "", f"your matrix is {hidden} × {hidden}, the size of the "
                           "hidden layer, but linear(x, merged) must take n_embd numbers in and "
                           "give n_embd out: the wrong order.",
                           "x meets w_fc1 first, so the merged matrix is w_fc2 · w_fc1.")
        if any(len(r) != n_in for r in got) or len(got) != n_out:
            return verdict(False, "", f"with w_fc1 {hidden} × {n_in} and w_fc2 {n_out} × "
                           f"{hidden} the merged matrix must be {n_out} × {n_in}; yours has "
                           f"{len(got)} rows of {len(got[0])} numbers.",
                           "rows = outputs, columns = inputs.")
        if all(_same(g, w) for g, w in zip(got, want)):
            continue
        if all(_same(g, [want[i][j] for i in range(n_out)]) for j, g in enumerate(got)):
            return verdict(False, "", "right numbers, wrong places: your matrix is the "
                           "transpose of the one needed.",
                           "merged[i][j] is the sum over k of w_fc2[i][k] * w_fc1[k][j] (row i "
                           "= output i, column j = input j).")
        return verdict(False, "", "linear(x, merged) differs from linear(linear(x, w_fc1), "
                       "w_fc2).",
                       "column j of merged is the output for the unit vector x = e_j: "
                       "merged[i][j] = sum over k of w_fc2[i][k] * w_fc1[k][j].")
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


@exercise("05.3", "predict RMSNorm", "predict")
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
                     ("mlp reads old x", mlp_reads_old_x), ("mlp first", _mlp_first(model, layer))):
        keys, values = [], []
        out[name] = [[o.data for o in fn([Value(a) for a in x], keys, values)] for x in xs]
    return out


BLOCK_SLIPS = {     # slip: (symptom, hint)
    "normalised residual": (
        "on a fresh model (attn_wo and mlp_fc2 all zeros) a block must give back its input "
        "unchanged; yours gives back x rescaled to RMS 1.",
        "which x does the first residual add to? The norm is only for what a sub-layer reads."),
    "no residual": (
        "on a fresh model your block returns zeros: the sub-layers' outputs replace the "
        "stream instead of adding to it.",
        "add each sub-layer's output to x: x = a + x, then x = m + x."),
    "no norm": (
        "a fresh block is the identity, but with random weights your sub-layers read the "
        "stream at its raw size.",
        "each sub-layer must read rmsnorm(x), not x."),
    "mlp reads old x": (
        "a fresh block is the identity, but with random weights your MLP reads the stream "
        "from before attention added to it.",
        "update x with the attention's output first, then feed rmsnorm(x) to the MLP."),
    "mlp first": (
        "a fresh block is the identity, but with random weights your block runs the MLP "
        "before attention.",
        "attention first (it reads rmsnorm(x)), then the MLP on the updated stream."),
}


def _mlp_first(model, layer):
    def block(x, k, v):
        m = model.mlp(rmsnorm(x), layer)
        x = [mi + xi for mi, xi in zip(m, x)]
        a = model.attention(rmsnorm(x), layer, k, v)
        return [ai + xi for ai, xi in zip(a, x)]
    return block


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
                if not isinstance(out, (list, tuple)) or len(out) != len(x):
                    return verdict(False, "", f"return the new stream, a list of {len(x)} "
                                   f"Values; got {short(out)}.")
                got.append(_floats(out))
                if got[-1] is None:
                    return verdict(False, "", f"return the new stream, a list of {len(x)} "
                                   f"Values; got {short(out)}.")
                if len(keys) != len(got) or len(values) != len(got):
                    return verdict(False, "", f"after {len(got)} positions the cache holds "
                                   f"{len(keys)} keys and {len(values)} values.",
                                   "model.attention appends this position's key and value, so "
                                   "call it exactly once per position.")
            if all(_same(g, w, 1e-7) for g, w in zip(got, want["right"])):
                continue
            for slip, (symptom, hint) in BLOCK_SLIPS.items():
                if all(_same(g, w, 1e-7) for g, w in zip(got, want[slip])):
                    return verdict(False, "", symptom, hint)
            if layer == 1 and all(_same(g, w, 1e-7) for g, w in
                                  zip(got, _block_variants(model, xs, 0)["right"])):
                return verdict(False, "", "in layer 1 your block computes layer 0's block: it "
                               "uses the wrong layer's weights.",
                               "pass `layer` on to model.attention and model.mlp.")
            if fresh:
                return verdict(False, "", "a fresh block (attn_wo and mlp_fc2 all zeros) must "
                               "return its input unchanged, and yours does not.",
                               "look at what gets added to what: each residual adds a "
                               "sub-layer's output to the stream x itself.")
            return verdict(False, "", f"a fresh block is the identity, as it should be, but "
                           f"with random weights (layer {layer}) your stream differs from "
                           "attention-then-MLP with residuals.",
                           "attention reads rmsnorm(x) of the stream as it came in; the MLP "
                           "reads rmsnorm of the stream after attention was added; both use "
                           "this layer's weights.")
    return verdict(True, "The sub-layers read rmsnorm(x), the residuals add to x itself: a "
                   "fresh block is the identity, and a trained one matches the package.", "")


# ---- 05.5 predict: the parameters of a variant --------------------------------------------

BIG = dict(vocab_size=28, n_embd=32, n_layer=3, n_head=8, block_size=16)


def variant_params(cfg):
    """The parameters of `cfg`'s GPT with an untied output head and a learned gain of n_embd
    numbers in each of its 2·n_layer RMSNorms (there is no final norm)."""
    return count_params(cfg) + cfg.vocab_size * cfg.n_embd + 2 * cfg.n_layer * cfg.n_embd


@exercise("05.5", "count the parameters of a variant", "predict")
def check_param_prediction(answer):
    """variant_params(GPTConfig(**BIG)): 38272 + 28·32 (lm_head) + 3·2·32 (gains) = 39360."""
    cfg = GPTConfig(**BIG)
    v, e, n_layer, n_head, b = (BIG[k] for k in ("vocab_size", "n_embd", "n_layer", "n_head",
                                                 "block_size"))
    base, head, gains = count_params(cfg), v * e, 2 * n_layer * e
    want = variant_params(cfg)
    assert want == base + head + gains
    known = [
        (base, "that is the GPT as it is, tied and without gains: add what the two changes "
               "bring."),
        (base + head, "the gains are missing: every RMSNorm gets n_embd numbers, and each "
                      "layer has two norms."),
        (base + gains, f"the untied head is missing: lm_head is vocab_size × n_embd = {head} "
                       "numbers of its own."),
        (want + e, "this GPT has no final norm (see the diagram), so there is no gain before "
                   "the head."),
        (base + head + n_layer * e, "each layer has two RMSNorms (before attention and before "
                                    "the MLP), each with its own gain."),
        (base + head + 2 * n_layer * e * e, "a gain is a vector of n_embd numbers, one per "
                                            "entry of x, not an n_embd × n_embd matrix."),
        (base + e * e + gains, "the head scores every token of the vocabulary: lm_head is "
                               "vocab_size × n_embd, not n_embd × n_embd."),
        (want - b * e, f"the position embedding wpe (block_size × n_embd = {b * e}) is "
                       "still there."),
        (want + n_layer * 4 * (n_head - 1) * e * e, "the number of heads changes no matrix: "
                                                    "the heads split q, k and v into slices."),
        (3776 + 28 * 16 + 2 * 16, "that is the chapter's own model (n_embd 16, one layer); "
                                  "the exercise asks for n_embd 32 and 3 layers."),
    ]
    return _predict(answer, want, 0.5,
                    f"{want}: the GPT as it is has {base} (wte {v * e} + wpe {b * e} + "
                    f"{n_layer} × {12 * e * e}); the untied head adds {head}, the gains "
                    f"{n_layer} × 2 × {e} = {gains}. The head costs more than all the gains.",
                    known, "count matrix by matrix: wte, wpe, per layer 4 attention and 2 MLP "
                           "matrices and two gains, then the head.")


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
