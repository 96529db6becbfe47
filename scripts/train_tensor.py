"""Train a larger GPT on the tensor engine and save it for chapter 08.

    python scripts/train_tensor.py            # ~10 minutes on 2 cores, alone
    python scripts/train_tensor.py --num_steps 200 --out /tmp/quick.npz   # a smoke run

Defaults: 4 layers, n_embd 64, n_head 4, block_size 16 (199,424 parameters), float32,
batches of 32 names, Adam (β 0.9/0.95, eps 1e-8) with lr 3e-3, a linear warm-up over the
first 200 steps and then the seed's linear decay to 0. Train/val split:
`split_names(docs, random.Random(42))`; the val loss is `train.evaluate`'s (mean over val
names of each name's mean loss). Prints its settings and the curve, and stores both in
the checkpoint's metadata. Weights are saved as float32 (about 0.8 MB).
"""
import argparse
import os
import random
import sys
import time
from pathlib import Path

# tiny matrices: extra BLAS threads only add overhead (and the machine may be shared)
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from microgpt import CharTokenizer, GPTConfig, load_names, split_names  # noqa: E402
from microgpt.tensor.checkpoint import save_npz  # noqa: E402
from microgpt.tensor.model import TensorGPT  # noqa: E402
from microgpt.tensor.sample import generate_tensor  # noqa: E402
from microgpt.tensor.training import evaluate_tensor, train_tensor  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n_embd", type=int, default=64)
    p.add_argument("--n_layer", type=int, default=4)
    p.add_argument("--n_head", type=int, default=4)
    p.add_argument("--block_size", type=int, default=16)
    p.add_argument("--num_steps", type=int, default=15000)
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--learning_rate", type=float, default=3e-3)
    p.add_argument("--warmup_steps", type=int, default=200)
    p.add_argument("--eval_every", type=int, default=500)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default=str(ROOT / "notebooks" / "checkpoints" / "names_tensor.npz"))
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    docs = load_names()
    tok = CharTokenizer(docs)
    train_docs, val_docs = split_names(docs, random.Random(42))
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=args.n_embd, n_layer=args.n_layer,
                    n_head=args.n_head, block_size=args.block_size)
    model = TensorGPT(cfg, random.Random(args.seed), dtype=np.dtype(args.dtype))
    settings = {**cfg.to_dict(), "num_params": model.num_params, "num_steps": args.num_steps,
                "batch_size": args.batch_size, "learning_rate": args.learning_rate,
                "warmup_steps": args.warmup_steps,
                "lr_schedule": "linear warm-up, then linear decay to 0",
                "dtype": args.dtype, "seed": args.seed,
                "split": "split_names(docs, random.Random(42))",
                "num_train": len(train_docs), "num_val": len(val_docs)}
    print("settings:", ", ".join(f"{k}={v}" for k, v in settings.items()), flush=True)

    curve = {"step": [], "train_loss": [], "val_step": [], "val_loss": [], "wall_time": []}
    recent, start = [], time.perf_counter()

    def after_step(step, num_steps, loss):
        nonlocal recent
        recent.append(loss)
        if step % 100 == 0:          # train loss smoothed: mean of the last 100 steps
            curve["step"].append(step)
            curve["train_loss"].append(round(float(np.mean(recent)), 5))
            recent = []
        if step % args.eval_every == 0 or step == num_steps:
            val = evaluate_tensor(model, val_docs, tok)
            wall = time.perf_counter() - start
            curve["val_step"].append(step)
            curve["val_loss"].append(round(val, 5))
            curve["wall_time"].append(round(wall, 1))
            train_s = curve["train_loss"][-1] if curve["train_loss"] else float("nan")
            print(f"step {step:6d} / {num_steps} | train {train_s:.4f} | val {val:.4f} "
                  f"| {wall:6.1f} s", flush=True)

    train_tensor(model, train_docs, tok, args.num_steps, args.learning_rate, args.batch_size,
                 warmup_steps=args.warmup_steps, callback=after_step)
    wall = time.perf_counter() - start
    rng = random.Random(args.seed)
    samples = [generate_tensor(model, tok, rng) for _ in range(10)]
    meta = {"settings": settings, "curve": curve, "final_val_loss": curve["val_loss"][-1],
            "wall_time_s": round(wall, 1), "samples": samples}
    save_npz(args.out, model, tok, meta)
    print(f"final val loss {curve['val_loss'][-1]:.4f} after {wall:.0f} s; saved {args.out}")
    print("samples:", ", ".join(samples))


if __name__ == "__main__":
    main()
