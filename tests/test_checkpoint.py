"""checkpoint: bit-exact round trip, atomic writes, corrupt files, other vocabularies."""
import json
import random

import pytest

from microgpt import GPT, CharTokenizer, GPTConfig
from microgpt.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from microgpt.sample import generate
from microgpt.training import train


@pytest.fixture
def trained(tmp_path):
    docs = ["anna", "bob", "carla", "dave", "eve"]
    tok = CharTokenizer(docs)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=6),
                random.Random(0))
    train(model, docs, tok, 5)
    return model, tok, tmp_path / "m.json"


def test_round_trip_is_bit_exact(trained):
    model, tok, path = trained
    save_checkpoint(path, model, tok, meta={"val_loss": 2.5})
    ck = load_checkpoint(path, tokenizer=tok)
    assert ck.model.weights() == model.weights()          # float equality, every entry
    assert ck.model.config == model.config and ck.tokenizer == tok
    assert ck.meta == {"val_loss": 2.5}
    assert generate(ck.model, tok, random.Random(5)) == generate(model, tok, random.Random(5))


def test_save_is_atomic_and_keeps_the_old_file_on_failure(trained, monkeypatch):
    model, tok, path = trained
    save_checkpoint(path, model, tok)
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        save_checkpoint(path, model, tok, meta={"new": True})
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["m.json"]


def test_corrupt_truncated_or_foreign_files_are_clear_errors(trained):
    model, tok, path = trained
    save_checkpoint(path, model, tok)
    good = path.read_text()
    cases = {
        "truncated": good[: len(good) // 2],
        "not json": "\x00\x01 garbage",
        "other json": json.dumps({"hello": 1}),
        "bad weights": good.replace('"wte":[[', '"wte":[["x",'),
    }
    for name, text in cases.items():
        path.write_text(text)
        with pytest.raises(CheckpointError) as e:
            load_checkpoint(path)
        assert str(path) in str(e.value), name
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(path.parent / "nope.json")


def test_a_checkpoint_for_another_vocabulary_is_refused(trained):
    model, tok, path = trained
    save_checkpoint(path, model, tok)
    with pytest.raises(CheckpointError, match="another vocabulary"):
        load_checkpoint(path, tokenizer=CharTokenizer(["xyz"]))


def test_version_mismatch_is_named(trained):
    model, tok, path = trained
    save_checkpoint(path, model, tok)
    doc = json.loads(path.read_text())
    doc["version"] = 99
    path.write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match="version 99"):
        load_checkpoint(path)


def test_saved_files_are_readable_by_others_like_any_file(trained):
    import os
    model, tok, path = trained
    old = os.umask(0o022)
    try:
        save_checkpoint(path, model, tok)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644       # not mkstemp's private 0600
