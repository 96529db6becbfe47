"""The helpers every exercise checker shares.

Owns: `verdict` (print the one-line verdict, return a bool), `not_answered` (the hint for an
answer still `None`), `close_enough` (a number within a relative tolerance) and `run_answer`
(call the learner's function, turning an exception into a one-line description).

Imports: nothing of ours.
"""


def verdict(ok, good_msg, hint):
    """Print "✅ Correct! good_msg" or "❌ Not yet: hint" and return `ok` as a bool."""
    print(f"✅ Correct! {good_msg}" if ok else f"❌ Not yet: {hint}")
    return bool(ok)


def not_answered(answer, hint):
    """True (after printing the hint) if the learner has not filled in the answer yet."""
    if answer is None:
        verdict(False, "", f"replace None with your answer. {hint}")
        return True
    return False


def close_enough(a, b, tol=1e-6):
    return (isinstance(a, (int, float)) and not isinstance(a, bool)
            and abs(a - b) <= tol * max(1.0, abs(b)))


def run_answer(fn, *args):
    """(result, None) or (None, a one-line description of the exception fn raised)."""
    try:
        return fn(*args), None
    except Exception as exc:    # the learner's code: report, never crash the notebook
        return None, f"your function raised {type(exc).__name__}: {exc}"
