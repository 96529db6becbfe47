"""Boxes-and-arrows pictures: a `Diagram` of labelled boxes, drawn as SVG.

Owns: `Diagram` (nodes with lines of text and a kind, arrows with a label, groups of nodes),
`DiagramSVG` (the picture, shown inline in Jupyter) and the two ways to draw it: Graphviz's
`dot` when it works, else a small pure-Python layered layout (ranks from the top, columns
side by side, arrows that skip ranks routed around the boxes in between). `course.diagrams`
builds the architecture pictures with it. The SVG display (an `<img>` in text/html, so an
untrusted notebook shows it on first open) and the fitting to the page width are
`course.graph`'s, reused.

Imports: course.graph (graphviz inside the function that uses it).
"""
import shutil
from xml.sax.saxutils import escape

from .graph import INSTALL_HINT, MAX_WIDTH, GraphSVG, fit_width

# fill, outline and shape of each kind of box (the same in both renderers)
STYLE = {"data": ("#f2f2f2", "#777777", "ellipse"), "weight": ("#eef4fb", "#3c6ea5", "box"),
         "op": ("#fff3d6", "#a07020", "box"), "add": ("#e8f5e4", "#3d8a3d", "circle"),
         "stream": ("#e8f5e4", "#3d8a3d", "box")}


class DiagramSVG(GraphSVG):
    """A diagram as SVG (inline in Jupyter); `.diagram` holds what was drawn."""

    def __init__(self, svg, engine, diagram, source=None):
        super().__init__(svg, engine, source)
        self.diagram = diagram

    def __repr__(self):
        return f"<{self.diagram.name} diagram drawn by {self.engine}>"


class Diagram:
    """Boxes and arrows: node(id, lines, kind, col), edge(a, b, label), groups of nodes."""

    def __init__(self, name, title):
        self.name, self.title = name, title
        self.nodes, self.edges, self.groups = {}, [], []

    def node(self, key, *lines, kind="op", col=0):
        self.nodes[key] = {"lines": list(lines), "kind": kind, "col": col}
        return key

    def edge(self, a, b, label="", side="right", tied=False):
        self.edges.append({"a": a, "b": b, "label": label, "side": side, "tied": tied})

    def texts(self):
        """Every piece of text in the picture (what the tests and a screen reader can read)."""
        return ([*self.title] + [t for n in self.nodes.values() for t in n["lines"]]
                + [e["label"] for e in self.edges if e["label"]] + [g for g, _ in self.groups])

    def draw(self, engine="auto", max_width=MAX_WIDTH):
        if engine not in ("auto", "graphviz", "fallback"):
            raise ValueError(f"engine must be 'auto', 'graphviz' or 'fallback', got {engine!r}")
        if engine != "fallback":
            try:
                return fit_width(_graphviz(self), max_width)
            except Exception as exc:        # no Python package, no `dot`, or `dot` failed
                if engine == "graphviz":
                    raise RuntimeError(f"Graphviz could not draw the diagram: {exc}") from exc
            print(INSTALL_HINT)
        return fit_width(DiagramSVG(_fallback(self), "fallback", self), max_width)


def _graphviz(d):
    import graphviz  # heavy and optional: only here
    if shutil.which("dot") is None:
        raise RuntimeError("the `dot` executable is not on PATH")
    g = graphviz.Digraph(graph_attr={"rankdir": "TB", "label": "\\n".join(d.title),
                                     "labelloc": "t", "fontsize": "14", "nodesep": "0.25",
                                     "ranksep": "0.3", "fontname": "Helvetica"},
                         node_attr={"fontsize": "12", "fontname": "Helvetica",
                                    "style": "filled,rounded", "margin": "0.08,0.03",
                                    "height": "0.3"},
                         edge_attr={"fontsize": "11", "fontname": "Helvetica",
                                    "color": "#555555"})
    grouped = {k: name for name, keys in d.groups for k in keys}
    for name, keys in d.groups:
        with g.subgraph(name=f"cluster_{name}") as sub:
            sub.attr(label=name, color="#999999", style="dashed", fontsize="12",
                     labeljust="l")
            for k in keys:
                _gv_node(sub, k, d.nodes[k])
    for k, n in d.nodes.items():
        if k not in grouped:
            _gv_node(g, k, n)
    for e in d.edges:
        extra = {"style": "dashed", "constraint": "false"} if e["tied"] else {}
        if d.nodes[e["a"]]["col"] == d.nodes[e["b"]]["col"] == 0:
            extra.setdefault("weight", "5")     # keep the main column straight
        g.edge(e["a"], e["b"], label=" " + e["label"] if e["label"] else "", **extra)
    return DiagramSVG(g.pipe(format="svg").decode("utf-8"), "graphviz", d, source=g.source)


def _gv_node(g, key, n):
    fill, line, shape = STYLE[n["kind"]]
    g.node(key, label="\\n".join(n["lines"]), shape=shape, fillcolor=fill, color=line,
           **({"group": "main"} if n["col"] == 0 else {}))


# ---- the pure-Python drawing: ranks from the top, columns side by side ---------------------

CHAR_W, LINE_H, GAP_Y, GAP_X, PAD = 7.0, 15, 34, 16, 12


def _size(n):
    w = max(len(t) for t in n["lines"]) * CHAR_W + 18
    h = len(n["lines"]) * LINE_H + 10
    return (max(w, h, 26), max(h, 26)) if n["kind"] == "add" and w < 40 else (w, h)


def _fallback(d):
    keys = list(d.nodes)
    rank = dict.fromkeys(keys, 0)
    for _ in keys:                          # longest path from the top (the arrows form no loop)
        for e in d.edges:
            if not e["tied"]:
                rank[e["b"]] = max(rank[e["b"]], rank[e["a"]] + 1)
    size = {k: _size(d.nodes[k]) for k in keys}
    rows = {}                               # (rank, col) -> nodes side by side
    for k in keys:
        rows.setdefault((rank[k], d.nodes[k]["col"]), []).append(k)
    n_cols = max(n["col"] for n in d.nodes.values()) + 1
    col_w = [max([sum(size[k][0] + GAP_X for k in ks) for (r, c), ks in rows.items()
                  if c == col] or [0]) for col in range(n_cols)]
    centre_x = [sum(col_w[:c]) + col_w[c] / 2 for c in range(n_cols)]
    top = PAD + LINE_H * len(d.title) + 12
    y = {}
    for r in range(max(rank.values()) + 1):
        height = max(size[k][1] for k in keys if rank[k] == r)
        y[r] = top + height / 2
        top += height + GAP_Y
    pos = {}
    for (r, c), ks in rows.items():
        x = centre_x[c] - (sum(size[k][0] + GAP_X for k in ks) - GAP_X) / 2
        for k in ks:
            pos[k] = (x + size[k][0] / 2, y[r])
            x += size[k][0] + GAP_X
    box = {k: (pos[k][0] - size[k][0] / 2, pos[k][1] - size[k][1] / 2,
               pos[k][0] + size[k][0] / 2, pos[k][1] + size[k][1] / 2) for k in keys}
    shapes, lines, labels, lanes, xs = [], [], [], {}, []
    for e in d.edges:
        a, b = box[e["a"]], box[e["b"]]
        x1, x2 = pos[e["a"]][0], pos[e["b"]][0]
        between = [box[k] for k in keys if rank[e["a"]] < rank[k] < rank[e["b"]]]
        blocked = any(k[0] - 6 < max(x1, x2) and k[2] + 6 > min(x1, x2) for k in between)
        if not (e["tied"] or blocked):      # a straight arrow
            lines.append((f"M{x1:.1f},{a[3]:.1f} L{x2:.1f},{b[1]:.1f}", False))
            labels.append(((x1 + x2) / 2 + 5, (a[3] + b[1]) / 2 + 4, "start", e["label"]))
            continue
        right = e["side"] == "right"        # around the boxes in between, on a lane
        edge_x = [k[2] if right else k[0] for k in between + [a, b]]
        lane = (max(edge_x) + 18 if right else min(edge_x) - 18)
        lane += (1 if right else -1) * 12 * lanes.setdefault((right, rank[e["a"]]), 0)
        lanes[(right, rank[e["a"]])] += 1
        sa, sb = (a[2], b[2]) if right else (a[0], b[0])
        ya, yb = pos[e["a"]][1], pos[e["b"]][1]
        lines.append((f"M{sa:.1f},{ya:.1f} L{lane:.1f},{ya:.1f} L{lane:.1f},{yb:.1f} "
                      f"L{sb:.1f},{yb:.1f}", e["tied"]))
        xs.append(lane)
        labels.append((lane + (5 if right else -5), (ya + yb) / 2, "start" if right else "end",
                       e["label"]))
    for name, ks in d.groups:
        x0, y0 = min(box[k][0] for k in ks) - 10, min(box[k][1] for k in ks) - 17
        x1, y1 = max(box[k][2] for k in ks) + 10, max(box[k][3] for k in ks) + 5
        shapes.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
                      f'height="{y1 - y0:.1f}" fill="none" stroke="#999" stroke-dasharray="4,3"/>'
                      f'<text x="{x0 + 6:.1f}" y="{y0 + 14:.1f}" fill="#555">{escape(name)}</text>')
    for k in keys:
        shapes.append(_svg_node(d.nodes[k], box[k]))
    # the extent of everything, text estimated at CHAR_W per character
    xs += [v for k in keys for v in (box[k][0], box[k][2])]
    xs += [x + (len(t) if a == "start" else -len(t)) * (CHAR_W - 0.5) for x, _, a, t in labels]
    title_w = max(len(t) for t in d.title) * CHAR_W
    lo, hi = min(xs) - PAD, max(max(xs), min(xs) + title_w) + PAD
    width, height = hi - lo, top - GAP_Y + PAD
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="{lo:.0f} 0 {width:.0f} {height:.0f}" font-family="sans-serif" '
           f'font-size="12">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/>'
           '</marker></defs><rect x="-100000" y="0" width="200000" height="100%" fill="white"/>']
    out += [f'<text x="{lo + PAD:.1f}" y="{PAD + 12 + i * LINE_H}" font-size="13"'
            f'{" font-weight=" + chr(34) + "bold" + chr(34) if i == 0 else ""}>{escape(t)}</text>'
            for i, t in enumerate(d.title)]
    out += [f'<path d="{p}" fill="none" stroke="#555" marker-end="url(#arrow)"'
            f'{" stroke-dasharray=" + chr(34) + "5,3" + chr(34) if dashed else ""}/>'
            for p, dashed in lines]
    out += shapes
    out += [f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{a}" font-size="11" fill="#333">'
            f'{escape(t)}</text>' for x, y, a, t in labels if t]
    return "\n".join(out + ["</svg>"])


def _svg_node(n, b):
    fill, line, shape = STYLE[n["kind"]]
    x0, y0, x1, y1 = b
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if shape == "ellipse":
        outline = (f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{(x1 - x0) / 2:.1f}" '
                   f'ry="{(y1 - y0) / 2:.1f}"')
    elif shape == "circle" and len(n["lines"][0]) < 3:
        outline = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{(y1 - y0) / 2:.1f}"'
    else:
        outline = (f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
                   f'height="{y1 - y0:.1f}" rx="5"')
    first = cy - (len(n["lines"]) - 1) * LINE_H / 2 + 4
    return (outline + f' fill="{fill}" stroke="{line}"/>' + "".join(
        f'<text x="{cx:.1f}" y="{first + i * LINE_H:.1f}" text-anchor="middle">{escape(t)}</text>'
        for i, t in enumerate(n["lines"])))
