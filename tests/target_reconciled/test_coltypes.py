"""JSON schema -> DuckDB types, widening, and Arrow columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from target_reconciled.coltypes import arrow_column, column_type, widen


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ({"type": "integer"}, "BIGINT"),
        ({"type": ["null", "number"]}, "DECIMAL(38,9)"),
        ({"type": "boolean"}, "BOOLEAN"),
        ({"type": "string"}, "VARCHAR"),
        ({"type": ["string", "null"], "format": "date-time"}, "TIMESTAMPTZ"),
        ({"type": "string", "format": "date"}, "DATE"),
        ({"type": ["array", "null"], "items": {"type": "object"}}, "JSON"),
        ({"type": "object"}, "JSON"),
        ({}, "JSON"),
        ({"type": ["integer", "number"]}, "DECIMAL(38,9)"),
        ({"type": ["integer", "string"]}, "VARCHAR"),
        ({"anyOf": [{"type": "string", "format": "date-time"}, {"type": ["string", "null"]}]}, "VARCHAR"),
        (
            {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]},
            "TIMESTAMPTZ",
        ),
        ({"type": "null"}, "VARCHAR"),
    ],
)
def test_column_type(prop: dict, expected: str) -> None:
    assert column_type(prop) == expected


def test_widen_never_narrows() -> None:
    assert widen("BIGINT", "DECIMAL(38,9)") == widen("DECIMAL(38,9)", "BIGINT") == "DECIMAL(38,9)"
    assert widen("DATE", "TIMESTAMPTZ") == "TIMESTAMPTZ"
    assert widen("BOOLEAN", "BIGINT") == "VARCHAR"
    assert widen("JSON", "VARCHAR") == "VARCHAR"
    assert widen("VARCHAR", "BIGINT") == "VARCHAR"


def test_arrow_columns_keep_money_exact_and_fall_back_to_text() -> None:
    money = arrow_column([Decimal("12.34"), 5, None], "DECIMAL(38,9)")
    assert money.type == pa.decimal128(38, 9)
    assert money.to_pylist() == [Decimal("12.34"), Decimal(5), None]
    precise = arrow_column([Decimal("1.0123456789012")], "DECIMAL(38,9)")
    assert precise.to_pylist() == ["1.0123456789012"]  # the database rounds it when casting
    stamps = arrow_column(
        [dt.datetime(2026, 1, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=2)))], "TIMESTAMPTZ"
    )
    assert stamps.to_pylist()[0] == dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    assert arrow_column([[{"a": Decimal("1.5")}], None], "JSON").to_pylist() == ['[{"a":1.5}]', None]
    assert arrow_column([1, "x", dt.date(2026, 1, 2), True], "VARCHAR").to_pylist() == [
        "1",
        "x",
        "2026-01-02",
        "true",
    ]
