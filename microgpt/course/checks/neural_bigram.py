"""The exercise checkers of the neural-bigram chapter (the first training loop).

Owns: the chapter's three exercises, registered as 03.1-03.3: `check_zero_matrix_grad`
(predict d loss / d W[prev][next] for one position of the all-zero matrix), `check_gd_step`
(find the bugs of a gradient-descent step: it must go downhill and zero the gradients) and
`check_large_lr` (which outcome a much larger learning rate has, run and chosen).

Imports: engine, course.checks.common.
"""
from ...engine import Value
from .common import exercise, not_answered, run_answer, verdict


@exercise("03.1", "predict a gradient", "predict")
def check_zero_matrix_grad(answer, vocab_size=28):
    """The gradient of one position's loss on the weight of its target, at the zero matrix."""
    if not_answered(answer, "Predict d loss / d W[e][m] as a number, then run the code to check."):
        return False
    want = 1 / vocab_size - 1
    if not isinstance(answer, (int, float)) or isinstance(answer, bool):
        return verdict(False, "", f"give one number (a float), not {type(answer).__name__}.")
    if abs(answer - want) < 1e-3:
        return verdict(True, f"{want:.4f} = 1/{vocab_size} - 1: the probability the model gives "
                       "the target, minus 1.", "")
    hints = [
        (-1.0, "close, but the target's own probability counts too: the gradient is "
               "p(m) - 1, and at the zero matrix p(m) is not 0."),
        (-want, "right size, wrong sign: raising W[e][m] makes 'm' more likely, so the loss "
                "goes down, and the gradient is negative."),
        (1 / vocab_size, "that is the gradient of the other weights of the row (their "
                         "probability, 1/28); the target's own weight gets 1/28 - 1."),
        (0.0, "the loss does depend on W[e][m]: it is the target's logit."),
    ]
    for value, hint in hints:
        if abs(answer - value) < 1e-3:
            return verdict(False, "", hint)
    side = "too high" if answer > want else "too low"
    return verdict(False, "", f"{answer:.4f} is {side}. At the zero matrix every probability "
                   "is 1/28; how does the loss change when the target's logit rises?")


def _params(datas, grads):
    params = [Value(d) for d in datas]
    for p, g in zip(params, grads):
        p.grad = g
    return params


@exercise("03.2", "find the bugs", "find-the-bug")
def check_gd_step(fn):
    """fn(params, learning_rate) moves each p.data by -learning_rate * p.grad, zeroes p.grad."""
    if not_answered(fn, "Write fixed_step(params, learning_rate): step downhill, then zero "
                        "each gradient."):
        return False
    datas, grads = [1.0, -2.0, 0.5, 3.0], [0.5, -1.5, 0.0, 2.0]
    for lr in (0.1, 2.0):
        params = _params(datas, grads)
        _, err = run_answer(fn, params, lr)
        if err:
            return verdict(False, "", err)
        got = [p.data for p in params]
        want = [d - lr * g for d, g in zip(datas, grads)]
        moved_up = [d + lr * g for d, g in zip(datas, grads)]
        zeroed = all(p.grad == 0.0 for p in params)
        if _same(got, datas) and zeroed:
            return verdict(False, "", "the weights did not move: the gradients were zeroed "
                           "before they were used. Update first, then zero.")
        if _same(got, moved_up):
            return verdict(False, "", "the weights moved uphill: the gradient points to where "
                           "the loss grows, so subtract learning_rate * p.grad.")
        if _same(got, [d - g for d, g in zip(datas, grads)]) and lr != 1.0:
            return verdict(False, "", "the step ignores the learning rate: move by "
                           "learning_rate * p.grad.")
        if not _same(got, want):
            return verdict(False, "", f"with learning_rate={lr} the weights {datas} and "
                           f"gradients {grads} should become {want}, got {got}.")
        if not zeroed:
            return verdict(False, "", "the step goes downhill, but the gradients are still "
                           "there: backward() adds into .grad, so the next step would use the "
                           "sum of all the gradients so far. Set p.grad = 0.0.")
    return verdict(True, "Downhill, by learning_rate times the gradient, and every gradient "
                   "back at zero for the next backward().", "")


def _same(xs, ys):
    return all(abs(x - y) < 1e-12 for x, y in zip(xs, ys))


LARGE_LR_HINTS = {
    "A": "run it and look at the validation losses: do they get anywhere near the baseline?",
    "B": "look at the size of the losses, not only at their wiggles: compare them with the "
         "3.3322 of the untrained model.",
    "D": "the run finishes without an error; look at the validation losses it returns.",
}


@exercise("03.3", "a much larger learning rate", "experiment")
def check_large_lr(answer):
    """Multiple choice: what training with learning_rate=1000 does (the answer is C)."""
    if not_answered(answer, "Run the experiment, then set large_lr_outcome to 'A', 'B', 'C' "
                            "or 'D'."):
        return False
    letter = answer.strip().upper()[:1] if isinstance(answer, str) else ""
    if not letter or letter not in "ABCD":
        return verdict(False, "", f"answer with one letter, 'A', 'B', 'C' or 'D' (got {answer!r}).")
    return verdict(letter == "C", "Each step overshoots: the loss jumps far above the 3.3322 of "
                   "the untrained model and stays there.", LARGE_LR_HINTS.get(letter, ""))
