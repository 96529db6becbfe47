"""`make test`'s three stages, each run even when an earlier one failed, and one summary.

Owns: the stages (`pytest tests`, the doctests of the package, nbval on every chapter) and
the summary printed at the end: each stage's result, the tests skipped (with the reason,
which names the command that enables them), and the note of tests/committed.py when a
learner's notebooks differ from the committed ones (nbval then runs the committed chapters,
exported to .cache/committed/notebooks). Exits 1 if any stage failed.

Usage: python tests/stages.py [tests] [doctests] [notebooks]   (default: all three)

Imports: nothing of microgpt's; `committed` (tests/committed.py).
"""
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter

import committed

ROOT = committed.ROOT
RESULTS = ROOT / ".cache" / "test-results"
NBVAL = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
         "-p", "no:python", "-n", "2", "--dist", "loadfile"]


def stage_args(name):
    """The pytest arguments of stage `name` (nbval's folder is decided here, see committed)."""
    if name == "tests":
        return ["tests"]
    if name == "doctests":
        return ["--doctest-modules", "microgpt"]
    if name == "notebooks":
        folder, line = committed.nbval_dir()
        if line:
            print(line, flush=True)
        return [str(folder.relative_to(ROOT)), *NBVAL]
    raise SystemExit(f"unknown stage {name!r}: choose from tests, doctests, notebooks")


def run(name):
    """(exit code, seconds) of one stage; its JUnit report goes to .cache/test-results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = RESULTS / f"{name}.xml"
    report.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "pytest", *stage_args(name), f"--junitxml={report}"]
    print(f"\n=== make test, stage {name}: {' '.join(cmd[1:])}", flush=True)
    t0 = time.monotonic()
    code = subprocess.call(cmd, cwd=ROOT)
    return code, time.monotonic() - t0


def counts(report):
    """(tests, failures + errors, Counter of skip reasons) from a JUnit report."""
    if not report.is_file():
        return 0, 0, Counter()
    root = ET.parse(report).getroot()
    cases = list(root.iter("testcase"))
    bad = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
    skips = Counter((s.get("message") or "").strip() for c in cases for s in c.findall("skipped"))
    return len(cases), bad, skips


def summary(results):
    """The lines printed at the end: one per stage, then skips and the notebooks' note."""
    lines, skips = ["", "=== make test: summary"], Counter()
    for name, (code, seconds) in results.items():
        n, bad, skipped = counts(RESULTS / f"{name}.xml")
        skips.update(skipped)
        verdict = "passed" if code == 0 else f"FAILED (exit {code}, {bad} failing)"
        lines.append(f"{name:>9}: {verdict}; {n} tests, {sum(skipped.values())} skipped, "
                     f"{seconds / 60:.1f} min")
    for reason, n in sorted(skips.items()):
        lines.append(f"  skipped {n}: {reason}")
    if committed.note():
        lines.append(committed.note())
    failed = [name for name, (code, _) in results.items() if code != 0]
    lines.append(f"make test: {'FAILED: ' + ', '.join(failed) if failed else 'every stage passed'}")
    return lines


def main(argv):
    names = argv or ["tests", "doctests", "notebooks"]
    results = {name: run(name) for name in names}
    print("\n".join(summary(results)))
    return 1 if any(code != 0 for code, _ in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
