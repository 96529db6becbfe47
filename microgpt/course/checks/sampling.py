"""The exercise checkers of the sampling chapter (07).

Owns, in notebook order: `check_temperature_probs` (07.1, find the bug: a temperature
applied to the probabilities after the softmax, which then no longer add up to 1),
`check_temperature_limits` (07.2, predict the top token's probability at T = 0.01 and at
T = 100; the real values are shown once the prediction is right), `check_new_and_likely`
(07.3, experiment: a temperature whose 200 samples are mostly new names yet likely),
`check_top_p` (07.4, implement top-p from the idea of top-k) and `check_head_ablation` (07.5,
ablate: switch each attention head off and find the one the model needs most).

Every checker accepts any correct answer (floats, `Value`s or NumPy numbers; a renormalised
p ** (1/T) as well as softmax(logits / T); a loop, `sorted` or NumPy) and names the mistake
of the typical wrong ones: the first wrong answer hears what is wrong, the second also how to
fix it. The model and the tokenizer are passed in, duck-typed.

Imports: sample, training, course.checks.common.
"""
import random

from ...sample import generate, log_prob, next_token_probs
from ...training import evaluate
from .common import (
    as_floats,
    exercise,
    is_number,
    not_answered,
    rounded,
    run_answer,
    same_floats,
    same_int,
    short,
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
                return verdict(False, "", f"for logits {logits} at T = {t}: {err}.",
                               f"divided by T = {t} the logits reach {max(logits) / t:g}, and "
                               "exp overflows above 709.8: subtract the largest of the "
                               "divided logits before exp.")
            return verdict(False, "", f"for logits {logits} at T = {t}: {err}")
        raw, got = got, as_floats(got, len(want))
        if got is None:
            return verdict(False, "", f"for logits {logits} at T = {t} return a list of "
                           f"{len(want)} probabilities, got {short(raw)}.")
        if same_floats(got, want):
            continue
        probs = softmax_floats(logits)
        total = sum(got)
        if same_floats(got, probs):
            symptom, hint = (f"you return the T = 1 probabilities {rounded(probs)}: the "
                             "temperature has no effect.", "divide the logits by T before the "
                             "softmax.")
        elif same_floats(got, [p / t for p in probs]):
            symptom, hint = (f"they add up to {total:.4f}, not 1, and their ratios are the "
                             "T = 1 ones.", "dividing the probabilities by T scales them all "
                             "alike, so nothing sharpens or flattens: divide the logits, "
                             "before the softmax.")
        elif same_floats(got, [p ** (1 / t) for p in probs]):
            symptom, hint = (f"they add up to {total:.4f}, not 1.", "p ** (1/T) changes the "
                             "ratios as a temperature should, but nothing renormalises the "
                             "results: divide them by their sum.")
        elif same_floats(got, softmax_floats([x * t for x in logits])):
            symptom, hint = ("a low T flattens and a high T sharpens: the wrong way round.",
                             "divide the logits by T; you multiplied them.")
        elif abs(total - 1) > 1e-6:
            symptom, hint = (f"they add up to {total:.4f}, not 1.", "probabilities must add "
                             "up to 1: renormalise.")
        else:
            symptom, hint = ("the numbers differ from softmax(logits / T).", "compute "
                             "exp(x/T - max) / sum of exp(x/T - max) over the logits x.")
        return verdict(False, "", f"for logits {logits} at T = {t} expected {rounded(want)}, "
                       f"got {rounded(got)}: {symptom}", hint)
    return verdict(True, "Fixed: the temperature divides the logits, then one softmax "
                   "makes them add up to 1 (p ** (1/T) renormalised is the same thing). "
                   "Low T sharpens the distribution, high T flattens it.", "")


# ------------------------------------------------------------------ 07.2 predict the limits

def _limit_hint(name, answer, want, t, other):
    """How to think about the top probability at temperature t (the second wrong try's hint)."""
    if abs(answer - other) < 0.01:
        return (f"{name}: that is the other limit. Low T sharpens (the logits divided by 0.01 "
                "are 100 times further apart), high T flattens.")
    if abs(answer - 0.1327) < 0.005:
        return (f"{name}: that is the top probability at T = 1, and the temperature does change "
                f"it. Think of what dividing the logits by {t:g} does to their differences.")
    if t > 1:
        return (f"{name}: divided by {t:g}, all the logits are almost equal, so softmax gives "
                "each token almost the same share.")
    return (f"{name}: divided by {t:g}, the gaps between the logits grow {1 / t:g} times, so the "
            "top token takes almost everything.")


@exercise("07.2", "the top probability at T = 0.01 and 100", "predict")
def check_temperature_limits(p_cold, p_hot, logits, cold=0.01, hot=100.0):
    """The top token's probability at T = cold (≈ 1, ± 0.01) and at T = hot (≈ 1/28, ± 0.002)."""
    if not_answered(p_cold, "Write both predictions (numbers between 0 and 1) first.") or \
            not_answered(p_hot, "Write both predictions (numbers between 0 and 1) first."):
        return False
    for name, answer in (("p_cold", p_cold), ("p_hot", p_hot)):
        if not is_number(answer):
            return verdict(False, "", f"{name} should be a number, got {short(answer)}.")
    want_cold = max(next_token_probs(logits, cold))
    want_hot = max(next_token_probs(logits, hot))
    n = len(logits)
    seen = (f" The real values: {want_cold:.4f} at T = {cold:g}, {want_hot:.4f} at T = {hot:g} "
            f"(1/{n} = {1 / n:.4f}), against {max(next_token_probs(logits)):.4f} at T = 1.")
    wrong = [(name, answer, want, t, other) for name, answer, want, t, other in (
        ("p_cold", p_cold, want_cold, cold, want_hot), ("p_hot", p_hot, want_hot, hot, want_cold))
        if abs(answer - want) > (0.01 if name == "p_cold" else 0.002)]
    if wrong:                       # the real values are shown only once the prediction is right
        symptom = " ".join(f"your {name} is {answer:g}: too {'high' if answer > want else 'low'}."
                           for name, answer, want, _, _ in wrong)
        return verdict(False, "", symptom, " ".join(_limit_hint(*w) for w in wrong))
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
        return verdict(False, "", f"a temperature is a positive number, got {short(temperature)}.")
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
        return verdict(False, "", f"{got}: fewer than {min_new:.0%} new.", "cold samples stick "
                       "to the likeliest names, and those are often names of the data set.")
    return verdict(False, "", f"{got}: the mean log P is below {min_log_p:g}.", "hot samples "
                   "draw unlikely letters, so their log P falls.")


# ------------------------------------------------------------------ 07.4 top-p, implement

def top_p_reference(probs, p):
    """Keep the smallest set of most likely tokens whose probabilities add up to at least p
    (ties: the lower id first), zero the rest, renormalise."""
    order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
    keep, total = set(), 0.0
    for i in order:
        keep.add(i)
        total += probs[i]
        if total >= p:
            break
    return [probs[i] / total if i in keep else 0.0 for i in range(len(probs))]


def _top_p_cases(first_probs):
    """(probs, p) cases: hand-made ones whose cumulative sums are far from p, and the chapter's
    first-token distribution at several p."""
    hand = [([0.5, 0.3, 0.15, 0.05], 0.6), ([0.05, 0.15, 0.3, 0.5], 0.7),
            ([0.1, 0.6, 0.2, 0.1], 0.05), ([0.25, 0.25, 0.25, 0.25], 1.0),
            ([0.02, 0.9, 0.03, 0.05], 0.92)]
    return hand + [(list(first_probs), p) for p in (0.3, 0.75, 0.95)]


def _top_p_mistake(got, probs, p):
    """The symptom and the hint for a wrong top-p result, in the learner's terms."""
    kept = [i for i, g in enumerate(got) if g > 0]
    want = top_p_reference(probs, p)
    want_kept = [i for i, w in enumerate(want) if w > 0]
    mass = sum(probs[i] for i in kept)
    total = sum(got)
    if abs(total - 1) > 1e-6 and sorted(kept) == sorted(want_kept):
        return (f"the right tokens are kept, but they add up to {total:.4f}, not 1.",
                "divide the kept probabilities by their sum.")
    ascending = sorted(range(len(probs)), key=lambda i: probs[i])
    low = [i for k, i in enumerate(ascending) if sum(probs[j] for j in ascending[:k]) < p]
    if sorted(kept) == sorted(low) and sorted(low) != sorted(want_kept):
        return ("you kept the least likely tokens first.",
                "sort by probability from the largest down before adding up.")
    if kept and max(probs[i] for i in kept) < max(probs):
        return ("the most likely token was dropped.",
                "sort by probability from the largest down before adding up.")
    if sorted(kept) == sorted(i for i, q in enumerate(probs) if q >= p):
        return ("you kept every token whose own probability is at least p.",
                "top-p adds the largest probabilities up, one after another, until their sum "
                "reaches p; no single token has to reach p.")
    if len(kept) == len(want_kept) - 1 and set(kept) <= set(want_kept):
        return (f"the kept tokens hold {mass:.2f} of the probability, less than p = {p:g}.",
                "keep the token that makes the sum reach p, too: stop after adding it, not "
                "before.")
    if len(kept) == len(want_kept) + 1 and set(want_kept) <= set(kept):
        return (f"you kept {len(kept)} tokens where {len(want_kept)} already hold at least "
                f"p = {p:g}.", "stop as soon as the sum reaches p.")
    return (f"kept tokens {kept}, expected {want_kept}.",
            "sort the token ids by probability, largest first; add their probabilities until "
            "the sum reaches p; zero every other token; divide the kept ones by their sum.")


@exercise("07.4", "top-p (nucleus) sampling", "implement")
def check_top_p(fn, first_probs):
    """fn(probs, p) -> the top-p distribution: as long as probs, the kept ones renormalised."""
    if not_answered(fn, "Write keep_top_p(probs, p)."):
        return False
    for probs, p in _top_p_cases(first_probs):
        given = list(probs)
        got, err = run_answer(fn, given, p)
        if err:
            return verdict(False, "", f"for p = {p:g}: {err}")
        raw, got = got, as_floats(got, len(probs))
        if got is None:
            return verdict(False, "", f"for p = {p:g} you returned {short(raw)}: return a list as "
                           f"long as probs ({len(probs)} numbers), with 0.0 for the dropped "
                           "tokens, so that token ids stay where they are.")
        if given != list(probs):
            return verdict(False, "", "your function changed the list it was given.",
                           "build a new list; the caller may still need probs.")
        if p == 1.0 and same_floats(got, probs, 1e-9):
            continue                                   # p = 1 keeps every token
        if same_floats(got, top_p_reference(probs, p), 1e-9):
            continue
        symptom, hint = _top_p_mistake(got, probs, p)
        return verdict(False, "", f"for probs {short([round(q, 3) for q in probs], 50)} and "
                       f"p = {p:g}: {symptom}", hint)
    return verdict(True, "top-p keeps few tokens where the model is sure and many where it is "
                   "not: the cut adapts to the distribution, which top-k's fixed k cannot.", "")


# ------------------------------------------------------------------ 07.5 switch a head off, ablate

def head_columns(config, h):
    """The columns of attn_wo that read head h's output: h*head_dim to (h+1)*head_dim."""
    return range(h * config.head_dim, (h + 1) * config.head_dim)


def _loss_with_zeroed(model, tok, docs, values):
    """Mean loss over docs with these weight Values set to 0, then put back as they were."""
    saved = [v.data for v in values]
    try:
        for v in values:
            v.data = 0.0
        return evaluate(model, docs, tok)
    finally:
        for v, x in zip(values, saved):
            v.data = x


def loss_without_head_reference(model, tok, docs, h, layer=0):
    """Mean loss over docs with head h's output zeroed before attn_wo (weights restored)."""
    wo = model.state_dict[f"layer{layer}.attn_wo"]
    return _loss_with_zeroed(model, tok, docs,
                             [row[c] for row in wo for c in head_columns(model.config, h)])


def _weights(model):
    return [v.data for v in model.parameters()]


@exercise("07.5", "switch one head off", "ablate")
def check_head_ablation(fn, my_head, model, tok, docs, n_docs=8):
    """fn(model, tok, docs, h) -> the mean loss with head h off; my_head: the costliest head."""
    if not_answered(fn, "Write loss_without_head(model, tok, docs, h)."):
        return False
    docs = list(docs)[:n_docs]
    before = _weights(model)
    base = evaluate(model, docs, tok)
    costs = []
    for h in range(model.config.n_head):
        want = loss_without_head_reference(model, tok, docs, h)
        costs.append(want - base)
        got, err = run_answer(fn, model, tok, docs, h)
        if err:
            return verdict(False, "", f"for head {h}: {err}")
        if _weights(model) != before:
            _restore(model, before)
            return verdict(False, "", f"after loss_without_head(..., {h}) the model's weights "
                           "are not what they were, so every later measurement is off.",
                           "save the columns you zero and put them back before returning "
                           "(try/finally keeps them safe even if evaluate raises).")
        if not is_number(got):
            return verdict(False, "", f"for head {h} you returned {short(got)}: return the mean "
                           "loss as a number (evaluate gives one).")
        if abs(got - want) > 1e-6:
            if abs(got - base) < 1e-9:
                return verdict(False, "", f"for head {h} the loss is the untouched model's, "
                               f"{base:.4f}: nothing was switched off.",
                               "change the weights the forward pass reads: the Values' .data "
                               "in model.state_dict['layer0.attn_wo'], not a copy of them.")
            rows_instead = _rows_cost(model, tok, docs, h)
            if rows_instead is not None and abs(got - rows_instead) < 1e-6:
                return verdict(False, "", f"for head {h} you get {got:.4f}, expected "
                               f"{want:.4f}: you zeroed rows of attn_wo.",
                               "attn_wo's rows are its outputs; head h's output is read by "
                               "its columns h*head_dim to (h+1)*head_dim.")
            return verdict(False, "", f"for head {h} you get {got:.4f}, expected {want:.4f}.",
                           "zero the columns h*head_dim to (h+1)*head_dim of every row of "
                           "layer0.attn_wo, evaluate, then put them back.")
    worst = max(range(len(costs)), key=costs.__getitem__)
    if my_head is None:
        return verdict(False, "", "loss_without_head is right; now set my_head to the head "
                       "whose removal raises the loss most.")
    if not same_int(my_head, worst):
        return verdict(False, "", f"loss_without_head is right, but my_head = {short(my_head)} "
                       "is not the head that costs most.",
                       "print loss_without_head for every head and take the largest.")
    shown = ", ".join(f"head {h} +{c:.2f}" for h, c in enumerate(costs))
    return verdict(True, f"on {len(docs)} names: {shown}. The head that matters most is not "
                   "the one with the most striking pattern: where a head looks says little "
                   "about how much the rest of the model relies on what it reads.", "")


def _rows_cost(model, tok, docs, h):
    """The loss with rows (not columns) h*head_dim.. of attn_wo zeroed: a common slip."""
    wo = model.state_dict["layer0.attn_wo"]
    return _loss_with_zeroed(model, tok, docs,
                             [v for r in head_columns(model.config, h) for v in wo[r]])


def _restore(model, weights):
    for v, x in zip(model.parameters(), weights):
        v.data = x
