"""The public API exactly as the README's package section uses it."""
import random

from microgpt import GPT, Adam, CharTokenizer, GPTConfig, Value, generate, load_names, train


def test_readme_snippet(names_path, monkeypatch):
    monkeypatch.setenv("MICROGPT_DATA", str(names_path))
    rng = random.Random(42)
    docs = load_names()
    assert isinstance(docs, list) and len(docs) == 32033 and docs[0] == "emma"
    tok = CharTokenizer(docs)
    assert tok.itos[:2] == ["<BOS>", "<EOS>"] and tok.vocab_size == 28
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=16, n_layer=1, n_head=4, block_size=8)
    model = GPT(cfg, rng)
    assert list(model.state_dict)[:3] == ["wte", "wpe", "layer0.attn_wq"]
    assert list(model.state_dict)[-1] == "layer0.mlp_fc2"
    params = model.parameters()
    assert len(params) == 3648 and all(isinstance(p, Value) for p in params)
    flat = [p for m in model.state_dict.values() for row in m for p in row]
    assert all(a is b for a, b in zip(params, flat))
    loss = model.loss(tok.encode_doc(docs[0], cfg.block_size))
    assert isinstance(loss, Value) and 3.0 < loss.data < 3.7
    loss.backward()
    assert any(p.grad != 0 for p in params)
    opt = Adam(params, lr=0.01)
    losses = train(model, docs, tok, 3, 0.01, optimizer=opt)
    assert len(losses) == 3
    assert isinstance(generate(model, tok, rng), str)
