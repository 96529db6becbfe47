"""Sampling and the tensor engine at their edges (issue 13): a temperature so small that
logits / temperature overflow is greedy on both engines; the tensor engine checks learning
rates and token ids as the scalar one does."""
import math
import random

import pytest

from microgpt.model import GPTConfig
from microgpt.sample import generate
from microgpt.tokenizer import CharTokenizer

from conftest import tiny_gpt


@pytest.fixture(scope="module")
def tiny():
    return tiny_gpt()


@pytest.mark.parametrize("temperature", [1e-310, 5e-324, 1e-300, 1e-200])
def test_a_tiny_temperature_is_greedy_in_generate(tiny, temperature):
    model, tok = tiny
    greedy = generate(model, tok, random.Random(1), top_k=1)
    assert generate(model, tok, random.Random(2), temperature) == greedy


def test_a_tiny_temperature_is_greedy_in_generate_tensor(tiny):
    pytest.importorskip("numpy")
    from microgpt.tensor.model import TensorGPT
    from microgpt.tensor.sample import generate_tensor
    model, tok = tiny
    tmodel = TensorGPT.from_gpt(model)
    greedy = generate(model, tok, random.Random(1), top_k=1)
    for temperature in (1e-310, 5e-324):
        assert generate_tensor(tmodel, tok, random.Random(2), temperature) == greedy


def test_tensor_engine_checks_learning_rate_and_token_ids(docs):
    np = pytest.importorskip("numpy")
    from microgpt.tensor.model import TensorGPT
    from microgpt.tensor.optim import TensorAdam
    from microgpt.tensor.training import train_tensor
    tok = CharTokenizer(docs)
    model = TensorGPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2),
                      random.Random(0))
    for lr in (0, -0.01, math.nan, math.inf):
        with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
            TensorAdam(model.parameters(), lr)
        with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
            train_tensor(model, docs, tok, 1, learning_rate=lr)
    with pytest.raises(ValueError, match="learning_rate must be a number"):
        TensorAdam(model.parameters(), "0.01")
    v = tok.vocab_size
    for bad in (-1, v, 10**6):
        with pytest.raises(ValueError, match=rf"token {bad} is outside the vocabulary "
                                             rf"\(0..{v - 1}\)"):
            model.forward(np.array([[0, bad]]))
        with pytest.raises(ValueError, match=f"token {bad} is outside the vocabulary"):
            model.loss([[0, 2, bad]])
    with pytest.raises(ValueError, match="token ids must be whole numbers"):
        model.forward(np.array([[0, 2.5]]))
    with pytest.raises(ValueError, match="token ids must be whole numbers, got 2.5"):
        model.loss([[0, 2.5, 1]])
