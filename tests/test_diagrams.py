"""microgpt.course.diagrams (and course.boxes, which draws them): the architecture pictures
carry the code's names and the config's shapes, in both renderers, and fit the page."""
import re
from xml.sax.saxutils import escape

import pytest

from microgpt.course import boxes, diagrams
from microgpt.model import GPTConfig

CHAPTER = GPTConfig(vocab_size=28, n_embd=16, n_layer=1, n_head=4, block_size=8)
WIDER = GPTConfig(vocab_size=27, n_embd=32, n_layer=2, n_head=8, block_size=16)
CONFIGS = [CHAPTER, WIDER]
ENGINES = ["fallback", "graphviz"]
DRAW = [diagrams.gpt_diagram, diagrams.head_diagram, diagrams.residual_diagram]


@pytest.fixture
def engine_ok(request, has_dot):
    """Skip the Graphviz cases only where `dot` (or the graphviz package) is missing."""
    if request.param == "graphviz":
        pytest.importorskip("graphviz")
        if not has_dot:
            pytest.skip("Graphviz's dot is not installed")
    return request.param


def svg_texts(svg):
    """The text of every <text> element: what a reader sees in the picture."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


def shown(picture, text):
    """`text` (one line of a box or label) appears in the drawn SVG."""
    return any(escape(text) in t for t in svg_texts(picture.svg))


def gpt_words(c):
    E = c.n_embd
    return ["wte", "wpe", f"{c.vocab_size}×{E}", f"{c.block_size}×{E}", "rmsnorm",
            "attn_wq, attn_wk, attn_wv", f"3 × {E}×{E}", "concat heads, attn_wo", "mlp_fc1",
            f"{4 * E}×{E}", "relu²", "mlp_fc2", f"{E}×{4 * E}", "logits = wte · x",
            "(tied head, no final norm)", f"[{E}]", f"[{4 * E}]", f"[{c.vocab_size}]",
            f"[{c.head_dim}]", f"softmax(q·kᵀ/√{c.head_dim})·v", "the same wte", "layer0",
            f"[{E}] residual", f"n_head {c.n_head} (head_dim {c.head_dim})"]


@pytest.mark.parametrize("engine_ok", ENGINES, indirect=True)
@pytest.mark.parametrize("cfg", CONFIGS, ids=["chapter", "wider"])
def test_gpt_diagram_names_and_shapes_for_the_config(cfg, engine_ok):
    picture = diagrams.gpt_diagram(cfg, engine=engine_ok)
    assert picture.engine == engine_ok
    missing = [w for w in gpt_words(cfg) if not shown(picture, w)]
    assert not missing, f"not in the {engine_ok} picture: {missing}"
    other = WIDER if cfg is CHAPTER else CHAPTER          # no stale shape of another config
    assert not shown(picture, f"{4 * other.n_embd}×{other.n_embd}")


def test_gpt_diagram_draws_every_layer_and_head_or_says_how_many_it_left_out():
    texts = diagrams.gpt_diagram(WIDER, engine="fallback").diagram.texts()
    assert {"layer0", "layer1"} <= set(texts)
    assert "head 0" in texts and "head 7" in texts and "…" in texts and "head 3" not in texts
    four = diagrams.gpt_diagram(CHAPTER, engine="fallback").diagram
    assert [t for t in four.texts() if t.startswith("head ")] == [f"head {h}" for h in range(4)]
    deep = GPTConfig(vocab_size=28, n_embd=16, n_layer=5, n_head=4, block_size=8)
    texts = diagrams.gpt_diagram(deep, engine="fallback").diagram.texts()
    assert "layers 1…3: the same block" in texts and "layer4" in texts and "layer2" not in texts


def test_gpt_diagram_arrows_follow_the_forward_pass():
    d = diagrams.gpt_diagram(CHAPTER, engine="fallback").diagram
    into = {}
    for e in d.edges:
        into.setdefault(e["b"], []).append((e["a"], e["label"]))
    # each residual add takes the sub-block's output and the stream it skipped
    assert sorted(a for a, _ in into["layer0.a1"]) == ["layer0.wo", "x"]
    assert sorted(a for a, _ in into["layer0.a2"]) == ["layer0.a1", "layer0.fc2"]
    assert into["layer0.act"] == [("layer0.fc1", "[64]")]
    assert sorted(a for a, _ in into["logits"]) == ["layer0.a2", "wte"]   # tied head


@pytest.mark.parametrize("engine_ok", ENGINES, indirect=True)
@pytest.mark.parametrize("cfg", CONFIGS, ids=["chapter", "wider"])
def test_head_diagram_uses_the_codes_names_and_the_heads_slice(cfg, engine_ok):
    hd = cfg.head_dim
    picture = diagrams.head_diagram(cfg, head=1, engine=engine_ok)
    words = [f"attn_wq rows [{hd}:{2 * hd}]", f"attn_wk rows [{hd}:{2 * hd}]",
             f"attn_wv rows [{hd}:{2 * hd}]", f"{hd}×{cfg.n_embd}", f"q_h [{hd}]",
             f"k_h [{hd}]", f"v_h [{hd}]", "logits_j = q_h · k_j",
             f"÷ √head_dim = ÷ {hd ** 0.5:.2f}", "causal: only j ≤ t",
             "weights = softmax(logits)", "out = Σ_j weights_j · v_j", "[t+1]",
             f"[t+1 × {hd}]", f"concat with the other {cfg.n_head - 1} heads", "attn_wo",
             f"{cfg.n_embd}×{cfg.n_embd}", f"head 1 of {cfg.n_head}"]
    missing = [w for w in words if not shown(picture, w)]
    assert not missing, f"not in the {engine_ok} picture: {missing}"


@pytest.mark.parametrize("engine_ok", ENGINES, indirect=True)
@pytest.mark.parametrize("cfg", CONFIGS, ids=["chapter", "wider"])
def test_residual_diagram_each_sub_block_reads_and_adds_back(cfg, engine_ok):
    picture = diagrams.residual_diagram(cfg, engine=engine_ok)
    d = picture.diagram
    reads = [e for e in d.edges if e["label"] == "reads x"]
    adds = [e for e in d.edges if e["label"] == f"adds [{cfg.n_embd}]"]
    assert len(reads) == len(adds) == 2 * cfg.n_layer
    for read, add in zip(reads, adds):        # the add a branch feeds also gets the stream
        into_add = {e["a"] for e in d.edges if e["b"] == add["b"]}
        assert into_add == {read["a"], add["a"]}
    for w in ["x = wte[token] + wpe[pos]", "x = x + attn(rmsnorm(x))",
              "x = x + mlp(rmsnorm(x))", f"x [{cfg.n_embd}]", "(no final norm)",
              f"mlp (layer{cfg.n_layer - 1})"]:
        assert shown(picture, w), w


def widths(svg):
    m = re.search(r'<svg[^>]* width="([\d.]+)px" height="([\d.]+)px"', svg)
    view = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"', svg)
    return float(m.group(1)), float(view.group(3))


@pytest.mark.parametrize("engine_ok", ENGINES, indirect=True)
@pytest.mark.parametrize("draw", DRAW, ids=lambda f: f.__name__)
def test_every_diagram_fits_the_width_and_its_text_stays_readable(draw, engine_ok):
    for cfg in CONFIGS:
        for max_width in (800, 500):
            picture = draw(cfg, engine=engine_ok, max_width=max_width)
            shown_w, view_w = widths(picture.svg)
            assert shown_w <= max_width
            if max_width == 800 and cfg is CHAPTER:   # at the chapter's size: no tiny letters
                sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', picture.svg)]
                assert min(sizes) * shown_w / view_w >= 8, (min(sizes), shown_w, view_w)


@pytest.mark.parametrize("draw", DRAW, ids=lambda f: f.__name__)
def test_fallback_boxes_do_not_overlap(draw):
    for cfg in CONFIGS:
        svg = draw(cfg, engine="fallback").svg
        found = [(float(x), float(y), float(x) + float(w), float(y) + float(h)) for x, y, w, h
                 in re.findall(r'<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" '
                               r'height="([\d.]+)" rx="5"', svg)]
        found += [(float(x) - float(rx), float(y) - float(ry), float(x) + float(rx),
                   float(y) + float(ry)) for x, y, rx, ry in
                  re.findall(r'<ellipse cx="([-\d.]+)" cy="([-\d.]+)" rx="([\d.]+)" '
                             r'ry="([\d.]+)"', svg)]
        assert len(found) >= 8
        for i, a in enumerate(found):
            for b in found[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


@pytest.mark.parametrize("engine_ok", ENGINES, indirect=True)
def test_a_diagram_shows_in_an_untrusted_notebook_as_an_img(engine_ok):
    picture = diagrams.gpt_diagram(CHAPTER, engine=engine_ok)
    html = picture._repr_html_()
    assert html.startswith('<img src="data:image/svg+xml;base64,')
    assert 'style="max-width: 100%; height: auto"' in html
    assert repr(picture) == f"<GPT diagram drawn by {engine_ok}>"
    assert picture._repr_svg_() == picture.svg


def test_without_dot_the_fallback_draws_and_says_how_to_get_graphviz(monkeypatch, capsys):
    monkeypatch.setattr(boxes.shutil, "which", lambda name: None)
    picture = diagrams.residual_diagram(CHAPTER)
    assert picture.engine == "fallback"
    assert "apt install graphviz" in capsys.readouterr().out


def test_bad_arguments_say_what_to_pass():
    with pytest.raises(ValueError, match="needs a GPTConfig"):
        diagrams.gpt_diagram({"n_embd": 16})
    with pytest.raises(ValueError, match=r"head must be one of 0…3 \(n_head is 4\), got 4"):
        diagrams.head_diagram(CHAPTER, head=4)
    with pytest.raises(ValueError, match="engine must be"):
        diagrams.residual_diagram(CHAPTER, engine="svg")
