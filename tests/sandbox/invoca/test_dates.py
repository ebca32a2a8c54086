"""from/to: only as a pair, inclusive dates in the token's zone, call-start order (api-notes §3, §4.2, §8)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

LA = ZoneInfo("America/Los_Angeles")
COLUMNS = "transaction_id,start_time_utc,start_time_local,corrects_transaction_id,corrected_at"


def local_date(row: dict) -> str:
    return row["start_time_local"][:10]


@pytest.mark.parametrize("lone", [{"from": "2015-03-25"}, {"to": "2015-03-25"}])
def test_one_date_alone_filters_nothing(api, lone):
    everything = api.rows({"limit": 4000, "include_columns": "transaction_id"})
    assert api.rows({**lone, "limit": 4000, "include_columns": "transaction_id"}) == everything


def test_pair_selects_calls_started_on_those_local_days_inclusive(api):
    everything = api.walk({"include_columns": COLUMNS})
    window = api.rows({"from": "2015-03-24", "to": "2015-03-26", "limit": 4000, "include_columns": COLUMNS})
    expected = {r["transaction_id"] for r in everything if "2015-03-24" <= local_date(r) <= "2015-03-26"}
    assert {r["transaction_id"] for r in window} == expected
    assert {local_date(r) for r in window} == {"2015-03-24", "2015-03-25", "2015-03-26"}


def test_a_single_day_is_midnight_to_midnight_in_the_token_zone(api):
    window = api.rows({"from": "2015-03-25", "to": "2015-03-25", "limit": 4000, "include_columns": COLUMNS})
    begin = dt.datetime(2015, 3, 25, tzinfo=LA).timestamp() * 1000
    end = dt.datetime(2015, 3, 26, tzinfo=LA).timestamp() * 1000
    assert window
    assert all(begin <= r["start_time_utc"] < end for r in window)


def test_date_mode_orders_by_call_start_then_server_sequence(api):
    sequence = {r.tid: r.seq for r in api.emulator.data.rows}
    window = api.rows({"from": "2015-03-20", "to": "2015-03-28", "limit": 4000, "include_columns": COLUMNS})
    keys = [(r["start_time_utc"], sequence[r["transaction_id"]]) for r in window]
    assert keys == sorted(keys)


def test_corrections_are_included_next_to_their_call(api):
    window = api.rows({"from": "2015-03-21", "to": "2015-03-28", "limit": 4000, "include_columns": COLUMNS})
    corrections = [r for r in window if r["corrects_transaction_id"]]
    assert corrections
    late = [r for r in corrections if r["corrected_at"][:10] != local_date(r)]
    assert late, "some corrections happen on a later day than their call, yet sort by the call's start"
    by_id = {r["transaction_id"]: r for r in window}
    targets = [
        by_id[r["corrects_transaction_id"]] for r in corrections if r["corrects_transaction_id"] in by_id
    ]
    assert targets
    for correction in corrections:
        target = by_id.get(correction["corrects_transaction_id"])
        if target is not None:
            assert target["start_time_utc"] == correction["start_time_utc"], (
                "a correction keeps its call's start"
            )


def test_cursor_pages_within_the_date_ordering(api):
    params = {"from": "2015-03-22", "to": "2015-03-27", "include_columns": COLUMNS}
    whole = api.rows({**params, "limit": 4000})
    paged = api.walk(params, limit=37)
    assert paged == whole
    assert len(whole) > 37 * 3


def test_from_after_to_is_empty(api):
    assert api.rows({"from": "2015-03-27", "to": "2015-03-20"}) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2015-02-30", "to": "2015-03-01"}, "from"),
        ({"from": "2015-03-01", "to": "03/05/2015"}, "to"),
        ({"from": "2015-3-1", "to": "2015-03-05"}, "from"),
        ({"from": "yesterday"}, "from"),
    ],
)
def test_invalid_dates_are_field_errors(api, params, field):
    response = api.get(params)
    assert response.status_code == 403
    assert response.json() == {"errors": {field: ["is invalid"]}}


def test_local_times_follow_daylight_saving(make_api):
    api = make_api(size=400, days=40)  # 2015-02-16 .. 2015-03-28 spans DST (2015-03-08)
    rows = api.walk({"include_columns": "start_time_utc,start_time_local,start_time_xml,transaction_id"})
    offsets = set()
    for row in rows:
        start = dt.datetime.fromtimestamp(row["start_time_utc"] / 1000, LA)
        assert row["start_time_local"] == start.strftime("%Y-%m-%d %H:%M:%S ") + start.isoformat()[19:]
        assert row["start_time_xml"] == start.isoformat()
        offsets.add(row["start_time_local"][-6:])
    assert offsets == {"-08:00", "-07:00"}
    window = api.rows({"from": "2015-03-08", "to": "2015-03-08", "limit": 4000, "include_columns": COLUMNS})
    assert {local_date(r) for r in window} == {"2015-03-08"}


def test_timezone_option_changes_local_times_and_dates(make_api):
    api = make_api(timezone="UTC", network_timezone="America/New_York")
    row = api.rows(
        {"limit": 1, "include_columns": "start_time_local,start_time_network_timezone,start_time_utc"}
    )[0]
    start = dt.datetime.fromtimestamp(row["start_time_utc"] / 1000, dt.UTC)
    assert row["start_time_local"] == start.strftime("%Y-%m-%d %H:%M:%S +00:00")
    assert row["start_time_network_timezone"].endswith(("-04:00", "-05:00"))
