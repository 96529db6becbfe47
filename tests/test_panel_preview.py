"""A panel's cell says what it is before it runs: its display bundle keeps the live widget
(JupyterLab shows it when the cell runs) and adds a text and an HTML box (what a notebook
opened without running shows, untrusted as every fresh clone is) naming the panel and saying
that running the cell opens it, instead of `VBox(children=(Dropdown(...`."""
import re

import pytest

pytest.importorskip("ipywidgets")

from microgpt.course.panel_text import BEFORE_RUN, panel_bundle  # noqa: E402

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("kind", sorted(BEFORE_RUN))
def test_the_bundle_keeps_the_widget_and_says_what_it_is(kind):
    import ipywidgets as W
    box = W.VBox([W.Dropdown(options=["tensor"], description="engine")])
    bundle = panel_bundle(box, kind)
    assert bundle[WIDGET]["model_id"] == box.model_id            # the live panel, when run
    for mime in ("text/plain", "text/html"):
        assert "run" in bundle[mime].lower() and BEFORE_RUN[kind][0] in bundle[mime].lower()
        assert "VBox" not in bundle[mime] and "Dropdown" not in bundle[mime]
    assert not re.search(r"<(img|svg|script)", bundle["text/html"])   # text only, no picture
    assert "<" not in bundle["text/plain"]


def test_both_panels_display_the_bundle(monkeypatch):
    import IPython.display

    from microgpt.course import widgets
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    panel = widgets.TrainingPanel(["emma", "olivia", "ava", "mia", "noah", "liam"] * 20,
                                  ["amelia", "lucas"] * 5)
    panel._ipython_display_()
    assert shown[-1][WIDGET]["model_id"] == panel.widget.model_id
    assert shown[-1]["text/plain"].startswith("[The training panel: run this cell")
