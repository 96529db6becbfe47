"""Time one training step of the demo GPT on the scalar engine, the tensor engine, and PyTorch.

    python benchmarks/bench_tensor.py [--steps 40]

Demo settings (vocab 28, n_embd 16, n_layer 1, n_head 4, block_size 8, 3648 parameters).
A step = forward + backward + Adam update. Scalar engine: one document per step, exact
gradients. Tensor engine: a batch of 1 and of 32 documents, float64 and float32. PyTorch
eager on the CPU (same model, same threads), if torch is installed; otherwise a note.
Prints figures only; nothing here is a test. BLAS/torch use 1 thread unless the
environment says otherwise: the matrices are tiny and the course machine is shared.
"""
import argparse
import os
import random
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from microgpt import GPT, CharTokenizer, GPTConfig, load_names, train  # noqa: E402
from microgpt.tensor.model import TensorGPT  # noqa: E402
from microgpt.tensor.training import train_tensor  # noqa: E402


def per_step(run, steps, warmup=3):
    """Seconds per step: best of 3 timed runs of `steps` steps (after a warm-up)."""
    run(warmup)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run(steps)
        best = min(best, (time.perf_counter() - start) / steps)
    return best


def torch_step_time(cfg, docs, tok, batch_size, steps, dtype_name):
    """The same GPT in PyTorch eager mode; seconds per training step."""
    import torch
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    dtype = getattr(torch, dtype_name)
    weights = TensorGPT(cfg, random.Random(42)).weights()
    params = {n: torch.tensor(w, dtype=dtype, requires_grad=True) for n, w in weights.items()}
    opt = torch.optim.Adam(params.values(), lr=0.01, betas=(0.9, 0.95), eps=1e-8)
    C, H, D = cfg.n_embd, cfg.n_head, cfg.head_dim

    def rmsnorm(x):
        return x * (x.pow(2).mean(-1, keepdim=True) + 1e-5).rsqrt()

    def loss_of(token_lists):
        B, T = len(token_lists), max(map(len, token_lists)) - 1
        inp = torch.zeros(B, T, dtype=torch.long)
        tgt = torch.zeros(B, T, dtype=torch.long)
        wts = torch.zeros(B, T, dtype=dtype)
        for b, t in enumerate(token_lists):
            n = len(t) - 1
            inp[b, :n], tgt[b, :n] = torch.tensor(t[:-1]), torch.tensor(t[1:])
            wts[b, :n] = 1 / (n * B)
        x = params["wte"][inp] + params["wpe"][:T]
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        for li in range(cfg.n_layer):
            w = {k.split(".")[1]: v for k, v in params.items() if k.startswith(f"layer{li}.")}
            r, x = x, rmsnorm(x)
            q, k, v = ((x @ w[m].T).view(B, T, H, D).transpose(1, 2)
                       for m in ("attn_wq", "attn_wk", "attn_wv"))
            att = (q @ k.transpose(-1, -2) / D ** 0.5).masked_fill(~mask, float("-inf")).softmax(-1)
            x = (att @ v).transpose(1, 2).reshape(B, T, C) @ w["attn_wo"].T + r
            r, x = x, rmsnorm(x)
            x = torch.relu(x @ w["mlp_fc1"].T).pow(2) @ w["mlp_fc2"].T + r
        logits = x @ params["wte"].T
        ce = torch.nn.functional.cross_entropy(logits.reshape(B * T, -1), tgt.reshape(-1),
                                               reduction="none")
        return (ce * wts.reshape(-1)).sum()

    counter = [0]

    def run(n):
        for _ in range(n):
            first = counter[0] * batch_size
            counter[0] += 1
            batch = [tok.encode_doc(docs[(first + i) % len(docs)], cfg.block_size)
                     for i in range(batch_size)]
            loss = loss_of(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return per_step(run, steps)


def main():
    parser = argparse.ArgumentParser(description="time per training step, three engines")
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    docs = load_names()
    random.Random(42).shuffle(docs)
    tok = CharTokenizer(docs)
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=16, n_layer=1, n_head=4, block_size=8)
    print(f"demo GPT: {GPT(cfg, random.Random(42)).num_params} params, "
          f"threads={os.environ['OMP_NUM_THREADS']}, {args.steps} steps per timing, best of 3")

    model = GPT(cfg, random.Random(42))
    scalar = per_step(lambda n: train(model, docs, tok, n, 0.01), max(5, args.steps // 4))
    print(f"{'scalar engine (exact grads)':38s} batch  1: {scalar * 1e3:8.2f} ms/step "
          f"{scalar * 1e3:8.3f} ms/doc")
    rows = {}
    for dtype in ("float64", "float32"):
        for batch in (1, 32):
            tmodel = TensorGPT(cfg, random.Random(42), dtype=np.dtype(dtype))
            t = per_step(lambda n, m=tmodel, b=batch: train_tensor(m, docs, tok, n, 0.01, b),
                         args.steps)
            rows[("tensor", dtype, batch)] = t
            print(f"{'tensor engine ' + dtype:38s} batch {batch:2d}: {t * 1e3:8.2f} ms/step "
                  f"{t / batch * 1e3:8.3f} ms/doc   {scalar / (t / batch):7.0f}x scalar per doc")
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: skipping the PyTorch comparison "
              "(pip install torch to include it)")
        return
    print(f"torch {torch.__version__}")
    for dtype in ("float64", "float32"):
        for batch in (1, 32):
            t = torch_step_time(cfg, docs, tok, batch, args.steps, dtype)
            ours = rows[("tensor", dtype, batch)]
            print(f"{'pytorch eager CPU ' + dtype:38s} batch {batch:2d}: {t * 1e3:8.2f} ms/step "
                  f"{t / batch * 1e3:8.3f} ms/doc   tensor engine / pytorch = {ours / t:.2f}")


if __name__ == "__main__":
    main()
