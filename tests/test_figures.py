"""Plots that read at a glance: every matplotlib figure a chapter draws, and the training
panel's plot, checked for what a program can check (tests/figure_probe.py): a title, a label
on every numeric axis, tick labels at least figure_probe.MIN_TEXT_PX tall as shown in
JupyterLab, no legend over the data. The rest (colours, what a picture shows) is looked at.

Each chapter (as committed, tests/committed.py) is executed with nbclient in a kernel whose
matplotlib reports every figure it renders, after drawing it.
"""
import json
import os

import pytest

import committed
import figure_probe
from conftest import ROOT

TESTS = ROOT / "tests"


def chapter_figures(path, tmp_path):
    """[{"figure": name, "problems": [...]}] for every figure chapter `path` renders."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    report = tmp_path / "figures.jsonl"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import figure_probe\nfigure_probe.install()"))
    env = dict(os.environ, MICROGPT_FIGURE_PROBE=str(report), MPLCONFIGDIR=str(tmp_path / "mpl"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), str(TESTS),
                                                        os.environ.get("PYTHONPATH")])))
    # allow_errors: a failing cell is nbval's and the hygiene tests' to report; here every
    # figure that renders is checked
    client = nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)
    if not report.is_file():
        return []
    return [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("path", committed.chapters(), ids=lambda p: p.stem)
def test_every_figure_of_the_chapter_reads_at_a_glance(path, tmp_path):
    figures = chapter_figures(path, tmp_path)
    bad = [f"{f['figure']}: {p}" for f in figures for p in f["problems"]]
    assert not bad, f"{path.name}:\n  " + "\n  ".join(bad)
    saved = sum(1 for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    assert len(figures) >= saved, (f"{path.name}: {saved} saved pictures but only "
                                   f"{len(figures)} figures rendered (a cell failed, or the "
                                   f"probe missed some)")


# ---- the checks themselves, on figures made here ------------------------------------------

def render(figure, dpi=100):
    import io
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return figure_probe.problems(figure, dpi, figure_probe._png_width(buffer))


@pytest.fixture
def Figure():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure
    return Figure


def test_a_labelled_titled_figure_passes(Figure):
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    ax.plot(range(50), [i * i for i in range(50)], label="squares")
    ax.set(title="squares", xlabel="n", ylabel="n²")
    ax.legend(loc="upper left")
    assert render(fig) == []


def test_each_problem_is_named(Figure):
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    ax.plot(range(50), [50 - i for i in range(50)], label="down")
    ax.legend(loc="upper right")        # over the line's start... no: the line starts top left
    ax.legend(loc="upper left")         # where the line is
    ax.tick_params(labelsize=5)
    found = "\n".join(render(fig))
    assert "no title" in found and "x axis has numbers but no label" in found
    assert "y axis has numbers but no label" in found
    assert "tick labels" in found and "need 10 px" in found
    assert "the legend covers" in found


def test_a_wide_picture_is_judged_at_the_size_it_shows(Figure):
    fig = Figure(figsize=(20, 3))       # 2000 px wide: shown at 45 %, its 10-pt ticks at 6 px
    ax = fig.subplots()
    ax.plot(range(10), range(10))
    ax.set(title="wide", xlabel="x", ylabel="y")
    assert any("tick labels" in p for p in render(fig))


def test_token_ticks_need_no_axis_label(Figure):
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.bar(range(3), [0.2, 0.5, 0.3])
    ax.set_xticks(range(3), ["a", "b", "c"])
    ax.set(title="next letter", ylabel="probability")
    assert render(fig) == []


def test_the_training_panels_plot_reads_at_a_glance():
    pytest.importorskip("matplotlib")
    from microgpt.course.panel_plot import DPI, LossPlot
    plot = LossPlot()
    n = 300
    losses = [3.3 - 1.2 * i / n for i in range(n)]
    lrs = [0.01 * (1 - i / n) for i in range(n)]
    for _ in range(2):                  # the second draw reuses (clears) the axes
        png = plot.draw(losses, lrs, [(100, 2.8), (300, 2.2)], 2.4562)
    ax, lr_ax = plot.figure.axes
    assert lr_ax.yaxis.get_label_position() == "right" and lr_ax.get_ylabel() == "learning rate"
    assert lr_ax.yaxis.get_ticks_position() == "right", "the learning rate's ticks are on the left"
    assert ax.yaxis.get_label_position() == "left" and ax.get_ylabel()
    width = int.from_bytes(png[16:20], "big")
    assert figure_probe.problems(plot.figure, DPI, width) == []
