"""The training panel's plot: losses, validation points, the baseline and the learning rate.

Owns: `LossPlot` (one matplotlib Figure, not pyplot, so it is never shown twice, redrawn
into PNG bytes that the panel puts in an Image widget; a second axis draws each step's
learning rate, so the restart of every "Train more" shows as a saw-tooth; `time_a_draw`
measures one redraw of a long run, for the panel's time estimate). Each validation point
is drawn once, from the session's list.

Imports: course.viz; matplotlib is imported inside the functions that draw.
"""

DPI = 100       # 10-point tick labels are 14 px tall


class LossPlot:
    """`png = LossPlot().draw(losses, lrs, val, baseline)`; `updates` counts the redraws."""

    def __init__(self):
        self.figure, self.updates = None, 0

    @staticmethod
    def _new_figure():
        from matplotlib.figure import Figure
        # 6.4 x 3.2 in at DPI: 640 px wide, the panel's image width, so nothing is scaled down
        figure = Figure(figsize=(6.4, 3.2))
        figure.subplots().twinx()
        return figure

    @staticmethod
    def _render(figure, losses, lrs, val, baseline):
        from . import viz
        ax, lr_ax = figure.axes
        ax.clear()
        lr_ax.clear()
        viz.plot_loss(losses, val=val or None, baseline=baseline, ax=ax, title="training loss")
        # clear() puts a twin's ticks and label back on the left, over the loss's: move them
        lr_ax.yaxis.tick_right()
        lr_ax.yaxis.set_label_position("right")
        lr_ax.plot(range(1, len(lrs) + 1), lrs, color="tab:green", linewidth=1, alpha=0.7,
                   label="learning rate (right axis)")
        lr_ax.set_ylim(0, max(lrs, default=0.01) * 1.05)
        lr_ax.set_ylabel("learning rate", color="tab:green")
        lr_ax.tick_params(axis="y", colors="tab:green")
        # one legend for both axes, where the curves are not: above the plot
        ax.get_legend().remove()
        handles = ax.get_legend_handles_labels()[0] + lr_ax.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.1), ncol=3,
                  fontsize="small", frameon=False)
        import io
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
        return buffer.getvalue()

    def draw(self, losses, lrs, val, baseline):
        """PNG bytes of the plot of this history."""
        if self.figure is None:
            self.figure = self._new_figure()
        self.updates += 1
        return self._render(self.figure, losses, lrs, val, baseline)

    def time_a_draw(self, num_steps, clock):
        """Seconds of one redraw of a `num_steps`-long history (on a figure nobody sees)."""
        figure, n = self._new_figure(), max(num_steps, 2)
        history = ([3.3 - i / n for i in range(n)], [0.01] * n, [(n // 2, 2.5), (n, 2.3)], 2.4)
        self._render(figure, *history)                  # the first draw loads fonts: not timed
        start = clock()
        self._render(figure, *history)
        return clock() - start
