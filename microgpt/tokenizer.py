"""Characters to token ids and back: `CharTokenizer`.

Owns: the vocabulary — `<BOS>` = 0, `<EOS>` = 1, then the sorted set of characters of the
documents — and encode/decode. An unknown character is a `ValueError` that names it. Also the
counting bigram this vocabulary feeds (`bigram_baseline`, chapter 02): the loss every later
model must beat.

Imports: nothing of ours.
"""
import math
import numbers

BOS_TOKEN, EOS_TOKEN = "<BOS>", "<EOS>"


class CharTokenizer:
    """A character-level tokenizer built from a list of documents.

    >>> tok = CharTokenizer(["ab", "ba"])
    >>> tok.vocab_size, tok.encode("ab"), tok.decode([0, 2, 3, 1])
    (4, [2, 3], 'ab')
    """

    def __init__(self, docs):
        if isinstance(docs, str):
            raise ValueError("CharTokenizer takes a list of documents, not one string")
        chars = sorted(set("".join(docs)))
        if not chars:
            raise ValueError("CharTokenizer needs at least one non-empty document")
        self.itos = [BOS_TOKEN, EOS_TOKEN] + chars
        self.stoi = {ch: i for i, ch in enumerate(self.itos)}
        self.bos, self.eos = 0, 1

    @classmethod
    def from_vocab(cls, itos):
        """Rebuild a tokenizer from its `itos` list (as saved in a checkpoint)."""
        if (not isinstance(itos, list) or len(itos) < 3 or itos[:2] != [BOS_TOKEN, EOS_TOKEN]
                or any(not isinstance(c, str) or len(c) != 1 for c in itos[2:])
                or itos[2:] != sorted(set(itos[2:]))):
            raise ValueError("a vocabulary is ['<BOS>', '<EOS>'] followed by sorted, "
                             "distinct single characters")
        return cls(["".join(itos[2:])])

    @property
    def vocab_size(self):
        return len(self.itos)

    @property
    def chars(self):
        """The ordinary characters of the vocabulary (without <BOS> and <EOS>)."""
        return self.itos[2:]

    def encode(self, text):
        """Token ids of the characters of `text` (no <BOS>/<EOS> added)."""
        try:
            return [self.stoi[ch] for ch in text]
        except KeyError as e:
            ch = e.args[0]
            raise ValueError(f"unknown character {ch!r} in {text!r}: the vocabulary has only "
                             f"{''.join(self.chars)!r}") from None

    def encode_doc(self, text, block_size=None):
        """[<BOS>] + encode(text) + [<EOS>], cropped to `block_size` tokens if given."""
        tokens = [self.bos] + self.encode(text) + [self.eos]
        return tokens if block_size is None else tokens[:block_size]

    def decode(self, ids):
        """The text of token ids (ints, NumPy integers too); <BOS> and <EOS> are left out."""
        out = []
        for i in ids:
            if (isinstance(i, bool) or not isinstance(i, numbers.Integral)
                    or not 0 <= i < self.vocab_size):
                raise ValueError(f"token id {i!r} is outside the vocabulary "
                                 f"(0..{self.vocab_size - 1})")
            if i > 1:
                out.append(self.itos[int(i)])
        return "".join(out)

    def __eq__(self, other):
        return isinstance(other, CharTokenizer) and self.itos == other.itos

    def __repr__(self):
        return f"CharTokenizer(vocab_size={self.vocab_size}, chars={''.join(self.chars)!r})"


def bigram_baseline(train_docs, val_docs, tok, block_size=8):
    """The counting bigram model's loss on `val_docs`: the number later chapters must beat.

    Every document is `tok.encode_doc(doc, block_size)` (<BOS> + chars + <EOS>, cropped to
    block_size tokens, exactly what the GPT trains on). Counts of each (previous, next)
    pair over the training documents, plus one for every pair (add-one smoothing), give
    p(next | previous). A document's loss is the mean over its positions of
    -log p(next | previous); the baseline is the mean of that over the validation
    documents, as `evaluate` computes it for a GPT.
    """
    if not train_docs or not val_docs:
        raise ValueError("bigram_baseline needs non-empty training and validation documents")
    v = tok.vocab_size
    counts = [[1] * v for _ in range(v)]
    for doc in train_docs:
        ids = tok.encode_doc(doc, block_size)
        for a, b in zip(ids, ids[1:]):
            counts[a][b] += 1
    totals = [sum(row) for row in counts]
    total = 0.0
    for doc in val_docs:
        ids = tok.encode_doc(doc, block_size)
        nll = [-math.log(counts[a][b] / totals[a]) for a, b in zip(ids, ids[1:])]
        total += sum(nll) / len(nll)
    return total / len(val_docs)
