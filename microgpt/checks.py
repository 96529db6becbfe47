"""Exercise checkers for the notebooks: each prints a friendly one-line verdict.

Owns: the checkers the chapters' exercises call (`check_...`), the shared `verdict` and
`run_answer` helpers (also used by `checks_efficiency`), and `bigram_baseline`, the counting model's loss that later chapters draw as the
line to beat. A checker never raises on a learner's mistake: `None` means "not answered
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


def _not_answered(answer, hint):
    """True (after printing the hint) if the learner has not filled in the answer yet."""
    if answer is None:
        verdict(False, "", f"replace None with your answer. {hint}")
        return True
    return False


def _close(a, b, tol=1e-6):
    return isinstance(a, (int, float)) and not isinstance(a, bool) and abs(a - b) <= tol * max(1.0, abs(b))


def run_answer(fn, *args):
    """(result, None) or (None, a one-line description of the exception fn raised)."""
    try:
        return fn(*args), None
    except Exception as exc:    # the learner's code: report, never crash the notebook
        return None, f"your function raised {type(exc).__name__}: {exc}"


# ---- chapters 00–03 ----

def check_demo_param_count(answer):
    """Ch. 00: the number of parameters of the demo GPT, counted by hand."""
    if _not_answered(answer, "Add up rows × cols of every matrix: wte, wpe, and the 6 of the layer."):
        return False
    expected = count_params(GPTConfig(vocab_size=28, n_embd=16, n_layer=1, n_head=4, block_size=8))
    return verdict(answer == expected, f"{expected} parameters: wte 28×16 + wpe 8×16 + "
                    "4 attention matrices 16×16 + 2 MLP matrices 64×16.",
                    f"you have {answer!r}. Did you count all four attention matrices "
                    "(attn_wq, attn_wk, attn_wv, attn_wo) and both MLP matrices (64×16 each)?")


def check_numerical_grad(fn):
    """Ch. 01: fn(f, x) returns df/dx by nudging x (a finite difference)."""
    if _not_answered(fn, "Write numerical_grad(f, x) returning (f(x + h) - f(x - h)) / (2 * h)."):
        return False
    cases = [(lambda x: x ** 2, 3.0, 6.0), (lambda x: x ** 3 - 2 * x, -1.5, 4.75),
             (math.exp, 0.5, math.exp(0.5)), (lambda x: 7.0, 2.0, 0.0)]
    for f, x, want in cases:
        got, err = run_answer(fn, f, x)
        if err:
            return verdict(False, "", err)
        if not _close(got, want, 1e-4):
            return verdict(False, "", f"at x={x} the slope should be about {want:.4f}, "
                            f"you got {got!r}. Nudge x a little both ways and divide by the step.")
    return verdict(True, "Your finite difference matches the true slopes to 4 decimals.", "")


def check_tanh(fn):
    """Ch. 01: fn(v) builds tanh of a Value from exp and arithmetic, so backward works."""
    if _not_answered(fn, "tanh(x) = (exp(2x) - 1) / (exp(2x) + 1), built from Value operations."):
        return False
    for x in (-1.3, 0.0, 0.7, 2.0):
        v = Value(x)
        out, err = run_answer(fn, v)
        if err:
            return verdict(False, "", err)
        if not isinstance(out, Value):
            return verdict(False, "", f"return a Value (got {type(out).__name__}) so that "
                            "backward() can reach the input.")
        if not _close(out.data, math.tanh(x), 1e-9):
            return verdict(False, "", f"tanh({x}) should be {math.tanh(x):.4f}, you got {out.data:.4f}.")
        out.backward()
        if not _close(v.grad, 1 - math.tanh(x) ** 2, 1e-6):
            return verdict(False, "", f"the value is right but d tanh/dx at {x} came out "
                            f"{v.grad:.4f} instead of {1 - math.tanh(x) ** 2:.4f}.")
    return verdict(True, "Values and gradients match math.tanh and 1 - tanh².", "")


def check_zero_grad(fn):
    """Ch. 01: fn(root) resets .grad of every node below root, so backward() can run again."""
    if _not_answered(fn, "Walk the graph (root.topo_order() plus the leaves) and set .grad = 0.0."):
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
    if _not_answered(fn, "Use tok.stoi for each character and put tok.bos / tok.eos around them."):
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
    if _not_answered(answer, "Each token gets probability 1/vocab_size; the loss is -log of that."):
        return False
    want = math.log(vocab_size)
    return verdict(_close(answer, want, 1e-3), f"-log(1/{vocab_size}) = {want:.4f} nats: any "
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
    if _not_answered(fn, "Subtract the max before exp, then divide by the sum."):
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
                or not all(_close(g, w, 1e-9) for g, w in zip(got, want))):
            return verdict(False, "", f"softmax({logits}) should be "
                            f"{[round(w, 4) for w in want]}, you got {got!r}.")
    return verdict(True, "Right, and safe for large logits (1000 would overflow exp).", "")


def check_attention_head(fn):
    """Ch. 03: fn(q, ks, vs) on floats gives the same output as nn.attention_head."""
    if _not_answered(fn, "Scores q·k/sqrt(head_dim) → softmax → weighted sum of the values."):
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
                or not all(_close(g, w, 1e-9) for g, w in zip(got, want))):
            return verdict(False, "", f"with {t} position(s) expected "
                            f"{[round(w, 4) for w in want]}, got {got!r}. Did you scale by "
                            "sqrt(head_dim) before the softmax?")
    return verdict(True, "Your head matches microgpt.nn.attention_head.", "")


def check_attention_params(answer, n_embd=16):
    """Ch. 03: how many parameters one attention layer holds (attn_wq/wk/wv/wo)."""
    if _not_answered(answer, "Four matrices, each n_embd × n_embd; heads split them, not add to them."):
        return False
    want = 4 * n_embd * n_embd
    return verdict(answer == want, f"4 × {n_embd} × {n_embd} = {want}, whatever n_head is.",
                    f"you have {answer!r}. Count attn_wq, attn_wk, attn_wv and attn_wo; "
                    "splitting into heads does not add parameters.")


# ---- chapters 04–06 ----

def check_mlp(fn):
    """Ch. 04: fn(x, w_fc1, w_fc2) on lists of Value: fc2 of the squared ReLU of fc1 of x."""
    if _not_answered(fn, "h = linear(x, w_fc1); square the ReLU of each entry; return linear(h, w_fc2)."):
        return False
    x = [Value(a) for a in (0.5, -1.0, 2.0)]
    fc1 = [[Value(a) for a in row] for row in ([1.0, 0.5, -0.2], [-1.0, 0.3, 0.1],
                                                [0.2, 0.2, 0.2], [0.7, -0.4, -0.9])]
    fc2 = [[Value(a) for a in row] for row in ([0.5, -1.0, 2.0, 0.3], [1.0, 1.0, -0.5, 0.2],
                                                [-0.3, 0.4, 0.1, 1.5])]
    hidden = [sum(w.data * xi.data for w, xi in zip(row, x)) for row in fc1]
    want = [sum(w.data * max(h, 0.0) ** 2 for w, h in zip(row, hidden)) for row in fc2]
    plain = [sum(w.data * max(h, 0.0) for w, h in zip(row, hidden)) for row in fc2]
    got, err = run_answer(fn, x, fc1, fc2)
    if err:
        return verdict(False, "", err)
    got = [g.data if isinstance(g, Value) else g for g in got] if isinstance(got, (list, tuple)) else got
    if not isinstance(got, list) or len(got) != len(want):
        return verdict(False, "", f"return a list of {len(want)} numbers (one per row of "
                        f"w_fc2), got {got!r}.")
    if all(_close(g, w, 1e-9) for g, w in zip(got, plain)):
        return verdict(False, "", "that is a plain ReLU; square it: relu(h) ** 2.")
    return verdict(all(_close(g, w, 1e-9) for g, w in zip(got, want)),
                    "Expand to 4·n_embd, squared ReLU, project back: that is the MLP.",
                    f"expected {[round(w, 4) for w in want]}, got "
                    f"{[round(g, 4) if isinstance(g, (int, float)) else g for g in got]}.")


def check_param_count(fn):
    """Ch. 04: fn(vocab_size, n_embd, n_layer, block_size) counts the GPT's parameters."""
    if _not_answered(fn, "wte + wpe + n_layer × (4 attention matrices + 2 MLP matrices)."):
        return False
    for v, e, n_layer, b in ((28, 16, 1, 8), (28, 32, 2, 16), (50, 8, 3, 4), (10, 24, 4, 32)):
        want = count_params(GPTConfig(vocab_size=v, n_embd=e, n_layer=n_layer, n_head=1,
                                      block_size=b))
        got, err = run_answer(fn, v, e, n_layer, b)
        if err:
            return verdict(False, "", err)
        if got == want:
            continue
        if got == want + v * e:
            hint = "you counted an output matrix, but the head is tied to wte: no new parameters."
        else:
            hint = (f"for vocab_size={v}, n_embd={e}, n_layer={n_layer}, block_size={b} expected "
                    f"{want}, got {got!r}. Each layer has 4·n_embd² (attention) + 8·n_embd² (MLP).")
        return verdict(False, "", hint)
    return verdict(True, "vocab·n_embd + block_size·n_embd + 12·n_layer·n_embd², for any shape.", "")


def check_lr_schedule(fn):
    """Ch. 05: fn(step, num_steps, learning_rate), step 0-based, decays linearly to 0."""
    if _not_answered(fn, "At step 0 the full learning rate, then less by the same amount each step."):
        return False
    for step, n, lr in ((0, 100, 0.01), (50, 100, 0.01), (99, 100, 0.01), (3, 4, 0.5)):
        want = lr * (1 - step / n)
        got, err = run_answer(fn, step, n, lr)
        if err:
            return verdict(False, "", err)
        if not _close(got, want, 1e-9):
            return verdict(False, "", f"at step {step} of {n} with learning rate {lr} "
                            f"expected {want:.6g}, got {got!r}.")
    return verdict(True, "lr · (1 − step/num_steps): full speed first, gentle at the end.", "")


def check_adam_update(fn):
    """Ch. 05: fn(p, g, m, v, t, lr) -> (p, m, v) after one Adam step (t counts from 1)."""
    if _not_answered(fn, "Update m and v, divide them by (1 - beta**t), then step p."):
        return False
    b1, b2, eps = 0.9, 0.95, 1e-8
    for p, g, m, v, t, lr in ((1.0, 0.5, 0.0, 0.0, 1, 0.1), (-0.3, -2.0, 0.1, 0.2, 5, 0.01),
                              (2.0, 0.0, 0.3, 0.04, 3, 0.05)):
        m2, v2 = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        want = (p - lr * (m2 / (1 - b1 ** t)) / ((v2 / (1 - b2 ** t)) ** 0.5 + eps), m2, v2)
        no_bias = p - lr * m2 / (v2 ** 0.5 + eps)
        got, err = run_answer(fn, p, g, m, v, t, lr)
        if err:
            return verdict(False, "", err)
        if not (isinstance(got, (list, tuple)) and len(got) == 3):
            return verdict(False, "", f"return a tuple (p, m, v), got {got!r}.")
        if all(_close(a, b, 1e-9) for a, b in zip(got, want)):
            continue
        if _close(got[0], no_bias, 1e-9) and not _close(no_bias, want[0], 1e-9):
            hint = "m and v are right, but divide them by (1 - beta1**t) and (1 - beta2**t)."
        else:
            hint = (f"for p={p}, g={g}, m={m}, v={v}, t={t}, lr={lr} expected "
                    f"{tuple(round(x, 6) for x in want)}, got {got!r}.")
        return verdict(False, "", hint)
    return verdict(True, "That is Adam with bias correction, as microgpt.optim does it.", "")


def check_temperature_probs(fn):
    """Ch. 06: fn(logits as floats, temperature) -> probabilities of softmax(logits / T)."""
    if _not_answered(fn, "Divide every logit by the temperature, then softmax (max subtracted)."):
        return False
    for logits, t in (([1.0, 2.0, 3.0], 1.0), ([1.0, 2.0, 3.0], 0.5), ([0.0, 4.0], 2.0),
                      ([300.0, 200.0, 100.0], 0.1)):
        scaled = [x / t for x in logits]
        exps = [math.exp(x - max(scaled)) for x in scaled]
        want = [e / sum(exps) for e in exps]
        got, err = run_answer(fn, logits, t)
        if err:
            return verdict(False, "", f"on {logits} at T={t}: {err}")
        if (not isinstance(got, (list, tuple)) or len(got) != len(want)
                or not all(_close(g, w, 1e-9) for g, w in zip(got, want))):
            return verdict(False, "", f"for logits {logits} at temperature {t} expected "
                            f"{[round(w, 4) for w in want]}, got {got!r}.")
    return verdict(True, "Low T sharpens the distribution, high T flattens it.", "")


def check_greedy_name(fn, model, tok):
    """Ch. 06: fn(model, tok) -> the name made by always taking the most likely token."""
    if _not_answered(fn, "Like generate, but take the argmax of the logits instead of drawing."):
        return False
    keys, values = model.empty_cache()
    token, ids = tok.bos, []
    for pos in range(model.config.block_size):
        logits = [x.data for x in model.forward(token, pos, keys, values)]
        token = max(range(len(logits)), key=logits.__getitem__)
        if token == tok.eos:
            break
        ids.append(token)
    want = tok.decode(ids)
    got, err = run_answer(fn, model, tok)
    if err:
        return verdict(False, "", err)
    return verdict(got == want, f"the greedy name is {want!r}: always the same, no surprises.",
                    f"expected {want!r}, got {got!r}. Start from tok.bos at position 0 and "
                    "stop at tok.eos or after block_size tokens.")
