"""What can be checked of a matplotlib figure as a learner sees it, for tests/test_figures.py.

Owns: `problems(figure, dpi, png_width)` — the readability problems of one rendered figure:
an axes with data but no title (and no figure title), a numeric axis without a label, tick
labels smaller than MIN_TEXT_PX on screen (the font size at the saved dpi, scaled down when
the picture is wider than the output area, as JupyterLab shows it), a legend drawn over data
points — and `install()`, which wraps matplotlib's `FigureCanvasBase.print_figure` in a
kernel so that every figure rendered (the inline backend's pictures, `savefig`) is checked
after it is drawn, its problems appended as one JSON line to $MICROGPT_FIGURE_PROBE.

Imports: nothing of microgpt's; matplotlib.
"""
import json
import os
import struct

MIN_TEXT_PX = 10          # a 10-px font's letters are ~7 px tall; chapter 03's were ~5
OUTPUT_AREA_PX = 900      # a notebook's output area on a laptop (1280-px window, sidebar open)


def _is_number(text):
    text = text.replace("\u2212", "-").strip()
    try:
        float(text)
        return True
    except ValueError:
        return False


def _has_data(ax):
    return bool(ax.lines or ax.images or ax.collections or ax.patches)


def _is_colorbar(ax):
    return hasattr(ax, "_colorbar") or ax.get_label() == "<colorbar>"


def _data_points(ax):
    """Display coordinates of the data the axes shows: line vertices, scatter offsets, bar tops."""
    import numpy as np
    points = []
    for line in ax.get_lines():
        if line.get_visible():
            xy = np.asarray(line.get_xydata(), dtype=float)
            if len(xy) > 2:          # axhline/axvline have 2: they run under everything
                points.append(line.get_transform().transform(xy))
    for coll in ax.collections:
        offsets = np.asarray(coll.get_offsets(), dtype=float)
        if offsets.ndim == 2 and len(offsets) and coll.get_visible():
            points.append(coll.get_offset_transform().transform(offsets))
    for patch in ax.patches:
        if hasattr(patch, "get_height") and patch.get_visible() and patch.get_height():
            x, y, w, h = patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height()
            points.append(patch.get_data_transform().transform([[x + w / 2, y + h]]))
    points = [p for p in points if len(p)]
    return np.concatenate(points) if points else np.zeros((0, 2))


def problems(figure, dpi, png_width=None):
    """[str] of what makes `figure` hard to read; [] when nothing is found."""
    canvas = figure.canvas
    renderer = canvas.get_renderer() if hasattr(canvas, "get_renderer") \
        else figure._get_renderer()
    scale = min(1.0, OUTPUT_AREA_PX / png_width) if png_width else 1.0
    titled = bool(figure._suptitle and figure._suptitle.get_text())
    found = []
    axes = [ax for ax in figure.axes if ax.get_visible() and not _is_colorbar(ax)]
    for n, ax in enumerate(axes, 1):
        where = f"axes {n} of {len(axes)}" + (f" ({ax.get_title()!r})" if ax.get_title() else "")
        if not _has_data(ax):
            continue
        twin = any(other is not ax and other.bbox.bounds == ax.bbox.bounds for other in axes)
        if not (titled or ax.get_title() or any(o.get_title() for o in axes
                                                  if o.bbox.bounds == ax.bbox.bounds)):
            found.append(f"{where}: no title")
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            ticks = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            if ticks and all(_is_number(t.get_text()) for t in ticks) \
                    and not axis.get_label_text() and not (twin and name == "x"):
                found.append(f"{where}: the {name} axis has numbers but no label")
            for t in ticks[:1]:
                px = t.get_fontsize() * dpi / 72 * scale
                if px < MIN_TEXT_PX:
                    found.append(f"{where}: {name} tick labels {px:.1f} px on screen "
                                 f"(font {t.get_fontsize():g} pt at {dpi:g} dpi, picture "
                                 f"{png_width or '?'} px wide shown at {scale:.0%}); "
                                 f"need {MIN_TEXT_PX} px")
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            box = legend.get_window_extent(renderer)
            covered = sum(int(box.contains(x, y)) for x, y in _data_points(ax))
            for other in axes:     # a twin's data is under this legend too
                if other is not ax and other.bbox.bounds == ax.bbox.bounds:
                    covered += sum(int(box.contains(x, y)) for x, y in _data_points(other))
            if covered:
                found.append(f"{where}: the legend covers {covered} data points")
    return found


def describe(figure):
    """A figure's name for messages: its title, or its axes' titles and labels."""
    if figure._suptitle and figure._suptitle.get_text():
        return figure._suptitle.get_text()
    names = [ax.get_title() or f"{ax.get_xlabel()} / {ax.get_ylabel()}" for ax in figure.axes
             if not _is_colorbar(ax)]
    return "; ".join(n for n in names if n.strip(" /")) or "an untitled figure"


def _png_width(fobj):
    try:
        data = fobj.getvalue()
    except AttributeError:
        return None
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">I", data[16:20])[0]
    return None


def install(path=None):
    """Check every figure the kernel renders; append {"problems": [...]} lines to `path`."""
    from matplotlib.backend_bases import FigureCanvasBase
    path = path or os.environ["MICROGPT_FIGURE_PROBE"]
    original = FigureCanvasBase.print_figure
    if getattr(original, "_probe", False):
        return

    def print_figure(self, filename, *args, **kwargs):
        result = original(self, filename, *args, **kwargs)
        dpi = kwargs.get("dpi") or self.figure.dpi
        dpi = self.figure.dpi if dpi == "figure" else float(dpi)
        try:
            found = problems(self.figure, dpi, _png_width(filename))
        except Exception as e:      # the probe must never break the chapter it watches
            found = [f"the figure probe failed: {type(e).__name__}: {e}"]
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"figure": describe(self.figure), "problems": found}) + "\n")
        return result
    print_figure._probe = True
    FigureCanvasBase.print_figure = print_figure
