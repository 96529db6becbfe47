"""The browser tests' waiting rule (lab_page.wait_for_progress), without a browser: a slow
page that keeps making progress is waited for; a page stuck with no progress fails after the
stall time, saying where it stuck; a dead kernel fails at once."""
import pytest

from lab_page import wait_for_progress


class FakePage:
    """A clock that advances 5 s per poll, and a page whose progress follows `marks`."""

    def __init__(self, marks, done_after):
        self.t, self.polls, self.marks, self.done_after = 0.0, 0, marks, done_after

    def clock(self):
        return self.t

    def is_done(self):
        self.polls += 1
        self.t += 5
        return self.polls > self.done_after

    def progress(self):
        return self.marks(self.polls)


def test_a_slow_page_that_keeps_completing_cells_is_waited_for():
    # one more cell completes every 50 s for an hour: far past the stall time of 120 s
    page = FakePage(lambda n: {"kernel": "busy", "done": n // 10}, done_after=720)
    waited = wait_for_progress(page.is_done, page.progress, "Run All", stall_s=120,
                               bound_s=10_000, clock=page.clock)
    assert waited == pytest.approx(3605)


def test_a_stuck_page_fails_after_the_stall_time_saying_where():
    page = FakePage(lambda n: {"kernel": "busy", "done": min(n, 3),
                               "running": "code cell 4: train(model)"}, done_after=10**6)
    with pytest.raises(AssertionError, match=r"Run All: no progress for 12\d s.*code cell 4"):
        wait_for_progress(page.is_done, page.progress, "Run All", stall_s=120,
                          bound_s=10_000, clock=page.clock)
    assert page.t < 200


def test_progress_without_end_stops_at_the_bound():
    page = FakePage(lambda n: {"kernel": "busy", "output": n}, done_after=10**6)
    with pytest.raises(AssertionError, match="still not done after"):
        wait_for_progress(page.is_done, page.progress, "pressing Train", stall_s=120,
                          bound_s=1000, clock=page.clock)


def test_a_dead_kernel_fails_at_once():
    page = FakePage(lambda n: {"kernel": "dead python3", "done": 2}, done_after=10**6)
    with pytest.raises(AssertionError, match="kernel died"):
        wait_for_progress(page.is_done, page.progress, "Run All", stall_s=120,
                          bound_s=10_000, clock=page.clock)
    assert page.polls == 1
