"""The exercise checkers of the names-and-tokens chapter (the data and the tokenizer).

Owns: `check_bpe_tokens` (predict: the token count of three names after one byte-pair merge),
`check_uniform_loss` (predict: the loss of a model that spreads its probability evenly over
the 27 tokens that can come next), `check_count_bigrams` (find the bug: a bigram counting
loop that drops a pair of every name) and `check_trigram` (experiment: a counting model that
looks at the two previous tokens, smoothed well enough to reach a validation loss target).
The tokenizer and the names are passed in, duck-typed.

Imports: course.checks.common.
"""
import math
import traceback
from collections import Counter
from collections.abc import Mapping

from .common import (
    cut,
    exercise,
    is_number,
    not_answered,
    run_answer,
    short,
    verdict,
)

# ---- 02.1 predict: one byte-pair merge -----------------------------------------------------

BPE_NAMES = ("banana", "ananas", "nana")


def merge_once(seqs):
    """(the most frequent adjacent pair, the sequences with it merged left to right)."""
    pairs = Counter(p for s in seqs for p in zip(s, s[1:]))
    (a, b), _ = pairs.most_common(1)[0]
    merged = []
    for s in seqs:
        out, i = [], 0
        while i < len(s):
            if i + 1 < len(s) and (s[i], s[i + 1]) == (a, b):
                out.append(a + b)
                i += 2
            else:
                out.append(s[i])
                i += 1
        merged.append(out)
    return a + b, merged


@exercise("02.1", "one byte-pair merge", "predict")
def check_bpe_tokens(answer):
    """The number of tokens of BPE_NAMES after one merge of their most frequent pair (10)."""
    if not_answered(answer, "Write the number of tokens as a whole number."):
        return False
    if not is_number(answer) or answer != int(answer):
        return verdict(False, "", f"the answer is a count of tokens, a whole number; got "
                       f"{short(answer)}.")
    seqs = [list(n) for n in BPE_NAMES]
    pair, merged = merge_once(seqs)
    letters, want = sum(map(len, seqs)), sum(map(len, merged))
    answer = int(answer)
    if answer == want:
        return verdict(True, f"{pair!r} is the most frequent pair (6 times, 'an' only 5), and "
                       f"each of its 6 occurrences saves one token: {letters} letters become "
                       f"{want} tokens.", "")
    if answer == letters:
        return verdict(False, "", f"{letters} is the number of letters before any merge.",
                       "the merged pair becomes one token wherever it occurs, so each "
                       "occurrence saves one token.")
    by_an = sum(len(n.replace("an", "_")) for n in BPE_NAMES)
    if answer == by_an:
        return verdict(False, "", f"{answer} is not it: count the pairs again.",
                       "list every adjacent pair of each name (banana: ba, an, na, an, na) and "
                       "add them up over the three names: 'an' is not the most frequent.")
    side = "too many" if answer > want else "too few"
    return verdict(False, "", f"{answer} is {side}.",
                   "add up each adjacent pair over the three names, take the most frequent, "
                   "merge it left to right in every name, and count the tokens left.")


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
        return verdict(False, "", f"the answer should be a number, got {short(answer)}.")
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


def _run_counting(fn, names, block_size):
    """(result, None), or (None, (symptom, hint)) naming what an exception means here."""
    if not callable(fn):
        return None, (f"expected a function, got {type(fn).__name__}.",)
    try:
        return fn(names, block_size), None
    except IndexError as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        line = frames[-1].line if frames and frames[-1].line else ""
        where = f" in `{cut(line, 80)}`" if line else ""
        return None, (f"your function raised IndexError{where}: an index ran past the end of "
                      "a list, so the loop goes one step too far.",
                      "n tokens give n - 1 pairs, i = 0 to n - 2: when i reaches "
                      "len(tokens) - 1, tokens[i + 1] does not exist.")
    except (Exception, SystemExit) as exc:      # the learner's code: report, never crash
        return None, (f"your function raised {type(exc).__name__}: {cut(exc)}",)


@exercise("02.3", "find the bug in the bigram counts", "find-the-bug")
def check_count_bigrams(fn, tok):
    """fn(names, block_size) returns counts[prev][next] over the cropped names' pairs."""
    if not_answered(fn, "Fix count_bigrams and pass the function itself."):
        return False
    for block_size in (16, 8):
        got, err = _run_counting(fn, list(COUNT_NAMES), block_size)
        if err:
            return verdict(False, "", *err)
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


# ---- 02.4 experiment: two tokens of context ------------------------------------------------

TARGET = 2.25           # the validation loss to get below (the bigram baseline is 2.4667)
BLOCK_SIZE = 16


def trigrams(tok, name):
    """The (two back, one back, next) triples of a name: [<BOS>] + its cropped tokens."""
    t = [tok.bos] + tok.encode_doc(name, BLOCK_SIZE)
    return zip(t, t[1:], t[2:])


TRIGRAM_MISTAKES = [    # (the triples of a typical mistake, what it shows, the hint)
    (lambda tok, n: (lambda t: zip(t, t[1:], t[2:]))(tok.encode_doc(n, BLOCK_SIZE)),
     "the first letter of every name is never counted as a next token",
     "the first target needs a context of two tokens too: put one more <BOS> in front, "
     "[tok.bos] + tok.encode_doc(name, 16)."),
    (lambda tok, n: (lambda t: zip(t, t[1:], t[2:]))([tok.bos] + tok.encode_doc(n)),
     "the counts of the longest names differ",
     "crop each name to block_size = 16 tokens first, as the bigram counts did: "
     "tok.encode_doc(name, 16)."),
    (lambda tok, n: ((c, b, a) for a, b, c in trigrams(tok, n)),
     "the counts are there, under keys in the wrong order",
     "key each count as (two back, one back, next), in the order the tokens come."),
]


def _count_triples(tok, names, triples):
    return Counter(k for n in names for k in triples(tok, n))


def _same_table(table, want):
    """table (a mapping from (a, b, c) to a count) holds exactly the counts of want."""
    if not isinstance(table, Mapping):
        return False
    try:
        return all(is_number(table.get(k, 0)) and table.get(k, 0) == v for k, v in want.items()) \
            and all(want.get(k, 0) == v for k, v in table.items() if v)
    except Exception:       # a learner's mapping with odd keys or values
        return False


def trigram_loss(counts, alpha, docs, tok):
    """Mean over docs of each name's mean -ln p(next | two previous tokens), add-alpha
    smoothing over tok.vocab_size tokens; inf if some probability is 0."""
    totals = Counter()
    for (a, b, _), v in counts.items():
        totals[a, b] += v
    size, total = tok.vocab_size, 0.0
    for name in docs:
        losses = []
        for a, b, c in trigrams(tok, name):
            p = (counts.get((a, b, c), 0) + alpha) / (totals[a, b] + alpha * size)
            if p <= 0:
                return math.inf
            losses.append(-math.log(p))
        total += sum(losses) / len(losses)
    return total / len(docs)


@exercise("02.4", "two tokens of context", "experiment")
def check_trigram(count_trigrams, alpha, train_docs, val_docs, tok):
    """count_trigrams(names) gives the (two back, one back, next) counts of the names; with
    add-alpha smoothing the validation loss must get below TARGET."""
    if not_answered(count_trigrams, "Write count_trigrams(names) and choose alpha."):
        return False
    table, err = run_answer(count_trigrams, list(train_docs))
    if err:
        return verdict(False, "", err)
    want = _count_triples(tok, train_docs, trigrams)
    if not isinstance(table, Mapping):
        return verdict(False, "", "return the counts as a dict (or Counter) from (two back, "
                       f"one back, next) to a count; got {short(table)}.")
    if not _same_table(table, want):
        for triples, symptom, hint in TRIGRAM_MISTAKES:
            if _same_table(table, _count_triples(tok, train_docs, triples)):
                return verdict(False, "", f"{symptom}.", hint)
        return verdict(False, "", f"your counts differ from the training names' triples "
                       f"(there are {len(want)} different ones, {sum(want.values())} in all).",
                       "count every (t[i], t[i + 1], t[i + 2]) of t = [tok.bos] + "
                       "tok.encode_doc(name, 16), over the names given.")
    if not is_number(alpha) or alpha < 0:
        return verdict(False, "", f"alpha is the number added to every count, a number >= 0; "
                       f"got {short(alpha)}.")
    loss = trigram_loss(want, alpha, val_docs, tok)
    if math.isinf(loss):
        return verdict(False, "", "your counts are right; with alpha = 0 some validation "
                       "triple never seen in training gets p = 0, and its loss is infinite.",
                       "add a little to every count.")
    if loss < TARGET:
        return verdict(True, f"validation loss {loss:.4f} < {TARGET} (the bigram baseline is "
                       f"2.4667) with alpha = {alpha:g}: one more token of context helps, and "
                       "with 784 contexts, most seen a few times, a small alpha keeps the real "
                       "counts in charge.", "")
    side = ("too much smoothing: the added alpha outweighs the real counts of the rarer "
            "contexts" if alpha > 0.15 else "too little smoothing: triples never seen in "
            "training get almost no probability")
    return verdict(False, "", f"your counts are right; with alpha = {alpha:g} the validation "
                   f"loss is {loss:.4f}, not below {TARGET}.",
                   f"{side}. Try other values of alpha and watch the loss.")
