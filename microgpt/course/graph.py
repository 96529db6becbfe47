"""Computation-graph renders: the picture of the graph behind a `Value`.

Owns: `graph_nodes` (the deterministic node/edge list of a `Value`'s graph), `draw_graph`
(Graphviz SVG, or a small pure-Python layered SVG where Graphviz is missing) and
`GraphSVG`, which displays inline in Jupyter. `viz` re-exports `draw_graph`/`graph_nodes`.

A saved notebook must show its graphs before anything is run. JupyterLab renders no saved
`image/svg+xml` of an untrusted notebook (every fresh clone, Binder session or nbgitpuller
copy), but it does render sanitised `text/html`, and its sanitiser keeps an `<img>` whose
source is a `data:` URI. So `GraphSVG` also offers `text/html`: the same SVG as an `<img>`
with a base64 `data:image/svg+xml` source and the fitted width and height. JupyterLab
prefers text/html to SVG, trusted or not, so the picture looks the same either way.

Imports: engine (its one graph walk, `topo_order`, which reads any object with
`_children`; the drawing reads `data`, `grad`, `_op`). graphviz is imported inside the
function that uses it.
"""
import base64
import re
import shutil
from xml.sax.saxutils import escape

from ..engine import topo_order

INSTALL_HINT = ("Graphviz's `dot` was not found, so this is a plain pure-Python drawing; for a "
                "nicer one install Graphviz (apt install graphviz / brew install graphviz / "
                "conda install graphviz).")


# ---- computation graphs ---------------------------------------------------------------

def graph_nodes(value):
    """The graph below `value` as (nodes, edges), numbered the same way on every run.

    nodes: dicts, children before parents. A value node is
    {"id": "v3", "kind": "value", "label", "data", "grad", "op"}; a value made by an
    operation is preceded by its op node {"id": "op3", "kind": "op", "op": "+"}.
    edges: (from_id, to_id) pairs: child value -> op node -> result value. A child used
    twice by one op (x * x) gives two edges.
    Ids count values in depth-first, children-first order (never id() or memory addresses).
    Any object with `data`, `grad` and `_children` (and optionally `_op`, `label`) works, so
    the notebooks can draw their own home-made Value class.
    """
    if not all(hasattr(value, a) for a in ("data", "grad", "_children")):
        raise ValueError(f"draw_graph needs a Value (anything with data, grad and _children), "
                         f"got {type(value).__name__}")
    order = topo_order(value, leaves=True)      # children first; iterative: deep graphs work
    index = {node: i for i, node in enumerate(order)}
    nodes, edges = [], []
    for i, v in enumerate(order):
        op, label = getattr(v, "_op", ""), getattr(v, "label", "")
        if v._children:
            nodes.append({"id": f"op{i}", "kind": "op", "op": op or "?"})
            edges.extend((f"v{index[c]}", f"op{i}") for c in v._children)
            edges.append((f"op{i}", f"v{i}"))
        nodes.append({"id": f"v{i}", "kind": "value", "label": label or "", "data": v.data,
                      "grad": v.grad, "op": op})
    return nodes, edges


class GraphSVG:
    """An SVG picture that JupyterLab shows inline; `.engine` says who drew it."""

    def __init__(self, svg, engine, source=None):
        self.svg, self.engine, self.source = svg, engine, source

    def _repr_svg_(self):
        return self.svg

    def _repr_html_(self):
        """The SVG as an <img>: shown by JupyterLab in untrusted notebooks too (see above)."""
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        m = _SIZE.search(self.svg)
        size = f' width="{m.group(2)}" height="{m.group(4)}"' if m else ""
        return (f'<img src="data:image/svg+xml;base64,{data}"{size} '
                f'style="max-width: 100%; height: auto" alt="{escape(repr(self))}"/>')

    def __repr__(self):
        return f"<computation graph drawn by {self.engine}>"


MAX_WIDTH = 800     # px: narrower than a notebook's output area on a laptop screen


def draw_graph(value, *, max_nodes=250, rankdir="LR", engine="auto", max_width=MAX_WIDTH):
    """Draw the graph below `value`: a box per Value (label, data, grad), ops in between.

    engine: "auto" (Graphviz if it works, else the fallback), "graphviz" or "fallback".
    A picture wider than `max_width` pixels is scaled down to it (the text with it), so
    no graph is wider than the page. Returns a `GraphSVG`; as the last expression of a
    cell it shows as a picture.
    """
    if engine not in ("auto", "graphviz", "fallback"):
        raise ValueError(f"engine must be 'auto', 'graphviz' or 'fallback', got {engine!r}")
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), "
                         f"got {rankdir!r}")
    nodes, edges = graph_nodes(value)
    if len(nodes) > max_nodes:
        raise ValueError(f"graph has {len(nodes)} nodes, more than max_nodes={max_nodes}; "
                         f"draw a smaller expression or pass max_nodes={len(nodes)}")
    if engine in ("auto", "graphviz"):
        try:
            return _fit(_graphviz_svg(nodes, edges, rankdir), max_width)
        except Exception as exc:        # no Python package, no `dot`, or `dot` failed
            if engine == "graphviz":
                raise RuntimeError(f"Graphviz could not draw the graph: {exc}") from exc
        print(INSTALL_HINT)
    return _fit(GraphSVG(_fallback_svg(nodes, edges, rankdir), "fallback"), max_width)


_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)(pt|px)?" height="([\d.]+)(pt|px)?"')


def _fit(picture, max_width):
    """Scale the SVG's displayed size down to at most `max_width` px (its viewBox stays)."""
    m = _SIZE.search(picture.svg)
    if m is None:
        return picture
    to_px = 4 / 3 if m.group(3) == "pt" else 1.0
    w, h = float(m.group(2)) * to_px, float(m.group(4)) * to_px
    scale = min(1.0, max_width / w)
    size = f'<svg{m.group(1)} width="{w * scale:.0f}px" height="{h * scale:.0f}px"'
    picture.svg = picture.svg[:m.start()] + size + picture.svg[m.end():]
    return picture


def fit_width(picture, max_width=MAX_WIDTH):
    """Public form of `_fit`, for other pictures drawn as SVG (`course.diagrams`)."""
    return _fit(picture, max_width)


def _box_lines(node):
    head = [node["label"]] if node["label"] else []
    return head + [f"data {node['data']:.4f}", f"grad {node['grad']:.4f}"]


def _record_escape(text):
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text


def _graphviz_svg(nodes, edges, rankdir):
    import graphviz  # heavy and optional: only here
    if shutil.which("dot") is None:
        raise RuntimeError("the `dot` executable is not on PATH")
    g = graphviz.Digraph(graph_attr={"rankdir": rankdir}, node_attr={"fontsize": "11"})
    for n in nodes:
        if n["kind"] == "op":
            g.node(n["id"], label=n["op"], shape="circle", width="0.4", fixedsize="false")
        else:
            fields = " | ".join(_record_escape(s) for s in _box_lines(n))
            # a record's fields run across the rank direction; braces turn them, so the
            # three lines of a box stack vertically whichever way the graph runs
            g.node(n["id"], label=fields if rankdir == "LR" else "{ " + fields + " }",
                   shape="record")
    for a, b in edges:
        g.edge(a, b)
    return GraphSVG(g.pipe(format="svg").decode("utf-8"), "graphviz", source=g.source)


def _fallback_svg(nodes, edges, rankdir):
    """A layered drawing: column = depth from the leaves; boxes and arrows in plain SVG."""
    children = {}
    for a, b in edges:
        children.setdefault(b, []).append(a)
    layer = {}
    for n in nodes:                     # children come first, so their layers are known
        kids = children.get(n["id"], [])
        layer[n["id"]] = 1 + max(layer[k] for k in kids) if kids else 0
    slots = {}
    pos = {}
    for n in nodes:
        col = layer[n["id"]]
        pos[n["id"]] = (col, slots.get(col, 0))
        slots[col] = slots.get(col, 0) + 1
    box_w, box_h, op_r = 120, 52, 16
    step_col, step_row, pad = 150, 66, 12
    if rankdir == "TB":
        step_col, step_row = 80, 150

    def centre(node_id):
        col, row = pos[node_id]         # col: depth (across in LR, down in TB); row: slot
        if rankdir == "LR":
            return pad + box_w / 2 + col * step_col, pad + box_h / 2 + row * step_row
        return pad + box_w / 2 + row * step_row, pad + box_h / 2 + col * step_col

    n_cols, n_rows = max(layer.values()) + 1, max(slots.values())
    if rankdir == "LR":
        w = 2 * pad + box_w + (n_cols - 1) * step_col
        h = 2 * pad + box_h + (n_rows - 1) * step_row
    else:
        w = 2 * pad + box_w + (n_rows - 1) * step_row
        h = 2 * pad + box_h + (n_cols - 1) * step_col
    kind = {n["id"]: n["kind"] for n in nodes}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
           f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="sans-serif" font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/>'
           '</marker></defs>']

    def border(node_id, toward):
        """Where the arrow meets the node's outline, on the side facing `toward`."""
        (x, y), (tx, ty) = centre(node_id), toward
        if kind[node_id] == "op":
            d = max(((tx - x) ** 2 + (ty - y) ** 2) ** 0.5, 1e-9)
            return x + (tx - x) * op_r / d, y + (ty - y) * op_r / d
        if rankdir == "LR":
            return (x + box_w / 2 if tx > x else x - box_w / 2), y
        return x, (y + box_h / 2 if ty > y else y - box_h / 2)

    for a, b in edges:
        x1, y1 = border(a, centre(b))
        x2, y2 = border(b, centre(a))
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                   f'stroke="#555" marker-end="url(#arrow)"/>')
    for n in nodes:
        x, y = centre(n["id"])
        if n["kind"] == "op":
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{op_r}" fill="#fff3d6" '
                       f'stroke="#a07020"/>')
            out.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">'
                       f'{escape(n["op"])}</text>')
            continue
        out.append(f'<rect x="{x - box_w / 2:.1f}" y="{y - box_h / 2:.1f}" width="{box_w}" '
                   f'height="{box_h}" rx="4" fill="#eef4fb" stroke="#3c6ea5"/>')
        lines = _box_lines(n)
        top = y - (len(lines) - 1) * 7
        for i, text in enumerate(lines):
            weight = ' font-weight="bold"' if n["label"] and i == 0 else ""
            out.append(f'<text x="{x:.1f}" y="{top + i * 14 + 4:.1f}" text-anchor="middle"'
                       f'{weight}>{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)
