"""The exercise checkers of the names-and-tokens chapter (the data and the tokenizer).

Owns: `check_encode` (a name to [BOS] + its token ids + [EOS]) and `check_uniform_loss` (the
loss of a model that gives every token the same probability). The tokenizer is passed in,
duck-typed.

Imports: checks.common.
"""
import math

from .common import close_enough, not_answered, run_answer, verdict


def check_encode(fn, tok):
    """fn(name) returns [BOS] + the name's token ids + [EOS], like tok.encode_doc."""
    if not_answered(fn, "Use tok.stoi for each character and put tok.bos / tok.eos around them."):
        return False
    for name in ("emma", "x", "zoe", "anna"):
        got, err = run_answer(fn, name)
        if err:
            return verdict(False, "", err)
        want = tok.encode_doc(name)
        if not isinstance(got, (list, tuple)) or list(got) != want:
            return verdict(False, "", f"for {name!r} expected {want}, got {got!r}.")
    return verdict(True, "Your encoder matches the tokenizer on every test name.", "")


def check_uniform_loss(answer, vocab_size=28):
    """The loss of a model that gives every token the same probability."""
    if not_answered(answer, "Each token gets probability 1/vocab_size; the loss is -log of that."):
        return False
    want = math.log(vocab_size)
    return verdict(close_enough(answer, want, 1e-3), f"-log(1/{vocab_size}) = {want:.4f} nats: any "
                    "model that has learned something must do better.",
                    f"you have {answer!r}; it should be -log(1/{vocab_size}) (natural log).")

