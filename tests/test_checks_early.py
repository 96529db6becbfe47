"""The exercise checkers of the chapters start_here, autograd, names_and_tokens and
attention: every checker accepts a right answer, rejects wrong ones and None without
raising, and reports an exception in the learner's code as a verdict."""
import math

from microgpt import CharTokenizer
from microgpt.checks import attention, autograd, common, names_and_tokens, start_here
from microgpt.engine import Value


def verdict(capsys, checker, *args):
    """(returned bool, printed line) of one checker call; exactly one line is printed."""
    ok = checker(*args)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("✅ Correct!" if ok else "❌ Not yet:")
    return ok, lines[0]


def boom(*args):
    raise ZeroDivisionError("oops")


def test_verdict_prints_and_returns(capsys):
    assert common.verdict(True, "well done", "hint") is True
    assert common.verdict(0, "well done", "try again") is False
    assert capsys.readouterr().out == "✅ Correct! well done\n❌ Not yet: try again\n"


def test_demo_param_count(capsys):
    assert verdict(capsys, start_here.check_demo_param_count, 3648)[0]
    assert not verdict(capsys, start_here.check_demo_param_count, 3136)[0]
    ok, line = verdict(capsys, start_here.check_demo_param_count, None)
    assert not ok and "replace None" in line


def test_numerical_grad(capsys):
    good = lambda f, x, h=1e-5: (f(x + h) - f(x - h)) / (2 * h)   # noqa: E731
    assert verdict(capsys, autograd.check_numerical_grad, good)[0]
    assert not verdict(capsys, autograd.check_numerical_grad, lambda f, x: f(x) / x)[0]
    assert not verdict(capsys, autograd.check_numerical_grad, None)[0]
    ok, line = verdict(capsys, autograd.check_numerical_grad, boom)
    assert not ok and "ZeroDivisionError: oops" in line


def test_tanh(capsys):
    def good(x):
        e = (2 * x).exp()
        return (e - 1) / (e + 1)
    assert verdict(capsys, autograd.check_tanh, good)[0]
    ok, line = verdict(capsys, autograd.check_tanh, lambda x: Value(math.tanh(x.data)))
    assert not ok and "d tanh/dx" in line
    ok, line = verdict(capsys, autograd.check_tanh, lambda x: math.tanh(x.data))
    assert not ok and "return a Value" in line
    assert not verdict(capsys, autograd.check_tanh, None)[0]
    assert not verdict(capsys, autograd.check_tanh, boom)[0]


def test_zero_grad(capsys):
    def good(root):
        seen, stack = set(), [root]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                node.grad = 0.0
                stack.extend(node._children)

    def forgets_leaves(root):
        for node in root.topo_order():
            node.grad = 0.0

    assert verdict(capsys, autograd.check_zero_grad, good)[0]
    ok, line = verdict(capsys, autograd.check_zero_grad, forgets_leaves)
    assert not ok and "leaves" in line
    assert not verdict(capsys, autograd.check_zero_grad, lambda root: None)[0]
    assert not verdict(capsys, autograd.check_zero_grad, None)[0]


def test_encode(capsys, docs):
    tok = CharTokenizer(docs)
    good = lambda name: [tok.bos] + [tok.stoi[c] for c in name] + [tok.eos]   # noqa: E731
    assert verdict(capsys, names_and_tokens.check_encode, good, tok)[0]
    no_eos = lambda name: [tok.bos] + [tok.stoi[c] for c in name]   # noqa: E731
    assert not verdict(capsys, names_and_tokens.check_encode, no_eos, tok)[0]
    assert not verdict(capsys, names_and_tokens.check_encode, lambda name: "emma", tok)[0]
    assert not verdict(capsys, names_and_tokens.check_encode, None, tok)[0]
    assert not verdict(capsys, names_and_tokens.check_encode, boom, tok)[0]


def test_uniform_loss(capsys):
    assert verdict(capsys, names_and_tokens.check_uniform_loss, math.log(28))[0]
    assert verdict(capsys, names_and_tokens.check_uniform_loss, 3.3322)[0]
    assert not verdict(capsys, names_and_tokens.check_uniform_loss, math.log2(28))[0]
    assert not verdict(capsys, names_and_tokens.check_uniform_loss, "3.33")[0]
    assert not verdict(capsys, names_and_tokens.check_uniform_loss, None)[0]


def test_softmax(capsys):
    def good(logits):
        m = max(logits)
        exps = [math.exp(x - m) for x in logits]
        return [e / sum(exps) for e in exps]

    def naive(logits):
        exps = [math.exp(x) for x in logits]
        return [e / sum(exps) for e in exps]

    assert verdict(capsys, attention.check_softmax, good)[0]
    ok, line = verdict(capsys, attention.check_softmax, naive)
    assert not ok and "subtract" in line
    assert not verdict(capsys, attention.check_softmax, lambda xs: xs)[0]
    assert not verdict(capsys, attention.check_softmax, None)[0]


def test_attention_head(capsys):
    def good(q, ks, vs):
        scores = [sum(a * b for a, b in zip(q, k)) / len(q) ** 0.5 for k in ks]
        m = max(scores)
        w = [math.exp(s - m) for s in scores]
        w = [x / sum(w) for x in w]
        return [sum(w[t] * vs[t][j] for t in range(len(vs))) for j in range(len(q))]

    def unscaled(q, ks, vs):
        return good([x * len(q) ** 0.5 for x in q], ks, vs)

    assert verdict(capsys, attention.check_attention_head, good)[0]
    ok, line = verdict(capsys, attention.check_attention_head, unscaled)
    assert not ok and "sqrt(head_dim)" in line
    assert not verdict(capsys, attention.check_attention_head, None)[0]
    assert not verdict(capsys, attention.check_attention_head, boom)[0]


def test_attention_params(capsys):
    assert verdict(capsys, attention.check_attention_params, 1024)[0]
    assert not verdict(capsys, attention.check_attention_params, 256)[0]
    assert verdict(capsys, attention.check_attention_params, 256, 8)[0]
    assert not verdict(capsys, attention.check_attention_params, None)[0]
