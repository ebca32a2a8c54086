"""The sliding-window limiter on a fake clock (pure logic)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.ve.ratelimit import SlidingWindowLimiter
from tests.sandbox.ve.conftest import FakeClock


def test_ten_per_window_then_retry_after_counts_down_to_the_oldest_call() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(10, 60.0, clock)
    for _ in range(10):
        assert limiter.check("k") is None
        clock.sleep(1)
    assert limiter.check("k") == 50  # the first call (t=0) leaves at t=60; now t=10
    clock.sleep(49.5)
    assert limiter.check("k") == 1  # 0.5 s left rounds up to a whole second
    clock.sleep(0.5)
    assert limiter.check("k") is None  # t=60: the first call has left the window
    assert limiter.check("k") == 1


def test_keys_are_limited_separately_and_zero_means_unlimited() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2, 60.0, clock)
    assert [limiter.check("a"), limiter.check("a"), limiter.check("b")] == [None, None, None]
    assert limiter.check("a") == 60
    unlimited = SlidingWindowLimiter(0, 60.0, clock)
    assert all(unlimited.check("a") is None for _ in range(1000))


def test_a_burst_then_steady_traffic_never_exceeds_ten_in_any_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(10, 60.0, clock)
    admitted = []
    for _ in range(15):  # a burst at one instant: ten pass
        if limiter.check("k") is None:
            admitted.append(clock())
    assert len(admitted) == 10
    for _ in range(599):  # then one call every second until just before t+600
        clock.sleep(1)
        if limiter.check("k") is None:
            admitted.append(clock())
    # nothing until the burst leaves at t+60, then ten per minute: nine minutes' worth
    assert len(admitted) == 10 + 9 * 10
    assert admitted[10:20] == [1060.0 + n for n in range(10)]
    assert all(sum(1 for t in admitted if start <= t < start + 60) <= 10 for start in admitted)


def test_rejected_calls_count_only_when_asked() -> None:
    answers = {}
    for count_rejected in (False, True):
        clock = FakeClock()
        limiter = SlidingWindowLimiter(2, 60.0, clock, count_rejected=count_rejected)
        seen = []
        for at in (0, 10, 20, 30, 70):  # two admitted, then an early retry at t=30
            clock.now = 1000.0 + at
            seen.append(limiter.check("k"))
        answers[count_rejected] = seen
    assert answers[False] == [None, None, 40, 30, None]
    assert answers[True] == [None, None, 50, 50, 20]  # the refused calls keep the window full


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(1, 12),
    gaps=st.lists(st.floats(0, 20, allow_nan=False), min_size=1, max_size=80),
)
def test_no_window_ever_holds_more_than_the_limit_and_retry_after_is_honest(
    limit: int, gaps: list[float]
) -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit, 60.0, clock)
    admitted: list[float] = []
    for gap in gaps:
        clock.sleep(gap)
        wait = limiter.check("k")
        if wait is None:
            admitted.append(clock())
            continue
        assert wait >= 1
        probe = SlidingWindowLimiter(limit, 60.0, clock)
        probe._calls["k"].extend(limiter._calls["k"])
        saved = clock.now
        clock.now = saved + wait
        assert probe.check("k") is None  # waiting Retry-After seconds is enough
        clock.now = saved
    assert all(sum(1 for t in admitted if start <= t < start + 60) <= limit for start in admitted)
