"""tokenizer.CharTokenizer: the 28-token vocabulary, round trips, unknown characters."""
import numpy as np
import pytest

from microgpt.tokenizer import CharTokenizer


def test_names_vocabulary_is_bos_eos_then_26_letters(docs):
    tok = CharTokenizer(docs)
    assert tok.vocab_size == 28
    assert tok.itos[:3] == ["<BOS>", "<EOS>", "a"] and tok.itos[-1] == "z"
    assert (tok.bos, tok.eos) == (0, 1)


def test_round_trip_and_doc_encoding(docs):
    tok = CharTokenizer(docs)
    for name in docs[:500]:
        assert tok.decode(tok.encode(name)) == name
    assert tok.encode_doc("emma") == [0, 6, 14, 14, 2, 1]
    assert tok.encode_doc("christopher", block_size=8) == tok.encode_doc("christopher")[:8]


def test_unknown_character_is_a_clear_error():
    tok = CharTokenizer(["abc"])
    with pytest.raises(ValueError, match=r"unknown character 'Z' in 'aZ'.*'abc'"):
        tok.encode("aZ")
    with pytest.raises(ValueError, match="outside the vocabulary"):
        tok.decode([0, 9])
    for bad in (True, 2.0, "2"):
        with pytest.raises(ValueError, match="outside the vocabulary"):
            tok.decode([bad])


def test_decode_takes_numpy_integers_as_a_sampler_gives_them():
    tok = CharTokenizer(["abc"])
    assert tok.decode([np.int64(2), np.int32(4), np.uint8(1)]) == "ac"
    assert tok.decode(np.array([0, 3, 2])) == "ba"


def test_bad_construction():
    with pytest.raises(ValueError, match="list of documents"):
        CharTokenizer("emma")
    with pytest.raises(ValueError, match="non-empty"):
        CharTokenizer(["", ""])


def test_from_vocab_rebuilds_and_validates():
    tok = CharTokenizer(["hello", "world"])
    assert CharTokenizer.from_vocab(tok.itos) == tok
    for bad in (["a", "b"], ["<BOS>", "<EOS>", "b", "a"], ["<BOS>", "<EOS>", "ab"], "abc"):
        with pytest.raises(ValueError):
            CharTokenizer.from_vocab(bad)
