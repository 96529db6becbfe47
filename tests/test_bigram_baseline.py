"""bigram_baseline (microgpt.train): the counting model's loss, the line later chapters beat."""
import math
import random

import pytest

from microgpt import CharTokenizer, split_names
from microgpt.tokenizer import bigram_baseline


def test_bigram_baseline_on_a_tiny_corpus():
    tok = CharTokenizer(["ab"])        # <BOS>=0, <EOS>=1, a=2, b=3
    # train "ab": pairs BOS→a, a→b, b→EOS, each counted once on top of add-one (rows sum 5)
    got = bigram_baseline(["ab"], ["ab", "a"], tok)
    doc_ab = -math.log(2 / 5)                                  # all three pairs seen once
    doc_a = (-math.log(2 / 5) - math.log(1 / 5)) / 2           # a→EOS never seen
    assert got == pytest.approx((doc_ab + doc_a) / 2)
    with pytest.raises(ValueError, match="non-empty"):
        bigram_baseline([], ["ab"], tok)


def test_bigram_baseline_crops_to_block_size():
    tok = CharTokenizer(["abab"])
    short = bigram_baseline(["abab"], ["abababab"], tok, block_size=3)
    assert short == pytest.approx(bigram_baseline(["ab"], ["ab"], tok, block_size=3))


def test_bigram_baseline_on_the_names(docs):
    train, val = split_names(docs, random.Random(42))
    baseline = bigram_baseline(train, val, CharTokenizer(docs))
    assert 2.3 < baseline < 2.7       # well below the uniform model's log(28) = 3.33
