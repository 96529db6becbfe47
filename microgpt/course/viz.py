"""Pictures for the notebooks: computation graphs, loss curves, heatmaps, distributions.

Owns: `smooth_losses` and `plot_loss`, `heatmap`, `bar_probs`; and, from `graph`, the
computation-graph render `draw_graph` (with `graph_nodes`), so that every picture the
chapters draw comes from this one module.

Imports: engine, validate, course.graph. matplotlib is imported inside the functions that draw,
so `import microgpt` does not need it.
"""
from ..engine import Value
from ..validate import whole_number
from .graph import draw_graph, graph_nodes  # noqa: F401  (re-exported)

# ---- plots ------------------------------------------------------------------------------

def smooth_losses(losses, window):
    """Moving average: entry i is the mean of losses[max(0, i-window+1) : i+1]."""
    window = whole_number("the smoothing window", window)
    out, total = [], 0.0
    for i, x in enumerate(losses):
        total += x
        if i >= window:
            total -= losses[i - window]
        out.append(total / min(i + 1, window))
    return out


def _new_ax(ax, figsize=(6.4, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_loss(losses, *, smooth=20, val=None, baseline=None, ax=None, title=None,
              label="train"):
    """Per-step losses (faint) and their moving average (bold); validation dots; baseline.

    losses: one float per step; val: (step, loss) pairs; baseline: a loss to beat (a
    dashed line labelled "bigram baseline"). Returns the matplotlib Axes.
    """
    losses = [float(x) for x in losses]
    ax = _new_ax(ax)
    steps = list(range(1, len(losses) + 1))
    if smooth and smooth > 1:
        ax.plot(steps, losses, color="tab:blue", alpha=0.25, linewidth=0.8,
                label=f"{label} (per step)")
        ax.plot(steps, smooth_losses(losses, smooth), color="tab:blue", linewidth=2,
                label=f"{label} (mean of last {smooth})")
    else:
        ax.plot(steps, losses, color="tab:blue", linewidth=1.5, label=label)
    if val:
        vs, vl = zip(*val)
        ax.plot(vs, vl, "o-", color="tab:orange", label="validation")
    if baseline is not None:
        ax.axhline(baseline, color="gray", linestyle="--", label="bigram baseline")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats)")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def _floats(matrix):
    rows = [[x.data if isinstance(x, Value) else float(x) for x in row] for row in matrix]
    if not rows or any(len(r) != len(rows[0]) for r in rows) or not rows[0]:
        raise ValueError("heatmap needs a non-empty rectangular matrix (a list of equal rows)")
    return rows


def heatmap(matrix, row_labels=None, col_labels=None, *, ax=None, title=None, cmap="Blues",
            annotate=False, fmt="{:.2f}"):
    """A matrix (list of rows of numbers) as coloured cells, tokens as tick labels."""
    rows = _floats(matrix)
    n_rows, n_cols = len(rows), len(rows[0])
    for name, labels, n in (("row_labels", row_labels, n_rows), ("col_labels", col_labels, n_cols)):
        if labels is not None and len(labels) != n:
            raise ValueError(f"{name} has {len(labels)} entries for {n} {name[:3]}s")
    ax = _new_ax(ax, figsize=(max(4, 0.35 * n_cols + 2), max(3, 0.35 * n_rows + 1)))
    image = ax.imshow(rows, cmap=cmap, aspect="auto")
    ax.figure.colorbar(image, ax=ax)
    ax.set_xticks(range(n_cols))
    ax.set_yticks(range(n_rows))
    ax.set_xticklabels(col_labels if col_labels is not None else range(n_cols))
    ax.set_yticklabels(row_labels if row_labels is not None else range(n_rows))
    if annotate:
        top = max(max(r) for r in rows)
        for i, row in enumerate(rows):
            for j, x in enumerate(row):
                colour = "white" if top and x > 0.6 * top else "black"
                ax.text(j, i, fmt.format(x), ha="center", va="center", color=colour,
                        fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def bar_probs(probs, labels, *, ax=None, title=None, highlight=None, top=None):
    """A distribution over tokens as bars; `highlight` (an index) is drawn in orange.

    top: show only the `top` most likely tokens, most likely first.
    """
    probs = [p.data if isinstance(p, Value) else float(p) for p in probs]
    labels = list(labels) if labels is not None else [str(i) for i in range(len(probs))]
    if len(labels) != len(probs):
        raise ValueError(f"{len(probs)} probabilities but {len(labels)} labels")
    order = list(range(len(probs)))
    if top is not None:
        order = sorted(order, key=lambda i: -probs[i])[:top]
    ax = _new_ax(ax, figsize=(max(4, 0.3 * len(order) + 1.5), 3))
    colours = ["tab:orange" if i == highlight else "tab:blue" for i in order]
    ax.bar(range(len(order)), [probs[i] for i in order], color=colours)
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels([labels[i] for i in order])
    ax.set_ylabel("probability")
    if title:
        ax.set_title(title)
    return ax
