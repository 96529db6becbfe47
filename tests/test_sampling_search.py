"""sample: top-k sampling, log_prob and beam search (greedy is top_k=1 and beam width 1)."""
import math
import random

import pytest

from microgpt import GPT, CharTokenizer, GPTConfig, generate, train
from microgpt.sample import beam_search, generate_steps, log_prob, next_token_probs

DOCS = ["anna", "bob", "carla", "dave", "eve", "frank"]


def trained(seed=0, steps=30):
    tok = CharTokenizer(DOCS)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=6),
                random.Random(seed))
    if steps:
        train(model, DOCS, tok, steps, 0.02)
    return model, tok


def greedy(model, tok):
    keys, values = model.empty_cache()
    token, ids, total = tok.bos, [], 0.0
    for pos in range(model.config.block_size):
        probs = next_token_probs(model.forward(token, pos, keys, values))
        token = max(range(len(probs)), key=probs.__getitem__)
        total += math.log(probs[token])
        if token == tok.eos:
            break
        ids.append(token)
    return tok.decode(ids), total


def first_logits(model, tok):
    keys, values = model.empty_cache()
    return model.forward(tok.bos, 0, keys, values)


def test_top_k_keeps_the_k_most_likely_renormalised():
    model, tok = trained()
    logits = first_logits(model, tok)
    full = next_token_probs(logits, 0.7)
    cut = next_token_probs(logits, 0.7, top_k=3)
    kept = sorted(range(len(full)), key=lambda i: -full[i])[:3]
    assert sum(p > 0 for p in cut) == 3 and sum(cut) == pytest.approx(1.0)
    total = sum(full[i] for i in kept)
    for i in kept:
        assert cut[i] == pytest.approx(full[i] / total)


@pytest.mark.parametrize("k", [None, "vocab", "more"])
def test_top_k_of_the_vocabulary_or_more_cuts_nothing(k):
    model, tok = trained()
    k = {"vocab": tok.vocab_size, "more": tok.vocab_size + 5}.get(k, k)
    logits = first_logits(model, tok)
    assert next_token_probs(logits, 1.3, top_k=k) == next_token_probs(logits, 1.3)
    names = [generate(model, tok, random.Random(5), 1.3, top_k=k) for _ in range(3)]
    assert names == [generate(model, tok, random.Random(5), 1.3) for _ in range(3)]


def test_top_k_1_is_greedy_whatever_the_seed_and_temperature():
    model, tok = trained()
    want, _ = greedy(model, tok)
    for seed, t in ((0, 1.0), (1, 2.0), (7, 0.3)):
        assert generate(model, tok, random.Random(seed), t, top_k=1) == want
    _, dists = generate_steps(model, tok, random.Random(0), top_k=1)
    assert all(sorted(d)[-1] == 1.0 and sum(d) == 1.0 for d in dists)


@pytest.mark.parametrize("k", [0, -1, 2.0, "3", True, float("nan")])
def test_bad_top_k_raises(k):
    model, tok = trained(steps=1)
    with pytest.raises(ValueError, match="top_k"):
        next_token_probs(first_logits(model, tok), top_k=k)
    with pytest.raises(ValueError, match="top_k"):
        generate(model, tok, random.Random(0), top_k=k)


@pytest.mark.parametrize("w", [0, 1.5, None, True])
def test_bad_beam_width_raises(w):
    model, tok = trained(steps=1)
    with pytest.raises(ValueError, match="beam_width"):
        beam_search(model, tok, w)


def test_log_prob_is_the_sum_of_the_steps_and_the_loss_times_the_steps():
    model, tok = trained()
    for name in [d for d in DOCS if len(d) + 2 <= 6] + [""]:     # whole, with <EOS>, in the block
        tokens = tok.encode_doc(name)
        assert log_prob(model, tok, name) == pytest.approx(-model.loss(tokens).data
                                                           * (len(tokens) - 1))


def test_beam_width_1_is_greedy_and_scores_match_log_prob():
    model, tok = trained()
    name, score = greedy(model, tok)
    assert beam_search(model, tok, 1) == [(name, pytest.approx(score))]
    for found, lp in beam_search(model, tok, 6):
        assert lp == pytest.approx(log_prob(model, tok, found))


def test_a_wide_beam_is_at_least_as_likely_as_greedy_and_sorted():
    for seed in (0, 1, 2):
        model, tok = trained(seed)
        _, greedy_lp = greedy(model, tok)
        results = beam_search(model, tok, 40)
        scores = [lp for _, lp in results]
        assert scores[0] >= greedy_lp - 1e-12 and scores == sorted(scores, reverse=True)
        assert len(results) <= 40 and len({n for n, _ in results}) == len(results)


def test_names_that_fill_the_block_are_scored_as_the_sampler_stops():
    model, tok = trained(steps=0)                 # untrained: long names are likely enough
    long = "annabo"                               # block_size 6: no <EOS> after 6 letters
    assert log_prob(model, tok, long) == pytest.approx(log_prob(model, tok, long + "bob"))
    results = beam_search(model, tok, 200)
    assert max(len(n) for n, _ in results) <= 6
    for found, lp in results:
        assert lp == pytest.approx(log_prob(model, tok, found))
