"""The names-and-tokens chapter's exercise checkers: each accepts several correct answers,
rejects the typical wrong ones with a hint naming the mistake, answers None with "replace
None", turns an exception in the learner's code into a verdict, and prints one plain-text
line."""
import math
import random
from collections import Counter

import numpy as np
import pytest

from microgpt import CharTokenizer, load_names, split_names
from microgpt.course.checks import names_and_tokens as nt

from conftest import checker_verdict

DOCS = load_names()
tok = CharTokenizer(DOCS)
# the notebook's own globals, which a learner's function may rely on
itos = tok.itos
stoi = {ch: i for i, ch in enumerate(itos)}
BOS, EOS, vocab_size = 0, 1, 28


def encode_doc(text, block_size=None):
    tokens = [BOS] + [stoi[ch] for ch in text] + [EOS]
    return tokens if block_size is None else tokens[:block_size]




def crash(*args):
    raise RuntimeError("boom")


# ---- 02.1 encode a name --------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda name: [tok.bos] + [tok.stoi[ch] for ch in name] + [tok.eos],
    lambda name: (BOS, *map(stoi.get, name), EOS),          # the notebook's globals, a tuple
    lambda name: [BOS, *[itos.index(ch) for ch in name], EOS],
])
def test_encode_accepts(capsys, fn):
    assert checker_verdict(capsys, nt.check_encode, fn, tok)[0]


@pytest.mark.parametrize("fn, hint", [
    (lambda name: [tok.stoi[ch] for ch in name], "put tok.bos before them"),
    (lambda name: [tok.bos] + [tok.stoi[ch] for ch in name], "<EOS> at the end is missing"),
    (lambda name: [tok.stoi[ch] for ch in name] + [tok.eos], "<BOS> at the start is missing"),
    (lambda name: [0] + [ord(ch) - ord("a") for ch in name] + [1], "off by 2"),
    (lambda name: [0] + [ord(ch) for ch in name] + [1], "compare with the tokens"),
    (lambda name: "0 6 14 14 2 1", "return a list"),
    (crash, "raised RuntimeError: boom"),
])
def test_encode_rejects(capsys, fn, hint):
    ok, line = checker_verdict(capsys, nt.check_encode, fn, tok)
    assert not ok and hint in line, line


# ---- 02.2 the loss of a uniform guess over 27 tokens --------------------------------------

@pytest.mark.parametrize("answer", [math.log(27), -math.log(1 / 27), 3.296, np.float64(3.2958)])
def test_uniform_loss_accepts(capsys, answer):
    ok, line = checker_verdict(capsys, nt.check_uniform_loss, answer)
    assert ok and "3.2958" in line


@pytest.mark.parametrize("answer, hint", [
    (math.log(28), "the guess over all 28 tokens"),
    (math.log(26), "<EOS> is a possible target too"),
    (math.log10(27), "log base 10"),
    (1 / 27, "the probability each token gets"),
    (-math.log(27), "mind the sign"),
    (2.4667, "too low"),
    (3.5, "too high"),
    ("3.2958", "should be a number"),
])
def test_uniform_loss_rejects(capsys, answer, hint):
    ok, line = checker_verdict(capsys, nt.check_uniform_loss, answer)
    assert not ok and hint in line, line


# ---- 02.3 find the bug in the bigram counts -----------------------------------------------

def count_fixed(names, block_size):
    counts = [[0] * vocab_size for _ in range(vocab_size)]
    for name in names:
        tokens = encode_doc(name, block_size)
        for i in range(len(tokens) - 1):
            counts[tokens[i]][tokens[i + 1]] += 1
    return counts


def count_zip_numpy(names, block_size):
    counts = np.zeros((vocab_size, vocab_size), dtype=np.int64)
    for name in names:
        tokens = tok.encode_doc(name, block_size)
        for prev, nxt in zip(tokens, tokens[1:]):
            counts[prev, nxt] += 1
    return counts


def count_counter(names, block_size):
    pairs = Counter(p for name in names
                    for p in zip(encode_doc(name, block_size), encode_doc(name, block_size)[1:]))
    return [[float(pairs[(i, j)]) for j in range(vocab_size)] for i in range(vocab_size)]


def count_planted(names, block_size):
    counts = [[0] * vocab_size for _ in range(vocab_size)]
    for name in names:
        tokens = encode_doc(name, block_size)
        for i in range(len(tokens) - 2):
            counts[tokens[i]][tokens[i + 1]] += 1
    return counts


def count_from_one(names, block_size):
    counts = [[0] * vocab_size for _ in range(vocab_size)]
    for name in names:
        tokens = encode_doc(name, block_size)
        for i in range(1, len(tokens) - 1):
            counts[tokens[i]][tokens[i + 1]] += 1
    return counts


def count_uncropped(names, block_size):
    return count_fixed(names, None)


def count_letters_only(names, block_size):
    counts = [[0] * vocab_size for _ in range(vocab_size)]
    for name in names:
        tokens = [stoi[ch] for ch in name]
        for i in range(len(tokens) - 1):
            counts[tokens[i]][tokens[i + 1]] += 1
    return counts


def count_transposed(names, block_size):
    return [list(col) for col in zip(*count_fixed(names, block_size))]


def count_past_the_end(names, block_size):
    counts = [[0] * vocab_size for _ in range(vocab_size)]
    for name in names:
        tokens = encode_doc(name, block_size)
        for i in range(len(tokens)):
            counts[tokens[i]][tokens[i + 1]] += 1
    return counts


@pytest.mark.parametrize("fn", [count_fixed, count_zip_numpy, count_counter])
def test_count_bigrams_accepts(capsys, fn):
    assert checker_verdict(capsys, nt.check_count_bigrams, fn, tok)[0]


@pytest.mark.parametrize("fn, hint", [
    (count_planted, "one pair of every name is lost"),
    (count_from_one, "<BOS> -> its first letter"),
    (count_uncropped, "not cropped"),
    (count_letters_only, "<BOS> and <EOS> pairs are missing"),
    (count_transposed, "transposed"),
    (count_past_the_end, "raised IndexError"),
    (lambda names, block_size: {"a": 1}, "vocab_size rows"),
    (lambda names, block_size: [[0] * 28] * 28, "differ from the right ones"),
])
def test_count_bigrams_rejects(capsys, fn, hint):
    ok, line = checker_verdict(capsys, nt.check_count_bigrams, fn, tok)
    assert not ok and hint in line, line


def test_the_planted_bug_gets_a_clue_not_the_fix(capsys):
    _, line = checker_verdict(capsys, nt.check_count_bigrams, count_planted, tok)
    assert "range(len(tokens) - 1)" not in line


# ---- 02.4 no smoothing --------------------------------------------------------------------

def test_the_unseen_pairs_the_checker_names_are_real():
    train_docs, val_docs = split_names(DOCS, random.Random(42))
    seen = {p for name in train_docs
            for p in zip(encode_doc(name, 16), encode_doc(name, 16)[1:])}
    unseen = [name for name in val_docs
              if any(p not in seen for p in zip(encode_doc(name, 16), encode_doc(name, 16)[1:]))]
    assert len(unseen) == 6 and {"trygve", "asadbek", "bjorn"} <= set(unseen)


@pytest.mark.parametrize("answer", ["d", "D", " d"])
def test_no_smoothing_accepts(capsys, answer):
    ok, line = checker_verdict(capsys, nt.check_no_smoothing, answer)
    assert ok and "infinite" in line


@pytest.mark.parametrize("answer, hint", [
    ("a", "measured on the validation names"),
    ("b", "not by a little"),
    ("c", "counted 0 times"),
    ("infinite", "not one of the options"),
])
def test_no_smoothing_rejects(capsys, answer, hint):
    ok, line = checker_verdict(capsys, nt.check_no_smoothing, answer)
    assert not ok and hint in line, line


# ---- every checker -------------------------------------------------------------------------

CHECKERS = [(nt.check_encode, (tok,)), (nt.check_uniform_loss, ()),
            (nt.check_count_bigrams, (tok,)), (nt.check_no_smoothing, ())]


@pytest.mark.parametrize("checker, extra", CHECKERS)
def test_unanswered_says_replace_none(capsys, checker, extra):
    ok, line = checker_verdict(capsys, checker, None, *extra)
    assert not ok and line.startswith("Not yet: replace None")


@pytest.mark.parametrize("checker, extra", CHECKERS)
@pytest.mark.parametrize("odd", [float("nan"), [1, 2], object()])
def test_odd_answers_get_a_verdict_not_an_exception(capsys, checker, extra, odd):
    ok, _ = checker_verdict(capsys, checker, odd, *extra)
    assert not ok


def test_registered_in_notebook_order():
    from microgpt.course.checks.common import exercises
    assert [(e, kind) for e, _, kind in exercises("02")] == [
        ("02.1", "implement"), ("02.2", "predict"), ("02.3", "find-the-bug"), ("02.4", "ablate")]
