"""The exercise checkers of the sampling chapter.

Owns: `check_temperature_probs` (softmax of logits divided by a temperature) and
`check_greedy_name` (the name made by always taking the most likely token). The model and
the tokenizer are passed in, duck-typed.

Imports: checks.common.
"""
import math

from .common import close_enough, not_answered, run_answer, verdict


def check_temperature_probs(fn):
    """fn(logits as floats, temperature) -> probabilities of softmax(logits / T)."""
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
    """fn(model, tok) -> the name made by always taking the most likely token."""
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
