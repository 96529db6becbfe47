"""Train the small model that chapter 07 samples from and save it as a checkpoint.

Run from the repository root (it takes a few minutes on one core):

    python scripts/make_checkpoint.py            # writes notebooks/checkpoints/names_small.json

What it does, so that the numbers in the checkpoint can be checked later:
- data: `load_names()`, split with `split_names(docs, random.Random(SPLIT_SEED))`; the
  tokenizer is built from all the names (same 28 tokens as everywhere in the course);
- model: GPTConfig(n_embd=16, n_layer=1, n_head=4, block_size=16) initialised with
  random.Random(SEED); `train` for NUM_STEPS exact-gradient steps over the training split, in
  its (shuffled) order, learning rate LEARNING_RATE decayed linearly to 0;
- the weights are rounded to ROUND_DIGITS significant digits (keeps the file under 100 KB);
- the validation losses are computed with `evaluate` on the ROUNDED model, i.e. on exactly
  the weights saved: `val_loss` over the whole validation split and `val_loss_first200`
  over its first 200 names (small enough for a quick test to recompute);
- everything above is stored in the checkpoint's `meta` and printed.

Imports: microgpt (the package in this checkout).
"""
import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))          # use this checkout's package even if not installed

from microgpt import (  # noqa: E402
    GPT,
    CharTokenizer,
    GPTConfig,
    evaluate,
    load_checkpoint,
    load_names,
    save_checkpoint,
    split_names,
    train,
)

SEED, SPLIT_SEED = 42, 42
N_EMBD, N_LAYER, N_HEAD, BLOCK_SIZE = 16, 1, 4, 16
NUM_STEPS, LEARNING_RATE = 5000, 0.01
ROUND_DIGITS = 6
VAL_SUBSET = 200
DEFAULT_OUT = ROOT / "notebooks" / "checkpoints" / "names_small.json"


def round_sig(x, digits):
    """x rounded to `digits` significant digits (as a float)."""
    return float(f"{x:.{digits}g}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--num_steps", type=int, default=NUM_STEPS)
    args = parser.parse_args(argv)

    docs = load_names()
    tok = CharTokenizer(docs)
    train_docs, val_docs = split_names(docs, random.Random(SPLIT_SEED))
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=N_EMBD, n_layer=N_LAYER,
                    n_head=N_HEAD, block_size=BLOCK_SIZE)
    model = GPT(cfg, random.Random(SEED))
    print(f"{len(train_docs)} train / {len(val_docs)} val names, {model.num_params} params")

    start = time.perf_counter()

    def report(step, num_steps, loss):
        if step % 500 == 0 or step == num_steps:
            print(f"step {step:5d} / {num_steps} | loss {loss:.4f} | "
                  f"{time.perf_counter() - start:.0f} s", flush=True)

    losses = train(model, train_docs, tok, args.num_steps, LEARNING_RATE, callback=report)

    weights = {name: [[round_sig(x, ROUND_DIGITS) for x in row] for row in matrix]
               for name, matrix in model.weights().items()}
    rounded = GPT.from_weights(cfg, weights)
    val_loss = evaluate(rounded, val_docs, tok)
    val_loss_200 = evaluate(rounded, val_docs[:VAL_SUBSET], tok)
    tail = losses[-500:]
    meta = {
        "made_by": "scripts/make_checkpoint.py",
        "config": cfg.to_dict(),
        "seed": SEED,
        "split": f"split_names(load_names(), random.Random({SPLIT_SEED})), val_fraction 0.1",
        "num_train": len(train_docs),
        "num_val": len(val_docs),
        "num_steps": args.num_steps,
        "learning_rate": LEARNING_RATE,
        "schedule": "linear decay to 0 (microgpt.training.train)",
        "gradients": "exact (one backward per document)",
        "weights_rounding": f"{ROUND_DIGITS} significant digits",
        "train_loss_last500": sum(tail) / len(tail),
        "val_loss": val_loss,
        "val_loss_on": "all of the validation split, evaluate() on the saved (rounded) weights",
        "val_loss_first200": val_loss_200,
        "val_loss_first200_on": f"the first {VAL_SUBSET} names of the validation split",
    }
    path = save_checkpoint(args.out, rounded, tok, meta)

    # the saved file must reproduce what we recorded, bit for bit
    ck = load_checkpoint(path)
    assert evaluate(ck.model, val_docs[:VAL_SUBSET], ck.tokenizer) == val_loss_200
    print(f"train loss (mean of last {len(tail)} steps): {meta['train_loss_last500']:.4f}")
    print(f"val loss ({len(val_docs)} names): {val_loss:.4f}")
    print(f"val loss (first {VAL_SUBSET} val names): {val_loss_200:.6f}")
    print(f"saved {path} ({path.stat().st_size / 1024:.1f} KB)")


if __name__ == "__main__":
    main()
