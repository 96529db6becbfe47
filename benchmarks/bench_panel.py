"""The training panel's time estimate against the run it estimates, for several settings.

    python benchmarks/bench_panel.py [--quick]

For each setting: the estimate the panel shows before a run, the seconds pressing Train
then takes (steps, validations, plot redraws, samples), their ratio, and the final
validation loss against the bigram baseline of that block size. The first line is the
panel's defaults. The issue's target is a ratio within 0.7–1.3 on a quiet machine; this
prints figures only, nothing here is a test (tests never assert wall-clock time).
"""
import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from microgpt import load_names, split_names  # noqa: E402
from microgpt.course.widgets import training_panel  # noqa: E402

SETTINGS = [
    {},                                                              # the defaults
    dict(engine="tensor", n_embd=16, block_size=8, batch_size=8, num_steps=500),
    dict(engine="tensor", n_embd=32, n_layer=2, batch_size=64, num_steps=1000),
    dict(engine="scalar", n_embd=16, block_size=8, num_steps=300),
    dict(engine="scalar", n_embd=32, n_layer=2, block_size=16, num_steps=200),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the first two settings")
    args = parser.parse_args()
    train_docs, val_docs = split_names(load_names(), random.Random(42))
    panel = training_panel(train_docs, val_docs, num_samples=8)
    print(f"{'setting':58s} {'estimate':>9s} {'actual':>8s} {'ratio':>6s}  val / baseline")
    for setting in SETTINGS[:2] if args.quick else SETTINGS:
        setting = dict(setting)
        for name in ("engine", "batch_size", "n_embd", "n_layer", "block_size", "num_steps"):
            if name in setting:
                getattr(panel, name).value = setting.pop(name)
        estimate = panel.show_estimate()
        start = time.perf_counter()
        panel.train_button.click()
        actual = time.perf_counter() - start
        s = panel.session
        label = (f"{s.engine} n_embd={s.config.n_embd} n_layer={s.config.n_layer} "
                 f"block={s.config.block_size} batch={s.batch_size} steps={len(s.losses)}")
        print(f"{label:58s} {estimate:8.1f}s {actual:7.1f}s {actual / estimate:6.2f}  "
              f"{s.val[-1][1]:.4f} / {panel.baseline(s.config.block_size):.4f}", flush=True)


if __name__ == "__main__":
    main()
