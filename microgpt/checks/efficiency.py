"""The exercise checkers of the efficiency chapter (the NumPy tensor engine).

Owns: `check_causal_mask` (a (T, T) boolean mask: which keys each query may see) and
`check_rmsnorm_tensor` (RMSNorm written with `Tensor` ops: same values and gradients as
`tensor.model.rmsnorm`). The only checkers that need NumPy.

Imports: checks.common, tensor.engine, tensor.model.
"""
import numpy as np

from ..tensor.engine import Tensor
from ..tensor.model import rmsnorm
from .common import run_answer, verdict


def check_causal_mask(fn):
    """fn(T) -> a (T, T) boolean array, True where query t may look at key s (s <= t)."""
    if fn is None:
        return verdict(False, "", "replace None with a function causal_mask(T). "
                        "Hint: np.tri(T, dtype=bool) or a comparison of two aranges.")
    for T in (1, 3, 8):
        got, err = run_answer(fn, T)
        if err:
            return verdict(False, "", err)
        got = np.asarray(got)
        if got.shape != (T, T):
            return verdict(False, "", f"for T={T} the mask should have shape {(T, T)}, "
                            f"got {got.shape}.")
        want = np.tri(T, dtype=bool)
        if got.dtype != bool or not np.array_equal(got, want):
            peeks = bool((got.astype(bool) & ~want).any())
            why = "a query can see future keys" if peeks else "a query misses keys it may see"
            return verdict(False, "", f"for T={T} {why}: row t must be True exactly at "
                            "columns 0..t, with dtype bool.")
    return verdict(True, "Row t keeps keys 0..t: no position can peek at the next letter.", "")


def check_rmsnorm_tensor(fn):
    """fn(x: Tensor (..., C)) -> Tensor: x / sqrt(mean(x²) + 1e-5) over the last axis."""
    if fn is None:
        return verdict(False, "", "replace None with a function my_rmsnorm(x) built from "
                        "Tensor ops: *, .mean(axis=-1, keepdims=True), +, ** -0.5.")
    data = np.random.default_rng(7).normal(size=(2, 3, 8))
    probe = np.random.default_rng(8).normal(size=(2, 3, 8))
    x, x_ref = Tensor(data.copy()), Tensor(data.copy())
    out, err = run_answer(fn, x)
    if err:
        return verdict(False, "", err)
    if not isinstance(out, Tensor):
        return verdict(False, "", f"return a Tensor (built from x with Tensor ops), not "
                        f"{type(out).__name__}.")
    ref = rmsnorm(x_ref)
    if out.shape != ref.shape:
        return verdict(False, "", f"the output should keep x's shape {ref.shape}, got {out.shape}.")
    if not np.allclose(out.data, ref.data, rtol=1e-9, atol=1e-12):
        return verdict(False, "", "the values differ: take the mean of x*x over the last axis "
                        "(keepdims=True), add 1e-5, then multiply x by that ** -0.5.")
    _, err = run_answer(lambda: (out * Tensor(probe)).sum().backward())
    if err:
        return verdict(False, "", err)
    (ref * Tensor(probe)).sum().backward()
    if x.grad is None or not np.allclose(x.grad, x_ref.grad, rtol=1e-9, atol=1e-12):
        return verdict(False, "", "the values are right but the gradient is not: build the "
                        "result only from Tensor ops (no np.* on .data), so backward sees it all.")
    return verdict(True, "Same values and same gradients as the package's rmsnorm.", "")
