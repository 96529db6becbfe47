"""The exercise checkers of the notebooks: one module per chapter, named after its topic.

Owns: nothing but this map. `start_here`, `autograd`, `names_and_tokens`, `neural_bigram`,
`attention`, `transformer_block`, `training`, `sampling` and `efficiency` each hold the
`check_...` functions of their chapter's exercises; `common` holds what they share (`verdict`,
`not_answered`, `run_answer`, the exercise register and the progress line). A notebook imports
its checkers from its own chapter's module, e.g. `from microgpt.course.checks.autograd import
check_tanh`.

How a checker behaves: it prints one line ("Correct! ..." or "Not yet: ...", plain text that
needs no emoji font) and never raises on a learner's mistake: `None` means "not answered yet"
and gets a hint, and an exception inside the learner's function is reported as a verdict. Every
checker returns True or False, so a solution cell can `assert` it.

This file imports nothing, so `import microgpt.course.checks` never pulls in NumPy (only
`efficiency` needs it).

Imports: nothing of ours.
"""
