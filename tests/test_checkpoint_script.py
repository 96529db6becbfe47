"""The committed checkpoint of chapter 07 (sampling): loads, is small, its numbers hold."""
import random

import pytest

from microgpt import evaluate, load_checkpoint, split_names
from microgpt.model import count_params

from conftest import ROOT

CHECKPOINT = ROOT / "notebooks" / "checkpoints" / "names_small.json"


@pytest.fixture(scope="module")
def ck():
    return load_checkpoint(CHECKPOINT)


def test_checkpoint_is_small_and_loads(ck):
    assert CHECKPOINT.stat().st_size < 100 * 1024
    assert ck.tokenizer.vocab_size == 28
    assert len(ck.model.parameters()) == count_params(ck.model.config)


def test_meta_records_the_settings(ck):
    meta = ck.meta
    assert meta["config"] == ck.model.config.to_dict()
    assert meta["config"] == {"vocab_size": 28, "n_embd": 16, "n_layer": 1, "n_head": 4,
                              "block_size": 16}
    for key in ("seed", "split", "num_steps", "learning_rate", "weights_rounding",
                "val_loss", "val_loss_first200", "num_val"):
        assert key in meta, key
    assert meta["num_steps"] >= 1000
    # a trained model: far below the uniform guess log(28) = 3.33
    assert 1.5 < meta["val_loss"] < 2.6


def test_weights_are_rounded_as_recorded(ck):
    assert meta_digits(ck.meta) == 6
    assert all(float(f"{p.data:.6g}") == p.data for p in ck.model.parameters())


def meta_digits(meta):
    return int(meta["weights_rounding"].split()[0])


@pytest.mark.slow
def test_validation_loss_reproduces(ck, docs):
    assert "random.Random(42)" in ck.meta["split"]
    _, val = split_names(docs, random.Random(42))
    assert len(val) == ck.meta["num_val"]
    loss = evaluate(ck.model, val[:200], ck.tokenizer)
    assert loss == pytest.approx(ck.meta["val_loss_first200"], abs=1e-6)
