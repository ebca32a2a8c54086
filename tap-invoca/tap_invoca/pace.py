"""Rows so far and their rate, for a progress line at most every few seconds (pure logic)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Pace:
    """Rows counted since ``started`` (a clock reading in seconds); a line is due every ``interval``."""

    started: float
    interval: float = 10.0
    rows: int = 0
    reported: float | None = None

    def due(self, now: float) -> bool:
        """Whether a progress line is due at ``now``; if so, count it as given."""
        last = self.started if self.reported is None else self.reported
        if now - last < self.interval:
            return False
        self.reported = now
        return True

    def summary(self, now: float) -> str:
        """``250,000 rows so far, 41,200 rows/s``."""
        seconds = max(now - self.started, 1e-9)
        return f"{self.rows:,} rows so far, {self.rows / seconds:,.0f} rows/s"
