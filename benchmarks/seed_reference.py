"""A re-implementation of the seed revision, written the way the seed was: for timing only.

The seed file itself is not in this repository (it is downloaded from a gist, and this
project reaches no network at test time). This script rebuilds its algorithm in its style —
micrograd's `Value` with a `_backward` closure per node, children in a `set`, a recursive
topological sort, `sum()` over binary `+` nodes, one `backward()` per position — so that
`bench_train.py` can time "the seed" on the same machine. It must print the seed demo's
transcript line for line; `bench_train.py` checks that before it reports a time.

Usage: python benchmarks/seed_reference.py [path/to/names.txt]   (100 steps, seed 42)
"""
import math
import random
import sys


class Value:
    def __init__(self, data, _children=()):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data ** k, (self,))

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,))

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,))

        def _backward():
            self.grad += (1 / self.data) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(0, self.data), (self,))

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self): return self * -1
    def __sub__(self, other): return self + (-other)
    def __truediv__(self, other): return self * other ** -1


def main(path, n_embd=16, n_layer=1, n_head=4, block_size=8, num_steps=100, lr=0.01, seed=42):
    random.seed(seed)
    docs = [l.strip() for l in open(path, encoding="utf-8").read().strip().split("\n") if l.strip()]
    random.shuffle(docs)
    chars = ["<BOS>", "<EOS>"] + sorted(set("".join(docs)))
    vocab_size, stoi = len(chars), {ch: i for i, ch in enumerate(chars)}
    BOS, EOS = stoi["<BOS>"], stoi["<EOS>"]
    print(f"vocab size: {vocab_size}, num docs: {len(docs)}")
    matrix = lambda nout, nin, std=0.02: [[Value(random.gauss(0, std)) for _ in range(nin)] for _ in range(nout)]
    sd = {"wte": matrix(vocab_size, n_embd), "wpe": matrix(block_size, n_embd)}
    for i in range(n_layer):
        for name, shape, std in [("attn_wq", (n_embd, n_embd), 0.02), ("attn_wk", (n_embd, n_embd), 0.02),
                                 ("attn_wv", (n_embd, n_embd), 0.02), ("attn_wo", (n_embd, n_embd), 0),
                                 ("mlp_fc1", (4 * n_embd, n_embd), 0.02), ("mlp_fc2", (n_embd, 4 * n_embd), 0)]:
            sd[f"layer{i}.{name}"] = matrix(*shape, std=std)
    params = [p for mat in sd.values() for row in mat for p in row]
    print(f"num params: {len(params)}")
    head_dim = n_embd // n_head

    linear = lambda x, w: [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]

    def softmax(logits):
        m = max(v.data for v in logits)
        exps = [(v - m).exp() for v in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def rmsnorm(x):
        scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def gpt(token_id, pos_id, keys, values):
        x = [t + p for t, p in zip(sd["wte"][token_id], sd["wpe"][pos_id])]
        for li in range(n_layer):
            xr = x
            x = rmsnorm(x)
            q = linear(x, sd[f"layer{li}.attn_wq"])
            keys[li].append(linear(x, sd[f"layer{li}.attn_wk"]))
            values[li].append(linear(x, sd[f"layer{li}.attn_wv"]))
            x_attn = []
            for h in range(n_head):
                hs = h * head_dim
                q_h = q[hs:hs + head_dim]
                k_h = [k[hs:hs + head_dim] for k in keys[li]]
                v_h = [v[hs:hs + head_dim] for v in values[li]]
                att = softmax([sum(q_h[j] * k_h[t][j] for j in range(head_dim)) / head_dim ** 0.5
                               for t in range(len(k_h))])
                x_attn.extend(sum(att[t] * v_h[t][j] for t in range(len(v_h))) for j in range(head_dim))
            x = [a + b for a, b in zip(linear(x_attn, sd[f"layer{li}.attn_wo"]), xr)]
            xr = x
            x = [xi.relu() ** 2 for xi in linear(rmsnorm(x), sd[f"layer{li}.mlp_fc1"])]
            x = [a + b for a, b in zip(linear(x, sd[f"layer{li}.mlp_fc2"]), xr)]
        return linear(x, sd["wte"])

    m, v = [0.0] * len(params), [0.0] * len(params)
    for step in range(num_steps):
        tokens = ([BOS] + [stoi[ch] for ch in docs[step % len(docs)]] + [EOS])[:block_size]
        n = len(tokens) - 1
        keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]
        lossf = 0.0
        for pos in range(n):
            loss = -softmax(gpt(tokens[pos], pos, keys, values))[tokens[pos + 1]].log() / n
            loss.backward()
            lossf += loss.data
        lr_t = lr * (1 - step / num_steps)
        for i, p in enumerate(params):
            m[i] = 0.9 * m[i] + 0.1 * p.grad
            v[i] = 0.95 * v[i] + 0.05 * p.grad ** 2
            p.data -= lr_t * (m[i] / (1 - 0.9 ** (step + 1))) / ((v[i] / (1 - 0.95 ** (step + 1))) ** 0.5 + 1e-8)
            p.grad = 0
        print(f"step {step + 1} / {num_steps} | loss {lossf:.4f}")
    print("\n--- generation ---")
    for i in range(5):
        keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]
        token, out = BOS, []
        for pos in range(block_size):
            probs = softmax(gpt(token, pos, keys, values))
            token = random.choices(range(vocab_size), weights=[p.data for p in probs])[0]
            if token == EOS:
                break
            out.append(chars[token])
        print(f"sample {i}: {''.join(out)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/names.txt")
