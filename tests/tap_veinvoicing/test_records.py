"""Record typing and the per-pass row filter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec
import pytest

from tap_veinvoicing.records import InvalidValueError, PassFilter, matches, normalize

ROW = (
    b'{"transactionId":100001,"transactionType":"Click / Email","transactionStatus":"Approved",'
    b'"creationDate":"2016-12-09T11:02:07.216Z","modifiedDate":"2016-12-10T11:02:07.216Z",'
    b'"subInvoiceId":0,"commission":12.50,"commissionType":"Percentage","orderNumber":"",'
    b'"total":0.10,"currency":"GBP","invoiceCurrency":"GBP","conversionValue":100,'
    b'"email":null,"promoCodeName":null,"checkOutDate":"2016-12-09T11:02:07.2160000","extra":1}'
)


def decode(raw: bytes) -> dict:
    return msgspec.json.Decoder(dict, float_hook=Decimal).decode(raw)


def test_a_row_is_typed_and_located() -> None:
    record = normalize(decode(ROW), "shop.example", "GB")
    assert record["transactionId"] == 100001
    assert record["commission"] == Decimal("12.50")
    assert str(record["commission"]) == "12.50"
    assert record["total"] == Decimal("0.10")
    assert record["conversionValue"] == Decimal(100)
    assert record["orderNumber"] is None, "empty strings become null"
    assert record["checkOutDate"] == "2016-12-09T11:02:07.2160000Z", "a zone-less date is UTC"
    assert record["modifiedDate"] == "2016-12-10T11:02:07.216Z"
    assert (record["domain"], record["country"]) == ("shop.example", "GB")
    assert "extra" not in record
    assert list(record)[:3] == ["transactionId", "transactionType", "transactionStatus"]


def test_numbers_in_strings_are_converted() -> None:
    row = {**decode(ROW), "transactionId": "100002", "subInvoiceId": "20240501", "total": "9.99"}
    record = normalize(row, None, None)
    assert (record["transactionId"], record["subInvoiceId"], record["total"]) == (
        100002,
        20240501,
        Decimal("9.99"),
    )


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("transactionId", None, "a transaction id"),
        ("subInvoiceId", "x1", "an integer"),
        ("total", "ten", "a decimal number"),
        ("modifiedDate", "09/12/2016", "an ISO 8601 date-time"),
    ],
)
def test_bad_values_name_the_field_and_the_transaction(field: str, value: object, expected: str) -> None:
    with pytest.raises(InvalidValueError, match=expected) as info:
        normalize({**decode(ROW), field: value}, None, None)
    assert repr(field) in str(info.value)


def test_types_and_statuses_match_by_value_or_bare_name() -> None:
    wanted = {"approved", "click / email"}
    assert matches("Approved", wanted)
    assert matches("APPROVED - Paid", wanted)
    assert matches("Click / Email - Transaction Generated without promo codes", wanted)
    assert not matches("Pending", wanted)
    assert not matches(None, wanted)


def record(transaction_id: int, modified: str, status: str = "Approved") -> dict:
    return {
        "transactionId": transaction_id,
        "modifiedDate": modified,
        "transactionStatus": status,
        "transactionType": "X",
    }


def test_the_pass_filter_drops_old_versions_boundary_repeats_and_unwanted_statuses() -> None:
    rows = PassFilter(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), statuses=["Approved", "Pending"])
    assert not rows.keep(record(1, "2024-01-01T00:00:00.000Z")), "at the mark: already emitted"
    assert rows.keep(record(1, "2024-01-01T00:00:00.001Z"))
    assert not rows.keep(record(1, "2024-01-01T00:00:00.001Z")), "the same version on a shared boundary"
    assert rows.keep(record(1, "2024-01-02T00:00:00.000Z")), "a newer version of the same transaction"
    assert not rows.keep(record(2, "2024-01-03T00:00:00.000Z", "Cancelled (fraud)"))
    assert rows.keep(record(3, "2024-01-03T00:00:00.000Z", "Pending"))
    assert rows.skipped == 3
    assert PassFilter(None).keep(record(4, "2000-01-01T00:00:00Z"))
