"""The PostgreSQL staging of a batch agrees with the engine's Python definitions, like DuckDB's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from target_reconciled.destinations.pg_staging import (
    BATCH,
    CAST_FUNCTION,
    COPY_RAW,
    RAW,
    bad_value_sql,
    stage_sql,
)
from target_reconciled.rules import StreamRules
from tests.target_reconciled.test_staging import RULES, agree, records

COLUMNS = {"id": "VARCHAR", "parent": "VARCHAR", "at": "TIMESTAMPTZ", "amount": "DECIMAL(38,9)"}
TYPED = {**COLUMNS, "day": "DATE", "clock": "TIME", "n": "BIGINT", "ok": "BOOLEAN", "doc": "JSON"}
_encode = msgspec.json.Encoder(decimal_format="number").encode
pg_records = records.filter(lambda r: "\x00" not in f"{r['id']}{r['parent']}")
"""PostgreSQL text cannot hold NUL (a record with one is refused: ``test_postgres``)."""


@pytest.fixture(scope="module")
def conn(postgres_url: str) -> Any:
    with psycopg.connect(postgres_url) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        yield connection


def load_raw(conn: psycopg.Connection[Any], batch: list[dict[str, Any]]) -> None:
    conn.execute(f"CREATE TEMP TABLE {RAW} (d jsonb) ON COMMIT DROP")
    with conn.cursor().copy(COPY_RAW) as copy:
        for n, rec in enumerate(batch):
            copy.write(b'{"i":%d,"l":%d,"v":null,"r":%b}\n' % (n, n + 1, _encode(rec)))


def staged(
    conn: psycopg.Connection[Any],
    batch: list[dict[str, Any]],
    columns: dict[str, str] = COLUMNS,
    rules: StreamRules = RULES,
) -> list[tuple[Any, ...]]:
    try:
        load_raw(conn, batch)
        conn.execute(stage_sql(columns, rules, 1))
        return conn.execute(
            "SELECT _reconciled_key, _reconciled_corrects, _reconciled_order, _reconciled_bad, "
            f"_reconciled_digest FROM {BATCH} ORDER BY _reconciled_line"
        ).fetchall()
    finally:
        conn.rollback()


@settings(max_examples=60, deadline=None)
@given(st.lists(pg_records, min_size=1, max_size=20))
def test_sql_and_python_agree(conn: psycopg.Connection[Any], batch: list[dict[str, Any]]) -> None:
    agree(staged(conn, batch), batch)


def test_digest_ignores_sdc_columns_key_order_and_number_spelling(conn: psycopg.Connection[Any]) -> None:
    batch = [
        {"id": "A", "amount": Decimal("10.10"), "at": "2026-01-01T00:00:00Z"},
        {"at": "2026-01-01T01:00:00+01:00", "_sdc_batched_at": "x", "amount": Decimal("10.1"), "id": "A"},
        {"id": "A", "amount": Decimal("10.2"), "at": "2026-01-01T00:00:00Z"},
        {"id": "A", "amount": "1e1", "at": "2026-01-01T00:00:00Z"},
        {"id": "A", "amount": 10, "at": "2026-01-01T00:00:00Z"},
    ]
    digests = [row[4] for row in staged(conn, batch)]
    assert digests[0] == digests[1] != digests[2]
    assert digests[3] == digests[4]
    assert digests == [row[4] for row in staged(conn, batch)]  # stable across runs


def test_values_of_the_wrong_shape_are_named(conn: psycopg.Connection[Any]) -> None:
    """PostgreSQL would read ``yesterday``, ``NaN``, ``yes`` or ``01/02/03``: the staging does not."""
    batch = [
        {"id": None},
        {"id": True},
        {"id": "B", "at": "yesterday"},
        {"id": "C", "parent": 1.5},
        {"id": "D", "amount": "NaN"},
        {"id": "E", "ok": "yes"},
        {"id": "F", "day": "01/02/03"},
        {"id": "G", "clock": "allballs"},
        {"id": "H", "n": 1.5},
        {"id": "I", "day": "2026-01-02", "clock": "10:00:00+02:00", "n": 3, "ok": True, "doc": {"a": [1]}},
    ]
    reasons = [row[3] for row in staged(conn, batch, TYPED)]
    assert "key column 'id'" in reasons[0]
    assert "key column 'id'" in reasons[1]
    assert "'at'" in reasons[2]
    assert "corrects column 'parent'" in reasons[3]
    assert "column 'amount': not numeric" in reasons[4]
    assert reasons[5] == "column 'ok': not boolean"
    assert reasons[6] == "column 'day': not date"
    assert reasons[7] == "column 'clock': not time"
    assert reasons[8] == "column 'n': not bigint"
    assert reasons[9] is None


def test_a_well_shaped_value_out_of_range_is_found_by_the_fallback(conn: psycopg.Connection[Any]) -> None:
    batch = [{"id": "A", "day": "2026-01-31"}, {"id": "B", "day": "2026-02-30"}, {"id": "C", "n": 2**70}]
    try:
        load_raw(conn, batch)
        with pytest.raises(psycopg.errors.DataError), conn.transaction():
            conn.execute(stage_sql(TYPED, RULES, 1))
        conn.execute(CAST_FUNCTION)
        assert conn.execute(bad_value_sql(TYPED)).fetchall() == [(2, "column 'day': not date")]
    finally:
        conn.rollback()
