"""The exercise checkers of the attention chapter.

Owns: `check_softmax` (probabilities from logits, safe for huge ones), `check_attention_head`
(one head on floats, against `nn.attention_head`) and `check_attention_params` (the
parameters of one attention layer).

Imports: checks.common, engine, nn.
"""
import math

from ..engine import Value
from ..nn import attention_head
from .common import close_enough, not_answered, run_answer, verdict


def check_softmax(fn):
    """fn(list of floats) returns probabilities, also for huge logits."""
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
    """fn(q, ks, vs) on floats gives the same output as nn.attention_head."""
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
        if isinstance(got, (list, tuple)):
            got = [g.data if isinstance(g, Value) else g for g in got]
        if (not isinstance(got, list) or len(got) != len(want)
                or not all(close_enough(g, w, 1e-9) for g, w in zip(got, want))):
            return verdict(False, "", f"with {t} position(s) expected "
                            f"{[round(w, 4) for w in want]}, got {got!r}. Did you scale by "
                            "sqrt(head_dim) before the softmax?")
    return verdict(True, "Your head matches microgpt.nn.attention_head.", "")


def check_attention_params(answer, n_embd=16):
    """How many parameters one attention layer holds (attn_wq/wk/wv/wo)."""
    if not_answered(answer, "Four matrices, each n_embd × n_embd; "
                            "heads split them, not add to them."):
        return False
    want = 4 * n_embd * n_embd
    return verdict(answer == want, f"4 × {n_embd} × {n_embd} = {want}, whatever n_head is.",
                    f"you have {answer!r}. Count attn_wq, attn_wk, attn_wv and attn_wo; "
                    "splitting into heads does not add parameters.")
