"""The exercise checker of the start-here chapter (the tour of the finished GPT).

Owns: `check_demo_param_count` (the demo GPT's parameters, counted by hand).

Imports: checks.common, model.
"""
from ..model import GPTConfig, count_params
from .common import not_answered, verdict


def check_demo_param_count(answer):
    """The number of parameters of the demo GPT, counted by hand."""
    if not_answered(answer, "Add up rows × cols of every matrix: "
                            "wte, wpe, and the 6 of the layer."):
        return False
    expected = count_params(GPTConfig(vocab_size=28, n_embd=16, n_layer=1, n_head=4, block_size=8))
    return verdict(answer == expected, f"{expected} parameters: wte 28×16 + wpe 8×16 + "
                    "4 attention matrices 16×16 + 2 MLP matrices 64×16.",
                    f"you have {answer!r}. Did you count all four attention matrices "
                    "(attn_wq, attn_wk, attn_wv, attn_wo) and both MLP matrices (64×16 each)?")
