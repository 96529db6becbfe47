"""Sampling from the tensor GPT: `generate_tensor`, the draws of `sample.generate`.

Owns: `generate_tensor` (one name per call: the whole prefix through `forward` each step,
the next token by `rng.choices` over the softmax, as the scalar sampler draws it). A
temperature so small that logits / temperature would overflow (1e-310) is its limit, greedy,
as in `sample.next_token_probs`.

Imports: validate.
"""
import numpy as np

from ..validate import positive_number


def generate_tensor(model, tokenizer, rng, temperature=1.0):
    """One sample, drawn as `sample.generate` draws it (rng.choices over the softmax)."""
    temperature = positive_number("temperature", temperature)
    tokens = [tokenizer.bos]
    vocab = range(model.config.vocab_size)
    for _ in range(model.config.block_size):
        logits = model.forward(np.array([tokens])).data[0, -1].astype(np.float64)
        if temperature < 1.0 and (temperature < 1e-300 or np.abs(logits).max()
                                  >= temperature * (np.finfo(np.float64).max / 4)):
            probs = (logits == logits.max()).astype(np.float64)    # greedy: the T → 0 limit
        else:
            logits = logits / temperature
            probs = np.exp(logits - logits.max())
        token = rng.choices(vocab, weights=(probs / probs.sum()).tolist())[0]
        if token == tokenizer.eos:
            break
        tokens.append(token)
    return tokenizer.decode(tokens[1:])
