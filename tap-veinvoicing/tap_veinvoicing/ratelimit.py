"""Client-side request rate limit: a sliding log of send times (pure, clock and sleep injected).

Azure API Management counts calls in a sliding window (api-notes §6.1), so a token
bucket that allows bursts would still meet 429s. ``SlidingLog`` admits a send only
when fewer than ``limit`` sends happened in the ``window`` seconds before it: no
interval of ``window`` seconds ever holds more than ``limit`` sends.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SlidingLog:
    """At most ``limit`` sends in any ``window``-second interval.

    ``slack`` seconds are added to every wait so that network jitter between our
    send and the gateway's arrival time does not make two sends look closer there.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        slack: float = 0.5,
    ) -> None:
        if limit < 1 or window <= 0 or slack < 0:
            raise ValueError("the rate limit needs limit >= 1, a positive window and slack >= 0")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self.slack = slack
        self._sends: deque[float] = deque()
        self.waited = 0.0
        """Total seconds spent waiting, for progress logs."""

    def acquire(self) -> None:
        """Block until one more send is allowed, then count it."""
        while True:
            now = self.clock()
            while self._sends and self._sends[0] + self.window <= now:
                self._sends.popleft()
            if len(self._sends) < self.limit:
                self._sends.append(now)
                return
            wait = self._sends[0] + self.window - now + self.slack
            self.waited += wait
            self.sleep(wait)

    def seconds_for(self, sends: int) -> float:
        """Lower bound of the time ``sends`` more sends take at this limit (for estimates)."""
        return max(0, sends - self.limit) * self.window / self.limit
