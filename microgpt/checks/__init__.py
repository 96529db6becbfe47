"""The exercise checkers of the notebooks: one module per chapter, named after its topic.

Owns: nothing but this map. `start_here`, `autograd`, `names_and_tokens`, `attention`,
`transformer_block`, `training`, `sampling` and `efficiency` each hold the `check_...`
functions of their chapter's exercises; `common` holds the helpers they share (`verdict`,
`not_answered`, `close_enough`, `run_answer`). A notebook imports its checkers from its own
chapter's module, e.g. `from microgpt.checks.autograd import check_tanh`.

How a checker behaves: it prints one friendly line ("✅ Correct! ..." or "❌ Not yet: ...")
and never raises on a learner's mistake: `None` means "not answered yet" and gets a hint, and
an exception inside the learner's function is reported as a verdict. Every checker returns
True or False, so a solution cell can `assert` it.

This file imports nothing, so `import microgpt.checks` never pulls in NumPy (only
`efficiency` needs it).

Imports: nothing of ours.
"""
