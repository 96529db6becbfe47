"""The exercise checkers of the start-here chapter (the tour of the finished GPT).

Owns: `check_double_n_embd_params` (predict: the demo GPT's parameter count with n_embd 32
instead of 16), `check_untrained_loss` (predict: the loss of the first training step, taken
by the untrained model) and `check_unused_position` (multiple choice: whether the never-used
position 7 of `wpe` moves with ten times more training).

Imports: model, course.checks.common.
"""
import math

from ...model import GPTConfig, count_params
from .common import check_choice, exercise, is_number, not_answered, verdict

DEMO = dict(vocab_size=28, n_layer=1, n_head=4, block_size=8)


def _params(n_embd):
    return count_params(GPTConfig(n_embd=n_embd, **DEMO))


@exercise("00.1", "parameters with n_embd 32", "predict")
def check_double_n_embd_params(answer):
    """The demo GPT's parameter count with n_embd = 32 (everything else unchanged): 13440."""
    if not_answered(answer, "Write the total number of parameters as a whole number."):
        return False
    want, before = _params(32), _params(16)             # 13440 and 3648
    if not is_number(answer) or answer != int(answer):
        return verdict(False, "", f"the answer is a count, a whole number (got {answer!r}).")
    if answer == want:
        return verdict(True, f"{want} = 28×32 + 8×32 + 4×(32×32) + 2×(128×32): wte and wpe "
                       "grow 2× (one side is n_embd), the six layer matrices 4× (both sides "
                       f"are n_embd or 4·n_embd), so {before} becomes {want / before:.2f}× as "
                       "many.", "")
    hints = {
        2 * before: "doubling every matrix is not enough: the attention and MLP matrices have "
                    "n_embd (or 4·n_embd) on BOTH sides, so they grow 4×.",
        4 * before: "only the layer's matrices grow 4×; wte (vocab_size × n_embd) and wpe "
                    "(block_size × n_embd) have n_embd on one side only and grow 2×.",
        28 * 32 + 8 * 32 + 4 * 32 * 32 + 2 * 64 * 32:
            "the two MLP matrices are 4·n_embd × n_embd and n_embd × 4·n_embd: with n_embd = "
            "32 that is 128×32 each (not 64×32), 8192 together.",
        28 * 32 + 8 * 32 + 3 * 32 * 32 + 2 * 128 * 32:
            "there are four attention matrices: attn_wq, attn_wk, attn_wv and attn_wo.",
    }
    if answer in hints:
        return verdict(False, "", f"{int(answer)} is not it: {hints[answer]}")
    side = "too high" if answer > want else "too low"
    return verdict(False, "", f"{int(answer)} is {side}. Write each matrix's rows × columns with "
                   "n_embd = 32 (wte, wpe, 4 attention matrices, 2 MLP matrices) and add them up.")


FIRST_STEP_LOSS = 3.3325    # losses[0] of the demo: the untrained model on its first name


@exercise("00.2", "the loss of the untrained model", "predict")
def check_untrained_loss(answer):
    """The demo's first training loss, taken before any update (about ln 28)."""
    if not_answered(answer, "Write the loss you expect for step 1 as a number "
                            "(a rough value is enough, within 0.05)."):
        return False
    if not is_number(answer):
        return verdict(False, "", f"the answer should be a number, got {answer!r}.")
    if abs(answer - FIRST_STEP_LOSS) <= 0.05:
        return verdict(True, f"Step 1 had loss {FIRST_STEP_LOSS:.4f}, and ln 28 = "
                       f"{math.log(28):.4f}: small random weights give almost the same "
                       "probability, 1/28, to every token, so the untrained model is the "
                       "uniform guess.", "")
    if answer > FIRST_STEP_LOSS:
        return verdict(False, "", f"{answer:g} is too high. The weights start small, so all 28 "
                       "scores are nearly equal and each token gets about 1/28: what is "
                       "-ln(1/28)? (Worse than uniform would need confidently wrong weights.)")
    if answer >= 2.6:
        why = ("that is where training ended after 200 steps; before the first update the "
               "model has learned nothing yet.")
    else:
        why = "no model that knows nothing can beat guessing each of the 28 tokens equally."
    return verdict(False, "", f"{answer:g} is too low: {why}")


@exercise("00.3", "the never-used position after more training", "predict")
def check_unused_position(answer):
    """Multiple choice: position 7's row of wpe after 2000 steps (right: 'a')."""
    return check_choice(
        answer, "a",
        "Its gradient is exactly 0 at every step (no training pair has an input at position "
        "7 when block_size is 8), and Adam moves a weight only by its own gradients: 2000 "
        "steps or 2 million, the row stays as it was drawn.",
        {"b": "the other rows did not move because of many steps, but because they had "
              "gradients. Position 7 gets a gradient of exactly 0 at every step, and 0 added "
              "up any number of times is 0.",
         "c": "Adam keeps a separate running average per parameter, built only from that "
              "parameter's own gradients; position 7's are all 0, so nothing carries over "
              "from the other rows.",
         "d": "a gradient of 0 cannot push a weight anywhere, let alone far: the row does not "
              "move at all."})
