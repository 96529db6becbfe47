"""The helpers every exercise checker shares, and the learner's progress in this session.

Owns: `verdict` (print the one-line verdict, return a bool), `not_answered` (the hint for an
answer still `None`), `close_enough`, `run_answer` (call the learner's function, turning an
exception into a one-line description), `as_floats`/`same_floats`/`softmax_floats`/`rounded`
(reading and comparing a learner's list of numbers), the checkers of the common kinds of exercise —
`check_number` (predict, then run: a number within a tolerance, "too high"/"too low") and
`check_choice` (multiple choice: each wrong option names its own mistake) — and the
exercise register: `exercise` marks a checker as exercise "NN.k" of chapter NN, and
`progress("NN")` prints one line saying which of the chapter's exercises passed so far.

Verdict lines are plain text ("Correct!", "Not yet:", "Cannot tell:"), so they read the same
on a machine without an emoji font. The register is the one piece of state in the package:
it lives as long as the kernel, which is what "in this session" means.

Imports: course.progress.
"""
import functools
import math
import numbers

KINDS = ("predict", "find-the-bug", "ablate", "derive", "experiment", "implement")
_EXERCISES = {}        # chapter "NN" -> [(exercise id "NN.k", title, kind)], in registration order
_PASSED = {}           # exercise id -> True once it has passed in this kernel, else False


def verdict(ok, good_msg, hint):
    """Print "Correct! good_msg", "Not yet: hint" or, for ok=None, "Cannot tell: hint"."""
    if ok is None:
        print(f"Cannot tell: {hint}")
    else:
        print(f"Correct! {good_msg}" if ok else f"Not yet: {hint}")
    return bool(ok)


def not_answered(answer, hint):
    """True (after printing the hint) if the learner has not filled in the answer yet."""
    if answer is None:
        verdict(False, "", f"replace None with your answer. {hint}")
        return True
    return False


def is_number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def close_enough(a, b, tol=1e-6):
    """a is a finite number within tol of b, relative to |b| (absolute below |b| = 1)."""
    return is_number(a) and abs(a - b) <= tol * max(1.0, abs(b))


def run_answer(fn, *args):
    """(result, None) or (None, a one-line description of the exception fn raised)."""
    if not callable(fn):
        return None, f"expected a function, got {type(fn).__name__}"
    try:
        return fn(*args), None
    except Exception as exc:    # the learner's code: report, never crash the notebook
        return None, f"your function raised {type(exc).__name__}: {exc}"



# ---- numbers from a learner's answer ----------------------------------------------------

def _is_value(x):
    return hasattr(x, "data") and hasattr(x, "grad") and hasattr(x, "_children")


def as_floats(got):
    """A list of floats from a list/tuple/array of numbers or Values (duck-typed), else None."""
    if hasattr(got, "tolist") and not _is_value(got):
        got = got.tolist()
    if not isinstance(got, (list, tuple)):
        return None
    out = []
    for g in got:
        g = g.data if _is_value(g) else g
        if hasattr(g, "item") and callable(g.item):
            g = g.item()                                   # a NumPy scalar
        if isinstance(g, bool) or not isinstance(g, (int, float)):
            return None
        out.append(float(g))
    return out


def same_floats(got, want, tol=1e-9):
    """`got` (from as_floats, or None) equals `want` entry by entry within tol."""
    return got is not None and len(got) == len(want) and all(
        math.isfinite(g) and abs(g - w) <= tol for g, w in zip(got, want))


def softmax_floats(xs):
    """The softmax of a list of floats (the reference the checkers compare with)."""
    m = max(xs)
    e = [math.exp(x - m) for x in xs]
    return [v / sum(e) for v in e]


def rounded(xs):
    """A list of floats printed to 4 decimals, for hints."""
    return "[" + ", ".join(f"{x:.4f}" for x in xs) + "]"


def check_number(answer, want, tol, good_msg, too_high, too_low):
    """Predict-then-run: `answer` within ±tol of `want`; else the hint for its side."""
    if not_answered(answer, "write your prediction as a number."):
        return False
    if not is_number(answer):
        return verdict(False, "", f"the answer should be a number, got {answer!r}.")
    if abs(answer - want) <= tol:
        return verdict(True, good_msg, "")
    return verdict(False, "", f"{answer:g} is too {'high' if answer > want else 'low'}. "
                   f"{too_high if answer > want else too_low}")


def check_choice(answer, right, why_right, why_wrong):
    """Multiple choice: `answer` is one of the keys of why_wrong or `right` (letters)."""
    options = sorted({right, *why_wrong})
    if not_answered(answer, f"answer with one of {', '.join(map(repr, options))}."):
        return False
    key = answer.strip().lower() if isinstance(answer, str) else answer
    if key == right:
        return verdict(True, why_right, "")
    if key in why_wrong:
        return verdict(False, "", why_wrong[key])
    return verdict(False, "", f"{answer!r} is not one of the options {', '.join(options)}.")


def exercise(exercise_id, title, kind):
    """Register a checker as exercise `exercise_id` ("06.2") and record what it says.

    kind: one of KINDS — predict (a number, then run), find-the-bug, ablate (remove a piece,
    say what happened), derive (a gradient by hand), experiment (reach a target), implement
    (write a function the chapter described).
    The checker still returns True/False; if it raises (a checker's own bug, or an answer
    so odd it cannot be judged), the learner sees "Cannot tell: ..." instead of a traceback.
    """
    assert kind in KINDS, f"exercise kind {kind!r} is not one of {KINDS}"
    chapter = exercise_id.split(".")[0]
    _EXERCISES.setdefault(chapter, [])
    if exercise_id not in [e for e, _, _ in _EXERCISES[chapter]]:
        _EXERCISES[chapter].append((exercise_id, title, kind))

    def register(check):
        @functools.wraps(check)
        def checked(*args, **kwargs):
            try:
                ok = bool(check(*args, **kwargs))
            except Exception as exc:
                ok = verdict(None, "", f"the checker could not judge this answer "
                             f"({type(exc).__name__}: {exc}); compare it with the task.")
            _PASSED[exercise_id] = _PASSED.get(exercise_id, False) or ok
            from .. import progress  # the classroom's record (only if asked); never raises
            progress.record(exercise_id, ok)
            return ok
        checked.exercise_id, checked.kind = exercise_id, kind
        return checked
    return register


def exercises(chapter):
    """[(exercise id, title, kind)] of a chapter, as registered by its checkers."""
    return list(_EXERCISES.get(chapter, []))


def progress(chapter):
    """Print one line: which of chapter `chapter`'s exercises passed in this session."""
    listed = exercises(chapter)
    if not listed:
        print(f"Chapter {chapter} has no exercises registered (import its checkers first).")
        return 0
    passed = [e for e, _, _ in listed if _PASSED.get(e)]
    marks = ", ".join(f"{e} {title}: {'passed' if e in passed else 'not yet'}"
                      for e, title, _ in listed)
    print(f"Chapter {chapter} exercises passed in this session: {len(passed)} of "
          f"{len(listed)} ({marks})")
    return len(passed)
