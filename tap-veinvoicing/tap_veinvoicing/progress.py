"""Progress of a run over every partition's windows, for the INFO log (pure logic).

A first run reads hundreds of windows; the log gets one summary line at most every
``interval`` seconds (and one per partition at its end), the per-window lines go to DEBUG.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Progress:
    """Windows planned, done and emitted rows across the whole run."""

    planned: int
    requests_per_minute: int
    started: float
    """Clock reading (seconds) when the run began; the first summary is due ``interval`` later."""
    interval: float = 10.0
    done: int = 0
    rows: int = 0
    reported: float | None = None

    def due(self, now: float) -> bool:
        """Whether a summary is due at clock reading ``now``; if so, count it as given."""
        last = self.started if self.reported is None else self.reported
        if now - last < self.interval:
            return False
        self.reported = now
        return True

    def window_done(self, rows: int) -> None:
        """Count a window read completely and the rows it emitted."""
        self.done += 1
        self.rows += rows

    def window_split(self) -> None:
        """A window was replaced by its two halves: one more to read."""
        self.planned += 1

    @property
    def left(self) -> int:
        """Windows still to read."""
        return max(0, self.planned - self.done)

    @property
    def seconds_left(self) -> float:
        """Time the windows left take at the rate limit (one request each, at best)."""
        return self.left * 60.0 / self.requests_per_minute

    def summary(self) -> str:
        """``12/40 windows done, 28 left, 311 rows so far, about 2 min 48 s to go at 10 requests/minute``."""
        minutes, seconds = divmod(round(self.seconds_left), 60)
        eta = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        return (
            f"{self.done}/{self.planned} windows done, {self.left} left, {self.rows} rows so far, "
            f"about {eta} to go at {self.requests_per_minute} requests/minute"
        )
