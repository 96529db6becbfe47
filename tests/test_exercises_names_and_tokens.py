"""The names-and-tokens chapter's exercise checkers: each accepts several correct answers,
rejects the typical wrong ones (the symptom first, the hint's words from the second try),
answers None with "replace None", turns an exception in the learner's code into a verdict,
is not fooled by hostile answers (an object equal to everything, a huge list, SystemExit),
and prints one plain-text line."""
import math
import random
from collections import Counter

import numpy as np
import pytest

from microgpt import CharTokenizer, load_names, split_names
from microgpt.course.checks import names_and_tokens as nt
from microgpt.course.checks.common import exercises

from conftest import checker_verdict, fails, passes

DOCS = load_names()
tok = CharTokenizer(DOCS)
TRAIN, VAL = split_names(DOCS, random.Random(42))
# the notebook's own globals, which a learner's function may rely on
itos = tok.itos
stoi = {ch: i for i, ch in enumerate(itos)}
BOS, EOS, vocab_size = 0, 1, 28


def encode_doc(text, block_size=None):
    tokens = [BOS] + [stoi[ch] for ch in text] + [EOS]
    return tokens if block_size is None else tokens[:block_size]


def crash(*args):
    raise RuntimeError("boom")


class EqualsEverything:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def test_the_chapter_registers_four_exercises_of_mixed_kinds():
    assert [(e, kind) for e, _, kind in exercises("02")] == [
        ("02.1", "predict"), ("02.2", "predict"), ("02.3", "find-the-bug"),
        ("02.4", "experiment")]


# ---- 02.1 one byte-pair merge --------------------------------------------------------------

def test_the_merge_is_what_the_checker_says():
    pair, merged = nt.merge_once([list(n) for n in nt.BPE_NAMES])
    assert pair == "na" and merged == [["b", "a", "na", "na"], ["a", "na", "na", "s"],
                                       ["na", "na"]]


@pytest.mark.parametrize("answer", [10, 10.0, np.int64(10), 16 - 6])
def test_bpe_tokens_accepts(capsys, answer):
    assert "16 letters become 10 tokens" in passes(capsys, nt.check_bpe_tokens, answer)


@pytest.mark.parametrize("answer, symptom, hint", [
    (11, "count the pairs again", "'an' is not the most frequent"),
    (16, "letters before any merge", "each occurrence saves one token"),
    (13, "too many", "merge it left to right"),
    (7, "too few", "merge it left to right"),
])
def test_bpe_tokens_rejects(capsys, answer, symptom, hint):
    line = fails(capsys, nt.check_bpe_tokens, answer)
    assert symptom in line and hint in line, line


@pytest.mark.parametrize("answer", [10.5, "10", EqualsEverything(), [10] * 10**7, True])
def test_bpe_tokens_odd_answers(capsys, answer):
    line = fails(capsys, nt.check_bpe_tokens, answer)
    assert "whole number" in line and len(line) < 300, line


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
    (count_past_the_end, "one step too far"),
    (lambda names, block_size: {"a": 1}, "vocab_size rows"),
    (lambda names, block_size: [[0] * 28] * 28, "differ from the right ones"),
])
def test_count_bigrams_rejects(capsys, fn, hint):
    ok, line = checker_verdict(capsys, nt.check_count_bigrams, fn, tok)
    assert not ok and hint in line, line


def test_an_index_past_the_end_is_named_then_explained(capsys):
    line = fails(capsys, nt.check_count_bigrams, count_past_the_end, tok)
    assert "IndexError in `counts[tokens[i]][tokens[i + 1]] += 1`" in line
    assert "Hint: n tokens give n - 1 pairs" in line


def test_the_planted_bug_gets_a_clue_not_the_fix(capsys):
    _, line = checker_verdict(capsys, nt.check_count_bigrams, count_planted, tok)
    assert "range(len(tokens) - 1)" not in line


# ---- 02.4 two tokens of context -----------------------------------------------------------

def trigrams_counter(names):
    counts = Counter()
    for name in names:
        t = [tok.bos] + tok.encode_doc(name, 16)
        counts.update(zip(t, t[1:], t[2:]))
    return counts


def trigrams_dict(names):
    counts = {}
    for name in names:
        t = [BOS] + encode_doc(name, 16)
        for i in range(len(t) - 2):
            key = (t[i], t[i + 1], t[i + 2])
            counts[key] = counts.get(key, 0) + 1
    return counts


def trigrams_with_zeros(names):
    """Every possible triple as a key, most of them 0."""
    counts = {(a, b, c): 0 for a in range(28) for b in range(28) for c in range(28)}
    counts.update(trigrams_counter(names))
    return counts


@pytest.mark.parametrize("fn, alpha", [(trigrams_counter, 0.1), (trigrams_dict, 0.3),
                                       (trigrams_with_zeros, 0.05), (trigrams_counter, 0.2)])
def test_trigram_accepts(capsys, fn, alpha):
    assert "< 2.25" in passes(capsys, nt.check_trigram, fn, alpha, TRAIN, VAL, tok)


def test_the_loss_the_solution_quotes():
    counts = trigrams_counter(TRAIN)
    got = {a: round(nt.trigram_loss(counts, a, VAL, tok), 4) for a in (1.0, 0.3, 0.1, 0.03)}
    assert got == {1.0: 2.2587, 0.3: 2.2456, 0.1: 2.2442, 0.03: 2.2475}


def trigrams_unpadded(names):
    counts = Counter()
    for name in names:
        t = tok.encode_doc(name, 16)
        counts.update(zip(t, t[1:], t[2:]))
    return counts


def trigrams_uncropped(names):
    counts = Counter()
    for name in names:
        t = [tok.bos] + tok.encode_doc(name)
        counts.update(zip(t, t[1:], t[2:]))
    return counts


def trigrams_reversed(names):
    return Counter({(c, b, a): n for (a, b, c), n in trigrams_counter(names).items()})


@pytest.mark.parametrize("fn, alpha, symptom, hint", [
    (trigrams_counter, 1, "validation loss is 2.2587", "too much smoothing"),
    (trigrams_counter, 5, "not below 2.25", "too much smoothing"),
    (trigrams_counter, 0.005, "not below 2.25", "too little smoothing"),
    (trigrams_counter, 0, "infinite", "add a little"),
    (trigrams_unpadded, 0.1, "first letter of every name", "one more <BOS>"),
    (trigrams_uncropped, 0.1, "longest names differ", "block_size = 16"),
    (trigrams_reversed, 0.1, "keys in the wrong order", "(two back, one back, next)"),
    (lambda names: Counter(), 0.1, "differ from the training names' triples",
     "t = [tok.bos] + tok.encode_doc(name, 16)"),
])
def test_trigram_rejects(capsys, fn, alpha, symptom, hint):
    line = fails(capsys, nt.check_trigram, fn, alpha, TRAIN, VAL, tok)
    assert symptom in line and hint in line, line


@pytest.mark.parametrize("fn, alpha, words", [
    (trigrams_counter, None, "a number >= 0"),
    (trigrams_counter, -1, "a number >= 0"),
    (trigrams_counter, EqualsEverything(), "a number >= 0"),
    (lambda names: [0] * 10**7, 0.1, "as a dict"),
    (lambda names: {EqualsEverything(): 1}, 0.1, "differ from"),
    (crash, 0.1, "raised RuntimeError: boom"),
])
def test_trigram_odd_answers(capsys, fn, alpha, words):
    line = fails(capsys, nt.check_trigram, fn, alpha, TRAIN, VAL, tok)
    assert words in line and len(line) < 400, line


# ---- every checker -------------------------------------------------------------------------

def exits(*args):
    raise SystemExit(1)


CHECKERS = [(nt.check_bpe_tokens, ()), (nt.check_uniform_loss, ()),
            (nt.check_count_bigrams, (tok,)), (nt.check_trigram, (0.1, TRAIN, VAL, tok))]


@pytest.mark.parametrize("checker, extra", CHECKERS)
def test_unanswered_says_replace_none(capsys, checker, extra):
    ok, line = checker_verdict(capsys, checker, None, *extra)
    assert not ok and line.startswith("Not yet: replace None")


@pytest.mark.parametrize("checker, extra", CHECKERS)
@pytest.mark.parametrize("odd", [float("nan"), [1, 2], object(), EqualsEverything(), exits,
                                 [0] * 10**7])
def test_odd_answers_get_a_short_verdict_not_an_exception(capsys, checker, extra, odd):
    ok, line = checker_verdict(capsys, checker, odd, *extra)
    assert not ok and len(line) < 400, line
