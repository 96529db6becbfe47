"""validate: the one set of number checks, its edge cases tested once, and the CLI's use of it."""
import argparse

import numpy as np
import pytest

from microgpt.validate import arg_type, positive_number, whole_number


@pytest.mark.parametrize("x", [1, 7, np.int64(3), np.int32(2)])
def test_whole_number_accepts_ints_and_numpy_ints_and_returns_a_plain_int(x):
    got = whole_number("n", x)
    assert got == int(x) and type(got) is int


@pytest.mark.parametrize("x, words", [
    (True, "must be a whole number, got True"), (2.0, "must be a whole number, got 2.0"),
    (2.5, "must be a whole number"), ("3", "must be a whole number, got '3'"),
    (float("nan"), "must be a whole number"), (None, "must be a whole number"),
    (0, "must be at least 1, got 0"), (-4, "must be at least 1, got -4"),
])
def test_whole_number_refuses_with_the_setting_and_the_value(x, words):
    with pytest.raises(ValueError, match="num_steps " + words.replace("(", r"\(")):
        whole_number("num_steps", x)


def test_whole_number_low_bound_is_the_callers():
    assert whole_number("num_samples", 0, low=0) == 0
    with pytest.raises(ValueError, match="block_size must be at least 2, got 1"):
        whole_number("block_size", 1, low=2)


@pytest.mark.parametrize("x", [0.01, 1, np.float32(0.5), np.int64(2), 1e-300])
def test_positive_number_accepts_positive_finite_numbers_as_float(x):
    got = positive_number("learning_rate", x)
    assert got == float(x) and type(got) is float


@pytest.mark.parametrize("x, words", [
    (True, "must be a number, got True"), ("0.1", "must be a number, got '0.1'"),
    (None, "must be a number"), (0, "must be a positive finite number, got 0.0"),
    (-0.1, "must be a positive finite number, got -0.1"),
    (float("nan"), "must be a positive finite number, got nan"),
    (float("inf"), "must be a positive finite number, got inf"),
])
def test_positive_number_refuses_with_the_setting_and_the_value(x, words):
    with pytest.raises(ValueError, match="learning_rate " + words):
        positive_number("learning_rate", x)


def test_arg_type_parses_then_checks_and_speaks_argparse():
    steps = arg_type(whole_number, "--num_steps", low=1)
    rate = arg_type(positive_number, "--learning_rate")
    assert steps("12") == 12 and rate("0.5") == 0.5
    for parse, text, words in [(steps, "2.5", "--num_steps must be a whole number, got '2.5'"),
                               (steps, "x", "--num_steps must be a whole number, got 'x'"),
                               (steps, "0", "--num_steps must be at least 1, got 0"),
                               (rate, "nan", "--learning_rate must be a positive finite number"),
                               (rate, "inf", "--learning_rate must be a positive finite number"),
                               (rate, "abc", "--learning_rate must be a number, got 'abc'")]:
        with pytest.raises(argparse.ArgumentTypeError, match=words):
            parse(text)
