"""Exercise checkers for chapters 04–06: the transformer block, training and sampling.

Owns: `check_mlp`, `check_param_count`, `check_lr_schedule`, `check_adam_update`,
`check_temperature_probs` and `check_greedy_name`. Like every checker in `checks` (whose
`verdict`, `not_answered`, `close_enough` and `run_answer` they use), they print one
friendly line, treat `None` as "not answered yet", report an exception in the learner's
function as a verdict, and return True or False.

Imports: checks, engine, model.
"""
import math

from .checks import close_enough, not_answered, run_answer, verdict
from .engine import Value
from .model import GPTConfig, count_params


def check_mlp(fn):
    """Ch. 04: fn(x, w_fc1, w_fc2) on lists of Value: fc2 of the squared ReLU of fc1 of x."""
    if not_answered(fn, "h = linear(x, w_fc1); square the ReLU of each entry; return linear(h, w_fc2)."):
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
    if all(close_enough(g, w, 1e-9) for g, w in zip(got, plain)):
        return verdict(False, "", "that is a plain ReLU; square it: relu(h) ** 2.")
    return verdict(all(close_enough(g, w, 1e-9) for g, w in zip(got, want)),
                    "Expand to 4·n_embd, squared ReLU, project back: that is the MLP.",
                    f"expected {[round(w, 4) for w in want]}, got "
                    f"{[round(g, 4) if isinstance(g, (int, float)) else g for g in got]}.")


def check_param_count(fn):
    """Ch. 04: fn(vocab_size, n_embd, n_layer, block_size) counts the GPT's parameters."""
    if not_answered(fn, "wte + wpe + n_layer × (4 attention matrices + 2 MLP matrices)."):
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
    if not_answered(fn, "At step 0 the full learning rate, then less by the same amount each step."):
        return False
    for step, n, lr in ((0, 100, 0.01), (50, 100, 0.01), (99, 100, 0.01), (3, 4, 0.5)):
        want = lr * (1 - step / n)
        got, err = run_answer(fn, step, n, lr)
        if err:
            return verdict(False, "", err)
        if not close_enough(got, want, 1e-9):
            return verdict(False, "", f"at step {step} of {n} with learning rate {lr} "
                            f"expected {want:.6g}, got {got!r}.")
    return verdict(True, "lr · (1 − step/num_steps): full speed first, gentle at the end.", "")


def check_adam_update(fn):
    """Ch. 05: fn(p, g, m, v, t, lr) -> (p, m, v) after one Adam step (t counts from 1)."""
    if not_answered(fn, "Update m and v, divide them by (1 - beta**t), then step p."):
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
        if all(close_enough(a, b, 1e-9) for a, b in zip(got, want)):
            continue
        if close_enough(got[0], no_bias, 1e-9) and not close_enough(no_bias, want[0], 1e-9):
            hint = "m and v are right, but divide them by (1 - beta1**t) and (1 - beta2**t)."
        else:
            hint = (f"for p={p}, g={g}, m={m}, v={v}, t={t}, lr={lr} expected "
                    f"{tuple(round(x, 6) for x in want)}, got {got!r}.")
        return verdict(False, "", hint)
    return verdict(True, "That is Adam with bias correction, as microgpt.optim does it.", "")


def check_temperature_probs(fn):
    """Ch. 06: fn(logits as floats, temperature) -> probabilities of softmax(logits / T)."""
    if not_answered(fn, "Divide every logit by the temperature, then softmax (max subtracted)."):
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
                or not all(close_enough(g, w, 1e-9) for g, w in zip(got, want))):
            return verdict(False, "", f"for logits {logits} at temperature {t} expected "
                            f"{[round(w, 4) for w in want]}, got {got!r}.")
    return verdict(True, "Low T sharpens the distribution, high T flattens it.", "")


def check_greedy_name(fn, model, tok):
    """Ch. 06: fn(model, tok) -> the name made by always taking the most likely token."""
    if not_answered(fn, "Like generate, but take the argmax of the logits instead of drawing."):
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
