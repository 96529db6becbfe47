"""The helpers every exercise checker shares, and the learner's progress in this session.

Owns: `verdict` (print the one-line verdict, return a bool; hints come in steps: the first
wrong answer of an exercise hears what is wrong, the second also how to fix it),
`not_answered` (the hint for an answer still `None`), `close_enough`, `short` (a learner's
value, shortened for a verdict line), `same_int`/`same_str` (equality that only a real int or
str can pass, so an object whose `__eq__` always says True does not), `run_answer` (call the
learner's function, turning an exception — `SystemExit` included — into a one-line
description), `as_floats`/`same_floats`/`softmax_floats`/`rounded`
(reading and comparing a learner's list of numbers), the checkers of the common kinds of exercise —
`check_number` (predict, then run: a number within a tolerance, "too high"/"too low") and
`check_choice` (multiple choice: each wrong option names its own mistake) — and the
exercise register: `exercise` marks a checker as exercise "NN.k" of chapter NN, and
`progress("NN")` prints one line saying which of the chapter's exercises passed so far.

Verdict lines are plain text ("Correct!", "Not yet:", "Cannot tell:"), so they read the same
on a machine without an emoji font. The register (which exercises passed, how many wrong
tries each had) is the one piece of state in the package: it lives as long as the kernel,
which is what "in this session" means.

Imports: course.progress.
"""
import functools
import math
import numbers
import reprlib

KINDS = ("predict", "find-the-bug", "ablate", "derive", "experiment", "implement")
_EXERCISES = {}        # chapter "NN" -> [(exercise id "NN.k", title, kind)], in registration order
_PASSED = {}           # exercise id -> True once it has passed in this kernel, else False
_WRONG = {}            # exercise id -> wrong answers so far in this kernel
_CHECKING = []         # the exercise whose checker is running (a stack: checkers may nest)
NEXT_TIME = "(Change your answer and check again; a second wrong answer brings a hint.)"


def verdict(ok, good_msg, symptom, hint=None):
    """Print "Correct! good_msg", "Not yet: symptom" or, for ok=None, "Cannot tell: symptom".

    `symptom` says what is wrong in the learner's terms; `hint`, if given, says how to fix it
    and is shown only from the second wrong answer of the same exercise in this session (the
    first gets the symptom and `NEXT_TIME`), so the first verdict never gives the fix away.
    """
    if ok is None:
        print(f"Cannot tell: {symptom}")
    elif ok:
        print(f"Correct! {good_msg}")
    elif hint is None:
        print(f"Not yet: {symptom}")
    else:
        tries = _WRONG.get(_CHECKING[-1], 0) if _CHECKING else 1
        print(f"Not yet: {symptom} " + (f"Hint: {hint}" if tries >= 1 else NEXT_TIME))
    return bool(ok)


class _Short(reprlib.Repr):
    def repr_instance(self, x, level):      # reprlib's own would show a memory address
        if type(x).__repr__ is object.__repr__:
            return f"<a {type(x).__name__}>"
        try:
            text = repr(x)
        except Exception:
            return f"<a {type(x).__name__}>"
        return text if len(text) <= self.maxother else text[:self.maxother - 3] + "..."


_short = _Short()
_short.maxstring, _short.maxother, _short.maxlist, _short.maxtuple = 40, 40, 6, 6
_short.maxdict, _short.maxset, _short.maxlevel = 4, 6, 2


def short(x, limit=60):
    """A learner's value for a verdict line: its repr, cut to about `limit` characters (a list
    of ten million numbers is shown by its first few, without building its whole repr)."""
    try:
        text = _short.repr(x)
    except Exception:                       # a learner's class whose __repr__ raises
        text = f"<a {type(x).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def cut(text, limit=200):
    """A text (an error message) cut to about `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def same_int(x, want):
    """x is a real integer (not a bool, not an object that claims equality) equal to want."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool) and int(x) == want


def same_str(x, want):
    """x is a str equal to want (an object whose __eq__ always says True does not pass)."""
    return isinstance(x, str) and str.__eq__(x, want) is True


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
    except (Exception, SystemExit) as exc:  # the learner's code: report, never crash
        return None, f"your function raised {type(exc).__name__}: {cut(exc)}"



# ---- numbers from a learner's answer ----------------------------------------------------

def _is_value(x):
    return hasattr(x, "data") and hasattr(x, "grad") and hasattr(x, "_children")


def as_floats(got, n=None):
    """A list of floats from a list/tuple/array of numbers or Values (duck-typed), else None;
    also None if `n` is given and the length differs (checked first: a huge list is cheap)."""
    if n is not None and getattr(got, "__len__", None) is not None and len(got) != n:
        return None
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
    if not_answered(answer, "Write your prediction as a number."):
        return False
    if not is_number(answer):
        return verdict(False, "", f"the answer should be a number, got {short(answer)}.")
    if abs(answer - want) <= tol:
        return verdict(True, good_msg, "")
    return verdict(False, "", f"{answer:g} is too {'high' if answer > want else 'low'}.",
                   too_high if answer > want else too_low)


def check_choice(answer, right, why_right, why_wrong):
    """Multiple choice: `answer` is one of the keys of why_wrong or `right` (letters)."""
    options = sorted({right, *why_wrong})
    if not_answered(answer, f"answer with one of {', '.join(map(repr, options))}."):
        return False
    if not isinstance(answer, str):
        return verdict(False, "", f"answer with one letter in quotes, one of "
                       f"{', '.join(map(repr, options))}; got {short(answer)}.")
    key = answer.strip().lower()
    if same_str(key, right):
        return verdict(True, why_right, "")
    if key in why_wrong:
        return verdict(False, "", why_wrong[key])
    return verdict(False, "", f"{short(answer)} is not one of the options "
                   f"{', '.join(options)}.")


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
            _CHECKING.append(exercise_id)
            try:
                ok = bool(check(*args, **kwargs))
            except (Exception, SystemExit) as exc:
                ok = verdict(None, "", f"the checker could not judge this answer "
                             f"({type(exc).__name__}: {cut(exc, 120)}); compare it "
                             "with the task.")
            finally:
                _CHECKING.pop()
            _PASSED[exercise_id] = _PASSED.get(exercise_id, False) or ok
            if not ok:
                _WRONG[exercise_id] = _WRONG.get(exercise_id, 0) + 1
            from ..progress import record  # the classroom's file, if asked; never raises
            if not (args and args[0] is None):      # None: not answered, not tried
                record(exercise_id, ok)
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
