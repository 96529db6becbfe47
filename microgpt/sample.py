"""Sampling: next-token distributions and generation, one token at a time.

Owns: `next_token_probs` (softmax of logits / temperature) and `generate` (start from
<BOS>, draw with `rng.choices` weighted by the probabilities, stop at <EOS> or after
block_size tokens — the seed's sampler), and `generate_steps`, which also returns each
step's distribution for the course's bar charts.

Imports: model, tokenizer, nn.
"""
import math

from .nn import softmax


def check_temperature(temperature):
    if (isinstance(temperature, bool) or not isinstance(temperature, (int, float))
            or not math.isfinite(temperature) or temperature <= 0):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")


def next_token_probs(logits, temperature=1.0):
    """Probabilities (floats) from a list of logit `Value`s at the given temperature."""
    check_temperature(temperature)
    if temperature != 1.0:
        logits = [x / temperature for x in logits]
    return [p.data for p in softmax(logits)]


def generate_steps(model, tokenizer, rng, temperature=1.0):
    """The generated token ids and, per step, the distribution they were drawn from."""
    check_temperature(temperature)
    keys, values = model.empty_cache()
    token, tokens, dists = tokenizer.bos, [], []
    vocab = range(model.config.vocab_size)
    for pos in range(model.config.block_size):
        probs = next_token_probs(model.forward(token, pos, keys, values), temperature)
        token = rng.choices(vocab, weights=probs)[0]
        dists.append(probs)
        if token == tokenizer.eos:
            break
        tokens.append(token)
    return tokens, dists


def generate(model, tokenizer, rng, temperature=1.0):
    """One sample (a name) as a string. `rng` is a random.Random."""
    tokens, _ = generate_steps(model, tokenizer, rng, temperature)
    return tokenizer.decode(tokens)
