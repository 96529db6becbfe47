"""The one set of checks for numbers a user types: sizes, step counts, rates, temperatures.

Owns: `whole_number` (an int of at least `low`), `positive_number` (a finite number above 0)
and `arg_type`, which turns either into an argparse type so that the command line and the
API refuse the same things with the same words. Each raises `ValueError` naming the setting
and the value it got; `bool` is refused everywhere (`True` is not a step count), NumPy
integers are accepted where an int is asked for, floats are not (2.0 steps is a typo).

>>> whole_number("num_steps", 3)
3
>>> positive_number("learning_rate", 0.01)
0.01
>>> whole_number("num_steps", 2.5)
Traceback (most recent call last):
...
ValueError: num_steps must be a whole number, got 2.5

Imports: nothing of ours.
"""
import argparse
import math
import numbers


def whole_number(name, x, low=1):
    """`x` as an int if it is a whole number ≥ `low`; else ValueError naming `name`."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, got {x!r}")
    x = int(x)
    if x < low:
        raise ValueError(f"{name} must be at least {low}, got {x}")
    return x


def positive_number(name, x):
    """`x` as a float if it is a finite number > 0; else ValueError naming `name`."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{name} must be a number, got {x!r}")
    x = float(x)
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be a positive finite number, got {x!r}")
    return x


def arg_type(check, name, **kwargs):
    """An argparse `type=`: parse the text as `check` expects, then run `check` on it."""
    parse_number = int if check is whole_number else float

    def parse(text):
        try:
            number = parse_number(text)
        except ValueError:                      # int('x') / float('x') / int('2.5')
            raise argparse.ArgumentTypeError(
                f"{name} must be a {'whole ' if parse_number is int else ''}number, "
                f"got {text!r}") from None
        try:
            return check(name, number, **kwargs)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    parse.__name__ = name                      # argparse names the type in some messages
    return parse
