"""The course's machinery, kept apart from the model the chapters build.

Owns: nothing but this map. `checks/` holds the exercise checkers (one module per chapter);
`session` a model in training that is safe to interrupt, and `widgets` with its `panel_*`
helpers the panels built on it (ipywidgets); `viz` the plots and `graph` the computation-graph
pictures; `runtime` interrupts between steps and one BLAS thread; `browser` a chapter's set-up
in JupyterLite. None of the model's modules (the top level of `microgpt`) imports anything
from here.

Imports: nothing of ours.
"""
