"""What the training panel's status line says, before, during and after a run.

Owns: the engine names the panel shows (`ENGINE_NAMES`) and the status texts: the estimate
before a run (engine, parameters, steps, seconds, the baseline to beat), "step k / n, about
T s left" during it, and after it the validation loss against the bigram baseline of the
run's block size, the time taken against the estimate, and how "Train more" continues the
learning rate. Plain functions of numbers and of the checked engine names (nothing from the
data or a learner reaches them, so there is nothing to escape); the panel puts the HTML in
a widget.
And `panel_bundle`: what a panel's cell shows, the live widget and, for a notebook opened
without running it, a text and a box saying what the panel is and that running opens it.

Imports: nothing of ours.
"""

ENGINE_NAMES = {"tensor": "tensor engine (NumPy arrays, chapter 08)",
                "scalar": "scalar engine (one Value per number, chapters 01–06)"}


def baseline_text(baseline, block_size, num_val):
    """'bigram baseline 2.4562 (block_size 16, 50 validation names)', or '' without one."""
    if baseline is None:
        return ""
    return f"bigram baseline {baseline:.4f} (block_size {block_size}, {num_val} validation names)"


def estimate_text(engine, num_params, num_steps, batch_size, seconds, baseline):
    per_step = f"{batch_size} names" if batch_size > 1 else "one name"
    beat = f" The line to beat: {baseline}." if baseline else ""
    return (f"<b>{ENGINE_NAMES[engine]}</b>: {num_params:,} parameters; {num_steps} steps of "
            f"{per_step} take about {seconds:.0f} s here.{beat}")


def running_text(engine, learning_rate, step, total, seconds_left):
    return (f"Training on the <b>{ENGINE_NAMES[engine]}</b>, learning rate "
            f"{learning_rate:.4f} decaying to 0 (the stop button ■ ends the run after the "
            f"current step): step {step} / {total}, about {seconds_left:.0f} s left.")


def summary_text(s, done, num_steps, baseline, baseline_line, seconds, estimate):
    """After a run of session `s`: where the validation loss stands, time, and Train more."""
    stopped = f"Stopped after {done} of {num_steps} steps. " if s.interrupted else ""
    verdict = ""
    if s.val:
        v = s.val[-1][1]
        side = "" if baseline is None else (" — <b>below</b> the " if v < baseline
                                            else " — not yet below the ")
        verdict = f"validation loss {v:.4f}{side}{baseline_line}. "
    return (f"{stopped}{verdict}{len(s.losses)} steps so far (last step's loss "
            f"{s.losses[-1]:.4f}); this run took {seconds:.0f} s (estimated {estimate:.0f} s) "
            f"on the {s.engine} engine. <b>Train more</b> goes on from here: its learning "
            f"rate starts again at {s.learning_rate:.4f} and decays to 0 over its steps (the "
            "green line in the plot).")


# ---- what a panel's cell shows before it is run -------------------------------------------

BEFORE_RUN = {
    "training": ("the training panel",
                 "choose an engine and the model's shape, press <b>Train</b> and watch the "
                 "loss fall below the bigram baseline in a live plot"),
    "sampling": ("the sampling panel",
                 "move the <b>temperature</b> slider and watch the names the trained model "
                 "makes change"),
}


def panel_bundle(widget, kind):
    """The display bundle of a panel (`kind` a key of BEFORE_RUN): the live widget, which
    JupyterLab shows when the cell runs, plus the text and HTML that a notebook opened
    without running it shows instead (saved outputs of widgets have no widget to show):
    what the panel is and that running the cell opens it."""
    name, what = BEFORE_RUN[kind]
    bundle = dict(widget._repr_mimebundle_() or {})
    plain = what.replace("<b>", "").replace("</b>", "")
    bundle["text/plain"] = f"[{name.capitalize()}: run this cell to open it; then {plain}.]"
    bundle["text/html"] = (
        '<div style="border: 1px solid #bbb; border-radius: 4px; padding: 6px 10px">'
        f"<b>{name.capitalize()}</b> opens here when this cell runs (Shift+Enter, or "
        f"Run &rarr; Run All Cells): {what}.</div>")
    return bundle
