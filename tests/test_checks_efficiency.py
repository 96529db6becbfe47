"""The efficiency chapter's checkers: a right answer passes, None and wrong answers get a
hint, never raise."""
import numpy as np

from microgpt.checks.efficiency import check_causal_mask, check_rmsnorm_tensor
from microgpt.tensor.model import rmsnorm


def test_causal_mask_checker(capsys):
    assert check_causal_mask(lambda T: np.tri(T, dtype=bool)) is True
    assert "Correct" in capsys.readouterr().out
    assert check_causal_mask(None) is False
    assert "Not yet" in capsys.readouterr().out
    assert check_causal_mask(lambda T: np.tri(T, dtype=bool).T) is False       # sees the future
    assert "future" in capsys.readouterr().out
    assert check_causal_mask(lambda T: np.eye(T, dtype=bool)) is False          # misses the past
    assert check_causal_mask(lambda T: np.tri(T)) is False                      # floats, not bool
    assert check_causal_mask(lambda T: np.tri(T + 1, dtype=bool)) is False      # wrong shape
    assert check_causal_mask(lambda T: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_rmsnorm_checker(capsys):
    assert check_rmsnorm_tensor(rmsnorm) is True
    assert "Correct" in capsys.readouterr().out
    assert check_rmsnorm_tensor(lambda x: x * ((x * x).mean(axis=-1, keepdims=True) + 1e-5) ** -0.5)
    assert check_rmsnorm_tensor(None) is False
    assert "Not yet" in capsys.readouterr().out
    assert check_rmsnorm_tensor(lambda x: x * (x * x).mean(axis=-1, keepdims=True) ** -0.5) is False
    assert check_rmsnorm_tensor(lambda x: x.data) is False                      # not a Tensor
    assert check_rmsnorm_tensor(lambda x: x.mean(axis=-1)) is False             # wrong shape
    # right values through numpy: the gradient cannot flow through the constant
    from microgpt.tensor.engine import Tensor
    def const(x):
        return x * Tensor(1 / np.sqrt((x.data ** 2).mean(-1, keepdims=True) + 1e-5))

    assert check_rmsnorm_tensor(const) is False
    assert "gradient" in capsys.readouterr().out
