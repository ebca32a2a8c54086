"""Window planning and bookmarks (pure logic)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tap_veinvoicing.windows import (
    MIN_WINDOW,
    SAFETY_MARGIN,
    Bookmark,
    Window,
    format_instant,
    parse_instant,
    plan_windows,
    run_stop,
    to_millisecond,
)

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_windows_share_their_boundaries_and_the_last_is_shorter() -> None:
    windows = plan_windows(T0, T0 + 10 * DAY + dt.timedelta(hours=5), 3 * DAY)
    assert [w.start for w in windows] == [T0, T0 + 3 * DAY, T0 + 6 * DAY, T0 + 9 * DAY]
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))
    assert windows[-1].end == T0 + 10 * DAY + dt.timedelta(hours=5)


@pytest.mark.parametrize("stop", [T0, T0 - DAY])
def test_an_empty_range_has_no_windows(stop: dt.datetime) -> None:
    assert plan_windows(T0, stop, DAY) == []


@given(
    start=st.datetimes(
        min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)
    ),
    length=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=400)),
    size=st.integers(1, 60),
)
def test_windows_cover_the_range_without_gaps(start: dt.datetime, length: dt.timedelta, size: int) -> None:
    windows = plan_windows(start, start + length, dt.timedelta(days=size))
    if length < dt.timedelta(milliseconds=1):
        return
    assert windows[0].start == to_millisecond(start)
    assert windows[-1].end == to_millisecond(start + length)
    assert all(a.end == b.start and a.start < a.end for a, b in itertools.pairwise(windows))
    assert all(w.size <= dt.timedelta(days=size) for w in windows)


def test_halves_share_a_millisecond_midpoint_down_to_the_minimum() -> None:
    window = Window(T0, T0 + dt.timedelta(seconds=1, microseconds=1000))
    left, right = Window(T0, T0 + 7 * DAY).halves()
    assert left.end == right.start == T0 + dt.timedelta(days=3, hours=12)
    assert not window.can_split()
    assert Window(T0, T0 + 2 * MIN_WINDOW).can_split()
    assert not Window(T0, T0 + 2 * MIN_WINDOW - dt.timedelta(milliseconds=1)).can_split()
    odd = Window(T0, T0 + dt.timedelta(minutes=3, milliseconds=1)).halves()
    assert odd[0].end.microsecond % 1000 == 0


def test_dates_are_sent_in_utc_with_milliseconds() -> None:
    moment = dt.datetime(2024, 6, 15, 14, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert format_instant(moment) == "2024-06-15T12:00:00.123Z"
    assert Window(T0, T0 + DAY).params() == {
        "dateFrom": "2024-01-01T00:00:00.000Z",
        "dateTo": "2024-01-02T00:00:00.000Z",
    }
    assert parse_instant("2016-12-09T11:02:07.2160001") == dt.datetime(
        2016, 12, 9, 11, 2, 7, 216000, tzinfo=dt.UTC
    )


def test_run_stop_is_now_or_an_earlier_end_date() -> None:
    assert run_stop(T0, None) == T0
    assert run_stop(T0, T0 - DAY) == T0 - DAY
    assert run_stop(T0, T0 + DAY) == T0


def test_range_start_uses_lookback_resumes_and_never_precedes_start_date() -> None:
    start_date = T0
    assert Bookmark().range_start(start_date, 30 * DAY) == start_date
    assert Bookmark(mark=T0 + 50 * DAY).range_start(start_date, 30 * DAY) == T0 + 20 * DAY
    assert Bookmark(mark=T0 + 10 * DAY).range_start(start_date, 30 * DAY) == start_date
    resumed = Bookmark(mark=T0 + 50 * DAY, window_end=T0 + 45 * DAY, started=T0 + 60 * DAY)
    assert resumed.range_start(start_date, 30 * DAY) == T0 + 45 * DAY, "no lookback inside a pass"


def test_the_mark_is_the_pass_start_minus_the_margin_not_the_newest_row() -> None:
    now = T0 + 100 * DAY
    newest = now - dt.timedelta(seconds=30)  # a busy partition: a row changed just before reading
    bookmark = Bookmark().begin(now, T0).after_window(Window(T0, now), newest)
    assert bookmark.finish(stop=now).mark == now - SAFETY_MARGIN


def test_the_mark_never_passes_the_stop_nor_the_newest_row_nor_moves_back() -> None:
    now = T0 + 100 * DAY
    old = Bookmark(mark=T0 + 10 * DAY)
    newest = T0 + 40 * DAY  # a server whose clock is behind ours
    assert old.begin(now, T0).after_window(Window(T0, now), newest).finish(now).mark == newest
    assert old.begin(now, T0).finish(stop=T0 + 20 * DAY).mark == T0 + 20 * DAY
    assert old.begin(now, T0).after_window(Window(T0, now), T0 + DAY).finish(now).mark == T0 + 10 * DAY


def test_an_interrupted_pass_keeps_its_start_and_round_trips_through_state() -> None:
    first = Bookmark(mark=T0).begin(T0 + 50 * DAY, T0 + 20 * DAY)
    first = first.after_window(Window(T0 + 20 * DAY, T0 + 27 * DAY), T0 + 26 * DAY)
    state = first.state_values()
    assert state["pass"] == {
        "window_end": "2024-01-28T00:00:00.000Z",
        "started": "2024-02-20T00:00:00.000Z",
        "newest": "2024-01-27T00:00:00.000Z",
    }
    again = Bookmark.from_state(state).begin(T0 + 60 * DAY, T0 + 27 * DAY)
    assert again == first
    finished = again.finish(T0 + 60 * DAY)
    assert finished.state_values() == {"replication_key_value": "2024-01-27T00:00:00.000Z", "pass": None}
