"""Date windows and per-partition bookmarks (pure logic, no I/O).

``GetTransactions`` has no paging, so a partition is read as consecutive
``dateFrom``/``dateTo`` windows. Consecutive windows share their boundary instant:
whether the server's bounds are inclusive (``from <= x <= to``) or half-open
(``from <= x < to``), no instant falls between two windows, and a row that an
inclusive server returns twice at a boundary is dropped by its
(``transactionId``, ``modifiedDate``) pair (see ``records.RowFilter``).

A partition's bookmark (``Bookmark``) is a high-water mark: every version whose
``modifiedDate`` is at or before it has already been emitted. It is the start of
the next pass (minus ``lookback_days``) and the filter that drops re-read rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

UTC = dt.UTC
MIN_WINDOW = dt.timedelta(minutes=1)
"""A failing window is halved down to this size; below it the run stops."""
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
SAFETY_MARGIN = dt.timedelta(minutes=10)
"""How far before a pass's first request its mark is set, for clock skew and in-flight writes."""


def parse_instant(text: str, *, assume_utc: bool = True) -> dt.datetime:
    """A datetime from ISO 8601 (``Z``, offsets, up to 7 fractional digits as .NET writes).

    A value without zone is read as UTC (``assume_utc``) and the result is in UTC; with
    ``assume_utc=False`` a zone-less value is returned naive.
    """
    value = dt.datetime.fromisoformat(_LONG_FRACTION.sub(r"\1", text))
    if value.tzinfo is None:
        if not assume_utc:
            return value
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_instant(value: dt.datetime) -> str:
    """``2024-06-15T12:00:00.123Z``: UTC with milliseconds, as the API writes dates."""
    utc = value.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def to_millisecond(value: dt.datetime) -> dt.datetime:
    """``value`` truncated to whole milliseconds (the API's precision)."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Window:
    """One request's ``dateFrom``/``dateTo``; consecutive windows share their boundary."""

    start: dt.datetime
    end: dt.datetime

    @property
    def size(self) -> dt.timedelta:
        """How long the window is."""
        return self.end - self.start

    def can_split(self, minimum: dt.timedelta = MIN_WINDOW) -> bool:
        """Whether both halves would still be at least ``minimum`` long."""
        return self.size >= 2 * minimum

    def halves(self) -> tuple[Window, Window]:
        """The two halves, sharing the (millisecond) midpoint."""
        middle = to_millisecond(self.start + self.size / 2)
        return Window(self.start, middle), Window(middle, self.end)

    def params(self) -> dict[str, str]:
        """``dateFrom`` and ``dateTo`` as sent."""
        return {"dateFrom": format_instant(self.start), "dateTo": format_instant(self.end)}

    def __str__(self) -> str:
        return f"{format_instant(self.start)}..{format_instant(self.end)}"


def plan_windows(start: dt.datetime, stop: dt.datetime, size: dt.timedelta) -> list[Window]:
    """Consecutive windows of ``size`` from ``start`` to ``stop``; the last one may be shorter.

    Empty when ``start`` is not before ``stop``.
    """
    if size <= dt.timedelta(0):
        raise ValueError("window size must be positive")
    start, stop = to_millisecond(start), to_millisecond(stop)
    windows: list[Window] = []
    while start < stop:
        end = min(start + size, stop)
        windows.append(Window(start, end))
        start = end
    return windows


def run_stop(now: dt.datetime, end_date: dt.datetime | None) -> dt.datetime:
    """Where this run's windows end: now, or ``end_date`` when that is earlier."""
    return min(now, end_date) if end_date is not None else now


@dataclass(frozen=True)
class Bookmark:
    """A partition's state: its high-water mark and the pass in progress, if any.

    - ``mark``: every version with ``modifiedDate <= mark`` has been emitted
      (``replication_key_value`` in the SDK's state);
    - ``window_end``: the pass in progress has read every window up to here;
    - ``started``: when the pass in progress sent its first request;
    - ``newest``: the newest ``modifiedDate`` the pass in progress has received.
    """

    mark: dt.datetime | None = None
    window_end: dt.datetime | None = None
    started: dt.datetime | None = None
    newest: dt.datetime | None = None

    @property
    def in_progress(self) -> bool:
        """Whether an interrupted pass is to be resumed."""
        return self.window_end is not None

    def range_start(self, start_date: dt.datetime, lookback: dt.timedelta) -> dt.datetime:
        """Where the next window starts: the interrupted pass's progress, else the mark minus lookback.

        Never before ``start_date``.
        """
        if self.window_end is not None:
            return max(self.window_end, start_date)
        if self.mark is None:
            return start_date
        return max(self.mark - lookback, start_date)

    def begin(self, now: dt.datetime, range_start: dt.datetime) -> Bookmark:
        """Start a pass at ``now`` (an interrupted pass keeps its own start)."""
        if self.in_progress:
            return self
        return replace(self, window_end=range_start, started=now, newest=None)

    def after_window(self, window: Window, newest: dt.datetime | None) -> Bookmark:
        """Record a window read completely; ``newest`` is its newest ``modifiedDate``."""
        latest = self.newest if newest is None or (self.newest and self.newest >= newest) else newest
        return replace(self, window_end=window.end, newest=latest)

    def finish(self, stop: dt.datetime, margin: dt.timedelta = SAFETY_MARGIN) -> Bookmark:
        """End the pass: the new mark is the earliest of the three bounds of what it saw.

        - the pass's first request minus ``margin``: a version written after reading
          began may have been missed in a window read earlier (and clocks drift);
        - ``stop``: nothing after the last window's end was asked for;
        - the newest ``modifiedDate`` received: a server whose clock is behind ours
          writes its next versions after that, not after our clock's reading.

        The mark never moves back.
        """
        if self.started is None:
            return Bookmark(self.mark)
        bounds = [self.started - margin, stop]
        if self.newest is not None:
            bounds.append(self.newest)
        candidate = min(bounds)
        mark = candidate if self.mark is None else max(self.mark, candidate)
        return Bookmark(to_millisecond(mark))

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Bookmark:
        """Read a partition's state dict (``replication_key_value`` and ``pass``)."""
        progress = state.get("pass") or {}
        mark = state.get("replication_key_value")
        return cls(
            mark=parse_instant(mark) if mark else None,
            window_end=_instant(progress.get("window_end")),
            started=_instant(progress.get("started")),
            newest=_instant(progress.get("newest")),
        )

    def state_values(self) -> dict[str, Any]:
        """The keys this bookmark owns in a partition's state dict (None: remove)."""
        progress = None
        if self.window_end is not None and self.started is not None:
            progress = {
                "window_end": format_instant(self.window_end),
                "started": format_instant(self.started),
            }
            if self.newest is not None:
                progress["newest"] = format_instant(self.newest)
        return {
            "replication_key_value": format_instant(self.mark) if self.mark else None,
            "pass": progress,
        }


def _instant(text: str | None) -> dt.datetime | None:
    return parse_instant(text) if text else None
