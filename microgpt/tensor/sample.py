"""Sampling from the tensor GPT: `generate_tensor`, the draws of `sample.generate`.

Owns: `generate_tensor` (one name per call: the whole prefix through `forward` each step,
the next token by `rng.choices` over the softmax, as the scalar sampler draws it). A
temperature so small that logits / temperature would overflow (1e-310) is its limit, greedy:
`sample.low_temperature_limit` decides it for both engines.

Imports: sample.
"""
import numpy as np

from ..sample import check_rng, check_temperature, low_temperature_limit


def generate_tensor(model, tokenizer, rng, temperature=1.0):
    """One sample, drawn as `sample.generate` draws it (rng.choices over the softmax)."""
    check_rng(rng)
    temperature = check_temperature(temperature)
    tokens = [tokenizer.bos]
    vocab = range(model.config.vocab_size)
    for _ in range(model.config.block_size):
        logits = model.forward(np.array([tokens])).data[0, -1].astype(np.float64)
        probs = (low_temperature_limit(logits.tolist(), temperature)
                 if temperature < 1.0 else None)
        if probs is None:
            logits = logits / temperature
            probs = np.exp(logits - logits.max())
            probs = (probs / probs.sum()).tolist()
        token = rng.choices(vocab, weights=probs)[0]
        if token == tokenizer.eos:
            break
        tokens.append(token)
    return tokenizer.decode(tokens[1:])
