"""model: config validation, parameter layout, and the whole loss against finite differences."""
import dataclasses
import random

import pytest

from microgpt import legacy
from microgpt.engine import Value
from microgpt.legacy import legacy_backward_step
from microgpt.model import GPT, GPTConfig, count_params, param_shapes
from microgpt.nn import attention_head, linear, rmsnorm, softmax

from conftest import numeric_grad, small_model


def finite_difference_check(model, tokens, eps=1e-6):
    model.loss(tokens).backward()
    params = model.parameters()
    # every parameter of the embeddings (wpe's last row is unused: grad 0) and a sample of the rest
    n_emb = len(model.state_dict["wte"]) * 8 + len(model.state_dict["wpe"]) * 8
    sample = params[:n_emb] + random.Random(0).sample(params[n_emb:], 200)
    xs = [p.data for p in sample]

    def loss_at_xs():
        for p, x in zip(sample, xs):
            p.data = x
        return model.loss(tokens).data
    numerics = numeric_grad(loss_at_xs, xs, eps)
    loss_at_xs()                                    # the parameters as they were
    # relative error, floored so that zero gradients compare on an absolute scale
    return max(abs(p.grad - numeric) / max(1e-3, abs(p.grad) + abs(numeric))
               for p, numeric in zip(sample, numerics))


@pytest.mark.parametrize("kw", [dict(),
                                pytest.param(dict(n_layer=3, n_head=4), marks=pytest.mark.slow),
                                dict(n_layer=1, n_head=1)])
def test_whole_gpt_loss_gradient_matches_finite_differences(kw):
    model = small_model(**kw)
    assert finite_difference_check(model, [0, 2, 3, 5, 1]) < 1e-5


def test_the_seeds_unfused_graph_gives_the_same_loss_and_gradients():
    model = small_model()
    tokens = [0, 4, 2, 1]
    fused = model.loss(tokens)
    fused.backward()
    g_fused = [p.grad for p in model.parameters()]
    for p in model.parameters():
        p.grad = 0.0
    plain = legacy.loss(model, tokens)
    plain.backward()
    assert plain.data == fused.data
    assert [p.grad for p in model.parameters()] == pytest.approx(g_fused, rel=1e-10, abs=1e-14)


def test_legacy_backward_overcounts_embeddings_keys_and_values_only():
    exact = small_model(n_layer=1)
    legacy = small_model(n_layer=1)
    tokens = [0, 2, 3, 5, 1]
    exact.loss(tokens).backward()
    legacy_backward_step(legacy, tokens)
    for name in exact.state_dict:
        ge = [p.grad for row in exact.state_dict[name] for p in row]
        gl = [p.grad for row in legacy.state_dict[name] for p in row]
        same = gl == pytest.approx(ge, rel=1e-9, abs=1e-12)
        if name.split(".")[-1] in ("wte", "wpe", "attn_wk", "attn_wv"):
            assert not same, f"{name} should be over-counted by the seed's backward"
        else:
            assert same, f"{name} should stay exact under the seed's backward"


def test_demo_config_has_3648_parameters_in_state_dict_order():
    cfg = GPTConfig(vocab_size=28, n_embd=16, n_layer=1, n_head=4, block_size=8)
    model = GPT(cfg, random.Random(42))
    assert model.num_params == count_params(cfg) == len(model.parameters()) == 3648
    assert list(model.state_dict) == ["wte", "wpe", "layer0.attn_wq", "layer0.attn_wk",
                                      "layer0.attn_wv", "layer0.attn_wo", "layer0.mlp_fc1",
                                      "layer0.mlp_fc2"]
    assert all(p.data == 0.0 for row in model.state_dict["layer0.attn_wo"] for p in row)
    assert [(n, r, c) for n, r, c, _ in param_shapes(cfg)][-1] == ("layer0.mlp_fc2", 16, 64)


def test_initialisation_draws_one_gauss_per_entry_even_for_zero_std():
    cfg = GPTConfig(vocab_size=5, n_embd=4, n_layer=1, n_head=2, block_size=3)
    rng = random.Random(7)
    GPT(cfg, rng)
    ref = random.Random(7)
    for _ in range(cfg.vocab_size * 4 + 3 * 4 + 4 * 16 + 2 * 64):
        ref.gauss(0, 1)
    assert rng.random() == ref.random()


@pytest.mark.parametrize("kw,msg", [
    (dict(n_embd=15, n_head=4), "divisible by n_head"),
    (dict(n_embd=0), "n_embd must be at least 1"),
    (dict(n_layer=-1), "n_layer must be at least 1"),
    (dict(n_head=0), "n_head must be at least 1"),
    (dict(block_size=1), "block_size must be at least 2"),
    (dict(vocab_size=2), "vocab_size must be at least 3"),
    (dict(n_embd=16.0), "whole number"),
    (dict(n_layer=True), "whole number"),
])
def test_config_rejects_impossible_settings_with_advice(kw, msg):
    with pytest.raises(ValueError, match=msg):
        GPTConfig(**{"vocab_size": 28, **kw})


def test_gpt_says_what_to_pass_for_rng():
    cfg = GPTConfig(vocab_size=5)
    with pytest.raises(ValueError, match=r"rng must be a random.Random, e.g. GPT\(config, "
                                         r"random.Random\(42\)\), got 42"):
        GPT(cfg, 42)
    with pytest.raises(ValueError, match="exactly one of rng"):
        GPT(cfg)


def test_config_is_frozen():
    cfg = GPTConfig(vocab_size=28)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n_embd = 32


def test_loss_rejects_too_long_or_too_short_token_lists():
    model = small_model()
    with pytest.raises(ValueError, match="exceed block_size"):
        model.loss([0, 2, 3, 4, 5, 1])
    with pytest.raises(ValueError, match="at least 2 tokens"):
        model.loss([0])
    with pytest.raises(ValueError, match="outside the vocabulary"):
        model.loss([0, 9])


def test_a_12_layer_model_backpropagates_without_recursion_error():
    cfg = GPTConfig(vocab_size=6, n_embd=4, n_layer=12, n_head=2, block_size=8)
    model = GPT(cfg, random.Random(0))
    loss = model.loss([0, 2, 3, 4, 5, 2, 3, 1])
    loss.backward()
    assert any(p.grad != 0 for p in model.parameters())


def test_attention_is_causal_and_weights_sum_to_one():
    rng = random.Random(3)

    def vec():
        return [Value(rng.gauss(0, 1)) for _ in range(4)]
    q, keys, values = vec(), [vec(), vec()], [vec(), vec()]
    out, w = attention_head(q, keys, values)
    assert len(w) == 2 and sum(x.data for x in w) == pytest.approx(1.0)
    # adding a future position cannot change what the first position saw
    out1, _ = attention_head(q, keys[:1], values[:1])
    assert [o.data for o in out1] == pytest.approx([v.data for v in values[0]])


def test_nn_building_blocks():
    x = [Value(3.0), Value(4.0)]
    expected = [3 / 12.5 ** 0.5, 4 / 12.5 ** 0.5]
    assert [v.data for v in rmsnorm(x)] == pytest.approx(expected, rel=1e-6)
    assert sum(p.data for p in softmax(x)) == pytest.approx(1.0)
    w = [[Value(1.0), Value(2.0)], [Value(0.0), Value(-1.0)]]
    assert [v.data for v in linear(x, w)] == [11.0, -4.0]
    assert [v.data for v in legacy.linear(x, w)] == [11.0, -4.0]


def test_forward_records_attention_weights_per_layer_and_head():
    model = small_model()
    keys, values = model.empty_cache()
    record = []
    model.forward(0, 0, keys, values)
    model.forward(2, 1, keys, values, attn_record=record)
    assert len(record) == 2 and len(record[0]) == 2 and len(record[0][0]) == 2
    assert sum(record[1][1]) == pytest.approx(1.0)


def test_from_weights_round_trips_and_validates_shapes():
    model = small_model()
    clone = GPT.from_weights(model.config, model.weights())
    assert clone.weights() == model.weights()
    bad = model.weights()
    bad["wte"] = bad["wte"][:-1]
    with pytest.raises(ValueError, match="wte"):
        GPT.from_weights(model.config, bad)
