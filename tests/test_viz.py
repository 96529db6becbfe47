"""microgpt.course.viz: graph node lists, both graph renderers, loss smoothing, plot helpers."""
import re

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")   # no window in tests; the package itself never picks a backend
import matplotlib.pyplot as plt  # noqa: E402

from microgpt import Value, graph, viz  # noqa: E402
from microgpt.engine import vsum  # noqa: E402


def small_expression():
    """L = (a*b + c)²: 6 values, 3 ops; d is used twice by the square."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    d = a * b + c
    d.label = "d"
    L = d * d
    L.backward()
    return L


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_smooth_losses_is_the_mean_of_the_last_window_steps():
    assert viz.smooth_losses([1.0, 2.0, 3.0, 4.0, 5.0], 2) == [1.0, 1.5, 2.5, 3.5, 4.5]
    assert viz.smooth_losses([3.0, 1.0, 2.0], 10) == [3.0, 2.0, 2.0]
    assert viz.smooth_losses([4.0, 6.0], 1) == [4.0, 6.0]
    assert viz.smooth_losses([], 5) == []


@pytest.mark.parametrize("window", [0, -1, 2.5])
def test_smooth_losses_rejects_bad_windows(window):
    with pytest.raises(ValueError, match="window"):
        viz.smooth_losses([1.0], window)


def test_graph_nodes_counts_values_ops_and_edges():
    nodes, edges = viz.graph_nodes(small_expression())
    kinds = [n["kind"] for n in nodes]
    assert kinds.count("value") == 6 and kinds.count("op") == 3
    assert len(edges) == 9          # 2 per binary op in, 1 per op out; d*d gives 2 edges
    assert ("v4", "op5") in edges and edges.count(("v4", "op5")) == 2
    assert nodes[-1]["id"] == "v5" and nodes[-1]["grad"] == 1.0
    labels = {n["label"] for n in nodes if n["kind"] == "value"}
    assert {"a", "b", "c", "d"} <= labels


def test_graph_ids_are_the_same_for_two_separate_builds():
    first, second = viz.graph_nodes(small_expression()), viz.graph_nodes(small_expression())
    assert first == second
    assert all(re.fullmatch(r"(v|op)\d+", n["id"]) for n in first[0])


def test_graph_nodes_children_come_before_parents():
    nodes, edges = viz.graph_nodes(small_expression())
    position = {n["id"]: i for i, n in enumerate(nodes)}
    assert all(position[a] < position[b] for a, b in edges)


def test_too_many_nodes_is_a_helpful_error():
    x = Value(1.0)
    for _ in range(200):
        x = x + 1.0
    with pytest.raises(ValueError, match=r"graph has 601 nodes, more than max_nodes=250; .*"
                                         r"pass max_nodes=601"):
        viz.draw_graph(x)
    assert "<svg" in viz.draw_graph(x, max_nodes=601, engine="fallback")._repr_svg_()


def test_draw_graph_rejects_a_non_value():
    with pytest.raises(ValueError, match="needs a Value"):
        viz.draw_graph(3.0)


def test_fallback_svg_shows_every_node(capsys):
    L = small_expression()
    picture = viz.draw_graph(L, engine="fallback")
    svg = picture._repr_svg_()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    nodes, edges = viz.graph_nodes(L)
    for n in nodes:
        if n["kind"] == "value":
            assert f"data {n['data']:.4f}" in svg and f"grad {n['grad']:.4f}" in svg
    assert svg.count("<rect") == 6 and svg.count("<circle") == 3
    assert svg.count("<line") == len(edges)
    assert picture.engine == "fallback"
    assert capsys.readouterr().out == ""        # asked for explicitly: no install hint


def test_fallback_escapes_labels_and_draws_top_to_bottom():
    v = Value(1.0, label="<x & y>") * 2.0
    svg = viz.draw_graph(v, engine="fallback", rankdir="TB").svg
    assert "&lt;x &amp; y&gt;" in svg and "<x & y>" not in svg


def test_auto_without_dot_falls_back_and_prints_one_install_line(monkeypatch, capsys):
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    picture = viz.draw_graph(small_expression())
    assert picture.engine == "fallback" and "<svg" in picture.svg
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "apt install graphviz" in out[0] and "brew install graphviz" in out[0]


def test_graphviz_path_produces_svg(has_dot):
    pytest.importorskip("graphviz")
    if not has_dot:
        pytest.skip("Graphviz's `dot` is not installed here; the fallback tests cover this machine")
    picture = viz.draw_graph(small_expression(), engine="graphviz")
    assert picture.engine == "graphviz"
    assert "<svg" in picture._repr_svg_() and "grad 16.0000" in picture.svg
    assert "rankdir=LR" in picture.source and "0x" not in picture.source


def test_plot_loss_draws_raw_smoothed_validation_and_baseline():
    losses = [3.3 - 0.01 * i for i in range(50)]
    ax = viz.plot_loss(losses, smooth=10, val=[(25, 3.1), (50, 2.9)], baseline=2.5,
                       title="loss")
    assert len(ax.lines) == 4
    assert list(ax.lines[0].get_xdata()) == list(range(1, 51))
    assert list(ax.lines[1].get_ydata()) == pytest.approx(viz.smooth_losses(losses, 10))
    assert "bigram baseline" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_title() == "loss" and ax.get_ylabel() == "loss (nats)"


def test_plot_loss_on_a_given_axes_without_smoothing():
    fig, ax = plt.subplots()
    assert viz.plot_loss([2.0, 1.0], smooth=1, ax=ax) is ax
    assert len(ax.lines) == 1


def test_heatmap_labels_and_annotations():
    ax = viz.heatmap([[0.1, 0.9], [0.5, 0.5], [1.0, 0.0]], ["a", "b", "c"], ["x", "y"],
                     annotate=True, title="weights")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert len(ax.texts) == 6 and ax.texts[0].get_text() == "0.10"
    with pytest.raises(ValueError, match="row_labels"):
        viz.heatmap([[1.0, 2.0]], ["a", "b"])
    with pytest.raises(ValueError, match="rectangular"):
        viz.heatmap([[1.0, 2.0], [3.0]])


def test_bar_probs_counts_bars_and_highlights_the_chosen_token():
    probs = [0.1, 0.6, 0.3]
    ax = viz.bar_probs(probs, ["a", "b", "c"], highlight=2)
    assert len(ax.patches) == 3
    colours = [p.get_facecolor() for p in ax.patches]
    assert colours[2] != colours[0] and colours[0] == colours[1]
    ax = viz.bar_probs(probs, ["a", "b", "c"], top=2)
    assert len(ax.patches) == 2
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "c"]
    with pytest.raises(ValueError, match="labels"):
        viz.bar_probs(probs, ["a"])


@pytest.mark.parametrize("engine", ["fallback", "graphviz"])
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_no_graph_is_wider_than_max_width(engine, rankdir, has_dot):
    if engine == "graphviz" and not has_dot:
        pytest.skip("Graphviz's dot is not installed (the fallback case still runs)")
    x = Value(1.0, label="x")
    wide = vsum([x * Value(float(i), label=f"w{i}") for i in range(12)])
    for max_width in (300, 800):
        svg = viz.draw_graph(wide, engine=engine, rankdir=rankdir, max_width=max_width).svg
        width = float(re.search(r'<svg[^>]* width="([\d.]+)px"', svg).group(1))
        assert width <= max_width + 0.5, f"{engine}/{rankdir}: {width} px > {max_width}"


@pytest.mark.parametrize("engine", ["fallback", "graphviz"])
def test_graph_html_is_the_same_svg_as_an_img_of_the_fitted_size(engine, has_dot):
    """text/html is what JupyterLab shows for an untrusted notebook (it drops saved SVG):
    an <img> whose data: source is the SVG itself, no wider than max_width."""
    if engine == "graphviz" and not has_dot:
        pytest.skip("Graphviz's dot is not installed (the fallback case still runs)")
    import base64
    picture = viz.draw_graph(small_expression(), engine=engine, max_width=300)
    html = picture._repr_html_()
    m = re.fullmatch(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" '
                     r'width="([\d.]+)" height="([\d.]+)" style="max-width: 100%; height: auto" '
                     r'alt="&lt;computation graph drawn by \w+&gt;"/>', html)
    assert m, html[:200]
    assert base64.b64decode(m.group(1)).decode("utf-8") == picture.svg
    assert float(m.group(2)) <= 300


def test_a_notebook_saves_the_graph_as_html_svg_and_text():
    """What IPython puts in the saved output: all three forms (nbval ignores graph cells)."""
    formatter = pytest.importorskip("IPython.core.formatters").DisplayFormatter()
    data, _ = formatter.format(viz.draw_graph(small_expression(), engine="fallback"))
    assert {"text/html", "image/svg+xml", "text/plain"} <= set(data)
    assert data["text/plain"] == "<computation graph drawn by fallback>"
