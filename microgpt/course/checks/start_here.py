"""The exercise checkers of the start-here chapter (the tour of the finished GPT).

Owns: `check_dna_loss` (predict: the loss of an untrained GPT on DNA strings, a vocabulary
of four letters), `check_no_eos` (ablate, multiple choice: what training without `<EOS>`
does to the samples) and `check_unmoved_rows` (predict: how many rows of `wpe` the demo's
200 steps leave exactly as drawn when `block_size` is 16).

Imports: course.checks.common.
"""
import math

from .common import (
    check_choice,
    exercise,
    is_number,
    not_answered,
    short,
    verdict,
)

DNA_LETTERS = 4                       # a, c, g, t
DNA_VOCAB = DNA_LETTERS + 2           # and <BOS>, <EOS>


@exercise("00.1", "the untrained loss on DNA", "predict")
def check_dna_loss(answer):
    """The loss of an untrained GPT on DNA strings: ln 6 (4 letters, <BOS>, <EOS>)."""
    if not_answered(answer, "Write the loss you expect as a number (natural log)."):
        return False
    if not is_number(answer):
        return verdict(False, "", f"the answer should be a number, got {short(answer)}.")
    want = math.log(DNA_VOCAB)
    if abs(answer - want) <= 0.02:
        return verdict(True, f"ln 6 = {want:.4f}: the vocabulary is a, c, g, t, <BOS> and "
                       "<EOS>, and small random weights give each of the 6 tokens about 1/6. "
                       "The untrained loss depends on the vocabulary, not on the data.", "")
    mistakes = [
        (math.log(DNA_LETTERS), "that is a guess over the four letters alone.",
         "the tokenizer puts two special tokens beside the letters, as it did for the names "
         "(28 = 26 letters + 2)."),
        (math.log(DNA_VOCAB - 1), "that leaves one token out of the guess.",
         "an untrained model does not know that <BOS> never comes next: it spreads its "
         "probability over every token of its vocabulary."),
        (math.log(28), "that is the names' vocabulary, 28 tokens.",
         "this tokenizer is built from DNA strings: count its tokens."),
        (math.log10(DNA_VOCAB), "that is a logarithm to base 10.",
         "the course's losses use the natural log, math.log."),
        (1 / DNA_VOCAB, "that is a probability, not a loss.",
         "the loss is -ln of the probability given to the real next token."),
    ]
    for value, symptom, hint in mistakes:
        if abs(answer - value) <= 0.02:
            return verdict(False, "", f"{answer:g} is not it: {symptom}", hint)
    side = "too high" if answer > want else "too low"
    return verdict(False, "", f"{answer:g} is {side}.",
                   "an untrained model gives every token of its vocabulary the same "
                   "probability, 1/vocab_size, so its loss is ln(vocab_size): what is the "
                   "vocabulary of DNA strings?")


@exercise("00.2", "training without <EOS>", "ablate")
def check_no_eos(answer):
    """Multiple choice: the demo trained on names without <EOS> (right: 'c')."""
    return check_choice(
        answer, "c",
        "<EOS> is never a target, so every step pushes its probability down with all the "
        "other wrong tokens: the model ends a name even less often than the untrained one, "
        "and nearly every sample runs to block_size letters and is cut off.",
        {"a": "the letters say nothing about where a name ends unless <EOS> is trained as "
              "the token after the last letter; here it never is a target.",
         "b": "the untrained model ends samples at random (1/28 per step); training without "
              "<EOS> only lowers its probability further, since it is never the right answer.",
         "d": "an empty sample needs <EOS> drawn first; without it in the training data its "
              "probability shrinks, so empty samples get rarer, not universal."})


@exercise("00.3", "the rows that stay put at block_size 16", "predict")
def check_unmoved_rows(answer, docs, num_steps=200, block_size=16):
    """The rows of wpe with a zero gradient at every one of the demo's steps at block_size 16:
    the positions no name of docs[:num_steps] uses as an input."""
    if not_answered(answer, "Write how many rows of wpe stay exactly as drawn, a whole number."):
        return False
    if not is_number(answer) or answer != int(answer):
        return verdict(False, "", f"the answer is a count of rows, a whole number; got "
                       f"{short(answer)}.")
    seen = docs[:num_steps]
    longest = max(len(d) for d in seen)
    used = min(longest, block_size - 2) + 1          # input positions 0 .. longest
    want = block_size - used
    answer = int(answer)
    if answer == want:
        return verdict(True, f"The longest of the first {num_steps} names has {longest} "
                       f"letters, so inputs sit at positions 0 to {used - 1}; rows {used} to "
                       f"{block_size - 1} ({want} rows) get a gradient of 0 at every step and "
                       "do not move. More steps (longer names) would reach more of them, "
                       f"but never row {block_size - 1}.", "")
    if answer == 1:
        return verdict(False, "", "1 is the row that no name can ever reach; in 200 steps "
                       "more rows than that stay put.",
                       f"training step k uses docs[k] only, so only docs[:{num_steps}] count: "
                       "how long is the longest of them, and which positions do its inputs use?")
    if answer in (want - 1, want + 1):
        return verdict(False, "", f"{answer} is off by one.",
                       "a name of L letters is <BOS> + L letters + <EOS>: L + 2 tokens, L + 1 "
                       "(input, target) pairs, so inputs at positions 0 to L.")
    if not 0 <= answer <= block_size:
        return verdict(False, "", f"wpe has {block_size} rows at block_size {block_size}; "
                       f"{answer} is not a number of them.")
    side = "too many" if answer > want else "too few"
    return verdict(False, "", f"{answer} is {side}.",
                   f"only docs[:{num_steps}] are trained on: find the longest of them "
                   "(max(len(d) for d in docs[:200])) and count the positions its inputs use.")
