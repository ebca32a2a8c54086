"""JSON schema -> DuckDB types, widening, and how values are loaded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from target_reconciled.coltypes import (
    BIGINT,
    BOOLEAN,
    DATE,
    DECIMAL,
    TIMESTAMPTZ,
    VARCHAR,
    column_type,
    evolution,
    widen,
)
from tests.target_reconciled.harness import record, rows, run_inline, schema


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


def test_loaded_columns_keep_money_exact_and_fall_back_to_text(tmp_path: Path) -> None:
    """What the Arrow columns used to guarantee, now through the bulk load: exact money, UTC, JSON text."""
    props = {
        "id": {"type": "integer"},
        "money": {"type": ["number", "null"]},
        "stamp": {"type": ["string", "null"], "format": "date-time"},
        "data": {"type": ["array", "null"]},
        "text": {"type": ["string", "integer", "boolean", "null"]},
    }
    lines = [schema("s", {"type": "object", "properties": props}, ["id"])]
    values = [
        {"id": 1, "money": 12.34, "stamp": "2026-01-01T10:00:00+02:00", "data": [{"a": 1.5}], "text": 1},
        {"id": 2, "money": 5, "text": "x"},
        {"id": 3, "money": 1.0123456789012, "text": True},
        {"id": 4, "money": 12345678901234567890.123456789},
    ]
    lines += [record("s", value) for value in values]
    lines[4] = lines[4].replace("1.2345678901234567e+19", "12345678901234567890.123456789")
    config = {"duckdb_path": str(tmp_path / "db.duckdb")}
    run_inline(config, lines)
    got = {row["id"]: row for row in rows(tmp_path / "db.duckdb", "s")}
    assert [got[n]["money"] for n in (1, 2, 3, 4)] == [
        Decimal("12.34"),
        Decimal(5),
        Decimal("1.012345679"),  # the database rounds to 9 places
        Decimal("12345678901234567890.123456789"),  # exact: more digits than a double
    ]
    assert got[1]["stamp"] == dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    assert got[1]["data"] == '[{"a":1.5}]'
    assert got[2]["data"] is None
    assert [got[n]["text"] for n in (1, 2, 3)] == ["1", "x", "true"]


def test_evolution_adds_new_columns_widens_changed_ones_and_never_narrows() -> None:
    existing = {"id": BIGINT, "at": DATE, "amount": DECIMAL, "gone": VARCHAR}
    wanted = {"id": DECIMAL, "at": TIMESTAMPTZ, "amount": BIGINT, "new": BOOLEAN}
    added, widened = evolution(existing, wanted)
    assert added == {"new": BOOLEAN}
    assert widened == {"id": DECIMAL, "at": TIMESTAMPTZ}  # amount stays DECIMAL; gone stays
    assert evolution(existing, existing) == ({}, {})
