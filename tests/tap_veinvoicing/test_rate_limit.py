"""The client-side limiter: a property on a fake clock, and a 10-per-minute emulator on the same clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.clock import VirtualClock
from sandbox.server import EmulatorServer
from sandbox.ve import VeEmulator
from tap_veinvoicing.ratelimit import SlidingLog
from tap_veinvoicing.tap import TapVeInvoicing
from tests.tap_veinvoicing.conftest import KEY, NOW, parse, truth_versions


class FakeClock:
    """Seconds that move only when slept through or pushed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(1, 12),
    gaps=st.lists(st.floats(0, 90, allow_nan=False), min_size=1, max_size=60),
    slack=st.sampled_from([0.0, 0.5]),
)
def test_never_more_than_the_limit_in_any_window(limit: int, gaps: list[float], slack: float) -> None:
    clock = FakeClock()
    limiter = SlidingLog(limit, 60.0, clock=clock, sleep=clock.sleep, slack=slack)
    sends: list[float] = []
    for n, gap in enumerate(gaps):
        clock.now += gap  # the caller's own work between requests
        limiter.acquire()
        sends.append(clock.now)
        if n < limit:
            assert limiter.waited == 0, "the first `limit` sends never wait"
    for i, start in enumerate(sends):
        assert sum(1 for t in sends[i:] if t < start + 60.0) <= limit


def test_a_full_log_waits_exactly_until_the_oldest_send_leaves() -> None:
    clock = FakeClock()
    limiter = SlidingLog(2, 60.0, clock=clock, sleep=clock.sleep, slack=0.5)
    limiter.acquire()
    clock.now += 10
    limiter.acquire()
    limiter.acquire()
    assert clock.now == 1060.5
    assert limiter.waited == 50.5


def test_a_steady_run_meets_no_429(capsys: Any) -> None:
    """Tap and emulator share a fake clock: 10 requests per minute, many windows, no 429, in seconds."""
    clock = FakeClock()
    emulator = VeEmulator(clock=VirtualClock(NOW), seed=3, rate_limit=10, rate_clock=clock)
    with EmulatorServer(emulator) as server:
        config = {
            "subscription_key": KEY,
            "api_url": server.url,
            "start_date": (NOW - dt.timedelta(days=91)).isoformat(),
            "end_date": NOW.isoformat(),
            "domains": ["fashion.example"],
            "countries": ["GB", "FR", "DE"],
            "window_days": 8,
            "requests_per_minute": 10,
        }
        tap = TapVeInvoicing(config=config, validate_config=True)
        stream = tap.streams["transactions"]
        stream.limiter = SlidingLog(10, clock=clock, sleep=clock.sleep)
        tap.sync_all()
    statuses = [entry["status"] for entry in emulator.request_log]
    assert len(statuses) == 36
    assert set(statuses) == {200}
    assert clock.now - 1000.0 > 3 * 60, "36 requests at 10 per minute take over three minutes of fake time"
    emitted = parse(capsys.readouterr().out).versions
    assert sorted(emitted) == sorted(truth_versions(emulator, domain="fashion.example"))
