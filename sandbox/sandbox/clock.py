"""The emulators' virtual clock: time moves only when told to."""

from __future__ import annotations

import datetime as dt

UTC = dt.UTC


def default_now() -> dt.datetime:
    """Startup wall time minus one day, on the hour.

    The day of room lets ``advance`` move the emulated world forward without its
    events ever lying in the future of the real clock that a tap reads.
    """
    now = dt.datetime.now(UTC) - dt.timedelta(days=1)
    return now.replace(minute=0, second=0, microsecond=0)


class VirtualClock:
    """A clock that stands still until ``advance`` is called."""

    def __init__(self, now: dt.datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("the virtual clock needs a timezone-aware datetime")
        self._now = now.astimezone(UTC)

    def now(self) -> dt.datetime:
        """The current emulated time (UTC)."""
        return self._now

    def advance(self, delta: dt.timedelta) -> tuple[dt.datetime, dt.datetime]:
        """Move forward by ``delta``; return the (old, new) instants."""
        if delta <= dt.timedelta(0):
            raise ValueError("the clock only moves forward")
        old = self._now
        self._now = old + delta
        return old, self._now
