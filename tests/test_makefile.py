"""The Makefile keeps its promises: every phony target has a rule, `test` runs every test and
the doctests, `test-fast` leaves out only the browser and `slow` tests, CI lints first."""
import re

from conftest import ROOT

MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def rules():
    """{target: its recipe lines} for every rule `target: prerequisites` of the Makefile."""
    found, current = {}, None
    for line in MAKEFILE.splitlines():
        if line.startswith("\t") and current:
            found[current].append(line.strip())
            continue
        match = re.match(r"^([\w$().-][\w$()./-]*)\s*:(?!=)", line)
        current = match.group(1) if match else None
        if current:
            found[current] = []
    return found


def test_every_phony_target_has_a_rule():
    phony = re.search(r"^\.PHONY:(.*)$", MAKEFILE, re.M).group(1).split()
    missing = [t for t in phony if t not in rules()]
    assert not missing, f"named in .PHONY but no rule: {missing}"


def test_test_runs_everything_and_test_fast_skips_only_browser_and_slow():
    recipes = rules()
    assert "$(PY) -m pytest tests" in recipes["test"]
    assert any("--doctest-modules" in r or "$(DOCTEST)" in r for r in recipes["test"])
    assert any("--nbval" in r or "$(NBVAL)" in r for r in recipes["test"])
    assert '$(PY) -m pytest tests -m "not browser and not slow"' in recipes["test-fast"]
    assert any("$(DOCTEST)" in r for r in recipes["test-fast"])
    assert not any("NBVAL" in r for r in recipes["test-fast"])


def test_ci_lints_before_it_tests():
    steps = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert steps.index("make lint") < steps.index("make test")
