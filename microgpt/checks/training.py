"""The exercise checkers of the training chapter.

Owns: `check_lr_schedule` (a learning rate decaying linearly to 0) and `check_adam_update`
(one Adam step with bias correction, as `optim.Adam` takes it).

Imports: checks.common.
"""
from .common import close_enough, not_answered, run_answer, verdict


def check_lr_schedule(fn):
    """fn(step, num_steps, learning_rate), step 0-based, decays linearly to 0."""
    if not_answered(fn, "At step 0 the full learning rate, "
                        "then less by the same amount each step."):
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
    """fn(p, g, m, v, t, lr) -> (p, m, v) after one Adam step (t counts from 1)."""
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

