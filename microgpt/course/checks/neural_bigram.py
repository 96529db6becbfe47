"""The exercise checkers of the neural-bigram chapter (the first training loop).

Owns: the chapter's three exercises, registered as 03.1-03.3: `check_zero_matrix_grad`
(predict d loss / d W[prev][next] for one position of the all-zero matrix),
`check_step_loss` (derive the loss of a tiny batch after one step of gradient descent, by
hand) and `check_large_lr` (which outcome a much larger learning rate has, run and chosen).
Each wrong answer hears what is wrong first; the fix comes as a hint from the second try on.

Imports: course.checks.common.
"""
import math

from .common import check_choice, exercise, is_number, not_answered, short, verdict


def _near(answer, value, tol=1e-3):
    return abs(answer - value) < tol


@exercise("03.1", "predict a gradient", "predict")
def check_zero_matrix_grad(answer, vocab_size=28):
    """The gradient of one position's loss on the weight of its target, at the zero matrix."""
    if not_answered(answer, "Predict d loss / d W[e][m] as a number, then run the code to check."):
        return False
    if not is_number(answer):
        return verdict(False, "", f"give one number (a float), got {short(answer)}.")
    want = 1 / vocab_size - 1
    if _near(answer, want):
        return verdict(True, f"{want:.4f} = 1/{vocab_size} - 1: the probability the model gives "
                       "the target, minus 1.", "")
    known = [
        (-1.0, "-1 is close, but a little too low.",
         "the target's own probability counts too: the gradient is p(m) - 1, and at the zero "
         "matrix p(m) is not 0."),
        (-want, "right size, wrong sign.",
         "raising W[e][m] makes 'm' more likely, so the loss goes down: the gradient is "
         "negative."),
        (1 / vocab_size, f"{1 / vocab_size:.4f} is what the other weights of the row get, not "
                         "the target's own weight.",
         "each other weight gets its probability, 1/28; the target's weight gets its "
         "probability minus 1."),
        (0.0, "the loss does depend on W[e][m]: it is the logit of the target.",
         "write the loss as -log softmax(row)[m] and ask how it changes when that logit rises."),
    ]
    for value, symptom, hint in known:
        if _near(answer, value):
            return verdict(False, "", symptom, hint)
    side = "too high" if answer > want else "too low"
    return verdict(False, "", f"{answer:.4f} is {side}.", "at the zero matrix every probability "
                   "is 1/28; how does the loss change when the target's logit rises?")


# ---- 03.2 the loss after one step ---------------------------------------------------------

STEP_LR = 3.0
STEP_LOSS = math.log(2 + math.exp(-1.5))     # logits [-1, 0.5, 0.5] after the step


def step_loss(lr=STEP_LR):
    """The loss of the tiny case after one step: vocabulary 3, zero matrix, two positions
    after token 0 with targets 1 and 2; the row's gradient is [1/3, -1/6, -1/6]."""
    logits = [-lr / 3, lr / 6, lr / 6]
    total = sum(math.exp(x) for x in logits)
    return -(math.log(math.exp(logits[1]) / total) + math.log(math.exp(logits[2]) / total)) / 2


STEP_WRONG = [
    (math.log(3), "that is the loss before the step (ln 3): the step changes the row.",
     "the gradient of the row is the mean over the two positions of (probabilities - one-hot "
     "target); move the row by -3 times it and recompute the two losses."),
    (step_loss(2 * STEP_LR), "that is the loss after a step twice too large.",
     "the loss is the mean of the two positions, so the gradient is the mean of their "
     "gradients, not the sum: [1/3, -1/6, -1/6]."),
    (step_loss(-STEP_LR), "the loss went up: that is a step uphill.",
     "gradient descent subtracts learning_rate * gradient."),
    (step_loss(1.0), "that is the loss after a step of learning rate 1, not 3.",
     "multiply the gradient by the learning rate, 3, before subtracting it."),
    (math.log(2), "ln 2 is the best this batch allows (p = 1/2 for each target); one step "
                  "does not get there.",
     "after the step the row is [-1, 0.5, 0.5]: token 0 still keeps some probability."),
    (math.log(1 + 2 * math.exp(-3)), "that is the loss of one position after a step on that "
                                     "position alone.",
     "both positions use row 0, so both gradients go into it (their mean), and the loss is "
     "the mean of both positions' losses."),
    ((math.log(1 + 2 * math.exp(-3)) * 2 + 3) / 2, "that is what a step on the first "
                                                   "position alone would give.",
     "both positions use row 0, so the gradient of the batch is the mean of both positions' "
     "gradients."),
]


@exercise("03.2", "the loss after one step", "derive")
def check_step_loss(answer):
    """The mean loss of the tiny two-position batch after one step of learning rate 3."""
    if not_answered(answer, "Work out the loss after one step as a number, then run it to "
                            "check."):
        return False
    if not is_number(answer):
        return verdict(False, "", f"give one number (a float), got {short(answer)}.")
    if _near(answer, STEP_LOSS, 2e-3):
        return verdict(True, f"{STEP_LOSS:.4f} = ln(2 + e^-1.5): the row becomes [-1, 0.5, 0.5], "
                       "so each target gets 1/(2 + e^-1.5) = 0.4498, up from 1/3.", "")
    for value, symptom, hint in STEP_WRONG:
        if _near(answer, value, 2e-3):
            return verdict(False, "", f"{answer:.4f}: {symptom}", hint)
    side = "too high" if answer > STEP_LOSS else "too low"
    return verdict(False, "", f"{answer:.4f} is {side}.", "the gradient of one position's loss "
                   "on its row is probabilities - one-hot target; average it over the two "
                   "positions, step by -3 times it, and take the mean of the two new losses.")


# ---- 03.3 a much larger learning rate -----------------------------------------------------

LARGE_LR_WRONG = {
    "a": "look at the validation losses it returns: they never get near the baseline.",
    "b": "the losses are not just noisier: compare their size with the 3.3322 of the "
         "untrained model.",
    "d": "the run finishes without an error; look at the validation losses it returns.",
}


@exercise("03.3", "a much larger learning rate", "experiment")
def check_large_lr(answer):
    """Multiple choice: what training with learning_rate=1000 does (the answer is C)."""
    return check_choice(answer, "c", "Each step overshoots: the loss jumps far above the 3.3322 "
                        "of the untrained model and stays there.", LARGE_LR_WRONG)
