"""Time the demo (100 steps, seed 42) three ways and print seconds, steps/s and peak memory.

1. the seed revision, rebuilt in its own style (`seed_reference.py`; its output is checked
   against the seed's transcript before its time counts),
2. `python -m microgpt --legacy-backward` (the seed's gradients on this package's engine),
3. `python -m microgpt` (exact gradients, fused nodes): the course's default.

Each run is its own process, so peak RSS (from wait4) is that run's alone.
Usage: python benchmarks/bench_train.py [--data PATH] [--repeat N] [--skip-seed]
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ["--n_embd", "16", "--n_layer", "1", "--n_head", "4", "--block_size", "8",
        "--num_steps", "100", "--learning_rate", "0.01", "--seed", "42"]


def run_with_rss(cmd):
    """(wall seconds, peak RSS in MB measured by wait4, stdout) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"error: {' '.join(map(str, cmd))} failed: {err.strip()}")
    return seconds, usage.ru_maxrss / 1024, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "data" / "names.txt"))
    ap.add_argument("--repeat", type=int, default=3, help="runs of each package mode (best counts)")
    ap.add_argument("--skip-seed", action="store_true", help="skip the slow seed-style baseline")
    args = ap.parse_args()
    py = sys.executable
    expected = (ROOT / "tests" / "seed_transcript.txt").read_text()
    rows = []
    if not args.skip_seed:
        s, rss, out = run_with_rss([py, str(ROOT / "benchmarks" / "seed_reference.py"), args.data])
        if out.strip() != expected.strip():
            sys.exit("error: seed_reference.py no longer reproduces the seed transcript")
        rows.append(("seed revision (rebuilt, transcript checked)", s, rss))
    for label, extra in [("microgpt --legacy-backward", ["--legacy-backward"]),
                         ("microgpt (exact gradients)", [])]:
        best = None
        for _ in range(args.repeat):
            s, rss, out = run_with_rss([py, "-m", "microgpt", *DEMO, "--data", args.data, *extra])
            if extra and out.strip() != expected.strip():
                sys.exit("error: --legacy-backward no longer reproduces the seed transcript")
            best = min(best or (s, rss), (s, rss))
        rows.append((label, *best))
    print("demo: 100 steps, n_embd 16, n_layer 1, n_head 4, block_size 8 "
          f"(Python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    print(f"{'run':<46} {'seconds':>8} {'steps/s':>8} {'peak RSS':>9} {'vs seed':>8}")
    base = rows[0][1] if not args.skip_seed else None
    for label, s, rss in rows:
        speed = f"{base / s:7.1f}x" if base else "       -"
        print(f"{label:<46} {s:8.2f} {100 / s:8.1f} {rss:7.1f}MB {speed}")


if __name__ == "__main__":
    main()
