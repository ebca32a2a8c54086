"""A sliding-window call limiter, as the APIM ``rate-limit`` policy applies (notes §6.1)."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most ``limit`` admitted calls per key in any ``window``-second interval.

    A call made at time ``t`` counts while ``now < t + window``. ``limit`` 0 means
    unlimited. With ``count_rejected`` a refused call counts too (it pushes the
    caller's next chance further out); by default only admitted calls count.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        count_rejected: bool = False,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.count_rejected = count_rejected
        self._calls: defaultdict[str, deque[float]] = defaultdict(deque)

    def check(self, key: str) -> int | None:
        """Count one call for ``key``: None if admitted, else whole seconds to wait (>= 1)."""
        if self.limit <= 0:
            return None
        now = self.clock()
        calls = self._calls[key]
        while calls and calls[0] + self.window <= now:
            calls.popleft()
        if len(calls) < self.limit:
            calls.append(now)
            return None
        if self.count_rejected:
            calls.append(now)
        # The next call is admitted once all but limit-1 of the counted calls have left.
        frees_at = calls[len(calls) - self.limit] + self.window
        return max(1, math.ceil(round(frees_at - now, 6)))
