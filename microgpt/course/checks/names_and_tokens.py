"""The exercise checkers of the names-and-tokens chapter (the data and the tokenizer).

Owns: `check_encode` (implement: a name to [BOS] + its token ids + [EOS]),
`check_uniform_loss` (predict: the loss of a model that spreads its probability evenly over
the 27 tokens that can come next), `check_count_bigrams` (find the bug: a bigram counting
loop that drops a pair of every name) and `check_no_smoothing` (ablate: the validation loss
without add-one smoothing). The tokenizer is passed in, duck-typed.

Imports: course.checks.common.
"""
import math

from .common import check_choice, exercise, is_number, not_answered, run_answer, verdict

TEST_NAMES = ("emma", "x", "zoe", "anna")


@exercise("02.1", "encode a name", "implement")
def check_encode(fn, tok):
    """fn(name) returns [BOS] + the name's token ids + [EOS], like tok.encode_doc."""
    if not_answered(fn, "Use tok.stoi for each character and put tok.bos / tok.eos around them."):
        return False
    for name in TEST_NAMES:
        got, err = run_answer(fn, name)
        if err:
            return verdict(False, "", err)
        want = tok.encode_doc(name)
        if not isinstance(got, (list, tuple)):
            return verdict(False, "", f"return a list of token ids (for {name!r} you returned "
                           f"a {type(got).__name__}).")
        got = list(got)
        if got == want:
            continue
        if got == want[1:-1]:
            hint = "the letters are right; put tok.bos before them and tok.eos after them."
        elif got == want[:-1]:
            hint = "the <EOS> at the end is missing: without it the model never learns to stop."
        elif got == want[1:]:
            hint = ("the <BOS> at the start is missing: it is the input that predicts the "
                    "first letter.")
        elif got == [want[0]] + [i - 2 for i in want[1:-1]] + [want[-1]]:
            hint = "the letters' ids are off by 2: 'a' is id 2, after <BOS> (0) and <EOS> (1)."
        else:
            hint = "compare with the tokens printed above."
        return verdict(False, "", f"for {name!r} expected {want}, got {got!r}: {hint}")
    return verdict(True, "Your encoder matches the tokenizer on every test name.", "")


@exercise("02.2", "the loss of knowing almost nothing", "predict")
def check_uniform_loss(answer, vocab_size=28):
    """The loss of a model that gives each of the vocab_size - 1 possible targets (every
    token but <BOS>) the same probability: ln 27."""
    if not_answered(answer, "Write the loss as a number (the natural log, as everywhere in "
                            "the course)."):
        return False
    n = vocab_size - 1
    want = math.log(n)
    if not is_number(answer):
        return verdict(False, "", f"the answer should be a number, got {answer!r}.")
    if abs(answer - want) <= 0.005:
        return verdict(True, f"-ln(1/{n}) = {want:.4f}: ruling out <BOS> saves only "
                       f"{math.log(vocab_size) - want:.4f} against the {math.log(vocab_size):.4f} "
                       "of the 28-token guess; the bigram baseline's 2.4667 comes from "
                       "knowing which letters follow which.", "")
    mistakes = [
        (math.log(vocab_size), f"that is the guess over all {vocab_size} tokens; here <BOS> "
                               f"gets nothing and each of the other {n} tokens gets 1/{n}."),
        (math.log(vocab_size - 2), f"<EOS> is a possible target too (it ends every name): "
                                   f"{n} tokens share the probability, not {n - 1}."),
        (math.log10(n), "that is log base 10; the course's losses use the natural log, math.log."),
        (1 / n, "that is the probability each token gets; the loss is -ln of it."),
        (-math.log(n), "mind the sign: the loss is -ln p, and p < 1, so it is positive."),
    ]
    for value, hint in mistakes:
        if abs(answer - value) <= 0.005:
            return verdict(False, "", f"{answer:g} is not it: {hint}")
    side = "too high" if answer > want else "too low"
    return verdict(False, "", f"{answer:g} is {side}. Every position gets the same loss: "
                   f"-ln of the probability given to the real next token.")


# ---- 02.3 find the bug: counting bigrams ---------------------------------------------------

COUNT_NAMES = ("emma", "ava", "bo", "isabella", "muhammadibrahim", "emma")


def _table(result, size):
    """result as a size × size list of ints, or None if it is not such a table."""
    try:
        table = [[result[i][j] for j in range(size)] for i in range(size)]
    except (TypeError, IndexError, KeyError):
        return None
    if not all(is_number(x) and x == int(x) for row in table for x in row):
        return None
    return [[int(x) for x in row] for row in table]


def _count(tok, block_size, pairs):
    size = tok.vocab_size
    counts = [[0] * size for _ in range(size)]
    for name in COUNT_NAMES:
        for prev, nxt in pairs(tok, name, block_size):
            counts[prev][nxt] += 1
    return counts


def _right(tok, name, block_size):
    tokens = tok.encode_doc(name, block_size)
    return zip(tokens, tokens[1:])


COUNTING_MISTAKES = [
    (lambda tok, name, b: list(_right(tok, name, b))[:-1],     # the planted bug: a clue only
     "not fixed yet: 'emma' is 6 tokens with <BOS> and <EOS>, so 5 pairs, but the function "
     "counts 4 of them; one pair of every name is lost. Which one, and why?"),
    (lambda tok, name, b: list(_right(tok, name, b))[1:],
     "the first pair of every name (<BOS> -> its first letter) is missing: start at "
     "position 0."),
    (lambda tok, name, b: _right(tok, name, None),
     "the names are not cropped: a model with block_size positions never sees the tokens "
     "beyond them, so count pairs of encode_doc(name, block_size)."),
    (lambda tok, name, b: (lambda t: zip(t, t[1:]))(tok.encode(name)),
     "the <BOS> and <EOS> pairs are missing: count pairs of encode_doc(name, block_size), "
     "which puts them around the letters."),
    (lambda tok, name, b: ((n, p) for p, n in _right(tok, name, b)),
     "the table is transposed: counts[previous][next], the row is the token that came first."),
]


@exercise("02.3", "find the bug in the bigram counts", "find-the-bug")
def check_count_bigrams(fn, tok):
    """fn(names, block_size) returns counts[prev][next] over the cropped names' pairs."""
    if not_answered(fn, "Fix count_bigrams and pass the function itself."):
        return False
    for block_size in (16, 8):
        got, err = run_answer(fn, list(COUNT_NAMES), block_size)
        if err:
            return verdict(False, "", err)
        table = _table(got, tok.vocab_size)
        if table is None:
            return verdict(False, "", "return the table of counts, vocab_size rows of "
                           "vocab_size whole numbers, counts[previous][next].")
        want = _count(tok, block_size, _right)
        if table == want:
            continue
        for pairs, hint in COUNTING_MISTAKES:
            if table == _count(tok, block_size, pairs):
                return verdict(False, "", hint)
        return verdict(False, "", f"at block_size {block_size} the counts of {list(COUNT_NAMES)} "
                       f"differ from the right ones in {_differences(table, want)} cells; "
                       "every (previous, next) pair of the cropped token list counts once.")
    return verdict(True, "Every pair counted once, <BOS> -> first letter and last letter -> "
                   "<EOS> included: n tokens give n - 1 pairs.", "")


def _differences(table, want):
    return sum(a != b for row, wrow in zip(table, want) for a, b in zip(row, wrow))


# ---- 02.4 ablate: no smoothing -------------------------------------------------------------

@exercise("02.4", "the baseline without smoothing", "ablate")
def check_no_smoothing(answer):
    """Multiple choice: the validation loss with p = count / row total (right: 'd')."""
    return check_choice(
        answer, "d",
        "6 validation names (trygve, asadbek, bjorn, ...) contain a pair that never occurs "
        "in the training names; without smoothing it gets p = 0, and -ln 0 is infinite. "
        "One unseen pair is enough to make the mean infinite.",
        {"a": "the training names would indeed be fitted a little better, but the loss is "
              "measured on the validation names: what does a pair that never occurred in "
              "training get?",
         "b": "higher, yes, but not by a little: a validation pair never seen in training "
              "gets probability 0, and -ln 0 is infinite.",
         "c": "for pairs counted thousands of times the +1 hardly matters, but for a pair "
              "counted 0 times it is the difference between a small p and p = 0."})
