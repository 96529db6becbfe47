"""The start-here chapter's exercise checkers: each accepts several correct answers, rejects the
typical wrong ones (the symptom first, the hint's words from the second try), answers None
with "replace None", is not fooled by hostile answers (an object equal to everything, a huge
list, SystemExit), and prints one plain-text line. The facts the checkers state are measured
here too: the untrained loss on DNA, the samples of a model trained without <EOS>, the rows
of wpe that 200 steps at block_size 16 leave as drawn."""
import math
import random

import numpy as np
import pytest

from microgpt import GPT, CharTokenizer, GPTConfig, load_names, train
from microgpt.course.checks import start_here
from microgpt.course.checks.common import exercises
from microgpt.sample import generate_steps

from conftest import fails, passes


class EqualsEverything:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class Exits:
    """An answer whose every use ends the program."""

    def __float__(self):
        raise SystemExit(1)

    def strip(self):
        raise SystemExit(1)

    def __index__(self):
        raise SystemExit(1)


def demo_docs():
    rng = random.Random(42)
    docs = load_names()
    rng.shuffle(docs)
    return docs


def test_the_chapter_registers_three_exercises_of_mixed_kinds():
    assert [(e, kind) for e, _, kind in exercises("00")] == [
        ("00.1", "predict"), ("00.2", "ablate"), ("00.3", "predict")]


# ---- 00.1 the untrained loss on DNA ---------------------------------------------------------

DNA = ["gattaca", "catgca", "ttagga", "acgtacgt"]


def untrained_dna_loss(seed):
    tok = CharTokenizer(DNA)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=16, n_layer=1, n_head=4,
                          block_size=8), random.Random(seed))
    return model.loss(tok.encode_doc("gattaca", 8)).data


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_untrained_gpt_on_dna_scores_ln_6(seed):
    assert CharTokenizer(DNA).vocab_size == 6
    assert abs(untrained_dna_loss(seed) - math.log(6)) < 0.005


@pytest.mark.parametrize("answer", [math.log(6), -math.log(1 / 6), 1.79, np.float32(1.8),
                                    untrained_dna_loss(0)])
def test_dna_loss_accepts(capsys, answer):
    assert "ln 6" in passes(capsys, start_here.check_dna_loss, answer)


@pytest.mark.parametrize("answer, symptom, hint", [
    (math.log(4), "four letters alone", "two special tokens"),
    (math.log(5), "leaves one token out", "never comes next"),
    (math.log(28), "names' vocabulary", "count its tokens"),
    (math.log10(6), "base 10", "natural log"),
    (1 / 6, "a probability", "-ln of the probability"),
    (3.0, "too high", "1/vocab_size"),
    (0.5, "too low", "1/vocab_size"),
])
def test_dna_loss_rejects(capsys, answer, symptom, hint):
    line = fails(capsys, start_here.check_dna_loss, answer)
    assert symptom in line and hint in line, line


# ---- 00.2 training without <EOS> -------------------------------------------------------------

@pytest.mark.parametrize("answer", ["c", "C", " c "])
def test_no_eos_accepts(capsys, answer):
    assert "never a target" in passes(capsys, start_here.check_no_eos, answer)


@pytest.mark.parametrize("answer, words", [
    ("a", "never is a target"),
    ("b", "only lowers its probability"),
    ("d", "empty samples get rarer"),
    ("e", "not one of the options"),
])
def test_no_eos_rejects(capsys, answer, words):
    assert words in fails(capsys, start_here.check_no_eos, answer)


class NoEnd:
    """The demo's tokenizer without <EOS>: a name is [<BOS>] + its letters."""

    def __init__(self, tok):
        self.tok = tok

    def encode_doc(self, text, block_size=None):
        return ([self.tok.bos] + self.tok.encode(text))[:block_size]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [42, 1, 2])
def test_without_eos_almost_every_sample_is_cut_off(seed):
    """The key of 00.2, measured as the solution says: the demo's 200 steps with and without
    <EOS>, for three seeds: at least 95% of samples cut off without it, under half with it."""
    docs = demo_docs()
    tok = CharTokenizer(docs)
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=16, n_layer=1, n_head=4, block_size=8)

    def cut_off(model, n=200):
        rng = random.Random(1)
        return sum(len(generate_steps(model, tok, rng)[0]) == cfg.block_size
                   for _ in range(n)) / n

    with_eos, without = GPT(cfg, random.Random(seed)), GPT(cfg, random.Random(seed))
    untrained = cut_off(without)
    train(with_eos, docs, tok, num_steps=200, learning_rate=0.01)
    train(without, docs, NoEnd(tok), num_steps=200, learning_rate=0.01)
    shares = (cut_off(without), untrained, cut_off(with_eos))
    assert shares[0] >= 0.95 and shares[1] > shares[2] and shares[2] < 0.5, shares


# ---- 00.3 the rows of wpe that stay put at block_size 16 -----------------------------------

def test_the_first_200_names_reach_position_11():
    assert max(len(d) for d in demo_docs()[:200]) == 11


@pytest.mark.parametrize("answer", [4, 4.0, np.int64(4)])
def test_unmoved_rows_accepts(capsys, answer):
    assert "rows 12 to 15" in passes(capsys, start_here.check_unmoved_rows, answer, demo_docs())


def test_unmoved_rows_follows_the_data(capsys):
    """Names of 2 letters use inputs 0 to 2: 13 of 16 rows stay put."""
    passes(capsys, start_here.check_unmoved_rows, 13, ["ab"] * 200)


@pytest.mark.parametrize("answer, symptom, hint", [
    (1, "no name can ever reach", "docs[:200]"),
    (3, "off by one", "L + 1 (input, target) pairs"),
    (5, "off by one", "L + 1 (input, target) pairs"),
    (12, "too many", "longest of them"),
    (0, "too few", "longest of them"),
])
def test_unmoved_rows_rejects(capsys, answer, symptom, hint):
    line = fails(capsys, start_here.check_unmoved_rows, answer, demo_docs())
    assert symptom in line and hint in line, line


@pytest.mark.parametrize("answer, words", [(20, "not a number of them"),
                                           (4.5, "whole number"), ("4", "whole number")])
def test_unmoved_rows_rejects_impossible_counts(capsys, answer, words):
    assert words in fails(capsys, start_here.check_unmoved_rows, answer, demo_docs())


@pytest.mark.slow
def test_200_steps_at_block_size_16_leave_rows_12_to_15_as_drawn():
    docs = demo_docs()
    tok = CharTokenizer(docs)
    model = GPT(GPTConfig(vocab_size=28, n_embd=16, n_layer=1, n_head=4, block_size=16),
                random.Random(7))
    start = [[v.data for v in row] for row in model.state_dict["wpe"]]
    train(model, docs, tok, num_steps=200, learning_rate=0.01)
    still = [pos for pos, (row, s) in enumerate(zip(model.state_dict["wpe"], start))
             if all(v.data == x for v, x in zip(row, s))]
    assert still == [12, 13, 14, 15]


# ---- every checker: None, hostile answers ---------------------------------------------------

CHECKERS = [(start_here.check_dna_loss, ()), (start_here.check_no_eos, ()),
            (start_here.check_unmoved_rows, (["emma"] * 200,))]


@pytest.mark.parametrize("checker, extra", CHECKERS)
def test_unanswered_says_replace_none(capsys, checker, extra):
    assert "replace None" in fails(capsys, checker, None, *extra)


@pytest.mark.parametrize("checker, extra", CHECKERS)
@pytest.mark.parametrize("odd", [EqualsEverything(), Exits(), float("nan"), True, {"c": 1},
                                 [4] * 10**7])
def test_hostile_answers_get_a_short_verdict(capsys, checker, extra, odd):
    assert len(fails(capsys, checker, odd, *extra)) < 400
