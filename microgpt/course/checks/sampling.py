"""The exercise checkers of the sampling chapter (07).

Owns, in notebook order: `check_temperature_probs` (07.1, find the bug: a temperature
applied to the probabilities after the softmax, which then no longer add up to 1),
`check_temperature_limits` (07.2, predict the top token's probability at T = 0.01 and at
T = 100, then see them), `check_new_and_likely` (07.3, experiment: a temperature whose 200
samples are mostly new names yet likely), `check_greedy_name` (07.4, the name made by always
taking the most likely token, checked on the chapter's model and on a second one) and
`check_wide_beam` (07.5, ablate: why the widest beam returns the empty name).

Every checker accepts any correct answer (floats, `Value`s or NumPy numbers; a renormalised
p ** (1/T) as well as softmax(logits / T); argmax by `max`, `index`, NumPy or a loop) and
names the mistake of the typical wrong ones. The model and the tokenizer are passed in,
duck-typed.

Imports: model, sample, course.checks.common.
"""
import random

from ...model import GPT, param_shapes
from ...sample import generate, log_prob, next_token_probs
from .common import (
    as_floats,
    check_choice,
    exercise,
    is_number,
    not_answered,
    rounded,
    run_answer,
    same_floats,
    softmax_floats,
    verdict,
)

# ------------------------------------------------------------------ 07.1 temperature, find the bug

TEMPERATURE_CASES = (([1.0, 2.0, 3.0], 1.0), ([1.0, 2.0, 3.0], 0.5), ([0.0, 4.0], 2.0),
                     ([2.0, 2.0, -1.0], 3.0), ([300.0, 200.0, 100.0], 0.1))


@exercise("07.1", "the temperature after the softmax", "find-the-bug")
def check_temperature_probs(fn):
    """fn(logits as floats, temperature) -> the probabilities softmax(logits / T)."""
    if not_answered(fn, "Fix probs_at (do not replace it with None)."):
        return False
    for logits, t in TEMPERATURE_CASES:
        want = softmax_floats([x / t for x in logits])
        got, err = run_answer(fn, list(logits), t)
        if err:
            if "overflow" in err.lower() or "range" in err.lower():
                return verdict(False, "", f"for logits {logits} at T = {t}: {err}. Divided "
                               f"by T = {t} the logits reach {max(logits) / t:g}, and exp "
                               "overflows above 709.8: subtract the largest of the divided "
                               "logits before exp.")
            return verdict(False, "", f"for logits {logits} at T = {t}: {err}")
        raw, got = got, as_floats(got)
        if got is None or len(got) != len(want):
            return verdict(False, "", f"for logits {logits} at T = {t} return a list of "
                           f"{len(want)} probabilities, got {raw!r}.")
        if same_floats(got, want):
            continue
        probs = softmax_floats(logits)
        total = sum(got)
        if same_floats(got, probs):
            hint = (f"at T = {t} you return the T = 1 probabilities {rounded(probs)}: the "
                    "temperature has no effect. Divide the logits by it before the softmax.")
        elif same_floats(got, [p / t for p in probs]):
            hint = ("you divided the probabilities by T: that scales them all alike, so nothing "
                    f"sharpens or flattens, and they add up to {total:.4f}, not 1. Divide the "
                    "logits, before the softmax.")
        elif same_floats(got, [p ** (1 / t) for p in probs]):
            hint = (f"they add up to {total:.4f}, not 1: p ** (1/T) changes the ratios as a "
                    "temperature should, but nothing renormalises the results, so they are "
                    "no longer a distribution.")
        elif same_floats(got, softmax_floats([x * t for x in logits])):
            hint = ("you multiplied the logits by T: then a low T flattens and a high T "
                    "sharpens, the wrong way round. Divide them by T.")
        elif abs(total - 1) > 1e-6:
            hint = f"they add up to {total:.4f}: probabilities must add up to 1."
        else:
            hint = "compare with softmax(logits / T): exp(x/T - max) / sum of exp(x/T - max)."
        return verdict(False, "", f"for logits {logits} at T = {t} expected {rounded(want)}, "
                       f"got {rounded(got)}: {hint}")
    return verdict(True, "Fixed: the temperature divides the logits, then one softmax "
                   "makes them add up to 1 (p ** (1/T) renormalised is the same thing). "
                   "Low T sharpens the distribution, high T flattens it.", "")


# ------------------------------------------------------------------ 07.2 predict the limits

def _limit_hint(name, answer, want, t, other):
    """The hint for a prediction `answer` of the top probability at temperature t."""
    side = "too high" if answer > want else "too low"
    if abs(answer - other) < 0.01:
        return (f"your {name} is {answer:g}, {side}: that is the other limit. Low T sharpens "
                "(the logits divided by 0.01 are 100 times further apart), high T flattens.")
    if abs(answer - 0.1327) < 0.005:
        return (f"your {name} is {answer:g}, the top probability at T = 1: the temperature "
                f"does change it. Think of what dividing the logits by {t:g} does to their "
                "differences.")
    if t > 1:
        return (f"your {name} is {answer:g}, {side}. Divided by {t:g}, all 28 logits are "
                "almost equal, so softmax gives each almost the same share: about 1/28.")
    return (f"your {name} is {answer:g}, {side}. Divided by {t:g}, the gaps between the "
            "logits grow 100 times, so the top token takes almost everything.")


@exercise("07.2", "the top probability at T = 0.01 and 100", "predict")
def check_temperature_limits(p_cold, p_hot, logits, cold=0.01, hot=100.0):
    """The top token's probability at T = cold (≈ 1, ± 0.01) and at T = hot (≈ 1/28, ± 0.002)."""
    if not_answered(p_cold, "Write both predictions (numbers between 0 and 1) first.") or \
            not_answered(p_hot, "Write both predictions (numbers between 0 and 1) first."):
        return False
    for name, answer in (("p_cold", p_cold), ("p_hot", p_hot)):
        if not is_number(answer):
            return verdict(False, "", f"{name} should be a number, got {answer!r}.")
    want_cold = max(next_token_probs(logits, cold))
    want_hot = max(next_token_probs(logits, hot))
    n = len(logits)
    seen = (f" The real values: {want_cold:.4f} at T = {cold:g}, {want_hot:.4f} at T = {hot:g} "
            f"(1/{n} = {1 / n:.4f}), against {max(next_token_probs(logits)):.4f} at T = 1.")
    hints = []
    if abs(p_cold - want_cold) > 0.01:
        hints.append(_limit_hint("p_cold", p_cold, want_cold, cold, want_hot))
    if abs(p_hot - want_hot) > 0.002:
        hints.append(_limit_hint("p_hot", p_hot, want_hot, hot, want_cold))
    if hints:
        return verdict(False, "", " ".join(hints) + seen)
    return verdict(True, "T -> 0 gives the top token everything (greedy); T -> infinity gives "
                   f"every token the same share, 1/{n}: random letters." + seen, "")


# ------------------------------------------------------------------ 07.3 experiment: new, likely

def _new_and_likely(temperature, model, tok, train_docs, val_docs, n=200, seed=2024):
    """(share of the n samples that are new names, their mean log P) at `temperature`."""
    rng = random.Random(seed)
    samples = [generate(model, tok, rng, temperature) for _ in range(n)]
    known = set(train_docs) | set(val_docs)
    new = sum(s not in known for s in samples) / n
    mean_lp = sum(log_prob(model, tok, s) for s in samples) / n
    return new, mean_lp


@exercise("07.3", "a temperature for new and likely names", "experiment")
def check_new_and_likely(temperature, model, tok, train_docs, val_docs,
                         min_new=0.80, min_log_p=-14.0):
    """200 samples (seed 2024) at `temperature`: at least 80 % new, mean log P at least -14."""
    if not_answered(temperature, "Set my_temperature to the temperature you found."):
        return False
    if not is_number(temperature) or temperature <= 0:
        return verdict(False, "", f"a temperature is a positive number, got {temperature!r}.")
    if temperature > 10:
        return verdict(False, "", f"at T = {temperature:g} the samples are random letters, "
                       "nothing like names; look between 0.3 and 1.5.")
    new, mean_lp = _new_and_likely(temperature, model, tok, train_docs, val_docs)
    got = (f"at T = {temperature:g}: {new:.0%} of the 200 samples are new names, mean log P "
           f"{mean_lp:.2f}")
    if new >= min_new and mean_lp >= min_log_p:
        return verdict(True, f"{got}. Colder gives fewer new names, hotter gives less likely "
                       "ones: a temperature a little below 1 buys both.", "")
    if new < min_new and mean_lp < min_log_p:
        return verdict(None, "", f"{got}: both too low, which the chapter's model never "
                       "gives; run the chapter's cells from the top and pass its model.")
    if new < min_new:
        return verdict(False, "", f"{got}: fewer than {min_new:.0%} new. Cold samples stick to "
                       "the likeliest names, and those are often names of the data set: raise T.")
    return verdict(False, "", f"{got}: below {min_log_p:g}. Hot samples draw unlikely letters, "
                   "so their log P falls: lower T.")


# ------------------------------------------------------------------ 07.4 the greedy name

def _greedy(model, tok, pick=max):
    """The name made by taking `pick` (max: the most likely, ties to the lower id) each step."""
    keys, values = model.empty_cache()
    token, ids = tok.bos, []
    for pos in range(model.config.block_size):
        logits = [x.data for x in model.forward(token, pos, keys, values)]
        token = pick(range(len(logits)), key=logits.__getitem__)
        if token == tok.eos:
            break
        ids.append(token)
    return tok.decode(ids)


def _no_eos_greedy(model, tok):
    """Greedy that never stops at <EOS> (takes the best other token instead)."""
    keys, values = model.empty_cache()
    token, ids = tok.bos, []
    for pos in range(model.config.block_size):
        logits = [x.data for x in model.forward(token, pos, keys, values)]
        token = max((i for i in range(len(logits)) if i not in (tok.eos, tok.bos)),
                    key=logits.__getitem__)
        ids.append(token)
    return tok.decode(ids)


def _other_model(model, seed=7, std=0.5):
    """A GPT of the same shape with random weights: a name written out cannot pass on it."""
    rng = random.Random(seed)
    weights = {name: [[rng.gauss(0, std) for _ in range(cols)] for _ in range(rows)]
               for name, rows, cols, _ in param_shapes(model.config)}
    return GPT.from_weights(model.config, weights)


@exercise("07.4", "the greedy name", "implement")
def check_greedy_name(fn, model, tok):
    """fn(model, tok) -> the name made by always taking the most likely token."""
    if not_answered(fn, "Like my_generate, but take the most likely token instead of drawing."):
        return False
    want = _greedy(model, tok)
    how = ("Start from tok.bos at position 0 with model.empty_cache(), take the most likely "
           "token (no random draw), feed it back at the next position, and stop at tok.eos "
           "or after block_size tokens.")
    got, err = run_answer(fn, model, tok)
    if err:
        if "'<' not supported" in err or "'>' not supported" in err:
            return verdict(False, "", f"{err}: logits are Values, which do not compare; "
                           "compare their .data.")
        if "outside the vocabulary" in err and "token id" in err:
            return verdict(False, "", f"{err}: tok.decode wants plain Python ints (NumPy's "
                           "argmax gives a NumPy integer: int(np.argmax(...))).")
        return verdict(False, "", f"{err}. {how}")
    if isinstance(got, (list, tuple)):
        return verdict(False, "", f"you returned {got!r}; return the name as a string: "
                       "tok.decode(ids).")
    again, err = run_answer(fn, model, tok)
    if not err and again != got:
        return verdict(False, "", f"two calls gave two names, {got!r} and {again!r}: greedy "
                       "leaves nothing to chance. Do you draw at random (rng.choices) instead "
                       "of taking the most likely token, or reuse a key/value cache from an "
                       "earlier call? Start from model.empty_cache() inside the function.")
    if got != want:
        if got == _greedy(model, tok, min):
            hint = "that is the name of the least likely tokens: take the max, not the min."
        elif got == _no_eos_greedy(model, tok):
            hint = "you never stop at <EOS>: when the most likely token is tok.eos, the name ends."
        elif isinstance(got, str) and ("<" in got or "." in got):
            hint = "leave <BOS> and <EOS> out of the name: tok.decode(ids) of the letters only."
        else:
            hint = how
        return verdict(False, "", f"expected {want!r}, got {got!r}: {hint}")
    other = _other_model(model)
    other_want = _greedy(other, tok)
    other_got, err = run_answer(fn, other, tok)
    if err or other_got != other_want:
        return verdict(False, "", f"right for this model, but on a model of the same shape with "
                       f"other weights it gave {other_got if err is None else err!r} instead of "
                       f"{other_want!r}: compute the name from the model passed in, do not "
                       "write it out.")
    return verdict(True, f"the greedy name is {want!r}: the same at every run, no surprises.", "")


# ------------------------------------------------------------------ 07.5 the widest beam, ablate

WIDE_BEAM_WRONG = {
    "a": "beam search has no bug here: the exact best-first search of the chapter, which is "
         "sure to find the most likely name, finds the empty name first too. The model itself "
         "gives <EOS> probability 0.0064 right after <BOS>.",
    "c": "beam search draws nothing at random: the same width gives the same names every time. "
         "What changed is how many beginnings survive the first step.",
    "d": "no training name is empty: the shortest has 2 letters. The model never saw '' and "
         "still gives it the largest probability of any single name.",
    "e": "it is the other way round: every step adds a log-probability below 0, so each "
         "letter makes a name less likely, and log P favours short names.",
}


@exercise("07.5", "why the widest beam returns ''", "ablate")
def check_wide_beam(answer):
    """Multiple choice: why width 32 returns '' (b: the most likely name, kept by width 32)."""
    return check_choice(answer, "b", "<EOS> is only the 25th most likely first token, so a beam "
                        "of 16 drops it at the first step; a beam of 32 keeps every first "
                        "token, and '' (one step, 5.04 nats) beats every real name, which pays "
                        "for several steps. A perfect search gives '' every time: to invent "
                        "varied names of realistic length we sample.", WIDE_BEAM_WRONG)
