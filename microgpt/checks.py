"""Exercise checkers for the notebooks: each prints a friendly one-line verdict.

Owns: the checkers of chapters 00–03's exercises (`check_...`; chapters 04–06 are in
`checks_gpt`, 07 in `checks_efficiency`), the helpers every checker shares (`verdict`,
`not_answered`, `close_enough`, `run_answer`), and `bigram_baseline`, the counting model's
loss that later chapters draw as the line to beat. A checker never raises on a learner's mistake: `None` means "not answered
yet" and gets a hint; an exception inside the learner's function is reported as a verdict.
Every checker returns True or False, so a solution cell can `assert` it.

Imports: engine, nn, model (tokenizers and data are passed in, duck-typed).
"""
import math

from .engine import Value
from .model import GPTConfig, count_params
from .nn import attention_head


def verdict(ok, good_msg, hint):
    """Print "✅ Correct! good_msg" or "❌ Not yet: hint" and return `ok` as a bool."""
    print(f"✅ Correct! {good_msg}" if ok else f"❌ Not yet: {hint}")
    return bool(ok)


def not_answered(answer, hint):
    """True (after printing the hint) if the learner has not filled in the answer yet."""
    if answer is None:
        verdict(False, "", f"replace None with your answer. {hint}")
        return True
    return False


def close_enough(a, b, tol=1e-6):
    return isinstance(a, (int, float)) and not isinstance(a, bool) and abs(a - b) <= tol * max(1.0, abs(b))


def run_answer(fn, *args):
    """(result, None) or (None, a one-line description of the exception fn raised)."""
    try:
        return fn(*args), None
    except Exception as exc:    # the learner's code: report, never crash the notebook
        return None, f"your function raised {type(exc).__name__}: {exc}"


def check_demo_param_count(answer):
    """Ch. 00: the number of parameters of the demo GPT, counted by hand."""
    if not_answered(answer, "Add up rows × cols of every matrix: wte, wpe, and the 6 of the layer."):
        return False
    expected = count_params(GPTConfig(vocab_size=28, n_embd=16, n_layer=1, n_head=4, block_size=8))
    return verdict(answer == expected, f"{expected} parameters: wte 28×16 + wpe 8×16 + "
                    "4 attention matrices 16×16 + 2 MLP matrices 64×16.",
                    f"you have {answer!r}. Did you count all four attention matrices "
                    "(attn_wq, attn_wk, attn_wv, attn_wo) and both MLP matrices (64×16 each)?")


def check_numerical_grad(fn):
    """Ch. 01: fn(f, x) returns df/dx by nudging x (a finite difference)."""
    if not_answered(fn, "Write numerical_grad(f, x) returning (f(x + h) - f(x - h)) / (2 * h)."):
        return False
    cases = [(lambda x: x ** 2, 3.0, 6.0), (lambda x: x ** 3 - 2 * x, -1.5, 4.75),
             (math.exp, 0.5, math.exp(0.5)), (lambda x: 7.0, 2.0, 0.0)]
    for f, x, want in cases:
        got, err = run_answer(fn, f, x)
        if err:
            return verdict(False, "", err)
        if not close_enough(got, want, 1e-4):
            return verdict(False, "", f"at x={x} the slope should be about {want:.4f}, "
                            f"you got {got!r}. Nudge x a little both ways and divide by the step.")
    return verdict(True, "Your finite difference matches the true slopes to 4 decimals.", "")


def check_tanh(fn):
    """Ch. 01: fn(v) builds tanh of a Value from exp and arithmetic, so backward works."""
    if not_answered(fn, "tanh(x) = (exp(2x) - 1) / (exp(2x) + 1), built from Value operations."):
        return False
    for x in (-1.3, 0.0, 0.7, 2.0):
        v = Value(x)
        out, err = run_answer(fn, v)
        if err:
            return verdict(False, "", err)
        if not isinstance(out, Value):
            return verdict(False, "", f"return a Value (got {type(out).__name__}) so that "
                            "backward() can reach the input.")
        if not close_enough(out.data, math.tanh(x), 1e-9):
            return verdict(False, "", f"tanh({x}) should be {math.tanh(x):.4f}, you got {out.data:.4f}.")
        out.backward()
        if not close_enough(v.grad, 1 - math.tanh(x) ** 2, 1e-6):
            return verdict(False, "", f"the value is right but d tanh/dx at {x} came out "
                            f"{v.grad:.4f} instead of {1 - math.tanh(x) ** 2:.4f}.")
    return verdict(True, "Values and gradients match math.tanh and 1 - tanh².", "")


def check_zero_grad(fn):
    """Ch. 01: fn(root) resets .grad of every node below root, so backward() can run again."""
    if not_answered(fn, "Walk the graph (root.topo_order() plus the leaves) and set .grad = 0.0."):
        return False
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    root = (c + a) * c          # a and c are used twice
    root.backward()
    first = (a.grad, b.grad, c.grad)
    _, err = run_answer(fn, root)
    if err:
        return verdict(False, "", err)
    if any(n.grad != 0.0 for n in (a, b, c)):
        return verdict(False, "", "some nodes still hold a gradient; remember the leaves "
                        "(inputs) too, not just the nodes made by operations.")
    root.backward()
    return verdict((a.grad, b.grad, c.grad) == first,
                    "After zeroing, a second backward() gives exactly the same gradients.",
                    "after zeroing, backward() gave different gradients than the first time.")


def check_encode(fn, tok):
    """Ch. 02: fn(name) returns [BOS] + the name's token ids + [EOS], like tok.encode_doc."""
    if not_answered(fn, "Use tok.stoi for each character and put tok.bos / tok.eos around them."):
        return False
    for name in ("emma", "x", "zoe", "anna"):
        got, err = run_answer(fn, name)
        if err:
            return verdict(False, "", err)
        want = tok.encode_doc(name)
        if not isinstance(got, (list, tuple)) or list(got) != want:
            return verdict(False, "", f"for {name!r} expected {want}, got {got!r}.")
    return verdict(True, "Your encoder matches the tokenizer on every test name.", "")


def check_uniform_loss(answer, vocab_size=28):
    """Ch. 02: the loss of a model that gives every token the same probability."""
    if not_answered(answer, "Each token gets probability 1/vocab_size; the loss is -log of that."):
        return False
    want = math.log(vocab_size)
    return verdict(close_enough(answer, want, 1e-3), f"-log(1/{vocab_size}) = {want:.4f} nats: any "
                    "model that has learned something must do better.",
                    f"you have {answer!r}; it should be -log(1/{vocab_size}) (natural log).")


def bigram_baseline(train_docs, val_docs, tok, block_size=8):
    """The counting bigram model's loss on `val_docs`: the number later chapters must beat.

    Definition: every document is `tok.encode_doc(doc, block_size)` (<BOS> + chars + <EOS>,
    cropped to block_size tokens, exactly what the GPT trains on). Counts of each
    (previous, next) pair over the training documents, plus one for every pair (add-one
    smoothing), give p(next | previous). A document's loss is the mean over its positions of
    -log p(next | previous); the baseline is the mean of that over the validation documents,
    as `microgpt.train.evaluate` computes it for a GPT.
    """
    if not train_docs or not val_docs:
        raise ValueError("bigram_baseline needs non-empty training and validation documents")
    v = tok.vocab_size
    counts = [[1] * v for _ in range(v)]
    for doc in train_docs:
        ids = tok.encode_doc(doc, block_size)
        for a, b in zip(ids, ids[1:]):
            counts[a][b] += 1
    totals = [sum(row) for row in counts]
    total = 0.0
    for doc in val_docs:
        ids = tok.encode_doc(doc, block_size)
        nll = [-math.log(counts[a][b] / totals[a]) for a, b in zip(ids, ids[1:])]
        total += sum(nll) / len(nll)
    return total / len(val_docs)


def check_softmax(fn):
    """Ch. 03: fn(list of floats) returns probabilities, also for huge logits."""
    if not_answered(fn, "Subtract the max before exp, then divide by the sum."):
        return False
    for logits in ([1.0, 2.0, 3.0], [0.0], [1000.0, 1001.0, 999.0], [-5.0, -5.0]):
        got, err = run_answer(fn, logits)
        if err:
            return verdict(False, "", f"on {logits}: {err}" + (" (exp overflowed: subtract "
                            "the max first)" if "overflow" in err.lower() else ""))
        m = max(logits)
        want = [math.exp(x - m) for x in logits]
        want = [w / sum(want) for w in want]
        if (not isinstance(got, (list, tuple)) or len(got) != len(want)
                or not all(close_enough(g, w, 1e-9) for g, w in zip(got, want))):
            return verdict(False, "", f"softmax({logits}) should be "
                            f"{[round(w, 4) for w in want]}, you got {got!r}.")
    return verdict(True, "Right, and safe for large logits (1000 would overflow exp).", "")


def check_attention_head(fn):
    """Ch. 03: fn(q, ks, vs) on floats gives the same output as nn.attention_head."""
    if not_answered(fn, "Scores q·k/sqrt(head_dim) → softmax → weighted sum of the values."):
        return False
    q = [0.5, -1.0, 0.25]
    ks = [[1.0, 0.0, 2.0], [0.3, -0.7, 0.1], [-1.0, 1.5, 0.0]]
    vs = [[1.0, 2.0, 3.0], [0.0, -1.0, 0.5], [2.0, 0.0, -2.0]]
    for t in (1, 3):
        out, _ = attention_head([Value(x) for x in q], [[Value(x) for x in k] for k in ks[:t]],
                                [[Value(x) for x in v] for v in vs[:t]])
        want = [o.data for o in out]
        got, err = run_answer(fn, q, ks[:t], vs[:t])
        if err:
            return verdict(False, "", err)
        got = [g.data if isinstance(g, Value) else g for g in got] if isinstance(got, (list, tuple)) else got
        if (not isinstance(got, list) or len(got) != len(want)
                or not all(close_enough(g, w, 1e-9) for g, w in zip(got, want))):
            return verdict(False, "", f"with {t} position(s) expected "
                            f"{[round(w, 4) for w in want]}, got {got!r}. Did you scale by "
                            "sqrt(head_dim) before the softmax?")
    return verdict(True, "Your head matches microgpt.nn.attention_head.", "")


def check_attention_params(answer, n_embd=16):
    """Ch. 03: how many parameters one attention layer holds (attn_wq/wk/wv/wo)."""
    if not_answered(answer, "Four matrices, each n_embd × n_embd; heads split them, not add to them."):
        return False
    want = 4 * n_embd * n_embd
    return verdict(answer == want, f"4 × {n_embd} × {n_embd} = {want}, whatever n_head is.",
                    f"you have {answer!r}. Count attn_wq, attn_wk, attn_wv and attn_wo; "
                    "splitting into heads does not add parameters.")
