"""The tensor engine: finite-difference checks of every op, and the tensor GPT against the
scalar GPT (same loss, same gradients, same Adam steps) to 1e-10 relative in float64."""
import importlib.util
import os
import random

import numpy as np
import pytest

from microgpt import GPT, Adam, CharTokenizer, GPTConfig, split_names, train
from microgpt.nn import RMSNORM_EPS
from microgpt.tensor.checkpoint import load_npz, save_npz
from microgpt.tensor.engine import Tensor, unbroadcast
from microgpt.tensor.model import RMSNORM_EPS as TENSOR_EPS
from microgpt.tensor.model import TensorGPT, make_batch
from microgpt.tensor.optim import TensorAdam
from microgpt.tensor.sample import generate_tensor
from microgpt.tensor.training import evaluate_tensor, train_step_tensor, train_tensor
from microgpt.training import TrainingDiverged, evaluate

from conftest import ROOT, numeric_grad, random_weights

DEMO = GPTConfig(vocab_size=28, n_embd=16, n_layer=1, n_head=4, block_size=8)
DEEP = GPTConfig(vocab_size=28, n_embd=8, n_layer=2, n_head=2, block_size=8)
NAMES = ["emma", "al", "christopher", "bo", "olivia"]     # short, cropped, and in between


def fd_check(build, *shapes, positive=False, seed=0):
    """build(*tensors) -> Tensor; checks autograd against finite differences of sum(out·r)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(0.5, 2.0, s) if positive else rng.normal(size=s) for s in shapes]
    probe = None

    def f():
        nonlocal probe
        out = build(*[Tensor(a) for a in arrays]).data
        if probe is None:
            probe = rng.normal(size=out.shape)   # a random direction makes every grad count
        return float((out * probe).sum())
    f()
    tensors = [Tensor(a) for a in arrays]
    out = build(*tensors)
    (out * Tensor(probe)).sum().backward()
    for t, a in zip(tensors, arrays):
        expected = numeric_grad(f, a)
        assert t.grad is not None and t.grad.shape == a.shape
        np.testing.assert_allclose(t.grad, expected, rtol=1e-6, atol=1e-8)


OPS = {
    "add": (lambda a, b: a + b, [(3, 4), (3, 4)]),
    "add_broadcast": (lambda a, b: a + b, [(2, 3, 4), (4,)]),
    "add_broadcast_ones": (lambda a, b: a + b, [(2, 3, 4), (2, 1, 4)]),
    "sub": (lambda a, b: a - b, [(3, 4), (1, 4)]),
    "rsub": (lambda a: 2.0 - a, [(3,)]),
    "mul_broadcast": (lambda a, b: a * b, [(2, 3, 4), (3, 1)]),
    "neg": (lambda a: -a, [(5,)]),
    "matmul_2d": (lambda a, b: a @ b, [(3, 4), (4, 5)]),
    "matmul_weight": (lambda a, b: a @ b.T, [(2, 3, 4), (5, 4)]),
    "matmul_batched": (lambda a, b: a @ b, [(2, 2, 3, 4), (2, 2, 4, 3)]),
    "matmul_broadcast": (lambda a, b: a @ b, [(2, 3, 4), (1, 4, 2)]),
    "exp": (lambda a: a.exp(), [(3, 4)]),
    "relu_squared": (lambda a: a.relu() ** 2, [(4, 5)]),
    "sum_all": (lambda a: a.sum(), [(3, 4)]),
    "sum_axis": (lambda a: a.sum(axis=1), [(2, 3, 4)]),
    "mean_keepdims": (lambda a: a.mean(axis=-1, keepdims=True), [(2, 3, 4)]),
    "reshape": (lambda a: a.reshape(4, 6) * a.reshape(4, 6), [(2, 3, 4)]),
    "transpose": (lambda a: a.transpose(0, 2, 1), [(2, 3, 4)]),
    "T": (lambda a: a.T, [(3, 4)]),
    "gather_rows": (lambda a: a[np.array([[0, 2, 2], [1, 0, 2]])], [(3, 4)]),
    "slice": (lambda a: a[:2], [(4, 3)]),
    "softmax": (lambda a: a.softmax(axis=-1), [(2, 5)]),
    "softmax_causal": (lambda a: a.softmax(axis=-1, mask=np.tri(4, dtype=bool)), [(2, 4, 4)]),
    "cross_entropy": (lambda a: a.cross_entropy(np.array([[1, 0, 3], [2, 2, 0]]),
                                                np.array([[0.5, 0.2, 0.0], [0.1, 0.1, 0.1]])),
                      [(2, 3, 4)]),
    "cross_entropy_mean": (lambda a: a.cross_entropy(np.array([0, 3])), [(2, 4)]),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_gradient_matches_finite_differences(name):
    build, shapes = OPS[name]
    fd_check(build, *shapes)


@pytest.mark.parametrize("build,shapes", [
    (lambda a: a.log(), [(3, 4)]),
    (lambda a: a ** -0.5, [(3, 4)]),
    (lambda a, b: a / b, [(3, 4), (4,)]),
    (lambda a: 1.0 / a, [(3,)]),
])
def test_ops_on_positive_inputs_match_finite_differences(build, shapes):
    fd_check(build, *shapes, positive=True)


def test_unbroadcast_sums_stretched_axes():
    g = np.ones((2, 3, 4))
    assert unbroadcast(g, (4,)).tolist() == [6.0] * 4
    assert unbroadcast(g, (3, 1)).shape == (3, 1) and unbroadcast(g, (3, 1))[0, 0] == 8.0


def test_masked_softmax_gives_zero_weight_and_zero_gradient_to_masked_positions():
    x = Tensor(np.random.default_rng(1).normal(size=(3, 3)))
    out = x.softmax(mask=np.tri(3, dtype=bool))
    assert out.data[0, 1] == 0.0 and out.data[1, 2] == 0.0
    np.testing.assert_allclose(out.data.sum(axis=-1), 1.0)
    (out * Tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    assert x.grad[0, 1] == 0.0 and x.grad[0, 2] == 0.0 and x.grad[1, 2] == 0.0


def test_backward_is_iterative_on_a_deep_graph():
    x = Tensor([1.0])
    y = x
    for _ in range(5000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def max_rel_error(model, tmodel):
    """max over matrices of max|scalar grad − tensor grad| / max|scalar grad|."""
    worst = 0.0
    for name, matrix in model.state_dict.items():
        g = np.array([[p.grad for p in row] for row in matrix])
        assert np.abs(g).max() > 0, f"{name} has a zero gradient: the check would be vacuous"
        worst = max(worst, np.abs(g - tmodel.state_dict[name].grad).max() / np.abs(g).max())
    return worst


@pytest.mark.parametrize("cfg", [DEMO, DEEP], ids=["demo", "2layer_2head"])
@pytest.mark.parametrize("name", NAMES)
def test_tensor_gpt_matches_scalar_gpt_loss_and_every_gradient(cfg, name):
    tok = CharTokenizer.from_vocab(["<BOS>", "<EOS>"] + [chr(c) for c in range(97, 123)])
    weights = random_weights(cfg, seed=len(name))
    model, tmodel = GPT.from_weights(cfg, weights), TensorGPT.from_weights(cfg, weights)
    tokens = tok.encode_doc(name, cfg.block_size)
    loss = model.loss(tokens)
    loss.backward()
    tloss = tmodel.loss([tokens])
    tloss.backward()
    assert abs(float(tloss.data) - loss.data) <= 1e-10 * abs(loss.data)
    assert max_rel_error(model, tmodel) <= 1e-10


def test_a_padded_batch_is_the_mean_of_its_documents():
    weights = random_weights(DEEP, seed=3)
    tok = CharTokenizer.from_vocab(["<BOS>", "<EOS>"] + [chr(c) for c in range(97, 123)])
    lists = [tok.encode_doc(n, DEEP.block_size) for n in NAMES]
    batch = TensorGPT.from_weights(DEEP, weights)
    loss = batch.loss(lists)
    loss.backward()
    single = TensorGPT.from_weights(DEEP, weights)
    mean_loss = 0.0
    for tokens in lists:
        one = single.loss([tokens])
        one.backward()
        mean_loss += float(one.data) / len(lists)
    assert abs(float(loss.data) - mean_loss) <= 1e-12
    for name, p in batch.state_dict.items():
        np.testing.assert_allclose(p.grad, single.state_dict[name].grad / len(lists), rtol=1e-10,
                                   atol=1e-14)


def test_make_batch_pads_with_zero_weight_and_rejects_bad_lists():
    inputs, targets, weights = make_batch([[0, 5, 6, 1], [0, 7, 1]], block_size=8)
    assert inputs.tolist() == [[0, 5, 6], [0, 7, 0]]
    assert targets.tolist() == [[5, 6, 1], [7, 1, 0]]
    assert weights[1, 2] == 0.0 and abs(weights.sum() - 1.0) < 1e-15
    with pytest.raises(ValueError, match="at least 2 tokens"):
        make_batch([[0]], block_size=8)
    with pytest.raises(ValueError, match="crop"):
        make_batch([list(range(9))], block_size=8)


def test_init_draws_the_same_weights_as_the_scalar_gpt_and_eps_matches():
    assert TENSOR_EPS == RMSNORM_EPS
    model, tmodel = GPT(DEMO, random.Random(42)), TensorGPT(DEMO, random.Random(42))
    assert tmodel.weights() == model.weights() and tmodel.num_params == 3648


def test_tensor_gpt_is_built_like_gpt_from_exactly_one_of_rng_or_weights():
    weights = random_weights(DEMO, seed=2)
    by_keyword, by_method = TensorGPT(DEMO, weights=weights), TensorGPT.from_weights(DEMO, weights)
    assert by_keyword.weights() == by_method.weights() == GPT.from_weights(DEMO, weights).weights()
    with pytest.raises(ValueError, match="exactly one"):
        TensorGPT(DEMO)
    with pytest.raises(ValueError, match="exactly one"):
        TensorGPT(DEMO, random.Random(0), weights)


def test_state_dict_is_the_scalar_name_and_params_its_read_only_old_name():
    tmodel = TensorGPT(DEMO, random.Random(42))
    assert list(tmodel.state_dict) == list(GPT(DEMO, random.Random(42)).state_dict)
    assert tmodel.params is tmodel.state_dict
    with pytest.raises(AttributeError):
        tmodel.params = {}


def test_tensor_adam_takes_learning_rate_and_its_old_spelling_lr():
    t = Tensor(np.zeros(2))
    assert TensorAdam([t], learning_rate=0.2).learning_rate == 0.2
    assert TensorAdam([t], lr=0.2).learning_rate == 0.2 == TensorAdam([t], 0.2).learning_rate
    with pytest.raises(ValueError, match="learning_rate must be a positive"):
        TensorAdam([t], lr=-1)
    with pytest.raises(ValueError, match="give the learning rate once"):
        TensorAdam([t], learning_rate=0.1, lr=0.1)


def test_one_tensor_step_is_the_one_the_loop_and_the_session_use(docs):
    tok = CharTokenizer(docs[:20])
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=8)
    a, b = TensorGPT(cfg, random.Random(1)), TensorGPT(cfg, random.Random(1))
    opt = TensorAdam(b.parameters())
    looped = train_tensor(a, docs[:20], tok, 2, learning_rate=0.01, batch_size=4)
    batches = [[tok.encode_doc(d, 8) for d in docs[i:i + 4]] for i in (0, 4)]
    stepped = [train_step_tensor(b, opt, batch, lr) for batch, lr in zip(batches, (0.01, 0.005))]
    assert stepped == looped and a.weights() == b.weights()


def test_evaluate_tensor_needs_a_whole_positive_chunk(docs):
    tok = CharTokenizer(docs[:5])
    model = TensorGPT(GPTConfig(vocab_size=tok.vocab_size), random.Random(0))
    for chunk in (-1, 0, 2.5):
        with pytest.raises(ValueError, match="chunk must be"):
            evaluate_tensor(model, docs[:5], tok, chunk=chunk)


def test_huge_finite_weights_are_divergence_with_the_loops_message(docs):
    tok = CharTokenizer(docs[:8])
    model = TensorGPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2),
                      random.Random(0))
    with pytest.raises(TrainingDiverged, match=r"^training diverged at step 1 of 1: a weight "
                                               r"reached 1e\+300 \(more than 1e\+06\); lower "
                                               r"the learning rate \(it was 1e\+300"):
        train_tensor(model, docs[:8], tok, 1, learning_rate=1e300, batch_size=4)


def test_training_with_batch_one_follows_the_scalar_training_run(docs):
    """Same docs, same lr decay, same Adam: the weights after 3 steps agree."""
    docs = docs[:50]
    tok = CharTokenizer(docs)
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_layer=2, n_head=2, block_size=8)
    model = GPT.from_weights(cfg, random_weights(cfg, seed=7, std=0.1))
    tmodel = TensorGPT.from_gpt(model)
    losses = train(model, docs, tok, 3, learning_rate=0.01)
    tlosses = train_tensor(tmodel, docs, tok, 3, learning_rate=0.01, batch_size=1)
    np.testing.assert_allclose(tlosses, losses, rtol=1e-10)
    for name, w in model.weights().items():
        np.testing.assert_allclose(tmodel.state_dict[name].data, w, rtol=1e-9, atol=1e-12)
    chunked = evaluate_tensor(tmodel, docs[:9], tok, chunk=4)
    assert abs(chunked - evaluate(model, docs[:9], tok)) < 1e-10


def test_tensor_adam_is_the_scalar_adam_formula():
    scalar = [type("P", (), {"data": 0.5, "grad": 0.0})() for _ in range(3)]
    t = Tensor(np.array([0.5, 0.5, 0.5]))
    adam, tadam = Adam(scalar, learning_rate=0.1), TensorAdam([t], learning_rate=0.1)
    for step, grads in enumerate([[0.3, -1.0, 2.0], [0.1, 0.0, -4.0]]):
        for p, g in zip(scalar, grads):
            p.grad = g
        t.grad = np.array(grads)
        adam.step(0.1 / (step + 1))
        tadam.step(0.1 / (step + 1))
    np.testing.assert_allclose(t.data, [p.data for p in scalar], rtol=1e-14)
    assert t.grad is None and tadam.t == 2


def test_float32_model_runs_in_float32_and_stays_close():
    weights = random_weights(DEMO, seed=1)
    tokens = [0, 5, 6, 7, 1]
    l64 = TensorGPT.from_weights(DEMO, weights).loss([tokens])
    m32 = TensorGPT.from_weights(DEMO, weights, dtype=np.float32)
    l32 = m32.loss([tokens])
    l32.backward()
    assert l32.data.dtype == np.float32 and m32.state_dict["wte"].grad.dtype == np.float32
    assert abs(float(l32.data) - float(l64.data)) < 1e-4


def test_npz_checkpoint_round_trip_and_sampling(tmp_path):
    tok = CharTokenizer(["emma", "olivia", "ava"])
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_layer=1, n_head=2, block_size=8)
    model = TensorGPT(cfg, random.Random(0), dtype=np.float32)
    path = save_npz(tmp_path / "m.npz", model, tok, {"note": "hi"})
    loaded, ltok, meta = load_npz(path, dtype=np.float32)
    assert ltok == tok and meta == {"note": "hi"} and loaded.config == cfg
    for name, p in model.state_dict.items():
        assert np.array_equal(loaded.state_dict[name].data, p.data)
    a = generate_tensor(model, tok, random.Random(5))
    b = generate_tensor(loaded, ltok, random.Random(5))
    assert a == b and set(a) <= set(tok.chars) and len(a) <= cfg.block_size
    with pytest.raises(ValueError, match="no checkpoint"):
        load_npz(tmp_path / "missing.npz")


def test_npz_checkpoint_gets_the_usual_permissions(tmp_path):
    """Written through data.write_atomic like the JSON checkpoints: not mkstemp's 0600."""
    tok = CharTokenizer(["emma", "ava"])
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_layer=1, n_head=2, block_size=8)
    old = os.umask(0o022)
    try:
        path = save_npz(tmp_path / "sub" / "m.npz", TensorGPT(cfg, random.Random(0)), tok)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["m.npz"]    # no temporary left behind




def test_train_script_smoke_run_writes_a_checkpoint_with_its_curve(names_path, tmp_path,
                                                                    monkeypatch, capsys):
    monkeypatch.setenv("MICROGPT_DATA", str(names_path))
    script = ROOT / "scripts" / "train_tensor.py"
    spec = importlib.util.spec_from_file_location("train_tensor", script)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "small.npz"
    script.main(["--n_embd", "8", "--n_layer", "1", "--n_head", "2", "--block_size", "8",
                 "--num_steps", "4", "--eval_every", "2", "--batch_size", "4", "--out", str(out)])
    printed = capsys.readouterr().out
    assert "settings:" in printed and "final val loss" in printed
    model, tok, meta = load_npz(out)
    assert model.config.n_embd == 8 and tok.vocab_size == 28
    assert meta["curve"]["val_step"] == [2, 4] and len(meta["curve"]["wall_time"]) == 2
    assert meta["settings"]["num_steps"] == 4 and len(meta["samples"]) == 10


def test_committed_big_checkpoint_reaches_its_validation_target(docs):
    """The chapter's model: val loss <= 2.10 nats on split_names(docs, Random(42))'s val."""
    path = ROOT / "notebooks" / "checkpoints" / "names_tensor.npz"
    assert path.stat().st_size < 1.5e6
    model, tok, meta = load_npz(path)
    assert tok == CharTokenizer(docs) and model.num_params == 199424
    _, val_docs = split_names(docs, random.Random(42))
    val = evaluate_tensor(model, val_docs, tok)
    assert val <= 2.10
    assert abs(val - meta["final_val_loss"]) < 1e-3     # stored in float32: tiny drift only
