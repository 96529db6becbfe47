"""Sampling: next-token distributions, generation one token at a time, and beam search.

Owns: `check_rng` and `check_temperature` (what a sampler is given), `next_token_probs`
(softmax of logits / temperature, optionally cut to the `top_k` most likely tokens and
renormalised), `generate` (start from <BOS>, draw with `rng.choices` weighted by the
probabilities, stop at <EOS> or after block_size tokens — the seed's sampler),
`generate_steps`, which also returns each step's distribution for the course's bar charts,
`log_prob` (the log-probability the model gives a whole name, <EOS> included) and
`beam_search` (the `beam_width` most likely names it can find, with their
log-probabilities). With the defaults (temperature 1, no top-k) the sampler is the seed's.
A temperature so small that logits / temperature would overflow a float (1e-310, say) is
its limit: greedy, all the probability on the most likely token (shared by exact ties);
`low_temperature_limit` decides that for both engines (the tensor sampler calls it too).

Imports: nn, validate.
"""
import math
import sys

from .nn import softmax
from .validate import positive_number, whole_number


def check_temperature(temperature):
    return positive_number("temperature", temperature)


def check_rng(rng):
    """`rng` if it can draw (a random.Random); else a ValueError saying what to pass."""
    if not callable(getattr(rng, "choices", None)):
        raise ValueError(f"rng must be a random.Random, e.g. random.Random(0), got {rng!r}")
    return rng


def check_top_k(top_k):
    """None (no cut) or a whole number ≥ 1; a top_k at or above the vocabulary cuts nothing."""
    return None if top_k is None else whole_number("top_k", top_k)


def next_token_probs(logits, temperature=1.0, top_k=None):
    """Probabilities (floats) from a list of logit `Value`s at the given temperature.

    top_k: keep only the `top_k` most likely tokens (ties: the lower token id first) and
    renormalise them to sum to 1; every other token gets probability 0.
    """
    check_temperature(temperature)
    top_k = check_top_k(top_k)
    probs = (low_temperature_limit([x.data for x in logits], temperature)
             if temperature < 1.0 else None)
    if probs is None:
        if temperature != 1.0:
            logits = [x / temperature for x in logits]
        probs = [p.data for p in softmax(logits)]
    if top_k is None or top_k >= len(probs):
        return probs
    keep = sorted(range(len(probs)), key=lambda i: -probs[i])[:top_k]   # stable: ties by id
    total = sum(probs[i] for i in keep)
    cut = [0.0] * len(probs)
    for i in keep:
        cut[i] = probs[i] / total
    return cut


def low_temperature_limit(logits, temperature):
    """The greedy distribution if `logits` (floats) / `temperature` would overflow, else None.

    The temperature → 0 limit of the softmax: 1 on the largest logit, shared by exact ties.
    It applies when some logit / temperature (or 1 / temperature) would not be a finite float.

    >>> low_temperature_limit([1.0, 3.0, 3.0], 1e-310), low_temperature_limit([1.0, 3.0], 0.5)
    ([0.0, 0.5, 0.5], None)
    """
    if temperature >= 1.0:
        return None
    top = max(logits)
    biggest = max(top, -min(logits))
    if temperature >= 1e-300 and biggest < temperature * (sys.float_info.max / 4):
        return None
    winners = [x == top for x in logits]
    share = 1.0 / sum(winners)
    return [share if w else 0.0 for w in winners]


def generate_steps(model, tokenizer, rng, temperature=1.0, top_k=None):
    """The generated token ids and, per step, the distribution they were drawn from."""
    check_rng(rng)
    check_temperature(temperature)
    check_top_k(top_k)
    keys, values = model.empty_cache()
    token, tokens, dists = tokenizer.bos, [], []
    vocab = range(model.config.vocab_size)
    for pos in range(model.config.block_size):
        logits = model.forward(token, pos, keys, values)
        probs = next_token_probs(logits, temperature, top_k)
        token = rng.choices(vocab, weights=probs)[0]
        dists.append(probs)
        if token == tokenizer.eos:
            break
        tokens.append(token)
    return tokens, dists


def generate(model, tokenizer, rng, temperature=1.0, top_k=None):
    """One sample (a name) as a string. `rng` is a random.Random; top_k=1 is greedy."""
    tokens, _ = generate_steps(model, tokenizer, rng, temperature, top_k)
    return tokenizer.decode(tokens)


def _log(p):
    return math.log(p) if p > 0 else -math.inf


def log_prob(model, tokenizer, name):
    """log P(name) = the sum over steps of log P(next token), <EOS> included (in nats).

    A name of block_size letters or more is scored as the sampler would make it: its first
    block_size letters, with no <EOS> (generation stops when the block is full).
    """
    ids = tokenizer.encode(name)[:model.config.block_size]
    targets = ids + [tokenizer.eos]
    keys, values = model.empty_cache()
    token, total = tokenizer.bos, 0.0
    for pos, target in enumerate(targets[:model.config.block_size]):
        total += _log(next_token_probs(model.forward(token, pos, keys, values))[target])
        token = target
    return total


def beam_search(model, tokenizer, beam_width):
    """The most likely names beam search finds: [(name, log-probability)], best first.

    Keeps the `beam_width` most likely unfinished beginnings. At each position every one is
    extended by every token but <BOS> (it only starts a name); of all the extensions the
    `beam_width` most likely are kept, and those that end in <EOS> leave the beam as
    finished names. It stops when no beginning is left, when `beam_width` finished names all
    beat every beginning (extending only lowers a probability), or when the block is full (the
    beginnings still alive then count as names, as the sampler would output them).
    beam_width=1 is greedy decoding. Returns up to `beam_width` names.
    """
    beam_width = whole_number("beam_width", beam_width)
    block_size = model.config.block_size
    beams = [(0.0, [], model.empty_cache())]        # (log-probability, token ids, cache)
    finished = []
    for pos in range(block_size):
        candidates = []
        for score, ids, (keys, values) in beams:
            token = ids[-1] if ids else tokenizer.bos
            probs = next_token_probs(model.forward(token, pos, keys, values))
            candidates += [(score + _log(p), ids, t, keys, values)
                           for t, p in enumerate(probs) if t != tokenizer.bos]
        candidates.sort(key=lambda c: -c[0])       # stable: ties keep beam, then token order
        beams = []
        for score, ids, t, keys, values in candidates[:beam_width]:
            if t == tokenizer.eos:
                finished.append((tokenizer.decode(ids), score))
            else:                                   # its own copy: forward appends to it
                beams.append((score, ids + [t], ([list(k) for k in keys],
                                                 [list(v) for v in values])))
        finished.sort(key=lambda f: -f[1])
        if not beams or (len(finished) >= beam_width
                         and finished[beam_width - 1][1] >= beams[0][0]):
            break                                   # no beginning can enter the best any more
    else:                                           # the block is full: stop as the sampler does
        finished += [(tokenizer.decode(ids), score) for score, ids, _ in beams]
    finished.sort(key=lambda f: -f[1])
    return finished[:beam_width]
