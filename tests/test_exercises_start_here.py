"""The start-here chapter's exercise checkers: each accepts several correct answers, rejects
the typical wrong ones with a hint naming the mistake, answers None with "replace None",
never raises, and prints one plain-text line."""
import math
import random

import numpy as np
import pytest

from microgpt import GPT, CharTokenizer, GPTConfig, load_names, train
from microgpt.course.checks import start_here
from microgpt.model import count_params

from conftest import checker_verdict

# ---- 00.1 the parameters with n_embd = 32 ---------------------------------------------------

@pytest.mark.parametrize("answer", [
    28 * 32 + 8 * 32 + 4 * 32 * 32 + 2 * 128 * 32,
    count_params(GPTConfig(vocab_size=28, n_embd=32, n_layer=1, n_head=4, block_size=8)),
    13440.0,
    np.int64(13440),
])
def test_double_n_embd_accepts(capsys, answer):
    ok, line = checker_verdict(capsys, start_here.check_double_n_embd_params, answer)
    assert ok and "13440" in line


def test_double_n_embd_matches_a_real_model(capsys):
    cfg = GPTConfig(vocab_size=28, n_embd=32, n_layer=1, n_head=4, block_size=8)
    assert checker_verdict(capsys, start_here.check_double_n_embd_params,
                   GPT(cfg, random.Random(0)).num_params)[0]


@pytest.mark.parametrize("answer, hint", [
    (2 * 3648, "grow 4×"),
    (4 * 3648, "grow 2×"),
    (28 * 32 + 8 * 32 + 4 * 32 * 32 + 2 * 64 * 32, "128×32"),
    (28 * 32 + 8 * 32 + 3 * 32 * 32 + 2 * 128 * 32, "four attention matrices"),
    (3648, "too low"),
    (20000, "too high"),
    (13440.5, "whole number"),
    ("13440", "whole number"),
])
def test_double_n_embd_rejects(capsys, answer, hint):
    ok, line = checker_verdict(capsys, start_here.check_double_n_embd_params, answer)
    assert not ok and hint in line, line


# ---- 00.2 the loss of the untrained model ---------------------------------------------------

def test_first_step_loss_is_what_the_checker_says():
    """FIRST_STEP_LOSS is the demo's losses[0] (one step: the untrained model's loss)."""
    rng = random.Random(42)
    docs = load_names()
    rng.shuffle(docs)
    tok = CharTokenizer(docs)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=16, n_layer=1, n_head=4,
                          block_size=8), rng)
    first = train(model, docs, tok, num_steps=1, learning_rate=0.01)[0]
    assert abs(first - start_here.FIRST_STEP_LOSS) < 5e-5


@pytest.mark.parametrize("answer", [math.log(28), -math.log(1 / 28), 3.33, 3.3, np.float32(3.35)])
def test_untrained_loss_accepts(capsys, answer):
    ok, line = checker_verdict(capsys, start_here.check_untrained_loss, answer)
    assert ok and "3.3325" in line


@pytest.mark.parametrize("answer, hint", [
    (2.73, "where training ended"),
    (0.0, "guessing each of the 28 tokens"),
    (1 / 28, "guessing each of the 28 tokens"),
    (4.0, "too high"),
    (28, "too high"),
    ("3.33", "should be a number"),
])
def test_untrained_loss_rejects(capsys, answer, hint):
    ok, line = checker_verdict(capsys, start_here.check_untrained_loss, answer)
    assert not ok and hint in line, line


# ---- 00.3 the never-used position -----------------------------------------------------------

@pytest.mark.parametrize("answer", ["a", "A", " a "])
def test_unused_position_accepts(capsys, answer):
    ok, line = checker_verdict(capsys, start_here.check_unused_position, answer)
    assert ok and "exactly 0" in line


@pytest.mark.parametrize("answer, hint", [
    ("b", "gradient of exactly 0"),
    ("c", "separate running average per parameter"),
    ("d", "cannot push a weight"),
    ("e", "not one of the options"),
    (3, "not one of the options"),
])
def test_unused_position_rejects(capsys, answer, hint):
    ok, line = checker_verdict(capsys, start_here.check_unused_position, answer)
    assert not ok and hint in line, line


# ---- every checker: None, odd answers ------------------------------------------------------

CHECKERS = [start_here.check_double_n_embd_params, start_here.check_untrained_loss,
            start_here.check_unused_position]


@pytest.mark.parametrize("checker", CHECKERS)
def test_unanswered_says_replace_none(capsys, checker):
    ok, line = checker_verdict(capsys, checker, None)
    assert not ok and line.startswith("Not yet: replace None")


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("odd", [float("nan"), [1, 2], object(), True])
def test_odd_answers_get_a_verdict_not_an_exception(capsys, checker, odd):
    ok, _ = checker_verdict(capsys, checker, odd)
    assert not ok


def test_registered_in_notebook_order():
    from microgpt.course.checks.common import exercises
    assert [(e, kind) for e, _, kind in exercises("00")] == [
        ("00.1", "predict"), ("00.2", "predict"), ("00.3", "predict")]
