"""The exercise checkers of the transformer-block chapter.

Owns: `check_mlp` (the block's MLP: fc2 of the squared ReLU of fc1) and `check_param_count`
(the GPT's parameters for any shape).

Imports: checks.common, engine, model.
"""
from ..engine import Value
from ..model import GPTConfig, count_params
from .common import close_enough, not_answered, run_answer, verdict


def check_mlp(fn):
    """fn(x, w_fc1, w_fc2) on lists of Value: fc2 of the squared ReLU of fc1 of x."""
    if not_answered(fn, "h = linear(x, w_fc1); square the ReLU of each entry; "
                        "return linear(h, w_fc2)."):
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
    if isinstance(got, (list, tuple)):
        got = [g.data if isinstance(g, Value) else g for g in got]
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
    """fn(vocab_size, n_embd, n_layer, block_size) counts the GPT's parameters."""
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
    return verdict(True, "vocab·n_embd + block_size·n_embd + 12·n_layer·n_embd², "
                   "for any shape.", "")

