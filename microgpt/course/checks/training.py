"""The exercise checkers of the training chapter (06).

Owns, in notebook order: `check_one_step_loss` (06.1, predict the loss of a tiny softmax
after one Adam step; `one_step_loss` measures it with the package's `Adam`),
`diagnosis_runs` and `check_curve_diagnosis` (06.2, four short runs of the tensor engine,
each with one thing wrong or nothing: name what is wrong from their curves),
`check_adam_travel` (06.3, predict how far Adam moves a parameter with a steady gradient
over a whole scheduled run), `check_short_run` (06.4, experiment: a learning rate and at
most 200 steps that bring the chapter's GPT below a validation loss of 2.68; the checker
trains it) and `check_sgd_scaled` (06.5, ablate: what gradients 1000 times too large do to
SGD).

A prediction's verdict never shows the measured answer before the prediction is right:
a wrong one hears "too high"/"too low", and from the second try a hint.

Imports: engine, model, nn, optim, training, tensor.model, tensor.training,
course.checks.common.
"""
import random

from ...engine import Value
from ...model import GPT, GPTConfig
from ...nn import softmax
from ...optim import Adam, lr_at
from ...training import TrainingDiverged, evaluate, train
from .common import check_choice, exercise, is_number, not_answered, same_str, short, verdict


def _float(x):
    """x as a float if it is a real number (NumPy scalars too), else None."""
    if hasattr(x, "item") and callable(x.item) and not isinstance(x, (int, float)):
        try:
            x = x.item()
        except (TypeError, ValueError):
            return None
    return float(x) if is_number(x) else None


def _prediction(prediction, ask):
    """The prediction as a float; or None, once the learner has been told why it is not one
    (still None: `ask`; not a number: what it was)."""
    if not_answered(prediction, ask):
        return None
    guess = _float(prediction)
    if guess is None:
        verdict(False, "", f"the answer should be a number, got {short(prediction)}.")
    return guess


# ------------------------------------------------------------------ 06.1 predict one step

def one_step_loss(logits=(0.0, 0.0, 0.0, 0.0), target=2, learning_rate=1.0):
    """The loss -log softmax(logits)[target] after one step of the package's Adam."""
    w = [Value(x) for x in logits]
    loss = -softmax(w)[target].log()
    loss.backward()
    Adam(w, learning_rate=learning_rate).step(learning_rate)
    return -softmax(w)[target].log().data


@exercise("06.1", "the loss after one Adam step", "predict")
def check_one_step_loss(prediction):
    """prediction: the loss after one Adam step at lr 1.0 (log(1 + 3e^-2) = 0.3408), ±0.005."""
    guess = _prediction(prediction, "Write your prediction as a number: the loss after the step.")
    if guess is None:
        return False
    want = one_step_loss()
    if abs(guess - want) <= 0.005:
        return verdict(True, f"Measured: {want:.4f}. Adam's first step moves every logit by "
                       "exactly lr against its gradient's sign: the target's up by 1, the "
                       "three others down by 1, so the target's logit leads by 2 and the loss "
                       "is log(1 + 3e^-2).", "")
    side = "too high" if guess > want else "too low"
    if abs(guess - 1.3863) <= 0.005:
        hint = ("that is the loss before the step, log 4. The step changes the logits: by "
                "how much does Adam's first step move each one?")
    elif abs(guess - 0.7437) <= 0.005:
        hint = ("that is a lead of 1 for the target's logit: SGD's step, or Adam moving only "
                "the target's logit. Adam's first step moves every logit whose gradient is "
                "not 0 by exactly lr, the others included.")
    elif abs(guess - 0.7112) <= 0.005:
        hint = "that looks like the target's probability; the loss is -log of it."
    elif guess <= 0:
        hint = "a cross-entropy loss is never below 0: -log p with p at most 1."
    else:
        hint = ("find the gradient's sign for each logit (softmax minus one-hot), move every "
                "logit by lr = 1 against it, then compute -log softmax at the target.")
    return verdict(False, "", f"{guess:g} is {side}.", hint)


# ------------------------------------------------------------------ 06.2 read the curves

DIAGNOSES = {"a": "the learning rate is too high at the start",
             "b": "the learning rate is too low",
             "c": "overfitting",
             "d": "nothing: a healthy run"}
# panel k of the figure -> (its diagnosis, its settings: learning rate, names, batch size)
_PANELS = (("c", 0.02, 24, 24), ("b", 0.0003, None, 32), ("d", 0.02, None, 32),
           ("a", 0.2, None, 32))
_LOOK = {"a": "look at its first steps: the loss shoots far above where every run starts "
              "(log 28 = 3.33) before it comes back down",
         "b": "look at the scale of its y-axis: after 120 steps the loss has hardly left 3.33",
         "c": "compare its two curves: the training loss falls while the validation loss "
              "climbs",
         "d": "both of its curves fall together, and its validation loss ends the lowest of "
              "the four"}


def diagnosis_runs(train_docs, val_docs, tok, num_steps=120, every=20):
    """Four runs of the tensor engine (n_embd 16, seed 0), one per panel of exercise 06.2:
    [(training losses, [(step, loss on 100 validation names)])], panel order."""
    from ...tensor.model import TensorGPT
    from ...tensor.training import evaluate_tensor, train_tensor
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=16, n_layer=1, n_head=4, block_size=16)
    runs = []
    for _, lr, n_names, batch in _PANELS:
        model = TensorGPT(cfg, random.Random(0))
        val = [(0, evaluate_tensor(model, val_docs[:100], tok))]

        def on_step(step, n, loss, model=model, val=val):
            if step % every == 0:
                val.append((step, evaluate_tensor(model, val_docs[:100], tok)))

        docs = train_docs[:n_names] if n_names else train_docs
        runs.append((train_tensor(model, docs, tok, num_steps, lr, batch_size=batch,
                                  callback=on_step), val))
    return runs


@exercise("06.2", "read the training curves", "find-the-bug")
def check_curve_diagnosis(answer):
    """answer: four letters, the diagnosis of panels 1-4 in order ("cbda")."""
    key = "".join(d for d, *_ in _PANELS)
    if not_answered(answer, "Write four letters in quotes, one per panel, e.g. \"abcd\"."):
        return False
    if not isinstance(answer, str):
        return verdict(False, "", "write your answer as four letters in quotes, one per "
                       f"panel, e.g. \"abcd\"; got {short(answer)}.")
    letters = "".join(ch for ch in str.lower(answer) if not ch.isspace() and ch not in ",;-")
    if len(letters) != 4 or any(ch not in DIAGNOSES for ch in letters):
        return verdict(False, "", f"{short(answer)} is not four letters from a, b, c, d "
                       "(one per panel, in order).")
    if same_str(letters, key):
        return verdict(True, "panel 1 memorises its 24 names (overfitting), panel 2 crawls at "
                       "a rate of 0.0003, panel 3 is healthy, and panel 4 starts at 0.2: its "
                       "first steps throw the model far off before the falling schedule "
                       "saves it.", "")
    wrong = [k for k in range(4) if letters[k] != key[k]]
    said = "; ".join(f"panel {k + 1} is not '{DIAGNOSES[letters[k]]}'" for k in wrong)
    hint = "; ".join(f"panel {k + 1}: {_LOOK[key[k]]}" for k in wrong)
    return verdict(False, "", f"{said}.", hint + ".")


# ------------------------------------------------------------------ 06.3 predict Adam's travel

def adam_travel(gradient=0.001, num_steps=300, learning_rate=0.01):
    """How far the package's Adam moves one parameter whose gradient is always `gradient`,
    over a run of `num_steps` with the linear schedule."""
    p = Value(1.0)
    opt = Adam([p], learning_rate=learning_rate)
    for k in range(num_steps):
        p.grad = gradient
        opt.step(lr_at(k, num_steps, learning_rate))
    return abs(1.0 - p.data)


@exercise("06.3", "how far Adam moves a parameter", "predict")
def check_adam_travel(prediction):
    """prediction: the total distance, within 0.01 of the real 1.505 (for gradient 0.001)."""
    guess = _prediction(prediction, "Write your prediction as a number: the total distance "
                                    "the parameter moves over the 300 steps.")
    if guess is None:
        return False
    want = adam_travel()
    if abs(guess - want) <= 0.01:
        return verdict(True, f"Adam moved it {want:.4f}: each step moves it by that step's "
                       "learning rate (m_hat / sqrt(v_hat) = 1 for a steady gradient), and the "
                       "300 rates add up to 0.01 · 150.5 = 1.505, whatever the gradient.", "")
    sgd = 0.001 * 0.01 * 150.5
    if guess <= 0:
        hint = "a distance is positive: how far does the parameter move in total?"
    elif abs(guess - 0.01) <= 0.002:
        hint = "that is one step. Add up all 300 steps, each moving by its own learning rate."
    elif abs(guess - sgd) <= 0.2 * sgd or guess < 0.05:
        hint = ("that is about what SGD would do, whose step is lr · gradient. Adam divides "
                "the gradient by its own typical size, so each step moves about lr.")
    elif abs(guess - 3.0) <= 0.05:
        hint = ("300 steps of 0.01 would be 3.0, but the schedule shrinks the learning rate "
                "from 0.01 to almost 0: on average it is about half.")
    elif guess > want:
        hint = ("each step moves the parameter by that step's learning rate, which "
                "falls linearly from 0.01 to 0.01/300.")
    else:
        hint = ("Adam's step does not depend on the gradient's size: each step moves "
                "the parameter by that step's learning rate, and they add up.")
    return verdict(False, "", f"{guess:g} is too {'high' if guess > want else 'low'}.", hint)


# ------------------------------------------------------------------ 06.4 experiment: a short run

TARGET, MAX_STEPS = 2.68, 200


def _chapter_config(tok):
    return GPTConfig(vocab_size=tok.vocab_size, n_embd=16, n_layer=1, n_head=4, block_size=16)


@exercise("06.4", "a short run below 2.68", "experiment")
def check_short_run(learning_rate, num_steps, train_docs, val_docs, tok):
    """Train GPT(cfg, Random(42)) with the chapter's train for num_steps (at most 200) at
    learning_rate; pass if its loss on val_docs[:50] is below 2.68."""
    if learning_rate is None or num_steps is None:
        not_answered(None, f"Set my_lr and my_steps (at most {MAX_STEPS} steps).")
        return False
    lr, steps = _float(learning_rate), num_steps
    if lr is None or lr <= 0:
        return verdict(False, "", f"my_lr should be a positive number, got {short(learning_rate)}.")
    if isinstance(steps, float) and steps.is_integer():
        steps = int(steps)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        return verdict(False, "", f"my_steps should be a whole number of steps, got "
                       f"{short(num_steps)}.")
    if steps > MAX_STEPS:
        return verdict(False, "", f"{steps} steps is more than the budget of {MAX_STEPS}: the "
                       "chapter's 300 steps at 0.01 already reach 2.62; the task is to get "
                       "below 2.68 with fewer.")
    model = GPT(_chapter_config(tok), random.Random(42))
    try:
        train(model, train_docs, tok, steps, learning_rate=lr)
    except TrainingDiverged:
        return verdict(False, "", f"at learning rate {lr:g} the run diverged (a probability "
                       "reached 0): the steps are far too large. Look at the sweep again.")
    val = evaluate(model, val_docs[:50], tok)
    if val < TARGET:
        return verdict(True, f"{steps} steps at learning rate {lr:g}: validation loss {val:.4f}, "
                       f"below {TARGET}. A short run needs larger steps than a long one.", "")
    if lr <= 0.012:
        why = ("with so small a learning rate the model cannot get far in so few steps: "
               "the sweep found 0.01 to 0.03 best after only 80 steps, so try larger.")
    elif lr >= 0.05:
        why = ("the steps are too large: the sweep's loss rose again above 0.03, try a "
               "smaller rate.")
    elif steps < 150:
        why = "use more of the 200 steps: each step is one more name learned from."
    else:
        why = "close: try a learning rate a little different, between 0.015 and 0.04."
    return verdict(False, "", f"{steps} steps at learning rate {lr:g} reached a validation loss "
                   f"of {val:.4f}, not below {TARGET}: {why}")


# ------------------------------------------------------------------ 06.5 ablate: SGD and size

@exercise("06.5", "gradients 1000 times too large, with SGD", "ablate")
def check_sgd_scaled(answer):
    """Multiple choice: b (SGD's step is lr · grad, so 1000x the gradient is 1000x the step)."""
    return check_choice(
        answer, "b",
        "SGD's step is lr · grad, so 1000 times the gradient is 1000 times the step: run "
        "with SGD at 1.0, this change diverges at step 3 (a probability reaches 0). Adam "
        "divides by sqrt(v_hat), which grew 1000 times as well, so only the direction counts.",
        {"a": "SGD's step is lr · grad: it follows the size as well as the direction. Only "
              "Adam divides by the gradient's running size (section 2's two lone parameters).",
         "c": "a step 1000 times larger than the best learning rate's is not a stronger "
              "signal, it overshoots: SGD's step is lr · grad, and 1.0 was already the best "
              "rate in the sweep.",
         "d": "Adam's step is lr · m_hat / sqrt(v_hat); multiply every gradient by 1000 and "
              "both m_hat and sqrt(v_hat) grow 1000 times, so the step is the same. No luck "
              "needed."})
