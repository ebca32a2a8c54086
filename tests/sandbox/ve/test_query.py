"""Query binding and value parsing as an ASP.NET backend would do it (pure logic)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from multidict import MultiDict

from sandbox.ve.query import InvalidRequestError, bind, parse_datetime, parse_int, transaction_query

UTC = dt.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_names_bind_case_insensitively_first_occurrence_wins_and_empty_is_absent() -> None:
    query = MultiDict(
        [
            ("TRANSACTIONID", "7"),
            ("transactionId", "8"),
            ("datefrom", "2024-01-02"),
            ("domain", ""),
            ("x", "1"),
        ]
    )
    assert bind(query, ("transactionId", "dateFrom", "domain")) == {
        "transactionId": "7",
        "dateFrom": "2024-01-02",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), (" +42 ", 42), ("-3", -3), ("2147483647", 2**31 - 1), ("2147483648", None), ("4.0", None),
     ("abc", None), ("0x10", None), ("", None)],
)  # fmt: skip
def test_numbers_are_int32(text: str, expected: int | None) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-01-31", dt.datetime(2017, 1, 31, tzinfo=UTC)),
        ("2017-01-31T13:45:00", dt.datetime(2017, 1, 31, 13, 45, tzinfo=UTC)),
        ("2017-01-31 13:45", dt.datetime(2017, 1, 31, 13, 45, tzinfo=UTC)),
        ("2017-01-31T13:45:00Z", dt.datetime(2017, 1, 31, 13, 45, tzinfo=UTC)),
        ("2017-01-31T13:45:00.1234567Z", dt.datetime(2017, 1, 31, 13, 45, 0, 123456, tzinfo=UTC)),
        ("2017-01-31T14:45:00+01:00", dt.datetime(2017, 1, 31, 13, 45, tzinfo=UTC)),
        ("2017-01-31T08:45:00-0500", dt.datetime(2017, 1, 31, 13, 45, tzinfo=UTC)),
        ("01/31/2017", dt.datetime(2017, 1, 31, tzinfo=UTC)),  # invariant culture: month first
        ("1/31/2017 1:45:00 PM", dt.datetime(2017, 1, 31, 13, 45, tzinfo=UTC)),
    ],
)
def test_dates_parse_like_aspnet(text: str, expected: dt.datetime) -> None:
    assert parse_datetime(text, UTC) == expected


@pytest.mark.parametrize("text", ["31/01/2017", "2017-02-30", "2017-01-31T25:00", "yesterday", "1485870300"])
def test_unparsable_dates(text: str) -> None:
    assert parse_datetime(text, UTC) is None


def test_naive_dates_are_server_time_and_offsets_are_converted() -> None:
    summer = parse_datetime("2024-06-01T13:00:00", LONDON)
    assert summer == dt.datetime(2024, 6, 1, 12, tzinfo=UTC)
    assert parse_datetime("2024-06-01T13:00:00Z", LONDON) == dt.datetime(2024, 6, 1, 13, tzinfo=UTC)


def test_transaction_query_collects_every_bad_value() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        transaction_query({"transactionid": "x", "subinvoiceId": "1.5", "dateTo": "soon", "domain": "a"}, UTC)
    assert caught.value.details == {
        "transactionId": "The value 'x' is not valid for transactionId.",
        "subinvoiceId": "The value '1.5' is not valid for subinvoiceId.",
        "dateTo": "The value 'soon' is not valid for dateTo.",
    }
    query = transaction_query(
        {"Domain": " Fashion.Example ", "COUNTRY": "fr", "subinvoiceid": "20240501"}, UTC
    )
    assert (query.domain, query.country, query.subinvoice_id) == ("fashion.example", "FR", 20240501)
